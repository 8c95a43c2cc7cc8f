import Testing
@testable import SensorCore

@Suite("SensorCore values")
struct SensorCoreTests {
    @Test("RFC 5952 text", arguments: [
        ("2001:db8::1", "2001:db8::1"), ("2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"),
        ("::", "::"), ("::1", "::1"), ("fe80::", "fe80::"), ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        ("::ffff:192.0.2.1", "::ffff:192.0.2.1"), ("10.1.2.3", "10.1.2.3"), ("255.255.255.255", "255.255.255.255"),
    ])
    func addressRoundTrip(input: String, canonical: String) throws {
        let a = try #require(IPAddress(input))
        #expect(a.description == canonical)
    }

    /// Every octet value in every position, and the text written in place ends where it says.
    @Test func everyIPv4OctetIsWrittenInDecimal() {
        for octet in 0..<256 {
            for position in 0..<4 {
                var parts = [7, 0, 255, 19]
                parts[position] = octet
                let v = parts.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                let expected = parts.map(String.init).joined(separator: ".")
                #expect(IPAddress(ipv4: v).description == expected)
                var mapped = IPAddress(ipv4: v)
                mapped.isIPv4 = false
                #expect(mapped.description == "::ffff:" + expected)
            }
        }
    }

    /// Random IPv6 addresses with groups of every width (and runs of zeros): the text reads
    /// back as the address, and no group has a leading zero (RFC 5952 section 4.1).
    @Test func ipv6GroupsHaveNoLeadingZeros() throws {
        var state: UInt64 = 99
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
        for _ in 0..<3000 {
            var groups: [UInt16] = []
            for _ in 0..<8 {
                let r = next()
                groups.append(UInt16(truncatingIfNeeded: r >> 33) >> (UInt16(truncatingIfNeeded: r) % 17 == 16 ? 0 : UInt16(truncatingIfNeeded: r) % 16) & (r % 4 == 0 ? 0 : 0xFFFF))
            }
            let value = groups.reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
            let a = IPAddress(value: value, isIPv4: false)
            let text = a.description
            #expect(try #require(IPAddress(text)) == a, "\(text)")
            for part in text.split(separator: ":") where !part.contains(".") {
                #expect(part == "0" || !part.hasPrefix("0"), "\(text)")
                #expect(part.count <= 4 && part == part.lowercased(), "\(text)")
            }
        }
    }

    @Test("bad address text is rejected", arguments: ["1.2.3", "1.2.3.256", "1:2:3:4:5:6:7:8:9", "1::2::3", "abc", "", "12345::", ":::"])
    func badAddresses(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func ipv4IsMappedButRemembered() {
        let a = IPAddress(ipv4: 0x7f000001)
        #expect(a.isIPv4 && a.value == 0xffff_7f00_0001)
    }

    @Test func timestampsSplitAcrossTheEpoch() {
        #expect(Timestamp(seconds: 5, nanoseconds: 7).subsecondNanoseconds == 7)
        let before = Timestamp(nanoseconds: -1)
        #expect(before.seconds == -1 && before.subsecondNanoseconds == 999_999_999)
    }

    @Test func weirdNamesAreSnakeCaseAndUnique() {
        #expect(Weird.linuxSLL2Truncated.name == "linux_sll2_truncated")
        #expect(Weird.rawIPUnknownVersion.name == "raw_ip_unknown_version")
        #expect(Weird.ipv4TotalLengthPastFrame.name == "ipv4_total_length_past_frame")
        #expect(Set(Weird.allCases.map(\.name)).count == Weird.allCases.count)
    }

    @Test func weirdCountersCount() {
        var w = Weirds()
        w.note(.tcpTruncated); w.note(.tcpTruncated); w.note(.udpTruncated)
        #expect(w[.tcpTruncated] == 2 && w.total == 3 && w.noted == 3 && w.last == .udpTruncated)
    }
}
