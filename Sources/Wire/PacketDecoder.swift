import SensorCore

/// Decodes frames from link layer to transport, one at a time, on one thread.
///
/// Owns its weird counters, statistics and fragment reassembler. `decode` allocates
/// nothing; a returned packet's payload range is valid until the next call.
public final class PacketDecoder {
    /// Malformed-input counters for every frame decoded so far.
    public var weirds = Weirds()
    /// Protocol and volume counters for every frame decoded so far (a snapshot).
    public var statistics: DecodeStatistics { counter.snapshot() }
    let counter = StatisticsCounter()
    /// IPv4/IPv6 fragment reassembly state.
    public let reassembler: FragmentReassembler
    /// Verify IPv4 header checksums (counted as `ipv4_bad_checksum`, never dropped).
    public var verifyChecksums: Bool
    /// Take the straight path for Ethernet/IPv4/TCP-or-UDP frames (`decodeCommonFrame`);
    /// off only in the test that proves both paths agree.
    var usesCommonFramePath = true

    /// Encapsulations crossed at most (IP-in-IP, GRE, VXLAN, ...).
    public static let maximumTunnelDepth = 4
    /// 802.1Q / 802.1ad tags walked at most.
    public static let maximumVLANTags = 8
    /// MPLS labels popped at most.
    public static let maximumMPLSLabels = 16

    /// Bytes of the datagram most recently completed by reassembly (valid until the next `decode`).
    public internal(set) var reassembledBytes = FrameBytes(base: nil, count: 0)

    public init(reassembler: FragmentReassembler = FragmentReassembler(), verifyChecksums: Bool = true) {
        self.reassembler = reassembler
        self.verifyChecksums = verifyChecksums
    }

    /// Decodes one frame. `wireLength` is the frame's length on the wire (>= the bytes present).
    public func decode(_ bytes: FrameBytes, linkType: LinkType, timestamp: Timestamp,
                       wireLength: Int) -> DecodedPacket {
        var p = DecodedPacket()
        decode(bytes, linkType: linkType, timestamp: timestamp, wireLength: wireLength, into: &p)
        return p
    }

    /// Decodes one frame into `p`, overwriting all of it. The per-packet loop reuses one
    /// packet this way: a `DecodedPacket` is a few hundred bytes, and returning it by value
    /// cost a memmove per packet (measured with perf).
    public func decode(_ bytes: FrameBytes, linkType: LinkType, timestamp: Timestamp,
                       wireLength: Int, into p: inout DecodedPacket) {
        p.reset()
        p.timestamp = timestamp
        p.captureLength = bytes.count
        p.wireLength = max(wireLength, bytes.count)
        p.linkType = linkType
        let notedBefore = weirds.noted
        if !(linkType.rawValue == 1 && usesCommonFramePath && decodeCommonFrame(bytes, &p)) {
            decodeLink(bytes, &p)
        }
        let noted = weirds.noted &- notedBefore
        if noted > 0 {
            p.weirdCount = UInt8(truncatingIfNeeded: min(noted, 255))
            p.weird = weirds.last
        }
        counter.count(linkType: linkType, captureLength: p.captureLength, wireLength: p.wireLength,
                      ipVersion: p.inner.version, ipProtocol: p.inner.upperProtocol, isFragment: p.isFragment,
                      reassembled: p.reassembledFragments > 0, tunnelled: p.tunnel != .none, weird: noted > 0)
    }

    /// Runs `body` over the bytes `packet.payload` indexes: the frame, or the reassembly buffer.
    /// Inlinable, so the per-packet closure is inlined where it is written.
    @inlinable public func withPayload<R>(of packet: DecodedPacket, frame: FrameBytes,
                               _ body: (FrameBytes) throws -> R) rethrows -> R {
        let source = packet.payloadInReassemblyBuffer ? reassembledBytes : frame
        return try body(source.slice(packet.payload))
    }

    /// Ends the input: incomplete fragments are dropped and counted.
    public func finish() {
        reassembler.flush(weirds: &weirds)
    }

    // MARK: Link layer

    @inline(__always)
    func decodeLink(_ b: FrameBytes, _ p: inout DecodedPacket) {
        switch p.linkType.rawValue {
        case 1:
            decodeEthernet(b, at: 0, &p, depth: 0)
        case 113:  // Linux SLL: protocol (an Ethernet type) at offset 14
            guard b.count >= 16 else { weirds.note(.linuxSLLTruncated); return }
            decodeLinuxCookedProtocol(b, protocolType: b.be16(14), at: 16, &p)
        case 276:  // Linux SLL2: protocol at offset 0, 20-byte header
            guard b.count >= 20 else { weirds.note(.linuxSLL2Truncated); return }
            decodeLinuxCookedProtocol(b, protocolType: b.be16(0), at: 20, &p)
        case 0, 108:  // BSD NULL (host byte order) and OpenBSD LOOP (network order): accept either
            guard b.count >= 4 else { weirds.note(.loopbackTruncated); return }
            let little = b.le32(0)
            let family = little <= 0xffff ? little : b.be32(0)
            switch family {
            case 2: decodeIP(b, at: 4, version: 4, &p, depth: 0)
            case 10, 23, 24, 26, 28, 30: decodeIP(b, at: 4, version: 6, &p, depth: 0)
            default: weirds.note(.loopbackUnknownFamily)
            }
        case 12, 14, 101:
            decodeIP(b, at: 0, version: nil, &p, depth: 0)
        case 228:
            decodeIP(b, at: 0, version: 4, &p, depth: 0)
        case 229:
            decodeIP(b, at: 0, version: 6, &p, depth: 0)
        case 127:
            decodeRadiotap(b, &p)
        case 9, 50:  // PPP (RFC 1661), PPP in HDLC-like framing (RFC 1662)
            decodePPP(b, from: 0, end: b.count, &p, depth: 0)
        default:
            weirds.note(.unsupportedLinkType)
        }
    }

    func decodeLinuxCookedProtocol(_ b: FrameBytes, protocolType: UInt16, at offset: Int, _ p: inout DecodedPacket) {
        // Values below 0x0600 are Linux pseudo-protocols (802.3, 802.2 LLC, CAN...), not Ethernet types.
        guard protocolType >= 0x0600 else { p.etherType = EtherType(rawValue: protocolType); return }
        decodeEtherType(b, EtherType(rawValue: protocolType), at: offset, &p, depth: 0)
    }

    /// Ethernet II or 802.3 with LLC/SNAP, then whatever its type says.
    func decodeEthernet(_ b: FrameBytes, at start: Int, _ p: inout DecodedPacket, depth: Int) {
        guard b.count - start >= 14 else { weirds.note(.ethernetTruncated); return }
        let typeOrLength = b.be16(start + 12)
        if typeOrLength >= 0x0600 {
            decodeEtherType(b, EtherType(rawValue: typeOrLength), at: start + 14, &p, depth: depth)
        } else {
            decodeLLC(b, at: start + 14, &p, depth: depth)
        }
    }

    /// 802.2 LLC; only SNAP with the RFC 1042 (00-00-00) or 802.1H (00-00-F8) OUI carries an
    /// Ethernet type we follow.
    func decodeLLC(_ b: FrameBytes, at start: Int, _ p: inout DecodedPacket, depth: Int) {
        guard b.count - start >= 3 else { weirds.note(.llcTruncated); return }
        guard b.u8(start) == 0xAA, b.u8(start + 1) == 0xAA, b.u8(start + 2) == 0x03 else { return }
        guard b.count - start >= 8 else { weirds.note(.llcTruncated); return }
        guard b.u8(start + 3) == 0, b.u8(start + 4) == 0, b.u8(start + 5) == 0 || b.u8(start + 5) == 0xF8 else { return }
        decodeEtherType(b, EtherType(rawValue: b.be16(start + 6)), at: start + 8, &p, depth: depth)
    }

    /// Follows VLAN tags, MPLS labels, PPPoE and PBB to IPv4 or IPv6.
    func decodeEtherType(_ b: FrameBytes, _ type: EtherType, at start: Int, _ p: inout DecodedPacket, depth: Int) {
        var type = type
        var offset = start
        var steps = 0
        while steps < PacketDecoder.maximumVLANTags + PacketDecoder.maximumMPLSLabels + 4 {
            steps += 1
            p.etherType = type
            switch type.rawValue {
            case 0x0800:
                decodeIP(b, at: offset, version: 4, &p, depth: depth); return
            case 0x86DD:
                decodeIP(b, at: offset, version: 6, &p, depth: depth); return
            case 0x8100, 0x88A8, 0x9100, 0x9200:
                guard p.vlanCount < PacketDecoder.maximumVLANTags else { weirds.note(.vlanTooDeep); return }
                guard b.count - offset >= 4 else { weirds.note(.vlanTruncated); return }
                let vid = b.be16(offset) & 0x0fff
                if p.vlanCount == 0 { p.outerVLAN = vid } else if p.vlanCount == 1 { p.innerVLAN = vid }
                p.vlanCount += 1
                type = EtherType(rawValue: b.be16(offset + 2))
                offset += 4
            case 0x8847, 0x8848:
                var bottom = false
                while !bottom {
                    guard p.mplsLabelCount < PacketDecoder.maximumMPLSLabels else { weirds.note(.mplsTooDeep); return }
                    guard b.count - offset >= 4 else { weirds.note(.mplsTruncated); return }
                    bottom = b.u8(offset + 2) & 1 != 0
                    p.mplsLabelCount += 1
                    offset += 4
                }
                guard b.count - offset >= 1 else { weirds.note(.mplsTruncated); return }
                switch b.u8(offset) >> 4 {
                case 4: decodeIP(b, at: offset, version: 4, &p, depth: depth)
                case 6: decodeIP(b, at: offset, version: 6, &p, depth: depth)
                case 0:  // pseudowire control word, then Ethernet (RFC 4448)
                    decodeEthernet(b, at: offset + 4, &p, depth: depth)
                default: break
                }
                return
            case 0x8864:  // PPPoE session (RFC 2516): 6-byte header, then a PPP protocol number
                guard b.count - offset >= 8 else { weirds.note(.pppoeTruncated); return }
                decodePPPProtocol(b, b.be16(offset + 6), at: offset + 8, &p, depth: depth)
                return
            case 0x88E7:  // 802.1ah PBB: I-tag, then customer destination, source and type
                guard b.count - offset >= 18 else { weirds.note(.pbbTruncated); return }
                type = EtherType(rawValue: b.be16(offset + 16))
                offset += 18
            default:
                return  // not IP: ARP, LLDP, ...; counted as non-IP
            }
        }
        weirds.note(.vlanTooDeep)
    }

    func decodePPPProtocol(_ b: FrameBytes, _ proto: UInt16, at offset: Int, _ p: inout DecodedPacket, depth: Int) {
        switch proto {
        case 0x0021: decodeIP(b, at: offset, version: 4, &p, depth: depth)
        case 0x0057: decodeIP(b, at: offset, version: 6, &p, depth: depth)
        default: break
        }
    }

    /// Radiotap (its own little-endian length at offset 2), then an 802.11 data frame with LLC/SNAP.
    func decodeRadiotap(_ b: FrameBytes, _ p: inout DecodedPacket) {
        guard b.count >= 8 else { weirds.note(.radiotapTruncated); return }
        let length = Int(b.le16(2))
        guard length >= 8, b.count >= length else { weirds.note(.radiotapTruncated); return }
        // A frame check sequence at the end is flagged in the Flags field (bit 0x10); it is
        // only present when the present-word's bit 1 is set. Trailing bytes are harmless to IP.
        let start = length
        guard b.count - start >= 2 else { weirds.note(.ieee80211Truncated); return }
        let frameControl = b.u8(start)
        let flags = b.u8(start + 1)
        let type = (frameControl >> 2) & 0x3
        let subtype = frameControl >> 4
        guard type == 2 else { return }  // only data frames carry IP; control frames are short
        guard subtype & 0x4 == 0 else { return }  // null-function frames carry nothing
        guard b.count - start >= 24 else { weirds.note(.ieee80211Truncated); return }
        var header = 24
        if flags & 0x3 == 0x3 { header += 6 }       // ToDS and FromDS: fourth address
        if subtype & 0x8 != 0 {
            header += 2                               // QoS control
            if flags & 0x80 != 0 { header += 4 }     // +HTC (order bit on QoS data)
        }
        guard flags & 0x40 == 0 else { return }      // protected: encrypted payload
        guard b.count - start >= header else { weirds.note(.ieee80211Truncated); return }
        decodeLLC(b, at: start + header, &p, depth: 0)
    }
}

extension PacketDecoder {
    /// Every link type the decoder understands (the fuzzer picks among these too).
    public static let supportedLinkTypes: [LinkType] =
        [0, 1, 9, 12, 14, 50, 101, 108, 113, 127, 228, 229, 276].map { LinkType(rawValue: $0) }

    /// True for link types the decoder understands.
    public static func supports(_ linkType: LinkType) -> Bool {
        supportedLinkTypes.contains(linkType)
    }
}
