/// One kind of malformed, truncated or unexpected input, counted per kind.
///
/// Named like Zeek's weirds; `name` is the snake_case form written to outputs.
/// Cases are never renumbered in the middle: outputs key on `name`, not raw value.
public enum Weird: UInt8, CaseIterable, Sendable {
    // Link layer
    case unsupportedLinkType
    case ethernetTruncated
    case vlanTruncated
    case vlanTooDeep
    case mplsTruncated
    case mplsTooDeep
    case pppoeTruncated
    case pbbTruncated
    case linuxSLLTruncated
    case linuxSLL2Truncated
    case loopbackTruncated
    case loopbackUnknownFamily
    case radiotapTruncated
    case ieee80211Truncated
    case llcTruncated
    case rawIPUnknownVersion
    // IPv4 (RFC 791)
    case ipv4Truncated
    case ipv4WrongVersion
    case ipv4HeaderLengthTooSmall
    case ipv4HeaderPastFrame
    case ipv4TotalLengthTooSmall
    case ipv4TotalLengthPastFrame
    case ipv4BadChecksum
    case ipv4OptionMalformed
    // IPv6 (RFC 8200)
    case ipv6Truncated
    case ipv6WrongVersion
    case ipv6PayloadLengthPastFrame
    case ipv6ExtensionTruncated
    case ipv6ExtensionChainTooLong
    case ipv6JumboPayload
    // Fragments (RFC 791 section 3.2, RFC 8200 section 4.5)
    case fragmentOverlap
    case fragmentInconsistentLength
    case fragmentTooLarge
    case fragmentTableFull
    case fragmentMemoryLimit
    case fragmentTimeout
    case fragmentTooMany
    // Transport
    case tcpTruncated
    case tcpHeaderLengthTooSmall
    case tcpHeaderPastFrame
    case tcpOptionMalformed
    case udpTruncated
    case udpLengthTooSmall
    case udpLengthPastFrame
    case icmpTruncated
    case icmpv6Truncated
    // Tunnels
    case greTruncated
    case greUnsupportedVersion
    case erspanTruncated
    case vxlanTruncated
    case geneveTruncated
    case gtpTruncated
    case tunnelTooDeep
    case pppTruncated
    case ayiyaTruncated
    case ipv6OptionMalformed

    /// snake_case name for logs and JSON (`tcp_header_past_frame`, `linux_sll2_truncated`).
    public var name: String { Weird.names[Int(rawValue)] }

    private static let names: [String] = allCases.map { snakeCase(String(describing: $0)) }

    /// camelCase to snake_case; an acronym ("SLL2", "IP") stays one word.
    static func snakeCase(_ camel: String) -> String {
        let chars = Array(camel)
        var out = ""
        for (i, ch) in chars.enumerated() {
            if ch.isUppercase && i > 0 {
                let previous = chars[i - 1]
                let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) {
                    out.append("_")
                }
            }
            out.append(Character(ch.lowercased()))
        }
        return out
    }
}
