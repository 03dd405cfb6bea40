// SPDX-License-Identifier: GPL-2.0
/*
 * The completion ring when full: completions are never lost but wait in
 * the kernel (ring->flags has WSAOVL_RING_OVERFLOW, ring->overflow counts
 * them); FLUSH and poll() move them in once there is room, in order, and
 * later completions queue behind them.  Also: wrapping many times round a
 * small ring, a hostile head, and poll()/epoll wakeups.
 */
#include <sys/epoll.h>
#include "engine.h"

FIXTURE(ring) {
	struct ctx c;
	struct pair p;
	char *data;
};

FIXTURE_SETUP(ring)
{
	self->c.fd = -1;
	self->p.tx = self->p.rx = -1;
	CTX_INIT(&self->c, 16);
	ASSERT_EQ(16, self->c.entries);
	PAIR_OPEN(&self->p, AF_INET, SOCK_DGRAM);
	self->data = calloc(1, 4096);
}

FIXTURE_TEARDOWN(ring)
{
	pair_close(&self->p);
	ctx_fini(&self->c);
	free(self->data);
}

/* n inline sends (each posts a cqe) with tags first..first+n-1. */
static int sends(FIXTURE_DATA(ring) *self, unsigned int n, uint64_t first,
		 struct wsaovl_status *st)
{
	struct wsaovl_sqe *sqe = calloc(n, sizeof(*sqe));
	struct wsaovl_buf b;
	unsigned int i;
	int r;

	buf_set(&b, self->data, 1);
	for (i = 0; i < n; i++) {
		sqe_prep(&sqe[i], WSAOVL_OP_SEND, self->p.tx, &b, 1, first + i);
		if (st) {
			st[i].status = WSAOVL_STATUS_PENDING;
			sqe[i].status = (uintptr_t)&st[i];
		}
	}
	r = submit_all(&self->c, sqe, n);
	for (i = 0; r == (int)n && i < n; i++)
		if (sqe[i].state != WSAOVL_STATE_DONE)
			r = -EIO;
	free(sqe);
	return r;
}

/* Take every cqe now in the ring, checking tags run on from *next. */
static unsigned int take_all(struct __test_metadata *_metadata, struct ctx *c,
			     uint64_t *next)
{
	struct wsaovl_cqe cqe;
	unsigned int n = 0;

	while (cq_peek(c, &cqe)) {
		EXPECT_EQ(*next, cqe.tag);
		EXPECT_EQ(1, cqe.res);
		*next = cqe.tag + 1;
		n++;
	}
	return n;
}

TEST_F(ring, overflow_flush)
{
	struct wsaovl_status st[100];
	struct wsaovl_ring *r = self->c.ring;
	uint64_t next = 0;
	unsigned int got = 0, i;
	int left;

	ASSERT_EQ(100, sends(self, 100, 0, st));
	/* Every status block is written, ring or no ring. */
	for (i = 0; i < 100; i++) {
		EXPECT_EQ(WSAOVL_STATUS_SUCCESS, st[i].status);
	}
	EXPECT_EQ(16, cq_ready(&self->c));
	EXPECT_EQ(WSAOVL_RING_OVERFLOW, r->flags);
	EXPECT_EQ(84, r->overflow);
	/* FLUSH with no room moves nothing. */
	EXPECT_EQ(84, flush(&self->c));
	EXPECT_EQ(16, cq_ready(&self->c));

	/* Free 5 slots: exactly 5 come in. */
	for (i = 0; i < 5; i++) {
		struct wsaovl_cqe cqe;

		ASSERT_EQ(1, cq_peek(&self->c, &cqe));
		EXPECT_EQ(next, cqe.tag);
		next++;
		got++;
	}
	EXPECT_EQ(79, flush(&self->c));
	EXPECT_EQ(16, cq_ready(&self->c));
	EXPECT_EQ(79, r->overflow);
	EXPECT_EQ(WSAOVL_RING_OVERFLOW, r->flags);

	for (;;) {
		got += take_all(_metadata, &self->c, &next);
		left = flush(&self->c);
		ASSERT_LE(0, left);
		if (!left && !cq_ready(&self->c))
			break;
	}
	EXPECT_EQ(100, got);
	EXPECT_EQ(100, next);
	EXPECT_EQ(0, r->flags);
	EXPECT_EQ(0, r->overflow);
	EXPECT_TRUE(cq_quiet(&self->c, 50));
}

/* poll() does the flushing too, and says POLLIN while anything waits. */
TEST_F(ring, overflow_poll)
{
	struct pollfd pfd = { .fd = self->c.fd, .events = POLLIN };
	uint64_t next = 0;
	unsigned int got = 0;

	ASSERT_EQ(100, sends(self, 100, 0, NULL));
	while (got < 100) {
		pfd.revents = 0;
		ASSERT_EQ(1, poll(&pfd, 1, 1000));
		ASSERT_TRUE(pfd.revents & POLLIN);
		got += take_all(_metadata, &self->c, &next);
	}
	EXPECT_EQ(100, next);
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0, self->c.ring->flags);
	EXPECT_EQ(0, self->c.ring->overflow);
}

/* New completions wait behind older overflowed ones, even with room. */
TEST_F(ring, overflow_keeps_order)
{
	struct wsaovl_cqe cqe;
	uint64_t next = 0;
	unsigned int got = 0, i;

	ASSERT_EQ(20, sends(self, 20, 0, NULL));
	EXPECT_EQ(4, self->c.ring->overflow);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(1, cq_peek(&self->c, &cqe));
		next++;
		got++;
	}
	/* Two free slots, but 4 older completions wait: these go after them. */
	ASSERT_EQ(3, sends(self, 3, 20, NULL));
	EXPECT_EQ(14, cq_ready(&self->c));
	EXPECT_EQ(7, self->c.ring->overflow);
	while (got < 23) {
		ASSERT_EQ(1, cq_wait(&self->c, &cqe, 1000));
		EXPECT_EQ(next, cqe.tag);
		next = cqe.tag + 1;
		got++;
	}
	EXPECT_EQ(23, next);
	EXPECT_EQ(0, self->c.ring->flags);
}

/* Pending ops completing from the workqueue into a full ring. */
TEST_F(ring, overflow_from_workers)
{
	enum { N = 100 };
	struct wsaovl_sqe sqe[N];
	struct wsaovl_buf b[N];
	uint32_t in[N];
	unsigned int i;
	uint64_t end;

	for (i = 0; i < N; i++) {
		in[i] = 0xffffffff;
		buf_set(&b[i], &in[i], 4);
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->p.rx, &b[i], 1, i);
	}
	ASSERT_EQ(N, submit(&self->c, sqe, N));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(4, send(self->p.tx, &i, 4, 0));
	}
	/* Wait (without flushing) until all are accounted for. */
	end = now_ms() + 30000;
	while (cq_ready(&self->c) + self->c.ring->overflow < N && now_ms() < end)
		msleep(10);
	EXPECT_EQ(16, cq_ready(&self->c));
	EXPECT_EQ(N - 16, self->c.ring->overflow);
	EXPECT_EQ(WSAOVL_RING_OVERFLOW, self->c.ring->flags);
	for (i = 0; i < N; i++) {
		struct wsaovl_cqe cqe;

		ASSERT_EQ(1, cq_wait(&self->c, &cqe, 1000));
		ASSERT_EQ(i, cqe.tag);
		ASSERT_EQ(4, cqe.res);
		ASSERT_EQ(i, in[i]);
	}
	EXPECT_EQ(0, self->c.ring->flags);
}

/* Many laps round a 16-entry ring, batches of odd sizes. */
TEST_F(ring, wraparound)
{
	uint64_t next = 0, tag = 0;
	unsigned int round;

	for (round = 0; round < 60; round++) {
		unsigned int n = 1 + round % 13, got = 0;

		ASSERT_EQ((int)n, sends(self, n, tag, NULL));
		tag += n;
		while (got < n) {
			struct wsaovl_cqe cqe = { 0 };

			ASSERT_EQ(1, cq_wait(&self->c, &cqe, 1000));
			ASSERT_EQ(next, cqe.tag);
			next++;
			got++;
		}
	}
	EXPECT_EQ(tag, next);
	EXPECT_EQ(tag, self->c.ring->tail);
	EXPECT_EQ(tag, self->c.ring->head);
	EXPECT_EQ(0, self->c.ring->flags);
}

/*
 * userspace owns head; a nonsense head must not make the kernel write
 * outside the ring or lose completions: once head is sane again,
 * everything arrives.
 */
TEST_F(ring, hostile_head)
{
	static const int32_t skew[] = { 1000, -1000, 17, -17, 0x7fffffff };
	struct wsaovl_ring *r = self->c.ring;
	uint64_t next = 0, tag = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(skew); i++) {
		uint32_t good = r->head;
		unsigned int got = 0;

		__atomic_store_n(&r->head, good + skew[i], __ATOMIC_RELEASE);
		ASSERT_EQ(10, sends(self, 10, tag, NULL));
		tag += 10;
		/* The kernel's own tail is what it published, whatever head says. */
		__atomic_store_n(&r->head, good, __ATOMIC_RELEASE);
		while (got < 10) {
			struct wsaovl_cqe cqe;

			ASSERT_EQ(1, cq_wait(&self->c, &cqe, 1000)) TH_LOG("skew %d", skew[i]);
			ASSERT_EQ(next, cqe.tag);
			next++;
			got++;
		}
		EXPECT_TRUE(cq_quiet(&self->c, 20));
	}
	/* The header fields the kernel owns are intact. */
	EXPECT_EQ(15, r->mask);
	EXPECT_EQ(16, r->entries);
}

struct waker {
	int fd;
	unsigned int delay_ms;
};

static void *wake_later(void *arg)
{
	struct waker *w = arg;

	msleep(w->delay_ms);
	send(w->fd, "w", 1, 0);
	return NULL;
}

/* A sleeping poll()/epoll_wait() wakes when a pending op completes. */
TEST_F(ring, poll_wakes)
{
	struct waker w = { .fd = self->p.tx, .delay_ms = 200 };
	struct pollfd pfd = { .fd = self->c.fd, .events = POLLIN };
	struct epoll_event ev = { .events = EPOLLIN };
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char buf[4];
	pthread_t th;
	uint64_t t0;
	int ep;

	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, self->p.rx, &b, 1, 1);
	ASSERT_EQ(1, submit(&self->c, &sqe, 1));
	ASSERT_EQ(0, poll(&pfd, 1, 0));
	t0 = now_ms();
	ASSERT_EQ(0, pthread_create(&th, NULL, wake_later, &w));
	ASSERT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_LE(150, now_ms() - t0);
	pthread_join(th, NULL);
	ASSERT_EQ(1, cq_peek(&self->c, &cqe));
	EXPECT_EQ(1, cqe.res);

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->c.fd, &ev));
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	sqe_prep(&sqe, WSAOVL_OP_RECV, self->p.rx, &b, 1, 2);
	ASSERT_EQ(1, submit(&self->c, &sqe, 1));
	ASSERT_EQ(0, pthread_create(&th, NULL, wake_later, &w));
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 10000));
	pthread_join(th, NULL);
	ASSERT_EQ(1, cq_peek(&self->c, &cqe));
	EXPECT_EQ(2, cqe.tag);
	close(ep);
}

TEST_HARNESS_MAIN
