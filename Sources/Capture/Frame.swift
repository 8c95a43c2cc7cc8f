import SensorCore

/// One captured frame, borrowed from the source until its next read.
public struct Frame {
    /// Capture time, from the file or the kernel.
    public var timestamp: Timestamp
    /// Bytes present in `bytes` (libpcap's caplen).
    public var captureLength: Int
    /// Length of the frame on the wire (libpcap's len); larger than `captureLength` when snapped.
    public var wireLength: Int
    /// Link-layer type of the interface the frame came from.
    public var linkType: LinkType
    /// The captured bytes.
    public var bytes: FrameBytes
}
