/// Zeek's TSV value escaping: bytes outside printable ASCII, the separator (tab), the set
/// separator (,) inside set elements, and backslash are written as `\xHH`, so no value from
/// the wire can break a line or a column. An empty string is `(empty)`; unset is `-`.
public enum ZeekTSV {
    public static func appendEscaped<C: Collection>(_ bytes: C, inSet: Bool = false, to out: OutputBuffer) where C.Element == UInt8 {
        // Contiguous bytes (native strings, arrays) are checked in place: most values need no escape.
        let done: Bool? = bytes.withContiguousStorageIfAvailable { appendEscaped(buffer: $0, inSet: inSet, to: out); return true }
        if done == nil { Array(bytes).withUnsafeBufferPointer { appendEscaped(buffer: $0, inSet: inSet, to: out) } }
    }

    @inline(__always)
    static func needsEscape(_ b: UInt8, inSet: Bool) -> Bool {
        b < 0x20 || b >= 0x7f || b == UInt8(ascii: "\\") || (inSet && b == UInt8(ascii: ","))
    }

    static func appendEscaped(buffer all: UnsafeBufferPointer<UInt8>, inSet: Bool, to out: OutputBuffer) {
        let hex: StaticString = "0123456789abcdef"
        let n = all.count
        guard n > 0 else { out.append("(empty)" as StaticString); return }
        // A value that reads as Zeek's unset or empty marker gets its first byte escaped.
        let marker = (n == 1 && all[0] == UInt8(ascii: "-"))
            || (n == 7 && all.elementsEqual("(empty)".utf8))
        if !marker && !all.contains(where: { needsEscape($0, inSet: inSet) }) {
            out.append(buffer: all)
            return
        }
        for (k, b) in all.enumerated() {
            if (marker && k == 0) || needsEscape(b, inSet: inSet) {
                out.append("\\x" as StaticString)
                out.append(hex.utf8Start[Int(b >> 4)])
                out.append(hex.utf8Start[Int(b & 0xf)])
            } else {
                out.append(b)
            }
        }
    }
}
