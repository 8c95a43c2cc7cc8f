import SensorCore

/// An ICMP destination unreachable message (RFC 792 type 3; RFC 4443 type 1) about one of our
/// flows: the packet it quotes names the flow that failed (the quoted source is our client),
/// so the detection engine can count it as failure evidence for that channel. The decoder reads
/// the quote (`DecodedPacket.quoted`).
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

    public init(time: Timestamp, reporter: IPAddress, code: UInt8, client: IPAddress, server: IPAddress, proto: UInt8, serverPort: UInt16) {
        self.time = time
        self.reporter = reporter
        self.code = code
        self.client = client
        self.server = server
        self.proto = proto
        self.serverPort = serverPort
    }
}
