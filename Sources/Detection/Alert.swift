import Attribution
import Flows
import SensorCore

/// One episode: an agent whose primary channel went quiet or failed, and the new channel it
/// fell back to, with the score's reasons (DETECTION.md 3.12).
public struct Alert: Sendable {
    public var agent: AgentKey
    /// The agent's job record (plist or unit) when the inventory had it.
    public var job: AgentRecord?
    /// The attribution of the first fallback flow.
    public var attribution: Attribution
    public var primary: ChannelKey
    /// The primary's typical interval between sessions, seconds.
    public var primaryInterval: Double
    /// Whether the primary's gaps were periodic (DETECTION.md 3.2 step 6).
    public var primaryPeriodic: Bool
    /// Start of the primary's last successful session before the fallback.
    public var primaryLastSeen: Timestamp
    /// Seconds the primary had been silent when the fallback started (0 when it was failing, not silent).
    public var quietSeconds: Double
    /// The earliest moment the gate's evidence was complete (the silence proven, or the
    /// failures counted) and the fallback had begun: when a streaming sensor could alert.
    public var evidenceComplete: Timestamp
    public var fallback: ChannelKey
    /// The fallback's flows, oldest first (at most `maximumFlowsListed`).
    public var flows: [FlowRecord]
    /// The primary's last flows before the fallback (at most `maximumPrimaryFlowsListed`),
    /// failed attempts included: with `flows`, what the evidence pcap holds.
    public var primaryFlows: [FlowRecord] = []
    public var reasons: [Reason]
    public var score: Double
    /// 1 low (hunt lead), 2 medium, 3 high.
    public var severity: Int
    /// ATT&CK techniques: T1008 always, plus the fallback's own (T1071.004 DNS, T1095 ICMP or
    /// raw transport, T1571 non-standard port).
    public var techniques: [String]

    /// What the report draws for the agent (nanoseconds): the primary's sessions over the
    /// whole input, the fallback's flows, when the host was awake, and the quiet gap.
    public struct Timeline: Sendable {
        public var start: Int64
        public var end: Int64
        /// Primary session starts and whether they succeeded (at most `maximumPoints`).
        public var primary: [(time: Int64, succeeded: Bool)]
        /// Fallback flow starts with their Community IDs (at most `maximumPoints`).
        public var fallback: [(time: Int64, communityID: String)]
        public var awake: [(Int64, Int64)]
        /// From the primary's last success to its next success (or the end of the input).
        public var quiet: (Int64, Int64)
        /// Quiet spells of the host's agents put down to a host-wide path change (VPN up,
        /// network loss), at most `maximumPoints`.
        public var pathChanges: [(Int64, Int64)] = []

        public static let maximumPoints = 2000
    }

    public var timeline: Timeline?

    public static let maximumFlowsListed = 20
    public static let maximumPrimaryFlowsListed = 5

    /// A stable id for the episode (`event.id`, the evidence pcap's name): a hash of the agent,
    /// the fallback channel and the first fallback flow's start.
    public var id: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "\(agent.description)|\(agent.teamID ?? "")|\(fallback.description)|\(start.nanoseconds)".utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        let hex = String(h, radix: 16)
        return "qw-" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// When the first fallback flow started.
    public var start: Timestamp { flows.first?.start ?? primaryLastSeen }

    /// 0-100 from the score: 6 or more is 100.
    public var riskScore: Int { max(0, min(100, Int((score / 6 * 100).rounded()))) }

    /// One readable sentence.
    public var message: String {
        let who = agent.label ?? agent.program ?? "process"
        let failing = reasons.contains { $0.code == "PRIMARY_FAILING" }
        let how = failing ? "started failing" : "went quiet"
        return "\(who) on \(agent.host): primary channel \(primary) \(how), then it used \(fallback)"
    }
}
