/// Zeek's conn.log `history`: letters in order of first occurrence, upper case for the
/// originator. Held inline (no allocation); past `capacity` letters the last is `x`.
public struct History: Sendable, Equatable {
    /// Letters held inline; Zeek's own histories rarely pass 20.
    public static let capacity = 24
    private var storage: (UInt64, UInt64, UInt64) = (0, 0, 0)
    public private(set) var count: UInt8 = 0

    public init() {}

    public static func == (a: History, b: History) -> Bool { a.bytes == b.bytes }

    /// Appends a letter; at capacity the last letter becomes `x` (analysis partial).
    public mutating func append(_ letter: UInt8) {
        let i = Int(count)
        if i >= History.capacity {
            set(History.capacity - 1, UInt8(ascii: "x"))
            return
        }
        set(i, letter)
        count += 1
    }

    /// The originator and responder swapped roles: letters so far change case (upper case
    /// stays the originator's), then `^` marks the flip.
    public mutating func flipRoles() {
        for i in 0..<Int(count) {
            let c = withUnsafeBytes(of: storage) { $0[i] }
            if (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) { set(i, c ^ 0x20) }
        }
        append(UInt8(ascii: "^"))
    }

    private mutating func set(_ i: Int, _ letter: UInt8) {
        withUnsafeMutableBytes(of: &storage) { $0[i] = letter }
    }

    /// The letters, as bytes.
    public var bytes: [UInt8] {
        withUnsafeBytes(of: storage) { Array($0[0..<Int(count)]) }
    }

    /// The letters as text ("ShADadFf"), built straight from the inline bytes (up to 15
    /// letters need no allocation at all).
    public var text: String {
        withUnsafeBytes(of: storage) { raw in
            String(decoding: UnsafeRawBufferPointer(rebasing: raw[0..<Int(count)]).assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        }
    }
}
