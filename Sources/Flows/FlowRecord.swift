import SensorCore

/// A finished (or interim) flow, as conn.log describes it.
public struct FlowRecord: Sendable {
    /// First packet's time.
    public var start: Timestamp
    /// Last packet's time.
    public var end: Timestamp
    /// The flow's uid and endpoints, originator first.
    public var connection: ConnectionID
    /// Services identified from the bytes ("dns", "ssl", "http", "ssh", "quic", or a tunnel).
    public var service: [String]
    public var connState: String
    public var history: String
    public var originatorBytes: UInt64
    public var responderBytes: UInt64
    public var originatorPackets: UInt64
    public var responderPackets: UInt64
    public var originatorIPBytes: UInt64
    public var responderIPBytes: UInt64
    public var missedBytes: UInt64
    public var localOriginator: Bool
    public var localResponder: Bool
    public var vlan: UInt16
    public var communityID: CommunityID
    /// The name the originator most recently resolved to the responder's address, from DNS
    /// answers seen before the flow began (nil when none is known).
    public var resolvedName: String?
    /// The server name (SNI) the client sent in its TLS ClientHello, over TCP or QUIC.
    public var serverName: String?
    /// Byte entropy of the originator's first payload (bits per byte, to 1/30 bit), nil without payload.
    public var originatorEntropy: Double?
    /// The protocol the responder's port usually carries (`PortServices`), to compare with `service`.
    public var portService: String?
    /// The uids of the UDP flows whose tunnel carried this one (IP-in-IP and GRE carriers have
    /// no conn.log row and are not listed).
    public var tunnelParents: [String] = []
    /// True when a tunnel carried this flow.
    public var tunnelled: Bool
    /// True for an interim record of a flow still open.
    public var interim: Bool

    public init(start: Timestamp, end: Timestamp, connection: ConnectionID, service: [String], connState: String, history: String,
                originatorBytes: UInt64, responderBytes: UInt64, originatorPackets: UInt64, responderPackets: UInt64,
                originatorIPBytes: UInt64, responderIPBytes: UInt64, missedBytes: UInt64, localOriginator: Bool,
                localResponder: Bool, vlan: UInt16, communityID: CommunityID, resolvedName: String?, serverName: String?,
                originatorEntropy: Double?, portService: String?, tunnelParents: [String] = [], tunnelled: Bool, interim: Bool) {
        self.start = start
        self.end = end
        self.connection = connection
        self.service = service
        self.connState = connState
        self.history = history
        self.originatorBytes = originatorBytes
        self.responderBytes = responderBytes
        self.originatorPackets = originatorPackets
        self.responderPackets = responderPackets
        self.originatorIPBytes = originatorIPBytes
        self.responderIPBytes = responderIPBytes
        self.missedBytes = missedBytes
        self.localOriginator = localOriginator
        self.localResponder = localResponder
        self.vlan = vlan
        self.communityID = communityID
        self.resolvedName = resolvedName
        self.serverName = serverName
        self.originatorEntropy = originatorEntropy
        self.portService = portService
        self.tunnelParents = tunnelParents
        self.tunnelled = tunnelled
        self.interim = interim
    }

    /// Seconds from first to last packet.
    public var duration: Double { Double(end.nanoseconds(since: start)) / 1e9 }

    /// conn.log's `proto`: tcp, udp, icmp (both versions) or unknown_transport.
    public var transportName: String {
        switch connection.proto {
        case 6: "tcp"
        case 17: "udp"
        case 1, 58: "icmp"
        default: "unknown_transport"
        }
    }

    /// Egress: a local originator talking to a non-local responder (DESIGN.md).
    public var isEgress: Bool { localOriginator && !localResponder }
}
