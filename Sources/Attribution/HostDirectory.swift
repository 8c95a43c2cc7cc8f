import SensorCore

/// Which host held which address when. Host records state it directly (with validity
/// bounds); socket records teach it too (a host's socket with a local address shows the host
/// held that address at that moment). An address another host uses later is answered by time:
/// the interval covering the moment, else the nearest one within `horizon`.
public struct HostDirectory: Sendable {
    struct Interval: Sendable {
        var host: String
        var from: Int64
        var to: Int64
        /// From a host record (preferred over what socket records taught).
        var stated: Bool
    }

    /// How far from a known interval an address is still taken as the same host's, in nanoseconds.
    public var horizon: Int64 = 3_600 * 1_000_000_000
    /// Intervals per address kept; older learned ones are merged past it.
    static let maximumIntervalsPerAddress = 64
    private var intervals: [IPAddress: [Interval]] = [:]

    public init() {}

    /// Notes a host record.
    public mutating func note(_ h: HostRecord) {
        for a in h.addresses {
            add(a, Interval(host: h.hostID, from: h.validFrom?.nanoseconds ?? Int64.min,
                            to: h.validTo?.nanoseconds ?? Int64.max, stated: true))
        }
    }

    /// Notes that `host` used `address` at `time` (from a socket record).
    public mutating func learn(_ address: IPAddress, host: String, at time: Timestamp) {
        HostDirectory.learn(&intervals[address, default: []], host: host, at: time.nanoseconds)
    }

    private static func learn(_ list: inout [Interval], host: String, at t: Int64) {
        if let k = list.lastIndex(where: { $0.host == host && !$0.stated }) {
            if t >= list[k].from, t <= list[k].to { return }
            // Extend the host's learned interval unless another host used the address in between.
            let low = min(list[k].to, t), high = max(list[k].from, t)
            if !list.contains(where: { $0.host != host && $0.from > low && $0.from < high }) {
                list[k].from = min(list[k].from, t)
                list[k].to = max(list[k].to, t)
                return
            }
        }
        add(&list, Interval(host: host, from: t, to: t, stated: false))
    }

    private mutating func add(_ address: IPAddress, _ i: Interval) {
        HostDirectory.add(&intervals[address, default: []], i)
    }

    private static func add(_ list: inout [Interval], _ i: Interval) {
        if list.count >= maximumIntervalsPerAddress, let oldest = list.indices.min(by: { list[$0].to < list[$1].to }) {
            list.remove(at: oldest)
        }
        list.append(i)
    }

    /// The host that held `address` at `time`, or nil.
    public func host(of address: IPAddress, at time: Timestamp) -> String? {
        guard let list = intervals[address] else { return nil }
        let t = time.nanoseconds
        var best: (String, Int64, Bool)?
        for i in list {
            let (distance, overflow) = t < i.from ? i.from.subtractingReportingOverflow(t) : (t > i.to ? t.subtractingReportingOverflow(i.to) : (0, false))
            if overflow { continue }
            guard distance <= horizon else { continue }
            if let b = best, b.1 < distance || (b.1 == distance && b.2 && !i.stated) { continue }
            best = (i.host, distance, i.stated)
        }
        return best?.0
    }
}
