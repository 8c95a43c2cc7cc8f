import Config
import Foundation
import Detection
import SensorCore
import Testing

/// quietwire.yaml: documented defaults, every key read, and errors that name the line and the key.
@Suite struct ConfigurationTests {
    @Test func everyKeyIsRead() throws {
        let c = try QuietWireConfig.parse("""
            local_networks: [10.0.0.0/8, fd00::/8]
            proxies: [10.0.0.8:3128, "[fd00::8]:8080"]
            flows:
              tcp_inactivity_timeout: 600
              max_flows: 5000
            attribution:
              clock_skew_tolerance: 5
              max_clock_skew: 120
            detection:
              warmup: 0.25
              awake_margin: 300
              minimum_primary_sessions: 4
              quiet_multiple: 2.5
              fleet_minimum_hosts: 10
              fleet_rare_share: 0.05
              fleet_common_share: 0.4
              path_change_share: 0.75
              episode_gap: 3600
              approved_resolvers: [DNS.corp.example, 10.0.0.53]
            coverage:
              fail_over:
                unattributed_bytes_share: 0.01
            allowlist:
              - team_id: EXAMPLE123
                label: "com.example.*"
                program: "/Library/Application Support/Example/*"
                destinations: [example-cdn.net]
                fallbacks: ["tcp/443 -> tcp/8443"]
            """)
        #expect(c.flows.localNetworks.contains(IPAddress("10.1.2.3")!) && !c.flows.localNetworks.contains(IPAddress("192.168.1.1")!))
        #expect(c.flows.tcpInactivityTimeout == 600 && c.flows.maximumFlows == 5000)
        #expect(c.detection.proxies == [ProxyAddress("10.0.0.8:3128")!, ProxyAddress("[fd00::8]:8080")!])
        #expect(c.correlator.tolerance == 5 && c.correlator.maximumSkew == 120)
        #expect(c.detection.warmupFraction == 0.25 && c.detection.awakeMargin == 300 && c.detection.minimumPrimarySessions == 4)
        #expect(c.coverageLimits == ["unattributed_bytes_share": 0.01])
        #expect(c.detection.fleetMinimumHosts == 10 && c.detection.fleetRareShare == 0.05 && c.detection.fleetCommonShare == 0.4 && c.detection.pathChangeShare == 0.75 && c.detection.episodeGap == 3600)
        #expect(c.detection.quietMultiple == 2.5 && c.detection.approvedResolvers == ["dns.corp.example", "10.0.0.53"])
        let entry = try #require(c.detection.allowlist.first)
        #expect(entry.teamID == "EXAMPLE123" && entry.destinations == ["example-cdn.net"])
        #expect(entry.fallbacks.map { "\($0.from)>\($0.to)" } == ["tcp/443>tcp/8443"])
        #expect(entry.matches(AgentKey(host: "h", label: "com.example.updater", program: "/Library/Application Support/Example/updater", teamID: "EXAMPLE123")))
        #expect(!entry.matches(AgentKey(host: "h", label: "com.example.updater", program: "/tmp/updater", teamID: "EXAMPLE123")))
        #expect(!entry.matches(AgentKey(host: "h", label: "com.example.updater", program: "/Library/Application Support/Example/updater", teamID: nil)))
    }

    @Test func anEmptyFileIsAllDefaults() throws {
        let c = try QuietWireConfig.parse("# nothing set\n")
        #expect(c.detection.warmupFraction == DetectionSettings().warmupFraction && c.correlator.tolerance == 2)
    }

    @Test(arguments: [
        ("detection:\n  warmup: 0.5\n  quiet_multipel: 3\n", 3, "unknown key 'quiet_multipel' in detection"),
        ("flows:\n  max_flows: -1\n", 2, "max_flows must be between"),
        ("local_networks: [10.0.0.0/33]\n", 1, "CIDR blocks"),
        ("detection:\n  warmup: lots\n", 2, "warmup must be a number"),
        ("allowlist:\n  - label: com.apple.*\n", 2, "needs team_id"),
        ("allowlist:\n  - team_id: X\n    fallbacks: [\"tcp/443 to tcp/8443\"]\n", 3, "fallbacks entries look like"),
        ("attribution:\n  clock_skew_tolerance: 50\n  max_clock_skew: 10\n", 2, "at least clock_skew_tolerance"),
        ("detection: [1, 2]\n", 1, "must be a mapping"),
        ("coverage:\n  fail_over:\n    unattributed: 0.1\n", 3, "unknown key 'unattributed' in coverage.fail_over"),
        ("detection:\n  fleet_rare_share: 0.6\n", 2, "fleet_rare_share must be below fleet_common_share"),
        ("proxies: [10.0.0.8]\n", 1, "proxies entries look like"),
        ("flows:\n  tcp_inactivity_timeout: [\n", 3, "not valid YAML"),
    ])
    func errorsNameTheLineAndTheKey(text: String, line: Int, message: String) {
        do {
            _ = try QuietWireConfig.parse(text, file: "q.yaml")
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error)")
            #expect(error.line == line, "\(error)")
            #expect(error.description.hasPrefix("q.yaml:\(line): "))
        }
    }

    @Test func globsMatchLikeShellStars() {
        #expect(AllowlistEntry.glob("com.example.*", "com.example.updater"))
        #expect(AllowlistEntry.glob("*", ""))
        #expect(AllowlistEntry.glob("a*b*c", "aXXbYYc") && !AllowlistEntry.glob("a*b*c", "aXXbYY"))
        #expect(!AllowlistEntry.glob("com.apple.*", "com.applex.agent"))
    }

    @Test func theDocumentedConfigurationParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        let yaml = text.components(separatedBy: "```yaml\n")[1].components(separatedBy: "```")[0]
        let c = try QuietWireConfig.parse(yaml, file: "docs/configuration.md")
        #expect(c.sensor.tokens == [.init(endpoint: "laptop-1", sha256: "4db5dcb5501247e9715b7e7931b995e335dab9f6832c3cfc38d03c57d5a854f3")])
        #expect(c.sensor.listen == "0.0.0.0:8443" && c.sensor.learnDelay == 86_400 && c.sensor.tlsKey == "/etc/quietwire/key.pem")
    }

    /// `sensor.osquery_config` names a JSON file that is read when the configuration is; a
    /// missing file or one that is not a JSON object is an error naming the key.
    @Test func theOsqueryConfigurationIsReadAndChecked() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qw-osquery-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = dir.appendingPathComponent("osquery.conf").path, list = dir.appendingPathComponent("list.json").path
        try Data(#"{"schedule":{}}"#.utf8).write(to: URL(fileURLWithPath: good))
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: list))
        #expect(try QuietWireConfig.parse("sensor:\n  osquery_config: \(good)\n").sensor.osqueryConfig == #"{"schedule":{}}"#)
        for (path, message) in [(list, "is not a JSON object"), (dir.appendingPathComponent("missing.conf").path, "cannot read")] {
            do {
                _ = try QuietWireConfig.parse("sensor:\n  osquery_config: \(path)\n")
                Issue.record("\(path) was accepted")
            } catch {
                #expect(error.description.contains("osquery_config: ") && error.description.contains(message), "\(error)")
            }
        }
    }

    @Test(arguments: [
        ("sensor:\n  listen: 0.0.0.0:8443\n", "sensor.listen needs tls_certificate and tls_key"),
        ("sensor:\n  listen: nowhere\n  allow_plain_http: true\n", "listen must be address:port"),
        ("sensor:\n  tokens:\n    - endpoint: a\n      sha256: abc\n", "sha256 must be a SHA-256 in hex"),
        ("sensor:\n  tokens:\n    - endpoint: a\n", "each token needs endpoint and sha256"),
        ("sensor:\n  learn_delay: 0\n", "learn_delay must be between"),
    ])
    func sensorMistakesAreNamed(yaml: String, message: String) {
        #expect(throws: QuietWireConfig.Failure.self) { try QuietWireConfig.parse(yaml) }
        do {
            _ = try QuietWireConfig.parse(yaml)
        } catch {
            #expect(error.description.contains(message), "\(error)")
        }
    }
}
