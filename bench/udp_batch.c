// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 2: batched submission.  Batches of N (default 32) UDP sends
 * of 64 B from socket A to socket B over loopback.  Only the sending of a
 * batch is timed; after each batch B is drained with recvmmsg() (untimed)
 * and every datagram's sequence number and bytes are checked, so a lost,
 * duplicated, reordered or corrupted datagram fails the run.
 *
 * Variants (baseline: sendto):
 *   sendto        N sendto() syscalls
 *   sendmmsg      one sendmmsg() of N messages
 *   io_uring      N SENDMSG SQEs, one io_uring_submit_and_wait(N)
 *   wsaovl-1x     N SUBMIT ioctls of one SENDTO sqe each (SKIP_INLINE_CQE)
 *   wsaovl-batch  one SUBMIT ioctl of N SENDTO sqes (SKIP_INLINE_CQE)
 *
 *   udp_batch [VARIANT...]     (default: all)
 * Results: msgs_s (datagrams sent per second of send time); ratio = the
 * median over rounds of (msgs_s / the baseline's in the same round);
 * ratio_total = msgs_s / the baseline's; ratio_p50 = the baseline's
 * median batch time / this one's.  The variants run in turn,
 * BENCH_ROUNDS (default 10) slices each.
 *
 * Env: BENCH_SECS (default 2), BENCH_BATCH (N, default 32, max 1024),
 * BENCH_SIZE (default 64), BENCH_BATCH_MSGS (datagrams per variant at most,
 * default 3200000).
 */
#include "common.h"

#include <liburing.h>

#define BENCH		"udp_batch"
#define MAXB		1024

static unsigned int nb = 32;
static size_t msg_size = 64;
static long max_msgs = 3200000;
static uint64_t budget_ns, slice_ns;
static int rounds = 3;
static double base_rate, base_p50;
static struct st *base_st;

struct st {
	int a, b;
	struct sockaddr_in aa, ba;
	unsigned char (*tx)[2048];	/* one buffer per datagram of a batch */
	unsigned char (*rx)[2048];
	struct mmsghdr rmsg[MAXB];
	struct iovec riov[MAXB];
	struct sockaddr_in rname[MAXB];
	uint64_t seq;			/* next to send */
	uint64_t rseq;			/* next expected */
	long sent, errors;
	uint64_t send_ns;
	struct lat lat;			/* per batch */
	bool warmed, opened;
	void *arg;			/* the variant's own state */
	double rate[MAX_ROUNDS];	/* datagrams/s of send time per slice */
	int nrate;
};

static void fill(unsigned char *p, uint64_t seq)
{
	size_t i;

	memcpy(p, &seq, 8);
	for (i = 8; i < msg_size; i++)
		p[i] = (unsigned char)(seq * 7 + i);
}

static void st_open(struct st *s)
{
	int sz = 4 << 20;

	memset(s, 0, sizeof(*s));
	s->a = bound_socket(SOCK_DGRAM, &s->aa);
	s->b = bound_socket(SOCK_DGRAM, &s->ba);
	if (s->a < 0 || s->b < 0)
		die("socket");
	if (setsockopt(s->b, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(s->b, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	s->tx = aligned_alloc(4096, (size_t)MAXB * 2048);
	s->rx = aligned_alloc(4096, (size_t)MAXB * 2048);
	if (!s->tx || !s->rx)
		die("alloc");
	lat_init(&s->lat, max_msgs / nb + 1);
}

static void st_close(struct st *s)
{
	close(s->a);
	close(s->b);
	free(s->tx);
	free(s->rx);
	lat_free(&s->lat);
}

/* Fill the next batch's buffers (untimed). */
static void prep_batch(struct st *s)
{
	unsigned int i;

	for (i = 0; i < nb; i++)
		fill(s->tx[i], s->seq + i);
}

/* Drain and verify the batch just sent; false on any mismatch. */
static bool drain(struct st *s)
{
	unsigned int got = 0, i;
	unsigned char want[2048];
	int tries = 0;

	while (got < nb) {
		int n;

		for (i = 0; i < nb - got; i++) {
			s->riov[i].iov_base = s->rx[i];
			s->riov[i].iov_len = 2048;
			memset(&s->rmsg[i], 0, sizeof(s->rmsg[i]));
			s->rmsg[i].msg_hdr.msg_iov = &s->riov[i];
			s->rmsg[i].msg_hdr.msg_iovlen = 1;
			s->rmsg[i].msg_hdr.msg_name = &s->rname[i];
			s->rmsg[i].msg_hdr.msg_namelen = sizeof(s->rname[i]);
		}
		n = recvmmsg(s->b, s->rmsg, nb - got, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EAGAIN && ++tries < 2000) {
				usleep(1000);	/* a send still in flight */
				continue;
			}
			FAILF("drain: got %u of %u datagrams (seq %llu): %s",
			      got, nb, (unsigned long long)s->rseq,
			      strerror(errno));
			s->errors++;
			return false;
		}
		for (i = 0; i < (unsigned int)n; i++) {
			fill(want, s->rseq);
			if (s->rmsg[i].msg_len != msg_size ||
			    memcmp(want, s->rx[i], msg_size) ||
			    !same_addr(&s->rname[i], &s->aa)) {
				uint64_t g;

				memcpy(&g, s->rx[i], 8);
				FAILF("datagram %llu: len %u, seq %llu",
				      (unsigned long long)s->rseq,
				      s->rmsg[i].msg_len, (unsigned long long)g);
				s->errors++;
				return false;
			}
			s->rseq++;
		}
		got += n;
	}
	return true;
}

static void report(struct st *s, const char *variant, bool base,
		   const char *extra)
{
	double secs = s->send_ns / 1e9;
	double rate = secs > 0 ? s->sent / secs : 0;
	struct lat_stats ls = lat_stats(&s->lat);
	bool ok = !s->errors && s->sent > 0;

	if (base && ok) {
		base_rate = rate;
		base_p50 = ls.p50_us;
		base_st = s;
	}
	result(BENCH, variant, ok,
	       "batch=%u size=%zu msgs=%ld secs=%.2f msgs_s=%.0f ns_per_msg=%.0f "
	       "batch_p50_us=%.1f batch_mean_us=%.1f batch_p99_us=%.1f "
	       "baseline=sendto ratio=%.2f ratio_total=%.2f ratio_p50=%.2f "
	       "rounds=%d errors=%ld%s%s",
	       nb, msg_size, s->sent, secs, rate,
	       s->sent ? s->send_ns / (double)s->sent : 0, ls.p50_us,
	       ls.mean_us, ls.p99_us,
	       base_st ? median_ratio(s->rate, s->nrate, base_st->rate,
				      base_st->nrate) : 0,
	       base_rate > 0 ? rate / base_rate : 0,
	       ls.p50_us > 0 ? base_p50 / ls.p50_us : 0, s->nrate,
	       s->errors, extra ? " " : "", extra ? extra : "");
}

/*
 * One slice: prepare (untimed), send one batch (timed, by @send), drain
 * and verify (untimed), until the slice's time or the variant's count.
 * The variants' slices alternate (BENCH_ROUNDS) so that a drift of the
 * host's speed hits all of them alike.
 */
static void loop(struct st *s, bool (*send)(struct st *, void *), void *arg)
{
	uint64_t start = now_ns(), ns0 = s->send_ns;
	long sent0 = s->sent;
	int warm = s->warmed ? 0 : 20;

	s->warmed = true;
	while (!s->errors && s->sent < max_msgs && now_ns() - start < slice_ns) {
		uint64_t t0, t1;
		bool ok;

		prep_batch(s);
		t0 = now_ns();
		ok = send(s, arg);
		t1 = now_ns();
		if (!ok)
			break;
		s->seq += nb;
		if (!drain(s))
			break;
		if (warm > 0) {
			warm--;
			continue;
		}
		s->send_ns += t1 - t0;
		s->sent += nb;
		lat_add(&s->lat, t1 - t0);
	}
	if (s->send_ns > ns0 && s->nrate < MAX_ROUNDS)
		s->rate[s->nrate++] = (s->sent - sent0) / ((s->send_ns - ns0) / 1e9);
}

/* ------------------------------------------------------------------ */

static bool send_sendto(struct st *s, void *arg)
{
	unsigned int i;

	for (i = 0; i < nb; i++) {
		ssize_t n = sendto(s->a, s->tx[i], msg_size, 0,
				   (void *)&s->ba, sizeof(s->ba));

		if (n != (ssize_t)msg_size) {
			FAILF("sendto: %zd (%s)", n, strerror(errno));
			s->errors++;
			return false;
		}
	}
	return true;
}

struct mm {
	struct mmsghdr msg[MAXB];
	struct iovec iov[MAXB];
};

static bool send_sendmmsg(struct st *s, void *arg)
{
	struct mm *m = arg;
	unsigned int i, done = 0;

	for (i = 0; i < nb; i++) {
		m->iov[i].iov_base = s->tx[i];
		m->iov[i].iov_len = msg_size;
		memset(&m->msg[i], 0, sizeof(m->msg[i]));
		m->msg[i].msg_hdr.msg_iov = &m->iov[i];
		m->msg[i].msg_hdr.msg_iovlen = 1;
		m->msg[i].msg_hdr.msg_name = &s->ba;
		m->msg[i].msg_hdr.msg_namelen = sizeof(s->ba);
	}
	while (done < nb) {
		int n = sendmmsg(s->a, m->msg + done, nb - done, 0);

		if (n <= 0) {
			FAILF("sendmmsg: %d (%s)", n, strerror(errno));
			s->errors++;
			return false;
		}
		done += n;
	}
	for (i = 0; i < nb; i++) {
		if (m->msg[i].msg_len != msg_size) {
			FAILF("sendmmsg: message %u sent %u bytes", i,
			      m->msg[i].msg_len);
			s->errors++;
			return false;
		}
	}
	return true;
}

struct ur {
	struct io_uring ring;
	struct msghdr msg[MAXB];
	struct iovec iov[MAXB];
};

static bool send_uring(struct st *s, void *arg)
{
	struct ur *u = arg;
	struct io_uring_cqe *cqe;
	unsigned int i, got = 0;
	int ret;

	for (i = 0; i < nb; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

		u->iov[i].iov_base = s->tx[i];
		u->iov[i].iov_len = msg_size;
		memset(&u->msg[i], 0, sizeof(u->msg[i]));
		u->msg[i].msg_iov = &u->iov[i];
		u->msg[i].msg_iovlen = 1;
		u->msg[i].msg_name = &s->ba;
		u->msg[i].msg_namelen = sizeof(s->ba);
		io_uring_prep_sendmsg(sqe, s->a, &u->msg[i], 0);
		io_uring_sqe_set_data64(sqe, i);
	}
	ret = io_uring_submit_and_wait(&u->ring, nb);
	if (ret != (int)nb) {
		FAILF("io_uring_submit_and_wait: %d", ret);
		s->errors++;
		return false;
	}
	while (got < nb) {
		ret = io_uring_wait_cqe(&u->ring, &cqe);
		if (ret) {
			FAILF("io_uring_wait_cqe: %s", strerror(-ret));
			s->errors++;
			return false;
		}
		if (cqe->res != (int)msg_size) {
			FAILF("io_uring sendmsg %llu: %d",
			      (unsigned long long)cqe->user_data, cqe->res);
			s->errors++;
			return false;
		}
		io_uring_cqe_seen(&u->ring, cqe);
		got++;
	}
	return true;
}

struct wb {
	struct ctx c;
	struct wsaovl_sqe sqe[MAXB];
	struct wsaovl_buf buf[MAXB];
	bool one;		/* one sqe per SUBMIT */
	long pending;
};

/* Reap the cqes of sends that went pending (rare for UDP). */
static bool w_reap_pending(struct st *s, struct wb *w, unsigned int n)
{
	struct wsaovl_cqe c = { 0 };

	while (n--) {
		if (cq_wait(&w->c, &c, 2000) != 1) {
			FAILF("lost completion of a pending send");
			s->errors++;
			return false;
		}
		if (c.res != (int)msg_size) {
			FAILF("pending SENDTO cqe res %d", c.res);
			s->errors++;
			return false;
		}
	}
	return true;
}

static bool send_wsaovl(struct st *s, void *arg)
{
	struct wb *w = arg;
	unsigned int i, pend = 0, step = w->one ? 1 : nb;
	int ret;

	for (i = 0; i < nb; i++) {
		buf_set(&w->buf[i], s->tx[i], msg_size);
		sqe_init(&w->sqe[i], WSAOVL_OP_SENDTO, s->a, &w->buf[i], s->seq + i);
		w->sqe[i].addr = (uintptr_t)&s->ba;
		w->sqe[i].addrlen = sizeof(s->ba);
		w->sqe[i].flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	}
	for (i = 0; i < nb; i += step) {
		ret = wsa_submit(&w->c, &w->sqe[i], step);
		if (ret != (int)step) {
			unsigned int k = ret < 0 ? i : i + ret;

			FAILF("SUBMIT: %d of %u (state %u res %d)", ret, step,
			      w->sqe[k].state, w->sqe[k].res);
			s->errors++;
			return false;
		}
	}
	for (i = 0; i < nb; i++) {
		if (w->sqe[i].state == WSAOVL_STATE_PENDING) {
			pend++;
		} else if (w->sqe[i].state != WSAOVL_STATE_DONE ||
			   w->sqe[i].res != (int)msg_size) {
			FAILF("sqe %u: state %u res %d", i, w->sqe[i].state,
			      w->sqe[i].res);
			s->errors++;
			return false;
		}
	}
	w->pending += pend;
	return pend ? w_reap_pending(s, w, pend) : true;
}

static void *open_wsaovl(bool one)
{
	struct wb *w = calloc(1, sizeof(*w));

	if (!w)
		die("calloc");
	ctx_open_or_die(&w->c, 4096);
	w->one = one;
	return w;
}

static void *open_wsaovl_1x(void)
{
	return open_wsaovl(true);
}

static void *open_wsaovl_batch(void)
{
	return open_wsaovl(false);
}

/* Fills extra; false if the variant broke a rule. */
static bool close_wsaovl(struct st *s, void *arg, char *extra, size_t len)
{
	struct wb *w = arg;
	struct wsaovl_cqe c;
	bool ok = true;

	if (cq_peek(&w->c, &c)) {
		FAILF("unexpected cqe (tag %llu res %d)",
		      (unsigned long long)c.tag, c.res);
		ok = false;
	}
	snprintf(extra, len, "pending=%ld", w->pending);
	ctx_fini(&w->c);
	free(w);
	return ok;
}

static void *open_plain(void)
{
	static int dummy;

	return &dummy;
}

static void *open_mm(void)
{
	struct mm *m = calloc(1, sizeof(*m));

	if (!m)
		die("calloc");
	return m;
}

static bool close_free(struct st *s, void *arg, char *extra, size_t len)
{
	free(arg);
	return true;
}

static bool close_plain(struct st *s, void *arg, char *extra, size_t len)
{
	return true;
}

static void *open_uring(void)
{
	struct ur *u = calloc(1, sizeof(*u));
	int ret;

	if (!u)
		die("calloc");
	ret = io_uring_queue_init(MAXB, &u->ring, 0);
	if (ret) {
		FAILF("io_uring_queue_init: %s", strerror(-ret));
		result(BENCH, "io_uring", false, "error=queue_init");
		free(u);
		return NULL;
	}
	return u;
}

static bool close_uring(struct st *s, void *arg, char *extra, size_t len)
{
	struct ur *u = arg;

	io_uring_queue_exit(&u->ring);
	free(u);
	return true;
}

static const struct variant {
	const char *name;
	bool (*send)(struct st *s, void *arg);
	void *(*open)(void);
	bool (*close)(struct st *s, void *arg, char *extra, size_t len);
} variants[] = {
	{ "sendto", send_sendto, open_plain, close_plain },	/* baseline */
	{ "sendmmsg", send_sendmmsg, open_mm, close_free },
	{ "io_uring", send_uring, open_uring, close_uring },
	{ "wsaovl-1x", send_wsaovl, open_wsaovl_1x, close_wsaovl },
	{ "wsaovl-batch", send_wsaovl, open_wsaovl_batch, close_wsaovl },
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
	static struct st st[NV];
	char extra[128];
	size_t k;
	int round;

	setvbuf(stdout, NULL, _IOLBF, 0);
	nb = env_long("BENCH_BATCH", 32);
	msg_size = env_long("BENCH_SIZE", 64);
	max_msgs = env_long("BENCH_BATCH_MSGS", 3200000);
	rounds = bench_rounds(10);
	budget_ns = bench_budget_ns();
	slice_ns = budget_ns / rounds;
	if (nb < 1 || nb > MAXB || msg_size < 8 || msg_size > 1472) {
		fprintf(stderr, "BENCH_BATCH 1..%d, BENCH_SIZE 8..1472\n", MAXB);
		return 2;
	}

	/* The baseline always runs: every ratio is against this run's. */
	for (k = 0; k < NV; k++) {
		void *arg;

		if (k && !wanted(argc, argv, variants[k].name))
			continue;
		arg = variants[k].open();
		if (!arg)
			continue;
		st_open(&st[k]);
		st[k].arg = arg;
		st[k].opened = true;
	}
	for (round = 0; round < rounds; round++)
		for (k = 0; k < NV; k++)
			if (st[k].opened)
				loop(&st[k], variants[k].send, st[k].arg);
	for (k = 0; k < NV; k++) {
		if (!st[k].opened)
			continue;
		extra[0] = 0;
		if (!variants[k].close(&st[k], st[k].arg, extra, sizeof(extra)))
			st[k].errors++;
		report(&st[k], variants[k].name, !k, extra[0] ? extra : NULL);
		st_close(&st[k]);
	}
	return bench_failures ? 1 : 0;
}
