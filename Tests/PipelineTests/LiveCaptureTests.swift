import Capture
import Foundation
import Outputs
import Pipeline
import SensorCore
import Testing
#if os(Linux)
import Glibc

/// Sends real UDP and TCP traffic over 127.0.0.1 while capturing on the loopback
/// interface, and checks it is captured, decoded and counted. Needs root (CI has it).
@Suite("Live capture on loopback", .enabled(if: getuid() == 0, "live capture needs root or CAP_NET_RAW"))
struct LiveCaptureTests {
    static var loopbackName: String {
        (try? NetworkInterface.all().first { $0.isLoopback }?.name) ?? "lo"
    }

    @Test func capturesUDPAndTCPOnLoopback() throws {
        let udpPort = UInt16(40000 + Int.random(in: 0..<10000))
        let tcpPort = udpPort &+ 1
        var options = LiveOptions(interface: Self.loopbackName)
        options.immediate = true
        options.timeoutMilliseconds = 50
        let source = try PacketSource.openLive(options)
        try source.setFilter("udp port \(udpPort) or tcp port \(tcpPort)")
        let run = DecodeRun(output: .json)
        nonisolated(unsafe) let out = OutputBuffer(descriptor: nil, flushThreshold: Int.max)
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var summary = DecodeSummary()
        Thread.detachNewThread {
            summary = run.run([source], to: out)
            done.signal()
        }
        usleep(200_000)
        try sendUDP(port: udpPort, count: 5)
        try tcpExchange(port: tcpPort)
        usleep(300_000)
        run.stop()
        #expect(done.wait(timeout: .now() + 5) == .success, "capture did not stop within 5 s of stop()")
        let text = String(decoding: out.take(), as: UTF8.self)
        #expect(summary.statistics.protocols[17] == 5, "UDP datagrams seen: \(summary.statistics.protocols[17])")
        #expect(summary.statistics.protocols[6] >= 4, "TCP segments seen: \(summary.statistics.protocols[6])")
        #expect(text.contains("\"dport\":\(udpPort)"))
        #expect(text.contains("\"tcp_flags\":\"S\""))
        let stats = try #require(summary.capture)
        #expect(stats.received >= 9)
        #expect(summary.stoppedEarly)
    }

    func sendUDP(port: UInt16, count: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer { close(fd) }
        var addr = loopback(port)
        for i in 0..<count {
            let payload = Array("quietwire live test \(i)".utf8)
            let sent = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            #expect(sent == payload.count)
        }
    }

    func tcpExchange(port: UInt16) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = loopback(port)
        let bound = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(bound == 0, "bind 127.0.0.1:\(port) failed")
        listen(listener, 1)
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        let connected = withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
        let server = accept(listener, nil, nil)
        let hello = Array("hello".utf8)
        _ = send(client, hello, hello.count, 0)
        var buffer = [UInt8](repeating: 0, count: 16)
        _ = recv(server, &buffer, 16, 0)
        close(client)
        close(server)
    }

    func loopback(_ port: UInt16) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = UInt32(0x7f000001).bigEndian
        return a
    }
}
#endif
