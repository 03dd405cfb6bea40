// SPDX-License-Identifier: GPL-2.0
/*
 * Per-context limits: max_ops (outstanding ops, including completions
 * waiting in the overflow list) and max_pinned (bytes of user memory that
 * workers pin at once).  Past max_ops, SUBMIT fails that op with EAGAIN
 * and nothing else, and freeing ops gives the room back; past max_pinned,
 * workers leave an op to the owner's threads (and pin stream ops in
 * windows that fit).  Each context has its own.
 *
 * The tests read the limits from QUERY.  As root they first lower the
 * module parameters (0644 in /sys/module/wsaovl/parameters/) to keep the
 * run short, and restore them afterwards; inserting the module with e.g.
 * max_ops=64 max_pinned=4194304 has the same effect.  With
 * WSAOVL_ENGINE_FULL_LIMITS set they use the limits as they are (the
 * defaults, 65536 ops and 256 MiB, take a minute or so under TCG).
 */
#include <pthread.h>

#include "engine.h"
#include "events.h"

#define PARAM_DIR "/sys/module/wsaovl/parameters/"

static int param_read(const char *name, unsigned long long *v)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

static int param_write(const char *name, unsigned long long v)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ok = fprintf(f, "%llu\n", v) > 0;
	if (fclose(f))
		ok = 0;
	return ok ? 0 : -EIO;
}

FIXTURE(limits) {
	struct ctx c;
	struct pair u;
	unsigned long long old_ops, old_pinned;
	bool have_old, restore;
	pid_t guardian;
	int guard_fd;		/* its pipe: closed, it restores and exits */
	struct wsaovl_query q;
};

/*
 * A guardian puts the values read at setup back when this test process
 * ends, however it ends (a timeout is a SIGKILL): later programs must see
 * the module as it was loaded.  Started once, by whoever writes first;
 * the teardown waits for it, so it never writes into the next test.
 */
static void start_guardian(struct __test_metadata *_metadata,
			   FIXTURE_DATA(limits) *self)
{
	int p[2];
	pid_t pid;

	if (self->restore)
		return;
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		long fd, max = sysconf(_SC_OPEN_MAX);
		char c;

		/* Out of the test's process group, which a timeout kills. */
		setpgid(0, 0);
		/* Nothing of the test's: its context closes with the test. */
		for (fd = 3; fd < (max > 0 && max < 4096 ? max : 4096); fd++)
			if (fd != p[0])
				close(fd);
		while (read(p[0], &c, 1) > 0)
			;
		param_write("max_ops", self->old_ops);
		param_write("max_pinned", self->old_pinned);
		_exit(0);
	}
	setpgid(pid, pid);	/* both sides: no window in the test's group */
	close(p[0]);	/* p[1] stays open until teardown or exit */
	self->guardian = pid;
	self->guard_fd = p[1];
	self->restore = true;
}

FIXTURE_SETUP(limits)
{
	int fd;

	self->c.fd = -1;
	self->u.tx = self->u.rx = -1;
	self->have_old = !param_read("max_ops", &self->old_ops) &&
			 !param_read("max_pinned", &self->old_pinned);
	if (self->have_old &&
	    (self->old_ops > 100 || self->old_pinned > (4ull << 20)) &&
	    !getenv("WSAOVL_ENGINE_FULL_LIMITS") &&
	    !access(PARAM_DIR "max_ops", W_OK)) {
		start_guardian(_metadata, self);
		if (self->old_ops > 100)
			param_write("max_ops", 100);
		if (self->old_pinned > (4ull << 20))
			param_write("max_pinned", 4ull << 20);
	}
	fd = dev_open();
	if (fd < 0 && errno == ENOENT)
		SKIP_NOW(DEV_PATH " missing");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_QUERY, &self->q));
	close(fd);
	TH_LOG("max_ops %u, max_pinned %llu", self->q.max_ops,
	       (unsigned long long)self->q.max_pinned);
	if (self->q.max_ops > 65536)
		SKIP_NOW("max_ops %u: too many to fill here", self->q.max_ops);
	CTX_INIT(&self->c, 16);
	PAIR_OPEN(&self->u, AF_INET, SOCK_DGRAM);
}

FIXTURE_TEARDOWN(limits)
{
	pair_close(&self->u);
	ctx_fini(&self->c);
	if (self->restore) {
		param_write("max_ops", self->old_ops);
		param_write("max_pinned", self->old_pinned);
		close(self->guard_fd);
		waitpid(self->guardian, NULL, 0);
	}
}

/* n pending zero-length receives (they pin nothing). */
static int fill_ops(struct ctx *c, int fd, unsigned int n, uint64_t first)
{
	struct wsaovl_sqe *sqe = calloc(n ? n : 1, sizeof(*sqe));
	unsigned int i;
	int r;

	for (i = 0; i < n; i++)
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, fd, NULL, 0, first + i);
	r = submit_all(c, sqe, n);
	for (i = 0; r > 0 && i < (unsigned int)r; i++)
		if (sqe[i].state != WSAOVL_STATE_PENDING)
			r = -EIO;
	free(sqe);
	return r;
}

static void expect_eagain(struct __test_metadata *_metadata, struct ctx *c,
			  struct wsaovl_sqe *s)
{
	struct wsaovl_status st = { .status = WSAOVL_STATUS_PENDING };
	uint32_t tail = c->ring->tail, overflow = c->ring->overflow;

	s->status = (uintptr_t)&st;
	EXPECT_EQ(0, submit(c, s, 1));
	EXPECT_EQ(WSAOVL_STATE_FAILED, s->state);
	EXPECT_EQ(-EAGAIN, s->res);
	EXPECT_EQ(WSAOVL_STATUS_PENDING, st.status);
	/* No completion of any kind for it. */
	EXPECT_EQ(tail, c->ring->tail);
	EXPECT_EQ(overflow, c->ring->overflow);
}

TEST_F_TIMEOUT(limits, max_ops, 120)
{
	unsigned int max = self->q.max_ops;
	struct wsaovl_sqe s;
	struct wsaovl_buf b;
	char buf[8];
	struct ctx c2;
	struct pair u2;

	ASSERT_EQ(max, fill_ops(&self->c, self->u.rx, max, 0));
	/* One more of any kind: EAGAIN, and nothing happens. */
	sqe_prep(&s, WSAOVL_OP_RECV, self->u.rx, NULL, 0, 1000000);
	expect_eagain(_metadata, &self->c, &s);
	buf_set(&b, "x", 1);
	sqe_prep(&s, WSAOVL_OP_SEND, self->u.tx, &b, 1, 1000001);
	expect_eagain(_metadata, &self->c, &s);
	EXPECT_FALSE(fd_readable(self->u.rx, 20));
	drain(self->u.rx, 0);
	/* A batch: SUBMIT says 0 accepted. */
	{
		struct wsaovl_sqe two[2];

		sqe_prep(&two[0], WSAOVL_OP_RECV, self->u.rx, NULL, 0, 1);
		sqe_prep(&two[1], WSAOVL_OP_RECV, self->u.rx, NULL, 0, 2);
		EXPECT_EQ(0, submit(&self->c, two, 2));
		EXPECT_EQ(-EAGAIN, two[0].res);
		EXPECT_EQ(POISON32, two[1].state);
	}

	/* Another context has its own budget. */
	CTX_INIT(&c2, 16);
	PAIR_OPEN(&u2, AF_INET, SOCK_DGRAM);
	EXPECT_EQ(1, fill_ops(&c2, u2.rx, 1, 0));
	EXPECT_EQ(1, cancel(&c2, WSAOVL_CANCEL_ALL, 0, 0, 0));
	pair_close(&u2);
	ctx_fini(&c2);

	/* Free one: one fits again, then no more. */
	ASSERT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 0, 0)) TH_LOG("tag 0");
	{
		struct wsaovl_cqe cqe;

		CQ_WAIT(&self->c, &cqe, 1000);
		EXPECT_EQ(-ECANCELED, cqe.res);
	}
	EXPECT_EQ(1, fill_ops(&self->c, self->u.rx, 1, 0));
	sqe_prep(&s, WSAOVL_OP_RECV, self->u.rx, NULL, 0, 1000002);
	expect_eagain(_metadata, &self->c, &s);

	/*
	 * Cancel all: max completions for a 16-entry ring.  Those waiting in
	 * the overflow list still count against max_ops; the 16 in the ring
	 * don't: exactly 16 new ops fit until the rest are reaped.
	 */
	EXPECT_EQ(max, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	if (max > 16) {
		EXPECT_EQ(max - 16, self->c.ring->overflow);
		EXPECT_EQ(16, fill_ops(&self->c, self->u.rx, 16, 2000000));
		sqe_prep(&s, WSAOVL_OP_RECV, self->u.rx, NULL, 0, 1000003);
		expect_eagain(_metadata, &self->c, &s);
		EXPECT_EQ(16, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	}
	{
		struct wsaovl_cqe cqe;
		unsigned int n = 0;

		while (cq_wait(&self->c, &cqe, 200) == 1) {
			EXPECT_EQ(-ECANCELED, cqe.res);
			n++;
		}
		EXPECT_EQ(max > 16 ? max + 16 : max, n);
	}
	EXPECT_EQ(0, self->c.ring->flags);

	/* All the room is back. */
	ASSERT_EQ(max, fill_ops(&self->c, self->u.rx, max, 0));
	EXPECT_EQ(max, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	(void)buf;
}

/* Inline completions hold no op: any number of them, past max_ops. */
TEST_F_TIMEOUT(limits, inline_ops_free_at_once, 120)
{
	unsigned int max = self->q.max_ops, n = max + 50, i;
	struct wsaovl_sqe *sqe = calloc(n, sizeof(*sqe));
	struct wsaovl_buf b;
	int v = 8 << 20;

	ASSERT_NE(NULL, sqe);
	setsockopt(self->u.rx, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v));
	buf_set(&b, "y", 1);
	for (i = 0; i < n; i++) {
		sqe_prep(&sqe[i], WSAOVL_OP_SEND, self->u.tx, &b, 1, i);
		sqe[i].flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	}
	ASSERT_EQ(n, submit_all(&self->c, sqe, n));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(WSAOVL_STATE_DONE, sqe[i].state);
	}
	EXPECT_EQ(0, cq_ready(&self->c));
	free(sqe);
}

/* VmPin of /proc/self/status in KiB (mm->pinned_vm), or -1. */
static long vm_pin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * Pending ops pin nothing; a worker pins what it attempts, within
 * max_pinned, and drops the pins before the op waits again.  A 1 MiB
 * WAITALL receive sent one byte: a worker takes it, and it waits
 * unpinned.  A datagram receive (pinned whole) into a buffer larger than
 * max_pinned: no worker can pin it, its datagram stays queued (nothing
 * lost), and a thread of the owner polling with zero-timeout waits takes
 * it, pinning nothing.
 */
TEST_F_TIMEOUT(limits, max_pinned, 120)
{
	const size_t sz = 1 << 20;
	uint64_t max = self->q.max_pinned;
	size_t bigsz = max + sz;
	struct wsaovl_sqe s;
	struct wsaovl_buf b[2];
	struct wsaovl_cqe cqe;
	struct pair t[2];
	uint64_t end;
	long base;
	char *m;
	int ev, i, polls = 0;

	if (max > (64ull << 20))
		SKIP(return, "max_pinned %llu: too much to fill here",
		     (unsigned long long)max);
	m = mmap(NULL, sz + bigsz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	base = vm_pin_kb();
	ASSERT_LE(0, base);
	buf_set(&b[0], m, sz);
	buf_set(&b[1], m + sz, bigsz);
	for (i = 0; i < 2; i++) {
		PAIR_OPEN(&t[i], AF_INET, i ? SOCK_DGRAM : SOCK_STREAM);
		sqe_prep(&s, WSAOVL_OP_RECV, t[i].rx, &b[i], 1, i);
		s.msg_flags = i ? 0 : WSAOVL_MSG_WAITALL;
		ASSERT_EQ(1, submit(&self->c, &s, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	}
	EXPECT_EQ(base, vm_pin_kb());	/* pending, nothing pinned */

	ASSERT_EQ(1, send(t[0].tx, "x", 1, 0));
	end = now_ms() + 5000;
	while (pending_bytes(t[0].rx) && now_ms() < end)
		msleep(10);
	EXPECT_EQ(0, pending_bytes(t[0].rx));	/* a worker took it */
	msleep(50);
	EXPECT_EQ(base, vm_pin_kb());		/* waiting again: unpinned */

	ASSERT_EQ(1, send(t[1].tx, "y", 1, 0));
	msleep(500);
	EXPECT_EQ(1, pending_bytes(t[1].rx));	/* left for the owner */
	EXPECT_EQ(base, vm_pin_kb());
	EXPECT_EQ(0, cq_ready(&self->c));
	ev = ev_new(self->c.fd, 1, 0);
	ASSERT_LE(0, ev);
	end = now_ms() + 5000;
	while (pending_bytes(t[1].rx) && now_ms() < end) {
		EXPECT_EQ(-ETIMEDOUT, wait_ev(self->c.fd, &ev, 1, 0, 0, 0, NULL));
		polls++;
	}
	EXPECT_EQ(0, pending_bytes(t[1].rx));
	EXPECT_GE(2, polls);	/* the first poll runs it */
	EXPECT_EQ(base, vm_pin_kb());	/* the owner pins nothing */
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ('y', m[sz]);
	EXPECT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(0, cqe.tag);
	EXPECT_EQ(-ECANCELED, cqe.res);
	EXPECT_EQ(base, vm_pin_kb());
	close(ev);
	for (i = 0; i < 2; i++)
		pair_close(&t[i]);
	munmap(m, sz + bigsz);
}

/*
 * On a new UDP pair t, a pending receive (tag 1) into a fresh mapping of
 * sz bytes: a datagram receive is pinned whole, so above max_pinned no
 * worker can pin it.  *mp gets the mapping.
 */
static void post_unpinnable_recv(struct __test_metadata *_metadata,
				 FIXTURE_DATA(limits) *self, struct pair *t,
				 struct wsaovl_buf *b, size_t sz, char **mp)
{
	struct wsaovl_sqe s;
	char *m;

	*mp = m = mmap(NULL, sz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	PAIR_OPEN(t, AF_INET, SOCK_DGRAM);
	buf_set(b, m, sz);
	sqe_prep(&s, WSAOVL_OP_RECV, t->rx, b, 1, 1);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
}

/*
 * A left queue is the owner's only while its head cannot be pinned: the
 * head (a datagram receive, pinned whole, into a buffer larger than
 * max_pinned) cancelled, the 1-byte receive queued
 * behind it is pinned and completed by a worker, with no thread of the
 * owner in the module.
 */
TEST_F_TIMEOUT(limits, left_head_cancelled_next_runs, 60)
{
	uint64_t max = self->q.max_pinned;
	size_t bigsz = max + (1 << 20);
	struct wsaovl_buf b[2];
	struct wsaovl_sqe s;
	struct wsaovl_cqe cqe;
	struct pair t;
	char *m, one;

	if (max > (64ull << 20))
		SKIP(return, "max_pinned too large for this test");
	post_unpinnable_recv(_metadata, self, &t, &b[0], bigsz, &m);
	buf_set(&b[1], &one, 1);
	sqe_prep(&s, WSAOVL_OP_RECV, t.rx, &b[1], 1, 2);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	ASSERT_EQ(1, send(t.tx, "z", 1, 0));
	msleep(300);
	EXPECT_EQ(1, pending_bytes(t.rx));	/* the head is left */
	EXPECT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 1, 0));
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ(-ECANCELED, cqe.res);
	CQ_WAIT(&self->c, &cqe, 2000);		/* poll(): not a runner */
	EXPECT_EQ(2, cqe.tag);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ('z', one);
	pair_close(&t);
	munmap(m, bigsz);
}

/*
 * What workers left for the owner goes with the owner's next wait, even
 * one satisfied on entry: a datagram receive no worker can pin, and a
 * zero-timeout wait on an event that is set.
 */
TEST_F_TIMEOUT(limits, satisfied_wait_runs_left, 60)
{
	uint64_t max = self->q.max_pinned;
	size_t bigsz = max + (1 << 20);
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	struct pair t;
	uint32_t idx = 99;
	int ev;
	char *m;

	if (max > (64ull << 20))
		SKIP(return, "max_pinned too large for this test");
	post_unpinnable_recv(_metadata, self, &t, &b, bigsz, &m);
	ASSERT_EQ(1, send(t.tx, "q", 1, 0));
	msleep(300);
	EXPECT_EQ(1, pending_bytes(t.rx));	/* left */
	ev = ev_new(self->c.fd, 1, 1);
	ASSERT_LE(0, ev);
	EXPECT_EQ(0, wait_ev(self->c.fd, &ev, 1, 0, 0, 0, &idx));
	EXPECT_EQ(0, idx);
	EXPECT_EQ(0, pending_bytes(t.rx));	/* taken by that wait */
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ('q', m[0]);
	close(ev);
	pair_close(&t);
	munmap(m, bigsz);
}

struct drain_arg {
	int fd;
	size_t got;
	char *keep;		/* if set, the first cap bytes land here */
	size_t cap;
};

static void *drain_all(void *p)
{
	struct drain_arg *a = p;
	char buf[65536];
	ssize_t r;

	while ((r = recv(a->fd, buf, sizeof(buf), 0)) > 0) {
		if (a->keep && a->got < a->cap)
			memcpy(a->keep + a->got, buf,
			       r < (ssize_t)(a->cap - a->got) ? (size_t)r :
			       a->cap - a->got);
		a->got += r;
	}
	return NULL;
}

/*
 * Wait up to 60 s for one cqe, from the ring and poll() only (not a
 * runner: workers alone run the ops), sampling VmPin every millisecond:
 * *most gets the most KiB above @base seen pinned at once.  1 if taken.
 */
static int cq_wait_sampling_pins(struct ctx *c, struct wsaovl_cqe *cqe,
				 long base, long *most)
{
	uint64_t end = now_ms() + 60000;
	long pin;
	int r = 0;

	while (!r && now_ms() < end) {
		r = cq_wait(c, cqe, 1);
		pin = vm_pin_kb() - base;
		if (pin > *most)
			*most = pin;
	}
	return r;
}

/*
 * One stream send of sz bytes on a pair with a small send buffer, with no
 * thread of the owner in the module (it sleeps in poll() on the ring):
 * part goes out inline, the rest waits unpinned, and as the peer drains,
 * workers pin and send it window by window.  Every byte arrives, at most
 * max_kb KiB are pinned at any moment, and nothing stays pinned.
 */
static void send_by_workers(struct __test_metadata *_metadata,
			    FIXTURE_DATA(limits) *self, size_t sz, long max_kb)
{
	struct drain_arg da = { 0 };
	struct wsaovl_sqe s;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	struct pair t;
	long base, most = 0;
	pthread_t th;
	char *m;
	int v = 4096;

	PAIR_OPEN(&t, AF_INET, SOCK_STREAM);
	/* A small send buffer keeps most of it pending; the peer's stays normal. */
	setsockopt(t.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	m = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	memset(m, 's', sz);
	base = vm_pin_kb();
	buf_set(&b, m, sz);
	sqe_prep(&s, WSAOVL_OP_SEND, t.tx, &b, 1, 1);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	da.fd = t.rx;
	ASSERT_EQ(0, pthread_create(&th, NULL, drain_all, &da));
	ASSERT_EQ(1, cq_wait_sampling_pins(&self->c, &cqe, base, &most))
		TH_LOG("drained %zu of %zu", da.got, sz);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ((int64_t)sz, cqe.res);
	EXPECT_GE(max_kb, most) TH_LOG("%ld KiB pinned at once", most);
	EXPECT_EQ(base, vm_pin_kb());
	shutdown(t.tx, SHUT_WR);
	pthread_join(th, NULL);
	EXPECT_EQ(sz, da.got);
	munmap(m, sz);
	pair_close(&t);
}

/* A send larger than max_pinned: one window (64 pages, 256 KiB) at a time. */
TEST_F_TIMEOUT(limits, max_pinned_send, 120)
{
	uint64_t max = self->q.max_pinned;

	if (max > (64ull << 20))
		SKIP(return, "max_pinned too large for this test");
	send_by_workers(_metadata, self, max + (1 << 20), 256);
}

/*
 * A pinning limit below the 256 KiB window (a container's small
 * RLIMIT_MEMLOCK, here max_pinned at 128 KiB): the window shrinks to a
 * quarter of it, 32 KiB, so workers alone still send a 1 MiB send.
 */
TEST_F_TIMEOUT(limits, window_below_limit, 120)
{
	unsigned long long old;

	if (!self->have_old || param_read("max_pinned", &old) ||
	    access(PARAM_DIR "max_pinned", W_OK))
		SKIP(return, "cannot set max_pinned");
	start_guardian(_metadata, self);
	ASSERT_EQ(0, param_write("max_pinned", 128 << 10));
	send_by_workers(_metadata, self, 1 << 20, 32);
	param_write("max_pinned", old);
}

/*
 * The window counts pages as the pin does: a stream send of 256 buffers
 * of 512 bytes, each on its own page (128 KiB of data, 256 pages), under
 * max_pinned at 128 KiB (32 pages).  Workers alone send it, 8 pages at a
 * time; a window of 32 KiB of bytes would span 64 pages and never pin.
 */
TEST_F_TIMEOUT(limits, window_counts_pages, 120)
{
	long page = sysconf(_SC_PAGESIZE);
	enum { NB = 256, SZ = 512 };
	unsigned long long old;
	struct drain_arg da = { 0 };
	struct wsaovl_sqe s;
	struct wsaovl_buf b[NB];
	struct wsaovl_cqe cqe;
	struct pair t;
	int v = 4096, i, r;
	long base = vm_pin_kb(), most = 0;
	pthread_t th;
	char *m;

	if (!self->have_old || param_read("max_pinned", &old) ||
	    access(PARAM_DIR "max_pinned", W_OK))
		SKIP(return, "cannot set max_pinned");
	start_guardian(_metadata, self);
	ASSERT_EQ(0, param_write("max_pinned", 128 << 10));
	PAIR_OPEN(&t, AF_INET, SOCK_STREAM);
	setsockopt(t.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(t.rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	m = mmap(NULL, NB * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	for (i = 0; i < NB; i++) {
		memset(m + i * page, 'a' + i % 26, SZ);
		buf_set(&b[i], m + i * page, SZ);
	}
	sqe_prep(&s, WSAOVL_OP_SEND, t.tx, b, NB, 1);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	da.fd = t.rx;
	da.keep = malloc(NB * SZ);
	da.cap = NB * SZ;
	ASSERT_NE(NULL, da.keep);
	ASSERT_EQ(0, pthread_create(&th, NULL, drain_all, &da));
	r = cq_wait_sampling_pins(&self->c, &cqe, base, &most);
	param_write("max_pinned", old);
	ASSERT_EQ(1, r) TH_LOG("drained %zu of %d", da.got, NB * SZ);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ(NB * SZ, cqe.res);
	EXPECT_GE(32, most) TH_LOG("%ld KiB pinned at once", most);
	EXPECT_EQ(base, vm_pin_kb());
	shutdown(t.tx, SHUT_WR);
	pthread_join(th, NULL);
	EXPECT_EQ(NB * SZ, da.got);
	for (i = 0; i < NB; i++)
		EXPECT_EQ(0, memcmp(da.keep + i * SZ, m + i * page, SZ))
			TH_LOG("buffer %d", i);
	free(da.keep);
	munmap(m, NB * page);
	pair_close(&t);
}

TEST_HARNESS_MAIN
