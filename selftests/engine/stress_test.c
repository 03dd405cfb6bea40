// SPDX-License-Identifier: GPL-2.0
/*
 * Races: several threads submitting to the same sockets while data flows
 * and others cancel; closing the device while workers are completing ops;
 * closing sockets under pending ops while data arrives.  The checks are
 * "every op completes exactly once, nothing is lost or duplicated" and, for
 * the kernel side, a clean log (tools/vm-run fails the run on any WARNING,
 * BUG, lockdep or kmemleak report).
 */
#include "engine.h"

enum { THREADS = 4, PER_THREAD = 500, TOTAL = THREADS * PER_THREAD };

FIXTURE(stress) {
	struct ctx c;
	struct pair u;
};

FIXTURE_SETUP(stress)
{
	int v = 8 << 20;

	self->c.fd = -1;
	self->u.tx = self->u.rx = -1;
	CTX_INIT(&self->c, 8192);
	PAIR_OPEN(&self->u, AF_INET, SOCK_DGRAM);
	setsockopt(self->u.rx, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v));
}

FIXTURE_TEARDOWN(stress)
{
	pair_close(&self->u);
	ctx_fini(&self->c);
}

struct submitter {
	struct ctx *c;
	int fd;
	unsigned int id;
	uint32_t in[PER_THREAD];
	struct wsaovl_buf b[PER_THREAD];
	struct wsaovl_sqe sqe[PER_THREAD];
	int accepted;
};

static void *submit_thread(void *arg)
{
	struct submitter *s = arg;
	unsigned int i;

	for (i = 0; i < PER_THREAD; i++) {
		s->in[i] = 0xffffffff;
		buf_set(&s->b[i], &s->in[i], 4);
		sqe_prep(&s->sqe[i], WSAOVL_OP_RECV, s->fd, &s->b[i], 1,
			 (uint64_t)s->id * PER_THREAD + i);
	}
	/* Small batches, so the threads interleave. */
	for (i = 0; i < PER_THREAD; i += 5) {
		int r = submit(s->c, s->sqe + i, 5);

		if (r > 0)
			s->accepted += r;
		if (r != 5)
			break;
	}
	return NULL;
}

struct flood {
	int fd;
	unsigned int n;
	unsigned int sent;
};

static void *flood_thread(void *arg)
{
	struct flood *f = arg;
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		if (send(f->fd, &i, 4, 0) != 4)
			break;
		f->sent++;
		if (!(i % 64))
			usleep(200);
	}
	return NULL;
}

/*
 * THREADS threads submit receives on one socket while datagrams flow: each
 * datagram lands in exactly one op, each op completes exactly once.
 */
TEST_F_TIMEOUT(stress, concurrent_submitters, 120)
{
	struct submitter *s = calloc(THREADS, sizeof(*s));
	struct flood f = { .fd = self->u.tx, .n = TOTAL };
	struct wsaovl_cqe *cqe = calloc(TOTAL, sizeof(*cqe));
	unsigned char *seen_op = calloc(TOTAL, 1), *seen_dg = calloc(TOTAL, 1);
	pthread_t th[THREADS], ft;
	unsigned int i, got;

	ASSERT_NE(NULL, seen_dg);
	for (i = 0; i < THREADS; i++) {
		s[i].c = &self->c;
		s[i].fd = self->u.rx;
		s[i].id = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, submit_thread, &s[i]));
	}
	ASSERT_EQ(0, pthread_create(&ft, NULL, flood_thread, &f));
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		ASSERT_EQ(PER_THREAD, s[i].accepted);
	}
	pthread_join(ft, NULL);
	ASSERT_EQ(TOTAL, f.sent);
	got = cq_wait_n(&self->c, cqe, TOTAL, 60000);
	ASSERT_EQ(TOTAL, got);
	for (i = 0; i < TOTAL; i++) {
		uint64_t tag = cqe[i].tag;
		uint32_t v;

		ASSERT_LT(tag, TOTAL);
		ASSERT_EQ(0, seen_op[tag]) TH_LOG("op %llu twice", (unsigned long long)tag);
		seen_op[tag] = 1;
		ASSERT_EQ(4, cqe[i].res);
		v = s[tag / PER_THREAD].in[tag % PER_THREAD];
		ASSERT_LT(v, TOTAL);
		ASSERT_EQ(0, seen_dg[v]) TH_LOG("datagram %u twice", v);
		seen_dg[v] = 1;
	}
	/* Each thread's own ops got increasing datagrams (its order kept). */
	for (i = 0; i < THREADS; i++) {
		unsigned int k;

		for (k = 1; k < PER_THREAD; k++) {
			ASSERT_LT(s[i].in[k - 1], s[i].in[k]) TH_LOG("thread %u op %u", i, k);
		}
	}
	EXPECT_TRUE(cq_quiet(&self->c, 100));
	free(s);
	free(cqe);
	free(seen_op);
	free(seen_dg);
}

struct canceller {
	struct ctx *c;
	volatile bool stop;
	unsigned long cancelled;
};

static void *cancel_thread(void *arg)
{
	struct canceller *k = arg;

	while (!k->stop) {
		int n = cancel(k->c, WSAOVL_CANCEL_ALL, 0, 0, 0);

		if (n > 0)
			k->cancelled += n;
		usleep(300);
	}
	return NULL;
}

/*
 * Submitters, a flood of data and a thread cancelling everything every
 * 0.3 ms: every op ends exactly once, data or -ECANCELED, and the number
 * of cancelled cqes is what CANCEL reported.
 */
TEST_F_TIMEOUT(stress, submit_cancel_data, 120)
{
	struct submitter *s = calloc(THREADS, sizeof(*s));
	struct flood f = { .fd = self->u.tx, .n = TOTAL };
	struct canceller k = { .c = &self->c };
	struct wsaovl_cqe *cqe = calloc(TOTAL, sizeof(*cqe));
	unsigned char *seen_op = calloc(TOTAL, 1);
	pthread_t th[THREADS], ft, kt;
	unsigned int i, got, ncancel = 0, accepted = 0;

	ASSERT_NE(NULL, seen_op);
	ASSERT_EQ(0, pthread_create(&kt, NULL, cancel_thread, &k));
	for (i = 0; i < THREADS; i++) {
		s[i].c = &self->c;
		s[i].fd = self->u.rx;
		s[i].id = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, submit_thread, &s[i]));
	}
	ASSERT_EQ(0, pthread_create(&ft, NULL, flood_thread, &f));
	for (i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		accepted += s[i].accepted;
	}
	pthread_join(ft, NULL);
	msleep(100);
	k.stop = true;
	pthread_join(kt, NULL);
	/* Whatever is left: cancel it now. */
	{
		int n = cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0);

		ASSERT_LE(0, n);
		k.cancelled += n;
	}
	ASSERT_EQ(TOTAL, accepted);
	got = cq_wait_n(&self->c, cqe, TOTAL, 60000);
	ASSERT_EQ(TOTAL, got);
	for (i = 0; i < TOTAL; i++) {
		uint64_t tag = cqe[i].tag;

		ASSERT_LT(tag, TOTAL);
		ASSERT_EQ(0, seen_op[tag]) TH_LOG("op %llu twice", (unsigned long long)tag);
		seen_op[tag] = 1;
		if (cqe[i].res == -ECANCELED)
			ncancel++;
		else
			ASSERT_EQ(4, cqe[i].res);
	}
	EXPECT_EQ(k.cancelled, ncancel);
	EXPECT_TRUE(cq_quiet(&self->c, 100));
	TH_LOG("%u cancelled, %u with data", ncancel, TOTAL - ncancel);
	free(s);
	free(cqe);
	free(seen_op);
}

/*
 * Close the device while datagrams keep completing ops on the workqueue,
 * many times: no crash, no leak, no WARN (the log check decides).
 */
TEST_F_TIMEOUT(stress, close_while_completing, 120)
{
	int round;

	for (round = 0; round < 20; round++) {
		struct flood f = { .fd = self->u.tx, .n = 2000 };
		struct wsaovl_sqe *sqe = calloc(1000, sizeof(*sqe));
		struct wsaovl_buf b;
		uint32_t in;
		struct ctx c;
		pthread_t ft;
		int i;

		ASSERT_EQ(0, ctx_init(&c, 64));
		buf_set(&b, &in, 4);
		for (i = 0; i < 1000; i++)
			sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->u.rx, &b, 1, i);
		ASSERT_EQ(1000, submit_all(&c, sqe, 1000));
		ASSERT_EQ(0, pthread_create(&ft, NULL, flood_thread, &f));
		usleep(1000 * (round % 7));
		ctx_fini(&c);
		pthread_join(ft, NULL);
		drain(self->u.rx, 0);
		free(sqe);
	}
}

struct closer {
	int fd;
	unsigned int delay_us;
};

static void *close_thread(void *arg)
{
	struct closer *c = arg;

	usleep(c->delay_us);
	close(c->fd);
	return NULL;
}

/*
 * Close sockets in userspace while data arrives for their pending ops and
 * another thread cancels by fd: each op completes once (data or
 * cancelled), or stays pending until CANCEL ALL.
 */
TEST_F_TIMEOUT(stress, close_socket_races, 120)
{
	int round;

	for (round = 0; round < 30; round++) {
		struct wsaovl_sqe sqe[50];
		struct wsaovl_cqe cqe[50];
		struct wsaovl_buf b;
		struct closer cl;
		struct pair p;
		unsigned char seen[50] = { 0 };
		uint32_t in;
		pthread_t ct;
		unsigned int i, got;
		int n;

		ASSERT_EQ(0, pair_open(&p, AF_INET, round & 1 ? SOCK_STREAM : SOCK_DGRAM));
		buf_set(&b, &in, 4);
		for (i = 0; i < 50; i++)
			sqe_prep(&sqe[i], WSAOVL_OP_RECV, p.rx, &b, 1, i);
		ASSERT_EQ(50, submit(&self->c, sqe, 50));
		cl.fd = p.rx;
		cl.delay_us = 100 * (round % 10);
		ASSERT_EQ(0, pthread_create(&ct, NULL, close_thread, &cl));
		for (i = 0; i < 20; i++)
			send(p.tx, "dataDATA", round & 1 ? 8 : 4, MSG_DONTWAIT | MSG_NOSIGNAL);
		cancel(&self->c, WSAOVL_CANCEL_FD, p.rx, 0, 0);
		pthread_join(ct, NULL);
		p.rx = -1;
		n = cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0);
		ASSERT_LE(0, n);
		got = cq_wait_n(&self->c, cqe, 50, 10000);
		ASSERT_EQ(50, got);
		for (i = 0; i < 50; i++) {
			ASSERT_LT(cqe[i].tag, 50);
			ASSERT_EQ(0, seen[cqe[i].tag]);
			seen[cqe[i].tag] = 1;
			ASSERT_TRUE(cqe[i].res == -ECANCELED ||
				    (cqe[i].res >= 1 && cqe[i].res <= 4))
				TH_LOG("res %d", cqe[i].res);
		}
		EXPECT_TRUE(cq_quiet(&self->c, 20));
		pair_close(&p);
	}
}

TEST_HARNESS_MAIN
