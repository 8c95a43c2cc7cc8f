import SensorCore

/// The quiet-then-fallback analytic on an endless stream (the live sensor), with packet time
/// as the clock. Flows go to `detector` as they finish. `advance(to:)` moves the clock: what
/// started more than `learnDelay` ago is learned into the baseline and forgotten, and every
/// `judgeInterval` the rest is judged against that baseline; each episode is returned once,
/// as soon as its evidence is complete.
///
/// Flows are placed in time by their end, when the sensor sees them. The delay is the
/// trade-off: a fallback channel must still be unlearned when its evidence completes (its
/// alert comes at most `learnDelay` after its first flow ended), a primary is known only
/// `learnDelay` after its sessions, and memory holds `learnDelay` of agent flows.
public final class LiveDetection {
    public let detector: FallbackDetector
    /// Everything learned so far (until `learnedUntil`).
    public private(set) var baseline: Baseline
    /// Where learning stopped and judging starts, nanoseconds (nil before the first packet).
    public private(set) var learnedUntil: Int64?
    /// Nanoseconds of packet time.
    public let learnDelay: Int64
    public let judgeInterval: Int64
    /// Episodes already reported (id → first fallback flow's end), from this run and the
    /// alerts file of an earlier one.
    private var reported: [String: Int64]
    private var lastJudged = Int64.min
    /// Host activity kept for awake time, nanoseconds (the longest quiet spell judged).
    private let activityRetention: Int64

    /// - Parameters:
    ///   - baseline: a checkpoint to resume from (`trainedUntil` is where judging resumes), or empty.
    ///   - reported: ids of alerts an earlier run already wrote.
    public init(settings: DetectionSettings, domains: PublicSuffixList, baseline: Baseline,
                learnDelay: Double, judgeInterval: Double, reported: Set<String> = []) {
        detector = FallbackDetector(settings: settings, domains: domains)
        detector.slicesByEnd = true
        self.baseline = baseline
        self.learnDelay = Saturating.nanoseconds(learnDelay)
        self.judgeInterval = Saturating.nanoseconds(judgeInterval)
        self.reported = Dictionary(reported.map { ($0, Int64.max) }, uniquingKeysWith: { a, _ in a })
        activityRetention = Saturating.nanoseconds(max(settings.windowCap * 2, learnDelay))
        learnedUntil = baseline.trainedUntil
    }

    /// Alerts judged so far in this run, at most one per episode.
    public private(set) var alertCount = 0

    /// Moves the clock to `now` (packet time, nanoseconds); returns the episodes whose
    /// evidence completed and that were not reported before.
    public func advance(to now: Int64) -> [Alert] {
        guard let from = learnedUntil else {
            learnedUntil = now
            lastJudged = now
            return []
        }
        guard lastJudged == .min || Saturating.subtract(now, lastJudged) >= judgeInterval || now < lastJudged else { return [] }
        lastJudged = now
        let cut = Saturating.subtract(now, learnDelay)
        if cut > from {
            detector.learn(into: &baseline, from: from, until: cut)
            learnedUntil = cut
            detector.forget(before: cut, activityBefore: Saturating.subtract(cut, activityRetention))
            // Episodes whose first flow is learned can no longer be judged again.
            reported = reported.filter { $0.value >= cut }
        }
        return judge(now: now)
    }

    /// The episodes judged at `now` that were not reported before; end of input or stop.
    public func judge(now: Int64) -> [Alert] {
        guard let from = learnedUntil else { return [] }
        var fresh: [Alert] = []
        for alert in detector.judge(with: baseline, from: from) where alert.evidenceComplete.nanoseconds <= now {
            let id = alert.id
            guard reported[id] == nil else { continue }
            // Judged again until its first flow is learned (by its end).
            reported[id] = alert.flows.first?.end.nanoseconds ?? alert.start.nanoseconds
            fresh.append(alert)
        }
        alertCount += fresh.count
        return fresh
    }

    /// The baseline with everything observed until `now`, for a checkpoint: a restart from it
    /// loses at most what came after.
    public func checkpoint(now: Int64) -> Baseline {
        var b = baseline
        if let from = learnedUntil, now > from { detector.learn(into: &b, from: from, until: now) }
        if let from = learnedUntil, b.trainedUntil == nil || b.trainedUntil! < now { b.trainedUntil = max(now, from) }
        return b
    }
}
