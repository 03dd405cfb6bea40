/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the wsaovl engine selftests: the raw ABI only (no
 * libwsa).  Helpers that can fail take the harness's _metadata so they may
 * ASSERT_*; call them from the test's own thread only.
 */
#ifndef WSAOVL_SELFTEST_ENGINE_H
#define WSAOVL_SELFTEST_ENGINE_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "wsaovl.h"
#include "kselftest_harness.h"

#define DEV_PATH	"/dev/wsaovl"
#define POISON8		0xcc
#define POISON32	0xccccccccU
#define POISON64	0xccccccccccccccccULL
#define ST_CANCELLED	0xC0000120U

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static inline pid_t sys_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static inline uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ------------------------------------------------------------------ */
/* Context: one open of the device with its mapped ring.               */

struct ctx {
	int fd;
	struct wsaovl_ring *ring;
	size_t ring_bytes;
	unsigned int entries;
	const volatile uint8_t *ev_states;	/* event state bytes (ABI 3) */
	uint32_t ev_slots;
};

static inline int dev_open(void)
{
	return open(DEV_PATH, O_RDWR | O_CLOEXEC);
}

/* Returns 0 or -errno; c->fd is -1 on failure. */
static inline int ctx_init(struct ctx *c, unsigned int entries)
{
	struct wsaovl_setup s;
	void *p;
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = dev_open();
	if (c->fd < 0)
		return -errno;
	memset(&s, 0, sizeof(s));
	s.entries = entries;
	if (ioctl(c->fd, WSAOVL_IOC_SETUP, &s)) {
		err = -errno;
		goto fail;
	}
	p = mmap(NULL, s.ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		 c->fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto fail;
	}
	c->ring = p;
	c->ring_bytes = s.ring_bytes;
	c->entries = s.entries;
	c->ev_states = (uint8_t *)p + s.ev_offset;
	c->ev_slots = s.ev_slots;
	return 0;
fail:
	close(c->fd);
	c->fd = -1;
	return err;
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

/*
 * SKIP that also works in FIXTURE_SETUP: the 6.1 harness runs the test body
 * after a setup that only SKIPped, unless passed is cleared (the child then
 * still exits 255 = skip because skip is checked first).
 */
#define SKIP_NOW(fmt, ...) do {						\
	SKIP(, fmt, ##__VA_ARGS__);					\
	_metadata->passed = 0;						\
	return;								\
} while (0)

#define CTX_INIT(c, n) do {						\
	int __e = ctx_init((c), (n));					\
	if (__e == -ENOENT)						\
		SKIP_NOW(DEV_PATH " missing: module not loaded");	\
	ASSERT_EQ(0, __e) TH_LOG("ctx_init: %s", strerror(-__e));	\
} while (0)

/* ------------------------------------------------------------------ */
/* Submission entries.                                                 */

/* Zero the inputs, poison the outputs so unwritten fields show. */
static inline void sqe_prep(struct wsaovl_sqe *s, int op, int fd,
			    struct wsaovl_buf *bufs, unsigned int nbufs,
			    uint64_t tag)
{
	memset(s, 0, sizeof(*s));
	s->opcode = op;
	s->fd = fd;
	s->bufs = (uintptr_t)bufs;
	s->nbufs = nbufs;
	s->tag = tag;
	s->state = POISON32;
	s->res = (int32_t)POISON32;
	s->out_flags = POISON32;
	s->out_namelen = POISON32;
	s->out_controllen = POISON32;
}

static inline void buf_set(struct wsaovl_buf *b, void *p, uint32_t len)
{
	b->len = len;
	b->pad = 0;
	b->buf = (uintptr_t)p;
}

/* Returns the ioctl's result, or -errno. */
static inline int submit(struct ctx *c, struct wsaovl_sqe *s, unsigned int nr)
{
	struct wsaovl_submit sub = {
		.sqes = (uintptr_t)s,
		.nr = nr,
	};
	int r = ioctl(c->fd, WSAOVL_IOC_SUBMIT, &sub);

	return r < 0 ? -errno : r;
}

/* Submit many (any count) in MAX_BATCH chunks; returns total accepted. */
static inline int submit_all(struct ctx *c, struct wsaovl_sqe *s, unsigned int nr)
{
	unsigned int done = 0;

	while (done < nr) {
		unsigned int n = nr - done;
		int r;

		if (n > WSAOVL_MAX_BATCH)
			n = WSAOVL_MAX_BATCH;
		r = submit(c, s + done, n);
		if (r < 0)
			return r;
		done += r;
		if ((unsigned int)r < n)
			break;
	}
	return done;
}

static inline int cancel(struct ctx *c, uint32_t what, int fd, uint64_t tag,
			 uint32_t tid)
{
	struct wsaovl_cancel cn;
	int r;

	memset(&cn, 0, sizeof(cn));
	cn.what = what;
	cn.fd = fd;
	cn.tag = tag;
	cn.tid = tid;
	r = ioctl(c->fd, WSAOVL_IOC_CANCEL, &cn);
	return r < 0 ? -errno : r;
}

static inline int flush(struct ctx *c)
{
	int r = ioctl(c->fd, WSAOVL_IOC_FLUSH);

	return r < 0 ? -errno : r;
}

/* ------------------------------------------------------------------ */
/* Completion ring consumer.                                           */

static inline unsigned int cq_ready(struct ctx *c)
{
	uint32_t tail = __atomic_load_n(&c->ring->tail, __ATOMIC_ACQUIRE);

	return tail - c->ring->head;
}

/* Take one cqe if there is one; 1 if taken. */
static inline int cq_peek(struct ctx *c, struct wsaovl_cqe *out)
{
	uint32_t head = c->ring->head;
	uint32_t tail = __atomic_load_n(&c->ring->tail, __ATOMIC_ACQUIRE);

	if (head == tail)
		return 0;
	*out = c->ring->cqes[head & c->ring->mask];
	__atomic_store_n(&c->ring->head, head + 1, __ATOMIC_RELEASE);
	return 1;
}

/*
 * Wait up to timeout_ms for one cqe (poll() on the device, which also moves
 * overflowed completions into the ring).  1 if taken, 0 on timeout.
 */
static inline int cq_wait(struct ctx *c, struct wsaovl_cqe *out, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		int64_t left;

		if (cq_peek(c, out))
			return 1;
		left = (int64_t)(end - now_ms());
		if (left < 0)
			left = 0;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
		if (cq_peek(c, out))
			return 1;
		if (!left)
			return 0;
	}
}

/* Wait for n cqes into out[]; returns how many arrived before timeout. */
static inline unsigned int cq_wait_n(struct ctx *c, struct wsaovl_cqe *out,
				     unsigned int n, int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	unsigned int got = 0;

	while (got < n) {
		int64_t left = (int64_t)(end - now_ms());

		if (left < 0)
			left = 0;
		if (cq_wait(c, &out[got], (int)left) != 1)
			break;
		got++;
	}
	return got;
}

/* Nothing more arrives within ms (flushes overflow through poll). */
static inline bool cq_quiet(struct ctx *c, int ms)
{
	struct wsaovl_cqe cqe;

	return cq_wait(c, &cqe, ms) == 0;
}

#define CQ_WAIT(c, cqe, ms)						\
	ASSERT_EQ(1, cq_wait((c), (cqe), (ms))) TH_LOG("no completion within %d ms", (ms))

/* ------------------------------------------------------------------ */
/* Sockets.                                                            */

struct pair {
	int family, type;
	int tx, rx;
	struct sockaddr_storage txa, rxa;	/* bound addresses */
	socklen_t alen;
};

static inline socklen_t loopback(int family, struct sockaddr_storage *ss,
				 uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		return sizeof(*a);
	}
}

/* A socket bound to loopback:0; -errno on failure. */
static inline int bound_socket(int family, int type,
			       struct sockaddr_storage *ss, socklen_t *alen)
{
	socklen_t len = loopback(family, ss, 0);
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (void *)ss, len) || getsockname(fd, (void *)ss, &len)) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (alen)
		*alen = len;
	return fd;
}

/*
 * UDP: rx bound (unconnected), tx bound and connected to rx.
 * TCP: tx connected to rx (the accepted end), TCP_NODELAY on both.
 * Returns 0 or -errno.
 */
static inline int pair_open(struct pair *p, int family, int type)
{
	int one = 1, l = -1, e;
	socklen_t len;

	memset(p, 0, sizeof(*p));
	p->family = family;
	p->type = type;
	p->tx = p->rx = -1;
	if (type == SOCK_DGRAM) {
		p->rx = bound_socket(family, type, &p->rxa, &p->alen);
		if (p->rx < 0)
			return p->rx;
		p->tx = bound_socket(family, type, &p->txa, &p->alen);
		if (p->tx < 0)
			goto err;
		if (connect(p->tx, (void *)&p->rxa, p->alen))
			goto err;
		return 0;
	}
	l = bound_socket(family, type, &p->rxa, &p->alen);
	if (l < 0)
		return l;
	if (listen(l, 4))
		goto err;
	p->tx = socket(family, type | SOCK_CLOEXEC, 0);
	if (p->tx < 0 || connect(p->tx, (void *)&p->rxa, p->alen))
		goto err;
	p->rx = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (p->rx < 0)
		goto err;
	len = sizeof(p->txa);
	getsockname(p->tx, (void *)&p->txa, &len);
	setsockopt(p->tx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(p->rx, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	close(l);
	return 0;
err:
	e = -errno;
	if (l >= 0)
		close(l);
	if (p->tx >= 0)
		close(p->tx);
	if (p->rx >= 0)
		close(p->rx);
	p->tx = p->rx = -1;
	return e ? e : -EIO;
}

static inline void pair_close(struct pair *p)
{
	if (p->tx >= 0)
		close(p->tx);
	if (p->rx >= 0)
		close(p->rx);
	p->tx = p->rx = -1;
}

#define PAIR_OPEN(p, fam, type) do {					\
	int __e = pair_open((p), (fam), (type));			\
	if (__e == -EAFNOSUPPORT || __e == -EADDRNOTAVAIL)		\
		SKIP_NOW("no %s loopback", (fam) == AF_INET6 ? "IPv6" : "IPv4"); \
	ASSERT_EQ(0, __e) TH_LOG("pair_open: %s", strerror(-__e));	\
} while (0)

/* Bytes waiting to be read on fd, via a non-blocking peek. */
static inline ssize_t pending_bytes(int fd)
{
	static char scratch[1 << 16];
	ssize_t n = recv(fd, scratch, sizeof(scratch), MSG_PEEK | MSG_DONTWAIT);

	return n < 0 ? (errno == EAGAIN ? 0 : -errno) : n;
}

/* Read exactly len bytes from a stream (blocking with a 10 s timeout). */
static inline ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 10000) <= 0)
			break;
		n = recv(fd, (char *)buf + got, len - got, MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

/* Discard whatever is queued on fd after ms of quiet; returns how many reads. */
static inline int drain(int fd, int ms)
{
	static char scratch[1 << 16];
	int n = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, ms) != 1)
			return n;
		ssize_t r = recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT);

		if (r < 0 && errno != EAGAIN)
			return n;
		if (!r)		/* EOF (or an empty datagram): stop here */
			return n + 1;
		n++;
	}
}

static inline bool fd_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Write s to a sysfs, procfs, cgroupfs or tracefs file; 0 or -errno. */
static inline int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : n < 0 ? -errno : -EIO;
}

/* Raise RLIMIT_NOFILE to at least n (root may raise the hard limit). */
static inline int raise_nofile(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= n)
		return 0;
	rl.rlim_cur = n;
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

static inline const char *op_name(int op)
{
	static const char *const names[] = {
		"?", "SEND", "SENDTO", "SENDMSG", "RECV", "RECVFROM", "RECVMSG",
	};

	return op >= 1 && op <= 6 ? names[op] : "?";
}

/*
 * The kernel signals the eventfd just after posting the cqe: a test that
 * reaped a worker's cqe waits (boundedly) for the signal before reading it.
 */
static inline void efd_wait(int efd, int ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };

	poll(&p, 1, ms);
}

#endif /* WSAOVL_SELFTEST_ENGINE_H */
