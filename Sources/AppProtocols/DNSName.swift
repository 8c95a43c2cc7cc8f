import SensorCore

/// A domain name as its labels' bytes (not lower-cased; wire bytes may be anything), held as
/// one array of length-prefixed labels, as on the wire without the root: one allocation per
/// name, where an array per label cost four for "www.example.com".
public struct DNSName: Sendable, Equatable, Hashable {
    /// Each label as its length byte, then its bytes.
    public private(set) var encoded: [UInt8]
    /// The name is longer than 255 bytes (RFC 1035 section 3.1), or its compression pointers
    /// loop or chain past the limit; its labels are dropped and the message goes on being parsed.
    public var tooLong = false

    public static let maximumWireLength = 255
    public static let maximumLabels = 127
    public static let maximumPointers = 32
    /// Labels walked at most, even past the length limit (bounds the walk of a hostile name).
    static let maximumWalkedLabels = 512

    init(encoded: [UInt8], tooLong: Bool) {
        self.encoded = encoded
        self.tooLong = tooLong
    }

    /// The labels, in order (an array each; for tests and rare uses).
    public var labels: [[UInt8]] {
        var out: [[UInt8]] = []
        forEachLabel { out.append(Array($0)) }
        return out
    }

    /// True for the root (no labels), and for a name whose labels were dropped.
    public var isRoot: Bool { encoded.isEmpty }

    /// Calls `body` with each label's bytes, in order.
    public func forEachLabel(_ body: (ArraySlice<UInt8>) -> Void) {
        var i = 0
        while i < encoded.count {
            let length = Int(encoded[i])
            let end = min(encoded.count, i + 1 + length)
            body(encoded[(i + 1)..<end])
            i = end
        }
    }

    /// Reads the name at `start`, following compression pointers (RFC 1035 section 4.1.4).
    /// Returns the name and the offset just past it in the message (past the first pointer).
    public static func read(_ b: FrameBytes, at start: Int) -> (DNSName, Int)? {
        var encoded: [UInt8] = []
        var o = start
        var end: Int? = nil
        var pointers = 0
        var wire = 0
        var lowestJump = start
        var walked = 0
        while true {
            guard o >= 0, o < b.count else { return nil }
            let length = Int(b.u8(o))
            if length == 0 {
                let tooLong = wire >= maximumWireLength
                return (DNSName(encoded: tooLong ? [] : encoded, tooLong: tooLong), end ?? o + 1)
            }
            switch length & 0xC0 {
            case 0xC0:
                guard o + 1 < b.count else { return nil }
                let target = (length & 0x3F) << 8 | Int(b.u8(o + 1))
                // Each pointer must go strictly before every position already visited, so loops
                // cannot form. A chain that breaks the rule or runs past the pointer limit makes
                // the name unreadable, but its end in the message is known (after its first
                // pointer), so the records that follow are still parsed.
                guard target < lowestJump, pointers < maximumPointers else {
                    let next = end ?? o + 2
                    return (DNSName(encoded: [], tooLong: true), next)
                }
                if end == nil { end = o + 2 }
                pointers += 1
                lowestJump = target
                o = target
            case 0x00:
                wire += length + 1
                walked += 1
                guard walked < maximumWalkedLabels, b.count - (o + 1) >= length else { return nil }
                if wire < maximumWireLength {
                    if encoded.isEmpty { encoded.reserveCapacity(64) }
                    encoded.append(UInt8(length))
                    for k in 0..<length { encoded.append(b.u8(o + 1 + k)) }
                }
                o += 1 + length
            default:
                return nil  // 0x40 and 0x80 label types are obsolete or reserved (RFC 6891 section 5)
            }
        }
    }

    /// Dotted text as tshark prints it ("www.example.com", "<Root>" for the root); bytes outside
    /// printable ASCII, and '.' or '\\' inside a label, are escaped as \\DDD (RFC 4343 section 2.1).
    public var text: String {
        if tooLong { return "<Name too long>" }
        if encoded.isEmpty { return "<Root>" }
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count + 8)
        var first = true
        forEachLabel { label in
            if !first { out.append(UInt8(ascii: ".")) }
            first = false
            for c in label {
                if c < 0x21 || c > 0x7e || c == UInt8(ascii: ".") || c == UInt8(ascii: "\\") {
                    out.append(UInt8(ascii: "\\"))
                    out.append(contentsOf: Array(String(format3(c)).utf8))
                } else {
                    out.append(c)
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The labels' bytes joined by '.', lower-cased (ASCII), as Zeek logs names: no escaping
    /// here, the log writer escapes. The root is empty.
    public var lowercasedDotted: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encoded.count)
        var first = true
        forEachLabel { label in
            if !first { out.append(UInt8(ascii: ".")) }
            first = false
            for c in label { out.append(c >= 0x41 && c <= 0x5A ? c | 0x20 : c) }
        }
        return out
    }

    private func format3(_ c: UInt8) -> String {
        let s = String(c)
        return String(repeating: "0", count: 3 - s.count) + s
    }
}
