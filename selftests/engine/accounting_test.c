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

enum { LIMIT = 64 << 10, CHUNK = 16 << 10, NPAIRS = 8 };

/* WAIT for ms on an event nobody sets: a runner meanwhile.  0 on timeout. */
static int runner_wait_ms(struct ctx *c, unsigned int ms)
{
	int ev = ev_new(c->fd, 1, 0), r;

	if (ev < 0)
		return ev;
	r = wait_ev(c->fd, &ev, 1, 0, 0, in_ms(ms), NULL);
	close(ev);
	return r == -ETIMEDOUT ? 0 : (r < 0 ? r : -1000);
}

/*
 * As uid 65534 with RLIMIT_MEMLOCK 64 KiB.  Pending ops pin nothing: their
 * owner's threads run them in its mm.  A worker pins what it runs (nobody
 * of the owner is waiting), charged to RLIMIT_MEMLOCK: eight WAITALL
 * receives of 16 KiB on eight TCP connections, one byte sent to each:
 * exactly four fit and are pinned by workers (they took their byte and
 * wait for the rest, pinned); the other four are left for the owner, their
 * byte still queued.  A thread of the owner in WAIT then runs those
 * unpinned; VmPin never passes the limit and returns to zero when all are
 * cancelled.
 */
static int memlock_body(void)
{
	static char bufs[NPAIRS][CHUNK] __attribute__((aligned(4096)));
	struct rlimit rl = { LIMIT, LIMIT };
	struct pair t[NPAIRS];
	struct wsaovl_buf b[NPAIRS];
	struct wsaovl_sqe sqe;
	struct wsaovl_cqe cqe;
	int i, taken, queued;
	uint64_t end;
	struct ctx c;
	long pin;

	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 2;
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
		return 3;
	if (ctx_init(&c, 64))
		return 4;
	for (i = 0; i < NPAIRS; i++)
		if (pair_open(&t[i], AF_INET, SOCK_STREAM))
			return 4;
	for (i = 0; i < NPAIRS; i++) {
		buf_set(&b[i], bufs[i], CHUNK);
		sqe_prep(&sqe, WSAOVL_OP_RECV, t[i].rx, &b[i], 1, i);
		sqe.msg_flags = WSAOVL_MSG_WAITALL;
		if (submit(&c, &sqe, 1) != 1 || sqe.state != WSAOVL_STATE_PENDING)
			return 5;
	}
	if (vm_pin_kb() != 0)
		return 6;	/* pending, yet nothing pinned */
	for (i = 0; i < NPAIRS; i++)
		if (send(t[i].tx, "x", 1, 0) != 1)
			return 7;
	/* The workers' turn: four pin and take their byte. */
	end = now_ms() + 5000;
	do {
		msleep(20);
		pin = vm_pin_kb();
		if (pin > LIMIT / 1024)
			return 8;
		for (i = 0, taken = 0; i < NPAIRS; i++)
			taken += pending_bytes(t[i].rx) == 0;
	} while ((pin != LIMIT / 1024 || taken < LIMIT / CHUNK) &&
		 now_ms() < end);
	if (pin != LIMIT / 1024)
		return 9;
	if (taken != LIMIT / CHUNK)
		return 10;	/* exactly four fit */
	msleep(300);		/* retries meanwhile find no room either */
	for (i = 0, queued = 0; i < NPAIRS; i++)
		queued += pending_bytes(t[i].rx) == 1;
	if (queued != NPAIRS - LIMIT / CHUNK || vm_pin_kb() != LIMIT / 1024)
		return 11;
	/* A thread of the owner waits: it runs the other four, unpinned. */
	end = now_ms() + 10000;
	do {
		if (runner_wait_ms(&c, 500))
			return 12;
		for (i = 0, taken = 0; i < NPAIRS; i++)
			taken += pending_bytes(t[i].rx) == 0;
	} while (taken < NPAIRS && now_ms() < end);
	if (taken != NPAIRS)
		return 13;
	if (vm_pin_kb() != LIMIT / 1024)
		return 14;
	if (cq_ready(&c))
		return 15;	/* WAITALL: nothing completed yet */
	if (cancel(&c, WSAOVL_CANCEL_ALL, 0, 0, 0) != NPAIRS)
		return 16;
	for (i = 0; i < NPAIRS; i++)
		if (cq_wait(&c, &cqe, 5000) != 1 || cqe.res != -ECANCELED)
			return 17;
	if (vm_pin_kb() != 0)
		return 18;
	for (i = 0; i < NPAIRS; i++)
		pair_close(&t[i]);
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
