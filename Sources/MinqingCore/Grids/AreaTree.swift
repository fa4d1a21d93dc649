/// The areas in force, arranged as a tree, with point location: the grid that contains any point,
/// and all its ancestors. Immutable: when grids change, a new tree is built and swapped in whole.
public struct AreaTree: Sendable {
    /// What location found for a point.
    public enum Location: Sendable, Hashable {
        /// The deepest area containing the point, then its parent, up to the top.
        case inside(path: [Area])
        /// No area contains the point: 不在辖区 (outside the jurisdiction), with the nearest area
        /// of the deepest level and its distance.
        case outside(nearest: Area, distanceMetres: Double)
        /// The tree is empty.
        case noAreas
    }

    public let areas: [Area]
    /// Each area's box, for the nearest-area search.
    private let boxes: [BoundingBox]
    private let slotByCode: [String: Int]
    private let parentSlot: [Int]
    private let childSlots: [[Int]]
    /// One index per level present, deepest first; each level's slots in code order.
    private let levels: [LevelIndex]
    /// The deepest level, which answers for nearly every point, kept apart for the hot path.
    @usableFromInline let deepest: PlanarIndex
    @usableFromInline let deepestSlots: [Int32]

    public init(areas: [Area]) {
        self.areas = areas
        boxes = areas.map { $0.shape.boundingBox ?? BoundingBox(minLongitude: 0, minLatitude: 0, maxLongitude: 0, maxLatitude: 0) }
        let slotByCode = Dictionary(areas.enumerated().map { ($1.code, $0) }, uniquingKeysWith: { first, _ in first })
        self.slotByCode = slotByCode
        parentSlot = areas.map { area in area.parentCode.flatMap { slotByCode[$0] } ?? -1 }
        var children = [[Int]](repeating: [], count: areas.count)
        for (slot, parent) in parentSlot.enumerated() where parent >= 0 { children[parent].append(slot) }
        childSlots = children.map { $0.sorted { areas[$0].code < areas[$1].code } }
        let levels: [LevelIndex] = AreaLevel.allCases.reversed().compactMap { level in
            let slots = areas.indices.filter { areas[$0].level == level }.sorted { areas[$0].code < areas[$1].code }
            guard !slots.isEmpty else { return nil }
            let index = PlanarIndex(shapes: slots.map { areas[$0].shape }, cellsPerShape: 1024)
            return LevelIndex(level: level, index: index, slots: slots.map(Int32.init))
        }
        self.levels = levels
        deepest = levels.first?.index ?? PlanarIndex(shapes: [])
        deepestSlots = levels.first?.slots ?? []
    }

    public static let empty = AreaTree(areas: [])

    public var count: Int { areas.count }

    public func area(code: String) -> Area? { slotByCode[code].map { areas[$0] } }

    /// The areas of one level in code order.
    public func areas(of level: AreaLevel) -> [Area] {
        (levels.first { $0.level == level }?.slots ?? []).map { areas[Int($0)] }
    }

    public func count(of level: AreaLevel) -> Int { levels.first { $0.level == level }?.slots.count ?? 0 }

    /// The area and its ancestors, the area first.
    public func path(code: String) -> [Area] {
        guard var slot = slotByCode[code] else { return [] }
        var path = [areas[slot]]
        while parentSlot[slot] >= 0, path.count <= AreaLevel.allCases.count {
            slot = parentSlot[slot]
            path.append(areas[slot])
        }
        return path
    }

    /// The areas above an area that keep sums of the measures (``AreaLevel/keepsCaseSums``: its town
    /// and county), the highest first: where a case in the area is counted besides its own area
    /// (``CaseRecord/areasAbove``).
    public func areasAbove(code: String) -> [String] {
        path(code: code).dropFirst().filter(\.level.keepsCaseSums).reversed().map(\.code)
    }

    public func children(code: String) -> [Area] {
        guard let slot = slotByCode[code] else { return [] }
        return childSlots[slot].map { areas[$0] }
    }

    /// Whether `area` is `ancestor` or lies below it: the policy asks this for every scoped request,
    /// so it walks parent slots without building the path.
    public func isWithin(_ area: String, _ ancestor: String) -> Bool {
        guard var slot = slotByCode[area], let target = slotByCode[ancestor] else { return false }
        for _ in 0...AreaLevel.allCases.count {
            if slot == target { return true }
            guard parentSlot[slot] >= 0 else { return false }
            slot = parentSlot[slot]
        }
        return false
    }

    /// The codes of an area and every area below it, the area first; empty for an unknown code.
    public func subtreeCodes(code: String) -> [String] {
        guard let root = slotByCode[code] else { return [] }
        var codes: [String] = []
        var stack = [root]
        while let slot = stack.popLast() {
            codes.append(areas[slot].code)
            stack.append(contentsOf: childSlots[slot].reversed())
        }
        return codes
    }

    /// The code of the deepest area containing a WGS84 point, or `nil`: the hot path.
    @inlinable
    public func locateCode(_ point: GeoPoint) -> String? {
        locateSlot(point).map { areas[$0].code }
    }

    /// The tree slot of the deepest area containing the point.
    @inlinable
    public func locateSlot(_ point: GeoPoint) -> Int? {
        let found = deepest.locate(longitude: point.longitude, latitude: point.latitude)
        return found >= 0 ? Int(deepestSlots[Int(found)]) : locateAboveDeepest(point)
    }

    /// For points the deepest level misses: ask the top first, which rules out points outside the
    /// tree at once, then the levels between, deepest first, for gaps in the deeper levels.
    @usableFromInline
    func locateAboveDeepest(_ point: GeoPoint) -> Int? {
        guard levels.count > 1 else { return nil }
        guard levels[levels.count - 1].index.locate(point) != nil else { return nil }
        for level in levels.dropFirst() {
            if let found = level.index.locate(point) { return Int(level.slots[found]) }
        }
        return nil
    }

    /// Locates a WGS84 point: the containing path, or the nearest area when outside.
    public func locate(_ point: GeoPoint) -> Location {
        if let slot = locateSlot(point) { return .inside(path: path(code: areas[slot].code)) }
        guard let deepest = levels.first else { return .noAreas }
        let (scaleX, scaleY) = Planar.metresPerDegree(atLatitude: point.latitude)
        let candidates = deepest.slots.map { slot -> (slot: Int, bound: Double) in
            let box = boxes[Int(slot)]
            let dx = max(box.minLongitude - point.longitude, 0, point.longitude - box.maxLongitude) * scaleX
            let dy = max(box.minLatitude - point.latitude, 0, point.latitude - box.maxLatitude) * scaleY
            return (Int(slot), (dx * dx + dy * dy).squareRoot())
        }.sorted { $0.bound < $1.bound }
        var best = (slot: candidates[0].slot, distance: Double.infinity)
        for candidate in candidates {
            // The box bound is a lower bound, up to the flat-earth error of a few parts in a thousand.
            if candidate.bound * 0.99 > best.distance { break }
            let distance = Planar.distance(from: point, to: areas[candidate.slot].shape)
            if distance < best.distance || (distance == best.distance && areas[candidate.slot].code < areas[best.slot].code) {
                best = (candidate.slot, distance)
            }
        }
        return .outside(nearest: areas[best.slot], distanceMetres: best.distance)
    }
}

/// The index of one level and the tree slot of each of its shapes.
private final class LevelIndex: Sendable {
    let level: AreaLevel
    let index: PlanarIndex
    let slots: [Int32]

    init(level: AreaLevel, index: PlanarIndex, slots: [Int32]) {
        self.level = level
        self.index = index
        self.slots = slots
    }
}
