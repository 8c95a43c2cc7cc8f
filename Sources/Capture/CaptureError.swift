/// Why a capture could not be opened or read; each message names the input and says what to do.
public enum CaptureError: Error, Equatable, Sendable, CustomStringConvertible {
    case fileNotFound(path: String)
    case filePermissionDenied(path: String)
    case notAFile(path: String)
    case notACaptureFile(path: String, detail: String)
    case readFailed(path: String, detail: String)
    case noSuchInterface(interface: String, detail: String)
    case livePermissionDenied(interface: String, detail: String)
    case liveFailed(interface: String, detail: String)
    case invalidFilter(filter: String, detail: String)
    case interfaceListFailed(detail: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path):
            "\(path): no such file; check the path (use - to read a capture from standard input)"
        case .filePermissionDenied(let path):
            "\(path): permission denied; make the file readable by this user or run with sufficient rights"
        case .notAFile(let path):
            "\(path): is a directory or not a regular file; name a .pcap or .pcapng file"
        case .notACaptureFile(let path, let detail):
            "\(path): not a pcap or pcapng capture (\(detail)); convert it with `editcap -F pcap` or check it is not compressed"
        case .readFailed(let path, let detail):
            "\(path): read failed: \(detail)"
        case .noSuchInterface(let interface, let detail):
            "\(interface): no such interface (\(detail)); run `quietwire interfaces` to list the ones that can be opened"
        case .livePermissionDenied(let interface, let detail):
            "\(interface): permission denied (\(detail)); run as root or grant CAP_NET_RAW and CAP_NET_ADMIN (setcap cap_net_raw,cap_net_admin=eip $(which quietwire))"
        case .liveFailed(let interface, let detail):
            "\(interface): cannot capture: \(detail)"
        case .invalidFilter(let filter, let detail):
            "invalid BPF filter '\(filter)': \(detail); see pcap-filter(7) for the syntax"
        case .interfaceListFailed(let detail):
            "cannot list interfaces: \(detail)"
        }
    }
}
