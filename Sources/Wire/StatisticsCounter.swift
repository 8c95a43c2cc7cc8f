import SensorCore

/// The decoder's per-packet counters in raw storage allocated once: no array uniqueness or
/// bounds checks on the hot path. `snapshot()` turns them into a `DecodeStatistics`.
final class StatisticsCounter {
    /// Slots: 0 packets, 1 captured bytes, 2 wire bytes, 3 snapped, 4 ipv4, 5 ipv6, 6 non-IP,
    /// 7 fragments, 8 reassembled, 9 tunnelled, 10 with weirds, 16..<272 IP protocols.
    private let slots: UnsafeMutablePointer<UInt64>
    private static let protocolBase = 16
    private static let slotCount = 16 + 256
    private var linkTypes: [(LinkType, UInt64)] = []
    private var lastLinkType = LinkType(rawValue: UInt32.max)
    private var lastLinkCount: UInt64 = 0

    init() {
        slots = .allocate(capacity: StatisticsCounter.slotCount)
        slots.initialize(repeating: 0, count: StatisticsCounter.slotCount)
    }

    deinit { slots.deallocate() }

    @inline(__always)
    func count(linkType: LinkType, captureLength: Int, wireLength: Int, ipVersion: UInt8,
               ipProtocol: IPProtocol, isFragment: Bool, reassembled: Bool, tunnelled: Bool, weird: Bool) {
        slots[0] &+= 1
        slots[1] &+= UInt64(truncatingIfNeeded: captureLength)
        slots[2] &+= UInt64(truncatingIfNeeded: wireLength)
        if captureLength < wireLength { slots[3] &+= 1 }
        if linkType == lastLinkType {
            lastLinkCount &+= 1
        } else {
            switchLinkType(to: linkType)
        }
        switch ipVersion {
        case 4: slots[4] &+= 1
        case 6: slots[5] &+= 1
        default: slots[6] &+= 1
        }
        if isFragment {
            slots[7] &+= 1
        } else if ipVersion != 0 {
            slots[StatisticsCounter.protocolBase + Int(ipProtocol.rawValue)] &+= 1
        }
        if reassembled { slots[8] &+= 1 }
        if tunnelled { slots[9] &+= 1 }
        if weird { slots[10] &+= 1 }
    }

    /// Files the running count of the previous link type and starts counting `linkType`.
    private func switchLinkType(to linkType: LinkType) {
        flushLinkCount()
        lastLinkType = linkType
        lastLinkCount = 1
    }

    private func flushLinkCount() {
        guard lastLinkCount > 0 else { return }
        if let i = linkTypes.firstIndex(where: { $0.0 == lastLinkType }) {
            linkTypes[i].1 &+= lastLinkCount
        } else {
            linkTypes.append((lastLinkType, lastLinkCount))
        }
        lastLinkCount = 0
    }

    func snapshot() -> DecodeStatistics {
        flushLinkCount()
        var s = DecodeStatistics()
        s.packets = slots[0]; s.capturedBytes = slots[1]; s.wireBytes = slots[2]; s.snapped = slots[3]
        s.ipv4 = slots[4]; s.ipv6 = slots[5]; s.nonIP = slots[6]; s.fragments = slots[7]
        s.reassembled = slots[8]; s.tunnelled = slots[9]; s.withWeirds = slots[10]
        s.linkTypes = linkTypes
        for i in 0..<256 { s.protocols[i] = slots[StatisticsCounter.protocolBase + i] }
        return s
    }
}
