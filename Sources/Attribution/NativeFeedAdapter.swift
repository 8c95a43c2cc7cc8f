import SensorCore

/// QuietWire's own feed schema, version 1 (docs/feed-schema.md, docs/quietwire-feed.schema.json):
/// one object per line with a `type` of socket, agent, host, dns or process and flat
/// snake_case fields.
enum NativeFeedAdapter {
    static let types: Set<String> = ["socket", "agent", "host", "dns", "process"]
    static let schema = "quietwire.feed/1"

    static func adapt(_ v: JSONValue, into batch: inout FeedBatch) throws(FeedLineError) {
        if let s = v["schema"], s.text != schema {
            throw FeedLineError("unsupported schema '\(s.text ?? "?")' (this QuietWire reads \(schema))")
        }
        guard let type = v["type"]?.text else { throw FeedLineError("missing 'type'") }
        let source = FeedField.text(v["source"]) ?? "native"
        func host() throws(FeedLineError) -> String {
            guard let h = FeedField.text(v["host_id"]) else { throw FeedLineError("missing 'host_id'") }
            return h
        }
        func time(_ key: String = "time") throws(FeedLineError) -> Timestamp {
            guard let t = FeedTime.parse(v[key]) else {
                throw FeedLineError(v[key] == nil ? "missing '\(key)'" : "'\(key)' is not epoch seconds or RFC 3339 text")
            }
            return t
        }
        func process() throws(FeedLineError) -> ProcessIdentity {
            guard let pid = FeedField.pid(v["pid"]) else { throw FeedLineError(v["pid"] == nil ? "missing 'pid'" : "'pid' is not a process id") }
            return ProcessIdentity(pid: pid, ppid: FeedField.pid(v["ppid"]), executable: FeedField.text(v["executable"]),
                                   name: FeedField.text(v["name"]), commandLine: FeedField.text(v["command_line"]),
                                   user: FeedField.text(v["user"]), teamID: FeedField.text(v["team_id"]),
                                   signingID: FeedField.text(v["signing_id"]), label: FeedField.text(v["label"]))
        }
        switch type {
        case "socket":
            guard let transport = FeedField.transport(v["transport"]) else { throw FeedLineError("'transport' must be tcp, udp, icmp or icmpv6") }
            guard let eventText = v["event"]?.text, let event = SocketRecord.Event(rawValue: eventText) else {
                throw FeedLineError("'event' must be open, close or snapshot")
            }
            guard let localPort = FeedField.port(v["local_port"]) else { throw FeedLineError("missing or invalid 'local_port'") }
            let remote = FeedField.address(v["remote_address"])
            if v["remote_address"] != nil, v["remote_address"] != .null, remote == nil, FeedField.text(v["remote_address"]) != nil {
                throw FeedLineError("'remote_address' is not an IP address")
            }
            let local = FeedField.address(v["local_address"])
            if local == nil, FeedField.text(v["local_address"]) != nil { throw FeedLineError("'local_address' is not an IP address") }
            var remotePort: UInt16 = 0
            if let rp = v["remote_port"], rp != .null {
                guard let p = FeedField.port(rp) else { throw FeedLineError("'remote_port' is not a port (0-65535)") }
                remotePort = p
            }
            batch.records.append(.socket(SocketRecord(
                time: try time(), hostID: try host(), event: event, transport: transport, localAddress: local, localPort: localPort,
                remoteAddress: remote, remotePort: remotePort, process: try process(), source: source)))
        case "agent":
            guard let label = FeedField.text(v["label"]) else { throw FeedLineError("missing 'label'") }
            var domain: AgentRecord.Domain?
            if let d = v["domain"]?.text {
                guard let parsed = AgentRecord.Domain(rawValue: d) else { throw FeedLineError("'domain' must be user or system") }
                domain = parsed
            }
            batch.records.append(.agent(AgentRecord(
                hostID: try host(), label: label, plistPath: FeedField.text(v["plist_path"]), program: FeedField.text(v["program"]),
                programArguments: (v["program_arguments"]?.array ?? []).compactMap { $0.text },
                runAtLoad: v["run_at_load"]?.boolean, keepAlive: v["keep_alive"]?.boolean,
                startInterval: v["start_interval"]?.integer.map { Int(max(0, min($0, Int64(AgentRecord.maximumStartInterval)))) }, domain: domain,
                teamID: FeedField.text(v["team_id"]), source: source)))
        case "host":
            guard let list = v["addresses"]?.array else { throw FeedLineError("missing 'addresses' (an array of IP addresses)") }
            let addresses = list.compactMap { FeedField.address($0) }
            guard addresses.count == list.count else { throw FeedLineError("'addresses' holds a value that is not an IP address") }
            for key in ["valid_from", "valid_to"] where v[key] != nil && v[key] != .null && FeedTime.parse(v[key]) == nil {
                throw FeedLineError("'\(key)' is not epoch seconds or RFC 3339 text")
            }
            batch.records.append(.host(HostRecord(
                hostID: try host(), name: FeedField.text(v["name"]), addresses: addresses,
                validFrom: FeedTime.parse(v["valid_from"]), validTo: FeedTime.parse(v["valid_to"]), source: source)))
        case "dns":
            guard let query = FeedField.text(v["query"]) else { throw FeedLineError("missing 'query'") }
            batch.records.append(.lookup(LookupRecord(
                time: try time(), hostID: try host(), pid: FeedField.pid(v["pid"]), query: query,
                answers: (v["answers"]?.array ?? []).compactMap { FeedField.address($0) }, source: source)))
        case "process":
            batch.records.append(.process(ProcessRecord(time: try time(), hostID: try host(), process: try process(), source: source)))
        default:
            throw FeedLineError("unknown type '\(type)' (expected socket, agent, host, dns or process)")
        }
    }
}
