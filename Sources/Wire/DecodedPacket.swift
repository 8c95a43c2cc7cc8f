import SensorCore

/// What the decoder learned from one frame: scalars and payload ranges, no copies.
///
/// Fields of layers the frame did not reach keep their zero values. The innermost
/// IP layer is the one flows key on; `outer` keeps a tunnel's outside addresses.
public struct DecodedPacket: Sendable {
    public var timestamp: Timestamp = .zero
    /// Captured bytes of the frame.
    public var captureLength = 0
    /// Bytes of the frame on the wire.
    public var wireLength = 0
    public var linkType: LinkType = .ethernet

    // MARK: Link layer
    /// Ethernet type of the innermost link frame (`.none` when the link has none).
    public var etherType: EtherType = .none
    /// Number of 802.1Q/802.1ad tags.
    public var vlanCount: UInt8 = 0
    /// VLAN id of the first (outer) tag.
    public var outerVLAN: UInt16 = 0
    /// VLAN id of the second (inner, QinQ) tag.
    public var innerVLAN: UInt16 = 0
    /// MPLS labels popped.
    public var mplsLabelCount: UInt8 = 0

    // MARK: Network layer
    /// IP headers walked, tunnels included (a quoted header in an ICMP error is not counted).
    public var ipLayerCount: UInt8 = 0
    /// The first IP header: a tunnel's outside. Equal to `inner` when there is no tunnel.
    public var outer = IPLayer()
    /// The innermost IP header.
    public var inner = IPLayer()
    /// Outermost encapsulation crossed to reach `inner`.
    public var tunnel: TunnelKind = .none
    /// The carrying UDP ports of a UDP tunnel (VXLAN, Geneve, GTP-U).
    public var tunnelSourcePort: UInt16 = 0
    public var tunnelDestinationPort: UInt16 = 0
    /// Total length of the first (outer) IP header's datagram, in bytes.
    public var outerIPTotalLength = 0
    /// The innermost IP payload's declared length (after IPv6 extension headers), in bytes.
    public var ipPayloadLength = 0
    /// Payload bytes of the carrying UDP datagram of a UDP tunnel (declared, not captured).
    public var tunnelPayloadLength = 0
    /// Transport payload as declared by the headers (not cut by the snap length), in bytes:
    /// TCP: IP payload minus TCP header; UDP: its length minus 8; ICMP: message minus 8.
    public var payloadLength = 0
    /// TTL or hop limit of the innermost header.
    public var ttl: UInt8 = 0
    /// Length of the innermost IP datagram in bytes, header included (as declared).
    public var ipTotalLength = 0
    /// IPv4 Identification or IPv6 fragment identification.
    public var ipIdentification: UInt32 = 0
    /// True when this frame is a fragment that did not complete a datagram; no transport was decoded.
    public var isFragment = false
    /// Fragment offset in bytes (for `isFragment`).
    public var fragmentOffset = 0
    /// The fragment's More Fragments flag.
    public var moreFragments = false
    /// Fragments in the datagram this frame completed; 0 when nothing was reassembled.
    public var reassembledFragments: UInt16 = 0

    /// The datagram this frame is a fragment of (held, or completed by it); nil for a whole datagram.
    public var fragmentKey: FragmentKey? {
        guard isFragment || reassembledFragments > 0 else { return nil }
        let v6 = inner.version == 6
        return FragmentKey(source: inner.source, destination: inner.destination, identification: ipIdentification,
                           proto: v6 ? 0 : inner.headerProtocol.rawValue, isIPv6: v6)
    }

    // MARK: Transport layer
    /// True for TCP, UDP and SCTP, whose ports are set.
    public var hasPorts = false
    public var sourcePort: UInt16 = 0
    public var destinationPort: UInt16 = 0
    public var tcpFlags = TCPFlags()
    public var tcpSequence: UInt32 = 0
    public var tcpAcknowledgment: UInt32 = 0
    public var tcpWindow: UInt16 = 0
    /// TCP header length in bytes (data offset x 4).
    public var tcpHeaderLength: UInt8 = 0
    /// True for ICMP and ICMPv6.
    public var hasICMP = false
    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0
    /// Echo (and timestamp/information) identifier and sequence number.
    public var icmpIdentifier: UInt16 = 0
    public var icmpSequence: UInt16 = 0
    /// The offending packet's header quoted in an ICMP error (version 0 when none).
    public var quoted = IPLayer()
    public var quotedHasPorts = false
    public var quotedSourcePort: UInt16 = 0
    public var quotedDestinationPort: UInt16 = 0

    // MARK: Payload and faults
    /// The transport payload (or the IP payload when no transport was decoded), as offsets.
    public var payload: Range<Int> = 0..<0
    /// True when `payload` indexes the decoder's reassembly buffer instead of the frame.
    public var payloadInReassemblyBuffer = false
    /// Weirds noted while decoding this frame.
    public var weirdCount: UInt8 = 0
    /// The last weird noted for this frame (nil when `weirdCount` is 0).
    public var weird: Weird? = nil

    public init() {}

    /// Resets every field to its initial value in place. The packet is plain data (checked by a
    /// test), so zeroed bytes are a valid value once the two non-zero defaults are set; this
    /// avoids building a temporary and copying it, per packet.
    @inlinable public mutating func reset() {
        withUnsafeMutableBytes(of: &self) { $0.initializeMemory(as: UInt8.self, repeating: 0) }
        linkType = LinkType(rawValue: 1)  // not `.ethernet`: a stored static costs a swift_once per use
        weird = nil
    }

    /// Source address of the innermost IP header.
    @inlinable public var source: IPAddress { inner.source }
    /// Destination address of the innermost IP header.
    @inlinable public var destination: IPAddress { inner.destination }
    /// Upper-layer protocol of the innermost IP header.
    @inlinable public var ipProtocol: IPProtocol { inner.upperProtocol }
    /// 4, 6, or 0 for a frame without IP.
    @inlinable public var ipVersion: UInt8 { inner.version }
}
