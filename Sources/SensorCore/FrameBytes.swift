/// A borrowed, read-only view of one frame's bytes.
///
/// Valid only while the buffer it was made from is (for a captured frame: until
/// the next packet is read). Every read is bounds-checked and traps when out of
/// range: decoders compare lengths first, so a trap is a decoder bug for the
/// fuzzer to find, never input that is tolerated.
public struct FrameBytes {
    public let base: UnsafeRawPointer?
    public let count: Int

    @inlinable public init(_ buffer: UnsafeRawBufferPointer) {
        self.base = buffer.baseAddress
        self.count = buffer.count
    }

    @inlinable public init(base: UnsafeRawPointer?, count: Int) {
        self.base = base
        self.count = base == nil ? 0 : max(0, count)
    }

    @inlinable @inline(__always)
    func check(_ offset: Int, _ size: Int) {
        precondition(offset >= 0 && size <= count && offset <= count - size, "FrameBytes read out of range")
    }

    /// The byte at `offset`.
    @inlinable @inline(__always) public func u8(_ offset: Int) -> UInt8 {
        check(offset, 1)
        return base.unsafelyUnwrapped.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// A big-endian (network order) 16-bit value at `offset`.
    @inlinable @inline(__always) public func be16(_ offset: Int) -> UInt16 {
        check(offset, 2)
        return UInt16(bigEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    /// A big-endian 32-bit value at `offset`.
    @inlinable @inline(__always) public func be32(_ offset: Int) -> UInt32 {
        check(offset, 4)
        return UInt32(bigEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// A big-endian 64-bit value at `offset`.
    @inlinable @inline(__always) public func be64(_ offset: Int) -> UInt64 {
        check(offset, 8)
        return UInt64(bigEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A little-endian 32-bit value at `offset`.
    @inlinable @inline(__always) public func le32(_ offset: Int) -> UInt32 {
        check(offset, 4)
        return UInt32(littleEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// A little-endian 16-bit value at `offset`.
    @inlinable @inline(__always) public func le16(_ offset: Int) -> UInt16 {
        check(offset, 2)
        return UInt16(littleEndian: base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }


    /// The sub-view `range`, clamped to this view.
    @inlinable public func slice(_ range: Range<Int>) -> FrameBytes {
        let lower = min(max(range.lowerBound, 0), count)
        let upper = min(max(range.upperBound, lower), count)
        guard let base else { return self }
        return FrameBytes(base: base + lower, count: upper - lower)
    }

    /// Calls `body` with the bytes of `range` as a buffer (clamped to the view).
    @inlinable public func withBytes<R>(_ range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let s = slice(range)
        return try body(UnsafeRawBufferPointer(start: s.base, count: s.count))
    }
}
