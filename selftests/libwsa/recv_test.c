// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Overlapped receives: WSARecv / WSARecvFrom / WSARecvMsg pending and
 * immediate, outputs written back (from, fromlen, flags, namelen,
 * Control.len, dwFlags), truncation, packet info, completion routines
 * (re-arming from a routine, no nesting per socket), ordering, streams.
 */
#include "kselftest_harness.h"
#include "wsa_test.h"

FIXTURE(rx) {
	SOCKET a, b;
	struct sockaddr_in aa, ba;
	WSAEVENT ev;
};

FIXTURE_SETUP(rx)
{
	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	self->a = wsa_udp4(&self->aa, WSA_FLAG_OVERLAPPED);
	self->b = wsa_udp4(&self->ba, WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, self->a);
	ASSERT_NE(INVALID_SOCKET, self->b);
	self->ev = WSACreateEvent();
}

FIXTURE_TEARDOWN(rx)
{
	RETURN_IF_SKIPPED();
	closesocket(self->a);
	closesocket(self->b);
	WSACloseEvent(self->ev);
	WSACleanup();
}

static void send_to(SOCKET s, const struct sockaddr_in *to, const char *data, int len)
{
	sendto(s, data, len, 0, (const struct sockaddr *)to, sizeof(*to));
}

TEST_F(rx, pending_recvfrom_event)
{
	struct sockaddr_in from;
	int fromlen = sizeof(from) + 8;	/* larger than needed: set to 16 */
	char in[64];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED ov = { 0 };
	DWORD n = 0xdead, flags = 0, fl = 0xdead;

	RETURN_IF_SKIPPED();
	ov.hEvent = self->ev;
	WSASetEvent(self->ev);
	memset(&from, 0, sizeof(from));
	ASSERT_EQ(SOCKET_ERROR, WSARecvFrom(self->b, &rb, 1, &n, &flags,
					    (struct sockaddr *)&from, &fromlen, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0xdead, n);			/* untouched */
	ASSERT_EQ(STATUS_PENDING, ov.Internal);
	ASSERT_FALSE(HasOverlappedIoCompleted(&ov));
	/* hEvent was reset at issue */
	ASSERT_EQ(WSA_WAIT_TIMEOUT, WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 50, TRUE));
	ASSERT_EQ(FALSE, WSAGetOverlappedResult(self->b, &ov, &n, FALSE, &fl));
	ASSERT_EQ(WSA_IO_INCOMPLETE, WSAGetLastError());
	send_to(self->a, &self->ba, "overlapped!", 11);
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 5000, FALSE));
	ASSERT_TRUE(HasOverlappedIoCompleted(&ov));
	ASSERT_EQ(0, ov.Internal);
	ASSERT_EQ(11, ov.InternalHigh);
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->b, &ov, &n, FALSE, &fl));
	ASSERT_EQ(11, n);
	ASSERT_EQ(0, fl);
	ASSERT_EQ(sizeof(struct sockaddr_in), fromlen);
	ASSERT_EQ(AF_INET, from.sin_family);
	ASSERT_EQ(self->aa.sin_port, from.sin_port);
	ASSERT_EQ(self->aa.sin_addr.s_addr, from.sin_addr.s_addr);
	ASSERT_EQ(0, memcmp(in, "overlapped!", 11));
}

TEST_F(rx, immediate_recvfrom)
{
	struct sockaddr_in from;
	int fromlen = sizeof(from);
	char in[64];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED ov = { 0 };
	DWORD n = 0, flags = 0, fl;

	RETURN_IF_SKIPPED();
	send_to(self->a, &self->ba, "now", 3);
	ASSERT_TRUE(wsa_readable(self->b, 1000));
	ov.hEvent = self->ev;
	ASSERT_EQ(0, WSARecvFrom(self->b, &rb, 1, &n, &flags, (struct sockaddr *)&from,
				 &fromlen, &ov, NULL));
	ASSERT_EQ(3, n);
	ASSERT_EQ(0, flags);
	ASSERT_EQ(sizeof(from), fromlen);
	ASSERT_EQ(self->aa.sin_port, from.sin_port);
	/* completion still indicated: event set, status written */
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE));
	ASSERT_EQ(0, ov.Internal);
	ASSERT_EQ(3, ov.InternalHigh);
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->b, &ov, &n, FALSE, &fl));
	ASSERT_EQ(3, n);
}

TEST_F(rx, truncation_pending_and_immediate)
{
	char in[4];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED ov = { 0 };
	DWORD n = 0, flags = 0, fl = 0;

	RETURN_IF_SKIPPED();
	ov.hEvent = self->ev;
	ASSERT_EQ(SOCKET_ERROR, WSARecv(self->b, &rb, 1, &n, &flags, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	send_to(self->a, &self->ba, "abcdefgh", 8);
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 5000, FALSE));
	ASSERT_EQ(0x80000005, (DWORD)ov.Internal);	/* STATUS_BUFFER_OVERFLOW */
	ASSERT_EQ(FALSE, WSAGetOverlappedResult(self->b, &ov, &n, FALSE, &fl));
	ASSERT_EQ(WSAEMSGSIZE, WSAGetLastError());
	ASSERT_EQ(4, n);
	ASSERT_EQ(MSG_TRUNC, fl & MSG_TRUNC);
	ASSERT_EQ(MSG_TRUNC, flags & MSG_TRUNC);	/* lpFlags written too */
	ASSERT_EQ(0, memcmp(in, "abcd", 4));
	/* immediate */
	send_to(self->a, &self->ba, "ABCDEFGH", 8);
	ASSERT_TRUE(wsa_readable(self->b, 1000));
	flags = 0;
	n = 0;
	ASSERT_EQ(SOCKET_ERROR, WSARecv(self->b, &rb, 1, &n, &flags, &ov, NULL));
	ASSERT_EQ(WSAEMSGSIZE, WSAGetLastError());
	ASSERT_EQ(4, n);
	ASSERT_EQ(MSG_TRUNC, flags & MSG_TRUNC);
	ASSERT_EQ(0, memcmp(in, "ABCD", 4));
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 0, FALSE));
}

TEST_F(rx, recvmsg_pktinfo_overlapped)
{
	LPFN_WSARECVMSG WSARecvMsg = get_recvmsg(self->b);
	char ctl[128], in[32];
	WSABUF rb = { sizeof(in), in };
	struct sockaddr_in from;
	WSAOVERLAPPED ov = { 0 };
	WSACMSGHDR *c;
	WSAMSG m;
	DWORD n = 0, fl, on = 1;
	int found = 0;

	RETURN_IF_SKIPPED();
	ASSERT_EQ(0, setsockopt(self->b, IPPROTO_IP, IP_PKTINFO, (char *)&on, sizeof(on)));
	memset(&m, 0, sizeof(m));
	m.name = (struct sockaddr *)&from;
	m.namelen = sizeof(from);
	m.lpBuffers = &rb;
	m.dwBufferCount = 1;
	m.Control.buf = ctl;
	m.Control.len = sizeof(ctl);
	m.dwFlags = 0;
	ov.hEvent = self->ev;
	ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(self->b, &m, NULL, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	send_to(self->a, &self->ba, "pkt", 3);
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->b, &ov, &n, TRUE, &fl));
	ASSERT_EQ(3, n);
	ASSERT_EQ(sizeof(from), m.namelen);
	ASSERT_EQ(self->aa.sin_port, from.sin_port);
	ASSERT_EQ(WSA_CMSG_SPACE(sizeof(IN_PKTINFO)), m.Control.len);
	ASSERT_EQ(0, m.dwFlags);
	for (c = WSA_CMSG_FIRSTHDR(&m); c; c = WSA_CMSG_NXTHDR(&m, c)) {
		ASSERT_EQ(IPPROTO_IP, c->cmsg_level);
		ASSERT_EQ(IP_PKTINFO, c->cmsg_type);
		ASSERT_EQ(htonl(INADDR_LOOPBACK), ((IN_PKTINFO *)WSA_CMSG_DATA(c))->ipi_addr.s_addr);
		found++;
	}
	ASSERT_EQ(1, found);
	/* immediate, with control truncated: MSG_CTRUNC */
	send_to(self->a, &self->ba, "pk2", 3);
	ASSERT_TRUE(wsa_readable(self->b, 1000));
	m.namelen = sizeof(from);
	m.Control.len = 8;
	m.dwFlags = 0;
	ASSERT_EQ(0, WSARecvMsg(self->b, &m, &n, &ov, NULL));
	ASSERT_EQ(3, n);
	ASSERT_EQ(MSG_CTRUNC, m.dwFlags & MSG_CTRUNC);
}

TEST_F(rx, recvmsg_broadcast_flag)
{
	LPFN_WSARECVMSG WSARecvMsg;
	struct sockaddr_in any = wsa_loop4(0), bc;
	int len = sizeof(any);
	char ctl[128], in[8];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED ov = { 0 };
	WSAMSG m;
	DWORD n = 0, fl, on = 1;
	SOCKET r = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);

	RETURN_IF_SKIPPED();
	any.sin_addr.s_addr = htonl(INADDR_ANY);
	ASSERT_EQ(0, bind(r, (struct sockaddr *)&any, sizeof(any)));
	ASSERT_EQ(0, getsockname(r, (struct sockaddr *)&any, &len));
	ASSERT_EQ(0, setsockopt(r, IPPROTO_IP, IP_PKTINFO, (char *)&on, sizeof(on)));
	ASSERT_EQ(0, setsockopt(self->a, SOL_SOCKET, SO_BROADCAST, (char *)&on, sizeof(on)));
	WSARecvMsg = get_recvmsg(r);
	memset(&m, 0, sizeof(m));
	m.lpBuffers = &rb;
	m.dwBufferCount = 1;
	m.Control.buf = ctl;
	m.Control.len = sizeof(ctl);
	ov.hEvent = self->ev;
	ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(r, &m, NULL, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	bc = any;
	bc.sin_addr.s_addr = htonl(0x7fffffff);
	send_to(self->a, &bc, "bc", 2);
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(r, &ov, &n, TRUE, &fl));
	ASSERT_EQ(2, n);
	ASSERT_EQ(MSG_BCAST, m.dwFlags & MSG_BCAST);
	ASSERT_EQ(MSG_BCAST, fl & MSG_BCAST);
	ASSERT_EQ(0, m.dwFlags & MSG_MCAST);
	closesocket(r);
}

static struct {
	int calls;
	DWORD err[16], bytes[16], flags[16], tid[16];
	LPWSAOVERLAPPED ov[16];
	int rearm;
	SOCKET s;
	char buf[64];
	WSABUF wb;
	WSAOVERLAPPED rov;
	DWORD rflags;
	struct sockaddr_in from;
	int fromlen;
} rc;

static void CALLBACK recv_routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	int i = rc.calls++;

	rc.err[i] = err;
	rc.bytes[i] = bytes;
	rc.flags[i] = flags;
	rc.ov[i] = ov;
	rc.tid[i] = GetCurrentThreadId();
	if (rc.rearm > 0) {
		/* new overlapped I/O from inside a completion routine */
		rc.rearm--;
		rc.rflags = 0;
		rc.fromlen = sizeof(rc.from);
		WSARecvFrom(rc.s, &rc.wb, 1, NULL, &rc.rflags, (struct sockaddr *)&rc.from,
			    &rc.fromlen, &rc.rov, recv_routine);
	}
}

TEST_F(rx, routine_pending_and_rearm)
{
	int i;

	RETURN_IF_SKIPPED();
	memset(&rc, 0, sizeof(rc));
	rc.s = self->b;
	rc.wb.buf = rc.buf;
	rc.wb.len = sizeof(rc.buf);
	rc.rearm = 2;
	rc.fromlen = sizeof(rc.from);
	rc.rov.hEvent = self->ev;	/* context: must stay untouched */
	WSASetEvent(self->ev);
	ASSERT_EQ(SOCKET_ERROR, WSARecvFrom(self->b, &rc.wb, 1, NULL, &rc.rflags,
					    (struct sockaddr *)&rc.from, &rc.fromlen,
					    &rc.rov, recv_routine));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, SleepEx(50, TRUE));	/* nothing yet */
	for (i = 0; i < 3; i++) {
		char msg[8];

		snprintf(msg, sizeof(msg), "m%d", i);
		send_to(self->a, &self->ba, msg, (int)strlen(msg) + 1);
		ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
		ASSERT_EQ(i + 1, rc.calls);
		ASSERT_EQ(0, rc.err[i]);
		ASSERT_EQ(3, rc.bytes[i]);
		ASSERT_EQ(&rc.rov, rc.ov[i]);
		ASSERT_EQ(GetCurrentThreadId(), rc.tid[i]);
		ASSERT_EQ(0, strcmp(rc.buf, msg));
		ASSERT_EQ(sizeof(rc.from), rc.fromlen);
		ASSERT_EQ(self->aa.sin_port, rc.from.sin_port);
	}
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &self->ev, FALSE, 0, FALSE));
	ASSERT_EQ(self->ev, rc.rov.hEvent);
	ASSERT_EQ(0, SleepEx(30, TRUE));
}

TEST_F(rx, routine_truncated)
{
	char in[2];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED ov = { 0 };
	DWORD flags = 0;

	RETURN_IF_SKIPPED();
	memset(&rc, 0, sizeof(rc));
	ASSERT_EQ(SOCKET_ERROR, WSARecv(self->b, &rb, 1, NULL, &flags, &ov, recv_routine));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	send_to(self->a, &self->ba, "toolong", 7);
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
	ASSERT_EQ(1, rc.calls);
	ASSERT_EQ(WSAEMSGSIZE, rc.err[0]);
	ASSERT_EQ(2, rc.bytes[0]);
	ASSERT_EQ(MSG_TRUNC, rc.flags[0] & MSG_TRUNC);
}

TEST_F(rx, ordering_of_pending_receives)
{
	WSAOVERLAPPED ov[4];
	WSAEVENT ev[4];
	char in[4][8];
	WSABUF rb[4];
	DWORD flags[4], n, fl;
	int i;

	RETURN_IF_SKIPPED();
	for (i = 0; i < 4; i++) {
		memset(&ov[i], 0, sizeof(ov[i]));
		ev[i] = ov[i].hEvent = WSACreateEvent();
		rb[i].buf = in[i];
		rb[i].len = sizeof(in[i]);
		flags[i] = 0;
		ASSERT_EQ(SOCKET_ERROR, WSARecv(self->b, &rb[i], 1, NULL, &flags[i], &ov[i], NULL));
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	}
	for (i = 0; i < 4; i++) {
		char msg[2] = { (char)('0' + i), 0 };

		send_to(self->a, &self->ba, msg, 2);
	}
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(4, ev, TRUE, 5000, FALSE));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->b, &ov[i], &n, FALSE, &fl));
		ASSERT_EQ(2, n);
		ASSERT_EQ('0' + i, in[i][0]);	/* posted buffers fill in order */
		WSACloseEvent(ev[i]);
	}
}

/* No nesting: a routine for socket b waiting alertably does not get b's
 * next completion, but does get another socket's. */
static struct {
	SOCKET b, other;
	int depth, max_depth_b, calls_b, calls_other, inner_ret;
	WSAOVERLAPPED ov[3];
	char buf[3][8];
	WSABUF wb[3];
	DWORD flags[3];
} nn;

static void CALLBACK nest_routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	(void)err; (void)bytes; (void)flags;
	if (ov == &nn.ov[2]) {
		nn.calls_other++;
		return;
	}
	nn.calls_b++;
	nn.depth++;
	if (nn.depth > nn.max_depth_b)
		nn.max_depth_b = nn.depth;
	if (nn.calls_b == 1)
		nn.inner_ret = (int)SleepEx(0, TRUE);
	nn.depth--;
}

TEST_F(rx, routines_not_nested_per_socket)
{
	struct sockaddr_in oa;
	int i;

	RETURN_IF_SKIPPED();
	memset(&nn, 0, sizeof(nn));
	nn.b = self->b;
	nn.other = wsa_udp4(&oa, WSA_FLAG_OVERLAPPED);
	for (i = 0; i < 3; i++) {
		nn.wb[i].buf = nn.buf[i];
		nn.wb[i].len = sizeof(nn.buf[i]);
		ASSERT_EQ(SOCKET_ERROR, WSARecv(i < 2 ? self->b : nn.other, &nn.wb[i], 1, NULL,
						&nn.flags[i], &nn.ov[i], nest_routine));
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	}
	send_to(self->a, &self->ba, "1", 1);
	send_to(self->a, &self->ba, "2", 1);
	send_to(self->a, &oa, "3", 1);
	usleep(100000);
	while (nn.calls_b + nn.calls_other < 3)
		ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
	ASSERT_EQ(2, nn.calls_b);
	ASSERT_EQ(1, nn.calls_other);
	ASSERT_EQ(1, nn.max_depth_b);		/* b's routines never nested */
	closesocket(nn.other);
}

TEST(stream_receives)
{
	SOCKET c, a;
	char in[16], big[64];
	WSABUF rb = { sizeof(in), in }, zb = { 0, NULL }, bb = { sizeof(big), big };
	WSAOVERLAPPED ov = { 0 };
	DWORD n = 0, flags = 0, fl;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	ASSERT_EQ(0, wsa_tcp_pair(&c, &a, WSA_FLAG_OVERLAPPED));
	ov.hEvent = WSACreateEvent();
	/* pending, then some bytes: completes with what is there */
	ASSERT_EQ(SOCKET_ERROR, WSARecv(a, &rb, 1, &n, &flags, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(5, send(c, "hello", 5, 0));
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(a, &ov, &n, TRUE, &fl));
	ASSERT_EQ(5, n);
	ASSERT_EQ(0, memcmp(in, "hello", 5));
	/* zero-byte receive: completes when data is there, takes nothing */
	ASSERT_EQ(SOCKET_ERROR, WSARecv(a, &zb, 1, &n, &flags, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(3, send(c, "xyz", 3, 0));
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(a, &ov, &n, TRUE, &fl));
	ASSERT_EQ(0, n);
	/* MSG_WAITALL: fills the whole buffer */
	flags = MSG_WAITALL;
	ASSERT_EQ(SOCKET_ERROR, WSARecv(a, &bb, 1, &n, &flags, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(60, send(c, big, 60, 0));
	ASSERT_EQ(WSA_WAIT_TIMEOUT, WaitForSingleObject(ov.hEvent, 50));
	ASSERT_EQ(1, send(c, "!", 1, 0));
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(a, &ov, &n, TRUE, &fl));
	ASSERT_EQ(64, n);
	ASSERT_EQ(0, memcmp(big, "xyz", 3));
	/* end of stream: 0 bytes */
	flags = 0;
	ASSERT_EQ(SOCKET_ERROR, WSARecv(a, &rb, 1, &n, &flags, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, shutdown(c, SD_SEND));
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(a, &ov, &n, TRUE, &fl));
	ASSERT_EQ(0, n);
	WSACloseEvent(ov.hEvent);
	closesocket(c);
	closesocket(a);
	WSACleanup();
}

struct issuer {
	SOCKET s;
	WSAOVERLAPPED ov;
	char buf[8];
	WSABUF wb;
	DWORD flags;
};

static DWORD WINAPI issue_and_wait(LPVOID arg)
{
	struct issuer *is = arg;

	is->wb.buf = is->buf;
	is->wb.len = sizeof(is->buf);
	if (WSARecv(is->s, &is->wb, 1, NULL, &is->flags, &is->ov, NULL) == 0 ||
	    WSAGetLastError() != WSA_IO_PENDING)
		return 1;
	return WSAWaitForMultipleEvents(1, &is->ov.hEvent, FALSE, 5000, FALSE);
}

TEST_F(rx, event_completion_seen_by_other_thread)
{
	struct issuer is = { 0 };
	DWORD n, fl, code = 99;
	HANDLE h;

	RETURN_IF_SKIPPED();
	is.s = self->b;
	is.ov.hEvent = self->ev;
	h = CreateThread(NULL, 0, issue_and_wait, &is, 0, NULL);
	usleep(100000);
	send_to(self->a, &self->ba, "thr", 3);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 5000));
	ASSERT_EQ(TRUE, GetExitCodeThread(h, &code));
	ASSERT_EQ(WSA_WAIT_EVENT_0, code);
	/* the issuing thread has exited, but its op had completed */
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->b, &is.ov, &n, FALSE, &fl));
	ASSERT_EQ(3, n);
	CloseHandle(h);
}

TEST(dual_stack_pktinfo)
{
	LPFN_WSARECVMSG WSARecvMsg;
	struct sockaddr_in6 six, from;
	struct sockaddr_in to4 = wsa_loop4(0);
	int len = sizeof(six), v6only = 0, on = 1, pass, lvl4 = 0, lvl6 = 0;
	char ctl[256], in[8];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED ov = { 0 };
	WSACMSGHDR *c;
	WSAMSG m;
	DWORD n, fl;
	SOCKET d, s4;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	d = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
	if (d == INVALID_SOCKET)
		SKIP(return, "no IPv6");
	/* IPv6-only by default, as on Windows */
	ASSERT_EQ(0, getsockopt(d, IPPROTO_IPV6, IPV6_V6ONLY, (char *)&v6only, &len));
	ASSERT_EQ(1, v6only);
	v6only = 0;
	ASSERT_EQ(0, setsockopt(d, IPPROTO_IPV6, IPV6_V6ONLY, (char *)&v6only, sizeof(v6only)));
	memset(&six, 0, sizeof(six));
	six.sin6_family = AF_INET6;
	six.sin6_addr = in6addr_any;
	ASSERT_EQ(0, bind(d, (struct sockaddr *)&six, sizeof(six)));
	len = sizeof(six);
	ASSERT_EQ(0, getsockname(d, (struct sockaddr *)&six, &len));
	to4.sin_port = six.sin6_port;
	s4 = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	WSARecvMsg = get_recvmsg(d);
	ov.hEvent = WSACreateEvent();
	for (pass = 0; pass < 2; pass++) {
		/* pass 0: IPV6_PKTINFO only; pass 1: IP_PKTINFO too (the spec's rule
		 * for IPv4 datagrams on a dual-stack socket) */
		ASSERT_EQ(0, pass == 0
			  ? setsockopt(d, IPPROTO_IPV6, IPV6_PKTINFO, (char *)&on, sizeof(on))
			  : setsockopt(d, IPPROTO_IP, IP_PKTINFO, (char *)&on, sizeof(on)));
		memset(&m, 0, sizeof(m));
		m.name = (struct sockaddr *)&from;
		m.namelen = sizeof(from);
		m.lpBuffers = &rb;
		m.dwBufferCount = 1;
		m.Control.buf = ctl;
		m.Control.len = sizeof(ctl);
		ASSERT_EQ(SOCKET_ERROR, WSARecvMsg(d, &m, NULL, &ov, NULL));
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
		ASSERT_EQ(2, sendto(s4, "v4", 2, 0, (struct sockaddr *)&to4, sizeof(to4)));
		ASSERT_EQ(TRUE, WSAGetOverlappedResult(d, &ov, &n, TRUE, &fl));
		ASSERT_EQ(2, n);
		ASSERT_EQ(sizeof(struct sockaddr_in6), m.namelen);	/* v4-mapped */
		ASSERT_TRUE(IN6_IS_ADDR_V4MAPPED(&from.sin6_addr));
		lvl4 = lvl6 = 0;
		for (c = WSA_CMSG_FIRSTHDR(&m); c; c = WSA_CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				ASSERT_EQ(htonl(INADDR_LOOPBACK),
					  ((IN_PKTINFO *)WSA_CMSG_DATA(c))->ipi_addr.s_addr);
				lvl4++;
			}
			if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO)
				lvl6++;
		}
		/* IP_PKTINFO set: IPv4 packet info as IP_PKTINFO */
		ASSERT_EQ(pass == 1 ? 1 : 0, lvl4);
	}
	WSACloseEvent(ov.hEvent);
	closesocket(d);
	closesocket(s4);
	WSACleanup();
}

TEST_HARNESS_MAIN
