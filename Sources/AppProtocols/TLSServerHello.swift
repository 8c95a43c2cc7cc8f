import SensorCore

/// The parts of a TLS ServerHello (RFC 8446 section 4.1.3, RFC 5246 section 7.4.1.3) that
/// ssl.log reports: the negotiated version and cipher suite, the key exchange group, whether
/// the session was resumed (echoed session ID or a pre-shared key), and the chosen ALPN.
public struct TLSServerHello: Sendable, Equatable {
    public var legacyVersion: UInt16
    /// The supported_versions extension's choice (TLS 1.3), when present.
    public var selectedVersion: UInt16?
    public var cipherSuite: UInt16
    public var sessionID: [UInt8]
    /// key_share's group (TLS 1.3).
    public var keyShareGroup: UInt16?
    /// pre_shared_key present: the server accepted a PSK (resumption, TLS 1.3).
    public var acceptedPSK: Bool
    /// The ALPN protocol the server chose (in cleartext before TLS 1.3 only).
    public var alpn: [UInt8]?
    /// The message is a HelloRetryRequest (RFC 8446 section 4.1.4: its random is a fixed value).
    public var isHelloRetryRequest: Bool

    /// The negotiated version.
    public var version: UInt16 { selectedVersion ?? legacyVersion }

    /// TLS 1.3 or one of its drafts (0x7Fxx) or experiments (0x7Exx): all encrypt every
    /// handshake message after this one.
    public var isTLS13: Bool { version == 0x0304 || version >> 8 == 0x7F || version >> 8 == 0x7E }

    static let helloRetryRandom: [UInt8] = [0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65,
                                            0xB8, 0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2,
                                            0xC8, 0xA8, 0x33, 0x9C]

    /// Parses a handshake message that starts with type 2 (no record header); nil when it is
    /// not a ServerHello or is cut short.
    public static func parse(_ b: FrameBytes) -> TLSServerHello? {
        guard b.count >= 4 + 38, b.u8(0) == 2 else { return nil }
        let end = 4 + (Int(b.u8(1)) << 16 | Int(b.u8(2)) << 8 | Int(b.u8(3)))
        guard end <= b.count else { return nil }
        var o = 4
        let legacy = b.be16(o)
        let retry = (0..<32).allSatisfy { b.u8(o + 2 + $0) == helloRetryRandom[$0] }
        o += 34
        // TLS 1.3 drafts before 22 (and Google's experiments on them) name the draft in the
        // version field and have neither session ID nor compression method.
        let draft = legacy >> 8 == 0x7F || legacy >> 8 == 0x7E
        var sessionID: [UInt8] = []
        if !draft {
            let sessionIDLength = Int(b.u8(o)); o += 1
            guard sessionIDLength <= 32, end - o >= sessionIDLength else { return nil }
            sessionID = (0..<sessionIDLength).map { b.u8(o + $0) }
            o += sessionIDLength
        }
        guard end - o >= (draft ? 2 : 3) else { return nil }
        var hello = TLSServerHello(legacyVersion: legacy, selectedVersion: nil, cipherSuite: b.be16(o), sessionID: sessionID,
                                   keyShareGroup: nil, acceptedPSK: false, alpn: nil, isHelloRetryRequest: retry)
        o += draft ? 2 : 3  // cipher suite, compression method
        guard end - o >= 2 else { return hello }
        let extensionsEnd = min(end, o + 2 + Int(b.be16(o)))
        o += 2
        var count = 0
        while extensionsEnd - o >= 4 && count < 64 {
            count += 1
            let type = b.be16(o), length = Int(b.be16(o + 2))
            o += 4
            guard extensionsEnd - o >= length else { return hello }
            switch type {
            case 0x002b where length >= 2: hello.selectedVersion = b.be16(o)
            case 0x0033 where length >= 2, 0x0028 where length >= 2:  // key_share (40 in the drafts)
                hello.keyShareGroup = b.be16(o)
            case 0x0029: hello.acceptedPSK = true
            case 0x0010 where length >= 3:  // ALPN: list length, then one (length, protocol)
                let n = Int(b.u8(o + 2))
                if length - 3 >= n { hello.alpn = (0..<n).map { b.u8(o + 3 + $0) } }
            default: break
            }
            o += length
        }
        return hello
    }
}
