import AppProtocols
import SensorCore
import Testing

/// HTTP/1.x heads: one row per shape, well formed and malformed.
@Suite("HTTP message heads")
struct HTTPMessageHeadTests {
    static func parse(_ text: String) -> HTTPMessageHead.Parsed {
        Array(text.utf8).withUnsafeBytes { HTTPMessageHead.parse(FrameBytes($0)) }
    }

    @Test func aRequestWithItsFields() throws {
        let text = "POST /upload?x=1 HTTP/1.1\r\nHost: example.org\r\nUser-Agent:  curl/8.0 \r\nContent-Length: 12\r\n"
            + "Referer: http://a/\r\nOrigin: http://a\r\n\r\nbody follows"
        guard case .head(let h) = Self.parse(text) else { Issue.record("not parsed"); return }
        #expect(h.start == .request(method: Array("POST".utf8), target: Array("/upload?x=1".utf8)))
        #expect(h.version == Array("1.1".utf8) && h.host == Array("example.org".utf8) && h.userAgent == Array("curl/8.0".utf8))
        #expect(h.contentLength == 12 && !h.chunked && h.referrer == Array("http://a/".utf8) && h.origin == Array("http://a".utf8))
        #expect(h.length == text.utf8.count - "body follows".utf8.count)
    }

    @Test func aChunkedResponse() throws {
        guard case .head(let h) = Self.parse("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: gzip, chunked\r\n\r\n") else {
            Issue.record("not parsed"); return
        }
        #expect(h.start == .response(status: 404, reason: Array("Not Found".utf8)) && h.chunked)
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: a\r\n", HTTPMessageHead.Parsed.incomplete),   // no empty line yet
        ("get / HTTP/1.1\r\n\r\n", .invalid),                                    // methods are upper case
        ("GET / HTTP/1.1\r\nno colon here\r\n\r\n", .invalid),
        ("HTTP/1.1 20 OK\r\n\r\n", .invalid),                                     // three digits
        ("HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n", .invalid),
        ("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n", .invalid),  // would overflow a skip
        ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n", .invalid),
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\n\n", .invalid),                       // TLS, not HTTP
    ])
    func malformedOrIncomplete(text: String, expected: HTTPMessageHead.Parsed) {
        #expect(Self.parse(text) == expected)
    }

    @Test func http09AndBareLineFeeds() {
        guard case .head(let old) = Self.parse("GET /\r\n\r\n") else { Issue.record("0.9 not parsed"); return }
        #expect(old.version == Array("0.9".utf8))
        guard case .head(let bare) = Self.parse("GET / HTTP/1.0\nHost: h\n\n") else { Issue.record("LF not parsed"); return }
        #expect(bare.host == Array("h".utf8))
    }

    @Test func oversizedHeadsAreInvalidNotBuffered() {
        let long = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: HTTPMessageHead.maximumLength) + "\r\n\r\n"
        #expect(Self.parse(long) == .invalid)
        let many = "GET / HTTP/1.1\r\n" + String(repeating: "A: b\r\n", count: HTTPMessageHead.maximumFields + 5) + "\r\n"
        #expect(Self.parse(many) == .invalid)
    }
}
