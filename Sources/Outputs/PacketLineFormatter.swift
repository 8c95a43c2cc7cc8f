import SensorCore
import Wire

/// One line per packet in the spirit of `tcpdump -n -tt`:
///
/// `1700000000.123456789 vlan 10 IP 10.0.0.1.51000 > 8.8.8.8.53: UDP, length 30`
///
/// Tunnelled packets name the tunnel and its outer addresses first; fragments and
/// weirds are appended in brackets.
public struct PacketLineFormatter {
    public init() {}

    public func write(_ p: DecodedPacket, to out: OutputBuffer) {
        out.append(p.timestamp)
        if p.vlanCount > 0 {
            out.append(" vlan " as StaticString)
            out.appendDecimal(p.outerVLAN)
            if p.vlanCount > 1 {
                out.append(UInt8(ascii: ","))
                out.appendDecimal(p.innerVLAN)
            }
        }
        if p.mplsLabelCount > 0 {
            out.append(" mpls " as StaticString)
            out.appendDecimal(p.mplsLabelCount)
        }
        if p.tunnel != .none {
            out.append(UInt8(ascii: " "))
            out.append(p.tunnel.name)
            out.append(UInt8(ascii: " "))
            out.append(p.outer.source)
            out.append(" > " as StaticString)
            out.append(p.outer.destination)
            out.append(UInt8(ascii: ":"))
        }
        switch p.ipVersion {
        case 4: out.append(" IP " as StaticString)
        case 6: out.append(" IP6 " as StaticString)
        default:
            if p.etherType != .none {
                out.append(" ethertype 0x" as StaticString)
                appendHex16(p.etherType.rawValue, to: out)
            } else {
                out.append(" non-IP " as StaticString)
                out.append(p.linkType.name)
                out.append(" frame" as StaticString)
            }
            out.append(", length " as StaticString)
            out.appendDecimal(p.wireLength)
            appendWeird(p, to: out)
            out.append(UInt8(ascii: "\n"))
            return
        }
        out.append(p.source)
        if p.hasPorts { out.append(UInt8(ascii: ".")); out.appendDecimal(p.sourcePort) }
        out.append(" > " as StaticString)
        out.append(p.destination)
        if p.hasPorts { out.append(UInt8(ascii: ".")); out.appendDecimal(p.destinationPort) }
        out.append(": " as StaticString)
        if p.isFragment {
            out.append("frag id " as StaticString)
            out.appendDecimal(p.ipIdentification)
            out.append(" offset " as StaticString)
            out.appendDecimal(p.fragmentOffset)
            if p.moreFragments { out.append("+" as StaticString) }
            out.append(" proto " as StaticString)
            appendProtocol(p.ipProtocol, to: out)
        } else {
            switch p.ipProtocol.rawValue {
            case 6 where p.hasPorts:
                out.append("TCP [" as StaticString)
                out.appendFlags(p.tcpFlags)
                out.append("] seq " as StaticString)
                out.appendDecimal(p.tcpSequence)
                if p.tcpFlags.contains(.ack) {
                    out.append(" ack " as StaticString)
                    out.appendDecimal(p.tcpAcknowledgment)
                }
                out.append(" win " as StaticString)
                out.appendDecimal(p.tcpWindow)
            case 17 where p.hasPorts:
                out.append("UDP" as StaticString)
            case 1, 58:
                out.append(p.ipProtocol.rawValue == 1 ? "ICMP type " as StaticString : "ICMP6 type " as StaticString)
                out.appendDecimal(p.icmpType)
                out.append(" code " as StaticString)
                out.appendDecimal(p.icmpCode)
                if p.icmpIdentifier != 0 || p.icmpSequence != 0 {
                    out.append(" id " as StaticString)
                    out.appendDecimal(p.icmpIdentifier)
                    out.append(" seq " as StaticString)
                    out.appendDecimal(p.icmpSequence)
                }
                if p.quoted.version != 0 {
                    out.append(" for " as StaticString)
                    out.append(p.quoted.source)
                    if p.quotedHasPorts { out.append(UInt8(ascii: ".")); out.appendDecimal(p.quotedSourcePort) }
                    out.append(" > " as StaticString)
                    out.append(p.quoted.destination)
                    if p.quotedHasPorts { out.append(UInt8(ascii: ".")); out.appendDecimal(p.quotedDestinationPort) }
                    out.append(UInt8(ascii: " "))
                    appendProtocol(p.quoted.upperProtocol, to: out)
                }
            default:
                appendProtocol(p.ipProtocol, to: out)
            }
        }
        out.append(", length " as StaticString)
        out.appendDecimal(p.payload.count)
        if p.reassembledFragments > 0 {
            out.append(" [reassembled " as StaticString)
            out.appendDecimal(p.reassembledFragments)
            out.append(" fragments]" as StaticString)
        }
        appendWeird(p, to: out)
        out.append(UInt8(ascii: "\n"))
    }

    private func appendProtocol(_ proto: IPProtocol, to out: OutputBuffer) {
        if let name = proto.name {
            out.append(name.uppercased())
        } else {
            out.append("proto " as StaticString)
            out.appendDecimal(proto.rawValue)
        }
    }

    private func appendWeird(_ p: DecodedPacket, to out: OutputBuffer) {
        guard let weird = p.weird else { return }
        out.append(" [weird " as StaticString)
        out.append(weird.name)
        if p.weirdCount > 1 {
            out.append(" +" as StaticString)
            out.appendDecimal(p.weirdCount - 1)
        }
        out.append(UInt8(ascii: "]"))
    }
}

func appendHex16(_ v: UInt16, to out: OutputBuffer) {
    let digits: StaticString = "0123456789abcdef"
    for shift in stride(from: 12, through: 0, by: -4) {
        out.append(digits.utf8Start[Int((v >> UInt16(shift)) & 0xf)])
    }
}
