/// What makes a username acceptable: 3–64 lowercase letters, digits, `.`, `_` or `-`, starting with a
/// letter or digit (grid workers' usernames carry their grid code: `wgy-449902001001001-1`).
public enum AccountRules {
    public static func usernameProblem(_ username: String) -> String? {
        let allowed = username.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0) }
        guard (3...64).contains(username.count), allowed, let first = username.unicodeScalars.first, !".-_".unicodeScalars.contains(first) else {
            return "username \"\(username)\" must be 3–64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit"
        }
        // The case log names residents without an account so: an account of that name would pass for them.
        if username == Actor.residentUsername { return "username \"\(username)\" is kept for residents reporting without an account" }
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

extension AccountRules {
    /// Why a new password is unacceptable, or `nil`: 10–72 bytes (bcrypt reads no further), not the
    /// username, not one character repeated.
    public static func passwordProblem(_ password: String, username: String) -> String? {
        if password.count < 10 { return "the new password must have at least 10 characters" }
        if password.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "the new password must not contain control characters"
        }
        if password.utf8.count > 72 { return "the new password may be at most 72 bytes" }
        if password.lowercased().contains(username.lowercased()) { return "the new password must not contain the username" }
        if Set(password).count < 4 { return "the new password must use at least 4 different characters" }
        return nil
    }
}

extension AccountRules {
    /// A new random password of 16 letters and digits, without look-alikes (0/O, 1/l/I), shown once.
    public static func newPassword(using random: inout some RandomNumberGenerator) -> String {
        let alphabet = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<16).map { _ in alphabet.randomElement(using: &random)! })
    }
}

/// What is wrong with a value a person entered, and in which field (named as the API names it:
/// `display_name`, `identity_number`), so that every interface can point at it.
public struct FieldProblem: Error, Hashable, Sendable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

extension AccountRules {
    /// The first problem of a new account, or `nil`: a valid username and name, at least one role,
    /// an area for roles that work in one, a department for department roles.
    public static func accountProblem(
        username: String,
        displayName: String,
        roles: [Role],
        area: String?,
        department: String?,
        person: Int64? = nil
    ) -> FieldProblem? {
        if let problem = usernameProblem(username) { return FieldProblem("username", problem) }
        if let problem = displayNameProblem(displayName) { return FieldProblem("display_name", problem) }
        if roles.isEmpty { return FieldProblem("roles", "give at least one role") }
        if roles.contains(where: { $0 == .gridWorker || $0 == .official }), area == nil {
            return FieldProblem("area", "an area is required for the roles grid_worker and official")
        }
        if roles.contains(where: { $0 == .departmentHandler || $0 == .departmentHead }), department == nil {
            return FieldProblem("department", "a department is required for the roles department_handler and department_head")
        }
        if person != nil, roles != [.citizen] { return FieldProblem("person", "only a citizen's account is linked to a resident's record") }
        return nil
    }
}
