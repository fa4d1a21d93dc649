import Logging
import MinqingStore
import ServiceLifecycle

/// Links the audit entries that PostgreSQL's writes leave unlinked (``Store/linkAudit(city:)``) to
/// their city's hash chain, a moment after they commit: every interval, the server's city and
/// every city this process has written entries for; once more at shutdown, after the scheduler
/// and the HTTP server have stopped writing. Entries written by commands beside the server
/// (`minqing user add`) are linked by the next pass over the server's city; those of other cities
/// by `minqing audit verify`. SQLite links each entry as it is written: there it does nothing.
final class AuditLinker: Service {
    private let store: Store
    private let city: @Sendable () -> String?
    private let interval: Duration
    private let logger: Logger
    private let gate = StartGate()

    init(store: Store, city: @escaping @Sendable () -> String?, intervalMilliseconds: Int, logger: Logger) {
        self.store = store
        self.city = city
        interval = .milliseconds(intervalMilliseconds)
        self.logger = logger
    }

    /// Lets the passes begin: called when the server is ready to start.
    func start() { gate.open() }

    func run() async throws {
        // SQLite links each entry as it is written. (A service that returns early ends the server.)
        guard store.dialect == .postgres else { return try await gracefulShutdown() }
        guard await gate.wait() else { return }
        var failures = 0
        while !Task.isCancelled {
            // A failing database is tried less often, up to a minute apart.
            let pause = min(interval * (1 << min(failures, 6)), max(interval, .seconds(60)))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            if Task.isCancelled { return }
            // The last pass, at shutdown, links the writes acknowledged before it.
            let last = Task.isShuttingDownGracefully
            failures = await pass() ? 0 : failures + 1
            if last { return }
        }
    }

    /// Links what can be linked in each city; whether every city's linking ran.
    private func pass() async -> Bool {
        var cities = store.auditCitiesWritten()
        if let city = city() { cities.insert(city) }
        var succeeded = true
        for city in cities.sorted() {
            do {
                try await store.linkAudit(city: city)
            } catch {
                succeeded = false
                logger.error("could not link the audit log's new entries; trying again", metadata: ["city": "\(city)", "error": "\(error)"])
            }
        }
        return succeeded
    }
}
