import SensorCore

/// Reassembles IPv4 and IPv6 fragments with bounded memory and packet-time timeouts.
///
/// Holds at most `maximumDatagrams` incomplete datagrams and `maximumBytes` of their
/// data; whatever must be dropped to stay inside is counted as a weird with its reason.
/// Buffers are allocated once and reused.
public final class FragmentReassembler {
    /// Incomplete datagrams held at once.
    public let maximumDatagrams: Int
    /// Fragment data held at once, in bytes.
    public let maximumBytes: Int
    /// How long an incomplete datagram waits for its missing fragments (Linux's ipfrag_time is 30 s).
    public let timeoutNanoseconds: Int64
    /// Fragments accepted per datagram.
    public static let maximumFragmentsPerDatagram = 64
    /// Largest reassembled payload: an IP datagram cannot exceed 65,535 bytes.
    public static let maximumDatagramLength = 65_535

    /// Datagrams completed so far.
    public private(set) var reassembled: UInt64 = 0
    /// Incomplete datagrams dropped (timeout, limits, overlap, end of input).
    public private(set) var dropped: UInt64 = 0

    private struct Slot {
        var key: FragmentKey
        var firstSeen: Timestamp
        var total: Int?              // payload length, known once the last fragment arrived
        var ranges: [Range<Int>]     // received byte ranges, merged and sorted
        var fragments: Int
        var upperProtocol: UInt8     // from the fragment at offset 0
        var held: Int                // bytes counted against maximumBytes
        var buffer: UnsafeMutableRawBufferPointer
    }

    private var slots: [Slot] = []
    private var freeBuffers: [UnsafeMutableRawBufferPointer] = []
    private var bytesHeld = 0
    private var oldest: Timestamp? = nil
    private var newestSeen: Timestamp? = nil
    /// Where the last completed datagram's payload is; valid until the next `add`.
    private let output: UnsafeMutableRawBufferPointer

    public init(maximumDatagrams: Int = 256, maximumBytes: Int = 4 << 20, timeoutSeconds: Double = 30) {
        self.maximumDatagrams = max(1, maximumDatagrams)
        self.maximumBytes = max(FragmentReassembler.maximumDatagramLength, maximumBytes)
        self.timeoutNanoseconds = Int64(timeoutSeconds * 1e9)
        self.output = .allocate(byteCount: FragmentReassembler.maximumDatagramLength, alignment: 16)
        slots.reserveCapacity(self.maximumDatagrams)
    }

    deinit {
        output.deallocate()
        for s in slots { s.buffer.deallocate() }
        for b in freeBuffers { b.deallocate() }
    }

    /// A datagram completed by the last fragment added.
    public struct Completed {
        /// The reassembled payload (everything after the IP header / fragment header).
        public var bytes: FrameBytes
        /// The upper-layer protocol, from the first fragment.
        public var upperProtocol: IPProtocol
        /// Fragments the datagram was built from.
        public var fragments: Int
    }

    /// Adds one fragment's data. `offset` is in bytes, `more` is the MF/M flag, and
    /// `upperProtocol` is meaningful for the fragment at offset 0. Returns the datagram
    /// when this fragment completes it.
    public func add(_ key: FragmentKey, offset: Int, more: Bool, data: FrameBytes,
                    upperProtocol: UInt8, now: Timestamp, weirds: inout Weirds) -> Completed? {
        expire(now: now, weirds: &weirds)
        let end = offset + data.count
        guard end <= FragmentReassembler.maximumDatagramLength else {
            weirds.note(.fragmentTooLarge)
            if let i = slotIndex(key) { drop(i) }
            return nil
        }
        if more && data.count % 8 != 0 { weirds.note(.fragmentInconsistentLength) }
        var index: Int
        if let i = slotIndex(key) {
            index = i
        } else {
            // Full: the oldest incomplete datagram makes room (a flood cannot freeze reassembly).
            while slots.count >= maximumDatagrams, let oldest = oldestSlot() {
                weirds.note(.fragmentTableFull)
                drop(oldest)
            }
            let buffer = freeBuffers.popLast()
                ?? .allocate(byteCount: FragmentReassembler.maximumDatagramLength, alignment: 16)
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(8)
            slots.append(Slot(key: key, firstSeen: now, total: nil, ranges: ranges, fragments: 0,
                              upperProtocol: 0, held: 0, buffer: buffer))
            index = slots.count - 1
            if oldest == nil || now < oldest! { oldest = now }
            if newestSeen == nil || now > newestSeen! { newestSeen = now }
        }
        guard slots[index].fragments < FragmentReassembler.maximumFragmentsPerDatagram else {
            weirds.note(.fragmentTooMany); drop(index); return nil
        }
        while bytesHeld + data.count > maximumBytes {
            guard let oldest = oldestSlot(excluding: index) else {
                weirds.note(.fragmentMemoryLimit); drop(index); return nil
            }
            weirds.note(.fragmentMemoryLimit)
            let lastBefore = slots.count - 1
            drop(oldest)  // swap-removes: the last slot moves into `oldest`'s place
            if index == lastBefore { index = oldest }
        }
        if !more {
            if let total = slots[index].total, total != end {
                weirds.note(.fragmentInconsistentLength); drop(index); return nil
            }
            if let held = slots[index].ranges.last, held.upperBound > end {
                weirds.note(.fragmentInconsistentLength); drop(index); return nil  // data past the declared end
            }
            slots[index].total = end
        }
        if let total = slots[index].total, end > total {
            weirds.note(.fragmentInconsistentLength); drop(index); return nil
        }
        let overlaps = slots[index].ranges.contains { $0.overlaps(offset ..< end) }
        if overlaps {
            weirds.note(.fragmentOverlap)
            // RFC 5722: an IPv6 datagram with overlapping fragments is discarded whole.
            if key.isIPv6 { drop(index); return nil }
        }
        if data.count > 0 {
            data.withBytes(0 ..< data.count) { src in
                UnsafeMutableRawBufferPointer(rebasing: slots[index].buffer[offset ..< end]).copyMemory(from: src)
            }
        }
        bytesHeld += data.count
        slots[index].held += data.count
        slots[index].fragments += 1
        if offset == 0 {
            slots[index].upperProtocol = upperProtocol
        }
        insert(offset ..< end, into: &slots[index].ranges)
        guard let total = slots[index].total, slots[index].ranges.count == 1,
              slots[index].ranges[0] == 0 ..< total else { return nil }
        // Complete: copy out, free the slot.
        let slot = slots[index]
        UnsafeMutableRawBufferPointer(rebasing: output[0 ..< total])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: slot.buffer[0 ..< total]))
        release(index)
        reassembled += 1
        return Completed(bytes: FrameBytes(base: UnsafeRawPointer(output.baseAddress), count: total),
                         upperProtocol: IPProtocol(rawValue: slot.upperProtocol), fragments: slot.fragments)
    }

    /// Drops datagrams that waited longer than the timeout. Time is compared in either
    /// direction, so a fragment stamped in the future cannot hold its slot forever.
    public func expire(now: Timestamp, weirds: inout Weirds) {
        guard !slots.isEmpty else { return }
        if let first = oldest, now.nanoseconds(since: first).magnitude <= UInt64(timeoutNanoseconds),
           let newest = newestSeen, now.nanoseconds(since: newest).magnitude <= UInt64(timeoutNanoseconds) { return }
        var i = 0
        oldest = nil
        newestSeen = nil
        while i < slots.count {
            if now.nanoseconds(since: slots[i].firstSeen).magnitude > UInt64(timeoutNanoseconds) {
                weirds.note(.fragmentTimeout)
                drop(i)
            } else {
                if oldest == nil || slots[i].firstSeen < oldest! { oldest = slots[i].firstSeen }
                if newestSeen == nil || slots[i].firstSeen > newestSeen! { newestSeen = slots[i].firstSeen }
                i += 1
            }
        }
    }

    /// Drops every incomplete datagram (end of input), counting each as timed out.
    public func flush(weirds: inout Weirds) {
        while !slots.isEmpty {
            weirds.note(.fragmentTimeout)
            drop(slots.count - 1)
        }
        oldest = nil
        newestSeen = nil
    }

    /// Incomplete datagrams held now.
    public var pending: Int { slots.count }

    /// The slot that has waited longest, other than `excluding`.
    private func oldestSlot(excluding: Int = -1) -> Int? {
        var best: Int? = nil
        for i in slots.indices where i != excluding {
            if best == nil || slots[i].firstSeen < slots[best!].firstSeen { best = i }
        }
        return best
    }

    private func slotIndex(_ key: FragmentKey) -> Int? {
        for i in slots.indices where slots[i].key == key { return i }
        return nil
    }

    private func drop(_ index: Int) {
        dropped += 1
        release(index)
    }

    private func release(_ index: Int) {
        let slot = slots[index]
        bytesHeld -= slot.held
        freeBuffers.append(slot.buffer)
        slots.swapAt(index, slots.count - 1)
        slots.removeLast()
    }

    /// Inserts `range` into a sorted list of disjoint ranges, merging neighbours that touch.
    private func insert(_ range: Range<Int>, into ranges: inout [Range<Int>]) {
        guard !range.isEmpty else { return }
        var merged = range
        var result: [Range<Int>] = []
        result.reserveCapacity(ranges.count + 1)
        var placed = false
        for r in ranges {
            if r.upperBound < merged.lowerBound {
                result.append(r)
            } else if merged.upperBound < r.lowerBound {
                if !placed { result.append(merged); placed = true }
                result.append(r)
            } else {
                merged = min(r.lowerBound, merged.lowerBound) ..< max(r.upperBound, merged.upperBound)
            }
        }
        if !placed { result.append(merged) }
        ranges = result
    }
}
