// SPDX-License-Identifier: GPL-2.0
/*
 * WSAOVL_IOC_CANCEL, each selector: TAG, FD, FD_SEND, TID (the kernel's
 * record of the submitter, not sqe.tid), ALL.  The return value counts the
 * cancelled ops; each completes exactly once with -ECANCELED, its status
 * block saying STATUS_CANCELLED and its eventfd signalled; everything not
 * selected carries on.  Also: bad CANCEL arguments, and cancelling while
 * data races in.
 */
#include <semaphore.h>

#include "engine.h"

FIXTURE(cancel) {
	struct ctx c;
	struct pair u;		/* UDP */
	struct pair t;		/* TCP */
	int efd;
};

FIXTURE_SETUP(cancel)
{
	self->efd = -1;
	self->c.fd = -1;
	self->u.tx = self->u.rx = self->t.tx = self->t.rx = -1;
	CTX_INIT(&self->c, 4096);
	PAIR_OPEN(&self->u, AF_INET, SOCK_DGRAM);
	PAIR_OPEN(&self->t, AF_INET, SOCK_STREAM);
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(cancel)
{
	pair_close(&self->u);
	pair_close(&self->t);
	ctx_fini(&self->c);
	if (self->efd >= 0)
		close(self->efd);
}

/* A pending op with its own buffer and status block. */
struct pop {
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_status st;
	char data[64];
};

static int pop_submit(struct ctx *c, struct pop *p, int op, int fd,
		      uint64_t tag, int efd)
{
	memset(p, 0, sizeof(*p));
	memset(p->data, POISON8, sizeof(p->data));
	p->st.status = WSAOVL_STATUS_PENDING;
	p->st.information = POISON64;
	buf_set(&p->b, p->data, sizeof(p->data));
	sqe_prep(&p->sqe, op, fd, &p->b, 1, tag);
	p->sqe.status = (uintptr_t)&p->st;
	if (efd >= 0) {
		p->sqe.flags = WSAOVL_SQE_EVENTFD;
		p->sqe.eventfd = efd;
	}
	return submit(c, &p->sqe, 1);
}

#define POP(p, op, fd, tag) do {						\
	ASSERT_EQ(1, pop_submit(&self->c, (p), (op), (fd), (tag), self->efd));	\
	ASSERT_EQ(WSAOVL_STATE_PENDING, (p)->sqe.state);			\
} while (0)

static uint64_t efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void check_cancelled(struct __test_metadata *_metadata,
			    const struct wsaovl_cqe *cqe, const struct pop *p)
{
	EXPECT_EQ(-ECANCELED, cqe->res);
	EXPECT_EQ(0, cqe->flags);
	EXPECT_EQ(0, cqe->namelen);
	EXPECT_EQ(0, cqe->controllen);
	EXPECT_EQ(p->sqe.opcode, cqe->opcode);
	EXPECT_EQ(ST_CANCELLED, p->st.status);
	EXPECT_EQ(0, p->st.information);
	EXPECT_EQ(0, p->st.flags);
	EXPECT_EQ((char)POISON8, p->data[0]);
}

/* Fill the TCP send path until EAGAIN (twice, to be sure). */
static void fill_window(int fd)
{
	static char junk[65536];
	int round;

	for (round = 0; round < 2; round++) {
		while (send(fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
		msleep(50);
	}
}

TEST_F(cancel, tag)
{
	struct wsaovl_cqe cqe;
	struct pop p[4];

	POP(&p[0], WSAOVL_OP_RECV, self->u.rx, 1);
	POP(&p[1], WSAOVL_OP_RECVFROM, self->u.rx, 2);
	POP(&p[2], WSAOVL_OP_RECVMSG, self->u.rx, 3);
	POP(&p[3], WSAOVL_OP_RECV, self->u.rx, 4);

	/* Cancel one in the middle, then the head. */
	EXPECT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 2, 0));
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(2, cqe.tag);
	check_cancelled(_metadata, &cqe, &p[1]);
	EXPECT_EQ(1, efd_take(self->efd));
	EXPECT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 1, 0));
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(1, cqe.tag);
	check_cancelled(_metadata, &cqe, &p[0]);

	/* Gone is gone; unknown tags match nothing. */
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 2, 0));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 1, 0));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 99, 0));
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(1, efd_take(self->efd));

	/* The survivors take the next datagrams, in order. */
	ASSERT_EQ(1, send(self->u.tx, "a", 1, 0));
	ASSERT_EQ(1, send(self->u.tx, "b", 1, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(3, cqe.tag);
	EXPECT_EQ(1, cqe.res);
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(4, cqe.tag);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ('a', p[2].data[0]);
	EXPECT_EQ('b', p[3].data[0]);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, p[2].st.status);
}

/* Tags are the caller's: several ops may share one. */
TEST_F(cancel, tag_shared)
{
	struct wsaovl_cqe cqe[3];
	struct pop p[3];

	POP(&p[0], WSAOVL_OP_RECV, self->u.rx, 7);
	POP(&p[1], WSAOVL_OP_RECV, self->t.rx, 7);
	POP(&p[2], WSAOVL_OP_RECV, self->u.rx, 8);
	EXPECT_EQ(2, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 7, 0));
	ASSERT_EQ(2, cq_wait_n(&self->c, cqe, 2, 1000));
	EXPECT_EQ(7, cqe[0].tag);
	EXPECT_EQ(7, cqe[1].tag);
	EXPECT_EQ(-ECANCELED, cqe[0].res);
	EXPECT_EQ(-ECANCELED, cqe[1].res);
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	ASSERT_EQ(1, cq_wait_n(&self->c, cqe, 1, 1000));
	EXPECT_EQ(8, cqe[0].tag);
}

TEST_F(cancel, fd)
{
	struct wsaovl_cqe cqe[3];
	struct pop p[4];
	unsigned int i, seen = 0;

	POP(&p[0], WSAOVL_OP_RECV, self->u.rx, 1);
	POP(&p[1], WSAOVL_OP_RECVFROM, self->u.rx, 2);
	POP(&p[2], WSAOVL_OP_RECV, self->t.rx, 3);
	POP(&p[3], WSAOVL_OP_RECV, self->u.tx, 4);

	EXPECT_EQ(2, cancel(&self->c, WSAOVL_CANCEL_FD, self->u.rx, 0, 0));
	ASSERT_EQ(2, cq_wait_n(&self->c, cqe, 2, 1000));
	for (i = 0; i < 2; i++) {
		seen |= 1u << cqe[i].tag;
		check_cancelled(_metadata, &cqe[i], &p[cqe[i].tag - 1]);
	}
	EXPECT_EQ(0x6, seen);
	EXPECT_EQ(2, efd_take(self->efd));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_FD, self->u.rx, 0, 0));
	EXPECT_TRUE(cq_quiet(&self->c, 50));

	/* The other sockets' ops still work. */
	ASSERT_EQ(2, send(self->t.tx, "tc", 2, 0));
	ASSERT_EQ(2, sendto(self->u.rx, "ud", 2, 0, (void *)&self->u.txa, self->u.alen));
	ASSERT_EQ(2, cq_wait_n(&self->c, cqe, 2, 5000));
	for (i = 0; i < 2; i++) {
		EXPECT_TRUE(cqe[i].tag == 3 || cqe[i].tag == 4);
		EXPECT_EQ(2, cqe[i].res);
	}
	/* And the cancelled socket accepts new ops. */
	POP(&p[0], WSAOVL_OP_RECV, self->u.rx, 5);
	ASSERT_EQ(1, send(self->u.tx, "n", 1, 0));
	CQ_WAIT(&self->c, &cqe[0], 5000);
	EXPECT_EQ(5, cqe[0].tag);
	EXPECT_EQ(1, cqe[0].res);
}

/* FD_SEND: the pending sends of one socket; its receives stay. */
TEST_F(cancel, fd_send)
{
	struct wsaovl_cqe cqe[4];
	struct pop s[3], r;
	int v = 4096, i;

	setsockopt(self->t.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(self->t.rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	fill_window(self->t.tx);
	POP(&r, WSAOVL_OP_RECV, self->t.tx, 10);
	for (i = 0; i < 3; i++)
		POP(&s[i], WSAOVL_OP_SEND, self->t.tx, 20 + i);
	/* No sends on the receiving end, nor on the UDP socket. */
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_FD_SEND, self->t.rx, 0, 0));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_FD_SEND, self->u.rx, 0, 0));

	EXPECT_EQ(3, cancel(&self->c, WSAOVL_CANCEL_FD_SEND, self->t.tx, 0, 0));
	ASSERT_EQ(3, cq_wait_n(&self->c, cqe, 3, 1000));
	for (i = 0; i < 3; i++) {
		/* Pending sends of one socket complete in order. */
		EXPECT_EQ(20 + i, cqe[i].tag);
		check_cancelled(_metadata, &cqe[i], &s[i]);
	}
	EXPECT_EQ(3, efd_take(self->efd));
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_FD_SEND, self->t.tx, 0, 0));

	/* The receive on the same socket is still there. */
	ASSERT_EQ(4, send(self->t.rx, "back", 4, 0));
	CQ_WAIT(&self->c, &cqe[0], 5000);
	EXPECT_EQ(10, cqe[0].tag);
	EXPECT_EQ(4, cqe[0].res);
	EXPECT_EQ(0, memcmp(r.data, "back", 4));
}

struct tsub {
	struct ctx *c;
	int fd;
	uint32_t sqe_tid;
	pid_t tid;
	struct pop p[3];
	int ok;
	sem_t submitted, release;	/* the thread lives until released */
};

static void *tsub_thread(void *arg)
{
	struct tsub *t = arg;
	int i;

	t->tid = sys_gettid();
	for (i = 0; i < 3; i++) {
		memset(&t->p[i], 0, sizeof(t->p[i]));
		t->p[i].st.status = WSAOVL_STATUS_PENDING;
		buf_set(&t->p[i].b, t->p[i].data, sizeof(t->p[i].data));
		sqe_prep(&t->p[i].sqe, WSAOVL_OP_RECV, t->fd, &t->p[i].b, 1, 100 + i);
		t->p[i].sqe.tid = t->sqe_tid;
		t->p[i].sqe.status = (uintptr_t)&t->p[i].st;
		if (submit(t->c, &t->p[i].sqe, 1) == 1 &&
		    t->p[i].sqe.state == WSAOVL_STATE_PENDING)
			t->ok++;
	}
	sem_post(&t->submitted);
	sem_wait(&t->release);
	return NULL;
}

/*
 * TID selects by the submitting thread the kernel recorded (its struct
 * pid, named by the caller's pid namespace).  The thread's ops name the
 * main thread in sqe.tid (so their cqes carry it) and the main thread's
 * ops name the other thread: neither confuses CANCEL.
 */
TEST_F(cancel, tid)
{
	struct tsub t = { .c = &self->c, .fd = self->u.rx, .sqe_tid = sys_gettid() };
	struct wsaovl_cqe cqe[3];
	struct pop p[2];
	pthread_t th;
	int i;

	ASSERT_EQ(0, sem_init(&t.submitted, 0, 0));
	ASSERT_EQ(0, sem_init(&t.release, 0, 0));
	ASSERT_EQ(0, pthread_create(&th, NULL, tsub_thread, &t));
	ASSERT_EQ(0, sem_wait(&t.submitted));
	ASSERT_EQ(3, t.ok);
	memset(p, 0, sizeof(p));
	for (i = 0; i < 2; i++) {
		buf_set(&p[i].b, p[i].data, sizeof(p[i].data));
		sqe_prep(&p[i].sqe, WSAOVL_OP_RECV, self->u.rx, &p[i].b, 1, 300 + i);
		p[i].sqe.tid = t.tid;
		ASSERT_EQ(1, submit(&self->c, &p[i].sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, p[i].sqe.state);
	}

	/* The other thread (still alive) submitted 3: its id selects them. */
	EXPECT_EQ(3, cancel(&self->c, WSAOVL_CANCEL_TID, 0, 0, t.tid));
	sem_post(&t.release);
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(3, cq_wait_n(&self->c, cqe, 3, 1000));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(100 + i, cqe[i].tag);
		EXPECT_EQ(-ECANCELED, cqe[i].res);
		EXPECT_EQ((uint32_t)sys_gettid(), cqe[i].tid);
		EXPECT_EQ(ST_CANCELLED, t.p[i].st.status);
	}
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_TID, 0, 0, t.tid));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_TID, 0, 0, 1));

	/* The main thread's, with the other thread's id in their cqes. */
	EXPECT_EQ(2, cancel(&self->c, WSAOVL_CANCEL_TID, 0, 0, sys_gettid()));
	ASSERT_EQ(2, cq_wait_n(&self->c, cqe, 2, 1000));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(300 + i, cqe[i].tag);
		EXPECT_EQ((uint32_t)t.tid, cqe[i].tid);
	}
}

/*
 * A thread that exited no longer has a number of its own: a later thread
 * may get it.  Its ops are not selected by that number any more (they
 * still are by tag, fd or ALL); libwsa cancels a thread's ops before it
 * exits.
 */
TEST_F(cancel, tid_of_exited_thread_matches_nothing)
{
	struct tsub t = { .c = &self->c, .fd = self->u.rx, .sqe_tid = 0 };
	struct wsaovl_cqe cqe[3];
	pthread_t th;

	ASSERT_EQ(0, sem_init(&t.submitted, 0, 0));
	ASSERT_EQ(0, sem_init(&t.release, 0, 1));
	ASSERT_EQ(0, pthread_create(&th, NULL, tsub_thread, &t));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(3, t.ok);
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_TID, 0, 0, t.tid));
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 101, 0));
	EXPECT_EQ(2, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	ASSERT_EQ(3, cq_wait_n(&self->c, cqe, 3, 1000));
}

/* ALL: every pending op of the context, of every kind, once. */
TEST_F(cancel, all)
{
	struct wsaovl_cqe cqe[8];
	struct pop p[6];
	unsigned int i, seen = 0;
	int v = 4096;

	setsockopt(self->t.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(self->t.rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	fill_window(self->t.tx);
	POP(&p[0], WSAOVL_OP_RECV, self->u.rx, 0);
	POP(&p[1], WSAOVL_OP_RECVFROM, self->u.rx, 1);
	POP(&p[2], WSAOVL_OP_RECVMSG, self->u.tx, 2);
	POP(&p[3], WSAOVL_OP_RECV, self->t.tx, 3);	/* t.rx has the fill */
	POP(&p[4], WSAOVL_OP_SEND, self->t.tx, 4);
	POP(&p[5], WSAOVL_OP_SEND, self->t.tx, 5);
	EXPECT_EQ(6, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	ASSERT_EQ(6, cq_wait_n(&self->c, cqe, 6, 1000));
	for (i = 0; i < 6; i++) {
		EXPECT_EQ(0, seen & (1u << cqe[i].tag)) TH_LOG("tag %llu twice",
					(unsigned long long)cqe[i].tag);
		seen |= 1u << cqe[i].tag;
		check_cancelled(_metadata, &cqe[i], &p[cqe[i].tag]);
	}
	EXPECT_EQ(0x3f, seen);
	EXPECT_EQ(6, efd_take(self->efd));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	EXPECT_TRUE(cq_quiet(&self->c, 100));
}

/* Completed ops are not cancellable: CANCEL finds nothing. */
TEST_F(cancel, after_completion)
{
	struct wsaovl_cqe cqe;
	struct pop p;

	POP(&p, WSAOVL_OP_RECV, self->u.rx, 1);
	ASSERT_EQ(1, send(self->u.tx, "d", 1, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 1, 0));
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, p.st.status);
}

TEST_F(cancel, bad_args)
{
	struct wsaovl_cancel cn;
	unsigned int i;
	int fd;

	static const uint32_t bad_what[] = { 0, 6, 99, 0xffffffffu };

	for (i = 0; i < ARRAY_SIZE(bad_what); i++) {
		EXPECT_EQ(-EINVAL, cancel(&self->c, bad_what[i], self->u.rx, 0, 0));
	}
	for (i = 0; i < 3; i++) {
		memset(&cn, 0, sizeof(cn));
		cn.what = WSAOVL_CANCEL_ALL;
		cn.reserved[i] = 1;
		EXPECT_EQ(-1, ioctl(self->c.fd, WSAOVL_IOC_CANCEL, &cn));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(-1, ioctl(self->c.fd, WSAOVL_IOC_CANCEL, NULL));
	EXPECT_EQ(EFAULT, errno);

	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-ENOTSOCK, cancel(&self->c, WSAOVL_CANCEL_FD, fd, 0, 0));
	EXPECT_EQ(-ENOTSOCK, cancel(&self->c, WSAOVL_CANCEL_FD_SEND, fd, 0, 0));
	close(fd);
	EXPECT_EQ(-EBADF, cancel(&self->c, WSAOVL_CANCEL_FD, fd, 0, 0));
	EXPECT_EQ(-EBADF, cancel(&self->c, WSAOVL_CANCEL_FD_SEND, -1, 0, 0));
}

struct racer {
	int fd;
	unsigned int n;
};

static void *race_send(void *arg)
{
	struct racer *r = arg;
	unsigned int i;

	for (i = 0; i < r->n; i++)
		if (send(r->fd, &i, 4, 0) != 4)
			break;
	return NULL;
}

/*
 * Cancel everything while datagrams pour in: every op completes exactly
 * once, either with its datagram (in order) or cancelled, and CANCEL's
 * count is the number of cancelled cqes.
 */
TEST_F_TIMEOUT(cancel, race_with_data, 120)
{
	enum { N = 500 };
	struct wsaovl_sqe *sqe = calloc(N, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(N, sizeof(*b));
	struct wsaovl_cqe *cqe = calloc(N, sizeof(*cqe));
	uint32_t *in = calloc(N, 4);
	unsigned char *seen = calloc(N, 1);
	int round, v = 8 << 20;

	ASSERT_NE(NULL, seen);
	setsockopt(self->u.rx, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v));
	for (round = 0; round < 5; round++) {
		struct racer r = { .fd = self->u.tx, .n = N };
		unsigned int i, got, ncancel = 0, ndata = 0;
		int n;
		pthread_t th;

		for (i = 0; i < N; i++) {
			buf_set(&b[i], &in[i], 4);
			sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->u.rx, &b[i], 1, i);
		}
		memset(seen, 0, N);
		ASSERT_EQ(N, submit(&self->c, sqe, N));
		ASSERT_EQ(0, pthread_create(&th, NULL, race_send, &r));
		usleep(round * 2000);
		n = cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0);
		pthread_join(th, NULL);
		ASSERT_LE(0, n);
		got = cq_wait_n(&self->c, cqe, N, 30000);
		ASSERT_EQ(N, got);
		EXPECT_TRUE(cq_quiet(&self->c, 100));
		for (i = 0; i < N; i++) {
			ASSERT_LT(cqe[i].tag, N);
			ASSERT_EQ(0, seen[cqe[i].tag]) TH_LOG("tag %llu twice",
						(unsigned long long)cqe[i].tag);
			seen[cqe[i].tag] = 1;
			if (cqe[i].res == -ECANCELED) {
				ncancel++;
				continue;
			}
			ASSERT_EQ(4, cqe[i].res);
			/* Data went to the first ops, in order. */
			ASSERT_EQ(ndata, cqe[i].tag);
			ASSERT_EQ(ndata, in[cqe[i].tag]);
			ndata++;
		}
		EXPECT_EQ((unsigned int)n, ncancel);
		TH_LOG("round %d: %u with data, %u cancelled", round, ndata, ncancel);
		drain(self->u.rx, 20);
	}
	free(sqe);
	free(b);
	free(cqe);
	free(in);
	free(seen);
}

TEST_HARNESS_MAIN
