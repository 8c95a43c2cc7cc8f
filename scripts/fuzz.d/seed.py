#!/usr/bin/env python3
"""Seed corpus for the decoder fuzzer: every distinct frame (first 4 KiB) of every
capture below DIR, prefixed with the byte that selects its link type in
Fuzz/Sources/DecoderFuzzer. pcapng files are converted with editcap first.
Usage: seed.py FIXTURES_DIR OUT_DIR"""
import hashlib
import os
import struct
import subprocess
import sys
import tempfile

# Must match PacketDecoder.supportedLinkTypes (Sources/Wire/PacketDecoder.swift).
LINK_TYPES = [0, 1, 9, 12, 14, 50, 101, 108, 113, 127, 228, 229, 276]
root, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
written = 0
for dirpath, _, files in os.walk(root):
    for name in sorted(files):
        path = os.path.join(dirpath, name)
        if name.endswith(".pcapng"):
            tmp = tempfile.NamedTemporaryFile(suffix=".pcap", delete=False).name
            if subprocess.run(["editcap", "-F", "pcap", path, tmp], capture_output=True).returncode != 0:
                continue
            path = tmp
        elif not name.endswith(".pcap"):
            continue
        data = open(path, "rb").read()
        if len(data) < 24:
            continue
        magic = struct.unpack("<I", data[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        link = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
        if link not in LINK_TYPES:
            continue
        prefix = bytes([LINK_TYPES.index(link)])
        offset = 24
        while offset + 16 <= len(data):
            caplen = struct.unpack(endian + "I", data[offset + 8:offset + 12])[0]
            frame = data[offset + 16:offset + 16 + caplen][:4096]
            offset += 16 + caplen
            blob = prefix + frame
            # UDP payloads also seed the DNS (0xF4) and QUIC (0xF0) parsers, for Ethernet/IPv4 frames.
            if link == 1 and len(frame) > 42 and frame[12:14] == b"\x08\x00" and frame[23] == 17:
                ihl = (frame[14] & 0x0F) * 4
                udp = frame[14 + ihl + 8:]
                ports = frame[14 + ihl:14 + ihl + 4]
                if b"\x00\x35" in (ports[0:2], ports[2:4]):
                    extra = bytes([0xF4]) + udp
                elif len(udp) > 0 and udp[0] & 0xC0 == 0xC0:
                    extra = bytes([0xF0]) + udp
                else:
                    extra = b""
                if extra:
                    target = os.path.join(out, hashlib.sha1(extra).hexdigest())
                    if not os.path.exists(target):
                        with open(target, "wb") as f:
                            f.write(extra)
                        written += 1
            digest = hashlib.sha1(blob).hexdigest()
            target = os.path.join(out, digest)
            if not os.path.exists(target):
                with open(target, "wb") as f:
                    f.write(blob)
                written += 1
# Endpoint feeds and launchd plists seed the feed readers (0xF7 detected, 0xF8 lsof, 0xF9 plist).
here = os.path.dirname(os.path.abspath(__file__))
for feeds in [os.path.join(here, "..", "..", "Tests", "AttributionTests", "Fixtures"), os.path.join(here, "..", "..", "pcaps", "sample-feeds")]:
    for dirpath, _, files in os.walk(feeds):
        for name in sorted(files):
            data = open(os.path.join(dirpath, name), "rb").read()[:4096]
            if name.endswith(".plist"):
                selector = 0xF9
            elif name.endswith(".txt"):
                selector = 0xF8
            elif name.endswith((".json", ".ndjson", ".log")):
                selector = 0xF7
            else:
                continue
            blob = bytes([selector]) + data
            target = os.path.join(out, hashlib.sha1(blob).hexdigest())
            if not os.path.exists(target):
                with open(target, "wb") as f:
                    f.write(blob)
                written += 1
print(f"seed: {written} new inputs in {out}", file=sys.stderr)
