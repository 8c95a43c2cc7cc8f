import AppProtocols
import Flows
import SensorCore
import Wire

/// The link types an input's first byte selects among (the rest of the input is the frame).
let linkTypes = PacketDecoder.supportedLinkTypes

/// One decoder for the whole run, so fragment reassembly state carries across inputs.
nonisolated(unsafe) let decoder = PacketDecoder(reassembler: FragmentReassembler(maximumDatagrams: 16))
nonisolated(unsafe) var clock: Int64 = 0

/// A small flow table, so eviction, expiry and reuse run often.
nonisolated(unsafe) let table: FlowTable = {
    var settings = FlowSettings()
    settings.maximumFlows = 64
    settings.verifyChecksums = true
    return FlowTable(settings: settings)
}()

/// libFuzzer entry point. First byte below 0xF0: it picks a link type and the rest is a frame,
/// decoded and fed to the flow table. 0xF0-0xF4: the rest goes to one application parser
/// (QUIC Initial, QUIC CRYPTO frames, TLS ClientHello, service identification, DNS).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 1 else { return 0 }
    let frame = FrameBytes(base: UnsafeRawPointer(data + 1), count: size - 1)
    switch data[0] {
    case 0xF0:
        _ = QUICInitial.decryptClientInitial(frame)
    case 0xF1:
        _ = QUICInitial.cryptoFrames(Array(UnsafeBufferPointer(start: data + 1, count: size - 1)))
    case 0xF2:
        _ = TLSClientHello.parse(frame)
    case 0xF3:
        _ = ServiceDetector.identify(frame, transport: 6)
        _ = ServiceDetector.identify(frame, transport: 17)
    case 0xF4:
        _ = DNSMessage.parse(frame)?.questions.first?.name.text
    default:
        let link = linkTypes[Int(data[0]) % linkTypes.count]
        clock &+= 1_000_000_000  // one second per input: timeouts fire now and then
        let packet = decoder.decode(frame, linkType: link, timestamp: Timestamp(nanoseconds: clock), wireLength: size - 1)
        let valid = decoder.transportChecksumIsValid(packet, frame: frame)
        decoder.withPayload(of: packet, frame: frame) { bytes in
            if bytes.count > 0 { _ = bytes.u8(0) &+ bytes.u8(bytes.count - 1) }
            table.update(packet, payload: bytes, checksumValid: valid)
        }
        if table.finished.count > 256 { _ = table.drain() }
    }
    return 0
}

/// libFuzzer's driver (compiler-rt), run from the entry point SwiftPM gives executables.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(_ argc: UnsafeMutablePointer<Int32>,
               _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
               _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

/// SwiftPM links executables with `main` renamed to `<module>_main`; start libFuzzer from it.
@_cdecl("DecoderFuzzer_main")
public func fuzzerMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    var count = argc
    var arguments = argv
    return runDriver(&count, &arguments) { data, size in fuzzOne(data, size) }
}
