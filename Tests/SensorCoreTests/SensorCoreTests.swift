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
