#ifndef QUIETWIRE_CPCAP_SHIM_H
#define QUIETWIRE_CPCAP_SHIM_H
#include <stdio.h>
#if defined(__GLIBC__)
#include <stdio_ext.h>
#endif
#include <pcap/pcap.h>
#endif
