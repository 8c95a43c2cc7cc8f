/// What a decode run writes per packet.
public enum PacketOutput: Sendable {
    /// Nothing per packet: statistics only.
    case none
    /// One tcpdump-like line per packet.
    case lines
    /// One NDJSON object per packet.
    case json
}
