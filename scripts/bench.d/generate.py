#!/usr/bin/env python3
"""Writes a large, realistic Ethernet pcap for benchmarks (never committed).

Mix per 100 packets: TCP web flows over IPv4 (handshake, 1448-byte data, small
ACKs) ~70, IPv6 TCP ~10, DNS over UDP queries and answers ~12, 802.1Q tagged
TCP ~5, ICMP echo ~2, QUIC-like UDP 443 ~1. Addresses and ports vary so flows
differ. Usage: generate.py OUT PACKETS
"""
import random
import struct
import sys

out_path, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)


def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(src, dst, proto, payload, ident):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, 64, proto, 0,
                    src.to_bytes(4, "big"), dst.to_bytes(4, "big"))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(src, dst, nxt, payload):
    return struct.pack("!IHBB", 0x60000000, len(payload), nxt, 64) + src.to_bytes(16, "big") + dst.to_bytes(16, "big") + payload


def tcp(sp, dp, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 0x80, flags, 502, 0, 0) + \
        b"\x01\x01\x08\x0a" + struct.pack("!II", 1, 2) + payload


def udp(sp, dp, payload):
    return struct.pack("!HHHH", sp, dp, 8 + len(payload), 0) + payload


def eth(typ, payload, vlan=None):
    h = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb"
    if vlan is not None:
        h += struct.pack("!HH", 0x8100, vlan)
    return h + struct.pack("!H", typ) + payload


data_1448 = bytes(rng.getrandbits(8) for _ in range(1448))
dns_q = bytes.fromhex("abcd01000001000000000000") + b"\x03www\x07example\x03com\x00\x00\x01\x00\x01"
dns_a = bytes.fromhex("abcd81800001000100000000") + b"\x03www\x07example\x03com\x00\x00\x01\x00\x01" + \
    bytes.fromhex("c00c000100010000012c00045db8d822")

with open(out_path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    ts = 1_700_000_000.0
    n = 0
    ident = 0
    while n < count:
        r = rng.random()
        client = 0x0A000000 | rng.randrange(1, 65535)
        server = 0x5DB80000 | rng.randrange(1, 65535)
        sp = rng.randrange(32768, 61000)
        frames = []
        if r < 0.70:
            seq, sseq = rng.getrandbits(32), rng.getrandbits(32)
            frames.append(eth(0x0800, ipv4(client, server, 6, tcp(sp, 443, seq, 0, 0x02), ident)))
            frames.append(eth(0x0800, ipv4(server, client, 6, tcp(443, sp, sseq, seq + 1, 0x12), ident)))
            frames.append(eth(0x0800, ipv4(client, server, 6, tcp(sp, 443, seq + 1, sseq + 1, 0x10), ident)))
            for i in range(rng.randrange(2, 12)):
                frames.append(eth(0x0800, ipv4(server, client, 6, tcp(443, sp, sseq + 1 + i * 1448, seq + 1, 0x10, data_1448), ident)))
                if i % 2:
                    frames.append(eth(0x0800, ipv4(client, server, 6, tcp(sp, 443, seq + 1, sseq + 1 + (i + 1) * 1448, 0x10), ident)))
            frames.append(eth(0x0800, ipv4(client, server, 6, tcp(sp, 443, seq + 1, sseq, 0x11), ident)))
        elif r < 0.80:
            c6 = (0x20010DB8 << 96) | rng.getrandbits(64)
            s6 = (0x2A000000 << 96) | rng.getrandbits(64)
            seq = rng.getrandbits(32)
            frames.append(eth(0x86DD, ipv6(c6, s6, 6, tcp(sp, 443, seq, 0, 0x02))))
            for i in range(4):
                frames.append(eth(0x86DD, ipv6(s6, c6, 6, tcp(443, sp, seq, seq + 1, 0x10, data_1448[:1200]))))
        elif r < 0.92:
            frames.append(eth(0x0800, ipv4(client, 0x08080808, 17, udp(sp, 53, dns_q), ident)))
            frames.append(eth(0x0800, ipv4(0x08080808, client, 17, udp(53, sp, dns_a), ident)))
        elif r < 0.97:
            seq = rng.getrandbits(32)
            for i in range(3):
                frames.append(eth(0x0800, ipv4(client, server, 6, tcp(sp, 80, seq + i, 0, 0x18, data_1448[:300]), ident), vlan=100))
        elif r < 0.99:
            frames.append(eth(0x0800, ipv4(client, server, 1, struct.pack("!BBHHH", 8, 0, 0, 7, ident & 0xFFFF) + data_1448[:56], ident)))
        else:
            frames.append(eth(0x0800, ipv4(client, server, 17, udp(sp, 443, b"\xc0\x00\x00\x00\x01" + data_1448[:1195]), ident)))
        for fr in frames:
            if n >= count:
                break
            ts += rng.random() * 0.0002
            sec = int(ts)
            f.write(struct.pack("<IIII", sec, int((ts - sec) * 1e6), len(fr), len(fr)))
            f.write(fr)
            n += 1
            ident += 1
