import SensorCore

/// When a host was awake, inferred from its own traffic (DETECTION.md 3.2 step 4): awake
/// within `margin` of any of its flows. Gaps measured in awake time do not count a laptop's
/// sleep or a powered-off machine as silence of its agents.
public struct AwakeTime: Sendable {
    /// Merged awake intervals, nanoseconds, sorted.
    private var intervals: [(Int64, Int64)] = []
    /// Prefix sums of interval lengths.
    private var prefix: [Int64] = [0]

    /// From the start times of a host's flows (any order) and the margin around each.
    public init(activity: [Int64], margin: Int64) {
        for t in activity.sorted() {
            let a = Saturating.subtract(t, margin), b = Saturating.add(t, margin)
            if let last = intervals.last, a <= last.1 {
                intervals[intervals.count - 1].1 = max(last.1, b)
            } else {
                intervals.append((a, b))
            }
        }
        for (a, b) in intervals { prefix.append(Saturating.add(prefix[prefix.count - 1], Saturating.subtract(b, a))) }
    }

    /// The fewest of `times` (sorted, nanoseconds) whose awake intervals with `margin` cover
    /// exactly what all of them cover: the first and last of every run, and in between one
    /// point at most every `2·margin`. The live sensor keeps weeks of activity this way in a
    /// few hundred points per host.
    public static func thinned(_ times: [Int64], margin: Int64) -> [Int64] {
        guard times.count > 2 else { return times }
        let reach = Saturating.add(margin, margin)
        var kept = [times[0]]
        for i in 1..<times.count {
            let isLast = i == times.count - 1
            let startsRun = Saturating.subtract(times[i], times[i - 1]) > reach
            let nextTooFar = !isLast && Saturating.subtract(times[i + 1], kept[kept.count - 1]) > reach
            if isLast || startsRun || nextTooFar { kept.append(times[i]) }
        }
        return kept
    }

    /// Awake nanoseconds up to `t`.
    private func awake(until t: Int64) -> Int64 {
        // The last interval starting at or before t.
        var low = 0, high = intervals.count
        while low < high {
            let mid = (low + high) / 2
            if intervals[mid].0 <= t { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return 0 }
        let (a, b) = intervals[low - 1]
        return Saturating.add(prefix[low - 1], Saturating.subtract(min(t, b), a))
    }

    /// The earliest moment by which the host had been awake more than `amount` nanoseconds
    /// since `from` (nil when its known activity never adds up to that much).
    public func moment(after from: Int64, awake amount: Int64) -> Int64? {
        guard let end = intervals.last?.1, awake(from: from, to: end) > amount else { return nil }
        var low = from, high = end
        while low < high {
            let mid = low + (high - low) / 2
            if awake(from: from, to: mid) > amount { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// The awake intervals overlapping `[from, to]`, clipped to it, at most `limit`.
    public func intervals(from: Int64, to: Int64, limit: Int = 1000) -> [(Int64, Int64)] {
        var result: [(Int64, Int64)] = []
        for (a, b) in intervals where b >= from && a <= to {
            result.append((max(a, from), min(b, to)))
            if result.count >= limit { break }
        }
        return result
    }

    /// Awake nanoseconds between `from` and `to`.
    public func awake(from: Int64, to: Int64) -> Int64 {
        to <= from ? 0 : max(0, Saturating.subtract(awake(until: to), awake(until: from)))
    }
}
