import SensorCore

/// One socket as an endpoint saw it: who owned it (process, code signature, launchd label)
/// and its endpoints, at one moment (`open`, `close`) or as seen by a poll (`snapshot`).
public struct SocketRecord: Sendable, Equatable {
    public enum Event: String, Sendable {
        /// The socket was created or connected at `time`.
        case open
        /// The socket was closed at `time`.
        case close
        /// The socket was seen open at `time` by a poll (osquery snapshot, lsof, /proc).
        case snapshot
    }

    /// The endpoint's clock (its skew is estimated by the correlator).
    public var time: Timestamp
    public var hostID: String
    public var event: Event
    /// IP protocol: 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6. An ICMP socket has no ports on the
    /// wire (`local_port` is Linux's echo identifier or 0): it is matched by its addresses.
    public var transport: UInt8
    public var localAddress: IPAddress?
    public var localPort: UInt16
    /// Nil for an unconnected UDP socket or a listener.
    public var remoteAddress: IPAddress?
    public var remotePort: UInt16
    public var process: ProcessIdentity
    /// The feed this record came from (`native`, `osquery`, `ecs`, `lsof`, `collect`), for `attribution.source`.
    public var source: String

    public init(time: Timestamp, hostID: String, event: Event, transport: UInt8, localAddress: IPAddress?, localPort: UInt16,
                remoteAddress: IPAddress?, remotePort: UInt16, process: ProcessIdentity, source: String) {
        self.time = time
        self.hostID = hostID
        self.event = event
        self.transport = transport
        self.localAddress = localAddress
        self.localPort = localPort
        self.remoteAddress = remoteAddress
        self.remotePort = remotePort
        self.process = process
        self.source = source
    }

    /// True for ICMP and ICMPv6 sockets, whose flows carry no ports.
    public static func isICMP(_ transport: UInt8) -> Bool { transport == 1 || transport == 58 }

    /// The native feed's name of a transport.
    public static func transportName(_ transport: UInt8) -> String {
        switch transport {
        case 17: "udp"
        case 1: "icmp"
        case 58: "icmpv6"
        default: "tcp"
        }
    }
}
