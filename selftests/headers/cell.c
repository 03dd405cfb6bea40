/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One cell of the include-order matrix (build-cells.sh): WSA_HDR (one of
 * libwsa's <winsock2.h>, <ws2tcpip.h>, <mswsock.h>, <windows.h>) and
 * OTHER_HDR (<unistd.h>, <sys/socket.h>, <stdio.h>, and for C++
 * <functional>, <thread>, <iostream>), in the order WSA_FIRST says, built
 * as C11/GNU11 or C++17/C++20 with -Wall -Wextra -Werror and linked with
 * libwsa.  This file is both C and C++.
 *
 * Run, it checks that the libc names (socket, bind, connect, send, recv,
 * select, gethostname, inet_addr, ...) are Winsock's in this file:
 * WSANOTINITIALISED before WSAStartup, WSAENOTSOCK for a bad SOCKET,
 * select ignoring nfds, WSAGetLastError after a failure.  With only
 * <windows.h> (no Winsock) they stay libc's.  The exit status is the
 * number of the first check that failed (0: all passed).
 */
#ifdef WSA_FIRST
#include WSA_HDR
#include OTHER_HDR
#else
#include OTHER_HDR
#include WSA_HDR
#endif

/* differences.rst, "Building": libwsa does not pretend to be Windows. */
#if defined(_WIN32) || defined(_WIN64)
#error "libwsa's headers define _WIN32 or _WIN64"
#endif

static int check_no;
#define CHECK(cond) do { \
	check_no++; \
	if (!(cond)) \
		return check_no; \
} while (0)

#if defined(__cplusplus) && defined(_WINSOCK2API_)
/* Methods named like the libc functions: no macro may rename them. */
struct Conn {
	SOCKET s;
	int send(const char *buf, int len) { return (int)::send(s, buf, len, 0); }
	int recv(char *buf, int len) { return (int)::recv(s, buf, len, 0); }
	int bind(const struct sockaddr *a, int len) { return ::bind(s, a, len); }
	int connect(const struct sockaddr *a, int len) { return ::connect(s, a, len); }
	int select(int n) { return n; }
	int gethostname(int n) { return n; }
	int socket(int n) { return n; }
};
#endif

static DWORD WINAPI thread_fn(LPVOID arg)
{
	*(int *)arg = 1;
	return 5;
}

/* The Win32 part, in every cell. */
static int win32_checks(void)
{
	HANDLE ev = CreateEventA(NULL, TRUE, FALSE, NULL);
	DWORD code = 0;
	int ran = 0;
	HANDLE th;

	CHECK(ev != NULL);
	CHECK(WaitForSingleObject(ev, 0) == WAIT_TIMEOUT);
	CHECK(SetEvent(ev));
	CHECK(WaitForSingleObject(ev, 0) == WAIT_OBJECT_0);
	CHECK(CloseHandle(ev));
	CHECK(!CloseHandle(ev) && GetLastError() == ERROR_INVALID_HANDLE);
	th = CreateThread(NULL, 4096, thread_fn, &ran, 0, NULL);
	CHECK(th != NULL);
	CHECK(WaitForSingleObject(th, 10000) == WAIT_OBJECT_0);
	CHECK(GetExitCodeThread(th, &code) && code == 5 && ran == 1);
	CHECK(CloseHandle(th));
	CHECK(sizeof(DWORD) == 4 && sizeof(LONG) == 4 && sizeof(ULONG) == 4);
	return 0;
}

#ifdef _WINSOCK2API_
/* The libc names in a Winsock file are Winsock's. */
static int winsock_checks(void)
{
	WSADATA wsa;
	SOCKET bad = INVALID_SOCKET, s, l, c, a;
	struct sockaddr_in sa, from;
	int len, fromlen, v, vlen;
	u_long nb = 1, avail = 7;
	char buf[64];
	fd_set rs;
	struct timeval tv;
	char host[256];

	CHECK(sizeof(u_long) == 4);
	/* before WSAStartup: glibc's would succeed */
	WSASetLastError(0);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	CHECK(s == INVALID_SOCKET && WSAGetLastError() == WSANOTINITIALISED);
	WSASetLastError(0);
	CHECK(gethostname(host, sizeof(host)) == SOCKET_ERROR);
	CHECK(WSAGetLastError() == WSANOTINITIALISED);

	CHECK(WSAStartup(MAKEWORD(2, 2), &wsa) == 0);
	CHECK(gethostname(host, sizeof(host)) == 0 && host[0] != '\0');

	/* a bad socket: WSAENOTSOCK through WSAGetLastError */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	WSASetLastError(0);
	CHECK(send(bad, "x", 1, 0) == SOCKET_ERROR && WSAGetLastError() == WSAENOTSOCK);
	WSASetLastError(0);
	CHECK(recv(bad, buf, sizeof(buf), 0) == SOCKET_ERROR && WSAGetLastError() == WSAENOTSOCK);
	WSASetLastError(0);
	CHECK(bind(bad, (SOCKADDR *)&sa, sizeof(sa)) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAENOTSOCK);
	WSASetLastError(0);
	CHECK(connect(bad, (SOCKADDR *)&sa, sizeof(sa)) == SOCKET_ERROR &&
	      WSAGetLastError() == WSAENOTSOCK);
	/* select: no socket in any set is WSAEINVAL (glibc: 0) */
	FD_ZERO(&rs);
	tv.tv_sec = 0;
	tv.tv_usec = 0;
	WSASetLastError(0);
	CHECK(select(0, &rs, NULL, NULL, &tv) == SOCKET_ERROR && WSAGetLastError() == WSAEINVAL);
	/* inet_addr(NULL) is INADDR_NONE (glibc's crashes) */
	CHECK(inet_addr(NULL) == INADDR_NONE);
	CHECK(inet_addr("1.2.3.4") == htonl(0x01020304));

	/* a real UDP socket talking to itself */
	s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	CHECK(s != INVALID_SOCKET);
	CHECK(bind(s, (SOCKADDR *)&sa, sizeof(sa)) == 0);
	len = sizeof(sa);
	CHECK(getsockname(s, (SOCKADDR *)&sa, &len) == 0 && len == (int)sizeof(sa));
	CHECK(sa.sin_port != 0);
	CHECK(strcmp(inet_ntoa(sa.sin_addr), "127.0.0.1") == 0);
	CHECK(connect(s, (SOCKADDR *)&sa, sizeof(sa)) == 0);
	CHECK(ioctlsocket(s, FIONBIO, &nb) == 0);
	WSASetLastError(0);
	CHECK(recv(s, buf, sizeof(buf), 0) == SOCKET_ERROR && WSAGetLastError() == WSAEWOULDBLOCK);
	CHECK(send(s, "ping", 4, 0) == 4);
	FD_ZERO(&rs);
	FD_SET(s, &rs);
	tv.tv_sec = 5;
	CHECK(select(0, &rs, NULL, NULL, &tv) == 1 && FD_ISSET(s, &rs));	/* nfds ignored */
	CHECK(ioctlsocket(s, FIONREAD, &avail) == 0 && avail == 4);
	fromlen = sizeof(from);
	CHECK(recvfrom(s, buf, sizeof(buf), 0, (SOCKADDR *)&from, &fromlen) == 4);
	CHECK(fromlen == (int)sizeof(from) && from.sin_port == sa.sin_port);
	CHECK(sendto(s, "pong", 4, 0, (SOCKADDR *)&sa, sizeof(sa)) == 4);
	CHECK(select(0, &rs, NULL, NULL, &tv) == 1);
	CHECK(recvfrom(s, buf, sizeof(buf), MSG_PEEK, NULL, NULL) == 4);
	CHECK(recv(s, buf, sizeof(buf), 0) == 4 && memcmp(buf, "pong", 4) == 0);
	v = 1;
	CHECK(setsockopt(s, SOL_SOCKET, SO_BROADCAST, (const char *)&v, sizeof(v)) == 0);
	vlen = sizeof(v);
	CHECK(getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&v, &vlen) == 0 && v == SOCK_DGRAM);
	WSASetLastError(0);
	CHECK(shutdown(s, 7) == SOCKET_ERROR && WSAGetLastError() == WSAEINVAL);
	CHECK(closesocket(s) == 0);

	/* TCP: Winsock's listen wants a bind first (Linux would bind) */
	l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	CHECK(l != INVALID_SOCKET);
	WSASetLastError(0);
	CHECK(listen(l, 1) == SOCKET_ERROR && WSAGetLastError() == WSAEINVAL);
	sa.sin_port = 0;
	CHECK(bind(l, (SOCKADDR *)&sa, sizeof(sa)) == 0);
	len = sizeof(sa);
	CHECK(getsockname(l, (SOCKADDR *)&sa, &len) == 0);
	CHECK(listen(l, 1) == 0);
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	CHECK(connect(c, (SOCKADDR *)&sa, sizeof(sa)) == 0);
	len = sizeof(from);
	a = accept(l, (SOCKADDR *)&from, &len);
	CHECK(a != INVALID_SOCKET && len == (int)sizeof(from));
	len = sizeof(from);
	CHECK(getpeername(a, (SOCKADDR *)&from, &len) == 0);
	CHECK(send(c, "hi", 2, 0) == 2);
	CHECK(recv(a, buf, 2, MSG_WAITALL) == 2);	/* Windows' value */
	CHECK(shutdown(c, SD_SEND) == 0);
	CHECK(recv(a, buf, sizeof(buf), 0) == 0);
	CHECK(gethostbyname("127.0.0.1") != NULL);
	closesocket(a);
	closesocket(c);
	closesocket(l);

#ifdef __cplusplus
	{
		/* C++ only: methods named send, bind...; int * and NULL lengths;
		 * select()'s const struct timeval * */
		Conn cn = { bad };
		const TIMEVAL ctv = { 0, 0 };

		FD_ZERO(&rs);
		WSASetLastError(0);
		CHECK(cn.send("x", 1) == SOCKET_ERROR && WSAGetLastError() == WSAENOTSOCK);
		CHECK(cn.select(3) == 3 && cn.socket(4) == 4 && cn.gethostname(5) == 5);
		WSASetLastError(0);
		CHECK(select(0, &rs, NULL, NULL, &ctv) == SOCKET_ERROR &&
		      WSAGetLastError() == WSAEINVAL);
		WSASetLastError(0);
		a = accept(bad, NULL, NULL);
		CHECK(a == INVALID_SOCKET && WSAGetLastError() == WSAENOTSOCK);
	}
#endif
	CHECK(WSACleanup() == 0);
	return 0;
}
#endif

/* Each OTHER_HDR's own use, next to libwsa. */
static int other_checks(void)
{
#if defined(OTHER_UNISTD)
	char h[256];

	CHECK(getpid() > 0);
#ifndef _WINSOCK2API_
#if defined(__USE_MISC) || defined(__USE_UNIX98)	/* else glibc has none */
	CHECK(gethostname(h, sizeof(h)) == 0);		/* libc's */
#else
	(void)h;
#endif
#else
	CHECK(WSAStartup(MAKEWORD(2, 2), NULL) == WSAEFAULT);
	WSASetLastError(0);
	CHECK(gethostname(h, sizeof(h)) == SOCKET_ERROR &&
	      WSAGetLastError() == WSANOTINITIALISED);	/* Winsock's */
#endif
#elif defined(OTHER_SOCKET)
	struct sockaddr a;	/* (as sockaddr_in: AF_INET, INADDR_ANY, port 0) */
	socklen_t sl = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

#ifndef _WINSOCK2API_
	CHECK(fd >= 0);					/* libc's */
	memset(&a, 0, sizeof(a));
	a.sa_family = AF_INET;
	CHECK(bind(fd, &a, sizeof(a)) == 0);
	CHECK(getsockname(fd, &a, &sl) == 0);
	CHECK(shutdown(fd, SHUT_RDWR) == -1);
#else
	CHECK(fd == -1 && WSAGetLastError() == WSANOTINITIALISED);
	CHECK(getsockname(fd, &a, &sl) == SOCKET_ERROR);
	CHECK(WSAGetLastError() == WSANOTINITIALISED);
#endif
#elif defined(OTHER_STDIO)
	char b[16];

	CHECK(snprintf(b, sizeof(b), "%d-%s", 42, "x") == 4 && strcmp(b, "42-x") == 0);
#elif defined(OTHER_FUNCTIONAL)
	auto add = std::bind([](int x, int y) { return x + y; }, std::placeholders::_1, 2);
	std::function<int(int)> f = add;

	CHECK(f(40) == 42);
#ifdef _WINSOCK2API_
	{
		Conn cn = { INVALID_SOCKET };
		auto snd = std::bind(&Conn::send, &cn, std::placeholders::_1, 1);

		WSASetLastError(0);
		CHECK(snd("x") == SOCKET_ERROR && WSAGetLastError() == WSANOTINITIALISED);
	}
#endif
#elif defined(OTHER_THREAD)
	int v = 0;
	std::thread t([&v] { v = 42; });

	t.join();
	CHECK(v == 42);
#elif defined(OTHER_IOSTREAM)
	std::cout.flush();
	CHECK(std::cout.good());
#endif
	return 0;
}

int main(void)
{
	int r = other_checks();

	if (!r)
		r = win32_checks();
#ifdef _WINSOCK2API_
	if (!r)
		r = winsock_checks();
#endif
	return r;
}
