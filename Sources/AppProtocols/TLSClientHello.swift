import Crypto
import SensorCore

/// The parts of a TLS ClientHello handshake message (RFC 8446 section 4.1.2) that flows
/// carry: server name (RFC 6066 section 3), ALPN (RFC 7301), supported versions, ECH, and
/// what JA3 and JA4 fingerprint (groups, point formats, signature algorithms).
public struct TLSClientHello: Sendable, Equatable {
    public var legacyVersion: UInt16
    public var serverName: [UInt8]?
    public var alpn: [[UInt8]]
    public var cipherSuites: [UInt16]
    public var extensionTypes: [UInt16]
    public var supportedVersions: [UInt16]
    public var sessionID: [UInt8] = []
    /// supported_groups (RFC 8422 section 5.1.1, RFC 8446 section 4.2.7).
    public var supportedGroups: [UInt16] = []
    /// ec_point_formats (RFC 8422 section 5.1.2).
    public var pointFormats: [UInt8] = []
    /// signature_algorithms (RFC 8446 section 4.2.3), in the client's order.
    public var signatureAlgorithms: [UInt16] = []

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
        let sessionID = Int(b.u8(o)); o += 1
        guard sessionID <= 32, end - o >= sessionID else { return nil }
        hello.sessionID = (0..<sessionID).map { b.u8(o + $0) }
        o += sessionID
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
            case 0x000a:  // supported_groups: list length, then groups
                hello.supportedGroups = TLSClientHello.list16(e)
            case 0x000d:  // signature_algorithms: list length, then schemes
                hello.signatureAlgorithms = TLSClientHello.list16(e)
            case 0x000b:  // ec_point_formats: length byte, then formats
                if e.count >= 1 { hello.pointFormats = (1..<min(e.count, 1 + Int(e.u8(0)))).map { e.u8($0) } }
            default:
                break
            }
            o += length
        }
        return hello
    }

    /// A 2-byte-length-prefixed list of 16-bit values (at most 256 kept).
    static func list16(_ e: FrameBytes) -> [UInt16] {
        guard e.count >= 2 else { return [] }
        let end = min(e.count, 2 + Int(e.be16(0)))
        return stride(from: 2, to: end - 1, by: 2).prefix(256).map { e.be16($0) }
    }

    /// GREASE values (RFC 8701): 0x0A0A, 0x1A1A, ..., 0xFAFA.
    public static func isGREASE(_ v: UInt16) -> Bool {
        v & 0x0F0F == 0x0A0A && v >> 8 == v & 0xFF
    }

    /// JA3's input: version, ciphers, extensions, groups, point formats, decimal and without
    /// GREASE ("771,4865-4866,0-23-65281,29-23,0").
    public var ja3String: String {
        func join(_ values: [UInt16]) -> String {
            values.filter { !TLSClientHello.isGREASE($0) }.map { String($0) }.joined(separator: "-")
        }
        return [String(legacyVersion), join(cipherSuites), join(extensionTypes), join(supportedGroups),
                pointFormats.map { String($0) }.joined(separator: "-")].joined(separator: ",")
    }

    /// JA3: the MD5 of `ja3String`, in lower-case hex.
    public var ja3: String { TLSClientHello.hex(Insecure.MD5.hash(data: Array(ja3String.utf8))) }

    static func hex(_ digest: some Digest) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] }, as: UTF8.self)
    }

    /// JA4 (FoxIO's specification): protocol, version, SNI, counts and ALPN, then truncated
    /// SHA-256 of the sorted ciphers, and of the sorted extensions with the signature algorithms.
    /// `transport` is "t" (TCP) or "q" (QUIC).
    public func ja4(transport: Character) -> String {
        let ciphers = cipherSuites.filter { !TLSClientHello.isGREASE($0) }
        let extensions = extensionTypes.filter { !TLSClientHello.isGREASE($0) }
        let versions = supportedVersions.filter { !TLSClientHello.isGREASE($0) }
        let version: String
        switch versions.max() ?? legacyVersion {
        case 0x0304: version = "13"
        case 0x0303: version = "12"
        case 0x0302: version = "11"
        case 0x0301: version = "10"
        case 0x0300: version = "s3"
        case 0x0002: version = "s2"
        case 0xfeff: version = "d1"
        case 0xfefd: version = "d2"
        case 0xfefc: version = "d3"
        default: version = "00"
        }
        func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : String(min(n, 99)) }
        var alpnCode = "00"
        if let first = alpn.first, let a = first.first, let z = first.last {
            let alphanumeric: (UInt8) -> Bool = { (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
            if alphanumeric(a) && alphanumeric(z) {
                alpnCode = String(decoding: [a, z], as: UTF8.self)
            } else {
                let hex = Array("0123456789abcdef".utf8)
                alpnCode = String(decoding: [hex[Int(a >> 4)], hex[Int(z & 0xF)]], as: UTF8.self)
            }
        }
        let a = "\(transport)\(version)\(serverName == nil ? "i" : "d")\(twoDigits(ciphers.count))\(twoDigits(extensions.count))\(alpnCode)"
        func hex4(_ v: UInt16) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 4 - s.count) + s
        }
        func truncatedHash(_ text: String) -> String {
            String(TLSClientHello.hex(SHA256.hash(data: Array(text.utf8))).prefix(12))
        }
        let b = ciphers.isEmpty ? "000000000000" : truncatedHash(ciphers.sorted().map(hex4).joined(separator: ","))
        let sortedExtensions = extensions.filter { $0 != 0x0000 && $0 != 0x0010 }.sorted().map(hex4).joined(separator: ",")
        var cInput = sortedExtensions
        if !signatureAlgorithms.isEmpty { cInput += "_" + signatureAlgorithms.map(hex4).joined(separator: ",") }
        let c = sortedExtensions.isEmpty ? "000000000000" : truncatedHash(cInput)
        return "\(a)_\(b)_\(c)"
    }
}
