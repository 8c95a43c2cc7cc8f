import Attribution

/// A background agent (DESIGN.md): the host, the launchd job (or systemd unit) label, the
/// program and its signer. A process of no job has no label and is keyed by its executable.
public struct AgentKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var host: String
    public var label: String?
    public var program: String?
    public var teamID: String?

    public init(host: String, label: String?, program: String?, teamID: String?) {
        self.host = host
        self.label = label
        self.program = program
        self.teamID = teamID
    }

    /// The agent an attribution names, or nil when the flow has no owner.
    public init?(_ a: Attribution) {
        guard a.method != .none, let host = a.hostID, let process = a.process else { return nil }
        self.init(host: host, label: a.agent?.label, program: a.agent?.executable ?? process.executable, teamID: process.teamID)
    }

    public var description: String { "\(host)/\(label ?? program ?? "?")" }

    public static func < (a: AgentKey, b: AgentKey) -> Bool { a.description < b.description }
}
