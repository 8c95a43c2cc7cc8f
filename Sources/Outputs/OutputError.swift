/// Why an output could not be written; the message names the path and says what to do.
public enum OutputError: Error, Sendable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason):
            "cannot create \(path): \(reason); check that the directory exists and is writable"
        case .cannotWrite(let path, let reason):
            "cannot write \(path): \(reason); free disk space or check the file system"
        }
    }
}
