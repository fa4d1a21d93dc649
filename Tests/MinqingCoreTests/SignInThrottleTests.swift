import MinqingCore
import Testing

struct SignInThrottleTests {
    @Test func locksFromTheFifthFailureForLongerEachTimeUpToAnHour() {
        let now: Int64 = 1_790_000_000_000
        let minutes = (1...14).map { failures in SignInThrottle.lockedUntil(failures: failures, now: now).map { ($0 - now) / 60_000 } }
        #expect(minutes == [nil, nil, nil, nil, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60])
    }
}
