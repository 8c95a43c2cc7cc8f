@testable import Flows
import Testing

/// uids are "C" and fourteen base62 digits, seven from each of two SplitMix64 words, lowest
/// digit first; the same counter gives the same uid in every run and version.
@Suite struct FlowUIDTests {
    /// The definition, one digit at a time.
    static func reference(_ counter: UInt64, seed: UInt64) -> String {
        var x = counter &+ seed &* 0x9E37_79B9_7F4A_7C15
        func mix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
        var text = "C"
        for var word in [mix(), mix()] {
            for _ in 0..<7 {
                text.append(alphabet[Int(word % 62)])
                word /= 62
            }
        }
        return text
    }

    @Test func uidsFollowTheirDefinition() {
        var counters: [UInt64] = [0, 1, 62, 3843, 3844, .max, .max - 1, 1 << 63]
        var state: UInt64 = 12345
        for _ in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            counters.append(state)
        }
        for c in counters {
            #expect(FlowTable.uid(c, seed: FlowTable.uidSeed) == Self.reference(c, seed: FlowTable.uidSeed))
        }
        #expect(FlowTable.uid(0, seed: 7).utf8.count == 15)
    }
}
