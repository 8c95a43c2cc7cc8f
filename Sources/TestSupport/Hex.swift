/// Hex helpers for table-driven decoder tests.
public enum Hex {
    /// Bytes from hex text; spaces, newlines and `|` separators are ignored. Traps on bad hex
    /// (test tables are ours, not input).
    public static func bytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var pending: UInt8? = nil
        for ch in text.unicodeScalars {
            let v: UInt8
            switch ch {
            case "0"..."9": v = UInt8(ch.value - 48)
            case "a"..."f": v = UInt8(ch.value - 87)
            case "A"..."F": v = UInt8(ch.value - 55)
            default: continue
            }
            if let high = pending { out.append(high << 4 | v); pending = nil } else { pending = v }
        }
        precondition(pending == nil, "odd number of hex digits in test table")
        return out
    }
}
