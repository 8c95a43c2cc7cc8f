/// What an organisation knows about one vendor's agent (AN1378's `LaunchAgentContext`, done
/// safely): bound to the signer's team id, and optionally to label and program patterns, never
/// to a label alone (DETECTION.md 3.12). Its destinations and fallback pairs are expected.
public struct AllowlistEntry: Sendable, Equatable {
    public var teamID: String
    /// Glob (`*` matches any run of characters); nil matches any label.
    public var label: String?
    /// Glob on the program path; nil matches any program.
    public var program: String?
    /// Registered domains the agent is expected to reach.
    public var destinations: Set<String>
    /// Expected moves, as `transport/port` pairs.
    public var fallbacks: [(from: String, to: String)]

    public init(teamID: String, label: String? = nil, program: String? = nil, destinations: Set<String> = [], fallbacks: [(from: String, to: String)] = []) {
        self.teamID = teamID
        self.label = label
        self.program = program
        self.destinations = destinations
        self.fallbacks = fallbacks
    }

    public static func == (a: AllowlistEntry, b: AllowlistEntry) -> Bool {
        a.teamID == b.teamID && a.label == b.label && a.program == b.program && a.destinations == b.destinations
            && a.fallbacks.map { "\($0.from)>\($0.to)" } == b.fallbacks.map { "\($0.from)>\($0.to)" }
    }

    public func matches(_ agent: AgentKey) -> Bool {
        guard agent.teamID == teamID else { return false }
        if let label, !AllowlistEntry.glob(label, agent.label ?? "") { return false }
        if let program, !AllowlistEntry.glob(program, agent.program ?? "") { return false }
        return true
    }

    /// `*` matches any run of characters (including none); everything else matches itself.
    public static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8), t = Array(text.utf8)
        var i = 0, j = 0, star = -1, mark = 0
        while j < t.count {
            if i < p.count, p[i] == UInt8(ascii: "*") {
                star = i
                mark = j
                i += 1
            } else if i < p.count, p[i] == t[j] {
                i += 1
                j += 1
            } else if star >= 0 {
                i = star + 1
                mark += 1
                j = mark
            } else {
                return false
            }
        }
        while i < p.count, p[i] == UInt8(ascii: "*") { i += 1 }
        return i == p.count
    }
}
