import Flows
import SensorCore
import TestSupport
import Wire

/// Feeds built packets between one client and one server through a flow table, for tests of
/// what the table dissects.
struct TableDriver {
    static let client: UInt32 = 0x0a00_0001, server: UInt32 = 0x0808_0808

    let table = FlowTable()
    let decoder = PacketDecoder()

    /// Decodes an Ethernet frame stamped `ms` milliseconds into the run and updates the table.
    func send(_ frame: [UInt8], at ms: Int64) {
        let t = Timestamp(nanoseconds: 1_700_000_000_000_000_000 + ms * 1_000_000)
        frame.withUnsafeBytes { raw in
            let bytes = FrameBytes(raw)
            let p = decoder.decode(bytes, linkType: .ethernet, timestamp: t, wireLength: frame.count)
            decoder.withPayload(of: p, frame: bytes) { table.update(p, payload: $0) }
        }
    }

    func udp(_ payload: [UInt8], fromClient: Bool = true, clientPort: Int = 40000, to destination: UInt32 = server,
             port: Int = 53, at ms: Int64) {
        let (src, dst) = fromClient ? (Self.client, destination) : (destination, Self.client)
        let (sp, dp) = fromClient ? (clientPort, port) : (port, clientPort)
        send(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: src, dst: dst, proto: 17, PacketBuilder.udp(sport: sp, dport: dp, payload))), at: ms)
    }

    func tcp(_ payload: [UInt8], fromClient: Bool, seq: UInt32, flags: UInt8 = 0x18, port: Int = 53, at ms: Int64) {
        let (src, dst) = fromClient ? (Self.client, Self.server) : (Self.server, Self.client)
        let (sp, dp) = fromClient ? (40001, port) : (port, 40001)
        send(PacketBuilder.ethernet(type: 0x0800, PacketBuilder.ipv4(src: src, dst: dst, proto: 6,
                                    PacketBuilder.tcp(sport: sp, dport: dp, seq: seq, ack: 1, flags: flags, payload))), at: ms)
    }
}
