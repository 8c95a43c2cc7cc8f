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
