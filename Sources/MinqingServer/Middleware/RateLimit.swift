import Foundation
import MinqingCore
import Synchronization

/// One shared ``RateLimiter`` for a kind of request (sign-in attempts, public intake), by client address.
final class RateLimit: Sendable {
    private let limiter: Mutex<RateLimiter>

    init(capacity: Double, perSecond: Double) {
        limiter = Mutex(RateLimiter(capacity: capacity, perSecond: perSecond))
    }

    /// `nil` when a request from the address may go on, else the whole seconds to wait. IPv6
    /// addresses count by their /64 (``ClientAddress/rateLimitKey(_:)``).
    func take(_ address: String?) -> Int? {
        take(key: ClientAddress.rateLimitKey(address))
    }

    /// Gives back the token a request from the address took, when it turned out not to count.
    func refund(_ address: String?) {
        refund(key: ClientAddress.rateLimitKey(address))
    }

    func refund(key: String) {
        limiter.withLock { $0.refund(key) }
    }

    /// The same for any key (an account's, say).
    func take(key: String) -> Int? {
        let now = Date().timeIntervalSince1970
        return limiter.withLock { $0.take(key, now: now) }.map { Int($0.rounded(.up)) }
    }
}
