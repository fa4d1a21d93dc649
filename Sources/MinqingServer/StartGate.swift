import ServiceLifecycle

/// Holds a service's first pass until the server is ready to start (the schema migrated, the city
/// and its catalog loaded): opened once, from `beforeServerStarts`. One service waits on each.
final class StartGate: Sendable {
    private let opened = AsyncStream<Void>.makeStream()

    func open() {
        opened.continuation.yield()
        opened.continuation.finish()
    }

    /// Whether the gate opened; `false` when the server began shutting down first.
    func wait() async -> Bool {
        for await _ in opened.stream.cancelOnGracefulShutdown() { return true }
        return false
    }
}
