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
