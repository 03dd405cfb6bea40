// SPDX-License-Identifier: GPL-2.0
/*
 * Bad input, one field at a time, each with its exact errno: the op is
 * FAILED at submit with nothing done (no data sent, no cqe, no status
 * write, no eventfd), SUBMIT returns the count of the good ops before it,
 * and the ones after it are not looked at.  Bad pointers (EFAULT), absurd
 * counts and lengths, length overflow, closed and non-socket fds, foreign
 * flags, non-zero reserved fields, unknown opcodes, short addresses.
 */
#include "engine.h"

FIXTURE(bad) {
	struct ctx c;
	struct pair u;
	int efd;
	char *unmapped;		/* a page that can't be accessed */
	char *ro;		/* a read-only page */
	struct wsaovl_status st;
	char data[64];
	struct wsaovl_buf b;
	struct sockaddr_storage name;
	unsigned char control[64];
};

FIXTURE_SETUP(bad)
{
	long page = sysconf(_SC_PAGESIZE);

	self->efd = -1;
	self->c.fd = -1;
	self->u.tx = self->u.rx = -1;
	CTX_INIT(&self->c, 64);
	PAIR_OPEN(&self->u, AF_INET, SOCK_DGRAM);
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
	/*
	 * An inaccessible page: PROT_NONE and kept mapped, so that no later
	 * mmap (ours or malloc's) can land there, as it could in a hole.
	 */
	self->unmapped = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->unmapped);
	self->ro = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->ro);
}

FIXTURE_TEARDOWN(bad)
{
	pair_close(&self->u);
	ctx_fini(&self->c);
	if (self->efd >= 0)
		close(self->efd);
}

#define KADDR	0xffff888000000000ull	/* kernel half */

/* A good op of the given kind, ready to be spoiled one field at a time. */
static void good(FIXTURE_DATA(bad) *self, struct wsaovl_sqe *s, int op)
{
	bool send = op <= WSAOVL_OP_SENDMSG;

	memset(self->data, 'g', sizeof(self->data));
	self->st.status = WSAOVL_STATUS_PENDING;
	self->st.information = POISON64;
	buf_set(&self->b, self->data, 8);
	sqe_prep(s, op, send ? self->u.tx : self->u.rx, &self->b, 1, 0xbad);
	s->status = (uintptr_t)&self->st;
	s->flags = WSAOVL_SQE_EVENTFD;
	s->eventfd = self->efd;
	if (op == WSAOVL_OP_SENDTO || op == WSAOVL_OP_SENDMSG) {
		memcpy(&self->name, &self->u.rxa, self->u.alen);
		s->addr = (uintptr_t)&self->name;
		s->addrlen = self->u.alen;
	}
	if (op == WSAOVL_OP_RECVFROM || op == WSAOVL_OP_RECVMSG) {
		s->addr = (uintptr_t)&self->name;
		s->addrlen = sizeof(self->name);
	}
	if (op == WSAOVL_OP_RECVMSG) {
		s->control = (uintptr_t)self->control;
		s->controllen = sizeof(self->control);
	}
}

static uint64_t efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* Submit alone: FAILED with -err and no trace anywhere. */
static void expect_reject(struct __test_metadata *_metadata,
			  FIXTURE_DATA(bad) *self, struct wsaovl_sqe *s, int err,
			  const char *what)
{
	int r = submit(&self->c, s, 1);

	EXPECT_EQ(0, r) TH_LOG("%s: submit %d", what, r);
	EXPECT_EQ(WSAOVL_STATE_FAILED, s->state) TH_LOG("%s: state %u", what, s->state);
	EXPECT_EQ(-err, s->res) TH_LOG("%s: res %d (%s), want -%s", what, s->res,
				       strerror(-s->res), strerror(err));
	EXPECT_EQ(0, cq_ready(&self->c)) TH_LOG("%s: a cqe", what);
	EXPECT_EQ(WSAOVL_STATUS_PENDING, self->st.status) TH_LOG("%s: status written", what);
	EXPECT_EQ(0, efd_take(self->efd)) TH_LOG("%s: eventfd", what);
	EXPECT_FALSE(fd_readable(self->u.rx, 0)) TH_LOG("%s: data was sent", what);
	if (cq_ready(&self->c)) {
		struct wsaovl_cqe cqe;

		while (cq_peek(&self->c, &cqe))
			;
	}
	drain(self->u.rx, 0);
}

static const int all_ops[] = {
	WSAOVL_OP_SEND, WSAOVL_OP_SENDTO, WSAOVL_OP_SENDMSG,
	WSAOVL_OP_RECV, WSAOVL_OP_RECVFROM, WSAOVL_OP_RECVMSG,
};

TEST_F(bad, opcode)
{
	static const uint8_t ops[] = { 0, 7, 8, 0x80, 0xff };
	struct wsaovl_sqe s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		good(self, &s, WSAOVL_OP_SEND);
		s.opcode = ops[i];
		expect_reject(_metadata, self, &s, EINVAL, "opcode");
	}
}

TEST_F(bad, reserved_fields)
{
	struct wsaovl_sqe s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all_ops); i++) {
		good(self, &s, all_ops[i]);
		s.pad0 = 1;
		expect_reject(_metadata, self, &s, EINVAL, "pad0");
		good(self, &s, all_ops[i]);
		s.reserved = 0x80000000u;
		expect_reject(_metadata, self, &s, EINVAL, "reserved");
	}
}

TEST_F(bad, sqe_flags)
{
	static const uint16_t flags[] = { 0x4, 0x8, 0x100, 0x8000, 0xfffc };
	struct wsaovl_sqe s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		good(self, &s, WSAOVL_OP_SENDTO);
		s.flags |= flags[i];
		expect_reject(_metadata, self, &s, EINVAL, "sqe.flags");
	}
}

TEST_F(bad, msg_flags)
{
	static const uint32_t foreign[] = {
		0x10, 0x20, 0x40, 0x80, WSAOVL_MSG_TRUNC, WSAOVL_MSG_CTRUNC,
		WSAOVL_MSG_BCAST, WSAOVL_MSG_MCAST, 0x10000, 0x80000000u,
		MSG_DONTWAIT, MSG_NOSIGNAL, MSG_CONFIRM,
	};
	struct wsaovl_sqe s;
	unsigned int i, j;

	for (j = 0; j < ARRAY_SIZE(all_ops); j++) {
		bool send = all_ops[j] <= WSAOVL_OP_SENDMSG;

		for (i = 0; i < ARRAY_SIZE(foreign); i++) {
			good(self, &s, all_ops[j]);
			s.msg_flags = foreign[i];
			expect_reject(_metadata, self, &s, EINVAL, "foreign msg_flags");
		}
		/* PARTIAL: no transport supports it. */
		good(self, &s, all_ops[j]);
		s.msg_flags = WSAOVL_MSG_PARTIAL;
		expect_reject(_metadata, self, &s, EOPNOTSUPP, "MSG_PARTIAL");
		/* In-flags of the other direction. */
		good(self, &s, all_ops[j]);
		s.msg_flags = send ? WSAOVL_MSG_PEEK : WSAOVL_MSG_DONTROUTE;
		expect_reject(_metadata, self, &s, EINVAL, "wrong-direction flag");
		if (send) {
			good(self, &s, all_ops[j]);
			s.msg_flags = WSAOVL_MSG_WAITALL;
			expect_reject(_metadata, self, &s, EINVAL, "WAITALL on a send");
		} else {
			/* Waiting to fill buffers from peeked/urgent data. */
			good(self, &s, all_ops[j]);
			s.msg_flags = WSAOVL_MSG_WAITALL | WSAOVL_MSG_PEEK;
			expect_reject(_metadata, self, &s, EOPNOTSUPP, "WAITALL|PEEK");
			good(self, &s, all_ops[j]);
			s.msg_flags = WSAOVL_MSG_WAITALL | WSAOVL_MSG_OOB;
			expect_reject(_metadata, self, &s, EOPNOTSUPP, "WAITALL|OOB");
		}
	}
}

TEST_F(bad, fd)
{
	struct wsaovl_sqe s;
	int nf, closed;

	good(self, &s, WSAOVL_OP_SEND);
	s.fd = -1;
	expect_reject(_metadata, self, &s, EBADF, "fd -1");
	good(self, &s, WSAOVL_OP_RECV);
	s.fd = 0x7fffffff;
	expect_reject(_metadata, self, &s, EBADF, "fd huge");

	closed = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, closed);
	close(closed);
	good(self, &s, WSAOVL_OP_RECV);
	s.fd = closed;
	expect_reject(_metadata, self, &s, EBADF, "closed fd");

	nf = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, nf);
	good(self, &s, WSAOVL_OP_SEND);
	s.fd = nf;
	expect_reject(_metadata, self, &s, ENOTSOCK, "/dev/null");
	close(nf);
	good(self, &s, WSAOVL_OP_RECV);
	s.fd = self->c.fd;
	expect_reject(_metadata, self, &s, ENOTSOCK, "the device itself");
	good(self, &s, WSAOVL_OP_RECV);
	s.fd = self->efd;
	expect_reject(_metadata, self, &s, ENOTSOCK, "an eventfd");
	nf = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, nf);
	good(self, &s, WSAOVL_OP_RECV);
	s.fd = nf;
	expect_reject(_metadata, self, &s, ENOTSOCK, "a file");
	close(nf);
}

/* Internet sockets only: others are EAFNOSUPPORT, whatever the op. */
TEST_F(bad, socket_family)
{
	struct wsaovl_sqe s;
	int sv[2], nl;
	unsigned int i;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	for (i = 0; i < ARRAY_SIZE(all_ops); i++) {
		good(self, &s, all_ops[i]);
		s.fd = sv[0];
		if (all_ops[i] == WSAOVL_OP_SENDTO || all_ops[i] == WSAOVL_OP_SENDMSG) {
			s.addr = 0;
			s.addrlen = 0;
		}
		expect_reject(_metadata, self, &s, EAFNOSUPPORT, "AF_UNIX datagram");
	}
	close(sv[0]);
	close(sv[1]);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	good(self, &s, WSAOVL_OP_RECV);
	s.fd = sv[0];
	expect_reject(_metadata, self, &s, EAFNOSUPPORT, "AF_UNIX stream");
	/* Nothing was sent on it either. */
	good(self, &s, WSAOVL_OP_SEND);
	s.fd = sv[1];
	expect_reject(_metadata, self, &s, EAFNOSUPPORT, "AF_UNIX stream send");
	EXPECT_FALSE(fd_readable(sv[0], 0));
	close(sv[0]);
	close(sv[1]);
	nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (nl >= 0) {
		good(self, &s, WSAOVL_OP_RECV);
		s.fd = nl;
		expect_reject(_metadata, self, &s, EAFNOSUPPORT, "AF_NETLINK");
		close(nl);
	}
}

TEST_F(bad, buffer_array)
{
	long page = sysconf(_SC_PAGESIZE);
	struct wsaovl_buf *edge;
	struct wsaovl_sqe s;
	char *m;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all_ops); i++) {
		good(self, &s, all_ops[i]);
		s.nbufs = WSAOVL_MAX_BUFS + 1;
		expect_reject(_metadata, self, &s, EINVAL, "nbufs > MAX_BUFS");
		good(self, &s, all_ops[i]);
		s.nbufs = 0xffffffffu;
		expect_reject(_metadata, self, &s, EINVAL, "nbufs ~0");
		good(self, &s, all_ops[i]);
		s.bufs = 0;
		expect_reject(_metadata, self, &s, EFAULT, "bufs NULL");
		good(self, &s, all_ops[i]);
		s.bufs = (uintptr_t)self->unmapped;
		expect_reject(_metadata, self, &s, EFAULT, "bufs unmapped");
		good(self, &s, all_ops[i]);
		s.bufs = KADDR;
		expect_reject(_metadata, self, &s, EFAULT, "bufs kernel");
	}

	/* The array runs off the end of a mapping. */
	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(0, munmap(m + page, page));
	edge = (void *)(m + page - sizeof(*edge));
	buf_set(edge, self->data, 8);
	good(self, &s, WSAOVL_OP_SEND);
	s.bufs = (uintptr_t)edge;
	s.nbufs = 2;
	expect_reject(_metadata, self, &s, EFAULT, "array crosses into unmapped");
	munmap(m, page);
}

TEST_F(bad, buffer_pointers)
{
	struct wsaovl_buf b[3];
	struct wsaovl_sqe s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all_ops); i++) {
		bool send = all_ops[i] <= WSAOVL_OP_SENDMSG;

		good(self, &s, all_ops[i]);
		buf_set(&self->b, (void *)(uintptr_t)KADDR, 8);
		expect_reject(_metadata, self, &s, EFAULT, "kernel buffer");
		good(self, &s, all_ops[i]);
		buf_set(&self->b, NULL, 8);
		expect_reject(_metadata, self, &s, EFAULT, "NULL buffer with a length");

		/* Unmapped: the send's copy or the pending receive's pin fails. */
		good(self, &s, all_ops[i]);
		buf_set(&self->b, self->unmapped, 8);
		expect_reject(_metadata, self, &s, EFAULT, "unmapped buffer");

		/* One bad among good ones. */
		good(self, &s, all_ops[i]);
		buf_set(&b[0], self->data, 4);
		buf_set(&b[1], self->unmapped + 16, 4);
		buf_set(&b[2], self->data + 8, 4);
		s.bufs = (uintptr_t)b;
		s.nbufs = 3;
		expect_reject(_metadata, self, &s, EFAULT, "second buffer unmapped");

		/* A receive can't write into read-only memory. */
		if (!send) {
			good(self, &s, all_ops[i]);
			buf_set(&self->b, self->ro, 8);
			expect_reject(_metadata, self, &s, EFAULT, "read-only buffer");
		}
	}
}

/* Receive into an unmapped buffer with the datagram already there. */
TEST_F(bad, inline_receive_fault)
{
	struct wsaovl_sqe s;

	ASSERT_EQ(3, send(self->u.tx, "abc", 3, 0));
	ASSERT_TRUE(fd_readable(self->u.rx, 5000));
	good(self, &s, WSAOVL_OP_RECV);
	buf_set(&self->b, self->unmapped, 8);
	ASSERT_EQ(0, submit(&self->c, &s, 1));
	EXPECT_EQ(WSAOVL_STATE_FAILED, s.state);
	EXPECT_EQ(-EFAULT, s.res);
	EXPECT_EQ(0, cq_ready(&self->c));
	EXPECT_EQ(WSAOVL_STATUS_PENDING, self->st.status);
	drain(self->u.rx, 0);
}

/*
 * Lengths: the buffers sit at a low address so that address + length stays
 * inside user space (access_ok passes); only the length itself is wrong.
 */
TEST_F(bad, lengths)
{
	struct wsaovl_buf b[WSAOVL_MAX_BUFS];
	struct wsaovl_sqe s;
	unsigned int i, j;
	char *low = (char *)0x10000;

	for (i = 0; i < ARRAY_SIZE(all_ops); i++) {
		good(self, &s, all_ops[i]);
		buf_set(&self->b, low, 0x80000000u);
		expect_reject(_metadata, self, &s, EINVAL, "len > INT_MAX");
		good(self, &s, all_ops[i]);
		buf_set(&self->b, low, 0xffffffffu);
		expect_reject(_metadata, self, &s, EINVAL, "len ~0");

		/* Each fine, the sum too big; and the sum wrapping 32 bits. */
		good(self, &s, all_ops[i]);
		buf_set(&b[0], low, 0x7ffff000u);
		buf_set(&b[1], low, 0x7ffff000u);
		s.bufs = (uintptr_t)b;
		s.nbufs = 2;
		expect_reject(_metadata, self, &s, EINVAL, "sum > INT_MAX");
		good(self, &s, all_ops[i]);
		buf_set(&b[0], low, 0xffffffffu);
		buf_set(&b[1], low, 2);
		s.bufs = (uintptr_t)b;
		s.nbufs = 2;
		expect_reject(_metadata, self, &s, EINVAL, "sum wraps");
		good(self, &s, all_ops[i]);
		for (j = 0; j < WSAOVL_MAX_BUFS; j++)
			buf_set(&b[j], low, 4u << 20);
		s.bufs = (uintptr_t)b;
		s.nbufs = WSAOVL_MAX_BUFS;
		expect_reject(_metadata, self, &s, EINVAL, "1024 x 4 MiB");
	}
}

TEST_F(bad, addresses)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct wsaovl_sqe s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all_ops); i++) {
		int op = all_ops[i];
		bool has = op != WSAOVL_OP_SEND && op != WSAOVL_OP_RECV;

		if (!has) {
			/* No address on SEND/RECV. */
			good(self, &s, op);
			s.addr = (uintptr_t)&self->name;
			s.addrlen = 16;
			expect_reject(_metadata, self, &s, EINVAL, "address on SEND/RECV");
			good(self, &s, op);
			s.addrlen = 16;
			expect_reject(_metadata, self, &s, EINVAL, "addrlen on SEND/RECV");
			good(self, &s, op);
			s.addr = (uintptr_t)&self->name;
			expect_reject(_metadata, self, &s, EINVAL, "addr on SEND/RECV");
			continue;
		}
		good(self, &s, op);
		s.addrlen = WSAOVL_MAX_ADDRLEN + 1;
		expect_reject(_metadata, self, &s, EINVAL, "addrlen > MAX_ADDRLEN");
		good(self, &s, op);
		s.addrlen = 0xffffffffu;
		expect_reject(_metadata, self, &s, EINVAL, "addrlen ~0");
		good(self, &s, op);
		s.addr = 0;
		expect_reject(_metadata, self, &s, EFAULT, "addr NULL");
		good(self, &s, op);
		s.addr = (uintptr_t)self->unmapped;
		expect_reject(_metadata, self, &s, EFAULT, "addr unmapped");
		good(self, &s, op);
		s.addr = KADDR;
		expect_reject(_metadata, self, &s, EFAULT, "addr kernel");
		if (op == WSAOVL_OP_RECVFROM || op == WSAOVL_OP_RECVMSG) {
			good(self, &s, op);
			s.addr = (uintptr_t)self->ro;
			expect_reject(_metadata, self, &s, EFAULT, "addr read-only");
			continue;
		}
		/* Destinations the protocol refuses. */
		good(self, &s, op);
		s.addrlen = 4;
		expect_reject(_metadata, self, &s, EINVAL, "short AF_INET address");
		good(self, &s, op);
		s.addrlen = sizeof(struct sockaddr_in) - 1;
		expect_reject(_metadata, self, &s, EINVAL, "15-byte AF_INET address");
		good(self, &s, op);
		memcpy(&self->name, &a6, sizeof(a6));
		s.addrlen = sizeof(a6);
		expect_reject(_metadata, self, &s, EAFNOSUPPORT, "AF_INET6 to AF_INET socket");
	}
}

TEST_F(bad, control)
{
	struct wsaovl_sqe s;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(all_ops); i++) {
		int op = all_ops[i];

		if (op != WSAOVL_OP_SENDMSG && op != WSAOVL_OP_RECVMSG) {
			good(self, &s, op);
			s.control = (uintptr_t)self->control;
			s.controllen = 16;
			expect_reject(_metadata, self, &s, EINVAL, "control on a non-MSG op");
			good(self, &s, op);
			s.controllen = 16;
			expect_reject(_metadata, self, &s, EINVAL, "controllen on a non-MSG op");
			continue;
		}
		good(self, &s, op);
		s.control = (uintptr_t)self->control;
		s.controllen = WSAOVL_MAX_CONTROL + 1;
		expect_reject(_metadata, self, &s, EINVAL, "controllen > MAX_CONTROL");
		good(self, &s, op);
		s.control = 0;
		s.controllen = 16;
		expect_reject(_metadata, self, &s, EFAULT, "control NULL");
		good(self, &s, op);
		s.control = (uintptr_t)self->unmapped;
		s.controllen = 16;
		expect_reject(_metadata, self, &s, EFAULT, "control unmapped");
		good(self, &s, op);
		s.control = KADDR;
		s.controllen = 16;
		expect_reject(_metadata, self, &s, EFAULT, "control kernel");
		if (op == WSAOVL_OP_RECVMSG) {
			good(self, &s, op);
			s.control = (uintptr_t)self->ro;
			s.controllen = 16;
			expect_reject(_metadata, self, &s, EFAULT, "control read-only");
		}
	}
}

TEST_F(bad, status_block)
{
	struct wsaovl_sqe s;
	unsigned int i, k;

	for (i = 0; i < ARRAY_SIZE(all_ops); i++) {
		for (k = 1; k < 8; k++) {
			good(self, &s, all_ops[i]);
			s.status = (uintptr_t)&self->st + k;
			expect_reject(_metadata, self, &s, EINVAL, "status misaligned");
		}
		good(self, &s, all_ops[i]);
		s.status = (uintptr_t)self->unmapped;
		expect_reject(_metadata, self, &s, EFAULT, "status unmapped");
		good(self, &s, all_ops[i]);
		s.status = KADDR;
		expect_reject(_metadata, self, &s, EFAULT, "status kernel");
		good(self, &s, all_ops[i]);
		s.status = (uintptr_t)self->ro;
		expect_reject(_metadata, self, &s, EFAULT, "status read-only");
	}
}

TEST_F(bad, eventfd)
{
	struct wsaovl_sqe s;
	int p[2], closed;

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	good(self, &s, WSAOVL_OP_SEND);
	s.eventfd = p[0];
	expect_reject(_metadata, self, &s, EINVAL, "eventfd is a pipe");
	good(self, &s, WSAOVL_OP_RECV);
	s.eventfd = self->u.rx;
	expect_reject(_metadata, self, &s, EINVAL, "eventfd is a socket");
	good(self, &s, WSAOVL_OP_RECV);
	s.eventfd = self->c.fd;
	expect_reject(_metadata, self, &s, EINVAL, "eventfd is the device");
	close(p[0]);
	close(p[1]);
	closed = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, closed);
	close(closed);
	good(self, &s, WSAOVL_OP_SENDTO);
	s.eventfd = closed;
	expect_reject(_metadata, self, &s, EBADF, "eventfd closed");
	good(self, &s, WSAOVL_OP_SENDTO);
	s.eventfd = -1;
	expect_reject(_metadata, self, &s, EBADF, "eventfd -1");
}

/*
 * A bad sqe in a batch: SUBMIT returns how many went before it, those
 * took effect, and the ones after it were not looked at (nor run).
 */
TEST_F(bad, batch_stops_at_first_failure)
{
	struct wsaovl_sqe s[5];
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char got[16];
	int i;

	buf_set(&b, "12345678", 8);
	for (i = 0; i < 5; i++)
		sqe_prep(&s[i], WSAOVL_OP_SEND, self->u.tx, &b, 1, i);
	s[2].opcode = 0;
	ASSERT_EQ(2, submit(&self->c, s, 5));
	EXPECT_EQ(WSAOVL_STATE_DONE, s[0].state);
	EXPECT_EQ(WSAOVL_STATE_DONE, s[1].state);
	EXPECT_EQ(WSAOVL_STATE_FAILED, s[2].state);
	EXPECT_EQ(-EINVAL, s[2].res);
	EXPECT_EQ(POISON32, s[3].state);
	EXPECT_EQ((int32_t)POISON32, s[3].res);
	EXPECT_EQ(POISON32, s[4].state);
	for (i = 0; i < 2; i++) {
		CQ_WAIT(&self->c, &cqe, 1000);
		EXPECT_EQ(i, cqe.tag);
		ASSERT_TRUE(fd_readable(self->u.rx, 1000));
		EXPECT_EQ(8, recv(self->u.rx, got, sizeof(got), MSG_DONTWAIT));
	}
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_FALSE(fd_readable(self->u.rx, 50));

	/* The first one bad: 0, nothing done. */
	for (i = 0; i < 5; i++)
		sqe_prep(&s[i], WSAOVL_OP_SEND, self->u.tx, &b, 1, i);
	s[0].fd = -1;
	ASSERT_EQ(0, submit(&self->c, s, 5));
	EXPECT_EQ(-EBADF, s[0].res);
	EXPECT_EQ(POISON32, s[1].state);
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_FALSE(fd_readable(self->u.rx, 0));
	drain(self->u.rx, 0);

	/* The sqe array itself runs into unmapped memory after 2 entries. */
	{
		long page = sysconf(_SC_PAGESIZE);
		char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct wsaovl_sqe *arr;

		ASSERT_NE(MAP_FAILED, m);
		ASSERT_EQ(0, munmap(m + page, page));
		arr = (void *)(m + page - 2 * sizeof(*arr));
		for (i = 0; i < 2; i++)
			sqe_prep(&arr[i], WSAOVL_OP_SEND, self->u.tx, &b, 1, 10 + i);
		ASSERT_EQ(2, submit(&self->c, arr, 3));
		EXPECT_EQ(WSAOVL_STATE_DONE, arr[0].state);
		EXPECT_EQ(WSAOVL_STATE_DONE, arr[1].state);
		for (i = 0; i < 2; i++) {
			CQ_WAIT(&self->c, &cqe, 1000);
			EXPECT_EQ(10 + i, cqe.tag);
		}
		munmap(m, page);
	}
}

/* Nothing of the above left anything behind. */
TEST_F(bad, nothing_left_behind)
{
	struct wsaovl_sqe s;

	good(self, &s, WSAOVL_OP_RECVMSG);
	s.status = (uintptr_t)self->unmapped;
	expect_reject(_metadata, self, &s, EFAULT, "status unmapped");
	good(self, &s, WSAOVL_OP_RECV);
	s.msg_flags = WSAOVL_MSG_PARTIAL;
	expect_reject(_metadata, self, &s, EOPNOTSUPP, "partial");
	EXPECT_EQ(0, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	/* A good op still works on the same socket. */
	good(self, &s, WSAOVL_OP_RECV);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	EXPECT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_ALL, 0, 0, 0));
}

TEST_HARNESS_MAIN
