import Capture
import Foundation
import Flows
import SensorCore
import Wire

// Hot-path benchmark without I/O (run at the end of scripts/bench): copies the first PACKETS
// frames of a capture into memory, then times, over ROUNDS passes, (a) a loop that only
// touches each frame's length (the floor), (b) PacketDecoder.decode, (c) decode plus
// FlowTable.update with payloads, ending every flow at the end, and (d) the same without
// ending them. Prints nanoseconds per packet, the median round of each and the fastest.
// Instruction counts (valgrind --tool=cachegrind on a binary stripped of debug info, which
// this valgrind cannot read) are steadier than times on a shared machine.
// Usage: DecodeBenchmark CAPTURE [PACKETS] [ROUNDS] [floor|decode|flows|updates]  (all by default)

let arguments = CommandLine.arguments
guard arguments.count > 1 else {
    print("usage: DecodeBenchmark CAPTURE [PACKETS] [ROUNDS] [floor|decode|flows|updates]")
    exit(2)
}
let limit = arguments.count > 2 ? Int(arguments[2]) ?? 500_000 : 500_000
let rounds = max(1, arguments.count > 3 ? Int(arguments[3]) ?? 7 : 7)
let only = arguments.count > 4 ? arguments[4] : nil

struct Stored {
    var offset: Int
    var length: Int
    var wireLength: Int
    var timestamp: Timestamp
    var linkType: LinkType
}

func benchmark(path: String, limit: Int, rounds: Int) {
    var arena: [UInt8] = []
    var frames: [Stored] = []
    do {
        let source = try PacketSource.openFile(path)
        while frames.count < limit, case .frame(let f) = source.next() {
            frames.append(Stored(offset: arena.count, length: f.captureLength, wireLength: f.wireLength, timestamp: f.timestamp, linkType: f.linkType))
            if let base = f.bytes.base { arena.append(contentsOf: UnsafeRawBufferPointer(start: base, count: f.bytes.count)) }
        }
    } catch {
        print("DecodeBenchmark: \(error)")
        exit(1)
    }
    let bytes = frames.reduce(0) { $0 + $1.length }
    print("\(frames.count) packets, \(bytes / 1_000_000) MB in memory; median of \(rounds) rounds")

    func median(_ name: String, _ body: () -> Int) {
        guard only == nil || name.hasPrefix(only!) else { return }
        let clock = ContinuousClock()
        var times: [Double] = []
        var check = 0
        for _ in 0..<rounds {
            let start = clock.now
            check &+= body()
            let d = clock.now - start
            times.append(Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9)
        }
        let t = times.sorted()[times.count / 2]
        let fastest = times.min()!
        let padded = name.padding(toLength: 34, withPad: " ", startingAt: 0)
        print("  \(padded) \(String(format: "%6.1f", t / Double(frames.count))) ns/packet  \(String(format: "%6.2f", Double(frames.count) / t * 1e3)) Mpackets/s  (fastest \(String(format: "%.1f", fastest / Double(frames.count))) ns; \(check % 10))")
    }

    arena.withUnsafeBytes { memory in
        let base = memory.baseAddress!
        median("floor: touch lengths") {
            var sum = 0
            for f in frames { sum &+= f.length &+ f.wireLength &+ Int(base.load(fromByteOffset: f.offset, as: UInt8.self)) }
            return sum
        }
        // One decoder for every round, as one capture has: its set-up is not per packet.
        let decoder = PacketDecoder()
        var packet = DecodedPacket()
        median("decode") {
            var sum = 0
            for f in frames {
                decoder.decode(FrameBytes(base: base + f.offset, count: f.length), linkType: f.linkType, timestamp: f.timestamp,
                               wireLength: f.wireLength, into: &packet)
                sum &+= Int(packet.sourcePort)
            }
            return sum
        }
        /// Every frame through decode and the flow table; `endingFlows` then ends those still open.
        func flows(endingFlows: Bool) -> Int {
            let table = FlowTable()
            var finished = 0
            for (k, f) in frames.enumerated() {
                let frame = FrameBytes(base: base + f.offset, count: f.length)
                decoder.decode(frame, linkType: f.linkType, timestamp: f.timestamp, wireLength: f.wireLength, into: &packet)
                decoder.withPayload(of: packet, frame: frame) { table.update(packet, payload: $0) }
                if k & 0xFFF == 0 { finished &+= table.drain().count }
            }
            if endingFlows { table.flushAll() }
            return finished &+ table.drain().count
        }
        median("flows: decode + flow table") { flows(endingFlows: true) }
        // The same without ending the flows still open: the per-packet part alone.
        median("updates: decode + flow update") { flows(endingFlows: false) }
    }
}

benchmark(path: arguments[1], limit: limit, rounds: rounds)
