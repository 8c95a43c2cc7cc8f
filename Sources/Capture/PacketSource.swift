import CPcap
import SensorCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One open libpcap handle: a capture file, standard input, or a live interface.
///
/// Read with `next()` from one thread. `stop()` may be called from any thread
/// (a signal handler's dispatch queue): the next read then returns `.end`.
public final class PacketSource: @unchecked Sendable {
    /// The file path, "-" for standard input, or the interface name.
    public let name: String
    /// True for a live interface.
    public let isLive: Bool
    /// A live source's descriptor to wait on between packets (-1: libpcap blocks), and how long.
    private var pollDescriptor: Int32 = -1
    private var pollMilliseconds: Int32 = 200
    private let handle: OpaquePointer
    private let stopRequested = Atomic<Bool>(false)
    private var linkType: LinkType
    /// Multiplier turning libpcap's sub-second field into nanoseconds (1000 when a live
    /// source could only deliver microseconds).
    private var subsecondScale: Int64 = 1
    /// Read buffer handed to stdio for file sources.
    private var readBuffer: UnsafeMutableRawPointer?
    /// Frames delivered so far (after filtering).
    private var delivered = 0
    /// The fallback for pcapng files whose interfaces have different link types.
    private var native: PcapngReader?
    private var filterExpression: String?
    private var nativeFilters: [UInt32: bpf_program] = [:]

    /// Bytes of stdio buffer used when reading capture files. Measured with scripts/bench:
    /// 64-128 KiB reads a page-cached file about 1.7x faster than stdio's default (the file's
    /// 4 KiB block size), while 256 KiB and more is slower than the default (cache misses).
    public static let fileReadBufferSize = 1 << 16

    private init(name: String, isLive: Bool, handle: OpaquePointer, readBuffer: UnsafeMutableRawPointer?) {
        self.name = name
        self.isLive = isLive
        self.handle = handle
        self.readBuffer = readBuffer
        self.linkType = LinkType(rawValue: UInt32(bitPattern: pcap_datalink(handle)))
    }

    deinit {
        pcap_close(handle)  // also closes the FILE it was opened on
        readBuffer?.deallocate()
        for key in nativeFilters.keys { pcap_freecode(&nativeFilters[key]!) }
    }

    /// Opens a pcap or pcapng file, or standard input for "-", at nanosecond precision.
    public static func openFile(_ path: String) throws(CaptureError) -> PacketSource {
        let file: UnsafeMutablePointer<FILE>?
        if path == "-" {
            file = fdopen(0, "rb")
        } else {
            var status = stat()
            if stat(path, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { throw .notAFile(path: path) }
            file = fopen(path, "rb")
        }
        guard let file else {
            switch errno {
            case ENOENT, ENOTDIR: throw .fileNotFound(path: path)
            case EACCES, EPERM: throw .filePermissionDenied(path: path)
            default: throw .readFailed(path: path, detail: String(cString: strerror(errno)))
            }
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: fileReadBufferSize, alignment: 16)
        setvbuf(file, buffer.assumingMemoryBound(to: CChar.self), _IOFBF, fileReadBufferSize)
#if canImport(Glibc)
        // Only the reading thread touches the stream, so stdio need not lock it: libpcap makes
        // two freads a packet, and in a process with threads each took and dropped the lock.
        _ = __fsetlocking(file, Int32(FSETLOCKING_BYCALLER))
#endif
        var errorBuffer = ErrorBuffer()
        guard let handle = pcap_fopen_offline_with_tstamp_precision(
            file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer.bytes) else {
            fclose(file)
            buffer.deallocate()
            let detail = errorBuffer.text
            if detail.contains("truncated") || detail.contains("unknown file format")
                || detail.contains("bad dump file format") || detail.isEmpty || detail.contains("too short") {
                throw .notACaptureFile(path: path, detail: detail.isEmpty ? "empty file" : detail)
            }
            throw .notACaptureFile(path: path, detail: detail)
        }
        return PacketSource(name: path, isLive: false, handle: handle, readBuffer: buffer)
    }

    /// Opens and activates a live interface.
    public static func openLive(_ options: LiveOptions) throws(CaptureError) -> PacketSource {
        var errorBuffer = ErrorBuffer()
        guard let handle = pcap_create(options.interface, &errorBuffer.bytes) else {
            throw .liveFailed(interface: options.interface, detail: errorBuffer.text)
        }
        pcap_set_snaplen(handle, options.snapLength)
        pcap_set_promisc(handle, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(handle, options.immediate ? 1 : 0)
        pcap_set_timeout(handle, options.timeoutMilliseconds)
        if let size = options.bufferSize { pcap_set_buffer_size(handle, size) }
        _ = pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO))
        let status = pcap_activate(handle)
        if status < 0 {
            let detail = String(cString: pcap_geterr(handle))
            let message = String(cString: pcap_statustostr(status)) + (detail.isEmpty ? "" : ": " + detail)
            pcap_close(handle)
            switch status {
            case PCAP_ERROR_NO_SUCH_DEVICE:
                throw .noSuchInterface(interface: options.interface, detail: message)
            case PCAP_ERROR_PERM_DENIED, PCAP_ERROR_PROMISC_PERM_DENIED:
                throw .livePermissionDenied(interface: options.interface, detail: message)
            default:
                throw .liveFailed(interface: options.interface, detail: message)
            }
        }
        let source = PacketSource(name: options.interface, isLive: true, handle: handle, readBuffer: nil)
        if pcap_get_tstamp_precision(handle) != Int32(PCAP_TSTAMP_PRECISION_NANO) { source.subsecondScale = 1000 }
        // libpcap's read timeout does not fire on every platform and mode (Linux with
        // immediate mode blocks until a packet comes), so `next` waits itself, on the
        // selectable descriptor, and reports a quiet link as `.timeout`.
        var nonblockError = ErrorBuffer()
        let fd = pcap_get_selectable_fd(handle)
        if fd >= 0, pcap_setnonblock(handle, 1, &nonblockError.bytes) == 0 {
            source.pollDescriptor = fd
            source.pollMilliseconds = max(1, options.timeoutMilliseconds)
        }
        return source
    }

    /// Compiles `expression` (pcap-filter(7)) and applies it; for files libpcap filters in user space.
    public func setFilter(_ expression: String) throws(CaptureError) {
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw .invalidFilter(filter: expression, detail: String(cString: pcap_geterr(handle)))
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw .invalidFilter(filter: expression, detail: String(cString: pcap_geterr(handle)))
        }
        filterExpression = expression
    }

    /// Reads the next frame. The frame's bytes are valid until the next call.
    @inline(__always)
    public func next() -> ReadResult {
        if stopRequested.load(ordering: .relaxed) { return .end }
        if native != nil { return nextNative() }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var status = pcap_next_ex(handle, &header, &data)
        if status == 0, pollDescriptor >= 0 {
            var wait = pollfd(fd: pollDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&wait, 1, pollMilliseconds)
            status = pcap_next_ex(handle, &header, &data)
        }
        if status == 1, let header, let data {
            delivered &+= 1
            return .frame(Frame(header.pointee, data, linkType: linkType, subsecondScale: subsecondScale))
        }
        switch status {
        case 0:
            return stopRequested.load(ordering: .relaxed) ? .end : .timeout
        default:
            return ended(status)
        }
    }

    /// What a libpcap read status below 1 means: stopped, or an error (a truncated file, or
    /// a pcapng interface of another link type, which switches to the fallback reader and
    /// returns its next frame).
    private func ended(_ status: Int32) -> ReadResult {
        if status == PCAP_ERROR_BREAK || stopRequested.load(ordering: .relaxed) { return .end }
        let message = String(cString: pcap_geterr(handle))
        if message.contains("different from the type of the first interface") && !isLive && name != "-" {
            return switchToNativeReader(after: message)
        }
        return message.contains("truncated") ? .truncated(message) : .failed(message)
    }

    /// Frames of up to `limit` more reads handed to `body`, through libpcap's dispatch loop for
    /// files (cheaper per frame than `next()`: no call and result per frame) and frame by frame
    /// for live sources and the fallback reader. Returns how reading stopped: `.end` (input
    /// ended, source stopped, or `limit` reached), `.timeout` (a quiet live link; call again),
    /// `.truncated` or `.failed`. Each frame's bytes are valid only during its call.
    public func forEachFrame(limit: Int = .max, _ body: (Frame) -> Void) -> ReadResult {
        var remaining = limit
        return withoutActuallyEscaping(body) { body in
            let sink = FrameSink(body)
            defer { withExtendedLifetime(sink) {} }
            var context = DispatchContext(sink: .passUnretained(sink), linkType: linkType, subsecondScale: subsecondScale)
            while remaining > 0 {
                if stopRequested.load(ordering: .relaxed) { return .end }
                if isLive || native != nil {
                    switch next() {
                    case .frame(let frame):
                        body(frame)
                        remaining -= 1
                        continue
                    case let other:
                        return other
                    }
                }
                let status = withUnsafeMutablePointer(to: &context) {
                    pcap_dispatch(handle, Int32(min(remaining, 4096)), dispatchFrame, UnsafeMutableRawPointer($0).assumingMemoryBound(to: UInt8.self))
                }
                delivered &+= context.count
                remaining -= context.count
                context.count = 0
                if status > 0 { continue }
                if status == 0 { return .end }  // the file ended
                switch ended(status) {
                case .frame(let frame):  // the fallback reader took over
                    body(frame)
                    remaining -= 1
                case let other:
                    return other
                }
            }
            return .end
        }
    }

    /// libpcap reads one link type per pcapng file; reopen with our own reader, skip what
    /// libpcap already delivered, and go on.
    private func switchToNativeReader(after message: String) -> ReadResult {
        guard let reader = PcapngReader(path: name) else { return .failed(message) }
        native = reader
        var skip = delivered
        delivered = 0
        while skip > 0 {
            switch nextNative() {
            case .frame: skip -= 1
            case let other: return other
            }
        }
        return nextNative()
    }

    private func nextNative() -> ReadResult {
        guard let reader = native else { return .end }
        while true {
            if stopRequested.load(ordering: .relaxed) { return .end }
            switch reader.next() {
            case .packet(let frame):
                guard passesFilter(frame) else { continue }
                delivered &+= 1
                return .frame(frame)
            case .end: return .end
            case .truncated(let m): return .truncated(m)
            case .failed(let m): return .failed(m)
            }
        }
    }

    /// Applies the filter compiled for the frame's own link type (the fallback reader only).
    private func passesFilter(_ frame: Frame) -> Bool {
        guard let expression = filterExpression else { return true }
        let key = frame.linkType.rawValue
        if nativeFilters[key] == nil {
            // pcap_open_dead takes a DLT; LINKTYPE_RAW (101) is the one file value that differs.
            let dlt = key == LinkType.raw.rawValue ? Int32(DLT_RAW) : Int32(bitPattern: key)
            guard let dead = pcap_open_dead(dlt, 262_144) else { return true }
            defer { pcap_close(dead) }
            var program = bpf_program()
            // A filter that cannot apply to this link type (e.g. `ether host` on raw IP) matches nothing.
            if pcap_compile(dead, &program, expression, 1, PCAP_NETMASK_UNKNOWN) != 0 {
                _ = pcap_compile(dead, &program, "less 0", 1, PCAP_NETMASK_UNKNOWN)
            }
            nativeFilters[key] = program
        }
        var header = pcap_pkthdr()
        header.caplen = UInt32(frame.captureLength)
        header.len = UInt32(frame.wireLength)
        guard let base = frame.bytes.base else { return false }
        return withUnsafePointer(to: &nativeFilters[key]!) { program in
            pcap_offline_filter(program, &header, base.assumingMemoryBound(to: UInt8.self)) != 0
        }
    }

    /// The link type of the source (pcap file header, or the interface's DLT).
    public var currentLinkType: LinkType { linkType }

    /// Asks the reading thread to stop; safe from any thread.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        pcap_breakloop(handle)
    }

    /// libpcap's counters for a live source; nil for files.
    public func statistics() -> CaptureStatistics? {
        guard isLive else { return nil }
        var stats = pcap_stat()
        guard pcap_stats(handle, &stats) == 0 else { return nil }
        return CaptureStatistics(
            received: UInt64(stats.ps_recv),
            droppedByKernel: UInt64(stats.ps_drop),
            droppedByInterface: UInt64(stats.ps_ifdrop))
    }

    /// The snapshot length libpcap applies, in bytes.
    public var snapLength: Int { Int(pcap_snapshot(handle)) }

}

/// The frame handler of one `forEachFrame` call, reached unretained from the C callback:
/// loading the closure out of the context retained and released it for every frame.
private final class FrameSink {
    let body: (Frame) -> Void
    init(_ body: @escaping (Frame) -> Void) { self.body = body }
}

/// What libpcap's dispatch loop hands each frame to `dispatchFrame`.
private struct DispatchContext {
    /// Kept alive by `forEachFrame` for the whole dispatch loop.
    var sink: Unmanaged<FrameSink>
    var linkType: LinkType
    var subsecondScale: Int64
    /// Frames delivered during this dispatch call.
    var count = 0
}

/// libpcap's per-frame callback for `PacketSource.forEachFrame`; `user` is the DispatchContext.
private let dispatchFrame: pcap_handler = { user, header, data in
    guard let user, let header, let data else { return }
    let context = UnsafeMutableRawPointer(user).assumingMemoryBound(to: DispatchContext.self)
    context.pointee.count &+= 1
    let frame = Frame(header.pointee, data, linkType: context.pointee.linkType, subsecondScale: context.pointee.subsecondScale)
    context.pointee.sink._withUnsafeGuaranteedRef { $0.body(frame) }
}

extension Frame {
    /// The frame libpcap delivered with `header`; `subsecondScale` turns tv_usec into
    /// nanoseconds (at nanosecond precision libpcap stores nanoseconds there).
    @inline(__always)
    init(_ h: pcap_pkthdr, _ data: UnsafePointer<UInt8>, linkType: LinkType, subsecondScale: Int64) {
        let captured = Int(h.caplen)
        self.init(timestamp: Timestamp(seconds: Int64(h.ts.tv_sec), nanoseconds: Int64(h.ts.tv_usec) &* subsecondScale),
                  captureLength: captured, wireLength: Int(h.len), linkType: linkType,
                  bytes: FrameBytes(base: UnsafeRawPointer(data), count: captured))
    }
}
