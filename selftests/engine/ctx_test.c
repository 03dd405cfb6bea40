// SPDX-License-Identifier: GPL-2.0
/*
 * The device and its per-open context: QUERY, SETUP, the mapped ring,
 * call-level SUBMIT errors, poll and FLUSH on an idle context.
 */
#include "engine.h"

TEST(device_node)
{
	struct stat st;

	if (stat(DEV_PATH, &st) && errno == ENOENT)
		SKIP(return, DEV_PATH " missing: module not loaded");
	ASSERT_EQ(0, stat(DEV_PATH, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
	ASSERT_EQ(0666, st.st_mode & 07777);
}

TEST(query)
{
	struct wsaovl_query q;
	int fd = dev_open();
	unsigned int i;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, DEV_PATH " missing");
	ASSERT_LE(0, fd);
	memset(&q, POISON8, sizeof(q));
	ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_QUERY, &q));
	EXPECT_EQ(WSAOVL_ABI_VERSION, q.abi_version);
	EXPECT_EQ(WSAOVL_FEATURES, q.features);
	EXPECT_EQ(WSAOVL_MAX_BUFS, q.max_bufs);
	EXPECT_EQ(WSAOVL_RING_MIN, q.ring_min);
	EXPECT_EQ(WSAOVL_RING_MAX, q.ring_max);
	EXPECT_LT(0, q.max_ops);
	EXPECT_NE(POISON32, q.max_ops);
	EXPECT_LT(0, q.max_pinned);
	EXPECT_NE(POISON64, q.max_pinned);
	for (i = 0; i < ARRAY_SIZE(q.reserved); i++) {
		EXPECT_EQ(0, q.reserved[i]);
	}
	TH_LOG("max_ops %u max_pinned %llu", q.max_ops,
	       (unsigned long long)q.max_pinned);

	/* Works before and after SETUP alike. */
	struct wsaovl_setup s = { .entries = 16 };

	ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	memset(&q, POISON8, sizeof(q));
	ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_QUERY, &q));
	EXPECT_EQ(WSAOVL_ABI_VERSION, q.abi_version);

	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_QUERY, NULL));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

TEST(setup_rounding)
{
	static const struct { uint32_t in, out; } cases[] = {
		{ 1, 16 }, { 15, 16 }, { 16, 16 }, { 17, 32 }, { 100, 128 },
		{ 1000, 1024 }, { 1024, 1024 }, { 65535, 65536 }, { 65536, 65536 },
	};
	long page = sysconf(_SC_PAGESIZE);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct wsaovl_setup s;
		struct ctx c;
		int fd = dev_open();

		if (fd < 0 && errno == ENOENT)
			SKIP(return, DEV_PATH " missing");
		ASSERT_LE(0, fd);
		memset(&s, 0, sizeof(s));
		s.entries = cases[i].in;
		s.ring_bytes = POISON64;
		ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_SETUP, &s))
			TH_LOG("entries %u: %s", cases[i].in, strerror(errno));
		EXPECT_EQ(cases[i].out, s.entries) TH_LOG("in %u", cases[i].in);
		EXPECT_LE(sizeof(struct wsaovl_ring) +
			  (size_t)s.entries * sizeof(struct wsaovl_cqe),
			  s.ring_bytes);
		EXPECT_EQ(0, s.ring_bytes % page);
		EXPECT_EQ(0, s.flags);
		close(fd);

		/* And the mapped header agrees. */
		ASSERT_EQ(0, ctx_init(&c, cases[i].in));
		EXPECT_EQ(cases[i].out, c.entries);
		EXPECT_EQ(cases[i].out, c.ring->entries);
		EXPECT_EQ(cases[i].out - 1, c.ring->mask);
		EXPECT_EQ(0, c.ring->head);
		EXPECT_EQ(0, c.ring->tail);
		EXPECT_EQ(0, c.ring->flags);
		EXPECT_EQ(0, c.ring->overflow);
		ctx_fini(&c);
	}
}

TEST(setup_bad)
{
	struct wsaovl_setup s;
	int fd = dev_open();
	unsigned int i;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, DEV_PATH " missing");
	ASSERT_LE(0, fd);

	memset(&s, 0, sizeof(s));
	s.entries = 0;
	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	EXPECT_EQ(EINVAL, errno);

	s.entries = WSAOVL_RING_MAX + 1;
	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	EXPECT_EQ(EINVAL, errno);

	s.entries = 0xffffffffu;
	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	EXPECT_EQ(EINVAL, errno);

	memset(&s, 0, sizeof(s));
	s.entries = 16;
	s.flags = 1;
	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	EXPECT_EQ(EINVAL, errno);
	s.flags = 0x80000000u;
	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	EXPECT_EQ(EINVAL, errno);
	s.flags = 0;

	for (i = 0; i < ARRAY_SIZE(s.reserved); i++) {
		s.reserved[i] = 1;
		ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &s));
		EXPECT_EQ(EINVAL, errno) TH_LOG("reserved[%u]", i);
		s.reserved[i] = 0;
	}

	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, NULL));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, (void *)8));
	EXPECT_EQ(EFAULT, errno);

	/* None of the failures consumed the one SETUP. */
	s.entries = 16;
	ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	EXPECT_EQ(16, s.entries);

	/* A second SETUP is EBUSY, whatever it asks for. */
	memset(&s, 0, sizeof(s));
	s.entries = 64;
	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	EXPECT_EQ(EBUSY, errno);
	s.entries = 16;
	ASSERT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &s));
	EXPECT_EQ(EBUSY, errno);
	close(fd);
}

TEST(mmap_rules)
{
	struct wsaovl_setup s;
	long page = sysconf(_SC_PAGESIZE);
	void *p;
	int fd = dev_open();

	if (fd < 0 && errno == ENOENT)
		SKIP(return, DEV_PATH " missing");
	ASSERT_LE(0, fd);

	/* Nothing to map before SETUP. */
	p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_EQ(MAP_FAILED, p);

	memset(&s, 0, sizeof(s));
	s.entries = 1024;
	ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_SETUP, &s));

	/* Larger than the ring, or at an offset: refused. */
	p = mmap(NULL, s.ring_bytes + page, PROT_READ | PROT_WRITE,
		 MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, s.ring_bytes + page);
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, page);
	EXPECT_EQ(MAP_FAILED, p);
	if (p != MAP_FAILED)
		munmap(p, page);

	/* Two mappings of the same ring see the same memory. */
	struct wsaovl_ring *a, *b;

	a = mmap(NULL, s.ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, a);
	b = mmap(NULL, s.ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, b);
	EXPECT_EQ(1024, a->entries);
	a->head = 0;
	__atomic_store_n(&a->head, 0, __ATOMIC_RELEASE);
	EXPECT_EQ(b->entries, a->entries);
	EXPECT_EQ(b->mask, a->mask);
	munmap(b, s.ring_bytes);

	/* A short mapping of the header alone is fine. */
	b = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, b);
	EXPECT_EQ(1023, b->mask);
	munmap(b, page);

	/* The mapping outlives the fd. */
	close(fd);
	EXPECT_EQ(1024, a->entries);
	munmap(a, s.ring_bytes);
}

TEST(submit_before_setup)
{
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	char data[4] = "abc";
	struct ctx c = { .fd = dev_open() };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (c.fd < 0 && errno == ENOENT)
		SKIP(return, DEV_PATH " missing");
	ASSERT_LE(0, c.fd);
	ASSERT_LE(0, s);
	buf_set(&b, data, 3);
	sqe_prep(&sqe, WSAOVL_OP_RECV, s, &b, 1, 1);
	EXPECT_EQ(-EINVAL, submit(&c, &sqe, 1));

	/* Cancel and flush on a context without a ring: nothing to do. */
	EXPECT_EQ(0, flush(&c));
	close(s);
	close(c.fd);
}

TEST(submit_call_errors)
{
	struct wsaovl_sqe sqe[WSAOVL_MAX_BATCH + 1];
	struct wsaovl_submit sub;
	struct wsaovl_buf b;
	char data[8];
	struct ctx c;
	struct pair p;
	unsigned int i;

	CTX_INIT(&c, 64);
	PAIR_OPEN(&p, AF_INET, SOCK_DGRAM);
	buf_set(&b, data, sizeof(data));
	for (i = 0; i < ARRAY_SIZE(sqe); i++)
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, p.rx, &b, 1, i);

	EXPECT_EQ(-EINVAL, submit(&c, sqe, 0));
	EXPECT_EQ(-EINVAL, submit(&c, sqe, WSAOVL_MAX_BATCH + 1));
	EXPECT_EQ(-EINVAL, submit(&c, sqe, 0xffffffffu));
	/* No sqe was looked at. */
	EXPECT_EQ(POISON32, sqe[0].state);

	memset(&sub, 0, sizeof(sub));
	sub.sqes = (uintptr_t)sqe;
	sub.nr = 1;
	sub.flags = 1;
	EXPECT_EQ(-1, ioctl(c.fd, WSAOVL_IOC_SUBMIT, &sub));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(POISON32, sqe[0].state);

	sub.flags = 0;
	sub.sqes = 0;
	EXPECT_EQ(-1, ioctl(c.fd, WSAOVL_IOC_SUBMIT, &sub));
	EXPECT_EQ(EFAULT, errno);
	sub.sqes = 0xffff888000000000ull;	/* kernel half */
	EXPECT_EQ(-1, ioctl(c.fd, WSAOVL_IOC_SUBMIT, &sub));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(c.fd, WSAOVL_IOC_SUBMIT, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Unknown ioctl. */
	EXPECT_EQ(-1, ioctl(c.fd, _IO(WSAOVL_IOC_MAGIC, 99)));
	EXPECT_EQ(ENOTTY, errno);

	/* None of the above queued anything. */
	EXPECT_TRUE(cq_quiet(&c, 50));
	EXPECT_EQ(0, cancel(&c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	pair_close(&p);
	ctx_fini(&c);
}

TEST(idle_poll_flush)
{
	struct pollfd pfd;
	struct ctx c;

	CTX_INIT(&c, 16);
	pfd.fd = c.fd;
	pfd.events = POLLIN | POLLOUT;
	pfd.revents = 0;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0, flush(&c));
	EXPECT_EQ(0, cancel(&c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	EXPECT_EQ(0, c.ring->flags);
	ctx_fini(&c);
}

/* Each open is its own context: completions never cross. */
TEST(contexts_are_separate)
{
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char data[16];
	struct ctx c1, c2;
	struct pair p;

	CTX_INIT(&c1, 16);
	CTX_INIT(&c2, 16);
	PAIR_OPEN(&p, AF_INET, SOCK_DGRAM);
	buf_set(&b, data, sizeof(data));
	sqe_prep(&sqe, WSAOVL_OP_RECV, p.rx, &b, 1, 77);
	ASSERT_EQ(1, submit(&c1, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	/* Cancelling everything in the other context leaves it alone. */
	EXPECT_EQ(0, cancel(&c2, WSAOVL_CANCEL_ALL, 0, 0, 0));
	EXPECT_EQ(0, cancel(&c2, WSAOVL_CANCEL_FD, p.rx, 0, 0));
	ASSERT_EQ(5, send(p.tx, "hello", 5, 0));
	CQ_WAIT(&c1, &cqe, 5000);
	EXPECT_EQ(77, cqe.tag);
	EXPECT_EQ(5, cqe.res);
	EXPECT_TRUE(cq_quiet(&c2, 100));
	EXPECT_EQ(0, c2.ring->tail);
	pair_close(&p);
	ctx_fini(&c1);
	ctx_fini(&c2);
}

TEST_HARNESS_MAIN
