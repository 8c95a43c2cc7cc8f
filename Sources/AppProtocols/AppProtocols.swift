// AppProtocols: application-protocol dissectors that run on the first bytes of a flow:
// QUIC Initial decryption (so far); DNS, TLS, HTTP and SSH come next.
//
// Contract: input is untrusted; every length is checked before use and every loop is
// bounded; failures return nil (and are counted by the caller), never trap.
