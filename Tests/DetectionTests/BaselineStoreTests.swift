import Detection
import Foundation
import GRDB
@testable import Store
import Testing

/// The baseline survives a round trip through SQLite, and a second save replaces the first.
@Suite struct BaselineStoreTests {
    @Test func aBaselineRoundTripsThroughSQLite() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qw-baseline-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        var b = Baseline()
        let agent = AgentKey(host: "mac-01", label: "com.example.updater", program: "/opt/u", teamID: nil)
        let key = ChannelKey(destination: "example.com", transport: "tcp", port: 443, proto: "ssl", isAddress: false)
        var a = Baseline.Agent()
        a.startInterval = 3600
        a.plistPath = "/Library/LaunchAgents/com.example.updater.plist"
        a.executables = ["/opt/u", "/usr/bin/curl"]
        a.usedProxy = true
        a.channels[key] = Baseline.Channel(channel: key, sessions: 48, successfulSessions: 47, days: [20_760, 20_761], first: 1, last: 2,
                                           lastSuccess: 2, gaps: [3600, 3599.5, 3601.25])
        b.agents[agent] = a
        b.destinations = ["example.com": Sighting(first: 1, last: 2), "203.0.113.0/24": Sighting(at: 5)]
        b.hostsUsingDNS = ["mac-01": Sighting(first: 1, last: 2)]
        b.trainedFrom = 1
        b.trainedUntil = 2
        let store = try BaselineStore(path: path)
        #expect(try store.isEmpty())
        try store.save(b)
        let loaded = try BaselineStore(path: path).load()
        #expect(loaded.agents == b.agents && loaded.destinations == b.destinations && loaded.hostsUsingDNS == b.hostsUsingDNS)
        let emptyAfterSave = try store.isEmpty()
        #expect(loaded.trainedFrom == 1 && loaded.trainedUntil == 2 && !emptyAfterSave)
        b.agents = [:]
        try store.save(b)
        #expect(try store.load().agents.isEmpty)
    }

    /// A baseline written before last sightings were kept (schema v3) opens: its rows count as
    /// seen until the end of what it had learned, so the next learn forgets none too soon.
    @Test func aVersionThreeBaselineGainsLastSightings() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qw-baseline-v3-\(UUID().uuidString).db").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        do {
            let pool = try DatabasePool(path: path)
            try BaselineStore.migrator.migrate(pool, upTo: "v3")
            try pool.write { db in
                try db.execute(sql: "INSERT INTO destination (name, first_seen) VALUES ('example.com', 10), ('late.example', 900)")
                try db.execute(sql: "INSERT INTO dns_host (host) VALUES ('mac-01')")
                try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('trained_from', '10'), ('trained_until', '500')")
            }
        }
        let loaded = try BaselineStore(path: path).load()
        #expect(loaded.destinations == ["example.com": Sighting(first: 10, last: 500), "late.example": Sighting(at: 900)])
        #expect(loaded.hostsUsingDNS == ["mac-01": Sighting(first: 10, last: 500)])
    }

    @Test func aFileThatIsNotADatabaseSaysSo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qw-notdb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("this is not sqlite".utf8 + [UInt8](repeating: 0, count: 200)).write(to: URL(fileURLWithPath: path))
        #expect(throws: BaselineStore.Failure.self) { _ = try BaselineStore(path: path) }
    }
}
