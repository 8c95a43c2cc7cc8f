#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The flow table's dense flow state: one growable block of `Flow`s, owned by one
/// `FlowTable` (which frees it). Elements are reached in place through a pointer, so
/// updating a field costs no uniqueness check or copy-on-write test, as an Array's would
/// (those were a tenth of the per-packet work). `Flow` holds no references, so the block
/// is freed without deinitializing and grows with `realloc`, which moves a large block's
/// pages rather than copying them (copying into fresh pages was a twentieth of a `logs` run).
struct FlowStore {
    private(set) var base: UnsafeMutablePointer<Flow>
    private(set) var count = 0
    private(set) var capacity: Int

    init(capacity: Int) {
        precondition(MemoryLayout<Flow>.alignment <= 16, "malloc aligns to 16 bytes")
        self.capacity = max(1, capacity)
        base = FlowStore.resized(nil, capacity: self.capacity)
    }

    /// Frees the block (the owner's deinit).
    func free() { FlowStore.release(base) }

    private static func resized(_ old: UnsafeMutablePointer<Flow>?, capacity: Int) -> UnsafeMutablePointer<Flow> {
        let bytes = capacity * MemoryLayout<Flow>.stride
        guard let raw = realloc(old, bytes) else { fatalError("flow table: cannot allocate \(bytes) bytes") }
        return raw.bindMemory(to: Flow.self, capacity: capacity)
    }

    private static func release(_ block: UnsafeMutablePointer<Flow>) {
#if canImport(Glibc)
        Glibc.free(block)
#else
        Darwin.free(block)
#endif
    }

    var isEmpty: Bool { count == 0 }
    var indices: Range<Int> { 0..<count }

    /// Flow `i`, in place. Indices come from the table's index; a wrong one stops the
    /// program rather than read outside the block.
    subscript(i: Int) -> Flow {
        unsafeAddress {
            precondition(i >= 0 && i < count, "flow index out of range")
            return UnsafePointer(base + i)
        }
        nonmutating unsafeMutableAddress {
            precondition(i >= 0 && i < count, "flow index out of range")
            return base + i
        }
    }

    /// A pointer to flow `i`, valid until the next `append`.
    @inline(__always)
    func pointer(_ i: Int) -> UnsafeMutablePointer<Flow> {
        precondition(i >= 0 && i < count, "flow index out of range")
        return base + i
    }

    mutating func append(_ flow: Flow) {
        if count == capacity {
            base = FlowStore.resized(base, capacity: capacity * 2)
            capacity *= 2
        }
        (base + count).initialize(to: flow)
        count += 1
    }

    /// Removes the last flow.
    mutating func removeLast() {
        precondition(count > 0, "no flow to remove")
        count -= 1
    }
}
