import Foundation
import SensorCore

/// What the detector has learned before the period it judges (DETECTION.md 3.2): per agent,
/// its channels with their sessions, active days and the awake-time gaps between successful
/// sessions; for the organisation, when each destination was first and last reached and which
/// hosts use plain DNS. Built by `FallbackDetector.learn`, kept in SQLite by `BaselineStore`.
///
/// Bounded: destinations and DNS hosts unseen for `organisationMemory` are forgotten, and past
/// `maximumDestinations` (`maximumDNSHosts`) the least recently seen go first
/// (`forgetStale`), so a sensor that runs for months does not grow with every address it saw.
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
    /// When any host first and last reached each destination identity.
    public var destinations: [String: Sighting] = [:]
    /// Hosts (by id, else address) whose flows carried a DNS name: they use plain DNS.
    public var hostsUsingDNS: [String: Sighting] = [:]
    /// The time span the baseline was learned from, nanoseconds.
    public var trainedFrom: Int64?
    public var trainedUntil: Int64?

    public init() {}

    /// How long a destination or DNS host that is not seen again is remembered, seconds: the
    /// organisation first-seen window (DETECTION.md 3.5: any host, 90 days).
    public static let organisationMemory: Double = 90 * 86_400
    /// The most destinations and DNS hosts kept (a few hundred bytes each).
    public static let maximumDestinations = 1_000_000
    public static let maximumDNSHosts = 200_000

    /// Forgets destinations and DNS hosts last seen more than `memory` seconds before `now`
    /// (nanoseconds), then, past a maximum, the least recently seen down to nine tenths of it
    /// (so the next learn does not sort again). Returns how many it forgot.
    @discardableResult
    public mutating func forgetStale(now: Int64, memory: Double = Baseline.organisationMemory,
                                     maximumDestinations: Int = Baseline.maximumDestinations,
                                     maximumDNSHosts: Int = Baseline.maximumDNSHosts) -> Int {
        let cutoff = Saturating.subtract(now, Saturating.nanoseconds(memory))
        func trimmed(_ seen: [String: Sighting], maximum: Int) -> [String: Sighting] {
            // The live sensor learns every minute: a scan, not a new dictionary, when nothing is due.
            guard seen.count > maximum || seen.values.contains(where: { $0.last < cutoff }) else { return seen }
            var kept = seen.filter { $0.value.last >= cutoff }
            if kept.count > maximum {
                let keep = max(1, maximum / 10 * 9)
                let recent = kept.sorted { ($0.value.last, $0.key) > ($1.value.last, $1.key) }.prefix(keep)
                kept = Dictionary(uniqueKeysWithValues: recent.map { ($0.key, $0.value) })
            }
            return kept
        }
        let before = destinations.count + hostsUsingDNS.count
        destinations = trimmed(destinations, maximum: maximumDestinations)
        hostsUsingDNS = trimmed(hostsUsingDNS, maximum: maximumDNSHosts)
        return before - destinations.count - hostsUsingDNS.count
    }

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
