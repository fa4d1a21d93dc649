import Foundation
import Logging
import MinqingStore
import ServiceLifecycle

/// Every few hours, removes the photo files that no case names (``PhotoFiles/sweep(keeping:keptBefore:)``):
/// the photos of reports that failed after their photos were kept. A photo is given a day first,
/// far longer than any report takes to commit.
struct PhotoSweep: Service {
    static let grace: TimeInterval = 24 * 3600

    let store: Store
    let photos: PhotoFiles
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            do {
                let removed = try await sweep(at: Date(timeIntervalSince1970: Double(store.nowMilliseconds) / 1000))
                if removed > 0 { logger.info("removed photos that no case names", metadata: ["photos": "\(removed)"]) }
            } catch {
                logger.error("the photo sweep failed; it runs again later", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One sweep: the photos that cases name are read first, then the files older than the grace
    /// period and named by none are removed. Returns how many photos were removed.
    func sweep(at now: Date) async throws -> Int {
        let named = try await store.photosNamedByCases()
        return try photos.sweep(keeping: named, keptBefore: now.addingTimeInterval(-Self.grace))
    }
}
