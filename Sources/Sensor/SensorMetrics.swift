import Coverage
import Metrics
import SensorCore
import Synchronization

/// The live sensor's figures as swift-metrics instruments (the service exports them as
/// Prometheus text at /metrics). The capture loop updates them once per second of packet
/// time, not per packet; the feed service counts records as they come.
public final class SensorMetrics: Sendable {
    private let factory: any MetricsFactory
    let packets: Counter
    let bytes: Counter
    let captureReceived: Gauge
    let captureDropped: Gauge
    let captureInterfaceDropped: Gauge
    let flowsActive: Gauge
    let flowsEvicted: Counter
    let attributedShare: Gauge
    let checkpointTime: Gauge
    private let checkpointAge: Gauge
    private let lastCheckpoint = Atomic<Int64>(0)
    private struct Lazy {
        var weirds: [String: Counter] = [:]
        var feed: [String: Counter] = [:]
        var lag: [String: Gauge] = [:]
        var lags: [String: FeedLag] = [:]
        var alerts: [String: Counter] = [:]
    }
    private let lazy = Mutex(Lazy())

    public init(factory: any MetricsFactory) {
        self.factory = factory
        packets = Counter(label: "quietwire_packets_total", factory: factory)
        bytes = Counter(label: "quietwire_bytes_total", factory: factory)
        captureReceived = Gauge(label: "quietwire_capture_received_packets", factory: factory)
        captureDropped = Gauge(label: "quietwire_capture_dropped_packets", dimensions: [("where", "kernel")], factory: factory)
        captureInterfaceDropped = Gauge(label: "quietwire_capture_dropped_packets", dimensions: [("where", "interface")], factory: factory)
        flowsActive = Gauge(label: "quietwire_flows_active", factory: factory)
        flowsEvicted = Counter(label: "quietwire_flows_evicted_total", factory: factory)
        attributedShare = Gauge(label: "quietwire_attributed_egress_flow_ratio", factory: factory)
        checkpointTime = Gauge(label: "quietwire_checkpoint_timestamp_seconds", factory: factory)
        checkpointAge = Gauge(label: "quietwire_checkpoint_age_seconds", factory: factory)
    }

    /// Weirds of one kind (decoder, dissectors), by Zeek's weird name.
    func weirds(_ name: String, _ count: UInt64) {
        let c = lazy.withLock { l in
            if let c = l.weirds[name] { return c }
            let c = Counter(label: "quietwire_weirds_total", dimensions: [("kind", name)], factory: factory)
            l.weirds[name] = c
            return c
        }
        c.increment(by: Int64(clamping: count))
    }

    /// Feed records from `source` (an endpoint's token name, osquery) by outcome: accepted,
    /// rejected (a bad line), refused (auth, size, rate).
    public func feedRecords(source: String, outcome: String, _ count: Int) {
        guard count > 0 else { return }
        let key = source + "\u{0}" + outcome
        let c = lazy.withLock { l in
            if let c = l.feed[key] { return c }
            let c = Counter(label: "quietwire_feed_records_total", dimensions: [("source", source), ("outcome", outcome)], factory: factory)
            l.feed[key] = c
            return c
        }
        c.increment(by: count)
    }

    /// Seconds between a batch's newest record and its arrival, per source; kept for
    /// coverage.json too, with the batches later than `attributionLag` seconds.
    public func feedLag(source: String, seconds: Double, attributionLag: Double) {
        let g = lazy.withLock { l in
            l.lags[source, default: FeedLag(source: source)].add(seconds, attributionLag: attributionLag)
            if let g = l.lag[source] { return g }
            let g = Gauge(label: "quietwire_feed_lag_seconds", dimensions: [("source", source)], factory: factory)
            l.lag[source] = g
            return g
        }
        g.record(seconds)
    }

    /// Every source's lag since start, by source name.
    public func feedLags() -> [FeedLag] {
        lazy.withLock { $0.lags.values.sorted { $0.source < $1.source } }
    }

    func alert(rule: String, severity: Int) {
        let key = "\(rule)\u{0}\(severity)"
        let c = lazy.withLock { l in
            if let c = l.alerts[key] { return c }
            let c = Counter(label: "quietwire_alerts_total", dimensions: [("rule", rule), ("severity", ["", "low", "medium", "high"][max(0, min(3, severity))])], factory: factory)
            l.alerts[key] = c
            return c
        }
        c.increment()
    }

    func checkpointed(atWallSeconds t: Double) {
        lastCheckpoint.store(Int64(t), ordering: .relaxed)
        checkpointTime.record(t)
    }

    /// Brings the time-derived gauges up to date (before an export).
    public func refresh(nowWallSeconds now: Double) {
        let last = lastCheckpoint.load(ordering: .relaxed)
        if last > 0 { checkpointAge.record(now - Double(last)) }
    }
}
