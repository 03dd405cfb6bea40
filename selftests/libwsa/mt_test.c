// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Many threads at once: each runs its own overlapped datagram ping-pong
 * (routines or events) while all of them drain the shared completion ring.
 * Every completion must be delivered once, to the right thread, with the
 * right data.
 */
#include "kselftest_harness.h"
#include "wsa_test.h"

#define NTHREADS	4
#define ROUNDS		300

struct worker {
	int id, use_routines;
	SOCKET tx, rx;
	struct sockaddr_in rxa;
	DWORD tid;
	int recv_done, send_done, bad;
	WSAOVERLAPPED rov, sov;
	char rbuf[64], sbuf[64];
	WSABUF rwb, swb;
	DWORD rflags;
	int errors;
};

static void CALLBACK on_recv(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags);
static void CALLBACK on_send(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	struct worker *w = (struct worker *)ov->hEvent;	/* context */

	(void)flags;
	if (err || bytes != 8 || GetCurrentThreadId() != w->tid)
		w->bad++;
	w->send_done++;
}

static int post_recv(struct worker *w)
{
	w->rflags = 0;
	w->rwb.buf = w->rbuf;
	w->rwb.len = sizeof(w->rbuf);
	if (WSARecv(w->rx, &w->rwb, 1, NULL, &w->rflags, &w->rov,
		    w->use_routines ? on_recv : NULL) == 0)
		return 0;
	return WSAGetLastError() == WSA_IO_PENDING ? 0 : -1;
}

static int post_send(struct worker *w, int n)
{
	snprintf(w->sbuf, sizeof(w->sbuf), "%02d:%05d", w->id, n);
	w->swb.buf = w->sbuf;
	w->swb.len = 8;
	if (WSASendTo(w->tx, &w->swb, 1, NULL, 0, (struct sockaddr *)&w->rxa,
		      sizeof(w->rxa), &w->sov, w->use_routines ? on_send : NULL) == 0)
		return 0;
	return WSAGetLastError() == WSA_IO_PENDING ? 0 : -1;
}

static void CALLBACK on_recv(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	struct worker *w = (struct worker *)ov->hEvent;
	char want[16];

	(void)flags;
	snprintf(want, sizeof(want), "%02d:%05d", w->id, w->recv_done);
	if (err || bytes != 8 || memcmp(w->rbuf, want, 8) || GetCurrentThreadId() != w->tid)
		w->bad++;
	w->recv_done++;
	if (w->recv_done < ROUNDS && post_recv(w))
		w->errors++;
}

static DWORD WINAPI worker_main(LPVOID arg)
{
	struct worker *w = arg;
	int n;

	w->tid = GetCurrentThreadId();
	memset(&w->rov, 0, sizeof(w->rov));
	memset(&w->sov, 0, sizeof(w->sov));
	if (w->use_routines) {
		w->rov.hEvent = (HANDLE)w;
		w->sov.hEvent = (HANDLE)w;
		if (post_recv(w))
			return 1;
		for (n = 0; n < ROUNDS; n++) {
			if (post_send(w, n))
				return 2;
			while (w->send_done <= n || w->recv_done <= n)
				if (SleepEx(5000, TRUE) != WAIT_IO_COMPLETION)
					return 3;
		}
	} else {
		WSAEVENT ev[2] = { WSACreateEvent(), WSACreateEvent() };
		DWORD got, fl;
		char want[16];

		w->rov.hEvent = ev[0];
		w->sov.hEvent = ev[1];
		for (n = 0; n < ROUNDS; n++) {
			if (post_recv(w) || post_send(w, n))
				return 4;
			if (WSAWaitForMultipleEvents(2, ev, TRUE, 5000, FALSE) != WSA_WAIT_EVENT_0)
				return 5;
			if (!WSAGetOverlappedResult(w->tx, &w->sov, &got, FALSE, &fl) || got != 8)
				w->bad++;
			w->send_done++;
			if (!WSAGetOverlappedResult(w->rx, &w->rov, &got, FALSE, &fl) || got != 8)
				w->bad++;
			snprintf(want, sizeof(want), "%02d:%05d", w->id, n);
			if (memcmp(w->rbuf, want, 8))
				w->bad++;
			w->recv_done++;
		}
		WSACloseEvent(ev[0]);
		WSACloseEvent(ev[1]);
	}
	return 0;
}

TEST(threads_share_the_ring)
{
	struct worker w[NTHREADS];
	HANDLE h[NTHREADS];
	DWORD code;
	int i;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	memset(w, 0, sizeof(w));
	for (i = 0; i < NTHREADS; i++) {
		w[i].id = i;
		w[i].use_routines = i % 2;
		w[i].tx = wsa_udp4(NULL, WSA_FLAG_OVERLAPPED);
		w[i].rx = wsa_udp4(&w[i].rxa, WSA_FLAG_OVERLAPPED);
		ASSERT_NE(INVALID_SOCKET, w[i].rx);
	}
	for (i = 0; i < NTHREADS; i++) {
		h[i] = CreateThread(NULL, 0, worker_main, &w[i], 0, NULL);
		ASSERT_NE(NULL, h[i]);
	}
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(NTHREADS, h, TRUE, 120000));
	for (i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(TRUE, GetExitCodeThread(h[i], &code));
		ASSERT_EQ(0, code);
		ASSERT_EQ(ROUNDS, w[i].recv_done);
		ASSERT_EQ(ROUNDS, w[i].send_done);
		ASSERT_EQ(0, w[i].bad);
		ASSERT_EQ(0, w[i].errors);
		CloseHandle(h[i]);
		closesocket(w[i].tx);
		closesocket(w[i].rx);
	}
	WSACleanup();
}

TEST_HARNESS_MAIN
