// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetimes: closing the device with thousands of ops pending (they are
 * cancelled: status blocks say CANCELLED, eventfds fire, the sockets are
 * released and usable); closing a socket's fd while its ops wait (they
 * stay pending and cancel cleanly; the module's socket reference goes with
 * them); unmapping buffers and status blocks of pending ops; kill -9 of a
 * process with ops pending leaves no open context behind (module refcnt);
 * fork; and an unprivileged user (uid 65534) on its own sockets.
 */
#include <grp.h>
#include "engine.h"
#include "events.h"

static int module_refcnt(void)
{
	FILE *f = fopen("/sys/module/wsaovl/refcnt", "r");
	int n = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/* Wait until the module's refcount drops back to want (release is async). */
static int refcnt_settles(int want, int ms)
{
	uint64_t end = now_ms() + ms;
	int n;

	while ((n = module_refcnt()) != want && now_ms() < end)
		msleep(10);
	return n;
}

/* Only for the timeout: these tests build their own contexts. */
FIXTURE(life) {
	int unused;
};

FIXTURE_SETUP(life)
{
}

FIXTURE_TEARDOWN(life)
{
}

static uint64_t efd_take(int efd)
{
	uint64_t v = 0;

	if (read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/*
 * Close the device with 4000 receives pending on 20 UDP sockets, plus
 * pending TCP sends with pinned buffers: everything is cancelled through
 * the normal path, and the sockets are free for plain use afterwards.
 */
TEST_F_TIMEOUT(life, close_device_with_pending, 120)
{
	enum { NS = 20, PER = 200, N = NS * PER };
	struct wsaovl_sqe *sqe = calloc(N, sizeof(*sqe));
	struct wsaovl_status *st = calloc(N + 4, sizeof(*st));
	struct wsaovl_buf *b = calloc(N, sizeof(*b));
	char *buf = calloc(N, 8);
	struct pair u[NS], t;
	struct wsaovl_sqe ssqe[4];
	struct wsaovl_buf sb[4];
	char *big = malloc(4 << 20);
	struct ctx c;
	int efd, base, i, v = 4096;

	ASSERT_NE(NULL, big);
	base = module_refcnt();
	CTX_INIT(&c, 16);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	for (i = 0; i < NS; i++)
		PAIR_OPEN(&u[i], AF_INET, SOCK_DGRAM);
	for (i = 0; i < N; i++) {
		st[i].status = WSAOVL_STATUS_PENDING;
		buf_set(&b[i], buf + 8 * i, 8);
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, u[i % NS].rx, &b[i], 1, i);
		sqe[i].status = (uintptr_t)&st[i];
		sqe[i].flags = WSAOVL_SQE_EVENTFD;
		sqe[i].eventfd = efd;
	}
	ASSERT_EQ(N, submit_all(&c, sqe, N));

	PAIR_OPEN(&t, AF_INET, SOCK_STREAM);
	setsockopt(t.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(t.rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	for (i = 0; i < 4; i++) {
		st[N + i].status = WSAOVL_STATUS_PENDING;
		buf_set(&sb[i], big + i * (1 << 20), 1 << 20);
		sqe_prep(&ssqe[i], WSAOVL_OP_SEND, t.tx, &sb[i], 1, N + i);
		ssqe[i].status = (uintptr_t)&st[N + i];
	}
	ASSERT_EQ(4, submit(&c, ssqe, 4));
	EXPECT_EQ(WSAOVL_STATE_PENDING, ssqe[3].state);
	if (base >= 0)
		EXPECT_EQ(base + 1, module_refcnt());

	/* munmap + close: the last reference to the context. */
	ctx_fini(&c);

	/* Release ran in close(): every op completed, cancelled. */
	for (i = 0; i < N; i++) {
		ASSERT_EQ(ST_CANCELLED, st[i].status) TH_LOG("op %d", i);
	}
	for (i = 1; i < 4; i++) {
		EXPECT_EQ(ST_CANCELLED, st[N + i].status);
	}
	EXPECT_EQ(N, efd_take(efd));
	if (base >= 0)
		EXPECT_EQ(base, refcnt_settles(base, 5000));

	/* The sockets are plain sockets again: nothing steals their data. */
	for (i = 0; i < NS; i++) {
		char got[8];

		ASSERT_EQ(3, send(u[i].tx, "abc", 3, 0));
		ASSERT_TRUE(fd_readable(u[i].rx, 5000));
		ASSERT_EQ(3, recv(u[i].rx, got, sizeof(got), MSG_DONTWAIT));
		pair_close(&u[i]);
	}
	/* And a new context works. */
	CTX_INIT(&c, 16);
	ctx_fini(&c);
	pair_close(&t);
	close(efd);
	free(sqe);
	free(st);
	free(b);
	free(buf);
	free(big);
}

/* 10,000 pending on a single socket: close is quick and complete. */
TEST_F_TIMEOUT(life, close_device_10000_one_socket, 120)
{
	enum { N = 10000 };
	struct wsaovl_sqe *sqe = calloc(N, sizeof(*sqe));
	struct wsaovl_buf b;
	char buf[8];
	struct pair u;
	struct ctx c;
	uint64_t t0;
	int i;

	CTX_INIT(&c, 16);
	PAIR_OPEN(&u, AF_INET, SOCK_DGRAM);
	buf_set(&b, buf, sizeof(buf));
	for (i = 0; i < N; i++)
		sqe_prep(&sqe[i], WSAOVL_OP_RECV, u.rx, &b, 1, i);
	ASSERT_EQ(N, submit_all(&c, sqe, N));
	t0 = now_ms();
	ctx_fini(&c);
	TH_LOG("close with %d pending took %llu ms", N,
	       (unsigned long long)(now_ms() - t0));
	ASSERT_EQ(3, send(u.tx, "abc", 3, 0));
	ASSERT_TRUE(fd_readable(u.rx, 5000));
	pair_close(&u);
	free(sqe);
}

/*
 * Close a socket's fd while its receive waits: the op stays pending (the
 * module holds the socket), a new socket reusing the fd number is not it,
 * CANCEL by TAG completes it once, and then the socket is really released
 * (the TCP peer sees EOF).
 */
TEST_F_TIMEOUT(life, close_socket_pending, 120)
{
	struct wsaovl_status st = { .status = WSAOVL_STATUS_PENDING };
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	struct pair t;
	char buf[16];
	struct ctx c;
	int fd, nfd;

	CTX_INIT(&c, 16);
	PAIR_OPEN(&t, AF_INET, SOCK_STREAM);
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, t.rx, &b, 1, 5);
	sqe.status = (uintptr_t)&st;
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	fd = t.rx;
	close(t.rx);
	t.rx = -1;
	EXPECT_TRUE(cq_quiet(&c, 200));
	EXPECT_EQ(WSAOVL_STATUS_PENDING, st.status);
	/* The peer is still connected: the socket lives on in the module. */
	EXPECT_FALSE(fd_readable(t.tx, 0));

	/* The fd number now names another socket, with nothing pending. */
	nfd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, nfd);
	if (nfd != fd) {
		ASSERT_EQ(fd, dup2(nfd, fd));
		close(nfd);
		nfd = fd;
	}
	EXPECT_EQ(0, cancel(&c, WSAOVL_CANCEL_FD, nfd, 0, 0));
	close(nfd);
	EXPECT_EQ(-EBADF, cancel(&c, WSAOVL_CANCEL_FD, fd, 0, 0));

	EXPECT_EQ(1, cancel(&c, WSAOVL_CANCEL_TAG, 0, 5, 0));
	CQ_WAIT(&c, &cqe, 1000);
	EXPECT_EQ(5, cqe.tag);
	EXPECT_EQ(-ECANCELED, cqe.res);
	EXPECT_EQ(ST_CANCELLED, st.status);
	EXPECT_TRUE(cq_quiet(&c, 50));

	/* The module let go: the accepted socket closes, the peer sees EOF. */
	ASSERT_TRUE(fd_readable(t.tx, 5000));
	EXPECT_EQ(0, recv(t.tx, buf, sizeof(buf), MSG_DONTWAIT));
	pair_close(&t);
	ctx_fini(&c);
}

/* Same, but CANCEL ALL, and with sends; then the device closes cleanly. */
TEST_F_TIMEOUT(life, close_socket_then_device, 120)
{
	struct wsaovl_status st[3];
	struct wsaovl_sqe sqe[3];
	struct wsaovl_buf b[3];
	char *big = malloc(1 << 20), buf[16];
	struct wsaovl_cqe cqe[3];
	struct pair t, u;
	struct ctx c;
	int i, v = 4096;

	ASSERT_NE(NULL, big);
	CTX_INIT(&c, 16);
	PAIR_OPEN(&t, AF_INET6, SOCK_STREAM);
	PAIR_OPEN(&u, AF_INET6, SOCK_DGRAM);
	setsockopt(t.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(t.rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	for (i = 0; i < 3; i++)
		st[i].status = WSAOVL_STATUS_PENDING;
	buf_set(&b[0], big, 1 << 20);
	sqe_prep(&sqe[0], WSAOVL_OP_SEND, t.tx, &b[0], 1, 0);
	buf_set(&b[1], buf, sizeof(buf));
	sqe_prep(&sqe[1], WSAOVL_OP_RECV, t.tx, &b[1], 1, 1);
	buf_set(&b[2], buf, sizeof(buf));
	sqe_prep(&sqe[2], WSAOVL_OP_RECVFROM, u.rx, &b[2], 1, 2);
	for (i = 0; i < 3; i++)
		sqe[i].status = (uintptr_t)&st[i];
	ASSERT_EQ(3, submit(&c, sqe, 3));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(WSAOVL_STATE_PENDING, sqe[i].state);
	}
	close(t.tx);
	close(u.rx);
	t.tx = u.rx = -1;
	EXPECT_TRUE(cq_quiet(&c, 100));

	/* Cancel two of three through ALL... */
	EXPECT_EQ(3, cancel(&c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	ASSERT_EQ(3, cq_wait_n(&c, cqe, 3, 1000));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(-ECANCELED, cqe[i].res);
	}
	/* ... and the sender side's peer sees the socket go. */
	ASSERT_TRUE(fd_readable(t.rx, 5000));
	drain(t.rx, 50);
	pair_close(&t);
	pair_close(&u);
	ctx_fini(&c);
	free(big);
}

/* A socket closed in userspace, then the device: the op is cancelled. */
TEST_F_TIMEOUT(life, close_socket_then_close_device, 120)
{
	struct wsaovl_status st = { .status = WSAOVL_STATUS_PENDING };
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	char buf[16];
	struct pair t;
	struct ctx c;

	CTX_INIT(&c, 16);
	PAIR_OPEN(&t, AF_INET, SOCK_STREAM);
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, t.rx, &b, 1, 1);
	sqe.status = (uintptr_t)&st;
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	close(t.rx);
	t.rx = -1;
	ctx_fini(&c);
	EXPECT_EQ(ST_CANCELLED, st.status);
	ASSERT_TRUE(fd_readable(t.tx, 5000));
	EXPECT_EQ(0, recv(t.tx, buf, sizeof(buf), MSG_DONTWAIT));
	pair_close(&t);
}

/*
 * A pending op's buffers are the caller's memory at their addresses until
 * it completes.  Unmapped meanwhile: the worker that the datagram wakes
 * (nobody of the owner is in the module) completes the op with EFAULT,
 * as the owner's own copy would, and the datagram stays queued.  Made
 * read-only: the same for a receive.  Mapped anew at the same address:
 * the op fills the new mapping.  Never a crash, never a write anywhere
 * else.
 */
TEST_F_TIMEOUT(life, unmap_pending_buffers, 120)
{
	long page = sysconf(_SC_PAGESIZE);
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	struct pair u;
	struct ctx c;
	char *m;

	CTX_INIT(&c, 16);
	PAIR_OPEN(&u, AF_INET, SOCK_DGRAM);
	m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	((struct wsaovl_status *)(m + page))->status = WSAOVL_STATUS_PENDING;
	buf_set(&b, m, 100);
	sqe_prep(&sqe, WSAOVL_OP_RECV, u.rx, &b, 1, 9);
	sqe.status = (uintptr_t)(m + page);
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	ASSERT_EQ(0, munmap(m, 2 * page));
	ASSERT_EQ(5, send(u.tx, "fresh", 5, 0));
	CQ_WAIT(&c, &cqe, 2000);		/* poll(): not a runner */
	EXPECT_EQ(9, cqe.tag);
	EXPECT_EQ(-EFAULT, cqe.res);
	EXPECT_EQ(5, pending_bytes(u.rx));	/* not taken */

	/* Read-only since submit: a receive cannot land there. */
	m = mmap(m, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	EXPECT_EQ(5, recv(u.rx, m, 100, 0));	/* "fresh" */
	((struct wsaovl_status *)(m + page))->status = WSAOVL_STATUS_PENDING;
	sqe_prep(&sqe, WSAOVL_OP_RECV, u.rx, &b, 1, 8);
	sqe.status = (uintptr_t)(m + page);
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	ASSERT_EQ(0, mprotect(m, page, PROT_READ));
	ASSERT_EQ(4, send(u.tx, "kept", 4, 0));
	CQ_WAIT(&c, &cqe, 2000);
	EXPECT_EQ(8, cqe.tag);
	EXPECT_EQ(-EFAULT, cqe.res);
	EXPECT_EQ(4, pending_bytes(u.rx));
	EXPECT_NE('k', m[0]);
	/* The status block, still writable, says so. */
	EXPECT_EQ(WSAOVL_STATUS_ACCESS_VIOLATION,
		  ((struct wsaovl_status *)(m + page))->status);
	EXPECT_EQ(4, recv(u.rx, m + page, 100, 0));
	ASSERT_EQ(0, munmap(m, 2 * page));

	/* Mapped again at the address: the next op fills the new pages. */
	m = mmap(m, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	((struct wsaovl_status *)(m + page))->status = WSAOVL_STATUS_PENDING;
	sqe_prep(&sqe, WSAOVL_OP_RECV, u.rx, &b, 1, 10);
	sqe.status = (uintptr_t)(m + page);
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	ASSERT_EQ(0, munmap(m, 2 * page));
	m = mmap(m, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	ASSERT_EQ(5, send(u.tx, "again", 5, 0));
	CQ_WAIT(&c, &cqe, 5000);
	EXPECT_EQ(10, cqe.tag);
	EXPECT_EQ(5, cqe.res);
	EXPECT_EQ(0, memcmp(m, "again", 5));
	EXPECT_EQ(0, ((struct wsaovl_status *)(m + page))->status);
	EXPECT_EQ(5, ((struct wsaovl_status *)(m + page))->information);
	munmap(m, 2 * page);
	pair_close(&u);
	ctx_fini(&c);
}

/* The eventfd's fd closed while its op waits: the op keeps the eventfd. */
TEST_F_TIMEOUT(life, close_eventfd_pending, 120)
{
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char buf[8];
	struct pair u;
	struct ctx c;
	int efd;

	CTX_INIT(&c, 16);
	PAIR_OPEN(&u, AF_INET, SOCK_DGRAM);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, u.rx, &b, 1, 1);
	sqe.flags = WSAOVL_SQE_EVENTFD;
	sqe.eventfd = efd;
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	close(efd);
	ASSERT_EQ(1, send(u.tx, "e", 1, 0));
	CQ_WAIT(&c, &cqe, 5000);
	EXPECT_EQ(1, cqe.res);
	pair_close(&u);
	ctx_fini(&c);
}

/* A forked child that closes the fd and exits leaves the owner's ops alone. */
TEST_F_TIMEOUT(life, fork_shares_context, 120)
{
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char buf[8];
	struct pair u;
	struct ctx c;
	pid_t pid;
	int status;

	CTX_INIT(&c, 16);
	PAIR_OPEN(&u, AF_INET, SOCK_DGRAM);
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, u.rx, &b, 1, 1);
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(c.fd);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_EQ(1, send(u.tx, "f", 1, 0));
	CQ_WAIT(&c, &cqe, 5000);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ('f', buf[0]);
	pair_close(&u);
	ctx_fini(&c);
}

/*
 * kill -9 a process with pending receives, pending sends (pinned pages),
 * eventfds and status blocks: the context goes away with it (module refcnt
 * back where it was), its TCP socket is released (our peer sees EOF), and
 * a new context works.  Several times over.
 */
TEST_F_TIMEOUT(life, kill9_with_pending, 120)
{
	int base = module_refcnt(), round;

	if (base < 0)
		SKIP(return, "no /sys/module/wsaovl/refcnt");
	for (round = 0; round < 4; round++) {
		struct sockaddr_storage la;
		socklen_t alen = 0;
		int l, a, pfd[2], status;
		char c;
		pid_t pid;

		l = bound_socket(AF_INET, SOCK_STREAM, &la, &alen);
		ASSERT_LE(0, l);
		ASSERT_EQ(0, listen(l, 1));
		ASSERT_EQ(0, pipe(pfd));
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			enum { N = 2000 };
			static struct wsaovl_sqe sqe[N];
			static struct wsaovl_status st[N];
			static char buf[N][8];
			struct wsaovl_buf b[N], sb;
			struct ctx cc;
			struct pair u;
			char *big = malloc(8 << 20);
			int t, v = 4096, i, efd = eventfd(0, 0);

			if (ctx_init(&cc, 16) || pair_open(&u, AF_INET, SOCK_DGRAM) || !big)
				_exit(1);
			for (i = 0; i < N; i++) {
				buf_set(&b[i], buf[i], 8);
				sqe_prep(&sqe[i], WSAOVL_OP_RECVFROM, u.rx, &b[i], 1, i);
				sqe[i].status = (uintptr_t)&st[i];
				sqe[i].flags = WSAOVL_SQE_EVENTFD;
				sqe[i].eventfd = efd;
			}
			if (submit_all(&cc, sqe, N) != N)
				_exit(2);
			t = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			setsockopt(t, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
			if (connect(t, (void *)&la, alen))
				_exit(3);
			buf_set(&sb, big, 8 << 20);
			sqe_prep(&sqe[0], WSAOVL_OP_SEND, t, &sb, 1, 0);
			if (submit(&cc, sqe, 1) != 1 || sqe[0].state != WSAOVL_STATE_PENDING)
				_exit(4);
			sqe_prep(&sqe[0], WSAOVL_OP_RECV, t, &b[0], 1, 0);
			if (submit(&cc, sqe, 1) != 1)
				_exit(5);
			close(t);	/* the module holds it now */
			if (write(pfd[1], "r", 1) != 1)
				_exit(6);
			for (;;)
				pause();
		}
		close(pfd[1]);
		if (read(pfd[0], &c, 1) != 1) {
			waitpid(pid, &status, 0);
			ASSERT_TRUE(0) TH_LOG("child failed early: status %#x", status);
		}
		close(pfd[0]);
		a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		ASSERT_LE(0, a);
		EXPECT_EQ(base + 1, module_refcnt());
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status));
		EXPECT_EQ(base, refcnt_settles(base, 5000));
		/* The child's TCP socket is gone: EOF after what it had sent. */
		drain(a, 0);
		ASSERT_TRUE(fd_readable(a, 5000));
		drain(a, 200);
		{
			char x;

			EXPECT_EQ(0, recv(a, &x, 1, MSG_DONTWAIT));
		}
		close(a);
		close(l);
	}
	/* A fresh context after all that. */
	{
		struct wsaovl_sqe sqe;
		struct wsaovl_buf b;
		struct wsaovl_cqe cqe;
		struct pair u;
		struct ctx c;
		char buf[4];

		CTX_INIT(&c, 16);
		PAIR_OPEN(&u, AF_INET, SOCK_DGRAM);
		buf_set(&b, buf, 4);
		sqe_prep(&sqe, WSAOVL_OP_RECV, u.rx, &b, 1, 1);
		ASSERT_EQ(1, submit(&c, &sqe, 1));
		ASSERT_EQ(2, send(u.tx, "ok", 2, 0));
		CQ_WAIT(&c, &cqe, 5000);
		EXPECT_EQ(2, cqe.res);
		pair_close(&u);
		ctx_fini(&c);
	}
}

/* Exit codes of the unprivileged child: 0 = all good, else the step. */
static int unpriv_body(void)
{
	struct wsaovl_status st = { .status = WSAOVL_STATUS_PENDING };
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	struct pair u, t;
	struct ctx c;
	char buf[16];

	if (getuid() != 65534 || geteuid() != 65534)
		return 10;
	if (ctx_init(&c, 64))
		return 11;
	if (pair_open(&u, AF_INET6, SOCK_DGRAM) && pair_open(&u, AF_INET, SOCK_DGRAM))
		return 12;
	if (pair_open(&t, AF_INET, SOCK_STREAM))
		return 13;

	/* Pending receive with status block, then an inline send. */
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECVFROM, u.rx, &b, 1, 1);
	sqe.status = (uintptr_t)&st;
	if (submit(&c, &sqe, 1) != 1 || sqe.state != WSAOVL_STATE_PENDING)
		return 14;
	buf_set(&b, "unpriv", 6);
	sqe_prep(&sqe, WSAOVL_OP_SEND, u.tx, &b, 1, 2);
	if (submit(&c, &sqe, 1) != 1 || sqe.state != WSAOVL_STATE_DONE || sqe.res != 6)
		return 15;
	if (cq_wait_n(&c, (struct wsaovl_cqe[2]){}, 2, 5000) != 2)
		return 16;
	if (st.status != WSAOVL_STATUS_SUCCESS || st.information != 6 ||
	    memcmp(buf, "unpriv", 6))
		return 17;

	/* TCP pending receive, cancelled by fd. */
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, t.rx, &b, 1, 3);
	if (submit(&c, &sqe, 1) != 1 || sqe.state != WSAOVL_STATE_PENDING)
		return 18;
	if (cancel(&c, WSAOVL_CANCEL_FD, t.rx, 0, 0) != 1)
		return 19;
	if (cq_wait(&c, &cqe, 1000) != 1 || cqe.res != -ECANCELED)
		return 20;

	/* And one left pending for close to clean up. */
	sqe_prep(&sqe, WSAOVL_OP_RECV, t.rx, &b, 1, 4);
	if (submit(&c, &sqe, 1) != 1)
		return 21;
	pair_close(&u);
	pair_close(&t);
	ctx_fini(&c);
	return 0;
}

TEST_F_TIMEOUT(life, unprivileged_user, 120)
{
	int status;
	pid_t pid;

	if (getuid() != 0)
		SKIP(return, "needs root to become uid 65534");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(9);
		_exit(unpriv_body());
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status)) TH_LOG("unprivileged child failed at step %d",
						WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
