import Attribution
import Foundation
import SensorCore

/// A scenario's endpoint records in the shapes other tools write them, so a scenario can be
/// analysed from each: osquery results in event form (`socket_events` rows for opens with the
/// process columns a `processes`/`launchd` join adds, `process_open_sockets` removals for
/// closes, `interface_addresses` rows for host addresses; unixTime in whole seconds, as osquery
/// logs it) and Elastic Defend ECS network events (`connection_attempted`,
/// `disconnect_received`). Records neither tool has a shape for are left out.
public enum FeedForms {
    public enum Form: String, CaseIterable, Sendable {
        case native, osquery, ecs

        /// The file a scenario writes this form to.
        public var fileName: String { self == .native ? "sockets.ndjson" : "\(rawValue).ndjson" }
    }

    /// One line of `form` for `record`, or nil.
    public static func line(_ record: FeedRecord, form: Form) -> String? {
        switch form {
        case .native: NativeFeedEncoder.line(record)
        case .osquery: osquery(record)
        case .ecs: ecs(record)
        }
    }

    static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func seconds(_ t: Timestamp) -> Int64 { t.nanoseconds / 1_000_000_000 }

    /// RFC 3339 UTC with milliseconds, as Elastic writes `@timestamp`.
    static func rfc3339(_ t: Timestamp) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date(timeIntervalSince1970: Double(t.nanoseconds / 1_000_000) / 1000))
    }

    static func osquery(_ record: FeedRecord) -> String? {
        switch record {
        case .socket(let s):
            var columns: [String: Any] = [
                "pid": String(s.process.pid), "path": s.process.executable ?? "", "local_address": s.localAddress?.description ?? "0.0.0.0",
                "local_port": String(s.localPort), "remote_address": s.remoteAddress?.description ?? "0.0.0.0",
                "remote_port": String(s.remotePort), "protocol": String(s.transport), "family": s.localAddress?.isIPv4 == false ? "10" : "2",
            ]
            if let ppid = s.process.ppid { columns["parent"] = String(ppid) }
            if let team = s.process.teamID { columns["team_identifier"] = team }
            if let label = s.process.label { columns["label"] = label }
            let name: String
            let action: String
            if s.event == .close {
                name = "process_open_sockets"
                action = "removed"
            } else {
                name = "socket_events"
                action = "added"
                columns["action"] = "connect"
                columns["time"] = String(seconds(s.time))
            }
            return json(["name": name, "hostIdentifier": s.hostID, "unixTime": seconds(s.time), "action": action, "columns": columns])
        case .host(let h):
            guard let address = h.addresses.first else { return nil }
            return json(["name": "interface_addresses", "hostIdentifier": h.hostID, "unixTime": seconds(h.validFrom ?? .zero), "action": "added",
                         "columns": ["interface": "en0", "address": address.description]])
        case .agent, .process, .lookup:
            return nil
        }
    }

    static func ecs(_ record: FeedRecord) -> String? {
        guard case .socket(let s) = record else { return nil }
        var process: [String: Any] = ["pid": Int(s.process.pid)]
        if let exe = s.process.executable {
            process["executable"] = exe
            process["name"] = String(exe.split(separator: "/").last ?? "")
        }
        if let ppid = s.process.ppid { process["parent"] = ["pid": Int(ppid)] }
        if let team = s.process.teamID { process["code_signature"] = ["team_id": team] }
        let transport = SocketRecord.transportName(s.transport) == "icmpv6" ? "ipv6-icmp" : SocketRecord.transportName(s.transport)
        var event: [String: Any] = [
            "@timestamp": rfc3339(s.time),
            "event": ["action": s.event == .close ? "disconnect_received" : "connection_attempted", "category": ["network"]],
            "host": ["id": s.hostID], "network": ["transport": transport, "direction": "egress"], "process": process,
            "source": ["ip": s.localAddress?.description ?? "0.0.0.0", "port": Int(s.localPort)],
        ]
        event["destination"] = ["ip": s.remoteAddress?.description ?? "0.0.0.0", "port": Int(s.remotePort)]
        return json(event)
    }
}
