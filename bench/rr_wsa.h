/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Benchmark 1 (d): the libwsa side, in its own translation unit (it sees
 * <winsock2.h>, udp_rr.c does not).  Plain C types only.
 */
#ifndef WSAOVL_BENCH_RR_WSA_H
#define WSAOVL_BENCH_RR_WSA_H

#include <stddef.h>
#include <netinet/in.h>

struct rr_wsa;

/* WSAStartup, two overlapped UDP sockets on 127.0.0.1, two events. */
struct rr_wsa *rr_wsa_open(struct sockaddr_in *a, struct sockaddr_in *b,
			   char *err, size_t errlen);

/*
 * How a leg waits: events (WSAWaitForMultipleEvents, then
 * WSAGetOverlappedResult), events reset after each leg (WSAResetEvent),
 * or completion routines run by an alertable SleepEx.
 */
enum rr_wsa_mode { RR_WSA_EVENT, RR_WSA_EVENT_RESET, RR_WSA_ROUTINE };

/*
 * One direction: post WSARecvFrom (overlapped) on the receiving socket,
 * WSASendTo (overlapped) from the other, wait for the receive as @mode
 * says.
 * @from: 0 = A sends to B, 1 = B sends to A.  Returns the bytes received
 * (data in rx, source in *src and *srclen) or -1 with err set.  *pending is
 * set when WSARecvFrom returned WSA_IO_PENDING.
 */
long rr_wsa_leg(struct rr_wsa *w, int from, const void *tx, size_t len,
		void *rx, size_t rxcap, struct sockaddr_in *src, int *srclen,
		int *pending, enum rr_wsa_mode mode, char *err,
		size_t errlen);

void rr_wsa_close(struct rr_wsa *w);

#endif
