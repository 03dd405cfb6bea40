// SPDX-License-Identifier: GPL-2.0
/*
 * Every byte charged to its owner: the ring to the opener's memory cgroup,
 * pinned pages to RLIMIT_MEMLOCK (and the process's VmPin), control
 * buffers bounded by optmem_max.
 */
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <grp.h>

#include "engine.h"
#include "events.h"

FIXTURE(acct) {
	int unused;
};

FIXTURE_SETUP(acct)
{
}

FIXTURE_TEARDOWN(acct)
{
}


#define CG_ROOT "/sys/fs/cgroup"

static long long read_ll(const char *path)
{
	char buf[64] = "";
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoll(buf) : -1;
}

/* A key's value in a "key value" file such as memory.stat; -1 if absent. */
static long long read_key(const char *path, const char *key)
{
	char line[256];
	long long v = -1;
	size_t kl = strlen(key);
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && (line[kl] == ' ' || line[kl] == '\t')) {
			v = atoll(line + kl + 1);
			break;
		}
	fclose(f);
	return v;
}

/* cgroup v2 with the memory controller for children; 0 or a SKIP reason. */
static const char *cg_setup(char *dir, size_t len, const char *name)
{
	struct stat st;

	if (stat(CG_ROOT "/cgroup.controllers", &st)) {
		mkdir(CG_ROOT, 0755);
		if (mount("cgroup2", CG_ROOT, "cgroup2", 0, NULL))
			return "cannot mount cgroup2";
	}
	if (write_str(CG_ROOT "/cgroup.subtree_control", "+memory"))
		return "no memory controller";
	snprintf(dir, len, CG_ROOT "/%s", name);
	rmdir(dir);
	if (mkdir(dir, 0755))
		return "cannot create a cgroup";
	return NULL;
}

static int cg_file(const char *dir, const char *file, char *out, size_t len)
{
	return snprintf(out, len, "%s/%s", dir, file) >= (int)len ? -1 : 0;
}

/* Run fn(arg) in a child inside the cgroup dir; its exit status, or -1. */
static int cg_run(const char *dir, int (*fn)(const char *), const char *arg)
{
	char procs[256], pid_s[32];
	int status;
	pid_t pid;

	cg_file(dir, "cgroup.procs", procs, sizeof(procs));
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		snprintf(pid_s, sizeof(pid_s), "%d", getpid());
		if (write_str(procs, pid_s))
			_exit(90);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

enum { BIG_RING = 65536 };	/* 2 MiB + a page of cqes */

static int setup_must_fail(const char *dir)
{
	struct wsaovl_setup s = { .entries = BIG_RING };
	int fd = dev_open();

	(void)dir;
	if (fd < 0)
		return 1;
	if (!ioctl(fd, WSAOVL_IOC_SETUP, &s))
		return 2;	/* 2 MiB fit below a 1 MiB limit? */
	if (errno != ENOMEM)
		return 3;
	/* Nothing half-made: a small ring still fits and works. */
	s.entries = 16;
	if (ioctl(fd, WSAOVL_IOC_SETUP, &s))
		return 4;
	close(fd);
	return 0;
}

static int setup_is_charged(const char *dir)
{
	struct wsaovl_setup s = { .entries = BIG_RING };
	char cur[256], stat[256];
	long long before, after, kb, ka;
	int fd = dev_open();

	cg_file(dir, "memory.current", cur, sizeof(cur));
	cg_file(dir, "memory.stat", stat, sizeof(stat));
	if (fd < 0)
		return 1;
	before = read_ll(cur);
	kb = read_key(stat, "kernel");
	if (ioctl(fd, WSAOVL_IOC_SETUP, &s))
		return 2;
	after = read_ll(cur);
	ka = read_key(stat, "kernel");
	fprintf(stderr, "# memory.current %lld -> %lld, stat kernel %lld -> %lld, ring %llu bytes\n",
		before, after, kb, ka, (unsigned long long)s.ring_bytes);
	if (before < 0 || after < 0)
		return 3;
	/*
	 * Charges are batched per CPU (a stock of up to 64 pages), so allow
	 * for 256 KiB of it; uncharged, the difference would be about zero.
	 */
	if (after - before < (long long)s.ring_bytes - (256 << 10))
		return 4;	/* the ring was not charged to this cgroup */
	if (kb >= 0 && ka - kb < (long long)s.ring_bytes - (256 << 10))
		return 5;	/* memory.stat's kernel memory does not show it */
	close(fd);
	return 0;
}

TEST(ring_charged_to_memcg)
{
	char dir[128], max[256];
	const char *why;
	int r;

	if (access(DEV_PATH, F_OK))
		SKIP(return, DEV_PATH " missing");
	why = cg_setup(dir, sizeof(dir), "wsaovl-acct");
	if (why)
		SKIP(return, "%s", why);
	cg_file(dir, "memory.max", max, sizeof(max));

	ASSERT_EQ(0, write_str(max, "1048576"));
	r = cg_run(dir, setup_must_fail, dir);
	EXPECT_EQ(0, r) TH_LOG("a 2 MiB ring under a 1 MiB memory.max: step %d", r);

	ASSERT_EQ(0, write_str(max, "max"));
	r = cg_run(dir, setup_is_charged, dir);
	EXPECT_EQ(0, r) TH_LOG("ring charge in memory.current/stat: step %d", r);
	EXPECT_EQ(0, rmdir(dir));
}

/* VmPin of /proc/self/status in KiB (mm->pinned_vm). */
static long vm_pin_kb(void)
{
	return (long)read_key("/proc/self/status", "VmPin:");
}

enum { LIMIT = 64 << 10, SMALL = 16 << 10, BIG = 128 << 10 };

/* Wait up to ms for fd's receive queue to be empty; true if it is. */
static bool taken_within(int fd, int ms)
{
	uint64_t end = now_ms() + ms;

	while (pending_bytes(fd) != 0) {
		if (now_ms() > end)
			return false;
		msleep(10);
	}
	return true;
}

/*
 * Wait up to ms for VmPin to be 0: a worker that took the data drops its
 * pins right after, not before the data leaves the socket.
 */
static bool unpinned_within(int ms)
{
	uint64_t end = now_ms() + ms;

	while (vm_pin_kb() != 0) {
		if (now_ms() > end)
			return false;
		msleep(5);
	}
	return true;
}

/*
 * As uid 65534 with RLIMIT_MEMLOCK 64 KiB.  Pending ops pin nothing: the
 * owner's threads run them in its mm.  A worker (nobody of the owner in
 * the module) pins what it attempts, for that attempt, charged to
 * RLIMIT_MEMLOCK.  A 16 KiB WAITALL receive sent one byte: a worker takes
 * it, the op still pending, and drops the pins before it waits for more.
 * A 128 KiB one, beyond the limit: a worker takes it too, pinning a
 * window of a quarter of the limit.  A 128 KiB datagram receive (pinned
 * whole): no worker can pin it, the datagram stays queued, and the next
 * thread of the owner to wait takes it at once (WAIT of 100 ms); a second
 * one is taken by a thread that only submits.  VmPin never passes the
 * limit and is zero once all are done.
 */
static int memlock_body(void)
{
	static char small[SMALL] __attribute__((aligned(4096)));
	static char big[3][BIG] __attribute__((aligned(4096)));
	struct rlimit rl = { LIMIT, LIMIT };
	struct wsaovl_buf b[4], z;
	struct wsaovl_sqe sqe;
	struct wsaovl_cqe cqe;
	struct pair t[4], u;	/* t[0..1] stream, t[2..3] datagram */
	struct ctx c;
	int i;

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 2;
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 3;
	if (ctx_init(&c, 64) || pair_open(&u, AF_INET, SOCK_DGRAM))
		return 4;
	for (i = 0; i < 4; i++)
		if (pair_open(&t[i], AF_INET, i < 2 ? SOCK_STREAM : SOCK_DGRAM))
			return 4;
	buf_set(&b[0], small, SMALL);
	for (i = 1; i < 4; i++)
		buf_set(&b[i], big[i - 1], BIG);
	for (i = 0; i < 4; i++) {
		sqe_prep(&sqe, WSAOVL_OP_RECV, t[i].rx, &b[i], 1, i);
		if (i < 2)
			sqe.msg_flags = WSAOVL_MSG_WAITALL;
		if (submit(&c, &sqe, 1) != 1 || sqe.state != WSAOVL_STATE_PENDING)
			return 5;
	}
	if (vm_pin_kb() != 0)
		return 6;	/* pending, yet nothing pinned */

	for (i = 0; i < 2; i++) {
		if (send(t[i].tx, "x", 1, 0) != 1 || !taken_within(t[i].rx, 5000))
			return 7 + i * 13;	/* a worker took it, pinned (7, 20) */
		if (!unpinned_within(1000) || cq_ready(&c))
			return 8 + i * 13;	/* waiting again, unpinned (8, 21) */
	}

	if (send(t[2].tx, "x", 1, 0) != 1)
		return 9;
	msleep(500);
	if (pending_bytes(t[2].rx) != 1 || vm_pin_kb() != 0)
		return 10;	/* too big for any worker: left, nothing lost */
	if (runner_wait_ms(&c, 100) || pending_bytes(t[2].rx) != 0)
		return 11;	/* the next waiter took it, at once */
	if (cq_wait(&c, &cqe, 1000) != 1 || cqe.tag != 2 || cqe.res != 1)
		return 22;

	if (send(t[3].tx, "x", 1, 0) != 1)
		return 12;
	msleep(500);
	if (pending_bytes(t[3].rx) != 1)
		return 13;
	/* Any SUBMIT runs what was left, here a receive on another socket. */
	buf_set(&z, small, 1);
	sqe_prep(&sqe, WSAOVL_OP_RECV, u.rx, &z, 1, 9);
	if (submit(&c, &sqe, 1) != 1 || sqe.state != WSAOVL_STATE_PENDING)
		return 14;
	if (pending_bytes(t[3].rx) != 0 || vm_pin_kb() != 0)
		return 15;	/* the owner's thread pins nothing */
	if (cq_wait(&c, &cqe, 1000) != 1 || cqe.tag != 3 || cqe.res != 1)
		return 23;

	if (cq_ready(&c))
		return 16;	/* WAITALL: nothing else completed */
	if (cancel(&c, WSAOVL_CANCEL_ALL, 0, 0, 0) != 3)
		return 17;
	for (i = 0; i < 3; i++)
		if (cq_wait(&c, &cqe, 5000) != 1 || cqe.res != -ECANCELED)
			return 18;
	if (vm_pin_kb() != 0)
		return 19;
	for (i = 0; i < 4; i++)
		pair_close(&t[i]);
	pair_close(&u);
	ctx_fini(&c);
	return 0;
}

TEST_F_TIMEOUT(acct, pins_charged_to_rlimit_memlock, 120)
{
	int status;
	pid_t pid;

	if (getuid() != 0)
		SKIP(return, "needs root to become uid 65534");
	if (access(DEV_PATH, F_OK))
		SKIP(return, DEV_PATH " missing");
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(memlock_body());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("memlock step %d", WEXITSTATUS(status));
}

/*
 * Control buffers: up to net.core.optmem_max, beyond that ENOBUFS.  A
 * small optmem_max for the test: 6.12's default (128 KiB) is above
 * WSAOVL_MAX_CONTROL.
 */
TEST(control_buffer_bounded_by_optmem_max)
{
	long long saved = read_ll("/proc/sys/net/core/optmem_max");
	long long optmem = 4096;
	char val[32];
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	char buf[8], *ctl;
	struct pair u;
	struct ctx c;

	ASSERT_LT(0, saved);
	if (getuid())
		SKIP(return, "needs root to set optmem_max");
	snprintf(val, sizeof(val), "%lld", optmem);
	ASSERT_EQ(0, write_str("/proc/sys/net/core/optmem_max", val));
	CTX_INIT(&c, 16);
	PAIR_OPEN(&u, AF_INET, SOCK_DGRAM);
	ctl = calloc(1, optmem + 1);
	ASSERT_NE(NULL, ctl);
	buf_set(&b, buf, sizeof(buf));
	if (optmem + 1 <= WSAOVL_MAX_CONTROL) {
		sqe_prep(&sqe, WSAOVL_OP_RECVMSG, u.rx, &b, 1, 1);
		sqe.control = (uintptr_t)ctl;
		sqe.controllen = optmem + 1;
		EXPECT_EQ(0, submit(&c, &sqe, 1));
		EXPECT_EQ(WSAOVL_STATE_FAILED, sqe.state);
		EXPECT_EQ(-ENOBUFS, sqe.res);
	}
	sqe_prep(&sqe, WSAOVL_OP_RECVMSG, u.rx, &b, 1, 2);
	sqe.control = (uintptr_t)ctl;
	sqe.controllen = optmem < WSAOVL_MAX_CONTROL ? optmem : WSAOVL_MAX_CONTROL;
	EXPECT_EQ(1, submit(&c, &sqe, 1));
	EXPECT_EQ(WSAOVL_STATE_PENDING, sqe.state);
	EXPECT_EQ(1, cancel(&c, WSAOVL_CANCEL_ALL, 0, 0, 0));
	snprintf(val, sizeof(val), "%lld", saved);
	EXPECT_EQ(0, write_str("/proc/sys/net/core/optmem_max", val));
	free(ctl);
	pair_close(&u);
	ctx_fini(&c);
}

TEST_HARNESS_MAIN
