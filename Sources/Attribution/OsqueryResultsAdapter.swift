import SensorCore

/// osquery results logs (osquery docs, deployment/logging): the event form (`action` added or
/// removed with `columns`), the batch form (`diffResults.added` / `.removed`) and the snapshot
/// form (`action: snapshot` with `snapshot` rows). Rows are recognised by their columns, not by
/// the query's name: `process_open_sockets` and `socket_events` rows become sockets (with
/// `processes` columns such as name, cmdline, parent, uid and a launchd `label` when the query
/// joined them), `launchd` rows become agents, `interface_addresses` rows host addresses, and
/// `processes` rows process records. Values may be strings or numbers (`numerics`).
enum OsqueryResultsAdapter {
    static func adapt(_ v: JSONValue, into batch: inout FeedBatch) throws(FeedLineError) {
        guard let host = FeedField.text(v["hostIdentifier"]) ?? FeedField.text(v["hostname"])
            ?? FeedField.text(v.path("decorations.host_uuid")) ?? FeedField.text(v.path("decorations.hostname")) else {
            throw FeedLineError("no 'hostIdentifier' or 'hostname'")
        }
        guard let logTime = FeedTime.parse(v["unixTime"]) else {
            throw FeedLineError("missing or invalid 'unixTime'")
        }
        let query = FeedField.text(v["name"]) ?? "query"
        var rows: [(JSONValue, String)] = []
        if let columns = v["columns"] {
            rows.append((columns, v["action"]?.text ?? "added"))
        } else if let diff = v["diffResults"] {
            for r in diff["added"]?.array ?? [] { rows.append((r, "added")) }
            for r in diff["removed"]?.array ?? [] { rows.append((r, "removed")) }
        } else if let snap = v["snapshot"]?.array {
            for r in snap { rows.append((r, "snapshot")) }
        } else {
            throw FeedLineError("no 'columns', 'diffResults' or 'snapshot'")
        }
        for (index, (row, action)) in rows.enumerated() {
            guard row.isObject else { batch.problems.append("row \(index + 1) of '\(query)' is not an object"); continue }
            do throws(FeedLineError) {
                if let record = try record(row, action: action, host: host, logTime: logTime, query: query) {
                    batch.records.append(record)
                } else {
                    batch.ignored += 1
                }
            } catch {
                batch.problems.append("row \(index + 1) of '\(query)': \(error.reason)")
            }
        }
    }

    static func record(_ row: JSONValue, action: String, host: String, logTime: Timestamp, query: String) throws(FeedLineError) -> FeedRecord? {
        if row["local_port"] != nil, row["pid"] != nil { return .socket(try socket(row, action: action, host: host, logTime: logTime)) }
        if row["label"] != nil, row["path"] != nil, row["program"] != nil || row["program_arguments"] != nil {
            return try agent(row, host: host)
        }
        if row["interface"] != nil, let addressText = FeedField.text(row["address"]) {
            guard let address = FeedField.address(row["address"]) else { throw FeedLineError("'address' \(addressText) is not an IP address") }
            if action == "removed" {
                return .host(HostRecord(hostID: host, addresses: [address], validTo: logTime, source: "osquery/interface_addresses"))
            }
            return .host(HostRecord(hostID: host, addresses: [address], validFrom: logTime, source: "osquery/interface_addresses"))
        }
        if row["pid"] != nil, row["path"] != nil || row["cmdline"] != nil || row["name"] != nil {
            guard action != "removed" else { return nil }
            return .process(ProcessRecord(time: logTime, hostID: host, process: try process(row), source: "osquery/processes"))
        }
        return nil
    }

    static func process(_ row: JSONValue) throws(FeedLineError) -> ProcessIdentity {
        guard let pid = FeedField.pid(row["pid"]) else { throw FeedLineError("'pid' is not a process id") }
        return ProcessIdentity(pid: pid, ppid: FeedField.pid(row["parent"]) ?? FeedField.pid(row["ppid"]),
                               executable: FeedField.text(row["path"]), name: FeedField.text(row["name"]),
                               commandLine: FeedField.text(row["cmdline"]), user: FeedField.text(row["username"]) ?? FeedField.text(row["uid"]),
                               teamID: FeedField.text(row["team_identifier"]) ?? FeedField.text(row["team_id"]),
                               signingID: FeedField.text(row["signing_id"]) ?? FeedField.text(row["identifier"]),
                               label: FeedField.text(row["label"]))
    }

    static func socket(_ row: JSONValue, action: String, host: String, logTime: Timestamp) throws(FeedLineError) -> SocketRecord {
        let isEvent = row["action"] != nil
        let transport: UInt8
        if let t = FeedField.transport(row["protocol"]) {
            transport = t
        } else if isEvent {
            transport = 6  // socket_events reports connect/accept of stream sockets; protocol is a hidden column
        } else {
            throw FeedLineError("'protocol' \(row["protocol"]?.text ?? "missing") is not TCP (6) or UDP (17)")
        }
        guard let localPort = FeedField.port(row["local_port"]) else { throw FeedLineError("'local_port' is not a port") }
        let remotePort = FeedField.port(row["remote_port"]) ?? 0
        var remote = FeedField.address(row["remote_address"])
        if remotePort == 0, let r = remote, r.value == 0 || r == IPAddress(ipv4: 0) { remote = nil }
        var local = FeedField.address(row["local_address"])
        if let l = local, l.value == 0 || l == IPAddress(ipv4: 0) { local = nil }
        let event: SocketRecord.Event
        var time = logTime
        var source = "osquery/process_open_sockets"
        if isEvent {
            source = "osquery/socket_events"
            event = .open
            if let t = FeedTime.parse(row["time"]), t.nanoseconds > 0 { time = t }
        } else {
            event = action == "removed" ? .close : .snapshot
        }
        return SocketRecord(time: time, hostID: host, event: event, transport: transport, localAddress: local, localPort: localPort,
                            remoteAddress: remote, remotePort: remotePort, process: try process(row), source: source)
    }

    static func agent(_ row: JSONValue, host: String) throws(FeedLineError) -> FeedRecord {
        guard let label = FeedField.text(row["label"]) else { throw FeedLineError("empty 'label'") }
        let path = FeedField.text(row["path"])
        // osquery joins ProgramArguments with spaces; arguments that held spaces cannot be split back.
        let arguments = (FeedField.text(row["program_arguments"]) ?? "").split(separator: " ").map(String.init)
        let keepAlive = FeedField.text(row["keep_alive"]).map { $0 != "0" && $0.lowercased() != "false" }
        return .agent(AgentRecord(hostID: host, label: label, plistPath: path, program: FeedField.text(row["program"]),
                                  programArguments: arguments, runAtLoad: row["run_at_load"]?.boolean, keepAlive: keepAlive,
                                  startInterval: row["start_interval"]?.integer.map { Int(max(0, min($0, Int64(AgentRecord.maximumStartInterval)))) },
                                  domain: path.flatMap(LaunchdInventory.domain(ofPlistPath:)),
                                  teamID: nil, source: "osquery/launchd"))
    }
}
