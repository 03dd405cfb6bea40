// SPDX-License-Identifier: GPL-2.0
/*
 * Benchmark 4: scalability and memory of pending operations.
 *
 * N (default 10,000) UDP sockets bound on 127.0.0.1, and one sender.
 *
 *   epoll (baseline)  one thread: the N sockets registered in one epoll
 *                     (EPOLLIN); one datagram is sent to each socket, then
 *                     epoll_wait() + recvfrom() until all N are received.
 *   wsaovl            one overlapped RECVFROM posted on each socket (N
 *                     pending ops, submitted in batches of 1024); one
 *                     datagram is sent to each socket, then the N cqes are
 *                     reaped from the ring (poll() on the device when empty).
 *
 * Reported: the time from the first send to the last receive/completion
 * (and its ratio to epoll's), the kernel memory that registering/posting
 * cost per socket/op (and, as a comment, the slab caches that grew), and
 * kworker threads before posting, after posting, at most while completing
 * (sampled every 10 ms) and after.  Also submit_us_idle/busy: the cost of
 * one inline 64 B SENDTO SUBMIT on another socket with no pending op in
 * the context, then with the N receives pending (best of 3 x 1000).
 *
 * Kernel memory, each a delta over the posting step divided by N:
 *   cg   memory.stat slab+vmalloc+percpu of a memory cgroup the benchmark
 *        moves itself into (exact: both engines allocate with __GFP_ACCOUNT),
 *        when cgroup v2 with the memory controller is there
 *   mi   /proc/meminfo Slab + VmallocUsed (after vm.stat_refresh)
 *   si   /proc/slabinfo: sum of active_objs * objsize, when readable
 * Every datagram is checked (payload = the socket's index, the source is
 * the sender), each socket must complete exactly once, and nothing else
 * may arrive.
 *
 * Both engines run BENCH_SCALE_REPS times (default 2), alternating; the
 * times reported are the best run's (runs_ms lists all), the memory and
 * kworker counts the first run's.
 *
 *   scale   Env: BENCH_SOCKETS (default 10000), BENCH_SCALE_REPS (2),
 *           BENCH_SCALE_RING (completion ring entries; default: room for
 *           every op; smaller exercises the overflow list), BENCH_CGROUP=0
 *           (do not create a memory cgroup)
 */
#include "common.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/stat.h>

#define BENCH		"scale"
#define PAYLOAD		64
#define TIMEOUT_MS	10000

static int nsock = 10000;
static int reps = 2;
static unsigned int ring_entries;	/* 0: room for all */
static int *fds;
static struct sockaddr_in *addrs;
static int sender;
static struct sockaddr_in sender_addr;

/* ------------------------------------------------------------------ */
/* Kernel memory.                                                      */

static char cg_dir[128];

static bool write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok;
}

/* Move into a fresh memory cgroup; false (and no cgroup) if impossible. */
static bool cg_enter(void)
{
	char path[192], pid[32];

	const char *e = getenv("BENCH_CGROUP");

	if ((e && !strcmp(e, "0")) ||
	    access("/sys/fs/cgroup/cgroup.subtree_control", W_OK))
		return false;
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	snprintf(cg_dir, sizeof(cg_dir), "/sys/fs/cgroup/wsaovl-bench-%d",
		 (int)getpid());
	if (mkdir(cg_dir, 0755) && errno != EEXIST)
		goto fail;
	snprintf(path, sizeof(path), "%s/memory.stat", cg_dir);
	if (access(path, R_OK))
		goto fail_rmdir;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg_dir);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (!write_file(path, pid))
		goto fail_rmdir;
	return true;
fail_rmdir:
	rmdir(cg_dir);
fail:
	cg_dir[0] = 0;
	return false;
}

static void cg_leave(void)
{
	char pid[32];

	if (!cg_dir[0])
		return;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	write_file("/sys/fs/cgroup/cgroup.procs", pid);
	rmdir(cg_dir);	/* may stay busy while charges drain: harmless */
	cg_dir[0] = 0;
}

/* Bytes of slab + vmalloc + percpu charged to our cgroup, or -1. */
static long long cg_kmem(void)
{
	char path[192], key[64];
	long long v, sum = 0;
	bool any = false;
	FILE *f;

	if (!cg_dir[0])
		return -1;
	snprintf(path, sizeof(path), "%s/memory.stat", cg_dir);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, "slab") || !strcmp(key, "vmalloc") ||
		    !strcmp(key, "percpu")) {
			sum += v;
			any = true;
		}
	}
	fclose(f);
	return any ? sum : -1;
}

/* /proc/meminfo Slab + VmallocUsed in bytes (per-cpu counters folded). */
static long long meminfo_kmem(void)
{
	char line[256];
	long long slab = -1, vm = 0, v;
	FILE *f;

	write_file("/proc/sys/vm/stat_refresh", "1");
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %lld kB", &v) == 1)
			slab = v;
		else if (sscanf(line, "VmallocUsed: %lld kB", &v) == 1)
			vm = v;
	}
	fclose(f);
	return slab < 0 ? -1 : (slab + vm) * 1024;
}

/* /proc/slabinfo: sum over caches of active_objs * objsize, or -1. */
static long long slabinfo_kmem(void)
{
	char line[512], name[128];
	long long sum = 0;
	long act, num, size;
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %ld %ld %ld", name, &act, &num, &size) == 4)
			sum += (long long)act * size;
	}
	fclose(f);
	return sum;
}

struct mem {
	long long cg, mi, si;
};

static void fill(unsigned char *p, uint32_t i);

/* Per-cache slab counts, to show where the memory of posting goes. */
struct slabsnap {
	int n;
	struct { char name[64]; long objs, size; } c[512];
};

static void slab_snap(struct slabsnap *s)
{
	char line[512];
	FILE *f = fopen("/proc/slabinfo", "r");

	s->n = 0;
	if (!f)
		return;
	while (s->n < (int)ARRAY_SIZE(s->c) && fgets(line, sizeof(line), f)) {
		long num;

		if (sscanf(line, "%63s %ld %ld %ld", s->c[s->n].name,
			   &s->c[s->n].objs, &num, &s->c[s->n].size) == 4)
			s->n++;
	}
	fclose(f);
}

/* "# slab delta (what): cache +objs x size B, ..." for big movers. */
static void slab_print(const char *what, struct slabsnap *a,
		       struct slabsnap *b, int n)
{
	int i, k, shown = 0;

	printf("# slab caches that grew by >= %d objects (%s):", n / 2, what);
	for (i = 0; i < b->n; i++) {
		long before = 0;

		for (k = 0; k < a->n; k++)
			if (!strcmp(a->c[k].name, b->c[i].name))
				before = a->c[k].objs;
		if (b->c[i].objs - before >= n / 2) {
			printf("%s %s +%ld x %ld B", shown ? "," : "",
			       b->c[i].name, b->c[i].objs - before,
			       b->c[i].size);
			shown++;
		}
	}
	printf("%s\n", shown ? "" : " none (slabinfo unavailable?)");
}

static struct slabsnap snap0, snap1;

/*
 * The cost of one inline SUBMIT (a 64 B SENDTO from the sender to the
 * sink, SKIP_INLINE_CQE), the best of 3 runs of @n: with many sockets
 * holding pending ops, every SUBMIT looks its socket's queue up in the
 * context's hash.
 */
static int sink;
static struct sockaddr_in sink_addr;

static double inline_submit_us(struct ctx *x, int n, int *errors)
{
	unsigned char buf[PAYLOAD], rb[256];
	struct wsaovl_buf b;
	struct wsaovl_sqe sqe;
	double best = 0;
	int run, i;

	fill(buf, 0xffffffffU);
	buf_set(&b, buf, PAYLOAD);
	for (run = 0; run < 3; run++) {
		uint64_t t0 = now_ns(), t;
		int got = 0;

		for (i = 0; i < n; i++) {
			sqe_init(&sqe, WSAOVL_OP_SENDTO, sender, &b, 1);
			sqe.addr = (uintptr_t)&sink_addr;
			sqe.addrlen = sizeof(sink_addr);
			sqe.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
			if (wsa_submit(x, &sqe, 1) != 1 ||
			    sqe.state != WSAOVL_STATE_DONE || sqe.res != PAYLOAD) {
				FAILF("inline SENDTO: state %u res %d", sqe.state,
				      sqe.res);
				(*errors)++;
				return 0;
			}
		}
		t = now_ns() - t0;
		while (recv(sink, rb, sizeof(rb), MSG_DONTWAIT) == PAYLOAD)
			got++;
		if (got != n) {
			FAILF("sink: %d of %d datagrams", got, n);
			(*errors)++;
			return 0;
		}
		if (!best || t / 1e3 / n < best)
			best = t / 1e3 / n;
	}
	return best;
}

static struct mem mem_now(void)
{
	struct mem m = { cg_kmem(), meminfo_kmem(), slabinfo_kmem() };

	return m;
}

/* "cg=812 mi=790 si=804" in bytes per item; n/a where not measurable. */
static void mem_delta(char *out, size_t len, const char *prefix,
		      struct mem a, struct mem b, int n)
{
	char cg[32] = "n/a", mi[32] = "n/a", si[32] = "n/a";

	if (a.cg >= 0 && b.cg >= 0)
		snprintf(cg, sizeof(cg), "%.0f", (double)(b.cg - a.cg) / n);
	if (a.mi >= 0 && b.mi >= 0)
		snprintf(mi, sizeof(mi), "%.0f", (double)(b.mi - a.mi) / n);
	if (a.si >= 0 && b.si >= 0)
		snprintf(si, sizeof(si), "%.0f", (double)(b.si - a.si) / n);
	snprintf(out, len, "%s_cg_B=%s %s_mi_B=%s %s_si_B=%s", prefix, cg,
		 prefix, mi, prefix, si);
}

/* ------------------------------------------------------------------ */
/* kworker threads.                                                    */

static int count_kworkers(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char path[300], comm[64];
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
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

static volatile int sampling;
static int kw_max;

static void *kw_sampler(void *arg)
{
	while (sampling) {
		int n = count_kworkers();

		if (n > kw_max)
			kw_max = n;
		usleep(10000);
	}
	return NULL;
}

static pthread_t kw_thr;

static void kw_start(void)
{
	kw_max = count_kworkers();
	sampling = 1;
	if (pthread_create(&kw_thr, NULL, kw_sampler, NULL))
		die("pthread_create");
}

static int kw_stop(void)
{
	sampling = 0;
	pthread_join(kw_thr, NULL);
	return kw_max;
}

/* ------------------------------------------------------------------ */

static void fill(unsigned char *p, uint32_t i)
{
	int k;

	memcpy(p, &i, 4);
	for (k = 4; k < PAYLOAD; k++)
		p[k] = (unsigned char)(i + k);
}

static bool check(const unsigned char *p, long len, uint32_t i)
{
	unsigned char want[PAYLOAD];

	fill(want, i);
	return len == PAYLOAD && !memcmp(p, want, PAYLOAD);
}

static bool send_all(void)
{
	unsigned char buf[PAYLOAD];
	int i;

	for (i = 0; i < nsock; i++) {
		fill(buf, i);
		if (sendto(sender, buf, PAYLOAD, 0, (void *)&addrs[i],
			   sizeof(addrs[i])) != PAYLOAD) {
			FAILF("sendto socket %d: %s", i, strerror(errno));
			return false;
		}
	}
	return true;
}

/* Best (shortest) run of each engine over the repetitions. */
struct best {
	double ms, send_ms, tail_ms;
	char all[128];		/* every repetition's complete_ms */
	char mem[512];		/* the first repetition's memory, kworkers */
	int errors;
};

static struct best ep_best, wsa_best;

static void best_add(struct best *b, double ms, double send_ms,
		     double tail_ms, bool ok)
{
	size_t n = strlen(b->all);

	snprintf(b->all + n, sizeof(b->all) - n, "%s%.1f", n ? "," : "", ms);
	if (!ok)
		b->errors++;
	if (b->ms == 0 || ms < b->ms) {
		b->ms = ms;
		b->send_ms = send_ms;
		b->tail_ms = tail_ms;
	}
}

static void run_epoll(int rep)
{
	struct epoll_event *ev = calloc(1024, sizeof(*ev));
	unsigned char *seen = calloc(nsock, 1);
	unsigned char buf[256];
	struct mem m0, m1;
	uint64_t t0, t_sent, t1;
	int ep, i, got = 0, kw0, kw1, kwmax, kw2, errors = 0;
	char memstr[160];

	if (!ev || !seen)
		die("calloc");
	kw0 = count_kworkers();
	m0 = mem_now();
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	for (i = 0; i < nsock; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.u32 = i };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e))
			die("epoll_ctl");
	}
	m1 = mem_now();
	kw1 = count_kworkers();
	mem_delta(memstr, sizeof(memstr), "mem_per_sock", m0, m1, nsock);

	kw_start();
	t0 = now_ns();
	if (!send_all())
		errors++;
	t_sent = now_ns();
	while (!errors && got < nsock) {
		int n = epoll_wait(ep, ev, 1024, TIMEOUT_MS), k;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			FAILF("epoll: %d of %d datagrams arrived", got, nsock);
			errors++;
			break;
		}
		for (k = 0; k < n; k++) {
			uint32_t idx = ev[k].data.u32;
			struct sockaddr_in src;
			socklen_t sl = sizeof(src);
			ssize_t r;

			for (;;) {
				r = recvfrom(fds[idx], buf, sizeof(buf), MSG_DONTWAIT,
					     (void *)&src, &sl);
				if (r < 0)
					break;
				if (seen[idx] || !check(buf, r, idx) ||
				    sl != sizeof(src) || !same_addr(&src, &sender_addr)) {
					FAILF("epoll: socket %u: bad or duplicate "
					      "datagram (len %zd)", idx, r);
					errors++;
				}
				seen[idx] = 1;
				got++;
			}
			if (errno != EAGAIN) {
				FAILF("recvfrom: %s", strerror(errno));
				errors++;
			}
		}
	}
	t1 = now_ns();
	kwmax = kw_stop();
	kw2 = count_kworkers();
	close(ep);
	best_add(&ep_best, (t1 - t0) / 1e6, (t_sent - t0) / 1e6,
		 (t1 - t_sent) / 1e6, !errors && got == nsock);
	if (!rep)	/* the first run's: nothing cached from an earlier one */
		snprintf(ep_best.mem, sizeof(ep_best.mem), "%s kworkers=%d/%d/%d/%d",
			 memstr, kw0, kw1, kwmax, kw2);
	if (rep == reps - 1)
		result(BENCH, "epoll", !ep_best.errors,
		       "sockets=%d complete_ms=%.1f send_ms=%.1f tail_ms=%.1f "
		       "runs_ms=%s baseline=epoll time_ratio=1.00 %s",
		       nsock, ep_best.ms, ep_best.send_ms, ep_best.tail_ms,
		       ep_best.all, ep_best.mem);
	free(ev);
	free(seen);
}

static void run_wsaovl(int rep)
{
	struct wsaovl_sqe *sqe = calloc(WSAOVL_MAX_BATCH, sizeof(*sqe));
	struct wsaovl_buf *wb = calloc(nsock, sizeof(*wb));
	unsigned char *rbuf = aligned_alloc(4096, (size_t)nsock * PAYLOAD);
	struct sockaddr_in *names = calloc(nsock, sizeof(*names));
	unsigned char *seen = calloc(nsock, 1);
	struct mem m0, m1, m2;
	struct wsaovl_cqe c;
	struct ctx x;
	uint64_t tp0, tp1, t0, t_sent, t1;
	int i, got = 0, kw0, kw1, kwmax, kw2, errors = 0, pending = 0;
	char memstr[160], leftstr[160];
	unsigned int entries = 16, x_entries;
	uint64_t x_polls;
	double sub_idle, sub_busy;

	if (!sqe || !wb || !rbuf || !names || !seen)
		die("calloc");
	memset(rbuf, 0, (size_t)nsock * PAYLOAD);	/* fault the pages in */
	while (entries < (unsigned int)nsock && entries < WSAOVL_RING_MAX)
		entries <<= 1;
	if (ring_entries)
		entries = ring_entries;
	ctx_open_or_die(&x, entries);

	sub_idle = inline_submit_us(&x, 1000, &errors);
	kw0 = count_kworkers();
	if (!rep)
		slab_snap(&snap0);
	m0 = mem_now();
	tp0 = now_ns();
	for (i = 0; i < nsock && !errors; ) {
		int n = nsock - i < WSAOVL_MAX_BATCH ? nsock - i : WSAOVL_MAX_BATCH;
		int k, r;

		for (k = 0; k < n; k++) {
			buf_set(&wb[i + k], rbuf + (size_t)(i + k) * PAYLOAD, PAYLOAD);
			sqe_init(&sqe[k], WSAOVL_OP_RECVFROM, fds[i + k],
				 &wb[i + k], i + k);
			sqe[k].addr = (uintptr_t)&names[i + k];
			sqe[k].addrlen = sizeof(names[i + k]);
		}
		r = wsa_submit(&x, sqe, n);
		if (r != n) {
			int f = r < 0 ? 0 : r;

			FAILF("SUBMIT: %d of %d accepted (sqe %d: state %u res %d)",
			      r, n, i + f, sqe[f].state, sqe[f].res);
			errors++;
			break;
		}
		for (k = 0; k < n; k++) {
			if (sqe[k].state != WSAOVL_STATE_PENDING) {
				FAILF("RECVFROM %d not pending: state %u res %d",
				      i + k, sqe[k].state, sqe[k].res);
				errors++;
			} else {
				pending++;
			}
		}
		i += n;
	}
	tp1 = now_ns();
	m1 = mem_now();
	if (!rep) {
		slab_snap(&snap1);
		slab_print("posting the receives", &snap0, &snap1, nsock);
	}
	kw1 = count_kworkers();
	mem_delta(memstr, sizeof(memstr), "mem_per_op", m0, m1, nsock);
	sub_busy = inline_submit_us(&x, 1000, &errors);

	kw_start();
	t0 = now_ns();
	if (!errors && !send_all())
		errors++;
	t_sent = now_ns();
	while (!errors && got < nsock) {
		int r = cq_wait(&x, &c, TIMEOUT_MS);

		if (r != 1) {
			FAILF("wsaovl: %d of %d completions arrived (%s); ring "
			      "overflow %u", got, nsock,
			      r ? strerror(-r) : "timeout", x.ring->overflow);
			errors++;
			break;
		}
		if (c.tag >= (uint64_t)nsock || seen[c.tag] ||
		    !check(rbuf + c.tag * PAYLOAD, c.res, c.tag) ||
		    c.opcode != WSAOVL_OP_RECVFROM ||
		    c.namelen != sizeof(struct sockaddr_in) ||
		    !same_addr(&names[c.tag], &sender_addr)) {
			FAILF("wsaovl: bad cqe: tag %llu res %d namelen %u",
			      (unsigned long long)c.tag, c.res, c.namelen);
			errors++;
			break;
		}
		seen[c.tag] = 1;
		got++;
	}
	t1 = now_ns();
	kwmax = kw_stop();
	usleep(100000);
	kw2 = count_kworkers();
	if (!errors && cq_wait(&x, &c, 50) == 1) {
		FAILF("wsaovl: extra cqe tag %llu", (unsigned long long)c.tag);
		errors++;
	}
	m2 = mem_now();
	mem_delta(leftstr, sizeof(leftstr), "left_per_op", m0, m2, nsock);
	x_entries = x.entries;
	x_polls = x.polls;
	ctx_fini(&x);
	best_add(&wsa_best, (t1 - t0) / 1e6, (t_sent - t0) / 1e6,
		 (t1 - t_sent) / 1e6, !errors && got == nsock);
	if (!rep)	/* the first run's: nothing cached from an earlier one */
		snprintf(wsa_best.mem, sizeof(wsa_best.mem),
			 "post_ms=%.1f ring=%u pending=%d %s %s "
			 "kworkers=%d/%d/%d/%d polls=%llu submit_us_idle=%.1f "
			 "submit_us_busy=%.1f",
			 (tp1 - tp0) / 1e6, x_entries, pending, memstr, leftstr,
			 kw0, kw1, kwmax, kw2, (unsigned long long)x_polls,
			 sub_idle, sub_busy);
	if (rep == reps - 1)
		result(BENCH, "wsaovl", !wsa_best.errors,
		       "sockets=%d complete_ms=%.1f send_ms=%.1f tail_ms=%.1f "
		       "runs_ms=%s baseline=epoll time_ratio=%.2f %s",
		       nsock, wsa_best.ms, wsa_best.send_ms, wsa_best.tail_ms,
		       wsa_best.all, ep_best.ms > 0 ? wsa_best.ms / ep_best.ms : 0,
		       wsa_best.mem);
	free(sqe);
	free(wb);
	free(rbuf);
	free(names);
	free(seen);
}

int main(int argc, char **argv)
{
	int i;
	bool cg;

	setvbuf(stdout, NULL, _IOLBF, 0);
	nsock = env_long("BENCH_SOCKETS", 10000);
	reps = env_long("BENCH_SCALE_REPS", 2);
	ring_entries = env_long("BENCH_SCALE_RING", 0);
	raise_nofile(nsock + 256);
	fds = calloc(nsock, sizeof(*fds));
	addrs = calloc(nsock, sizeof(*addrs));
	if (!fds || !addrs)
		die("calloc");
	for (i = 0; i < nsock; i++) {
		fds[i] = bound_socket(SOCK_DGRAM, &addrs[i]);
		if (fds[i] < 0) {
			errno = -fds[i];
			die("socket/bind");
		}
	}
	sender = bound_socket(SOCK_DGRAM, &sender_addr);
	if (sender < 0)
		die("sender socket");
	sink = bound_socket(SOCK_DGRAM, &sink_addr);
	if (sink < 0)
		die("sink socket");
	{
		int sz = 8 << 20;

		if (setsockopt(sink, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
			setsockopt(sink, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	}

	cg = cg_enter();
	printf("# scale: %d sockets; memory: cgroup %s, slabinfo %s\n", nsock,
	       cg ? cg_dir : "unavailable",
	       access("/proc/slabinfo", R_OK) ? "unavailable" : "yes");
	for (i = 0; i < reps; i++) {
		run_epoll(i);
		run_wsaovl(i);
	}
	cg_leave();
	for (i = 0; i < nsock; i++)
		close(fds[i]);
	close(sender);
	return bench_failures ? 1 : 0;
}
