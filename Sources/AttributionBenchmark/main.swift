import Attribution
import Flows
import Foundation
import SensorCore

// Correlation benchmark (scripts/bench-attribution): writes a native feed of SOCKETS socket
// records (open and close of SOCKETS/2 sockets on 1,000 hosts), reads it back through
// FeedReader, ingests it into a Correlator, and attributes FLOWS flows: half start on a
// reported socket (exact), a quarter reach a reported destination from another port
// (inferred), a quarter go where nothing was reported (none). Prints time per phase, rates,
// the methods found, and peak memory (getrusage).

let arguments = CommandLine.arguments
let socketRecords = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
let flowCount = arguments.count > 2 ? Int(arguments[2]) ?? 1_000_000 : 1_000_000
let hosts = 1000
let sockets = socketRecords / 2
let t0: Int64 = 1_795_946_400 * 1_000_000_000

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

/// Socket k: host k % hosts, local port 10000-39999 from k, one of 4,096 servers, open at k * 10 ms, closed 5 s later.
func socket(_ k: Int) -> (host: Int, local: IPAddress, port: UInt16, remote: IPAddress, open: Int64) {
    let host = k % hosts
    let local = IPAddress(ipv4: 0x0A00_0000 | UInt32(host + 1))
    let port = UInt16(10_000 + (k / hosts) % 30_000)
    let remote = IPAddress(ipv4: 0xC612_0000 | UInt32((k &* 7919) % 4096))
    return (host, local, port, remote, t0 + Int64(k) * 10_000_000)
}

let clock = ContinuousClock()
let path = FileManager.default.temporaryDirectory.appendingPathComponent("qw-bench-feed-\(getpid()).ndjson").path
defer { unlink(path) }

var start = clock.now
do {
    guard let f = fopen(path, "w") else { fatalError("cannot write \(path)") }
    for k in 0..<sockets {
        let s = socket(k)
        for (event, time) in [(SocketRecord.Event.open, s.open), (.close, s.open + 5_000_000_000)] {
            let r = SocketRecord(time: Timestamp(nanoseconds: time), hostID: "host-\(s.host)", event: event, transport: 6,
                                 localAddress: s.local, localPort: s.port, remoteAddress: s.remote, remotePort: 443,
                                 process: ProcessIdentity(pid: Int32(1000 + k % 5000), ppid: 1, executable: "/opt/agent\(k % 50)/bin/agent"),
                                 source: "bench")
            fputs(NativeFeedEncoder.line(.socket(r)) + "\n", f)
        }
    }
    fclose(f)
}
let written = seconds(clock.now - start)

// Read, parse and ingest in one pass, as `quietwire logs --feed` does (the feed is never held whole).
start = clock.now
let correlator = Correlator()
let load = try FeedReader.read(path: path) { correlator.ingest($0) }
let ingested = seconds(clock.now - start)
let afterIngest = PeakMemory.mebibytes
precondition(load.problemCount == 0 && load.recordCount == socketRecords, "feed read back with problems: \(load.problems.prefix(3))")

start = clock.now
var methods: [Attribution.Method: Int] = [:]
for i in 0..<flowCount {
    let k = (i / 2) % sockets
    let s = socket(k)
    var remote = s.remote
    var port = s.port
    switch i % 4 {
    case 0, 2: break  // exact: the socket's own tuple, 20 ms after its open
    case 1: port = UInt16(40_000 + k % 10_000)  // inferred: same host and server from a port no socket used
    default:  // none: a server nobody reported, from a port no socket used
        port = UInt16(50_000 + k % 10_000)
        remote = IPAddress(ipv4: 0xCB00_7100 | UInt32(k % 256))
    }
    let flow = FlowRecord(start: Timestamp(nanoseconds: s.open + 20_000_000), end: Timestamp(nanoseconds: s.open + 1_000_000_000),
                          connection: ConnectionID(uid: "C", originator: s.local, originatorPort: port, responder: remote, responderPort: 443, proto: 6),
                          service: [], connState: "SF", history: "ShADadFf", originatorBytes: 1, responderBytes: 1,
                          originatorPackets: 1, responderPackets: 1, originatorIPBytes: 60, responderIPBytes: 60, missedBytes: 0,
                          localOriginator: true, localResponder: false, vlan: 0, communityID: CommunityID(high: 0, middle: 0, low: 0), resolvedName: nil, serverName: nil,
                          originatorEntropy: nil, portService: nil, tunnelled: false, interim: false)
    methods[correlator.attribute(flow).method, default: 0] += 1
}
let attributed = seconds(clock.now - start)

let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
print("feed: \(socketRecords) socket records (\(sockets) sockets on \(hosts) hosts), \(size / 1_000_000) MB of NDJSON")
print(String(format: "  write feed       %7.2f s", written))
print(String(format: "  read + ingest    %7.2f s  %9.0f records/s  (peak %.0f MiB after ingest)", ingested, Double(socketRecords) / ingested, afterIngest))
print(String(format: "  attribute flows  %7.2f s  %9.0f flows/s  (%d flows)", attributed, Double(flowCount) / attributed, flowCount))
print("  methods: " + Attribution.Method.allCases.map { "\($0.rawValue) \(methods[$0] ?? 0)" }.joined(separator: ", "))
print(String(format: "  peak memory %.0f MiB", PeakMemory.mebibytes))
