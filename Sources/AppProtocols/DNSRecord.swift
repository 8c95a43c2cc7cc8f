import SensorCore

/// A resource record (RFC 1035 section 4.1.3) with its RDATA decoded for the types flows use.
public struct DNSRecord: Sendable, Equatable {
    public var name: DNSName
    public var type: UInt16
    /// CLASS (for OPT: the requester's UDP payload size).
    public var rclass: UInt16
    /// TTL in seconds (for OPT: extended RCODE, version and flags).
    public var ttl: UInt32
    public var data: DNSRecordData

    static func read(_ b: FrameBytes, at start: Int) -> (DNSRecord, Int)? {
        guard let (name, o) = DNSName.read(b, at: start), b.count - o >= 10 else { return nil }
        let type = b.be16(o), rclass = b.be16(o + 2), ttl = b.be32(o + 4)
        let length = Int(b.be16(o + 8))
        let r = o + 10
        guard b.count - r >= length else { return nil }
        let data = DNSRecordData.decode(b, type: type, range: r ..< r + length)
        return (DNSRecord(name: name, type: type, rclass: rclass, ttl: ttl, data: data), r + length)
    }
}

/// Decoded RDATA. Types not listed keep only their length.
public enum DNSRecordData: Sendable, Equatable {
    case address(IPAddress)                       // A, AAAA
    case name(DNSName)                            // CNAME, NS, PTR, DNAME
    case mailExchange(preference: UInt16, exchange: DNSName)
    case text([[UInt8]])                          // TXT, SPF
    case service(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    case authority(primary: DNSName, mailbox: DNSName, serial: UInt32, minimum: UInt32)
    /// OPT (RFC 6891): EDNS client subnet (RFC 7871) when present.
    case options(clientSubnet: String?)
    /// SVCB/HTTPS (RFC 9460): priority, target, ALPN ids, address hints, ECH present.
    case serviceBinding(priority: UInt16, target: DNSName, alpn: [[UInt8]], hints: [IPAddress], ech: Bool)
    /// RRSIG (RFC 4034 section 3.1): the type covered and the signer's name.
    case signature(typeCovered: UInt16, signer: DNSName)
    /// DNSKEY (RFC 4034 section 2.1): the algorithm.
    case key(algorithm: UInt8)
    /// NSEC (RFC 4034 section 4.1): the next owner name.
    case nextSecure(DNSName)
    /// DS (RFC 4034 section 5.1): algorithm and digest type.
    case delegationSigner(algorithm: UInt8, digestType: UInt8)
    /// SSHFP (RFC 4255 section 3.1): the fingerprint's bytes.
    case sshFingerprint([UInt8])
    /// NULL and anything else: the RDATA length.
    case other(length: Int)
    /// RDATA that did not parse as its type says.
    case malformed

    static func decode(_ b: FrameBytes, type: UInt16, range: Range<Int>) -> DNSRecordData {
        let o = range.lowerBound, n = range.count
        switch type {
        case 1:
            return n == 4 ? .address(IPAddress(ipv4: b.be32(o))) : .malformed
        case 28:
            return n == 16 ? .address(IPAddress(ipv6High: b.be64(o), low: b.be64(o + 8))) : .malformed
        case 2, 5, 12, 39:
            guard let (name, end) = DNSName.read(b, at: o), end <= range.upperBound else { return .malformed }
            return .name(name)
        case 15:
            guard n >= 3, let (name, end) = DNSName.read(b, at: o + 2), end <= range.upperBound else { return .malformed }
            return .mailExchange(preference: b.be16(o), exchange: name)
        case 16, 99:
            var strings: [[UInt8]] = []
            var p = o
            while p < range.upperBound && strings.count < 64 {
                let length = Int(b.u8(p))
                guard range.upperBound - (p + 1) >= length else { return .malformed }
                strings.append((0..<length).map { b.u8(p + 1 + $0) })
                p += 1 + length
            }
            return .text(strings)
        case 33:
            guard n >= 7, let (target, end) = DNSName.read(b, at: o + 6), end <= range.upperBound else { return .malformed }
            return .service(priority: b.be16(o), weight: b.be16(o + 2), port: b.be16(o + 4), target: target)
        case 6:
            guard let (primary, a) = DNSName.read(b, at: o), let (mailbox, c) = DNSName.read(b, at: a),
                  range.upperBound - c >= 20 else { return .malformed }
            return .authority(primary: primary, mailbox: mailbox, serial: b.be32(c), minimum: b.be32(c + 16))
        case 41:
            var p = o
            var subnet: String? = nil
            while range.upperBound - p >= 4 {
                let code = b.be16(p), length = Int(b.be16(p + 2))
                guard range.upperBound - (p + 4) >= length else { return .malformed }
                if code == 8 && length >= 4 {  // client subnet: family, source prefix, scope, address
                    let family = b.be16(p + 4), prefix = Int(b.u8(p + 6))
                    var bytes = [UInt8](repeating: 0, count: family == 1 ? 4 : 16)
                    for k in 0..<min(length - 4, bytes.count) { bytes[k] = b.u8(p + 8 + k) }
                    let address: IPAddress
                    if family == 1 {
                        address = IPAddress(ipv4: bytes.reduce(0) { $0 << 8 | UInt32($1) })
                    } else {
                        address = IPAddress(ipv6High: bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) },
                                            low: bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) })
                    }
                    subnet = "\(address)/\(prefix)"
                }
                p += 4 + length
            }
            return .options(clientSubnet: subnet)
        case 64, 65:
            guard n >= 3, let (target, end) = DNSName.read(b, at: o + 2), end <= range.upperBound else { return .malformed }
            var p = end
            var alpn: [[UInt8]] = [], hints: [IPAddress] = [], ech = false
            var params = 0
            while range.upperBound - p >= 4 && params < 64 {
                params += 1
                let key = b.be16(p), length = Int(b.be16(p + 2))
                let v = p + 4
                guard range.upperBound - v >= length else { return .malformed }
                switch key {
                case 1:  // alpn: length-prefixed ids
                    var q = v
                    while q < v + length && alpn.count < 16 {
                        let l = Int(b.u8(q))
                        guard v + length - (q + 1) >= l else { return .malformed }
                        alpn.append((0..<l).map { b.u8(q + 1 + $0) })
                        q += 1 + l
                    }
                case 4:
                    for k in stride(from: 0, to: length - length % 4, by: 4) { hints.append(IPAddress(ipv4: b.be32(v + k))) }
                case 5:
                    ech = true
                case 6:
                    for k in stride(from: 0, to: length - length % 16, by: 16) {
                        hints.append(IPAddress(ipv6High: b.be64(v + k), low: b.be64(v + k + 8)))
                    }
                default:
                    break
                }
                p = v + length
            }
            return .serviceBinding(priority: b.be16(o), target: target, alpn: alpn, hints: hints, ech: ech)
        case 46:
            // Type covered, algorithm, labels, original TTL, expiration, inception, key tag, signer.
            guard n >= 19, let (signer, end) = DNSName.read(b, at: o + 18), end <= range.upperBound else { return .malformed }
            return .signature(typeCovered: b.be16(o), signer: signer)
        case 48:
            return n >= 4 ? .key(algorithm: b.u8(o + 3)) : .malformed
        case 47:
            guard let (next, end) = DNSName.read(b, at: o), end <= range.upperBound else { return .malformed }
            return .nextSecure(next)
        case 43:
            return n >= 4 ? .delegationSigner(algorithm: b.u8(o + 2), digestType: b.u8(o + 3)) : .malformed
        case 44:
            return n >= 2 ? .sshFingerprint((2..<n).map { b.u8(o + $0) }) : .malformed
        default:
            return .other(length: n)
        }
    }
}
