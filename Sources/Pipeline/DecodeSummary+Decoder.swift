import Outputs
import Wire

extension DecodeSummary {
    /// Copies a finished decoder's counters in, and the run's wall-clock duration.
    mutating func record(_ decoder: PacketDecoder, elapsed: Duration) {
        statistics = decoder.statistics
        weirds = decoder.weirds
        fragmentsReassembled = decoder.reassembler.reassembled
        fragmentDatagramsDropped = decoder.reassembler.dropped
        unsupportedLinkTypes = statistics.linkTypes.map(\.0).filter { !PacketDecoder.supports($0) }
        elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
