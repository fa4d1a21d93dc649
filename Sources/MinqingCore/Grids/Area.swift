/// A level of the area tree. A town or street (镇/街道) is a large grid, a village or community
/// (村/社区) a medium grid, and a small grid (网格) is where a grid worker answers for 300–500 households.
public enum AreaLevel: String, CaseIterable, Sendable, Codable, Comparable {
    /// 市: the city, the jurisdiction.
    case city
    /// 县/区: county or district.
    case county
    /// 镇/街道: town or street — the large grid.
    case town
    /// 村/社区: village or community — the medium grid.
    case village
    /// 网格: the small grid.
    case grid

    /// 0 for the city, 4 for a small grid.
    public var depth: Int { Self.allCases.firstIndex(of: self)! }

    /// The level its parent must have; `nil` for the city.
    public var parentLevel: AreaLevel? { depth == 0 ? nil : Self.allCases[depth - 1] }

    /// How many digits a code has at this level (DOMAIN.md §2): six for the city and the county
    /// (GB/T 2260), three more for the town, three for the village, three for the grid sequence.
    public var codeLength: Int { [6, 6, 9, 12, 15][depth] }

    public var chineseName: String { ["市", "县区", "镇街", "村社区", "网格"][depth] }

    /// Whether the measures keep sums of their own for an area of this level (besides the city's):
    /// a town holds about 80 small grids and a county about 900, too many to add up per question,
    /// while a village's five or so grids are read directly.
    public var keepsCaseSums: Bool { self == .town || self == .county }

    public static func < (lhs: AreaLevel, rhs: AreaLevel) -> Bool { lhs.depth < rhs.depth }
}

/// One area of the tree, as it stands now: a city, county, town, village or small grid.
public struct Area: Sendable, Hashable {
    /// The area code (see ``AreaCodeRule``); unique among the areas in force.
    public var code: String
    public var name: String
    public var level: AreaLevel
    /// The code of the area one level up; `nil` at the top of an imported tree.
    public var parentCode: String?
    /// The shape in WGS84.
    public var shape: MultiPolygon
    /// Who answers for the area; when empty, the area above answers (属地兜底: the locality backstops).
    public var responsibleParty: String?

    public init(code: String, name: String, level: AreaLevel, parentCode: String?, shape: MultiPolygon, responsibleParty: String? = nil) {
        self.code = code
        self.name = name
        self.level = level
        self.parentCode = parentCode
        self.shape = shape
        self.responsibleParty = responsibleParty
    }
}

/// How area codes are checked on import.
public enum AreaCodeRule: String, Sendable, CaseIterable, Codable {
    /// The national scheme (GB/T 30428.1 lineage): digits only, the level's length, and a child code
    /// extends its parent's (a county shares its city's first four digits).
    case standard
    /// Any code of letters, digits, `-` and `_`, up to 32 characters: for foreign or legacy files.
    case free

    /// Why a code is unacceptable at a level under a parent, or `nil` when it is fine.
    public func problem(code: String, level: AreaLevel, parentCode: String?) -> String? {
        guard !code.isEmpty, code.count <= 32, code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
            return "code \"\(code)\" must be 1–32 letters, digits, '-' or '_'"
        }
        guard self == .standard else { return nil }
        guard code.allSatisfy(\.isNumber), code.count == level.codeLength else {
            return "code \"\(code)\" of a \(level.rawValue) must be \(level.codeLength) digits"
        }
        guard let parentCode else { return nil }
        let shared = level == .county ? 4 : parentCode.count
        guard code.hasPrefix(parentCode.prefix(shared)) else {
            return "code \"\(code)\" must begin with its parent's code \"\(parentCode.prefix(shared))\""
        }
        return nil
    }
}
