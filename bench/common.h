/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsaovl benchmarks: shared helpers.  Timing, latency statistics, the
 * result line format, the raw wsaovl ABI (context, ring consumer, submit),
 * and sockets.  Header-only; every benchmark is one .c file.
 *
 * Result lines (one per variant, parsed by run.sh):
 *
 *   RESULT bench=NAME variant=NAME status=ok|FAIL key=value ...
 *
 * Everything else a benchmark prints is commentary.  A benchmark exits 0
 * only if every variant it ran verified its data and counts.
 */
#ifndef WSAOVL_BENCH_COMMON_H
#define WSAOVL_BENCH_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "wsaovl.h"

#define DEV_PATH	"/dev/wsaovl"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Failure reporting: a benchmark keeps going to the next variant.     */

static int bench_failures;

#define FAILF(fmt, ...) do {						\
	fprintf(stderr, "FAIL %s:%d: " fmt "\n", __FILE__, __LINE__,	\
		##__VA_ARGS__);						\
	bench_failures++;						\
} while (0)

static inline void die(const char *what)
{
	fprintf(stderr, "fatal: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* ------------------------------------------------------------------ */
/* Time.                                                               */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* Environment knobs, with defaults. */
static inline double env_double(const char *name, double def)
{
	const char *s = getenv(name);
	char *end;
	double v;

	if (!s || !*s)
		return def;
	v = strtod(s, &end);
	return *end || v <= 0 ? def : v;
}

static inline long env_long(const char *name, long def)
{
	const char *s = getenv(name);
	char *end;
	long v;

	if (!s || !*s)
		return def;
	v = strtol(s, &end, 10);
	return *end || v <= 0 ? def : v;
}

/* BENCH_SECS: the time bound of one variant (default 2 s). */
static inline uint64_t bench_budget_ns(void)
{
	return (uint64_t)(env_double("BENCH_SECS", 2.0) * 1e9);
}

/* ------------------------------------------------------------------ */
/* Latency samples.                                                    */

struct lat {
	uint64_t *ns;
	size_t n, cap;
};

static inline void lat_init(struct lat *l, size_t cap)
{
	l->ns = calloc(cap, sizeof(*l->ns));
	if (!l->ns)
		die("calloc");
	l->n = 0;
	l->cap = cap;
}

static inline void lat_add(struct lat *l, uint64_t ns)
{
	if (l->n < l->cap)
		l->ns[l->n++] = ns;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct lat_stats {
	double mean_us, p50_us, p99_us, max_us;
};

static inline struct lat_stats lat_stats(struct lat *l)
{
	struct lat_stats s = { 0 };
	long double sum = 0;
	size_t i;

	if (!l->n)
		return s;
	for (i = 0; i < l->n; i++)
		sum += l->ns[i];
	qsort(l->ns, l->n, sizeof(*l->ns), u64_cmp);
	s.mean_us = (double)(sum / l->n) / 1e3;
	s.p50_us = l->ns[l->n / 2] / 1e3;
	s.p99_us = l->ns[(size_t)((l->n - 1) * 0.99)] / 1e3;
	s.max_us = l->ns[l->n - 1] / 1e3;
	return s;
}

static inline void lat_free(struct lat *l)
{
	free(l->ns);
	l->ns = NULL;
}

/*
 * Per-round rates: the variants of a benchmark run in turn, one slice
 * each per round, so round r of every variant saw about the same host.
 * The median over rounds of (variant rate / baseline rate) then shrugs
 * off the rounds in which the host stalled the VM.
 */
#define MAX_ROUNDS	64

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline double median_ratio(const double *v, int nv, const double *base,
				  int nb)
{
	double r[MAX_ROUNDS];
	int n = nv < nb ? nv : nb, i, k = 0;

	for (i = 0; i < n; i++)
		if (v[i] > 0 && base[i] > 0)
			r[k++] = v[i] / base[i];
	if (!k)
		return 0;
	qsort(r, k, sizeof(r[0]), dbl_cmp);
	return k % 2 ? r[k / 2] : (r[k / 2 - 1] + r[k / 2]) / 2;
}

static inline int bench_rounds(int def)
{
	long r = env_long("BENCH_ROUNDS", def);

	return r > MAX_ROUNDS ? MAX_ROUNDS : (int)r;
}

/* ------------------------------------------------------------------ */
/* Result lines.                                                       */

static inline void result(const char *bench, const char *variant, bool ok,
			  const char *fmt, ...)
{
	va_list ap;

	printf("RESULT bench=%s variant=%s status=%s ", bench, variant,
	       ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!ok)
		bench_failures++;
}

/* ------------------------------------------------------------------ */
/* The raw ABI: one context = one open of the device with its ring.    */

struct ctx {
	int fd;
	struct wsaovl_ring *ring;
	size_t ring_bytes;
	unsigned int entries;
	uint64_t polls;		/* poll() calls made while waiting */
};

static inline int ctx_init(struct ctx *c, unsigned int entries)
{
	struct wsaovl_setup s;
	void *p;

	memset(c, 0, sizeof(*c));
	c->fd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	memset(&s, 0, sizeof(s));
	s.entries = entries;
	if (ioctl(c->fd, WSAOVL_IOC_SETUP, &s))
		goto fail;
	p = mmap(NULL, s.ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 c->fd, 0);
	if (p == MAP_FAILED)
		goto fail;
	c->ring = p;
	c->ring_bytes = s.ring_bytes;
	c->entries = s.entries;
	return 0;
fail:
	{
		int e = -errno;

		close(c->fd);
		c->fd = -1;
		return e;
	}
}

static inline void ctx_fini(struct ctx *c)
{
	if (c->ring)
		munmap(c->ring, c->ring_bytes);
	if (c->fd >= 0)
		close(c->fd);
	c->ring = NULL;
	c->fd = -1;
}

static inline void ctx_open_or_die(struct ctx *c, unsigned int entries)
{
	int e = ctx_init(c, entries);

	if (e) {
		fprintf(stderr, "fatal: %s: %s%s\n", DEV_PATH, strerror(-e),
			e == -ENOENT ? " (module not loaded: run inside "
				       "tools/vm-run)" : "");
		exit(2);
	}
}

static inline void sqe_init(struct wsaovl_sqe *s, int op, int fd,
			    struct wsaovl_buf *b, uint64_t tag)
{
	memset(s, 0, sizeof(*s));
	s->opcode = op;
	s->fd = fd;
	s->bufs = (uintptr_t)b;
	s->nbufs = b ? 1 : 0;
	s->tag = tag;
}

static inline void buf_set(struct wsaovl_buf *b, void *p, uint32_t len)
{
	b->len = len;
	b->pad = 0;
	b->buf = (uintptr_t)p;
}

/* The ioctl's result (sqes accepted), or -errno. */
static inline int wsa_submit(struct ctx *c, struct wsaovl_sqe *s, unsigned int nr)
{
	struct wsaovl_submit sub = { .sqes = (uintptr_t)s, .nr = nr };
	int r = ioctl(c->fd, WSAOVL_IOC_SUBMIT, &sub);

	return r < 0 ? -errno : r;
}

/* Take one cqe if there is one. */
static inline bool cq_peek(struct ctx *c, struct wsaovl_cqe *out)
{
	uint32_t head = c->ring->head;
	uint32_t tail = __atomic_load_n(&c->ring->tail, __ATOMIC_ACQUIRE);

	if (head == tail)
		return false;
	*out = c->ring->cqes[head & c->ring->mask];
	__atomic_store_n(&c->ring->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

static inline unsigned int cq_ready(struct ctx *c)
{
	return __atomic_load_n(&c->ring->tail, __ATOMIC_ACQUIRE) - c->ring->head;
}

/*
 * One cqe: from the ring, else poll() on the device (which also moves
 * held-back completions into the ring) up to timeout_ms.  1, 0 on timeout,
 * or -errno.
 */
static inline int cq_wait(struct ctx *c, struct wsaovl_cqe *out, int timeout_ms)
{
	uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int64_t left;

		if (cq_peek(c, out))
			return 1;
		left = (int64_t)(end - now_ns()) / 1000000;
		if (left < 0)
			left = 0;
		c->polls++;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (cq_peek(c, out))
			return 1;
		if (!left)
			return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Sockets.                                                            */

static inline void lo_addr(struct sockaddr_in *a, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* A socket bound to 127.0.0.1:0; its address in *a. */
static inline int bound_socket(int type, struct sockaddr_in *a)
{
	socklen_t len = sizeof(*a);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	lo_addr(a, 0);
	if (bind(fd, (void *)a, len) || getsockname(fd, (void *)a, &len)) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

static inline bool same_addr(const struct sockaddr_in *x,
			     const struct sockaddr_in *y)
{
	return x->sin_family == y->sin_family && x->sin_port == y->sin_port &&
	       x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static inline void raise_nofile(rlim_t want)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r))
		die("getrlimit");
	if (r.rlim_cur >= want)
		return;
	r.rlim_cur = want;
	if (r.rlim_max < want)
		r.rlim_max = want;
	if (setrlimit(RLIMIT_NOFILE, &r))
		die("setrlimit(RLIMIT_NOFILE) (run as root)");
}

/* Read /proc/sys/fs/nr_open and friends: "" on failure. */
static inline long read_long_file(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

#endif /* WSAOVL_BENCH_COMMON_H */
