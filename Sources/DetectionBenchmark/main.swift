import Attribution
import Detection
import Flows
import Foundation
import SensorCore

// Live detection benchmark (scripts/bench-detection): HOSTS hosts each run AGENTS launch
// agents that reach their own HTTPS server every 5 minutes for HOURS hours; the flows stream,
// in the order they end, into a LiveDetection with the sensor's defaults (learning one day
// behind the clock, judging every minute). Prints the time of each kind of clock step: the
// judgements run on the capture thread, so the longest one is how long packets wait in the
// kernel's buffer. Also prints the flows held unlearned at the end and the peak memory.

let arguments = CommandLine.arguments
let hosts = arguments.count > 1 ? Int(arguments[1]) ?? 200 : 200
let agentsPerHost = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
let hours = arguments.count > 3 ? Double(arguments[3]) ?? 30 : 30
let t0: Int64 = 1_795_946_400 * 1_000_000_000
let every: Int64 = 300 * 1_000_000_000

let domains = PublicSuffixList(rules: "com\nnet\norg\n")
let live = LiveDetection(settings: DetectionSettings(), domains: domains, baseline: Baseline(), learnDelay: 86_400, judgeInterval: 60)

/// The attribution of agent `k` on host `h`.
func attribution(_ h: Int, _ k: Int) -> Attribution {
    let label = "com.example.agent\(k)"
    let job = AgentRecord(hostID: "mac-\(h)", label: label, plistPath: "/Library/LaunchAgents/\(label).plist",
                          programArguments: ["/opt/agent\(k)"], keepAlive: nil, startInterval: 300, source: "plist")
    return Attribution(method: .exact, source: "native", confidence: 1, hostID: "mac-\(h)",
                       process: ProcessIdentity(pid: Int32(100 + k), executable: "/opt/agent\(k)", teamID: "TEAM\(k)"), agent: job, agentMethod: .executable)
}

let attributions = (0..<hosts).map { h in (0..<agentsPerHost).map { attribution(h, $0) } }
let steps = Int(hours * 3600 / 300)
var judged: [Double] = []
var learned: [Double] = []
var flows = 0
var alerts = 0
let start = Date()
for step in 0..<steps {
    let begin = t0 + Int64(step) * every
    for h in 0..<hosts {
        for k in 0..<agentsPerHost {
            let connection = ConnectionID(uid: "C\(step)-\(h)-\(k)", originator: IPAddress("10.\(h / 250).\(h % 250).\(k + 1)")!, originatorPort: 50_000,
                                          responder: IPAddress("93.184.\(k).\(h % 250 + 1)")!, responderPort: 443, proto: 6)
            let r = FlowRecord(start: Timestamp(nanoseconds: begin), end: Timestamp(nanoseconds: begin + 2_000_000_000), connection: connection,
                               service: ["ssl"], connState: "SF", history: "ShADadFf", originatorBytes: 100, responderBytes: 100,
                               originatorPackets: 5, responderPackets: 5, originatorIPBytes: 400, responderIPBytes: 400, missedBytes: 0,
                               localOriginator: true, localResponder: false, vlan: 0, communityID: CommunityID(high: 0, middle: 0, low: 0),
                               resolvedName: "agent\(k).example.com", serverName: "agent\(k).example.com", originatorEntropy: nil,
                               portService: "ssl", tunnelled: false, interim: false)
            live.detector.observe(r, attributions[h][k])
            flows += 1
        }
    }
    let before = live.learnedUntil
    let t = Date()
    alerts += live.advance(to: begin + 2_000_000_000).count
    let seconds = Date().timeIntervalSince(t)
    if live.learnedUntil != before { learned.append(seconds) } else { judged.append(seconds) }
}
func line(_ name: String, _ times: [Double]) -> String {
    guard !times.isEmpty else { return "\(name): none" }
    let sorted = times.sorted()
    return String(format: "%@: %d steps, median %.1f ms, max %.1f ms, total %.2f s", name, times.count,
                  sorted[sorted.count / 2] * 1000, sorted.last! * 1000, times.reduce(0, +))
}
print("\(hosts) hosts x \(agentsPerHost) agents, every 5 min for \(hours) h: \(flows) flows, \(alerts) alerts, \(String(format: "%.2f", Date().timeIntervalSince(start))) s in all")
print(line("judge only", judged))
print(line("learn and judge", learned))
print(String(format: "held unlearned at the end: %d flows; peak memory %.0f MiB", live.detector.eventCount, PeakMemory.mebibytes))
