@testable import Flows
import SensorCore
import Testing

/// The index probes linearly, so a slot hash that clusters similar keys makes every look-up
/// walk. Real keys differ in few bits: one client's ports, one server's clients.
@Suite("Flow slot hash")
struct FlowSlotHashTests {
    /// Mean distance from each key's home slot to where linear probing placed it, at half
    /// load (the table's most crowded). A uniform hash gives about 0.5.
    func meanDisplacement(_ keys: [FlowKey], seed: UInt64) -> Double {
        let table = FlowTable(seed: seed)
        let mask = keys.count.nextPowerOfTwo * 2 - 1
        var used = [Bool](repeating: false, count: mask + 1)
        var total = 0
        for k in keys {
            let home = table.hash(k) & mask
            var s = home
            while used[s] { s = (s + 1) & mask }
            used[s] = true
            total += (s - home) & mask
        }
        return Double(total) / Double(keys.count)
    }

    func key(_ a: IPAddress, _ ap: UInt16, _ b: IPAddress, _ bp: UInt16, proto: UInt8 = 6) -> FlowKey {
        FlowKey.make(source: a, sourcePort: ap, destination: b, destinationPort: bp, proto: proto, vlan: 0).0
    }

    @Test(arguments: [0, 1, 2, 3, 0xDEAD_BEEF, .max] as [UInt64])
    func similarKeysSpreadOverTheIndex(seed: UInt64) {
        let server = IPAddress(ipv4: 0x5DB8_D822)
        // One client, every ephemeral port to one server port.
        let ports = (0..<28_000).map { key(IPAddress(ipv4: 0x0A00_0001), UInt16(32768 + $0), server, 443) }
        // 2^15 clients in one /16, one port each, and the same over UDP to a resolver.
        let clients = (0..<32_768).map { key(IPAddress(ipv4: 0x0A00_0000 | UInt32($0)), 50000, server, 443) }
        let resolver = (0..<32_768).map { key(IPAddress(ipv4: 0x0A00_0000 | UInt32($0)), 40000, IPAddress(ipv4: 0x0808_0808), 53, proto: 17) }
        // IPv6 clients that differ only in the low bits of the interface identifier.
        let v6 = (0..<32_768).map { key(IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: UInt64($0)), 443, IPAddress(ipv6High: 0x2A00_0000_0000_0000, low: 1), 50000) }
        for keys in [ports, clients, resolver, v6] {
            let d = meanDisplacement(keys, seed: seed)
            #expect(d < 0.8, "mean displacement \(d) over \(keys.count) keys")
        }
    }

    @Test func theSeedChangesTheSlots() {
        let k = key(IPAddress(ipv4: 0x0A00_0001), 40000, IPAddress(ipv4: 0x0808_0808), 53, proto: 17)
        let slots = Set((0..<16).map { FlowTable(seed: UInt64($0)).hash(k) & 0xFFFF })
        #expect(slots.count >= 14)
    }
}
