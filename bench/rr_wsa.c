// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 1 (d): WSASendTo/WSARecvFrom overlapped with events, through
 * libwsa, as a Winsock program writes them: the receive is posted first
 * (WSA_IO_PENDING), the send usually completes at once (its byte count
 * comes back from WSASendTo); the receive is waited for with
 * WSAWaitForMultipleEvents and read with WSAGetOverlappedResult.  Or
 * with completion routines: both ops name one, and an alertable SleepEx
 * runs them (a routine runs even for an op that completed at once).
 */
#include <winsock2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rr_wsa.h"

#define TIMEOUT_MS	2000

struct rr_wsa {
	SOCKET s[2];
	struct sockaddr_in addr[2];
	WSAEVENT ev[2];		/* [0] receive, [1] send */
	WSAOVERLAPPED ov[2];
	/* RR_WSA_ROUTINE: what the routines saw, [0] receive, [1] send */
	int done[2];
	DWORD bytes[2], error[2];
};

/* hEvent is the program's to use with a completion routine: w. */
static void CALLBACK rr_wsa_routine(DWORD error, DWORD bytes,
				    LPWSAOVERLAPPED ov, DWORD flags)
{
	struct rr_wsa *w = (struct rr_wsa *)ov->hEvent;
	int k = ov == &w->ov[1];

	(void)flags;
	w->done[k] = 1;
	w->bytes[k] = bytes;
	w->error[k] = error;
}

/* Both routines, from alertable sleeps; -1 with err set. */
static long rr_wsa_routines(struct rr_wsa *w, size_t len, char *err,
			    size_t errlen)
{
	while (!w->done[0] || !w->done[1]) {
		DWORD r = SleepEx(TIMEOUT_MS, TRUE);

		if (r != WAIT_IO_COMPLETION) {
			snprintf(err, errlen, "SleepEx %u: routines ran: "
				 "receive %d, send %d", r, w->done[0],
				 w->done[1]);
			return -1;
		}
	}
	if (w->error[0] || w->error[1] || w->bytes[1] != len) {
		snprintf(err, errlen, "routines: receive error %u, send error "
			 "%u, sent %u of %zu", w->error[0], w->error[1],
			 w->bytes[1], len);
		return -1;
	}
	return w->bytes[0];
}

static void err_set(char *err, size_t len, const char *what)
{
	snprintf(err, len, "%s: WSA error %d", what, WSAGetLastError());
}

struct rr_wsa *rr_wsa_open(struct sockaddr_in *a, struct sockaddr_in *b,
			   char *err, size_t errlen)
{
	struct rr_wsa *w = calloc(1, sizeof(*w));
	WSADATA wd;
	int i, r;

	if (!w) {
		snprintf(err, errlen, "calloc");
		return NULL;
	}
	r = WSAStartup(MAKEWORD(2, 2), &wd);
	if (r) {
		snprintf(err, errlen, "WSAStartup: %d", r);
		free(w);
		return NULL;
	}
	for (i = 0; i < 2; i++) {
		int len = sizeof(w->addr[i]);

		w->s[i] = WSASocketA(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0,
				     WSA_FLAG_OVERLAPPED);
		if (w->s[i] == INVALID_SOCKET) {
			err_set(err, errlen, "WSASocket");
			return NULL;
		}
		memset(&w->addr[i], 0, sizeof(w->addr[i]));
		w->addr[i].sin_family = AF_INET;
		w->addr[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (bind(w->s[i], (struct sockaddr *)&w->addr[i],
			 sizeof(w->addr[i])) == SOCKET_ERROR ||
		    getsockname(w->s[i], (struct sockaddr *)&w->addr[i],
				&len) == SOCKET_ERROR) {
			err_set(err, errlen, "bind/getsockname");
			return NULL;
		}
		w->ev[i] = WSACreateEvent();
		if (w->ev[i] == WSA_INVALID_EVENT) {
			err_set(err, errlen, "WSACreateEvent");
			return NULL;
		}
	}
	*a = w->addr[0];
	*b = w->addr[1];
	return w;
}

long rr_wsa_leg(struct rr_wsa *w, int from, const void *tx, size_t len,
		void *rx, size_t rxcap, struct sockaddr_in *src, int *srclen,
		int *pending, enum rr_wsa_mode mode, char *err,
		size_t errlen)
{
	LPWSAOVERLAPPED_COMPLETION_ROUTINE cr =
		mode == RR_WSA_ROUTINE ? rr_wsa_routine : NULL;
	SOCKET out = w->s[from], in = w->s[!from];
	WSABUF rb = { (ULONG)rxcap, rx }, sb = { (ULONG)len, (CHAR *)tx };
	DWORD got = 0, sent = 0, flags = 0, r;
	int ret;

	*srclen = sizeof(*src);
	memset(&w->ov[0], 0, sizeof(w->ov[0]));
	w->ov[0].hEvent = cr ? (WSAEVENT)w : w->ev[0];
	w->done[0] = w->done[1] = 0;
	ret = WSARecvFrom(in, &rb, 1, NULL, &flags, (struct sockaddr *)src,
			  srclen, &w->ov[0], cr);
	*pending = ret == SOCKET_ERROR && WSAGetLastError() == WSA_IO_PENDING;
	if (ret == SOCKET_ERROR && !*pending) {
		err_set(err, errlen, "WSARecvFrom");
		return -1;
	}

	memset(&w->ov[1], 0, sizeof(w->ov[1]));
	w->ov[1].hEvent = cr ? (WSAEVENT)w : w->ev[1];
	ret = WSASendTo(out, &sb, 1, &sent, 0,
			(const struct sockaddr *)&w->addr[!from],
			sizeof(w->addr[!from]), &w->ov[1], cr);
	if (cr) {
		if (ret == SOCKET_ERROR && WSAGetLastError() != WSA_IO_PENDING) {
			err_set(err, errlen, "WSASendTo");
			return -1;
		}
		return rr_wsa_routines(w, len, err, errlen);
	}
	if (ret == SOCKET_ERROR) {
		if (WSAGetLastError() != WSA_IO_PENDING) {
			err_set(err, errlen, "WSASendTo");
			return -1;
		}
		r = WSAWaitForMultipleEvents(1, &w->ev[1], FALSE, TIMEOUT_MS,
					     FALSE);
		if (r != WSA_WAIT_EVENT_0) {
			snprintf(err, errlen, "WSASendTo: no completion (%u)", r);
			return -1;
		}
		if (!WSAGetOverlappedResult(out, &w->ov[1], &sent, FALSE,
					    &flags)) {
			err_set(err, errlen, "WSAGetOverlappedResult(send)");
			return -1;
		}
	}
	/* else it completed at once: the count is in sent, as on Windows */
	if (sent != len) {
		snprintf(err, errlen, "WSASendTo sent %u of %zu", sent, len);
		return -1;
	}

	r = WSAWaitForMultipleEvents(1, &w->ev[0], FALSE, TIMEOUT_MS, FALSE);
	if (r != WSA_WAIT_EVENT_0) {
		snprintf(err, errlen, "WSARecvFrom: no completion (wait %u, "
			 "error %d)", r, WSAGetLastError());
		return -1;
	}
	if (!WSAGetOverlappedResult(in, &w->ov[0], &got, FALSE, &flags)) {
		err_set(err, errlen, "WSAGetOverlappedResult(recv)");
		return -1;
	}
	/*
	 * Redundant on Windows and here (WSARecvFrom/WSASendTo reset hEvent
	 * when they issue the op), but common in ported code: a variant of
	 * its own, since each is a syscall when the event is set.
	 */
	if (mode == RR_WSA_EVENT_RESET) {
		WSAResetEvent(w->ev[0]);
		WSAResetEvent(w->ev[1]);
	}
	return got;
}

void rr_wsa_close(struct rr_wsa *w)
{
	int i;

	if (!w)
		return;
	for (i = 0; i < 2; i++) {
		closesocket(w->s[i]);
		WSACloseEvent(w->ev[i]);
	}
	WSACleanup();
	free(w);
}
