import MinqingCore
import Testing

struct RateLimiterTests {
    @Test func allowsABurstThenOneAtTheRefillRate() {
        var limiter = RateLimiter(capacity: 3, perSecond: 0.5)
        #expect((0..<3).map { _ in limiter.take("1.2.3.4", now: 100) } == [nil, nil, nil])
        #expect(limiter.take("1.2.3.4", now: 100) == 2)
        #expect(limiter.take("5.6.7.8", now: 100) == nil)
        #expect(limiter.take("1.2.3.4", now: 101) == 1)
        #expect(limiter.take("1.2.3.4", now: 102) == nil)
        #expect(limiter.take("1.2.3.4", now: 1_000) == nil)
    }

    @Test func forgetsFullBucketsWhenItHoldsTooManyKeys() {
        var limiter = RateLimiter(capacity: 1, perSecond: 1, maximumKeys: 2)
        for key in ["a", "b", "c"] { #expect(limiter.take(key, now: 0) == nil) }
        // "a" was empty at time 0 and refilled by 10: a fresh start, not a refusal.
        #expect(limiter.take("a", now: 10) == nil)
        #expect(limiter.take("a", now: 10) != nil)
    }

    @Test func aRefundGivesBackOneTokenAndNeverMoreThanTheBurst() {
        var limiter = RateLimiter(capacity: 2, perSecond: 0.001)
        #expect(limiter.take("a", now: 0) == nil)
        #expect(limiter.take("a", now: 0) == nil)
        #expect(limiter.take("a", now: 0) != nil)
        limiter.refund("a")
        #expect(limiter.take("a", now: 0) == nil)
        #expect(limiter.take("a", now: 0) != nil)
        // A full bucket stays full; an unknown key is left alone (it is full already).
        for _ in 0..<5 { limiter.refund("b") }
        limiter.refund("a")
        limiter.refund("a")
        limiter.refund("a")
        #expect(limiter.take("a", now: 0) == nil && limiter.take("a", now: 0) == nil && limiter.take("a", now: 0) != nil)
        #expect(limiter.take("b", now: 0) == nil && limiter.take("b", now: 0) == nil && limiter.take("b", now: 0) != nil)
    }
}
