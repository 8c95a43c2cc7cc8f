import Flows
import SensorCore

/// An agent's traffic to one destination identity over one transport, port class and
/// application protocol (DETECTION.md 3.1). The protocol comes from the bytes (`service`),
/// never from the port.
public struct ChannelKey: Hashable, Sendable, CustomStringConvertible {
    /// Registered domain of the SNI or resolved name, else the address block (`203.0.113.0/24`, `/48`).
    public var destination: String
    /// tcp, udp or icmp.
    public var transport: String
    /// The responder port below 49152; 0 for ephemeral ports and ICMP.
    public var port: UInt16
    /// The service identified from the bytes (ssl, http, dns, quic, ssh), or "unknown".
    public var proto: String
    /// True when the destination is an address block (no name was seen for it).
    public var isAddress: Bool

    public init(destination: String, transport: String, port: UInt16, proto: String, isAddress: Bool) {
        self.destination = destination
        self.transport = transport
        self.port = port
        self.proto = proto
        self.isAddress = isAddress
    }

    /// The channel of a flow, with `domains` naming destinations.
    public init(_ r: FlowRecord, domains: PublicSuffixList) {
        let name = r.serverName ?? r.resolvedName
        if let name, let registered = domains.registeredDomain(name) {
            destination = registered
            isAddress = false
        } else {
            destination = ChannelKey.block(r.connection.responder)
            isAddress = true
        }
        transport = r.transportName == "unknown_transport" ? "ip\(r.connection.proto)" : r.transportName
        let p = r.connection.responderPort
        port = transport == "icmp" || p >= 49_152 ? 0 : p
        let identified = r.service.first(where: { !$0.hasPrefix("ayiya") && !$0.hasPrefix("teredo") && !$0.hasPrefix("gtp") })
        // No payload either way (an unanswered SYN, a reset): the bytes cannot say the protocol.
        proto = identified ?? (r.originatorBytes == 0 && r.responderBytes == 0 && r.connection.proto != 1 && r.connection.proto != 58 ? ChannelKey.noPayload : "unknown")
    }

    /// The protocol of a flow that carried no payload: it joins the known channel with the same
    /// destination, transport and port (a failed attempt on the primary is the primary).
    public static let noPayload = "-"

    /// /24 for IPv4, /48 for IPv6.
    static func block(_ a: IPAddress) -> String {
        if a.isIPv4 {
            let v = a.ipv4 & 0xFFFF_FF00
            return "\(v >> 24).\((v >> 16) & 0xFF).\((v >> 8) & 0xFF).0/24"
        }
        let high = a.high & 0xFFFF_FFFF_FFFF_0000
        return "\(String(high >> 48, radix: 16)):\(String((high >> 32) & 0xFFFF, radix: 16)):\(String((high >> 16) & 0xFFFF, radix: 16))::/48"
    }

    public var description: String { "\(destination) \(transport)/\(port == 0 ? "*" : String(port)) \(proto)" }
}
