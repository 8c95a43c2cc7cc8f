import Flows
import SensorCore
import Testing

/// The published Community ID v1 test vectors (corelight/pycommunityid tests; INTEROP.md 2.7).
@Suite("Community ID v1")
struct CommunityIDTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        var src: String, sport: UInt16, dst: String, dport: UInt16, proto: UInt8, seed: UInt16, id: String
        var testDescription: String { "\(proto) \(src):\(sport) -> \(dst):\(dport) seed \(seed)" }
    }

    static let vectors: [Vector] = [
        Vector(src: "128.232.110.120", sport: 34855, dst: "66.35.250.204", dport: 80, proto: 6, seed: 0, id: "1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
        Vector(src: "66.35.250.204", sport: 80, dst: "128.232.110.120", dport: 34855, proto: 6, seed: 0, id: "1:LQU9qZlK+B5F3KDmev6m5PMibrg="),
        Vector(src: "128.232.110.120", sport: 34855, dst: "66.35.250.204", dport: 80, proto: 6, seed: 1, id: "1:3V71V58M3Ksw/yuFALMcW0LAHvc="),
        Vector(src: "192.168.1.52", sport: 54585, dst: "8.8.8.8", dport: 53, proto: 17, seed: 0, id: "1:d/FP5EW3wiY1vCndhwleRRKHowQ="),
        Vector(src: "192.168.0.89", sport: 8, dst: "192.168.0.1", dport: 0, proto: 1, seed: 0, id: "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="),
        Vector(src: "192.168.0.1", sport: 0, dst: "192.168.0.89", dport: 8, proto: 1, seed: 0, id: "1:X0snYXpgwiv9TZtqg64sgzUn6Dk="),
        Vector(src: "10.1.24.4", sport: 0, dst: "10.1.12.1", dport: 0, proto: 46, seed: 0, id: "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4="),
        Vector(src: "192.168.170.8", sport: 7, dst: "192.168.170.56", dport: 80, proto: 132, seed: 0, id: "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ="),
    ]

    @Test(arguments: vectors)
    func matchesPublishedVector(v: Vector) throws {
        let id = CommunityID.compute(source: try #require(IPAddress(v.src)), sourcePort: v.sport,
                                     destination: try #require(IPAddress(v.dst)), destinationPort: v.dport,
                                     proto: v.proto, seed: v.seed)
        #expect(id.description == v.id)
    }

    @Test func icmpPortsFollowZeek() {
        #expect(CommunityID.icmpPorts(type: 8, code: 0, version6: false) == (8, 0, false))
        #expect(CommunityID.icmpPorts(type: 0, code: 0, version6: false) == (0, 8, false))
        #expect(CommunityID.icmpPorts(type: 3, code: 3, version6: false) == (3, 3, true))
        #expect(CommunityID.icmpPorts(type: 135, code: 0, version6: true) == (135, 136, false))
    }
}
