import Foundation

/// What the sensor serves at `POST /config` (osquery's TLS config plugin) to enrolled nodes:
/// the queries whose rows the osquery feed reader turns into attribution (socket opens as
/// they happen and open sockets on an interval, with the owning process; launchd jobs;
/// interface addresses for host identity). No options: turning on osquery's audit-based
/// `socket_events` takes over the host's audit configuration, so it stays the operator's
/// choice (docs/sensor.md). `sensor.osquery_config` replaces all of it with a file of theirs.
enum OsqueryConfiguration {
    /// One scheduled query: its name in the results log, the SQL, the interval in seconds,
    /// and the platform it runs on (osquery's `platform` key; nil: all).
    struct Query {
        var name: String
        var sql: String
        var interval: Int
        var platform: String?
    }

    /// The process is joined on pid and path, so a pid reused since the event does not lend
    /// another program's name and parent (on Linux, where the event's path comes from the
    /// audit record; on macOS osquery looks the path up by pid itself). Connects only: the
    /// sensor watches egress, and macOS `accept` rows carry no local port. No `signature`
    /// join for the team id: osquery verifies the whole code signature per row, too slow for
    /// a query every 30 s.
    static let queries: [Query] = [
        Query(name: "quietwire_socket_events",
              sql: "SELECT s.action, s.pid, s.path, s.family, s.protocol, s.local_address, s.remote_address, s.local_port, s.remote_port, s.time, "
                + "p.name, p.cmdline, p.parent, p.uid FROM socket_events s LEFT JOIN processes p ON p.pid = s.pid AND p.path = s.path "
                + "WHERE s.family IN (2, 10, 30) AND s.action = 'connect'",
              interval: 10, platform: "posix"),
        Query(name: "quietwire_open_sockets",
              sql: "SELECT o.pid, o.family, o.protocol, o.local_address, o.remote_address, o.local_port, o.remote_port, "
                + "p.path, p.name, p.cmdline, p.parent, p.uid FROM process_open_sockets o JOIN processes p USING (pid) "
                + "WHERE o.family IN (2, 10, 30) AND (o.protocol = 17 OR o.remote_port != 0)",
              interval: 30, platform: "posix"),
        Query(name: "quietwire_launchd",
              sql: "SELECT label, path, program, program_arguments, run_at_load, keep_alive, start_interval FROM launchd",
              interval: 3600, platform: "darwin"),
        Query(name: "quietwire_interface_addresses",
              sql: "SELECT interface, address FROM interface_addresses WHERE address NOT LIKE '127.%' AND address != '::1' "
                + "AND address NOT LIKE '169.254.%' AND address NOT LIKE 'fe80:%'",
              interval: 300, platform: nil),
    ]

    /// The built-in configuration as JSON: the schedule alone.
    static var builtIn: String {
        var schedule: [String: Any] = [:]
        for q in queries {
            var entry: [String: Any] = ["query": q.sql, "interval": q.interval]
            if let platform = q.platform { entry["platform"] = platform }
            schedule[q.name] = entry
        }
        let data = (try? JSONSerialization.data(withJSONObject: ["schedule": schedule], options: [.sortedKeys, .prettyPrinted])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
