import Crypto
@testable import Flows
import Testing

/// The flow table's own SHA-1 (for Community IDs) against FIPS 180-4's examples and, at every
/// length across the padding boundaries, against swift-crypto: the Swift compression always,
/// and the CPU's SHA instructions where it has them.
@Suite("SHA-1")
struct SHA1Tests {
    static let paths = SHA1.hardwareAvailable ? [false, true] : [false]

    static func hex(_ message: [UInt8], hardware: Bool) -> String {
        let (a, b, c) = message.withUnsafeBytes { SHA1.digest($0, hardware: hardware) }
        func word(_ v: UInt64, _ digits: Int) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: digits - s.count) + s
        }
        return word(a, 16) + word(b, 16) + word(UInt64(c), 8)
    }

    @Test(arguments: paths)
    func matchesTheStandardsExamples(hardware: Bool) {
        #expect(Self.hex(Array("abc".utf8), hardware: hardware) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(Self.hex([], hardware: hardware) == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(Self.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8), hardware: hardware)
            == "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        // A million "a"s: 15,625 blocks through one call.
        #expect(Self.hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000), hardware: hardware)
            == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test(arguments: paths)
    func matchesSwiftCryptoAtEveryLengthUpTo200(hardware: Bool) {
        var generator = SystemRandomNumberGenerator()
        for length in 0...200 {
            let message = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let expected = Insecure.SHA1.hash(data: message).map { b in
                (b < 16 ? "0" : "") + String(b, radix: 16)
            }.joined()
            #expect(Self.hex(message, hardware: hardware) == expected, "length \(length)")
        }
    }
}
