import SensorCore

extension PacketDecoder {
    /// Verifies the TCP or UDP checksum of the innermost datagram (RFC 9293 section 3.1,
    /// RFC 768; the IPv6 pseudo-header of RFC 8200 section 8.1). True when it is right, when
    /// the packet has neither, when UDP over IPv4 carries no checksum, or when the capture
    /// cut the segment (it cannot be checked).
    public func transportChecksumIsValid(_ p: DecodedPacket, frame: FrameBytes) -> Bool {
        let proto = p.ipProtocol.rawValue
        guard p.hasPorts, proto == 6 || proto == 17, !p.isFragment else { return true }
        let bytes = p.payloadInReassemblyBuffer ? reassembledBytes : frame
        let header = proto == 6 ? Int(p.tcpHeaderLength) : 8
        let start = p.payload.lowerBound - header
        let length = p.ipPayloadLength
        guard start >= 0, length >= header, bytes.count - start >= length else { return true }
        if proto == 17 && p.ipVersion == 4 && bytes.be16(start + 6) == 0 { return true }
        var sum: UInt64 = 0
        let s = p.inner.source, d = p.inner.destination
        if p.ipVersion == 4 {
            sum &+= UInt64(s.ipv4 >> 16) &+ UInt64(s.ipv4 & 0xffff) &+ UInt64(d.ipv4 >> 16) &+ UInt64(d.ipv4 & 0xffff)
        } else {
            @inline(__always) func words(_ w: UInt64) -> UInt64 {
                (w >> 48) &+ ((w >> 32) & 0xffff) &+ ((w >> 16) & 0xffff) &+ (w & 0xffff)
            }
            sum &+= words(s.high) &+ words(s.low) &+ words(d.high) &+ words(d.low)
        }
        sum &+= UInt64(proto) &+ UInt64(length)
        var i = start
        let end = start + length
        while i + 1 < end {
            sum &+= UInt64(bytes.be16(i))
            i += 2
        }
        if i < end { sum &+= UInt64(bytes.u8(i)) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) &+ (sum >> 16) }
        return sum == 0xffff
    }
}
