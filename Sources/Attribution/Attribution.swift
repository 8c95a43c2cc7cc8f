/// Who owned a flow on the endpoint, how that was found, and how sure it is.
public struct Attribution: Sendable, Equatable {
    public enum Method: String, Sendable, CaseIterable {
        /// A socket record with the flow's 5-tuple whose lifetime covers the flow's start.
        case exact
        /// A socket bound to the flow's local address and port (unconnected UDP, wildcard binds).
        case port
        /// No record covers the flow: the same host's local port at another moment, or the same
        /// process's recent traffic to the same destination.
        case inferred
        case none
    }

    /// How the process was tied to a launchd job or systemd unit.
    public enum AgentMethod: String, Sendable {
        /// The endpoint named the job in the socket record.
        case label
        /// The process's executable is a job's program.
        case executable
        /// An ancestor's executable is a job's program.
        case parent
    }

    public var method: Method
    /// The feed the deciding record came from (`native`, `osquery/socket_events`, `ecs`, `lsof`, `collect`…).
    public var source: String?
    /// 0…1: 1 for an exact match within the skew tolerance on a lifetime an open or close event
    /// bounds, lower for snapshots only, skewed matches, port and inferred matches; 0 for none.
    public var confidence: Double
    /// The host's clock minus the sensor's, in seconds, as estimated from its exact matches.
    public var skew: Double?
    public var hostID: String?
    public var process: ProcessIdentity?
    public var agent: AgentRecord?
    public var agentMethod: AgentMethod?

    public static let none = Attribution(method: .none, source: nil, confidence: 0)

    public init(method: Method, source: String?, confidence: Double, skew: Double? = nil, hostID: String? = nil,
                process: ProcessIdentity? = nil, agent: AgentRecord? = nil, agentMethod: AgentMethod? = nil) {
        self.method = method
        self.source = source
        self.confidence = confidence
        self.skew = skew
        self.hostID = hostID
        self.process = process
        self.agent = agent
        self.agentMethod = agentMethod
    }
}
