/* LD_PRELOAD shim that counts heap allocations and prints the total at exit:
 * "malloc_count: N" on standard error. Used by the allocation test and scripts/bench
 * to check that decoding allocates nothing per packet. calloc is not counted: glibc's
 * dlsym calls it while the shim resolves the real functions. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long allocations;
static void *(*real_malloc)(size_t);
static void *(*real_realloc)(void *, size_t);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);

void *malloc(size_t n) {
    if (!real_malloc) real_malloc = dlsym(RTLD_NEXT, "malloc");
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return real_malloc(n);
}
void *realloc(void *p, size_t n) {
    if (!real_realloc) real_realloc = dlsym(RTLD_NEXT, "realloc");
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return real_realloc(p, n);
}
int posix_memalign(void **p, size_t a, size_t n) {
    if (!real_posix_memalign) real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return real_posix_memalign(p, a, n);
}
void *aligned_alloc(size_t a, size_t n) {
    if (!real_aligned_alloc) real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    __atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
    return real_aligned_alloc(a, n);
}
__attribute__((destructor)) static void report(void) {
    char text[64] = "malloc_count: ";
    char digits[24];
    int n = 0;
    unsigned long v = allocations;
    do { digits[n++] = '0' + v % 10; v /= 10; } while (v);
    size_t len = strlen(text);
    while (n) text[len++] = digits[--n];
    text[len++] = '\n';
    write(2, text, len);
}
