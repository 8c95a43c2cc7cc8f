/// What the detector has learned before the period it judges (DETECTION.md 3.2): per agent,
/// its channels with their sessions, active days and the awake-time gaps between successful
/// sessions; for the organisation, when each destination was first reached and which hosts
/// use plain DNS. Built by `FallbackDetector.learn`, kept in SQLite by `BaselineStore`.
public struct Baseline: Sendable {
    public struct Channel: Sendable, Equatable {
        public var channel: ChannelKey
        public var sessions: Int
        public var successfulSessions: Int
        /// Days (since 1970, UTC) with a session.
        public var days: Set<Int64>
        /// First and last session start, nanoseconds.
        public var first: Int64
        public var last: Int64
        /// Start of the latest successful session.
        public var lastSuccess: Int64?
        /// Awake seconds between successive successful sessions, the latest `maximumGaps`.
        public var gaps: [Double]

        public init(channel: ChannelKey, sessions: Int = 0, successfulSessions: Int = 0, days: Set<Int64> = [], first: Int64, last: Int64,
                    lastSuccess: Int64? = nil, gaps: [Double] = []) {
            self.channel = channel
            self.sessions = sessions
            self.successfulSessions = successfulSessions
            self.days = days
            self.first = first
            self.last = last
            self.lastSuccess = lastSuccess
            self.gaps = gaps
        }

        /// active days × log(1 + sessions): the primary has the most (DETECTION.md 3.2).
        public var activityMass: Double { Double(days.count) * log1p(Double(sessions)) }
    }

    public struct Agent: Sendable, Equatable {
        public var channels: [ChannelKey: Channel] = [:]
        /// The job's StartInterval (seconds) and plist, when the inventory had them.
        public var startInterval: Int?
        public var plistPath: String?
        /// Executables of the processes that did the agent's network I/O (the job's program,
        /// children it started), at most `maximumExecutables`.
        public var executables: Set<String> = []
        /// The agent reached a configured web proxy.
        public var usedProxy = false
        public init() {}
    }

    public static let maximumGaps = 256
    public static let maximumExecutables = 64

    public var agents: [AgentKey: Agent] = [:]
    /// When any host first reached each destination identity, nanoseconds.
    public var orgFirstSeen: [String: Int64] = [:]
    public var hostsUsingDNS: Set<String> = []
    /// The time span the baseline was learned from, nanoseconds.
    public var trainedFrom: Int64?
    public var trainedUntil: Int64?

    public init() {}

    /// The agent's primary channel: the most activity mass among channels with at least
    /// `minimumSessions` successful sessions; ties go to a destination in `preferring` (hosts
    /// the job's ProgramArguments name), then by name.
    public func primary(of agent: AgentKey, minimumSessions: Int, preferring: Set<String> = []) -> Channel? {
        agents[agent]?.channels.values.filter { $0.successfulSessions >= minimumSessions }.max {
            let a = preferring.contains($0.channel.destination), b = preferring.contains($1.channel.destination)
            return ($0.activityMass, a ? 1 : 0, $1.channel.description) < ($1.activityMass, b ? 1 : 0, $0.channel.description)
        }
    }
}

import Foundation
