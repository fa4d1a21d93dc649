import Logging
import MinqingCore
import MinqingStore
import ServiceLifecycle

/// The scheduler (定时督办): a service that sweeps the case timers in the database and fires each due
/// one once (``Store/sweepTimers(limit:_:)``). It keeps nothing in memory: a restart, or a second
/// server on the same PostgreSQL, picks up exactly where the rows say.
final class CaseScheduler: Service {
    private let store: Store
    private let catalog: CaseCatalog
    private let grids: GridIndex
    private let interval: Duration
    private let logger: Logger
    private let gate = StartGate()

    init(store: Store, catalog: CaseCatalog, grids: GridIndex, intervalMilliseconds: Int, logger: Logger) {
        self.store = store
        self.catalog = catalog
        self.grids = grids
        interval = .milliseconds(intervalMilliseconds)
        self.logger = logger
    }

    /// Lets the sweeps begin: called when the server is ready to start.
    func start() { gate.open() }

    func run() async throws {
        guard await gate.wait() else { return }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // A full batch means more are due: sweep again at once.
                var swept = try await sweep()
                while swept == Self.batch, !Task.isShuttingDownGracefully { swept = try await sweep() }
                let next = try await store.nextTimerDue()
                var wait = next.map { Duration.milliseconds(max(0, $0 - store.nowMilliseconds)) } ?? interval
                // Due but left by this sweep (its case busy, or another server sweeping it): not a reason to spin.
                if swept == 0, wait == .zero { wait = interval }
                let pause = min(wait, interval)
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            } catch is CancellationError {
                return
            } catch {
                logger.error("the scheduler's sweep failed; it tries again", metadata: ["error": "\(error)"])
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            }
        }
    }

    static let batch = 500

    /// One sweep: what each due timer does to its case, by the rules of ``CaseTimers``.
    func sweep() async throws -> Int {
        let contents = catalog.current
        let calendar = catalog.calendar
        let tree = grids.tree
        return try await store.sweepTimers(limit: Self.batch) { stored, record, now in
            let above = record.level.parentLevel.flatMap { level in tree?.path(code: record.areaCode).first { $0.level == level }?.code }
            return CaseTimers.fire(
                stored.timer,
                on: record,
                at: now,
                calendar: calendar,
                classLimit: contents.classes[record.classCode]?.limit,
                areaAbove: above
            )
        }
    }
}
