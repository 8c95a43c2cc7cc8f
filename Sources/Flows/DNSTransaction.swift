import AppProtocols
import SensorCore

/// One DNS query with its response, or either alone, as a dns.log row describes it
/// (Zeek's `DNS::Info`). Optional fields are unset in the log when nil. Names and answers are
/// wire bytes (lower-cased ASCII); writers escape them.
public struct DNSTransaction: Sendable, Equatable {
    /// Time of the message that opened the transaction (the query, or an unmatched response).
    public var start: Timestamp
    /// The flow that carried it (TCP or UDP).
    public var connection: ConnectionID
    public var transactionID: UInt16
    /// Response time minus query time, in nanoseconds; set by the first answer record.
    public var rtt: Int64?
    public var query: [UInt8]?
    public var qclass: UInt16?
    public var qtype: UInt16?
    /// RCODE of the response (extended by EDNS when present); nil when no response was seen.
    public var rcode: UInt16?
    /// AA and RA come from a response that carried answers; TC, RD and Z from the query.
    public var authoritative = false
    public var truncated = false
    public var recursionDesired = false
    public var recursionAvailable = false
    /// The three bits after RA (Z, AD, CD; RFC 1035 section 4.1.1, RFC 4035 section 3.2).
    public var z: UInt8 = 0
    /// The answer section's records rendered as Zeek renders them, with their TTLs in seconds.
    public var answers: [[UInt8]]? = nil
    public var ttls: [UInt32]? = nil
    /// The response refused to answer: an error RCODE without a question, or no records at all.
    public var rejected = false
    public var opcode: UInt8 = 0

    var sawQuery = false
    var sawResponse = false

    /// Zeek's names for QCLASS values (`DNS::classes`).
    public static func className(_ c: UInt16) -> String {
        switch c {
        case 1: "C_INTERNET"
        case 2: "C_CSNET"
        case 3: "C_CHAOS"
        case 4: "C_HESIOD"
        case 254: "C_NONE"
        case 255: "C_ANY"
        default: "unknown-\(c)"
        }
    }

    /// Zeek's names for RCODE values (`DNS::base_errors`).
    public static func rcodeName(_ r: UInt16) -> String {
        let names = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
                     "NXRRSET", "NOTAUTH", "NOTZONE", "unassigned-11", "unassigned-12", "unassigned-13",
                     "unassigned-14", "unassigned-15", "BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME",
                     "BADALG", "BADTRUNC", "BADCOOKIE"]
        return Int(r) < names.count ? names[Int(r)] : "unknown-\(r)"
    }

    /// Zeek's names for opcodes (`DNS::opcodes`).
    public static func opcodeName(_ o: UInt8) -> String {
        switch o {
        case 0: "query"
        case 1: "iquery"
        case 2: "status"
        case 4: "notify"
        case 5: "dynamic-update"
        case 6: "dso"
        default: "unknown-\(o)"
        }
    }

    /// Zeek's names for QTYPE values (`DNS::query_types`).
    public static func typeName(_ t: UInt16) -> String {
        switch t {
        case 1: "A"
        case 2: "NS"
        case 3: "MD"
        case 4: "MF"
        case 5: "CNAME"
        case 6: "SOA"
        case 7: "MB"
        case 8: "MG"
        case 9: "MR"
        case 10: "NULL"
        case 11: "WKS"
        case 12: "PTR"
        case 13: "HINFO"
        case 14: "MINFO"
        case 15: "MX"
        case 16: "TXT"
        case 17: "RP"
        case 18: "AFSDB"
        case 19: "X25"
        case 20: "ISDN"
        case 21: "RT"
        case 22: "NSAP"
        case 23: "NSAP-PTR"
        case 24: "SIG"
        case 25: "KEY"
        case 26: "PX"
        case 27: "GPOS"
        case 28: "AAAA"
        case 29: "LOC"
        case 30: "NXT"
        case 31: "EID"
        case 32: "NIMLOC"
        case 33: "SRV"
        case 34: "ATMA"
        case 35: "NAPTR"
        case 36: "KX"
        case 37: "CERT"
        case 38: "A6"
        case 39: "DNAME"
        case 40: "SINK"
        case 41: "OPT"
        case 42: "APL"
        case 43: "DS"
        case 44: "SSHFP"
        case 45: "IPSECKEY"
        case 46: "RRSIG"
        case 47: "NSEC"
        case 48: "DNSKEY"
        case 49: "DHCID"
        case 50: "NSEC3"
        case 51: "NSEC3PARAM"
        case 52: "TLSA"
        case 53: "SMIMEA"
        case 55: "HIP"
        case 59: "CDS"
        case 60: "CDNSKEY"
        case 61: "OPENPGPKEY"
        case 62: "CSYNC"
        case 63: "ZONEMD"
        case 64: "SVCB"
        case 65: "HTTPS"
        case 99: "SPF"
        case 100: "UINFO"
        case 101: "UID"
        case 102: "GID"
        case 103: "UNSPEC"
        case 108: "EUI48"
        case 109: "EUI64"
        case 249: "TKEY"
        case 250: "TSIG"
        case 251: "IXFR"
        case 252: "AXFR"
        case 253: "MAILB"
        case 254: "MAILA"
        case 255: "*"
        case 256: "URI"
        case 257: "CAA"
        case 32768: "TA"
        case 32769: "DLV"
        case 65422: "XPF"
        case 65521: "INTEGRITY"
        default: "query-\(t)"
        }
    }

    /// The answer string Zeek's DNS script logs for a record, or nil for a type it logs nothing
    /// for (the record then leaves the transaction untouched, as in Zeek).
    static func render(_ r: DNSRecord) -> [UInt8]? {
        func text(_ s: String) -> [UInt8] { Array(s.utf8) }
        switch r.data {
        case .address(let a):
            var out: [UInt8] = []
            a.appendText(to: &out)
            return out
        case .name(let n): return n.lowercasedDotted
        case .mailExchange(_, let exchange): return exchange.lowercasedDotted
        case .service(_, _, _, let target): return target.lowercasedDotted
        case .authority(let primary, _, _, _): return primary.lowercasedDotted
        case .text(let strings):
            let tag = r.type == 99 ? "SPF" : "TXT"
            var out: [UInt8] = []
            for (i, s) in strings.enumerated() {
                if i > 0 { out.append(UInt8(ascii: " ")) }
                out += text("\(tag) \(s.count) ")
                out += s
            }
            return out
        case .signature(let covered, let signer):
            return text("RRSIG \(covered) ") + (signer.isRoot ? text("<Root>") : signer.lowercasedDotted)
        case .key(let algorithm): return text("DNSKEY \(algorithm)")
        case .nextSecure(let next): return text("NSEC ") + r.name.lowercasedDotted + [UInt8(ascii: " ")] + next.lowercasedDotted
        case .delegationSigner(let algorithm, let digestType): return text("DS \(algorithm) \(digestType)")
        case .sshFingerprint(let bytes):
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            return text("SSHFP: ") + bytes.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0xF)]] }
        case .options, .serviceBinding, .malformed:
            return nil
        case .other:
            switch r.type {
            case 11: return []                       // WKS: counted, nothing written
            case 50: return text("NSEC3")
            case 51: return text("NSEC3PARAM")
            case 65534: return text("BIND9 signing signal")
            case 13, 29, 249, 250, 257: return nil   // HINFO, LOC, TKEY, TSIG, CAA: not logged
            default: return text("<unknown type=\(r.type)>")
            }
        }
    }
}
