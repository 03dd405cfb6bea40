// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Overlapped sends: WSASendTo / WSASend / WSASendMsg / WSPSendTo with an
 * event or a completion routine, immediate completion semantics, the
 * status block, completion routines' thread and timing.
 */
#include "kselftest_harness.h"
#include "wsa_test.h"

#include <pthread.h>

FIXTURE(ovl) {
	SOCKET a, b;
	struct sockaddr_in aa, ba;
};

FIXTURE_SETUP(ovl)
{
	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	self->a = wsa_udp4(&self->aa, WSA_FLAG_OVERLAPPED);
	self->b = wsa_udp4(&self->ba, WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, self->a);
	ASSERT_NE(INVALID_SOCKET, self->b);
}

FIXTURE_TEARDOWN(ovl)
{
	RETURN_IF_SKIPPED();
	closesocket(self->a);
	closesocket(self->b);
	WSACleanup();
}

TEST_F(ovl, event_immediate_completion)
{
	char buf[1024] = "Data buffer to send", in[2048];
	WSABUF wb = { sizeof(buf), buf };
	WSAOVERLAPPED ov;
	DWORD sent = 0xdead, flags = 0xdead, n = 0;
	int r;

	RETURN_IF_SKIPPED();
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = WSACreateEvent();
	WSASetEvent(ov.hEvent);		/* reset at issue */
	r = WSASendTo(self->a, &wb, 1, &sent, 0, (struct sockaddr *)&self->ba,
		      sizeof(self->ba), &ov, NULL);
	if (r == SOCKET_ERROR) {
		/* a UDP send to loopback completes inline with this engine */
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
		ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE,
								  5000, TRUE));
	} else {
		ASSERT_EQ(0, r);
		ASSERT_EQ(sizeof(buf), sent);
	}
	/* the status block and event, without asking the library */
	ASSERT_TRUE(HasOverlappedIoCompleted(&ov));
	ASSERT_EQ(0, ov.Internal);
	ASSERT_EQ(sizeof(buf), ov.InternalHigh);
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, 0, FALSE));
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->a, &ov, &n, FALSE, &flags));
	ASSERT_EQ(sizeof(buf), n);
	ASSERT_EQ(0, flags);
	ASSERT_EQ(sizeof(buf), recv(self->b, in, sizeof(in), 0));
	ASSERT_EQ(0, memcmp(in, buf, sizeof(buf)));
	/* again without a byte count pointer */
	WSAResetEvent(ov.hEvent);
	r = WSASendTo(self->a, &wb, 1, NULL, 0, (struct sockaddr *)&self->ba,
		      sizeof(self->ba), &ov, NULL);
	ASSERT_TRUE(r == 0 || WSAGetLastError() == WSA_IO_PENDING);
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->a, &ov, &n, TRUE, &flags));
	ASSERT_EQ(sizeof(buf), n);
	ASSERT_EQ(sizeof(buf), recv(self->b, in, sizeof(in), 0));
	WSACloseEvent(ov.hEvent);
}

static struct {
	int calls;
	DWORD err, bytes, flags, tid;
	LPWSAOVERLAPPED ov;
} cr;

static void CALLBACK routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	cr.calls++;
	cr.err = err;
	cr.bytes = bytes;
	cr.ov = ov;
	cr.flags = flags;
	cr.tid = GetCurrentThreadId();
}

TEST_F(ovl, routine_immediate_runs_in_alertable_wait)
{
	char buf[100] = "r";
	WSABUF wb = { sizeof(buf), buf };
	WSAOVERLAPPED ov;
	WSAEVENT ctx = WSACreateEvent();
	DWORD sent = 0;
	int r;

	RETURN_IF_SKIPPED();
	memset(&cr, 0, sizeof(cr));
	memset(&ov, 0, sizeof(ov));
	ov.hEvent = ctx;		/* context for the routine: untouched */
	WSASetEvent(ctx);
	r = WSASendTo(self->a, &wb, 1, &sent, 0, (struct sockaddr *)&self->ba,
		      sizeof(self->ba), &ov, routine);
	ASSERT_TRUE(r == 0 || WSAGetLastError() == WSA_IO_PENDING);
	if (r == 0)
		ASSERT_EQ(sizeof(buf), sent);
	/* not before an alertable wait */
	usleep(20000);
	ASSERT_EQ(0, SleepEx(0, FALSE));
	ASSERT_EQ(0, cr.calls);
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
	ASSERT_EQ(1, cr.calls);
	ASSERT_EQ(0, cr.err);
	ASSERT_EQ(sizeof(buf), cr.bytes);
	ASSERT_EQ(0, cr.flags);
	ASSERT_EQ(&ov, cr.ov);
	ASSERT_EQ(GetCurrentThreadId(), cr.tid);
	ASSERT_EQ(ctx, ov.hEvent);
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ctx, FALSE, 0, FALSE));
	ASSERT_EQ(0, SleepEx(0, TRUE));		/* ran once only */
	ASSERT_EQ(1, cr.calls);
	ASSERT_EQ(sizeof(buf), recv(self->b, buf, sizeof(buf), 0));
	WSACloseEvent(ctx);
}

TEST_F(ovl, many_routines_one_wait)
{
	WSAOVERLAPPED ov[8];
	char buf[8][16];
	WSABUF wb[8];
	int i;

	RETURN_IF_SKIPPED();
	memset(&cr, 0, sizeof(cr));
	for (i = 0; i < 8; i++) {
		memset(&ov[i], 0, sizeof(ov[i]));
		wb[i].buf = buf[i];
		wb[i].len = (ULONG)(i + 1);
		ASSERT_TRUE(WSASendTo(self->a, &wb[i], 1, NULL, 0,
				      (struct sockaddr *)&self->ba, sizeof(self->ba),
				      &ov[i], routine) == 0 ||
			    WSAGetLastError() == WSA_IO_PENDING);
	}
	/* one alertable wait runs all that are queued */
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
	while (cr.calls < 8)
		ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
	ASSERT_EQ(8, cr.calls);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(i + 1, recv(self->b, buf[0], 16, 0));	/* in order */
}

TEST_F(ovl, connected_wsasend_and_sendmsg)
{
	char in[64];
	WSABUF wb[2] = { { 3, "abc" }, { 3, "def" } };
	WSAMSG m;
	WSAOVERLAPPED ov = { 0 };
	DWORD n = 0, fl;

	RETURN_IF_SKIPPED();
	ov.hEvent = WSACreateEvent();
	ASSERT_EQ(0, connect(self->a, (struct sockaddr *)&self->ba, sizeof(self->ba)));
	if (WSASend(self->a, wb, 2, &n, 0, &ov, NULL))
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->a, &ov, &n, TRUE, &fl));
	ASSERT_EQ(6, n);
	ASSERT_EQ(6, recv(self->b, in, sizeof(in), 0));
	ASSERT_EQ(0, memcmp(in, "abcdef", 6));
	/* WSASendMsg with a destination, overlapped */
	memset(&m, 0, sizeof(m));
	m.name = (struct sockaddr *)&self->ba;
	m.namelen = sizeof(self->ba);
	m.lpBuffers = wb;
	m.dwBufferCount = 1;
	if (WSASendMsg(self->a, &m, 0, &n, &ov, NULL))
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->a, &ov, &n, TRUE, &fl));
	ASSERT_EQ(3, n);
	ASSERT_EQ(3, recv(self->b, in, sizeof(in), 0));
	WSACloseEvent(ov.hEvent);
}

TEST_F(ovl, sendmsg_with_pktinfo_source)
{
	char ctl[WSA_CMSG_SPACE(sizeof(IN_PKTINFO))], in[8];
	WSABUF wb = { 2, "pi" };
	WSAMSG m;
	WSACMSGHDR *c;
	IN_PKTINFO *pi;
	WSAOVERLAPPED ov = { 0 };
	struct sockaddr_in from;
	int fromlen = sizeof(from);
	DWORD n = 0, fl;

	RETURN_IF_SKIPPED();
	memset(ctl, 0, sizeof(ctl));
	memset(&m, 0, sizeof(m));
	m.name = (struct sockaddr *)&self->ba;
	m.namelen = sizeof(self->ba);
	m.lpBuffers = &wb;
	m.dwBufferCount = 1;
	m.Control.buf = ctl;
	m.Control.len = sizeof(ctl);
	c = WSA_CMSG_FIRSTHDR(&m);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = WSA_CMSG_LEN(sizeof(IN_PKTINFO));
	pi = (IN_PKTINFO *)WSA_CMSG_DATA(c);
	pi->ipi_addr.s_addr = htonl(INADDR_LOOPBACK);	/* Windows: the source */
	ov.hEvent = WSACreateEvent();
	if (WSASendMsg(self->a, &m, 0, &n, &ov, NULL))
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(self->a, &ov, &n, TRUE, &fl));
	ASSERT_EQ(2, n);
	ASSERT_EQ(2, recvfrom(self->b, in, sizeof(in), 0, (struct sockaddr *)&from, &fromlen));
	ASSERT_EQ(htonl(INADDR_LOOPBACK), from.sin_addr.s_addr);
	WSACloseEvent(ov.hEvent);
}

TEST_F(ovl, routine_without_overlapped)
{
	WSABUF wb = { 4, "nool" };
	char in[8];

	RETURN_IF_SKIPPED();
	memset(&cr, 0, sizeof(cr));
	ASSERT_TRUE(WSASendTo(self->a, &wb, 1, NULL, 0, (struct sockaddr *)&self->ba,
			      sizeof(self->ba), NULL, routine) == 0 ||
		    WSAGetLastError() == WSA_IO_PENDING);
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
	ASSERT_EQ(1, cr.calls);
	ASSERT_EQ(NULL, cr.ov);
	ASSERT_EQ(4, cr.bytes);
	ASSERT_EQ(4, recv(self->b, in, sizeof(in), 0));
}

/* ---- WSPSendTo: the completion routine runs on the chosen thread ---- */

struct target {
	HANDLE ready, stop;
	DWORD tid;
	DWORD wait_ret;
};

static DWORD WINAPI alertable_thread(LPVOID arg)
{
	struct target *t = arg;

	t->tid = GetCurrentThreadId();
	SetEvent(t->ready);
	t->wait_ret = WaitForSingleObjectEx(t->stop, 10000, TRUE);
	return 0;
}

TEST_F(ovl, wspsendto_thread_and_errno)
{
	struct target t = { 0 };
	WSABUF wb = { 5, "spi!!" };
	WSAOVERLAPPED ov = { 0 };
	WSATHREADID id;
	DWORD n = 0;
	int err = -1, r;
	char in[8];
	HANDLE h;
	struct sockaddr_in any = self->ba;

	RETURN_IF_SKIPPED();
	memset(&cr, 0, sizeof(cr));
	t.ready = CreateEventA(NULL, TRUE, FALSE, NULL);
	t.stop = CreateEventA(NULL, TRUE, FALSE, NULL);
	h = CreateThread(NULL, 0, alertable_thread, &t, 0, NULL);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(t.ready, 5000));
	id.ThreadHandle = h;
	id.Reserved = 0;
	WSASetLastError(1234);
	r = WSPSendTo(self->a, &wb, 1, &n, 0, (struct sockaddr *)&self->ba,
		      sizeof(self->ba), &ov, routine, &id, &err);
	ASSERT_TRUE(r == 0 || err == WSA_IO_PENDING);
	if (r == 0)
		ASSERT_EQ(0, err);
	ASSERT_EQ(1234, WSAGetLastError());	/* SPI: lpErrno only */
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 5000));
	ASSERT_EQ(WAIT_IO_COMPLETION, t.wait_ret);
	ASSERT_EQ(1, cr.calls);
	ASSERT_EQ(t.tid, cr.tid);		/* ran on the chosen thread */
	ASSERT_EQ(5, cr.bytes);
	ASSERT_EQ(0, SleepEx(0, TRUE));		/* nothing for this thread */
	ASSERT_EQ(5, recv(self->b, in, sizeof(in), 0));
	/* errors come back through lpErrno */
	any.sin_addr.s_addr = 0;
	r = WSPSendTo(self->a, &wb, 1, &n, 0, (struct sockaddr *)&any, sizeof(any),
		      NULL, NULL, NULL, &err);
	ASSERT_EQ(SOCKET_ERROR, r);
	ASSERT_EQ(WSAEADDRNOTAVAIL, err);
	ASSERT_EQ(1234, WSAGetLastError());
	/* a dead thread is not a valid target */
	r = WSPSendTo(self->a, &wb, 1, &n, 0, (struct sockaddr *)&self->ba,
		      sizeof(self->ba), &ov, routine, &id, &err);
	if (r == 0 || err == WSA_IO_PENDING) {
		/* accepted: the routine is dropped, never run here */
		ASSERT_EQ(0, SleepEx(50, TRUE));
		ASSERT_EQ(1, cr.calls);
		ASSERT_EQ(5, recv(self->b, in, sizeof(in), 0));
	}
	/* the calling thread as target (pseudo handle), non-overlapped too */
	id.ThreadHandle = GetCurrentThread();
	ASSERT_EQ(0, WSPSendTo(self->a, &wb, 1, &n, 0, (struct sockaddr *)&self->ba,
			       sizeof(self->ba), NULL, NULL, &id, &err));
	ASSERT_EQ(0, err);
	ASSERT_EQ(5, n);
	ASSERT_EQ(5, recv(self->b, in, sizeof(in), 0));
	CloseHandle(h);
	CloseHandle(t.ready);
	CloseHandle(t.stop);
}

/* ---- the spec sample's flow, on a stream socket too ---- */

TEST(tcp_overlapped_send_big)
{
	SOCKET c, a;
	static char buf[1 << 20], in[1 << 20];
	int small = 16384;
	WSABUF wb = { sizeof(buf), buf };
	WSAOVERLAPPED ov = { 0 };
	DWORD n = 0, fl = 0, total = 0;
	int i, r;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	ASSERT_EQ(0, wsa_tcp_pair(&c, &a, WSA_FLAG_OVERLAPPED));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_SNDBUF, (char *)&small, sizeof(small)));
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_RCVBUF, (char *)&small, sizeof(small)));
	for (i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (char)(i * 13 + 1);
	ov.hEvent = WSACreateEvent();
	r = WSASend(c, &wb, 1, &n, 0, &ov, NULL);
	/* 1 MiB does not fit in 16 KiB socket buffers: it must pend */
	ASSERT_EQ(SOCKET_ERROR, r);
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, n);			/* untouched while pending */
	ASSERT_FALSE(HasOverlappedIoCompleted(&ov));
	ASSERT_EQ(FALSE, WSAGetOverlappedResult(c, &ov, &n, FALSE, &fl));
	ASSERT_EQ(WSA_IO_INCOMPLETE, WSAGetLastError());
	while (total < sizeof(in)) {
		r = recv(a, in + total, (int)(sizeof(in) - total), 0);
		ASSERT_GT(r, 0);
		total += (DWORD)r;
	}
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, 5000, TRUE));
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(c, &ov, &n, FALSE, &fl));
	ASSERT_EQ(sizeof(buf), n);
	ASSERT_EQ(0, memcmp(buf, in, sizeof(buf)));
	WSACloseEvent(ov.hEvent);
	closesocket(c);
	closesocket(a);
	WSACleanup();
}

TEST(not_initialised_overlapped)
{
	WSABUF wb = { 1, "x" };
	WSAOVERLAPPED ov = { 0 };

	ASSERT_EQ(SOCKET_ERROR, WSASend((SOCKET)0, &wb, 1, NULL, 0, &ov, NULL));
	ASSERT_EQ(WSANOTINITIALISED, WSAGetLastError());
}

TEST_HARNESS_MAIN
