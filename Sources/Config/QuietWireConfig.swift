#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Attribution
import Coverage
import Detection
import Flows
import Foundation
import Yams

/// `quietwire.yaml` (docs/configuration.md): local networks, flow timeouts, attribution and
/// detection parameters, approved resolvers and the vendor allowlist. Every key is optional
/// and has the documented default; an unknown key, a wrong type or an out-of-range value is an
/// error naming the file, the line and the key.
public struct QuietWireConfig: Sendable {
    /// Host and port of a `listen` value (`address:port`, `[v6]:port`).
    public static func listenAddress(_ text: String) -> (host: String, port: Int)? { Reader.listenAddress(text) }

    public var flows = FlowSettings()
    public var correlator = Correlator.Settings()
    public var detection = DetectionSettings()
    /// `coverage.fail_over`: limits on coverage checks (docs/coverage.md); a run over one exits 4.
    public var coverageLimits: [String: Double] = [:]
    public var sensor = SensorSettings()

    public init() {}

    public struct Failure: Error, CustomStringConvertible {
        public var file: String
        public var line: Int
        public var message: String
        public var description: String { "\(file):\(line): \(message)" }
    }

    /// Reads and checks the file at `path`.
    public static func load(path: String) throws(Failure) -> QuietWireConfig {
        guard let data = FileContents.read(path) else {
            throw Failure(file: path, line: 0, message: "cannot read the configuration file (does it exist?)")
        }
        return try parse(data, file: path)
    }

    /// Parses configuration text; `file` names it in errors.
    public static func parse(_ text: String, file: String = "quietwire.yaml") throws(Failure) -> QuietWireConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw Failure(file: file, line: (error as? YamlError).flatMap(Self.line(of:)) ?? 0, message: "not valid YAML: \(error)")
        }
        var config = QuietWireConfig()
        guard let root else { return config }
        var reader = Reader(file: file)
        try reader.top(root, into: &config)
        return config
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    /// Walks the node tree, checking every key and value.
    struct Reader {
        let file: String

        func fail(_ node: Node, _ message: String) -> Failure {
            Failure(file: file, line: node.mark?.line ?? 0, message: message)
        }

        func mapping(_ node: Node, _ path: String) throws(Failure) -> [(String, Node, Node)] {
            guard case .mapping(let m) = node else { throw fail(node, "\(path) must be a mapping of keys to values") }
            var result: [(String, Node, Node)] = []
            for (k, v) in m {
                guard let key = k.string else { throw fail(k, "keys under \(path) must be text") }
                result.append((key, k, v))
            }
            return result
        }

        func number(_ node: Node, _ key: String, _ range: ClosedRange<Double>) throws(Failure) -> Double {
            guard case .scalar(let s) = node, let v = Double(s.string), v.isFinite else { throw fail(node, "\(key) must be a number") }
            guard range.contains(v) else { throw fail(node, "\(key) must be between \(range.lowerBound) and \(range.upperBound), not \(s.string)") }
            return v
        }

        func integer(_ node: Node, _ key: String, _ range: ClosedRange<Int>) throws(Failure) -> Int {
            guard case .scalar(let s) = node, let v = Int(s.string) else { throw fail(node, "\(key) must be a whole number") }
            guard range.contains(v) else { throw fail(node, "\(key) must be between \(range.lowerBound) and \(range.upperBound), not \(v)") }
            return v
        }

        func text(_ node: Node, _ key: String) throws(Failure) -> String {
            guard case .scalar(let s) = node, !s.string.isEmpty else { throw fail(node, "\(key) must be text") }
            return s.string
        }

        func texts(_ node: Node, _ key: String) throws(Failure) -> [String] {
            guard case .sequence(let seq) = node else { throw fail(node, "\(key) must be a list") }
            var result: [String] = []
            for item in seq { result.append(try text(item, key)) }
            return result
        }

        func unknown(_ keyNode: Node, _ key: String, _ path: String, known: [String]) -> Failure {
            fail(keyNode, "unknown key '\(key)' in \(path) (known: \(known.joined(separator: ", ")))")
        }

        mutating func top(_ root: Node, into c: inout QuietWireConfig) throws(Failure) {
            let known = ["local_networks", "proxies", "flows", "attribution", "detection", "allowlist", "coverage", "sensor"]
            for (key, k, v) in try mapping(root, "the top level") {
                switch key {
                case "local_networks":
                    let list = try texts(v, key)
                    guard let set = NetworkSet(list) else { throw fail(v, "local_networks must be CIDR blocks like 10.0.0.0/8 or fd00::/8") }
                    c.flows.localNetworks = set
                case "proxies":
                    for text in try texts(v, key) {
                        guard let proxy = ProxyAddress(text) else { throw fail(v, "proxies entries look like 10.0.0.8:3128 or [fd00::8]:8080, not \(text)") }
                        c.detection.proxies.insert(proxy)
                    }
                case "flows": try flows(v, &c.flows)
                case "sensor": try sensor(v, &c.sensor)
                case "attribution": try attribution(v, &c.correlator)
                case "detection": try detection(v, &c.detection)
                case "allowlist": try allowlist(v, &c.detection)
                case "coverage":
                    for (ckey, ck, cv) in try mapping(v, "coverage") {
                        guard ckey == "fail_over" else { throw unknown(ck, ckey, "coverage", known: ["fail_over"]) }
                        for (check, checkNode, limit) in try mapping(cv, "coverage.fail_over") {
                            guard CoverageReport.checkNames.contains(check) else { throw unknown(checkNode, check, "coverage.fail_over", known: CoverageReport.checkNames) }
                            c.coverageLimits[check] = try number(limit, check, 0...1e18)
                        }
                    }
                default: throw unknown(k, key, "the top level", known: known)
                }
            }
        }

        func sensor(_ node: Node, _ s: inout SensorSettings) throws(Failure) {
            let known = ["attribution_lag", "learn_delay", "judge_interval", "checkpoint_interval", "rotate_interval", "rotate_bytes", "stats_interval",
                         "feed_retention", "listen", "tls_certificate", "tls_key", "allow_plain_http", "body_limit", "decompressed_limit",
                         "requests_per_second", "tokens", "osquery_enroll_secret_sha256", "osquery_config"]
            for (key, k, v) in try mapping(node, "sensor") {
                switch key {
                case "attribution_lag": s.attributionLag = try number(v, key, 0...86_400)
                case "learn_delay": s.learnDelay = try number(v, key, 1...31_536_000)
                case "judge_interval": s.judgeInterval = try number(v, key, 0.1...86_400)
                case "checkpoint_interval": s.checkpointInterval = try number(v, key, 1...86_400)
                case "rotate_interval": s.rotateInterval = try number(v, key, 1...31_536_000)
                case "rotate_bytes": s.rotateBytes = try integer(v, key, 4096...(1 << 50))
                case "stats_interval": s.statsInterval = try number(v, key, 0.1...86_400)
                case "feed_retention": s.feedRetention = try number(v, key, 0...31_536_000)
                case "listen":
                    let text = try text(v, key)
                    guard Self.listenAddress(text) != nil else { throw fail(v, "listen must be address:port like 0.0.0.0:8443 or [::]:8443, not \(text)") }
                    s.listen = text
                case "tls_certificate": s.tlsCertificate = try text(v, key)
                case "tls_key": s.tlsKey = try text(v, key)
                case "allow_plain_http": s.allowPlainHTTP = try flag(v, key)
                case "body_limit": s.bodyLimit = try integer(v, key, 1024...(1 << 31))
                case "decompressed_limit": s.decompressedLimit = try integer(v, key, 1024...(1 << 33))
                case "requests_per_second": s.requestsPerSecond = try number(v, key, 0.01...1_000_000)
                case "osquery_enroll_secret_sha256": s.osqueryEnrollSecret = try sha256(v, key)
                case "osquery_config":
                    let path = try text(v, key)
                    guard let data = FileManager.default.contents(atPath: path), data.count <= 1 << 20 else {
                        throw fail(v, "osquery_config: cannot read \(path) (a JSON file of at most 1 MiB)")
                    }
                    guard (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                        throw fail(v, "osquery_config: \(path) is not a JSON object (osquery's configuration format)")
                    }
                    s.osqueryConfig = String(decoding: data, as: UTF8.self)
                case "tokens":
                    guard case .sequence(let items) = v else { throw fail(v, "tokens must be a list of {endpoint, sha256}") }
                    for item in items {
                        var endpoint: String?, digest: String?
                        for (tkey, tk, tv) in try mapping(item, "sensor.tokens") {
                            switch tkey {
                            case "endpoint": endpoint = try text(tv, tkey)
                            case "sha256": digest = try sha256(tv, tkey)
                            default: throw unknown(tk, tkey, "sensor.tokens", known: ["endpoint", "sha256"])
                            }
                        }
                        guard let endpoint, let digest else { throw fail(item, "each token needs endpoint and sha256 (quietwire token prints both)") }
                        s.tokens.append(.init(endpoint: endpoint, sha256: digest))
                    }
                default: throw unknown(k, key, "sensor", known: known)
                }
            }
            if s.listen != nil, !s.allowPlainHTTP, s.tlsCertificate == nil || s.tlsKey == nil {
                throw fail(node, "sensor.listen needs tls_certificate and tls_key (or allow_plain_http: true, for loopback tests or a TLS proxy in front)")
            }
        }

        func flag(_ node: Node, _ key: String) throws(Failure) -> Bool {
            guard case .scalar(let s) = node, let v = Bool(s.string.lowercased()) else { throw fail(node, "\(key) must be true or false") }
            return v
        }

        func sha256(_ node: Node, _ key: String) throws(Failure) -> String {
            let t = try text(node, key).lowercased()
            guard t.utf8.count == 64, t.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else {
                throw fail(node, "\(key) must be a SHA-256 in hex (64 digits; `quietwire token` makes a token and prints its digest)")
            }
            return t
        }

        /// Host and port of `address:port` or `[v6]:port`.
        static func listenAddress(_ text: String) -> (String, Int)? {
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return host.isEmpty ? nil : (host, port)
        }

        func flows(_ node: Node, _ f: inout FlowSettings) throws(Failure) {
            let known = ["tcp_inactivity_timeout", "udp_inactivity_timeout", "icmp_inactivity_timeout", "interim_interval", "max_flows"]
            for (key, k, v) in try mapping(node, "flows") {
                switch key {
                case "tcp_inactivity_timeout": f.tcpInactivityTimeout = try number(v, key, 1...86_400)
                case "udp_inactivity_timeout": f.udpInactivityTimeout = try number(v, key, 1...86_400)
                case "icmp_inactivity_timeout": f.icmpInactivityTimeout = try number(v, key, 1...86_400)
                case "interim_interval": f.interimInterval = try number(v, key, 0...31_536_000)
                case "max_flows": f.maximumFlows = try integer(v, key, 1...FlowTable.largestMaximumFlows)
                default: throw unknown(k, key, "flows", known: known)
                }
            }
        }

        func attribution(_ node: Node, _ s: inout Correlator.Settings) throws(Failure) {
            let known = ["clock_skew_tolerance", "max_clock_skew", "inference_horizon"]
            for (key, k, v) in try mapping(node, "attribution") {
                switch key {
                case "clock_skew_tolerance": s.tolerance = try number(v, key, 0...86_400)
                case "max_clock_skew": s.maximumSkew = try number(v, key, 0...604_800)
                case "inference_horizon": s.inferenceHorizon = try number(v, key, 0...86_400)
                default: throw unknown(k, key, "attribution", known: known)
                }
            }
            guard s.maximumSkew >= s.tolerance else { throw fail(node, "attribution.max_clock_skew must be at least clock_skew_tolerance") }
        }

        func detection(_ node: Node, _ d: inout DetectionSettings) throws(Failure) {
            let known = ["warmup", "awake_margin", "session_gap", "minimum_primary_sessions", "quiet_multiple", "quiet_deviations",
                         "minimum_quiet", "failures_for_evidence", "failure_window", "window_after", "window_cap", "episode_gap", "quiet_alpha", "high_score",
                         "medium_score", "lead_score", "fleet_minimum_hosts", "fleet_rare_share", "fleet_common_share",
                         "path_change_minimum_agents", "path_change_share", "path_change_margin",
                         "approved_resolvers"]
            for (key, k, v) in try mapping(node, "detection") {
                switch key {
                case "warmup": d.warmupFraction = try number(v, key, 0.01...0.99)
                case "awake_margin": d.awakeMargin = try number(v, key, 0...86_400)
                case "session_gap": d.sessionGap = try number(v, key, 0...86_400)
                case "minimum_primary_sessions": d.minimumPrimarySessions = try integer(v, key, 2...1_000_000)
                case "quiet_multiple": d.quietMultiple = try number(v, key, 1...1000)
                case "quiet_deviations": d.quietDeviations = try number(v, key, 0...1000)
                case "minimum_quiet": d.minimumQuiet = try number(v, key, 0...31_536_000)
                case "failures_for_evidence": d.failuresForEvidence = try integer(v, key, 1...1000)
                case "failure_window": d.failureWindow = try number(v, key, 0...86_400)
                case "window_after": d.windowAfter = try number(v, key, 0...31_536_000)
                case "window_cap": d.windowCap = try number(v, key, 0...31_536_000)
                case "quiet_alpha": d.quietAlpha = try number(v, key, 0.000001...0.5)
                case "episode_gap": d.episodeGap = try number(v, key, 0...31_536_000)
                case "high_score": d.highScore = try number(v, key, -100...100)
                case "medium_score": d.mediumScore = try number(v, key, -100...100)
                case "lead_score": d.leadScore = try number(v, key, -100...100)
                case "fleet_minimum_hosts": d.fleetMinimumHosts = try integer(v, key, 1...100_000_000)
                case "fleet_rare_share": d.fleetRareShare = try number(v, key, 0...1)
                case "fleet_common_share": d.fleetCommonShare = try number(v, key, 0...1)
                case "path_change_minimum_agents": d.pathChangeMinimumAgents = try integer(v, key, 2...1_000_000)
                case "path_change_share": d.pathChangeShare = try number(v, key, 0.01...1)
                case "path_change_margin": d.pathChangeMargin = try number(v, key, 0...86_400)
                case "approved_resolvers": d.approvedResolvers = Set(try texts(v, key).map { $0.lowercased() })
                default: throw unknown(k, key, "detection", known: known)
                }
            }
            guard d.fleetRareShare < d.fleetCommonShare else {
                throw fail(node, "detection.fleet_rare_share must be below fleet_common_share")
            }
            guard d.leadScore <= d.mediumScore, d.mediumScore <= d.highScore else {
                throw fail(node, "detection scores must satisfy lead_score <= medium_score <= high_score")
            }
        }

        func allowlist(_ node: Node, _ d: inout DetectionSettings) throws(Failure) {
            guard case .sequence(let entries) = node else { throw fail(node, "allowlist must be a list of entries") }
            let known = ["team_id", "label", "program", "destinations", "fallbacks"]
            for entryNode in entries {
                var entry = AllowlistEntry(teamID: "")
                for (key, k, v) in try mapping(entryNode, "an allowlist entry") {
                    switch key {
                    case "team_id": entry.teamID = try text(v, key)
                    case "label": entry.label = try text(v, key)
                    case "program": entry.program = try text(v, key)
                    case "destinations": entry.destinations = Set(try texts(v, key).map { $0.lowercased() })
                    case "fallbacks":
                        for pair in try texts(v, key) {
                            let sides = pair.split(separator: ">").map { $0.trimmingCharacters(in: " -") }
                            guard sides.count == 2, sides.allSatisfy(Self.isTransportPort) else {
                                throw fail(v, "fallbacks entries look like \"tcp/5223 -> tcp/443\", not \"\(pair)\"")
                            }
                            entry.fallbacks.append((from: sides[0], to: sides[1]))
                        }
                    default: throw unknown(k, key, "an allowlist entry", known: known)
                    }
                }
                // Matching on a label alone is unsafe (malware masquerades as vendors' labels).
                guard !entry.teamID.isEmpty else { throw fail(entryNode, "an allowlist entry needs team_id: entries bind to the signer, never to a label alone") }
                d.allowlist.append(entry)
            }
        }

        static func isTransportPort(_ s: String) -> Bool {
            let parts = s.split(separator: "/")
            return parts.count == 2 && ["tcp", "udp", "icmp"].contains(parts[0]) && UInt16(parts[1]) != nil
        }
    }
}

extension String {
    /// The string without leading and trailing characters in `set`.
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}

/// Reads a whole small text file.
enum FileContents {
    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < 16 << 20 {
            let n = fread(&chunk, 1, chunk.count, f)
            if n == 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
