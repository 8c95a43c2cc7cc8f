import Crypto
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
        var input: [UInt8] = []
        input.reserveCapacity(40)
        input.append(UInt8(seed >> 8)); input.append(UInt8(seed & 0xff))
        append(a, to: &input)
        append(b, to: &input)
        input.append(proto)
        input.append(0)
        switch proto {
        case 1, 6, 17, 58, 132:
            input.append(UInt8(sport >> 8)); input.append(UInt8(sport & 0xff))
            input.append(UInt8(dport >> 8)); input.append(UInt8(dport & 0xff))
        default:
            break
        }
        let digest = Insecure.SHA1.hash(data: input)
        return "1:" + base64(digest.withUnsafeBytes { Array($0) })
    }

    /// Zeek's ICMP "ports": the type and its counterpart type for request/response pairs,
    /// else the type and the code, and then the flow is one-way.
    public static func icmpPorts(type: UInt8, code: UInt8, version6: Bool) -> (UInt16, UInt16, oneWay: Bool) {
        let pairs: [(UInt8, UInt8)] = version6
            ? [(128, 129), (130, 131), (133, 134), (135, 136), (139, 140), (144, 145)]
            : [(8, 0), (13, 14), (15, 16), (10, 9), (17, 18)]
        for (x, y) in pairs {
            if type == x { return (UInt16(x), UInt16(y), false) }
            if type == y { return (UInt16(y), UInt16(x), false) }
        }
        return (UInt16(type), UInt16(code), true)
    }

    static func append(_ address: IPAddress, to out: inout [UInt8]) {
        if address.isIPv4 {
            let v = address.ipv4
            out += [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
        } else {
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((address.high >> UInt64(shift)) & 0xff)) }
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((address.low >> UInt64(shift)) & 0xff)) }
        }
    }

    static let base64Alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    static func base64(_ bytes: [UInt8]) -> String {
        let table = base64Alphabet.utf8Start
        let pad = UInt8(ascii: "=")
        let length = (bytes.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: length) { out in
            var i = 0, o = 0
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
