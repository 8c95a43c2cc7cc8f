/// The protocol a port usually carries (IANA assignments and common practice), named like
/// the services identified from the bytes, so conn.log shows a port used for something else.
public enum PortServices {
    /// The usual service of the responder's `port` over `proto` (6 TCP, 17 UDP), or nil.
    public static func name(port: UInt16, proto: UInt8) -> String? {
        switch (proto, port) {
        case (6, 80), (6, 8080), (6, 8000), (6, 8008), (6, 3128), (6, 8888): return "http"
        case (6, 443), (6, 8443), (6, 853), (6, 993), (6, 995), (6, 465), (6, 636), (6, 990), (6, 5223), (6, 5061): return "ssl"
        case (17, 443), (17, 853), (17, 784): return "quic"
        case (6, 53), (17, 53), (17, 5353), (17, 5355), (17, 137): return "dns"
        case (6, 22): return "ssh"
        case (6, 25), (6, 587): return "smtp"
        case (6, 21): return "ftp"
        case (6, 23): return "telnet"
        case (6, 110): return "pop3"
        case (6, 143): return "imap"
        case (6, 389), (17, 389): return "ldap"
        case (6, 88), (17, 88): return "krb"
        case (6, 445), (6, 139): return "smb"
        case (6, 3389): return "rdp"
        case (6, 1080): return "socks"
        case (6, 6667): return "irc"
        case (6, 1883), (6, 8883): return "mqtt"
        case (17, 123): return "ntp"
        case (17, 67), (17, 68): return "dhcp"
        case (17, 161), (17, 162): return "snmp"
        case (17, 500), (17, 4500): return "ipsec"
        case (17, 1194), (6, 1194): return "openvpn"
        case (17, 51820): return "wireguard"
        case (17, 3478), (6, 3478), (17, 19302): return "stun"
        case (17, 1900): return "ssdp"
        case (17, 514): return "syslog"
        case (17, 69): return "tftp"
        default: return nil
        }
    }
}
