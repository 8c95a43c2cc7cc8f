import Attribution
@testable import Flows
import SensorCore
import Testing
@testable import Detection

/// The analytic on a stream, as the live sensor runs it: flows arrive as they end, the clock
/// is packet time, learning trails it by `learnDelay`, and each episode is reported once.
@Suite struct LiveDetectionTests {
    typealias F = FallbackDetectorTests
    static let origin: Int64 = 1_795_946_400_000_000_000
    static func at(_ hours: Double) -> Int64 { origin + Int64(hours * 3600 * 1e9) }

    /// Streams `flows` (in the order they end) through `live`, moving its clock to each flow's
    /// end; returns the alerts with the clock time they came out.
    static func stream(_ flows: [(FlowRecord, Attribution)], into live: LiveDetection, until end: Double? = nil) -> [(Alert, Int64)] {
        var out: [(Alert, Int64)] = []
        for (r, a) in flows.sorted(by: { $0.0.end < $1.0.end }) {
            live.detector.observe(r, a)
            out += live.advance(to: r.end.nanoseconds).map { ($0, r.end.nanoseconds) }
        }
        if let end { out += live.advance(to: at(end)).map { ($0, at(end)) } }
        return out
    }

    static func live(_ baseline: Baseline = Baseline(), reported: Set<String> = []) -> LiveDetection {
        LiveDetection(settings: DetectionSettings(), domains: F.domains, baseline: baseline, learnDelay: 6 * 3600, judgeInterval: 600, reported: reported)
    }

    static var icmpFallback: [(FlowRecord, Attribution)] {
        let agent = F.Agent()
        var flows = F.beacon(agent, from: 0, to: 48) + F.chatter(from: 0, to: 72)
        for k in 0..<120 { flows.append(F.flow(agent, at: 52 + Double(k) / 6, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)) }
        return flows
    }

    @Test func theFallbackIsReportedOnceAsSoonAsItsEvidenceIsComplete() throws {
        let live = Self.live()
        let out = Self.stream(Self.icmpFallback, into: live, until: 80)
        #expect(out.count == 1, "\(out.map { ($0.0.id, $0.0.start.secondsDouble, $0.1, $0.0.fallback.description, $0.0.flows.count) })")
        let (alert, when) = try #require(out.first)
        #expect(alert.reasons.map(\.code) == ["QUIET_PRIMARY", "NEW_TRANSPORT", "NEW_DEST", "DIRECT_IP_NO_DNS"])
        // The same verdict as the batch analytic, reported within one judge interval (plus the chatter's spacing) of completion.
        let batch = try #require(F.run(Self.icmpFallback).0.first)
        #expect(alert.id == batch.id && alert.score == batch.score)
        #expect(when >= alert.evidenceComplete.nanoseconds && when - alert.evidenceComplete.nanoseconds <= Int64(1200e9), "\(when - alert.evidenceComplete.nanoseconds)")
        #expect(live.learnedUntil! >= Self.at(80 - 6 - 1) && live.baseline.agents.count == 1)
        // What was learned is forgotten: sightings wholly before the cut live in the baseline only.
        let cut = try #require(live.learnedUntil)
        #expect(live.detector.destinations.values.allSatisfy { $0.last >= cut } && live.detector.hostsUsingDNS.values.allSatisfy { $0.last >= cut })
        #expect(live.baseline.destinations["example.com"] != nil && !live.baseline.hostsUsingDNS.isEmpty)
    }

    @Test func aFallbackSessionLongerThanTheLearningDelayIsStillJudged() throws {
        let agent = F.Agent()
        var flows = F.beacon(agent, from: 0, to: 48) + F.chatter(from: 0, to: 72)
        var (r, a) = F.flow(agent, at: 52, to: "203.0.113.9", 0, proto: 1, service: [], portService: nil)
        r.end = Timestamp(nanoseconds: r.start.nanoseconds + Int64(10 * 3600e9))  // one ten-hour tunnel, seen when it ends
        flows.append((r, a))
        let out = Self.stream(flows, into: Self.live(), until: 80)
        #expect(out.map { $0.0.fallback.description } == ["203.0.113.0/24 icmp/* unknown"])
        #expect(out.first.map { $0.1 >= r.end.nanoseconds } == true)
    }

    @Test func anAgentThatKeepsItsRhythmIsNeverReported() {
        let agent = F.Agent()
        let live = Self.live()
        #expect(Self.stream(F.beacon(agent, from: 0, to: 96) + F.chatter(from: 0, to: 96), into: live, until: 100).isEmpty)
        let primary = live.baseline.primary(of: AgentKey(agent.attribution)!, minimumSessions: 6)
        #expect(primary?.channel.description == "example.com tcp/443 ssl")
    }

    @Test func learningInSlicesGivesTheBaselineOfLearningAtOnce() throws {
        let agent = F.Agent()
        let flows = F.beacon(agent, from: 0, to: 40, every: 0.5) + F.chatter(from: 0, to: 40)
        let whole = FallbackDetector(domains: F.domains)
        for (r, a) in flows { whole.observe(r, a) }
        var once = Baseline()
        whole.learn(into: &once)
        let sliced = FallbackDetector(domains: F.domains)
        for (r, a) in flows { sliced.observe(r, a) }
        var steps = Baseline()
        for h in stride(from: 0, through: 40, by: 7) { sliced.learn(into: &steps, from: Self.at(Double(h)), until: Self.at(Double(h + 7))) }
        let key = AgentKey(agent.attribution)!
        let a = try #require(once.agents[key]?.channels.values.first), b = try #require(steps.agents[key]?.channels.values.first)
        #expect(a.sessions == b.sessions && a.successfulSessions == b.successfulSessions && a.lastSuccess == b.lastSuccess)
        #expect(a.gaps == b.gaps && a.gaps.count == 79)
    }

    @Test func aRestartFromTheCheckpointResumesTheBaselineAndReportsNothingTwice() throws {
        let flows = Self.icmpFallback
        let before = flows.filter { $0.0.end.nanoseconds < Self.at(50) }
        let after = flows.filter { $0.0.end.nanoseconds >= Self.at(50) }
        let first = Self.live()
        #expect(Self.stream(before, into: first).isEmpty)
        let checkpoint = first.checkpoint(now: Self.at(50))
        #expect(checkpoint.trainedUntil == Self.at(50) && checkpoint.agents.count == 1)
        // The crash loses the flows in memory; the restarted sensor judges from the checkpoint.
        let second = Self.live(checkpoint)
        let out = Self.stream(after, into: second, until: 80)
        #expect(out.map { $0.0.reasons.map(\.code) } == [["QUIET_PRIMARY", "NEW_TRANSPORT", "NEW_DEST", "DIRECT_IP_NO_DNS"]])
        // A third run that read the alert from the alerts file does not write it again.
        let third = Self.live(checkpoint, reported: Set(out.map { $0.0.id }))
        #expect(Self.stream(after, into: third, until: 80).isEmpty)
    }

    @Test func memoryHoldsOnlyTheLearnDelay() {
        let agent = F.Agent()
        let live = Self.live()
        _ = Self.stream(F.beacon(agent, from: 0, to: 200) + F.chatter(from: 0, to: 200), into: live, until: 200)
        // 6 h of hourly check-ins are kept; of the 1,400 activity points (flow starts), one per
        // 2 × the 15 min awake margin before the last 6 h, and all 43 after.
        #expect(live.detector.eventCount <= 7 && live.detector.activityPoints <= 194 * 2 + 43 + 2, "\(live.detector.eventCount) \(live.detector.activityPoints)")
    }

    @Test func thinnedActivityCoversExactlyTheSameAwakeTime() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            var t: Int64 = 0
            let times = (0..<Int.random(in: 0...60, using: &rng)).map { _ in
                t += Int64.random(in: 0...4000, using: &rng)
                return t
            }
            let full = AwakeTime(activity: times, margin: 900), thin = AwakeTime(activity: AwakeTime.thinned(times, margin: 900), margin: 900)
            let end = (times.last ?? 0) + 2000
            #expect(full.intervals(from: -2000, to: end).map { [$0.0, $0.1] } == thin.intervals(from: -2000, to: end).map { [$0.0, $0.1] })
        }
    }
}
