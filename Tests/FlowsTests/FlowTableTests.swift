import Flows
import SensorCore
import TestSupport
import Testing
import Wire

@Suite("Flow table limits")
struct FlowTableTests {
    func udp(_ i: Int, at seconds: Int64) -> (DecodedPacket, [UInt8]) {
        let frame = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: 0x0a00_0000 | UInt32(i), proto: 17,
                                                                           PacketBuilder.udp(sport: 40000, dport: 53, [1, 2, 3])))
        let p = frame.withUnsafeBytes { PacketDecoder().decode(FrameBytes($0), linkType: .ethernet,
                                                               timestamp: Timestamp(seconds: seconds, nanoseconds: 0), wireLength: frame.count) }
        return (p, frame)
    }

    @Test func pastTheLimitTheOldestAreEvictedAndCounted() {
        var settings = FlowSettings()
        settings.maximumFlows = 4
        let table = FlowTable(settings: settings)
        for i in 0..<100 {
            let (p, _) = udp(i, at: 1000 + Int64(i))
            table.update(p, payload: FrameBytes(base: nil, count: 0))
            #expect(table.count <= 4)
        }
        #expect(table.evicted == 96 && table.drain().count == 96)
        table.flushAll()
        #expect(table.drain().count == 4 && table.count == 0)
    }

    @Test func endingInBatchesEndsTheSameFlowsInTheSameOrder() {
        func table() -> FlowTable {
            let t = FlowTable(seed: 1)
            for i in 0..<10 { t.update(udp(i, at: 1000 + Int64(i)).0, payload: FrameBytes(base: nil, count: 0)) }
            return t
        }
        let whole = table()
        whole.flushAll()
        let all = whole.drain().map(\.connection.uid)
        let batched = table()
        var order: [String] = []
        var sizes: [Int] = []
        batched.endAll(batch: 4) {
            sizes.append(batched.finished.count)
            order += batched.drain().map(\.connection.uid)
        }
        #expect(sizes == [4, 4, 2] && batched.count == 0)
        #expect(order == all && all.count == 10)
        // The index works again afterwards: a packet of an ended flow starts a new one.
        batched.update(udp(0, at: 2000).0, payload: FrameBytes(base: nil, count: 0))
        batched.update(udp(0, at: 2001).0, payload: FrameBytes(base: nil, count: 0))
        #expect(batched.count == 1 && batched.created == 11)
    }

    @Test func hugeLimitsAreClampedNotHung() {
        var settings = FlowSettings()
        settings.maximumFlows = Int.max
        #expect(FlowTable(settings: settings).maximumFlows == FlowTable.largestMaximumFlows)
    }

    @Test func idleFlowsExpireAndTheTupleStartsAgain() {
        let table = FlowTable()
        let (first, _) = udp(1, at: 1000)
        table.update(first, payload: FrameBytes(base: nil, count: 0))
        let (later, _) = udp(1, at: 1000 + 61)  // past the UDP inactivity timeout (60 s)
        table.update(later, payload: FrameBytes(base: nil, count: 0))
        #expect(table.expired == 1 && table.drain().count == 1 && table.count == 1)
    }
}

extension FlowTableTests {
    /// A 5.4 GB transfer crosses the 32-bit sequence space more than once: bytes are counted in
    /// full and no segment is mistaken for a retransmission.
    @Test func transfersPastFourGiBKeepCountingBytes() throws {
        let table = FlowTable()
        let decoder = PacketDecoder()
        let isn: UInt32 = 0xFFFF_F000
        func segment(_ seq: UInt32, flags: UInt8, declared: Int, at t: Int64) -> DecodedPacket {
            let tcp = PacketBuilder.tcp(sport: 50000, dport: 443, seq: seq, ack: 1, flags: flags)
            let frame = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: 0x0a000001, proto: 6, totalLength: 40 + declared, tcp))
            // The capture keeps headers only (snapped), as a sensor with a small snap length does.
            return frame.withUnsafeBytes { decoder.decode(FrameBytes($0), linkType: .ethernet, timestamp: Timestamp(seconds: t, nanoseconds: 0),
                                                        wireLength: frame.count + declared) }
        }
        let none = FrameBytes(base: nil, count: 0)
        table.update(segment(isn, flags: 0x02, declared: 0, at: 1000), payload: none)
        let synAck = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: 0x08080808, dst: 0x0a000001, proto: 6,
                                            PacketBuilder.tcp(sport: 443, dport: 50000, seq: 7, ack: isn &+ 1, flags: 0x12)))
        table.update(synAck.withUnsafeBytes { decoder.decode(FrameBytes($0), linkType: .ethernet,
                                                            timestamp: Timestamp(seconds: 1000, nanoseconds: 1), wireLength: synAck.count) },
                     payload: none)
        let perSegment = 65_495
        var seq = isn &+ 1
        let segments = 82_000
        for i in 0..<segments {
            table.update(segment(seq, flags: 0x18, declared: perSegment, at: 1000 + Int64(i / 1000)), payload: none)
            seq = seq &+ UInt32(perSegment)
        }
        table.flushAll()
        let record = try #require(table.drain().first)
        #expect(record.originatorBytes == UInt64(segments) * UInt64(perSegment))
        #expect(!record.history.contains("T"), "history \(record.history)")
    }
}

@Suite("Interim records")
struct InterimRecordTests {
    /// A UDP flow sending a packet every 200 ms for 10 minutes, with a 60 s interval: interim
    /// records come about once a minute (the sweep runs every 256 packets, about 51 s here),
    /// all with the flow's uid and growing, then one final record.
    @Test func longFlowsGetInterimRecordsThenAFinalOne() throws {
        var settings = FlowSettings()
        settings.interimInterval = 60
        let table = FlowTable(settings: settings)
        let decoder = PacketDecoder()
        let frame = PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: 0x0a000001, proto: 17,
                                                                            PacketBuilder.udp(sport: 5000, dport: 6000, [1, 2, 3, 4])))
        for k in 0..<3000 {
            let t = Timestamp(nanoseconds: 1_700_000_000_000_000_000 + Int64(k) * 200_000_000)
            frame.withUnsafeBytes { raw in
                let p = decoder.decode(FrameBytes(raw), linkType: .ethernet, timestamp: t, wireLength: frame.count)
                table.update(p, payload: FrameBytes(base: nil, count: 0))
            }
        }
        table.flushAll()
        let records = table.drain()
        let interim = records.filter { $0.interim }, final = records.filter { !$0.interim }
        #expect(final.count == 1 && final[0].originatorPackets == 3000)
        #expect(interim.count >= 8 && interim.count <= 10, "\(interim.count) interim records in 600 s")
        #expect(Set(records.map { $0.connection.uid }).count == 1)
        #expect(zip(interim, interim.dropFirst()).allSatisfy { $0.originatorPackets < $1.originatorPackets })
    }

    @Test func offByDefault() {
        #expect(FlowSettings().interimInterval == 0)
    }
}
