import SensorCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One Zeek log file: Zeek's TSV framing (`#separator` ... `#fields`, `#types`, rows, `#close`)
/// or JSON lines, written to a file or kept in memory. Log writers fill its rows, either
/// through `out` directly (conn.log, the busiest) or as `ZeekValue`s with `write(_:at:)`.
public final class ZeekLogFile {
    public let format: ZeekLogFormat
    /// The log's name (`#path`): conn, dns, ...
    public let name: String
    public let fields: [String]
    public let types: [String]
    let out: OutputBuffer
    private let descriptor: Int32?
    private var wroteHeader = false
    private var lastTimestamp: Timestamp = .zero
    /// Rows written.
    public private(set) var rows = 0

    /// A log at `path` (created or truncated).
    public init(path: String, name: String, fields: [String], types: [String], format: ZeekLogFormat) throws(OutputError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw .cannotCreate(path: path, reason: String(cString: strerror(errno))) }
        descriptor = fd
        out = OutputBuffer(descriptor: fd)
        self.name = name
        self.fields = fields
        self.types = types
        self.format = format
    }

    /// A log kept in memory (tests); read it with `text`.
    public init(name: String, fields: [String], types: [String], format: ZeekLogFormat) {
        descriptor = nil
        out = OutputBuffer(descriptor: nil)
        self.name = name
        self.fields = fields
        self.types = types
        self.format = format
    }

    /// What was written, for an in-memory log.
    public var text: String { String(decoding: out.bytes, as: UTF8.self) }

    /// Starts a row stamped `time` about activity until `through` (the header goes first, in
    /// TSV; `#close` carries the latest `through`).
    func beginRow(_ time: Timestamp, through: Timestamp? = nil) {
        if !wroteHeader && format == .tsv { writeHeader(opened: time) }
        wroteHeader = true
        let end = through ?? time
        if end > lastTimestamp { lastTimestamp = end }
        rows += 1
    }

    /// Ends a row.
    func endRow() {
        out.flushIfFull()
    }

    /// Writes one row of `values`, one per field; unset values are `-` in TSV and left out in JSON.
    public func write(_ values: [ZeekValue], at time: Timestamp) {
        precondition(values.count == fields.count, "\(name).log: \(values.count) values for \(fields.count) fields")
        beginRow(time)
        if format == .tsv {
            for (k, v) in values.enumerated() {
                if k > 0 { out.append(UInt8(ascii: "\t")) }
                v.appendTSV(to: self)
            }
            out.append(UInt8(ascii: "\n"))
        } else {
            out.append(UInt8(ascii: "{"))
            var first = true
            for (k, v) in values.enumerated() where !v.isUnset {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                JSONText.appendString(fields[k], to: out)
                out.append(UInt8(ascii: ":"))
                v.appendJSON(to: self)
            }
            out.append("}\n" as StaticString)
        }
        endRow()
    }

    /// Hands the buffered rows to the file.
    public func flush() { out.flush() }

    /// Writes the `#close` line (TSV) and flushes; closes the file.
    public func close() {
        if format == .tsv {
            if !wroteHeader { writeHeader(opened: lastTimestamp) }
            out.append("#close\t" as StaticString)
            appendZeekDate(lastTimestamp)
            out.append(UInt8(ascii: "\n"))
        }
        out.flush()
        if let descriptor { _ = closeDescriptor(descriptor) }
    }

    private func writeHeader(opened: Timestamp) {
        out.append("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t" as StaticString)
        out.append(name)
        out.append("\n#open\t" as StaticString)
        appendZeekDate(opened)
        out.append("\n#fields\t" as StaticString)
        out.append(fields.joined(separator: "\t"))
        out.append("\n#types\t" as StaticString)
        out.append(types.joined(separator: "\t"))
        out.append(UInt8(ascii: "\n"))
    }

    /// Zeek's `#open`/`#close` stamp, YYYY-MM-DD-HH-MM-SS in UTC; packet time keeps runs reproducible.
    private func appendZeekDate(_ t: Timestamp) {
        let days = t.seconds >= 0 ? t.seconds / 86_400 : (t.seconds - 86_399) / 86_400
        let secondsOfDay = t.seconds - days * 86_400
        let (y, m, d) = ZeekLogFile.civil(fromDays: days)
        out.appendSigned(y); out.append(UInt8(ascii: "-"))
        out.appendPadded(m, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(d, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(secondsOfDay / 3600, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(secondsOfDay / 60 % 60, width: 2); out.append(UInt8(ascii: "-"))
        out.appendPadded(secondsOfDay % 60, width: 2)
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's public-domain algorithm).
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// A non-negative value with two decimals ("7.52"); bounded so no value can overflow.
    func appendHundredths(_ v: Double) {
        let hundredths = Int64((min(max(v.isNaN ? 0 : v, 0), 1e12) * 100).rounded())
        out.appendSigned(hundredths / 100)
        out.append(UInt8(ascii: "."))
        out.appendPadded(hundredths % 100, width: 2)
    }

    /// Seconds with six decimals, as Zeek writes `time` and `interval`.
    func appendMicros(_ nanoseconds: Int64) {
        // Round to microseconds by quotient and remainder: no addition can overflow at the extremes.
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: 1000)
        var micros = q
        if r >= 500 && micros < Int64.max { micros += 1 } else if r <= -500 && micros > Int64.min { micros -= 1 }
        // Sign and magnitude, so -0.5 s reads "-0.500000".
        if micros < 0 { out.append(UInt8(ascii: "-")) }
        let magnitude = micros.magnitude
        out.appendDecimal(magnitude / 1_000_000)
        out.append(UInt8(ascii: "."))
        out.appendPadded(Int64(magnitude % 1_000_000), width: 6)
    }
}

@inline(__always)
private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }
