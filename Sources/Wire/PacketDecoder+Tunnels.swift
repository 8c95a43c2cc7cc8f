import SensorCore

extension PacketDecoder {
    /// VXLAN's IANA port (RFC 7348 section 5).
    public static let vxlanPort: UInt16 = 4789
    /// Geneve's IANA port (RFC 8926 section 3.3).
    public static let genevePort: UInt16 = 6081
    /// GTP-U's port (3GPP TS 29.281 section 4.4.2).
    public static let gtpUserPort: UInt16 = 2152
    /// GRE-in-UDP's port (RFC 8086 section 3.3).
    public static let greInUDPPort: UInt16 = 4754
    /// Teredo's server port (RFC 4380 section 5.2.1).
    public static let teredoPort: UInt16 = 3544
    /// AYIYA's port (anything-in-anything, used by SixXS).
    public static let ayiyaPort: UInt16 = 5072

    /// PPP: optional address/control (FF 03), then a 1- or 2-byte protocol field (RFC 1661 section 6.5).
    func decodePPP(_ b: FrameBytes, from start: Int, end: Int, _ p: inout DecodedPacket, depth: Int) {
        var o = start
        guard end - o >= 2 else { weirds.note(.pppTruncated); return }
        if b.u8(o) == 0xFF && b.u8(o + 1) == 0x03 { o += 2 }
        guard end - o >= 1 else { weirds.note(.pppTruncated); return }
        var proto = UInt16(b.u8(o))
        if proto & 1 == 0 {
            guard end - o >= 2 else { weirds.note(.pppTruncated); return }
            proto = b.be16(o)
            o += 2
        } else {
            o += 1
        }
        decodePPPProtocol(b.slice(0 ..< end), proto, at: o, &p, depth: depth)
    }

    /// Teredo (RFC 4380 section 5.1.1): optional authentication and origin-indication headers,
    /// then an IPv6 packet whose payload length fits the datagram exactly.
    func decodeTeredo(_ b: FrameBytes, _ range: Range<Int>, _ p: inout DecodedPacket, depth: Int) {
        var o = range.lowerBound
        let end = range.upperBound
        if end - o >= 13 && b.be16(o) == 0x0001 {
            o += 13 + Int(b.u8(o + 2)) + Int(b.u8(o + 3))
        }
        if end - o >= 8 && b.be16(o) == 0x0000 { o += 8 }
        guard end - o >= 40, b.u8(o) >> 4 == 6, 40 + Int(b.be16(o + 4)) == end - o else { return }
        guard enterTunnel(.teredo, &p, depth: depth) else { return }
        decodeIP(b.slice(0 ..< end), at: o, version: 6, &p, depth: depth + 1)
    }

    /// AYIYA: an 8-byte header with identity (2^IDLen bytes) and signature (SigLen x 4 bytes),
    /// then the packet named by Next Header when the opcode is "forward" (1).
    func decodeAYIYA(_ b: FrameBytes, _ range: Range<Int>, _ p: inout DecodedPacket, depth: Int) {
        let s = range.lowerBound
        guard range.count >= 8 else { weirds.note(.ayiyaTruncated); return }
        let header = 8 + (1 << Int(b.u8(s) >> 4)) + Int(b.u8(s + 1) >> 4) * 4
        let next = b.u8(s + 3)
        guard b.u8(s + 2) & 0x0f == 1, next == 4 || next == 41 else { return }
        guard range.count >= header else { weirds.note(.ayiyaTruncated); return }
        guard enterTunnel(.ayiya, &p, depth: depth) else { return }
        decodeIP(b.slice(0 ..< range.upperBound), at: s + header, version: next == 4 ? 4 : 6, &p, depth: depth + 1)
    }

    /// Notes the crossing of a tunnel, clears the carrier's transport fields, and says whether
    /// the depth limit allows going in.
    func enterTunnel(_ kind: TunnelKind, _ p: inout DecodedPacket, depth: Int) -> Bool {
        guard depth < PacketDecoder.maximumTunnelDepth else { weirds.note(.tunnelTooDeep); return false }
        if p.tunnel == .none {
            p.tunnel = kind
            if p.hasPorts {
                p.tunnelSourcePort = p.sourcePort
                p.tunnelDestinationPort = p.destinationPort
                p.tunnelPayloadLength = p.payloadLength
            }
        }
        p.payloadLength = 0
        p.hasPorts = false
        p.sourcePort = 0
        p.destinationPort = 0
        return true
    }

    func decodeUDPTunnel(_ b: FrameBytes, _ u: UDPHeader, _ p: inout DecodedPacket, depth: Int) {
        let s = u.payload.lowerBound
        let end = u.payload.upperBound
        let inner = b.slice(0 ..< end)
        if u.destinationPort == PacketDecoder.vxlanPort || u.sourcePort == PacketDecoder.vxlanPort {
            guard end - s >= 8 else { weirds.note(.vxlanTruncated); return }
            guard b.u8(s) & 0x08 != 0 else { return }  // I flag: a valid VNI follows
            guard enterTunnel(.vxlan, &p, depth: depth) else { return }
            decodeEthernet(inner, at: s + 8, &p, depth: depth + 1)
        } else if u.destinationPort == PacketDecoder.genevePort || u.sourcePort == PacketDecoder.genevePort {
            guard end - s >= 8 else { weirds.note(.geneveTruncated); return }
            guard b.u8(s) >> 6 == 0 else { return }
            let header = 8 + Int(b.u8(s) & 0x3f) * 4
            guard end - s >= header else { weirds.note(.geneveTruncated); return }
            let type = b.be16(s + 2)
            guard type == 0x6558 || type == 0x0800 || type == 0x86DD else { return }
            guard enterTunnel(.geneve, &p, depth: depth) else { return }
            if type == 0x6558 {
                decodeEthernet(inner, at: s + header, &p, depth: depth + 1)
            } else {
                decodeIP(inner, at: s + header, version: type == 0x0800 ? 4 : 6, &p, depth: depth + 1)
            }
        } else if u.destinationPort == PacketDecoder.gtpUserPort || u.sourcePort == PacketDecoder.gtpUserPort {
            decodeGTPUser(b, s ..< end, &p, depth: depth)
        } else if u.destinationPort == PacketDecoder.greInUDPPort {
            guard enterTunnel(.gre, &p, depth: depth) else { return }
            decodeGRE(inner, s ..< end, &p, depth: depth + 1)
        } else if u.destinationPort == PacketDecoder.teredoPort || u.sourcePort == PacketDecoder.teredoPort {
            decodeTeredo(b, s ..< end, &p, depth: depth)
        } else if u.destinationPort == PacketDecoder.ayiyaPort || u.sourcePort == PacketDecoder.ayiyaPort {
            decodeAYIYA(b, s ..< end, &p, depth: depth)
        } else if end - s >= 40 && b.u8(s) >> 4 == 6 {
            // Teredo between peers uses any port; take it only when the IPv6 packet fills the
            // datagram exactly and one side has a Teredo address (2001:0::/32, RFC 4380 section 2.6).
            let inner = s
            guard 40 + Int(b.be16(inner + 4)) == end - inner,
                  b.be32(inner + 8) == 0x2001_0000 || b.be32(inner + 24) == 0x2001_0000 else { return }
            decodeTeredo(b, s ..< end, &p, depth: depth)
        }
    }

    /// GTP-U (3GPP TS 29.281 section 5): only G-PDU messages carry a user IP packet.
    func decodeGTPUser(_ b: FrameBytes, _ range: Range<Int>, _ p: inout DecodedPacket, depth: Int) {
        let s = range.lowerBound
        guard range.count >= 8 else { weirds.note(.gtpTruncated); return }
        let flags = b.u8(s)
        guard flags >> 5 == 1, flags & 0x10 != 0, b.u8(s + 1) == 0xFF else { return }
        var header = 8
        if flags & 0x07 != 0 {
            guard range.count >= 12 else { weirds.note(.gtpTruncated); return }
            header = 12
            var next = flags & 0x04 != 0 ? b.u8(s + 11) : 0
            var hops = 0
            while next != 0 {
                guard hops < 8, range.count - header >= 4 else { weirds.note(.gtpTruncated); return }
                let length = Int(b.u8(s + header)) * 4
                guard length > 0, range.count - header >= length else { weirds.note(.gtpTruncated); return }
                next = b.u8(s + header + length - 1)
                header += length
                hops += 1
            }
        }
        guard range.count > header else { return }
        let version = b.u8(s + header) >> 4
        guard version == 4 || version == 6 else { return }
        guard enterTunnel(.gtp, &p, depth: depth) else { return }
        decodeIP(b.slice(0 ..< range.upperBound), at: s + header, version: version, &p, depth: depth + 1)
    }

    /// GRE (protocol 47): IP, transparent Ethernet, ERSPAN I/II/III, or PPP (PPTP).
    func decodeGRE(_ b: FrameBytes, _ range: Range<Int>, _ p: inout DecodedPacket, depth: Int) {
        guard let g = GREHeader.parse(b, at: range.lowerBound, end: range.upperBound, weirds: &weirds) else { return }
        let s = range.lowerBound + g.headerLength
        let inner = b.slice(0 ..< range.upperBound)
        switch g.protocolType.rawValue {
        case 0x0800, 0x86DD:
            guard enterTunnel(.gre, &p, depth: depth) else { return }
            decodeIP(inner, at: s, version: g.protocolType == .ipv4 ? 4 : 6, &p, depth: depth + 1)
        case 0x6558:
            guard enterTunnel(.gre, &p, depth: depth) else { return }
            decodeEthernet(inner, at: s, &p, depth: depth + 1)
        case 0x88BE:  // ERSPAN type II has an 8-byte header and a GRE sequence number; type I has neither
            guard enterTunnel(.erspan, &p, depth: depth) else { return }
            let header = g.hasSequence ? 8 : 0
            guard range.upperBound - s >= header else { weirds.note(.erspanTruncated); return }
            decodeEthernet(inner, at: s + header, &p, depth: depth + 1)
        case 0x22EB:  // ERSPAN type III: 12 bytes, plus an 8-byte platform subheader when O is set
            guard range.upperBound - s >= 12 else { weirds.note(.erspanTruncated); return }
            guard enterTunnel(.erspan, &p, depth: depth) else { return }
            let header = 12 + (b.u8(s + 11) & 0x01 != 0 ? 8 : 0)
            guard range.upperBound - s >= header else { weirds.note(.erspanTruncated); return }
            decodeEthernet(inner, at: s + header, &p, depth: depth + 1)
        case 0x880B:
            guard range.upperBound > s else { return }  // PPTP acknowledgment without payload
            guard enterTunnel(.gre, &p, depth: depth) else { return }
            decodePPP(inner, from: s, end: range.upperBound, &p, depth: depth + 1)
        default:
            break
        }
    }
}
