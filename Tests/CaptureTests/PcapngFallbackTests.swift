import Capture
import Foundation
import SensorCore
import TestSupport
import Testing

/// Writes pcapng files libpcap 1.10 refuses: interfaces with different link types.
enum PcapngWriter {
    static func file(bigEndian: Bool, simpleLast: Bool = false) -> [UInt8] {
        func u32(_ v: UInt32) -> [UInt8] {
            bigEndian ? [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
                      : [UInt8(v & 0xff), UInt8((v >> 8) & 0xff), UInt8((v >> 16) & 0xff), UInt8(v >> 24)]
        }
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xff)] : [UInt8(v & 0xff), UInt8(v >> 8)] }
        func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
            let padded = body + Array(repeating: 0, count: (4 - body.count % 4) % 4)
            let length = UInt32(12 + padded.count)
            return u32(type) + u32(length) + padded + u32(length)
        }
        let shb = [0x0A, 0x0D, 0x0D, 0x0A] + u32(28) + u32(0x1A2B3C4D) + u16(1) + u16(0) + Array(repeating: 0xff, count: 8) + u32(28)
        // Interface 0: Ethernet, microseconds. Interface 1: raw IP, nanoseconds (if_tsresol = 9).
        let idbEthernet = block(1, u16(1) + u16(0) + u32(65535))
        let idbRaw = block(1, u16(101) + u16(0) + u32(65535) + u16(9) + u16(1) + [9, 0, 0, 0] + u16(0) + u16(0))
        func epb(_ interface: UInt32, _ units: UInt64, _ data: [UInt8]) -> [UInt8] {
            block(6, u32(interface) + u32(UInt32(units >> 32)) + u32(UInt32(units & 0xffffffff))
                + u32(UInt32(data.count)) + u32(UInt32(data.count)) + data)
        }
        let ip = PacketBuilder.ipv4(proto: 17, PacketBuilder.udp(sport: 1, dport: 53, [7]))
        let tcp = PacketBuilder.ipv4(proto: 6, PacketBuilder.tcp(sport: 2, dport: 443))
        var out = shb + idbEthernet + idbRaw
        out += epb(0, 1_700_000_000 * 1_000_000 + 5, PacketBuilder.ethernet(type: 0x0800, ip))
        out += epb(1, 1_700_000_001 * 1_000_000_000 + 7, tcp)
        out += block(5, u32(0) + u32(0) + u32(0))  // an interface statistics block, skipped
        out += simpleLast ? block(3, u32(UInt32(14 + ip.count)) + PacketBuilder.ethernet(type: 0x0800, ip))
                          : epb(0, 1_700_000_002 * 1_000_000, PacketBuilder.ethernet(type: 0x0800, ip))
        return out
    }
}

@Suite("pcapng with mixed link types (libpcap refuses these; our reader takes over)")
struct PcapngFallbackTests {
    @Test(arguments: [false, true])
    func readsEveryInterfaceInEitherByteOrder(bigEndian: Bool) throws {
        let path = try PcapWriter.write(PcapngWriter.file(bigEndian: bigEndian), name: "mixed-\(bigEndian).pcapng")
        var links: [UInt32] = []
        var stamps: [Timestamp] = []
        let source = try PacketSource.openFile(path)
        loop: while true {
            switch source.next() {
            case .frame(let f): links.append(f.linkType.rawValue); stamps.append(f.timestamp)
            case .timeout: continue
            case .end: break loop
            case let other: Issue.record("unexpected \(other)"); break loop
            }
        }
        #expect(links == [1, 101, 1])
        #expect(stamps[0] == Timestamp(seconds: 1_700_000_000, nanoseconds: 5_000))
        #expect(stamps[1] == Timestamp(seconds: 1_700_000_001, nanoseconds: 7))
    }

    @Test func simplePacketBlockAndFilterPerLinkType() throws {
        let path = try PcapWriter.write(PcapngWriter.file(bigEndian: false, simpleLast: true), name: "mixed-spb.pcapng")
        let source = try PacketSource.openFile(path)
        try source.setFilter("udp")
        var count = 0
        loop: while true {
            switch source.next() {
            case .frame(let f): count += 1; #expect(f.linkType == .ethernet)
            case .timeout: continue
            default: break loop
            }
        }
        #expect(count == 2, "the raw-IP TCP packet is filtered out, both Ethernet UDP packets pass")
    }

    @Test func tsharkAgrees() throws {
        let path = try PcapWriter.write(PcapngWriter.file(bigEndian: true), name: "mixed-tshark.pcapng")
        let text = try Tool.run("tshark", ["-n", "-r", path, "-T", "fields", "-e", "frame.number", "-e", "ip.src", "-e", "tcp.srcport", "-e", "udp.srcport"])
        #expect(text.split(separator: "\n").count == 3)
        #expect(text.contains("2\t10.0.0.1\t2\t"))
    }
}

/// The fallback reader on broken files: each is a mixed-link-type pcapng (so the fallback runs)
/// with one defect after its first packet. The packets before the defect are kept; the defect
/// ends the read as truncated or failed, never as a trap or a hang.
@Suite("pcapng fallback reader on malformed files")
struct PcapngFallbackMalformedTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var tail: [UInt8]
        var truncated: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "block cut short", tail: [6, 0, 0, 0, 200, 0, 0, 0, 1, 2, 3], truncated: true),
        Case(name: "header cut short", tail: [6, 0, 0], truncated: true),
        Case(name: "block length not a multiple of 4", tail: [6, 0, 0, 0, 13, 0, 0, 0] + Array(repeating: 0, count: 9), truncated: false),
        Case(name: "block length below 12", tail: [6, 0, 0, 0, 8, 0, 0, 0], truncated: false),
        Case(name: "block length past 16 MiB", tail: [6, 0, 0, 0, 0, 0, 0, 2], truncated: false),
        Case(name: "packet names an undescribed interface",
             tail: [6, 0, 0, 0, 32, 0, 0, 0, 9, 0, 0, 0] + Array(repeating: 0, count: 16) + [32, 0, 0, 0], truncated: false),
        Case(name: "captured length past the block",
             tail: [6, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 32, 0, 0, 0], truncated: false),
    ]

    @Test(arguments: cases)
    func keepsWhatCameBefore(c: Case) throws {
        // The little-endian test file minus its last packet block, then the defect.
        let good = PcapngWriter.file(bigEndian: false)
        let lastBlock = Int(UInt32(good[good.count - 4]) | UInt32(good[good.count - 3]) << 8)
        let path = try PcapWriter.write(Array(good.dropLast(lastBlock)) + c.tail, name: "broken-\(c.name.hashValue).pcapng")
        let source = try PacketSource.openFile(path)
        var frames = 0
        var ending: ReadResult?
        loop: for _ in 0..<100 {
            switch source.next() {
            case .frame: frames += 1
            case .timeout: continue
            case let other: ending = other; break loop
            }
        }
        #expect(frames == 2, "the two packets before the defect are kept")
        switch ending {
        case .truncated?: #expect(c.truncated)
        case .failed?: #expect(!c.truncated)
        default: Issue.record("expected truncated or failed, got \(String(describing: ending))")
        }
    }
}
