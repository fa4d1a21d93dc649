import Logging
import MinqingStore
import ServiceLifecycle

/// Links the audit entries that PostgreSQL's writes leave unlinked (``Store/linkAudit(city:)``) to
/// their city's hash chain, a moment after they commit: every interval, the server's city and
/// every city this process wrote entries for; once more at shutdown. Entries written by commands
/// beside the server (`minqing user add`) are linked by the next pass over the server's city; a
/// database without a server by `minqing audit verify`. On SQLite, which links each entry as it is
/// written, a pass is one read.
final class AuditLinker: Service {
    private let store: Store
    private let city: @Sendable () -> String?
    private let interval: Duration
    private let logger: Logger
    /// Opens once the schema is migrated (``start()``).
    private let ready = AsyncStream<Void>.makeStream()

    init(store: Store, city: @escaping @Sendable () -> String?, intervalMilliseconds: Int, logger: Logger) {
        self.store = store
        self.city = city
        interval = .milliseconds(intervalMilliseconds)
        self.logger = logger
    }

    func start() {
        ready.continuation.yield()
        ready.continuation.finish()
    }

    func run() async throws {
        var started = false
        for await _ in ready.stream.cancelOnGracefulShutdown() {
            started = true
            break
        }
        guard started else { return }
        var left: Set<String> = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
            left = await pass(left)
        }
        // The writes acknowledged before shutdown began: linked now rather than by the next start.
        _ = await pass(left)
    }

    /// Links what can be linked in each city; returns the cities where entries were left for later.
    private func pass(_ left: Set<String>) async -> Set<String> {
        var cities = left.union(store.takeAuditCitiesToLink())
        if let city = city() { cities.insert(city) }
        var unfinished: Set<String> = []
        for city in cities.sorted() {
            do {
                try await store.linkAudit(city: city)
            } catch {
                unfinished.insert(city)
                logger.error("could not link the audit log's new entries; trying again", metadata: ["city": "\(city)", "error": "\(error)"])
            }
        }
        return unfinished
    }
}
