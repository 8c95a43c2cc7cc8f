// Flows: the bidirectional flow table with Zeek's conn.log semantics, Community ID,
// local-network direction, and port-independent service identification.
//
// Contract: one table per capture worker, updated per decoded packet on one thread;
// memory is bounded by `FlowSettings.maximumFlows` (evictions are counted); finished
// flows leave as `FlowRecord`s through the caller's sink. Packet time is the clock.
