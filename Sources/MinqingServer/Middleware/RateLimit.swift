import Foundation
import MinqingCore
import Synchronization

/// One shared ``RateLimiter`` for a kind of request (sign-in attempts, public intake), by client address.
final class RateLimit: Sendable {
    private let limiter: Mutex<RateLimiter>

    init(capacity: Double, perSecond: Double) {
        limiter = Mutex(RateLimiter(capacity: capacity, perSecond: perSecond))
    }

    /// `nil` when the request may go on, else the whole seconds to wait.
    func take(_ key: String?) -> Int? {
        let now = Date().timeIntervalSince1970
        return limiter.withLock { $0.take(key ?? "unknown", now: now) }.map { Int($0.rounded(.up)) }
    }
}
