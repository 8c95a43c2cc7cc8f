import Capture
import SensorCore
import TestSupport
import Testing
import Wire

/// Every frame of every real capture, decoded as if it came from every supported link type:
/// real bytes in the wrong frame are the cheapest hostile input there is. Nothing may trap.
@Suite("Real frames under every link type")
struct HostileReinterpretationTests {
    @Test(arguments: Fixtures.realCaptures())
    func noTrap(capture: String) throws {
        let source = try PacketSource.openFile(Fixtures.path(capture))
        let decoder = PacketDecoder()
        var frames = 0
        loop: while true {
            switch source.next() {
            case .frame(let f):
                frames += 1
                for link in PacketDecoder.supportedLinkTypes {
                    var p = DecodedPacket()
                    decoder.decode(f.bytes, linkType: link, timestamp: f.timestamp, wireLength: f.wireLength, into: &p)
                    decoder.withPayload(of: p, frame: f.bytes) { b in if b.count > 0 { _ = b.u8(b.count - 1) } }
                }
            case .timeout: continue
            default: break loop
            }
        }
        #expect(decoder.statistics.packets == UInt64(frames * PacketDecoder.supportedLinkTypes.count))
    }
}
