import Foundation
import Logging
import MinqingStore
import NIOPosix
import ServiceLifecycle

/// Every few hours, and once soon after the server starts, removes the photo files that no case
/// names (``PhotoFiles/sweep(keeping:keptBefore:)``): the photos of reports that failed after their
/// photos were kept. A photo is given a day first, far longer than any report takes to commit.
struct PhotoSweep: Service {
    static let grace: TimeInterval = 24 * 3600
    /// The first sweep, after the server started: a server restarted more often than every
    /// ``interval`` still sweeps.
    static let firstAfter = Duration.seconds(300)

    let store: Store
    let photos: PhotoFiles
    let interval: Duration
    let logger: Logger

    func run() async throws {
        var wait = min(Self.firstAfter, interval)
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { [wait] in try await Task.sleep(for: wait) }
            } catch {
                return
            }
            wait = interval
            do {
                // The files' times are the system's, so is the cutoff.
                let (removed, failed) = try await sweep(at: Date())
                if removed > 0 { logger.info("removed photos that no case names", metadata: ["photos": "\(removed)"]) }
                if failed > 0 { logger.warning("could not remove files that no case names", metadata: ["files": "\(failed)"]) }
            } catch {
                logger.error("the photo sweep failed; it runs again later", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One sweep: the photos that cases name are read first, then the files older than the grace
    /// period and named by none are removed (on NIO's thread pool: the folder's lock may wait for
    /// photos being kept). Returns how many photos were removed and how many files could not be.
    ///
    /// No case naming any photo skips the sweep: that is what a server pointed at a new database
    /// beside an old media folder would see, and removing every photo is no way to find out.
    func sweep(at now: Date) async throws -> (removed: Int, failed: Int) {
        let named = try await store.photosNamedByCases()
        guard !named.isEmpty else { return (0, 0) }
        return try await NIOThreadPool.singleton.runIfActive { [photos] in
            try photos.sweep(keeping: named, keptBefore: now.addingTimeInterval(-Self.grace))
        }
    }
}
