// SHA-1 on the x86 SHA extensions: the flow table hashes one Community ID tuple per flow, and
// in software that was about 1,800 instructions a block, a twentieth of a logs run. Other CPUs
// (and other architectures) use the Swift implementation in Flows/SHA1.swift.
#include "CSHA1.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>
#include <stdatomic.h>

static int detect(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int ssse3 = (c >> 9) & 1, sse41 = (c >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int sha = (b >> 29) & 1;
    return ssse3 && sse41 && sha;
}

int qw_sha1_hardware_available(void) {
    // cpuid traps to the hypervisor in a VM: ask once.
    static _Atomic int cached = -1;
    int v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v < 0) {
        v = detect();
        atomic_store_explicit(&cached, v, memory_order_relaxed);
    }
    return v;
}

// Four rounds (group g) with the message schedule run ahead: `cur` holds W[4g...4g+3]; `next`
// gets its last step (sha1msg2), `after` its middle one (the XOR), `last` its first (sha1msg1).
// `e` takes the rounds' E, `keep` the state before them (the next group's E, rotated by nexte).
#define QW_ROUNDS(e, keep, cur, next, after, last, f)  \
    e = _mm_sha1nexte_epu32(e, cur);                   \
    keep = abcd;                                       \
    next = _mm_sha1msg2_epu32(next, cur);              \
    abcd = _mm_sha1rnds4_epu32(abcd, e, f);            \
    last = _mm_sha1msg1_epu32(last, cur);              \
    after = _mm_xor_si128(after, cur);

__attribute__((target("sha,sse4.1,ssse3")))
void qw_sha1_compress_hardware(uint32_t state[5], const uint8_t *data, size_t blocks) {
    // Big-endian words, the first in the highest lane, as the SHA instructions take them.
    const __m128i order = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)state), 0x1B);
    __m128i e0 = _mm_set_epi32((int)state[4], 0, 0, 0), e1;
    for (; blocks > 0; blocks--, data += 64) {
        const __m128i abcdBefore = abcd, eBefore = e0;
        __m128i m0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 0)), order);
        __m128i m1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16)), order);
        __m128i m2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 32)), order);
        __m128i m3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 48)), order);

        // Rounds 0-11 start the schedule; from 12 on every group has the same shape.
        e0 = _mm_add_epi32(e0, m0);
        e1 = abcd;
        abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
        e1 = _mm_sha1nexte_epu32(e1, m1);
        e0 = abcd;
        abcd = _mm_sha1rnds4_epu32(abcd, e1, 0);
        m0 = _mm_sha1msg1_epu32(m0, m1);
        e0 = _mm_sha1nexte_epu32(e0, m2);
        e1 = abcd;
        abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
        m1 = _mm_sha1msg1_epu32(m1, m2);
        m0 = _mm_xor_si128(m0, m2);
        QW_ROUNDS(e1, e0, m3, m0, m1, m2, 0)  // 12-15
        QW_ROUNDS(e0, e1, m0, m1, m2, m3, 0)  // 16-19
        QW_ROUNDS(e1, e0, m1, m2, m3, m0, 1)  // 20-23
        QW_ROUNDS(e0, e1, m2, m3, m0, m1, 1)
        QW_ROUNDS(e1, e0, m3, m0, m1, m2, 1)
        QW_ROUNDS(e0, e1, m0, m1, m2, m3, 1)
        QW_ROUNDS(e1, e0, m1, m2, m3, m0, 1)  // 36-39
        QW_ROUNDS(e0, e1, m2, m3, m0, m1, 2)  // 40-43
        QW_ROUNDS(e1, e0, m3, m0, m1, m2, 2)
        QW_ROUNDS(e0, e1, m0, m1, m2, m3, 2)
        QW_ROUNDS(e1, e0, m1, m2, m3, m0, 2)
        QW_ROUNDS(e0, e1, m2, m3, m0, m1, 2)  // 56-59
        QW_ROUNDS(e1, e0, m3, m0, m1, m2, 3)  // 60-63
        QW_ROUNDS(e0, e1, m0, m1, m2, m3, 3)
        QW_ROUNDS(e1, e0, m1, m2, m3, m0, 3)
        QW_ROUNDS(e0, e1, m2, m3, m0, m1, 3)
        QW_ROUNDS(e1, e0, m3, m0, m1, m2, 3)  // 76-79

        // E is A of four rounds back, rotated; both add to the block's starting state.
        e0 = _mm_sha1nexte_epu32(e0, eBefore);
        abcd = _mm_add_epi32(abcd, abcdBefore);
    }
    _mm_storeu_si128((__m128i *)state, _mm_shuffle_epi32(abcd, 0x1B));
    state[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}

#else

int qw_sha1_hardware_available(void) { return 0; }

void qw_sha1_compress_hardware(uint32_t state[5], const uint8_t *data, size_t blocks) {
    (void)state; (void)data; (void)blocks;
}

#endif
