// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 1: UDP request/response over loopback, small datagrams.
 *
 * Two unconnected UDP sockets A and B on 127.0.0.1.  One round trip (one
 * "op" in the results) is: A sends a request to B, B receives it, B sends
 * the response to A, A receives it, every data byte and the source address
 * checked.  Both ends run in this one thread through the API under test,
 * so a round trip costs exactly two sends and two receives of that API
 * (and no scheduler noise of a second thread, which TCG would amplify).
 *
 * Variants (baseline: blocking):
 *   blocking          sendto()/recvfrom() on blocking sockets
 *   io_uring          liburing, one SQE per op, io_uring_submit_and_wait
 *   io_uring-posted   the receive SQE is submitted before the send, so it
 *                     parks on io_uring's internal poll and completes by
 *                     task work (io_uring's "pending path")
 *   wsaovl-inline     one sqe per SUBMIT, SKIP_INLINE_CQE: the receive is
 *                     submitted after the send, completes inline; results
 *                     from the sqe, nothing in the ring
 *   wsaovl-inline-cqe the same without SKIP_INLINE_CQE: every op's cqe is
 *                     reaped from the mmap'd ring
 *   wsaovl-pending    the overlapped receive is posted first (PENDING),
 *                     then the send (inline, SKIP_INLINE_CQE); the
 *                     receive's cqe comes from the workqueue and is reaped
 *                     from the ring, with poll() on the device when empty
 *   wsaovl-pending-q2 two overlapped receives kept posted on each socket,
 *                     so its queue never runs empty: send, reap the head
 *                     receive's cqe, re-post its buffer (PENDING, queued
 *                     behind the other); shows what the per-socket queue's
 *                     set-up and tear-down cost wsaovl-pending
 *   libwsa-overlapped (only when built with libwsa, -DHAVE_LIBWSA)
 *                     WSARecvFrom overlapped with an event, then WSASendTo
 *                     overlapped with an event, WSAWaitForMultipleEvents,
 *                     WSAGetOverlappedResult (rr_wsa.c)
 *   libwsa-overlapped-reset  the same with a WSAResetEvent of both events
 *                     after each leg (redundant: the calls reset hEvent at
 *                     issue; two more syscalls per leg)
 *   libwsa-routine    WSARecvFrom and WSASendTo with completion routines,
 *                     run by SleepEx(..., TRUE) (the APC model)
 *
 *   udp_rr [VARIANT...]      (default: all)
 *   udp_rr --variants        list the variants this build has
 * Results: ops_s (round trips/s); ratio = the median over rounds of
 * (this variant's round trips/s / the baseline's in the same round);
 * ratio_total = ops_s / the baseline's ops_s; ratio_p50 = the baseline's
 * median round trip / this one's (the same direction); lat_ratio = mean
 * latency / the baseline's.  The median ratios shrug off the moments the
 * host stalls the VM.
 *
 * Env: BENCH_SECS (time bound per variant, default 2), BENCH_MSGS
 * (round trips per variant, default 100000), BENCH_SIZE (datagram bytes,
 * default 64, 16..1472), BENCH_ROUNDS (default 10: the variants run in
 * turn, each for BENCH_SECS/BENCH_ROUNDS per round, so that a change of
 * the host's speed during the run is shared by all of them),
 * BENCH_NO_BASELINE (1: leave the baseline out, to profile one variant).
 */
#include "common.h"

#include <liburing.h>

#ifdef HAVE_LIBWSA
#include "rr_wsa.h"
#endif

#define BENCH		"udp_rr"
#define DIR_REQ		0x5245510000000000ULL	/* "REQ" */
#define DIR_RSP		0x5253500000000000ULL	/* "RSP" */
#define TIMEOUT_MS	2000

static size_t msg_size = 64;
static long max_msgs = 100000;
static uint64_t budget_ns, slice_ns;
static int rounds = 3;
static double base_ops_s, base_mean_us, base_p50_us;
static struct rr *base_rr;

struct rr {
	int a, b;
	struct sockaddr_in aa, ba;
	unsigned char txbuf[2048], rxbuf[2048];
	struct sockaddr_in src;
	struct lat lat;
	long done;		/* round trips completed and verified */
	long errors;
	uint64_t ns;		/* time of the measured round trips */
	long seq;		/* next sequence number */
	bool warmed, opened, base;
	const char *name;
	void *priv;		/* the variant's own state */
	double rate[MAX_ROUNDS];	/* round trips/s of each slice */
	int nrate;
};

static void fill_msg(unsigned char *p, uint64_t seq, uint64_t dir)
{
	uint64_t h = seq ^ dir;
	size_t i;

	memcpy(p, &seq, 8);
	memcpy(p + 8, &dir, 8);
	for (i = 16; i < msg_size; i++)
		p[i] = (unsigned char)(h + i * 131);
}

/* Check a received datagram; false (and a FAIL) if anything is off. */
static bool check_msg(struct rr *r, long len, uint64_t seq, uint64_t dir,
		      const struct sockaddr_in *src, socklen_t srclen,
		      const struct sockaddr_in *want_src)
{
	unsigned char want[2048];

	if (len != (long)msg_size) {
		FAILF("seq %llu: received %ld bytes, want %zu",
		      (unsigned long long)seq, len, msg_size);
		r->errors++;
		return false;
	}
	fill_msg(want, seq, dir);
	if (memcmp(want, r->rxbuf, msg_size)) {
		uint64_t got;

		memcpy(&got, r->rxbuf, 8);
		FAILF("seq %llu: wrong data (got seq %llu)",
		      (unsigned long long)seq, (unsigned long long)got);
		r->errors++;
		return false;
	}
	if (srclen != sizeof(*src) || !same_addr(src, want_src)) {
		FAILF("seq %llu: wrong source address (len %u, port %u want %u)",
		      (unsigned long long)seq, srclen, ntohs(src->sin_port),
		      ntohs(want_src->sin_port));
		r->errors++;
		return false;
	}
	return true;
}

static void rr_open(struct rr *r, bool blocking)
{
	struct timeval tv = { TIMEOUT_MS / 1000, 0 };

	memset(r, 0, sizeof(*r));
	r->a = bound_socket(SOCK_DGRAM, &r->aa);
	r->b = bound_socket(SOCK_DGRAM, &r->ba);
	if (r->a < 0 || r->b < 0)
		die("socket");
	if (blocking &&
	    (setsockopt(r->a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	     setsockopt(r->b, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))))
		die("SO_RCVTIMEO");
	lat_init(&r->lat, max_msgs);
}

static void rr_close(struct rr *r)
{
	close(r->a);
	close(r->b);
	lat_free(&r->lat);
}

/* Warm-up round trips (not timed) before the measured ones. */
static long warmup(void)
{
	long w = max_msgs / 50;

	return w > 2000 ? 2000 : w;
}

static void report(struct rr *r, const char *variant, bool base,
		   const char *extra_fmt, ...)
{
	struct lat_stats s = lat_stats(&r->lat);
	double secs = r->ns / 1e9;
	double ops_s = secs > 0 ? r->done / secs : 0;
	bool ok = !r->errors && r->done > 0;
	char extra[256] = "";
	va_list ap;

	if (base && ok) {
		base_ops_s = ops_s;
		base_mean_us = s.mean_us;
		base_p50_us = s.p50_us;
		base_rr = r;
	}
	if (extra_fmt) {
		va_start(ap, extra_fmt);
		vsnprintf(extra, sizeof(extra), extra_fmt, ap);
		va_end(ap);
	}
	result(BENCH, variant, ok,
	       "size=%zu ops=%ld secs=%.2f ops_s=%.0f mean_us=%.1f p50_us=%.1f "
	       "p99_us=%.1f baseline=blocking ratio=%.2f ratio_total=%.2f "
	       "ratio_p50=%.2f lat_ratio=%.2f rounds=%d errors=%ld%s%s",
	       msg_size, r->done, secs, ops_s, s.mean_us, s.p50_us, s.p99_us,
	       base_rr ? median_ratio(r->rate, r->nrate, base_rr->rate,
				      base_rr->nrate) : 0,
	       base_ops_s > 0 ? ops_s / base_ops_s : 0,
	       s.p50_us > 0 ? base_p50_us / s.p50_us : 0,
	       base_mean_us > 0 ? s.mean_us / base_mean_us : 0, r->nrate,
	       r->errors,
	       *extra ? " " : "", extra);
}

/*
 * One slice of a variant's round trips: a warm-up the first time, then
 * measured round trips until the slice's time or the variant's count.
 * Slices of all variants alternate (BENCH_ROUNDS), so a drift of the
 * host's speed during the run hits every variant alike.
 */
#define RR_LOOP(r, i, ...) do {					\
	long __w = (r)->warmed ? 0 : warmup(), __i, __n = 0;		\
	uint64_t __start = 0, __last = 0;				\
	(r)->warmed = true;						\
	for (__i = -__w; (r)->done < max_msgs && !(r)->errors; __i++) {	\
		uint64_t __t0 = now_ns(), __t1;				\
		long i = (r)->seq++;					\
		if (__i == 0)						\
			__start = __t0;					\
		__VA_ARGS__						\
		if ((r)->errors)					\
			break;						\
		__t1 = now_ns();					\
		if (__i >= 0) {						\
			lat_add(&(r)->lat, __t1 - __t0);		\
			(r)->done++;					\
			__n++;						\
			__last = __t1;					\
			if (__t1 - __start > slice_ns)			\
				break;					\
		}							\
	}								\
	if (__last > __start) {						\
		(r)->ns += __last - __start;				\
		if ((r)->nrate < MAX_ROUNDS)				\
			(r)->rate[(r)->nrate++] =			\
				__n / ((__last - __start) / 1e9);	\
	}								\
} while (0)

/* A variant: open (false on failure), one slice, report and close. */
enum phase { P_OPEN, P_SLICE, P_CLOSE };

/* ------------------------------------------------------------------ */
/* (a) blocking syscalls                                               */

static bool blk_send(struct rr *r, int fd, const struct sockaddr_in *to,
		     uint64_t seq, uint64_t dir)
{
	ssize_t n;

	fill_msg(r->txbuf, seq, dir);
	n = sendto(fd, r->txbuf, msg_size, 0, (const void *)to, sizeof(*to));
	if (n != (ssize_t)msg_size) {
		FAILF("sendto: %zd (%s)", n, strerror(errno));
		r->errors++;
		return false;
	}
	return true;
}

static bool blk_recv(struct rr *r, int fd, uint64_t seq, uint64_t dir,
		     const struct sockaddr_in *want_src)
{
	socklen_t sl = sizeof(r->src);
	ssize_t n;

	n = recvfrom(fd, r->rxbuf, sizeof(r->rxbuf), 0, (void *)&r->src, &sl);
	if (n < 0) {
		FAILF("recvfrom seq %llu: %s", (unsigned long long)seq,
		      strerror(errno));
		r->errors++;
		return false;
	}
	return check_msg(r, n, seq, dir, &r->src, sl, want_src);
}

static bool v_blocking(struct rr *r, enum phase p)
{
	if (p == P_OPEN) {
		rr_open(r, true);
		return true;
	}
	if (p == P_CLOSE) {
		report(r, "blocking", true, NULL);
		rr_close(r);
		return true;
	}
	RR_LOOP(r, i, {
		if (!blk_send(r, r->a, &r->ba, i, DIR_REQ) ||
		    !blk_recv(r, r->b, i, DIR_REQ, &r->aa) ||
		    !blk_send(r, r->b, &r->aa, i, DIR_RSP) ||
		    !blk_recv(r, r->a, i, DIR_RSP, &r->ba))
			break;
	});
	return true;
}

/* ------------------------------------------------------------------ */
/* (b) io_uring                                                        */

struct uring_op {
	struct msghdr msg;
	struct iovec iov;
	struct sockaddr_in name;
};

static void uring_prep_send(struct io_uring *ring, struct rr *r,
			    struct uring_op *o, int fd,
			    const struct sockaddr_in *to, uint64_t seq,
			    uint64_t dir)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	fill_msg(r->txbuf, seq, dir);
	memset(o, 0, sizeof(*o));
	o->name = *to;
	o->iov.iov_base = r->txbuf;
	o->iov.iov_len = msg_size;
	o->msg.msg_name = &o->name;
	o->msg.msg_namelen = sizeof(o->name);
	o->msg.msg_iov = &o->iov;
	o->msg.msg_iovlen = 1;
	io_uring_prep_sendmsg(sqe, fd, &o->msg, 0);
	io_uring_sqe_set_data64(sqe, 1);
}

static void uring_prep_recv(struct io_uring *ring, struct rr *r,
			    struct uring_op *o, int fd)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	memset(o, 0, sizeof(*o));
	o->iov.iov_base = r->rxbuf;
	o->iov.iov_len = sizeof(r->rxbuf);
	o->msg.msg_name = &o->name;
	o->msg.msg_namelen = sizeof(o->name);
	o->msg.msg_iov = &o->iov;
	o->msg.msg_iovlen = 1;
	io_uring_prep_recvmsg(sqe, fd, &o->msg, 0);
	io_uring_sqe_set_data64(sqe, 2);
}

/* Submit what is queued and wait for @n cqes; their results by user_data. */
static bool uring_reap(struct io_uring *ring, struct rr *r, unsigned int n,
		       long *send_res, long *recv_res)
{
	struct __kernel_timespec ts = { TIMEOUT_MS / 1000, 0 };
	struct io_uring_cqe *cqe;
	unsigned int got = 0;
	int ret;

	ret = io_uring_submit_and_wait_timeout(ring, &cqe, n, &ts, NULL);
	if (ret < 0) {
		FAILF("io_uring_submit_and_wait_timeout: %s", strerror(-ret));
		r->errors++;
		return false;
	}
	while (got < n) {
		if (io_uring_peek_cqe(ring, &cqe)) {
			ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
			if (ret) {
				FAILF("io_uring: lost completion (%s)",
				      strerror(-ret));
				r->errors++;
				return false;
			}
		}
		if (cqe->user_data == 1)
			*send_res = cqe->res;
		else
			*recv_res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		got++;
	}
	return true;
}

static bool uring_check(struct rr *r, struct uring_op *ro, long sres,
			long rres, uint64_t seq, uint64_t dir,
			const struct sockaddr_in *want_src)
{
	if (sres != (long)msg_size) {
		FAILF("io_uring sendmsg: %ld", sres);
		r->errors++;
		return false;
	}
	if (rres < 0) {
		FAILF("io_uring recvmsg: %s", strerror(-rres));
		r->errors++;
		return false;
	}
	return check_msg(r, rres, seq, dir, &ro->name, ro->msg.msg_namelen,
			 want_src);
}

static bool uring_variant(struct rr *r, enum phase p, bool posted)
{
	const char *name = posted ? "io_uring-posted" : "io_uring";
	struct io_uring *ring = r->priv;
	struct uring_op so, ro;
	int ret;

	if (p == P_OPEN) {
		rr_open(r, false);
		ring = calloc(1, sizeof(*ring));
		if (!ring)
			die("calloc");
		ret = io_uring_queue_init(8, ring, 0);
		if (ret) {
			FAILF("io_uring_queue_init: %s", strerror(-ret));
			result(BENCH, name, false, "error=io_uring_queue_init");
			free(ring);
			rr_close(r);
			return false;
		}
		r->priv = ring;
		return true;
	}
	if (p == P_CLOSE) {
		report(r, name, false, NULL);
		rr_close(r);
		io_uring_queue_exit(ring);
		free(ring);
		return true;
	}
	RR_LOOP(r, i, {
		long s = -1, v = -1, dummy;

		if (posted) {
			/* Receive first: it parks on the socket. */
			uring_prep_recv(ring, r, &ro, r->b);
			io_uring_submit(ring);
			uring_prep_send(ring, r, &so, r->a, &r->ba, i, DIR_REQ);
			if (!uring_reap(ring, r, 2, &s, &v) ||
			    !uring_check(r, &ro, s, v, i, DIR_REQ, &r->aa))
				break;
			uring_prep_recv(ring, r, &ro, r->a);
			io_uring_submit(ring);
			uring_prep_send(ring, r, &so, r->b, &r->aa, i, DIR_RSP);
			if (!uring_reap(ring, r, 2, &s, &v) ||
			    !uring_check(r, &ro, s, v, i, DIR_RSP, &r->ba))
				break;
		} else {
			uring_prep_send(ring, r, &so, r->a, &r->ba, i, DIR_REQ);
			if (!uring_reap(ring, r, 1, &s, &dummy))
				break;
			uring_prep_recv(ring, r, &ro, r->b);
			if (!uring_reap(ring, r, 1, &dummy, &v) ||
			    !uring_check(r, &ro, s, v, i, DIR_REQ, &r->aa))
				break;
			uring_prep_send(ring, r, &so, r->b, &r->aa, i, DIR_RSP);
			if (!uring_reap(ring, r, 1, &s, &dummy))
				break;
			uring_prep_recv(ring, r, &ro, r->a);
			if (!uring_reap(ring, r, 1, &dummy, &v) ||
			    !uring_check(r, &ro, s, v, i, DIR_RSP, &r->ba))
				break;
		}
	});
	return true;
}

static bool v_uring(struct rr *r, enum phase p)
{
	return uring_variant(r, p, false);
}

static bool v_uring_posted(struct rr *r, enum phase p)
{
	return uring_variant(r, p, true);
}

/* ------------------------------------------------------------------ */
/* (c) wsaovl raw ABI                                                  */

struct wctx {
	struct ctx c;
	struct wsaovl_buf sbuf, rbuf;
	struct sockaddr_in name;
	/* [0] sends, [1] receives */
	long inline_done[2], pending[2];
	long cqes_from_ring, extra_cqes;
	/* wsaovl-pending-q2: two receives posted per socket [sock][slot] */
	unsigned char qbuf[2][2][2048];
	struct sockaddr_in qname[2][2];
	struct wsaovl_buf qb[2][2];
	int head[2];		/* the slot that completes next */
};

/* Submit one sqe; false on a rejected op. */
static bool w_submit1(struct rr *r, struct wctx *w, struct wsaovl_sqe *s)
{
	bool rx = s->opcode == WSAOVL_OP_RECVFROM;
	int ret = wsa_submit(&w->c, s, 1);

	if (ret != 1 || s->state == WSAOVL_STATE_FAILED) {
		FAILF("SUBMIT op %u: ret %d state %u res %d (%s)", s->opcode,
		      ret, s->state, s->res, strerror(ret < 0 ? -ret : -s->res));
		r->errors++;
		return false;
	}
	if (s->state == WSAOVL_STATE_DONE)
		w->inline_done[rx]++;
	else if (s->state == WSAOVL_STATE_PENDING)
		w->pending[rx]++;
	else {
		FAILF("SUBMIT: bad state %u", s->state);
		r->errors++;
		return false;
	}
	return true;
}

/* The cqe of @tag: from the ring, poll()ing when it is empty. */
static bool w_reap(struct rr *r, struct wctx *w, uint64_t tag,
		   struct wsaovl_cqe *cqe)
{
	uint64_t polls = w->c.polls;
	int ret = cq_wait(&w->c, cqe, TIMEOUT_MS);

	if (ret != 1) {
		FAILF("lost completion: tag %llu (%s)", (unsigned long long)tag,
		      ret ? strerror(-ret) : "timeout");
		r->errors++;
		return false;
	}
	if (w->c.polls == polls)
		w->cqes_from_ring++;
	if (cqe->tag != tag) {
		FAILF("cqe tag %llu, want %llu", (unsigned long long)cqe->tag,
		      (unsigned long long)tag);
		r->errors++;
		return false;
	}
	return true;
}

static void w_prep_send(struct rr *r, struct wctx *w, struct wsaovl_sqe *s,
			int fd, const struct sockaddr_in *to, uint64_t seq,
			uint64_t dir, uint64_t tag, uint16_t flags)
{
	fill_msg(r->txbuf, seq, dir);
	buf_set(&w->sbuf, r->txbuf, msg_size);
	sqe_init(s, WSAOVL_OP_SENDTO, fd, &w->sbuf, tag);
	s->addr = (uintptr_t)to;
	s->addrlen = sizeof(*to);
	s->flags = flags;
}

static void w_prep_recv(struct rr *r, struct wctx *w, struct wsaovl_sqe *s,
			int fd, uint64_t tag, uint16_t flags)
{
	buf_set(&w->rbuf, r->rxbuf, sizeof(r->rxbuf));
	memset(&w->name, 0, sizeof(w->name));
	sqe_init(s, WSAOVL_OP_RECVFROM, fd, &w->rbuf, tag);
	s->addr = (uintptr_t)&w->name;
	s->addrlen = sizeof(w->name);
	s->flags = flags;
}

/*
 * One direction of the round trip on the inline path: send, then receive
 * (the datagram is queued by then, so the receive completes in SUBMIT).
 * With @cqe, every op also posts a cqe that is reaped from the ring.
 */
static bool w_inline_leg(struct rr *r, struct wctx *w, int from, int to_fd,
			 const struct sockaddr_in *to,
			 const struct sockaddr_in *from_addr, uint64_t seq,
			 uint64_t dir, bool cqe)
{
	uint16_t fl = cqe ? 0 : WSAOVL_SQE_SKIP_INLINE_CQE;
	struct wsaovl_sqe s;
	struct wsaovl_cqe c;
	long res;
	uint32_t namelen;

	w_prep_send(r, w, &s, from, to, seq, dir, seq * 4 + 1, fl);
	if (!w_submit1(r, w, &s))
		return false;
	if (s.state == WSAOVL_STATE_DONE && s.res != (int)msg_size) {
		FAILF("SENDTO inline res %d", s.res);
		r->errors++;
		return false;
	}
	if (s.state == WSAOVL_STATE_PENDING || cqe) {
		if (!w_reap(r, w, seq * 4 + 1, &c))
			return false;
		if (c.res != (int)msg_size) {
			FAILF("SENDTO cqe res %d", c.res);
			r->errors++;
			return false;
		}
	}

	w_prep_recv(r, w, &s, to_fd, seq * 4 + 2, fl);
	if (!w_submit1(r, w, &s))
		return false;
	res = s.res;
	namelen = s.out_namelen;
	if (s.state == WSAOVL_STATE_PENDING || cqe) {
		if (!w_reap(r, w, seq * 4 + 2, &c))
			return false;
		if (s.state == WSAOVL_STATE_DONE &&
		    (c.res != s.res || c.namelen != s.out_namelen)) {
			FAILF("inline cqe differs from the sqe: res %d/%d "
			      "namelen %u/%u", c.res, s.res, c.namelen,
			      s.out_namelen);
			r->errors++;
			return false;
		}
		res = c.res;
		namelen = c.namelen;
	}
	return check_msg(r, res, seq, dir, &w->name, namelen, from_addr);
}

/*
 * One direction on the pending path: the receive is posted first and
 * parks (PENDING), then the send goes out inline; the receive's cqe is
 * written by the workqueue and reaped from the ring.
 */
static bool w_pending_leg(struct rr *r, struct wctx *w, int from, int to_fd,
			  const struct sockaddr_in *to,
			  const struct sockaddr_in *from_addr, uint64_t seq,
			  uint64_t dir)
{
	struct wsaovl_sqe s;
	struct wsaovl_cqe c;

	w_prep_recv(r, w, &s, to_fd, seq * 4 + 2, WSAOVL_SQE_SKIP_INLINE_CQE);
	if (!w_submit1(r, w, &s))
		return false;
	if (s.state == WSAOVL_STATE_DONE) {
		/* Nothing was sent yet: a datagram from nowhere. */
		FAILF("RECVFROM completed before the send (res %d)", s.res);
		r->errors++;
		return false;
	}
	w_prep_send(r, w, &s, from, to, seq, dir, seq * 4 + 1,
		    WSAOVL_SQE_SKIP_INLINE_CQE);
	if (!w_submit1(r, w, &s))
		return false;
	if (s.state == WSAOVL_STATE_DONE && s.res != (int)msg_size) {
		FAILF("SENDTO inline res %d", s.res);
		r->errors++;
		return false;
	}
	if (s.state == WSAOVL_STATE_PENDING) {
		/* Rare: its cqe may come before or after the receive's. */
		struct wsaovl_cqe c2;
		int k;

		for (k = 0; k < 2; k++) {
			if (cq_wait(&w->c, k ? &c2 : &c, TIMEOUT_MS) != 1) {
				FAILF("lost completion (pending send)");
				r->errors++;
				return false;
			}
		}
		if (c.tag == seq * 4 + 1)
			c = c2;
		if (c.tag != seq * 4 + 2) {
			FAILF("cqe tags %llu/%llu", (unsigned long long)c.tag,
			      (unsigned long long)c2.tag);
			r->errors++;
			return false;
		}
	} else if (!w_reap(r, w, seq * 4 + 2, &c)) {
		return false;
	}
	return check_msg(r, c.res, seq, dir, &w->name, c.namelen, from_addr);
}

/* wsaovl-pending-q2: post a receive into [sock][slot]; tag = sock * 2 + slot. */
static bool w_q2_post(struct rr *r, struct wctx *w, int sock, int slot)
{
	struct wsaovl_sqe s;

	buf_set(&w->qb[sock][slot], w->qbuf[sock][slot], sizeof(w->qbuf[0][0]));
	memset(&w->qname[sock][slot], 0, sizeof(w->qname[0][0]));
	sqe_init(&s, WSAOVL_OP_RECVFROM, sock ? r->b : r->a, &w->qb[sock][slot],
		 sock * 2 + slot);
	s.addr = (uintptr_t)&w->qname[sock][slot];
	s.addrlen = sizeof(w->qname[0][0]);
	s.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	if (!w_submit1(r, w, &s))
		return false;
	if (s.state != WSAOVL_STATE_PENDING) {
		FAILF("pending-q2: RECVFROM completed with nothing sent (res %d)",
		      s.res);
		r->errors++;
		return false;
	}
	return true;
}

/*
 * One direction with two receives kept posted on every socket, so its
 * queue never runs empty: send, reap the head receive's cqe, re-post that
 * buffer behind the other one.  Same ioctl count as wsaovl-pending.
 */
static bool w_q2_leg(struct rr *r, struct wctx *w, int from, int to_sock,
		     const struct sockaddr_in *to,
		     const struct sockaddr_in *from_addr, uint64_t seq,
		     uint64_t dir)
{
	int slot = w->head[to_sock];
	struct wsaovl_sqe s;
	struct wsaovl_cqe c;

	w_prep_send(r, w, &s, from, to, seq, dir, 100 + seq,
		    WSAOVL_SQE_SKIP_INLINE_CQE);
	if (!w_submit1(r, w, &s))
		return false;
	if (s.state != WSAOVL_STATE_DONE || s.res != (int)msg_size) {
		FAILF("pending-q2: SENDTO state %u res %d", s.state, s.res);
		r->errors++;
		return false;
	}
	if (!w_reap(r, w, to_sock * 2 + slot, &c))
		return false;
	memcpy(r->rxbuf, w->qbuf[to_sock][slot], msg_size);
	if (!check_msg(r, c.res, seq, dir, &w->qname[to_sock][slot], c.namelen,
		       from_addr))
		return false;
	w->head[to_sock] = !slot;
	return w_q2_post(r, w, to_sock, slot);
}

static bool wsaovl_variant(struct rr *r, enum phase p, const char *variant,
			   int mode)
{
	struct wctx *w = r->priv;
	struct wsaovl_cqe c;
	long rx_ops, tx_ops;
	double polls_per_op;

	if (p == P_OPEN) {
		w = calloc(1, sizeof(*w));
		if (!w)
			die("calloc");
		ctx_open_or_die(&w->c, 256);
		rr_open(r, false);
		r->priv = w;
		if (mode == 3 &&
		    !(w_q2_post(r, w, 0, 0) && w_q2_post(r, w, 0, 1) &&
		      w_q2_post(r, w, 1, 0) && w_q2_post(r, w, 1, 1)))
			return true;	/* reported as failed at close */
		return true;
	}
	if (p == P_SLICE) {
		RR_LOOP(r, i, {
			bool ok;

			if (mode == 2)
				ok = w_pending_leg(r, w, r->a, r->b, &r->ba,
						   &r->aa, i, DIR_REQ) &&
				     w_pending_leg(r, w, r->b, r->a, &r->aa,
						   &r->ba, i, DIR_RSP);
			else if (mode == 3)
				ok = w_q2_leg(r, w, r->a, 1, &r->ba, &r->aa, i,
					      DIR_REQ) &&
				     w_q2_leg(r, w, r->b, 0, &r->aa, &r->ba, i,
					      DIR_RSP);
			else
				ok = w_inline_leg(r, w, r->a, r->b, &r->ba,
						  &r->aa, i, DIR_REQ, mode == 1) &&
				     w_inline_leg(r, w, r->b, r->a, &r->aa,
						  &r->ba, i, DIR_RSP, mode == 1);
			if (!ok)
				break;
		});
		/* SKIP_INLINE_CQE means none: anything left is wrong. */
		while (cq_peek(&w->c, &c))
			w->extra_cqes++;
		return true;
	}
	if (w->extra_cqes) {
		FAILF("%s: %ld unexpected cqes in the ring", variant,
		      w->extra_cqes);
		r->errors++;
	}
	if (w->c.ring->overflow || w->c.ring->flags) {
		FAILF("%s: ring overflow %u flags %#x", variant,
		      w->c.ring->overflow, w->c.ring->flags);
		r->errors++;
	}
	rx_ops = w->inline_done[1] + w->pending[1];
	tx_ops = w->inline_done[0] + w->pending[0];
	polls_per_op = r->seq ? (double)w->c.polls / r->seq : 0;
	if (mode >= 2)
		report(r, variant, false,
		       "recv_pending_pct=%.1f send_inline_pct=%.1f "
		       "polls_per_op=%.2f ring_hit_pct=%.1f",
		       rx_ops ? 100.0 * w->pending[1] / rx_ops : 0,
		       tx_ops ? 100.0 * w->inline_done[0] / tx_ops : 0,
		       polls_per_op,
		       w->pending[1] ? 100.0 * w->cqes_from_ring / w->pending[1] : 0);
	else
		report(r, variant, false,
		       "recv_inline_pct=%.1f send_inline_pct=%.1f polls_per_op=%.2f",
		       rx_ops ? 100.0 * w->inline_done[1] / rx_ops : 0,
		       tx_ops ? 100.0 * w->inline_done[0] / tx_ops : 0,
		       polls_per_op);
	rr_close(r);
	ctx_fini(&w->c);
	free(w);
	return true;
}

static bool v_wsaovl_inline(struct rr *r, enum phase p)
{
	return wsaovl_variant(r, p, "wsaovl-inline", 0);
}

static bool v_wsaovl_inline_cqe(struct rr *r, enum phase p)
{
	return wsaovl_variant(r, p, "wsaovl-inline-cqe", 1);
}

static bool v_wsaovl_pending(struct rr *r, enum phase p)
{
	return wsaovl_variant(r, p, "wsaovl-pending", 2);
}

static bool v_wsaovl_pending_q2(struct rr *r, enum phase p)
{
	return wsaovl_variant(r, p, "wsaovl-pending-q2", 3);
}

/* ------------------------------------------------------------------ */
/* (d) libwsa                                                          */

#ifdef HAVE_LIBWSA
struct wsa_state {
	struct rr_wsa *w;
	long pend, legs;
};

static bool libwsa_variant(struct rr *r, enum phase p, const char *name,
			   enum rr_wsa_mode mode)
{
	struct wsa_state *st = r->priv;
	char err[256] = "";

	if (p == P_OPEN) {
		rr_open(r, false);
		st = calloc(1, sizeof(*st));
		if (!st)
			die("calloc");
		st->w = rr_wsa_open(&r->aa, &r->ba, err, sizeof(err));
		if (!st->w) {
			FAILF("libwsa: %s", err);
			result(BENCH, name, false, "error=open");
			rr_close(r);
			free(st);
			return false;
		}
		r->priv = st;
		return true;
	}
	if (p == P_CLOSE) {
		report(r, name, false, "recv_pending_pct=%.1f",
		       st->legs ? 100.0 * st->pend / st->legs : 0);
		rr_wsa_close(st->w);
		free(st);
		rr_close(r);
		return true;
	}
	RR_LOOP(r, i, {
		int dir, sl, pd;
		long n;

		for (dir = 0; dir < 2; dir++) {
			uint64_t d = dir ? DIR_RSP : DIR_REQ;

			fill_msg(r->txbuf, i, d);
			n = rr_wsa_leg(st->w, dir, r->txbuf, msg_size, r->rxbuf,
				       sizeof(r->rxbuf), &r->src, &sl, &pd, mode,
				       err, sizeof(err));
			if (n < 0) {
				FAILF("libwsa seq %ld: %s", i, err);
				r->errors++;
				break;
			}
			st->pend += pd;
			st->legs++;
			if (!check_msg(r, n, i, d, &r->src, sl,
				       dir ? &r->ba : &r->aa))
				break;
		}
	});
	return true;
}

static bool v_libwsa(struct rr *r, enum phase p)
{
	return libwsa_variant(r, p, "libwsa-overlapped", RR_WSA_EVENT);
}

static bool v_libwsa_reset(struct rr *r, enum phase p)
{
	return libwsa_variant(r, p, "libwsa-overlapped-reset",
			      RR_WSA_EVENT_RESET);
}

static bool v_libwsa_routine(struct rr *r, enum phase p)
{
	return libwsa_variant(r, p, "libwsa-routine", RR_WSA_ROUTINE);
}
#endif

static const struct variant {
	const char *name;
	bool (*fn)(struct rr *r, enum phase p);
} variants[] = {
	{ "blocking", v_blocking },		/* the baseline: first */
	{ "io_uring", v_uring },
	{ "io_uring-posted", v_uring_posted },
	{ "wsaovl-inline", v_wsaovl_inline },
	{ "wsaovl-inline-cqe", v_wsaovl_inline_cqe },
	{ "wsaovl-pending", v_wsaovl_pending },
	{ "wsaovl-pending-q2", v_wsaovl_pending_q2 },
#ifdef HAVE_LIBWSA
	{ "libwsa-overlapped", v_libwsa },
	{ "libwsa-overlapped-reset", v_libwsa_reset },
	{ "libwsa-routine", v_libwsa_routine },
#endif
};

#define NV ARRAY_SIZE(variants)

static bool wanted(int argc, char **argv, const char *v)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], v))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	static struct rr st[NV];
	size_t i, k;
	int round;

	if (argc == 2 && !strcmp(argv[1], "--variants")) {
		for (k = 0; k < NV; k++)
			printf("%s\n", variants[k].name);
		return 0;
	}
	for (i = 1; i < (size_t)argc; i++) {
		for (k = 0; k < NV; k++)
			if (!strcmp(argv[i], variants[k].name))
				break;
		if (k == NV) {
			fprintf(stderr, "usage: %s [--variants | VARIANT...]; variants:",
				argv[0]);
			for (k = 0; k < NV; k++)
				fprintf(stderr, " %s", variants[k].name);
			fputc('\n', stderr);
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	msg_size = env_long("BENCH_SIZE", 64);
	if (msg_size < 16 || msg_size > 1472) {
		fprintf(stderr, "BENCH_SIZE must be 16..1472\n");
		return 2;
	}
	max_msgs = env_long("BENCH_MSGS", 100000);
	rounds = bench_rounds(10);
	budget_ns = bench_budget_ns();
	slice_ns = budget_ns / rounds;

	/*
	 * The baseline always runs: every ratio is against this run's.
	 * BENCH_NO_BASELINE=1 leaves it out, for profiling one variant alone
	 * (its ratios are then 0).
	 */
	for (k = 0; k < NV; k++)
		if ((!k && !env_long("BENCH_NO_BASELINE", 0)) ||
		    wanted(argc, argv, variants[k].name))
			st[k].opened = variants[k].fn(&st[k], P_OPEN);
	for (round = 0; round < rounds; round++)
		for (k = 0; k < NV; k++)
			if (st[k].opened && !st[k].errors &&
			    st[k].done < max_msgs)
				variants[k].fn(&st[k], P_SLICE);
	for (k = 0; k < NV; k++)
		if (st[k].opened)
			variants[k].fn(&st[k], P_CLOSE);
	return bench_failures ? 1 : 0;
}
