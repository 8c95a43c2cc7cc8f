/// Zeek's TSV value escaping: bytes outside printable ASCII, the separator (tab), the set
/// separator (,) inside set elements, and backslash are written as `\xHH`, so no value from
/// the wire can break a line or a column. An empty string is `(empty)`; unset is `-`.
public enum ZeekTSV {
    public static func appendEscaped(_ bytes: some Sequence<UInt8>, inSet: Bool = false, to out: OutputBuffer) {
        // A value that reads as Zeek's unset or empty marker gets its first byte escaped.
        let all = Array(bytes)
        if all == Array("-".utf8) || all == Array("(empty)".utf8) {
            out.append("\\x" as StaticString)
            let hex: StaticString = "0123456789abcdef"
            out.append(hex.utf8Start[Int(all[0] >> 4)])
            out.append(hex.utf8Start[Int(all[0] & 0xf)])
            out.append(Array(all.dropFirst()))
            return
        }
        var wrote = false
        let hex: StaticString = "0123456789abcdef"
        for b in all {
            wrote = true
            if b < 0x20 || b >= 0x7f || b == UInt8(ascii: "\\") || (inSet && b == UInt8(ascii: ",")) {
                out.append("\\x" as StaticString)
                out.append(hex.utf8Start[Int(b >> 4)])
                out.append(hex.utf8Start[Int(b & 0xf)])
            } else {
                out.append(b)
            }
        }
        if !wrote { out.append("(empty)" as StaticString) }
    }
}
