import SensorCore

/// One record an endpoint feed supplied, whatever its format.
public enum FeedRecord: Sendable, Equatable {
    case socket(SocketRecord)
    case agent(AgentRecord)
    case host(HostRecord)
    case process(ProcessRecord)
    case lookup(LookupRecord)

    /// When the endpoint observed it (inventory and host records carry no time).
    public var time: Timestamp? {
        switch self {
        case .socket(let s): s.time
        case .process(let p): p.time
        case .lookup(let l): l.time
        case .agent, .host: nil
        }
    }
}
