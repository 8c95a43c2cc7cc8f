/// Documented benign fallbacks (DETECTION.md 2.1, 2.2): a signer's agent that moves from one
/// port to another when the first is blocked. Keyed on the signer, never on a label alone:
/// `appleSigner` stands for Apple platform binaries (no team id, executable in a system path).
/// Team ids marked [M] in the reference are from memory; an allowlist in the configuration
/// should be able to add and correct them.
public enum VendorFallbackPairs {
    public static let appleSigner = "apple-platform"

    public struct Pair: Sendable, Equatable {
        public var signer: String
        public var fromTransport: String
        public var fromPort: UInt16
        public var toTransport: String
        public var toPort: UInt16
        public var note: String
    }

    public static let known: [Pair] = [
        Pair(signer: appleSigner, fromTransport: "tcp", fromPort: 5223, toTransport: "tcp", toPort: 443, note: "APNs (apsd) falls back to TCP 443 when 5223 is blocked"),
        Pair(signer: "BJ4HAAB9B3", fromTransport: "udp", fromPort: 8801, toTransport: "tcp", toPort: 443, note: "Zoom falls back to TCP 443 when UDP 8801 is unavailable"),
        Pair(signer: "7AGZNQ2S2T", fromTransport: "tcp", fromPort: 443, toTransport: "tcp", toPort: 54443, note: "Carbon Black Cloud fails over to TCP 54443"),
    ]

    /// Registered domains of the hosts Apple documents for its products on enterprise networks
    /// (Apple Support "Use Apple products on enterprise networks"): an Apple platform binary
    /// reaching one of them is expected (APPLE_PLATFORM_HOST).
    public static let appleDomains: Set<String> = [
        "apple.com", "icloud.com", "icloud-content.com", "me.com", "mzstatic.com", "apple-cloudkit.com", "apple-livephotoskit.com",
        "cdn-apple.com", "aaplimg.com", "apple.com.cn", "icloud.com.cn",
    ]

    /// Launchd label prefixes of vendors whose agents malware imitates (NimDoor's
    /// `com.google.update`), with the vendor's code-signing team id ([M] in the reference: from
    /// the vendors' signed binaries, to be corrected by the allowlist if a vendor changes it).
    public static let vendorLabels: [(prefix: String, name: String, teamID: String)] = [
        ("com.google.", "Google", "EQHXZ8M8AV"), ("com.microsoft.", "Microsoft", "UBF8T346G9"), ("us.zoom.", "Zoom", "BJ4HAAB9B3"),
        ("com.adobe.", "Adobe", "JQ525L2MZD"), ("com.dropbox.", "Dropbox", "G7HH3F8CAK"),
    ]

    /// The vendor whose label prefix `label` carries, if any.
    public static func vendorTeam(ofLabel label: String) -> (name: String, teamID: String)? {
        vendorLabels.first { label.hasPrefix($0.prefix) }.map { ($0.name, $0.teamID) }
    }

    /// Interpreters a launchd job may run a script under (by file name).
    public static let interpreters: Set<String> = ["sh", "bash", "zsh", "dash", "ksh", "csh", "tcsh", "python", "python2", "python3", "perl",
                                                   "ruby", "osascript", "node", "php", "tclsh", "env"]

    /// True for an executable Apple ships in the system (no team id is expected there).
    public static func isApplePlatform(_ executable: String?, teamID: String?) -> Bool {
        guard teamID == nil, let exe = executable else { return false }
        return exe.hasPrefix("/System/") || exe.hasPrefix("/usr/libexec/") || exe.hasPrefix("/usr/sbin/") || exe.hasPrefix("/usr/bin/")
            || exe.hasPrefix("/sbin/") || exe.hasPrefix("/bin/")
    }

    /// The documented pair that explains a move from `primary` to `fallback` for this signer.
    public static func pair(signer: String?, from primary: ChannelKey, to fallback: ChannelKey) -> Pair? {
        guard let signer else { return nil }
        return known.first {
            $0.signer == signer && $0.fromTransport == primary.transport && $0.fromPort == primary.port
                && $0.toTransport == fallback.transport && $0.toPort == fallback.port
        }
    }
}
