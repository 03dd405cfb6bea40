// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Events and waits under races, in whichever mode libwsa runs (wsaovl
 * events and WSAOVL_IOC_WAIT with the module, eventfds and poll()
 * without; nodev_test.sh runs this program again with the device hidden):
 * SetEvent/ResetEvent fast paths against concurrent waiters, wait-any
 * index rules with auto- and manual-reset events, waits on thread handles,
 * alertable waits with APCs and completion routines.
 */
#include "kselftest_harness.h"
#include "wsa_test.h"

#include <pthread.h>
#include <stdlib.h>

/* The mode the environment asks for (nodev_test.sh sets WSA_EXPECT_NODEV). */
static int expect_nodev(void)
{
	const char *e = getenv("WSA_EXPECT_NODEV");

	return (e && *e == '1') || !wsa_have_device();
}

/* Overlapped I/O: needs the module, and libwsa on it. */
#define NEED_OVL() do { \
	if (expect_nodev()) \
		SKIP(return, "libwsa runs without /dev/wsaovl: no overlapped I/O"); \
} while (0)

TEST(mode_is_the_expected_one)
{
	WSADATA d;

	ASSERT_EQ(0, WSAStartup(MAKEWORD(2, 2), &d));
	TH_LOG("%s", d.szDescription);
	if (expect_nodev()) {
		char buf[4];
		WSABUF wb = { sizeof(buf), buf };
		WSAOVERLAPPED ov = { 0 };
		DWORD flags = 0;
		SOCKET s = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);

		ASSERT_NE(NULL, strstr(d.szDescription, "no overlapped I/O"));
		/* events and waits work; overlapped I/O says the network is down */
		ASSERT_NE(INVALID_SOCKET, s);
		ASSERT_EQ(SOCKET_ERROR, WSARecv(s, &wb, 1, NULL, &flags, &ov, NULL));
		ASSERT_EQ(WSAENETDOWN, WSAGetLastError());
		closesocket(s);
	} else {
		ASSERT_NE(NULL, strstr(d.szDescription, "by /dev/wsaovl"));
	}
	WSACleanup();
}

/* ---- ping-pong on two auto-reset events: no lost or doubled signal ---- */

#define PINGS 4000

struct pingpong {
	HANDLE a, b;
	volatile int turn;	/* written by whoever holds the ball */
	int bad;
};

static DWORD WINAPI ponger(LPVOID arg)
{
	struct pingpong *p = arg;
	int i;

	for (i = 0; i < PINGS; i++) {
		if (WaitForSingleObject(p->a, 10000) != WAIT_OBJECT_0)
			return 1;
		if (p->turn != 2 * i + 1)
			p->bad++;
		p->turn = 2 * i + 2;
		if (!SetEvent(p->b))
			return 2;
	}
	return 0;
}

/* Fixture-less tests cannot have their own timeout: these are slow. */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

TEST_F_TIMEOUT(slow, auto_reset_ping_pong, 240)
{
	struct pingpong p = { 0 };
	HANDLE h;
	DWORD code = 99;
	int i;

	p.a = CreateEventA(NULL, FALSE, FALSE, NULL);
	p.b = CreateEventA(NULL, FALSE, FALSE, NULL);
	ASSERT_NE(NULL, p.a);
	ASSERT_NE(NULL, p.b);
	h = CreateThread(NULL, 0, ponger, &p, 0, NULL);
	ASSERT_NE(NULL, h);
	for (i = 0; i < PINGS; i++) {
		p.turn = 2 * i + 1;
		ASSERT_EQ(TRUE, SetEvent(p.a));
		ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(p.b, 10000));
		ASSERT_EQ(2 * i + 2, p.turn);
	}
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 10000));
	ASSERT_EQ(TRUE, GetExitCodeThread(h, &code));
	ASSERT_EQ(0, code);
	ASSERT_EQ(0, p.bad);
	/* each set was taken exactly once: nothing is left signalled */
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(p.a, 0));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(p.b, 0));
	CloseHandle(h);
	CloseHandle(p.a);
	CloseHandle(p.b);
}

/* ---- a hammer toggles an event while another thread waits on it ---- */

#define HAMMER 50000

struct hammer {
	HANDLE ev;
	int done;
};

static DWORD WINAPI hammer_fn(LPVOID arg)
{
	struct hammer *hm = arg;
	int i;

	for (i = 0; i < HAMMER; i++) {
		if (!SetEvent(hm->ev) || !ResetEvent(hm->ev))
			return 1;
	}
	/* ends signalled, for good */
	if (!SetEvent(hm->ev))
		return 2;
	__atomic_store_n(&hm->done, 1, __ATOMIC_RELEASE);
	return 0;
}

static void hammer_run(struct __test_metadata *_metadata, BOOL manual)
{
	struct hammer hm = { 0 };
	HANDLE h, objs[2];
	DWORD code = 99, r;
	long waits = 0, got = 0;

	hm.ev = CreateEventA(NULL, manual, FALSE, NULL);
	objs[0] = CreateEventA(NULL, TRUE, FALSE, NULL);	/* never set */
	objs[1] = hm.ev;
	ASSERT_NE(NULL, hm.ev);
	ASSERT_NE(NULL, objs[0]);
	h = CreateThread(NULL, 0, hammer_fn, &hm, 0, NULL);
	ASSERT_NE(NULL, h);
	while (!__atomic_load_n(&hm.done, __ATOMIC_ACQUIRE)) {
		/*
		 * The event is set infinitely often until it stays set: every
		 * wait ends, with it (index 1: index 0 is never signalled).
		 */
		r = WaitForMultipleObjects(2, objs, FALSE, manual ? 10000 : 3000);
		/* an auto-reset event's last set may have gone to us already */
		if (r == WAIT_TIMEOUT && !manual &&
		    __atomic_load_n(&hm.done, __ATOMIC_ACQUIRE))
			break;
		ASSERT_EQ(WAIT_OBJECT_0 + 1, r);
		waits++;
		r = WaitForSingleObject(hm.ev, 0);
		ASSERT_TRUE(r == WAIT_OBJECT_0 || r == WAIT_TIMEOUT);
		got += r == WAIT_OBJECT_0;
	}
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 10000));
	ASSERT_EQ(TRUE, GetExitCodeThread(h, &code));
	ASSERT_EQ(0, code);
	TH_LOG("%s: %ld waits, %ld polls found it set", manual ? "manual" : "auto",
	       waits, got);
	ASSERT_LT(0, waits);
	if (manual) {
		/* the final SetEvent is visible, and a reset of it effective */
		ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(hm.ev, 0));
		ASSERT_EQ(WAIT_OBJECT_0 + 1, WaitForMultipleObjects(2, objs, FALSE, 0));
		ASSERT_EQ(TRUE, ResetEvent(hm.ev));
		ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(hm.ev, 0));
		ASSERT_EQ(TRUE, ResetEvent(hm.ev));
		ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(hm.ev, 0));
		ASSERT_EQ(TRUE, SetEvent(hm.ev));
		ASSERT_EQ(TRUE, SetEvent(hm.ev));
		ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(hm.ev, 0));
	} else {
		/* the final set is taken once at most, then it is clear */
		WaitForSingleObject(hm.ev, 0);
		ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(hm.ev, 0));
		ASSERT_EQ(TRUE, SetEvent(hm.ev));
		ASSERT_EQ(TRUE, SetEvent(hm.ev));	/* still one signal */
		ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(hm.ev, 0));
		ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(hm.ev, 0));
	}
	CloseHandle(h);
	CloseHandle(hm.ev);
	CloseHandle(objs[0]);
}

TEST_F_TIMEOUT(slow, hammer_manual_event_while_waiting, 240)
{
	hammer_run(_metadata, TRUE);
}

TEST_F_TIMEOUT(slow, hammer_auto_event_while_waiting, 240)
{
	hammer_run(_metadata, FALSE);
}

/* Reset after set from another thread: the reset always takes effect. */
#define HANDOFFS 3000

struct handoff {
	HANDLE ev, ack;
	int bad;
};

static DWORD WINAPI resetter(LPVOID arg)
{
	struct handoff *ho = arg;
	int i;

	for (i = 0; i < HANDOFFS; i++) {
		if (WaitForSingleObject(ho->ev, 10000) != WAIT_OBJECT_0)
			return 1;
		ResetEvent(ho->ev);
		if (WaitForSingleObject(ho->ev, 0) != WAIT_TIMEOUT)
			ho->bad++;
		SetEvent(ho->ack);
	}
	return 0;
}

TEST_F_TIMEOUT(slow, set_then_reset_across_threads, 240)
{
	struct handoff ho = { 0 };
	HANDLE h;
	DWORD code = 99;
	int i;

	ho.ev = CreateEventA(NULL, TRUE, FALSE, NULL);
	ho.ack = CreateEventA(NULL, FALSE, FALSE, NULL);
	h = CreateThread(NULL, 0, resetter, &ho, 0, NULL);
	ASSERT_NE(NULL, h);
	for (i = 0; i < HANDOFFS; i++) {
		ASSERT_EQ(TRUE, SetEvent(ho.ev));
		ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(ho.ack, 10000));
		/* the other thread reset it: it reads clear here too */
		ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(ho.ev, 0));
	}
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 10000));
	ASSERT_EQ(TRUE, GetExitCodeThread(h, &code));
	ASSERT_EQ(0, code);
	ASSERT_EQ(0, ho.bad);
	CloseHandle(h);
	CloseHandle(ho.ev);
	CloseHandle(ho.ack);
}

/* ---- wait-any index rules with auto- and manual-reset events ---- */

TEST(wait_any_auto_before_manual)
{
	HANDLE e[3];

	e[0] = CreateEventA(NULL, FALSE, TRUE, NULL);	/* auto, set */
	e[1] = CreateEventA(NULL, TRUE, TRUE, NULL);	/* manual, set */
	e[2] = CreateEventA(NULL, TRUE, TRUE, NULL);
	/* the lowest signalled wins, and an auto-reset one is consumed */
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(3, e, FALSE, 0));
	ASSERT_EQ(WAIT_OBJECT_0 + 1, WaitForMultipleObjects(3, e, FALSE, 0));
	ASSERT_EQ(WAIT_OBJECT_0 + 1, WaitForMultipleObjects(3, e, FALSE, INFINITE));
	ResetEvent(e[1]);
	ASSERT_EQ(WAIT_OBJECT_0 + 2, WaitForMultipleObjects(3, e, FALSE, 0));
	ASSERT_EQ(WAIT_OBJECT_0 + 2, WaitForMultipleObjects(2, e + 1, FALSE, 0) + 1);
	/* wait-all: the auto-reset one is consumed with the others, once */
	SetEvent(e[0]);
	SetEvent(e[1]);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(3, e, TRUE, 0));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForMultipleObjects(3, e, TRUE, 0));
	ASSERT_EQ(WAIT_OBJECT_0 + 1, WaitForMultipleObjects(3, e, FALSE, 0));
	/* all manual and set: satisfied, nothing consumed */
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(2, e + 1, TRUE, 0));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(2, e + 1, TRUE, 0));
	ResetEvent(e[2]);
	ASSERT_EQ(WAIT_TIMEOUT, WaitForMultipleObjects(2, e + 1, TRUE, 0));
	CloseHandle(e[0]);
	CloseHandle(e[1]);
	CloseHandle(e[2]);
}

TEST(duplicated_event_handle)
{
	HANDLE e = CreateEventA(NULL, TRUE, FALSE, NULL), d = NULL, pair[2];

	ASSERT_EQ(TRUE, DuplicateHandle(GetCurrentProcess(), e, GetCurrentProcess(),
					&d, 0, FALSE, DUPLICATE_SAME_ACCESS));
	ASSERT_NE(NULL, d);
	/* one event through two handles */
	ASSERT_EQ(TRUE, SetEvent(d));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(e, 0));
	ASSERT_EQ(TRUE, ResetEvent(e));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(d, 0));
	pair[0] = e;
	pair[1] = d;
	SetEvent(e);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(2, pair, FALSE, 0));
	/* one object twice in a wait-all: invalid (only the kernel sees it) */
	SetLastError(0);
	if (expect_nodev()) {
		ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(2, pair, TRUE, 0));
	} else {
		ASSERT_EQ(WAIT_FAILED, WaitForMultipleObjects(2, pair, TRUE, 0));
		ASSERT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	}
	ASSERT_EQ(TRUE, CloseHandle(e));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(d, 0));
	ASSERT_EQ(TRUE, CloseHandle(d));
	SetLastError(0);
	ASSERT_EQ(FALSE, SetEvent(d));
	ASSERT_EQ(ERROR_INVALID_HANDLE, GetLastError());
}

/* ---- waits on thread handles ---- */

struct stepper {
	HANDLE go, started;
	DWORD code;
};

static DWORD WINAPI step_and_exit(LPVOID arg)
{
	struct stepper *s = arg;

	SetEvent(s->started);
	if (WaitForSingleObject(s->go, 10000) != WAIT_OBJECT_0)
		return 1;
	return s->code;
}

TEST(wait_on_thread_handles)
{
	struct stepper s = { 0 };
	HANDLE h, objs[3];
	DWORD code = 0;
	long long t0;

	s.go = CreateEventA(NULL, TRUE, FALSE, NULL);
	s.started = CreateEventA(NULL, TRUE, FALSE, NULL);
	s.code = 1234;
	h = CreateThread(NULL, 0, step_and_exit, &s, 0, NULL);
	ASSERT_NE(NULL, h);
	objs[0] = h;
	objs[1] = s.started;
	objs[2] = GetCurrentThread();	/* never signalled while we wait */
	/* a running thread is not signalled; its event is */
	ASSERT_EQ(WAIT_OBJECT_0 + 1, WaitForMultipleObjects(2, objs, FALSE, 10000));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(h, 0));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForMultipleObjects(2, objs, TRUE, 0));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(GetCurrentThread(), 0));
	t0 = wsa_now_ms();
	ASSERT_EQ(WAIT_TIMEOUT, WaitForMultipleObjects(1, &objs[2], FALSE, 50));
	ASSERT_GE(wsa_now_ms() - t0, 45);
	/* wait-all on the thread and its event: ends when the thread does */
	ASSERT_EQ(TRUE, SetEvent(s.go));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(2, objs, TRUE, 10000));
	ASSERT_EQ(TRUE, GetExitCodeThread(h, &code));
	ASSERT_EQ(1234, code);
	/* signalled for good, in any wait */
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 0));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(3, objs, FALSE, 0));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForMultipleObjects(3, objs, TRUE, 0));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObjectEx(h, INFINITE, TRUE));
	CloseHandle(h);
	CloseHandle(s.go);
	CloseHandle(s.started);
}

static DWORD WINAPI quick(LPVOID arg)
{
	(void)arg;
	return 5;
}

TEST(many_threads_wait_all)
{
	HANDLE h[MAXIMUM_WAIT_OBJECTS];
	DWORD i, code;

	for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++) {
		h[i] = CreateThread(NULL, 0, quick, NULL, 0, NULL);
		ASSERT_NE(NULL, h[i]);
	}
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, h, TRUE, 20000));
	for (i = 0; i < MAXIMUM_WAIT_OBJECTS; i++) {
		ASSERT_EQ(TRUE, GetExitCodeThread(h[i], &code));
		ASSERT_EQ(5, code);
		CloseHandle(h[i]);
	}
}

/* ---- alertable waits: APCs ---- */

struct alerted {
	HANDLE ready, never[2];
	DWORD ret[3];
	int ran;
	DWORD ran_on, tid;
};

static void CALLBACK mark(ULONG_PTR d)
{
	struct alerted *a = (struct alerted *)d;

	a->ran++;
	a->ran_on = GetCurrentThreadId();
}

static DWORD WINAPI alert_waiter(LPVOID arg)
{
	struct alerted *a = arg;

	a->tid = GetCurrentThreadId();
	SetEvent(a->ready);
	a->ret[0] = WaitForMultipleObjectsEx(2, a->never, FALSE, 10000, TRUE);
	SetEvent(a->ready);
	a->ret[1] = WaitForMultipleObjectsEx(2, a->never, TRUE, 10000, TRUE);
	SetEvent(a->ready);
	a->ret[2] = SleepEx(10000, TRUE);
	return 0;
}

TEST(apc_ends_alertable_waits_of_every_kind)
{
	struct alerted a = { 0 };
	HANDLE h;
	int i;

	a.ready = CreateEventA(NULL, FALSE, FALSE, NULL);
	a.never[0] = CreateEventA(NULL, TRUE, FALSE, NULL);
	a.never[1] = CreateEventA(NULL, FALSE, FALSE, NULL);
	h = CreateThread(NULL, 0, alert_waiter, &a, 0, NULL);
	ASSERT_NE(NULL, h);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(a.ready, 10000));
		usleep(20000);	/* let it block (it need not: either order works) */
		ASSERT_NE(0, QueueUserAPC(mark, h, (ULONG_PTR)&a));
	}
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 20000));
	ASSERT_EQ(WAIT_IO_COMPLETION, a.ret[0]);
	ASSERT_EQ(WAIT_IO_COMPLETION, a.ret[1]);
	ASSERT_EQ(WAIT_IO_COMPLETION, a.ret[2]);
	ASSERT_EQ(3, a.ran);
	ASSERT_EQ(a.tid, a.ran_on);
	/* the objects were never taken */
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(a.never[1], 0));
	CloseHandle(h);
	CloseHandle(a.ready);
	CloseHandle(a.never[0]);
	CloseHandle(a.never[1]);
}

static int apc_ran;

static void CALLBACK count_apc(ULONG_PTR d)
{
	(void)d;
	apc_ran++;
}

TEST(signalled_object_wins_over_apc_also_auto_reset)
{
	HANDLE e = CreateEventA(NULL, FALSE, TRUE, NULL);	/* auto, set */
	HANDLE m = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE objs[2] = { m, e };

	apc_ran = 0;
	ASSERT_NE(0, QueueUserAPC(count_apc, GetCurrentThread(), 0));
	ASSERT_EQ(WAIT_OBJECT_0 + 1, WaitForMultipleObjectsEx(2, objs, FALSE, 0, TRUE));
	ASSERT_EQ(0, apc_ran);
	/* e was consumed: now the APC runs */
	ASSERT_EQ(WAIT_IO_COMPLETION, WaitForMultipleObjectsEx(2, objs, FALSE, INFINITE, TRUE));
	ASSERT_EQ(1, apc_ran);
	ASSERT_EQ(WAIT_TIMEOUT, WaitForMultipleObjectsEx(2, objs, FALSE, 0, TRUE));
	CloseHandle(e);
	CloseHandle(m);
}

/* ---- alertable waits: completion routines ---- */

static struct {
	int calls;
	DWORD err, bytes, tid;
	char buf[32];
} rt;

static void CALLBACK on_recv(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	(void)ov;
	(void)flags;
	rt.calls++;
	rt.err = err;
	rt.bytes = bytes;
	rt.tid = GetCurrentThreadId();
}

/*
 * A routine-mode receive resets the thread's alert event when it is
 * issued (WSAOVL_SQE_EVENT): an APC queued before must still run.
 */
TEST(apc_queued_before_routine_receive_still_runs)
{
	struct sockaddr_in ba;
	WSABUF wb = { sizeof(rt.buf), rt.buf };
	WSAOVERLAPPED ov = { 0 };
	DWORD flags = 0;
	SOCKET a, b;

	NEED_OVL();
	ASSERT_EQ(0, wsa_start());
	a = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);
	b = wsa_udp4(&ba, WSA_FLAG_OVERLAPPED);
	memset(&rt, 0, sizeof(rt));
	apc_ran = 0;
	ASSERT_NE(0, QueueUserAPC(count_apc, GetCurrentThread(), 0));
	ASSERT_EQ(SOCKET_ERROR, WSARecv(b, &wb, 1, NULL, &flags, &ov, on_recv));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(0, TRUE));
	ASSERT_EQ(1, apc_ran);
	ASSERT_EQ(0, rt.calls);
	ASSERT_EQ(0, SleepEx(20, TRUE));
	ASSERT_EQ(5, sendto(a, "hello", 5, 0, (struct sockaddr *)&ba, sizeof(ba)));
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(10000, TRUE));
	ASSERT_EQ(1, rt.calls);
	ASSERT_EQ(0, rt.err);
	ASSERT_EQ(5, rt.bytes);
	ASSERT_EQ(GetCurrentThreadId(), rt.tid);
	closesocket(a);
	closesocket(b);
	WSACleanup();
}

struct sender {
	SOCKET s;
	struct sockaddr_in to;
	int delay_ms;
};

static DWORD WINAPI send_later(LPVOID arg)
{
	struct sender *sd = arg;

	usleep(sd->delay_ms * 1000);
	sendto(sd->s, "late", 4, 0, (struct sockaddr *)&sd->to, sizeof(sd->to));
	return 0;
}

/* A completion arriving while the thread waits alertably on objects. */
TEST(routine_completes_during_alertable_object_wait)
{
	struct sender sd = { 0 };
	WSABUF wb = { sizeof(rt.buf), rt.buf };
	WSAOVERLAPPED ov = { 0 };
	HANDLE h, objs[2];
	DWORD flags = 0;
	SOCKET b;

	NEED_OVL();
	ASSERT_EQ(0, wsa_start());
	sd.s = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);
	b = wsa_udp4(&sd.to, WSA_FLAG_OVERLAPPED);
	sd.delay_ms = 50;
	objs[0] = CreateEventA(NULL, TRUE, FALSE, NULL);
	objs[1] = CreateEventA(NULL, FALSE, FALSE, NULL);
	memset(&rt, 0, sizeof(rt));
	ASSERT_EQ(SOCKET_ERROR, WSARecv(b, &wb, 1, NULL, &flags, &ov, on_recv));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	h = CreateThread(NULL, 0, send_later, &sd, 0, NULL);
	ASSERT_EQ(WAIT_IO_COMPLETION, WaitForMultipleObjectsEx(2, objs, FALSE, 10000, TRUE));
	ASSERT_EQ(1, rt.calls);
	ASSERT_EQ(4, rt.bytes);
	ASSERT_EQ(0, memcmp(rt.buf, "late", 4));
	ASSERT_EQ(GetCurrentThreadId(), rt.tid);
	/* and during a wait-all */
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 10000));
	CloseHandle(h);
	ASSERT_EQ(SOCKET_ERROR, WSARecv(b, &wb, 1, NULL, &flags, &ov, on_recv));
	ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
	h = CreateThread(NULL, 0, send_later, &sd, 0, NULL);
	ASSERT_EQ(WAIT_IO_COMPLETION, WaitForMultipleObjectsEx(2, objs, TRUE, 10000, TRUE));
	ASSERT_EQ(2, rt.calls);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 10000));
	CloseHandle(h);
	CloseHandle(objs[0]);
	CloseHandle(objs[1]);
	closesocket(sd.s);
	closesocket(b);
	WSACleanup();
}

/* WSPSendTo with another thread's handle: its routine runs there. */
struct remote {
	HANDLE ready;
	DWORD tid, ret;
	int calls;
	DWORD ran_on, bytes, err;
};

static struct remote *remote_ctx;

static void CALLBACK on_remote_send(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	(void)ov;
	(void)flags;
	remote_ctx->calls++;
	remote_ctx->err = err;
	remote_ctx->bytes = bytes;
	remote_ctx->ran_on = GetCurrentThreadId();
}

static DWORD WINAPI remote_waiter(LPVOID arg)
{
	struct remote *r = arg;

	r->tid = GetCurrentThreadId();
	SetEvent(r->ready);
	r->ret = SleepEx(10000, TRUE);
	return 0;
}

TEST(routine_of_another_threads_send_runs_there)
{
	struct remote r = { 0 };
	struct sockaddr_in ba;
	WSABUF sb = { 6, "remote" };
	WSAOVERLAPPED ov = { 0 };
	WSATHREADID tid;
	DWORD n = 0;
	SOCKET a, b;
	HANDLE h;
	int e = -1;

	NEED_OVL();
	ASSERT_EQ(0, wsa_start());
	a = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);
	b = wsa_udp4(&ba, WSA_FLAG_OVERLAPPED);
	remote_ctx = &r;
	r.ready = CreateEventA(NULL, TRUE, FALSE, NULL);
	h = CreateThread(NULL, 0, remote_waiter, &r, 0, NULL);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(r.ready, 10000));
	usleep(20000);
	tid.ThreadHandle = h;
	tid.Reserved = 0;
	ASSERT_EQ(0, WSPSendTo(a, &sb, 1, &n, 0, (struct sockaddr *)&ba, sizeof(ba),
			       &ov, on_remote_send, &tid, &e));
	ASSERT_EQ(0, e);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 10000));
	ASSERT_EQ(WAIT_IO_COMPLETION, r.ret);
	ASSERT_EQ(1, r.calls);
	ASSERT_EQ(0, r.err);
	ASSERT_EQ(6, r.bytes);
	ASSERT_EQ(r.tid, r.ran_on);
	CloseHandle(h);
	CloseHandle(r.ready);
	closesocket(a);
	closesocket(b);
	WSACleanup();
}

TEST(timeouts)
{
	HANDLE e = CreateEventA(NULL, FALSE, FALSE, NULL);
	long long t0, dt;

	t0 = wsa_now_ms();
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(e, 0));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObjectEx(e, 0, TRUE));
	ASSERT_LT(wsa_now_ms() - t0, 1000);
	t0 = wsa_now_ms();
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObjectEx(e, 120, TRUE));
	dt = wsa_now_ms() - t0;
	ASSERT_GE(dt, 118);
	ASSERT_LT(dt, 3000);
	t0 = wsa_now_ms();
	ASSERT_EQ(WAIT_TIMEOUT, WaitForMultipleObjects(1, &e, TRUE, 120));
	dt = wsa_now_ms() - t0;
	ASSERT_GE(dt, 118);
	ASSERT_LT(dt, 3000);
	CloseHandle(e);
}

TEST_HARNESS_MAIN
