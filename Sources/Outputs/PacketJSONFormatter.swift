import SensorCore
import Wire

/// One NDJSON object per packet. Field names are stable; a field is absent when the
/// packet has no such layer. Documented in README.md ("decode --json fields").
public struct PacketJSONFormatter {
    public init() {}

    public func write(_ p: DecodedPacket, to out: OutputBuffer) {
        out.append("{\"ts\":" as StaticString)
        out.append(p.timestamp)
        out.append(",\"caplen\":" as StaticString)
        out.appendDecimal(p.captureLength)
        out.append(",\"len\":" as StaticString)
        out.appendDecimal(p.wireLength)
        out.append(",\"link\":\"" as StaticString)
        out.append(p.linkType.name)
        out.append(UInt8(ascii: "\""))
        if p.etherType != .none {
            out.append(",\"ether_type\":" as StaticString)
            out.appendDecimal(p.etherType.rawValue)
        }
        if p.vlanCount > 0 {
            out.append(",\"vlan\":[" as StaticString)
            out.appendDecimal(p.outerVLAN)
            if p.vlanCount > 1 {
                out.append(UInt8(ascii: ","))
                out.appendDecimal(p.innerVLAN)
            }
            out.append(UInt8(ascii: "]"))
        }
        if p.mplsLabelCount > 0 {
            out.append(",\"mpls_labels\":" as StaticString)
            out.appendDecimal(p.mplsLabelCount)
        }
        if p.ipVersion != 0 {
            out.append(",\"ip_version\":" as StaticString)
            out.appendDecimal(p.ipVersion)
            out.append(",\"src\":\"" as StaticString)
            out.append(p.source)
            out.append("\",\"dst\":\"" as StaticString)
            out.append(p.destination)
            out.append("\",\"proto\":" as StaticString)
            out.appendDecimal(p.ipProtocol.rawValue)
            out.append(",\"ttl\":" as StaticString)
            out.appendDecimal(p.ttl)
            out.append(",\"ip_len\":" as StaticString)
            out.appendDecimal(p.ipTotalLength)
            out.append(",\"ip_id\":" as StaticString)
            out.appendDecimal(p.ipIdentification)
        }
        if p.tunnel != .none {
            out.append(",\"tunnel\":{\"kind\":\"" as StaticString)
            out.append(p.tunnel.name)
            out.append("\",\"src\":\"" as StaticString)
            out.append(p.outer.source)
            out.append("\",\"dst\":\"" as StaticString)
            out.append(p.outer.destination)
            out.append("\",\"proto\":" as StaticString)
            out.appendDecimal(p.outer.headerProtocol.rawValue)
            if p.tunnelSourcePort != 0 || p.tunnelDestinationPort != 0 {
                out.append(",\"sport\":" as StaticString)
                out.appendDecimal(p.tunnelSourcePort)
                out.append(",\"dport\":" as StaticString)
                out.appendDecimal(p.tunnelDestinationPort)
            }
            out.append(",\"layers\":" as StaticString)
            out.appendDecimal(p.ipLayerCount)
            out.append(UInt8(ascii: "}"))
        }
        if p.isFragment {
            out.append(",\"fragment\":{\"offset\":" as StaticString)
            out.appendDecimal(p.fragmentOffset)
            out.append(",\"more\":" as StaticString)
            out.append(p.moreFragments ? "true" as StaticString : "false" as StaticString)
            out.append(UInt8(ascii: "}"))
        }
        if p.reassembledFragments > 0 {
            out.append(",\"reassembled_fragments\":" as StaticString)
            out.appendDecimal(p.reassembledFragments)
        }
        if p.hasPorts {
            out.append(",\"sport\":" as StaticString)
            out.appendDecimal(p.sourcePort)
            out.append(",\"dport\":" as StaticString)
            out.appendDecimal(p.destinationPort)
        }
        if p.ipProtocol == .tcp && p.hasPorts {
            out.append(",\"tcp_flags\":\"" as StaticString)
            out.appendFlags(p.tcpFlags)
            out.append("\",\"seq\":" as StaticString)
            out.appendDecimal(p.tcpSequence)
            out.append(",\"ack\":" as StaticString)
            out.appendDecimal(p.tcpAcknowledgment)
            out.append(",\"win\":" as StaticString)
            out.appendDecimal(p.tcpWindow)
            out.append(",\"tcp_hlen\":" as StaticString)
            out.appendDecimal(p.tcpHeaderLength)
        }
        if p.hasICMP {
            out.append(",\"icmp_type\":" as StaticString)
            out.appendDecimal(p.icmpType)
            out.append(",\"icmp_code\":" as StaticString)
            out.appendDecimal(p.icmpCode)
            out.append(",\"icmp_id\":" as StaticString)
            out.appendDecimal(p.icmpIdentifier)
            out.append(",\"icmp_seq\":" as StaticString)
            out.appendDecimal(p.icmpSequence)
        }
        if p.quoted.version != 0 {
            out.append(",\"quoted\":{\"src\":\"" as StaticString)
            out.append(p.quoted.source)
            out.append("\",\"dst\":\"" as StaticString)
            out.append(p.quoted.destination)
            out.append("\",\"proto\":" as StaticString)
            out.appendDecimal(p.quoted.upperProtocol.rawValue)
            if p.quotedHasPorts {
                out.append(",\"sport\":" as StaticString)
                out.appendDecimal(p.quotedSourcePort)
                out.append(",\"dport\":" as StaticString)
                out.appendDecimal(p.quotedDestinationPort)
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(",\"payload_len\":" as StaticString)
        out.appendDecimal(p.payload.count)
        if let weird = p.weird {
            out.append(",\"weirds\":" as StaticString)
            out.appendDecimal(p.weirdCount)
            out.append(",\"weird\":\"" as StaticString)
            out.append(weird.name)
            out.append(UInt8(ascii: "\""))
        }
        out.append("}\n" as StaticString)
    }
}
