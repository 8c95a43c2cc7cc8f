@testable import Flows
import Testing

/// Issue 3 bounds table memory at about 250 bytes per idle flow: the flow's state plus its
/// share of the index (two 4-byte slots per flow at the table's load).
@Suite("Flow table memory")
struct FlowMemoryTests {
    @Test func bytesPerFlowStayNear250() {
        let perFlow = MemoryLayout<Flow>.stride + 2 * MemoryLayout<Int32>.stride
        print("flow table memory per flow: \(perFlow) bytes (Flow \(MemoryLayout<Flow>.stride), endpoint \(MemoryLayout<FlowEndpoint>.stride), key \(MemoryLayout<FlowKey>.stride), history \(MemoryLayout<History>.stride))")
        #expect(perFlow <= 256)
    }

    /// `FlowStore` moves its block with realloc and frees it without deinitializing: a flow
    /// must be plain data, holding no references.
    @Test func aFlowIsPlainData() {
        #expect(_isPOD(Flow.self))
    }
}
