import Detection
import Foundation
import GRDB
@testable import Store
import Testing

/// The baseline survives a round trip through SQLite; later saves write only what changed,
/// and the file always holds the baseline last saved.
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

    /// A checkpoint writes the rows that changed, not the whole baseline, and the file then
    /// holds exactly the new baseline.
    @Test func aSaveWritesOnlyWhatChanged() throws {
        let path = Self.temporaryPath("qw-baseline-delta")
        defer { Self.remove(path) }
        var b = Baseline()
        for i in 0..<20 { b.agents[Self.agent(i)] = Self.agentState(i) }
        for i in 0..<2_000 { b.destinations["d\(i).example"] = Sighting(first: Int64(i), last: Int64(i) + 100) }
        for i in 0..<300 { b.hostsUsingDNS["h\(i)"] = Sighting(at: Int64(i)) }
        b.trainedFrom = 0
        b.trainedUntil = 5_000
        let store = try BaselineStore(path: path)
        let first = try store.save(b)
        #expect(first > 2_300)
        b.destinations["d7.example"]?.last += 60
        b.destinations["new.example"] = Sighting(at: 99)
        b.destinations["d8.example"] = nil
        b.hostsUsingDNS["h3"]?.last += 60
        let changed = Self.agent(4)
        if let channel = b.agents[changed]?.channels.keys.first { b.agents[changed]?.channels[channel]?.sessions += 1 }
        b.trainedUntil = 5_060
        // 3 destinations, 1 host; the agent's row, its 2 channels and 2 executables deleted and
        // written again (9); the 2 training times deleted and written again; the generation.
        #expect(try store.save(b) == 18)
        #expect(try store.save(b) == 1)  // nothing changed: only the generation
        Self.expectSame(try BaselineStore(path: path).load(), b)
    }

    /// Random changes saved one after another leave the file equal to the baseline each time,
    /// through the store that saves and through a store opened afresh, whose first save starts
    /// from what it loaded.
    @Test func incrementalSavesKeepTheFileEqualToTheBaseline() throws {
        let path = Self.temporaryPath("qw-baseline-random")
        defer { Self.remove(path) }
        var rng = SeededGenerator(seed: 20_261_130)
        var b = Baseline()
        var store = try BaselineStore(path: path)
        for round in 0..<60 {
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let i = Int.random(in: 0..<15, using: &rng)
                switch Int.random(in: 0..<9, using: &rng) {
                case 0: b.agents[Self.agent(i)] = Self.agentState(i + round)
                case 1: b.agents[Self.agent(i)] = nil
                case 2: b.agents[Self.agent(i)]?.channels = [:]
                case 3: b.agents[Self.agent(i)]?.executables.insert("/bin/r\(round)")
                case 4: b.agents[Self.agent(i)]?.usedProxy.toggle()
                case 5: b.destinations["d\(i)"] = Sighting(first: Int64(i), last: Int64(round))
                case 6: b.destinations["d\(i)"] = nil
                case 7: b.hostsUsingDNS["h\(i)"] = Bool.random(using: &rng) ? nil : Sighting(at: Int64(round))
                default: b.trainedUntil = Bool.random(using: &rng) ? nil : Int64(round)
                }
            }
            if round % 10 == 9 { store = try BaselineStore(path: path); _ = try store.load() }
            try store.save(b)
            Self.expectSame(try BaselineStore(path: path).load(), b)
        }
    }

    /// When another store wrote the file after this one last saved, this one's next save
    /// writes everything rather than changes against a file that no longer holds its last save.
    @Test func anotherWriterMakesTheNextSaveWriteEverything() throws {
        let path = Self.temporaryPath("qw-baseline-two-writers")
        defer { Self.remove(path) }
        let mine = try BaselineStore(path: path), theirs = try BaselineStore(path: path)
        var b = Baseline()
        b.agents[Self.agent(1)] = Self.agentState(1)
        b.destinations = ["a.example": Sighting(at: 1), "b.example": Sighting(at: 2)]
        try mine.save(b)
        var other = Baseline()
        other.agents[Self.agent(2)] = Self.agentState(2)
        other.destinations = ["c.example": Sighting(at: 3)]
        try theirs.save(other)
        b.destinations["d.example"] = Sighting(at: 4)
        try mine.save(b)
        Self.expectSame(try BaselineStore(path: path).load(), b)
    }

    /// A file without a generation (written before schema v5, or since by an older binary,
    /// which drops it) is never diffed against: the next save rewrites it whole.
    @Test func aFileWithoutAGenerationIsRewrittenWhole() throws {
        let path = Self.temporaryPath("qw-baseline-no-generation")
        defer { Self.remove(path) }
        var b = Baseline()
        b.destinations = ["a.example": Sighting(at: 1)]
        try BaselineStore(path: path).save(b)
        let pool = try DatabasePool(path: path)
        try pool.write { db in try db.execute(sql: "DELETE FROM meta WHERE key = 'generation'") }
        let store = try BaselineStore(path: path)
        _ = try store.load()
        // An older binary rewrites the file meanwhile, without a generation.
        try pool.write { db in try db.execute(sql: "INSERT INTO destination (name, first_seen, last_seen) VALUES ('stray.example', 2, 2)") }
        b.destinations["b.example"] = Sighting(at: 3)
        try store.save(b)
        Self.expectSame(try BaselineStore(path: path).load(), b)
    }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).db").path
    }

    static func remove(_ path: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
    }

    static func agent(_ i: Int) -> AgentKey {
        AgentKey(host: "mac-\(i % 3)", label: "com.example.agent\(i)", program: i % 2 == 0 ? "/opt/a\(i)" : nil, teamID: nil)
    }

    /// An agent with two channels and two executables; `version` varies the numbers.
    static func agentState(_ version: Int) -> Baseline.Agent {
        var a = Baseline.Agent()
        a.startInterval = 60 * (version % 5 + 1)
        a.executables = ["/opt/a", "/usr/bin/curl\(version % 2)"]
        for port: UInt16 in [443, 8443] {
            let key = ChannelKey(destination: "v\(version).example", transport: "tcp", port: port, proto: "ssl", isAddress: false)
            a.channels[key] = Baseline.Channel(channel: key, sessions: version + 2, successfulSessions: version + 1, days: [20_000, Int64(20_000 + version)],
                                               first: 1, last: Int64(version + 2), lastSuccess: version % 3 == 0 ? nil : 2, gaps: [60, Double(version)])
        }
        return a
    }

    static func expectSame(_ loaded: Baseline, _ b: Baseline, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(loaded.agents == b.agents, sourceLocation: sourceLocation)
        #expect(loaded.destinations == b.destinations, sourceLocation: sourceLocation)
        #expect(loaded.hostsUsingDNS == b.hostsUsingDNS, sourceLocation: sourceLocation)
        #expect(loaded.trainedFrom == b.trainedFrom && loaded.trainedUntil == b.trainedUntil, sourceLocation: sourceLocation)
    }

    @Test func aFileThatIsNotADatabaseSaysSo() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qw-notdb-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("this is not sqlite".utf8 + [UInt8](repeating: 0, count: 200)).write(to: URL(fileURLWithPath: path))
        #expect(throws: BaselineStore.Failure.self) { _ = try BaselineStore(path: path) }
    }
}

/// xorshift64*: the same numbers on every run, so a failing round can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
