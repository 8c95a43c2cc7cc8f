import SensorCore

/// The parts of a TLS ClientHello handshake message (RFC 8446 section 4.1.2) that flows
/// carry: server name (RFC 6066 section 3), ALPN (RFC 7301), supported versions, ECH.
public struct TLSClientHello: Sendable, Equatable {
    public var legacyVersion: UInt16
    public var serverName: [UInt8]?
    public var alpn: [[UInt8]]
    public var cipherSuites: [UInt16]
    public var extensionTypes: [UInt16]
    public var supportedVersions: [UInt16]

    /// True when an encrypted_client_hello extension (0xfe0d) is present.
    public var hasECH: Bool { extensionTypes.contains(0xfe0d) }

    /// Parses a handshake message that starts with type 1 (no record header). Returns nil when
    /// it is not a ClientHello or is cut short; every length is checked against its container.
    public static func parse(_ b: FrameBytes) -> TLSClientHello? {
        guard b.count >= 4 + 38, b.u8(0) == 1 else { return nil }
        let bodyLength = Int(b.u8(1)) << 16 | Int(b.u8(2)) << 8 | Int(b.u8(3))
        let end = 4 + bodyLength
        guard end <= b.count else { return nil }
        var o = 4
        var hello = TLSClientHello(legacyVersion: b.be16(o), serverName: nil, alpn: [], cipherSuites: [],
                                   extensionTypes: [], supportedVersions: [])
        o += 2 + 32  // version, random
        let sessionID = Int(b.u8(o)); o += 1 + sessionID
        guard end - o >= 2 else { return nil }
        let suites = Int(b.be16(o)); o += 2
        guard suites % 2 == 0, end - o >= suites else { return nil }
        for k in stride(from: 0, to: suites, by: 2) { hello.cipherSuites.append(b.be16(o + k)) }
        o += suites
        guard end - o >= 1 else { return nil }
        let compression = Int(b.u8(o)); o += 1 + compression
        guard end - o >= 2 else { return o <= end ? hello : nil }  // no extensions
        let extensionsLength = Int(b.be16(o)); o += 2
        let extensionsEnd = min(end, o + extensionsLength)
        var count = 0
        while extensionsEnd - o >= 4 && count < 128 {
            count += 1
            let type = b.be16(o), length = Int(b.be16(o + 2))
            o += 4
            guard extensionsEnd - o >= length else { return nil }
            hello.extensionTypes.append(type)
            let e = b.slice(o ..< o + length)
            switch type {
            case 0x0000:  // server_name: list length, then (type 0, length, name)
                if e.count >= 5 && e.u8(2) == 0 {
                    let n = Int(e.be16(3))
                    if e.count - 5 >= n { hello.serverName = (0..<n).map { e.u8(5 + $0) } }
                }
            case 0x0010:  // ALPN: list length, then (length, protocol)*
                var p = 2
                while p < e.count && hello.alpn.count < 16 {
                    let n = Int(e.u8(p)); p += 1
                    guard e.count - p >= n else { break }
                    hello.alpn.append((0..<n).map { e.u8(p + $0) })
                    p += n
                }
            case 0x002b:  // supported_versions: length byte, then versions
                if e.count >= 1 {
                    var p = 1
                    while e.count - p >= 2 && p <= Int(e.u8(0)) { hello.supportedVersions.append(e.be16(p)); p += 2 }
                }
            default:
                break
            }
            o += length
        }
        return hello
    }
}
