import SensorCore

/// ECS documents as Elastic Defend writes them (elastic/endpoint-package custom documentation):
/// network events `connection_attempted`, `connection_accepted` and `disconnect_received`
/// become sockets; `lookup_result` events become lookups; process `exec`/`start` events become
/// process records. Keys may be nested objects or flattened dotted names.
enum ECSEventAdapter {
    static func adapt(_ v: JSONValue, into batch: inout FeedBatch) throws(FeedLineError) {
        guard let time = FeedTime.parse(v["@timestamp"]) ?? FeedTime.parse(v.path("event.created")) else {
            throw FeedLineError("missing or invalid '@timestamp'")
        }
        guard let host = FeedField.text(v.path("host.id")) ?? FeedField.text(v.path("host.name")) ?? FeedField.text(v.path("host.hostname")) else {
            throw FeedLineError("no 'host.id' or 'host.name'")
        }
        let action = v.path("event.action")?.text ?? ""
        let categories = v.path("event.category").map { $0.array?.compactMap(\.text) ?? [$0.text].compactMap { $0 } } ?? []
        switch action {
        case "connection_attempted", "connection_accepted", "disconnect_received":
            batch.records.append(.socket(try socket(v, action: action, time: time, host: host)))
        case "lookup_result", "lookup_requested":
            guard let query = FeedField.text(v.path("dns.question.name")) else { throw FeedLineError("'\(action)' without 'dns.question.name'") }
            let ips = v.path("dns.resolved_ip")?.array?.compactMap { FeedField.address($0) } ?? []
            batch.records.append(.lookup(LookupRecord(time: time, hostID: host, pid: FeedField.pid(v.path("process.pid")),
                                                      query: query, answers: ips, source: "ecs")))
        case "exec", "start", "fork":
            guard categories.contains("process") else { batch.ignored += 1; return }
            batch.records.append(.process(ProcessRecord(time: time, hostID: host, process: try process(v), source: "ecs")))
        default:
            batch.ignored += 1
        }
    }

    static func process(_ v: JSONValue) throws(FeedLineError) -> ProcessIdentity {
        guard let pid = FeedField.pid(v.path("process.pid")) else { throw FeedLineError("missing or invalid 'process.pid'") }
        var commandLine = FeedField.text(v.path("process.command_line"))
        if commandLine == nil, let args = v.path("process.args")?.array { commandLine = args.compactMap(\.text).joined(separator: " ") }
        return ProcessIdentity(pid: pid, ppid: FeedField.pid(v.path("process.parent.pid")),
                               executable: FeedField.text(v.path("process.executable")), name: FeedField.text(v.path("process.name")),
                               commandLine: commandLine, user: FeedField.text(v.path("user.name")) ?? FeedField.text(v.path("user.id")),
                               teamID: FeedField.text(v.path("process.code_signature.team_id")),
                               signingID: FeedField.text(v.path("process.code_signature.signing_id")),
                               label: FeedField.text(v.path("quietwire.launchd_label")))
    }

    static func socket(_ v: JSONValue, action: String, time: Timestamp, host: String) throws(FeedLineError) -> SocketRecord {
        guard let transport = FeedField.transport(v.path("network.transport")) else {
            throw FeedLineError("'network.transport' must be tcp, udp, icmp or ipv6-icmp")
        }
        guard let sourcePort = FeedField.port(v.path("source.port")), let destinationPort = FeedField.port(v.path("destination.port")) else {
            throw FeedLineError("missing or invalid 'source.port' or 'destination.port'")
        }
        let source = FeedField.address(v.path("source.ip")) ?? FeedField.address(v.path("source.address"))
        let destination = FeedField.address(v.path("destination.ip")) ?? FeedField.address(v.path("destination.address"))
        let direction = v.path("network.direction")?.text ?? ""
        // Elastic Defend names the connection's initiator `source`: for an accepted (inbound)
        // connection the local end is the destination.
        let inbound = action == "connection_accepted" || direction == "ingress" || direction == "inbound" || direction == "incoming"
        return SocketRecord(time: time, hostID: host, event: action == "disconnect_received" ? .close : .open, transport: transport,
                            localAddress: inbound ? destination : source, localPort: inbound ? destinationPort : sourcePort,
                            remoteAddress: inbound ? source : destination, remotePort: inbound ? sourcePort : destinationPort,
                            process: try process(v), source: "ecs")
    }
}
