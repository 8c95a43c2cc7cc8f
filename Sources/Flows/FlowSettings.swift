/// Flow table configuration. Defaults are Zeek's (`scripts/base/init-bare.zeek`).
public struct FlowSettings: Sendable {
    /// Idle time after which a TCP flow ends, in seconds.
    public var tcpInactivityTimeout: Double = 300
    /// Idle time after which a UDP flow ends.
    public var udpInactivityTimeout: Double = 60
    /// Idle time after which a UDP flow identified as DNS ends (`dns_session_timeout`).
    public var dnsSessionTimeout: Double = 10
    /// Idle time after which an ICMP flow ends.
    public var icmpInactivityTimeout: Double = 60
    /// Idle time after which a flow of another IP protocol ends.
    public var otherInactivityTimeout: Double = 60
    /// How long a TCP flow closed by both sides lingers for late packets (`tcp_close_delay`).
    public var tcpCloseDelay: Double = 5
    /// How long a TCP flow closed by one side, the other never established, lingers (`tcp_partial_close_delay`).
    public var tcpPartialCloseDelay: Double = 3
    /// How long a reset TCP flow lingers (`tcp_reset_delay`).
    public var tcpResetDelay: Double = 5
    /// A TCP attempt the responder never answered ends this long after it began (`tcp_SYN_timeout`).
    public var tcpSYNTimeout: Double = 5
    /// Emit an interim record for flows active longer than this (seconds; 0 disables).
    public var interimInterval: Double = 0
    /// Flows held at most; the least recently active are evicted past it (counted).
    public var maximumFlows: Int = 1_000_000
    /// Verify TCP and UDP checksums; a bad one is recorded as `C`/`c` and the packet ignored (Zeek without -C).
    public var verifyChecksums = false
    /// Seed for Community ID v1.
    public var communityIDSeed: UInt16 = 0
    /// Addresses counted as local: `local_orig`, `local_resp`, and egress direction.
    public var localNetworks: NetworkSet = .defaultLocal

    public init() {}
}
