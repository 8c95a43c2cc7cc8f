/// The process that owned a socket, as much of it as the feed told.
public struct ProcessIdentity: Sendable, Equatable {
    public var pid: Int32
    public var ppid: Int32?
    public var executable: String?
    public var name: String?
    public var commandLine: String?
    public var user: String?
    public var teamID: String?
    public var signingID: String?
    /// The launchd job (macOS) or systemd unit (Linux) that started the process, when the endpoint knew it.
    public var label: String?

    public init(pid: Int32, ppid: Int32? = nil, executable: String? = nil, name: String? = nil, commandLine: String? = nil,
                user: String? = nil, teamID: String? = nil, signingID: String? = nil, label: String? = nil) {
        self.pid = pid
        self.ppid = ppid
        self.executable = executable
        self.name = name
        self.commandLine = commandLine
        self.user = user
        self.teamID = teamID
        self.signingID = signingID
        self.label = label
    }

    /// Fills what this record lacks from `other` (a later record of the same process).
    mutating func merge(_ other: ProcessIdentity) {
        ppid = ppid ?? other.ppid
        executable = executable ?? other.executable
        name = name ?? other.name
        commandLine = commandLine ?? other.commandLine
        user = user ?? other.user
        teamID = teamID ?? other.teamID
        signingID = signingID ?? other.signingID
        label = label ?? other.label
    }
}
