/// What makes a username acceptable: 3–64 lowercase letters, digits, `.`, `_` or `-`, starting with a
/// letter or digit (grid workers' usernames carry their grid code: `wgy-449902001001001-1`).
public enum AccountRules {
    public static func usernameProblem(_ username: String) -> String? {
        let allowed = username.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0) }
        guard (3...64).contains(username.count), allowed, let first = username.unicodeScalars.first, !".-_".unicodeScalars.contains(first) else {
            return "username \"\(username)\" must be 3–64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
        }
        return nil
    }

    /// A display name: 1–64 characters, no control characters.
    public static func displayNameProblem(_ name: String) -> String? {
        guard (1...64).contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return "name must be 1–64 characters without control characters"
        }
        return nil
    }
}
