import Outputs
import Testing

/// Numbers as the log writers print them: every digit count, both signs, the extremes.
@Suite("Output buffer numbers")
struct OutputBufferTests {
    static func text(_ fill: (OutputBuffer) -> Void) -> String {
        let out = OutputBuffer(descriptor: nil)
        fill(out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    @Test func decimalsMatchSwiftsDescription() {
        var values: [UInt64] = [0, 1, 9, 10, 11, 99, 100, 101, 999, 1000, UInt64.max, UInt64.max - 1]
        var power: UInt64 = 1
        for _ in 0..<19 {
            power &*= 10
            values += [power - 1, power, power + 1]
        }
        for v in values { #expect(Self.text { $0.appendDecimal(v) } == String(v)) }
        for v: Int64 in [-1, -10, -99, -100, Int64.min, Int64.max, 0] { #expect(Self.text { $0.appendDecimal(v) } == String(v)) }
        for v: UInt16 in [0, 7, 53, 443, 65535] { #expect(Self.text { $0.appendDecimal(v) } == String(v)) }
    }

    @Test func paddedKeepsTheLowestDigits() {
        #expect(Self.text { $0.appendPadded(5, width: 6) } == "000005")
        #expect(Self.text { $0.appendPadded(1_234_567, width: 6) } == "234567")
        #expect(Self.text { $0.appendPadded(123_456_789, width: 9) } == "123456789")
        #expect(Self.text { $0.appendPadded(7, width: 1) } == "7")
        #expect(Self.text { $0.appendPadded(42, width: 0) } == "")
        #expect(Self.text { $0.appendPadded(-42, width: 3) } == "042")
    }
}
