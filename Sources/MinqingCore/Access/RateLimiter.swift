/// Token buckets by key (a client address, an API key): a burst of `capacity`, then `perSecond`.
/// Pure: the caller passes the time, so tests need no clock and the same rule serves every limit.
public struct RateLimiter: Sendable {
    public let capacity: Double
    public let perSecond: Double
    /// Keys kept at most; the fullest buckets are forgotten first, which costs nothing (they are full).
    public let maximumKeys: Int
    private var buckets: [String: (tokens: Double, at: Double)] = [:]

    public init(capacity: Double, perSecond: Double, maximumKeys: Int = 100_000) {
        self.capacity = capacity
        self.perSecond = perSecond
        self.maximumKeys = maximumKeys
    }

    /// Takes a token for `key` at `now` (seconds): `nil` when allowed, else the seconds to wait.
    public mutating func take(_ key: String, now: Double) -> Double? {
        var bucket = buckets[key] ?? (capacity, now)
        bucket.tokens = min(capacity, bucket.tokens + max(0, now - bucket.at) * perSecond)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return (1 - bucket.tokens) / perSecond
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        if buckets.count > maximumKeys { forgetFullest(now: now) }
        return nil
    }

    /// Gives back a token taken for a try that turned out not to count (a right follow code, a
    /// retry answered with the first case). Charging first and refunding after keeps tries sent all
    /// at once within the limit.
    public mutating func refund(_ key: String) {
        guard var bucket = buckets[key] else { return }
        bucket.tokens = min(capacity, bucket.tokens + 1)
        buckets[key] = bucket
    }

    /// Forgets full buckets (nothing is lost), then, if a flood of keys still overflows, the
    /// fullest ones first: the emptiest, the ones being held back, are never the ones forgotten.
    private mutating func forgetFullest(now: Double) {
        func level(_ bucket: (tokens: Double, at: Double)) -> Double { bucket.tokens + (now - bucket.at) * perSecond }
        for (key, bucket) in buckets where level(bucket) >= capacity { buckets.removeValue(forKey: key) }
        guard buckets.count > maximumKeys else { return }
        let fullest = buckets.sorted { level($0.value) > level($1.value) }.prefix(buckets.count - maximumKeys / 2).map(\.key)
        for key in fullest { buckets.removeValue(forKey: key) }
    }
}
