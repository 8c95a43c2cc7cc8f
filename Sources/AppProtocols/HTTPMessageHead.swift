import SensorCore

/// The head of an HTTP/1.x message (RFC 9112 sections 2 to 6): the request or status line and
/// the header fields http.log reports, with what frames the body (Content-Length, chunked).
///
/// Bounded: a head longer than `maximumLength` bytes or with more than `maximumFields`
/// fields is invalid; every value is cut to `maximumValue` bytes.
public struct HTTPMessageHead: Sendable, Equatable {
    public enum StartLine: Sendable, Equatable {
        case request(method: [UInt8], target: [UInt8])
        case response(status: UInt16, reason: [UInt8])
    }

    public var start: StartLine
    /// "1.1", "1.0" (from "HTTP/1.1").
    public var version: [UInt8]
    public var host: [UInt8]?
    public var userAgent: [UInt8]?
    public var referrer: [UInt8]?
    public var origin: [UInt8]?
    public var contentLength: Int?
    /// Transfer-Encoding ends in chunked (RFC 9112 section 6.1).
    public var chunked = false
    /// Bytes of the head, through the empty line that ends it.
    public var length: Int

    public static let maximumLength = 16_384
    /// The largest Content-Length taken as real (1 PiB); a larger one makes the head invalid, so
    /// no body length can overflow the arithmetic that skips it.
    public static let maximumContentLength = 1 << 50
    public static let maximumFields = 128
    public static let maximumValue = 1024

    public enum Parsed: Sendable, Equatable {
        case head(HTTPMessageHead)
        /// The head may still end in bytes not yet seen.
        case incomplete
        /// Not an HTTP/1.x head, or past the bounds.
        case invalid
    }

    /// Parses the head starting at the first byte of `b`.
    public static func parse(_ b: FrameBytes) -> Parsed {
        // The head ends at the first empty line (CRLF CRLF, or bare LF LF as RFC 9112 section 2.2 tolerates).
        let limit = min(b.count, maximumLength)
        var end = -1
        var k = 0
        while k < limit {
            if b.u8(k) == 0x0A {
                if k + 1 < b.count && b.u8(k + 1) == 0x0A { end = k + 2; break }
                if k + 2 < b.count && b.u8(k + 1) == 0x0D && b.u8(k + 2) == 0x0A { end = k + 3; break }
            }
            k += 1
        }
        guard end > 0 else { return b.count >= maximumLength ? .invalid : .incomplete }
        // Lines, without their CR LF.
        var lines: [Range<Int>] = []
        var lineStart = 0
        for i in 0..<end where b.u8(i) == 0x0A {
            var lineEnd = i
            if lineEnd > lineStart && b.u8(lineEnd - 1) == 0x0D { lineEnd -= 1 }
            lines.append(lineStart..<lineEnd)
            lineStart = i + 1
            if lines.count > maximumFields + 1 { return .invalid }
        }
        guard let first = lines.first, let start = startLine(b, first) else { return .invalid }
        var head = HTTPMessageHead(start: start.0, version: start.1, length: end)
        for line in lines.dropFirst() where !line.isEmpty {
            if b.u8(line.lowerBound) == 0x20 || b.u8(line.lowerBound) == 0x09 { continue }  // obsolete line folding
            guard let colon = line.first(where: { b.u8($0) == UInt8(ascii: ":") }), colon > line.lowerBound else { return .invalid }
            let name = String(decoding: (line.lowerBound..<colon).map { b.u8($0) | 0x20 }, as: UTF8.self)
            var v = colon + 1
            var w = line.upperBound
            while v < w && (b.u8(v) == 0x20 || b.u8(v) == 0x09) { v += 1 }
            while w > v && (b.u8(w - 1) == 0x20 || b.u8(w - 1) == 0x09) { w -= 1 }
            let value = (v..<min(w, v + maximumValue)).map { b.u8($0) }
            switch name {
            case "host": head.host = value
            case "user-agent": head.userAgent = value
            case "referer": head.referrer = value
            case "origin": head.origin = value
            case "content-length":
                guard let n = Int(String(decoding: value, as: UTF8.self)), n >= 0, n <= maximumContentLength else { return .invalid }
                head.contentLength = n
            case "transfer-encoding":
                head.chunked = String(decoding: value, as: UTF8.self).lowercased().hasSuffix("chunked")
            default: break
            }
        }
        return .head(head)
    }

    /// "METHOD SP target SP HTTP/x.y" or "HTTP/x.y SP 3DIGIT [SP reason]".
    static func startLine(_ b: FrameBytes, _ line: Range<Int>) -> (StartLine, [UInt8])? {
        let bytes = line.map { b.u8($0) }
        let parts = bytes.split(separator: UInt8(ascii: " "), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        let httpSlash = Array("HTTP/".utf8)
        if parts[0].starts(with: httpSlash) {
            let digits = Array(parts[1])
            guard digits.count == 3, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            let status = digits.reduce(UInt16(0)) { $0 * 10 + UInt16($1 - 0x30) }
            let reason = parts.count > 2 ? Array(parts[2].prefix(maximumValue)) : []
            return (.response(status: status, reason: reason), Array(parts[0].dropFirst(5)))
        }
        // An HTTP/0.9 request has no version: "GET /path".
        guard parts.count == 3 ? parts[2].starts(with: httpSlash) : parts[1].first == UInt8(ascii: "/"),
              !parts[0].isEmpty, parts[0].count <= 32,
              parts[0].allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") })
        else { return nil }
        let version = parts.count == 3 ? Array(parts[2].dropFirst(5)) : Array("0.9".utf8)
        return (.request(method: Array(parts[0]), target: Array(parts[1].prefix(maximumValue * 8))), version)
    }
}
