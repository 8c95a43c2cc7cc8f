import AppProtocols
import Flows
import SensorCore
import TestSupport
import Testing

/// ssl.log sessions built by the flow table from TLS over TCP: alerts, a certificate record
/// over many segments, a connection that stops speaking TLS, and the history letters.
@Suite("TLS sessions")
struct TLSTrackerTests {
    let driver = TableDriver()

    static func record(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { [type, 3, 3] + PacketBuilder.be16(body.count) + body }

    static let clientHello: [UInt8] = {
        let sni = [0, 0] + PacketBuilder.be16(16) + PacketBuilder.be16(14) + [0] + PacketBuilder.be16(11) + Array("example.org".utf8)
        var body: [UInt8] = PacketBuilder.be16(0x0303) + Array(repeating: 1, count: 32) + [0]
        body += PacketBuilder.be16(4) + PacketBuilder.be16(0xC02F) + PacketBuilder.be16(0x1301) + [1, 0]
        body += PacketBuilder.be16(sni.count) + sni
        return record(22, [1, 0] + PacketBuilder.be16(body.count) + body)
    }()

    static let serverHello: [UInt8] = {
        let body: [UInt8] = PacketBuilder.be16(0x0303) + Array(repeating: 2, count: 32) + [0] + PacketBuilder.be16(0xC02F) + [0] + [0, 0]
        return record(22, [2, 0] + PacketBuilder.be16(body.count) + body)
    }()

    /// Client SYN, server SYN-ACK; returns the next sequence numbers (client, server).
    func handshake() -> (UInt32, UInt32) {
        driver.tcp([], fromClient: true, seq: 1000, flags: 0x02, port: 443, at: 0)
        driver.tcp([], fromClient: false, seq: 5000, flags: 0x12, port: 443, at: 1)
        return (1001, 5001)
    }

    func sessions() -> [SSLSession] {
        driver.table.flushAll()
        _ = driver.table.drain()
        return driver.table.tls.drain()
    }

    @Test func aFailedHandshakeKeepsItsAlert() throws {
        let (c, s) = handshake()
        driver.tcp(Self.clientHello, fromClient: true, seq: c, port: 443, at: 2)
        driver.tcp(Self.record(21, [2, 40]), fromClient: false, seq: s, port: 443, at: 3)  // fatal handshake_failure
        let session = try #require(sessions().first)
        #expect(session.serverName == Array("example.org".utf8) && session.lastAlert == 40 && !session.established)
        #expect(TLSNames.alert(40) == "handshake_failure")
        #expect(String(decoding: session.history, as: UTF8.self) == "Cl")
        #expect(session.version == nil && session.ja3 != nil && session.ja4?.hasPrefix("t12d0201") == true)
    }

    @Test func aCertificateRecordSpanningSegmentsIsReassembled() throws {
        let (c, s) = handshake()
        driver.tcp(Self.clientHello, fromClient: true, seq: c, port: 443, at: 2)
        // ServerHello, then a 12,000-byte Certificate record of which only the first 1,000 bytes
        // come in this segment; the rest follow in 1,000-byte segments, then ServerHelloDone.
        let certificate = Self.record(22, [11] + [0, 0x2E, 0xDC] + Array(repeating: 0x30, count: 12_000 - 4))
        let stream = Self.serverHello + certificate + Self.record(22, [14, 0, 0, 0])
        var offset = 0
        var at: Int64 = 3
        while offset < stream.count {
            let end = min(stream.count, offset + 1000)
            driver.tcp(Array(stream[offset..<end]), fromClient: false, seq: s &+ UInt32(offset), port: 443, at: at)
            offset = end
            at += 1
        }
        let session = try #require(sessions().first)
        #expect(String(decoding: session.history, as: UTF8.self) == "Csxn", "the certificate's letter, then ServerHelloDone")
        #expect(session.version == 0x0303 && session.cipher == 0xC02F)
    }

    @Test func aConnectionThatStopsSpeakingTLSIsLeftAlone() throws {
        let (c, s) = handshake()
        driver.tcp(Self.clientHello, fromClient: true, seq: c, port: 443, at: 2)
        driver.tcp(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8), fromClient: false, seq: s, port: 443, at: 3)
        driver.tcp(Self.serverHello, fromClient: false, seq: s + 28, port: 443, at: 4)
        let session = try #require(sessions().first)
        #expect(session.version == nil, "nothing after the non-TLS bytes is read")
        #expect(String(decoding: session.history, as: UTF8.self) == "C")
    }

    @Test func withoutTheConnectionStartNothingIsFollowed() {
        driver.tcp(Self.clientHello, fromClient: true, seq: 77, port: 443, at: 0)
        #expect(sessions().isEmpty)
    }
}
