import SensorCore

/// TLS record framing (RFC 8446 section 5.1): finds a handshake message at the start of a
/// TCP payload.
public enum TLSRecord {
    /// The handshake bytes of the first record when `payload` starts with a complete handshake
    /// record (content type 22); nil for anything else, including a record cut by the segment.
    public static func firstHandshake(_ payload: FrameBytes) -> FrameBytes? {
        guard payload.count >= 5, payload.u8(0) == 22, payload.u8(1) == 3, payload.u8(2) <= 4 else { return nil }
        let length = Int(payload.be16(3))
        guard length > 0, payload.count - 5 >= length else { return nil }
        return payload.slice(5 ..< 5 + length)
    }
}
