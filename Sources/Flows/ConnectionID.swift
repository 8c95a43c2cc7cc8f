import SensorCore

/// The connection a log row is about, as conn.log names it: its uid and its endpoints, the
/// originator first (Zeek's `uid` and `id`). Every application log row carries one.
public struct ConnectionID: Sendable, Equatable {
    public var uid: String
    public var originator: IPAddress
    public var originatorPort: UInt16
    public var responder: IPAddress
    public var responderPort: UInt16
    /// IP protocol: 6 TCP, 17 UDP, 1 or 58 ICMP.
    public var proto: UInt8

    public init(uid: String, originator: IPAddress, originatorPort: UInt16, responder: IPAddress, responderPort: UInt16, proto: UInt8) {
        self.uid = uid
        self.originator = originator
        self.originatorPort = originatorPort
        self.responder = responder
        self.responderPort = responderPort
        self.proto = proto
    }
}
