// SPDX-License-Identifier: GPL-2.0
/*
 * Ownership of a socket direction, and of a context.
 *
 * An op owns its socket+direction queue from its first attempt, inline
 * ones included: two threads' stream sends never interleave, and a
 * WAITALL receive is never split by another receive.  A context belongs
 * to the process that opened it: a forked child gets EPERM and no ring
 * mapping, and the owner's exit releases its ops and sockets even while
 * a child still holds the device fd.
 */
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "engine.h"

FIXTURE(owner) {
	int unused;
};

FIXTURE_SETUP(owner)
{
}

FIXTURE_TEARDOWN(owner)
{
}


/* ---- two threads, one TCP socket ---------------------------------- */

struct racer {
	struct ctx *c;
	int fd;
	pthread_barrier_t *go;
	int op;			/* WSAOVL_OP_SEND or _RECV */
	char *buf;
	uint32_t len;
	uint32_t msg_flags;
	int rounds;
	int res;		/* 0, or why the thread stopped */
};

/* Each round: meet at the barrier, submit one op, meet again when done. */
static void *racer_main(void *arg)
{
	struct racer *r = arg;
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	int i, ret;

	buf_set(&b, r->buf, r->len);
	for (i = 0; i < r->rounds; i++) {
		pthread_barrier_wait(r->go);
		sqe_prep(&sqe, r->op, r->fd, &b, 1, r->len);
		sqe.msg_flags = r->msg_flags;
		ret = submit(r->c, &sqe, 1);
		if (ret != 1 || sqe.state == WSAOVL_STATE_FAILED)
			r->res = ret < 0 ? ret : sqe.res ? sqe.res : -EIO;
		pthread_barrier_wait(r->go);	/* submitted */
		pthread_barrier_wait(r->go);	/* the round was checked */
		if (r->res)
			return NULL;
	}
	return NULL;
}

/* Wait for n cqes; each must be complete (res == the tag, its length). */
static int reap(struct ctx *c, int n, int ms)
{
	struct wsaovl_cqe cqe;
	int i;

	for (i = 0; i < n; i++) {
		if (cq_wait(c, &cqe, ms) != 1)
			return -ETIMEDOUT;
		if (cqe.res != (int)cqe.tag)
			return cqe.res < 0 ? cqe.res : -EIO;
	}
	return 0;
}

enum { BIG = 256 << 10, SMALL = 16 };

/*
 * Thread A sends 256 KiB of 'A' (most of it goes pending behind a small
 * send buffer), thread B 16 bytes of 'B', at the same instant, 1000 times.
 * Each round's bytes must be one send after the other, never B inside A.
 */
TEST_F_TIMEOUT(owner, stream_sends_never_interleave, 900)
{
	static char big[BIG], small[SMALL], got[BIG + SMALL];
	int rounds = 1000, i, k, v = 32 << 10, first_b = 0;
	pthread_barrier_t go;
	struct racer a, b;
	pthread_t ta, tb;
	struct pair t;
	struct ctx c;

	CTX_INIT(&c, 64);
	PAIR_OPEN(&t, AF_INET, SOCK_STREAM);
	setsockopt(t.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(t.rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	memset(big, 'A', sizeof(big));
	memset(small, 'B', sizeof(small));
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 3));
	a = (struct racer){ .c = &c, .fd = t.tx, .go = &go, .op = WSAOVL_OP_SEND,
			    .buf = big, .len = BIG, .rounds = rounds };
	b = a;
	b.buf = small;
	b.len = SMALL;
	ASSERT_EQ(0, pthread_create(&ta, NULL, racer_main, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, racer_main, &b));

	for (i = 0; i < rounds; i++) {
		pthread_barrier_wait(&go);
		pthread_barrier_wait(&go);
		if (a.res || b.res) {
			pthread_barrier_wait(&go);
			break;
		}
		ASSERT_EQ((ssize_t)sizeof(got), read_full(t.rx, got, sizeof(got)));
		ASSERT_EQ(0, reap(&c, 2, 10000));
		/* 'B' x16 at the start or at the end, 'A' everywhere else. */
		k = got[0] == 'B' ? 0 : BIG;
		first_b += !k;
		ASSERT_EQ(0, memcmp(got + k, small, SMALL))
			TH_LOG("round %d: the 16-byte send was torn into the big one", i);
		ASSERT_EQ(0, memcmp(got + (k ? 0 : SMALL), big, BIG))
			TH_LOG("round %d: the big send's bytes are not contiguous", i);
		pthread_barrier_wait(&go);
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	EXPECT_EQ(0, a.res);
	EXPECT_EQ(0, b.res);
	TH_LOG("%d of %d rounds had the small send first", first_b, rounds);
	/* Otherwise the race this is about never happened. */
	EXPECT_LT(first_b, rounds);
	pthread_barrier_destroy(&go);
	pair_close(&t);
	ctx_fini(&c);
}

/* Byte i of the stream: no period a misplaced chunk could hide in. */
static unsigned char stream_byte(uint32_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

struct feeder {
	int fd;
	uint32_t len;
};

static void *feeder_main(void *arg)
{
	struct feeder *f = arg;
	char chunk[1024];
	uint32_t off = 0, i, n;

	while (off < f->len) {
		n = f->len - off < sizeof(chunk) ? f->len - off : sizeof(chunk);
		for (i = 0; i < n; i++)
			chunk[i] = stream_byte(off + i);
		if (write(f->fd, chunk, n) != (ssize_t)n)
			return NULL;
		off += n;
		usleep(20);	/* arrive in pieces, during the receivers' tries */
	}
	return NULL;
}

/*
 * A 64 KiB MSG_WAITALL receive and a 16-byte receive, submitted at the
 * same instant while the peer streams 64 KiB + 16 bytes in 1 KiB writes:
 * each must get one contiguous range, the first submitted the first bytes.
 */
TEST_F_TIMEOUT(owner, waitall_recv_never_split, 900)
{
	enum { W = 64 << 10, S = 16 };
	static char wbuf[W], sbuf[S];
	int rounds = 200, i;
	uint32_t base = 0, k;
	pthread_barrier_t go;
	struct racer a, b;
	pthread_t ta, tb, tf;
	struct feeder f;
	struct pair t;
	struct ctx c;

	CTX_INIT(&c, 64);
	PAIR_OPEN(&t, AF_INET, SOCK_STREAM);
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 3));
	a = (struct racer){ .c = &c, .fd = t.rx, .go = &go, .op = WSAOVL_OP_RECV,
			    .buf = wbuf, .len = W, .msg_flags = WSAOVL_MSG_WAITALL,
			    .rounds = rounds };
	b = a;
	b.buf = sbuf;
	b.len = S;
	b.msg_flags = 0;
	ASSERT_EQ(0, pthread_create(&ta, NULL, racer_main, &a));
	ASSERT_EQ(0, pthread_create(&tb, NULL, racer_main, &b));

	for (i = 0; i < rounds; i++) {
		bool s_first;

		/* The stream of this round restarts the pattern at 0. */
		f = (struct feeder){ .fd = t.tx, .len = W + S };
		ASSERT_EQ(0, pthread_create(&tf, NULL, feeder_main, &f));
		pthread_barrier_wait(&go);
		pthread_barrier_wait(&go);
		pthread_join(tf, NULL);
		if (a.res || b.res) {
			pthread_barrier_wait(&go);
			break;
		}
		ASSERT_EQ(0, reap(&c, 2, 10000));
		/* The small receive took bytes 0..15, or the last 16. */
		s_first = true;
		for (k = 0; k < S; k++)
			if ((unsigned char)sbuf[k] != stream_byte(k))
				s_first = false;
		base = s_first ? S : 0;
		for (k = 0; k < W; k++)
			if ((unsigned char)wbuf[k] != stream_byte(base + k))
				break;
		ASSERT_EQ(W, k) TH_LOG("round %d: WAITALL data broken at %u (small first: %d)",
				       i, k, s_first);
		if (!s_first) {
			for (k = 0; k < S; k++)
				ASSERT_EQ(stream_byte(W + k), (unsigned char)sbuf[k])
					TH_LOG("round %d: small receive took bytes from the middle", i);
		}
		pthread_barrier_wait(&go);
	}
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	EXPECT_EQ(0, a.res);
	EXPECT_EQ(0, b.res);
	pthread_barrier_destroy(&go);
	pair_close(&t);
	ctx_fini(&c);
}

/* ---- the context belongs to the process that opened it ------------ */

/* In a forked child: every use of the parent's context is EPERM. */
static int child_uses_parent_ctx(struct ctx *c, int sock)
{
	struct wsaovl_setup st = { .entries = 16 };
	struct wsaovl_query q;
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	unsigned char vec;
	char byte;
	void *p;

	if (ioctl(c->fd, WSAOVL_IOC_QUERY, &q) || q.abi_version != WSAOVL_ABI_VERSION)
		return 10;	/* QUERY is harmless and allowed */
	buf_set(&b, &byte, 1);
	sqe_prep(&sqe, WSAOVL_OP_SEND, sock, &b, 1, 1);
	if (submit(c, &sqe, 1) != -EPERM)
		return 11;
	if (cancel(c, WSAOVL_CANCEL_ALL, 0, 0, 0) != -EPERM)
		return 12;
	if (flush(c) != -EPERM)
		return 13;
	if (ioctl(c->fd, WSAOVL_IOC_SETUP, &st) != -1 || errno != EPERM)
		return 14;
	p = mmap(NULL, c->ring_bytes, PROT_READ, MAP_SHARED, c->fd, 0);
	if (p != MAP_FAILED || errno != EPERM)
		return 15;
	/* The parent's ring mapping was not inherited. */
	if (mincore(c->ring, 4096, &vec) != -1 || errno != ENOMEM)
		return 16;
	return 0;
}

TEST_F_TIMEOUT(owner, fork_child_gets_eperm, 120)
{
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char buf[8];
	struct pair u;
	struct ctx c;
	int status;
	pid_t pid;

	CTX_INIT(&c, 16);
	PAIR_OPEN(&u, AF_INET, SOCK_DGRAM);
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, u.rx, &b, 1, 7);
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(child_uses_parent_ctx(&c, u.tx));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("child step %d", WEXITSTATUS(status));
	/* The parent's op is untouched by all that, and by the child's exit. */
	ASSERT_EQ(1, send(u.tx, "p", 1, 0));
	CQ_WAIT(&c, &cqe, 5000);
	EXPECT_EQ(7, cqe.tag);
	EXPECT_EQ(1, cqe.res);
	EXPECT_EQ('p', buf[0]);
	pair_close(&u);
	ctx_fini(&c);
}

/*
 * The owner's pending TCP receive and 1 MiB send, with a forked child
 * holding the device fd (and nothing else).  Then the owner either is
 * killed, or closes its own fd and stays alive: either way its ops end and
 * its socket is released, so our end of the connection sees EOF.
 */
static void owner_lets_go(struct __test_metadata *_metadata, bool kill_owner)
{
	struct sockaddr_storage la;
	socklen_t alen = 0;
	int l, peer, pfd[2], status, n;
	pid_t owner, holder;

	l = bound_socket(AF_INET, SOCK_STREAM, &la, &alen);
	ASSERT_LE(0, l);
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, pipe(pfd));
	owner = fork();
	ASSERT_LE(0, owner);
	if (!owner) {
		static char big[1 << 20], rbuf[64];
		struct wsaovl_sqe sqe[2];
		struct wsaovl_buf b[2];
		struct ctx cc;
		int s, v = 4096;

		close(pfd[0]);
		alarm(30);	/* never outlive the test by long */
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
		if (s < 0 || connect(s, (void *)&la, alen) || ctx_init(&cc, 16))
			_exit(1);
		buf_set(&b[0], rbuf, sizeof(rbuf));
		sqe_prep(&sqe[0], WSAOVL_OP_RECV, s, &b[0], 1, 1);
		buf_set(&b[1], big, sizeof(big));
		sqe_prep(&sqe[1], WSAOVL_OP_SEND, s, &b[1], 1, 2);
		if (submit(&cc, sqe, 2) != 2 || sqe[0].state != WSAOVL_STATE_PENDING ||
		    sqe[1].state != WSAOVL_STATE_PENDING)
			_exit(2);
		holder = fork();
		if (holder < 0)
			_exit(3);
		if (!holder) {
			/* Keep only the device fd (and the pipe), then wait. */
			close(s);
			alarm(30);
			pause();
			_exit(0);
		}
		close(s);	/* the owner's queues still hold the socket */
		if (!kill_owner)
			close(cc.fd);	/* the ring stays mapped, the fd goes */
		if (write(pfd[1], &holder, sizeof(holder)) != sizeof(holder))
			_exit(4);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	peer = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	ASSERT_LE(0, peer);
	ASSERT_EQ((ssize_t)sizeof(holder), read(pfd[0], &holder, sizeof(holder)));
	if (kill_owner) {
		ASSERT_EQ(0, kill(owner, SIGKILL));
		ASSERT_EQ(owner, waitpid(owner, &status, 0));
	}
	/* Drain what the send moved, then the end: EOF (or a reset). */
	do {
		static char sink[1 << 16];

		n = -1;
		if (!fd_readable(peer, 5000))
			break;
		n = read(peer, sink, sizeof(sink));
	} while (n > 0);
	kill(holder, SIGKILL);
	waitpid(holder, &status, 0);
	if (!kill_owner) {
		kill(owner, SIGKILL);
		waitpid(owner, &status, 0);
	}
	EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET))
		TH_LOG("the owner's socket lives on in its child");
	close(peer);
	close(pfd[0]);
	close(l);
}

TEST_F_TIMEOUT(owner, owner_exit_releases_while_child_holds_fd, 120)
{
	owner_lets_go(_metadata, true);
}

TEST_F_TIMEOUT(owner, owner_close_releases_while_child_holds_fd, 120)
{
	owner_lets_go(_metadata, false);
}

/* The ring can be mapped only by its owner, and only once it exists. */
TEST(mmap_before_setup_is_einval)
{
	void *p;
	int fd = dev_open();

	if (fd < 0 && errno == ENOENT)
		SKIP(return, DEV_PATH " missing");
	ASSERT_LE(0, fd);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
	close(fd);
}

TEST_HARNESS_MAIN
