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

    @Test func entropyOfTheFirstClientPayload() throws {
        driver.udp(Array(repeating: 0x00, count: 64), port: 9999, at: 0)
        driver.udp((0...255).map { UInt8($0) }, clientPort: 40001, port: 443, at: 1)
        let rows = finish().sorted { $0.originatorPort < $1.originatorPort }
        #expect(rows.map { $0.originatorEntropy } == [0, 8])
        #expect(rows.map { $0.portService } == [nil, "quic"])
        let text = Array("GET / HTTP/1.1\r\n".utf8)
        let h = text.withUnsafeBytes { ByteEntropy.bits(FrameBytes($0)) }
        #expect(h > 3 && h < 4)
    }
}
