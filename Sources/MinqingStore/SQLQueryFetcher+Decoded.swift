import SQLKit
import Synchronization

extension SQLQueryFetcher {
    /// The rows, each decoded as it arrives, rather than all kept and then decoded. On PostgreSQL
    /// the decoding runs on the connection's thread while the later rows are still on their way,
    /// and no row outlives its decoding: an Open311 search decodes a thousand cases this way.
    /// The first error stops the decoding and is thrown once the statement is done.
    func allDecoded<T: Sendable>(_ decode: @escaping @Sendable (any SQLRow) throws -> T) async throws -> [T] {
        let decoded = DecodedRows<T>()
        try await run { row in decoded.add { try decode(row) } }
        return try decoded.result()
    }
}

/// What ``SQLQueryFetcher/allDecoded(_:)`` gathers: rows come one at a time, from one thread.
private final class DecodedRows<T: Sendable>: Sendable {
    private let state = Mutex<(rows: [T], error: (any Error)?)>(([], nil))

    func add(_ decode: () throws -> T) {
        guard state.withLock({ $0.error == nil }) else { return }
        do {
            let row = try decode()
            state.withLock { $0.rows.append(row) }
        } catch {
            state.withLock { $0.error = error }
        }
    }

    func result() throws -> [T] {
        try state.withLock { state in
            if let error = state.error { throw error }
            return state.rows
        }
    }
}
