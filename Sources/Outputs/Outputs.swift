// Outputs: everything QuietWire writes for people and tools: per-packet lines,
// NDJSON records, run summaries.
//
// Contract: the only layer that makes text. Writers append bytes to an
// `OutputBuffer` that flushes in large writes; wire-derived strings are escaped
// for the format they go into (JSON string escaping; control bytes in text).
