import Flows
import SensorCore
import Testing

/// http.log transactions built by the flow table: bodies framed by length or chunks (across
/// segments), informational responses, HEAD, and CONNECT tunnels that stop the parsing.
@Suite("HTTP transactions")
struct HTTPTrackerTests {
    let driver = TableDriver()

    /// Client SYN, server SYN-ACK; then each message in order, `split` bytes to a segment.
    func exchange(_ messages: [(fromClient: Bool, text: String)], split: Int = 1460) -> [HTTPTransaction] {
        driver.tcp([], fromClient: true, seq: 1000, flags: 0x02, port: 80, at: 0)
        driver.tcp([], fromClient: false, seq: 5000, flags: 0x12, port: 80, at: 1)
        var seq = (client: UInt32(1001), server: UInt32(5001))
        var at: Int64 = 2
        for (fromClient, text) in messages {
            let bytes = Array(text.utf8)
            var o = 0
            while o < bytes.count {
                let part = Array(bytes[o..<min(bytes.count, o + split)])
                driver.tcp(part, fromClient: fromClient, seq: fromClient ? seq.client : seq.server, port: 80, at: at)
                if fromClient { seq.client &+= UInt32(part.count) } else { seq.server &+= UInt32(part.count) }
                o += part.count
                at += 1
            }
        }
        driver.table.flushAll()
        _ = driver.table.drain()
        return driver.table.http.drain().sorted { $0.depth < $1.depth }
    }

    @Test func pipelinedRequestsWithLengthAndChunkedBodies() {
        let body = String(repeating: "x", count: 5000)
        let rows = exchange([
            (true, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n"),
            (false, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + body),
            (false, "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n7;ext=1\r\nabcdefg\r\n3\r\nhij\r\n0\r\nX-T: 1\r\n\r\n"),
        ], split: 700)
        #expect(rows.count == 2)
        #expect(rows.map { $0.uri.map { String(decoding: $0, as: UTF8.self) } } == ["/a", "/b"])
        #expect(rows.map { $0.statusCode } == [200, 404])
        #expect(rows.map { $0.responseBodyLength } == [5000, 10])
    }

    @Test func continueThenFinalAndARequestBody() throws {
        let rows = exchange([
            (true, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"),
            (false, "HTTP/1.1 100 Continue\r\n\r\n"),
            (true, "data"),
            (false, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"),
        ])
        let t = try #require(rows.first)
        #expect(rows.count == 1 && t.infoCode == 100 && t.statusCode == 201 && t.requestBodyLength == 4)
    }

    @Test func headResponsesHaveNoBody() {
        let rows = exchange([
            (true, "HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n"),
            (false, "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
        ])
        #expect(rows.map { $0.statusCode } == [200, 204] && rows.allSatisfy { $0.responseBodyLength == 0 })
    }

    @Test func aConnectTunnelIsNotParsedFurther() throws {
        let rows = exchange([
            (true, "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n"),
            (false, "HTTP/1.1 200 Connection established\r\n\r\n"),
            (true, "GET /inside HTTP/1.1\r\n\r\n"),  // would be TLS in practice; never read
        ])
        let t = try #require(rows.first)
        #expect(rows.count == 1 && t.method == Array("CONNECT".utf8) && t.uri == Array("api.example.com:443".utf8) && t.statusCode == 200)
    }

    @Test func hostileLengthsNeitherTrapNorHang() throws {
        let rows = exchange([
            (true, "POST /x HTTP/1.1\r\nContent-Length: 1125899906842624\r\n\r\nabc"),  // the largest allowed, barely begun
            (false, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\nxyz"),
        ])
        let t = try #require(rows.first)
        #expect(t.requestBodyLength == 1 << 50 && t.statusCode == 200 && t.responseBodyLength == 0xFFFF_FFFF)
    }

    @Test func aRequestWithoutAnswerIsLoggedAtTheEnd() throws {
        let rows = exchange([(true, "GET /lost HTTP/1.1\r\nHost: h\r\n\r\n"), (false, "garbage that is no HTTP\r\n\r\n")])
        let t = try #require(rows.first)
        #expect(rows.count == 1 && t.statusCode == nil && t.uri == Array("/lost".utf8))
    }
}
