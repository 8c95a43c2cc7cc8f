// Wire: link, network and transport decoding (L2 to L4), fragment reassembly,
// and decapsulation of IP-in-IP, GRE, ERSPAN, VXLAN, Geneve and GTP-U.
//
// Contract: decoders borrow the frame (`FrameBytes`), compare lengths before
// every read, and return scalars plus payload ranges; nothing is copied except
// fragments being reassembled. No input traps: each malformed or truncated field
// is counted as a `Weird`, and the packet keeps what was decoded before the fault.
// Strings are never made here.
