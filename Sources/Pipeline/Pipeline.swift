// Pipeline: the per-worker loop that moves frames from a capture source through
// the decoder to the outputs. One thread, synchronous, no locks per packet.
//
// Contract: every input's end (normal, truncated, failed) is reported in the
// summary; nothing decoded before a fault is lost; `stop()` from any thread ends
// the run at the next packet or read timeout.
