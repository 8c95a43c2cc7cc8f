import Sensor
import SensorCore
import Testing

/// The live sensor's idle clock never runs past a packet that libpcap hands up late (within
/// the read timeout): its flow must not expire first, nor the clock move back when it comes.
@Suite struct SensorClockTests {
    static func at(_ seconds: Double) -> Timestamp { Timestamp(nanoseconds: Int64(seconds * 1e9)) }

    @Test func beforeAnyPacketTheClockIsTheWallClock() {
        #expect(SensorClock(wall: 100).idle(wall: 107) == Self.at(107))
    }

    @Test func theIdleClockStaysBehindPacketsDeliveredLate() {
        // Packet time runs 1,000 s behind the wall clock. Packets that tick come at once; the
        // others are handed up 0.2 s after they were captured (a block retired by the read
        // timeout), so a clock without slack would pass them.
        var clock = SensorClock(wall: 0)
        let offset = 1000.0
        var lastTick = -Double.infinity
        var captured = 0.0
        while captured < 10 {
            let ticks = captured - lastTick >= 1
            let delivered = captured + (ticks ? 0 : 0.2)
            // The link is quiet just before the packet is handed up.
            #expect(clock.idle(wall: delivered - 0.001) <= Self.at(captured + offset), "packet at \(captured)")
            _ = clock.packet(Self.at(captured + offset))
            if ticks {
                clock.tick(wall: delivered)
                lastTick = captured
            }
            captured += 0.3
        }
        // Once the link is quiet for good, the clock runs on with the wall clock.
        let quiet = clock.idle(wall: captured + 5)
        #expect(quiet > Self.at(captured - 0.3 + offset) && quiet <= Self.at(captured + 5 + offset))
    }

    @Test func theClockIsTheNewestPacketTime() {
        var clock = SensorClock(wall: 0)
        #expect(!clock.isPaired)
        #expect(clock.packet(Self.at(10)) == Self.at(10))
        #expect(clock.packet(Self.at(9)) == Self.at(10))
        clock.tick(wall: 0)
        #expect(clock.isPaired)
        #expect(clock.idle(wall: 0.4) == Self.at(10) && clock.idle(wall: 2.5) == Self.at(12))
    }
}
