import SensorCore

/// Community ID v1 (corelight/community-id-spec): "1:" + base64(SHA-1(seed, ordered tuple)).
/// Held as the 20-byte digest and written as text only where a row needs it: the text is
/// 30 bytes, too long to sit inside a String, so a String per flow was an allocation per flow.
public struct CommunityID: Hashable, Sendable, CustomStringConvertible {
    /// The SHA-1 digest as big-endian words: bytes 0-7, 8-15 and 16-19.
    public var high: UInt64
    public var middle: UInt64
    public var low: UInt32

    public init(high: UInt64, middle: UInt64, low: UInt32) {
        self.high = high
        self.middle = middle
        self.low = low
    }

    /// Bytes of the text form: "1:" and 28 base64 characters.
    public static let textLength = 30

    /// The text form, "1:" + base64 of the digest.
    public var description: String {
        String(unsafeUninitializedCapacity: CommunityID.textLength) { write(to: $0.baseAddress!) }
    }

    /// Writes the text form's `textLength` bytes at `out`; returns the count.
    @discardableResult
    public func write(to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "1")
        out[1] = UInt8(ascii: ":")
        // Base64 (RFC 4648 section 4) of 20 bytes: six groups of three, then two bytes and a pad.
        let first = high, second = middle
        CommunityID.base64(UInt32(truncatingIfNeeded: first >> 40), characters: 4, to: out + 2)
        CommunityID.base64(UInt32(truncatingIfNeeded: first >> 16) & 0xFF_FFFF, characters: 4, to: out + 6)
        CommunityID.base64(UInt32(truncatingIfNeeded: first << 8 | second >> 56) & 0xFF_FFFF, characters: 4, to: out + 10)
        CommunityID.base64(UInt32(truncatingIfNeeded: second >> 32) & 0xFF_FFFF, characters: 4, to: out + 14)
        CommunityID.base64(UInt32(truncatingIfNeeded: second >> 8) & 0xFF_FFFF, characters: 4, to: out + 18)
        CommunityID.base64(UInt32(truncatingIfNeeded: second << 16) & 0xFF_0000 | low >> 16, characters: 4, to: out + 22)
        CommunityID.base64((low & 0xFFFF) << 8, characters: 3, to: out + 26)
        out[29] = UInt8(ascii: "=")
        return CommunityID.textLength
    }

    /// The first `characters` base64 digits of the 24-bit group `n`.
    @inline(__always)
    private static func base64(_ n: UInt32, characters: Int, to out: UnsafeMutablePointer<UInt8>) {
        let table = base64Alphabet.utf8Start
        for k in 0..<characters { out[k] = table[Int(n >> UInt32(18 - 6 * k) & 63)] }
    }

    /// The ID of a flow seen from `source`; the tuple is ordered as the spec says.
    public static func compute(source: IPAddress, sourcePort: UInt16, destination: IPAddress,
                               destinationPort: UInt16, proto: UInt8, seed: UInt16 = 0) -> CommunityID {
        var sport = sourcePort, dport = destinationPort
        var oneWay = false
        if proto == 1 || proto == 58 {
            // Flow ports for ICMP are the type and its counterpart (or the code, one-way).
            (sport, dport, oneWay) = icmpPorts(type: UInt8(truncatingIfNeeded: sourcePort),
                                               code: UInt8(truncatingIfNeeded: destinationPort), version6: proto == 58)
        }
        var a = source, b = destination
        if !oneWay && (b < a || (a == b && dport < sport)) {
            swap(&a, &b)
            swap(&sport, &dport)
        }
        // Seed, addresses, protocol, padding, ports: at most 2 + 32 + 2 + 4 bytes, on the stack
        // (once per flow, so no allocation).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { input in
            var n = 0
            func put(_ byte: UInt8) { input[n] = byte; n += 1 }
            func put(_ address: IPAddress) {
                if address.isIPv4 {
                    let v = address.ipv4
                    for shift in stride(from: 24, through: 0, by: -8) { put(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
                } else {
                    for shift in stride(from: 56, through: 0, by: -8) { put(UInt8(truncatingIfNeeded: address.high >> UInt64(shift))) }
                    for shift in stride(from: 56, through: 0, by: -8) { put(UInt8(truncatingIfNeeded: address.low >> UInt64(shift))) }
                }
            }
            put(UInt8(seed >> 8)); put(UInt8(seed & 0xff))
            put(a)
            put(b)
            put(proto)
            put(0)
            switch proto {
            case 1, 6, 17, 58, 132:
                put(UInt8(sport >> 8)); put(UInt8(sport & 0xff))
                put(UInt8(dport >> 8)); put(UInt8(dport & 0xff))
            default:
                break
            }
            let (high, middle, low) = SHA1.digest(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(input)[0..<n]))
            return CommunityID(high: high, middle: middle, low: low)
        }
    }

    /// Zeek's ICMP "ports": the type and its counterpart type for request/response pairs,
    /// else the type and the code, and then the flow is one-way.
    public static func icmpPorts(type: UInt8, code: UInt8, version6: Bool) -> (UInt16, UInt16, oneWay: Bool) {
        // Per packet for ICMP flow keys: a switch, not a table to search.
        let counterpart: UInt8?
        if version6 {
            switch type {
            case 128, 130, 133, 135, 139, 144: counterpart = type + 1
            case 129, 131, 134, 136, 140, 145: counterpart = type - 1
            default: counterpart = nil
            }
        } else {
            switch type {
            case 8: counterpart = 0
            case 0: counterpart = 8
            case 13, 15, 17: counterpart = type + 1
            case 14, 16, 18: counterpart = type - 1
            case 10: counterpart = 9
            case 9: counterpart = 10
            default: counterpart = nil
            }
        }
        guard let counterpart else { return (UInt16(type), UInt16(code), true) }
        return (UInt16(type), UInt16(counterpart), false)
    }

    static let base64Alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
}
