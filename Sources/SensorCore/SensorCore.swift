// SensorCore: value types shared by every layer of QuietWire.
//
// Contract: no I/O, no allocation on the per-packet path, nothing here trusts
// its inputs to be well formed (addresses and timestamps come off the wire).
