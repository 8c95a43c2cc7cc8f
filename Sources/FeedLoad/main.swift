import AsyncHTTPClient
import Attribution
import Config
import FeedServer
import Foundation
import NIOCore
import Sensor
import Synchronization

// Sustained feed ingestion (issue 6's load test): the sensor's feed service on loopback, with
// its journal on disk (fdatasync per request) and a loop handing records to a correlator as
// the capture loop does, under N clients posting batches as fast as they are answered.
// Reports acknowledged records/s, request latency (p50, p99, max), and checks that every
// acknowledged record reached the correlator and the journal (no loss).
//
//   swift run -c release FeedLoad [CLIENTS] [SECONDS] [BATCH]
let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let clients = arguments.count > 0 ? arguments[0] : 8
let seconds = arguments.count > 1 ? arguments[1] : 10
let batch = arguments.count > 2 ? arguments[2] : 200

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qw-feedload-\(UUID().uuidString)").path
defer { try? FileManager.default.removeItem(atPath: directory) }
let (token, digest) = TokenAuthority.make()
var settings = SensorSettings()
settings.listen = "127.0.0.1:0"
settings.allowPlainHTTP = true
settings.requestsPerSecond = 1_000_000
settings.tokens = [.init(endpoint: "load", sha256: digest)]
let journal = try FeedJournal(directory: directory, retention: 86_400)
let inbox = FeedInbox()
let service = FeedService(settings: settings, inbox: inbox, journal: journal)
let ingested = Atomic<Int>(0)
let stopped = Atomic<Bool>(false)
Thread.detachNewThread {
    let correlator = Correlator()
    while !stopped.load(ordering: .relaxed) {
        inbox.deliver { records in
            correlator.ingest(records)
            ingested.add(records.count, ordering: .relaxed)
        }
        usleep(1_000)
    }
}
let bound = Atomic<Int>(0)
let ready = DispatchSemaphore(value: 0)
Task.detached {
    try await service.run { port in
        bound.store(port, ordering: .relaxed)
        ready.signal()
    }
}
ready.wait()
let url = "http://127.0.0.1:\(bound.load(ordering: .relaxed))/v1/feed"

/// One batch of socket records, distinct per client and request.
func body(client: Int, request: Int) -> String {
    (0..<batch).map { k in
        let port = 1024 + (request * batch + k) % 60_000
        return #"{"type":"socket","host_id":"host-\#(client)","time":"2026-11-29T16:00:00Z","pid":\#(1000 + client),"transport":"tcp","local_address":"10.0.\#(client % 250).5","local_port":\#(port),"remote_address":"93.184.216.34","remote_port":443,"event":"open"}"#
    }.joined(separator: "\n") + "\n"
}

struct ClientResult: Sendable {
    var acknowledged = 0
    var failed = 0
    var latencies: [Double] = []
}

let started = ContinuousClock.now
let deadline = started + .seconds(seconds)
let results = await withTaskGroup(of: ClientResult.self) { group in
    for client in 0..<clients {
        group.addTask {
            var result = ClientResult()
            var request = 0
            while ContinuousClock.now < deadline {
                var r = HTTPClientRequest(url: url)
                r.method = .POST
                r.headers.add(name: "Authorization", value: "Bearer \(token)")
                r.body = .bytes(ByteBuffer(string: body(client: client, request: request)))
                request += 1
                let t0 = ContinuousClock.now
                do {
                    let response = try await HTTPClient.shared.execute(r, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    let elapsed = ContinuousClock.now - t0
                    result.latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    if response.status.code == 200 { result.acknowledged += batch } else { result.failed += 1 }
                } catch {
                    result.failed += 1
                }
            }
            return result
        }
    }
    var all: [ClientResult] = []
    for await r in group { all.append(r) }
    return all
}
let elapsed = ContinuousClock.now - started
let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
usleep(200_000)
stopped.store(true, ordering: .relaxed)
service.shutdown()

let acknowledged = results.reduce(0) { $0 + $1.acknowledged }
let failed = results.reduce(0) { $0 + $1.failed }
let latencies = results.flatMap(\.latencies).sorted()
func percentile(_ p: Double) -> Double { latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000 }
let lines = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).reduce(0) { sum, name in
    sum + ((try? String(contentsOfFile: directory + "/" + name, encoding: .utf8))?.split(separator: "\n").count ?? 0)
}
print("""
    feed load: \(clients) clients, batches of \(batch) records, \(String(format: "%.1f", wall)) s
      acknowledged: \(acknowledged) records in \(latencies.count) requests, \(String(format: "%.0f", Double(acknowledged) / wall)) records/s, \(String(format: "%.0f", Double(latencies.count) / wall)) requests/s
      latency: p50 \(String(format: "%.2f", percentile(0.5))) ms, p99 \(String(format: "%.2f", percentile(0.99))) ms, max \(String(format: "%.2f", (latencies.last ?? 0) * 1000)) ms
      failed requests: \(failed)
      loss: \(acknowledged - ingested.load(ordering: .relaxed)) acknowledged records not in the correlator, \(acknowledged - lines) not in the journal
    """)
try? await HTTPClient.shared.shutdown()
exit(acknowledged == ingested.load(ordering: .relaxed) && lines >= acknowledged && failed == 0 ? 0 : 1)
