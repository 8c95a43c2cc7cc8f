import Detection
import GRDB
import Synchronization

/// The detection baseline in SQLite (one file, WAL, versioned schema through GRDB's
/// migrator: v1 agents and channels, v2 the executables that did each agent's network I/O,
/// v3 whether it used a configured proxy, v4 when destinations and DNS hosts were last seen,
/// v5 indexes of channels and executables by agent):
/// agents, their channels with sessions, days and awake gaps, the organisation's
/// destinations and the hosts that use plain DNS, with when each was first and last seen. `quietwire learn` extends it;
/// `quietwire analyze --baseline` judges against it.
///
/// `save` writes only the rows that differ from what this store last loaded or saved: the
/// live sensor checkpoints every few minutes, and rewriting a million destinations each
/// time would be a million inserts. A generation number in `meta`, raised by every save,
/// tells when another writer changed the file since; then `save` rewrites it whole.
public final class BaselineStore: Sendable {
    public let path: String
    private let pool: DatabasePool
    /// What the file held after this store's last load or save (nil: unknown), with each
    /// agent's row id and the file's generation then. Holds a second copy of the baseline's
    /// tables (the strings are shared).
    private let written = Mutex<Written?>(nil)

    private struct Written: Sendable {
        var baseline: Baseline
        var agentIDs: [AgentKey: Int64]
        /// The file's generation then; nil when it had none (written before v5, or by an
        /// older binary, which drops it): such a file is rewritten whole at the next save.
        var generation: Int64?
    }

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
        m.registerMigration("v5") { db in
            // `save` replaces a changed agent's channels and executables by its id.
            try db.create(index: "channel_agent", on: "channel", columns: ["agent_id"])
            try db.create(index: "agent_executable_agent", on: "agent_executable", columns: ["agent_id"])
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
            let read = try pool.read { db in
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
                let ids = Dictionary(agents.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
                // Two rows for one agent (a file this store did not write) have no single id:
                // the next save then writes the file whole.
                let known = agents.count == b.agents.count
                return (Written(baseline: b, agentIDs: ids, generation: meta["generation"].flatMap { Int64($0) }), known)
            }
            written.withLock { $0 = read.1 ? read.0 : nil }
            return read.0.baseline
        } catch {
            throw Failure(description: "cannot read the baseline \(path): \(error)")
        }
    }

    /// Makes the stored baseline `b`, in one transaction, and returns how many rows that
    /// inserted, updated or deleted. Only what differs from this store's last load or save
    /// is written; the whole file when that is unknown or another writer changed it since.
    @discardableResult
    public func save(_ b: Baseline) throws(Failure) -> Int {
        do {
            return try written.withLock { (last: inout Written?) throws -> Int in
                do {
                    let (saved, rows) = try pool.write { db -> (Written, Int) in
                        let changesBefore = db.totalChangesCount
                        let generation = try Int64.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'")
                        let ids: [AgentKey: Int64]
                        if let last, let generation, last.generation == generation {
                            ids = try Self.writeChanges(from: last.baseline, to: b, agentIDs: last.agentIDs, db)
                        } else {
                            ids = try Self.writeAll(b, db)
                        }
                        // A file without a generation starts at a random one, so that two stores
                        // that each restart the count cannot agree by chance.
                        let next = generation.map { $0 &+ 1 } ?? Int64.random(in: 1...(Int64.max / 2))
                        try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", arguments: [String(next)])
                        return (Written(baseline: b, agentIDs: ids, generation: next), db.totalChangesCount - changesBefore)
                    }
                    last = saved
                    return rows
                } catch {
                    last = nil  // what the file holds is unknown: the next save writes it whole
                    throw error
                }
            }
        } catch {
            throw Failure(description: "cannot write the baseline \(path): \(error)")
        }
    }

    /// Empties the file and writes `b` whole; returns each agent's row id.
    private static func writeAll(_ b: Baseline, _ db: Database) throws -> [AgentKey: Int64] {
        try db.execute(sql: "DELETE FROM channel; DELETE FROM agent_executable; DELETE FROM agent; DELETE FROM destination; DELETE FROM dns_host; DELETE FROM meta")
        var ids: [AgentKey: Int64] = [:]
        for (key, agent) in b.agents.sorted(by: { $0.key < $1.key }) {
            ids[key] = try insert(key, agent, db)
        }
        let destination = try db.cachedStatement(sql: "INSERT INTO destination (name, first_seen, last_seen) VALUES (?, ?, ?)")
        for (name, s) in b.destinations { try destination.execute(arguments: [name, s.first, s.last]) }
        let host = try db.cachedStatement(sql: "INSERT INTO dns_host (host, first_seen, last_seen) VALUES (?, ?, ?)")
        for (name, s) in b.hostsUsingDNS { try host.execute(arguments: [name, s.first, s.last]) }
        try writeMeta(b, db)
        return ids
    }

    /// Writes the rows in which `new` differs from `old`, which the file holds; returns each
    /// agent's row id.
    private static func writeChanges(from old: Baseline, to new: Baseline, agentIDs: [AgentKey: Int64], _ db: Database) throws -> [AgentKey: Int64] {
        var ids = agentIDs
        for key in old.agents.keys where new.agents[key] == nil {
            guard let id = ids.removeValue(forKey: key) else { continue }
            try deleteChildren(of: id, db)
            try db.execute(sql: "DELETE FROM agent WHERE id = ?", arguments: [id])
        }
        var added: [AgentKey] = []
        for (key, agent) in new.agents {
            guard let id = ids[key] else { added.append(key); continue }
            guard old.agents[key] != agent else { continue }
            try db.execute(sql: "UPDATE agent SET start_interval = ?, plist_path = ?, used_proxy = ? WHERE id = ?",
                           arguments: [agent.startInterval, agent.plistPath, agent.usedProxy, id])
            try deleteChildren(of: id, db)
            try insertChildren(of: id, agent, db)
        }
        for key in added.sorted() {
            if let agent = new.agents[key] { ids[key] = try insert(key, agent, db) }
        }
        try writeChanges(from: old.destinations, to: new.destinations, table: "destination", column: "name", db)
        try writeChanges(from: old.hostsUsingDNS, to: new.hostsUsingDNS, table: "dns_host", column: "host", db)
        if old.trainedFrom != new.trainedFrom || old.trainedUntil != new.trainedUntil {
            try db.execute(sql: "DELETE FROM meta WHERE key IN ('trained_from', 'trained_until')")
            try writeMeta(new, db)
        }
        return ids
    }

    /// Upserts the sightings that are new or moved, and deletes the ones forgotten.
    private static func writeChanges(from old: [String: Sighting], to new: [String: Sighting], table: String, column: String,
                                     _ db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO \(table) (\(column), first_seen, last_seen) VALUES (?, ?, ?)
            ON CONFLICT(\(column)) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen
            """)
        for (name, s) in new where old[name] != s { try upsert.execute(arguments: [name, s.first, s.last]) }
        let delete = try db.cachedStatement(sql: "DELETE FROM \(table) WHERE \(column) = ?")
        for name in old.keys where new[name] == nil { try delete.execute(arguments: [name]) }
    }

    private static func insert(_ key: AgentKey, _ agent: Baseline.Agent, _ db: Database) throws -> Int64 {
        try db.execute(sql: "INSERT INTO agent (host, label, program, team_id, start_interval, plist_path, used_proxy) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       arguments: [key.host, key.label, key.program, key.teamID, agent.startInterval, agent.plistPath, agent.usedProxy])
        let id = db.lastInsertedRowID
        try insertChildren(of: id, agent, db)
        return id
    }

    private static func insertChildren(of id: Int64, _ agent: Baseline.Agent, _ db: Database) throws {
        let executable = try db.cachedStatement(sql: "INSERT INTO agent_executable (agent_id, executable) VALUES (?, ?)")
        for exe in agent.executables.sorted() { try executable.execute(arguments: [id, exe]) }
        let channel = try db.cachedStatement(sql: """
            INSERT INTO channel (agent_id, destination, transport, port, proto, is_address, sessions, successful_sessions,
                                 days, first, last, last_success, gaps) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for c in agent.channels.values {
            try channel.execute(arguments: [id, c.channel.destination, c.channel.transport, Int(c.channel.port), c.channel.proto,
                                            c.channel.isAddress, c.sessions, c.successfulSessions,
                                            c.days.sorted().map(String.init).joined(separator: ","), c.first, c.last, c.lastSuccess,
                                            c.gaps.map { String($0) }.joined(separator: ",")])
        }
    }

    private static func deleteChildren(of id: Int64, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM channel WHERE agent_id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM agent_executable WHERE agent_id = ?", arguments: [id])
    }

    private static func writeMeta(_ b: Baseline, _ db: Database) throws {
        if let t = b.trainedFrom { try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('trained_from', ?)", arguments: [String(t)]) }
        if let t = b.trainedUntil { try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('trained_until', ?)", arguments: [String(t)]) }
    }
}
