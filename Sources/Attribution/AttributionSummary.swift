import Flows
import SensorCore

/// How much of the egress the endpoints explained: flows and bytes (IP bytes, both directions)
/// per attribution method, and the unattributed egress by source host and by destination,
/// the blind-spot view.
public struct AttributionSummary: Sendable {
    public struct Tally: Sendable, Equatable {
        public var flows: UInt64 = 0
        public var bytes: UInt64 = 0
        public init() {}
        mutating func add(_ r: FlowRecord) { add(bytes: r.originatorIPBytes &+ r.responderIPBytes) }
        /// One flow of `b` IP bytes (both directions).
        public mutating func add(bytes b: UInt64) {
            flows &+= 1
            bytes &+= b
        }
    }

    /// Distinct hosts and destinations counted; past it they go to `otherUnattributed`.
    static let maximumKeys = 100_000

    public var egress = Tally()
    public var byMethod: [Attribution.Method: Tally] = [:]
    /// Unattributed egress by source: the host id when the address is known, else the address.
    public var unattributedSources: [String: Tally] = [:]
    /// Unattributed egress by destination `address port/proto`.
    public var unattributedDestinations: [String: Tally] = [:]
    public var otherUnattributed = Tally()
    /// Flows per agent label among the attributed.
    public var agents: [String: UInt64] = [:]

    public init() {}

    public mutating func note(_ r: FlowRecord, _ a: Attribution) {
        guard r.isEgress else { return }
        egress.add(r)
        byMethod[a.method, default: Tally()].add(r)
        if let label = a.agent?.label, agents.count < Self.maximumKeys || agents[label] != nil { agents[label, default: 0] += 1 }
        guard a.method == .none else { return }
        let source = a.hostID ?? r.connection.originator.description
        let destination = "\(r.connection.responder) \(r.connection.responderPort)/\(r.transportName)"
        if unattributedSources.count < Self.maximumKeys || unattributedSources[source] != nil {
            unattributedSources[source, default: Tally()].add(r)
        } else {
            otherUnattributed.add(r)
        }
        if unattributedDestinations.count < Self.maximumKeys || unattributedDestinations[destination] != nil {
            unattributedDestinations[destination, default: Tally()].add(r)
        }
    }

    /// Share (0…1) of egress flows and of egress bytes attributed by `method`.
    public func share(_ method: Attribution.Method) -> (flows: Double, bytes: Double) {
        let t = byMethod[method] ?? Tally()
        return (egress.flows == 0 ? 0 : Double(t.flows) / Double(egress.flows),
                egress.bytes == 0 ? 0 : Double(t.bytes) / Double(egress.bytes))
    }

    /// The `n` largest entries of a tally map by bytes, then flows, then name.
    public static func top(_ map: [String: Tally], _ n: Int) -> [(String, Tally)] {
        Array(map.sorted { ($0.value.bytes, $0.value.flows, $1.key) > ($1.value.bytes, $1.value.flows, $0.key) }.prefix(n))
    }

    /// A few lines for the terminal.
    public func text(skews: [(host: String, seconds: Double, samples: Int)]) -> String {
        func percent(_ x: Double) -> String { String(Double(Int((x * 1000).rounded())) / 10) + "%" }
        var lines = ["attribution: \(egress.flows) egress flows, \(egress.bytes) bytes"]
        for m in Attribution.Method.allCases {
            let t = byMethod[m] ?? Tally()
            let s = share(m)
            lines.append("  \(m.rawValue): \(t.flows) flows (\(percent(s.flows))), \(t.bytes) bytes (\(percent(s.bytes)))")
        }
        let sources = Self.top(unattributedSources, 5)
        if !sources.isEmpty {
            lines.append("  unattributed sources: " + sources.map { "\($0.0) (\($0.1.flows) flows, \($0.1.bytes) bytes)" }.joined(separator: ", "))
        }
        let destinations = Self.top(unattributedDestinations, 5)
        if !destinations.isEmpty {
            lines.append("  unattributed destinations: " + destinations.map { "\($0.0) (\($0.1.flows) flows)" }.joined(separator: ", "))
        }
        if !skews.isEmpty {
            // The largest skews first; a fleet's hosts past the first few are summarised.
            let ranked = skews.sorted { (abs($0.seconds), $1.host) > (abs($1.seconds), $0.host) }
            var text = "  clock skew: " + ranked.prefix(Self.skewsListed).map { "\($0.host) \(String(format3: $0.seconds)) s (\($0.samples) matches)" }
                .joined(separator: ", ")
            if ranked.count > Self.skewsListed {
                let rest = ranked.dropFirst(Self.skewsListed)
                text += ", and \(rest.count) more hosts within \(String(format3: rest.map { abs($0.seconds) }.max() ?? 0)) s"
            }
            lines.append(text)
        }
        return lines.joined(separator: "\n")
    }

    /// Hosts named in the clock skew line; the rest are summarised.
    static let skewsListed = 8
}

extension String {
    /// A number with three decimals, without Foundation.
    init(format3 v: Double) {
        let scaled = (v * 1000).rounded()
        guard scaled.isFinite, abs(scaled) < 9e15 else { self = String(v); return }
        let n = Int64(scaled)
        let sign = n < 0 ? "-" : ""
        let a = n.magnitude
        let frac = String(a % 1000)
        self = sign + String(a / 1000) + "." + String(repeating: "0", count: 3 - frac.count) + frac
    }
}
