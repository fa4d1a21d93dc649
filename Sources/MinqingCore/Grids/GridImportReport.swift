/// One problem found in a grid file, named by the feature and the place it was found.
public struct GridImportIssue: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Codable {
        /// The file is refused.
        case error
        /// Worth a look; the file is still imported.
        case warning
    }

    /// A stable identity for each kind of problem, the `kind` field of the API's report.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case invalidJSON = "invalid_json"
        case notFeatureCollection = "not_feature_collection"
        case missingProperty = "missing_property"
        case invalidText = "invalid_text"
        case invalidLevel = "invalid_level"
        case invalidCode = "invalid_code"
        case unsupportedGeometry = "unsupported_geometry"
        case tooFewPositions = "too_few_positions"
        case unclosedRing = "unclosed_ring"
        case coordinateOutOfRange = "coordinate_out_of_range"
        case selfIntersection = "self_intersection"
        case duplicateCode = "duplicate_code"
        case unknownParent = "unknown_parent"
        case wrongParentLevel = "wrong_parent_level"
        case parentCycle = "parent_cycle"
        case outsideParent = "outside_parent"
        case siblingOverlap = "sibling_overlap"
        case holeOutsideShell = "hole_outside_shell"
        case overlappingParts = "overlapping_parts"
        case gapInParent = "gap_in_parent"
    }

    public var severity: Severity
    public var kind: Kind
    /// The zero-based position of the feature in the file's `features` array, when the problem has one.
    public var feature: Int?
    /// The area code of the feature, when it has one.
    public var code: String?
    /// Where the problem is, in the file's own coordinate system.
    public var place: GeoPoint?
    public var message: String

    public init(_ severity: Severity, _ kind: Kind, feature: Int?, code: String?, place: GeoPoint? = nil, message: String) {
        self.severity = severity
        self.kind = kind
        self.feature = feature
        self.code = code
        self.place = place
        self.message = message
    }

    /// One line for a terminal: `error feature 12 (441502101): self_intersection at 115.1, 22.8: …`.
    public var line: String {
        var text = severity.rawValue
        if let feature { text += " feature \(feature)" }
        if let code { text += " (\(code))" }
        text += ": \(kind.rawValue)"
        if let place { text += " at \(place.longitude), \(place.latitude)" }
        return text + ": " + message
    }
}

/// Everything validation found; a file with any error is refused whole.
public struct GridImportReport: Sendable, Hashable, Codable {
    public var issues: [GridImportIssue]

    public init(issues: [GridImportIssue] = []) {
        self.issues = issues
    }

    public var errors: [GridImportIssue] { issues.filter { $0.severity == .error } }
    public var warnings: [GridImportIssue] { issues.filter { $0.severity == .warning } }
    public var isAcceptable: Bool { !issues.contains { $0.severity == .error } }
}
