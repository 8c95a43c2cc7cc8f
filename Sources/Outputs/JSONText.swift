/// JSON string escaping (RFC 8259 section 7) for bytes that may come from the wire.
public enum JSONText {
    /// Appends `bytes` as a quoted JSON string. Invalid UTF-8 is replaced with U+FFFD;
    /// control characters, quotes and backslashes are escaped.
    public static func appendString(_ bytes: some Sequence<UInt8>, to out: OutputBuffer) {
        out.append(UInt8(ascii: "\""))
        let decoded = String(decoding: Array(bytes), as: UTF8.self)
        for byte in decoded.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append("\\\"" as StaticString)
            case UInt8(ascii: "\\"): out.append("\\\\" as StaticString)
            case 0x0A: out.append("\\n" as StaticString)
            case 0x0D: out.append("\\r" as StaticString)
            case 0x09: out.append("\\t" as StaticString)
            case 0x00..<0x20, 0x7F:
                out.append("\\u00" as StaticString)
                let hex: StaticString = "0123456789abcdef"
                out.append(hex.utf8Start[Int(byte >> 4)])
                out.append(hex.utf8Start[Int(byte & 0xf)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends a JSON string for text QuietWire made itself.
    public static func appendString(_ text: String, to out: OutputBuffer) {
        appendString(text.utf8, to: out)
    }
}
