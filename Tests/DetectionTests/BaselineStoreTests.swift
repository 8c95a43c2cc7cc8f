import Detection
import Foundation
import Store
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
        b.orgFirstSeen = ["example.com": 1, "203.0.113.0/24": 5]
        b.hostsUsingDNS = ["mac-01"]
        b.trainedFrom = 1
        b.trainedUntil = 2
        let store = try BaselineStore(path: path)
        #expect(try store.isEmpty())
        try store.save(b)
        let loaded = try BaselineStore(path: path).load()
        #expect(loaded.agents == b.agents && loaded.orgFirstSeen == b.orgFirstSeen && loaded.hostsUsingDNS == b.hostsUsingDNS)
        let emptyAfterSave = try store.isEmpty()
        #expect(loaded.trainedFrom == 1 && loaded.trainedUntil == 2 && !emptyAfterSave)
        b.agents = [:]
        try store.save(b)
        #expect(try store.load().agents.isEmpty)
    }

    @Test func aFileThatIsNotADatabaseSaysSo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qw-notdb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("this is not sqlite".utf8 + [UInt8](repeating: 0, count: 200)).write(to: URL(fileURLWithPath: path))
        #expect(throws: BaselineStore.Failure.self) { _ = try BaselineStore(path: path) }
    }
}
