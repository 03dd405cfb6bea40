// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Error mapping, to the exact Winsock code.  Each case runs non-overlapped;
 * where the check is libwsa's own (before any kernel call), the overlapped
 * form is checked too, and with the module loaded the overlapped form of
 * the kernel-detected errors as well.
 */
#include "kselftest_harness.h"
#include "wsa_test.h"

/* WSASendTo both ways; returns the error (0 on success or pending). */
static int sendto_err(SOCKET s, const void *to, int tolen, DWORD flags,
		      char *buf, ULONG len, int overlapped)
{
	WSABUF wb = { len, buf };
	WSAOVERLAPPED ov;
	DWORD n;
	int r;

	memset(&ov, 0, sizeof(ov));
	WSASetLastError(0);
	r = WSASendTo(s, &wb, 1, &n, flags, (const struct sockaddr *)to, tolen,
		      overlapped ? &ov : NULL, NULL);
	if (r == 0)
		return 0;
	r = WSAGetLastError();
	if (r == WSA_IO_PENDING) {
		WSAGetOverlappedResult(s, &ov, &n, TRUE, &flags);
		return 0;
	}
	return r;
}

FIXTURE(udp) {
	SOCKET a, b;
	struct sockaddr_in aa, ba;
};

FIXTURE_SETUP(udp)
{
	ASSERT_EQ(0, wsa_start());
	self->a = wsa_udp4(&self->aa, WSA_FLAG_OVERLAPPED);
	self->b = wsa_udp4(&self->ba, WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, self->a);
	ASSERT_NE(INVALID_SOCKET, self->b);
}

FIXTURE_TEARDOWN(udp)
{
	closesocket(self->a);
	closesocket(self->b);
	WSACleanup();
}

#define BOTH_WAYS(expr_with_ovl, expected) do { \
	int ovl_; \
	for (ovl_ = 0; ovl_ < 2; ovl_++) { \
		int ovl = ovl_; \
		ASSERT_EQ(expected, (expr_with_ovl)); \
		(void)ovl; \
	} \
} while (0)

TEST_F(udp, send_after_shutdown)
{
	char c = 'x';

	/* Linux UDP would send: libwsa tracks SD_SEND */
	ASSERT_EQ(0, shutdown(self->a, SD_SEND));
	BOTH_WAYS(sendto_err(self->a, &self->ba, sizeof(self->ba), 0, &c, 1, ovl),
		  WSAESHUTDOWN);
	ASSERT_EQ(SOCKET_ERROR, send(self->a, &c, 1, 0));
	ASSERT_EQ(WSAESHUTDOWN, WSAGetLastError());
	ASSERT_FALSE(wsa_readable(self->b, 50));
}

TEST_F(udp, addr_any_and_port_zero)
{
	struct sockaddr_in any = self->ba, p0 = self->ba;
	char c = 'x';

	any.sin_addr.s_addr = htonl(INADDR_ANY);
	p0.sin_port = 0;
	BOTH_WAYS(sendto_err(self->a, &any, sizeof(any), 0, &c, 1, ovl),
		  WSAEADDRNOTAVAIL);
	BOTH_WAYS(sendto_err(self->a, &p0, sizeof(p0), 0, &c, 1, ovl),
		  WSAEADDRNOTAVAIL);
	ASSERT_EQ(SOCKET_ERROR, sendto(self->a, &c, 1, 0, (struct sockaddr *)&any, sizeof(any)));
	ASSERT_EQ(WSAEADDRNOTAVAIL, WSAGetLastError());
}

TEST_F(udp, tolen_too_small)
{
	char c = 'x';

	BOTH_WAYS(sendto_err(self->a, &self->ba, sizeof(self->ba) - 1, 0, &c, 1, ovl),
		  WSAEFAULT);
	BOTH_WAYS(sendto_err(self->a, &self->ba, 1, 0, &c, 1, ovl), WSAEFAULT);
}

TEST_F(udp, family_mismatch)
{
	struct sockaddr_in6 six;
	char c = 'x';

	memset(&six, 0, sizeof(six));
	six.sin6_family = AF_INET6;
	six.sin6_addr = in6addr_loopback;
	six.sin6_port = htons(9);
	BOTH_WAYS(sendto_err(self->a, &six, sizeof(six), 0, &c, 1, ovl),
		  WSAEAFNOSUPPORT);
}

TEST_F(udp, partial_and_oob)
{
	char c = 'x';
	DWORD n, flags = MSG_PARTIAL;
	WSABUF wb = { 1, &c };
	WSAOVERLAPPED ov = { 0 };

	BOTH_WAYS(sendto_err(self->a, &self->ba, sizeof(self->ba), MSG_PARTIAL, &c, 1, ovl),
		  WSAEOPNOTSUPP);
	BOTH_WAYS(sendto_err(self->a, &self->ba, sizeof(self->ba), MSG_OOB, &c, 1, ovl),
		  WSAEOPNOTSUPP);
	ASSERT_EQ(SOCKET_ERROR, WSARecv(self->b, &wb, 1, &n, &flags, NULL, NULL));
	ASSERT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
	flags = MSG_OOB;
	ASSERT_EQ(SOCKET_ERROR, WSARecv(self->b, &wb, 1, &n, &flags, &ov, NULL));
	ASSERT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
	ASSERT_FALSE(wsa_readable(self->b, 20));
}

TEST_F(udp, message_too_long_sends_nothing)
{
	static char big[65508];
	DWORD max = 0;
	int len = sizeof(max);

	ASSERT_EQ(0, getsockopt(self->a, SOL_SOCKET, SO_MAX_MSG_SIZE, (char *)&max, &len));
	ASSERT_EQ(sizeof(big) - 1, max);
	ASSERT_EQ(WSAEMSGSIZE, sendto_err(self->a, &self->ba, sizeof(self->ba), 0,
					  big, sizeof(big), 0));
	if (wsa_have_device())
		ASSERT_EQ(WSAEMSGSIZE, sendto_err(self->a, &self->ba, sizeof(self->ba),
						  0, big, sizeof(big), 1));
	ASSERT_FALSE(wsa_readable(self->b, 50));
	/* exactly the maximum goes */
	ASSERT_EQ(0, sendto_err(self->a, &self->ba, sizeof(self->ba), 0, big, max, 0));
	ASSERT_TRUE(wsa_readable(self->b, 1000));
}

TEST_F(udp, broadcast_needs_so_broadcast)
{
	struct sockaddr_in bc = self->ba;
	BOOL on = TRUE;
	char c = 'x';

	/* 127.255.255.255 is the broadcast address of lo's 127.0.0.0/8 */
	bc.sin_addr.s_addr = htonl(0x7fffffff);
	ASSERT_EQ(WSAEACCES, sendto_err(self->a, &bc, sizeof(bc), 0, &c, 1, 0));
	if (wsa_have_device())
		ASSERT_EQ(WSAEACCES, sendto_err(self->a, &bc, sizeof(bc), 0, &c, 1, 1));
	ASSERT_EQ(0, setsockopt(self->a, SOL_SOCKET, SO_BROADCAST, (char *)&on, sizeof(on)));
	ASSERT_EQ(0, sendto_err(self->a, &bc, sizeof(bc), 0, &c, 1, 0));
}

TEST_F(udp, icmp_port_unreachable_is_connreset)
{
	struct sockaddr_in dead = wsa_loop4(0);
	SOCKET d = wsa_udp4(&dead, 0);
	char c = 'x', in[8];
	WSABUF rb = { sizeof(in), in };
	DWORD n, flags = 0;
	int ovl;

	closesocket(d);		/* nobody listens there now */
	for (ovl = 0; ovl < 2; ovl++) {
		WSAOVERLAPPED ov = { 0 };
		int r;

		if (ovl && !wsa_have_device())
			break;
		/* unconnected socket: the error comes on a later call */
		ASSERT_EQ(0, sendto_err(self->a, &dead, sizeof(dead), 0, &c, 1, ovl));
		usleep(50000);
		flags = 0;
		r = WSARecvFrom(self->a, &rb, 1, &n, &flags, NULL, NULL,
				ovl ? &ov : NULL, NULL);
		ASSERT_EQ(SOCKET_ERROR, r);
		if (ovl && WSAGetLastError() == WSA_IO_PENDING) {
			ASSERT_EQ(FALSE, WSAGetOverlappedResult(self->a, &ov, &n, TRUE, &flags));
		}
		ASSERT_EQ(WSAECONNRESET, WSAGetLastError());
		/* reported once: the socket works again */
		ASSERT_EQ(0, sendto_err(self->a, &self->ba, sizeof(self->ba), 0, &c, 1, 0));
		ASSERT_EQ(1, recv(self->b, in, sizeof(in), 0));
	}
}

TEST_F(udp, recv_on_unbound_is_einval)
{
	SOCKET u = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	char in[8];
	WSABUF rb = { sizeof(in), in };
	DWORD n, flags = 0;
	WSAOVERLAPPED ov = { 0 };

	ASSERT_EQ(SOCKET_ERROR, WSARecv(u, &rb, 1, &n, &flags, NULL, NULL));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSARecvFrom(u, &rb, 1, &n, &flags, NULL, NULL, &ov, NULL));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, recv(u, in, sizeof(in), 0));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	closesocket(u);
}

TEST_F(udp, truncation_is_emsgsize_with_data)
{
	char in[4];
	WSABUF rb = { sizeof(in), in };
	DWORD n = 0, flags = 0;

	ASSERT_EQ(0, sendto_err(self->a, &self->ba, sizeof(self->ba), 0, "abcdefgh", 8, 0));
	ASSERT_EQ(SOCKET_ERROR, WSARecv(self->b, &rb, 1, &n, &flags, NULL, NULL));
	ASSERT_EQ(WSAEMSGSIZE, WSAGetLastError());
	ASSERT_EQ(4, n);
	ASSERT_EQ(MSG_TRUNC, flags);
	ASSERT_EQ(0, memcmp(in, "abcd", 4));
	/* the rest is gone */
	ASSERT_FALSE(wsa_readable(self->b, 20));
	ASSERT_EQ(0, sendto_err(self->a, &self->ba, sizeof(self->ba), 0, "12345678", 8, 0));
	ASSERT_EQ(SOCKET_ERROR, recv(self->b, in, sizeof(in), 0));
	ASSERT_EQ(WSAEMSGSIZE, WSAGetLastError());
}

TEST_F(udp, wsamsg_faults)
{
	LPFN_WSARECVMSG WSARecvMsg = get_recvmsg(self->b);
	char in[8], ctl[64];
	WSABUF rb = { sizeof(in), in };
	WSAMSG m;
	DWORD n;
	int ovl;

	for (ovl = 0; ovl < 2; ovl++) {
		WSAOVERLAPPED ov = { 0 };
		LPWSAOVERLAPPED pov = ovl ? &ov : NULL;

		memset(&m, 0, sizeof(m));
		m.lpBuffers = &rb;
		m.dwBufferCount = 1;
		m.namelen = 16;		/* name NULL, namelen != 0 */
		ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(self->b, &m, &n, pov, NULL));
		ASSERT_EQ(WSAEFAULT, WSAGetLastError());
		m.namelen = 0;
		m.Control.len = sizeof(ctl);	/* Control.buf NULL, len != 0 */
		ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(self->b, &m, &n, pov, NULL));
		ASSERT_EQ(WSAEFAULT, WSAGetLastError());
		ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(self->b, NULL, &n, pov, NULL));
		ASSERT_EQ(WSAEFAULT, WSAGetLastError());
		ASSERT_EQ(SOCKET_ERROR, WSASendMsg(self->b, &m, 0, &n, pov, NULL));
		ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	}
	/* MSG_PEEK: non-overlapped only */
	memset(&m, 0, sizeof(m));
	m.lpBuffers = &rb;
	m.dwBufferCount = 1;
	m.dwFlags = MSG_PEEK;
	{
		WSAOVERLAPPED ov = { 0 };

		ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(self->b, &m, &n, &ov, NULL));
		ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	}
	ASSERT_EQ(0, sendto_err(self->a, &self->ba, sizeof(self->ba), 0, "pk", 2, 0));
	ASSERT_EQ(0, WSARecvMsg(self->b, &m, &n, NULL, NULL));
	ASSERT_EQ(2, n);
	ASSERT_TRUE(wsa_readable(self->b, 0));	/* still there */
	m.dwFlags = MSG_OOB;
	ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(self->b, &m, &n, NULL, NULL));
	ASSERT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
}

TEST_F(udp, null_byte_count_without_overlapped)
{
	WSABUF wb = { 1, "x" };
	DWORD flags = 0;

	ASSERT_EQ(SOCKET_ERROR, WSASendTo(self->a, &wb, 1, NULL, 0,
					  (struct sockaddr *)&self->ba, sizeof(self->ba),
					  NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSASend(self->a, &wb, 1, NULL, 0, NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSARecv(self->a, &wb, 1, NULL, &flags, NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSARecv(self->a, &wb, 1, NULL, NULL, NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_FALSE(wsa_readable(self->b, 20));
}

TEST_F(udp, fromlen_too_small)
{
	struct sockaddr_in from;
	int fromlen = sizeof(from) - 1;
	char in[8];
	WSABUF rb = { sizeof(in), in };
	DWORD n, flags = 0;
	WSAOVERLAPPED ov = { 0 };

	ASSERT_EQ(SOCKET_ERROR, WSARecvFrom(self->b, &rb, 1, &n, &flags,
					    (struct sockaddr *)&from, &fromlen, NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSARecvFrom(self->b, &rb, 1, &n, &flags,
					    (struct sockaddr *)&from, &fromlen, &ov, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSARecvFrom(self->b, &rb, 1, &n, &flags,
					    (struct sockaddr *)&from, NULL, NULL, NULL));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
}

TEST_F(udp, not_overlapped_socket_used_overlapped)
{
	SOCKET plain = wsa_udp4(NULL, 0);	/* no WSA_FLAG_OVERLAPPED */
	char c = 'x';
	WSABUF wb = { 1, &c };
	WSAOVERLAPPED ov = { 0 };
	DWORD n;

	ASSERT_EQ(SOCKET_ERROR, WSASendTo(plain, &wb, 1, &n, 0, (struct sockaddr *)&self->ba,
					  sizeof(self->ba), &ov, NULL));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	/* non-overlapped use is fine */
	ASSERT_EQ(0, WSASendTo(plain, &wb, 1, &n, 0, (struct sockaddr *)&self->ba,
			       sizeof(self->ba), NULL, NULL));
	ASSERT_EQ(1, n);
	closesocket(plain);
}

TEST(stream_errors)
{
	SOCKET t, c, a;
	WSABUF wb = { 1, "x" };
	char in[8];
	WSABUF rb = { sizeof(in), in };
	DWORD n, flags = 0;
	WSAOVERLAPPED ov = { 0 };
	LPFN_WSARECVMSG WSARecvMsg;
	WSAMSG m;

	ASSERT_EQ(0, wsa_start());
	t = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
	/* never connected: WSAENOTCONN (Linux says EPIPE) */
	ASSERT_EQ(SOCKET_ERROR, WSASend(t, &wb, 1, &n, 0, NULL, NULL));
	ASSERT_EQ(WSAENOTCONN, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, send(t, "x", 1, 0));
	ASSERT_EQ(WSAENOTCONN, WSAGetLastError());
	if (wsa_have_device()) {
		ASSERT_EQ(SOCKET_ERROR, WSASend(t, &wb, 1, &n, 0, &ov, NULL));
		ASSERT_EQ(WSAENOTCONN, WSAGetLastError());
	}
	ASSERT_EQ(SOCKET_ERROR, shutdown(t, SD_SEND));
	ASSERT_EQ(WSAENOTCONN, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, recv(t, in, sizeof(in), 0));
	ASSERT_EQ(WSAENOTCONN, WSAGetLastError());
	/* WSARecvMsg is for datagrams only */
	WSARecvMsg = get_recvmsg(t);
	memset(&m, 0, sizeof(m));
	m.lpBuffers = &rb;
	m.dwBufferCount = 1;
	ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(t, &m, &n, NULL, NULL));
	ASSERT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
	closesocket(t);

	/* after shutdown(SD_SEND): WSAESHUTDOWN, both ways */
	ASSERT_EQ(0, wsa_tcp_pair(&c, &a, WSA_FLAG_OVERLAPPED));
	ASSERT_EQ(0, shutdown(c, SD_SEND));
	ASSERT_EQ(SOCKET_ERROR, WSASend(c, &wb, 1, &n, 0, NULL, NULL));
	ASSERT_EQ(WSAESHUTDOWN, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSASend(c, &wb, 1, &n, 0, &ov, NULL));
	ASSERT_EQ(WSAESHUTDOWN, WSAGetLastError());
	ASSERT_EQ(0, shutdown(a, SD_RECEIVE));
	ASSERT_EQ(SOCKET_ERROR, WSARecv(a, &rb, 1, &n, &flags, NULL, NULL));
	ASSERT_EQ(WSAESHUTDOWN, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, shutdown(a, 7));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());
	/* MSG_OOB is fine on a stream */
	ASSERT_EQ(1, send(a, "!", 1, MSG_OOB));
	closesocket(c);
	closesocket(a);
	WSACleanup();
}

TEST(bad_sockets)
{
	WSABUF wb = { 1, "x" };
	DWORD n, flags = 0;
	int fds[2];
	WSAOVERLAPPED ov = { 0 };

	ASSERT_EQ(0, wsa_start());
	ASSERT_EQ(SOCKET_ERROR, WSASend(INVALID_SOCKET, &wb, 1, &n, 0, NULL, NULL));
	ASSERT_EQ(WSAENOTSOCK, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSASend((SOCKET)9999, &wb, 1, &n, 0, &ov, NULL));
	ASSERT_EQ(WSAENOTSOCK, WSAGetLastError());
	ASSERT_EQ(0, pipe(fds));
	ASSERT_EQ(SOCKET_ERROR, WSARecv((SOCKET)fds[0], &wb, 1, &n, &flags, NULL, NULL));
	ASSERT_EQ(WSAENOTSOCK, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, closesocket((SOCKET)fds[0]));
	ASSERT_EQ(WSAENOTSOCK, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, closesocket((SOCKET)9999));
	ASSERT_EQ(WSAENOTSOCK, WSAGetLastError());
	close(fds[0]);
	close(fds[1]);
	ASSERT_EQ(INVALID_SOCKET, socket(AF_INET, 77, 0));
	ASSERT_EQ(WSAESOCKTNOSUPPORT, WSAGetLastError());
	ASSERT_EQ(INVALID_SOCKET, socket(12345, SOCK_DGRAM, 0));
	ASSERT_EQ(WSAEAFNOSUPPORT, WSAGetLastError());
	ASSERT_EQ(INVALID_SOCKET, socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP));
	ASSERT_EQ(WSAEPROTONOSUPPORT, WSAGetLastError());
	WSACleanup();
	/* after the last cleanup */
	ASSERT_EQ(SOCKET_ERROR, WSASend(INVALID_SOCKET, &wb, 1, &n, 0, NULL, NULL));
	ASSERT_EQ(WSANOTINITIALISED, WSAGetLastError());
}

TEST(bind_and_connect_errors)
{
	struct sockaddr_in a = wsa_loop4(0);
	int len = sizeof(a);
	SOCKET s1, s2;

	ASSERT_EQ(0, wsa_start());
	s1 = socket(AF_INET, SOCK_DGRAM, 0);
	s2 = socket(AF_INET, SOCK_DGRAM, 0);
	ASSERT_EQ(SOCKET_ERROR, bind(s1, (struct sockaddr *)&a, sizeof(a) - 1));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(0, bind(s1, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, getsockname(s1, (struct sockaddr *)&a, &len));
	ASSERT_EQ(SOCKET_ERROR, bind(s2, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(WSAEADDRINUSE, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, bind(s1, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(WSAEINVAL, WSAGetLastError());	/* already bound */
	ASSERT_EQ(SOCKET_ERROR, listen(s1, 1));
	ASSERT_EQ(WSAEOPNOTSUPP, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, connect(s2, (struct sockaddr *)&a, 3));
	ASSERT_EQ(WSAEFAULT, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, getpeername(s2, (struct sockaddr *)&a, &len));
	ASSERT_EQ(WSAENOTCONN, WSAGetLastError());
	closesocket(s1);
	closesocket(s2);
	WSACleanup();
}

TEST_HARNESS_MAIN
