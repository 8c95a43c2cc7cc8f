import Attribution
import Foundation
import SensorCore

/// Labelled scenarios (issue 5): each writes, deterministically, a capture of one Mac (or a
/// fleet of them) over 56 hours, the endpoints' feed and LaunchAgents plists, and the verdicts
/// a correct detector reaches, so tests and `scripts/eval` can score it. Half are malicious
/// fallbacks, half benign traps. Any alert no verdict expects is a false positive.
public struct Scenario: Sendable {
    /// What the detector should say about one agent.
    public struct Verdict: Sendable {
        public var label: String
        /// The host the verdict is about; nil for every host running the agent.
        public var host: String? = nil
        public var alert: Bool
        /// Reason codes the alert must carry.
        public var reasons: [String]
        /// Hours after the origin when the fallback began (time to detect is measured from it).
        public var fallbackStart: Double?
        public var note: String
        /// The detector is known to get this one wrong today (the note says why).
        public var knownMiss = false
    }

    public var name: String
    public var summary: String
    public var verdicts: [Verdict]
    /// The Macs in the capture (each gets a host record and the plists).
    public var hosts: [ScenarioWriter.Endpoint]
    /// (label, program, StartInterval) of the plists written into the inventory.
    var plists: [(String, String, Int?)]
    /// Options `quietwire analyze` needs for this scenario (written to `analyze.args`).
    public var arguments: [String] = []
    /// Hours in which every host sends its own background traffic (awake, on the network the
    /// sensor sees): the whole span unless the scenario sleeps or tunnels.
    public var awake: [Range<Double>] = [0..<Scenario.hours]
    var build: @Sendable (ScenarioWriter) -> Void

    init(name: String, summary: String, verdicts: [Verdict], hosts: [ScenarioWriter.Endpoint] = [Scenario.host], plists: [(String, String, Int?)],
         arguments: [String] = [], awake: [Range<Double>] = [0..<Scenario.hours], build: @escaping @Sendable (ScenarioWriter) -> Void) {
        self.name = name
        self.hosts = hosts
        self.awake = awake
        self.summary = summary
        self.verdicts = verdicts
        self.plists = plists
        self.arguments = arguments
        self.build = build
    }

    static let host = DemoScenario.host
    static let resolver = DemoScenario.resolver
    static let hours = 56.0

    /// `count` Macs: mac-07 and then mac-101, mac-102, … at 10.20.1.1, 10.20.1.2, …
    static func fleet(_ count: Int) -> [ScenarioWriter.Endpoint] {
        [host] + (1..<count).map { ScenarioWriter.Endpoint(host: "mac-\(100 + $0)", address: 0x0A14_0100 + UInt32($0)) }
    }

    public func write(to directory: String, seed: UInt64 = 11) throws {
        let w = ScenarioWriter(seed: seed, origin: DemoScenario.origin)
        for h in hosts {
            w.add(.host(HostRecord(hostID: h.host, addresses: [IPAddress(ipv4: h.address)], validFrom: Timestamp(nanoseconds: DemoScenario.origin), source: "native")))
        }
        for h in hosts {
            for span in awake { w.chatter(h, server: Self.resolver, from: span.lowerBound, to: span.upperBound) }
        }
        build(w)
        try w.write(to: directory)
        for h in hosts {
            let agents = directory + "/inventory/\(h.host)/Library/LaunchAgents"
            try FileManager.default.createDirectory(atPath: agents, withIntermediateDirectories: true)
            for (label, program, interval) in plists {
                try DemoScenario.plist(label: label, program: program, startInterval: interval).write(toFile: agents + "/\(label).plist", atomically: true, encoding: .utf8)
            }
        }
        let lines = verdicts.map { v in
            "{\"agent\":\"\(v.label)\"" + (v.host.map { ",\"host\":\"\($0)\"" } ?? "") + ",\"scenario_hosts\":\(hosts.count),\"verdict\":\"\(v.alert ? "alert" : "none")\",\"reasons\":[\(v.reasons.map { "\"\($0)\"" }.joined(separator: ","))]"
                + (v.fallbackStart.map { ",\"fallback_start_hours\":\($0)" } ?? "") + ",\"known_miss\":\(v.knownMiss),\"note\":\"\(v.note)\"}"
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory + "/expected.ndjson", atomically: true, encoding: .utf8)
        try arguments.map { $0 + "\n" }.joined().write(toFile: directory + "/analyze.args", atomically: true, encoding: .utf8)
    }

    static func agent(_ pid: Int32, _ executable: String, team: String?, label: String? = nil) -> ProcessIdentity {
        ProcessIdentity(pid: pid, ppid: 1, executable: executable, name: String(executable.split(separator: "/").last ?? ""), user: "root", teamID: team, label: label)
    }

    /// Hourly TLS check-ins of `p` on `on` (mac-07 by default) to `name` from `from` to `to` hours.
    static func checkIns(_ w: ScenarioWriter, _ p: ProcessIdentity, on: ScenarioWriter.Endpoint = host, name: String, address: UInt32,
                         from: Double, to: Double, every: Double = 1, port: Int = 443, lookup: Bool = true, sni: Bool = true) {
        var h = from
        while h < to {
            w.tlsCheckIn(on, resolver: resolver, name: name, address: address, port: port, at: w.nanoseconds(hours: h + 0.1), process: p, lookup: lookup, sni: sni)
            h += every
        }
    }

    static let updaterPath = "/Library/Application Support/Example/updater"
    static let vpnPath = "/Applications/ExampleVPN.app/Contents/MacOS/vpnagent"
    static let syncPath = "/Applications/SyncSvc.app/Contents/MacOS/syncd"
    static let updates: UInt32 = 0x5DB8_D822  // 93.184.216.34
    static let googleDNS: UInt32 = 0x0808_0808
    static let base32 = Array("abcdefghijklmnopqrstuvwxyz234567")

    /// Every scenario, malicious and benign.
    public static let all: [Scenario] = [
        Scenario(name: "dns-txt-tunnel", summary: "after its update server goes quiet the agent sends TXT queries with encoded labels straight to 8.8.8.8",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "NEW_TRANSPORT", "DNS_TUNNEL"], fallbackStart: 50,
                                    note: "DNS TXT tunnel to a public resolver")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            for k in 0..<180 {
                let label = String((0..<50).map { _ in base32[Int(w.next() % 32)] })
                w.dnsQuery(host, to: googleDNS, name: "\(label).t.tunnel-example.com", qtype: 16, at: w.nanoseconds(hours: 50 + Double(k) / 30), answerBytes: 120, process: p)
            }
        },
        Scenario(name: "icmp-tunnel", summary: "after its update server goes quiet the agent tunnels over ICMP echo: large random payloads, replies that carry other bytes",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "NEW_TRANSPORT", "ICMP_TUNNEL"], fallbackStart: 50,
                                    note: "ptunnel/hans-style ICMP tunnel from a user-level agent")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            for k in 0..<12 {
                w.icmpEchoes(host, to: 0xCB00_7150, identifier: 0x4d2 + k, count: 30, at: w.nanoseconds(hours: 50 + Double(k) / 2),
                             request: { w.bytes(512) }, reply: { _ in w.bytes(384) }, process: p)
            }
        },
        Scenario(name: "fleet-rare-destination", summary: "24 Macs run the helper; on one it goes quiet and then reaches a file-sharing domain no other Mac's helper ever reached",
                 verdicts: [Verdict(label: "com.example.helper", host: host.host, alert: true, reasons: ["QUIET_PRIMARY", "NEW_DEST", "RARE_DEST_FLEET"],
                                    fallbackStart: 50, note: "only fleet rarity lifts a plain new TLS destination to an alert")],
                 hosts: fleet(24), plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            for h in fleet(24) {
                checkIns(w, p, on: h, name: "updates.example.com", address: updates, from: 0, to: h.host == host.host ? 44 : 56)
            }
            checkIns(w, p, name: "files.example-share.net", address: 0xCB00_7160, from: 50, to: 56, every: 0.5)
        },
        Scenario(name: "fleet-vendor-migration", summary: "the vendor moves every Mac's helper from its old update domain to a new one at the same hour",
                 verdicts: [Verdict(label: "com.example.helper", alert: false, reasons: [], fallbackStart: nil,
                                    note: "a new destination that the same agent reaches on most of the fleet is common (COMMON_DEST_FLEET)")],
                 hosts: fleet(24), plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            for h in fleet(24) {
                checkIns(w, p, on: h, name: "updates.example.com", address: updates, from: 0, to: 44)
                checkIns(w, p, on: h, name: "updates.example-cdn.net", address: 0x9765_0150, from: 45, to: 56)
            }
        },
        Scenario(name: "vpn-up", summary: "a full-tunnel VPN comes up at hour 46: every agent's check-ins vanish into IPsec on UDP 4500, which the VPN agent carries",
                 verdicts: [Verdict(label: "com.example.vpnagent", alert: false, reasons: [], fallbackStart: nil,
                                    note: "all three agents went quiet together: a host-wide path change, not a fallback"),
                            Verdict(label: "com.example.helper", alert: false, reasons: [], fallbackStart: nil, note: "quiet inside the tunnel"),
                            Verdict(label: "com.example.sync", alert: false, reasons: [], fallbackStart: nil, note: "quiet inside the tunnel")],
                 plists: [("com.example.vpnagent", vpnPath, nil), ("com.example.helper", updaterPath, 3600), ("com.example.sync", syncPath, 1800)],
                 awake: [0..<46]) { w in
            let vpn = agent(400, vpnPath, team: "VPNTEAM123")
            checkIns(w, agent(700, updaterPath, team: "EXAMPLE123"), name: "updates.example.com", address: updates, from: 0, to: 46)
            checkIns(w, agent(640, syncPath, team: "SYNC123456"), name: "api.syncsvc.net", address: 0x9765_0145, from: 0.3, to: 46, every: 0.5)
            checkIns(w, vpn, name: "config.example-vpn.com", address: 0xC633_6430, from: 0.6, to: 46)
            for k in 0..<120 {
                w.udpExchange(host, to: 0xC633_6414, port: 4500, at: w.nanoseconds(hours: 46.05 + Double(k) / 12), request: w.bytes(220), response: w.bytes(180), process: vpn)
            }
        },
        Scenario(name: "raw-tcp-odd-port", summary: "after its update server goes quiet the agent speaks a custom binary protocol to a relay on TCP 8081",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "NEW_TRANSPORT", "NEW_PORT", "NEW_DEST"],
                                    fallbackStart: 50, note: "raw TCP on an odd port")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            for k in 0..<12 {
                let t = w.nanoseconds(hours: 50 + Double(k) / 2)
                w.dnsLookup(host, resolver: resolver, name: "relay.example-relay.net", answer: 0xCB00_7170, at: t)
                w.tcpConnection(host, to: 0xCB00_7170, port: 8081, at: t + 50_000_000, request: [0x51, 0x57, 0, 1] + w.bytes(90),
                                response: [0x51, 0x57, 0, 2] + w.bytes(40), process: p)
            }
        },
        Scenario(name: "tls-on-port-80", summary: "after silence the agent reaches a new domain with TLS on TCP 80, a port that carries plain HTTP",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "PORT_PROTO_MISMATCH", "NEW_PORT", "NEW_DEST"],
                                    fallbackStart: 50, note: "TLS on a non-standard port (T1571)")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            checkIns(w, p, name: "static.example-static.org", address: 0xCB00_7171, from: 50, to: 56, every: 0.5, port: 80)
        },
        Scenario(name: "direct-to-ip", summary: "after silence the agent reaches a bare address over TLS, with no lookup and no server name, from a host that resolves everything else",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "DIRECT_IP_NO_DNS", "NEW_DEST"],
                                    fallbackStart: 50, note: "hard-coded fallback address")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            checkIns(w, p, name: "45.76.10.20", address: 0x2D4C_0A14, from: 50, to: 56, every: 0.5, lookup: false, sni: false)
        },
        Scenario(name: "slow-dns-tunnel", summary: "after silence the agent sends one A query with an encoded 44-character label every 20 minutes through the corporate resolver",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "NEW_TRANSPORT", "DNS_TUNNEL"], fallbackStart: 50,
                                    note: "slow, low-volume DNS: too few queries for the rates, caught from the agent's context")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            for k in 0..<18 {
                let label = String((0..<44).map { _ in base32[Int(w.next() % 32)] })
                w.dnsQuery(host, to: resolver, name: "\(label).telemetry-cache.net", qtype: 1, at: w.nanoseconds(hours: 50 + Double(k) / 3), answerBytes: 4, process: p)
            }
        },
        Scenario(name: "child-process-fallback", summary: "after silence the job's program starts python3, which reaches a paste site the job never used",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "NEW_CHILD_NET", "NEW_DEST"], fallbackStart: 50,
                                    note: "the fallback runs in a child process")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            var child = agent(7001, "/usr/bin/python3", team: nil)
            child.ppid = 700
            checkIns(w, child, name: "api.example-paste.com", address: 0xCB00_7172, from: 50, to: 56, every: 0.5)
        },
        Scenario(name: "primary-failing-switch", summary: "the update server refuses every handshake with a TLS alert at hour 48; six minutes later the agent moves to a failover domain",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["PRIMARY_FAILING", "NEW_DEST", "TIGHT_SWITCH"], fallbackStart: 48.2,
                                    note: "failure-driven switch before silence is provable")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 48)
            for k in 0..<3 {
                let t = w.nanoseconds(hours: 48.1 + Double(k) / 60)
                w.dnsLookup(host, resolver: resolver, name: "updates.example.com", answer: updates, at: t)
                // A fatal handshake_failure alert (RFC 8446 section 6) instead of a ServerHello.
                w.tcpConnection(host, to: updates, port: 443, at: t + 50_000_000, request: w.clientHello(serverName: "updates.example.com"),
                                response: [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28], process: p)
            }
            checkIns(w, p, name: "backup.example-failover.net", address: 0xCB00_7173, from: 48.1, to: 56, every: 0.5)
        },
        Scenario(name: "conferencing-fallback", summary: "Zoom's daemon loses UDP 8801 and carries its media over TCP 443, as Zoom documents",
                 verdicts: [Verdict(label: "us.zoom.ZoomDaemon", alert: false, reasons: [], fallbackStart: nil, note: "documented vendor fallback pair")],
                 plists: [("us.zoom.ZoomDaemon", DemoScenario.zoom.executable!, nil)]) { w in
            DemoScenario.zoomCheckIns(w, udpUntil: 44, tcpFrom: 45)
        },
        Scenario(name: "cdn-churn", summary: "the sync agent's CDN hands out new addresses in other networks at hours 20 and 40; the name stays the same",
                 verdicts: [Verdict(label: "com.example.sync", alert: false, reasons: [], fallbackStart: nil, note: "a channel is its registered domain, not its address")],
                 plists: [("com.example.sync", syncPath, 1800)]) { w in
            let p = agent(640, syncPath, team: "SYNC123456")
            checkIns(w, p, name: "api.syncsvc.net", address: 0x9765_0145, from: 0.3, to: 20, every: 0.5)
            checkIns(w, p, name: "api.syncsvc.net", address: 0x6870_1045, from: 20.3, to: 40, every: 0.5)
            checkIns(w, p, name: "api.syncsvc.net", address: 0x2D4C_5A21, from: 40.3, to: 56, every: 0.5)
        },
        Scenario(name: "first-run-after-install", summary: "an app installed at hour 40 starts its agent, which reaches its manifest, CDN, telemetry and licence servers",
                 verdicts: [Verdict(label: "com.example.newapp.agent", alert: false, reasons: [], fallbackStart: nil, note: "no baseline yet: nothing can be quiet")],
                 plists: [("com.example.newapp.agent", "/Applications/NewApp.app/Contents/MacOS/agent", 7200)]) { w in
            let p = agent(950, "/Applications/NewApp.app/Contents/MacOS/agent", team: "NEWAPP1234")
            checkIns(w, p, name: "manifest.example-newapp.com", address: 0xCB00_7180, from: 40, to: 40.5)
            checkIns(w, p, name: "dl.example-newapp-cdn.net", address: 0xCB00_7181, from: 40.02, to: 40.5)
            checkIns(w, p, name: "telemetry.example-metrics.io", address: 0xCB00_7182, from: 40.05, to: 56, every: 2)
            checkIns(w, p, name: "license.example-licensing.com", address: 0xCB00_7183, from: 40.1, to: 40.5, port: 8443)
        },
        Scenario(name: "encrypted-dns-host", summary: "a Mac that resolves over DoH (no plain DNS on the wire); after a service outage the backup agent reaches its failover by address",
                 verdicts: [Verdict(label: "com.example.backup", alert: false, reasons: [], fallbackStart: nil,
                                    note: "on an encrypted-DNS host every flow looks direct-to-IP (ENCRYPTED_DNS_HOST)")],
                 plists: [("com.example.backup", "/Library/Application Support/Backup/backupd", 3600)]) { w in
            let p = agent(730, "/Library/Application Support/Backup/backupd", team: "BACKUP1234")
            let resolverProcess = agent(88, "/usr/sbin/mDNSResponder", team: nil)
            checkIns(w, resolverProcess, name: "dns.google", address: googleDNS, from: 0, to: 56, every: 0.25, lookup: false)
            checkIns(w, p, name: "vault.example-backup.com", address: 0xCB00_7190, from: 0, to: 44, lookup: false)
            checkIns(w, p, name: "198.51.100.77", address: 0xC633_644D, from: 50, to: 56, lookup: false, sni: false)
        },
        Scenario(name: "transient-shipit", summary: "an app's ShipIt updater job appears once, for twenty minutes, to download an update",
                 verdicts: [Verdict(label: "com.example.app.ShipIt", alert: false, reasons: [], fallbackStart: nil, note: "transient launchd job without history")],
                 plists: [("com.example.app.ShipIt", "/Users/alice/Library/Caches/com.example.app.ShipIt/ShipIt", nil)]) { w in
            let p = agent(990, "/Users/alice/Library/Caches/com.example.app.ShipIt/ShipIt", team: "APPTEAM123")
            checkIns(w, p, name: "releases.example-app.com", address: 0xCB00_71A0, from: 51, to: 51.3, every: 0.05)
        },
        Scenario(name: "mdm-children", summary: "the MDM agent checks in hourly and runs policy scripts whose children (curl, then python3) reach the same MDM service",
                 verdicts: [Verdict(label: "com.jamfsoftware.jamf.agent", alert: false, reasons: [], fallbackStart: nil,
                                    note: "a new child image on a known channel is not a fallback")],
                 plists: [("com.jamfsoftware.jamf.agent", "/usr/local/jamf/bin/jamf", 3600)]) { w in
            let jamf = agent(500, "/usr/local/jamf/bin/jamf", team: "483DWKW443")
            var curl = agent(5001, "/usr/bin/curl", team: nil)
            curl.ppid = 500
            var python = agent(5002, "/usr/bin/python3", team: nil)
            python.ppid = 500
            checkIns(w, jamf, name: "example.jamfcloud.com", address: 0x3415_0A01, from: 0, to: 44)
            checkIns(w, jamf, name: "example.jamfcloud.com", address: 0x3415_0A01, from: 50, to: 56)
            checkIns(w, curl, name: "example.jamfcloud.com", address: 0x3415_0A01, from: 3.3, to: 44, every: 6)
            checkIns(w, python, name: "example.jamfcloud.com", address: 0x3415_0A01, from: 46.3, to: 56, every: 3)
        },
        Scenario(name: "doh-public-resolver", summary: "after its update server goes quiet the agent resolves through DNS over HTTPS at dns.google",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "DOH_NONCORP", "NEW_DEST"], fallbackStart: 50,
                                    note: "DoH to a public resolver")],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            for k in 0..<24 {
                w.tlsCheckIn(host, resolver: resolver, name: "dns.google", address: googleDNS, at: w.nanoseconds(hours: 50 + Double(k) / 4), process: p, lookup: k == 0)
            }
        },
        Scenario(name: "masquerading-apple-label", summary: "an unsigned program under com.apple.systemupdate goes quiet, then uses TLS on 8443 to a new domain",
                 verdicts: [Verdict(label: "com.apple.systemupdate", alert: true, reasons: ["QUIET_PRIMARY", "LABEL_MASQUERADE", "UNSIGNED_AGENT", "NEW_PORT"],
                                    fallbackStart: 50, note: "RUSTBUCKET-style lookalike label")],
                 plists: [("com.apple.systemupdate", "/Users/alice/Library/.cache/systemupdate", 3600)]) { w in
            let p = agent(710, "/Users/alice/Library/.cache/systemupdate", team: nil)
            checkIns(w, p, name: "cdn.appleupdates-example.com", address: 0xC633_6414, from: 0, to: 44)
            checkIns(w, p, name: "svc.backup-example.net", address: 0xCB00_7133, from: 50, to: 56, every: 0.5, port: 8443)
        },
        Scenario(name: "laptop-sleep", summary: "the Mac sleeps for 14 hours; on wake the updater first fetches from a new vendor CDN, then checks in as usual",
                 verdicts: [Verdict(label: "com.example.updater", alert: false, reasons: [], fallbackStart: nil, note: "sleep is not silence")],
                 plists: [("com.example.updater", updaterPath, 3600)], awake: [0..<30, 43.9..<56]) { w in
            let p = agent(812, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 30)
            checkIns(w, p, name: "download.example-cdn.net", address: 0x9765_0145, from: 43.9, to: 56)
            checkIns(w, p, name: "updates.example.com", address: updates, from: 44, to: 56)
        },
        Scenario(name: "daily-updater", summary: "an updater that checks in once a day (StartInterval 86400) and reaches a new mirror on day 3",
                 verdicts: [Verdict(label: "com.example.daily", alert: false, reasons: [], fallbackStart: nil, note: "too little history to call it quiet")],
                 plists: [("com.example.daily", "/opt/example/daily", 86_400)]) { w in
            let p = agent(820, "/opt/example/daily", team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 1, to: 56, every: 24)
            checkIns(w, p, name: "mirror.example-mirrors.org", address: 0xC633_6420, from: 50, to: 51)
        },
        Scenario(name: "apns-port-fallback", summary: "apsd (an Apple platform binary) loses TCP 5223 and moves to TCP 443, as Apple documents",
                 verdicts: [Verdict(label: "com.apple.apsd", alert: false, reasons: [], fallbackStart: nil, note: "documented vendor fallback")],
                 plists: [("com.apple.apsd", "/System/Library/PrivateFrameworks/ApplePushService.framework/apsd", nil)]) { w in
            let p = agent(90, "/System/Library/PrivateFrameworks/ApplePushService.framework/apsd", team: nil)
            checkIns(w, p, name: "5-courier.push.apple.com", address: 0x1139_900A, from: 0, to: 44, port: 5223)
            checkIns(w, p, name: "5-courier.push.apple.com", address: 0x1139_900A, from: 46, to: 56, port: 443)
        },
        Scenario(name: "proxy-bypass", summary: "the agent always went through the web proxy; after silence it reaches its update server directly",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "PROXY_BYPASS"], fallbackStart: 50,
                                    note: "direct egress around the configured proxy")],
                 plists: [("com.example.helper", updaterPath, 3600)], arguments: ["--proxy", "10.20.0.8:3128"]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            let connect = Array("CONNECT updates.example.com:443 HTTP/1.1\r\nHost: updates.example.com:443\r\n\r\n".utf8)
            let established = Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8)
            for h in 0..<44 {
                w.tcpConnection(host, to: 0x0A14_0008, port: 3128, at: w.nanoseconds(hours: Double(h) + 0.1), request: connect, response: established, process: p)
            }
            checkIns(w, p, name: "updates.example.com", address: updates, from: 50, to: 56, every: 0.5)
        },
        Scenario(name: "same-domain-new-port", summary: "after silence the agent reaches its own update domain over TLS on port 8443",
                 verdicts: [Verdict(label: "com.example.helper", alert: true, reasons: ["QUIET_PRIMARY", "NEW_PORT"], fallbackStart: 50,
                                    note: "same registered domain, new port: NEW_PORT alone scores 0.5, under the 2.0 lead threshold", knownMiss: true)],
                 plists: [("com.example.helper", updaterPath, 3600)]) { w in
            let p = agent(700, updaterPath, team: "EXAMPLE123")
            checkIns(w, p, name: "updates.example.com", address: updates, from: 0, to: 44)
            checkIns(w, p, name: "alt.example.com", address: 0x5DB8_D823, from: 50, to: 56, every: 0.5, port: 8443)
        },
    ]
}
