// SPDX-License-Identifier: GPL-2.0
/*
 * Stream specifics, IPv4 and IPv6: receives complete with what is there
 * (>= 1 byte), WAITALL fills every buffer, 0 at EOF, errors on reset;
 * sends complete only when every byte went in (pending sends over a full
 * window, with their WSABUF array overwritten after submit); zero-byte
 * receives wait for data as on Windows; OOB; PEEK; 1024 tiny buffers;
 * inline failures (ENOTCONN, EPIPE) with no SIGPIPE and no trace.
 */
#include "engine.h"

FIXTURE(tcp) {
	struct ctx c;
	struct pair p;
	int efd;
	int family;
};

FIXTURE_VARIANT(tcp) {
	int family;
};

FIXTURE_VARIANT_ADD(tcp, v4) { .family = AF_INET };
FIXTURE_VARIANT_ADD(tcp, v6) { .family = AF_INET6 };

FIXTURE_SETUP(tcp)
{
	self->efd = -1;
	self->c.fd = -1;
	self->p.tx = self->p.rx = -1;
	/* A stray SIGPIPE must kill the test, not pass unnoticed. */
	signal(SIGPIPE, SIG_DFL);
	CTX_INIT(&self->c, 1024);
	PAIR_OPEN(&self->p, variant->family, SOCK_STREAM);
	self->family = variant->family;
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(tcp)
{
	pair_close(&self->p);
	ctx_fini(&self->c);
	if (self->efd >= 0)
		close(self->efd);
}

struct sop {
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b[4];
	struct wsaovl_status st;
	char data[512];
};

static void sop_prep(struct sop *s, int op, int fd, uint64_t tag, uint32_t len)
{
	memset(s, 0, sizeof(*s));
	memset(s->data, POISON8, sizeof(s->data));
	s->st.status = WSAOVL_STATUS_PENDING;
	s->st.information = POISON64;
	s->st.flags = POISON32;
	s->st.pad = POISON32;
	buf_set(&s->b[0], s->data, len);
	sqe_prep(&s->sqe, op, fd, s->b, len ? 1 : 0, tag);
	s->sqe.status = (uintptr_t)&s->st;
}

static uint64_t efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

static void wait_bytes(int fd, ssize_t n)
{
	uint64_t end = now_ms() + 5000;

	while (pending_bytes(fd) < n && now_ms() < end)
		msleep(1);
}

/* Fill tx's send path until the kernel says EAGAIN, twice over. */
static size_t fill_window(int fd)
{
	static char junk[65536];
	size_t total = 0;
	int round;

	memset(junk, '#', sizeof(junk));
	for (round = 0; round < 2; round++) {
		for (;;) {
			ssize_t n = send(fd, junk, sizeof(junk), MSG_DONTWAIT);

			if (n <= 0)
				break;
			total += n;
		}
		msleep(50);
	}
	return total;
}

/*
 * Small enough that megabytes can't fit in flight, big enough that TCP
 * (delayed ACKs over a tiny window) stays fast under TCG.
 */
static void small_buffers(int tx, int rx)
{
	int v = 32768;

	setsockopt(tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

TEST_F(tcp, partial_available)
{
	struct wsaovl_cqe cqe;
	struct sop r;

	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 1, 100);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(10, send(self->p.tx, "0123456789", 10, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(10, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	EXPECT_EQ(0, memcmp(r.data, "0123456789", 10));
	EXPECT_EQ((char)POISON8, r.data[10]);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	EXPECT_EQ(10, r.st.information);
}

TEST_F(tcp, waitall)
{
	struct wsaovl_cqe cqe;
	char msg[100];
	struct sop r;

	memset(msg, 'w', sizeof(msg));
	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 1, 100);
	r.sqe.msg_flags = WSAOVL_MSG_WAITALL;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(50, send(self->p.tx, msg, 50, 0));
	EXPECT_TRUE(cq_quiet(&self->c, 100));
	EXPECT_EQ(WSAOVL_STATUS_PENDING, r.st.status);
	ASSERT_EQ(50, send(self->p.tx, msg, 50, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(100, cqe.res);
	EXPECT_EQ(0, memcmp(r.data, msg, 100));
	EXPECT_EQ(100, r.st.information);

	/* Inline start with 30 of 100 bytes there: pending, then whole. */
	ASSERT_EQ(30, send(self->p.tx, "abcdefghijklmnopqrstuvwxyz0123", 30, 0));
	wait_bytes(self->p.rx, 30);
	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 2, 100);
	r.sqe.msg_flags = WSAOVL_MSG_WAITALL;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	ASSERT_EQ(70, send(self->p.tx, msg, 70, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(2, cqe.tag);
	EXPECT_EQ(100, cqe.res);
	EXPECT_EQ(0, memcmp(r.data, "abcdefghijklmnopqrstuvwxyz0123", 30));
	EXPECT_EQ(0, memcmp(r.data + 30, msg, 70));

	/* WAITALL cut short by EOF: what arrived. */
	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 3, 100);
	r.sqe.msg_flags = WSAOVL_MSG_WAITALL;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(7, send(self->p.tx, "partial", 7, 0));
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	ASSERT_EQ(0, shutdown(self->p.tx, SHUT_WR));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(3, cqe.tag);
	EXPECT_EQ(7, cqe.res);
	EXPECT_EQ(0, memcmp(r.data, "partial", 7));
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	EXPECT_EQ(7, r.st.information);
}

/* EOF: 0, pending or inline, for as many receives as ask. */
TEST_F(tcp, eof)
{
	struct wsaovl_cqe cqe;
	struct sop r, r2;

	sop_prep(&r, WSAOVL_OP_RECVFROM, self->p.rx, 1, 100);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(0, shutdown(self->p.tx, SHUT_WR));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(0, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	EXPECT_EQ(0, r.st.information);
	EXPECT_EQ((char)POISON8, r.data[0]);

	sop_prep(&r2, WSAOVL_OP_RECV, self->p.rx, 2, 100);
	ASSERT_EQ(1, submit(&self->c, &r2.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r2.sqe.state);
	EXPECT_EQ(0, r2.sqe.res);
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(2, cqe.tag);
	EXPECT_EQ(0, cqe.res);

	/* The other direction still works. */
	sop_prep(&r2, WSAOVL_OP_RECV, self->p.tx, 3, 100);
	ASSERT_EQ(1, submit(&self->c, &r2.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r2.sqe.state);
	ASSERT_EQ(4, send(self->p.rx, "back", 4, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(3, cqe.tag);
	EXPECT_EQ(4, cqe.res);
}

/* A reset ends pending receives with ECONNRESET (STATUS_CONNECTION_RESET). */
TEST_F(tcp, reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct wsaovl_cqe cqe;
	struct sop r;

	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 1, 100);
	r.sqe.flags = WSAOVL_SQE_EVENTFD;
	r.sqe.eventfd = self->efd;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(0, setsockopt(self->p.tx, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->p.tx);
	self->p.tx = -1;
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(-ECONNRESET, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	EXPECT_EQ(0xC000020DU, r.st.status);
	EXPECT_EQ(0, r.st.information);
	EXPECT_EQ(0, r.st.flags);
	efd_wait(self->efd, 5000);
	EXPECT_EQ(1, efd_take(self->efd));

	/* Sending on the reset socket: a submit-time error, no SIGPIPE. */
	sop_prep(&r, WSAOVL_OP_SEND, self->p.rx, 2, 10);
	r.sqe.flags = WSAOVL_SQE_EVENTFD;
	r.sqe.eventfd = self->efd;
	ASSERT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(WSAOVL_STATE_FAILED, r.sqe.state);
	EXPECT_TRUE(r.sqe.res == -EPIPE || r.sqe.res == -ECONNRESET)
		TH_LOG("res %d", r.sqe.res);
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(WSAOVL_STATUS_PENDING, r.st.status);
	EXPECT_EQ(0, efd_take(self->efd));
}

/* Not connected: ENOTCONN / EPIPE at submit, nothing else happens. */
TEST_F(tcp, not_connected)
{
	struct sockaddr_storage a;
	struct sop r;
	int s, l;

	s = socket(self->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, s);
	l = bound_socket(self->family, SOCK_STREAM, &a, NULL);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, listen(l, 1));

	sop_prep(&r, WSAOVL_OP_RECV, s, 1, 10);
	r.sqe.flags = WSAOVL_SQE_EVENTFD;
	r.sqe.eventfd = self->efd;
	ASSERT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(WSAOVL_STATE_FAILED, r.sqe.state);
	EXPECT_EQ(-ENOTCONN, r.sqe.res);

	sop_prep(&r, WSAOVL_OP_RECVFROM, l, 2, 10);
	ASSERT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(WSAOVL_STATE_FAILED, r.sqe.state);
	EXPECT_EQ(-ENOTCONN, r.sqe.res);

	sop_prep(&r, WSAOVL_OP_SEND, s, 3, 10);
	r.sqe.flags = WSAOVL_SQE_EVENTFD;
	r.sqe.eventfd = self->efd;
	ASSERT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(WSAOVL_STATE_FAILED, r.sqe.state);
	EXPECT_EQ(-EPIPE, r.sqe.res);
	EXPECT_EQ(WSAOVL_STATUS_PENDING, r.st.status);

	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_EQ(0, efd_take(self->efd));
	close(s);
	close(l);
}

struct reader {
	int fd;
	size_t want;
	unsigned char *buf;
	size_t got;
	unsigned int delay_ms;
};

static void *reader_thread(void *p)
{
	struct reader *r = p;

	msleep(r->delay_ms);
	r->got = read_full(r->fd, r->buf, r->want);
	return NULL;
}

/*
 * A send larger than the window goes pending and completes only when its
 * last byte went in, with every byte in order.  Its WSABUF array is
 * overwritten and freed right after SUBMIT.
 */
TEST_F_TIMEOUT(tcp, send_pending_large, 120)
{
	enum { NB = 16, SZ = 128 * 1024 };
	unsigned char *data = malloc(NB * SZ), *got = malloc(NB * SZ);
	struct wsaovl_buf *arr = calloc(NB, sizeof(*arr));
	struct reader rd = { .fd = self->p.rx, .want = NB * SZ };
	struct wsaovl_status st = { .status = WSAOVL_STATUS_PENDING };
	struct wsaovl_sqe sqe;
	struct wsaovl_cqe cqe;
	pthread_t th;
	size_t i;

	ASSERT_NE(NULL, data);
	ASSERT_NE(NULL, got);
	small_buffers(self->p.tx, self->p.rx);
	for (i = 0; i < (size_t)NB * SZ; i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	for (i = 0; i < NB; i++)
		buf_set(&arr[i], data + i * SZ, SZ);
	sqe_prep(&sqe, WSAOVL_OP_SEND, self->p.tx, &arr[0], NB, 1);
	sqe.status = (uintptr_t)&st;
	ASSERT_EQ(1, submit(&self->c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	memset(arr, 0xab, NB * sizeof(*arr));
	free(arr);

	/* Nobody reads: it cannot complete. */
	EXPECT_TRUE(cq_quiet(&self->c, 200));
	EXPECT_EQ(WSAOVL_STATUS_PENDING, st.status);

	rd.buf = got;
	ASSERT_EQ(0, pthread_create(&th, NULL, reader_thread, &rd));
	CQ_WAIT(&self->c, &cqe, 60000);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ(NB * SZ, cqe.res);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, st.status);
	EXPECT_EQ(NB * SZ, st.information);
	pthread_join(th, NULL);
	ASSERT_EQ(NB * SZ, rd.got);
	EXPECT_EQ(0, memcmp(data, got, NB * SZ));
	free(data);
	free(got);
}

/* Queued sends go out whole and in submission order. */
TEST_F_TIMEOUT(tcp, send_queue_order, 120)
{
	enum { N = 8, SZ = 256 * 1024 };
	unsigned char *data = malloc(N * SZ), *got = malloc(N * SZ);
	struct wsaovl_buf b[N];
	struct wsaovl_sqe sqe[N];
	struct wsaovl_cqe cqe[N];
	struct reader rd = { .fd = self->p.rx, .want = N * SZ, .delay_ms = 100 };
	pthread_t th;
	int i;

	ASSERT_NE(NULL, data);
	ASSERT_NE(NULL, got);
	small_buffers(self->p.tx, self->p.rx);
	for (i = 0; i < N; i++) {
		memset(data + i * SZ, 'A' + i, SZ);
		buf_set(&b[i], data + i * SZ, SZ);
		sqe_prep(&sqe[i], WSAOVL_OP_SEND, self->p.tx, &b[i], 1, i);
	}
	ASSERT_EQ(N, submit(&self->c, sqe, N));
	for (i = 1; i < N; i++) {
		EXPECT_EQ(WSAOVL_STATE_PENDING, sqe[i].state);
	}
	rd.buf = got;
	ASSERT_EQ(0, pthread_create(&th, NULL, reader_thread, &rd));
	ASSERT_EQ(N, cq_wait_n(&self->c, cqe, N, 60000));
	pthread_join(th, NULL);
	for (i = 0; i < N; i++) {
		EXPECT_EQ(i, cqe[i].tag);
		EXPECT_EQ(SZ, cqe[i].res);
	}
	ASSERT_EQ(N * SZ, rd.got);
	EXPECT_EQ(0, memcmp(data, got, N * SZ));
	free(data);
	free(got);
}

/* A pending send on a full window, then the peer resets: an error. */
TEST_F(tcp, send_pending_reset)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct wsaovl_cqe cqe;
	struct sop s;

	small_buffers(self->p.tx, self->p.rx);
	ASSERT_LT(0, fill_window(self->p.tx));
	sop_prep(&s, WSAOVL_OP_SEND, self->p.tx, 1, 500);
	ASSERT_EQ(1, submit(&self->c, &s.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.sqe.state);
	ASSERT_EQ(0, setsockopt(self->p.rx, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(self->p.rx);
	self->p.rx = -1;
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_TRUE(cqe.res == -ECONNRESET || cqe.res == -EPIPE)
		TH_LOG("res %d", cqe.res);
	if (cqe.res == -ECONNRESET) {
		EXPECT_EQ(0xC000020DU, s.st.status);
	} else {
		EXPECT_EQ(0xC000020CU, s.st.status);
	}
}

/* A zero-byte receive waits for data without taking any, as on Windows. */
TEST_F(tcp, zero_byte_recv)
{
	struct wsaovl_cqe cqe;
	struct sop r;

	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 1, 0);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	EXPECT_TRUE(cq_quiet(&self->c, 100));
	ASSERT_EQ(5, send(self->p.tx, "ready", 5, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(0, cqe.res);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	EXPECT_EQ(0, r.st.information);
	wait_bytes(self->p.rx, 5);
	EXPECT_EQ(5, pending_bytes(self->p.rx));

	/* With data there it is done at once. */
	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 2, 0);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(0, r.sqe.res);
	EXPECT_EQ(5, pending_bytes(self->p.rx));
}

/* Urgent data: sent with OOB, received with OOB. */
TEST_F(tcp, oob)
{
	struct wsaovl_cqe cqe;
	struct sop s, r;
	char c;

	sop_prep(&s, WSAOVL_OP_SEND, self->p.tx, 1, 4);
	memcpy(s.data, "abc!", 4);
	s.sqe.msg_flags = WSAOVL_MSG_OOB;
	ASSERT_EQ(1, submit(&self->c, &s.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.sqe.state) TH_LOG("res %d", s.sqe.res);
	EXPECT_EQ(4, s.sqe.res);
	CQ_WAIT(&self->c, &cqe, 1000);

	/* The last byte is the urgent one. */
	wait_bytes(self->p.rx, 3);
	msleep(20);
	ASSERT_EQ(1, recv(self->p.rx, &c, 1, MSG_OOB | MSG_PEEK)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ('!', c);
	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 2, 10);
	r.sqe.msg_flags = WSAOVL_MSG_OOB;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state) TH_LOG("res %d", r.sqe.res);
	EXPECT_EQ(1, r.sqe.res);
	EXPECT_EQ('!', r.data[0]);
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(2, cqe.tag);

	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 3, 10);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(3, r.sqe.res);
	EXPECT_EQ(0, memcmp(r.data, "abc", 3));
}

/* PEEK on a stream leaves the bytes for the receive queued behind it. */
TEST_F(tcp, peek)
{
	struct wsaovl_cqe cqe[2];
	struct sop r, r2;

	sop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 1, 100);
	r.sqe.msg_flags = WSAOVL_MSG_PEEK;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	sop_prep(&r2, WSAOVL_OP_RECV, self->p.rx, 2, 100);
	ASSERT_EQ(1, submit(&self->c, &r2.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r2.sqe.state);
	ASSERT_EQ(6, send(self->p.tx, "peeked", 6, 0));
	ASSERT_EQ(2, cq_wait_n(&self->c, cqe, 2, 5000));
	EXPECT_EQ(1, cqe[0].tag);
	EXPECT_EQ(6, cqe[0].res);
	EXPECT_EQ(2, cqe[1].tag);
	EXPECT_EQ(6, cqe[1].res);
	EXPECT_EQ(0, memcmp(r.data, "peeked", 6));
	EXPECT_EQ(0, memcmp(r2.data, "peeked", 6));
	EXPECT_EQ(0, pending_bytes(self->p.rx));
}

/* WSAOVL_MAX_BUFS one-byte buffers, each gets its byte. */
TEST_F(tcp, max_bufs)
{
	struct wsaovl_buf *b = calloc(WSAOVL_MAX_BUFS, sizeof(*b));
	unsigned char *dst = malloc(WSAOVL_MAX_BUFS * 2);
	unsigned char msg[WSAOVL_MAX_BUFS];
	struct wsaovl_sqe sqe, ssqe;
	struct wsaovl_buf sb;
	struct wsaovl_cqe cqe[2];
	int i;

	ASSERT_NE(NULL, b);
	ASSERT_NE(NULL, dst);
	memset(dst, POISON8, WSAOVL_MAX_BUFS * 2);
	for (i = 0; i < WSAOVL_MAX_BUFS; i++) {
		buf_set(&b[i], dst + 2 * i, 1);	/* every other byte */
		msg[i] = (unsigned char)(i ^ 0x5a);
	}
	sqe_prep(&sqe, WSAOVL_OP_RECV, self->p.rx, b, WSAOVL_MAX_BUFS, 1);
	sqe.msg_flags = WSAOVL_MSG_WAITALL;
	ASSERT_EQ(1, submit(&self->c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	buf_set(&sb, msg, sizeof(msg));
	sqe_prep(&ssqe, WSAOVL_OP_SEND, self->p.tx, &sb, 1, 2);
	ASSERT_EQ(1, submit(&self->c, &ssqe, 1));
	ASSERT_EQ(2, cq_wait_n(&self->c, cqe, 2, 5000));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(WSAOVL_MAX_BUFS, cqe[i].res);
	}
	for (i = 0; i < WSAOVL_MAX_BUFS; i++) {
		ASSERT_EQ(msg[i], dst[2 * i]) TH_LOG("buf %d", i);
		ASSERT_EQ(POISON8, dst[2 * i + 1]);
	}
	free(b);
	free(dst);
}

TEST_HARNESS_MAIN
