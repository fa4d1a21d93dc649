import MinqingCore
import Testing

struct ClientAddressTests {
    @Test func readsAddressesAndBlocks() {
        #expect(IPAddress("192.0.2.7")?.bytes == [192, 0, 2, 7])
        #expect(IPAddress("2001:db8::1")?.bytes == [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1])
        #expect(IPAddress("::1")?.bytes == Array(repeating: 0, count: 15) + [1])
        #expect(IPAddress("::")?.bytes == Array(repeating: 0, count: 16))
        for bad in ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "1::2::3", "12345::", "g::1", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "unknown"] {
            #expect(IPAddress(bad) == nil, "\(bad)")
        }
        let private10 = AddressRange("10.0.0.0/8")!
        #expect(private10.contains(IPAddress("10.255.1.2")!))
        #expect(!private10.contains(IPAddress("11.0.0.1")!))
        #expect(!private10.contains(IPAddress("::1")!))
        #expect(AddressRange("192.168.1.0/23")!.contains(IPAddress("192.168.0.9")!))
        #expect(!AddressRange("192.168.1.0/24")!.contains(IPAddress("192.168.0.9")!))
        #expect(AddressRange("fd00::/8")!.contains(IPAddress("fd12:3456::1")!))
        #expect(AddressRange("127.0.0.1")!.contains(IPAddress("127.0.0.1")!))
        #expect(AddressRange("10.0.0.0/33") == nil && AddressRange("x/8") == nil)
    }

    @Test func believesForwardedForOnlyFromTrustedProxies() {
        let proxies = [AddressRange("10.0.0.0/8")!]
        // Not through a trusted proxy: the header is the client's own words, ignored.
        #expect(ClientAddress.resolve(peer: "198.51.100.9", forwardedFor: ["203.0.113.1"], trusted: proxies) == "198.51.100.9")
        // Through one proxy.
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["203.0.113.1"], trusted: proxies) == "203.0.113.1")
        // The client wrote a false entry first; the proxy appended the real one: the right-most untrusted wins.
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["1.2.3.4, 203.0.113.1"], trusted: proxies) == "203.0.113.1")
        // Two proxies, in separate headers.
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["203.0.113.1", "10.0.0.3"], trusted: proxies) == "203.0.113.1")
        // Garbage where an address should be: the proxy itself is all that is known.
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["<script>"], trusted: proxies) == "10.0.0.2")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: [], trusted: proxies) == "10.0.0.2")
        #expect(ClientAddress.resolve(peer: nil, forwardedFor: ["203.0.113.1"], trusted: proxies) == nil)
        // As listeners and proxies write them: a dual-stack listener's mapped peer, ports, brackets.
        #expect(ClientAddress.resolve(peer: "::ffff:10.0.0.2", forwardedFor: ["203.0.113.1:51234"], trusted: proxies) == "203.0.113.1")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["[2001:db8::7]:443"], trusted: proxies) == "2001:db8::7")
        #expect(ClientAddress.resolve(peer: "10.0.0.2", forwardedFor: ["10.0.0.9, 10.0.0.3"], trusted: proxies) == "10.0.0.9")
    }

    @Test func rateLimitsCountAnIPv6SubscriberAsOne() {
        #expect(ClientAddress.rateLimitKey("2001:db8:1:2::1") == ClientAddress.rateLimitKey("2001:db8:1:2:ffff::9"))
        #expect(ClientAddress.rateLimitKey("2001:db8:1:2::1") != ClientAddress.rateLimitKey("2001:db8:1:3::1"))
        #expect(ClientAddress.rateLimitKey("192.0.2.7") == "192.0.2.7")
        #expect(ClientAddress.rateLimitKey(nil) == "unknown")
    }
}
