// SPDX-License-Identifier: GPL-2.0
/*
 * Datagram specifics, IPv4 and IPv6: truncation (TRUNC, BUFFER_OVERFLOW),
 * message boundaries, source addresses (also into a short buffer),
 * control data in and out (IP_PKTINFO, IP_TOS, IPV6_TCLASS, CTRUNC), the
 * destination flags (BCAST, MCAST), PEEK, DONTROUTE, and inline attempts
 * that fail for real (EMSGSIZE, EACCES, ECONNREFUSED, EDESTADDRREQ,
 * EOPNOTSUPP): FAILED, with no cqe, no status write and no eventfd.
 */
#include <net/if.h>
#include "engine.h"

FIXTURE(udp) {
	struct ctx c;
	struct pair p;
	int efd;
	int family;
	socklen_t alen;
};

FIXTURE_VARIANT(udp) {
	int family;
};

FIXTURE_VARIANT_ADD(udp, v4) { .family = AF_INET };
FIXTURE_VARIANT_ADD(udp, v6) { .family = AF_INET6 };

FIXTURE_SETUP(udp)
{
	self->efd = -1;
	self->c.fd = -1;
	self->p.tx = self->p.rx = -1;
	CTX_INIT(&self->c, 256);
	PAIR_OPEN(&self->p, variant->family, SOCK_DGRAM);
	self->family = variant->family;
	self->alen = self->p.alen;
	self->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, self->efd);
}

FIXTURE_TEARDOWN(udp)
{
	pair_close(&self->p);
	ctx_fini(&self->c);
	if (self->efd >= 0)
		close(self->efd);
}

struct rop {
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b[4];
	struct sockaddr_storage name;
	unsigned char control[512];
	struct wsaovl_status st;
	char data[2048];
};

static void rop_prep(struct rop *r, int op, int fd, uint64_t tag, uint32_t len)
{
	memset(r, 0, sizeof(*r));
	memset(&r->name, POISON8, sizeof(r->name));
	memset(r->control, POISON8, sizeof(r->control));
	memset(r->data, POISON8, sizeof(r->data));
	r->st.status = WSAOVL_STATUS_PENDING;
	r->st.information = POISON64;
	r->st.flags = POISON32;
	r->st.pad = POISON32;
	buf_set(&r->b[0], r->data, len);
	sqe_prep(&r->sqe, op, fd, r->b, 1, tag);
	r->sqe.status = (uintptr_t)&r->st;
	if (op == WSAOVL_OP_RECVFROM || op == WSAOVL_OP_RECVMSG ||
	    op == WSAOVL_OP_SENDTO || op == WSAOVL_OP_SENDMSG) {
		r->sqe.addr = (uintptr_t)&r->name;
		r->sqe.addrlen = sizeof(r->name);
	}
	if (op == WSAOVL_OP_RECVMSG) {
		r->sqe.control = (uintptr_t)r->control;
		r->sqe.controllen = sizeof(r->control);
	}
}

static void rop_dst(struct rop *r, const void *dst, socklen_t len)
{
	memcpy(&r->name, dst, len);
	r->sqe.addr = (uintptr_t)&r->name;
	r->sqe.addrlen = len;
}

static uint64_t efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/*
 * An inline attempt that failed for real: FAILED, -err, and no trace
 * elsewhere: no cqe, the status block untouched, the eventfd quiet.
 */
static void expect_failed(struct __test_metadata *_metadata, struct ctx *c,
			  int efd, struct rop *r, int err)
{
	EXPECT_EQ(WSAOVL_STATE_FAILED, r->sqe.state);
	EXPECT_EQ(-err, r->sqe.res) TH_LOG("res %d (%s), want -%s", r->sqe.res,
					   strerror(-r->sqe.res), strerror(err));
	EXPECT_TRUE(cq_quiet(c, 50));
	EXPECT_EQ(WSAOVL_STATUS_PENDING, r->st.status);
	EXPECT_EQ(POISON64, r->st.information);
	EXPECT_EQ(0, efd_take(efd));
}

static void wait_queued(struct __test_metadata *_metadata, int fd)
{
	ASSERT_TRUE(fd_readable(fd, 5000));
}

/* A datagram longer than the buffers: its first bytes, TRUNC, overflow. */
TEST_F(udp, trunc_inline)
{
	struct wsaovl_cqe cqe;
	struct rop r;
	char got[16];

	ASSERT_EQ(10, send(self->p.tx, "0123456789", 10, 0));
	ASSERT_EQ(3, send(self->p.tx, "abc", 3, 0));
	wait_queued(_metadata, self->p.rx);
	rop_prep(&r, WSAOVL_OP_RECVFROM, self->p.rx, 1, 4);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(4, r.sqe.res);
	EXPECT_EQ(WSAOVL_MSG_TRUNC, r.sqe.out_flags);
	EXPECT_EQ(self->alen, r.sqe.out_namelen);
	EXPECT_EQ(0, memcmp(r.data, "0123", 4));
	EXPECT_EQ((char)POISON8, r.data[4]);
	EXPECT_EQ(WSAOVL_STATUS_BUFFER_OVERFLOW, r.st.status);
	EXPECT_EQ(4, r.st.information);
	EXPECT_EQ(WSAOVL_MSG_TRUNC, r.st.flags);
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(4, cqe.res);
	EXPECT_EQ(WSAOVL_MSG_TRUNC, cqe.flags);
	/* The rest of that datagram is gone; the next one is whole. */
	EXPECT_EQ(3, recv(self->p.rx, got, sizeof(got), MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(got, "abc", 3));
}

TEST_F(udp, trunc_pending)
{
	struct wsaovl_cqe cqe;
	struct rop r;

	rop_prep(&r, WSAOVL_OP_RECVMSG, self->p.rx, 1, 6);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(100, send(self->p.tx, memset(alloca(100), 'z', 100), 100, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(6, cqe.res);
	EXPECT_EQ(WSAOVL_MSG_TRUNC, cqe.flags);
	EXPECT_EQ(self->alen, cqe.namelen);
	EXPECT_EQ(0, cqe.controllen);
	EXPECT_EQ(0, memcmp(r.data, "zzzzzz", 6));
	EXPECT_EQ((char)POISON8, r.data[6]);
	EXPECT_EQ(WSAOVL_STATUS_BUFFER_OVERFLOW, r.st.status);
	EXPECT_EQ(6, r.st.information);
	EXPECT_EQ(WSAOVL_MSG_TRUNC, r.st.flags);
	EXPECT_FALSE(fd_readable(self->p.rx, 0));
}

/* One receive, one datagram: never merged, never split. */
TEST_F(udp, boundaries)
{
	static const int sizes[] = { 1, 1400, 0, 7, 1 };
	struct rop *r = calloc(ARRAY_SIZE(sizes), sizeof(*r));
	struct wsaovl_cqe cqe;
	char msg[1400];
	unsigned int i;

	ASSERT_NE(NULL, r);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		rop_prep(&r[i], WSAOVL_OP_RECV, self->p.rx, i, 2000);
		ASSERT_EQ(1, submit(&self->c, &r[i].sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, r[i].sqe.state);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(msg, 'A' + i, sizeof(msg));
		ASSERT_EQ(sizes[i], send(self->p.tx, msg, sizes[i], 0));
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		CQ_WAIT(&self->c, &cqe, 5000);
		EXPECT_EQ(i, cqe.tag);
		EXPECT_EQ(sizes[i], cqe.res);
		EXPECT_EQ(0, cqe.flags);
		if (sizes[i]) {
			EXPECT_EQ('A' + (int)i, r[i].data[sizes[i] - 1]);
		}
		EXPECT_EQ((char)POISON8, r[i].data[sizes[i]]);
	}
	free(r);
}

/* The source address: whole, or cut to the capacity given. */
/*
 * A destination longer than its family's sockaddr (Winsock programs pass
 * sizeof(SOCKADDR_STORAGE)) is accepted, inline and pending; a receive's
 * 128-byte name buffer gets the family's length.
 */
TEST_F(udp, long_addrlen)
{
	struct sockaddr_storage to, from;
	struct wsaovl_buf b, rb;
	struct wsaovl_sqe s, rs;
	struct wsaovl_cqe cqe;
	char buf[8];

	memcpy(&to, &self->p.rxa, self->alen);
	memset((char *)&to + self->alen, 0, sizeof(to) - self->alen);
	buf_set(&b, "long", 4);
	sqe_prep(&s, WSAOVL_OP_SENDTO, self->p.rx, &b, 1, 1);
	s.addr = (uintptr_t)&to;
	s.addrlen = sizeof(to);
	s.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.state);
	EXPECT_EQ(4, s.res);

	memset(&from, POISON8, sizeof(from));
	buf_set(&rb, buf, sizeof(buf));
	sqe_prep(&rs, WSAOVL_OP_RECVFROM, self->p.rx, &rb, 1, 2);
	rs.addr = (uintptr_t)&from;
	rs.addrlen = sizeof(from);
	rs.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	ASSERT_EQ(1, submit(&self->c, &rs, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, rs.state);
	EXPECT_EQ(4, rs.res);
	EXPECT_EQ(self->alen, rs.out_namelen);
	EXPECT_EQ(0, memcmp(buf, "long", 4));
	EXPECT_EQ(POISON8, ((unsigned char *)&from)[self->alen]);

	/* pending receive, then the long-addressed send completes it */
	sqe_prep(&rs, WSAOVL_OP_RECVFROM, self->p.rx, &rb, 1, 3);
	rs.addr = (uintptr_t)&from;
	rs.addrlen = sizeof(from);
	ASSERT_EQ(1, submit(&self->c, &rs, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, rs.state);
	sqe_prep(&s, WSAOVL_OP_SENDTO, self->p.tx, &b, 1, 4);
	s.addr = (uintptr_t)&to;
	s.addrlen = sizeof(to);
	s.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.state);
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(3, cqe.tag);
	EXPECT_EQ(4, cqe.res);
	EXPECT_EQ(self->alen, cqe.namelen);
	EXPECT_EQ(0, memcmp(&from, &self->p.txa, self->alen));
}

TEST_F(udp, source_address)
{
	struct sockaddr_storage other_a;
	struct wsaovl_cqe cqe;
	socklen_t olen;
	struct rop r;
	int other;

	other = bound_socket(self->family, SOCK_DGRAM, &other_a, &olen);
	ASSERT_LE(0, other);

	/* Two senders, two names. */
	rop_prep(&r, WSAOVL_OP_RECVFROM, self->p.rx, 1, 64);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(1, sendto(other, "o", 1, 0, (void *)&self->p.rxa, self->alen));
	CQ_WAIT(&self->c, &cqe, 5000);
	ASSERT_EQ(olen, cqe.namelen);
	EXPECT_EQ(0, memcmp(&r.name, &other_a, olen));

	rop_prep(&r, WSAOVL_OP_RECVFROM, self->p.rx, 2, 64);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(1, send(self->p.tx, "t", 1, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	ASSERT_EQ(self->alen, cqe.namelen);
	EXPECT_EQ(0, memcmp(&r.name, &self->p.txa, self->alen));

	/* A short name buffer gets only what fits; nothing past it. */
	rop_prep(&r, WSAOVL_OP_RECVFROM, self->p.rx, 3, 64);
	r.sqe.addrlen = 8;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(1, send(self->p.tx, "s", 1, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ(8, cqe.namelen);
	EXPECT_EQ(0, memcmp(&r.name, &self->p.txa, 8));
	EXPECT_EQ(POISON8, ((unsigned char *)&r.name)[8]);

	/* Same, inline. */
	ASSERT_EQ(1, send(self->p.tx, "i", 1, 0));
	wait_queued(_metadata, self->p.rx);
	rop_prep(&r, WSAOVL_OP_RECVMSG, self->p.rx, 4, 64);
	r.sqe.addrlen = 2;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(self->family, ((struct sockaddr *)&r.name)->sa_family);
	EXPECT_EQ(POISON8, ((unsigned char *)&r.name)[2]);
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(2, cqe.namelen);
	/* One completion, one answer: the sqe and the cqe must agree. */
	EXPECT_EQ(cqe.namelen, r.sqe.out_namelen);

	/* No name buffer at all: RECVFROM with addrlen 0 is a plain receive. */
	ASSERT_EQ(1, send(self->p.tx, "n", 1, 0));
	wait_queued(_metadata, self->p.rx);
	rop_prep(&r, WSAOVL_OP_RECVFROM, self->p.rx, 5, 64);
	r.sqe.addr = 0;
	r.sqe.addrlen = 0;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(1, r.sqe.res);
	EXPECT_EQ(0, r.sqe.out_namelen);
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(0, cqe.namelen);
	close(other);
}

static int pktinfo_on(int fd, int family)
{
	int one = 1;

	if (family == AF_INET)
		return setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	return setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
}

/*
 * Control data as recvmsg(2) lays it out: each cmsg's cmsg_len bytes equal;
 * the alignment padding after a cmsg is not defined by the kernel (recvmsg
 * leaves it untouched), so it may be untouched or zero, never anything else.
 */
static void check_control(struct __test_metadata *_metadata,
			  const unsigned char *got, const unsigned char *want,
			  size_t len)
{
	struct msghdr mh = { .msg_control = (void *)want, .msg_controllen = len };
	struct cmsghdr *cm;
	size_t off = 0;

	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t start = (unsigned char *)cm - want;
		size_t clen = cm->cmsg_len < len - start ? cm->cmsg_len : len - start;

		EXPECT_EQ(0, memcmp(got + start, want + start, clen))
			TH_LOG("cmsg at %zu differs", start);
		off = start + clen;
		for (; off < len && off < start + CMSG_ALIGN(cm->cmsg_len); off++) {
			EXPECT_TRUE(got[off] == POISON8 || got[off] == 0)
				TH_LOG("padding byte %zu = %#x: not written by recvmsg", off, got[off]);
		}
	}
	if (!CMSG_FIRSTHDR(&mh))
		EXPECT_EQ(0, memcmp(got, want, len));
}

/*
 * RECVMSG control data is what recvmsg(2) gives for the same datagram and
 * the same capacity, with the same length and CTRUNC verdict.
 */
TEST_F(udp, recvmsg_control)
{
	static const uint32_t caps[] = { 512, 64, 40, 32, 20, 16, 8, 0 };
	unsigned int i;

	ASSERT_EQ(0, pktinfo_on(self->p.rx, self->family));
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		unsigned char ctl[512];
		struct wsaovl_cqe cqe;
		struct msghdr mh;
		struct iovec iov;
		struct rop r;
		char buf[16];
		uint32_t want_flags;

		TH_LOG("capacity %u", caps[i]);
		/* The reference, from the kernel's own recvmsg. */
		ASSERT_EQ(4, send(self->p.tx, "ctl!", 4, 0));
		wait_queued(_metadata, self->p.rx);
		memset(ctl, POISON8, sizeof(ctl));
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = caps[i] ? ctl : NULL;
		mh.msg_controllen = caps[i];
		ASSERT_EQ(4, recvmsg(self->p.rx, &mh, MSG_DONTWAIT));
		want_flags = mh.msg_flags & MSG_CTRUNC ? WSAOVL_MSG_CTRUNC : 0;

		/* Pending. */
		rop_prep(&r, WSAOVL_OP_RECVMSG, self->p.rx, i, 16);
		r.sqe.controllen = caps[i];
		if (!caps[i])
			r.sqe.control = 0;
		ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
		ASSERT_EQ(4, send(self->p.tx, "ctl!", 4, 0));
		CQ_WAIT(&self->c, &cqe, 5000);
		EXPECT_EQ(4, cqe.res);
		EXPECT_EQ(want_flags, cqe.flags);
		EXPECT_EQ(mh.msg_controllen, cqe.controllen);
		check_control(_metadata, r.control, ctl, mh.msg_controllen);
		EXPECT_EQ(POISON8, r.control[cqe.controllen]);
		EXPECT_EQ(want_flags, r.st.flags);
		EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);

		/* Inline. */
		ASSERT_EQ(4, send(self->p.tx, "ctl!", 4, 0));
		wait_queued(_metadata, self->p.rx);
		rop_prep(&r, WSAOVL_OP_RECVMSG, self->p.rx, 100 + i, 16);
		r.sqe.controllen = caps[i];
		if (!caps[i])
			r.sqe.control = 0;
		ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
		EXPECT_EQ(want_flags, r.sqe.out_flags);
		EXPECT_EQ(mh.msg_controllen, r.sqe.out_controllen);
		check_control(_metadata, r.control, ctl, mh.msg_controllen);
		CQ_WAIT(&self->c, &cqe, 1000);
		EXPECT_EQ(mh.msg_controllen, cqe.controllen);
		EXPECT_EQ(want_flags, cqe.flags);
	}
}

/*
 * The cmsg padding copied out must not be stale kernel memory.  Prime the
 * allocator first: a RECV with four WSABUFs whose last pointer is bad has
 * its 64-byte iovec copy (user pointers 0x5a5a5a5a5a5a) allocated and freed
 * at once in the accounted kmalloc-64 cache, where a 40-byte receive control
 * buffer comes from next.  Only meaningful with init_on_alloc=0 (Debian
 * defaults to 1, which zeroes every allocation).
 */
TEST_F(udp, control_padding_no_leak)
{
	struct wsaovl_cqe cqe;
	struct rop r;
	int round;

	ASSERT_EQ(0, pktinfo_on(self->p.rx, self->family));
	for (round = 0; round < 50; round++) {
		struct wsaovl_buf sb[4];
		struct wsaovl_sqe spray;
		uint32_t i;

		for (i = 0; i < 3; i++)
			buf_set(&sb[i], (void *)0x5a5a5a5a5a5aul, 1);
		buf_set(&sb[3], (void *)0xffff888000000000ul, 1);
		sqe_prep(&spray, WSAOVL_OP_RECV, self->p.rx, sb, 4, 1);
		ASSERT_EQ(0, submit(&self->c, &spray, 1));
		ASSERT_EQ(-EFAULT, spray.res);

		ASSERT_EQ(3, send(self->p.tx, "pad", 3, 0));
		wait_queued(_metadata, self->p.rx);
		rop_prep(&r, WSAOVL_OP_RECVMSG, self->p.rx, 2, 16);
		r.sqe.controllen = 40;
		ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
		CQ_WAIT(&self->c, &cqe, 1000);
		ASSERT_LE(cqe.controllen, 40);
		/* After the one cmsg, up to controllen: padding. */
		i = self->family == AF_INET ? CMSG_LEN(sizeof(struct in_pktinfo)) :
					      CMSG_LEN(sizeof(struct in6_pktinfo));
		for (; i < cqe.controllen; i++) {
			ASSERT_TRUE(r.control[i] == 0 || r.control[i] == POISON8)
				TH_LOG("round %d: control byte %u = %#x is stale kernel memory",
				       round, i, r.control[i]);
		}
	}
}

/* The pktinfo of a unicast datagram: the loopback address, no flags. */
TEST_F(udp, recvmsg_pktinfo)
{
	struct wsaovl_cqe cqe;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct rop r;
	bool found = false;

	ASSERT_EQ(0, pktinfo_on(self->p.rx, self->family));
	rop_prep(&r, WSAOVL_OP_RECVMSG, self->p.rx, 1, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(2, send(self->p.tx, "pi", 2, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	ASSERT_EQ(2, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	ASSERT_LT(0, cqe.controllen);
	memset(&mh, 0, sizeof(mh));
	mh.msg_control = r.control;
	mh.msg_controllen = cqe.controllen;
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (self->family == AF_INET && cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			EXPECT_EQ(htonl(INADDR_LOOPBACK), pi.ipi_addr.s_addr);
			EXPECT_EQ(if_nametoindex("lo"), (unsigned int)pi.ipi_ifindex);
			found = true;
		}
		if (self->family == AF_INET6 && cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			EXPECT_EQ(0, memcmp(&pi.ipi6_addr, &in6addr_loopback, 16));
			EXPECT_EQ(if_nametoindex("lo"), pi.ipi6_ifindex);
			found = true;
		}
	}
	EXPECT_TRUE(found);
}

/* SENDMSG control data: traffic class/TOS, and (IPv4) the source address. */
TEST_F(udp, sendmsg_control)
{
	union {
		struct cmsghdr cm;
		unsigned char b[256];
	} u;
	unsigned char rctl[256];
	struct sockaddr_storage from;
	struct cmsghdr *cm;
	struct wsaovl_cqe cqe;
	struct msghdr mh;
	struct iovec iov;
	struct rop s;
	char buf[16];
	int one = 1, tos = -1, clen;

	if (self->family == AF_INET) {
		ASSERT_EQ(0, setsockopt(self->p.rx, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)));
	} else {
		ASSERT_EQ(0, setsockopt(self->p.rx, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one)));
	}

	memset(&u, 0, sizeof(u));
	cm = &u.cm;
	if (self->family == AF_INET) {
		struct in_pktinfo pi = { 0 };
		int t = 0x28;

		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_TOS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &t, sizeof(t));
		cm = (void *)((char *)cm + CMSG_SPACE(sizeof(int)));
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		pi.ipi_spec_dst.s_addr = htonl(0x7f000002);	/* 127.0.0.2 */
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		clen = CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(pi));
	} else {
		int t = 0x28;

		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_TCLASS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &t, sizeof(t));
		clen = CMSG_SPACE(sizeof(int));
	}

	/* From an unconnected socket, with the destination in the sqe. */
	int tx = bound_socket(self->family, SOCK_DGRAM, &from, NULL);

	ASSERT_LE(0, tx);
	rop_prep(&s, WSAOVL_OP_SENDMSG, tx, 1, 5);
	memcpy(s.data, "cmsg!", 5);
	rop_dst(&s, &self->p.rxa, self->alen);
	s.sqe.control = (uintptr_t)u.b;
	s.sqe.controllen = clen;
	ASSERT_EQ(1, submit(&self->c, &s.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.sqe.state) TH_LOG("res %d", s.sqe.res);
	EXPECT_EQ(5, s.sqe.res);
	/* The control buffer was captured: scribbling on it now is harmless. */
	memset(u.b, 0xff, sizeof(u.b));
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(5, cqe.res);
	EXPECT_EQ(0, cqe.controllen);

	wait_queued(_metadata, self->p.rx);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = sizeof(buf);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_control = rctl;
	mh.msg_controllen = sizeof(rctl);
	ASSERT_EQ(5, recvmsg(self->p.rx, &mh, MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(buf, "cmsg!", 5));
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_TOS)
			tos = *(unsigned char *)CMSG_DATA(cm);
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_TCLASS)
			memcpy(&tos, CMSG_DATA(cm), sizeof(int));
	}
	EXPECT_EQ(0x28, tos);
	if (self->family == AF_INET) {
		EXPECT_EQ(htonl(0x7f000002),
			  ((struct sockaddr_in *)&from)->sin_addr.s_addr);
	}
	close(tx);
}

/* Malformed control data fails at submit and sends nothing. */
TEST_F(udp, sendmsg_bad_control)
{
	union {
		struct cmsghdr cm;
		unsigned char b[64];
	} u;
	struct rop s;

	memset(&u, 0, sizeof(u));
	u.cm.cmsg_level = self->family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	u.cm.cmsg_type = self->family == AF_INET ? IP_TOS : IPV6_TCLASS;
	u.cm.cmsg_len = 1000;		/* past the buffer */
	rop_prep(&s, WSAOVL_OP_SENDMSG, self->p.tx, 1, 3);
	rop_dst(&s, &self->p.rxa, self->alen);
	s.sqe.control = (uintptr_t)u.b;
	s.sqe.controllen = sizeof(u.b);
	s.sqe.flags = WSAOVL_SQE_EVENTFD;
	s.sqe.eventfd = self->efd;
	ASSERT_EQ(0, submit(&self->c, &s.sqe, 1));
	expect_failed(_metadata, &self->c, self->efd, &s, EINVAL);
	EXPECT_FALSE(fd_readable(self->p.rx, 50));
}

/* Errors of the inline attempt are errors of the submit. */
TEST_F(udp, inline_errors)
{
	struct sockaddr_storage dead_a;
	socklen_t dlen;
	struct rop r;
	char *big;
	int u, dead;

	/* EMSGSIZE: more than a datagram can hold (as sendto(2) says). */
	big = calloc(1, 70000);
	ASSERT_NE(NULL, big);
	ASSERT_EQ(-1, sendto(self->p.tx, big, 70000, 0, (void *)&self->p.rxa, self->alen));
	ASSERT_EQ(EMSGSIZE, errno);
	rop_prep(&r, WSAOVL_OP_SENDTO, self->p.tx, 1, 0);
	buf_set(&r.b[0], big, 70000);
	rop_dst(&r, &self->p.rxa, self->alen);
	r.sqe.flags = WSAOVL_SQE_EVENTFD;
	r.sqe.eventfd = self->efd;
	ASSERT_EQ(0, submit(&self->c, &r.sqe, 1))
		TH_LOG("state %u res %d", r.sqe.state, r.sqe.res);
	expect_failed(_metadata, &self->c, self->efd, &r, EMSGSIZE);
	free(big);

	/* EDESTADDRREQ: SEND on an unconnected socket. */
	rop_prep(&r, WSAOVL_OP_SEND, self->p.rx, 2, 3);
	r.sqe.flags = WSAOVL_SQE_EVENTFD;
	r.sqe.eventfd = self->efd;
	ASSERT_EQ(0, submit(&self->c, &r.sqe, 1));
	expect_failed(_metadata, &self->c, self->efd, &r, EDESTADDRREQ);

	/*
	 * Out-of-band data on a datagram socket: whatever send(2) says
	 * (IPv4: EOPNOTSUPP; IPv6 UDP ignores the flag).
	 */
	if (send(self->p.tx, "oob", 3, MSG_OOB) < 0) {
		int err = errno;

		rop_prep(&r, WSAOVL_OP_SEND, self->p.tx, 3, 3);
		r.sqe.msg_flags = WSAOVL_MSG_OOB;
		r.sqe.flags = WSAOVL_SQE_EVENTFD;
		r.sqe.eventfd = self->efd;
		ASSERT_EQ(0, submit(&self->c, &r.sqe, 1));
		expect_failed(_metadata, &self->c, self->efd, &r, err);
	} else {
		drain(self->p.rx, 50);
	}

	/* ECONNREFUSED: the ICMP error of an earlier send, reported inline. */
	dead = bound_socket(self->family, SOCK_DGRAM, &dead_a, &dlen);
	ASSERT_LE(0, dead);
	close(dead);
	u = socket(self->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, u);
	ASSERT_EQ(0, connect(u, (void *)&dead_a, dlen));
	ASSERT_EQ(1, send(u, "x", 1, 0));
	msleep(50);
	rop_prep(&r, WSAOVL_OP_RECV, u, 4, 16);
	r.sqe.flags = WSAOVL_SQE_EVENTFD;
	r.sqe.eventfd = self->efd;
	ASSERT_EQ(0, submit(&self->c, &r.sqe, 1));
	expect_failed(_metadata, &self->c, self->efd, &r, ECONNREFUSED);

	/* Nothing reached the receiver. */
	EXPECT_FALSE(fd_readable(self->p.rx, 50));
	close(u);
}

/* A pending receive ends with the socket's error, mapped to NTSTATUS. */
TEST_F(udp, pending_error)
{
	struct sockaddr_storage dead_a;
	struct wsaovl_cqe cqe;
	socklen_t dlen;
	struct rop r;
	int u, dead;

	dead = bound_socket(self->family, SOCK_DGRAM, &dead_a, &dlen);
	ASSERT_LE(0, dead);
	close(dead);
	u = socket(self->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, u);
	ASSERT_EQ(0, connect(u, (void *)&dead_a, dlen));
	rop_prep(&r, WSAOVL_OP_RECVFROM, u, 7, 16);
	r.sqe.flags = WSAOVL_SQE_EVENTFD;
	r.sqe.eventfd = self->efd;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(1, send(u, "x", 1, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(7, cqe.tag);
	EXPECT_EQ(-ECONNREFUSED, cqe.res);
	EXPECT_EQ(0, cqe.flags);
	EXPECT_EQ(0, cqe.namelen);
	EXPECT_EQ(0xC0000236U, r.st.status);
	EXPECT_EQ(0, r.st.information);
	EXPECT_EQ(0, r.st.flags);
	EXPECT_EQ(1, efd_take(self->efd));
	/* The name buffer was not written. */
	EXPECT_EQ(POISON8, ((unsigned char *)&r.name)[0]);
	close(u);
}

/* PEEK, inline and pending: the datagram stays for the next receive. */
TEST_F(udp, peek)
{
	struct wsaovl_cqe cqe[2];
	struct rop r, r2;

	ASSERT_EQ(4, send(self->p.tx, "peek", 4, 0));
	wait_queued(_metadata, self->p.rx);
	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 1, 16);
	r.sqe.msg_flags = WSAOVL_MSG_PEEK;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(4, r.sqe.res);
	EXPECT_EQ(0, memcmp(r.data, "peek", 4));
	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, 2, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(4, r.sqe.res);
	EXPECT_EQ(0, memcmp(r.data, "peek", 4));
	ASSERT_EQ(2, cq_wait_n(&self->c, cqe, 2, 1000));
	EXPECT_FALSE(fd_readable(self->p.rx, 0));

	/* Pending peek, then a plain receive queued behind it. */
	rop_prep(&r, WSAOVL_OP_RECVFROM, self->p.rx, 3, 16);
	r.sqe.msg_flags = WSAOVL_MSG_PEEK;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	rop_prep(&r2, WSAOVL_OP_RECV, self->p.rx, 4, 16);
	ASSERT_EQ(1, submit(&self->c, &r2.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r2.sqe.state);
	ASSERT_EQ(5, send(self->p.tx, "peek2", 5, 0));
	ASSERT_EQ(2, cq_wait_n(&self->c, cqe, 2, 5000));
	EXPECT_EQ(3, cqe[0].tag);
	EXPECT_EQ(5, cqe[0].res);
	EXPECT_EQ(self->alen, cqe[0].namelen);
	EXPECT_EQ(4, cqe[1].tag);
	EXPECT_EQ(5, cqe[1].res);
	EXPECT_EQ(0, memcmp(r.data, "peek2", 5));
	EXPECT_EQ(0, memcmp(r2.data, "peek2", 5));
	EXPECT_FALSE(fd_readable(self->p.rx, 0));
}

TEST_F(udp, dontroute)
{
	struct wsaovl_cqe cqe;
	struct rop s;
	char got[8];

	rop_prep(&s, WSAOVL_OP_SENDTO, self->p.tx, 1, 2);
	memcpy(s.data, "dr", 2);
	rop_dst(&s, &self->p.rxa, self->alen);
	s.sqe.msg_flags = WSAOVL_MSG_DONTROUTE;
	ASSERT_EQ(1, submit(&self->c, &s.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.sqe.state) TH_LOG("res %d", s.sqe.res);
	EXPECT_EQ(2, s.sqe.res);
	CQ_WAIT(&self->c, &cqe, 1000);
	wait_queued(_metadata, self->p.rx);
	EXPECT_EQ(2, recv(self->p.rx, got, sizeof(got), MSG_DONTWAIT));
}

/*
 * Broadcast: 127.255.255.255 is the broadcast address of lo's 127/8.
 * Without SO_BROADCAST the inline attempt fails with EACCES; with it, a
 * receiver with IP_PKTINFO on sees WSAOVL_MSG_BCAST.
 */
TEST_F(udp, broadcast)
{
	struct sockaddr_in any = { .sin_family = AF_INET }, bc;
	struct wsaovl_cqe cqe;
	struct rop r, s;
	socklen_t len = sizeof(any);
	int rx, tx, one = 1;

	if (self->family != AF_INET)
		SKIP(return, "IPv4 only (see broadcast_dual_stack)");
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, bind(rx, (void *)&any, sizeof(any)));
	ASSERT_EQ(0, getsockname(rx, (void *)&any, &len));
	ASSERT_EQ(0, pktinfo_on(rx, AF_INET));
	bc = any;
	bc.sin_addr.s_addr = htonl(0x7fffffff);
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);

	/* The kernel's own verdict first: is this a broadcast here? */
	if (sendto(tx, "b", 1, 0, (void *)&bc, sizeof(bc)) != -1 || errno != EACCES)
		SKIP(return, "127.255.255.255 is not a broadcast route here");

	rop_prep(&s, WSAOVL_OP_SENDTO, tx, 1, 5);
	memcpy(s.data, "bcast", 5);
	rop_dst(&s, &bc, sizeof(bc));
	s.sqe.flags = WSAOVL_SQE_EVENTFD;
	s.sqe.eventfd = self->efd;
	ASSERT_EQ(0, submit(&self->c, &s.sqe, 1));
	expect_failed(_metadata, &self->c, self->efd, &s, EACCES);

	ASSERT_EQ(0, setsockopt(tx, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	rop_prep(&r, WSAOVL_OP_RECVMSG, rx, 2, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	rop_prep(&s, WSAOVL_OP_SENDTO, tx, 3, 5);
	memcpy(s.data, "bcast", 5);
	rop_dst(&s, &bc, sizeof(bc));
	s.sqe.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	ASSERT_EQ(1, submit(&self->c, &s.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.sqe.state) TH_LOG("res %d", s.sqe.res);
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(2, cqe.tag);
	EXPECT_EQ(5, cqe.res);
	EXPECT_EQ(WSAOVL_MSG_BCAST, cqe.flags);
	EXPECT_EQ(WSAOVL_MSG_BCAST, r.st.flags);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	drain(rx, 50);	/* lo may deliver a broadcast twice */

	/* A unicast datagram to the same socket has no flag. */
	rop_prep(&r, WSAOVL_OP_RECVMSG, rx, 4, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	any.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(1, sendto(tx, "u", 1, 0, (void *)&any, sizeof(any)));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(4, cqe.tag);
	EXPECT_EQ(0, cqe.flags);
	close(rx);
	close(tx);
}

/*
 * An IPv6 socket (dual stack) receiving an IPv4 broadcast: IPV6_PKTINFO
 * gives the v4-mapped destination, which is still a broadcast.
 */
TEST_F(udp, broadcast_dual_stack)
{
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in bc = { .sin_family = AF_INET };
	struct wsaovl_cqe cqe;
	socklen_t len = sizeof(any6);
	struct rop r;
	int rx, tx, one = 1, zero = 0;
	char got[8];

	if (self->family != AF_INET6)
		SKIP(return, "IPv6 sockets only");
	rx = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, setsockopt(rx, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)));
	ASSERT_EQ(0, bind(rx, (void *)&any6, sizeof(any6)));
	ASSERT_EQ(0, getsockname(rx, (void *)&any6, &len));
	ASSERT_EQ(0, pktinfo_on(rx, AF_INET6));
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, setsockopt(tx, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)));
	bc.sin_port = any6.sin6_port;
	bc.sin_addr.s_addr = htonl(0x7fffffff);
	if (sendto(tx, "b", 1, 0, (void *)&bc, sizeof(bc)) != 1 || !fd_readable(rx, 500) ||
	    recv(rx, got, sizeof(got), MSG_DONTWAIT) != 1)
		SKIP(return, "no IPv4 broadcast to a dual-stack socket here");
	drain(rx, 50);

	rop_prep(&r, WSAOVL_OP_RECVMSG, rx, 1, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(2, sendto(tx, "b4", 2, 0, (void *)&bc, sizeof(bc)));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(2, cqe.res);
	EXPECT_EQ(WSAOVL_MSG_BCAST, cqe.flags);
	EXPECT_EQ(sizeof(struct sockaddr_in6), cqe.namelen);
	drain(rx, 50);

	/* Unicast over IPv4 to the same socket: no flag. */
	rop_prep(&r, WSAOVL_OP_RECVMSG, rx, 2, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	bc.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(1, sendto(tx, "u", 1, 0, (void *)&bc, sizeof(bc)));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(2, cqe.tag);
	EXPECT_EQ(0, cqe.flags);
	close(rx);
	close(tx);
}

/* Same for IPv4 multicast (the all-hosts group over lo): MCAST. */
TEST_F(udp, multicast_dual_stack)
{
	struct sockaddr_in6 any6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in grp = { .sin_family = AF_INET };
	struct ip_mreqn mr = { .imr_ifindex = if_nametoindex("lo") };
	struct wsaovl_cqe cqe;
	socklen_t len = sizeof(any6);
	struct rop r;
	int rx, tx, zero = 0;
	char got[8];

	if (self->family != AF_INET6)
		SKIP(return, "IPv6 sockets only");
	if (system("ip link set lo multicast on 2>/dev/null"))
		SKIP(return, "cannot set lo multicast");
	rx = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, setsockopt(rx, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)));
	ASSERT_EQ(0, bind(rx, (void *)&any6, sizeof(any6)));
	ASSERT_EQ(0, getsockname(rx, (void *)&any6, &len));
	ASSERT_EQ(0, pktinfo_on(rx, AF_INET6));
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, setsockopt(tx, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)));
	grp.sin_port = any6.sin6_port;
	grp.sin_addr.s_addr = htonl(0xe0000001);
	if (sendto(tx, "m", 1, 0, (void *)&grp, sizeof(grp)) != 1 || !fd_readable(rx, 500) ||
	    recv(rx, got, sizeof(got), MSG_DONTWAIT) != 1)
		SKIP(return, "no IPv4 multicast to a dual-stack socket here");
	drain(rx, 50);

	rop_prep(&r, WSAOVL_OP_RECVMSG, rx, 1, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	ASSERT_EQ(2, sendto(tx, "m4", 2, 0, (void *)&grp, sizeof(grp)));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(2, cqe.res);
	EXPECT_EQ(WSAOVL_MSG_MCAST, cqe.flags);
	EXPECT_EQ(WSAOVL_MSG_MCAST, r.st.flags);
	drain(rx, 50);
	close(rx);
	close(tx);
}

static long long cpu_busy_ticks(void)
{
	long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return -1;
	if (fscanf(f, "cpu %lld %lld %lld %lld %lld %lld %lld", &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6]) != 7)
		v[0] = -1;
	fclose(f);
	/* user + nice + system + irq + softirq */
	return v[0] < 0 ? -1 : v[0] + v[1] + v[2] + v[5] + v[6];
}

/*
 * A socket whose error queue nobody reads polls readable forever while
 * recv() says EAGAIN: a pending receive must neither spin a CPU nor miss
 * the datagram that finally comes.
 */
TEST_F(udp, error_queue_no_spin)
{
	struct sockaddr_storage dead_a, ua;
	socklen_t ulen = sizeof(ua);
	struct pollfd pfd;
	struct wsaovl_cqe cqe;
	long long t0, t1;
	socklen_t dlen;
	struct rop r;
	int u, dead, one = 1;
	uint64_t start;

	dead = bound_socket(self->family, SOCK_DGRAM, &dead_a, &dlen);
	ASSERT_LE(0, dead);
	close(dead);
	u = socket(self->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, u);
	if (self->family == AF_INET) {
		ASSERT_EQ(0, setsockopt(u, IPPROTO_IP, IP_RECVERR, &one, sizeof(one)));
	} else {
		ASSERT_EQ(0, setsockopt(u, IPPROTO_IPV6, IPV6_RECVERR, &one, sizeof(one)));
	}
	ASSERT_EQ(0, connect(u, (void *)&dead_a, dlen));
	ASSERT_EQ(1, send(u, "x", 1, 0));
	msleep(50);

	/* The pending error is reported once, at submit... */
	rop_prep(&r, WSAOVL_OP_RECV, u, 1, 16);
	ASSERT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(-ECONNREFUSED, r.sqe.res);
	/* ... then the next receive waits, with the error queue still full. */
	rop_prep(&r, WSAOVL_OP_RECV, u, 2, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	pfd.fd = u;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_TRUE(pfd.revents & POLLERR);
	t0 = cpu_busy_ticks();
	msleep(3000);
	t1 = cpu_busy_ticks();
	TH_LOG("busy ticks while waiting 3 s: %lld (of %ld per CPU)", t1 - t0,
	       3 * sysconf(_SC_CLK_TCK));
	EXPECT_TRUE(cq_quiet(&self->c, 0));
	/* Under half of one CPU: a spinning retry would take a whole one. */
	EXPECT_LT(t1 - t0, 3 * sysconf(_SC_CLK_TCK) / 2);

	/* The peer comes back: the datagram completes the op promptly. */
	dead = socket(self->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, dead);
	ASSERT_EQ(0, bind(dead, (void *)&dead_a, dlen));
	ASSERT_EQ(0, getsockname(u, (void *)&ua, &ulen));
	start = now_ms();
	ASSERT_EQ(4, sendto(dead, "back", 4, 0, (void *)&ua, ulen));
	CQ_WAIT(&self->c, &cqe, 5000);
	TH_LOG("completed %llu ms after the datagram", (unsigned long long)(now_ms() - start));
	EXPECT_GT(500, now_ms() - start);
	EXPECT_EQ(2, cqe.tag);
	EXPECT_EQ(4, cqe.res);
	close(dead);
	close(u);
}

/*
 * Multicast over lo (all-hosts group, which every interface has joined;
 * lo gets IFF_MULTICAST for the test).  The receiver with pktinfo on sees
 * WSAOVL_MSG_MCAST.  Skipped when the plain socket path does not deliver.
 */
TEST_F(udp, multicast)
{
	struct sockaddr_storage any, grp;
	struct wsaovl_cqe cqe;
	struct rop r, s;
	socklen_t len;
	unsigned int lo = if_nametoindex("lo");
	char got[8];
	int rx, tx;

	if (system("ip link set lo multicast on 2>/dev/null"))
		SKIP(return, "cannot set lo multicast");
	memset(&any, 0, sizeof(any));
	any.ss_family = self->family;
	len = self->family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	rx = socket(self->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, rx);
	ASSERT_EQ(0, bind(rx, (void *)&any, len));
	ASSERT_EQ(0, getsockname(rx, (void *)&any, &len));
	ASSERT_EQ(0, pktinfo_on(rx, self->family));
	grp = any;
	tx = socket(self->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, tx);
	if (self->family == AF_INET) {
		struct ip_mreqn mr = { .imr_ifindex = lo };

		((struct sockaddr_in *)&grp)->sin_addr.s_addr = htonl(0xe0000001);
		ASSERT_EQ(0, setsockopt(tx, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)));
	} else {
		struct ipv6_mreq mr = { .ipv6mr_interface = lo };

		inet_pton(AF_INET6, "ff02::1", &((struct sockaddr_in6 *)&grp)->sin6_addr);
		((struct sockaddr_in6 *)&grp)->sin6_scope_id = lo;
		ASSERT_EQ(0, setsockopt(tx, IPPROTO_IPV6, IPV6_MULTICAST_IF, &lo, sizeof(lo)));
		mr.ipv6mr_multiaddr = ((struct sockaddr_in6 *)&grp)->sin6_addr;
		setsockopt(rx, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mr, sizeof(mr));
	}
	if (sendto(tx, "m", 1, 0, (void *)&grp, len) != 1 || !fd_readable(rx, 500) ||
	    recv(rx, got, sizeof(got), MSG_DONTWAIT) != 1)
		SKIP(return, "multicast over lo does not work here: %s", strerror(errno));
	drain(rx, 50);	/* lo may deliver a multicast twice */

	rop_prep(&r, WSAOVL_OP_RECVMSG, rx, 1, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	rop_prep(&s, WSAOVL_OP_SENDTO, tx, 2, 5);
	memcpy(s.data, "mcast", 5);
	rop_dst(&s, &grp, len);
	s.sqe.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	ASSERT_EQ(1, submit(&self->c, &s.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.sqe.state) TH_LOG("res %d", s.sqe.res);
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ(5, cqe.res);
	EXPECT_EQ(WSAOVL_MSG_MCAST, cqe.flags);
	EXPECT_EQ(WSAOVL_MSG_MCAST, r.st.flags);
	EXPECT_EQ(0, memcmp(r.data, "mcast", 5));
	drain(rx, 50);

	/* Without pktinfo the destination is unknown: no flag. */
	int zero = 0;

	if (self->family == AF_INET)
		setsockopt(rx, IPPROTO_IP, IP_PKTINFO, &zero, sizeof(zero));
	else
		setsockopt(rx, IPPROTO_IPV6, IPV6_RECVPKTINFO, &zero, sizeof(zero));
	rop_prep(&r, WSAOVL_OP_RECVMSG, rx, 3, 16);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(1, sendto(tx, "m", 1, 0, (void *)&grp, len));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(3, cqe.tag);
	EXPECT_EQ(0, cqe.flags);
	close(rx);
	close(tx);
}

TEST_HARNESS_MAIN
