// SPDX-License-Identifier: GPL-2.0
/*
 * Scale: 10,000 pending receives on 10,000 UDP sockets cost no threads.
 * Count kworker threads before, while they wait, and after completing them
 * all by sending one datagram to each (through SENDTO ops, with
 * SKIP_INLINE_CQE); the increase stays small and every receive gets its
 * own datagram.
 */
#include <dirent.h>
#include "engine.h"

enum { NSOCK = 10000, MAX_KWORKER_GROWTH = 8 };

static int count_kworkers(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc");
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[300], comm[64];
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && !strncmp(comm, "kworker", 7))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

FIXTURE(scale) {
	struct ctx c;
	int *fd;
	struct sockaddr_in *addr;
	uint64_t *in;
	int tx;
};

FIXTURE_SETUP(scale)
{
	int i;

	self->c.fd = -1;
	self->tx = -1;
	if (raise_nofile(NSOCK + 256))
		SKIP_NOW("cannot raise RLIMIT_NOFILE to %d", NSOCK + 256);
	CTX_INIT(&self->c, 16384);
	self->fd = calloc(NSOCK, sizeof(int));
	self->addr = calloc(NSOCK, sizeof(*self->addr));
	self->in = calloc(NSOCK, sizeof(uint64_t));
	ASSERT_NE(NULL, self->in);
	for (i = 0; i < NSOCK; i++) {
		struct sockaddr_storage ss;

		self->fd[i] = bound_socket(AF_INET, SOCK_DGRAM, &ss, NULL);
		ASSERT_LE(0, self->fd[i]) TH_LOG("socket %d: %s", i, strerror(-self->fd[i]));
		memcpy(&self->addr[i], &ss, sizeof(self->addr[i]));
	}
	self->tx = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, self->tx);
}

FIXTURE_TEARDOWN(scale)
{
	int i;

	ctx_fini(&self->c);
	for (i = 0; self->fd && i < NSOCK; i++)
		if (self->fd[i] > 0)
			close(self->fd[i]);
	if (self->tx >= 0)
		close(self->tx);
}

TEST_F_TIMEOUT(scale, ten_thousand_sockets, 180)
{
	struct wsaovl_sqe *sqe = calloc(NSOCK, sizeof(*sqe));
	struct wsaovl_buf *b = calloc(NSOCK, sizeof(*b));
	uint64_t *out = calloc(NSOCK, sizeof(uint64_t));
	unsigned char *seen = calloc(NSOCK, 1);
	int before, during, after, peak, i, got = 0;
	uint64_t t0, next_sample;

	ASSERT_NE(NULL, seen);
	msleep(200);
	before = count_kworkers();
	ASSERT_LT(0, before);

	t0 = now_ms();
	for (i = 0; i < NSOCK; i++) {
		self->in[i] = ~0ull;
		buf_set(&b[i], &self->in[i], sizeof(uint64_t));
		sqe_prep(&sqe[i], WSAOVL_OP_RECVFROM, self->fd[i], &b[i], 1, i);
		sqe[i].addr = 0;
	}
	ASSERT_EQ(NSOCK, submit_all(&self->c, sqe, NSOCK));
	for (i = 0; i < NSOCK; i++) {
		ASSERT_EQ(WSAOVL_STATE_PENDING, sqe[i].state);
	}
	TH_LOG("%d receives submitted in %llu ms", NSOCK,
	       (unsigned long long)(now_ms() - t0));
	msleep(500);
	during = count_kworkers();
	EXPECT_EQ(0, cq_ready(&self->c));

	/* One datagram each, through the engine. */
	t0 = now_ms();
	for (i = 0; i < NSOCK; i++) {
		out[i] = 0x5ca1e00000000000ull | i;
		buf_set(&b[i], &out[i], sizeof(uint64_t));
		sqe_prep(&sqe[i], WSAOVL_OP_SENDTO, self->tx, &b[i], 1, NSOCK + i);
		sqe[i].addr = (uintptr_t)&self->addr[i];
		sqe[i].addrlen = sizeof(self->addr[i]);
		sqe[i].flags = WSAOVL_SQE_SKIP_INLINE_CQE;
	}
	peak = during;
	next_sample = now_ms() + 1000;
	for (i = 0; i < NSOCK; i += WSAOVL_MAX_BATCH) {
		int n = NSOCK - i < WSAOVL_MAX_BATCH ? NSOCK - i : WSAOVL_MAX_BATCH;
		int k;

		ASSERT_EQ(n, submit(&self->c, sqe + i, n));
		for (k = 0; k < n; k++) {
			ASSERT_EQ(WSAOVL_STATE_DONE, sqe[i + k].state);
		}
		/* Reap as we go, so the ring never overflows. */
		while (got < NSOCK) {
			struct wsaovl_cqe cqe;

			if (!cq_peek(&self->c, &cqe))
				break;
			ASSERT_LT(cqe.tag, NSOCK);
			ASSERT_EQ(0, seen[cqe.tag]);
			seen[cqe.tag] = 1;
			ASSERT_EQ(8, cqe.res);
			got++;
		}
	}
	while (got < NSOCK) {
		struct wsaovl_cqe cqe;

		if (now_ms() > next_sample) {
			int k = count_kworkers();

			if (k > peak)
				peak = k;
			next_sample = now_ms() + 1000;
		}
		ASSERT_EQ(1, cq_wait(&self->c, &cqe, 30000))
			TH_LOG("%d of %d completed", got, NSOCK);
		ASSERT_LT(cqe.tag, NSOCK);
		ASSERT_EQ(0, seen[cqe.tag]) TH_LOG("tag %llu twice", (unsigned long long)cqe.tag);
		seen[cqe.tag] = 1;
		ASSERT_EQ(8, cqe.res);
		got++;
	}
	TH_LOG("%d completions in %llu ms", NSOCK, (unsigned long long)(now_ms() - t0));
	after = count_kworkers();
	if (after > peak)
		peak = after;
	for (i = 0; i < NSOCK; i++) {
		ASSERT_EQ(0x5ca1e00000000000ull | i, self->in[i]) TH_LOG("socket %d", i);
	}
	EXPECT_TRUE(cq_quiet(&self->c, 100));
	TH_LOG("kworkers: before %d, while pending %d, peak %d, after %d",
	       before, during, peak, after);
	EXPECT_LE(during, before + MAX_KWORKER_GROWTH);
	EXPECT_LE(peak, before + MAX_KWORKER_GROWTH);
	EXPECT_LE(after, before + MAX_KWORKER_GROWTH);
	free(sqe);
	free(b);
	free(out);
	free(seen);
}

TEST_HARNESS_MAIN
