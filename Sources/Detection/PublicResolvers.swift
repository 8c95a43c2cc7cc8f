import SensorCore

/// Well-known public DNS resolvers that speak DoH, DoT or DoQ (DETECTION.md 3.7), by server
/// name and by anycast address. A background agent reaching one after its primary went quiet
/// resolves names where the organisation's resolvers never see them.
public enum PublicResolvers {
    public static let names: Set<String> = [
        "dns.google", "dns.google.com", "8888.google", "cloudflare-dns.com", "mozilla.cloudflare-dns.com",
        "one.one.one.one", "1dot1dot1dot1.cloudflare-dns.com", "security.cloudflare-dns.com", "family.cloudflare-dns.com",
        "dns.quad9.net", "dns9.quad9.net", "dns10.quad9.net", "dns11.quad9.net", "doh.opendns.com", "dns.opendns.com",
        "dns.adguard.com", "dns.adguard-dns.com", "doh.cleanbrowsing.org", "dns.nextdns.io", "doh.dns.apple.com",
        "dns.alidns.com", "doh.pub", "dns.twnic.tw", "doh.mullvad.net", "dns.mullvad.net", "freedns.controld.com",
    ]

    public static let addresses: Set<IPAddress> = Set([
        "8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3", "9.9.9.9", "149.112.112.112",
        "9.9.9.10", "9.9.9.11", "208.67.222.222", "208.67.220.220", "94.140.14.14", "94.140.15.15", "185.228.168.168",
        "185.228.169.168", "45.90.28.0", "45.90.30.0", "223.5.5.5", "223.6.6.6", "194.242.2.2",
        "2001:4860:4860::8888", "2001:4860:4860::8844", "2606:4700:4700::1111", "2606:4700:4700::1001", "2620:fe::fe",
        "2620:fe::9", "2620:119:35::35", "2620:119:53::53", "2a10:50c0::ad1:ff", "2a07:a8c0::", "2a07:a8c1::",
    ].compactMap { IPAddress($0) })

    /// Apple's own DoH endpoint, used by Apple platform binaries (not an evasion signal for them).
    public static let apple = "doh.dns.apple.com"

    /// The resolver a flow reaches, named by its server name or address; nil when it is none of these.
    public static func resolver(name: String?, address: IPAddress) -> String? {
        if let name = name?.lowercased(), names.contains(name) { return name }
        return addresses.contains(address) ? address.description : nil
    }
}
