import AppProtocols
import SensorCore
import TestSupport
import Testing

/// JA3 and JA4 of built ClientHellos (JA4's published example), the ServerHello parser, and
/// hostile truncation.
@Suite("TLS handshake fingerprints and ServerHello")
struct TLSHandshakeTests {
    static func u16(_ v: Int) -> [UInt8] { PacketBuilder.be16(v) }

    static func ext(_ type: Int, _ body: [UInt8]) -> [UInt8] { u16(type) + u16(body.count) + body }

    /// A ClientHello handshake message with the given parts (extension bodies minimal but valid).
    static func clientHello(ciphers: [Int], extensions: [[UInt8]], sessionID: [UInt8] = []) -> [UInt8] {
        var body: [UInt8] = u16(0x0303) + Array(repeating: 7, count: 32) + [UInt8(sessionID.count)] + sessionID
        body += u16(ciphers.count * 2) + ciphers.flatMap { u16($0) } + [1, 0]
        let all = extensions.flatMap { $0 }
        body += u16(all.count) + all
        return [1] + [UInt8(body.count >> 16), UInt8((body.count >> 8) & 0xFF), UInt8(body.count & 0xFF)] + body
    }

    static func parse(_ bytes: [UInt8]) -> TLSClientHello? {
        bytes.withUnsafeBytes { TLSClientHello.parse(FrameBytes($0)) }
    }

    /// The example in FoxIO's JA4 specification: 15 ciphers, 16 extensions, ALPN h2, TLS 1.3,
    /// giving t13d1516h2_8daaf6152771_e5627efa2ab1. GREASE values are added to check they
    /// are left out, as the specification says.
    @Test func ja4MatchesThePublishedExample() throws {
        let ciphers = [0x0A0A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014,
                       0x009C, 0x009D, 0x002F, 0x0035]
        let sni = Self.ext(0x0000, Self.u16(14) + [0] + Self.u16(11) + Array("example.com".utf8))
        let alpn = Self.ext(0x0010, Self.u16(9) + [2] + Array("h2".utf8) + [8] + Array("http/1.1".utf8))
        let groups = Self.ext(0x000A, Self.u16(6) + Self.u16(0x1A1A) + Self.u16(0x001D) + Self.u16(0x0017))
        let formats = Self.ext(0x000B, [1, 0])
        let signatures = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
        let sigalgs = Self.ext(0x000D, Self.u16(signatures.count * 2) + signatures.flatMap { Self.u16($0) })
        let versions = Self.ext(0x002B, [6] + Self.u16(0x2A2A) + Self.u16(0x0304) + Self.u16(0x0303))
        let plain = [0x0005, 0x0012, 0x0015, 0x0017, 0x001B, 0x0023, 0x002D, 0x0033, 0x4469, 0xFF01].map { Self.ext($0, []) }
        let extensions = [Self.ext(0x3A3A, []), sni, groups, formats, sigalgs, alpn, versions] + plain
        let hello = try #require(Self.parse(Self.clientHello(ciphers: ciphers, extensions: extensions)))
        #expect(hello.ja4(transport: "t") == "t13d1516h2_8daaf6152771_e5627efa2ab1")
        #expect(hello.ja4(transport: "q").hasPrefix("q13d1516h2_"))
        #expect(hello.ja3String == "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,"
            + "0-10-11-13-16-43-5-18-21-23-27-35-45-51-17513-65281,29-23,0")
        #expect(hello.ja3.count == 32 && hello.ja3.allSatisfy { $0.isHexDigit })
        #expect(hello.alpn.count == 2 && hello.supportedGroups == [0x1A1A, 0x1D, 0x17] && hello.pointFormats == [0])
    }

    @Test func ja4WithoutSNIALPNOrSignatureAlgorithms() throws {
        let hello = try #require(Self.parse(Self.clientHello(ciphers: [0x002F], extensions: [Self.ext(0x0017, [])])))
        // No SNI: "i"; no ALPN: "00"; no signature algorithms: the extension list hashed alone.
        let ja4 = hello.ja4(transport: "t")
        #expect(ja4.hasPrefix("t12i010100_"))
        let none = try #require(Self.parse(Self.clientHello(ciphers: [], extensions: [])))
        #expect(none.ja4(transport: "t") == "t12i000000_000000000000_000000000000")
    }

    /// A ServerHello handshake message.
    static func serverHello(version: Int = 0x0303, sessionID: [UInt8], cipher: Int, extensions: [[UInt8]],
                            random: [UInt8] = Array(repeating: 9, count: 32)) -> [UInt8] {
        var body = u16(version) + random + [UInt8(sessionID.count)] + sessionID + u16(cipher) + [0]
        let all = extensions.flatMap { $0 }
        body += u16(all.count) + all
        return [2, 0, UInt8(body.count >> 8), UInt8(body.count & 0xFF)] + body
    }

    @Test func serverHelloGivesVersionCipherGroupAndResumption() throws {
        let id = Array(repeating: UInt8(3), count: 32)
        let bytes = Self.serverHello(sessionID: id, cipher: 0x1301, extensions: [
            Self.ext(0x002B, Self.u16(0x0304)), Self.ext(0x0033, Self.u16(0x001D) + Self.u16(32) + Array(repeating: 1, count: 32)),
            Self.ext(0x0029, Self.u16(0)),
        ])
        let hello = try #require(bytes.withUnsafeBytes { TLSServerHello.parse(FrameBytes($0)) })
        #expect(hello.version == 0x0304 && hello.isTLS13 && hello.cipherSuite == 0x1301)
        #expect(hello.keyShareGroup == 0x1D && hello.acceptedPSK && hello.sessionID == id && !hello.isHelloRetryRequest)
        #expect(TLSNames.version(hello.version) == "TLSv13" && TLSNames.group(0x1D) == "x25519")
        #expect(TLSCipherSuiteNames.name(0x1301) == "TLS_AES_128_GCM_SHA256" && TLSCipherSuiteNames.name(0x5A5A) == "unknown-23130")
    }

    @Test func helloRetryRequestIsRecognised() throws {
        let random: [UInt8] = [0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
                               0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C]
        let bytes = Self.serverHello(sessionID: [], cipher: 0x1302, extensions: [Self.ext(0x002B, Self.u16(0x0304))], random: random)
        #expect(bytes.withUnsafeBytes { TLSServerHello.parse(FrameBytes($0)) }?.isHelloRetryRequest == true)
    }

    @Test func truncatedOrLyingHellosNeverTrap() {
        let server = Self.serverHello(sessionID: [1, 2], cipher: 0xC02F, extensions: [Self.ext(0x0010, Self.u16(3) + [2, 0x68, 0x32])])
        let client = Self.clientHello(ciphers: [0x1301], extensions: [Self.ext(0x000A, Self.u16(200) + [0, 0x1D])])
        for message in [server, client] {
            for cut in 0...message.count {
                let part = Array(message.prefix(cut))
                _ = part.withUnsafeBytes { TLSServerHello.parse(FrameBytes($0)) }
                if let h = part.withUnsafeBytes({ TLSClientHello.parse(FrameBytes($0)) }) { _ = (h.ja3, h.ja4(transport: "t")) }
            }
        }
        #expect(server.withUnsafeBytes { TLSServerHello.parse(FrameBytes($0)) }?.alpn == Array("h2".utf8))
        #expect(Self.parse(client)?.supportedGroups == [0x1D], "a list length past its extension is cut at the extension")
    }
}
