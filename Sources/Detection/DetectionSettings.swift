/// The detection engine's parameters (DETECTION.md 3.2, 3.3, 3.12); the defaults are the
/// reference's starting points. Times are seconds.
public struct DetectionSettings: Sendable {
    /// A host is awake within this many seconds of any of its flows. The reference's 5 minutes
    /// assumes a Mac's constant background chatter; 15 keeps a host whose only traffic is a
    /// few agents checking in every half hour awake.
    public var awakeMargin: Double = 900
    /// Flows of a channel closer than this are one session.
    public var sessionGap: Double = 30
    /// Sessions a channel needs to be an agent's primary.
    public var minimumPrimarySessions = 6
    /// Quiet when the gap exceeds `max(k·T, T + z·σ, minimumQuiet)`.
    public var quietMultiple: Double = 3
    public var quietDeviations: Double = 5
    public var minimumQuiet: Double = 600
    /// An aperiodic primary is quiet once no session in the gap had probability below this.
    public var quietAlpha = 0.01
    /// Failed attempts on the primary that count as failure evidence, and the window they fall in
    /// (at least `failureWindow`, else the primary's interval).
    public var failuresForEvidence = 3
    public var failureWindow: Double = 300
    /// A candidate may start this many intervals before the quiet onset…
    public var windowBeforeIntervals: Double = 2
    /// …and until `max(windowAfter, windowAfterIntervals·T)` after it, at most `windowCap`.
    public var windowAfter: Double = 6 * 3600
    public var windowAfterIntervals: Double = 10
    public var windowCap: Double = 7 * 86_400
    /// A fallback channel silent for longer than this starts a new episode (and may raise a new
    /// alert) when it comes back; within it, later flows join the episode's one alert.
    public var episodeGap: Double = 86_400
    /// Score thresholds: high, medium, and the hunt lead (low severity).
    public var highScore: Double = 4
    public var mediumScore: Double = 3
    public var leadScore: Double = 2
    /// Fleet prevalence (DETECTION.md 3.5): with at least `fleetMinimumHosts` hosts running an
    /// agent, a destination reached by at most `fleetRareShare` of the other hosts is rare
    /// (RARE_DEST_FLEET), one reached by at least `fleetCommonShare` is common (COMMON_DEST_FLEET).
    public var fleetMinimumHosts = 20
    public var fleetRareShare = 0.02
    public var fleetCommonShare = 0.5
    /// A host-wide path change (DETECTION.md 3.3): with at least `pathChangeMinimumAgents` live
    /// agents on the host, when more than `pathChangeShare` of the others fall silent in the same
    /// window as the judged one (their due check-ins within `pathChangeMargin` seconds of each
    /// other's), the silence is the host's (VPN, network loss), not the agent's.
    public var pathChangeMinimumAgents = 3
    public var pathChangeShare = 0.5
    public var pathChangeMargin: Double = 300
    /// Resolvers the organisation runs or approves (server names or addresses as text): DoH or
    /// DoT to them is no evidence.
    public var approvedResolvers: Set<String> = []
    /// The organisation's web proxies (address and port): an agent that used one and then
    /// reaches the internet directly bypassed it (PROXY_BYPASS).
    public var proxies: Set<ProxyAddress> = []
    /// Vendor agents the organisation knows (`quietwire.yaml` `allowlist`).
    public var allowlist: [AllowlistEntry] = []
    /// The part of the input (by time) that only trains baselines when no stored baseline exists.
    public var warmupFraction: Double = 0.5

    public init() {}
}
