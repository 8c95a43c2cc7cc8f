import SensorCore

/// An ICMP destination unreachable message (RFC 792 type 3; RFC 4443 type 1) about one of our
/// flows: the packet it quotes names the flow that failed (the quoted source is our client),
/// so the detection engine can count it as failure evidence for that channel.
public struct ICMPUnreachable: Sendable, Equatable {
    public var time: Timestamp
    /// Who sent the message (the server itself, or a router on the way).
    public var reporter: IPAddress
    public var code: UInt8
    /// The quoted packet's source and destination, its protocol and destination port (0 when
    /// the quote is too short or carries no ports).
    public var client: IPAddress
    public var server: IPAddress
    public var proto: UInt8
    public var serverPort: UInt16

    /// Reads the quoted packet in an unreachable message's body (after the 8-byte ICMP
    /// header): an IPv4 header with its options, or the fixed IPv6 header, then the first 4
    /// bytes of the transport header. Nil when the quote is not a whole IP header.
    public static func quoted(_ body: FrameBytes, v6: Bool) -> (client: IPAddress, server: IPAddress, proto: UInt8, serverPort: UInt16)? {
        let client: IPAddress, server: IPAddress, proto: UInt8, headerLength: Int
        if v6 {
            guard body.count >= 40, body.u8(0) >> 4 == 6 else { return nil }
            client = IPAddress(ipv6High: body.be64(8), low: body.be64(16))
            server = IPAddress(ipv6High: body.be64(24), low: body.be64(32))
            proto = body.u8(6)
            headerLength = 40
        } else {
            guard body.count >= 20, body.u8(0) >> 4 == 4 else { return nil }
            headerLength = Int(body.u8(0) & 0x0f) * 4
            guard headerLength >= 20, body.count >= headerLength else { return nil }
            client = IPAddress(ipv4: body.be32(12))
            server = IPAddress(ipv4: body.be32(16))
            proto = body.u8(9)
        }
        let ports = proto == 6 || proto == 17 || proto == 132
        let port = ports && body.count >= headerLength + 4 ? body.be16(headerLength + 2) : 0
        return (client, server, proto, port)
    }
}
