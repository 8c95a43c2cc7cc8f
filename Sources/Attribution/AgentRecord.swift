/// A launch agent or daemon (macOS launchd job) or a systemd unit (Linux) installed on a
/// host: the inventory that turns a process into a background agent.
public struct AgentRecord: Sendable, Equatable {
    public enum Domain: String, Sendable {
        /// Runs in a user's session (LaunchAgents, systemd user units).
        case user
        /// Runs for the whole machine (LaunchDaemons, system units).
        case system
    }

    public var hostID: String
    public var label: String
    public var plistPath: String?
    public var program: String?
    public var programArguments: [String]
    public var runAtLoad: Bool?
    /// True when launchd restarts the job (KeepAlive true or any KeepAlive conditions).
    public var keepAlive: Bool?
    /// Seconds between runs (launchd StartInterval), the job's expected rhythm.
    public var startInterval: Int?
    public var domain: Domain?
    public var teamID: String?
    public var source: String

    public init(hostID: String, label: String, plistPath: String? = nil, program: String? = nil, programArguments: [String] = [],
                runAtLoad: Bool? = nil, keepAlive: Bool? = nil, startInterval: Int? = nil, domain: Domain? = nil,
                teamID: String? = nil, source: String) {
        self.hostID = hostID
        self.label = label
        self.plistPath = plistPath
        self.program = program
        self.programArguments = programArguments
        self.runAtLoad = runAtLoad
        self.keepAlive = keepAlive
        self.startInterval = startInterval
        self.domain = domain
        self.teamID = teamID
        self.source = source
    }

    /// Largest StartInterval kept, seconds (a year); larger values are clamped to it.
    public static let maximumStartInterval = 31_536_000

    /// The executable launchd runs: `Program`, else the first of `ProgramArguments`.
    public var executable: String? { program ?? programArguments.first }
}
