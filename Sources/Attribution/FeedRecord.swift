/// One record an endpoint feed supplied, whatever its format.
public enum FeedRecord: Sendable, Equatable {
    case socket(SocketRecord)
    case agent(AgentRecord)
    case host(HostRecord)
    case process(ProcessRecord)
    case lookup(LookupRecord)
}
