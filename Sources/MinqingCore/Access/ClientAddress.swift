import Foundation

/// An IPv4 or IPv6 address as bytes (4 or 16), read from its text form.
public struct IPAddress: Hashable, Sendable {
    public let bytes: [UInt8]

    public init?(_ text: some StringProtocol) {
        if text.contains(":") {
            guard let bytes = Self.ipv6(String(text)) else { return nil }
            self.bytes = bytes
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var bytes: [UInt8] = []
            for part in parts {
                guard (1...3).contains(part.count), part.allSatisfy(\.isASCII), let value = UInt8(part) else { return nil }
                bytes.append(value)
            }
            self.bytes = bytes
        }
    }

    private static func ipv6(_ text: String) -> [UInt8]? {
        // An IPv4-mapped or zone-suffixed form is not what a proxy sends in these headers.
        guard !text.contains("%"), !text.contains("."), text.count <= 39 else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            var values: [UInt16] = []
            for group in part.split(separator: ":", omittingEmptySubsequences: false) {
                guard (1...4).contains(group.count), let value = UInt16(group, radix: 16) else { return nil }
                values.append(value)
            }
            return values
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xff)] }
    }
}

/// A block of addresses, `10.0.0.0/8`, `fd00::/8`, or one address.
public struct AddressRange: Hashable, Sendable {
    public let base: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let base = IPAddress(first) else { return nil }
        let bits = base.bytes.count * 8
        if parts.count == 2 {
            guard let length = Int(parts[1]), (0...bits).contains(length) else { return nil }
            prefixLength = length
        } else {
            prefixLength = bits
        }
        self.base = base
    }

    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == base.bytes.count else { return false }
        var remaining = prefixLength
        for (a, b) in zip(address.bytes, base.bytes) where remaining > 0 {
            let mask: UInt8 = remaining >= 8 ? 0xff : ~(0xff >> UInt8(remaining))
            guard a & mask == b & mask else { return false }
            remaining -= 8
        }
        return true
    }
}

/// Where a request comes from, for the audit log and the rate limits, when the server stands behind
/// reverse proxies (nginx, a load balancer) that say who their client was.
public enum ClientAddress {
    /// The peer, unless it is a trusted proxy: then, walking `X-Forwarded-For` from the right (the
    /// entry the nearest proxy added), the first address that is not a trusted proxy. Entries left of
    /// it could have been written by the client and are never believed.
    public static func resolve(peer: String?, forwardedFor: [String], trusted: [AddressRange]) -> String? {
        guard let peer, let peerAddress = plain(peer)?.1, trusted.contains(where: { $0.contains(peerAddress) }) else { return peer }
        let entries = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }
        var leftmost: String?
        for entry in entries.reversed() {
            guard let parsed = plain(entry) else { return peer }
            let (text, address) = parsed
            if !trusted.contains(where: { $0.contains(address) }) { return text }
            leftmost = text
        }
        return leftmost ?? peer
    }

    /// An address as listeners and proxies write it, without its port or brackets, an IPv4-mapped
    /// IPv6 address as IPv4: `[2001:db8::1]:443` → `2001:db8::1`, `1.2.3.4:5678` and `::ffff:1.2.3.4` → `1.2.3.4`.
    static func plain(_ text: String) -> (String, IPAddress)? {
        var text = text
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            text = String(text[text.index(after: text.startIndex)..<close])
        } else if text.contains("."), text.filter({ $0 == ":" }).count == 1 {
            text = String(text.prefix { $0 != ":" })
        }
        if text.lowercased().hasPrefix("::ffff:"), text.contains(".") { text = String(text.dropFirst(7)) }
        return IPAddress(text).map { (text, $0) }
    }

    /// What rate limits count by: an IPv4 address whole; an IPv6 address by its /64, the block one
    /// subscriber gets, so that rotating through it does not escape a limit.
    public static func rateLimitKey(_ address: String?) -> String {
        guard let address, let parsed = IPAddress(address), parsed.bytes.count == 16 else { return address ?? "unknown" }
        return parsed.bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: ".") + "/64"
    }
}
