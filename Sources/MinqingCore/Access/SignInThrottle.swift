/// Backoff after failed sign-ins: the first few failures cost nothing; from the fifth in a row the
/// account is locked for one minute, then two, four … up to an hour, so guessing a password by brute
/// force takes years while a person who mistypes waits a minute.
public enum SignInThrottle {
    public static let freeFailures = 4

    /// Until when (milliseconds since 1970) the account is locked after `failures` failures in a row
    /// ending at `now`; `nil` while no lock applies.
    public static func lockedUntil(failures: Int, now: Int64) -> Int64? {
        guard failures > freeFailures else { return nil }
        let minutes = min(1 << min(failures - freeFailures - 1, 6), 60)
        return now + Int64(minutes) * 60_000
    }
}
