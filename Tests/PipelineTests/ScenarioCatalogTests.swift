import Foundation
import Testing
import TestSupport

/// Every labelled scenario through `quietwire analyze`: each agent's verdict and main reasons
/// as the scenario states them. A verdict marked as a known miss is asserted as missed, so a
/// detector that starts catching it flips this test on purpose.
@Suite struct ScenarioCatalogTests {
    /// Each scenario from its native feed, and from the same records as osquery and Elastic
    /// Defend would log them.
    @Test(arguments: Scenario.all.map(\.name), FeedForms.Form.allCases)
    func verdictsMatch(name: String, form: FeedForms.Form) throws {
        let scenario = try #require(Scenario.all.first { $0.name == name })
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qw-scenario-\(name)-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try scenario.write(to: dir)
        let r = try Tool.execute(CommandLineTests.binary, ["analyze", dir + "/capture.pcap", "--feed", dir + "/" + form.fileName,
                                                          "--inventory", dir + "/inventory", "--out", dir + "/out"] + scenario.arguments)
        #expect(r.status == 0, "\(r.err)")
        let alerts = try String(contentsOfFile: dir + "/out/alerts.ndjson", encoding: .utf8).split(separator: "\n")
            .map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] ?? [:] }
        func matches(_ alert: [String: Any], _ v: Scenario.Verdict) -> Bool {
            alert["quietwire.agent.label"] as? String == v.label && (v.host == nil || alert["host.id"] as? String == v.host)
        }
        // Every alert is one a verdict expects: an alert about another agent or host is a false positive.
        for alert in alerts {
            #expect(scenario.verdicts.contains { $0.alert && !$0.knownMiss && matches(alert, $0) },
                    "\(name) (\(form.rawValue)): unexpected alert \(alert["message"] ?? "?") on \(alert["host.id"] ?? "?")")
        }
        for v in scenario.verdicts {
            let found = alerts.filter { matches($0, v) }
            if v.alert != v.knownMiss {
                let alert = try #require(found.first, "\(name) (\(form.rawValue)): no alert for \(v.label)\n\(r.out)")
                let codes = Set((alert["quietwire.reasons"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String })
                #expect(Set(v.reasons).isSubset(of: codes), "\(name) (\(form.rawValue)): \(v.label) reasons \(codes.sorted())")
            } else {
                #expect(found.isEmpty, "\(name) (\(form.rawValue)): unexpected alert for \(v.label): \(r.out)")
            }
        }
    }
}
