// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Cancellation: closesocket and SIO_FLUSH complete pending ops with
 * WSA_OPERATION_ABORTED; a thread's exit cancels the ops it issued (event
 * set, routine never run); WSACleanup cancels everything; too many
 * outstanding ops is WSAEWOULDBLOCK.
 */
#include "kselftest_harness.h"
#include "wsa_test.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <wsaovl.h>

#define STATUS_CANCELLED_ 0xC0000120U

static int routine_calls;
static DWORD routine_err;
static DWORD routine_tid;
static DWORD routine_bytes;

static void CALLBACK routine(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	(void)ov; (void)flags;
	routine_calls++;
	routine_err = err;
	routine_bytes = bytes;
	routine_tid = GetCurrentThreadId();
}

TEST(closesocket_aborts_pending)
{
	SOCKET s;
	char in[8];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED ov = { 0 }, ov2 = { 0 };
	DWORD flags = 0, flags2 = 0, n = 7, fl = 7;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	s = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);
	ov.hEvent = WSACreateEvent();
	ASSERT_EQ(SOCKET_ERROR, WSARecv(s, &rb, 1, NULL, &flags, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	routine_calls = 0;
	ASSERT_EQ(SOCKET_ERROR, WSARecv(s, &rb, 1, NULL, &flags2, &ov2, routine));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, closesocket(s));
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 5000, FALSE));
	ASSERT_EQ(STATUS_CANCELLED_, (DWORD)ov.Internal);
	ASSERT_EQ(FALSE, WSAGetOverlappedResult(s, &ov, &n, FALSE, &fl));
	ASSERT_EQ(WSA_OPERATION_ABORTED, WSAGetLastError());
	ASSERT_EQ(0, n);
	/* the routine runs with the error in the next alertable wait */
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
	ASSERT_EQ(1, routine_calls);
	ASSERT_EQ(WSA_OPERATION_ABORTED, routine_err);
	WSACloseEvent(ov.hEvent);
	WSACleanup();
}

TEST(sio_flush_aborts_pending_sends_only)
{
	static char big[4 << 20];
	SOCKET c, a;
	WSABUF wb = { sizeof(big), big };
	char in[8];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED sov = { 0 }, rov = { 0 };
	DWORD n, fl, flags = 0, ret;
	int small = 16384;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	ASSERT_EQ(0, wsa_tcp_pair(&c, &a, WSA_FLAG_OVERLAPPED));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_SNDBUF, (char *)&small, sizeof(small)));
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_RCVBUF, (char *)&small, sizeof(small)));
	sov.hEvent = WSACreateEvent();
	rov.hEvent = WSACreateEvent();
	ASSERT_EQ(SOCKET_ERROR, WSARecv(c, &rb, 1, NULL, &flags, &rov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(SOCKET_ERROR, WSASend(c, &wb, 1, NULL, 0, &sov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, WSAIoctl(c, SIO_FLUSH, NULL, 0, NULL, 0, &ret, NULL, NULL));
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &sov.hEvent, FALSE, 5000, FALSE));
	ASSERT_EQ(FALSE, WSAGetOverlappedResult(c, &sov, &n, FALSE, &fl));
	ASSERT_EQ(WSA_OPERATION_ABORTED, WSAGetLastError());
	/* the receive is still pending and still works */
	ASSERT_FALSE(HasOverlappedIoCompleted(&rov));
	ASSERT_EQ(2, send(a, "ok", 2, 0));
	ASSERT_EQ(TRUE, WSAGetOverlappedResult(c, &rov, &n, TRUE, &fl));
	ASSERT_EQ(2, n);
	WSACloseEvent(sov.hEvent);
	WSACloseEvent(rov.hEvent);
	closesocket(c);
	closesocket(a);
	WSACleanup();
}

/*
 * A flushed stream send that had moved part of its data says how much, the
 * same to its completion routine as to WSAGetOverlappedResult.
 */
TEST(sio_flush_partial_send_counts_bytes)
{
	static char big[4 << 20];
	SOCKET c, a;
	WSABUF wb = { sizeof(big), big };
	WSAOVERLAPPED ov = { 0 };
	DWORD n = 7, fl = 7, ret;
	int small = 16384;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	ASSERT_EQ(0, wsa_tcp_pair(&c, &a, WSA_FLAG_OVERLAPPED));
	ASSERT_EQ(0, setsockopt(c, SOL_SOCKET, SO_SNDBUF, (char *)&small, sizeof(small)));
	ASSERT_EQ(0, setsockopt(a, SOL_SOCKET, SO_RCVBUF, (char *)&small, sizeof(small)));
	routine_calls = 0;
	routine_bytes = 7;
	ASSERT_EQ(SOCKET_ERROR, WSASend(c, &wb, 1, NULL, 0, &ov, routine));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, WSAIoctl(c, SIO_FLUSH, NULL, 0, NULL, 0, &ret, NULL, NULL));
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(5000, TRUE));
	ASSERT_EQ(1, routine_calls);
	ASSERT_EQ(WSA_OPERATION_ABORTED, routine_err);
	/* part went out inline before the socket buffer filled */
	ASSERT_LT(0, routine_bytes);
	ASSERT_GT(sizeof(big), routine_bytes);
	ASSERT_EQ(routine_bytes, (DWORD)ov.InternalHigh);
	ASSERT_EQ(FALSE, WSAGetOverlappedResult(c, &ov, &n, FALSE, &fl));
	ASSERT_EQ(WSA_OPERATION_ABORTED, WSAGetLastError());
	ASSERT_EQ(routine_bytes, n);
	closesocket(c);
	closesocket(a);
	WSACleanup();
}

struct exiting {
	SOCKET s;
	WSAOVERLAPPED ov_ev, ov_rt;
	char b1[8], b2[8];
	WSABUF w1, w2;
	DWORD f1, f2;
	int ok;
};

static DWORD WINAPI issue_then_exit(LPVOID arg)
{
	struct exiting *x = arg;

	x->w1.buf = x->b1;
	x->w1.len = sizeof(x->b1);
	x->w2.buf = x->b2;
	x->w2.len = sizeof(x->b2);
	x->ok = WSARecv(x->s, &x->w1, 1, NULL, &x->f1, &x->ov_ev, NULL) == SOCKET_ERROR &&
		WSAGetLastError() == WSA_IO_PENDING &&
		WSARecv(x->s, &x->w2, 1, NULL, &x->f2, &x->ov_rt, routine) == SOCKET_ERROR &&
		WSAGetLastError() == WSA_IO_PENDING;
	return 0;	/* exits with both pending */
}

TEST(thread_exit_cancels_its_ops)
{
	struct exiting x;
	struct sockaddr_in ba;
	DWORD n, fl;
	HANDLE h;
	char in[8];

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	memset(&x, 0, sizeof(x));
	x.s = wsa_udp4(&ba, WSA_FLAG_OVERLAPPED);
	x.ov_ev.hEvent = WSACreateEvent();
	routine_calls = 0;
	h = CreateThread(NULL, 0, issue_then_exit, &x, 0, NULL);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 5000));
	ASSERT_EQ(1, x.ok);
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &x.ov_ev.hEvent, FALSE, 5000, FALSE));
	ASSERT_EQ(FALSE, WSAGetOverlappedResult(x.s, &x.ov_ev, &n, FALSE, &fl));
	ASSERT_EQ(WSA_OPERATION_ABORTED, WSAGetLastError());
	ASSERT_TRUE(HasOverlappedIoCompleted(&x.ov_rt));
	ASSERT_EQ(STATUS_CANCELLED_, (DWORD)x.ov_rt.Internal);
	/* the routine belonged to the dead thread: never run, not here either */
	ASSERT_EQ(0, SleepEx(50, TRUE));
	ASSERT_EQ(0, routine_calls);
	/* the socket itself is fine: a datagram now waits for us */
	ASSERT_EQ(2, sendto(x.s, "hi", 2, 0, (struct sockaddr *)&ba, sizeof(ba)));
	ASSERT_EQ(2, recv(x.s, in, sizeof(in), 0));
	CloseHandle(h);
	WSACloseEvent(x.ov_ev.hEvent);
	closesocket(x.s);
	WSACleanup();
}

TEST(wsacleanup_cancels_everything)
{
	SOCKET s;
	char in[8];
	WSABUF rb = { sizeof(in), in };
	WSAOVERLAPPED ov = { 0 };
	DWORD flags = 0;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	s = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);
	ov.hEvent = WSACreateEvent();
	ASSERT_EQ(SOCKET_ERROR, WSARecv(s, &rb, 1, NULL, &flags, &ov, NULL));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(0, WSACleanup());
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &ov.hEvent, FALSE, 5000, FALSE));
	ASSERT_EQ(STATUS_CANCELLED_, (DWORD)ov.Internal);
	WSACloseEvent(ov.hEvent);
}

FIXTURE(many) {
	int unused;
};

FIXTURE_SETUP(many)
{
}

FIXTURE_TEARDOWN(many)
{
}

/*
 * max_ops (65536) pending receives, then WSAEWOULDBLOCK.  Each pins its
 * small output regions (the status block in the OVERLAPPED, the *lpFlags
 * word), which count only against the module-wide pin total, so max_ops,
 * not max_pinned, is the limit.  Slow under TCG, hence the time.
 */
TEST_F_TIMEOUT(many, too_many_outstanding_is_wouldblock, 300)
{
	struct wsaovl_query q;
	WSAOVERLAPPED *ov;
	SOCKET s;
	DWORD flags = 0, i, pending = 0, limit;
	int fd, err = 0;

	NEED_DEVICE();
	fd = open("/dev/wsaovl", O_RDWR);
	ASSERT_GE(fd, 0);
	memset(&q, 0, sizeof(q));
	ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_QUERY, &q));
	close(fd);
	if (q.max_ops > 70000)
		SKIP(return, "max_ops %u: too many to fill here", q.max_ops);
	limit = q.max_ops;
	ASSERT_EQ(0, wsa_start());
	s = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);
	/* page aligned: no OVERLAPPED straddles two pages (each pins its
	 * page, and max_pinned is counted in pages) */
	ov = aligned_alloc(4096, ((q.max_ops + 1) * sizeof(*ov) + 4095) & ~4095UL);
	ASSERT_NE(NULL, ov);
	memset(ov, 0, (q.max_ops + 1) * sizeof(*ov));
	for (i = 0; i <= q.max_ops; i++) {
		/* no buffers: nothing to pin, so only max_ops limits */
		if (WSARecv(s, NULL, 0, NULL, &flags, &ov[i], NULL) == 0)
			continue;
		err = WSAGetLastError();
		if (err != WSA_IO_PENDING)
			break;
		pending++;
	}
	ASSERT_EQ(WSAEWOULDBLOCK, err);
	ASSERT_EQ(limit, pending);
	ASSERT_EQ(0, closesocket(s));
	for (i = 0; i < pending; i++) {
		DWORD n, fl;

		/* reaps each completion: only then may the OVERLAPPED go */
		ASSERT_EQ(FALSE, WSAGetOverlappedResult(s, &ov[i], &n, TRUE, &fl));
		ASSERT_EQ(WSA_OPERATION_ABORTED, WSAGetLastError());
		ASSERT_EQ(STATUS_CANCELLED_, (DWORD)ov[i].Internal);
	}
	SleepEx(0, FALSE);
	free(ov);
	WSACleanup();
}

TEST_HARNESS_MAIN
