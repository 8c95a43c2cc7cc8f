#ifndef QUIETWIRE_CPCAP_SHIM_H
#define QUIETWIRE_CPCAP_SHIM_H
#include <stdio.h>
#include <pcap/pcap.h>
#endif
