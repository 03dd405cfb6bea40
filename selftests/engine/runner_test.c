// SPDX-License-Identifier: GPL-2.0
/*
 * Retries run by the owner's waiting threads (runner.c): with a thread in
 * WSAOVL_IOC_WAIT, a pending op's retry runs in that thread, not in a
 * kworker (the workqueue tracepoint says which ran); with nobody waiting
 * the kworker completes it (overlapped I/O needs no waiter); many waiters
 * and waiters that come and go lose no completion and complete none twice.
 */
#include <linux/userfaultfd.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include "engine.h"
#include "events.h"

#define TRACEFS		"/sys/kernel/tracing"

/* Start tracing workqueue executions; 0, or -errno if tracefs is absent. */
static int trace_start(void)
{
	if (access(TRACEFS "/trace", F_OK))
		mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	if (access(TRACEFS "/events/workqueue/workqueue_execute_start/enable",
		   F_OK))
		return -ENOENT;
	write_str(TRACEFS "/tracing_on", "0");
	write_str(TRACEFS "/trace", "");
	if (write_str(TRACEFS "/events/workqueue/workqueue_execute_start/enable",
		       "1"))
		return -EIO;
	return write_str(TRACEFS "/tracing_on", "1");
}

/* Stop, and count the runs of the queues' work function. */
static int trace_stop_count(void)
{
	char line[512];
	int n = 0;
	FILE *f;

	write_str(TRACEFS "/tracing_on", "0");
	write_str(TRACEFS "/events/workqueue/workqueue_execute_start/enable", "0");
	f = fopen(TRACEFS "/trace", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "wsaovl_sockq_work"))
			n++;
	fclose(f);
	return n;
}

struct rx {
	struct wsaovl_status st;
	char buf[32];
	struct wsaovl_buf b;
};

static void post_recv(struct __test_metadata *_metadata, struct ctx *c,
		      int fd, struct rx *r, int ev, uint64_t tag)
{
	struct wsaovl_sqe s;

	memset(r, 0, sizeof(*r));
	r->st.status = WSAOVL_STATUS_PENDING;
	buf_set(&r->b, r->buf, sizeof(r->buf));
	sqe_prep(&s, WSAOVL_OP_RECV, fd, &r->b, 1, tag);
	s.status = (uintptr_t)&r->st;
	if (ev >= 0) {
		s.flags = WSAOVL_SQE_EVENT;
		s.eventfd = ev;
	}
	ASSERT_EQ(1, submit(c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
}

FIXTURE(runner) {
	struct ctx c;
	struct pair p;
};

FIXTURE_SETUP(runner)
{
	CTX_INIT(&self->c, 4096);
	PAIR_OPEN(&self->p, AF_INET, SOCK_DGRAM);
}

FIXTURE_TEARDOWN(runner)
{
	pair_close(&self->p);
	ctx_fini(&self->c);
}

struct bg_wait {
	int dev, ev;
	int ret;
	pthread_t th;
};

static void *bg_wait_main(void *arg)
{
	struct bg_wait *w = arg;

	w->ret = wait_ev(w->dev, &w->ev, 1, 0, 0, in_ms(10000), NULL);
	return NULL;
}

/* Wait (until it is in the kernel, by its state) for thread tid to sleep. */
static void wait_sleeping(pid_t tid)
{
	char path[64], buf[512];
	int i;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	for (i = 0; i < 2000; i++) {
		FILE *f = fopen(path, "r");
		char *p = NULL;

		if (f) {
			p = fgets(buf, sizeof(buf), f);
			fclose(f);
		}
		p = p ? strrchr(buf, ')') : NULL;
		if (p && p[1] == ' ' && p[2] == 'S')
			return;
		msleep(1);
	}
}

struct tid_box {
	struct bg_wait *w;
	atomic_int tid;
};

static void *bg_wait_tid(void *arg)
{
	struct tid_box *b = arg;

	atomic_store(&b->tid, sys_gettid());
	return bg_wait_main(b->w);
}

/*
 * The retry runs in the waiting thread: 50 rounds of a receive completed
 * while a thread waits for its event in WAIT make no kworker run.  The
 * same with the thread in poll() on the event instead (not a runner):
 * the kworker runs them.
 */
TEST_F(runner, waiting_thread_runs_retry)
{
	int rounds = 50, i, mode, ran[2];
	struct rx r;
	int ev;

	if (trace_start())
		SKIP(return, "no tracefs workqueue events");
	trace_stop_count();
	ev = ev_new(self->c.fd, 0, 0);
	ASSERT_LE(0, ev);
	for (mode = 0; mode < 2; mode++) {
		ASSERT_EQ(0, trace_start());
		for (i = 0; i < rounds; i++) {
			struct bg_wait w = { .dev = self->c.fd, .ev = ev };
			struct tid_box box = { .w = &w };

			post_recv(_metadata, &self->c, self->p.rx, &r, ev, i);
			if (mode == 0) {
				ASSERT_EQ(0, pthread_create(&w.th, NULL,
							    bg_wait_tid, &box));
				while (!atomic_load(&box.tid))
					sched_yield();
				wait_sleeping(atomic_load(&box.tid));
			}
			ASSERT_EQ(1, send(self->p.tx, "r", 1, 0));
			if (mode == 0) {
				pthread_join(w.th, NULL);
				ASSERT_EQ(0, w.ret);
			} else {
				struct pollfd pf = { .fd = ev, .events = POLLIN };

				ASSERT_EQ(1, poll(&pf, 1, 10000));
				ASSERT_EQ(0, poll_one(self->c.fd, ev));
			}
			EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
			EXPECT_EQ(1, r.st.information);
		}
		ran[mode] = trace_stop_count();
	}
	TH_LOG("kworker runs: %d with a waiter in WAIT, %d with poll()",
	       ran[0], ran[1]);
	EXPECT_EQ(0, ran[0]);
	EXPECT_LE(rounds / 2, ran[1]);
	close(ev);
}

/*
 * One thread: a receive posted, then a send to it through SUBMIT.  On
 * loopback the send makes the receive ready within the call, and SUBMIT
 * runs its retry before returning: the status is final when it returns,
 * with no kworker run (but when the host deferred the softirq).
 */
TEST_F(runner, submitter_runs_what_its_send_made_ready)
{
	int rounds = 200, i, before = 0, ran;
	struct wsaovl_buf b;
	struct wsaovl_sqe s;
	struct wsaovl_cqe cqe;
	struct rx r;
	int traced = !trace_start();

	buf_set(&b, "ping", 4);
	for (i = 0; i < rounds; i++) {
		post_recv(_metadata, &self->c, self->p.rx, &r, -1, i);
		sqe_prep(&s, WSAOVL_OP_SEND, self->p.tx, &b, 1, 1000 + i);
		s.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
		ASSERT_EQ(1, submit(&self->c, &s, 1));
		ASSERT_EQ(WSAOVL_STATE_DONE, s.state);
		if (__atomic_load_n(&r.st.status, __ATOMIC_ACQUIRE) ==
		    WSAOVL_STATUS_SUCCESS)
			before++;
		CQ_WAIT(&self->c, &cqe, 5000);
		ASSERT_EQ((uint64_t)i, cqe.tag);
		ASSERT_EQ(4, cqe.res);
		ASSERT_EQ(0, memcmp(r.buf, "ping", 4));
	}
	ran = traced ? trace_stop_count() : -1;
	TH_LOG("%d of %d complete when SUBMIT returned; %d kworker runs",
	       before, rounds, ran);
	EXPECT_LE(rounds * 8 / 10, before);
	if (traced)
		EXPECT_GE(rounds / 10, ran);
}

/* Nobody waits anywhere: the kworker completes the op all the same. */
TEST_F(runner, completes_with_nobody_waiting)
{
	struct rx r;
	int i;

	post_recv(_metadata, &self->c, self->p.rx, &r, -1, 1);
	ASSERT_EQ(4, send(self->p.tx, "idle", 4, 0));
	for (i = 0; i < 5000 && __atomic_load_n(&r.st.status, __ATOMIC_ACQUIRE) ==
	     WSAOVL_STATUS_PENDING; i++)
		msleep(1);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	EXPECT_EQ(4, r.st.information);
	EXPECT_EQ(0, memcmp(r.buf, "idle", 4));
}

#define NSOCK	8
#define NROUND	300

struct many {
	struct ctx *c;
	int ev[NSOCK];
	atomic_int stop;
	atomic_int waits;
};

/* Waits with a short timeout, so runners keep coming and going. */
static void *churn_main(void *arg)
{
	struct many *m = arg;
	unsigned int k = 0;

	while (!atomic_load(&m->stop)) {
		int e = m->ev[k++ % NSOCK];

		wait_ev(m->c->fd, &e, 1, 0, 0, in_ms(2), NULL);
		atomic_fetch_add(&m->waits, 1);
	}
	return NULL;
}

/* SUBMITs that fail at once: each enters and leaves the runner lists. */
static void *submit_churn_main(void *arg)
{
	struct many *m = arg;
	struct wsaovl_sqe s;

	while (!atomic_load(&m->stop)) {
		sqe_prep(&s, WSAOVL_OP_RECV, -1, NULL, 0, 0);
		submit(m->c, &s, 1);
	}
	return NULL;
}

/*
 * Four threads wait (2 ms at a time, on the ops' auto-reset events) and
 * two submit (failing at once), so runners keep coming and going, while
 * 8 sockets' receives complete 300 times each: every op completes exactly
 * once with its own datagram, whoever ran it.
 */
TEST_F_TIMEOUT(runner, churning_waiters_exactly_once, 600)
{
	struct pair ps[NSOCK];
	struct rx r[NSOCK];
	struct wsaovl_cqe cqe;
	struct many m = { .c = &self->c };
	pthread_t th[6];
	unsigned int seen[NSOCK] = { 0 };
	int i, k, got;

	for (k = 0; k < NSOCK; k++) {
		PAIR_OPEN(&ps[k], AF_INET, SOCK_DGRAM);
		m.ev[k] = ev_new(self->c.fd, 0, 0);
		ASSERT_LE(0, m.ev[k]);
	}
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, i < 4 ? churn_main :
					    submit_churn_main, &m));
	for (i = 0; i < NROUND; i++) {
		for (k = 0; k < NSOCK; k++)
			post_recv(_metadata, &self->c, ps[k].rx, &r[k], m.ev[k],
				  (uint64_t)k << 32 | i);
		for (k = 0; k < NSOCK; k++) {
			char msg[16];
			int len = snprintf(msg, sizeof(msg), "%d.%d", k, i);

			ASSERT_EQ(len, send(ps[k].tx, msg, len, 0));
		}
		for (got = 0; got < NSOCK; got++) {
			ASSERT_EQ(1, cq_wait(&self->c, &cqe, 10000))
				TH_LOG("round %d: %d of %d", i, got, NSOCK);
			k = cqe.tag >> 32;
			ASSERT_LT(k, NSOCK);
			ASSERT_EQ((uint32_t)i, (uint32_t)cqe.tag);
			seen[k]++;
		}
		for (k = 0; k < NSOCK; k++) {
			char msg[16];
			int len = snprintf(msg, sizeof(msg), "%d.%d", k, i);

			ASSERT_EQ(WSAOVL_STATUS_SUCCESS, r[k].st.status);
			ASSERT_EQ(len, r[k].st.information);
			ASSERT_EQ(0, memcmp(r[k].buf, msg, len));
		}
	}
	atomic_store(&m.stop, 1);
	for (i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	EXPECT_TRUE(cq_quiet(&self->c, 100));	/* none twice */
	for (k = 0; k < NSOCK; k++) {
		EXPECT_EQ(NROUND, seen[k]);
		close(m.ev[k]);
		pair_close(&ps[k]);
	}
	TH_LOG("%d waits", atomic_load(&m.waits));
}

static void on_usr1(int sig)
{
	(void)sig;
}

struct busy {
	struct ctx *c;
	struct pair *p;
	atomic_int stop;
};

/* Keeps a receive pending and completing on p, as fast as it can. */
static void *busy_main(void *arg)
{
	struct busy *b = arg;
	struct wsaovl_buf wb;
	struct wsaovl_sqe s;
	char buf[8];

	buf_set(&wb, buf, sizeof(buf));
	while (!atomic_load(&b->stop)) {
		struct wsaovl_cqe cqe;

		sqe_prep(&s, WSAOVL_OP_RECV, b->p->rx, &wb, 1, 9);
		s.flags = WSAOVL_SQE_SKIP_INLINE_CQE;
		if (submit(b->c, &s, 1) != 1)
			break;
		send(b->p->tx, "b", 1, 0);
		if (s.state == WSAOVL_STATE_PENDING)
			cq_wait(b->c, &cqe, 1000);
	}
	return NULL;
}

/*
 * A signal ends a WAIT (EINTR, no SA_RESTART) promptly even while
 * completions keep coming for the thread to run.
 */
TEST_F(runner, signal_ends_busy_wait)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	struct busy b = { .c = &self->c, .p = &self->p };
	struct bg_wait w = { .dev = self->c.fd };
	pthread_t bt;
	int i, ev;

	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ev = ev_new(self->c.fd, 1, 0);
	ASSERT_LE(0, ev);
	w.ev = ev;
	ASSERT_EQ(0, pthread_create(&bt, NULL, busy_main, &b));
	for (i = 0; i < 20; i++) {
		uint64_t t0;

		w.ret = 1;
		ASSERT_EQ(0, pthread_create(&w.th, NULL, bg_wait_main, &w));
		msleep(20);
		/*
		 * Again every 200 ms: on a loaded host the thread may not
		 * have entered WAIT yet, and a signal before it is not its.
		 */
		t0 = now_ms();
		for (;;) {
			struct timespec ts;

			pthread_kill(w.th, SIGUSR1);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 200 * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (!pthread_timedjoin_np(w.th, NULL, &ts))
				break;
		}
		EXPECT_EQ(-EINTR, w.ret) TH_LOG("round %d", i);
		EXPECT_GT(2000, now_ms() - t0);
	}
	atomic_store(&b.stop, 1);
	pthread_join(bt, NULL);
	close(ev);
}

/* A waiter that times out while its retries are queued hands them on. */
TEST_F(runner, timeout_hands_queued_retries_on)
{
	struct wsaovl_cqe cqe;
	struct rx r;
	int ev, other, i;

	ev = ev_new(self->c.fd, 1, 0);
	other = ev_new(self->c.fd, 1, 0);
	ASSERT_LE(0, ev);
	ASSERT_LE(0, other);
	for (i = 0; i < 100; i++) {
		post_recv(_metadata, &self->c, self->p.rx, &r, ev, i);
		ASSERT_EQ(1, send(self->p.tx, "t", 1, 0));
		/* waits for something else; may or may not run the retry */
		EXPECT_EQ(-ETIMEDOUT, wait_ev(self->c.fd, &other, 1, 0, 0,
					      in_ms(0), NULL));
		ASSERT_EQ(0, wait_ev(self->c.fd, &ev, 1, 0, 0, in_ms(10000),
				     NULL)) TH_LOG("round %d", i);
		EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
		ASSERT_EQ(0, ev_reset(ev) < 0);
		CQ_WAIT(&self->c, &cqe, 5000);
		EXPECT_EQ((uint64_t)i, cqe.tag);
	}
	close(ev);
	close(other);
}

/* A userfaultfd handler: fills each missing page with 'u', counts faults. */
struct uffd_srv {
	int fd;
	long page;
	volatile int faults;
	volatile bool stop;
	volatile bool hold;	/* a fault waits until this is cleared */
	pthread_t th;
};

static void *uffd_main(void *arg)
{
	struct uffd_srv *u = arg;
	char *fill = malloc(u->page);

	memset(fill, 'u', u->page);
	while (!u->stop) {
		struct pollfd p = { .fd = u->fd, .events = POLLIN };
		struct uffdio_copy cp = { 0 };
		struct uffd_msg m;

		if (poll(&p, 1, 50) <= 0)
			continue;
		if (read(u->fd, &m, sizeof(m)) != sizeof(m) ||
		    m.event != UFFD_EVENT_PAGEFAULT)
			continue;
		cp.dst = m.arg.pagefault.address & ~(u->page - 1);
		cp.src = (uintptr_t)fill;
		cp.len = u->page;
		/* Counted first: the copy wakes the faulting thread. */
		__atomic_add_fetch(&u->faults, 1, __ATOMIC_SEQ_CST);
		while (u->hold && !u->stop)
			msleep(1);
		ioctl(u->fd, UFFDIO_COPY, &cp);
	}
	free(fill);
	return NULL;
}

/*
 * One page behind a uffd handler thread (u->page set), missing until
 * touched; NULL if userfaultfd is missing (u->fd < 0) or a step failed.
 */
static char *uffd_page(struct uffd_srv *u)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	char *m;

	u->fd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (u->fd < 0 || ioctl(u->fd, UFFDIO_API, &api))
		return NULL;
	m = mmap(NULL, u->page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	reg.range.start = (uintptr_t)m;
	reg.range.len = u->page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(u->fd, UFFDIO_REGISTER, &reg) ||
	    pthread_create(&u->th, NULL, uffd_main, u)) {
		munmap(m, u->page);
		return NULL;
	}
	return m;
}

/*
 * A worker never waits on userfaultfd.  A receive buffer behind a uffd
 * handler, populated at submit (the probe's fault, served), then dropped
 * again (MADV_DONTNEED): the datagram arrives while nobody waits, the
 * worker's pin would need the handler, so it fails at once (FOLL_NOWAIT:
 * the handler hears nothing) and leaves the op, the datagram queued.  A
 * thread of the owner in WAIT then takes the fault itself, the handler
 * serves it, and the op completes with the data.
 */
TEST_F_TIMEOUT(runner, worker_never_waits_on_userfaultfd, 60)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffd_srv u = { .page = page };
	struct wsaovl_sqe s;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	int ev, faults, r;
	char *m;

	m = uffd_page(&u);
	if (!m && u.fd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_NE(NULL, m);

	ev = ev_new(self->c.fd, 1, 0);
	ASSERT_LE(0, ev);
	buf_set(&b, m, 64);
	sqe_prep(&s, WSAOVL_OP_RECV, self->p.rx, &b, 1, 7);
	s.flags = WSAOVL_SQE_EVENT;
	s.eventfd = ev;
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	EXPECT_EQ(1, u.faults);		/* the submit's probe, served */
	ASSERT_EQ(0, madvise(m, page, MADV_DONTNEED));
	faults = u.faults;

	ASSERT_EQ(5, send(self->p.tx, "hello", 5, 0));
	EXPECT_TRUE(cq_quiet(&self->c, 500));
	EXPECT_EQ(faults, u.faults);	/* no worker asked the handler */
	EXPECT_EQ(5, pending_bytes(self->p.rx));
	EXPECT_EQ(0, ev_state(ev));

	r = wait_ev(self->c.fd, &ev, 1, 0, 0, in_ms(10000), NULL);
	EXPECT_EQ(0, r);
	EXPECT_EQ(faults + 1, u.faults);	/* the waiter's own fault */
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(7, cqe.tag);
	EXPECT_EQ(5, cqe.res);
	EXPECT_EQ(0, memcmp(m, "hello", 5));
	EXPECT_EQ('u', m[5]);
	u.stop = true;
	pthread_join(u.th, NULL);
	close(ev);
	close(u.fd);
	munmap(m, page);
}

/*
 * A queue left for the owner whose head becomes a worker's -EFAULT is no
 * longer left: 70 receives behind a uffd handler (a worker cannot pin
 * them) and one normal one, a datagram, then the uffd region unmapped.
 * The backoff retry fails the 70 with EFAULT, more than one run's
 * budget, and the run that the budget queues must still happen: all 71
 * complete with nobody of the owner in the module.
 */
TEST_F_TIMEOUT(runner, left_queue_efault_head_moves_on, 60)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffd_srv u = { .page = page };
	struct wsaovl_sqe s;
	struct wsaovl_buf b;
	struct wsaovl_cqe cqe;
	char buf[64];
	int i, efault = 0, ok = 0;
	char *m;

	m = uffd_page(&u);
	if (!m && u.fd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_NE(NULL, m);

	buf_set(&b, m, 64);
	for (i = 0; i < 70; i++) {
		sqe_prep(&s, WSAOVL_OP_RECV, self->p.rx, &b, 1, i + 1);
		ASSERT_EQ(1, submit(&self->c, &s, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	}
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&s, WSAOVL_OP_RECV, self->p.rx, &b, 1, 100);
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	ASSERT_EQ(0, madvise(m, page, MADV_DONTNEED));

	ASSERT_EQ(5, send(self->p.tx, "hello", 5, 0));
	EXPECT_TRUE(cq_quiet(&self->c, 300));	/* left: the head needs the handler */
	u.stop = true;
	pthread_join(u.th, NULL);
	ASSERT_EQ(0, munmap(m, page));
	for (i = 0; i < 71; i++) {
		if (cq_wait(&self->c, &cqe, 5000) != 1)	/* poll(): not a runner */
			break;
		if (cqe.tag <= 70 && cqe.res == -EFAULT)
			efault++;
		else if (cqe.tag == 100 && cqe.res == 5)
			ok++;
	}
	EXPECT_EQ(70, efault);
	EXPECT_EQ(1, ok);
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	close(u.fd);
}

struct stuck_submit {
	int dev;
	struct wsaovl_sqe s;
	int ret;
	pthread_t th;
};

static void *stuck_submit_main(void *arg)
{
	struct stuck_submit *t = arg;
	struct wsaovl_submit sub = {
		.sqes = (uintptr_t)&t->s, .nr = 1,
	};

	t->ret = ioctl(t->dev, WSAOVL_IOC_SUBMIT, &sub);
	return NULL;
}

/*
 * A submitter stuck in a fault does not hold up what its wakeups were
 * handed: thread B is in SUBMIT, blocked in a fault on its send's buffer
 * (a uffd handler that holds it), the only thread of the owner in the
 * module.  A datagram for a pending receive is handed to B, and the
 * context's backstop timer passes it to the workqueue a tick or two
 * later: the receive completes while B is still stuck.  Released, B's
 * send completes with the handler's bytes.
 */
TEST_F_TIMEOUT(runner, stuck_submitter_backstop, 60)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffd_srv u = { .page = page, .hold = true };
	struct stuck_submit t = { .dev = self->c.fd };
	struct wsaovl_cqe cqe;
	struct wsaovl_buf b;
	struct pair other;
	char got[64];
	struct rx r;
	int i;
	char *m;

	m = uffd_page(&u);
	if (!m && u.fd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_NE(NULL, m);
	PAIR_OPEN(&other, AF_INET, SOCK_DGRAM);

	post_recv(_metadata, &self->c, self->p.rx, &r, -1, 1);
	buf_set(&b, m, 64);
	sqe_prep(&t.s, WSAOVL_OP_SEND, other.tx, &b, 1, 2);
	ASSERT_EQ(0, pthread_create(&t.th, NULL, stuck_submit_main, &t));
	for (i = 0; i < 5000 && !u.faults; i++)
		msleep(1);
	ASSERT_EQ(1, u.faults);		/* B is in SUBMIT, in the fault */

	ASSERT_EQ(5, send(self->p.tx, "hello", 5, 0));
	CQ_WAIT(&self->c, &cqe, 3000);	/* poll(): not a runner */
	EXPECT_EQ(1, cqe.tag);
	EXPECT_EQ(5, cqe.res);
	EXPECT_EQ(0, memcmp(r.buf, "hello", 5));
	EXPECT_EQ(1, u.faults);
	EXPECT_EQ(0, pthread_tryjoin_np(t.th, NULL) == 0);	/* still stuck */

	u.hold = false;
	ASSERT_EQ(0, pthread_join(t.th, NULL));
	EXPECT_EQ(1, t.ret);
	EXPECT_EQ(WSAOVL_STATE_DONE, t.s.state);
	EXPECT_EQ(64, recv(other.rx, got, sizeof(got), MSG_DONTWAIT));
	EXPECT_EQ('u', got[0]);
	EXPECT_EQ('u', got[63]);
	u.stop = true;
	pthread_join(u.th, NULL);
	pair_close(&other);
	close(u.fd);
	munmap(m, page);
}

TEST_HARNESS_MAIN
