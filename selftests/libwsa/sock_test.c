// SPDX-License-Identifier: LGPL-2.1-or-later
/* Startup, sockets, options, ioctls, address helpers and non-overlapped
 * send/receive (no module needed). */
#include "kselftest_harness.h"
#include "wsa_test.h"

TEST(startup_cleanup)
{
	WSADATA d;
	SOCKET s;

	/* before WSAStartup */
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_EQ(INVALID_SOCKET, s);
	ASSERT_EQ(WSANOTINITIALISED, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSACleanup());
	ASSERT_EQ(WSANOTINITIALISED, WSAGetLastError());
	ASSERT_EQ(WSAVERNOTSUPPORTED, WSAStartup(MAKEWORD(0, 9), &d));
	ASSERT_EQ(WSAEFAULT, WSAStartup(MAKEWORD(2, 2), NULL));

	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &d));
	ASSERT_EQ(MAKEWORD(2, 2), d.wVersion);
	ASSERT_EQ(MAKEWORD(2, 2), d.wHighVersion);
	ASSERT_EQ(0, WSAStartup(MAKEWORD(3, 0), &d));	/* newer: get 2.2 */
	ASSERT_EQ(MAKEWORD(2, 2), d.wVersion);
	ASSERT_EQ(0, WSAStartup(MAKEWORD(1, 1), &d));
	ASSERT_EQ(MAKEWORD(1, 1), d.wVersion);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_NE(INVALID_SOCKET, s);
	ASSERT_EQ(0, closesocket(s));
	/* counted: three startups need three cleanups */
	ASSERT_EQ(0, WSACleanup());
	ASSERT_EQ(0, WSACleanup());
	ASSERT_EQ(0, WSACleanup());
	ASSERT_EQ(INVALID_SOCKET, socket(AF_INET, SOCK_DGRAM, 0));
	ASSERT_EQ(WSANOTINITIALISED, WSAGetLastError());
}

TEST(layouts_and_constants)
{
	WSAOVERLAPPED ov;
	WSAMSG m;

	ASSERT_EQ(16, sizeof(WSABUF));
	ASSERT_EQ(0, offsetof(WSABUF, len));
	ASSERT_EQ(8, offsetof(WSABUF, buf));
	ASSERT_EQ(4, sizeof(ULONG));
	ASSERT_EQ(4, sizeof(DWORD));
	ASSERT_EQ(4, sizeof(LONG));
	ASSERT_EQ(32, sizeof(ov));
	ASSERT_EQ(16, offsetof(WSAOVERLAPPED, Offset));
	ASSERT_EQ(24, offsetof(WSAOVERLAPPED, hEvent));
	ASSERT_EQ(56, sizeof(m));
	ASSERT_EQ(16, sizeof(WSACMSGHDR));
	ASSERT_EQ(~(SOCKET)0, INVALID_SOCKET);
	ASSERT_EQ(10035, WSAEWOULDBLOCK);
	ASSERT_EQ(997, WSA_IO_PENDING);
	ASSERT_EQ(995, WSA_OPERATION_ABORTED);
	ASSERT_EQ(996, WSA_IO_INCOMPLETE);
	ASSERT_EQ(0xC0, WSA_WAIT_IO_COMPLETION);
	ASSERT_EQ(87, WSA_INVALID_PARAMETER);
	ASSERT_EQ(10014, WSAEFAULT);
	ASSERT_EQ(1, MSG_OOB);
	ASSERT_EQ(2, MSG_PEEK);
	ASSERT_EQ(4, MSG_DONTROUTE);
	ASSERT_EQ(8, MSG_WAITALL);
	ASSERT_EQ(0x8000, MSG_PARTIAL);
	ASSERT_EQ(0x100, MSG_TRUNC);
	ASSERT_EQ(0x200, MSG_CTRUNC);
	ASSERT_EQ(0x400, MSG_BCAST);
	ASSERT_EQ(0x800, MSG_MCAST);
	ASSERT_EQ(10, AF_INET6);
	ASSERT_EQ(8, IP_PKTINFO);
	ASSERT_EQ(50, IPV6_PKTINFO);
	ASSERT_EQ(0x28000004, SIO_FLUSH);
	ASSERT_EQ(0xC8000006, SIO_GET_EXTENSION_FUNCTION_POINTER);
	ASSERT_EQ(24, WSA_CMSG_SPACE(sizeof(int)) - 0 + 0);
	ASSERT_EQ(20, WSA_CMSG_LEN(sizeof(int)));
	ASSERT_EQ(0x103, STATUS_PENDING);
	ov.Internal = STATUS_PENDING;
	ASSERT_FALSE(HasOverlappedIoCompleted(&ov));
	ov.Internal = 0;
	ASSERT_TRUE(HasOverlappedIoCompleted(&ov));
}

TEST(udp_nonoverlapped_roundtrip)
{
	struct sockaddr_in a, b, from;
	int fromlen = sizeof(from);
	char out[] = "hello, winsock", in[64];
	WSABUF wb[2] = { { 7, out }, { sizeof(out) - 7, out + 7 } };
	WSABUF rb = { sizeof(in), in };
	DWORD sent = 0, got = 0, flags = 0;
	SOCKET s1, s2;

	ASSERT_EQ(0, wsa_start());
	s1 = wsa_udp4(&a, WSA_FLAG_OVERLAPPED);
	s2 = wsa_udp4(&b, 0);
	ASSERT_NE(INVALID_SOCKET, s1);
	ASSERT_NE(INVALID_SOCKET, s2);
	/* gather send from two WSABUFs, non-overlapped */
	ASSERT_EQ(0, WSASendTo(s1, wb, 2, &sent, 0, (struct sockaddr *)&b,
			       sizeof(b), NULL, NULL));
	ASSERT_EQ(sizeof(out), sent);
	ASSERT_EQ(0, WSARecvFrom(s2, &rb, 1, &got, &flags,
				 (struct sockaddr *)&from, &fromlen, NULL, NULL));
	ASSERT_EQ(sizeof(out), got);
	ASSERT_EQ(0, flags);
	ASSERT_EQ(sizeof(struct sockaddr_in), fromlen);
	ASSERT_EQ(a.sin_port, from.sin_port);
	ASSERT_EQ(a.sin_addr.s_addr, from.sin_addr.s_addr);
	ASSERT_EQ(0, memcmp(in, out, sizeof(out)));
	/* the plain calls */
	ASSERT_EQ(3, sendto(s2, "abc", 3, 0, (struct sockaddr *)&a, sizeof(a)));
	fromlen = sizeof(from);
	memset(in, 0, sizeof(in));
	ASSERT_EQ(3, recvfrom(s1, in, sizeof(in), 0, (struct sockaddr *)&from, &fromlen));
	ASSERT_EQ(0, strcmp(in, "abc"));
	ASSERT_EQ(b.sin_port, from.sin_port);
	/* connected UDP with send/recv and WSASend/WSARecv */
	ASSERT_EQ(0, connect(s1, (struct sockaddr *)&b, sizeof(b)));
	ASSERT_EQ(2, send(s1, "xy", 2, 0));
	ASSERT_EQ(2, recv(s2, in, sizeof(in), 0));
	ASSERT_EQ(0, WSASend(s1, wb, 1, &sent, 0, NULL, NULL));
	ASSERT_EQ(7, sent);
	flags = 0;
	ASSERT_EQ(0, WSARecv(s2, &rb, 1, &got, &flags, NULL, NULL));
	ASSERT_EQ(7, got);
	/* MSG_PEEK leaves the datagram */
	ASSERT_EQ(2, send(s1, "pk", 2, 0));
	flags = MSG_PEEK;
	ASSERT_EQ(0, WSARecv(s2, &rb, 1, &got, &flags, NULL, NULL));
	ASSERT_EQ(2, got);
	ASSERT_EQ(2, recv(s2, in, sizeof(in), 0));
	closesocket(s1);
	closesocket(s2);
	WSACleanup();
}

TEST(tcp_nonoverlapped)
{
	SOCKET c, a;
	char buf[100000], in[100000];
	WSABUF wb = { sizeof(buf), buf }, rb;
	DWORD n = 0, flags, total = 0;
	struct sockaddr_in peer, me;
	int len = sizeof(peer);
	int i;

	ASSERT_EQ(0, wsa_start());
	ASSERT_EQ(0, wsa_tcp_pair(&c, &a, WSA_FLAG_OVERLAPPED));
	ASSERT_EQ(0, getpeername(a, (struct sockaddr *)&peer, &len));
	len = sizeof(me);
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&me, &len));
	ASSERT_EQ(me.sin_port, peer.sin_port);
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 7);
	/* a blocking send consumes everything */
	ASSERT_EQ(0, WSASend(c, &wb, 1, &n, 0, NULL, NULL));
	ASSERT_EQ(sizeof(buf), n);
	while (total < sizeof(buf)) {
		rb.buf = in + total;
		rb.len = sizeof(in) - total;
		flags = 0;
		ASSERT_EQ(0, WSARecv(a, &rb, 1, &n, &flags, NULL, NULL));
		ASSERT_GT(n, 0);
		total += n;
	}
	ASSERT_EQ(0, memcmp(buf, in, sizeof(buf)));
	/* graceful close: 0 bytes */
	ASSERT_EQ(0, shutdown(c, SD_SEND));
	rb.buf = in;
	rb.len = 10;
	flags = 0;
	ASSERT_EQ(0, WSARecv(a, &rb, 1, &n, &flags, NULL, NULL));
	ASSERT_EQ(0, n);
	closesocket(c);
	closesocket(a);
	WSACleanup();
}

TEST(rcvtimeo_is_dword_ms)
{
	SOCKET s;
	DWORD ms = 150, got = 0, n, flags = 0;
	int len = sizeof(got);
	char buf[8];
	WSABUF wb = { sizeof(buf), buf };
	long long t0;

	ASSERT_EQ(0, wsa_start());
	s = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);
	ASSERT_EQ(0, setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&ms, sizeof(ms)));
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (char *)&got, &len));
	ASSERT_EQ(sizeof(DWORD), len);
	ASSERT_EQ(150, got);
	t0 = wsa_now_ms();
	ASSERT_EQ(SOCKET_ERROR, WSARecv(s, &wb, 1, &n, &flags, NULL, NULL));
	ASSERT_EQ(WSAETIMEDOUT, WSAGetLastError());
	ASSERT_GE(wsa_now_ms() - t0, 100);	/* VM clocks are coarse */
	ASSERT_EQ(SOCKET_ERROR, recv(s, buf, sizeof(buf), 0));
	ASSERT_EQ(WSAETIMEDOUT, WSAGetLastError());
	/* Windows' SOL_SOCKET value is accepted too */
	ms = 0;
	ASSERT_EQ(0, setsockopt(s, 0xffff, SO_SNDTIMEO, (char *)&ms, sizeof(ms)));
	closesocket(s);
	WSACleanup();
}

TEST(options)
{
	SOCKET u, t, u6;
	DWORD v = 0;
	int len = sizeof(v), one = 1;
	BOOL b = TRUE;
	struct linger lg;
	u_short wl[2] = { 1, 5 };

	ASSERT_EQ(0, wsa_start());
	u = socket(AF_INET, SOCK_DGRAM, 0);
	u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	t = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_EQ(0, getsockopt(u, SOL_SOCKET, SO_MAX_MSG_SIZE, (char *)&v, &len));
	ASSERT_EQ(65507, v);
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(u6, SOL_SOCKET, SO_MAX_MSG_SIZE, (char *)&v, &len));
	ASSERT_EQ(65527, v);
	len = 2;
	ASSERT_EQ(SOCKET_ERROR, getsockopt(u, SOL_SOCKET, SO_MAX_MSG_SIZE, (char *)&v, &len));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, setsockopt(u, SOL_SOCKET, SO_MAX_MSG_SIZE, (char *)&one, sizeof(one)));
	ASSERT_EQ(WSAENOPROTOOPT, WSAGetLastError());
	/* BOOL options, also as a single byte */
	ASSERT_EQ(0, setsockopt(u, SOL_SOCKET, SO_BROADCAST, (char *)&b, sizeof(b)));
	v = 0;
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(u, SOL_SOCKET, SO_BROADCAST, (char *)&v, &len));
	ASSERT_EQ(1, v);
	ASSERT_EQ(0, setsockopt(u, SOL_SOCKET, SO_BROADCAST, "\0", 1));
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(u, SOL_SOCKET, SO_BROADCAST, (char *)&v, &len));
	ASSERT_EQ(0, v);
	ASSERT_EQ(0, setsockopt(u, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (char *)&b, sizeof(b)));
	/* IPV6_PKTINFO switches on IPV6_RECVPKTINFO */
	ASSERT_EQ(0, setsockopt(u6, IPPROTO_IPV6, IPV6_PKTINFO, (char *)&b, sizeof(b)));
	v = 0;
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(u6, IPPROTO_IPV6, IPV6_PKTINFO, (char *)&v, &len));
	ASSERT_EQ(1, v);
	/* Windows' 4-byte struct linger */
	ASSERT_EQ(0, setsockopt(t, SOL_SOCKET, SO_LINGER, (char *)wl, sizeof(wl)));
	len = sizeof(lg);
	ASSERT_EQ(0, getsockopt(t, SOL_SOCKET, SO_LINGER, (char *)&lg, &len));
	ASSERT_EQ(1, lg.l_onoff);
	ASSERT_EQ(5, lg.l_linger);
	/* unknown option */
	ASSERT_EQ(SOCKET_ERROR, setsockopt(u, SOL_SOCKET, 0x7777, (char *)&one, sizeof(one)));
	ASSERT_EQ(WSAENOPROTOOPT, WSAGetLastError());
	/* SO_ERROR reads 0 */
	v = 99;
	len = sizeof(v);
	ASSERT_EQ(0, getsockopt(t, SOL_SOCKET, SO_ERROR, (char *)&v, &len));
	ASSERT_EQ(0, v);
	closesocket(u);
	closesocket(u6);
	closesocket(t);
	WSACleanup();
}

TEST(fionbio_and_fionread)
{
	struct sockaddr_in a;
	SOCKET s = INVALID_SOCKET;
	u_long on = 1, avail = 0;
	DWORD dw = 1, ret = 0, n, flags = 0;
	char buf[16];
	WSABUF wb = { sizeof(buf), buf };

	ASSERT_EQ(0, wsa_start());
	s = wsa_udp4(&a, WSA_FLAG_OVERLAPPED);
	ASSERT_EQ(0, ioctlsocket(s, FIONBIO, &on));
	ASSERT_EQ(SOCKET_ERROR, WSARecv(s, &wb, 1, &n, &flags, NULL, NULL));
	ASSERT_EQ(WSAEWOULDBLOCK, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, recv(s, buf, sizeof(buf), 0));
	ASSERT_EQ(WSAEWOULDBLOCK, WSAGetLastError());
	ASSERT_EQ(5, sendto(s, "12345", 5, 0, (struct sockaddr *)&a, sizeof(a)));
	usleep(10000);
	ASSERT_EQ(0, ioctlsocket(s, FIONREAD, &avail));
	ASSERT_EQ(5, avail);
	/* Windows' numbers work as well */
	ASSERT_EQ(0, ioctlsocket(s, (long)WSA_FIONREAD_WIN, &avail));
	ASSERT_EQ(5, avail);
	dw = 0;
	ASSERT_EQ(0, WSAIoctl(s, FIONBIO, &dw, sizeof(dw), NULL, 0, &ret, NULL, NULL));
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, WSAIoctl(s, FIONREAD, NULL, 0, &dw, sizeof(dw), &ret, NULL, NULL));
	ASSERT_EQ(sizeof(DWORD), ret);
	ASSERT_EQ(5, dw);
	ASSERT_EQ(5, recv(s, buf, sizeof(buf), 0));
	ASSERT_EQ(SOCKET_ERROR, ioctlsocket(s, 0x1234, &avail));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSAIoctl(s, FIONBIO, &dw, sizeof(dw), NULL, 0, NULL, NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	closesocket(s);
	WSACleanup();
}

/* u_long is 32 bits, as on Windows: ioctlsocket writes 4 bytes, a DWORD. */
TEST(ioctlsocket_u_long_is_a_dword)
{
	struct sockaddr_in a;
	struct { DWORD v; DWORD guard; } x = { 0xAAAAAAAAU, 0x55555555U };
	SOCKET s;

	ASSERT_EQ(4, sizeof(u_long));
	ASSERT_EQ(0, wsa_start());
	s = wsa_udp4(&a, WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, s);
	ASSERT_EQ(3, sendto(s, "abc", 3, 0, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(1, wsa_readable(s, 2000));
	ASSERT_EQ(0, ioctlsocket(s, FIONREAD, &x.v));
	EXPECT_EQ(3, x.v);
	EXPECT_EQ(0x55555555U, x.guard);
	x.v = 1;
	ASSERT_EQ(0, ioctlsocket(s, FIONBIO, &x.v));	/* reads 4 bytes */
	EXPECT_EQ(0x55555555U, x.guard);
	closesocket(s);
	WSACleanup();
}

TEST(extension_function_pointers)
{
	GUID rg = WSAID_WSARECVMSG, sg = WSAID_WSASENDMSG, bad = { 1, 2, 3, { 4 } };
	LPFN_WSARECVMSG WSARecvMsg = NULL;
	LPFN_WSASENDMSG pSendMsg = NULL;
	DWORD ret = 0;
	SOCKET s;

	ASSERT_EQ(0, wsa_start());
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_EQ(0, WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &rg, sizeof(rg),
			      &WSARecvMsg, sizeof(WSARecvMsg), &ret, NULL, NULL));
	ASSERT_EQ(sizeof(void *), ret);
	ASSERT_NE(NULL, WSARecvMsg);
	ASSERT_EQ(0, WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &sg, sizeof(sg),
			      &pSendMsg, sizeof(pSendMsg), &ret, NULL, NULL));
	ASSERT_TRUE(pSendMsg == WSASendMsg);
	ASSERT_EQ(SOCKET_ERROR, WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &bad, sizeof(bad),
					 &pSendMsg, sizeof(pSendMsg), &ret, NULL, NULL));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &rg, sizeof(rg),
					 &pSendMsg, 4, &ret, NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &rg, 8,
					 &pSendMsg, sizeof(pSendMsg), &ret, NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSAIoctl(s, 0x12345678, NULL, 0, NULL, 0, &ret, NULL, NULL));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	closesocket(s);
	WSACleanup();
}

TEST(recvmsg_pktinfo_nonoverlapped)
{
	struct sockaddr_in a = { 0 }, b = { 0 }, from;
	char ctl[WSA_CMSG_SPACE(sizeof(IN_PKTINFO)) + 64], in[32];
	WSABUF rb = { sizeof(in), in };
	WSAMSG m;
	WSACMSGHDR *c;
	LPFN_WSARECVMSG WSARecvMsg;
	DWORD n = 0, on = 1;
	int found = 0;
	SOCKET s1, s2;

	ASSERT_EQ(0, wsa_start());
	s1 = wsa_udp4(&a, 0);
	s2 = wsa_udp4(&b, WSA_FLAG_OVERLAPPED);
	WSARecvMsg = get_recvmsg(s2);
	ASSERT_NE(NULL, WSARecvMsg);
	ASSERT_EQ(0, setsockopt(s2, IPPROTO_IP, IP_PKTINFO, (char *)&on, sizeof(on)));
	ASSERT_EQ(4, sendto(s1, "ping", 4, 0, (struct sockaddr *)&b, sizeof(b)));
	memset(&m, 0, sizeof(m));
	m.name = (struct sockaddr *)&from;
	m.namelen = sizeof(from);
	m.lpBuffers = &rb;
	m.dwBufferCount = 1;
	m.Control.buf = ctl;
	m.Control.len = sizeof(ctl);
	ASSERT_EQ(0, WSARecvMsg(s2, &m, &n, NULL, NULL));
	ASSERT_EQ(4, n);
	ASSERT_EQ(0, memcmp(in, "ping", 4));
	ASSERT_EQ(sizeof(struct sockaddr_in), m.namelen);
	ASSERT_EQ(a.sin_port, from.sin_port);
	ASSERT_EQ(0, m.dwFlags);
	ASSERT_EQ(WSA_CMSG_SPACE(sizeof(IN_PKTINFO)), m.Control.len);
	for (c = WSA_CMSG_FIRSTHDR(&m); c; c = WSA_CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			IN_PKTINFO *pi = (IN_PKTINFO *)WSA_CMSG_DATA(c);

			ASSERT_EQ(htonl(INADDR_LOOPBACK), pi->ipi_addr.s_addr);
			ASSERT_GT(pi->ipi_ifindex, 0);
			found++;
		}
	}
	ASSERT_EQ(1, found);
	/* control buffer too small: MSG_CTRUNC */
	ASSERT_EQ(4, sendto(s1, "pong", 4, 0, (struct sockaddr *)&b, sizeof(b)));
	m.namelen = sizeof(from);
	m.Control.len = sizeof(WSACMSGHDR);
	ASSERT_EQ(0, WSARecvMsg(s2, &m, &n, NULL, NULL));
	ASSERT_EQ(MSG_CTRUNC, m.dwFlags & MSG_CTRUNC);
	closesocket(s1);
	closesocket(s2);
	WSACleanup();
}

TEST(recvmsg_pktinfo6_and_sendmsg)
{
	struct sockaddr_in6 a = { 0 }, b = { 0 }, from;
	char ctl[256], in[32];
	WSABUF rb = { sizeof(in), in }, sb = { 3, "six" };
	WSAMSG m, sm;
	WSACMSGHDR *c;
	LPFN_WSARECVMSG WSARecvMsg;
	DWORD n = 0, on = 1;
	int found = 0;
	SOCKET s1, s2;

	ASSERT_EQ(0, wsa_start());
	s1 = wsa_udp6(&a, 0);
	s2 = wsa_udp6(&b, WSA_FLAG_OVERLAPPED);
	if (s1 == INVALID_SOCKET || s2 == INVALID_SOCKET)
		SKIP(return, "no IPv6 loopback");
	WSARecvMsg = get_recvmsg(s2);
	ASSERT_EQ(0, setsockopt(s2, IPPROTO_IPV6, IPV6_PKTINFO, (char *)&on, sizeof(on)));
	memset(&sm, 0, sizeof(sm));
	sm.name = (struct sockaddr *)&b;
	sm.namelen = sizeof(b);
	sm.lpBuffers = &sb;
	sm.dwBufferCount = 1;
	ASSERT_EQ(0, WSASendMsg(s1, &sm, 0, &n, NULL, NULL));
	ASSERT_EQ(3, n);
	memset(&m, 0, sizeof(m));
	m.name = (struct sockaddr *)&from;
	m.namelen = sizeof(from);
	m.lpBuffers = &rb;
	m.dwBufferCount = 1;
	m.Control.buf = ctl;
	m.Control.len = sizeof(ctl);
	ASSERT_EQ(0, WSARecvMsg(s2, &m, &n, NULL, NULL));
	ASSERT_EQ(3, n);
	ASSERT_EQ(sizeof(struct sockaddr_in6), m.namelen);
	ASSERT_EQ(a.sin6_port, from.sin6_port);
	for (c = WSA_CMSG_FIRSTHDR(&m); c; c = WSA_CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			IN6_PKTINFO *pi = (IN6_PKTINFO *)WSA_CMSG_DATA(c);

			ASSERT_EQ(0, memcmp(&pi->ipi6_addr, &in6addr_loopback, 16));
			found++;
		}
	}
	ASSERT_EQ(1, found);
	closesocket(s1);
	closesocket(s2);
	WSACleanup();
}

TEST(address_helpers)
{
	struct hostent *h;
	struct in_addr ia;

	ASSERT_EQ(0, wsa_start());
	ASSERT_EQ(htonl(0x7f000001), inet_addr("127.0.0.1"));
	ASSERT_EQ(INADDR_NONE, inet_addr("not an address"));
	ASSERT_EQ(INADDR_NONE, inet_addr(""));
	ia.s_addr = htonl(0xC0A80001);
	ASSERT_EQ(0, strcmp("192.168.0.1", inet_ntoa(ia)));
	ASSERT_EQ(0x3412, htons(0x1234));
	ASSERT_EQ(0x1234, ntohs(htons(0x1234)));
	h = gethostbyname("");
	ASSERT_NE(NULL, h);
	ASSERT_EQ(AF_INET, h->h_addrtype);
	ASSERT_EQ(4, h->h_length);
	ASSERT_NE(NULL, h->h_addr_list[0]);
	h = gethostbyname("127.0.0.1");
	ASSERT_NE(NULL, h);
	ASSERT_EQ(htonl(INADDR_LOOPBACK), ((struct in_addr *)h->h_addr_list[0])->s_addr);
	h = gethostbyname("no-such-host.invalid");
	ASSERT_EQ(NULL, h);
	ASSERT_TRUE(WSAGetLastError() == WSAHOST_NOT_FOUND ||
		    WSAGetLastError() == WSATRY_AGAIN ||
		    WSAGetLastError() == WSANO_DATA);
	WSACleanup();
}

TEST(accept_nonblocking_and_names)
{
	struct sockaddr_in sa = wsa_loop4(0), peer;
	int len = sizeof(sa), plen = 4;
	u_long on = 1;
	SOCKET l, c, a;

	ASSERT_EQ(0, wsa_start());
	l = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	/* unbound: getsockname is WSAEINVAL, listen too */
	ASSERT_EQ(SOCKET_ERROR, getsockname(l, (struct sockaddr *)&sa, &len));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, listen(l, 1));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	sa = wsa_loop4(0);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&sa, sizeof(sa)));
	len = sizeof(sa);
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&sa, &len));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, ioctlsocket(l, FIONBIO, &on));
	ASSERT_EQ(INVALID_SOCKET, accept(l, NULL, NULL));
	ASSERT_EQ(WSAEWOULDBLOCK, WSAGetLastError());
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_EQ(0, connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	usleep(20000);
	ASSERT_EQ(INVALID_SOCKET, accept(l, (struct sockaddr *)&peer, &plen));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	plen = sizeof(peer);
	a = accept(l, (struct sockaddr *)&peer, &plen);
	ASSERT_NE(INVALID_SOCKET, a);
	ASSERT_EQ(sizeof(peer), plen);
	ASSERT_EQ(htonl(INADDR_LOOPBACK), peer.sin_addr.s_addr);
	/* connect to a closed port: refused */
	closesocket(l);
	closesocket(a);
	closesocket(c);
	c = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	ASSERT_EQ(SOCKET_ERROR, connect(c, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(WSAECONNREFUSED, WSAGetLastError());
	closesocket(c);
	WSACleanup();
}

TEST_HARNESS_MAIN
