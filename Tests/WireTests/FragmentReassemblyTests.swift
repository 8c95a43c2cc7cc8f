import SensorCore
import TestSupport
import Testing
@testable import Wire

private typealias B = PacketBuilder

@Suite("Fragment reassembly")
struct FragmentReassemblyTests {
    /// A UDP datagram of 8 + 40 bytes split at byte 24 (offset 3 x 8).
    let udp = B.udp(sport: 5353, dport: 53, Array(0..<40))

    func fragments4(id: Int = 77) -> ([UInt8], [UInt8]) {
        let first = B.ethernet(type: 0x0800, B.ipv4(proto: 17, id: id, flagsOffset: 0x2000, totalLength: 20 + 24, Array(udp[0..<24])))
        let second = B.ethernet(type: 0x0800, B.ipv4(proto: 17, id: id, flagsOffset: 3, Array(udp[24...])))
        return (first, second)
    }

    @Test func ipv4InOrderAndReversed() {
        for reversed in [false, true] {
            let decoder = PacketDecoder()
            let (a, b) = fragments4()
            let first = decode(reversed ? b : a, decoder: decoder)
            #expect(first.isFragment && !first.hasPorts)
            let done = decode(reversed ? a : b, decoder: decoder)
            #expect(!done.isFragment && done.reassembledFragments == 2 && done.payloadInReassemblyBuffer)
            #expect(done.hasPorts && done.sourcePort == 5353 && done.destinationPort == 53)
            #expect(done.payload.count == 40)
            let payload = (reversed ? a : b).withUnsafeBytes { raw in
                decoder.withPayload(of: done, frame: FrameBytes(raw)) { bytes in (0..<bytes.count).map { bytes.u8($0) } }
            }
            #expect(payload == Array(0..<40))
            #expect(decoder.weirds.total == 0)
        }
    }

    @Test func ipv6FragmentsWithExtensionAfterFragmentHeader() {
        let decoder = PacketDecoder()
        let upper = B.ipv6Extension(next: 17, udp)  // destination options inside the fragmentable part
        let a = B.ethernet(type: 0x86dd, B.ipv6(next: 44, B.ipv6Fragment(next: 60, offset: 0, more: true, id: 9, Array(upper[0..<16]))))
        let b = B.ethernet(type: 0x86dd, B.ipv6(next: 44, B.ipv6Fragment(next: 60, offset: 16, more: false, id: 9, Array(upper[16...]))))
        #expect(decode(a, decoder: decoder).isFragment)
        let done = decode(b, decoder: decoder)
        #expect(done.reassembledFragments == 2 && done.ipProtocol == .udp && done.sourcePort == 5353)
    }

    @Test func timeoutDropsAndCounts() {
        let decoder = PacketDecoder()
        let (a, b) = fragments4()
        _ = decode(a, decoder: decoder, at: 1000)
        let late = decode(b, decoder: decoder, at: 1031)  // 31 s later: the first expired
        #expect(late.isFragment)
        #expect(decoder.weirds[.fragmentTimeout] == 1)
        decoder.finish()
        #expect(decoder.weirds[.fragmentTimeout] == 2)
        #expect(decoder.reassembler.pending == 0)
    }

    @Test func tableFullIsCountedAndBounded() {
        let decoder = PacketDecoder(reassembler: FragmentReassembler(maximumDatagrams: 4))
        for id in 0..<10 { _ = decode(fragments4(id: id).0, decoder: decoder) }
        #expect(decoder.reassembler.pending == 4)
        #expect(decoder.weirds[.fragmentTableFull] == 6)
    }

    @Test func overlappingIPv6IsDiscarded() {
        let decoder = PacketDecoder()
        let a = B.ethernet(type: 0x86dd, B.ipv6(next: 44, B.ipv6Fragment(next: 17, offset: 0, more: true, id: 3, Array(udp[0..<24]))))
        let overlap = B.ethernet(type: 0x86dd, B.ipv6(next: 44, B.ipv6Fragment(next: 17, offset: 16, more: false, id: 3, Array(udp[16...]))))
        _ = decode(a, decoder: decoder)
        let p = decode(overlap, decoder: decoder)
        #expect(p.isFragment && p.reassembledFragments == 0)
        #expect(decoder.weirds[.fragmentOverlap] == 1)
        #expect(decoder.reassembler.pending == 0)
    }

    @Test func datagramPast65535IsRefused() {
        let decoder = PacketDecoder()
        let f = B.ethernet(type: 0x0800, B.ipv4(proto: 17, flagsOffset: 8190, Array(repeating: 0, count: 200)))
        _ = decode(f, decoder: decoder)
        #expect(decoder.weirds[.fragmentTooLarge] == 1)
    }

    @Test func memoryLimitIsCounted() {
        let reassembler = FragmentReassembler(maximumDatagrams: 100, maximumBytes: 65_535)
        let decoder = PacketDecoder(reassembler: reassembler)
        let big = Array(repeating: UInt8(1), count: 1400)
        for id in 0..<60 {
            _ = decode(B.ethernet(type: 0x0800, B.ipv4(proto: 17, id: id, flagsOffset: 0x2000, totalLength: 1420, big)), decoder: decoder)
        }
        #expect(decoder.weirds[.fragmentMemoryLimit] > 0)
    }
}

@Suite("Reassembly under hostile timing and lengths (review findings)")
struct FragmentHostileTests {
    let udp = PacketBuilder.udp(sport: 5353, dport: 53, Array(0..<40))

    @Test func futureTimestampsDoNotPinSlots() {
        let decoder = PacketDecoder(reassembler: FragmentReassembler(maximumDatagrams: 4))
        for id in 0..<4 {
            _ = decode(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 17, id: id, flagsOffset: 0x2000, totalLength: 44, Array(udp[0..<24]))),
                       decoder: decoder, at: 4_000_000_000)  // year 2096
        }
        _ = decode(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 17, id: 99, flagsOffset: 0x2000, totalLength: 44, Array(udp[0..<24]))),
                   decoder: decoder, at: 1_700_000_000)
        #expect(decoder.weirds[.fragmentTimeout] == 4, "fragments stamped in the future expire too")
        #expect(decoder.reassembler.pending == 1)
    }

    @Test func fullTableEvictsTheOldestInsteadOfRefusingNewDatagrams() {
        let decoder = PacketDecoder(reassembler: FragmentReassembler(maximumDatagrams: 2))
        func first(_ id: Int) -> [UInt8] { PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 17, id: id, flagsOffset: 0x2000, totalLength: 44, Array(udp[0..<24]))) }
        func second(_ id: Int) -> [UInt8] { PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 17, id: id, flagsOffset: 3, Array(udp[24...]))) }
        _ = decode(first(1), decoder: decoder, at: 10)
        _ = decode(first(2), decoder: decoder, at: 11)
        _ = decode(first(3), decoder: decoder, at: 12)   // evicts id 1
        #expect(decoder.weirds[.fragmentTableFull] == 1)
        #expect(decode(second(3), decoder: decoder, at: 13).reassembledFragments == 2)
    }

    @Test func lastFragmentEndingBeforeHeldDataDropsTheDatagram() {
        let decoder = PacketDecoder()
        _ = decode(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 17, flagsOffset: 0x2000, totalLength: 44, Array(udp[0..<24]))), decoder: decoder)
        _ = decode(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 17, flagsOffset: 1, [])), decoder: decoder)
        #expect(decoder.weirds[.fragmentInconsistentLength] == 1)
        #expect(decoder.reassembler.pending == 0)
    }

    @Test func snappedFragmentsAreNotReassembled() {
        let decoder = PacketDecoder()
        let first = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(proto: 17, flagsOffset: 0x2000, totalLength: 44, Array(udp[0..<24])))
        let cut = Array(first.prefix(first.count - 8))
        let p = decode(cut, wireLength: first.count, decoder: decoder)
        #expect(p.isFragment && decoder.reassembler.pending == 0)
    }
}

@Suite("Timestamps at the extremes (review findings)")
struct TimestampExtremeTests {
    @Test(arguments: [Int64.min, Int64.min + 1, -1, 0, Int64.max])
    func splitNeverTraps(ns: Int64) {
        let t = Timestamp(nanoseconds: ns)
        #expect(t.subsecondNanoseconds >= 0 && t.subsecondNanoseconds < 1_000_000_000)
        #expect(t.seconds.multipliedReportingOverflow(by: 1_000_000_000).partialValue &+ t.subsecondNanoseconds == ns)
    }
}
