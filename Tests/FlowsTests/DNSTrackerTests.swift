import AppProtocols
import Flows
import SensorCore
import TestSupport
import Testing
import Wire

/// dns.log transactions built by the flow table: pairing, round trips, multicast, DNS over
/// TCP split across segments or several to a segment, and the bounds.
@Suite("DNS transactions")
struct DNSTrackerTests {
    static let client = TableDriver.client

    /// A query for `name` (A, RD set) with transaction ID `id`.
    static func query(_ name: String, id: Int, type: Int = 1) -> [UInt8] {
        PacketBuilder.be16(id) + [0x01, 0x00] + PacketBuilder.be16(1) + [0, 0, 0, 0, 0, 0] + encode(name) + PacketBuilder.be16(type) + [0, 1]
    }

    /// A response for `name` with one A record per address (TTL 300), RA set, RCODE `rcode`.
    static func response(_ name: String, id: Int, addresses: [UInt32], rcode: UInt8 = 0) -> [UInt8] {
        var m = PacketBuilder.be16(id) + [0x81, 0x80 | rcode] + PacketBuilder.be16(1) + PacketBuilder.be16(addresses.count) + [0, 0, 0, 0]
        m += encode(name) + [0, 1, 0, 1]
        for a in addresses { m += [0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 1, 0x2C, 0, 4] + PacketBuilder.be32(a) }
        return m
    }

    static func encode(_ name: String) -> [UInt8] {
        name.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    let driver = TableDriver()
    var table: FlowTable { driver.table }

    func udp(_ payload: [UInt8], fromClient: Bool = true, clientPort: Int = 40000, to destination: UInt32 = TableDriver.server,
             port: Int = 53, at ms: Int64) {
        driver.udp(payload, fromClient: fromClient, clientPort: clientPort, to: destination, port: port, at: ms)
    }

    func tcp(_ payload: [UInt8], fromClient: Bool, seq: UInt32, flags: UInt8 = 0x18, at ms: Int64) {
        driver.tcp(payload, fromClient: fromClient, seq: seq, flags: flags, at: ms)
    }

    func finish() -> [DNSTransaction] {
        table.flushAll()
        _ = table.drain()
        return table.dns.drain()
    }

    @Test func aResponsePairsWithItsQueryAndGivesTheRoundTrip() throws {
        udp(Self.query("WWW.Example.com", id: 7), at: 0)
        udp(Self.response("www.example.com", id: 7, addresses: [0x5db8_d822, 0x5db8_d823]), fromClient: false, at: 25)
        let rows = finish()
        #expect(rows.count == 1)
        let t = try #require(rows.first)
        #expect(t.query == Array("www.example.com".utf8), "queries are logged lower-cased, as Zeek does")
        #expect(t.qtype == 1 && t.qclass == 1 && t.rcode == 0 && t.transactionID == 7)
        #expect(t.rtt == 25_000_000)
        #expect(t.answers == [Array("93.184.216.34".utf8), Array("93.184.216.35".utf8)] && t.ttls == [300, 300])
        #expect(t.recursionDesired && t.recursionAvailable && !t.authoritative && !t.rejected)
        #expect(t.connection.originator == IPAddress(ipv4: Self.client) && t.connection.responderPort == 53 && t.connection.proto == 17)
    }

    @Test func unansweredQueriesAndUnaskedResponsesAreLoggedAlone() throws {
        udp(Self.query("a.example", id: 1), at: 0)
        udp(Self.query("a.example", id: 1), at: 1000)  // a retry with the same ID
        udp(Self.response("a.example", id: 1, addresses: [1]), fromClient: false, at: 1010)
        udp(Self.response("b.example", id: 9, addresses: [2]), fromClient: false, at: 1020)
        let rows = finish()
        #expect(rows.count == 3)
        let paired = try #require(rows.first { $0.rcode != nil && $0.qtype != nil })
        #expect(paired.rtt == 1_010_000_000, "the oldest query with the ID is the one answered")
        let retry = try #require(rows.first { $0.rcode == nil })
        #expect(retry.query == Array("a.example".utf8) && retry.rtt == nil && retry.answers == nil)
        let unasked = try #require(rows.first { $0.transactionID == 9 })
        #expect(unasked.qtype == nil && unasked.query == Array("b.example".utf8) && unasked.rcode == 0)
    }

    @Test func nxdomainWithoutRecordsIsRejectedAndHasNoRoundTrip() throws {
        udp(Self.query("nope.example", id: 3), at: 0)
        udp(Self.response("nope.example", id: 3, addresses: [], rcode: 3), fromClient: false, at: 40)
        let t = try #require(finish().first)
        #expect(t.rcode == 3 && t.rejected && t.rtt == nil && t.answers == nil)
        #expect(DNSTransaction.rcodeName(3) == "NXDOMAIN")
    }

    @Test func multicastMessagesAreNotPaired() {
        let mdns: UInt32 = 0xE000_00FB
        udp(Self.query("printer.local", id: 0), clientPort: 5353, to: mdns, port: 5353, at: 0)
        udp(Self.response("printer.local", id: 0, addresses: [0x0a00_0009]), clientPort: 5353, to: mdns, port: 5353, at: 5)
        let rows = table.dns.drain()  // logged at once, before the flow ends
        #expect(rows.count == 2)
        #expect(rows.allSatisfy { $0.rtt == nil } && rows[0].rcode == nil && rows[1].qtype == nil)
    }

    @Test func tcpMessagesSplitAcrossSegmentsAndSeveralPerSegment() throws {
        let q1 = Self.query("one.example", id: 11), q2 = Self.query("two.example", id: 12)
        let r1 = Self.response("one.example", id: 11, addresses: [1]), r2 = Self.response("two.example", id: 12, addresses: [2])
        let framed = { (m: [UInt8]) in PacketBuilder.be16(m.count) + m }
        tcp([], fromClient: true, seq: 100, flags: 0x02, at: 0)
        tcp([], fromClient: false, seq: 500, flags: 0x12, at: 1)
        // Both queries in one segment.
        let queries = framed(q1) + framed(q2)
        tcp(queries, fromClient: true, seq: 101, at: 2)
        // The responses split at awkward places: inside the length prefix, then mid-message.
        let responses = framed(r1) + framed(r2)
        tcp(Array(responses[0..<1]), fromClient: false, seq: 501, at: 3)
        tcp(Array(responses[1..<20]), fromClient: false, seq: 502, at: 4)
        tcp(Array(responses[1..<20]), fromClient: false, seq: 502, at: 5)  // a retransmission changes nothing
        tcp(Array(responses[20...]), fromClient: false, seq: 521, at: 6)
        let rows = finish()
        #expect(rows.count == 2, "\(rows.map { String(decoding: $0.query ?? [], as: UTF8.self) })")
        #expect(rows.allSatisfy { $0.connection.proto == 6 && $0.rcode == 0 && $0.qtype == 1 && $0.answers?.count == 1 }, "\(rows)")
        #expect(Set(rows.map { $0.transactionID }) == [11, 12])
    }

    @Test func aGapDropsTheHeldPartOnlyAndLaterMessagesStillParse() throws {
        let framed = { (m: [UInt8]) in PacketBuilder.be16(m.count) + m }
        let q0 = framed(Self.query("first.example", id: 20))
        let q1 = framed(Self.query("lost.example", id: 21)), q2 = framed(Self.query("kept.example", id: 22))
        tcp([], fromClient: true, seq: 100, flags: 0x02, at: 0)
        tcp([], fromClient: false, seq: 500, flags: 0x12, at: 1)
        tcp(q0, fromClient: true, seq: 101, at: 2)
        let start1 = 101 + UInt32(q0.count)
        tcp(Array(q1[0..<10]), fromClient: true, seq: start1, at: 3)
        // The rest of q1 was never captured; q2 starts a later segment.
        tcp(q2, fromClient: true, seq: start1 + UInt32(q1.count), at: 4)
        let rows = finish()
        #expect(rows.map { $0.transactionID } == [20, 22])
        #expect(table.dissectorLosses.map { $0.0 } == ["tcp_reassembly_gaps"] && table.dissectorLosses.first?.1 == 1,
                "the gap is counted and reported: \(table.dissectorLosses)")
    }

    @Test func aFlowThatStartsWithAResponseIsFlipped() throws {
        // Both ports 53: no port heuristic applies; the response itself says who asked.
        udp(Self.response("late.example", id: 5, addresses: [7]), fromClient: false, clientPort: 53, at: 0)
        table.flushAll()
        let conn = try #require(table.drain().first)
        #expect(conn.connection.originator == IPAddress(ipv4: Self.client) && conn.connection.responderPort == 53)
        #expect(conn.history == "d^")
        let t = try #require(table.dns.drain().first)
        #expect(t.connection.originator == IPAddress(ipv4: Self.client))
    }

    @Test func netbiosNamesAreDecoded() throws {
        // "WORKGROUP" padded with spaces, suffix 0x1D, first-level encoded (RFC 1001 section 14.1).
        var raw = Array("WORKGROUP".utf8) + Array(repeating: 0x20, count: 6) + [0x1D]
        let encoded = String(decoding: raw.flatMap { [0x41 + ($0 >> 4), 0x41 + ($0 & 0xF)] }, as: UTF8.self)
        raw = []
        udp(Self.query(encoded, id: 9, type: 32), clientPort: 137, port: 137, at: 0)
        let t = try #require(finish().first)
        #expect(t.query == Array("WORKGROUP".utf8))
    }

    @Test func pendingMessagesPerFlowAreBounded() {
        for k in 0..<(DNSTracker.maximumPendingPerFlow + 10) {
            udp(Self.query("q\(k).example", id: k), at: Int64(k))
        }
        #expect(table.dns.flushedEarly == 10)
        #expect(finish().count == DNSTracker.maximumPendingPerFlow + 10, "every query is logged once")
    }
}
