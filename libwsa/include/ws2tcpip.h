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
struct ip_mreq {
	struct in_addr imr_multiaddr;
	struct in_addr imr_interface;
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

/*
 * Strict ISO C modes (-std=c11 and no feature macro): glibc's <netdb.h>
 * has getaddrinfo() and struct addrinfo only for POSIX.1-2001.  They are
 * glibc's all the same (same layout, values and symbols).
 */
#ifndef __USE_XOPEN2K
struct addrinfo {
	int ai_flags;
	int ai_family;
	int ai_socktype;
	int ai_protocol;
	socklen_t ai_addrlen;
	struct sockaddr *ai_addr;
	char *ai_canonname;
	struct addrinfo *ai_next;
};
#define AI_PASSIVE	0x0001
#define AI_CANONNAME	0x0002
#define AI_NUMERICHOST	0x0004
#define AI_V4MAPPED	0x0008
#define AI_ALL		0x0010
#define AI_ADDRCONFIG	0x0020
#define AI_NUMERICSERV	0x0400
#define EAI_BADFLAGS	-1
#define EAI_NONAME	-2
#define EAI_AGAIN	-3
#define EAI_FAIL	-4
#define EAI_FAMILY	-6
#define EAI_SOCKTYPE	-7
#define EAI_SERVICE	-8
#define EAI_MEMORY	-10
#define EAI_SYSTEM	-11
#define EAI_OVERFLOW	-12
#define NI_NUMERICHOST	1
#define NI_NUMERICSERV	2
#define NI_NOFQDN	4
#define NI_NAMEREQD	8
#define NI_DGRAM	16
int getaddrinfo(const char *__restrict node, const char *__restrict service,
		const struct addrinfo *__restrict hints,
		struct addrinfo **__restrict res);
void freeaddrinfo(struct addrinfo *ai) __THROW;
const char *gai_strerror(int ecode) __THROW;
int getnameinfo(const struct sockaddr *__restrict sa, socklen_t salen,
		char *__restrict host, socklen_t hostlen,
		char *__restrict serv, socklen_t servlen, int flags);
#endif
#ifndef NI_MAXHOST
#define NI_MAXHOST	1025
#define NI_MAXSERV	32
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
