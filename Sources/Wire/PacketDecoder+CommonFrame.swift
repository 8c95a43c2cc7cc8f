import SensorCore

extension PacketDecoder {
    /// Decodes the frame most traffic is: Ethernet II, then IPv4 without options or
    /// fragmentation (RFC 791 section 3.1) and whole in the capture, then TCP (RFC 9293 section
    /// 3.1) or UDP (RFC 768) whose lengths agree with it. One straight pass writes exactly what
    /// the general path would (a test compares both on every fixture and fuzz input); anything
    /// else, including a bad header checksum, returns false having written nothing, and the
    /// general path takes the frame.
    @inline(__always)
    func decodeCommonFrame(_ b: FrameBytes, _ p: inout DecodedPacket) -> Bool {
        guard b.count >= 42, b.be16(12) == 0x0800, b.u8(14) == 0x45 else { return false }
        let totalLength = Int(b.be16(16))
        guard totalLength >= 28, totalLength <= b.count - 14, b.be16(20) & 0x3fff == 0 else { return false }
        let proto = b.u8(23)
        let end = 14 + totalLength
        var transportHeader = 0
        switch proto {
        case 6:
            guard totalLength >= 40 else { return false }
            transportHeader = Int(b.u8(46) >> 4) * 4
            guard transportHeader >= 20, transportHeader <= totalLength - 20 else { return false }
        case 17:
            transportHeader = Int(b.be16(38))
            guard transportHeader >= 8, transportHeader <= totalLength - 20 else { return false }
        default:
            return false
        }
        if verifyChecksums && !IPv4Header.checksumIsValid(b, at: 14, length: 20) { return false }

        let source = IPAddress(ipv4: b.be32(26)), destination = IPAddress(ipv4: b.be32(30))
        let protocolNumber = IPProtocol(rawValue: proto)
        p.etherType = EtherType(rawValue: 0x0800)
        record(version: 4, source: source, destination: destination, headerProtocol: protocolNumber,
               upperProtocol: protocolNumber, &p)
        p.ttl = b.u8(22)
        p.ipTotalLength = totalLength
        p.outerIPTotalLength = totalLength
        p.ipPayloadLength = totalLength - 20
        p.ipIdentification = UInt32(b.be16(18))
        p.hasPorts = true
        p.sourcePort = b.be16(34)
        p.destinationPort = b.be16(36)
        if proto == 6 {
            let offsetByte = b.u8(46)
            p.tcpFlags = TCPFlags(rawValue: UInt16(b.u8(47)) | (UInt16(offsetByte & 1) << 8))
            p.tcpSequence = b.be32(38)
            p.tcpAcknowledgment = b.be32(42)
            p.tcpWindow = b.be16(48)
            p.tcpHeaderLength = UInt8(truncatingIfNeeded: transportHeader)
            p.payload = 34 + transportHeader ..< end
            p.payloadLength = totalLength - 20 - transportHeader
        } else {
            let udp = UDPHeader(sourcePort: p.sourcePort, destinationPort: p.destinationPort, length: transportHeader,
                                payload: 42 ..< 34 + transportHeader)
            p.payload = udp.payload
            p.payloadLength = transportHeader - 8
            decodeUDPTunnel(b, udp, &p, depth: 0)
        }
        return true
    }
}
