import Capture
import Foundation
import SensorCore
import TestSupport
import Testing
@testable import Wire

private typealias B = PacketBuilder

/// The straight path for Ethernet/IPv4/TCP-or-UDP frames (`decodeCommonFrame`) must write
/// exactly what the general path writes, byte for byte, and leave every other frame to it:
/// checked on every real capture, on every byte of common frames changed to edge values, and
/// on every truncation of them.
@Suite struct CommonFramePathTests {
    /// Decodes each frame with the straight path on and off; returns how many took it.
    @discardableResult
    static func agree(_ frames: [[UInt8]], wireLengths: [Int]? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> Int {
        // The probe counting frames that take the straight path has its own decoder and counters.
        let straight = PacketDecoder(), general = PacketDecoder(), probe = PacketDecoder()
        general.usesCommonFramePath = false
        var a = DecodedPacket(), b = DecodedPacket(), scratch = DecodedPacket()
        var taken = 0, differing = 0
        for (k, frame) in frames.enumerated() {
            let wire = wireLengths?[k] ?? frame.count
            let t = Timestamp(seconds: 1_700_000_000 + Int64(k), nanoseconds: 0)
            frame.withUnsafeBytes { raw in
                let bytes = FrameBytes(raw)
                straight.decode(bytes, linkType: .ethernet, timestamp: t, wireLength: wire, into: &a)
                general.decode(bytes, linkType: .ethernet, timestamp: t, wireLength: wire, into: &b)
                scratch.reset()
                if probe.decodeCommonFrame(bytes, &scratch) { taken += 1 }
            }
            let same = withUnsafeBytes(of: &a) { x in withUnsafeBytes(of: &b) { y in x.elementsEqual(y) } }
            if !same {
                differing += 1
                if differing <= 3 { Issue.record("frame \(k) decodes differently: \(a) versus \(b)", sourceLocation: sourceLocation) }
            }
        }
        #expect(straight.weirds.nonZero.map { "\($0.0.name) \($0.1)" } == general.weirds.nonZero.map { "\($0.0.name) \($0.1)" },
                sourceLocation: sourceLocation)
        #expect("\(straight.statistics)" == "\(general.statistics)", sourceLocation: sourceLocation)
        return taken
    }

    @Test func realCapturesDecodeTheSameOnBothPaths() throws {
        var frames: [[UInt8]] = [], wires: [Int] = []
        for relative in Fixtures.realCaptures() {
            let source = try PacketSource.openFile(Fixtures.path(relative))
            while case .frame(let f) = source.next() {
                guard f.linkType == .ethernet else { continue }
                frames.append(f.bytes.base.map { Array(UnsafeRawBufferPointer(start: $0, count: f.bytes.count)) } ?? [])
                wires.append(f.wireLength)
            }
        }
        let taken = Self.agree(frames, wireLengths: wires)
        #expect(taken > frames.count / 4, "\(taken) of \(frames.count) frames took the straight path")
    }

    static let common: [[UInt8]] = [
        B.ethernet(type: 0x0800, B.ipv4(proto: 6, B.tcp(sport: 40000, dport: 443, flags: 0x18, Array(repeating: 0x41, count: 30)))),
        B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(sport: 5353, dport: 53, Array(repeating: 0x42, count: 20)))),
        B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(sport: 40000, dport: Int(PacketDecoder.vxlanPort),
                                                          [0x08, 0, 0, 0, 0, 0, 1, 0] + B.ethernet(type: 0x0800, B.ipv4(proto: 6, B.tcp(sport: 1, dport: 2, [])))))),
    ]

    @Test func everyHeaderByteAtEdgeValuesDecodesTheSame() {
        var frames: [[UInt8]] = []
        for frame in Self.common {
            for i in 0..<min(frame.count, 64) {
                for value in Set([0, 1, 0x05, 0x45, 0x7f, 0x80, 0xff, (Int(frame[i]) + 1) & 0xff, (Int(frame[i]) + 255) & 0xff]) {
                    var changed = frame
                    changed[i] = UInt8(value)
                    frames.append(changed)
                }
            }
        }
        let taken = Self.agree(frames)
        #expect(taken > 0 && taken < frames.count)
    }

    @Test func everyTruncationAndSnapDecodesTheSame() {
        var frames: [[UInt8]] = [], wires: [Int] = []
        for frame in Self.common {
            for n in 0...frame.count {
                frames.append(Array(frame.prefix(n)))
                wires.append(frame.count)  // snapped: the wire had the whole frame
                frames.append(Array(frame.prefix(n)))
                wires.append(n)  // truncated: the frame was this short on the wire too
            }
        }
        Self.agree(frames, wireLengths: wires)
    }
}
