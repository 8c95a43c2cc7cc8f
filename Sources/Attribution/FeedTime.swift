import SensorCore

/// Times as feeds write them: epoch seconds (number or string, with a fraction), epoch
/// milliseconds, microseconds or nanoseconds (told apart by magnitude), or RFC 3339 text
/// (`2026-11-29T10:00:00.123456Z`, `+02:00` offsets, a space instead of `T`).
public enum FeedTime {
    /// The time in `value`, or nil when it is absent or not a time.
    public static func parse(_ value: JSONValue?) -> Timestamp? {
        switch value {
        case .number(let d): return epoch(d)
        case .string(let s):
            if let d = Double(s.trimmingSpaces) { return epoch(d) }
            return rfc3339(s)
        default: return nil
        }
    }

    /// Epoch seconds, or milliseconds/microseconds/nanoseconds past the year 5138 in seconds.
    static func epoch(_ d: Double) -> Timestamp? {
        guard d.isFinite, d >= 0 else { return nil }
        var seconds = d
        if d >= 1e17 { seconds = d / 1e9 } else if d >= 1e14 { seconds = d / 1e6 } else if d >= 1e11 { seconds = d / 1e3 }
        guard seconds < 9e9 else { return nil }
        return Timestamp(nanoseconds: Int64((seconds * 1e9).rounded()))
    }

    /// RFC 3339 section 5.6 date-time; nil when malformed or out of range.
    public static func rfc3339(_ text: String) -> Timestamp? {
        let b = Array(text.utf8)
        var i = 0
        func num(_ n: Int) -> Int? {
            guard b.count - i >= n else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        // Years nanoseconds since 1970 can hold in an Int64 (1678-2261).
        guard let year = num(4), (1678...2261).contains(year), expect(UInt8(ascii: "-")), let month = num(2), expect(UInt8(ascii: "-")),
              let day = num(2), (1...12).contains(month), (1...31).contains(day) else { return nil }
        guard i < b.count, b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") || b[i] == UInt8(ascii: " ") else { return nil }
        i += 1
        guard let hour = num(2), expect(UInt8(ascii: ":")), let minute = num(2), expect(UInt8(ascii: ":")),
              let second = num(2), hour < 24, minute < 60, second <= 60 else { return nil }
        var nanos = 0
        if expect(UInt8(ascii: ".")) {
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 9 { nanos = nanos * 10 + Int(b[i] - 0x30) }
                digits += 1
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanos *= 10 }
        }
        var offset = 0
        if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
        } else if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            guard let oh = num(2), expect(UInt8(ascii: ":")), let om = num(2), oh < 24, om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else if i != b.count {
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second - offset)
        return Timestamp(seconds: seconds, nanoseconds: Int64(nanos))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
