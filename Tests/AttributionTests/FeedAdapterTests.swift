import Foundation
import SensorCore
import Testing
@testable import Attribution

/// Each adapter on fixtures shaped like its tool's documented output, malformed lines included.
@Suite struct FeedAdapterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static func sockets(_ load: FeedReader.Load) -> [SocketRecord] {
        load.records.compactMap { if case .socket(let s) = $0 { s } else { nil } }
    }

    @Test func osqueryDocumentationExamplesInEventAndBatchForm() throws {
        // osquery's own docs: pretty-printed, `hostname` instead of `hostIdentifier`, a processes query.
        for name in ["osquery-docs__logging.md__event-added.json", "osquery-docs__logging.md__batch.json"] {
            let load = try FeedReader.read(path: "\(Self.fixtures)/osquery/\(name)")
            #expect(load.problems.isEmpty, "\(load.problems)")
            let processes = load.records.compactMap { if case .process(let p) = $0 { p } else { nil } }
            #expect(processes.count == 1)  // the batch's removed row is a process that ended
            #expect(processes.first?.process.pid == 97830)
            #expect(processes.first?.process.executable == "/usr/local/bin/osqueryd")
            #expect(processes.first?.hostID == "hostname.local")
            #expect(processes.first?.time == Timestamp(seconds: 1_412_123_850, nanoseconds: 0))
        }
    }

    @Test func osqueryRowsAreRecognisedByTheirColumns() throws {
        let load = try FeedReader.read(path: "\(Self.fixtures)/osquery/sockets-and-launchd.ndjson")
        #expect(load.lines == 7)
        let sockets = Self.sockets(load)
        #expect(sockets.count == 3)
        let open = try #require(sockets.first)
        #expect(open.event == .snapshot && open.source == "osquery/process_open_sockets")
        #expect(open.localAddress == IPAddress("10.1.0.20") && open.localPort == 50123)
        #expect(open.remoteAddress == IPAddress("17.253.144.10") && open.remotePort == 443 && open.transport == 6)
        #expect(open.process.pid == 812 && open.process.ppid == 1 && open.process.name == "managedsoftwareupdate")
        #expect(open.process.commandLine == "/usr/local/munki/managedsoftwareupdate --auto")
        // numerics: true writes numbers; `removed` ends the socket.
        #expect(sockets[1].event == .close && sockets[1].time == Timestamp(seconds: 1_795_946_460, nanoseconds: 0))
        let event = sockets[2]
        #expect(event.source == "osquery/socket_events" && event.event == .open && event.process.pid == 2201)
        #expect(event.time == Timestamp(seconds: 1_795_946_410, nanoseconds: 0))
        let agents = load.records.compactMap { if case .agent(let a) = $0 { a } else { nil } }
        #expect(agents.count == 1)
        #expect(agents.first?.label == "com.example.updater" && agents.first?.startInterval == 3600)
        #expect(agents.first?.programArguments == ["/opt/example/updater", "--check"] && agents.first?.domain == .system)
        #expect(agents.first?.executable == "/opt/example/updater" && agents.first?.runAtLoad == true)
        let hosts = load.records.compactMap { if case .host(let h) = $0 { h } else { nil } }
        #expect(hosts.map(\.addresses) == [[IPAddress("10.1.0.20")!]])
        #expect(load.ignored == 1)  // the mounts row
        // The bad pid row of the batch, the line without a host, and the cut line; the good rows beside them stay.
        #expect(load.problemCount == 3)
        #expect(load.problems.map(\.line) == [3, 6, 7])
        #expect(load.problems[0].reason.contains("row 2"))
        #expect(load.problems[1].reason.contains("hostIdentifier"))
        #expect(load.problems[2].reason.contains("not JSON"))
    }

    @Test func ecsNetworkEventsAsElasticDefendWritesThem() throws {
        let load = try FeedReader.read(path: "\(Self.fixtures)/ecs-network.ndjson")
        let sockets = Self.sockets(load)
        #expect(sockets.count == 3)
        let attempt = sockets[0]
        #expect(attempt.event == .open && attempt.hostID == "6f1c" && attempt.source == "ecs")
        #expect(attempt.time == FeedTime.rfc3339("2026-11-29T10:00:05.25Z"))
        #expect(attempt.localAddress == IPAddress("10.1.0.30") && attempt.localPort == 50555)
        #expect(attempt.remoteAddress == IPAddress("151.101.1.69") && attempt.remotePort == 443)
        #expect(attempt.process.teamID == "ABCDE12345" && attempt.process.signingID == "com.vendor.updater")
        #expect(attempt.process.ppid == 1 && attempt.process.user == "alice")
        // Flattened dotted keys read the same as nested objects.
        #expect(sockets[1].event == .close && sockets[1].process.pid == 4410 && sockets[1].localPort == 50555)
        // An accepted connection's local end is the destination.
        #expect(sockets[2].localPort == 22 && sockets[2].remoteAddress == IPAddress("10.1.0.99"))
        let lookups = load.records.compactMap { if case .lookup(let l) = $0 { l } else { nil } }
        #expect(lookups.first?.query == "updates.vendor.example" && lookups.first?.answers == [IPAddress("151.101.1.69")!])
        #expect(load.records.contains { if case .process(let p) = $0 { p.process.pid == 4410 } else { false } })
        #expect(load.ignored == 1)
        #expect(load.problems.map(\.line) == [7, 8])
        #expect(load.problems[0].reason.contains("@timestamp") && load.problems[1].reason.contains("transport"))
    }

    @Test func lsofSnapshotsWithTimeMarkers() throws {
        let load = try FeedReader.read(path: "\(Self.fixtures)/lsof-network.txt")
        let sockets = Self.sockets(load)
        #expect(sockets.count == 4)
        #expect(sockets[0].process.pid == 812 && sockets[0].process.name == "managedsoftwareupdate" && sockets[0].process.ppid == 1)
        #expect(sockets[0].process.user == "root" && sockets[0].event == .snapshot && sockets[0].source == "lsof")
        #expect(sockets[0].remoteAddress == IPAddress("17.253.144.10") && sockets[0].remotePort == 443)
        #expect(sockets[1].transport == 17 && sockets[1].localAddress == IPAddress("fe80::1") && sockets[1].remoteAddress == nil)
        #expect(sockets[2].process.pid == 900 && sockets[2].localAddress == nil && sockets[2].localPort == 5353)
        #expect(sockets[3].time == Timestamp(seconds: 1_795_946_460, nanoseconds: 0))
        // A name that is not numeric (lsof run without -n -P) is reported, not guessed.
        #expect(load.problems.count == 1 && load.problems[0].line == 22 && load.problems[0].reason.contains("-n -P"))
    }

    @Test func lsofOutputFromAnotherProjectHasNoNetworkFiles() throws {
        // keybase's lsof test data: regular files only, and no time marker.
        let load = try FeedReader.read(path: "\(Self.fixtures)/keybase__lsof_test.go__TestParse.txt", format: .lsof)
        #expect(load.records.isEmpty && load.problems.isEmpty)
    }

    @Test func nativeSchemaRecordsAndTheirErrors() {
        let text = """
            {"schema":"quietwire.feed/1","type":"socket","time":"2026-11-29T10:00:00Z","host_id":"h1","event":"open","transport":"udp","pid":42,"ppid":1,"executable":"/usr/bin/dig","local_address":"10.0.0.5","local_port":40000,"remote_address":"9.9.9.9","remote_port":53,"label":"dig.service"}
            {"type":"agent","host_id":"h1","label":"com.example.agent","program_arguments":["/opt/a","-x"],"start_interval":300,"keep_alive":true,"domain":"user"}
            {"type":"host","host_id":"h1","name":"laptop","addresses":["10.0.0.5","fd00::5"],"valid_from":1795946400}
            {"type":"dns","time":1795946400.5,"host_id":"h1","pid":42,"query":"example.com","answers":["93.184.216.34"]}
            {"type":"process","time":1795946400,"host_id":"h1","pid":42,"ppid":7,"executable":"/usr/bin/dig"}
            {"schema":"quietwire.feed/2","type":"socket"}
            {"type":"socket","time":"2026-11-29T10:00:00Z","host_id":"h1","event":"opened","transport":"udp","pid":42,"local_port":1}
            {"type":"socket","time":"yesterday","host_id":"h1","event":"open","transport":"tcp","pid":42,"local_port":1}
            {"type":"socket","time":1,"host_id":"h1","event":"open","transport":"tcp","pid":42,"local_port":70000}
            {"type":"host","host_id":"h1","addresses":["10.0.0.300"]}
            {"type":"banana"}
            [1,2]
            {"type":"socket","time":1,"host_id":"h1","event":"open","transport":"tcp","pid":-1,"local_port":1}
            """
        let load = FeedReader.read(text: text)
        #expect(load.records.count == 5)
        guard case .socket(let s) = load.records[0] else { Issue.record("not a socket"); return }
        #expect(s.transport == 17 && s.process.label == "dig.service" && s.remotePort == 53 && s.source == "native")
        guard case .agent(let a) = load.records[1] else { Issue.record("not an agent"); return }
        #expect(a.executable == "/opt/a" && a.startInterval == 300 && a.keepAlive == true && a.domain == .user)
        guard case .lookup(let l) = load.records[3] else { Issue.record("not a lookup"); return }
        #expect(l.time == Timestamp(nanoseconds: 1_795_946_400_500_000_000))
        #expect(load.problems.map(\.line) == [6, 7, 8, 9, 10, 11, 12, 12, 13])
        #expect(load.problems[0].reason.contains("quietwire.feed/2"))
        #expect(load.problems[1].reason.contains("'event'"))
        #expect(load.problems[2].reason.contains("RFC 3339"))
        #expect(load.problems[3].reason.contains("local_port"))
        #expect(load.problems[8].reason.contains("pid"))
    }

    @Test func hostileFeedTextNeverTraps() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["{", "}", "[", "]", "\"", ":", ",", "\\u", "d83d", "\\", "1e999", "-", "null", "\n", "{\"type\":\"socket\"", "p1\n", "tIPv4\n", "n*:x\n", "#quietwire-lsof time=1 host=h\n", "\u{0}"]
        for _ in 0..<500 {
            var text = ""
            for _ in 0..<Int.random(in: 1...60, using: &generator) { text += pieces.randomElement(using: &generator)! }
            _ = FeedReader.read(text: text)
            _ = FeedReader.read(text: text, format: .lsof)
        }
        // Deep nesting stops at the limit instead of recursing without bound.
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(deep) }
    }

    @Test func jsonParserFollowsRFC8259() throws {
        let v = try JSONParser.parse(#"{"a":[1,-2.5e2,true,false,null],"s":"\u00e9\ud83d\ude00\n\"","e":{}}"#)
        #expect(v["a"] == .array([.number(1), .number(-250), .bool(true), .bool(false), .null]))
        #expect(v["s"] == .string("é😀\n\""))
        #expect(v["e"] == .object([]))
        for bad in ["", "{", "{\"a\"}", "[1,]", "01x", "\"\u{1}\"", "tru", "{\"a\":1}x", "1.", "-", "\"\\x\""] {
            #expect(throws: JSONParser.Failure.self, "\(bad)") { try JSONParser.parse(bad) }
        }
    }

    @Test func feedTimesInEveryShape() {
        let t = Timestamp(seconds: 1_795_946_400, nanoseconds: 0)
        #expect(FeedTime.parse(.number(1_795_946_400)) == t)
        #expect(FeedTime.parse(.string("1795946400")) == t)
        #expect(FeedTime.parse(.number(1_795_946_400_000)) == t)  // milliseconds
        #expect(FeedTime.parse(.number(1_795_946_400_000_000)) == t)  // microseconds
        #expect(FeedTime.parse(.string("2026-11-29T10:00:00Z")) == t)
        #expect(FeedTime.parse(.string("2026-11-29T12:00:00+02:00")) == t)
        #expect(FeedTime.parse(.string("2026-11-29 10:00:00.000000001Z")) == Timestamp(seconds: 1_795_946_400, nanoseconds: 1))
        #expect(FeedTime.parse(.string("2026-13-29T10:00:00Z")) == nil)
        #expect(FeedTime.parse(.string("2026-11-29T10:00:00Zjunk")) == nil)
        #expect(FeedTime.parse(.number(-1)) == nil)
        #expect(FeedTime.parse(.number(.infinity)) == nil)
    }
}

/// docs/quietwire-feed.schema.json and the reader agree on what each record type requires.
@Suite struct FeedSchemaTests {
    static let schemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/quietwire-feed.schema.json").path

    /// A record of each type with every required field.
    static let minimal: [String: [(String, String)]] = [
        "socket": [("time", "1795946400"), ("host_id", "\"h\""), ("pid", "1"), ("transport", "\"tcp\""), ("event", "\"open\""), ("local_port", "5")],
        "agent": [("host_id", "\"h\""), ("label", "\"l\"")],
        "host": [("host_id", "\"h\""), ("addresses", "[\"10.0.0.1\"]")],
        "dns": [("time", "1795946400"), ("host_id", "\"h\""), ("query", "\"example.com\"")],
        "process": [("time", "1795946400"), ("host_id", "\"h\""), ("pid", "1")],
    ]

    static func line(_ type: String, _ fields: [(String, String)]) -> String {
        "{\"type\":\"\(type)\"" + fields.map { ",\"\($0.0)\":\($0.1)" }.joined() + "}"
    }

    @Test func requiredFieldsMatchTheSchema() throws {
        let schema = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Self.schemaPath))))
        #expect(schema.path("properties.schema")?["const"]?.text == NativeFeedAdapter.schema)
        let rules = try #require(schema["allOf"]?.array)
        var seen: Set<String> = []
        for rule in rules {
            let type = try #require(rule.path("if.properties.type")?["const"]?.text)
            let required = Set(try #require(rule.path("then.required")?.array).compactMap(\.text))
            let fields = try #require(Self.minimal[type])
            #expect(Set(fields.map(\.0)) == required, "\(type): schema requires \(required.sorted())")
            #expect(FeedReader.read(text: Self.line(type, fields)).problems.isEmpty, "\(type) with its required fields is rejected")
            for missing in fields.map(\.0) {
                let load = FeedReader.read(text: Self.line(type, fields.filter { $0.0 != missing }))
                #expect(load.problemCount == 1 && load.records.isEmpty, "\(type) without \(missing) is accepted")
            }
            seen.insert(type)
        }
        #expect(seen == NativeFeedAdapter.types)
    }
}
