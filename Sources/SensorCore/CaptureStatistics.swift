/// libpcap's statistics for a live capture (`pcap_stats`).
public struct CaptureStatistics: Sendable, Equatable {
    /// Packets the kernel received on the interface (ps_recv).
    public var received: UInt64
    /// Packets the kernel dropped because the buffer was full (ps_drop).
    public var droppedByKernel: UInt64
    /// Packets the interface or driver dropped (ps_ifdrop; not supported everywhere).
    public var droppedByInterface: UInt64

    public init(received: UInt64 = 0, droppedByKernel: UInt64 = 0, droppedByInterface: UInt64 = 0) {
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }
}
