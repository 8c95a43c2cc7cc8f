import SensorCore

/// One TLS session (over TCP, or inside QUIC), as an ssl.log row describes it (Zeek's
/// `SSL::Info` plus JA3, JA4, the client's ALPN list and ECH presence).
public struct SSLSession: Sendable, Equatable {
    /// Time of the ClientHello.
    public var start: Timestamp
    /// The flow: TCP (TLS over TCP) or UDP (QUIC).
    public var connection: ConnectionID
    /// The negotiated version and cipher suite, from the ServerHello.
    public var version: UInt16?
    public var cipher: UInt16?
    /// Key exchange group: the ServerHello's key share (TLS 1.3) or the ServerKeyExchange's named curve.
    public var curve: UInt16?
    public var serverName: [UInt8]?
    /// The server echoed the client's session ID, or accepted a pre-shared key.
    public var resumed = false
    /// The last alert seen in cleartext (description code).
    public var lastAlert: UInt8?
    /// The ALPN protocol the server chose, when sent in cleartext (before TLS 1.3).
    public var nextProtocol: [UInt8]?
    /// Both sides finished the handshake and switched to encrypted records.
    public var established = false
    /// Zeek's ssl_history letters: one per message seen, upper case from the client.
    public var history: [UInt8] = []
    public var ja3: String?
    public var ja4: String?
    public var clientALPN: [[UInt8]] = []
    public var hasECH = false
}
