@testable import Detection
import Testing

/// The baseline's organisation-wide memory is bounded: a sensor that runs for months must not
/// grow with every destination and host it ever saw, and must not forget the ones still seen.
@Suite struct BaselineMemoryTests {
    typealias F = FallbackDetectorTests
    static let day: Int64 = 86_400_000_000_000

    @Test func destinationsUnseenForNinetyDaysAreForgottenAndTheRestKeepTheirFirstSighting() {
        var b = Baseline()
        b.destinations = ["old.example": Sighting(first: 0, last: 5 * Self.day),
                          "steady.example": Sighting(first: 0, last: 99 * Self.day),
                          "edge.example": Sighting(at: 10 * Self.day)]
        b.hostsUsingDNS = ["gone": Sighting(at: 0), "here": Sighting(first: 0, last: 100 * Self.day)]
        let forgotten = b.forgetStale(now: 100 * Self.day)
        #expect(forgotten == 2)
        #expect(b.destinations.keys.sorted() == ["edge.example", "steady.example"])
        #expect(b.destinations["steady.example"] == Sighting(first: 0, last: 99 * Self.day))
        #expect(Array(b.hostsUsingDNS.keys) == ["here"])
    }

    @Test func pastTheMaximumTheLeastRecentlySeenGoFirst() {
        var b = Baseline()
        for k in 0..<1000 { b.destinations["d\(k)"] = Sighting(first: 0, last: Int64(k)) }
        for k in 0..<50 { b.hostsUsingDNS["h\(k)"] = Sighting(at: Int64(k)) }
        b.forgetStale(now: 1000, maximumDestinations: 100, maximumDNSHosts: 20)
        // Down to nine tenths of the maximum, the most recently seen.
        #expect(b.destinations.count == 90 && b.destinations.keys.allSatisfy { Int($0.dropFirst())! >= 910 })
        #expect(b.hostsUsingDNS.count == 18 && b.hostsUsingDNS["h49"] != nil && b.hostsUsingDNS["h31"] == nil)
        // At or under the maximum nothing recent is dropped.
        b.forgetStale(now: 1000, maximumDestinations: 100, maximumDNSHosts: 20)
        #expect(b.destinations.count == 90 && b.hostsUsingDNS.count == 18)
    }

    /// Learning slice by slice, as the live sensor does: the last sighting moves on while a
    /// destination is still reached, and one left for longer than the memory is dropped.
    @Test func learningInSlicesMovesLastSightingsOnAndDropsTheStale() {
        let agent = F.Agent()
        let detector = FallbackDetector(domains: F.domains)
        var baseline = Baseline()
        let hoursPerDay = 24.0
        // Day 0: both destinations. Days 1 to 119: only the steady one, learned day by day.
        let (once, attribution) = F.flow(agent, at: 0, to: "198.51.100.9", 443, name: "once.example.org")
        detector.observe(once, attribution)
        for d in 0..<120 {
            let (r, a) = F.flow(agent, at: Double(d) * hoursPerDay + 1, to: "93.184.216.34", 443, name: "updates.example.com")
            detector.observe(r, a)
            let cut = r.start.nanoseconds + 1
            detector.learn(into: &baseline, from: cut - Self.day, until: cut)
            detector.forget(before: cut, activityBefore: cut)
        }
        let steady = baseline.destinations["example.com"]
        #expect(baseline.destinations["example.org"] == nil, "\(baseline.destinations.keys.sorted())")
        #expect(steady != nil && steady!.last - steady!.first >= 119 * Self.day, "\(String(describing: steady))")
        #expect(baseline.destinations.count == 1)
    }
}
