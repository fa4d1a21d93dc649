import MinqingCore
import Testing

/// Published reference pairs, each with its source, compared at the precision the source publishes.
struct CoordinateSystemTests {
    struct Pair: CustomTestStringConvertible, Sendable {
        var from: CoordinateSystem
        var to: CoordinateSystem
        var input: GeoPoint
        var expected: GeoPoint
        var tolerance: Double
        var source: String
        var testDescription: String { "\(from.rawValue)→\(to.rawValue) \(input.longitude),\(input.latitude) (\(source))" }
    }

    static let pairs: [Pair] = [
        // googollee/eviltransform go/transform_test.go (the same table in its python, c, js and rust tests)
        Pair(
            from: .wgs84,
            to: .gcj02,
            input: .init(121.5272106, 31.1774276),
            expected: .init(121.531541859215, 31.17530398364597),
            tolerance: 1e-6,
            source: "eviltransform Shanghai"
        ),
        Pair(
            from: .wgs84,
            to: .gcj02,
            input: .init(113.912316, 22.543847),
            expected: .init(113.9171764808363, 22.540796131694766),
            tolerance: 1e-6,
            source: "eviltransform Shenzhen"
        ),
        Pair(
            from: .wgs84,
            to: .gcj02,
            input: .init(116.377817, 39.911954),
            expected: .init(116.38404722455657, 39.91334545536069),
            tolerance: 1e-6,
            source: "eviltransform Beijing"
        ),
        // wandergis/coordtransform README.md
        Pair(
            from: .wgs84,
            to: .gcj02,
            input: .init(116.404, 39.915),
            expected: .init(116.41024449916938, 39.91640428150164),
            tolerance: 1e-6,
            source: "coordtransform README"
        ),
        Pair(
            from: .gcj02,
            to: .bd09,
            input: .init(116.404, 39.915),
            expected: .init(116.41036949371029, 39.92133699351021),
            tolerance: 1e-6,
            source: "coordtransform README"
        ),
        Pair(
            from: .bd09,
            to: .gcj02,
            input: .init(116.404, 39.915),
            expected: .init(116.39762729119315, 39.90865673957631),
            tolerance: 1e-6,
            source: "coordtransform README"
        ),
        // hujiulong/gcoord README.md and test/unit/crs/*.spec.ts
        Pair(
            from: .wgs84,
            to: .bd09,
            input: .init(116.403988, 39.914266),
            expected: .init(116.41661560068297, 39.92196580126834),
            tolerance: 1e-6,
            source: "gcoord README"
        ),
        Pair(
            from: .wgs84,
            to: .gcj02,
            input: .init(123, 45),
            expected: .init(123.00607541, 45.00197815),
            tolerance: 5e-6,
            source: "gcoord WGS84.spec.ts"
        ),
        Pair(
            from: .gcj02,
            to: .bd09,
            input: .init(123, 45),
            expected: .init(123.00636499, 45.00636899),
            tolerance: 5e-6,
            source: "gcoord GCJ02.spec.ts"
        ),
        Pair(
            from: .wgs84,
            to: .bd09,
            input: .init(123, 45),
            expected: .init(123.0124491, 45.0083293),
            tolerance: 5e-6,
            source: "gcoord WGS84.spec.ts"
        ),
        // AMap (高德) coordinate convert web service, documented example response
        Pair(
            from: .wgs84,
            to: .gcj02,
            input: .init(116.481499, 39.990475),
            expected: .init(116.487585177952, 39.991754014757),
            tolerance: 1e-6,
            source: "AMap convert API"
        ),
        // Aliyun address purification TransferCoord example
        Pair(
            from: .gcj02,
            to: .bd09,
            input: .init(120.026268, 30.279164),
            expected: .init(120.032768, 30.285238),
            tolerance: 1e-6,
            source: "Aliyun TransferCoord"
        ),
        // geoChina R package man/conv.Rd: Beijing railway station, published to five decimals
        Pair(
            from: .wgs84,
            to: .gcj02,
            input: .init(116.42079, 39.90105),
            expected: .init(116.42703, 39.90245),
            tolerance: 2e-5,
            source: "geoChina conv"
        ),
        Pair(
            from: .wgs84,
            to: .bd09,
            input: .init(116.42079, 39.90105),
            expected: .init(116.43351, 39.90851),
            tolerance: 2e-5,
            source: "geoChina conv"
        ),
    ]

    @Test(arguments: pairs)
    func convertsAsPublished(_ pair: Pair) {
        let converted = pair.to.fromWGS84(pair.from.toWGS84(pair.input))
        #expect(abs(converted.longitude - pair.expected.longitude) <= pair.tolerance)
        #expect(abs(converted.latitude - pair.expected.latitude) <= pair.tolerance)
    }

    @Test(arguments: pairs)
    func convertsBackToTheInput(_ pair: Pair) {
        // The inverse of GCJ-02 is iterative: back to the input within a millimetre or so.
        let there = pair.to.fromWGS84(pair.from.toWGS84(pair.input))
        let back = pair.from.fromWGS84(pair.to.toWGS84(there))
        #expect(abs(back.longitude - pair.input.longitude) < 1e-8)
        #expect(abs(back.latitude - pair.input.latitude) < 1e-8)
    }

    @Test func leavesPointsOutsideChinaUnshifted() {
        // gcoord's WGS84.spec.ts checks a point outside China comes back exactly; London too.
        for point in [GeoPoint(183, 45), GeoPoint(-0.1276, 51.5072)] {
            #expect(CoordinateSystem.gcj02.fromWGS84(point) == point)
            #expect(CoordinateSystem.gcj02.toWGS84(point) == point)
        }
    }
}
