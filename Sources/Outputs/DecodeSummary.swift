import SensorCore
import Wire

/// What a decode run saw, for the end-of-run report.
public struct DecodeSummary: Sendable {
    /// One input (file, "-", or interface) and how reading it ended.
    public struct Input: Sendable {
        public var name: String
        public var packets: UInt64 = 0
        /// libpcap's message when the file ended mid-record; the packets before the cut were kept.
        public var truncated: String? = nil
        /// libpcap's message when a read failed.
        public var failed: String? = nil
        public init(name: String) { self.name = name }
    }

    public var inputs: [Input] = []
    public var statistics = DecodeStatistics()
    public var weirds = Weirds()
    /// libpcap's counters for a live capture.
    public var capture: CaptureStatistics? = nil
    /// Link types seen that the decoder does not support (their frames are counted, not decoded).
    public var unsupportedLinkTypes: [LinkType] = []
    public var fragmentsReassembled: UInt64 = 0
    public var fragmentDatagramsDropped: UInt64 = 0
    /// Wall-clock seconds the run took.
    public var elapsedSeconds: Double = 0
    /// True when a packet limit or a stop signal ended the run before the input did.
    public var stoppedEarly = false

    public init() {}

    /// True when some input was cut short or failed to read.
    public var hadInputProblems: Bool { inputs.contains { $0.truncated != nil || $0.failed != nil } }
}
