import Flows
import SensorCore
import TestSupport
import Testing

/// SSH banners, ICMP echo statistics, first-payload entropy and the port's usual service.
@Suite("SSH, ICMP echo, entropy")
struct SmallDissectorTests {
    let driver = TableDriver()

    func finish() -> [FlowRecord] {
        driver.table.flushAll()
        return driver.table.drain()
    }

    @Test func sshBannersOfBothSides() throws {
        driver.tcp([], fromClient: true, seq: 100, flags: 0x02, port: 22, at: 0)
        driver.tcp([], fromClient: false, seq: 900, flags: 0x12, port: 22, at: 1)
        driver.tcp(Array("SSH-2.0-dropbear_2022.83\r\n".utf8), fromClient: false, seq: 901, port: 22, at: 2)
        driver.tcp(Array("SSH-2.0-OpenSSH_9.6\r\n\0\0\0\u{1}".utf8), fromClient: true, seq: 101, port: 22, at: 3)
        let conn = try #require(finish().first)
        #expect(conn.service == ["ssh"] && conn.portService == "ssh")
        let s = try #require(driver.table.ssh.drain().first)
        #expect(s.version == 2 && s.client == Array("SSH-2.0-OpenSSH_9.6".utf8) && s.server == Array("SSH-2.0-dropbear_2022.83".utf8))
    }

    @Test func anOverlongBannerIsCutAndAnythingElseIsNoBanner() throws {
        driver.tcp([], fromClient: true, seq: 100, flags: 0x02, port: 22, at: 0)
        driver.tcp([], fromClient: false, seq: 900, flags: 0x12, port: 22, at: 1)
        let long = "SSH-2.0-" + String(repeating: "x", count: 400)  // no line end within 255 bytes
        driver.tcp(Array(long.utf8), fromClient: true, seq: 101, port: 22, at: 2)
        driver.tcp(Array("SSH-\r\n".utf8), fromClient: false, seq: 901, port: 22, at: 3)
        _ = finish()
        let s = try #require(driver.table.ssh.drain().first)
        #expect(s.client?.count == 255 && s.version == 2 && s.server == Array("SSH-".utf8))
    }

    /// QUIC long headers cut at every byte, with lengths that lie, and a version negotiation:
    /// nothing traps, and each flow that began with a known version gets one quic.log row.
    @Test func quicHeadersCutAtEveryByteNeverTrap() throws {
        var initial: [UInt8] = [0xC3, 0, 0, 0, 1, 8, 1, 2, 3, 4, 5, 6, 7, 8, 4, 9, 9, 9, 9, 0, 0x44, 0xD0]
        initial += Array(repeating: 0xAB, count: 40)
        for cut in 1...initial.count {
            driver.udp(Array(initial.prefix(cut)), clientPort: 20000 + cut, port: 443, at: Int64(cut))
        }
        let negotiation: [UInt8] = [0x80, 0, 0, 0, 0, 4, 9, 9, 9, 9, 8, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1]
        driver.udp(negotiation, fromClient: false, clientPort: 20001 + initial.count, port: 443, at: 100)
        _ = finish()
        let rows = driver.table.quic.drain()
        // Headers of 7 bytes and more look like QUIC; the shorter ones are plain UDP.
        #expect(rows.count == initial.count - 6, "\(rows.count) rows")
        #expect(rows.allSatisfy { $0.version == 1 && $0.history.first.map { $0 == UInt8(ascii: "I") || $0 == UInt8(ascii: "O") } ?? true })
    }

    func echo(request: Bool, id: Int, seq: Int, payload: [UInt8], at ms: Int64) {
        let icmp = PacketBuilder.icmp(type: request ? 8 : 0, id: id, seq: seq, payload)
        let (src, dst) = request ? (TableDriver.client, TableDriver.server) : (TableDriver.server, TableDriver.client)
        driver.send(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: src, dst: dst, proto: 1, icmp)), at: ms)
    }

    @Test func echoRepliesAreCheckedAgainstTheirRequests() throws {
        let ping = Array("abcdefghijklmnopqrstuvwabcdefghi".utf8)
        echo(request: true, id: 7, seq: 1, payload: ping, at: 0)
        echo(request: false, id: 7, seq: 1, payload: ping, at: 1)
        echo(request: true, id: 7, seq: 2, payload: ping, at: 1000)
        echo(request: false, id: 7, seq: 2, payload: Array(repeating: 0x41, count: 200), at: 1001)  // not an echo
        echo(request: false, id: 7, seq: 9, payload: ping, at: 2000)                              // no such request
        _ = finish()
        let s = try #require(driver.table.icmp.drain().first)
        #expect(s.requests == 2 && s.replies == 3 && s.requestBytes == 64 && s.replyBytes == 264)
        #expect(s.differingReplies == 1 && s.unmatchedReplies == 1)
        #expect(s.payloadMinimum == 32 && s.payloadMaximum == 200)
        #expect(s.connection.originator == IPAddress(ipv4: TableDriver.client))
    }

    @Test func unreachableMessagesNameTheFlowTheyQuote() throws {
        // A router at 192.0.2.1 reports TCP to 8.8.8.8:443 from our client unreachable (RFC 792:
        // the quote is the IP header and the first 8 bytes of the datagram).
        let syn = PacketBuilder.ipv4(src: TableDriver.client, dst: TableDriver.server, proto: 6, PacketBuilder.tcp(sport: 40123, dport: 443))
        let message = PacketBuilder.icmp(type: 3, code: 1, Array(syn.prefix(28)))
        driver.send(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: 0xC000_0201, dst: TableDriver.client, proto: 1, message)), at: 0)
        let m = try #require(driver.table.icmp.drainUnreachable().first)
        #expect(m.reporter == IPAddress("192.0.2.1") && m.code == 1 && m.client == IPAddress(ipv4: TableDriver.client))
        #expect(m.server == IPAddress(ipv4: TableDriver.server) && m.proto == 6 && m.serverPort == 443)
        // A quote too short for an IP header is no evidence.
        driver.send(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: 0xC000_0201, dst: TableDriver.client, proto: 1,
                                                                            PacketBuilder.icmp(type: 3, code: 1, [0x45, 0, 0]))), at: 10)
        #expect(driver.table.icmp.drainUnreachable().isEmpty)
    }

    @Test func entropyOfTheFirstClientPayload() throws {
        driver.udp(Array(repeating: 0x00, count: 64), port: 9999, at: 0)
        driver.udp((0...255).map { UInt8($0) }, clientPort: 40001, port: 443, at: 1)
        let rows = finish().sorted { $0.connection.originatorPort < $1.connection.originatorPort }
        #expect(rows.map { $0.originatorEntropy } == [0, 8])
        #expect(rows.map { $0.portService } == [nil, "quic"])
        let text = Array("GET / HTTP/1.1\r\n".utf8)
        let h = text.withUnsafeBytes { ByteEntropy.bits(FrameBytes($0)) }
        #expect(h > 3 && h < 4)
    }
}
