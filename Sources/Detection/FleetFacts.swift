/// What the fleet says about an agent's destination (DETECTION.md 3.5): how many hosts run the
/// same agent, and how many of them reached the destination. A fleet agent is the agent
/// without its host: label, signing team id and the program's file name, so one vendor agent
/// installed in different places on different Macs is one fleet agent.
///
/// Prevalence counts the *other* hosts: a destination no other host's copy of the agent
/// reached is rare (at most `rareShare`), one most of them reached is common (at least
/// `commonShare`). With fewer than `minimumHosts` hosts running the agent, the fleet says
/// nothing.
public struct FleetFacts: Sendable {
    struct FleetAgent: Hashable, Sendable {
        var label: String?
        var teamID: String?
        var programName: Substring?

        init(_ a: AgentKey) {
            label = a.label
            teamID = a.teamID
            programName = a.program.flatMap { $0.split(separator: "/").last }
        }
    }

    /// Hosts running each fleet agent.
    private var hosts: [FleetAgent: Set<String>] = [:]
    /// Hosts on which each fleet agent reached each destination identity.
    private var reached: [FleetAgent: [String: Set<String>]] = [:]

    public init() {}

    /// `agent` ran on its host and reached `destinations`.
    public mutating func note(_ agent: AgentKey, destinations: some Sequence<String>) {
        let f = FleetAgent(agent)
        hosts[f, default: []].insert(agent.host)
        // An agent repeats its few destinations in every flow: each is noted once.
        let unique = Set(destinations)
        guard !unique.isEmpty else { return }
        var byDestination = reached.removeValue(forKey: f) ?? [:]
        for d in unique { byDestination[d, default: []].insert(agent.host) }
        reached[f] = byDestination
    }

    /// The prevalence of `destination` for `agent`'s fleet agent among the other hosts running
    /// it: (hosts running it, other hosts that reached the destination).
    public func prevalence(of destination: String, for agent: AgentKey) -> (running: Int, othersReaching: Int) {
        let f = FleetAgent(agent)
        let running = hosts[f]?.count ?? 0
        let reaching = reached[f]?[destination].map { $0.subtracting([agent.host]).count } ?? 0
        return (running, reaching)
    }

    /// Hosts running the busiest fleet agent (for the summary).
    public var largestFleet: Int { hosts.values.map(\.count).max() ?? 0 }
}
