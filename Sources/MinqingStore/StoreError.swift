import MinqingCore

/// What the store can refuse; the server maps each case to one problem type.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case notFound(String)
    case conflict(String)
    /// What was sent breaks a rule that only the stored data can check (a 400 naming the field).
    case invalid(FieldProblem)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): "invalid configuration: \(message)"
        case .notFound(let message): "not found: \(message)"
        case .conflict(let message): "conflict: \(message)"
        case .invalid(let problem): "invalid: \(problem)"
        }
    }
}
