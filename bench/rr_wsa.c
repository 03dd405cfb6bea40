// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 1 (d): WSASendTo/WSARecvFrom overlapped with events, through
 * libwsa, as a Winsock program writes them: the receive is posted first
 * (WSA_IO_PENDING), the send usually completes at once (its byte count
 * comes back from WSASendTo); the receive is waited for with
 * WSAWaitForMultipleEvents and read with WSAGetOverlappedResult.
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
};

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
		int *pending, int reset, char *err, size_t errlen)
{
	SOCKET out = w->s[from], in = w->s[!from];
	WSABUF rb = { (ULONG)rxcap, rx }, sb = { (ULONG)len, (CHAR *)tx };
	DWORD got = 0, sent = 0, flags = 0, r;
	int ret;

	*srclen = sizeof(*src);
	memset(&w->ov[0], 0, sizeof(w->ov[0]));
	w->ov[0].hEvent = w->ev[0];
	ret = WSARecvFrom(in, &rb, 1, NULL, &flags, (struct sockaddr *)src,
			  srclen, &w->ov[0], NULL);
	*pending = ret == SOCKET_ERROR && WSAGetLastError() == WSA_IO_PENDING;
	if (ret == SOCKET_ERROR && !*pending) {
		err_set(err, errlen, "WSARecvFrom");
		return -1;
	}

	memset(&w->ov[1], 0, sizeof(w->ov[1]));
	w->ov[1].hEvent = w->ev[1];
	ret = WSASendTo(out, &sb, 1, &sent, 0,
			(const struct sockaddr *)&w->addr[!from],
			sizeof(w->addr[!from]), &w->ov[1], NULL);
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
	if (reset) {
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
