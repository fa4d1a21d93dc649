/// Comparisons of secrets (key hashes, CSRF tokens) that take the same time wherever they differ,
/// so that timing does not reveal how much of a guess was right.
public enum Secret {
    public static func equal(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
