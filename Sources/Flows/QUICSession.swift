import SensorCore

/// One QUIC connection as a quic.log row describes it (Zeek's `QUIC::Info`).
public struct QUICSession: Sendable, Equatable {
    /// Time of the first long-header packet.
    public var start: Timestamp
    public var connection: ConnectionID
    /// The version of the first long-header packet.
    public var version: UInt32
    /// The client's first Destination Connection ID (it keys the Initial packets' protection).
    public var clientInitialDCID: [UInt8]?
    /// The Source Connection IDs of the client's and the server's latest long-header packets.
    public var clientSCID: [UInt8]?
    public var serverSCID: [UInt8]?
    public var serverName: [UInt8]?
    /// The first ALPN protocol the client offered.
    public var clientProtocol: [UInt8]?
    /// Zeek's letters, upper case from the client: I Initial, H Handshake, Z 0-RTT, R Retry,
    /// S TLS hello, U unknown version, O short-header packets (at 1, 2, 4, 8, ... of them).
    public var history: [UInt8] = []

    /// Zeek's name for a QUIC version: "1", "quicv2", "draft-29", else `unknown-<hex>`.
    public static func versionName(_ v: UInt32) -> String {
        switch v {
        case 0x0000_0001: return "1"
        case 0x6b33_43cf: return "quicv2"
        case 0xff00_0000...0xff00_00ff: return "draft-\(v & 0xff)"
        default: return "unknown-" + String(v, radix: 16)
        }
    }
}
