import Capture
import Foundation
import SensorCore
import TestSupport
import Testing

/// Writes classic pcap files in either byte order and timestamp resolution.
enum PcapWriter {
    static func file(bigEndian: Bool, nanosecond: Bool, linkType: UInt32 = 1, frames: [[UInt8]], cutLast: Int = 0) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] {
            bigEndian ? [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
                      : [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
        }
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xff)] : [UInt8(v & 0xff), UInt8(v >> 8)] }
        var out = u32(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4) + u16(2) + u16(4) + u32(0) + u32(0) + u32(65535) + u32(linkType)
        for (i, f) in frames.enumerated() {
            out += u32(1_700_000_000 + UInt32(i)) + u32(nanosecond ? 123_456_789 : 123_456) + u32(UInt32(f.count)) + u32(UInt32(f.count)) + f
        }
        return Array(out.dropLast(cutLast))
    }

    static func write(_ bytes: [UInt8], name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quietwire-capture-tests-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }
}

let udpFrame = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 17, PacketBuilder.udp(sport: 1, dport: 53, [1, 2, 3])))

func readAll(_ source: PacketSource) -> (frames: [(Timestamp, Int)], end: ReadResult?) {
    var frames: [(Timestamp, Int)] = []
    while true {
        let r = source.next()
        switch r {
        case .frame(let f): frames.append((f.timestamp, f.captureLength))
        case .timeout: continue
        default: return (frames, r)
        }
    }
}

@Suite("Capture files")
struct CaptureFileTests {
    @Test("both byte orders, micro- and nanosecond timestamps", arguments: [(false, false), (true, false), (false, true), (true, true)])
    func byteOrdersAndResolutions(bigEndian: Bool, nanosecond: Bool) throws {
        let path = try PcapWriter.write(PcapWriter.file(bigEndian: bigEndian, nanosecond: nanosecond, frames: [udpFrame, udpFrame]),
                                        name: "o-\(bigEndian)-\(nanosecond).pcap")
        let source = try PacketSource.openFile(path)
        let (frames, end) = readAll(source)
        #expect(frames.count == 2)
        #expect(frames[0].0 == Timestamp(seconds: 1_700_000_000, nanoseconds: nanosecond ? 123_456_789 : 123_456_000))
        #expect(frames[1].1 == udpFrame.count)
        if case .end = end {} else { Issue.record("expected a clean end, got \(String(describing: end))") }
        #expect(source.currentLinkType == .ethernet)
    }

    @Test func pcapngWithSeveralInterfaces() throws {
        let source = try PacketSource.openFile(Fixtures.path("real/zeek__pcapng-multi-interface.pcapng"))
        #expect(readAll(source).frames.count == 6)
    }

    @Test func truncatedFileKeepsThePacketsBeforeTheCut() throws {
        let path = try PcapWriter.write(PcapWriter.file(bigEndian: false, nanosecond: false, frames: [udpFrame, udpFrame, udpFrame], cutLast: 10),
                                        name: "truncated.pcap")
        let (frames, end) = readAll(try PacketSource.openFile(path))
        #expect(frames.count == 2)
        guard case .truncated(let message) = end else { Issue.record("expected truncated, got \(String(describing: end))"); return }
        #expect(message.contains("truncated"))
    }

    @Test func missingFileSaysSo() {
        #expect(throws: CaptureError.fileNotFound(path: "/nonexistent/x.pcap")) { try PacketSource.openFile("/nonexistent/x.pcap") }
    }

    @Test func directoryIsNotACapture() {
        #expect(throws: CaptureError.notAFile(path: "/tmp")) { try PacketSource.openFile("/tmp") }
    }

    @Test("not a capture file", arguments: [[UInt8](), Array("hello, this is text and not a capture file".utf8), [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3] + Array(repeating: 0, count: 30)])
    func notACapture(bytes: [UInt8]) throws {
        let path = try PcapWriter.write(bytes, name: "bogus-\(bytes.count).pcap")
        do {
            _ = try PacketSource.openFile(path)
            Issue.record("opened a non-capture")
        } catch {
            guard case .notACaptureFile(let p, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(p == path)
            #expect(error.description.contains("not a pcap or pcapng"))
        }
    }

    @Test func invalidFilterShowsLibpcapsMessage() throws {
        let source = try PacketSource.openFile(Fixtures.path("real/zeek__get.pcap"))
        do {
            try source.setFilter("tcp port banana")
            Issue.record("accepted a bad filter")
        } catch {
            guard case .invalidFilter(let f, let detail) = error else { Issue.record("wrong error \(error)"); return }
            #expect(f == "tcp port banana" && !detail.isEmpty)
        }
    }

    @Test func filterAppliesToFiles() throws {
        let source = try PacketSource.openFile(Fixtures.path("real/zeek__wikipedia.pcap"))
        try source.setFilter("udp port 53")
        let all = readAll(try PacketSource.openFile(Fixtures.path("real/zeek__wikipedia.pcap"))).frames.count
        let dns = readAll(source).frames.count
        #expect(dns > 0 && dns < all)
    }

    @Test func unknownInterfaceIsNamed() {
        do {
            _ = try PacketSource.openLive(LiveOptions(interface: "qw-no-such-if0"))
            Issue.record("opened a missing interface")
        } catch {
            switch error {
            case .noSuchInterface(let name, _), .livePermissionDenied(let name, _), .liveFailed(let name, _):
                #expect(name == "qw-no-such-if0")
            default:
                Issue.record("wrong error \(error)")
            }
        }
    }

    @Test func interfacesListIncludesLoopback() throws {
        let list = try NetworkInterface.all()
        #expect(list.contains { $0.isLoopback } || getuid() != 0)
    }
}
