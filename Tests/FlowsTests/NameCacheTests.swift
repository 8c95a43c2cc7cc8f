import AppProtocols
import Flows
import SensorCore
import TestSupport
import Testing

@Suite("Name cache")
struct NameCacheTests {
    /// A response to www.example.com with one A record (TTL 60) for 93.184.216.34.
    static let response = Hex.bytes("0001 8180 0001 0001 0000 0000 03777777 076578616d706c65 03636f6d 00 0001 0001 c00c 0001 0001 0000003c 0004 5db8d822")

    func message() throws -> DNSMessage {
        try #require(Self.response.withUnsafeBytes { DNSMessage.parse(FrameBytes($0)) })
    }

    @Test func namesExpireWithTheirTTL() throws {
        let cache = NameCache()
        let client = IPAddress("10.0.0.5")!, server = IPAddress("93.184.216.34")!
        cache.record(try message(), client: client, now: Timestamp(seconds: 1000, nanoseconds: 0))
        #expect(cache.name(client: client, address: server, at: Timestamp(seconds: 1059, nanoseconds: 0)) == "www.example.com")
        #expect(cache.name(client: client, address: server, at: Timestamp(seconds: 1061, nanoseconds: 0)) == nil)
        #expect(cache.name(client: IPAddress("10.0.0.6")!, address: server, at: Timestamp(seconds: 1001, nanoseconds: 0)) == nil,
                "another client did not resolve it")
    }

    @Test func capacityIsBounded() throws {
        let cache = NameCache(capacity: 4)
        for i in 0..<10 {
            cache.record(try message(), client: IPAddress(ipv4: 0x0a00_0000 | UInt32(i)), now: Timestamp(seconds: Int64(i), nanoseconds: 0))
        }
        #expect(cache.count == 4 && cache.evicted == 6)
    }
}

extension NameCacheTests {
    @Test func aFlowThatBeganBeforeTheAnswerGetsNoName() throws {
        let cache = NameCache()
        let client = IPAddress("10.0.0.5")!, server = IPAddress("93.184.216.34")!
        cache.record(try message(), client: client, now: Timestamp(seconds: 1000, nanoseconds: 0))
        #expect(cache.name(client: client, address: server, at: Timestamp(seconds: 999, nanoseconds: 0)) == nil)
        cache.record(try message(), client: client, now: Timestamp(seconds: 1030, nanoseconds: 0))
        #expect(cache.name(client: client, address: server, at: Timestamp(seconds: 1010, nanoseconds: 0)) == "www.example.com",
                "the earlier answer still covers a flow that began before the re-resolution")
    }
}
