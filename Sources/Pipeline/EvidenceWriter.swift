import Capture
import Flows
import SensorCore
import Wire

/// Evidence pcaps (issue 7): for each alert, the packets of exactly the flows it cites, written
/// to `<directory>/<id>.pcap` in a second pass over the captures, so nothing is buffered. A
/// packet belongs to a cited flow when its flow key (as the flow table keys it) matches, its
/// time falls between the flow's first packet and a few seconds after its last (the last ACK
/// after both FINs does not move conn.log's end), and the flow still has packets to account
/// for: each flow contributes exactly the packets conn.log counted. A fragmented datagram counts
/// once, by the frame that completes it; its other fragments carry no ports and are held (bounded,
/// as the reassembler holds them) until that frame shows which flow they belong to, then written
/// with it. Packets of a link type other than the file's first are counted as skipped (a pcap
/// holds one link type).
public enum EvidenceWriter {
    public struct Request: Sendable {
        public var id: String
        public var flows: [FlowRecord]
        public init(id: String, flows: [FlowRecord]) {
            self.id = id
            self.flows = flows
        }
    }

    public struct Written: Sendable {
        public var id: String
        public var path: String
        public var packets: Int
        public var skipped: Int
    }

    struct Window {
        var request: Int
        var start: Int64
        var end: Int64
        /// Packets of the flow not yet written.
        var remaining: UInt64
    }

    /// Seconds after a flow's last counted packet in which its trailing packets are looked for.
    static let trailingSlack: Int64 = 5_000_000_000

    /// Writes the pcaps; throws the capture's or the writer's error.
    public static func write(_ requests: [Request], files: [String], directory: String) throws -> [Written] {
        var windows: [FlowKey: [Window]] = [:]
        for (k, r) in requests.enumerated() {
            for f in r.flows {
                let c = f.connection
                let key = FlowKey.make(source: c.originator, sourcePort: c.originatorPort, destination: c.responder,
                                       destinationPort: c.responderPort, proto: c.proto, vlan: f.vlan).0
                // A millisecond of slack either side for timestamps rounded by the logs.
                windows[key, default: []].append(Window(request: k, start: Saturating.subtract(f.start.nanoseconds, 1_000_000), end: Saturating.add(f.end.nanoseconds, trailingSlack),
                                                        remaining: f.originatorPackets &+ f.responderPackets))
            }
        }
        var writers: [PcapFileWriter?] = Array(repeating: nil, count: requests.count)
        var counts = Array(repeating: 0, count: requests.count), skipped = Array(repeating: 0, count: requests.count)
        var linkTypes: [LinkType?] = Array(repeating: nil, count: requests.count)
        let decoder = PacketDecoder()
        var packet = DecodedPacket()
        var held = HeldFragments()
        for path in files {
            let source = try PacketSource.openFile(path)
            reading: while true {
                switch source.next() {
                case .frame(let frame):
                    decoder.decode(frame.bytes, linkType: frame.linkType, timestamp: frame.timestamp, wireLength: frame.wireLength, into: &packet)
                    if packet.isFragment, let fragment = packet.fragmentKey {
                        held.hold(fragment, frame: frame)
                        continue
                    }
                    let key = FlowTable.key(of: packet).0
                    guard let list = windows[key] else { continue }
                    let t = frame.timestamp.nanoseconds
                    // The fragments this frame completed go with it, to every alert that cites it.
                    var fragments: [HeldFragments.Fragment]?
                    // Each alert citing the flow gets the packet once.
                    var done: [Int] = []
                    for (i, w) in list.enumerated() where t >= w.start && t <= w.end && w.remaining > 0 && !done.contains(w.request) {
                        done.append(w.request)
                        windows[key]![i].remaining -= 1
                        if writers[w.request] == nil {
                            writers[w.request] = try PcapFileWriter(path: directory + "/" + requests[w.request].id + ".pcap", linkType: frame.linkType)
                            linkTypes[w.request] = frame.linkType
                        }
                        if fragments == nil { fragments = packet.fragmentKey.map { held.take($0) } ?? [] }
                        for f in fragments! {
                            let written = linkTypes[w.request] == f.linkType && f.bytes.withUnsafeBytes {
                                writers[w.request]!.write(timestamp: f.timestamp, wireLength: f.wireLength, bytes: FrameBytes($0))
                            }
                            if written { counts[w.request] += 1 } else { skipped[w.request] += 1 }
                        }
                        guard linkTypes[w.request] == frame.linkType, let writer = writers[w.request] else {
                            skipped[w.request] += 1
                            continue
                        }
                        if writer.write(timestamp: frame.timestamp, wireLength: frame.wireLength, bytes: frame.bytes) { counts[w.request] += 1 }
                    }
                case .timeout: continue
                case .end, .truncated, .failed: break reading
                }
            }
        }
        decoder.finish()
        for w in writers { w?.flush() }
        return requests.enumerated().compactMap { k, r in
            writers[k] == nil ? nil : Written(id: r.id, path: directory + "/" + r.id + ".pcap", packets: counts[k], skipped: skipped[k])
        }
    }
}

/// Fragments that did not complete a datagram, in arrival order, until the frame that completes
/// theirs shows whether an alert cites its flow. Bounded like the reassembler: frames older than
/// its timeout, and the oldest past `maximumFrames` or `maximumBytes`, are dropped.
struct HeldFragments {
    struct Fragment {
        var key: FragmentKey
        var timestamp: Timestamp
        var wireLength: Int
        var linkType: LinkType
        var bytes: [UInt8]
    }

    static let maximumFrames = 4096
    static let maximumBytes = 8 << 20
    static let timeoutNanoseconds: Int64 = 30_000_000_000

    private(set) var frames: [Fragment] = []
    private var bytes = 0

    mutating func hold(_ key: FragmentKey, frame: Frame) {
        let copy = frame.bytes.base.map { Array(UnsafeRawBufferPointer(start: $0, count: frame.bytes.count)) } ?? []
        frames.append(Fragment(key: key, timestamp: frame.timestamp, wireLength: frame.wireLength, linkType: frame.linkType, bytes: copy))
        bytes += copy.count
        // Saturating: a hostile file's timestamp may sit at the bottom of the range.
        let cutoff = Saturating.subtract(frame.timestamp.nanoseconds, Self.timeoutNanoseconds)
        var drop = 0
        while drop < frames.count,
              frames[drop].timestamp.nanoseconds < cutoff || frames.count - drop > Self.maximumFrames || bytes > Self.maximumBytes {
            bytes -= frames[drop].bytes.count
            drop += 1
        }
        frames.removeFirst(drop)
    }

    /// Removes and returns the held fragments of `key`'s datagram, oldest first.
    mutating func take(_ key: FragmentKey) -> [Fragment] {
        let taken = frames.filter { $0.key == key }
        guard !taken.isEmpty else { return [] }
        frames.removeAll { $0.key == key }
        bytes -= taken.reduce(0) { $0 + $1.bytes.count }
        return taken
    }
}
