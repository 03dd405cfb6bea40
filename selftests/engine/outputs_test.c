// SPDX-License-Identifier: GPL-2.0
/*
 * Outputs before status (ABI 3): a receive's length and flag words
 * (sqe.namelen_out, flags_out, controllen_out: lpFromlen, *lpFlags, the
 * WSAMSG lengths) and its address and control bytes are written by the
 * kernel before the status block, so whoever sees status != PENDING sees
 * them final.  Inline and pending, success and failure, bad pointers
 * (nothing consumed), words on a page boundary, and the ordering itself,
 * checked in a loop by a thread that spins on the status word.
 */
#include "engine.h"

#define ST_PENDING	WSAOVL_STATUS_PENDING

struct rx {
	struct wsaovl_status st;
	struct sockaddr_storage from;
	int32_t fromlen;
	uint32_t flags;
	uint32_t ctllen;
	char ctl[256];
	char buf[64];
	struct wsaovl_buf b;
};

static void rx_prep(struct wsaovl_sqe *s, struct rx *r, int op, int fd)
{
	memset(r, POISON8, sizeof(*r));
	r->st.status = ST_PENDING;
	buf_set(&r->b, r->buf, sizeof(r->buf));
	sqe_prep(s, op, fd, &r->b, 1, 7);
	s->status = (uintptr_t)&r->st;
	s->flags_out = (uintptr_t)&r->flags;
	if (op != WSAOVL_OP_RECV) {
		s->addr = (uintptr_t)&r->from;
		s->addrlen = sizeof(r->from);
		s->namelen_out = (uintptr_t)&r->fromlen;
	}
	if (op == WSAOVL_OP_RECVMSG) {
		s->control = (uintptr_t)r->ctl;
		s->controllen = sizeof(r->ctl);
		s->controllen_out = (uintptr_t)&r->ctllen;
	}
}

FIXTURE(outputs) {
	struct ctx c;
	struct pair p;
};

FIXTURE_SETUP(outputs)
{
	int one = 1;

	CTX_INIT(&self->c, 256);
	PAIR_OPEN(&self->p, AF_INET, SOCK_DGRAM);
	ASSERT_EQ(0, setsockopt(self->p.rx, IPPROTO_IP, IP_PKTINFO, &one,
				sizeof(one)));
}

FIXTURE_TEARDOWN(outputs)
{
	pair_close(&self->p);
	ctx_fini(&self->c);
}

/* Completed inline: the words are written in the SUBMIT call itself. */
TEST_F(outputs, inline_words_written)
{
	struct wsaovl_sqe s;
	struct rx r;

	ASSERT_EQ(5, send(self->p.tx, "hello", 5, 0));
	ASSERT_TRUE(fd_readable(self->p.rx, 2000));
	rx_prep(&s, &r, WSAOVL_OP_RECVMSG, self->p.rx);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.state);
	EXPECT_EQ(5, s.res);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	EXPECT_EQ(5, r.st.information);
	EXPECT_EQ(POISON32, r.st.pad);
	EXPECT_EQ((int32_t)sizeof(struct sockaddr_in), r.fromlen);
	EXPECT_EQ(s.out_namelen, (uint32_t)r.fromlen);
	EXPECT_EQ(s.out_flags, r.flags);
	EXPECT_EQ(s.out_controllen, r.ctllen);
	EXPECT_LT(0, r.ctllen);		/* IP_PKTINFO */
	EXPECT_EQ(0, memcmp(r.buf, "hello", 5));
	EXPECT_EQ(0, memcmp(&r.from, &self->p.txa, sizeof(struct sockaddr_in)));
}

/* Pending, then completed by a datagram: words through the pinned pages. */
TEST_F(outputs, pending_words_written)
{
	static const int ops[] = { WSAOVL_OP_RECV, WSAOVL_OP_RECVFROM,
				   WSAOVL_OP_RECVMSG };
	struct wsaovl_cqe cqe;
	struct wsaovl_sqe s;
	unsigned int i;
	struct rx r;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		rx_prep(&s, &r, ops[i], self->p.rx);
		ASSERT_EQ(1, submit(&self->c, &s, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
		EXPECT_EQ(POISON32, r.flags);	/* untouched until completion */
		EXPECT_EQ((int32_t)POISON32, r.fromlen);
		ASSERT_EQ(3, send(self->p.tx, "abc", 3, 0));
		CQ_WAIT(&self->c, &cqe, 5000);
		EXPECT_EQ(3, cqe.res);
		EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
		EXPECT_EQ(POISON32, r.st.pad);	/* never written, not even probed */
		EXPECT_EQ(cqe.flags, r.flags);
		if (ops[i] == WSAOVL_OP_RECV) {
			EXPECT_EQ((int32_t)POISON32, r.fromlen);
		} else {
			EXPECT_EQ((int32_t)sizeof(struct sockaddr_in), r.fromlen);
			EXPECT_EQ(cqe.namelen, (uint32_t)r.fromlen);
		}
		if (ops[i] == WSAOVL_OP_RECVMSG) {
			EXPECT_EQ(cqe.controllen, r.ctllen);
			EXPECT_LT(0, r.ctllen);
		} else {
			EXPECT_EQ(POISON32, r.ctllen);
		}
	}
}

/* A truncated datagram: MSG_TRUNC in the flags word, BUFFER_OVERFLOW. */
TEST_F(outputs, truncated_flags_word)
{
	char big[200];
	struct wsaovl_cqe cqe;
	struct wsaovl_sqe s;
	struct rx r;

	memset(big, 'x', sizeof(big));
	rx_prep(&s, &r, WSAOVL_OP_RECVFROM, self->p.rx);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	ASSERT_EQ(sizeof(big), send(self->p.tx, big, sizeof(big), 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(WSAOVL_STATUS_BUFFER_OVERFLOW, r.st.status);
	EXPECT_EQ(WSAOVL_MSG_TRUNC, r.flags & WSAOVL_MSG_TRUNC);
	EXPECT_EQ(sizeof(r.buf), r.st.information);
}

/* Cancelled: the words say nothing arrived, the status says cancelled. */
TEST_F(outputs, cancelled_words_zero)
{
	struct wsaovl_cqe cqe;
	struct wsaovl_sqe s;
	struct rx r;

	rx_prep(&s, &r, WSAOVL_OP_RECVMSG, self->p.rx);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	ASSERT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_FD, self->p.rx, 0, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(-ECANCELED, cqe.res);
	EXPECT_EQ(ST_CANCELLED, r.st.status);
	EXPECT_EQ(0, r.fromlen);
	EXPECT_EQ(0U, r.flags);
	EXPECT_EQ(0U, r.ctllen);
}

/*
 * A word that is not writable fails the submit with EFAULT before anything
 * moves: the datagram is still there for the next receive.
 */
TEST_F(outputs, bad_word_efault_nothing_consumed)
{
	uint64_t bad[] = { 8, (uint64_t)-16 };
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct wsaovl_sqe s;
	unsigned int i, w;
	struct rx r;

	ASSERT_NE(MAP_FAILED, ro);
	ASSERT_EQ(2, send(self->p.tx, "hi", 2, 0));
	ASSERT_TRUE(fd_readable(self->p.rx, 2000));
	for (w = 0; w < 3; w++) {
		for (i = 0; i < ARRAY_SIZE(bad) + 1; i++) {
			uint64_t a = i < ARRAY_SIZE(bad) ? bad[i] : (uintptr_t)ro;

			rx_prep(&s, &r, WSAOVL_OP_RECVMSG, self->p.rx);
			if (w == 0)
				s.namelen_out = a;
			else if (w == 1)
				s.flags_out = a;
			else
				s.controllen_out = a;
			EXPECT_EQ(0, submit(&self->c, &s, 1));
			EXPECT_EQ(WSAOVL_STATE_FAILED, s.state);
			EXPECT_EQ(-EFAULT, s.res) TH_LOG("word %u addr %#llx", w,
							 (unsigned long long)a);
		}
	}
	EXPECT_EQ(2, pending_bytes(self->p.rx));
	munmap(ro, 4096);
}

/* Words only where the op has such an output; reserved2 must be 0. */
TEST_F(outputs, words_where_they_belong)
{
	struct wsaovl_buf b;
	struct wsaovl_sqe s;
	uint32_t word;
	char buf[4] = "abc";

	buf_set(&b, buf, 3);
	sqe_prep(&s, WSAOVL_OP_SEND, self->p.tx, &b, 1, 1);
	s.flags_out = (uintptr_t)&word;
	EXPECT_EQ(0, submit(&self->c, &s, 1));
	EXPECT_EQ(-EINVAL, s.res);
	sqe_prep(&s, WSAOVL_OP_RECV, self->p.rx, &b, 1, 1);
	s.namelen_out = (uintptr_t)&word;
	EXPECT_EQ(0, submit(&self->c, &s, 1));
	EXPECT_EQ(-EINVAL, s.res);
	sqe_prep(&s, WSAOVL_OP_RECVFROM, self->p.rx, &b, 1, 1);
	s.controllen_out = (uintptr_t)&word;
	EXPECT_EQ(0, submit(&self->c, &s, 1));
	EXPECT_EQ(-EINVAL, s.res);
	sqe_prep(&s, WSAOVL_OP_RECV, self->p.rx, &b, 1, 1);
	s.reserved2 = 1;
	EXPECT_EQ(0, submit(&self->c, &s, 1));
	EXPECT_EQ(-EINVAL, s.res);
	EXPECT_EQ(0, pending_bytes(self->p.rx));
}

/* A word straddling two pages, pending (pinned) and inline. */
TEST_F(outputs, word_across_pages)
{
	char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct wsaovl_cqe cqe;
	struct wsaovl_sqe s;
	int32_t got;
	struct rx r;
	int pass;

	ASSERT_NE(MAP_FAILED, two);
	for (pass = 0; pass < 2; pass++) {
		memset(two + 4094, POISON8, 4);
		rx_prep(&s, &r, WSAOVL_OP_RECVFROM, self->p.rx);
		s.namelen_out = (uintptr_t)(two + 4094);
		if (pass) {
			ASSERT_EQ(1, send(self->p.tx, "x", 1, 0));
			ASSERT_TRUE(fd_readable(self->p.rx, 2000));
		}
		ASSERT_EQ(1, submit(&self->c, &s, 1));
		if (!pass) {
			ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
			ASSERT_EQ(1, send(self->p.tx, "x", 1, 0));
			CQ_WAIT(&self->c, &cqe, 5000);
		} else {
			ASSERT_EQ(WSAOVL_STATE_DONE, s.state);
		}
		memcpy(&got, two + 4094, 4);
		EXPECT_EQ((int32_t)sizeof(struct sockaddr_in), got)
			TH_LOG("pass %d", pass);
	}
	munmap(two, 8192);
}

struct race {
	struct rx *r;
	atomic_int go, stop;
	int bad, seen;
};

/* Spin on the status word; the moment it changes, the words must be final. */
static void *watcher(void *arg)
{
	struct race *x = arg;

	while (!atomic_load(&x->stop)) {
		int gen = atomic_load(&x->go);
		struct rx *r = x->r;

		if (!gen)
			continue;
		while (__atomic_load_n(&r->st.status, __ATOMIC_ACQUIRE) ==
		       ST_PENDING && !atomic_load(&x->stop))
			;
		if (r->fromlen != (int32_t)sizeof(struct sockaddr_in) ||
		    r->flags != 0 || r->ctllen == POISON32 || r->ctllen == 0)
			x->bad++;
		x->seen++;
		atomic_store(&x->go, 0);
	}
	return NULL;
}

/*
 * The guarantee itself, 20000 times: a watcher spinning on the status word
 * of a pending receive never sees it complete before its words.
 */
TEST_F_TIMEOUT(outputs, status_last_in_a_loop, 600)
{
	struct wsaovl_cqe cqe;
	struct wsaovl_sqe s;
	struct race x = { 0 };
	pthread_t t;
	struct rx r;
	int i, n = 20000;

	x.r = &r;
	ASSERT_EQ(0, pthread_create(&t, NULL, watcher, &x));
	for (i = 0; i < n; i++) {
		rx_prep(&s, &r, WSAOVL_OP_RECVMSG, self->p.rx);
		ASSERT_EQ(1, submit(&self->c, &s, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
		atomic_store(&x.go, 1);
		ASSERT_EQ(1, send(self->p.tx, "z", 1, 0));
		while (atomic_load(&x.go))
			;
		ASSERT_EQ(1, cq_wait(&self->c, &cqe, 5000));
		ASSERT_EQ(1, cqe.res);
	}
	atomic_store(&x.stop, 1);
	pthread_join(t, NULL);
	EXPECT_EQ(n, x.seen);
	EXPECT_EQ(0, x.bad);
}

TEST_HARNESS_MAIN
