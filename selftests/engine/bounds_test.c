// SPDX-License-Identifier: GPL-2.0
/*
 * Bounds and lifetime: only TCP, UDP and UDP-Lite get in; a long queue of
 * ready ops drains without hogging a CPU; a retry timer never outlives its
 * queue or the module; SETUP and mmap racing in two threads cannot
 * deadlock (lockdep, under the debug kernel, sees no inversion).
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include "engine.h"

FIXTURE(bounds) {
	int unused;
};

FIXTURE_SETUP(bounds)
{
}

FIXTURE_TEARDOWN(bounds)
{
}


#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef IPPROTO_UDPLITE
#define IPPROTO_UDPLITE 136
#endif

/* The sqe's result for a one-byte send on fd. */
static int send_res(struct ctx *c, int fd)
{
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	char byte = 'x';

	buf_set(&b, &byte, 1);
	sqe_prep(&sqe, WSAOVL_OP_SEND, fd, &b, 1, 1);
	if (submit(c, &sqe, 1) < 0)
		return -1000;
	return sqe.state == WSAOVL_STATE_FAILED ? sqe.res : 0;
}

TEST(foreign_protocols_refused)
{
	static const struct {
		int family, type, proto;
		const char *name;
	} socks[] = {
		{ AF_INET, SOCK_STREAM, IPPROTO_SCTP, "SCTP stream" },
		{ AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP, "SCTP seqpacket" },
		{ AF_INET, SOCK_STREAM, IPPROTO_MPTCP, "MPTCP" },
		{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP, "ping" },
		{ AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6, "ping6" },
	};
	struct ctx c;
	unsigned int i, tried = 0;

	CTX_INIT(&c, 16);
	/* Let root create ping sockets. */
	{
		int fd = open("/proc/sys/net/ipv4/ping_group_range", O_WRONLY);

		if (fd >= 0) {
			if (write(fd, "0 2147483647", 12) != 12)
				TH_LOG("ping_group_range not set");
			close(fd);
		}
	}
	for (i = 0; i < ARRAY_SIZE(socks); i++) {
		int fd = socket(socks[i].family, socks[i].type | SOCK_CLOEXEC,
				socks[i].proto);

		if (fd < 0) {
			TH_LOG("%s: not available here (%s)", socks[i].name,
			       strerror(errno));
			continue;
		}
		tried++;
		EXPECT_EQ(-EPROTONOSUPPORT, send_res(&c, fd))
			TH_LOG("%s was accepted", socks[i].name);
		close(fd);
	}
	/* Ping sockets exist in every kernel this runs on. */
	EXPECT_LE(2, tried);
	ctx_fini(&c);
}

/* Raw IP sockets (Winsock's SOCK_RAW) are datagram sockets here too. */
TEST(raw_accepted)
{
	struct sockaddr_storage a;
	socklen_t alen = loopback(AF_INET, &a, 0);
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char buf[64];
	int rx, tx;
	struct ctx c;

	CTX_INIT(&c, 16);
	rx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, 253);	/* experimental */
	if (rx < 0)
		SKIP(return, "no raw sockets (%s)", strerror(errno));
	tx = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, 253);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, connect(tx, (void *)&a, alen));
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, rx, &b, 1, 6);
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	ASSERT_EQ(3, send(tx, "raw", 3, 0));
	CQ_WAIT(&c, &cqe, 5000);
	/* A raw IPv4 receive carries the 20-byte IP header first. */
	EXPECT_EQ(23, cqe.res);
	EXPECT_EQ(0, memcmp(buf + 20, "raw", 3));
	close(tx);
	close(rx);
	ctx_fini(&c);
}

TEST(udplite_accepted)
{
	struct sockaddr_storage a;
	socklen_t alen = loopback(AF_INET, &a, 0);
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char buf[4];
	int rx, tx;
	struct ctx c;

	CTX_INIT(&c, 16);
	rx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDPLITE);
	if (rx < 0)
		SKIP(return, "no UDP-Lite");
	tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDPLITE);
	ASSERT_LE(0, tx);
	ASSERT_EQ(0, bind(rx, (void *)&a, alen));
	ASSERT_EQ(0, getsockname(rx, (void *)&a, &alen));
	ASSERT_EQ(0, connect(tx, (void *)&a, alen));
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&sqe, WSAOVL_OP_RECV, rx, &b, 1, 5);
	ASSERT_EQ(1, submit(&c, &sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	ASSERT_EQ(3, send(tx, "lit", 3, 0));
	CQ_WAIT(&c, &cqe, 5000);
	EXPECT_EQ(3, cqe.res);
	EXPECT_EQ(0, memcmp(buf, "lit", 3));
	close(tx);
	close(rx);
	ctx_fini(&c);
}

/*
 * 65,536 one-byte sends queued behind a closed window (the peer reads
 * nothing until all are queued) drain in order once it reads, in bounded
 * worker runs: the kernel log check catches a soft lockup or a hung task.
 */
TEST_F_TIMEOUT(bounds, many_tiny_sends_drain, 600)
{
	enum { N = 65536 };
	struct wsaovl_query q;
	struct wsaovl_sqe *sqe;
	struct wsaovl_buf *b;
	struct wsaovl_cqe cqe;
	unsigned char *bytes, *got;
	int i, v = 4096, queued, n, seen = 0, k;
	long long filled = 0, total = 0;
	struct pair t;
	struct ctx c;

	CTX_INIT(&c, N);
	ASSERT_EQ(0, ioctl(c.fd, WSAOVL_IOC_QUERY, &q));
	if (q.max_ops < N || q.max_pinned < (uint64_t)N * 4096)
		SKIP(return, "module limits below %d ops", N);
	PAIR_OPEN(&t, AF_INET, SOCK_STREAM);
	setsockopt(t.tx, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	setsockopt(t.rx, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	/* Close the window: fill both buffers. */
	{
		char fill[4096];
		int fl = fcntl(t.tx, F_GETFL);
		ssize_t r;

		memset(fill, 0, sizeof(fill));
		fcntl(t.tx, F_SETFL, fl | O_NONBLOCK);
		while ((r = send(t.tx, fill, sizeof(fill), 0)) > 0)
			filled += r;
		/*
		 * Until every byte sent is ACKed and nothing more fits: an
		 * ACK still in flight (late under a debug kernel) opens room
		 * again after the first EAGAIN.
		 */
		for (k = 0; k < 500; k++) {
			long long before = filled;
			int outq = 0, unsent = 0;

			msleep(20);
			while ((r = send(t.tx, fill, 1, 0)) > 0)
				filled += r;
			ioctl(t.tx, SIOCOUTQ, &outq);
			ioctl(t.tx, SIOCOUTQNSD, &unsent);
			if (filled == before && outq == unsent)
				break;
		}
		fcntl(t.tx, F_SETFL, fl);
	}
	sqe = calloc(N, sizeof(*sqe));
	b = calloc(N, sizeof(*b));
	bytes = malloc(N);
	got = malloc(N);
	ASSERT_TRUE(sqe && b && bytes && got);
	for (i = 0; i < N; i++) {
		bytes[i] = (unsigned char)(i * 7 + (i >> 8));
		buf_set(&b[i], &bytes[i], 1);
		sqe_prep(&sqe[i], WSAOVL_OP_SEND, t.tx, &b[i], 1, i);
	}
	queued = submit_all(&c, sqe, N);
	ASSERT_EQ(N, queued);
	for (i = 0; i < N; i++)
		ASSERT_EQ(WSAOVL_STATE_PENDING, sqe[i].state);

	/*
	 * Read the fill, then the N bytes, in order, while reaping.  A tiny
	 * receive window reopens through zero-window probes whose backoff
	 * grows to seconds: wait on a deadline, not on a gap.
	 */
	{
		static char sink[1 << 16];
		/* seen: 35-101 s on 6.1/6.12, 150-300+ s on the debug kernel */
		uint64_t deadline = now_ms() + 480000;
		int fl = fcntl(t.rx, F_GETFL);

		fcntl(t.rx, F_SETFL, fl | O_NONBLOCK);
		while ((total < filled + N || seen < N) && now_ms() < deadline) {
			if (total < filled + N && fd_readable(t.rx, 200)) {
				n = read(t.rx, sink, sizeof(sink));
				if (n <= 0)
					break;
				total += n;
				/* Keep only the tail: the last N bytes are ours. */
				if (n >= N) {
					memcpy(got, sink + n - N, N);
				} else {
					memmove(got, got + n, N - n);
					memcpy(got + N - n, sink, n);
				}
			}
			while (cq_peek(&c, &cqe)) {
				ASSERT_EQ(1, cqe.res);
				ASSERT_EQ((uint64_t)seen, cqe.tag);
				seen++;
			}
		}
		fcntl(t.rx, F_SETFL, fl);
	}
	EXPECT_EQ(filled + N, total) TH_LOG("%d of %d completions seen", seen, N);
	EXPECT_EQ(N, seen);
	if (total == filled + N)	/* else the tail is not all there */
		EXPECT_EQ(0, memcmp(got, bytes, N))
			TH_LOG("the tiny sends arrived out of order");
	free(sqe);
	free(b);
	free(bytes);
	free(got);
	pair_close(&t);
	ctx_fini(&c);
}

static int kmsg(const char *s)
{
	int fd = open("/dev/kmsg", O_WRONLY);

	if (fd < 0)
		return -1;
	if (write(fd, s, strlen(s)) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int sh(const char *cmd)
{
	int r = system(cmd);

	return WIFEXITED(r) ? WEXITSTATUS(r) : -1;
}

/*
 * A receive on a UDP socket with an unread IP_RECVERR error queue polls
 * ready yet gets EAGAIN: its queue backs off on a timer.  Close all of it
 * and unload the module at once: no timer may fire afterwards (it used to
 * run on the freed workqueue: WARN, then the guest died).
 */
TEST_F_TIMEOUT(bounds, backoff_timer_dies_with_queue, 180)
{
	const char *ko = getenv("WSAOVL_KO");
	const char *params = getenv("WSAOVL_MODPARAMS");
	char cmd[1024], log[256];
	int round;

	if (!ko || getuid())
		SKIP(return, "needs root and $WSAOVL_KO (run under tools/vm-run)");
	for (round = 0; round < 3; round++) {
		struct sockaddr_storage a, dead;
		socklen_t alen = 0;
		struct wsaovl_sqe sqe;
		struct wsaovl_buf b;
		char buf[8];
		int s, one = 1, d;
		struct ctx c;

		CTX_INIT(&c, 16);
		s = bound_socket(AF_INET, SOCK_DGRAM, &a, &alen);
		ASSERT_LE(0, s);
		ASSERT_EQ(0, setsockopt(s, SOL_IP, IP_RECVERR, &one, sizeof(one)));
		/* A port with nobody on it: the ICMP error lands in the queue. */
		d = bound_socket(AF_INET, SOCK_DGRAM, &dead, &alen);
		ASSERT_LE(0, d);
		close(d);
		ASSERT_EQ(0, connect(s, (void *)&dead, alen));
		ASSERT_EQ(1, send(s, "x", 1, 0));
		msleep(100);
		buf_set(&b, buf, sizeof(buf));
		/* The error is reported once; the next receive waits. */
		sqe_prep(&sqe, WSAOVL_OP_RECV, s, &b, 1, 1);
		ASSERT_EQ(0, submit(&c, &sqe, 1));
		ASSERT_EQ(-ECONNREFUSED, sqe.res);
		sqe_prep(&sqe, WSAOVL_OP_RECV, s, &b, 1, 2);
		ASSERT_EQ(1, submit(&c, &sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, sqe.state);
		/* Let the backoff grow to long timer periods. */
		msleep(400 + 300 * round);
		close(s);
		ctx_fini(&c);
		snprintf(log, sizeof(log), "wsaovl-selftest: unload round %d\n", round);
		kmsg(log);
		snprintf(cmd, sizeof(cmd), "rmmod wsaovl && insmod %s %s",
			 ko, params ? params : "");
		ASSERT_EQ(0, sh(cmd));
	}
	/* Past the longest backoff (1 s): any stray timer has fired now. */
	msleep(1500);
	EXPECT_EQ(0, sh("dmesg | sed -n '/wsaovl-selftest: unload round 0/,$p' | "
			"grep -qE 'WARNING|BUG|ODEBUG|Oops|general protection'; test $? = 1"))
		TH_LOG("the kernel complained after the unload (see the log)");
	ASSERT_EQ(0, access(DEV_PATH, F_OK));
}

struct setup_race {
	int fd;
	volatile int stop;
	int mapped, einval, other;
};

static void *race_mmap(void *arg)
{
	struct setup_race *r = arg;

	while (!r->stop) {
		void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r->fd, 0);

		if (p != MAP_FAILED) {
			r->mapped++;
			munmap(p, 4096);
		} else if (errno == EINVAL) {
			r->einval++;
		} else {
			r->other++;
		}
	}
	return NULL;
}

/*
 * SETUP against mmap of the same file in another thread, many times.
 * SETUP once held its lock across copy_to_user, which may fault and so
 * take mmap_lock (lockdep learns that from might_fault() alone), while
 * mmap holds mmap_lock and takes that lock: an ABBA deadlock that lockdep
 * reports under the debug kernel.
 */
TEST_F_TIMEOUT(bounds, setup_races_mmap, 300)
{
	int i, rounds = 300;
	struct setup_race r;
	pthread_t th;

	for (i = 0; i < rounds; i++) {
		struct wsaovl_setup s = { .entries = 16 };
		void *p;

		memset(&r, 0, sizeof(r));
		r.fd = dev_open();
		if (r.fd < 0 && errno == ENOENT)
			SKIP(return, DEV_PATH " missing");
		ASSERT_LE(0, r.fd);
		ASSERT_EQ(0, pthread_create(&th, NULL, race_mmap, &r));
		ASSERT_EQ(0, ioctl(r.fd, WSAOVL_IOC_SETUP, &s));
		EXPECT_EQ(16, s.entries);
		r.stop = 1;
		pthread_join(th, NULL);
		EXPECT_EQ(0, r.other);
		/* After SETUP the ring maps. */
		p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, r.fd, 0);
		EXPECT_NE(MAP_FAILED, p);
		if (p != MAP_FAILED)
			munmap(p, 4096);
		close(r.fd);
	}
}

TEST_HARNESS_MAIN
