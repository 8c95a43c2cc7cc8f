import Attribution
import Capture
import Config
import Coverage
import Detection
import Flows
import Foundation
import Outputs
import Sensor
import Store
import Testing
import TestSupport

/// The live sensor's loop on the demo scenario's capture (a file source runs the same code
/// as an interface, with packet time as the clock): it finds the alert `analyze` finds, as
/// soon as the evidence is complete, and a restart on the same directory resumes the
/// baseline, archives the logs and writes no alert twice.
@Suite struct LiveSensorTests {
    /// Runs the sensor over `capture` into `out`; returns its summary and the alert lines.
    static func run(_ dir: String, out: String, rotateBytes: Int = 1 << 30) throws -> (LiveSensor.Summary, [String], resumedAgents: Int) {
        var settings = SensorSettings()
        settings.attributionLag = 30
        settings.learnDelay = 6 * 3600
        settings.judgeInterval = 60
        settings.checkpointInterval = 3600
        settings.rotateInterval = 86_400
        settings.rotateBytes = rotateBytes
        try FileManager.default.createDirectory(atPath: out + "/state", withIntermediateDirectories: true)
        let store = try BaselineStore(path: out + "/state/baseline.db")
        let resumed = try store.isEmpty() ? Baseline() : try store.load()
        let alerts = try AlertLog(path: out + "/alerts.ndjson")
        let correlator = Correlator()
        correlator.ingest(try LaunchdInventory.read(directory: dir + "/inventory").agents.map { .agent($0) })
        _ = try FeedReader.read(path: dir + "/sockets.ndjson") { correlator.ingest($0) }
        let detection = LiveDetection(settings: DetectionSettings(), domains: try #require(PublicSuffixList.shipped), baseline: resumed,
                                      learnDelay: settings.learnDelay, judgeInterval: settings.judgeInterval, reported: alerts.ids)
        let sensor = try LiveSensor(source: try PacketSource.openFile(dir + "/capture.pcap"), options: .init(out: out, settings: settings, flows: FlowSettings()),
                                    correlator: correlator, detection: detection, store: store, journal: nil, inbox: FeedInbox(), alerts: alerts,
                                    metrics: nil, coverage: CoverageCollector(proxies: [], approvedResolvers: [], domains: try #require(PublicSuffixList.shipped)),
                                    note: { _ in })
        let summary = sensor.run()
        let lines = (try? String(contentsOfFile: out + "/alerts.ndjson", encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        return (summary, lines, resumed.agents.count)
    }

    static func ids(_ lines: [String]) -> [String] {
        lines.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.compactMap { $0["event.id"] as? String }
    }

    @Test func findsTheAlertAnalyzeFindsAndARestartRepeatsNothing() throws {
        let dir = DemoScenarioTests.temporary("live")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DemoScenario.write(to: dir)
        let batch = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/capture.pcap", "--feed", dir + "/sockets.ndjson",
                                                              "--inventory", dir + "/inventory", "--out", dir + "/batch"])
        #expect(batch.status == 0, "\(batch.err)")
        let expected = Self.ids(try String(contentsOfFile: dir + "/batch/alerts.ndjson", encoding: .utf8).split(separator: "\n").map(String.init))
        #expect(expected.count == 1)

        let (first, lines, resumedFirst) = try Self.run(dir, out: dir + "/live")
        #expect(resumedFirst == 0 && first.failure == nil && first.checkpoints >= 1)
        // coverage.json, as analyze writes it, with the figures since the sensor started.
        let coverage = try CoverageCommandTests.json(dir + "/live/coverage.json")
        let batchCoverage = try CoverageCommandTests.json(dir + "/batch/coverage.json")
        #expect(coverage["schema"] as? String == "quietwire.coverage/1")
        #expect((coverage["egress"] as? [String: Any])?["flows"] as? Int == (batchCoverage["egress"] as? [String: Any])?["flows"] as? Int)
        #expect(Self.ids(lines) == expected, "\(lines)")
        let alert = try #require((try JSONSerialization.jsonObject(with: Data(lines[0].utf8))) as? [String: Any])
        #expect(alert["process.executable"] as? String != nil || alert["quietwire.agent.label"] as? String != nil || lines[0].contains("com.example.updater"))
        // Daily rotation over the scenario's days loses no row: the archived conn logs and the
        // last one hold every flow of analyze's conn.log, each file framed with its #close.
        func rows(_ path: String) throws -> [String] {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            #expect(text.hasPrefix("#separator") && text.contains("\n#close\t"), "\(path)")
            return text.components(separatedBy: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
        }
        let connFiles = try FileManager.default.contentsOfDirectory(atPath: dir + "/live").filter { $0.hasPrefix("conn.") }
        #expect(connFiles.count >= 3 && first.rotations == connFiles.count - 1, "\(connFiles)")
        let liveRows = try connFiles.flatMap { try rows(dir + "/live/" + $0) }
        #expect(liveRows.count == (try rows(dir + "/batch/conn.log")).count)

        // Again over the same directory: the baseline resumes, the logs are archived, the alert is not repeated.
        let (second, again, resumedSecond) = try Self.run(dir, out: dir + "/live")
        #expect(resumedSecond >= 3 && second.alerts == 0 && again == lines)
        let archived = try FileManager.default.contentsOfDirectory(atPath: dir + "/live").filter { $0.hasPrefix("conn.") }
        #expect(archived.count == 2 * connFiles.count, "\(archived)")
    }

    @Test func logsRotateBySizeWithoutLosingARow() throws {
        let dir = DemoScenarioTests.temporary("rotate")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try DemoScenario.write(to: dir)
        func connRows(_ out: String) throws -> (rows: Int, files: Int, largest: Int) {
            let files = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("conn.") }
            var rows = 0, largest = 0
            for f in files {
                let text = try String(contentsOfFile: out + "/" + f, encoding: .utf8)
                #expect(text.hasPrefix("#separator") && text.contains("\n#close\t"), "\(f)")
                rows += text.split(separator: "\n").filter { !$0.hasPrefix("#") }.count
                largest = max(largest, text.utf8.count)
            }
            return (rows, files.count, largest)
        }
        _ = try Self.run(dir, out: dir + "/daily")
        let (summary, _, _) = try Self.run(dir, out: dir + "/sized", rotateBytes: 16 * 1024)
        let daily = try connRows(dir + "/daily"), sized = try connRows(dir + "/sized")
        #expect(sized.rows == daily.rows && sized.rows >= 252, "\(sized) \(daily)")
        #expect(sized.files > daily.files && summary.rotations == sized.files - 1, "\(sized) \(daily) \(summary.rotations)")
        // Each archive is cut within a second of packet time after it passed the size.
        #expect(sized.largest < 64 * 1024, "\(sized.largest) bytes")
    }

    @Test func aHalfWrittenAlertLineIsCutAndTheIdsAreRead() throws {
        let dir = DemoScenarioTests.temporary("alertlog")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/alerts.ndjson"
        let half = "{\"event.id\":\"qw-00000000000"
        try ("{\"event.id\":\"qw-0000000000000001\",\"x\":1}\n" + half).write(toFile: path, atomically: true, encoding: .utf8)
        let log = try AlertLog(path: path)
        #expect(log.repairedBytes == half.utf8.count && log.ids == ["qw-0000000000000001"])
        try log.append(line: "{\"event.id\":\"qw-0000000000000002\"}", id: "qw-0000000000000002")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"event.id\":\"qw-0000000000000001\",\"x\":1}\n{\"event.id\":\"qw-0000000000000002\"}\n")
    }

    @Test func theFeedJournalReplaysEarlierGenerationsAndForgetsOldOnes() throws {
        let dir = DemoScenarioTests.temporary("journal")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let j = try FeedJournal(directory: dir, retention: 3600)
            try j.append(["a", "b"])
            j.rotate()
            try j.append(["c"])
        }
        let restarted = try FeedJournal(directory: dir, retention: 0)
        #expect(restarted.replay().map(\.text) == ["a\nb\n", "c\n"])
        restarted.rotate()  // retention 0: the closed generations go
        usleep(10_000)
        restarted.rotate()
        #expect(restarted.replay().count <= 1)
    }
}
