import Capture
import Foundation
import SensorCore
import Testing
import TestSupport
#if os(Linux)
import Glibc

/// End to end on this machine: capture on loopback while `quietwire collect` polls /proc,
/// start real processes (children of this test, their known parent) that open a TCP
/// connection and a connected UDP socket, then run `quietwire logs --feed` on the capture and
/// check each of their flows is attributed to the right pid, parent and executable.
/// Needs root for the live capture (CI runs as root).
@Suite("Collector end to end on loopback", .enabled(if: getuid() == 0, "live capture needs root or CAP_NET_RAW"), .serialized)
struct CollectorEndToEndTests {
    static let binary = CommandLineTests.binary

    final class Listener: @unchecked Sendable {
        let tcp: Int32
        let udp: Int32
        let tcpPort: UInt16
        let udpPort: UInt16

        init() throws {
            tcp = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            udp = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            tcpPort = try Listener.bind(tcp)
            udpPort = try Listener.bind(udp)
            listen(tcp, 4)
        }

        /// Binds to 127.0.0.1 on a port the kernel picks; returns it.
        static func bind(_ fd: Int32) throws -> UInt16 {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_addr.s_addr = UInt32(0x7f000001).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let ok = withUnsafeMutablePointer(to: &a) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            try #require(ok, "bind to 127.0.0.1 failed")
            return UInt16(bigEndian: a.sin_port)
        }

        /// Accepts one connection, reads what it sends, and closes it when the peer does.
        func serveOne() {
            let c = accept(tcp, nil, nil)
            guard c >= 0 else { return }
            var buffer = [UInt8](repeating: 0, count: 256)
            while recv(c, &buffer, buffer.count, 0) > 0 {}
            close(c)
        }

        deinit {
            close(tcp)
            close(udp)
        }
    }

    func launch(_ path: String, _ arguments: [String], output: String? = nil) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    @Test func flowsOfRealProcessesAreAttributedToThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qw-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let listener = try Listener()
        Thread.detachNewThread { listener.serveOne() }

        // Capture the two ports on loopback into a pcap file.
        var options = LiveOptions(interface: LiveCaptureTests.loopbackName)
        options.immediate = true
        options.timeoutMilliseconds = 50
        let source = try PacketSource.openLive(options)
        try source.setFilter("tcp port \(listener.tcpPort) or udp port \(listener.udpPort)")
        nonisolated(unsafe) let writer = try PcapFileWriter(path: dir + "/capture.pcap", linkType: source.currentLinkType)
        let captured = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            reading: while true {
                switch source.next() {
                case .frame(let f): writer.write(timestamp: f.timestamp, wireLength: f.wireLength, bytes: f.bytes)
                case .timeout: continue
                default: break reading
                }
            }
            writer.flush()
            captured.signal()
        }

        let collector = try launch(Self.binary, ["collect", "--interval", "0.1", "--out", dir + "/feed.ndjson", "--host-id", "e2e-host", "--no-inventory"])
        defer { if collector.isRunning { collector.terminate() } }
        usleep(400_000)
        // Children of this test: bash's /dev/tcp and /dev/udp connect real sockets.
        let tcpClient = try launch("/bin/bash", ["-c", "exec 3<>/dev/tcp/127.0.0.1/\(listener.tcpPort); echo hello >&3; sleep 1.2; exec 3>&-"])
        let udpClient = try launch("/bin/bash", ["-c", "exec 4<>/dev/udp/127.0.0.1/\(listener.udpPort); echo hello >&4; sleep 1.2; echo bye >&4"])
        tcpClient.waitUntilExit()
        udpClient.waitUntilExit()
        usleep(500_000)
        collector.terminate()
        collector.waitUntilExit()
        source.stop()
        #expect(captured.wait(timeout: .now() + 5) == .success, "capture did not stop")
        #expect(writer.frames >= 6, "frames captured: \(writer.frames)")

        let logs = try Tool.execute(Self.binary, ["logs", dir + "/capture.pcap", "--feed", dir + "/feed.ndjson", "--out", dir + "/logs", "--format", "json"])
        #expect(logs.status == 0, "\(logs.err)")
        let rows = try String(contentsOfFile: dir + "/logs/conn.log", encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:]
        }
        let bash = URL(fileURLWithPath: "/bin/bash").resolvingSymlinksInPath().path
        for (client, port, proto) in [(tcpClient, listener.tcpPort, "tcp"), (udpClient, listener.udpPort, "udp")] {
            let row = try #require(rows.first { $0["id.resp_p"] as? Int == Int(port) && $0["proto"] as? String == proto },
                                   "no \(proto) flow to port \(port) in conn.log; stderr: \(logs.err)")
            #expect(row["attribution.method"] as? String == "exact", "\(proto): \(row)")
            #expect(row["process.pid"] as? Int == Int(client.processIdentifier), "\(proto): \(row)")
            #expect(row["process.parent.pid"] as? Int == Int(getpid()), "\(proto): \(row)")
            #expect(row["process.executable"] as? String == bash, "\(proto): \(row)")
            #expect(row["host.id"] as? String == "e2e-host" && row["attribution.source"] as? String == "collect")
        }
    }
}
#endif
