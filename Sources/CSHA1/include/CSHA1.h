#ifndef QUIETWIRE_CSHA1_H
#define QUIETWIRE_CSHA1_H
#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the x86 SHA extensions (and SSSE3, SSE4.1), else 0. Checked once.
int qw_sha1_hardware_available(void);

/// SHA-1's compression function (FIPS 180-4 section 6.1.2) over `blocks` 64-byte blocks at
/// `data`, into `state` (H0...H4). Only when `qw_sha1_hardware_available()` says 1.
void qw_sha1_compress_hardware(uint32_t state[5], const uint8_t *data, size_t blocks);

#endif
