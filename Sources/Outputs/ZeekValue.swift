import Flows
import SensorCore

/// One column value of a Zeek log row, typed as Zeek types it. Strings from the wire are
/// bytes: the log escapes them (TSV: `\xHH`, JSON: RFC 8259), so no packet can break a row.
public enum ZeekValue {
    case time(Timestamp)
    /// Nanoseconds, written as seconds with six decimals.
    case interval(Int64)
    case string([UInt8])
    /// Text QuietWire made itself (enum names, labels): written as is.
    case text(String)
    case address(IPAddress)
    case count(UInt64)
    /// A double with two decimals ("7.52").
    case hundredths(Double)
    case bool(Bool)
    case strings([[UInt8]])
    case intervals([Int64])
    case unset

    var isUnset: Bool {
        if case .unset = self { return true }
        return false
    }

    /// The `uid` and `id.*` columns of a row about `c`.
    public static func connection(_ c: ConnectionID) -> [ZeekValue] {
        [.text(c.uid), .address(c.originator), .count(UInt64(c.originatorPort)), .address(c.responder), .count(UInt64(c.responderPort))]
    }

    /// A value or unset.
    public static func optional<T>(_ value: T?, _ make: (T) -> ZeekValue) -> ZeekValue {
        value.map(make) ?? .unset
    }

    func appendTSV(to log: ZeekLogFile) {
        let out = log.out
        switch self {
        case .time(let t): log.appendMicros(t.nanoseconds)
        case .interval(let ns): log.appendMicros(ns)
        case .string(let bytes): ZeekTSV.appendEscaped(bytes, to: out)
        case .text(let s): ZeekTSV.appendEscaped(s.utf8, to: out)
        case .address(let a): out.append(a)
        case .count(let n): out.appendDecimal(n)
        case .hundredths(let v): log.appendHundredths(v)
        case .bool(let b): out.append(UInt8(ascii: b ? "T" : "F"))
        case .strings(let list):
            if list.isEmpty { out.append("(empty)" as StaticString) }
            for (k, s) in list.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                ZeekTSV.appendEscaped(s, inSet: true, to: out)
            }
        case .intervals(let list):
            if list.isEmpty { out.append("(empty)" as StaticString) }
            for (k, ns) in list.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                log.appendMicros(ns)
            }
        case .unset: out.append(UInt8(ascii: "-"))
        }
    }

    func appendJSON(to log: ZeekLogFile) {
        let out = log.out
        switch self {
        case .time(let t): log.appendMicros(t.nanoseconds)
        case .interval(let ns): log.appendMicros(ns)
        case .string(let bytes): JSONText.appendString(bytes, to: out)
        case .text(let s): JSONText.appendString(s, to: out)
        case .address(let a): out.append(UInt8(ascii: "\"")); out.append(a); out.append(UInt8(ascii: "\""))
        case .count(let n): out.appendDecimal(n)
        case .hundredths(let v): log.appendHundredths(v)
        case .bool(let b): out.append(b ? "true" : "false")
        case .strings(let list):
            out.append(UInt8(ascii: "["))
            for (k, s) in list.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                JSONText.appendString(s, to: out)
            }
            out.append(UInt8(ascii: "]"))
        case .intervals(let list):
            out.append(UInt8(ascii: "["))
            for (k, ns) in list.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                log.appendMicros(ns)
            }
            out.append(UInt8(ascii: "]"))
        case .unset: out.append("null" as StaticString)
        }
    }
}
