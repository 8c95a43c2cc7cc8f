import Attribution
import Foundation
import SensorCore

/// The bundled demo scenario (pcaps/demo), 56 hours of one Mac's egress, with its verdicts:
/// - `com.example.updater` (launch agent, StartInterval 3600) checks in hourly over TLS with
///   `updates.example.com`; at hour 48 its SYNs go unanswered, and five minutes later it talks a
///   custom protocol to 198.51.100.7:4444 by address every 10 minutes: a HIGH alert
///   (PRIMARY_FAILING, NEW_TRANSPORT, NEW_PORT, NEW_DEST, DIRECT_IP_NO_DNS, TIGHT_SWITCH).
/// - `com.example.sync` syncs every 30 minutes over TLS with `api.syncsvc.net`, whose CDN
///   address changes at hour 30: the same channel, no alert (CDN churn trap).
/// - Zoom's daemon (team BJ4HAAB9B3) uses UDP 8801 to `zoom.us` hourly until hour 47, then TCP
///   443 from hour 50: Zoom's documented fallback, credited, no alert.
public enum DemoScenario {
    public static let host = ScenarioWriter.Endpoint(host: "mac-07", address: 0x0A14_0007)  // 10.20.0.7
    public static let resolver: UInt32 = 0x0A14_0001  // 10.20.0.1
    /// 2026-11-02T08:00:00Z.
    public static let origin: Int64 = 1_793_606_400 * 1_000_000_000

    public static let updater = ProcessIdentity(pid: 812, ppid: 1, executable: "/Library/Application Support/Example/updater",
                                                name: "updater", user: "root", teamID: "EXAMPLE123")
    public static let sync = ProcessIdentity(pid: 640, ppid: 1, executable: "/Applications/SyncSvc.app/Contents/MacOS/syncd",
                                             name: "syncd", user: "alice", teamID: "SYNC123456")
    public static let zoom = ProcessIdentity(pid: 901, ppid: 1, executable: "/Applications/zoom.us.app/Contents/MacOS/ZoomDaemon",
                                             name: "ZoomDaemon", user: "root", teamID: "BJ4HAAB9B3", label: "us.zoom.ZoomDaemon")

    public static func plist(label: String, program: String, startInterval: Int?) -> String {
        var s = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
            <plist version="1.0">
            <dict>
            \t<key>Label</key>
            \t<string>\(label)</string>
            \t<key>ProgramArguments</key>
            \t<array>
            \t\t<string>\(program)</string>
            \t</array>
            \t<key>RunAtLoad</key>
            \t<true/>

            """
        if let startInterval { s += "\t<key>StartInterval</key>\n\t<integer>\(startInterval)</integer>\n" }
        return s + "</dict>\n</plist>\n"
    }

    /// Zoom's daemon looks up zoom.us every hour (at half past) and exchanges media over UDP 8801
    /// before hour `udpUntil`, over TLS on TCP 443 from hour `tcpFrom`; silent in between.
    static func zoomCheckIns(_ w: ScenarioWriter, udpUntil: Int, tcpFrom: Int) {
        let media: UInt32 = 0xAA72_3402  // 170.114.52.2
        for hour in 0..<56 where hour < udpUntil || hour >= tcpFrom {
            let t = w.nanoseconds(hours: Double(hour) + 0.5)
            w.dnsLookup(host, resolver: resolver, name: "zoom.us", answer: media, at: t)
            if hour < udpUntil {
                w.udpExchange(host, to: media, port: 8801, at: t + 50_000_000, request: w.bytes(120), response: w.bytes(120), process: zoom)
            } else {
                w.tcpConnection(host, to: media, port: 443, at: t + 50_000_000, request: w.clientHello(serverName: "zoom.us"),
                                response: w.serverHello(), process: zoom)
            }
        }
    }

    /// Writes capture.pcap, sockets.ndjson, the inventory and expected.json into `directory`.
    public static func write(to directory: String, seed: UInt64 = 7) throws {
        let w = ScenarioWriter(seed: seed, origin: origin)
        w.add(.host(HostRecord(hostID: host.host, name: "mac-07.corp.example", addresses: [IPAddress(ipv4: host.address)],
                               validFrom: Timestamp(nanoseconds: origin), source: "native")))
        let updates: UInt32 = 0x5DB8_D822  // 93.184.216.34
        let c2: UInt32 = 0xC633_6407  // 198.51.100.7
        for hour in 0..<48 {
            let t = w.nanoseconds(hours: Double(hour) + 0.1)
            w.dnsLookup(host, resolver: resolver, name: "updates.example.com", answer: updates, at: t)
            w.tcpConnection(host, to: updates, port: 443, at: t + 50_000_000, request: w.clientHello(serverName: "updates.example.com"),
                            response: w.serverHello(), process: updater)
        }
        for k in 0..<3 {
            let t = w.nanoseconds(hours: 48.1 + Double(k) / 30)
            w.dnsLookup(host, resolver: resolver, name: "updates.example.com", answer: updates, at: t)
            w.tcpConnection(host, to: updates, port: 443, at: t + 50_000_000, request: [], response: [], process: updater, answered: false)
        }
        for k in 0..<36 {
            let t = w.nanoseconds(hours: 48.25 + Double(k) / 6)
            w.tcpConnection(host, to: c2, port: 4444, at: t, request: [0xbe, 0xef, 0, 1] + w.bytes(60), response: [0xbe, 0xef, 0, 2] + w.bytes(28), process: updater)
        }
        for half in 0..<112 {
            let hours = Double(half) / 2 + 0.3
            let cdn: UInt32 = hours < 30 ? 0x9765_0145 : 0x9765_4145  // 151.101.1.69, then 151.101.65.69
            let t = w.nanoseconds(hours: hours)
            w.dnsLookup(host, resolver: resolver, name: "api.syncsvc.net", answer: cdn, at: t)
            w.tcpConnection(host, to: cdn, port: 443, at: t + 50_000_000, request: w.clientHello(serverName: "api.syncsvc.net"),
                            response: w.serverHello(), process: sync)
        }
        zoomCheckIns(w, udpUntil: 47, tcpFrom: 50)
        try w.write(to: directory)
        let agents = directory + "/inventory/mac-07/Library/LaunchAgents"
        try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
        try plist(label: "com.example.updater", program: updater.executable!, startInterval: 3600)
            .write(toFile: agents + "/com.example.updater.plist", atomically: true, encoding: .utf8)
        try plist(label: "com.example.sync", program: sync.executable!, startInterval: nil)
            .write(toFile: agents + "/com.example.sync.plist", atomically: true, encoding: .utf8)
        let expected = """
            {"agent":"com.example.updater","verdict":"alert","severity":3,"fallback":"198.51.100.0/24 tcp/4444 unknown","reasons":["PRIMARY_FAILING","NEW_TRANSPORT","NEW_PORT","NEW_DEST","DIRECT_IP_NO_DNS","TIGHT_SWITCH"]}
            {"agent":"com.example.sync","verdict":"none","trap":"CDN address churn on the same registered domain"}
            {"agent":"us.zoom.ZoomDaemon","verdict":"none","trap":"Zoom's documented UDP 8801 to TCP 443 fallback"}

            """
        try expected.write(toFile: directory + "/expected.ndjson", atomically: true, encoding: .utf8)
    }
}
