/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the libwsa selftests.  Include after kselftest_harness.h:
 * the tests are Winsock programs (in them socket() & co. are libwsa's
 * Winsock functions, bound by winsock2.h).
 */
#ifndef WSA_TEST_H
#define WSA_TEST_H

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <ws2spi.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Whether overlapped I/O is available (the module is loaded). */
static inline int wsa_have_device(void)
{
	return access("/dev/wsaovl", R_OK | W_OK) == 0;
}

#define NEED_DEVICE() do { \
	if (!wsa_have_device()) \
		SKIP(return, "/dev/wsaovl absent: overlapped I/O needs the module"); \
} while (0)

/* In a TEST_F body or teardown: stop if the setup skipped. */
#define RETURN_IF_SKIPPED() do { \
	if (_metadata->skip) \
		return; \
} while (0)

static inline long long wsa_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int wsa_start(void)
{
	WSADATA d;

	return WSAStartup(MAKEWORD(2, 2), &d);
}

static inline struct sockaddr_in wsa_loop4(u_short port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	return a;
}

/* A UDP socket bound to 127.0.0.1:ephemeral; *addr gets its address. */
static inline SOCKET wsa_udp4(struct sockaddr_in *addr, DWORD flags)
{
	struct sockaddr_in a = wsa_loop4(0);
	int len = sizeof(a);
	SOCKET s = WSASocketA(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, flags);

	if (s == INVALID_SOCKET)
		return s;
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &len)) {
		closesocket(s);
		return INVALID_SOCKET;
	}
	if (addr)
		*addr = a;
	return s;
}

static inline SOCKET wsa_udp6(struct sockaddr_in6 *addr, DWORD flags)
{
	struct sockaddr_in6 a;
	int len = sizeof(a);
	SOCKET s = WSASocketA(AF_INET6, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, flags);

	if (s == INVALID_SOCKET)
		return s;
	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	a.sin6_addr = in6addr_loopback;
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &len)) {
		closesocket(s);
		return INVALID_SOCKET;
	}
	if (addr)
		*addr = a;
	return s;
}

/* A connected TCP pair over loopback: *c (client) and *a (accepted). */
static inline int wsa_tcp_pair(SOCKET *c, SOCKET *a, DWORD flags)
{
	struct sockaddr_in sa = wsa_loop4(0);
	int len = sizeof(sa);
	SOCKET l = WSASocketA(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, flags);

	if (l == INVALID_SOCKET)
		return -1;
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(l, (struct sockaddr *)&sa, &len) || listen(l, 4))
		goto fail;
	*c = WSASocketA(AF_INET, SOCK_STREAM, IPPROTO_TCP, NULL, 0, flags);
	if (*c == INVALID_SOCKET)
		goto fail;
	if (connect(*c, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	*a = accept(l, NULL, NULL);
	if (*a == INVALID_SOCKET)
		goto fail;
	closesocket(l);
	return 0;
fail:
	closesocket(l);
	return -1;
}

/* Whether a datagram is waiting on s (non-blocking check). */
static inline int wsa_readable(SOCKET s, int ms)
{
	fd_set r;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	FD_ZERO(&r);
	FD_SET((int)s, &r);
	return select(0, &r, NULL, NULL, &tv) == 1;
}

/* WSARecvMsg, looked up as Winsock programs must; NULL if absent. */
static inline LPFN_WSARECVMSG get_recvmsg(SOCKET s)
{
	GUID g = WSAID_WSARECVMSG;
	LPFN_WSARECVMSG fn = NULL;
	DWORD ret;

	WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &g, sizeof(g), &fn,
		 sizeof(fn), &ret, NULL, NULL);
	return fn;
}

#endif
