import SensorCore

extension PacketDecoder {
    /// IPv4 or IPv6 at `start`; with no `version`, the first nibble decides (raw IP links).
    func decodeIP(_ b: FrameBytes, at start: Int, version: UInt8?, _ p: inout DecodedPacket, depth: Int) {
        let v: UInt8
        if let version {
            v = version
        } else {
            guard b.count > start else { weirds.note(.ipv4Truncated); return }
            v = b.u8(start) >> 4
        }
        switch v {
        case 4: decodeIPv4(b, at: start, &p, depth: depth)
        case 6: decodeIPv6(b, at: start, &p, depth: depth)
        default: weirds.note(.rawIPUnknownVersion)
        }
    }

    @inline(__always)
    func snapped(_ p: DecodedPacket) -> Bool {
        !p.payloadInReassemblyBuffer && p.captureLength < p.wireLength
    }

    /// Records an IP header as the innermost layer (and as the outer one when it is the first),
    /// writing fields in place rather than through a temporary layer.
    @inline(__always)
    func record(version: UInt8, source: IPAddress, destination: IPAddress, headerProtocol: IPProtocol,
                upperProtocol: IPProtocol, _ p: inout DecodedPacket) {
        p.inner.version = version
        p.inner.source = source
        p.inner.destination = destination
        p.inner.headerProtocol = headerProtocol
        p.inner.upperProtocol = upperProtocol
        // Field by field from the arguments: copying `p.inner` whole read back bytes just
        // stored one at a time, a store-forwarding stall that perf put at a fifth of decoding.
        if p.ipLayerCount == 0 {
            p.outer.version = version
            p.outer.source = source
            p.outer.destination = destination
            p.outer.headerProtocol = headerProtocol
            p.outer.upperProtocol = upperProtocol
        }
        p.ipLayerCount &+= 1
    }

    func decodeIPv4(_ b: FrameBytes, at start: Int, _ p: inout DecodedPacket, depth: Int) {
        guard let h = IPv4Header.parse(b, at: start, snapped: snapped(p),
                                       verifyChecksum: verifyChecksums, weirds: &weirds) else { return }
        record(version: 4, source: h.source, destination: h.destination, headerProtocol: h.proto,
               upperProtocol: h.proto, &p)
        p.ttl = h.ttl
        p.ipTotalLength = h.totalLength
        if p.ipLayerCount == 1 { p.outerIPTotalLength = h.totalLength }
        p.ipPayloadLength = h.totalLength >= h.headerLength ? h.totalLength - h.headerLength : 0
        p.ipIdentification = UInt32(h.identification)
        p.isFragment = false
        p.payload = h.payload
        if h.isFragment {
            p.fragmentOffset = h.fragmentOffset
            p.moreFragments = h.moreFragments
            let key = FragmentKey(source: h.source, destination: h.destination,
                                  identification: UInt32(h.identification), proto: h.proto.rawValue, isIPv6: false)
            reassemble(b, key: key, offset: h.fragmentOffset, more: h.moreFragments, data: h.payload,
                       upper: h.proto, headerLength: h.headerLength, &p, depth: depth, version6: false)
            return
        }
        decodeUpper(b, h.proto, h.payload, &p, depth: depth, version6: false)
    }

    func decodeIPv6(_ b: FrameBytes, at start: Int, _ p: inout DecodedPacket, depth: Int) {
        guard let h = IPv6Header.parse(b, at: start, snapped: snapped(p), weirds: &weirds) else { return }
        record(version: 6, source: h.source, destination: h.destination, headerProtocol: h.nextHeader,
               upperProtocol: h.upperProtocol, &p)
        p.ttl = h.hopLimit
        p.ipTotalLength = 40 + h.payloadLength
        if p.ipLayerCount == 1 { p.outerIPTotalLength = p.ipTotalLength }
        // Declared payload after the extension headers walked (0 for a jumbogram: use captured).
        p.ipPayloadLength = max(0, h.payloadLength - (h.payload.lowerBound - start - 40))
        p.isFragment = false
        p.payload = h.payload
        if let f = h.fragment, h.isFragment {
            p.ipIdentification = f.identification
            p.fragmentOffset = f.offset
            p.moreFragments = f.more
            let key = FragmentKey(source: h.source, destination: h.destination,
                                  identification: f.identification, proto: 0, isIPv6: true)
            reassemble(b, key: key, offset: f.offset, more: f.more, data: h.payload,
                       upper: h.upperProtocol, headerLength: h.payload.lowerBound - start, &p,
                       depth: depth, version6: true)
            return
        }
        decodeUpper(b, h.upperProtocol, h.payload, &p, depth: depth, version6: true)
    }

    /// Hands a fragment to the reassembler; when it completes a datagram, decodes the
    /// upper layers from the reassembled bytes.
    func reassemble(_ b: FrameBytes, key: FragmentKey, offset: Int, more: Bool, data: Range<Int>,
                    upper: IPProtocol, headerLength: Int, _ p: inout DecodedPacket, depth: Int, version6: Bool) {
        p.isFragment = true
        // A fragment inside an already reassembled datagram is left as it is (one buffer), and a
        // fragment the snap length cut would leave a hole or a wrong end: neither is reassembled.
        guard !p.payloadInReassemblyBuffer, p.ipPayloadLength <= data.count || p.captureLength == p.wireLength else { return }
        guard let done = reassembler.add(key, offset: offset, more: more, data: b.slice(data),
                                         upperProtocol: upper.rawValue, now: p.timestamp,
                                         weirds: &weirds) else { return }
        p.isFragment = false
        reassembledBytes = done.bytes
        p.reassembledFragments = UInt16(truncatingIfNeeded: done.fragments)
        p.payloadInReassemblyBuffer = true
        p.ipTotalLength = headerLength + done.bytes.count
        p.ipPayloadLength = done.bytes.count
        if p.ipLayerCount == 1 { p.outerIPTotalLength = p.ipTotalLength }  // the whole datagram, not the fragment
        var proto = done.upperProtocol
        var start = 0
        if version6 {
            (proto, start) = IPv6Header.skipExtensions(done.bytes, from: 0, end: done.bytes.count,
                                                       first: proto, weirds: &weirds)
            p.ipPayloadLength = done.bytes.count - start
        }
        p.inner.upperProtocol = proto
        if p.ipLayerCount == 1 { p.outer.upperProtocol = proto }
        decodeUpper(done.bytes, proto, start ..< done.bytes.count, &p, depth: depth, version6: version6)
    }

    /// The layer above IP: transport, ICMP, or a tunnel to decapsulate.
    func decodeUpper(_ b: FrameBytes, _ proto: IPProtocol, _ range: Range<Int>, _ p: inout DecodedPacket,
                     depth: Int, version6: Bool) {
        p.payload = range
        switch proto.rawValue {
        case 6:
            guard let t = TCPHeader.parse(b, at: range.lowerBound, end: range.upperBound,
                                          snapped: snapped(p), weirds: &weirds) else { return }
            p.hasPorts = true
            p.sourcePort = t.sourcePort
            p.destinationPort = t.destinationPort
            p.tcpFlags = t.flags
            p.tcpSequence = t.sequence
            p.tcpAcknowledgment = t.acknowledgment
            p.tcpWindow = t.window
            p.tcpHeaderLength = UInt8(truncatingIfNeeded: t.headerLength)
            p.payload = t.payload
            p.payloadLength = max(0, declaredIPPayload(p, range) - t.headerLength)
        case 17:
            guard let u = UDPHeader.parse(b, at: range.lowerBound, end: range.upperBound,
                                          snapped: snapped(p), weirds: &weirds) else { return }
            p.hasPorts = true
            p.sourcePort = u.sourcePort
            p.destinationPort = u.destinationPort
            p.payload = u.payload
            let ipPayload = declaredIPPayload(p, range)
            p.payloadLength = max(0, (u.length >= 8 ? min(u.length, ipPayload) : ipPayload) - 8)
            decodeUDPTunnel(b, u, &p, depth: depth)
        case 1 where !version6, 58 where version6:
            guard let i = ICMPHeader.parse(b, at: range.lowerBound, end: range.upperBound,
                                           version6: version6, weirds: &weirds) else { return }
            p.hasICMP = true
            p.icmpType = i.type
            p.icmpCode = i.code
            p.icmpIdentifier = i.identifier
            p.icmpSequence = i.sequence
            p.payload = i.body
            p.payloadLength = max(0, declaredIPPayload(p, range) - 8)
            if i.isError { decodeQuoted(b, i.body, &p, version6: version6) }
        case 132:  // SCTP common header (RFC 9260 section 3.1)
            guard range.count >= 12 else { return }
            p.hasPorts = true
            p.sourcePort = b.be16(range.lowerBound)
            p.destinationPort = b.be16(range.lowerBound + 2)
            p.payload = range.lowerBound + 12 ..< range.upperBound
        case 4, 41:
            guard enterTunnel(.ipInIP, &p, depth: depth) else { return }
            decodeIP(b.slice(0 ..< range.upperBound), at: range.lowerBound, version: proto.rawValue == 4 ? 4 : 6,
                     &p, depth: depth + 1)
        case 47:
            decodeGRE(b, range, &p, depth: depth)
        default:
            break
        }
    }

    /// The innermost IP payload's declared length in bytes (not cut by the snap length),
    /// or the captured length when the header declared nothing usable.
    @inline(__always)
    func declaredIPPayload(_ p: DecodedPacket, _ range: Range<Int>) -> Int {
        p.ipPayloadLength > 0 ? p.ipPayloadLength : range.count
    }

    /// The header quoted in an ICMP error (RFC 792; RFC 4443 section 3): addresses, protocol, ports.
    func decodeQuoted(_ b: FrameBytes, _ range: Range<Int>, _ p: inout DecodedPacket, version6: Bool) {
        let s = range.lowerBound
        var layer = IPLayer()
        var transport = 0
        if !version6 {
            guard range.count >= 20, b.u8(s) >> 4 == 4 else { return }
            let ihl = Int(b.u8(s) & 0x0f) * 4
            guard ihl >= 20, range.count >= ihl else { return }
            layer.version = 4
            layer.source = IPAddress(ipv4: b.be32(s + 12))
            layer.destination = IPAddress(ipv4: b.be32(s + 16))
            layer.headerProtocol = IPProtocol(rawValue: b.u8(s + 9))
            layer.upperProtocol = layer.headerProtocol
            // Only the first fragment of a quoted datagram starts with a transport header.
            transport = b.be16(s + 6) & 0x1fff == 0 ? s + ihl : -1
        } else {
            guard range.count >= 40, b.u8(s) >> 4 == 6 else { return }
            layer.version = 6
            layer.source = IPAddress(ipv6High: b.be64(s + 8), low: b.be64(s + 16))
            layer.destination = IPAddress(ipv6High: b.be64(s + 24), low: b.be64(s + 32))
            layer.headerProtocol = IPProtocol(rawValue: b.u8(s + 6))
            let (upper, offset) = IPv6Header.skipExtensions(b, from: s + 40, end: range.upperBound,
                                                            first: layer.headerProtocol, weirds: &weirds)
            layer.upperProtocol = upper
            transport = offset
        }
        p.quoted = layer
        switch layer.upperProtocol.rawValue {
        case 6, 17, 132:
            guard transport >= 0, range.upperBound - transport >= 4 else { return }
            p.quotedHasPorts = true
            p.quotedSourcePort = b.be16(transport)
            p.quotedDestinationPort = b.be16(transport + 2)
        default:
            break
        }
    }
}
