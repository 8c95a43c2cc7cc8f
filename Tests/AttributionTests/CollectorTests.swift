import Foundation
import SensorCore
import Testing
import TestSupport
@testable import Attribution
@testable import Collector

/// The Linux collector's parsers on lines shaped like proc(5) documents them, and its poll
/// and diff on a /proc tree built in a temporary directory.
@Suite struct CollectorTests {
    @Test func procNetLinesInBothFamilies() throws {
        let v4 = try #require(ProcNetSocket.parse("   1: 0100007F:1F90 0100007F:D431 01 00000000:00000000 00:00000000 00000000  1000        0 48211 1 0000000000000000 20 4 30 10 -1", transport: 6))
        #expect(v4.local == IPAddress("127.0.0.1") && v4.localPort == 8080 && v4.remotePort == 54321 && v4.state == 1)
        #expect(v4.uid == 1000 && v4.inode == 48211 && !v4.isUnconnected)
        let listener = try #require(ProcNetSocket.parse("   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1124 1 0000000000000000 100 0 0 10 0", transport: 6))
        #expect(listener.isUnconnected && listener.state == 10 && listener.localPort == 22)
        // ::1 and an IPv4-mapped address (a dual-stack socket) in the kernel's host-order words.
        let v6 = try #require(ProcNetSocket.parse("   0: 00000000000000000000000001000000:0035 0000000000000000FFFF00000100007F:C000 01 00000000:00000000 00:00000000 00000000   101        0 777 2 0000000000000000 20 4 0 10 -1", transport: 17))
        #expect(v6.local == IPAddress("::1") && v6.localPort == 53)
        #expect(v6.remote == IPAddress("127.0.0.1") && v6.remotePort == 49152 && v6.transport == 17)
        for bad in ["", "sl local", "   0: 0100007F:ZZZZ 00000000:0000 0A 0:0 0:0 0 0 0 1", "   0: 01007F:0016 00000000:0000 0A 0:0 0:0 0 0 0 1",
                    "   0: 0100007F:0016 00000000:0000 0A 0:0 0:0 0 x 0 1"] {
            #expect(ProcNetSocket.parse(Substring(bad), transport: 6) == nil, "\(bad)")
        }
    }

    @Test func systemdUnitFromCgroupAndProgramFromUnitFile() {
        #expect(SystemdUnits.unit(fromCgroup: "0::/system.slice/nginx.service\n") == "nginx.service")
        #expect(SystemdUnits.unit(fromCgroup: "0::/user.slice/user-1000.slice/user@1000.service/app.slice/syncthing.service\n") == "syncthing.service")
        #expect(SystemdUnits.unit(fromCgroup: "0::/system.slice/run-u42.scope\n") == "run-u42.scope")
        #expect(SystemdUnits.unit(fromCgroup: "12:pids:/\n1:name=systemd:/system.slice/cron.service\n0::/\n") == "cron.service")
        #expect(SystemdUnits.unit(fromCgroup: "0::/\n") == nil)
        #expect(SystemdUnits.unit(fromCgroup: "garbage") == nil)
        let unit = "[Unit]\nDescription=x\n[Service]\nType=simple\n  ExecStart=-/usr/bin/agent --serve  --port 9\nExecStart=/second\n"
        #expect(SystemdUnits.program(ofUnitFile: unit)?.program == "/usr/bin/agent")
        #expect(SystemdUnits.program(ofUnitFile: unit)?.arguments == ["/usr/bin/agent", "--serve", "--port", "9"])
        #expect(SystemdUnits.program(ofUnitFile: "[Service]\nExecStart=\n") == nil)
    }

    /// A /proc with one process holding a connected TCP socket and an unconnected UDP socket.
    func fakeProc() throws -> (String, () throws -> Void) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qw-proc-\(UUID().uuidString)").path
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/net", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/4242/fd", withIntermediateDirectories: true)
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        try (header + "   0: 0500000A:C350 08080808:01BB 01 00000000:00000000 00:00000000 00000000  1000        0 9001 1 0 20 4 30 10 -1\n"
             + "   1: 0500000A:C351 08080808:01BB 06 00000000:00000000 00:00000000 00000000  1000        0 0 1 0 20 4 30 10 -1\n")
            .write(toFile: root + "/net/tcp", atomically: true, encoding: .utf8)
        try (header + "   0: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 9002 2 0 0\n")
            .write(toFile: root + "/net/udp", atomically: true, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/4242/fd/3", withDestinationPath: "socket:[9001]")
        try fm.createSymbolicLink(atPath: root + "/4242/fd/4", withDestinationPath: "socket:[9002]")
        try fm.createSymbolicLink(atPath: root + "/4242/fd/5", withDestinationPath: "/dev/null")
        try fm.createSymbolicLink(atPath: root + "/4242/exe", withDestinationPath: "/opt/agent/bin/agent (deleted)")
        try "4242 (my agent) S 77 4242 4242 0 -1".write(toFile: root + "/4242/stat", atomically: true, encoding: .utf8)
        try "/opt/agent/bin/agent\u{0}--beacon\u{0}".write(toFile: root + "/4242/cmdline", atomically: true, encoding: .utf8)
        try "Name:\tagent\nUid:\t1000\t1000\t1000\t1000\n".write(toFile: root + "/4242/status", atomically: true, encoding: .utf8)
        try "0::/system.slice/agent.service\n".write(toFile: root + "/4242/cgroup", atomically: true, encoding: .utf8)
        return (root, { try fm.removeItem(atPath: root) })
    }

    @Test func pollReportsNewSocketsOnceAndClosesThoseThatWent() throws {
        let (root, cleanup) = try fakeProc()
        defer { try? cleanup() }
        let collector = SocketCollector(hostID: "linux-1", proc: ProcFS(root: root))
        let t1 = Timestamp(seconds: 1_795_946_400, nanoseconds: 0)
        let first = collector.poll(now: t1).compactMap { if case .socket(let s) = $0 { s } else { nil } }
        #expect(first.count == 2)  // the TIME_WAIT socket (inode 0) has no owner
        let tcp = try #require(first.first { $0.transport == 6 })
        #expect(tcp.event == .snapshot && tcp.localAddress == IPAddress("10.0.0.5") && tcp.localPort == 50000)
        #expect(tcp.remoteAddress == IPAddress("8.8.8.8") && tcp.remotePort == 443 && tcp.hostID == "linux-1")
        #expect(tcp.process == ProcessIdentity(pid: 4242, ppid: 77, executable: "/opt/agent/bin/agent", name: "my agent",
                                               commandLine: "/opt/agent/bin/agent --beacon", user: "1000", label: "agent.service"))
        let udp = try #require(first.first { $0.transport == 17 })
        #expect(udp.localAddress == nil && udp.localPort == 5353 && udp.remoteAddress == nil)
        // Nothing changed: nothing reported.
        #expect(collector.poll(now: Timestamp(seconds: 1_795_946_401, nanoseconds: 0)).isEmpty)
        // The TCP socket closes.
        try FileManager.default.removeItem(atPath: root + "/4242/fd/3")
        let closed = collector.poll(now: Timestamp(seconds: 1_795_946_402, nanoseconds: 0)).compactMap { if case .socket(let s) = $0 { s } else { nil } }
        #expect(closed.count == 1 && closed.first?.event == .close && closed.first?.localPort == 50000)
        #expect(closed.first?.time == Timestamp(seconds: 1_795_946_402, nanoseconds: 0))
        // Past the re-snapshot interval every open socket is reported again.
        let again = collector.poll(now: Timestamp(seconds: 1_795_946_470, nanoseconds: 0))
        #expect(again.count == 1)
        // Records round-trip through the native feed.
        let lines = (first.map { NativeFeedEncoder.line(.socket($0)) } + closed.map { NativeFeedEncoder.line(.socket($0)) }).joined(separator: "\n")
        let load = FeedReader.read(text: lines)
        #expect(load.problems.isEmpty && load.records == (first + closed).map { .socket($0) })
    }

    @Test func unitFilesBecomeAgents() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("qw-units-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/etc/systemd/system", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/lib/systemd/system", withIntermediateDirectories: true)
        try "[Service]\nExecStart=/usr/bin/override\n".write(toFile: root + "/etc/systemd/system/a.service", atomically: true, encoding: .utf8)
        try "[Service]\nExecStart=/usr/bin/vendor\n".write(toFile: root + "/lib/systemd/system/a.service", atomically: true, encoding: .utf8)
        try "[Service]\nExecStart=@/usr/bin/b b-name\n".write(toFile: root + "/lib/systemd/system/b.service", atomically: true, encoding: .utf8)
        try "[Timer]\nOnCalendar=daily\n".write(toFile: root + "/lib/systemd/system/b.timer", atomically: true, encoding: .utf8)
        let agents = SystemdUnits.inventory(hostID: "h", root: root)
        #expect(agents.map(\.label) == ["a.service", "b.service"])
        #expect(agents.map(\.program) == ["/usr/bin/override", "/usr/bin/b"])
    }
}

extension CollectorTests {
    @Test func aSocketHeldByParentAndChildBelongsToTheParent() {
        let processes: [Int32: ProcessIdentity] = [10: ProcessIdentity(pid: 10, ppid: 1), 11: ProcessIdentity(pid: 11, ppid: 10),
                                                   12: ProcessIdentity(pid: 12, ppid: 11), 20: ProcessIdentity(pid: 20, ppid: 1)]
        #expect(SocketCollector.owner(among: [12, 11, 10], processes) == 10)
        #expect(SocketCollector.owner(among: [20, 12], processes) == 12)  // unrelated holders: the lowest pid
        #expect(SocketCollector.owner(among: [7], processes) == 7)
        #expect(SocketCollector.owner(among: [], processes) == nil)
    }
}

#if canImport(Glibc)
import Glibc

/// scripts/lsof-feed against the real lsof of this machine: a socket this test holds must come
/// back as a record with this process's pid.
@Suite struct LsofFeedScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/lsof-feed").path

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/lsof") || FileManager.default.isExecutableFile(atPath: "/usr/sbin/lsof"),
                   "lsof is not installed (scripts/setup --with-tshark installs it)"))
    func theScriptsOutputParsesIntoThisProcesssSocket() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7f000001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &a) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        let port = UInt16(bigEndian: a.sin_port)
        let out = try Tool.execute(Self.script, ["1", "test-host"], environment: ["COUNT": "1"])
        #expect(out.status == 0, "\(out.err)")
        let load = FeedReader.read(text: out.out, name: "lsof")
        #expect(load.problems.isEmpty, "\(load.problems)")
        let mine = load.records.compactMap { if case .socket(let s) = $0, s.process.pid == getpid() { s } else { nil } }
        let udp = try #require(mine.first { $0.transport == 17 && $0.localPort == port }, "no record of 127.0.0.1:\(port) in: \(out.out.prefix(2000))")
        #expect(udp.localAddress == IPAddress("127.0.0.1") && udp.remoteAddress == nil && udp.hostID == "test-host" && udp.event == .snapshot)
    }
}
#endif
