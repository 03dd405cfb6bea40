// SPDX-License-Identifier: GPL-2.0
/*
 * Event objects and WSAOVL_IOC_WAIT (WaitForMultipleObjectsEx): manual and
 * auto reset, SET/RESET/PULSE/READ, wait-any (lowest index wins,
 * duplicates allowed), wait-all (atomic, no duplicates), the alert (loses
 * ties, satisfies a wait-all alone), timeouts, waits woken from other
 * threads, close/signal/kill during a wait, foreign fds, poll/epoll, and
 * SUBMIT's WSAOVL_SQE_EVENT (reset at submit, set after status and cqe).
 */
#include <stdarg.h>
#include <sys/epoll.h>
#include "engine.h"
#include "events.h"

#define FOREVER		WSAOVL_WAIT_INFINITE
#define SETTLE_MS	200	/* for "it did not wake": generous under TCG */

/* ------------------------------------------------------------------ */
/* A wait in another thread.                                           */

struct waiter {
	int dev;
	int fds[WSAOVL_MAX_WAIT];
	uint32_t count, flags;
	int alert;
	uint64_t timeout;
	int ret;
	uint32_t index;
	uint64_t woke_ns;
	atomic_int *done;
	pthread_t th;
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->ret = wait_ev(w->dev, w->fds, w->count, w->flags, w->alert,
			 w->timeout, &w->index);
	w->woke_ns = mono_ns();
	if (w->done)
		atomic_fetch_add(w->done, 1);
	return NULL;
}

static void waiter_init(struct waiter *w, int dev, uint32_t flags, int alert,
			uint32_t count, ...)
{
	va_list ap;
	uint32_t i;

	memset(w, 0, sizeof(*w));
	w->dev = dev;
	w->flags = flags;
	w->alert = alert;
	w->count = count;
	w->timeout = FOREVER;
	w->ret = -1000;
	va_start(ap, count);
	for (i = 0; i < count; i++)
		w->fds[i] = va_arg(ap, int);
	va_end(ap);
}

static int waiter_start(struct waiter *w)
{
	return pthread_create(&w->th, NULL, waiter_main, w);
}

/* 0 once the thread ended within ms, ETIMEDOUT while it still blocks. */
static int join_within(pthread_t th, unsigned int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_timedjoin_np(th, NULL, &ts);
}

/* Start w and prove it blocks. */
#define START_BLOCKED(w) do {						\
	ASSERT_EQ(0, waiter_start(w));					\
	ASSERT_EQ(ETIMEDOUT, join_within((w)->th, SETTLE_MS))		\
		TH_LOG("the wait returned %d at once", (w)->ret);	\
} while (0)

/* w, blocked, now returns index (a wake that takes 10 s is a failure). */
#define JOIN_INDEX(w, idx) do {						\
	ASSERT_EQ(0, join_within((w)->th, 10000));			\
	EXPECT_EQ((idx), (w)->ret);					\
	EXPECT_EQ((uint32_t)(idx), (w)->index);				\
} while (0)

#define DEV_OPEN(fd) do {						\
	(fd) = dev_open();						\
	if ((fd) < 0 && errno == ENOENT)				\
		SKIP(return, DEV_PATH " missing: module not loaded");	\
	ASSERT_LE(0, (fd));						\
} while (0)

/* ------------------------------------------------------------------ */
/* The objects.                                                        */

TEST(create)
{
	struct wsaovl_event_args a;
	struct wsaovl_query q;
	char path[64], link[128];
	ssize_t n;
	int dev, e;

	DEV_OPEN(dev);
	memset(&q, POISON8, sizeof(q));
	ASSERT_EQ(0, ioctl(dev, WSAOVL_IOC_QUERY, &q));
	EXPECT_EQ(3, q.abi_version);
	EXPECT_TRUE(q.features & WSAOVL_FEAT_EVENTS);

	e = ev_new(dev, 1, 0);
	ASSERT_LE(0, e);
	EXPECT_EQ(FD_CLOEXEC, fcntl(e, F_GETFD) & FD_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", e);
	n = readlink(path, link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = 0;
	EXPECT_STREQ("anon_inode:[wsaovl_event]", link);

	memset(&a, POISON8, sizeof(a));
	ASSERT_EQ(0, ioctl(e, WSAOVL_IOC_EVENT_READ, &a));
	EXPECT_EQ(1, a.manual);
	EXPECT_EQ(0, a.signaled);
	close(e);

	e = ev_new(dev, 0, 1);
	ASSERT_LE(0, e);
	memset(&a, POISON8, sizeof(a));
	ASSERT_EQ(0, ioctl(e, WSAOVL_IOC_EVENT_READ, &a));
	EXPECT_EQ(0, a.manual);
	EXPECT_EQ(1, a.signaled);

	/* Each ioctl on its own kind of fd only. */
	EXPECT_EQ(-ENOTTY, ev_set(dev));
	EXPECT_EQ(-ENOTTY, ev_state(dev));
	EXPECT_EQ(-ENOTTY, wait_ev(e, &e, 1, 0, 0, 0, NULL));
	EXPECT_EQ(-1, ioctl(e, WSAOVL_IOC_CREATE_EVENT, &a));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(e, WSAOVL_IOC_QUERY, &q));
	EXPECT_EQ(ENOTTY, errno);
	/* An event fd is not readable or writable as a file. */
	EXPECT_EQ(-1, read(e, &q, 8));
	EXPECT_EQ(-1, write(e, &q, 8));

	/* Bad arguments: only 0 and 1, and a readable struct. */
	EXPECT_EQ(-EINVAL, ev_new(dev, 2, 0));
	EXPECT_EQ(-EINVAL, ev_new(dev, 0, 2));
	EXPECT_EQ(-EINVAL, ev_new(dev, 0x80000000u, 0));
	EXPECT_EQ(-1, ioctl(dev, WSAOVL_IOC_CREATE_EVENT, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(e, WSAOVL_IOC_EVENT_READ, NULL));
	EXPECT_EQ(EFAULT, errno);
	/* The state changes; only the report of the old one faults. */
	EXPECT_EQ(-1, ioctl(e, WSAOVL_IOC_EVENT_RESET, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, ev_state(e));
	close(e);

	/* An event outlives the device fd it was made on. */
	e = ev_new(dev, 0, 0);
	ASSERT_LE(0, e);
	close(dev);
	EXPECT_EQ(0, ev_set(e));
	EXPECT_EQ(1, ev_state(e));
	close(e);
}

/* SET, RESET and PULSE return the previous state, on both kinds. */
TEST(set_reset_pulse)
{
	int dev, e, manual;

	DEV_OPEN(dev);
	for (manual = 0; manual <= 1; manual++) {
		e = ev_new(dev, manual, 0);
		ASSERT_LE(0, e);
		EXPECT_EQ(0, ev_set(e));
		EXPECT_EQ(1, ev_state(e));
		EXPECT_EQ(1, ev_set(e));
		EXPECT_EQ(1, ev_state(e));
		EXPECT_EQ(1, ev_reset(e));
		EXPECT_EQ(0, ev_state(e));
		EXPECT_EQ(0, ev_reset(e));
		EXPECT_EQ(0, ev_state(e));
		/* A pulse with no waiter leaves it reset. */
		EXPECT_EQ(0, ev_pulse(e));
		EXPECT_EQ(0, ev_state(e));
		EXPECT_EQ(0, ev_set(e));
		EXPECT_EQ(1, ev_pulse(e));
		EXPECT_EQ(0, ev_state(e));
		close(e);
	}
	close(dev);
}

/* A manual-reset event stays signalled; an auto-reset one is taken. */
TEST(manual_vs_auto)
{
	uint32_t idx;
	int dev, m, a;

	DEV_OPEN(dev);
	m = ev_new(dev, 1, 1);
	a = ev_new(dev, 0, 1);
	ASSERT_LE(0, m);
	ASSERT_LE(0, a);

	EXPECT_EQ(0, wait_ev(dev, &m, 1, 0, 0, 0, &idx));
	EXPECT_EQ(0, idx);
	EXPECT_EQ(0, poll_one(dev, m));
	EXPECT_EQ(0, wait_ev(dev, &m, 1, WSAOVL_WAIT_ALL, 0, 0, NULL));
	EXPECT_EQ(1, ev_state(m));
	EXPECT_EQ(1, ev_reset(m));
	EXPECT_EQ(-ETIMEDOUT, poll_one(dev, m));

	EXPECT_EQ(0, poll_one(dev, a));
	EXPECT_EQ(0, ev_state(a));
	EXPECT_EQ(-ETIMEDOUT, poll_one(dev, a));
	EXPECT_EQ(0, ev_set(a));
	EXPECT_EQ(0, wait_ev(dev, &a, 1, WSAOVL_WAIT_ALL, 0, 0, NULL));
	EXPECT_EQ(0, ev_state(a));
	EXPECT_EQ(-ETIMEDOUT, poll_one(dev, a));
	close(m);
	close(a);
	close(dev);
}

/* Wait-any: the lowest signalled index wins, as WaitForMultipleObjects. */
TEST(wait_any_lowest_index)
{
	int dev, m[4], a[4], i;
	uint32_t idx;

	DEV_OPEN(dev);
	for (i = 0; i < 4; i++) {
		m[i] = ev_new(dev, 1, 0);
		a[i] = ev_new(dev, 0, 0);
		ASSERT_LE(0, m[i]);
		ASSERT_LE(0, a[i]);
	}
	EXPECT_EQ(-ETIMEDOUT, poll_any(dev, m, 4));
	ev_set(m[3]);
	ev_set(m[2]);
	EXPECT_EQ(2, wait_ev(dev, m, 4, 0, 0, 0, &idx));
	EXPECT_EQ(2, idx);
	EXPECT_EQ(2, poll_any(dev, m, 4));
	ev_set(m[1]);
	EXPECT_EQ(1, poll_any(dev, m, 4));
	ev_set(m[0]);
	EXPECT_EQ(0, poll_any(dev, m, 4));
	ev_reset(m[0]);
	ev_reset(m[1]);
	ev_reset(m[2]);
	EXPECT_EQ(3, poll_any(dev, m, 4));

	/* Auto-reset: each wait takes the lowest one left. */
	ev_set(a[3]);
	ev_set(a[1]);
	ev_set(a[2]);
	EXPECT_EQ(1, poll_any(dev, a, 4));
	EXPECT_EQ(2, poll_any(dev, a, 4));
	EXPECT_EQ(3, poll_any(dev, a, 4));
	EXPECT_EQ(-ETIMEDOUT, poll_any(dev, a, 4));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, ev_state(a[i]));

	/* Mixed: the index, not the kind, decides; only the winner is taken. */
	{
		int mix[3] = { m[0], a[0], m[3] };

		ev_set(a[0]);
		EXPECT_EQ(1, poll_any(dev, mix, 3));
		EXPECT_EQ(2, poll_any(dev, mix, 3));
		EXPECT_EQ(1, ev_state(m[3]));
	}
	for (i = 0; i < 4; i++) {
		close(m[i]);
		close(a[i]);
	}
	close(dev);
}

/* The same object twice: fine for wait-any (first index), not for wait-all. */
TEST(duplicates)
{
	int dev, a, b, m;
	uint32_t idx;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	b = ev_new(dev, 0, 0);
	m = ev_new(dev, 1, 1);
	{
		int aa[2] = { a, a };
		int baa[3] = { b, a, a };
		int aba[3] = { a, b, a };
		int mm[2] = { m, m };

		ASSERT_LE(0, a);
		ASSERT_LE(0, b);
		ASSERT_LE(0, m);

		EXPECT_EQ(-ETIMEDOUT, poll_any(dev, aa, 2));
		ev_set(a);
		EXPECT_EQ(0, poll_any(dev, aa, 2));
		/* Taken once, not once per entry. */
		EXPECT_EQ(-ETIMEDOUT, poll_any(dev, aa, 2));
		ev_set(a);
		EXPECT_EQ(1, poll_any(dev, baa, 3));
		EXPECT_EQ(-ETIMEDOUT, poll_any(dev, baa, 3));

		/* A second fd for the same event is the same object. */
		int a2 = dup(a);
		int a_a2[2] = { a, a2 };

		ASSERT_LE(0, a2);
		ev_set(a);
		ev_set(b);
		memset(&idx, 0, sizeof(idx));
		EXPECT_EQ(-EINVAL, wait_ev(dev, aa, 2, WSAOVL_WAIT_ALL, 0, 0, &idx));
		EXPECT_EQ(POISON32, idx);
		EXPECT_EQ(-EINVAL, wait_ev(dev, aba, 3, WSAOVL_WAIT_ALL, 0, 0, NULL));
		EXPECT_EQ(-EINVAL, wait_ev(dev, a_a2, 2, WSAOVL_WAIT_ALL, 0, 0, NULL));
		EXPECT_EQ(-EINVAL, wait_ev(dev, mm, 2, WSAOVL_WAIT_ALL, 0, 0, NULL));
		/* ... and the alert is no exception. */
		EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 1, WSAOVL_WAIT_ALL |
					   WSAOVL_WAIT_ALERT, a2, 0, NULL));
		/* Nothing was taken by the refused waits. */
		EXPECT_EQ(1, ev_state(a));
		EXPECT_EQ(1, ev_state(b));
		EXPECT_EQ(0, wait_ev(dev, a_a2, 2, 0, 0, 0, NULL));
		/* Wait-any with the alert = an object: the object wins. */
		ev_set(a);
		EXPECT_EQ(0, wait_ev(dev, &a, 1, WSAOVL_WAIT_ALERT, a, 0, NULL));
		EXPECT_EQ(0, ev_state(a));
		close(a2);
	}
	close(a);
	close(b);
	close(m);
	close(dev);
}

/* Wait-all takes everything at once, or nothing. */
TEST(wait_all)
{
	int dev, a, b, m, i;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	b = ev_new(dev, 0, 0);
	m = ev_new(dev, 1, 0);
	{
		int ab[2] = { a, b };
		int abm[3] = { a, b, m };

		ASSERT_LE(0, a);
		ASSERT_LE(0, b);
		ASSERT_LE(0, m);

		ev_set(a);
		EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, ab, 2, WSAOVL_WAIT_ALL, 0, 0, NULL));
		EXPECT_EQ(1, ev_state(a));
		ev_set(b);
		EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, abm, 3, WSAOVL_WAIT_ALL, 0, 0, NULL));
		EXPECT_EQ(1, ev_state(a));
		EXPECT_EQ(1, ev_state(b));
		ev_set(m);
		EXPECT_EQ(0, wait_ev(dev, abm, 3, WSAOVL_WAIT_ALL, 0, 0, NULL));
		EXPECT_EQ(0, ev_state(a));
		EXPECT_EQ(0, ev_state(b));
		EXPECT_EQ(1, ev_state(m));	/* manual: left signalled */
		EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, abm, 3, WSAOVL_WAIT_ALL, 0, 0, NULL));
	}

	/* WSAOVL_MAX_WAIT objects, in both modes. */
	{
		int e[WSAOVL_MAX_WAIT + 1];

		for (i = 0; i <= WSAOVL_MAX_WAIT; i++) {
			e[i] = ev_new(dev, 1, 0);
			ASSERT_LE(0, e[i]);
		}
		EXPECT_EQ(-EINVAL, wait_ev(dev, e, WSAOVL_MAX_WAIT + 1, 0, 0, 0, NULL));
		ev_set(e[WSAOVL_MAX_WAIT - 1]);
		EXPECT_EQ(WSAOVL_MAX_WAIT - 1, poll_any(dev, e, WSAOVL_MAX_WAIT));
		EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, e, WSAOVL_MAX_WAIT,
					      WSAOVL_WAIT_ALL, 0, 0, NULL));
		for (i = 0; i < WSAOVL_MAX_WAIT; i++)
			ev_set(e[i]);
		EXPECT_EQ(0, wait_ev(dev, e, WSAOVL_MAX_WAIT, WSAOVL_WAIT_ALL,
				     0, 0, NULL));
		/* And the alert on top of the maximum is index 64. */
		for (i = 0; i < WSAOVL_MAX_WAIT; i++)
			ev_reset(e[i]);
		ev_set(e[WSAOVL_MAX_WAIT]);
		EXPECT_EQ(WSAOVL_MAX_WAIT, wait_ev(dev, e, WSAOVL_MAX_WAIT,
						   WSAOVL_WAIT_ALERT,
						   e[WSAOVL_MAX_WAIT], 0, NULL));
		EXPECT_EQ(WSAOVL_MAX_WAIT, wait_ev(dev, e, WSAOVL_MAX_WAIT,
						   WSAOVL_WAIT_ALL | WSAOVL_WAIT_ALERT,
						   e[WSAOVL_MAX_WAIT], 0, NULL));
		for (i = 0; i <= WSAOVL_MAX_WAIT; i++)
			close(e[i]);
	}
	close(a);
	close(b);
	close(m);
	close(dev);
}

/*
 * Atomicity: a wait-all on {A,B} and a wait-any on {B} in two threads.
 * B goes to the wait-any while A is not signalled; A set alone is then not
 * taken; B set again completes the wait-all with both.
 */
TEST(wait_all_atomic)
{
	struct waiter wall, wany;
	int dev, a, b;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	b = ev_new(dev, 0, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	waiter_init(&wall, dev, WSAOVL_WAIT_ALL, 0, 2, a, b);
	waiter_init(&wany, dev, 0, 0, 1, b);
	START_BLOCKED(&wall);
	START_BLOCKED(&wany);

	EXPECT_EQ(0, ev_set(b));
	JOIN_INDEX(&wany, 0);
	EXPECT_EQ(0, ev_state(b));
	EXPECT_EQ(ETIMEDOUT, join_within(wall.th, SETTLE_MS));

	EXPECT_EQ(0, ev_set(a));
	EXPECT_EQ(ETIMEDOUT, join_within(wall.th, SETTLE_MS));
	EXPECT_EQ(1, ev_state(a));	/* not taken without B */

	EXPECT_EQ(0, ev_set(b));
	JOIN_INDEX(&wall, 0);
	EXPECT_EQ(0, ev_state(a));
	EXPECT_EQ(0, ev_state(b));
	close(a);
	close(b);
	close(dev);
}

/* Only for the timeout of the longer tests. */
FIXTURE(slow) {
	int unused;
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

struct setter {
	int fd;
	pthread_barrier_t *go;
	pthread_t th;
};

static void *setter_main(void *arg)
{
	struct setter *s = arg;

	pthread_barrier_wait(s->go);
	ev_set(s->fd);
	return NULL;
}

/*
 * The same race with A and B set at once from two threads, many times:
 * whoever wins, A is taken if and only if the wait-all won.
 */
TEST_F_TIMEOUT(slow, wait_all_race, 120)
{
	enum { ROUNDS = 60 };
	int dev, a, b, round, all_won = 0;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	b = ev_new(dev, 0, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	for (round = 0; round < ROUNDS; round++) {
		struct waiter wall, wany;
		struct setter sa = { .fd = a }, sb = { .fd = b };
		pthread_barrier_t go;
		atomic_int done = 0;
		uint64_t end;

		waiter_init(&wall, dev, WSAOVL_WAIT_ALL, 0, 2, a, b);
		waiter_init(&wany, dev, 0, 0, 1, b);
		wall.done = wany.done = &done;
		ASSERT_EQ(0, waiter_start(&wall));
		ASSERT_EQ(0, waiter_start(&wany));
		msleep(20);
		ASSERT_EQ(0, pthread_barrier_init(&go, NULL, 3));
		sa.go = sb.go = &go;
		ASSERT_EQ(0, pthread_create(&sa.th, NULL, setter_main, &sa));
		ASSERT_EQ(0, pthread_create(&sb.th, NULL, setter_main, &sb));
		pthread_barrier_wait(&go);
		pthread_join(sa.th, NULL);
		pthread_join(sb.th, NULL);
		pthread_barrier_destroy(&go);

		/* One B: exactly one of them can finish. */
		end = now_ms() + 10000;
		while (!atomic_load(&done) && now_ms() < end)
			msleep(1);
		ASSERT_EQ(1, atomic_load(&done));
		msleep(20);
		ASSERT_EQ(1, atomic_load(&done));
		EXPECT_EQ(0, ev_state(b));
		if (wall.ret == 0) {
			all_won++;
			EXPECT_EQ(0, ev_state(a));
			ev_set(b);
			JOIN_INDEX(&wany, 0);
			pthread_join(wall.th, NULL);
		} else {
			EXPECT_EQ(0, wany.ret);
			EXPECT_EQ(1, ev_state(a)) TH_LOG("round %d: A taken without B", round);
			pthread_join(wany.th, NULL);
			ev_set(b);
			JOIN_INDEX(&wall, 0);
		}
		EXPECT_EQ(0, ev_state(a));
		EXPECT_EQ(0, ev_state(b));
	}
	TH_LOG("wait-all won %d of %d rounds", all_won, ROUNDS);
	close(a);
	close(b);
	close(dev);
}

/* The alert: appended at index count, loses ties, enough for a wait-all. */
TEST(alert)
{
	int dev, a, b, x, i;
	uint32_t idx;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	b = ev_new(dev, 0, 0);
	x = ev_new(dev, 0, 0);
	{
		int ab[2] = { a, b };
		const uint32_t any = WSAOVL_WAIT_ALERT;
		const uint32_t all = WSAOVL_WAIT_ALL | WSAOVL_WAIT_ALERT;

		ASSERT_LE(0, a);
		ASSERT_LE(0, b);
		ASSERT_LE(0, x);

		EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, ab, 2, any, x, 0, NULL));
		ev_set(x);
		EXPECT_EQ(2, wait_ev(dev, ab, 2, any, x, 0, &idx));
		EXPECT_EQ(2, idx);
		EXPECT_EQ(0, ev_state(x));

		/* Ties: any real object wins, and the alert stays set. */
		ev_set(x);
		ev_set(b);
		EXPECT_EQ(1, wait_ev(dev, ab, 2, any, x, 0, NULL));
		EXPECT_EQ(1, ev_state(x));
		ev_set(a);
		ev_set(b);
		EXPECT_EQ(0, wait_ev(dev, ab, 2, all, x, 0, NULL));
		EXPECT_EQ(1, ev_state(x));
		EXPECT_EQ(0, ev_state(a));
		EXPECT_EQ(0, ev_state(b));

		/* Wait-all: the alert alone satisfies it and takes no object. */
		ev_set(a);
		EXPECT_EQ(2, wait_ev(dev, ab, 2, all, x, 0, NULL));
		EXPECT_EQ(0, ev_state(x));
		EXPECT_EQ(1, ev_state(a));
		ev_reset(a);

		/* Count 0: the alert only (SleepEx), index 0. */
		EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, NULL, 0, any, x, 0, NULL));
		EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, NULL, 0, all, x, 0, NULL));
		ev_set(x);
		EXPECT_EQ(0, wait_ev(dev, NULL, 0, all, x, 0, NULL));
		ev_set(x);
		EXPECT_EQ(0, wait_ev(dev, NULL, 0, any, x, 0, NULL));
		EXPECT_EQ(0, ev_state(x));
	}

	/* Blocked, then alerted: from another thread, in both modes. */
	for (i = 0; i < 2; i++) {
		struct waiter w;

		waiter_init(&w, dev, WSAOVL_WAIT_ALERT | (i ? WSAOVL_WAIT_ALL : 0),
			    x, 2, a, b);
		START_BLOCKED(&w);
		if (i) {
			ev_set(a);
			EXPECT_EQ(ETIMEDOUT, join_within(w.th, SETTLE_MS));
		}
		ev_set(x);
		JOIN_INDEX(&w, 2);
		EXPECT_EQ(0, ev_state(x));
		EXPECT_EQ(i, ev_state(a));	/* the wait-all left A alone */
		ev_reset(a);
	}
	close(a);
	close(b);
	close(x);
	close(dev);
}

/* Timeouts: 0 and past deadlines poll; a deadline is really waited for. */
TEST(timeouts)
{
	struct waiter w;
	uint64_t t0, el;
	uint32_t idx;
	int dev, a;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	ASSERT_LE(0, a);

	t0 = mono_ns();
	EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, &a, 1, 0, 0, 0, &idx));
	EXPECT_EQ(POISON32, idx);
	EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, &a, 1, WSAOVL_WAIT_ALL, 0, 1, &idx));
	EXPECT_EQ(POISON32, idx);
	EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, &a, 1, 0, 0, mono_ns() - 1000, NULL));
	el = mono_ns() - t0;
	EXPECT_LT(el, 2000000000ULL) TH_LOG("three polls took %llu ns",
					    (unsigned long long)el);

	/* 300 ms from now: not a moment earlier (and not seconds later). */
	t0 = mono_ns();
	EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, &a, 1, 0, 0, t0 + 300000000ULL, &idx));
	el = mono_ns() - t0;
	EXPECT_EQ(POISON32, idx);
	EXPECT_LE(300000000ULL, el);
	EXPECT_GT(10000000000ULL, el);
	t0 = mono_ns();
	EXPECT_EQ(-ETIMEDOUT, wait_ev(dev, &a, 1, WSAOVL_WAIT_ALL, 0,
				      t0 + 200000000ULL, NULL));
	el = mono_ns() - t0;
	EXPECT_LE(200000000ULL, el);
	EXPECT_GT(10000000000ULL, el);

	/* A signalled object is taken even with a deadline long past. */
	ev_set(a);
	EXPECT_EQ(0, wait_ev(dev, &a, 1, 0, 0, 1, &idx));
	EXPECT_EQ(0, idx);

	/* Anything beyond KTIME_MAX is forever: woken by a set. */
	waiter_init(&w, dev, 0, 0, 1, a);
	w.timeout = (uint64_t)INT64_MAX + 1;
	START_BLOCKED(&w);
	ev_set(a);
	JOIN_INDEX(&w, 0);
	close(a);
	close(dev);
}

/* Malformed waits fail with the exact errno, before touching anything. */
TEST(wait_bad_args)
{
	struct wsaovl_wait w;
	int dev, a, efd, s;

	DEV_OPEN(dev);
	a = ev_new(dev, 1, 1);
	ASSERT_LE(0, a);

	EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 0, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 0, WSAOVL_WAIT_ALL, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, wait_ev(dev, &a, WSAOVL_MAX_WAIT + 1, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 0xffffffffu, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 1, 0x4, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 1, 0x80000000u, 0, 0, NULL));
	/* An alert fd without the flag. */
	EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 1, 0, a, 0, NULL));
	EXPECT_EQ(-EFAULT, wait_ev(dev, NULL, 1, 0, 0, 0, NULL));
	EXPECT_EQ(-EFAULT, wait_ev(dev, (int *)8, 1, 0, 0, 0, NULL));

	memset(&w, 0, sizeof(w));
	w.objs = (uintptr_t)&a;
	w.count = 1;
	w.reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(dev, WSAOVL_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.reserved[0] = 0;
	w.reserved[1] = 0x100;
	EXPECT_EQ(-1, ioctl(dev, WSAOVL_IOC_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.reserved[1] = 0;
	EXPECT_EQ(0, ioctl(dev, WSAOVL_IOC_WAIT, &w));
	EXPECT_EQ(-1, ioctl(dev, WSAOVL_IOC_WAIT, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Not events: EINVAL; not open: EBADF; for the objects and the alert. */
	efd = eventfd(1, EFD_CLOEXEC);
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	{
		int bad[] = { efd, s, dev, 0 };
		unsigned int i;

		ASSERT_LE(0, efd);
		ASSERT_LE(0, s);

		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			int two[2] = { a, bad[i] };

			EXPECT_EQ(-EINVAL, wait_ev(dev, two, 2, 0, 0, 0, NULL))
				TH_LOG("fd %d", bad[i]);
			EXPECT_EQ(-EINVAL, wait_ev(dev, two, 2, WSAOVL_WAIT_ALL,
						   0, 0, NULL));
			EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 1, WSAOVL_WAIT_ALERT,
						   bad[i], 0, NULL));
		}
	}
	{
		int closed = dup(efd);
		int two[2] = { a, closed };

		close(closed);
		EXPECT_EQ(-EBADF, wait_ev(dev, two, 2, 0, 0, 0, NULL));
		two[1] = -1;
		EXPECT_EQ(-EBADF, wait_ev(dev, two, 2, WSAOVL_WAIT_ALL, 0, 0, NULL));
		EXPECT_EQ(-EBADF, wait_ev(dev, &a, 1, WSAOVL_WAIT_ALERT, -1, 0, NULL));
	}
	/* The refused waits did not take the (manual) event either. */
	EXPECT_EQ(1, ev_state(a));
	close(efd);
	close(s);
	close(a);
	close(dev);
}

/* An event belongs to the context that made it. */
TEST(other_context)
{
	int dev, dev2, a, b;

	DEV_OPEN(dev);
	dev2 = dev_open();
	ASSERT_LE(0, dev2);
	a = ev_new(dev, 0, 1);
	b = ev_new(dev2, 0, 1);
	{
		int ab[2] = { a, b };

		ASSERT_LE(0, a);
		ASSERT_LE(0, b);

		EXPECT_EQ(-EINVAL, poll_one(dev, b));
		EXPECT_EQ(-EINVAL, poll_one(dev2, a));
		EXPECT_EQ(-EINVAL, poll_any(dev, ab, 2));
		EXPECT_EQ(-EINVAL, wait_ev(dev, ab, 2, WSAOVL_WAIT_ALL, 0, 0, NULL));
		EXPECT_EQ(-EINVAL, wait_ev(dev, &a, 1, WSAOVL_WAIT_ALERT, b, 0, NULL));
		EXPECT_EQ(1, ev_state(a));
		EXPECT_EQ(1, ev_state(b));
		EXPECT_EQ(0, poll_one(dev, a));
		EXPECT_EQ(0, poll_one(dev2, b));
	}
	/* A dup of the device is the same context. */
	{
		int d = dup(dev);

		ASSERT_LE(0, d);
		ev_set(a);
		EXPECT_EQ(0, poll_one(d, a));
		close(d);
	}
	close(a);
	close(b);
	close(dev);
	close(dev2);
}

/* A wait blocked in another thread is woken by a set of one of its objects. */
TEST(blocked_then_set)
{
	struct waiter w;
	int dev, a, b, c;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	b = ev_new(dev, 1, 0);
	c = ev_new(dev, 0, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);

	waiter_init(&w, dev, 0, 0, 3, a, b, c);
	START_BLOCKED(&w);
	EXPECT_EQ(0, ev_set(c));
	JOIN_INDEX(&w, 2);
	EXPECT_EQ(0, ev_state(c));

	waiter_init(&w, dev, 0, 0, 3, a, b, c);
	START_BLOCKED(&w);
	EXPECT_EQ(0, ev_set(b));
	JOIN_INDEX(&w, 1);
	EXPECT_EQ(1, ev_state(b));
	ev_reset(b);

	/* Wait-all: only the last one completes it. */
	waiter_init(&w, dev, WSAOVL_WAIT_ALL, 0, 3, a, b, c);
	START_BLOCKED(&w);
	ev_set(c);
	EXPECT_EQ(ETIMEDOUT, join_within(w.th, SETTLE_MS));
	ev_set(a);
	EXPECT_EQ(ETIMEDOUT, join_within(w.th, SETTLE_MS));
	EXPECT_EQ(1, ev_state(a));
	EXPECT_EQ(1, ev_state(c));
	ev_set(b);
	JOIN_INDEX(&w, 0);
	EXPECT_EQ(0, ev_state(a));
	EXPECT_EQ(1, ev_state(b));
	EXPECT_EQ(0, ev_state(c));

	/* A deadline while blocked: ETIMEDOUT, nothing taken after it. */
	ev_reset(b);
	waiter_init(&w, dev, WSAOVL_WAIT_ALL, 0, 2, a, c);
	w.timeout = in_ms(400);
	ASSERT_EQ(0, waiter_start(&w));
	ev_set(a);
	ASSERT_EQ(0, join_within(w.th, 10000));
	EXPECT_EQ(-ETIMEDOUT, w.ret);
	EXPECT_EQ(POISON32, w.index);
	EXPECT_EQ(1, ev_state(a));
	close(a);
	close(b);
	close(c);
	close(dev);
}

/* An auto-reset event releases exactly one waiter per set; manual, all. */
TEST(one_waiter_per_set)
{
	enum { N = 4 };
	struct waiter w[N];
	atomic_int done = 0;
	int dev, a, m, i, k;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	m = ev_new(dev, 1, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, m);
	for (i = 0; i < N; i++) {
		/* Mixed kinds of wait on A: any, any+dup, all with M... */
		waiter_init(&w[i], dev, 0, 0, 1, a);
		w[i].done = &done;
		if (i == 1) {
			w[i].count = 2;
			w[i].fds[1] = a;
		}
		ASSERT_EQ(0, waiter_start(&w[i]));
	}
	msleep(SETTLE_MS);
	EXPECT_EQ(0, atomic_load(&done));
	for (k = 1; k <= N; k++) {
		uint64_t end = now_ms() + 10000;

		EXPECT_EQ(0, ev_set(a));
		while (atomic_load(&done) < k && now_ms() < end)
			msleep(1);
		msleep(SETTLE_MS);
		ASSERT_EQ(k, atomic_load(&done));
		EXPECT_EQ(0, ev_state(a));
	}
	for (i = 0; i < N; i++) {
		pthread_join(w[i].th, NULL);
		EXPECT_EQ(0, w[i].ret);
	}

	/* Manual: one set releases them all and stays set. */
	atomic_store(&done, 0);
	for (i = 0; i < N; i++) {
		waiter_init(&w[i], dev, i & 1 ? WSAOVL_WAIT_ALL : 0, 0, 1, m);
		w[i].done = &done;
		ASSERT_EQ(0, waiter_start(&w[i]));
	}
	msleep(SETTLE_MS);
	EXPECT_EQ(0, atomic_load(&done));
	EXPECT_EQ(0, ev_set(m));
	for (i = 0; i < N; i++)
		JOIN_INDEX(&w[i], 0);
	EXPECT_EQ(1, ev_state(m));
	close(a);
	close(m);
	close(dev);
}

/* PULSE releases the current waiters (one for auto-reset) and resets. */
TEST(pulse_waiters)
{
	enum { N = 3 };
	struct waiter w[N];
	atomic_int done = 0;
	int dev, e, manual, i;

	DEV_OPEN(dev);
	for (manual = 1; manual >= 0; manual--) {
		uint64_t end;

		e = ev_new(dev, manual, 0);
		ASSERT_LE(0, e);
		atomic_store(&done, 0);
		for (i = 0; i < N; i++) {
			waiter_init(&w[i], dev, 0, 0, 1, e);
			w[i].done = &done;
			ASSERT_EQ(0, waiter_start(&w[i]));
		}
		msleep(SETTLE_MS);
		EXPECT_EQ(0, atomic_load(&done));
		EXPECT_EQ(0, ev_pulse(e));
		EXPECT_EQ(0, ev_state(e));
		end = now_ms() + 10000;
		while (atomic_load(&done) < (manual ? N : 1) && now_ms() < end)
			msleep(1);
		msleep(SETTLE_MS);
		EXPECT_EQ(manual ? N : 1, atomic_load(&done));
		/* Release the rest with sets. */
		while (atomic_load(&done) < N) {
			int k = atomic_load(&done);

			ev_set(e);
			end = now_ms() + 10000;
			while (atomic_load(&done) == k && now_ms() < end)
				msleep(1);
			ASSERT_LT(k, atomic_load(&done));
		}
		for (i = 0; i < N; i++) {
			pthread_join(w[i].th, NULL);
			EXPECT_EQ(0, w[i].ret);
		}
		close(e);
	}
	close(dev);
}

/* close() of an event fd while a wait uses it: the wait holds the event. */
TEST(close_during_wait)
{
	struct waiter w;
	int dev, a, a2, b;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	b = ev_new(dev, 0, 0);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	a2 = dup(a);
	ASSERT_LE(0, a2);

	/* Closed in the middle, set through another fd of it: still works. */
	waiter_init(&w, dev, 0, 0, 2, b, a);
	START_BLOCKED(&w);
	close(a);
	EXPECT_EQ(ETIMEDOUT, join_within(w.th, SETTLE_MS));
	EXPECT_EQ(0, ev_set(a2));
	JOIN_INDEX(&w, 1);

	/* The last fd closed: nobody can set it; the wait ends at its deadline. */
	waiter_init(&w, dev, WSAOVL_WAIT_ALL, 0, 2, a2, b);
	w.timeout = in_ms(1000);
	START_BLOCKED(&w);
	close(a2);
	ev_set(b);
	ASSERT_EQ(0, join_within(w.th, 10000));
	EXPECT_EQ(-ETIMEDOUT, w.ret);
	EXPECT_EQ(1, ev_state(b));	/* a wait-all takes nothing alone */

	/* Same with the alert, and the device fd closed under the wait. */
	a = ev_new(dev, 0, 0);
	ASSERT_LE(0, a);
	waiter_init(&w, dev, WSAOVL_WAIT_ALERT, a, 0);
	w.dev = dup(dev);
	ASSERT_LE(0, w.dev);
	START_BLOCKED(&w);
	close(w.dev);
	EXPECT_EQ(ETIMEDOUT, join_within(w.th, SETTLE_MS));
	ev_set(a);
	JOIN_INDEX(&w, 0);
	close(a);
	close(b);
	close(dev);
}

static atomic_int sig_seen;

static void on_sigusr1(int sig)
{
	atomic_fetch_add(&sig_seen, 1);
}

/*
 * A signal interrupts a wait: -EINTR without SA_RESTART, and retrying with
 * the same absolute deadline ends at that deadline; with SA_RESTART the
 * kernel restarts the wait by itself.
 */
TEST(signal_interrupts)
{
	struct sigaction sa;
	struct waiter w;
	uint64_t deadline;
	int dev, a;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	ASSERT_LE(0, a);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigusr1;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));

	waiter_init(&w, dev, 0, 0, 1, a);
	START_BLOCKED(&w);
	ASSERT_EQ(0, pthread_kill(w.th, SIGUSR1));
	ASSERT_EQ(0, join_within(w.th, 10000));
	EXPECT_EQ(-EINTR, w.ret);
	EXPECT_EQ(POISON32, w.index);
	EXPECT_EQ(1, atomic_load(&sig_seen));
	EXPECT_EQ(0, ev_state(a));

	/* Interrupted, then retried as is: the original deadline holds. */
	deadline = in_ms(3000);
	waiter_init(&w, dev, WSAOVL_WAIT_ALL, 0, 1, a);
	w.timeout = deadline;
	START_BLOCKED(&w);
	ASSERT_EQ(0, pthread_kill(w.th, SIGUSR1));
	ASSERT_EQ(0, join_within(w.th, 10000));
	EXPECT_EQ(-EINTR, w.ret);
	EXPECT_GT(deadline, w.woke_ns);
	ASSERT_EQ(0, waiter_start(&w));
	ASSERT_EQ(0, join_within(w.th, 10000));
	EXPECT_EQ(-ETIMEDOUT, w.ret);
	EXPECT_LE(deadline, w.woke_ns);
	EXPECT_GT(deadline + 5000000000ULL, w.woke_ns);

	/* SA_RESTART: the handler runs, the wait goes on, a set ends it. */
	sa.sa_flags = SA_RESTART;
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	atomic_store(&sig_seen, 0);
	waiter_init(&w, dev, WSAOVL_WAIT_ALERT, a, 0);
	START_BLOCKED(&w);
	ASSERT_EQ(0, pthread_kill(w.th, SIGUSR1));
	EXPECT_EQ(ETIMEDOUT, join_within(w.th, SETTLE_MS));
	EXPECT_EQ(1, atomic_load(&sig_seen));
	ev_set(a);
	JOIN_INDEX(&w, 0);
	close(a);
	close(dev);
}

static char proc_state(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * kill -9 of a process blocked in WAIT (on its own context: another
 * process's is EPERM) dies at once, in every wait mode.
 */
TEST(kill_blocked)
{
	int mode;

	for (mode = 0; mode < 3; mode++) {
		int status;
		uint64_t end;
		pid_t pid;

		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid) {
			int dev = dev_open(), ab[2], r;

			ab[0] = ev_new(dev, 0, 0);
			ab[1] = ev_new(dev, 0, 0);
			if (dev < 0 || ab[0] < 0 || ab[1] < 0)
				_exit(98);
			r = wait_ev(dev, ab, 2, mode == 1 ? WSAOVL_WAIT_ALL :
				    mode == 2 ? WSAOVL_WAIT_ALERT : 0,
				    mode == 2 ? ab[0] : 0, FOREVER, NULL);
			_exit(r == -999 ? 99 : 10 + r);
		}
		/* Sleeping in the kernel, still there after a while. */
		end = now_ms() + 10000;
		while (proc_state(pid) != 'S' && now_ms() < end)
			msleep(10);
		EXPECT_EQ('S', proc_state(pid));
		msleep(SETTLE_MS);
		EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFSIGNALED(status));
		EXPECT_EQ(SIGKILL, WTERMSIG(status));
	}
}

/* A forked child may not wait on its parent's context. */
TEST(child_wait_eperm)
{
	int dev, a, status;
	pid_t pid;

	DEV_OPEN(dev);
	a = ev_new(dev, 1, 1);
	ASSERT_LE(0, a);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int r = wait_ev(dev, &a, 1, 0, 0, 0, NULL);

		_exit(r == -EPERM ? 0 : 1);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(a);
	close(dev);
}

/* poll() and epoll: readable while signalled; looking takes nothing. */
TEST(poll_epoll)
{
	struct epoll_event ee, out[2];
	struct pollfd p;
	struct waiter w;
	int dev, a, m, ep, status;
	uint64_t t0;
	pid_t pid;

	DEV_OPEN(dev);
	a = ev_new(dev, 0, 0);
	m = ev_new(dev, 1, 1);
	ASSERT_LE(0, a);
	ASSERT_LE(0, m);

	p = (struct pollfd){ .fd = a, .events = POLLIN | POLLOUT };
	EXPECT_EQ(0, poll(&p, 1, 0));
	ev_set(a);
	p.revents = 0;
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(POLLIN, p.revents);
	EXPECT_EQ(1, poll(&p, 1, 0));
	EXPECT_EQ(1, ev_state(a));	/* not consumed by polling */
	p = (struct pollfd){ .fd = m, .events = POLLIN };
	EXPECT_EQ(1, poll(&p, 1, 0));

	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ee.events = EPOLLIN;
	ee.data.u64 = 0xa;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, a, &ee));
	EXPECT_EQ(1, epoll_wait(ep, out, 2, 0));
	EXPECT_EQ(0xa, out[0].data.u64);
	EXPECT_EQ(EPOLLIN, out[0].events);
	EXPECT_EQ(1, ev_state(a));
	EXPECT_EQ(0, poll_one(dev, a));		/* WAIT does take it */
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	p = (struct pollfd){ .fd = a, .events = POLLIN };
	EXPECT_EQ(0, poll(&p, 1, 0));

	/* A poll() blocked in another process wakes at the set. */
	t0 = now_ms();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(poll(&p, 1, 10000) == 1 && p.revents == POLLIN ? 0 : 1);
	msleep(SETTLE_MS);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	ev_set(a);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_GT(5000, now_ms() - t0);
	EXPECT_EQ(1, ev_state(a));
	ev_reset(a);

	/* epoll_wait blocked; a set wakes it; a pulse or reset does not. */
	ev_pulse(a);
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	t0 = now_ms();
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(epoll_wait(ep, out, 2, 10000) == 1 &&
		      out[0].data.u64 == 0xa ? 0 : 1);
	msleep(SETTLE_MS);
	ev_pulse(a);
	ev_reset(a);
	msleep(SETTLE_MS);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	ev_set(a);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_GT(5000, now_ms() - t0);

	/* A set that a waiter takes at once leaves nothing to see. */
	ev_reset(a);
	waiter_init(&w, dev, 0, 0, 1, a);
	START_BLOCKED(&w);
	ev_set(a);
	JOIN_INDEX(&w, 0);
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));

	/* Closing a polled event fd removes it from the epoll set. */
	close(a);
	EXPECT_EQ(0, epoll_wait(ep, out, 2, 0));
	close(ep);
	close(m);
	close(dev);
}

/* ------------------------------------------------------------------ */
/* SUBMIT with WSAOVL_SQE_EVENT.                                       */

struct rop {
	struct wsaovl_sqe sqe;
	struct wsaovl_buf b;
	struct wsaovl_status st;
	char data[256];
};

static void rop_prep(struct rop *r, int op, int fd, int ev, uint64_t tag)
{
	memset(r, 0, sizeof(*r));
	r->st.status = WSAOVL_STATUS_PENDING;
	r->st.information = POISON64;
	r->st.flags = POISON32;
	buf_set(&r->b, r->data, sizeof(r->data));
	sqe_prep(&r->sqe, op, fd, &r->b, 1, tag);
	r->sqe.status = (uintptr_t)&r->st;
	if (ev >= 0) {
		r->sqe.flags = WSAOVL_SQE_EVENT;
		r->sqe.eventfd = ev;
	}
}

FIXTURE(sub) {
	struct ctx c;
	struct pair p;
};

FIXTURE_SETUP(sub)
{
	self->c.fd = -1;
	self->p.tx = self->p.rx = -1;
	CTX_INIT(&self->c, 256);
	PAIR_OPEN(&self->p, AF_INET, SOCK_DGRAM);
}

FIXTURE_TEARDOWN(sub)
{
	pair_close(&self->p);
	ctx_fini(&self->c);
}

struct status_seen {
	int dev, ev;
	volatile struct wsaovl_status *st;
	struct ctx *c;
	int ret;
	uint64_t status, information;
	int cqe_there;
	struct wsaovl_cqe cqe;
	pthread_t th;
};

/* Wait for the event, then look at once at the status block and ring. */
static void *status_seen_main(void *arg)
{
	struct status_seen *s = arg;

	s->ret = wait_ev(s->dev, &s->ev, 1, 0, 0, FOREVER, NULL);
	s->status = s->st->status;
	s->information = s->st->information;
	s->cqe_there = cq_peek(s->c, &s->cqe);
	return NULL;
}

/*
 * A pending receive: the event is reset at submit, and set after the
 * status block and the cqe, which a waiter sees final the moment it wakes.
 */
TEST_F(sub, pending_then_set)
{
	struct status_seen s;
	int kind;

	for (kind = 0; kind <= 1; kind++) {
		struct rop r;
		int e = ev_new(self->c.fd, kind, 1);	/* set: must be reset */

		ASSERT_LE(0, e);
		rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, e, 0x77 + kind);
		ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
		EXPECT_EQ(0, ev_state(e));
		EXPECT_EQ(-ETIMEDOUT, poll_one(self->c.fd, e));

		memset(&s, 0, sizeof(s));
		s.dev = self->c.fd;
		s.ev = e;
		s.st = &r.st;
		s.c = &self->c;
		ASSERT_EQ(0, pthread_create(&s.th, NULL, status_seen_main, &s));
		ASSERT_EQ(ETIMEDOUT, join_within(s.th, SETTLE_MS));
		EXPECT_EQ(WSAOVL_STATUS_PENDING, r.st.status);
		ASSERT_EQ(5, send(self->p.tx, "hello", 5, 0));
		ASSERT_EQ(0, join_within(s.th, 10000));
		EXPECT_EQ(0, s.ret);
		EXPECT_EQ(WSAOVL_STATUS_SUCCESS, s.status);
		EXPECT_EQ(5, s.information);
		EXPECT_EQ(1, s.cqe_there);
		EXPECT_EQ(0x77 + kind, s.cqe.tag);
		EXPECT_EQ(5, s.cqe.res);
		EXPECT_EQ(0, memcmp(r.data, "hello", 5));
		/* Auto-reset: the waiter took it; manual: still set. */
		EXPECT_EQ(kind, ev_state(e));
		close(e);
	}
}

/* Inline completions set the event too (with or without their cqe). */
TEST_F(sub, inline_sets)
{
	struct wsaovl_sqe sq[4];
	struct wsaovl_cqe cqe;
	struct rop r, rr[4];
	int e, m, i;

	e = ev_new(self->c.fd, 0, 0);
	ASSERT_LE(0, e);
	ASSERT_EQ(3, send(self->p.tx, "abc", 3, 0));
	ASSERT_TRUE(fd_readable(self->p.rx, 5000));
	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, e, 1);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(3, r.sqe.res);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	EXPECT_EQ(3, r.st.information);
	EXPECT_EQ(1, ev_state(e));
	EXPECT_EQ(0, poll_one(self->c.fd, e));
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(1, cqe.tag);

	/* A send, with SKIP_INLINE_CQE: no cqe, the event all the same. */
	rop_prep(&r, WSAOVL_OP_SEND, self->p.tx, e, 2);
	r.sqe.flags |= WSAOVL_SQE_SKIP_INLINE_CQE;
	r.b.len = 4;
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, r.sqe.state);
	EXPECT_EQ(4, r.sqe.res);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r.st.status);
	EXPECT_EQ(0, poll_one(self->c.fd, e));
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	EXPECT_TRUE(fd_readable(self->p.rx, 5000));

	/* Many sqes on one manual event in one batch: set at the end. */
	m = ev_new(self->c.fd, 1, 0);
	ASSERT_LE(0, m);
	for (i = 0; i < 4; i++) {
		rop_prep(&rr[i], WSAOVL_OP_SEND, self->p.tx, m, 10 + i);
		rr[i].b.len = 1;
		sq[i] = rr[i].sqe;
	}
	ASSERT_EQ(4, submit(&self->c, sq, 4));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(WSAOVL_STATE_DONE, sq[i].state);
	EXPECT_EQ(1, ev_state(m));
	close(m);
	close(e);
}

/*
 * Refused sqes: bad event fds fail with the exact errno.  A sqe that fails
 * validation leaves its event alone; one whose inline attempt fails was
 * issued, and as on Windows its event stays reset.
 */
TEST_F(sub, errors)
{
	int e, other, efd, s2, oe, bad[4];
	unsigned int i;
	struct rop r;

	e = ev_new(self->c.fd, 1, 1);
	ASSERT_LE(0, e);
	other = dev_open();
	ASSERT_LE(0, other);
	efd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, efd);

	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, e, 1);
	r.sqe.flags |= WSAOVL_SQE_EVENTFD;
	EXPECT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(WSAOVL_STATE_FAILED, r.sqe.state);
	EXPECT_EQ(-EINVAL, r.sqe.res);
	r.sqe.eventfd = efd;
	EXPECT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(-EINVAL, r.sqe.res);

	oe = ev_new(other, 1, 1);
	ASSERT_LE(0, oe);
	bad[0] = oe;
	bad[1] = efd;
	bad[2] = self->p.rx;
	bad[3] = self->c.fd;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, bad[i], 1);
		EXPECT_EQ(0, submit(&self->c, &r.sqe, 1));
		EXPECT_EQ(WSAOVL_STATE_FAILED, r.sqe.state);
		EXPECT_EQ(-EINVAL, r.sqe.res) TH_LOG("fd %d", bad[i]);
	}
	EXPECT_EQ(1, ev_state(oe));
	close(oe);
	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, -1, 1);
	r.sqe.flags = WSAOVL_SQE_EVENT;
	r.sqe.eventfd = -1;
	EXPECT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(-EBADF, r.sqe.res);
	s2 = dup(efd);
	close(s2);
	r.sqe.eventfd = s2;
	EXPECT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(-EBADF, r.sqe.res);

	/* Validation failure: untouched. */
	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, e, 1);
	r.sqe.msg_flags = WSAOVL_MSG_DONTROUTE;		/* a send flag */
	EXPECT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(-EINVAL, r.sqe.res);
	EXPECT_EQ(1, ev_state(e));
	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, e, 1);
	r.sqe.flags |= 0x8;
	EXPECT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(-EINVAL, r.sqe.res);
	EXPECT_EQ(1, ev_state(e));

	/* Failed inline (a SEND on an unconnected socket): issued, reset. */
	rop_prep(&r, WSAOVL_OP_SEND, self->p.rx, e, 1);
	EXPECT_EQ(0, submit(&self->c, &r.sqe, 1));
	EXPECT_EQ(WSAOVL_STATE_FAILED, r.sqe.state);
	EXPECT_EQ(-EDESTADDRREQ, r.sqe.res);
	EXPECT_EQ(0, ev_state(e));
	EXPECT_EQ(WSAOVL_STATUS_PENDING, r.st.status);
	EXPECT_TRUE(cq_quiet(&self->c, 50));
	close(efd);
	close(other);
	close(e);
}

/* Cancelled ops set their events, after the CANCELLED status. */
TEST_F(sub, cancel_sets)
{
	struct wsaovl_cqe cqe;
	struct rop r;
	int e;

	e = ev_new(self->c.fd, 0, 0);
	ASSERT_LE(0, e);
	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, e, 0x55);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	EXPECT_EQ(-ETIMEDOUT, poll_one(self->c.fd, e));
	EXPECT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_TAG, 0, 0x55, 0));
	EXPECT_EQ(0, poll_one(self->c.fd, e));
	EXPECT_EQ(ST_CANCELLED, r.st.status);
	CQ_WAIT(&self->c, &cqe, 1000);
	EXPECT_EQ(-ECANCELED, cqe.res);
	close(e);
}

/* Closing the context cancels its ops: their events are set (see poll). */
TEST_F(sub, context_close_sets)
{
	struct pollfd p;
	struct rop r;
	int e;

	e = ev_new(self->c.fd, 1, 0);
	ASSERT_LE(0, e);
	rop_prep(&r, WSAOVL_OP_RECV, self->p.rx, e, 1);
	ASSERT_EQ(1, submit(&self->c, &r.sqe, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, r.sqe.state);
	p = (struct pollfd){ .fd = e, .events = POLLIN };
	EXPECT_EQ(0, poll(&p, 1, 0));
	ctx_fini(&self->c);
	EXPECT_EQ(1, poll(&p, 1, 10000));
	EXPECT_EQ(ST_CANCELLED, r.st.status);
	EXPECT_EQ(1, ev_state(e));
	close(e);
}

/* An op keeps its event: close() the fd while it is pending. */
TEST_F(sub, event_closed_while_pending)
{
	struct wsaovl_cqe cqe;
	struct rop r[2];
	int e, i;

	for (i = 0; i < 2; i++) {
		e = ev_new(self->c.fd, i, 0);
		ASSERT_LE(0, e);
		rop_prep(&r[i], WSAOVL_OP_RECV, self->p.rx, e, 100 + i);
		ASSERT_EQ(1, submit(&self->c, &r[i].sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, r[i].sqe.state);
		close(e);
	}
	ASSERT_EQ(1, send(self->p.tx, "1", 1, 0));
	CQ_WAIT(&self->c, &cqe, 10000);
	EXPECT_EQ(100, cqe.tag);
	EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r[0].st.status);
	/* The other one goes with the context, cancelled. */
}

/* 64 pending receives, one event each: one wait-all sees them all done. */
TEST_F(sub, wait_all_ops)
{
	enum { N = WSAOVL_MAX_WAIT };
	struct rop *r = calloc(N, sizeof(*r));
	int ev[N], i;
	struct waiter w;

	ASSERT_NE(NULL, r);
	for (i = 0; i < N; i++) {
		ev[i] = ev_new(self->c.fd, i & 1, 1);
		ASSERT_LE(0, ev[i]);
		rop_prep(&r[i], WSAOVL_OP_RECV, self->p.rx, ev[i], i);
		r[i].b.len = 16;
		ASSERT_EQ(1, submit(&self->c, &r[i].sqe, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, r[i].sqe.state);
	}
	waiter_init(&w, self->c.fd, WSAOVL_WAIT_ALL, 0, 0);
	w.count = N;
	memcpy(w.fds, ev, sizeof(ev));
	START_BLOCKED(&w);
	for (i = 0; i < N - 1; i++)
		ASSERT_EQ(1, send(self->p.tx, "x", 1, 0));
	EXPECT_EQ(ETIMEDOUT, join_within(w.th, 2 * SETTLE_MS));
	ASSERT_EQ(1, send(self->p.tx, "y", 1, 0));
	JOIN_INDEX(&w, 0);
	for (i = 0; i < N; i++) {
		EXPECT_EQ(WSAOVL_STATUS_SUCCESS, r[i].st.status) TH_LOG("op %d", i);
		EXPECT_EQ(1, r[i].st.information);
		EXPECT_EQ(i & 1, ev_state(ev[i]));
		close(ev[i]);
	}
	EXPECT_EQ('y', r[N - 1].data[0]);
	EXPECT_EQ(N, cq_ready(&self->c));
	free(r);
}

/* ------------------------------------------------------------------ */
/* Everything at once, for the lock checkers.                          */

#define NEV	8

struct stress {
	int dev;
	int ev[NEV];		/* 0..3 auto, 4..7 manual */
	atomic_int stop;
	atomic_int bad;
	atomic_long waits, hits;
};

static unsigned int rnd(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

static void *stress_waiter(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = (unsigned int)sys_gettid();

	while (!atomic_load(&s->stop)) {
		int fds[4], n = 1 + rnd(&seed) % 4, i = 0, j, r;
		bool all = rnd(&seed) & 1, alert = !(rnd(&seed) % 4);
		int x = s->ev[rnd(&seed) % NEV];

		/* Wait-all objects distinct (NEV > 4: this ends). */
		while (i < n) {
			int c = s->ev[rnd(&seed) % NEV];

			for (j = 0; all && j < i && fds[j] != c; j++)
				;
			if (!all || j == i)
				fds[i++] = c;
		}
		for (j = 0; alert && all && j < n; j++)
			if (fds[j] == x)
				alert = false;
		r = wait_ev(s->dev, fds, n, (all ? WSAOVL_WAIT_ALL : 0) |
			    (alert ? WSAOVL_WAIT_ALERT : 0), alert ? x : 0,
			    rnd(&seed) % 3 ? in_ms(rnd(&seed) % 3) : 0, NULL);
		atomic_fetch_add(&s->waits, 1);
		if (r >= 0)
			atomic_fetch_add(&s->hits, 1);
		if (r == -ETIMEDOUT || (r >= 0 && r < n + alert && (!all || !r || r == n)))
			continue;
		atomic_fetch_add(&s->bad, 1);
	}
	return NULL;
}

static void *stress_setter(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = (unsigned int)sys_gettid();

	while (!atomic_load(&s->stop)) {
		int e = s->ev[rnd(&seed) % NEV], r, d;

		switch (rnd(&seed) % 5) {
		case 0:
		case 1:
			r = ev_set(e);
			break;
		case 2:
			r = ev_reset(e);
			break;
		case 3:
			r = ev_pulse(e);
			break;
		default:
			/* Another fd for it, closed at once. */
			d = dup(e);
			r = ev_state(d);
			close(d);
			break;
		}
		if (r != 0 && r != 1)
			atomic_fetch_add(&s->bad, 1);
	}
	return NULL;
}

TEST_F_TIMEOUT(slow, stress, 120)
{
	enum { WAITERS = 4, SETTERS = 2 };
	pthread_t th[WAITERS + SETTERS];
	struct stress s;
	int i;

	memset(&s, 0, sizeof(s));
	DEV_OPEN(s.dev);
	for (i = 0; i < NEV; i++) {
		s.ev[i] = ev_new(s.dev, i >= NEV / 2, 0);
		ASSERT_LE(0, s.ev[i]);
	}
	for (i = 0; i < WAITERS; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, stress_waiter, &s));
	for (i = 0; i < SETTERS; i++)
		ASSERT_EQ(0, pthread_create(&th[WAITERS + i], NULL,
					    stress_setter, &s));
	msleep(3000);
	atomic_store(&s.stop, 1);
	/* Waits block for at most 2 ms; release nothing else. */
	for (i = 0; i < WAITERS + SETTERS; i++)
		ASSERT_EQ(0, join_within(th[i], 30000));
	TH_LOG("%ld waits, %ld satisfied", atomic_load(&s.waits),
	       atomic_load(&s.hits));
	EXPECT_EQ(0, atomic_load(&s.bad));
	EXPECT_LT(100, atomic_load(&s.waits));
	EXPECT_LT(0, atomic_load(&s.hits));
	for (i = 0; i < NEV; i++)
		close(s.ev[i]);
	close(s.dev);
}

TEST_HARNESS_MAIN
