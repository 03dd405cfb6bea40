// SPDX-License-Identifier: GPL-2.0
/*
 * All six ops over UDP and TCP loopback, IPv4 and IPv6: the inline path
 * (DONE at submit, and a cqe too), the pending path (PENDING, then a cqe
 * seen by poll() on the device), scatter/gather with zero-length buffers,
 * the WSABUF array overwritten right after SUBMIT, SKIP_INLINE_CQE, empty
 * ops, the thread id, the status block and the eventfd with their ordering.
 */
#include "engine.h"

FIXTURE(ops) {
	struct ctx c;
	struct pair p;
	int efd;
	bool stream;
	socklen_t alen;
};

FIXTURE_VARIANT(ops) {
	int family;
	int type;
};

FIXTURE_VARIANT_ADD(ops, udp4) { .family = AF_INET, .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(ops, udp6) { .family = AF_INET6, .type = SOCK_DGRAM };
FIXTURE_VARIANT_ADD(ops, tcp4) { .family = AF_INET, .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(ops, tcp6) { .family = AF_INET6, .type = SOCK_STREAM };

FIXTURE_SETUP(ops)
{
	self->efd = -1;
	self->c.fd = -1;
	self->p.tx = self->p.rx = -1;
	CTX_INIT(&self->c, 256);
	PAIR_OPEN(&self->p, variant->family, variant->type);
	self->stream = variant->type == SOCK_STREAM;
	self->alen = self->p.alen;
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(ops)
{
	pair_close(&self->p);
	ctx_fini(&self->c);
	if (self->efd >= 0)
		close(self->efd);
}

/* An op with every output it can have, poisoned. */
struct xop {
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b[8];
	struct sockaddr_storage name;
	char control[256];
	struct wsaovl_status st;
	char data[256];
};

static void xop_prep(struct xop *x, int op, int fd, uint64_t tag,
		     const struct sockaddr_storage *dst, socklen_t dlen)
{
	memset(x, 0, sizeof(*x));
	memset(&x->name, POISON8, sizeof(x->name));
	memset(x->control, POISON8, sizeof(x->control));
	memset(x->data, POISON8, sizeof(x->data));
	x->st.status = WSAOVL_STATUS_PENDING;
	x->st.information = POISON64;
	x->st.flags = POISON32;
	x->st.pad = POISON32;
	sqe_prep(&x->sqe, op, fd, x->b, 0, tag);
	x->sqe.status = (uintptr_t)&x->st;
	switch (op) {
	case WSAOVL_OP_SENDTO:
	case WSAOVL_OP_SENDMSG:
		if (dst) {
			memcpy(&x->name, dst, dlen);
			x->sqe.addr = (uintptr_t)&x->name;
			x->sqe.addrlen = dlen;
		}
		break;
	case WSAOVL_OP_RECVFROM:
		x->sqe.addr = (uintptr_t)&x->name;
		x->sqe.addrlen = sizeof(x->name);
		break;
	case WSAOVL_OP_RECVMSG:
		x->sqe.addr = (uintptr_t)&x->name;
		x->sqe.addrlen = sizeof(x->name);
		x->sqe.control = (uintptr_t)x->control;
		x->sqe.controllen = sizeof(x->control);
		break;
	}
}

static void xop_buf(struct xop *x, uint32_t off, uint32_t len)
{
	buf_set(&x->b[x->sqe.nbufs++], x->data + off, len);
}

static void xop_efd(struct xop *x, int efd)
{
	x->sqe.flags |= WSAOVL_SQE_EVENTFD;
	x->sqe.eventfd = efd;
}

static uint64_t efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* The status block says what the cqe says. */
static void check_status(struct __test_metadata *_metadata,
			 const struct wsaovl_status *st, uint64_t status,
			 uint64_t info, uint32_t flags)
{
	EXPECT_EQ(status, st->status);
	EXPECT_EQ(info, st->information);
	EXPECT_EQ(flags, st->flags);
	EXPECT_EQ(POISON32, st->pad);	/* the kernel leaves pad alone */
}

/* The source address a receive should report: the tx end's bound address. */
static void check_name(struct __test_metadata *_metadata,
		       FIXTURE_DATA(ops) *self, const struct xop *x,
		       uint32_t namelen)
{
	if (x->sqe.opcode == WSAOVL_OP_RECV) {
		EXPECT_EQ(0, namelen);
		return;
	}
	if (self->stream) {
		/* Streams report no source address, like recvfrom(2). */
		EXPECT_EQ(0, namelen);
		return;
	}
	ASSERT_EQ(self->alen, namelen);
	EXPECT_EQ(0, memcmp(&x->name, &self->p.txa, namelen));
	/* Nothing past namelen written. */
	EXPECT_EQ(POISON8, ((unsigned char *)&x->name)[namelen]);
}

static const int send_ops[] = { WSAOVL_OP_SEND, WSAOVL_OP_SENDTO, WSAOVL_OP_SENDMSG };
static const int recv_ops[] = { WSAOVL_OP_RECV, WSAOVL_OP_RECVFROM, WSAOVL_OP_RECVMSG };

/* Each send op, inline: DONE with res, a cqe, status, eventfd. */
TEST_F(ops, send_inline)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(send_ops); i++) {
		struct wsaovl_cqe cqe;
		struct xop x;
		char got[64];
		int op = send_ops[i];

		TH_LOG("%s", op_name(op));
		xop_prep(&x, op, self->p.tx, 100 + i, &self->p.rxa, self->alen);
		memcpy(x.data, "0123456789abcdef", 16);
		xop_buf(&x, 0, 5);
		xop_buf(&x, 5, 11);
		xop_efd(&x, self->efd);
		ASSERT_EQ(1, submit(&self->c, &x.sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_DONE, x.sqe.state);
		EXPECT_EQ(16, x.sqe.res);
		EXPECT_EQ(0, x.sqe.out_flags);
		EXPECT_EQ(0, x.sqe.out_namelen);
		EXPECT_EQ(0, x.sqe.out_controllen);
		check_status(_metadata, &x.st, WSAOVL_STATUS_SUCCESS, 16, 0);
		/* Inline completions post a cqe too, before the eventfd. */
		ASSERT_EQ(1, cq_ready(&self->c));
		EXPECT_EQ(1, efd_take(self->efd));
		ASSERT_EQ(1, cq_peek(&self->c, &cqe));
		EXPECT_EQ(100 + i, cqe.tag);
		EXPECT_EQ(16, cqe.res);
		EXPECT_EQ(0, cqe.flags);
		EXPECT_EQ(0, cqe.namelen);
		EXPECT_EQ(0, cqe.controllen);
		EXPECT_EQ(sys_gettid(), (pid_t)cqe.tid);
		EXPECT_EQ(op, cqe.opcode);

		ASSERT_EQ(16, read_full(self->p.rx, got, 16));
		EXPECT_EQ(0, memcmp(got, "0123456789abcdef", 16));
		EXPECT_EQ(0, pending_bytes(self->p.rx));
	}
	EXPECT_TRUE(cq_quiet(&self->c, 50));
}

/* Each receive op with data already queued: DONE at submit. */
TEST_F(ops, recv_inline)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(recv_ops); i++) {
		struct wsaovl_cqe cqe;
		struct xop x;
		int op = recv_ops[i];

		TH_LOG("%s", op_name(op));
		ASSERT_EQ(10, send(self->p.tx, "inline-rx!", 10, 0));
		ASSERT_TRUE(fd_readable(self->p.rx, 5000));
		if (self->stream)
			while (pending_bytes(self->p.rx) < 10)
				msleep(1);

		xop_prep(&x, op, self->p.rx, 200 + i, NULL, 0);
		xop_buf(&x, 0, 4);
		xop_buf(&x, 4, 60);
		xop_efd(&x, self->efd);
		ASSERT_EQ(1, submit(&self->c, &x.sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_DONE, x.sqe.state);
		EXPECT_EQ(10, x.sqe.res);
		EXPECT_EQ(0, x.sqe.out_flags);
		EXPECT_EQ(0, x.sqe.out_controllen);
		check_name(_metadata, self, &x, x.sqe.out_namelen);
		EXPECT_EQ(0, memcmp(x.data, "inline-rx!", 10));
		EXPECT_EQ((char)POISON8, x.data[10]);
		check_status(_metadata, &x.st, WSAOVL_STATUS_SUCCESS, 10, 0);
		EXPECT_EQ(1, efd_take(self->efd));

		ASSERT_EQ(1, cq_peek(&self->c, &cqe));
		EXPECT_EQ(200 + i, cqe.tag);
		EXPECT_EQ(10, cqe.res);
		EXPECT_EQ(0, cqe.flags);
		EXPECT_EQ(x.sqe.out_namelen, cqe.namelen);
		EXPECT_EQ(0, cqe.controllen);
		EXPECT_EQ(sys_gettid(), (pid_t)cqe.tid);
		EXPECT_EQ(op, cqe.opcode);
		EXPECT_EQ(0, pending_bytes(self->p.rx));
	}
	EXPECT_TRUE(cq_quiet(&self->c, 50));
}

/*
 * Each receive op posted before the data: PENDING, nothing written, then
 * each send op delivers and the cqe shows up through poll().
 */
TEST_F(ops, recv_pending)
{
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(recv_ops); i++) {
		for (j = 0; j < ARRAY_SIZE(send_ops); j++) {
			struct wsaovl_cqe cqe, scqe;
			struct xop rx, tx;
			int op = recv_ops[i];
			uint64_t rtag = 300 + i * 10 + j;

			TH_LOG("%s <- %s", op_name(op), op_name(send_ops[j]));
			xop_prep(&rx, op, self->p.rx, rtag, NULL, 0);
			xop_buf(&rx, 0, 3);
			xop_buf(&rx, 3, 100);
			xop_efd(&rx, self->efd);
			ASSERT_EQ(1, submit(&self->c, &rx.sqe, 1));
			ASSERT_EQ(WSAOVL_STATE_PENDING, rx.sqe.state);
			EXPECT_EQ(0, rx.sqe.res);

			/* Nothing completes, nothing is written. */
			EXPECT_TRUE(cq_quiet(&self->c, 30));
			EXPECT_EQ(WSAOVL_STATUS_PENDING, rx.st.status);
			EXPECT_EQ(POISON64, rx.st.information);
			EXPECT_EQ(0, efd_take(self->efd));
			EXPECT_EQ((char)POISON8, rx.data[0]);

			xop_prep(&tx, send_ops[j], self->p.tx, 999, &self->p.rxa,
				 self->alen);
			memcpy(tx.data, "pending-data", 12);
			xop_buf(&tx, 0, 12);
			tx.sqe.flags |= WSAOVL_SQE_SKIP_INLINE_CQE;
			ASSERT_EQ(1, submit(&self->c, &tx.sqe, 1));
			ASSERT_EQ(WSAOVL_STATE_DONE, tx.sqe.state);
			EXPECT_EQ(12, tx.sqe.res);

			CQ_WAIT(&self->c, &cqe, 5000);
			EXPECT_EQ(rtag, cqe.tag);
			EXPECT_EQ(12, cqe.res);
			EXPECT_EQ(0, cqe.flags);
			EXPECT_EQ(0, cqe.controllen);
			EXPECT_EQ(op, cqe.opcode);
			EXPECT_EQ(sys_gettid(), (pid_t)cqe.tid);
			check_name(_metadata, self, &rx, cqe.namelen);
			EXPECT_EQ(0, memcmp(rx.data, "pending-data", 12));
			EXPECT_EQ((char)POISON8, rx.data[12]);
			check_status(_metadata, &rx.st, WSAOVL_STATUS_SUCCESS, 12, 0);
			efd_wait(self->efd, 5000);
			EXPECT_EQ(1, efd_take(self->efd));
			/* SKIP_INLINE_CQE: the inline send left no cqe. */
			EXPECT_EQ(0, cq_peek(&self->c, &scqe));
			check_status(_metadata, &tx.st, WSAOVL_STATUS_SUCCESS, 12, 0);
		}
	}
	EXPECT_TRUE(cq_quiet(&self->c, 50));
}

/* Zero-length WSABUFs (even NULL ones) anywhere in the list are skipped. */
TEST_F(ops, scatter_gather_zero_len)
{
	struct wsaovl_cqe cqe;
	struct xop tx, rx, rx2;
	char got[16];

	/* Pending receive: 2 + 0 + 6 + 0 bytes of room, then a 4-byte buf. */
	xop_prep(&rx, WSAOVL_OP_RECVFROM, self->p.rx, 1, NULL, 0);
	buf_set(&rx.b[0], NULL, 0);
	buf_set(&rx.b[1], rx.data + 10, 2);
	buf_set(&rx.b[2], rx.data + 20, 0);
	buf_set(&rx.b[3], rx.data + 30, 6);
	buf_set(&rx.b[4], NULL, 0);
	buf_set(&rx.b[5], rx.data + 40, 4);
	rx.sqe.nbufs = 6;
	ASSERT_EQ(1, submit(&self->c, &rx.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, rx.sqe.state);

	xop_prep(&tx, WSAOVL_OP_SENDTO, self->p.tx, 2, &self->p.rxa, self->alen);
	memcpy(tx.data + 100, "abc", 3);
	memcpy(tx.data + 120, "defgh", 5);
	buf_set(&tx.b[0], NULL, 0);
	buf_set(&tx.b[1], tx.data + 100, 3);
	buf_set(&tx.b[2], tx.data + 110, 0);
	buf_set(&tx.b[3], tx.data + 120, 5);
	buf_set(&tx.b[4], NULL, 0);
	tx.sqe.nbufs = 5;
	ASSERT_EQ(1, submit(&self->c, &tx.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, tx.sqe.state);
	EXPECT_EQ(8, tx.sqe.res);

	/* Two cqes: the inline send and the receive, in any order. */
	for (int k = 0; k < 2; k++) {
		CQ_WAIT(&self->c, &cqe, 5000);
		if (cqe.tag == 2) {
			EXPECT_EQ(8, cqe.res);
			continue;
		}
		EXPECT_EQ(1, cqe.tag);
		EXPECT_EQ(8, cqe.res);
	}
	EXPECT_EQ(0, memcmp(rx.data + 10, "ab", 2));
	EXPECT_EQ(0, memcmp(rx.data + 30, "cdefgh", 6));
	EXPECT_EQ((char)POISON8, rx.data[20]);
	EXPECT_EQ((char)POISON8, rx.data[40]);

	/* Inline receive across the same shape. */
	ASSERT_EQ(8, send(self->p.tx, "ABCDEFGH", 8, 0));
	ASSERT_TRUE(fd_readable(self->p.rx, 5000));
	if (self->stream)
		while (pending_bytes(self->p.rx) < 8)
			msleep(1);
	xop_prep(&rx2, WSAOVL_OP_RECV, self->p.rx, 3, NULL, 0);
	buf_set(&rx2.b[0], rx2.data, 0);
	buf_set(&rx2.b[1], rx2.data + 1, 1);
	buf_set(&rx2.b[2], NULL, 0);
	buf_set(&rx2.b[3], rx2.data + 50, 7);
	rx2.sqe.nbufs = 4;
	ASSERT_EQ(1, submit(&self->c, &rx2.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, rx2.sqe.state);
	EXPECT_EQ(8, rx2.sqe.res);
	EXPECT_EQ((char)POISON8, rx2.data[0]);
	EXPECT_EQ('A', rx2.data[1]);
	EXPECT_EQ(0, memcmp(rx2.data + 50, "BCDEFGH", 7));
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(3, cqe.tag);

	/* And a plain recv saw nothing left over. */
	EXPECT_EQ(0, pending_bytes(self->p.rx));
	(void)got;
}

/*
 * The WSABUF array and the sqe are captured at SUBMIT: overwrite both (and
 * free the array) right after; the data still lands in the original
 * buffers and the original tag comes back.
 */
TEST_F(ops, bufs_overwritten_after_submit)
{
	struct wsaovl_sqe sqe[4];
	struct wsaovl_buf *arr;
	struct wsaovl_cqe cqe;
	char *dst = calloc(4, 64), junk[64];
	int i;

	ASSERT_NE(NULL, dst);
	for (i = 0; i < 4; i++) {
		arr = malloc(2 * sizeof(*arr));
		ASSERT_NE(NULL, arr);
		buf_set(&arr[0], dst + i * 64, 2);
		buf_set(&arr[1], dst + i * 64 + 32, 30);
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->p.rx, arr, 2, 40 + i);
		if (self->stream)
			sqe[i].msg_flags = WSAOVL_MSG_WAITALL;
	}
	ASSERT_EQ(4, submit(&self->c, sqe, 4));
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(WSAOVL_STATE_PENDING, sqe[i].state);
		arr = (void *)(uintptr_t)sqe[i].bufs;
		buf_set(&arr[0], junk, sizeof(junk));
		buf_set(&arr[1], (void *)8, 4096);
		free(arr);
		memset(&sqe[i], 0xff, sizeof(sqe[i]));
	}
	/* Scribble over the heap the arrays came from. */
	for (i = 0; i < 16; i++) {
		void *p = malloc(2 * sizeof(*arr));

		memset(p, 0xee, 2 * sizeof(*arr));
		free(p);
	}

	for (i = 0; i < 4; i++) {
		char msg[32];

		/* 32 bytes: exactly one op's room, so TCP fills each in turn. */
		memset(msg, 'a' + i, sizeof(msg));
		ASSERT_EQ(32, send(self->p.tx, msg, 32, 0));
	}
	for (i = 0; i < 4; i++) {
		CQ_WAIT(&self->c, &cqe, 5000);
		EXPECT_EQ(40 + i, cqe.tag);
		EXPECT_EQ(32, cqe.res);
	}
	for (i = 0; i < 4; i++) {
		char want[32];

		memset(want, 'a' + i, 32);
		EXPECT_EQ(0, memcmp(dst + i * 64, want, 2)) TH_LOG("op %d", i);
		EXPECT_EQ(0, memcmp(dst + i * 64 + 32, want, 30)) TH_LOG("op %d", i);
		EXPECT_EQ(0, dst[i * 64 + 2]);
	}
	free(dst);
}

/* SKIP_INLINE_CQE: no cqe for an inline completion, one for a pending op. */
TEST_F(ops, skip_inline_cqe)
{
	struct wsaovl_cqe cqe;
	struct xop tx, rx;

	xop_prep(&tx, WSAOVL_OP_SEND, self->p.tx, 1, NULL, 0);
	memcpy(tx.data, "xyz", 3);
	xop_buf(&tx, 0, 3);
	xop_efd(&tx, self->efd);
	tx.sqe.flags |= WSAOVL_SQE_SKIP_INLINE_CQE;
	ASSERT_EQ(1, submit(&self->c, &tx.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, tx.sqe.state);
	EXPECT_EQ(3, tx.sqe.res);
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(0, self->c.ring->tail);
	/* The status block and the event still report it. */
	check_status(_metadata, &tx.st, WSAOVL_STATUS_SUCCESS, 3, 0);
	EXPECT_EQ(1, efd_take(self->efd));

	/* Data drained by an inline receive, also skipped. */
	ASSERT_TRUE(fd_readable(self->p.rx, 5000));
	if (self->stream)
		while (pending_bytes(self->p.rx) < 3)
			msleep(1);
	xop_prep(&rx, WSAOVL_OP_RECV, self->p.rx, 2, NULL, 0);
	xop_buf(&rx, 0, 10);
	rx.sqe.flags |= WSAOVL_SQE_SKIP_INLINE_CQE;
	ASSERT_EQ(1, submit(&self->c, &rx.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, rx.sqe.state);
	EXPECT_EQ(3, rx.sqe.res);
	EXPECT_EQ(0, memcmp(rx.data, "xyz", 3));
	EXPECT_TRUE(cq_quiet(&self->c, 50));

	/* A pending op with the flag still gets its cqe. */
	xop_prep(&rx, WSAOVL_OP_RECV, self->p.rx, 3, NULL, 0);
	xop_buf(&rx, 0, 10);
	rx.sqe.flags |= WSAOVL_SQE_SKIP_INLINE_CQE;
	ASSERT_EQ(1, submit(&self->c, &rx.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, rx.sqe.state);
	ASSERT_EQ(2, send(self->p.tx, "ok", 2, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(3, cqe.tag);
	EXPECT_EQ(2, cqe.res);
	check_status(_metadata, &rx.st, WSAOVL_STATUS_SUCCESS, 2, 0);
}

/*
 * nbufs = 0: a zero-length send is fine (UDP: an empty datagram goes out);
 * a zero-length UDP receive takes one datagram and reports it truncated.
 */
TEST_F(ops, zero_buffers)
{
	struct wsaovl_cqe cqe;
	struct xop tx, rx;
	char got[8];

	xop_prep(&tx, WSAOVL_OP_SEND, self->p.tx, 1, NULL, 0);
	ASSERT_EQ(1, submit(&self->c, &tx.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, tx.sqe.state);
	EXPECT_EQ(0, tx.sqe.res);
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ(0, cqe.res);
	check_status(_metadata, &tx.st, WSAOVL_STATUS_SUCCESS, 0, 0);
	if (self->stream) {
		EXPECT_FALSE(fd_readable(self->p.rx, 50));
		return;
	}
	/* The empty datagram. */
	ASSERT_TRUE(fd_readable(self->p.rx, 5000));
	EXPECT_EQ(0, recv(self->p.rx, got, sizeof(got), MSG_DONTWAIT));

	/* A datagram into no buffer: consumed, truncated, 0 bytes. */
	ASSERT_EQ(3, send(self->p.tx, "abc", 3, 0));
	ASSERT_TRUE(fd_readable(self->p.rx, 5000));
	xop_prep(&rx, WSAOVL_OP_RECV, self->p.rx, 2, NULL, 0);
	ASSERT_EQ(1, submit(&self->c, &rx.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, rx.sqe.state);
	EXPECT_EQ(0, rx.sqe.res);
	EXPECT_EQ(WSAOVL_MSG_TRUNC, rx.sqe.out_flags);
	check_status(_metadata, &rx.st, WSAOVL_STATUS_BUFFER_OVERFLOW, 0,
		     WSAOVL_MSG_TRUNC);
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(2, cqe.tag);
	EXPECT_EQ(WSAOVL_MSG_TRUNC, cqe.flags);
	EXPECT_FALSE(fd_readable(self->p.rx, 0));
}

struct tid_arg {
	struct ctx *c;
	int fd;
	uint32_t sqe_tid;
	pid_t tid;
	int ret;
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	char data[8];
};

static void *tid_thread(void *p)
{
	struct tid_arg *a = p;

	a->tid = sys_gettid();
	buf_set(&a->b, a->data, sizeof(a->data));
	sqe_prep(&a->sqe, WSAOVL_OP_RECV, a->fd, &a->b, 1, a->tid);
	a->sqe.tid = a->sqe_tid;
	a->ret = submit(a->c, &a->sqe, 1);
	return NULL;
}

/* cqe.tid: the submitting thread's id, or sqe.tid when given. */
TEST_F(ops, thread_id)
{
	struct tid_arg a[2] = {
		{ .c = &self->c, .fd = self->p.rx, .sqe_tid = 0 },
		{ .c = &self->c, .fd = self->p.rx, .sqe_tid = 4242 },
	};
	struct wsaovl_cqe cqe;
	pthread_t th;
	int i;

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, pthread_create(&th, NULL, tid_thread, &a[i]));
		ASSERT_EQ(0, pthread_join(th, NULL));
		ASSERT_EQ(1, a[i].ret);
		ASSERT_EQ(WSAOVL_STATE_PENDING, a[i].sqe.state);
		ASSERT_NE(sys_gettid(), a[i].tid);
	}
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(2, send(self->p.tx, "t", 2, 0));
		if (self->stream)
			while (cq_ready(&self->c) < (unsigned int)i + 1)
				msleep(1);
	}
	for (i = 0; i < 2; i++) {
		CQ_WAIT(&self->c, &cqe, 5000);
		EXPECT_EQ((uint64_t)a[i].tid, cqe.tag);
		EXPECT_EQ(i ? 4242u : (uint32_t)a[i].tid, cqe.tid);
	}
}

struct sender {
	int fd;
	int n;
	unsigned int delay_us;
};

static void *send_thread(void *p)
{
	struct sender *s = p;
	int i;

	for (i = 0; i < s->n; i++) {
		usleep(s->delay_us);
		if (send(s->fd, "ordering", 8, 0) != 8)
			break;
	}
	return NULL;
}

/*
 * Completion order: status block, then cqe, then eventfd.  Another thread
 * feeds the data while this one watches in the reverse order: an eventfd
 * that fired implies a visible cqe; a visible cqe implies a written status.
 */
TEST_F_TIMEOUT(ops, completion_order, 90)
{
	enum { N = 100 };
	struct wsaovl_status *st = calloc(N, sizeof(*st));
	struct wsaovl_sqe *sqe = calloc(N, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(N, sizeof(*b));
	char (*data)[8] = calloc(N, 8);
	struct sender snd = { .fd = self->p.tx, .n = N, .delay_us = 200 };
	unsigned int seen_cqe = 0, evts = 0, i;
	uint64_t deadline;
	pthread_t th;

	ASSERT_NE(NULL, st);
	ASSERT_NE(NULL, sqe);
	ASSERT_NE(NULL, data);
	for (i = 0; i < N; i++) {
		st[i].status = WSAOVL_STATUS_PENDING;
		buf_set(&b[i], data[i], 8);
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->p.rx, &b[i], 1, i);
		sqe[i].status = (uintptr_t)&st[i];
		sqe[i].flags = WSAOVL_SQE_EVENTFD;
		sqe[i].eventfd = self->efd;
		if (self->stream)
			sqe[i].msg_flags = WSAOVL_MSG_WAITALL;
	}
	ASSERT_EQ(N, submit(&self->c, sqe, N));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(WSAOVL_STATE_PENDING, sqe[i].state);
	}

	ASSERT_EQ(0, pthread_create(&th, NULL, send_thread, &snd));
	deadline = now_ms() + 60000;
	while (seen_cqe < N && now_ms() < deadline) {
		uint64_t v = 0;
		uint32_t tail;

		/* eventfd first: its count can't exceed the cqes published. */
		if (read(self->efd, &v, sizeof(v)) == sizeof(v))
			evts += v;
		tail = __atomic_load_n(&self->c.ring->tail, __ATOMIC_ACQUIRE);
		ASSERT_LE(evts, tail) TH_LOG("eventfd ahead of the ring");
		for (; seen_cqe < tail; seen_cqe++) {
			struct wsaovl_cqe *cqe = &self->c.ring->cqes[seen_cqe & self->c.ring->mask];
			uint64_t tag = cqe->tag;

			ASSERT_LT(tag, N);
			/* The status was stored before the cqe was published. */
			ASSERT_EQ(WSAOVL_STATUS_SUCCESS,
				  __atomic_load_n(&st[tag].status, __ATOMIC_ACQUIRE))
				TH_LOG("cqe %u visible before its status", (unsigned int)tag);
			EXPECT_EQ(8, st[tag].information);
			EXPECT_EQ(8, cqe->res);
			EXPECT_EQ(seen_cqe, tag);
			__atomic_store_n(&self->c.ring->head, seen_cqe + 1, __ATOMIC_RELEASE);
		}
	}
	pthread_join(th, NULL);
	evts += efd_take(self->efd);
	EXPECT_EQ(N, seen_cqe);
	EXPECT_EQ(N, evts);
	for (i = 0; i < N; i++) {
		EXPECT_EQ(0, memcmp(data[i], "ordering", 8));
	}
	free(st);
	free(sqe);
	free(b);
	free(data);
}

/* Several ops in one SUBMIT: all accepted, each with its own state. */
TEST_F(ops, batch_mixed)
{
	struct xop x[4];
	struct wsaovl_sqe sqe[4];
	struct wsaovl_cqe cqe[4];
	unsigned int i, seen = 0;

	xop_prep(&x[0], WSAOVL_OP_RECV, self->p.rx, 10, NULL, 0);	/* pending */
	xop_buf(&x[0], 0, 5);
	xop_prep(&x[1], WSAOVL_OP_SEND, self->p.tx, 11, NULL, 0);	/* done */
	memcpy(x[1].data, "hello", 5);
	xop_buf(&x[1], 0, 5);
	xop_prep(&x[2], WSAOVL_OP_RECVMSG, self->p.rx, 12, NULL, 0);
	xop_buf(&x[2], 0, 5);
	xop_prep(&x[3], WSAOVL_OP_SENDTO, self->p.tx, 13, &self->p.rxa, self->alen);
	memcpy(x[3].data, "world", 5);
	xop_buf(&x[3], 0, 5);
	for (i = 0; i < 4; i++)
		sqe[i] = x[i].sqe;
	ASSERT_EQ(4, submit(&self->c, sqe, 4));
	/*
	 * x[0] was queued before any data; x[1] sent "hello", which x[0]
	 * (first in line) takes, possibly before x[2] is even looked at.
	 */
	EXPECT_EQ(WSAOVL_STATE_PENDING, sqe[0].state);
	EXPECT_EQ(WSAOVL_STATE_DONE, sqe[1].state);
	EXPECT_EQ(5, sqe[1].res);
	EXPECT_EQ(WSAOVL_STATE_DONE, sqe[3].state);
	EXPECT_EQ(5, sqe[3].res);
	ASSERT_EQ(4, cq_wait_n(&self->c, cqe, 4, 5000));
	for (i = 0; i < 4; i++) {
		seen |= 1u << (cqe[i].tag - 10);
		EXPECT_EQ(5, cqe[i].res);
	}
	EXPECT_EQ(0xf, seen);
	EXPECT_EQ(0, memcmp(x[0].data, "hello", 5));
	EXPECT_EQ(0, memcmp(x[2].data, "world", 5));
}

TEST_HARNESS_MAIN
