import Config
import Crypto
import Foundation

/// Which endpoint a bearer token belongs to. The configuration holds only SHA-256 digests of
/// the tokens; a presented token is hashed and compared in constant time against each.
public struct TokenAuthority: Sendable {
    private let digests: [(endpoint: String, digest: [UInt8])]

    public init(_ tokens: [SensorSettings.Token]) {
        digests = tokens.compactMap { t in Self.bytes(hex: t.sha256).map { (t.endpoint, $0) } }
    }

    public var isEmpty: Bool { digests.isEmpty }

    /// The endpoint whose token this is, nil for an unknown token.
    public func endpoint(token: String) -> String? {
        let presented = Array(SHA256.hash(data: Array(token.utf8)))
        var found: String?
        for (endpoint, digest) in digests where Self.equal(presented, digest) { found = endpoint }
        return found
    }

    /// A new random token and its digest (`quietwire token`).
    public static func make() -> (token: String, sha256: String) {
        var rng = SystemRandomNumberGenerator()
        let token = "qwt_" + (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
        return (token, digest(token))
    }

    /// SHA-256 of `text` in lowercase hex.
    public static func digest(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var d: UInt8 = 0
        for i in a.indices { d |= a[i] ^ b[i] }
        return d == 0
    }

    static func bytes(hex: String) -> [UInt8]? {
        let u = Array(hex.utf8)
        guard u.count == 64 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var out: [UInt8] = []
        for i in stride(from: 0, to: 64, by: 2) {
            guard let h = nibble(u[i]), let l = nibble(u[i + 1]) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }
}
