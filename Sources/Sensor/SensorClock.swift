import SensorCore

/// The live sensor's clock: the newest packet's time, run on by the wall clock while the link
/// is quiet. The wall clock is read at ticks (about once a second of packet time), not per
/// packet. The idle clock runs on from the packet time sampled at the last tick and stays
/// `deliverySlack` behind: libpcap hands packets up in blocks, up to its read timeout late,
/// and a packet must not find its flow already expired or the clock already past it.
public struct SensorClock: Sendable {
    /// Seconds the idle clock stays behind the wall clock (the read timeout is 200 ms).
    public static let deliverySlack = 0.5

    /// The newest packet time seen (nil before the first packet).
    public private(set) var lastPacket: Timestamp?
    /// True once a tick has paired a packet time with the wall clock.
    public var isPaired: Bool { tickPacket != nil }
    private var tickPacket: Timestamp?
    private var tickWall: Double

    /// `wall`: the wall clock now, seconds since 1970.
    public init(wall: Double) {
        tickWall = wall
    }

    /// A packet at `time` arrived; returns the clock, the newest packet time.
    public mutating func packet(_ time: Timestamp) -> Timestamp {
        guard let last = lastPacket, last >= time else {
            lastPacket = time
            return time
        }
        return last
    }

    /// A tick on packet time: pairs the wall clock `wall` with the newest packet time.
    public mutating func tick(wall: Double) {
        tickPacket = lastPacket
        tickWall = wall
    }

    /// The clock at wall time `wall` while no packet comes: the wall clock itself before any
    /// packet was ticked.
    public func idle(wall: Double) -> Timestamp {
        guard let lastPacket, let tickPacket else { return Timestamp(nanoseconds: Int64(wall * 1e9)) }
        let ran = max(0, wall - tickWall - Self.deliverySlack)
        return max(lastPacket, Timestamp(nanoseconds: tickPacket.nanoseconds &+ Int64(ran * 1e9)))
    }
}
