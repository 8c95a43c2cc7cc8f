import Capture
import Foundation
import SensorCore
import TestSupport
import Testing

/// `forEachFrame` (libpcap's dispatch loop) delivers exactly what `next()` does: every frame
/// with its time, lengths, link type and bytes, and the same ending, on every real capture,
/// a truncated file, a filtered file and a pcapng file libpcap gives up on halfway.
@Suite struct ForEachFrameTests {
    /// One frame as compared: time, lengths, link type, and a hash of its bytes.
    struct Seen: Equatable {
        var time: Timestamp
        var captured: Int
        var wire: Int
        var link: UInt32
        var digest: UInt64

        init(_ f: Frame) {
            time = f.timestamp
            captured = f.captureLength
            wire = f.wireLength
            link = f.linkType.rawValue
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for i in 0..<f.bytes.count { h = (h ^ UInt64(f.bytes.u8(i))) &* 0x100_0000_01b3 }
            digest = h
        }
    }

    static func byNext(_ source: PacketSource) -> ([Seen], String) {
        var seen: [Seen] = []
        while true {
            switch source.next() {
            case .frame(let f): seen.append(Seen(f))
            case .timeout: continue
            case let other: return (seen, "\(other)")
            }
        }
    }

    static func byDispatch(_ source: PacketSource, limit: Int = .max) -> ([Seen], String) {
        var seen: [Seen] = []
        while true {
            let ended = source.forEachFrame(limit: limit - seen.count) { seen.append(Seen($0)) }
            if case .timeout = ended { continue }
            return (seen, "\(ended)")
        }
    }

    static func compare(_ open: () throws -> PacketSource, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (a, endA) = Self.byNext(try open())
        let (b, endB) = Self.byDispatch(try open())
        #expect(a.count == b.count && a == b && endA == endB, "\(a.count) frames against \(b.count); \(endA) against \(endB)", sourceLocation: sourceLocation)
    }

    @Test func everyRealCaptureReadsTheSame() throws {
        for relative in Fixtures.realCaptures() {
            try Self.compare { try PacketSource.openFile(Fixtures.path(relative)) }
        }
    }

    @Test func truncatedFilteredAndMixedLinkTypeFilesReadTheSame() throws {
        let truncated = try PcapWriter.write(PcapWriter.file(bigEndian: false, nanosecond: true, frames: Array(repeating: udpFrame, count: 5000), cutLast: 7),
                                             name: "dispatch-truncated.pcap")
        try Self.compare { try PacketSource.openFile(truncated) }
        let (frames, end) = Self.byDispatch(try PacketSource.openFile(truncated))
        #expect(frames.count == 4999 && end.contains("truncated"))
        try Self.compare {
            let s = try PacketSource.openFile(Fixtures.path("real/zeek__pcapng-multi-interface.pcapng"))
            try s.setFilter("udp")
            return s
        }
        let mixed = try PcapWriter.write(PcapngWriter.file(bigEndian: false), name: "dispatch-mixed.pcapng")
        try Self.compare { try PacketSource.openFile(mixed) }
        #expect(Self.byDispatch(try PacketSource.openFile(mixed)).0.map(\.link) == [1, 101, 1])
    }

    @Test func theLimitIsExact() throws {
        let path = try PcapWriter.write(PcapWriter.file(bigEndian: true, nanosecond: false, frames: Array(repeating: udpFrame, count: 10_000)),
                                        name: "dispatch-limit.pcap")
        let source = try PacketSource.openFile(path)
        #expect(Self.byDispatch(source, limit: 4097).0.count == 4097)
        // The rest is still there.
        #expect(Self.byDispatch(source).0.count == 10_000 - 4097)
    }
}
