import SensorCore

/// In-order bytes of the TCP streams a dissector must see whole: a DNS message split across
/// segments, a ClientHello larger than one segment.
///
/// A segment is handed to the dissector in place when nothing is buffered for its stream;
/// only the bytes the dissector could not use yet are copied and kept, until the next
/// in-sequence segment. Each stream's next sequence number is kept while its dissector reads
/// it, so retransmitted bytes are skipped; a gap (a lost or reordered segment) drops what
/// was buffered and is counted. Bounded: `maximumStreamBytes` per stream and
/// `maximumTotalBytes` across all; past either the held bytes are dropped and counted.
final class StreamReassembler {
    /// Which dissector reads a stream (each keeps its own position in the bytes).
    enum Dissector: UInt8 {
        case dns, tls, http
    }

    struct Key: Hashable {
        var flow: UInt64
        var fromOriginator: Bool
        var dissector: Dissector
    }

    struct Stream {
        /// Sequence number of the byte after the last one seen.
        var next: UInt32
        var bytes: [UInt8]
        /// Bytes still to pass over unseen (the dissector asked to skip past what arrived).
        var skip = 0
    }

    let maximumStreamBytes: Int
    let maximumTotalBytes: Int
    private var streams: [Key: Stream] = [:]
    /// Bytes held across all streams.
    private(set) var held = 0
    /// Buffered bytes dropped at a gap, and streams given up for exceeding a bound.
    private(set) var gaps: UInt64 = 0
    private(set) var overflows: UInt64 = 0

    init(maximumStreamBytes: Int = 65_536 + 2, maximumTotalBytes: Int = 16 << 20) {
        self.maximumStreamBytes = maximumStreamBytes
        self.maximumTotalBytes = maximumTotalBytes
    }

    var isEmpty: Bool { streams.isEmpty }

    /// Delivers `payload`, whose first byte has sequence number `sequence`. `consume` sees the
    /// stream's unconsumed bytes (any held ones, then this segment's new ones) and returns how
    /// many it used; the rest is held for the next segment. A return past the end skips that
    /// many bytes still to come without holding them (a record the dissector does not read).
    func deliver(_ key: Key, sequence: UInt32, payload: FrameBytes, consume: (FrameBytes) -> Int) {
        guard payload.count > 0 else { return }
        // Fast path, one hash lookup: a stream passing over bytes it skips (a body, a record
        // nobody reads), or a retransmission, changes its position in place.
        if let index = streams.index(forKey: key), streams.values[index].bytes.isEmpty {
            let stream = streams.values[index]
            let offset = Int32(bitPattern: sequence &- stream.next)
            if offset <= 0 && Int(-Int64(offset)) >= payload.count { return }  // nothing new
            if offset == 0 && stream.skip >= payload.count {
                streams.values[index].next = sequence &+ UInt32(truncatingIfNeeded: payload.count)
                streams.values[index].skip -= payload.count
                return
            }
        }
        var buffered: [UInt8] = []
        var skip = 0
        var start = 0
        if let stream = streams.removeValue(forKey: key) {
            held -= stream.bytes.count
            let offset = Int32(bitPattern: sequence &- stream.next)
            if offset > 0 {
                gaps &+= 1  // a segment is missing: what was held can never complete
            } else {
                let repeated = Int(-Int64(offset))
                guard repeated < payload.count else {  // nothing new: a retransmission
                    held += stream.bytes.count
                    streams[key] = stream
                    return
                }
                start = repeated
                buffered = stream.bytes
                skip = stream.skip
            }
        }
        let next = sequence &+ UInt32(truncatingIfNeeded: payload.count)
        if skip > 0 {
            let n = min(skip, payload.count - start)
            start += n
            skip -= n
            if skip > 0 || start == payload.count {
                keep(key, Stream(next: next, bytes: [], skip: skip))
                return
            }
        }
        if buffered.isEmpty {
            let fresh = payload.slice(start ..< payload.count)
            let used = max(consume(fresh), 0)
            if used >= fresh.count {
                keep(key, Stream(next: next, bytes: [], skip: used - fresh.count))
            } else {
                keep(key, Stream(next: next, bytes: (used..<fresh.count).map { fresh.u8($0) }))
            }
        } else {
            buffered.reserveCapacity(buffered.count + payload.count - start)
            for k in start..<payload.count { buffered.append(payload.u8(k)) }
            let used = max(buffered.withUnsafeBytes { consume(FrameBytes($0)) }, 0)
            if used >= buffered.count {
                keep(key, Stream(next: next, bytes: [], skip: used - buffered.count))
            } else {
                keep(key, Stream(next: next, bytes: Array(buffered[used...])))
            }
        }
    }

    /// Forgets a flow's streams: all of them (the flow ended), or one dissector's (it is done).
    func discard(flow: UInt64, dissector only: Dissector? = nil) {
        for fromOriginator in [true, false] {
            for dissector in [Dissector.dns, .tls, .http] where only == nil || only == dissector {
                if let s = streams.removeValue(forKey: Key(flow: flow, fromOriginator: fromOriginator, dissector: dissector)) {
                    held -= s.bytes.count
                }
            }
        }
    }

    /// Keeps a stream's position (so retransmitted bytes are recognised) and what it holds.
    private func keep(_ key: Key, _ stream: Stream) {
        guard stream.bytes.count <= maximumStreamBytes, held + stream.bytes.count <= maximumTotalBytes else {
            overflows &+= 1
            return
        }
        held += stream.bytes.count
        streams[key] = stream
    }
}
