/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libwsa <ws2tcpip.h>: TCP/IP specific Winsock definitions (also includes
 * what Windows keeps in ws2ipdef.h).
 *
 * IN_PKTINFO and IN6_PKTINFO are the Linux structures, because the kernel
 * writes the control data: in_pktinfo has the Windows field names
 * (ipi_addr, ipi_ifindex) plus Linux's ipi_spec_dst, in a different order
 * and 12 bytes long instead of 8.  Code that uses the field names and
 * WSA_CMSG_DATA/sizeof works unchanged.
 */
#ifndef LIBWSA_WS2TCPIP_H
#define LIBWSA_WS2TCPIP_H

#include <winsock2.h>

#ifdef __cplusplus
extern "C" {
#endif

/* glibc defines these only for _DEFAULT_SOURCE / _GNU_SOURCE builds. */
#ifndef __USE_MISC
struct in_pktinfo {
	int ipi_ifindex;
	struct in_addr ipi_spec_dst;
	struct in_addr ipi_addr;
};
#endif
#ifndef __USE_GNU
struct in6_pktinfo {
	struct in6_addr ipi6_addr;
	unsigned int ipi6_ifindex;
};
#endif

typedef struct in_pktinfo IN_PKTINFO, *PIN_PKTINFO;
typedef struct in6_pktinfo IN6_PKTINFO, *PIN6_PKTINFO;
typedef struct ip_mreq IP_MREQ, *PIP_MREQ;
typedef struct ipv6_mreq IPV6_MREQ, *PIPV6_MREQ;

/* Linux values (IP_PKTINFO 8, IPV6_PKTINFO 50): see differences.rst. */
#ifndef IP_PKTINFO
#define IP_PKTINFO 8
#endif
#ifndef IPV6_PKTINFO
#define IPV6_PKTINFO 50
#endif
#ifndef IPV6_RECVPKTINFO
#define IPV6_RECVPKTINFO 49
#endif

typedef struct addrinfo ADDRINFOA, *PADDRINFOA, *LPADDRINFOA;
typedef struct addrinfo ADDRINFO, *PADDRINFO, *LPADDRINFO;

/* Address length limits (Windows values, for buffers). */
#ifndef INET_ADDRSTRLEN
#define INET_ADDRSTRLEN 22
#endif
#ifndef INET6_ADDRSTRLEN
#define INET6_ADDRSTRLEN 65
#endif

#define InetPtonA	inet_pton
#define InetNtopA	inet_ntop
#ifndef UNICODE
#define InetPton	inet_pton
#define InetNtop	inet_ntop
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIBWSA_WS2TCPIP_H */
