/* The floor for scripts/bench: a plain libpcap read loop that touches every
 * packet's byte counts and nothing else. With a second argument, it reads through
 * a stdio buffer of that many bytes (libpcap's own default is stdio's BUFSIZ).
 * With a third argument "dispatch", it reads with pcap_dispatch (a callback per
 * packet, as quietwire reads files) instead of pcap_next_ex. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long packets = 0, bytes = 0, wire = 0;

static void count(u_char *user, const struct pcap_pkthdr *h, const u_char *d) {
    (void)user; (void)d;
    packets++;
    bytes += h->caplen;
    wire += h->len;
}

int main(int argc, char **argv) {
    char err[PCAP_ERRBUF_SIZE];
    if (argc < 2) { fprintf(stderr, "usage: pcap_loop FILE [BUFFER_BYTES [dispatch]]\n"); return 2; }
    pcap_t *p;
    if (argc > 2) {
        FILE *f = fopen(argv[1], "rb");
        if (!f) { perror(argv[1]); return 1; }
        size_t size = (size_t)atol(argv[2]);
        setvbuf(f, malloc(size), _IOFBF, size);
        p = pcap_fopen_offline(f, err);
    } else {
        p = pcap_open_offline(argv[1], err);
    }
    if (!p) { fprintf(stderr, "%s\n", err); return 1; }
    if (argc > 3 && strcmp(argv[3], "dispatch") == 0) {
        while (pcap_dispatch(p, 4096, count, NULL) > 0) {}
    } else {
        struct pcap_pkthdr *h;
        const u_char *d;
        while (pcap_next_ex(p, &h, &d) == 1) count(NULL, h, d);
    }
    printf("%llu %llu %llu\n", packets, bytes, wire);
    pcap_close(p);
    return 0;
}
