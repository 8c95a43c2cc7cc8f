import SensorCore

/// Per-run decoder counters: packets, bytes, link types, network and transport protocols.
/// A snapshot; the decoder counts in `StatisticsCounter`.
public struct DecodeStatistics: Sendable {
    /// Frames decoded.
    public var packets: UInt64 = 0
    /// Captured bytes of those frames.
    public var capturedBytes: UInt64 = 0
    /// Their lengths on the wire, in bytes.
    public var wireBytes: UInt64 = 0
    /// Frames the capture cut short of their wire length (snap length).
    public var snapped: UInt64 = 0
    /// Frames per link type, in order of first appearance.
    public var linkTypes: [(LinkType, UInt64)] = []
    /// Frames whose innermost network layer was IPv4, IPv6, or neither.
    public var ipv4: UInt64 = 0
    public var ipv6: UInt64 = 0
    public var nonIP: UInt64 = 0
    /// Frames by innermost upper-layer protocol number (IP frames only, fragments not yet whole excluded).
    public var protocols: [UInt64] = Array(repeating: 0, count: 256)
    /// Frames that were fragments not completing a datagram, and datagrams completed.
    public var fragments: UInt64 = 0
    public var reassembled: UInt64 = 0
    /// Frames whose inner IP was reached through a tunnel.
    public var tunnelled: UInt64 = 0
    /// Frames with at least one weird.
    public var withWeirds: UInt64 = 0

    public init() {}
}
