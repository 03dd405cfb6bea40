// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 3: TCP bulk over loopback, 256 KiB sends.
 *
 * Each slice of a variant is a fresh connected pair; a receiver thread
 * reads the stream with blocking recv() into a 256 KiB buffer and checks
 * it (the same for every variant).  The sender sends 256 KiB chunks until
 * the slice's time, then shuts its side down; the slice ends when the
 * receiver has read everything.  MB/s = bytes / (first send .. receiver
 * saw EOF), summed over the variant's slices; the variants' slices
 * alternate (BENCH_ROUNDS, default 6).  ratio = the median over rounds of
 * (MB/s / the baseline's MB/s in the same round); ratio_total = the ratio
 * of the summed MB/s.
 *
 * The stream is checked: chunk k starts with a stamp (k), every other
 * 8-byte word at chunk offset o holds o ^ MAGIC, and the receiver checks
 * one word per 512 bytes plus every chunk stamp, and the byte count.  So
 * lost, duplicated, reordered or misplaced data fails the run.
 *
 * The pending path: the sender's SO_SNDBUF is fixed (BENCH_TCP_SNDBUF,
 * default 64 KiB, which Linux doubles), smaller than a chunk, so an
 * overlapped 256 KiB send cannot finish inline: the inline attempt queues
 * what fits, the rest is pinned and finished by the workqueue.
 *
 * Variants:
 *   blocking        send() of each chunk on a blocking socket (baseline)
 *   wsaovl-q1       one overlapped 256 KiB SEND at a time (SKIP_INLINE_CQE);
 *                   its cqe is reaped from the ring, poll() when empty
 *   wsaovl-q4       four overlapped sends outstanding (four buffers)
 *   blocking-auto   as blocking with the autotuned SO_SNDBUF (baseline of
 *                   the next)
 *   wsaovl-q4-auto  as wsaovl-q4 with the autotuned SO_SNDBUF: on loopback
 *                   most sends then complete inline
 *
 *   tcp_bulk [VARIANT...]    (default: all; a variant brings its baseline)
 * Env: BENCH_SECS (per variant, default 2), BENCH_ROUNDS (default 6),
 * BENCH_TCP_MB (bytes bound per slice, default 4096), BENCH_TCP_SNDBUF
 * (default 65536; 0 = autotuned).
 */
#include "common.h"

#include <pthread.h>

#define BENCH		"tcp_bulk"
#define CHUNK		(256 * 1024)
#define MAXQ		16
#define MAGIC		0x5753414f564c3030ULL	/* "WSAOVL00" */
#define STAMP		0xabcd000000000000ULL
#define STRIDE		512

static uint64_t budget_ns, slice_ns;
static int rounds = 3;
static uint64_t max_bytes;		/* per slice */
static long sndbuf = 65536;
static char sndbuf_str[32];

struct conn {
	int tx, rx;
	/* receiver */
	pthread_t thr;
	uint64_t rbytes;
	uint64_t checked;
	long rerrors;
	uint64_t t_eof;
};

static void *receiver(void *arg)
{
	struct conn *c = arg;
	unsigned char *buf = aligned_alloc(4096, CHUNK);
	uint64_t off = 0;

	if (!buf)
		die("alloc");
	for (;;) {
		ssize_t n = recv(c->rx, buf, CHUNK, 0);
		uint64_t o;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			FAILF("receiver: recv: %s", strerror(errno));
			c->rerrors++;
			break;
		}
		if (n == 0)
			break;
		/* Sampled check of the words that lie wholly in this read. */
		for (o = (off + STRIDE - 1) / STRIDE * STRIDE;
		     o + 8 <= off + (uint64_t)n; o += STRIDE) {
			uint64_t w, want, in = o % CHUNK;

			memcpy(&w, buf + (o - off), 8);
			want = in ? in ^ MAGIC : STAMP | (o / CHUNK);
			if (w != want) {
				if (!c->rerrors)
					FAILF("receiver: stream offset %llu: "
					      "%#llx, want %#llx",
					      (unsigned long long)o,
					      (unsigned long long)w,
					      (unsigned long long)want);
				c->rerrors++;
			}
			c->checked++;
		}
		off += n;
	}
	c->rbytes = off;
	c->t_eof = now_ns();
	free(buf);
	return NULL;
}

static void conn_open(struct conn *c, long sndbuf)
{
	struct sockaddr_in a;
	int l;

	memset(c, 0, sizeof(*c));
	l = bound_socket(SOCK_STREAM, &a);
	if (l < 0 || listen(l, 1))
		die("listen");
	c->tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->tx < 0)
		die("socket");
	if (sndbuf > 0) {
		int v = sndbuf;

		if (setsockopt(c->tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)))
			die("SO_SNDBUF");
	}
	if (connect(c->tx, (void *)&a, sizeof(a)))
		die("connect");
	c->rx = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c->rx < 0)
		die("accept");
	close(l);
	if (pthread_create(&c->thr, NULL, receiver, c))
		die("pthread_create");
}

/* Shut the sending side, wait for the receiver; false on a mismatch. */
static bool conn_close(struct conn *c, uint64_t sent)
{
	bool ok = true;

	shutdown(c->tx, SHUT_WR);
	pthread_join(c->thr, NULL);
	if (c->rerrors)
		ok = false;
	if (c->rbytes != sent) {
		FAILF("receiver got %llu bytes, %llu were sent",
		      (unsigned long long)c->rbytes, (unsigned long long)sent);
		ok = false;
	}
	close(c->tx);
	close(c->rx);
	return ok;
}

static unsigned char *bufs[MAXQ];

static void bufs_init(void)
{
	int i;
	size_t o;

	for (i = 0; i < MAXQ; i++) {
		bufs[i] = aligned_alloc(4096, CHUNK);
		if (!bufs[i])
			die("alloc");
		for (o = 8; o < CHUNK; o += 8) {
			uint64_t w = o ^ MAGIC;

			memcpy(bufs[i] + o, &w, 8);
		}
	}
}

static void stamp(unsigned char *b, uint64_t k)
{
	uint64_t w = STAMP | k;

	memcpy(b, &w, 8);
}

/* A variant's totals over its slices. */
struct var {
	const char *name;
	unsigned int depth;	/* 0: blocking send() */
	bool autotune;		/* leave SO_SNDBUF alone */
	int base;		/* index of its baseline */
	uint64_t bytes, ns, checked, sends, pending, polls;
	bool ok;
	double mbs;
	double rate[MAX_ROUNDS];	/* MB/s of each slice */
	int nrate;
};

static struct var vars[] = {
	{ .name = "blocking", .depth = 0, .base = 0 },
	{ .name = "wsaovl-q1", .depth = 1, .base = 0 },
	{ .name = "wsaovl-q4", .depth = 4, .base = 0 },
	{ .name = "blocking-auto", .depth = 0, .autotune = true, .base = 3 },
	{ .name = "wsaovl-q4-auto", .depth = 4, .autotune = true, .base = 3 },
};

#define NV ARRAY_SIZE(vars)

/* One slice on a fresh connection: send until the slice's time is up. */
static void slice_blocking(struct var *v, struct conn *c, uint64_t *sent)
{
	uint64_t k = 0, t0 = now_ns();

	while (*sent < max_bytes && now_ns() - t0 < slice_ns) {
		unsigned char *b = bufs[k % MAXQ];
		size_t done = 0;

		stamp(b, k);
		while (done < CHUNK) {
			ssize_t n = send(c->tx, b + done, CHUNK - done, MSG_NOSIGNAL);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				FAILF("send: %s", strerror(errno));
				v->ok = false;
				return;
			}
			done += n;
		}
		*sent += CHUNK;
		v->sends++;
		k++;
	}
}

static void slice_wsaovl(struct var *v, struct conn *c, uint64_t *sent)
{
	struct wsaovl_buf wb[MAXQ];
	struct wsaovl_sqe s;
	struct wsaovl_cqe cqe;
	struct ctx x;
	uint64_t k = 0, t0 = now_ns();
	unsigned int inflight = 0, i, depth = v->depth;
	bool stop = false;
	bool busy[MAXQ] = { false };

	ctx_open_or_die(&x, 64);
	for (;;) {
		/* Keep @depth sends outstanding until the bound. */
		while (!stop && inflight < depth) {
			if (*sent + (uint64_t)inflight * CHUNK >= max_bytes ||
			    now_ns() - t0 >= slice_ns) {
				stop = true;
				break;
			}
			for (i = 0; i < depth && busy[i]; i++)
				;
			stamp(bufs[i], k);
			buf_set(&wb[i], bufs[i], CHUNK);
			sqe_init(&s, WSAOVL_OP_SEND, c->tx, &wb[i], i);
			s.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
			if (wsa_submit(&x, &s, 1) != 1) {
				FAILF("SUBMIT SEND: state %u res %d (%s)",
				      s.state, s.res, strerror(-s.res));
				v->ok = false;
				stop = true;
				break;
			}
			k++;
			v->sends++;
			if (s.state == WSAOVL_STATE_DONE) {
				if (s.res != CHUNK) {
					FAILF("inline SEND res %d", s.res);
					v->ok = false;
					stop = true;
				}
				*sent += s.res > 0 ? s.res : 0;
			} else {
				v->pending++;
				busy[i] = true;
				inflight++;
			}
		}
		if (!inflight)
			break;
		if (cq_wait(&x, &cqe, 5000) != 1) {
			FAILF("lost completion: %u sends outstanding", inflight);
			v->ok = false;
			break;
		}
		if (cqe.tag >= depth || !busy[cqe.tag]) {
			FAILF("cqe for unknown tag %llu", (unsigned long long)cqe.tag);
			v->ok = false;
			break;
		}
		busy[cqe.tag] = false;
		inflight--;
		if (cqe.res != CHUNK) {
			FAILF("SEND cqe res %d", cqe.res);
			v->ok = false;
			stop = true;
		}
		*sent += cqe.res > 0 ? cqe.res : 0;
	}
	if (cq_peek(&x, &cqe)) {
		FAILF("unexpected cqe tag %llu", (unsigned long long)cqe.tag);
		v->ok = false;
	}
	v->polls += x.polls;
	ctx_fini(&x);
}

static void slice(struct var *v)
{
	struct conn c;
	uint64_t sent = 0, t0;

	conn_open(&c, v->autotune ? 0 : sndbuf);
	t0 = now_ns();
	if (v->depth)
		slice_wsaovl(v, &c, &sent);
	else
		slice_blocking(v, &c, &sent);
	if (!conn_close(&c, sent))
		v->ok = false;
	v->bytes += sent;
	v->ns += c.t_eof - t0;
	if (c.t_eof > t0 && v->nrate < MAX_ROUNDS)
		v->rate[v->nrate++] = sent / ((c.t_eof - t0) / 1e9) / 1e6;
	v->checked += c.checked;
}

static void report(struct var *v)
{
	double secs = v->ns / 1e9, base;
	char extra[160] = "";

	v->mbs = secs > 0 ? v->bytes / secs / 1e6 : 0;
	base = vars[v->base].mbs;
	v->ok = v->ok && v->bytes > 0;
	if (v->depth)
		snprintf(extra, sizeof(extra),
			 " depth=%u pending_pct=%.1f polls_per_send=%.2f",
			 v->depth, v->sends ? 100.0 * v->pending / v->sends : 0,
			 v->sends ? (double)v->polls / v->sends : 0);
	result(BENCH, v->name, v->ok,
	       "chunk=%d sndbuf=%s bytes=%llu secs=%.2f MB_s=%.1f "
	       "baseline=%s ratio=%.2f ratio_total=%.2f rounds=%d "
	       "checked_words=%llu%s",
	       CHUNK, v->autotune ? "auto" : sndbuf_str,
	       (unsigned long long)v->bytes, secs, v->mbs, vars[v->base].name,
	       median_ratio(v->rate, v->nrate, vars[v->base].rate,
			    vars[v->base].nrate),
	       base > 0 ? v->mbs / base : 0, v->nrate,
	       (unsigned long long)v->checked, extra);
}

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
	bool run[NV];
	size_t k;
	int round;
	const char *e = getenv("BENCH_TCP_SNDBUF");

	setvbuf(stdout, NULL, _IOLBF, 0);
	budget_ns = bench_budget_ns();
	rounds = bench_rounds(6);
	slice_ns = budget_ns / rounds;
	max_bytes = (uint64_t)env_long("BENCH_TCP_MB", 4096) << 20;
	if (e && *e)
		sndbuf = atol(e);
	if (sndbuf > 0)
		snprintf(sndbuf_str, sizeof(sndbuf_str), "%ld", sndbuf);
	else
		snprintf(sndbuf_str, sizeof(sndbuf_str), "auto");
	bufs_init();
	/* A variant runs with its baseline; every ratio is of this run. */
	for (k = 0; k < NV; k++) {
		vars[k].ok = true;
		run[k] = wanted(argc, argv, vars[k].name);
	}
	for (k = 0; k < NV; k++)
		if (run[k])
			run[vars[k].base] = true;
	for (round = 0; round < rounds; round++)
		for (k = 0; k < NV; k++)
			if (run[k] && vars[k].ok)
				slice(&vars[k]);
	for (k = 0; k < NV; k++)
		if (run[k])
			report(&vars[k]);
	return bench_failures ? 1 : 0;
}
