import Foundation
import MinqingCore

// Writes the inputs every grid benchmark shares, so Swift and Python measure the very same data:
//   grids.geojson   the demo city's 4,509 small grids
//   upper.geojson   the city, counties, towns and villages above them
//   points.f64      1,000,000 random points in the city's bounding box, little-endian float64 lng, lat
//   answers.txt     the grid code Minqing locates for each point in the whole tree ("-" outside)
let folder = CommandLine.arguments.dropFirst().first ?? ".build/bench"
try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
let areas = DemoCityBuilder(plan: .reference).build()
try GeoJSON.write(areas.filter { $0.level == .grid }).write(toFile: folder + "/grids.geojson", atomically: true, encoding: .utf8)
try GeoJSON.write(areas.filter { $0.level != .grid }).write(toFile: folder + "/upper.geojson", atomically: true, encoding: .utf8)

let box = areas[0].shape.boundingBox!
var random = SeededGenerator(seed: 42)
var bytes = [UInt8]()
var points: [GeoPoint] = []
for _ in 0..<1_000_000 {
    let point = GeoPoint(
        Double.random(in: box.minLongitude...box.maxLongitude, using: &random),
        Double.random(in: box.minLatitude...box.maxLatitude, using: &random)
    )
    points.append(point)
    for value in [point.longitude, point.latitude] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
}
try Data(bytes).write(to: URL(fileURLWithPath: folder + "/points.f64"))
let tree = AreaTree(areas: areas)
try points.map { tree.locateCode($0) ?? "-" }.joined(separator: "\n").write(toFile: folder + "/answers.txt", atomically: true, encoding: .utf8)
print("wrote \(folder): \(areas.count) areas, \(points.count) points")
