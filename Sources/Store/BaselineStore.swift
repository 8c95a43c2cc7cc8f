import Detection
import GRDB

/// The detection baseline in SQLite (one file, WAL, versioned schema through GRDB's
/// migrator: v1 agents and channels, v2 the executables that did each agent's network I/O,
/// v3 whether it used a configured proxy, v4 when destinations and DNS hosts were last seen):
/// agents, their channels with sessions, days and awake gaps, the organisation's
/// destinations and the hosts that use plain DNS, with when each was first and last seen. `quietwire learn` extends it;
/// `quietwire analyze --baseline` judges against it.
public final class BaselineStore: Sendable {
    public let path: String
    private let pool: DatabasePool

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Opens (creating when missing) the database at `path` and brings its schema up to date.
    public init(path: String) throws(Failure) {
        self.path = path
        do {
            pool = try DatabasePool(path: path)
            try Self.migrator.migrate(pool)
        } catch {
            throw Failure(description: "cannot open the baseline \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "meta") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
            try db.create(table: "agent") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("host", .text).notNull()
                t.column("label", .text)
                t.column("program", .text)
                t.column("team_id", .text)
                t.column("start_interval", .integer)
                t.column("plist_path", .text)
            }
            try db.create(table: "channel") { t in
                t.column("agent_id", .integer).notNull().references("agent", onDelete: .cascade)
                t.column("destination", .text).notNull()
                t.column("transport", .text).notNull()
                t.column("port", .integer).notNull()
                t.column("proto", .text).notNull()
                t.column("is_address", .boolean).notNull()
                t.column("sessions", .integer).notNull()
                t.column("successful_sessions", .integer).notNull()
                t.column("days", .text).notNull()  // days since 1970, comma-separated
                t.column("first", .integer).notNull()  // nanoseconds
                t.column("last", .integer).notNull()
                t.column("last_success", .integer)
                t.column("gaps", .text).notNull()  // awake seconds, comma-separated
            }
            try db.create(table: "destination") { t in
                t.primaryKey("name", .text)
                t.column("first_seen", .integer).notNull()
            }
            try db.create(table: "dns_host") { t in
                t.primaryKey("host", .text)
            }
        }
        m.registerMigration("v2") { db in
            try db.create(table: "agent_executable") { t in
                t.column("agent_id", .integer).notNull().references("agent", onDelete: .cascade)
                t.column("executable", .text).notNull()
            }
        }
        m.registerMigration("v3") { db in
            try db.alter(table: "agent") { t in t.add(column: "used_proxy", .boolean).notNull().defaults(to: false) }
        }
        m.registerMigration("v4") { db in
            try db.alter(table: "destination") { t in t.add(column: "last_seen", .integer) }
            try db.alter(table: "dns_host") { t in
                t.add(column: "first_seen", .integer)
                t.add(column: "last_seen", .integer)
            }
            // Before v4 only first sightings were kept: rows count as seen until the end of
            // what was learned, so none is forgotten sooner than it should be.
            let from = "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'trained_from')"
            let until = "(SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'trained_until')"
            try db.execute(sql: "UPDATE destination SET last_seen = MAX(first_seen, COALESCE(\(until), first_seen))")
            try db.execute(sql: "UPDATE dns_host SET first_seen = COALESCE(\(from), 0), last_seen = COALESCE(\(until), 0)")
        }
        return m
    }

    /// True when nothing was ever learned into this file.
    public func isEmpty() throws(Failure) -> Bool {
        do {
            return try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM agent") ?? 0 } == 0
                && (try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM destination") ?? 0 }) == 0
        } catch {
            throw Failure(description: "cannot read the baseline \(path): \(error)")
        }
    }

    /// The whole baseline.
    public func load() throws(Failure) -> Baseline {
        do {
            return try pool.read { db in
                var b = Baseline()
                var agents: [Int64: AgentKey] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT * FROM agent") {
                    let key = AgentKey(host: row["host"], label: row["label"], program: row["program"], teamID: row["team_id"])
                    agents[row["id"]] = key
                    var a = Baseline.Agent()
                    a.startInterval = row["start_interval"]
                    a.plistPath = row["plist_path"]
                    a.usedProxy = row["used_proxy"]
                    b.agents[key] = a
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM channel") {
                    guard let key = agents[row["agent_id"]] else { continue }
                    let port: Int = row["port"]
                    let channel = ChannelKey(destination: row["destination"], transport: row["transport"], port: UInt16(clamping: port),
                                             proto: row["proto"], isAddress: row["is_address"])
                    let days: String = row["days"], gaps: String = row["gaps"]
                    b.agents[key]?.channels[channel] = Baseline.Channel(
                        channel: channel, sessions: row["sessions"], successfulSessions: row["successful_sessions"],
                        days: Set(days.split(separator: ",").compactMap { Int64($0) }), first: row["first"], last: row["last"],
                        lastSuccess: row["last_success"], gaps: gaps.split(separator: ",").compactMap { Double($0) })
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM agent_executable") {
                    guard let key = agents[row["agent_id"]] else { continue }
                    b.agents[key]?.executables.insert(row["executable"])
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM destination") {
                    let first: Int64 = row["first_seen"]
                    b.destinations[row["name"]] = Sighting(first: first, last: row["last_seen"] ?? first)
                }
                for row in try Row.fetchAll(db, sql: "SELECT * FROM dns_host") {
                    let first: Int64 = row["first_seen"] ?? 0
                    b.hostsUsingDNS[row["host"]] = Sighting(first: first, last: row["last_seen"] ?? first)
                }
                let meta = Dictionary(try Row.fetchAll(db, sql: "SELECT * FROM meta").map { ($0["key"] as String, $0["value"] as String) },
                                      uniquingKeysWith: { a, _ in a })
                b.trainedFrom = meta["trained_from"].flatMap { Int64($0) }
                b.trainedUntil = meta["trained_until"].flatMap { Int64($0) }
                return b
            }
        } catch {
            throw Failure(description: "cannot read the baseline \(path): \(error)")
        }
    }

    /// Replaces the stored baseline with `b`, in one transaction.
    public func save(_ b: Baseline) throws(Failure) {
        do {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM channel; DELETE FROM agent_executable; DELETE FROM agent; DELETE FROM destination; DELETE FROM dns_host; DELETE FROM meta")
                for (key, agent) in b.agents.sorted(by: { $0.key < $1.key }) {
                    try db.execute(sql: "INSERT INTO agent (host, label, program, team_id, start_interval, plist_path, used_proxy) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                   arguments: [key.host, key.label, key.program, key.teamID, agent.startInterval, agent.plistPath, agent.usedProxy])
                    let id = db.lastInsertedRowID
                    for exe in agent.executables.sorted() {
                        try db.execute(sql: "INSERT INTO agent_executable (agent_id, executable) VALUES (?, ?)", arguments: [id, exe])
                    }
                    for c in agent.channels.values {
                        try db.execute(sql: """
                            INSERT INTO channel (agent_id, destination, transport, port, proto, is_address, sessions, successful_sessions,
                                                 days, first, last, last_success, gaps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [id, c.channel.destination, c.channel.transport, Int(c.channel.port), c.channel.proto,
                                             c.channel.isAddress, c.sessions, c.successfulSessions,
                                             c.days.sorted().map(String.init).joined(separator: ","), c.first, c.last, c.lastSuccess,
                                             c.gaps.map { String($0) }.joined(separator: ",")])
                    }
                }
                for (name, s) in b.destinations {
                    try db.execute(sql: "INSERT INTO destination (name, first_seen, last_seen) VALUES (?, ?, ?)", arguments: [name, s.first, s.last])
                }
                for (host, s) in b.hostsUsingDNS {
                    try db.execute(sql: "INSERT INTO dns_host (host, first_seen, last_seen) VALUES (?, ?, ?)", arguments: [host, s.first, s.last])
                }
                if let t = b.trainedFrom { try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('trained_from', ?)", arguments: [String(t)]) }
                if let t = b.trainedUntil { try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('trained_until', ?)", arguments: [String(t)]) }
            }
        } catch {
            throw Failure(description: "cannot write the baseline \(path): \(error)")
        }
    }
}
