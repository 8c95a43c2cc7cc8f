import SensorCore

/// Community ID v1 (corelight/community-id-spec): "1:" + base64(SHA-1(seed, ordered tuple)).
public enum CommunityID {
    /// The ID of a flow seen from `source`; the tuple is ordered as the spec says.
    public static func compute(source: IPAddress, sourcePort: UInt16, destination: IPAddress,
                               destinationPort: UInt16, proto: UInt8, seed: UInt16 = 0) -> String {
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
        // (once per flow, so no allocation but the result's).
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
            let digest = (high.bigEndian, middle.bigEndian, low.bigEndian)
            return withUnsafeBytes(of: digest) { raw in
                base64(UnsafeRawBufferPointer(rebasing: raw[0..<20]).assumingMemoryBound(to: UInt8.self), prefix: "1:")
            }
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

    /// `prefix` then the standard base64 of `bytes` (RFC 4648 section 4), in one allocation.
    static func base64(_ bytes: UnsafeBufferPointer<UInt8>, prefix: StaticString = "") -> String {
        let table = base64Alphabet.utf8Start
        let pad = UInt8(ascii: "=")
        let length = prefix.utf8CodeUnitCount + (bytes.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: length) { out in
            var i = 0, o = prefix.utf8CodeUnitCount
            for k in 0..<o { out[k] = prefix.utf8Start[k] }
            while i < bytes.count {
                let b0 = UInt32(bytes[i])
                let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
                let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
                let n = b0 << 16 | b1 << 8 | b2
                out[o] = table[Int(n >> 18 & 63)]
                out[o + 1] = table[Int(n >> 12 & 63)]
                out[o + 2] = i + 1 < bytes.count ? table[Int(n >> 6 & 63)] : pad
                out[o + 3] = i + 2 < bytes.count ? table[Int(n & 63)] : pad
                i += 3
                o += 4
            }
            return length
        }
    }
}
