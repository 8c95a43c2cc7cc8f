/// How to open a live interface.
public struct LiveOptions: Sendable, Equatable {
    /// Interface name, as `quietwire interfaces` lists it.
    public var interface: String
    /// Bytes kept of each packet (libpcap's snaplen).
    public var snapLength: Int32 = 262_144
    /// Receive frames not addressed to this host.
    public var promiscuous: Bool = true
    /// Deliver each packet as it arrives instead of batching (lower latency, more wakeups).
    public var immediate: Bool = false
    /// Kernel capture buffer, in bytes; nil keeps libpcap's default (2 MiB on Linux).
    public var bufferSize: Int32? = nil
    /// Read timeout in milliseconds: how often a quiet capture wakes to check for a stop.
    public var timeoutMilliseconds: Int32 = 200

    public init(interface: String) { self.interface = interface }
}
