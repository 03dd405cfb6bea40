// SPDX-License-Identifier: GPL-2.0
/*
 * Ordering per socket and direction, 1000 ops deep: receives are filled in
 * submission order (also when later ones are submitted while earlier ones
 * wait, racing the data), sends go out in submission order (also when they
 * go pending behind a small send buffer), over TCP and UDP.
 */
#include "engine.h"

enum { N = 1000 };

FIXTURE(order) {
	struct ctx c;
	struct pair p;
	char rps[256];	/* lo's rps_cpus before the test */
};

FIXTURE_VARIANT(order) {
	int family;
};

FIXTURE_VARIANT_ADD(order, v4) { .family = AF_INET };
FIXTURE_VARIANT_ADD(order, v6) { .family = AF_INET6 };

/*
 * Loopback keeps datagrams in order only while their sender stays on one
 * CPU: each CPU has its own backlog, and on 6.1 under load (the debug
 * kernel) ksoftirqd drains them late, so a sender that migrates can
 * overtake its own datagrams.  What these tests check is the module's
 * order, with its inline sends, runners and workers on any CPU, so RPS
 * sends all of lo's packets through CPU 0's backlog, in order, for the
 * test; put back at teardown.
 */
#define LO_RPS "/sys/class/net/lo/queues/rx-0/rps_cpus"

static void lo_rps_one_cpu(FIXTURE_DATA(order) *self)
{
	FILE *f = fopen(LO_RPS, "r");

	if (!f)
		return;
	if (!fgets(self->rps, sizeof(self->rps), f))
		self->rps[0] = 0;
	fclose(f);
	if (!self->rps[0])
		return;		/* nothing to put back: leave it alone */
	f = fopen(LO_RPS, "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
}

static void lo_rps_restore(FIXTURE_DATA(order) *self)
{
	FILE *f;

	if (!self->rps[0])
		return;
	f = fopen(LO_RPS, "w");
	if (f) {
		fputs(self->rps, f);
		fclose(f);
	}
}

FIXTURE_SETUP(order)
{
	self->c.fd = -1;
	self->p.tx = self->p.rx = -1;
	CTX_INIT(&self->c, 4096);
	lo_rps_one_cpu(self);	/* last: teardown runs only after setup */
}

FIXTURE_TEARDOWN(order)
{
	pair_close(&self->p);
	ctx_fini(&self->c);
	lo_rps_restore(self);
}

static void big_rcvbuf(int fd)
{
	int v = 8 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/* Every cqe of nr, in completion order; returns how many arrived. */
static unsigned int reap(struct ctx *c, struct wsaovl_cqe *out, unsigned int nr,
			 int ms)
{
	return cq_wait_n(c, out, nr, ms);
}

/* TCP: N pending 4-byte WAITALL receives, then N 4-byte sends. */
TEST_F_TIMEOUT(order, tcp_recvs_then_sends, 120)
{
	struct wsaovl_sqe *sqe = calloc(2 * N, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(2 * N, sizeof(*b));
	struct wsaovl_cqe *cqe = calloc(2 * N, sizeof(*cqe));
	uint32_t *in = calloc(N, 4), *out = calloc(N, 4);
	unsigned int i, nrecv = 0;

	PAIR_OPEN(&self->p, variant->family, SOCK_STREAM);
	ASSERT_NE(NULL, sqe);
	ASSERT_NE(NULL, cqe);
	for (i = 0; i < N; i++) {
		in[i] = 0xffffffff;
		out[i] = i;
		buf_set(&b[i], &in[i], 4);
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->p.rx, &b[i], 1, i);
		sqe[i].msg_flags = WSAOVL_MSG_WAITALL;
		buf_set(&b[N + i], &out[i], 4);
		sqe_prep(&sqe[N + i], WSAOVL_OP_SEND, self->p.tx, &b[N + i], 1,
			 N + i);
	}
	ASSERT_EQ(N, submit(&self->c, sqe, N));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(WSAOVL_STATE_PENDING, sqe[i].state);
	}
	ASSERT_EQ(N, submit(&self->c, sqe + N, N));
	ASSERT_EQ(2 * N, reap(&self->c, cqe, 2 * N, 60000));
	for (i = 0; i < 2 * N; i++) {
		ASSERT_EQ(4, cqe[i].res) TH_LOG("cqe %u tag %llu", i,
						(unsigned long long)cqe[i].tag);
		if (cqe[i].tag < N) {
			/* Receives complete in submission order. */
			ASSERT_EQ(nrecv, cqe[i].tag);
			nrecv++;
		}
	}
	for (i = 0; i < N; i++) {
		ASSERT_EQ(i, in[i]) TH_LOG("receive %u", i);
	}
	free(sqe);
	free(b);
	free(cqe);
	free(in);
	free(out);
}

/*
 * TCP without WAITALL: each receive takes what is there (1..4 bytes); in
 * submission order, their bytes are the stream's first bytes.
 */
TEST_F_TIMEOUT(order, tcp_recvs_partial, 120)
{
	struct wsaovl_sqe *sqe = calloc(N, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(N, sizeof(*b));
	struct wsaovl_cqe *cqe = calloc(N, sizeof(*cqe));
	unsigned char *in = calloc(N, 4), *stream = malloc(4 * N), *rest;
	size_t got = 0;
	unsigned int i;

	PAIR_OPEN(&self->p, variant->family, SOCK_STREAM);
	ASSERT_NE(NULL, cqe);
	for (i = 0; i < 4 * N; i++)
		stream[i] = (unsigned char)(i * 13 + (i >> 8));
	for (i = 0; i < N; i++) {
		buf_set(&b[i], in + 4 * i, 4);
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->p.rx, &b[i], 1, i);
	}
	ASSERT_EQ(N, submit(&self->c, sqe, N));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(4, send(self->p.tx, stream + 4 * i, 4, 0));
	}
	ASSERT_EQ(N, reap(&self->c, cqe, N, 60000));
	rest = malloc(4 * N);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(i, cqe[i].tag);
		ASSERT_LE(1, cqe[i].res);
		ASSERT_GE(4, cqe[i].res);
		memcpy(rest + got, in + 4 * cqe[i].tag, cqe[i].res);
		got += cqe[i].res;
	}
	ASSERT_EQ(0, memcmp(rest, stream, got));
	/* What the receives left is the rest of the stream. */
	ASSERT_EQ(4 * N - got, read_full(self->p.rx, rest + got, 4 * N - got));
	ASSERT_EQ(0, memcmp(rest, stream, 4 * N));
	free(rest);
	free(sqe);
	free(b);
	free(cqe);
	free(in);
	free(stream);
}

struct rd {
	int fd;
	unsigned char *buf;
	size_t want, got;
};

static void *reader(void *p)
{
	struct rd *r = p;

	msleep(50);
	r->got = read_full(r->fd, r->buf, r->want);
	return NULL;
}

/* TCP: N 1 KiB sends behind a tiny send buffer, most of them pending. */
TEST_F_TIMEOUT(order, tcp_sends_pending, 120)
{
	enum { SZ = 1024 };
	struct wsaovl_sqe *sqe = calloc(N, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(N, sizeof(*b));
	struct wsaovl_cqe *cqe = calloc(N, sizeof(*cqe));
	unsigned char *data = malloc(N * SZ), *got = malloc(N * SZ);
	struct rd r = { .want = N * SZ };
	unsigned int i, pending = 0;
	int v = 16384;
	pthread_t th;

	PAIR_OPEN(&self->p, variant->family, SOCK_STREAM);
	ASSERT_NE(NULL, got);
	setsockopt(self->p.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(self->p.rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	for (i = 0; i < N; i++) {
		memset(data + i * SZ, 0, SZ);
		memcpy(data + i * SZ, &i, sizeof(i));
		memcpy(data + i * SZ + SZ - sizeof(i), &i, sizeof(i));
		buf_set(&b[i], data + i * SZ, SZ);
		sqe_prep(&sqe[i], WSAOVL_OP_SEND, self->p.tx, &b[i], 1, i);
	}
	ASSERT_EQ(N, submit(&self->c, sqe, N));
	for (i = 0; i < N; i++)
		pending += sqe[i].state == WSAOVL_STATE_PENDING;
	TH_LOG("%u of %u sends pending", pending, N);
	EXPECT_LT(N / 2, pending);
	r.fd = self->p.rx;
	r.buf = got;
	ASSERT_EQ(0, pthread_create(&th, NULL, reader, &r));
	ASSERT_EQ(N, reap(&self->c, cqe, N, 90000));
	pthread_join(th, NULL);
	for (i = 0; i < N; i++) {
		ASSERT_EQ(i, cqe[i].tag);
		ASSERT_EQ(SZ, cqe[i].res);
	}
	ASSERT_EQ(N * SZ, r.got);
	for (i = 0; i < N; i++) {
		uint32_t a, z;

		memcpy(&a, got + i * SZ, 4);
		memcpy(&z, got + i * SZ + SZ - 4, 4);
		ASSERT_EQ(i, a) TH_LOG("chunk %u", i);
		ASSERT_EQ(i, z) TH_LOG("chunk %u", i);
	}
	free(sqe);
	free(b);
	free(cqe);
	free(data);
	free(got);
}

/* UDP: N pending receives, then N sends in one batch: datagram i to op i. */
TEST_F_TIMEOUT(order, udp_recvs_then_sends, 120)
{
	struct wsaovl_sqe *sqe = calloc(2 * N, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(2 * N, sizeof(*b));
	struct wsaovl_cqe *cqe = calloc(2 * N, sizeof(*cqe));
	uint32_t *in = calloc(N, 8), *out = calloc(N, 4);
	unsigned int i, nrecv = 0;

	PAIR_OPEN(&self->p, variant->family, SOCK_DGRAM);
	ASSERT_NE(NULL, cqe);
	big_rcvbuf(self->p.rx);
	for (i = 0; i < N; i++) {
		in[2 * i] = 0xffffffff;
		out[i] = i;
		buf_set(&b[i], &in[2 * i], 8);
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->p.rx, &b[i], 1, i);
		buf_set(&b[N + i], &out[i], 4);
		sqe_prep(&sqe[N + i], WSAOVL_OP_SEND, self->p.tx, &b[N + i], 1,
			 N + i);
	}
	ASSERT_EQ(N, submit(&self->c, sqe, N));
	ASSERT_EQ(N, submit(&self->c, sqe + N, N));
	ASSERT_EQ(2 * N, reap(&self->c, cqe, 2 * N, 60000));
	for (i = 0; i < 2 * N; i++) {
		ASSERT_EQ(4, cqe[i].res);
		if (cqe[i].tag < N) {
			ASSERT_EQ(nrecv, cqe[i].tag);
			nrecv++;
		}
	}
	for (i = 0; i < N; i++) {
		ASSERT_EQ(i, in[2 * i]) TH_LOG("receive %u", i);
	}
	free(sqe);
	free(b);
	free(cqe);
	free(in);
	free(out);
}

/* UDP: N sends with the smallest send buffer; the receiver sees them in order. */
TEST_F_TIMEOUT(order, udp_sends_small_sndbuf, 120)
{
	struct wsaovl_sqe *sqe = calloc(N, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(N, sizeof(*b));
	struct wsaovl_cqe *cqe = calloc(N, sizeof(*cqe));
	char (*out)[512] = calloc(N, 512);
	unsigned int i, pending = 0;
	int v = 1;

	PAIR_OPEN(&self->p, variant->family, SOCK_DGRAM);
	ASSERT_NE(NULL, out);
	big_rcvbuf(self->p.rx);
	ASSERT_EQ(0, setsockopt(self->p.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)));
	for (i = 0; i < N; i++) {
		memcpy(out[i], &i, 4);
		buf_set(&b[i], out[i], 512);
		sqe_prep(&sqe[i], WSAOVL_OP_SEND, self->p.tx, &b[i], 1, i);
	}
	ASSERT_EQ(N, submit(&self->c, sqe, N));
	for (i = 0; i < N; i++)
		pending += sqe[i].state == WSAOVL_STATE_PENDING;
	TH_LOG("%u of %u sends pending", pending, N);
	ASSERT_EQ(N, reap(&self->c, cqe, N, 60000));
	for (i = 0; i < N; i++) {
		char got[600];
		uint32_t seq;

		ASSERT_EQ(i, cqe[i].tag);
		ASSERT_EQ(512, cqe[i].res);
		ASSERT_TRUE(fd_readable(self->p.rx, 5000)) TH_LOG("datagram %u missing", i);
		ASSERT_EQ(512, recv(self->p.rx, got, sizeof(got), MSG_DONTWAIT));
		memcpy(&seq, got, 4);
		ASSERT_EQ(i, seq);
	}
	free(sqe);
	free(b);
	free(cqe);
	free(out);
}

struct feeder {
	int fd;
	int type;
	unsigned int n;
};

static void *feed(void *p)
{
	struct feeder *f = p;
	uint32_t i;

	for (i = 0; i < f->n; i++) {
		if (send(f->fd, &i, 4, 0) != 4)
			break;
		if (!(i % 16))
			usleep(100);
	}
	return NULL;
}

/*
 * Receives submitted in small batches while the data streams in: whether
 * an op completes inline or waits, op i gets item i.
 */
static void submit_racing(struct __test_metadata *_metadata,
			  FIXTURE_DATA(order) *self, int type)
{
	struct wsaovl_sqe *sqe = calloc(N, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(N, sizeof(*b));
	struct wsaovl_cqe *cqe = calloc(N, sizeof(*cqe));
	uint32_t *in = calloc(N, 4);
	struct feeder f = { .fd = self->p.tx, .type = type, .n = N };
	unsigned int i, inl = 0;
	pthread_t th;

	ASSERT_NE(NULL, cqe);
	for (i = 0; i < N; i++) {
		in[i] = 0xffffffff;
		buf_set(&b[i], &in[i], 4);
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, self->p.rx, &b[i], 1, i);
		if (type == SOCK_STREAM)
			sqe[i].msg_flags = WSAOVL_MSG_WAITALL;
	}
	ASSERT_EQ(0, pthread_create(&th, NULL, feed, &f));
	for (i = 0; i < N; i += 10) {
		ASSERT_EQ(10, submit(&self->c, sqe + i, 10));
		usleep(50);
	}
	pthread_join(th, NULL);
	for (i = 0; i < N; i++)
		inl += sqe[i].state == WSAOVL_STATE_DONE;
	TH_LOG("%u inline, %u pending", inl, N - inl);
	ASSERT_EQ(N, cq_wait_n(&self->c, cqe, N, 60000));
	for (i = 0; i < N; i++) {
		ASSERT_EQ(i, cqe[i].tag);
		ASSERT_EQ(4, cqe[i].res);
		ASSERT_EQ(i, in[i]) TH_LOG("receive %u", i);
	}
	free(sqe);
	free(b);
	free(cqe);
	free(in);
}

TEST_F_TIMEOUT(order, udp_submit_racing_data, 120)
{
	PAIR_OPEN(&self->p, variant->family, SOCK_DGRAM);
	big_rcvbuf(self->p.rx);
	submit_racing(_metadata, self, SOCK_DGRAM);
}

TEST_F_TIMEOUT(order, tcp_submit_racing_data, 120)
{
	PAIR_OPEN(&self->p, variant->family, SOCK_STREAM);
	submit_racing(_metadata, self, SOCK_STREAM);
}

TEST_HARNESS_MAIN
