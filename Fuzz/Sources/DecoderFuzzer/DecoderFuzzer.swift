import FuzzHarness

/// One harness for the whole run (see FuzzHarness for what an input does).
nonisolated(unsafe) let harness = FuzzHarness()

/// libFuzzer entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    harness.run(UnsafeRawBufferPointer(start: data, count: size))
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
