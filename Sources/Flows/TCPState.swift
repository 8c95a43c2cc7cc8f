/// A TCP endpoint's state as Zeek's TCP analyzer tracks it (`TCP_ENDPOINT_*`).
/// UDP and other protocols use only `inactive` and `active`.
public enum EndpointState: UInt8, Sendable {
    case inactive
    case synSent
    case synAckSent
    case partial
    case established
    case closed
    case reset
    /// UDP, ICMP and other protocols: the endpoint sent something.
    case active
}
