import Attribution
import Collector
import Config
import Coverage
import FeedServer
import Foundation
import Outputs
import Sensor
import Synchronization
import Testing
import TestSupport

/// The feed service over real HTTP on loopback: authentication, limits, gzip, rate, bad
/// lines, osquery's enrollment and logger, metrics; and the collector's uploader, which
/// spools while the sensor is away and delivers late rather than losing records.
@Suite("Feed service", .serialized, .enabled(if: Tool.find("curl") != nil, "needs curl"))
struct FeedServiceTests {
    /// A running service with a loop that hands its records to a correlator (the capture
    /// loop's part in the sensor).
    final class Running: Sendable {
        let service: FeedService
        let inbox = FeedInbox()
        let port: Int
        let token: String
        let ingested = Atomic<Int>(0)
        private let stopped = Atomic<Bool>(false)
        private let done = DispatchSemaphore(value: 0)

        init(port requested: Int = 0, configure: (inout SensorSettings) -> Void = { _ in }) throws {
            let (token, digest) = TokenAuthority.make()
            self.token = token
            var settings = SensorSettings()
            settings.listen = "127.0.0.1:\(requested)"
            settings.allowPlainHTTP = true
            settings.tokens = [.init(endpoint: "laptop-1", sha256: digest)]
            settings.osqueryEnrollSecret = TokenAuthority.digest("enroll-secret")
            configure(&settings)
            service = FeedService(settings: settings, inbox: inbox, journal: nil)
            let bound = Atomic<Int>(-1)
            let ready = DispatchSemaphore(value: 0)
            let service = service, done = done
            // The server runs on its own threads: tests elsewhere in this process block the
            // cooperative pool (two threads on a two-core machine) while they wait for tools.
            Task(executorPreference: Self.executor) {
                do {
                    try await service.run { port in
                        bound.store(port, ordering: .relaxed)
                        ready.signal()
                    }
                } catch {
                    ready.signal()
                }
                done.signal()
            }
            _ = ready.wait(timeout: .now() + 60)
            port = bound.load(ordering: .relaxed)
            guard port > 0 else {
                service.shutdown()
                throw Tool.Failure(description: "the feed service did not start on 127.0.0.1:\(requested) within 60 s")
            }
            Thread.detachNewThread { [self] in
                let correlator = Correlator()
                while !stopped.load(ordering: .relaxed) {
                    inbox.deliver { records in
                        correlator.ingest(records)
                        ingested.add(records.count, ordering: .relaxed)
                    }
                    usleep(5_000)
                }
                inbox.close()
            }
        }

        var url: String { "http://127.0.0.1:\(port)" }

        static let executor = QueueExecutor()

        func stop() {
            stopped.store(true, ordering: .relaxed)
            service.shutdown()
            _ = done.wait(timeout: .now() + 10)
        }

        /// curl's status code and body.
        func curl(_ path: String, _ arguments: [String] = [], token: String? = nil, body: String? = nil) throws -> (Int, String) {
            var args = ["-s", "-o", "-", "-w", "\n%{http_code}", url + path] + arguments
            if let token { args += ["-H", "Authorization: Bearer \(token)"] }
            if let body { args += ["--data-binary", body] }
            let r = try Tool.execute("curl", args)
            let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }
    }

    /// A task executor on a concurrent dispatch queue, outside Swift's cooperative pool.
    final class QueueExecutor: TaskExecutor {
        let queue = DispatchQueue(label: "quietwire.tests.feed-service", attributes: .concurrent)
        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            let executor = asUnownedTaskExecutor()
            queue.async { job.runSynchronously(on: executor) }
        }
    }

    @Test func theServiceAnswersWhileTheCooperativePoolIsBlocked() async throws {
        let s = try Running()
        defer { s.stop() }
        // Occupy every cooperative thread for three seconds, as blocking tests elsewhere do.
        let blockers = (0..<ProcessInfo.processInfo.activeProcessorCount + 1).map { _ in Task { _ = usleep(3_000_000) } }
        let started = Date()
        let (status, _) = try s.curl("/healthz", ["--max-time", "10"])
        #expect(status == 200 && Date().timeIntervalSince(started) < 2.5)
        for b in blockers { await b.value }
    }

    static let socketLine = #"{"type":"socket","host_id":"h1","time":"2026-11-29T16:00:00Z","pid":12,"transport":"tcp","local_address":"10.0.0.5","local_port":50000,"remote_address":"93.184.216.34","remote_port":443,"event":"open"}"#

    static func file(_ name: String, _ data: Data) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qw-feed-\(UUID().uuidString)-\(name)").path
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A client that sends `Expect: 100-continue` (curl does for bodies over 1 MiB) hears
    /// `100 Continue` at once, then the final answer: it need not wait out its own timeout.
    /// A request refused from its head (bad token, body past the limit) hears only the
    /// refusal, and uploads nothing.
    @Test func anExpectationOfContinueIsAnswered() throws {
        let s = try Running { $0.bodyLimit = 4096 }
        defer { s.stop() }
        let body = try Self.file("continue.ndjson", Data((Self.socketLine + "\n").utf8))
        let big = try Self.file("continue-big.ndjson", Data(String(repeating: Self.socketLine + "\n", count: 40).utf8))
        defer { for f in [body, big] { try? FileManager.default.removeItem(atPath: f) } }
        func post(_ file: String, token: String) throws -> Tool.Output {
            try Tool.execute("curl", ["-s", "-v", "-o", "-", "-H", "Authorization: Bearer \(token)", "-H", "Expect: 100-continue",
                                      "--expect100-timeout", "20", "--data-binary", "@" + file, "http://127.0.0.1:\(s.port)/v1/feed"])
        }
        let r = try post(body, token: s.token)
        #expect(r.err.contains("< HTTP/1.1 100 Continue") && r.err.contains("< HTTP/1.1 200"), "\(r.err)")
        #expect(r.out.contains("\"accepted\":1"), "\(r.out)")
        let stranger = try post(body, token: "qwt_not-a-token")
        #expect(!stranger.err.contains("100 Continue") && stranger.err.contains("< HTTP/1.1 401"), "\(stranger.err)")
        let tooBig = try post(big, token: s.token)
        #expect(!tooBig.err.contains("100 Continue") && tooBig.err.contains("< HTTP/1.1 413"), "\(tooBig.err)")
        // After such a refusal the server closes the connection rather than wait for the body
        // (or read the client's next request as that body): the reader sees the end.
        let raw = "exec 3<>/dev/tcp/127.0.0.1/\(s.port); printf 'POST /v1/feed HTTP/1.1\\r\\nHost: x\\r\\nAuthorization: Bearer qwt_no\\r\\n"
            + "Content-Length: 100\\r\\nExpect: 100-continue\\r\\n\\r\\n' >&3; timeout 10 cat <&3"
        let closed = try Tool.execute("bash", ["-c", raw])
        #expect(closed.status == 0 && closed.out.contains("401"), "status \(closed.status): \(closed.out)")
    }

    @Test func abusiveRequestsGetTheirStatusAndGoodLinesAreKept() throws {
        let s = try Running { $0.bodyLimit = 64 * 1024; $0.decompressedLimit = 256 * 1024; $0.requestsPerSecond = 1000 }
        defer { s.stop() }
        #expect(s.port > 0)
        #expect(try s.curl("/healthz").0 == 200)
        // No token, a wrong token.
        #expect(try s.curl("/v1/feed", ["-XPOST"], body: Self.socketLine).0 == 401)
        let (wrong, wrongBody) = try s.curl("/v1/feed", ["-XPOST"], token: "qwt_not-a-token", body: Self.socketLine)
        #expect(wrong == 401 && wrongBody.contains("bearer token"))
        // A good line, a broken one, a good one: 400 names line 2, both good records are in.
        let (mixed, mixedBody) = try s.curl("/v1/feed", ["-XPOST"], token: s.token, body: Self.socketLine + "\n{\"type\":\n" + Self.socketLine)
        #expect(mixed == 400 && mixedBody.contains("\"accepted\":2") && mixedBody.contains("line 2"), "\(mixedBody)")
        #expect(s.ingested.load(ordering: .relaxed) == 2)
        // Past the body limit, with and without a Content-Length.
        let big = try Self.file("big", Data(repeating: UInt8(ascii: "x"), count: 200 * 1024))
        #expect(try s.curl("/v1/feed", ["-XPOST", "--data-binary", "@" + big], token: s.token).0 == 413)
        #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@" + big], token: s.token).0 == 413)
        // A gzip bomb (small on the wire, past the decompressed limit), corrupt gzip, an unknown encoding.
        let bombSource = try Self.file("zeros", Data(repeating: 0, count: 8 << 20))
        _ = try Tool.execute("gzip", ["-f", bombSource])
        let bomb = bombSource + ".gz"
        #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Content-Encoding: gzip", "--data-binary", "@" + bomb], token: s.token).0 == 413)
        // Just past the limit (compress-nio's buffer doubling once let this through).
        let nearSource = try Self.file("near", Data(repeating: UInt8(ascii: "x"), count: 320 * 1024))
        _ = try Tool.execute("gzip", ["-f", nearSource])
        defer { try? FileManager.default.removeItem(atPath: nearSource + ".gz") }
        #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Content-Encoding: gzip", "--data-binary", "@" + nearSource + ".gz"], token: s.token).0 == 413)
        #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Content-Encoding: gzip"], token: s.token, body: "not gzip").0 == 400)
        #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Content-Encoding: br"], token: s.token, body: "x").0 == 415)
        // A gzip body within the limits.
        let plain = try Self.file("plain", Data((Self.socketLine + "\n").utf8))
        _ = try Tool.execute("gzip", ["-f", plain])
        #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Content-Encoding: gzip", "--data-binary", "@" + plain + ".gz"], token: s.token).0 == 200)
        #expect(s.ingested.load(ordering: .relaxed) == 3)
        // A slow client holding a half-sent request does not block the others.
        #if canImport(Glibc)
        let slow = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let slow = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        defer { close(slow) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(s.port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(slow, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        _ = "POST /v1/feed HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{".withCString { send(slow, $0, strlen($0), 0) }
        #expect(try s.curl("/v1/feed", ["-XPOST", "--max-time", "5"], token: s.token, body: Self.socketLine).0 == 200)
        // The metrics count what happened.
        let metrics = try s.curl("/metrics").1
        #expect(metrics.contains(#"quietwire_feed_records_total{source="laptop-1",outcome="accepted"} 4"#), "\(metrics)")
        // No token, a wrong token, and the slow client's headers (it sent none): refused once its headers were in.
        #expect(metrics.contains(#"quietwire_feed_records_total{source="unauthenticated",outcome="refused"} 3"#), "\(metrics)")
        #expect(metrics.contains(#"quietwire_feed_records_total{source="laptop-1",outcome="refused"} 6"#), "\(metrics)")
        for f in [big, bomb, plain + ".gz"] { try? FileManager.default.removeItem(atPath: f) }
    }

    /// Resident memory of this process, bytes (Linux /proc/self/statm).
    static func residentBytes() -> Int {
        let fields = ((try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "").split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }

    @Test func memoryStaysBoundedUnderBombsAndOversizedBodies() throws {
        let s = try Running { $0.bodyLimit = 1 << 20; $0.decompressedLimit = 4 << 20; $0.requestsPerSecond = 1000 }
        defer { s.stop() }
        let zeros = try Self.file("zeros", Data(repeating: 0, count: 32 << 20))
        _ = try Tool.execute("gzip", ["-f", zeros])
        let big = try Self.file("big", Data(repeating: UInt8(ascii: "x"), count: 4 << 20))
        defer { for f in [zeros + ".gz", big] { try? FileManager.default.removeItem(atPath: f) } }
        #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Content-Encoding: gzip", "--data-binary", "@" + zeros + ".gz"], token: s.token).0 == 413)
        let before = Self.residentBytes()
        for _ in 0..<10 {
            #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Content-Encoding: gzip", "--data-binary", "@" + zeros + ".gz"], token: s.token).0 == 413)
            #expect(try s.curl("/v1/feed", ["-XPOST", "-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@" + big], token: s.token).0 == 413)
        }
        // Ten 32 MiB bombs and ten 4 MiB bodies later, memory grew by less than one bomb.
        let grown = Self.residentBytes() - before
        #expect(grown < 24 << 20, "resident memory grew by \(grown >> 20) MiB")
        #expect(try s.curl("/healthz").0 == 200)
    }

    @Test func tlsWithTheConfiguredCertificate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qw-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let made = try Tool.execute("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                                                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                                                "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        try #require(made.status == 0, "\(made.err)")
        let s = try Running {
            $0.allowPlainHTTP = false
            $0.tlsCertificate = dir + "/cert.pem"
            $0.tlsKey = dir + "/key.pem"
        }
        defer { s.stop() }
        let https = "https://127.0.0.1:\(s.port)"
        let ok = try Tool.execute("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", dir + "/cert.pem", "-XPOST",
                                           "-H", "Authorization: Bearer \(s.token)", "--data-binary", Self.socketLine, https + "/v1/feed"])
        #expect(ok.out == "200", "\(ok.out) \(ok.err)")
        // Plain HTTP to the TLS port, and TLS without trusting the certificate, get nowhere.
        #expect(try Tool.execute("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", s.url + "/healthz"]).out != "200")
        #expect(try Tool.execute("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", https + "/healthz"]).out != "200")
        // The collector's uploader, trusting the certificate with --ca-file.
        let spool = dir + "/spool"
        let uploader = try FeedUploader(url: https + "/v1/feed", token: s.token, spoolPath: spool, spoolLimit: 1 << 20, caFile: dir + "/cert.pem")
        defer { uploader.shutdown() }
        let stop = Atomic<Bool>(false)
        Thread.detachNewThread { uploader.send(until: { stop.load(ordering: .relaxed) }) }
        uploader.enqueue([Self.socketLine, Self.socketLine])
        #expect(Self.until(20) { uploader.counts.sent == 2 }, "\(uploader.counts)")
        stop.store(true, ordering: .relaxed)
        #expect(s.ingested.load(ordering: .relaxed) == 3)
    }

    @Test func eachTokenHasItsRate() throws {
        let s = try Running { $0.requestsPerSecond = 2 }
        defer { s.stop() }
        var codes: [Int] = []
        for _ in 0..<6 { codes.append(try s.curl("/v1/feed", ["-XPOST"], token: s.token, body: "").0) }
        #expect(codes.prefix(4).allSatisfy { $0 == 200 } && codes.last == 429, "\(codes)")
        let r = try Tool.execute("curl", ["-s", "-D", "-", "-o", "/dev/null", "-XPOST", "-H", "Authorization: Bearer \(s.token)", "--data-binary", "", s.url + "/v1/feed"])
        #expect(r.out.lowercased().contains("retry-after:"), "\(r.out)")
    }

    /// Each source's lag reaches coverage.json, with the batches that came after attribution_lag.
    @Test func feedLagIsKeptPerSourceForCoverage() throws {
        let s = try Running()
        defer { s.stop() }
        func line(secondsAgo: Double) -> String {
            let time = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-secondsAgo))
            return Self.socketLine.replacingOccurrences(of: "2026-11-29T16:00:00Z", with: time)
        }
        // Ten minutes late (past the 30 s attribution_lag), then on time.
        #expect(try s.curl("/v1/feed", ["-XPOST"], token: s.token, body: line(secondsAgo: 600)).0 == 200)
        #expect(try s.curl("/v1/feed", ["-XPOST"], token: s.token, body: line(secondsAgo: 0)).0 == 200)
        let lags = s.service.metrics.feedLags()
        #expect(lags.map(\.source) == ["laptop-1"])
        let lag = try #require(lags.first)
        #expect(lag.batches == 2 && lag.lateBatches == 1, "\(lag)")
        #expect(lag.maximumSeconds >= 599 && lag.maximumSeconds < 660 && lag.lastSeconds < 30, "\(lag)")
        var report = CoverageReport()
        report.feedLags = lags
        let json = try #require(try JSONSerialization.jsonObject(with: Data(CoverageJSON.render(report, inputs: []).utf8)) as? [String: Any])
        let written = try #require(((json["telemetry"] as? [String: Any])?["feed_lag"] as? [[String: Any]])?.first)
        #expect(written["source"] as? String == "laptop-1" && written["batches"] as? Int == 2 && written["late_batches"] as? Int == 1)
        #expect((written["max_seconds"] as? Double ?? 0) >= 599 && written["mean_seconds"] != nil && written["last_seconds"] != nil)
    }

    @Test func osquerydEnrollsAndLogsResults() throws {
        let s = try Running()
        defer { s.stop() }
        let (_, refused) = try s.curl("/enroll", ["-XPOST"], body: #"{"enroll_secret":"wrong","host_identifier":"mac-01"}"#)
        #expect(refused.contains("\"node_invalid\":true"))
        let (_, enrolled) = try s.curl("/enroll", ["-XPOST"], body: #"{"enroll_secret":"enroll-secret","host_identifier":"mac-01"}"#)
        let key = try #require(((try? JSONSerialization.jsonObject(with: Data(enrolled.utf8))) as? [String: Any])?["node_key"] as? String)
        // A process_open_sockets result row, as osqueryd's TLS logger sends it.
        let row = #"{"name":"sockets","hostIdentifier":"mac-01","calendarTime":"Sun Nov 29 16:00:00 2026 UTC","unixTime":1795968000,"action":"added","columns":{"pid":"321","fd":"7","socket":"0","family":"2","protocol":"6","local_address":"10.0.0.5","remote_address":"93.184.216.34","local_port":"50001","remote_port":"443","path":"/usr/bin/curl","state":"ESTABLISHED"}}"#
        let (status, logged) = try s.curl("/log", ["-XPOST"], body: "{\"node_key\":\"\(key)\",\"log_type\":\"result\",\"data\":[\(row)]}")
        #expect(status == 200 && logged.contains("\"node_invalid\":false"), "\(logged)")
        #expect(s.ingested.load(ordering: .relaxed) >= 1)
        let (_, stale) = try s.curl("/log", ["-XPOST"], body: #"{"node_key":"forgotten","log_type":"result","data":[]}"#)
        #expect(stale.contains("\"node_invalid\":true"))
    }

    /// An enrolled osqueryd fetches its schedule from `/config`; every scheduled query's rows
    /// (its selected columns, as osquery names them) are read as the record it is there for.
    @Test func osquerydGetsTheQueriesQuietWireReads() throws {
        let s = try Running()
        defer { s.stop() }
        let (_, enrolled) = try s.curl("/enroll", ["-XPOST"], body: #"{"enroll_secret":"enroll-secret","host_identifier":"mac-01"}"#)
        let key = try #require(((try? JSONSerialization.jsonObject(with: Data(enrolled.utf8))) as? [String: Any])?["node_key"] as? String)
        let (status, text) = try s.curl("/config", ["-XPOST"], body: "{\"node_key\":\"\(key)\"}")
        #expect(status == 200)
        let config = try #require((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any])
        let schedule = try #require(config["schedule"] as? [String: [String: Any]])
        let expected: [String: String] = ["quietwire_socket_events": "socket", "quietwire_open_sockets": "socket",
                                          "quietwire_launchd": "agent", "quietwire_interface_addresses": "host"]
        #expect(Set(schedule.keys) == Set(expected.keys))
        // Nothing that changes the host's own configuration (audit options), and only
        // platform names osquery knows.
        #expect(config["options"] == nil)
        #expect(schedule.values.allSatisfy { ($0["platform"] as? String).map { ["posix", "darwin", "linux", "windows"].contains($0) } ?? true })
        // Sample values for the columns the queries select, as osquery's results log writes them.
        // socket_events leaves `protocol` 0 (Linux) or empty (macOS): read as TCP (see docs).
        let samples = ["action": "connect", "pid": "321", "path": "/opt/agent", "family": "2", "protocol": "0", "local_address": "10.0.0.5",
                       "remote_address": "93.184.216.34", "local_port": "50001", "remote_port": "443", "time": "1795968000", "name": "agent",
                       "cmdline": "/opt/agent --run", "parent": "1", "uid": "501",
                       "label": "com.example.agent", "program": "/opt/agent", "program_arguments": "/opt/agent --run", "run_at_load": "1",
                       "keep_alive": "0", "start_interval": "300", "interface": "en0", "address": "10.0.0.5"]
        for (name, entry) in schedule {
            let sql = try #require(entry["query"] as? String)
            let columns = Self.selectedColumns(sql)
            #expect(!columns.isEmpty && columns.allSatisfy { samples[$0] != nil }, "\(name): \(columns)")
            var values = samples
            if name != "quietwire_socket_events" { values["protocol"] = "6" }
            let row = columns.map { "\"\($0)\":\"\(values[$0] ?? "")\"" }.joined(separator: ",")
            let line = #"{"name":""# + name + #"","hostIdentifier":"mac-01","unixTime":1795968000,"action":"added","columns":{"# + row + "}}"
            let load = FeedReader.read(text: line, format: .osquery)
            let kinds = load.records.map { r -> String in
                switch r {
                case .socket: "socket"
                case .agent: "agent"
                case .host: "host"
                case .process: "process"
                case .lookup: "lookup"
                }
            }
            #expect(kinds == [expected[name] ?? "?"], "\(name): \(kinds) \(load.problems)")
        }
        // An unknown node, and bodies that are not what the plugin sends, get node_invalid.
        for body in [#"{"node_key":"never-enrolled"}"#, "not json", #"{"node_key":"#, #"["node_key"]"#, #"{"node_key":42}"#] {
            let (status, answer) = try s.curl("/config", ["-XPOST"], body: body)
            #expect(status == 200 && answer.contains("\"node_invalid\":true") && !answer.contains("schedule"), "\(body): \(answer)")
        }
    }

    /// `sensor.osquery_config` replaces the built-in configuration, byte for byte.
    @Test func anOperatorsOsqueryConfigurationIsServedAsIs() throws {
        let mine = #"{"schedule":{"mine":{"query":"SELECT 1","interval":60}}}"#
        let s = try Running { $0.osqueryConfig = mine }
        defer { s.stop() }
        let (_, enrolled) = try s.curl("/enroll", ["-XPOST"], body: #"{"enroll_secret":"enroll-secret","host_identifier":"mac-01"}"#)
        let key = try #require(((try? JSONSerialization.jsonObject(with: Data(enrolled.utf8))) as? [String: Any])?["node_key"] as? String)
        let (status, text) = try s.curl("/config", ["-XPOST"], body: "{\"node_key\":\"\(key)\"}")
        #expect(status == 200 && text == mine)
    }

    /// The column names a SELECT list yields (the part after the last dot or AS).
    static func selectedColumns(_ sql: String) -> [String] {
        guard let select = sql.range(of: "SELECT "), let from = sql.range(of: " FROM ") else { return [] }
        return sql[select.upperBound..<from.lowerBound].split(separator: ",").map { item in
            let words = item.split(separator: " ")
            let last = words.last.map(String.init) ?? ""
            return String(last.split(separator: ".").last ?? "")
        }
    }

    @Test func theUploaderSpoolsWhileTheSensorIsAwayAndDeliversLate() throws {
        let port = Int.random(in: 30000..<60000)
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("qw-spool-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: spool) }
        // The token must exist before the sensor does: make the service's settings from it later.
        let (token, digest) = TokenAuthority.make()
        let uploader = try FeedUploader(url: "http://127.0.0.1:\(port)/v1/feed", token: token, spoolPath: spool, spoolLimit: 1 << 20, caFile: nil)
        defer { uploader.shutdown() }
        let stop = Atomic<Bool>(false)
        let finished = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            uploader.send(until: { stop.load(ordering: .relaxed) })
            finished.signal()
        }
        uploader.enqueue((0..<50).map { _ in Self.socketLine })
        // Nobody listens: the posts fail and the lines wait in the spool.
        #expect(Self.until(10) { uploader.counts.failures >= 1 })
        let spooled = try String(contentsOfFile: spool, encoding: .utf8)
        #expect(uploader.counts.sent == 0 && spooled.split(separator: "\n").count == 50)
        let s = try Running(port: port) { $0.tokens = [.init(endpoint: "laptop-1", sha256: digest)] }
        defer { s.stop() }
        uploader.enqueue((0..<10).map { _ in Self.socketLine })
        #expect(Self.until(40) { uploader.counts.sent == 60 }, "\(uploader.counts)")
        #expect(s.ingested.load(ordering: .relaxed) == 60)
        #expect((try String(contentsOfFile: spool, encoding: .utf8)).isEmpty)
        stop.store(true, ordering: .relaxed)
        #expect(finished.wait(timeout: .now() + 10) == .success)
    }

    @Test func aFullSpoolDropsTheOldestAndCountsThem() throws {
        let spool = FileManager.default.temporaryDirectory.appendingPathComponent("qw-spool-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: spool) }
        let uploader = try FeedUploader(url: "http://127.0.0.1:9/v1/feed", token: "t", spoolPath: spool, spoolLimit: 10_000, caFile: nil)
        defer { uploader.shutdown() }
        for _ in 0..<10 { uploader.enqueue((0..<10).map { "line-\($0)-" + String(repeating: "x", count: 200) }) }
        let left = try String(contentsOfFile: spool, encoding: .utf8)
        #expect(left.utf8.count <= 10_000 && uploader.counts.dropped > 0)
        #expect(left.hasSuffix("line-9-" + String(repeating: "x", count: 200) + "\n"))
        #expect(left.split(separator: "\n").allSatisfy { $0.hasPrefix("line-") })
    }

    static func until(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        for _ in 0..<Int(seconds * 10) {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }
}
