// SPDX-License-Identifier: GPL-2.0
/*
 * Event states mapped with the ring (ABI 3): each event's byte follows its
 * state through SET, RESET, PULSE, a wait's acquisition of an auto-reset
 * event, and an op's reset at submit and set at completion; slots are
 * reused after close; events past the page get WSAOVL_NO_SLOT and still
 * work; bad input to CREATE_EVENT is EINVAL.
 */
#include <pthread.h>
#include <sched.h>

#include "engine.h"
#include "events.h"

/* A new event and its slot; the fd, or -errno. */
static int ev_new_slot(int dev, uint32_t manual, uint32_t signaled,
		       uint32_t *slot)
{
	struct wsaovl_event_args a = { .manual = manual, .signaled = signaled };
	int r;

	a.slot = 0;
	r = ioctl(dev, WSAOVL_IOC_CREATE_EVENT, &a);
	*slot = a.slot;
	return r < 0 ? -errno : r;
}

FIXTURE(evstate) {
	struct ctx c;
};

FIXTURE_SETUP(evstate)
{
	CTX_INIT(&self->c, 64);
	ASSERT_EQ(4096U, self->c.ev_slots);
}

FIXTURE_TEARDOWN(evstate)
{
	ctx_fini(&self->c);
}

#define STATE(slot) __atomic_load_n(&self->c.ev_states[(slot)], __ATOMIC_ACQUIRE)

TEST_F(evstate, follows_set_reset_pulse)
{
	struct wsaovl_event_args r;
	uint32_t sm, sa, si;
	int m = ev_new_slot(self->c.fd, 1, 0, &sm);
	int a = ev_new_slot(self->c.fd, 0, 0, &sa);
	int i = ev_new_slot(self->c.fd, 1, 1, &si);

	ASSERT_LE(0, m);
	ASSERT_LE(0, a);
	ASSERT_LE(0, i);
	ASSERT_LT(sm, self->c.ev_slots);
	ASSERT_LT(sa, self->c.ev_slots);
	ASSERT_LT(si, self->c.ev_slots);
	EXPECT_NE(sm, sa);
	EXPECT_NE(sa, si);
	EXPECT_EQ(0, STATE(sm));
	EXPECT_EQ(0, STATE(sa));
	EXPECT_EQ(1, STATE(si));	/* created signalled */

	EXPECT_EQ(0, ev_set(m));
	EXPECT_EQ(1, STATE(sm));
	EXPECT_EQ(1, ev_reset(m));
	EXPECT_EQ(0, STATE(sm));
	EXPECT_EQ(0, ev_pulse(m));
	EXPECT_EQ(0, STATE(sm));

	/* a wait takes an auto-reset event: its byte drops with it */
	EXPECT_EQ(0, ev_set(a));
	EXPECT_EQ(1, STATE(sa));
	EXPECT_EQ(0, poll_one(self->c.fd, a));
	EXPECT_EQ(0, STATE(sa));
	/* a manual-reset one stays signalled */
	EXPECT_EQ(0, ev_set(m));
	EXPECT_EQ(0, poll_one(self->c.fd, m));
	EXPECT_EQ(1, STATE(sm));
	/* EVENT_READ reports the slot too */
	memset(&r, POISON8, sizeof(r));
	ASSERT_EQ(0, ioctl(m, WSAOVL_IOC_EVENT_READ, &r));
	EXPECT_EQ(sm, r.slot);
	EXPECT_EQ(1U, r.signaled);
	EXPECT_EQ(0U, r.reserved);
	close(m);
	close(a);
	close(i);
}

/* SUBMIT resets the op's event; its completion sets it. */
TEST_F(evstate, follows_op)
{
	struct wsaovl_buf b;
	struct wsaovl_sqe s;
	struct wsaovl_cqe cqe;
	struct pair p;
	uint32_t slot;
	char buf[16];
	int ev;

	PAIR_OPEN(&p, AF_INET, SOCK_DGRAM);
	ev = ev_new_slot(self->c.fd, 1, 1, &slot);
	ASSERT_LE(0, ev);
	ASSERT_EQ(1, STATE(slot));
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&s, WSAOVL_OP_RECV, p.rx, &b, 1, 1);
	s.flags = WSAOVL_SQE_EVENT;
	s.eventfd = ev;
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
	EXPECT_EQ(0, STATE(slot));
	ASSERT_EQ(2, send(p.tx, "ok", 2, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(2, cqe.res);
	/* the cqe comes first, then the event (see woken_finds_cqe) */
	EXPECT_EQ(0, wait_ev(self->c.fd, &ev, 1, 0, 0, in_ms(1000), NULL));
	EXPECT_EQ(1, STATE(slot));
	/* and inline: reset then set within the call */
	sqe_prep(&s, WSAOVL_OP_SEND, p.tx, &b, 1, 2);
	s.flags = WSAOVL_SQE_EVENT | WSAOVL_SQE_SKIP_INLINE_CQE;
	s.eventfd = ev;
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	ASSERT_EQ(WSAOVL_STATE_DONE, s.state);
	EXPECT_EQ(1, STATE(slot));
	close(ev);
	pair_close(&p);
}

/*
 * A completion posts its cqe before it sets the op's event, so a thread
 * that an event woke finds the cqe in the ring: libwsa's alertable waits
 * wake on the thread's alert event and then drain the ring for the
 * completion routines.  Here another thread (a canceller) completes, as
 * closesocket does, while the waiter sleeps on the event.
 */
struct woken_arg {
	struct ctx *c;
	int ev, rounds;
	int done;		/* rounds the waiter finished */
	int missing, timeouts, wrong;
};

static void *woken_waiter(void *p)
{
	struct woken_arg *a = p;
	struct wsaovl_cqe cqe;
	uint32_t idx;
	int i;

	for (i = 0; i < a->rounds; i++) {
		if (wait_ev(a->c->fd, &a->ev, 1, 0, 0, in_ms(5000), &idx)) {
			a->timeouts++;
			break;
		}
		if (!cq_peek(a->c, &cqe)) {
			a->missing++;
			/* take it late, not in the next round */
			if (cq_wait(a->c, &cqe, 1000) != 1) {
				a->timeouts++;
				break;
			}
		}
		if (cqe.tag != (uint64_t)i + 1 || cqe.res != -ECANCELED)
			a->wrong++;
		__atomic_store_n(&a->done, i + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

TEST_F_TIMEOUT(evstate, woken_finds_cqe, 120)
{
	struct woken_arg a = { .c = &self->c, .rounds = 5000 };
	struct wsaovl_buf b;
	struct wsaovl_sqe s;
	struct pair p;
	pthread_t th;
	char buf[16];
	int i;

	PAIR_OPEN(&p, AF_INET, SOCK_DGRAM);
	a.ev = ev_new(self->c.fd, 0, 0);
	ASSERT_LE(0, a.ev);
	buf_set(&b, buf, sizeof(buf));
	ASSERT_EQ(0, pthread_create(&th, NULL, woken_waiter, &a));
	for (i = 0; i < a.rounds; i++) {
		sqe_prep(&s, WSAOVL_OP_RECV, p.rx, &b, 1, i + 1);
		s.flags = WSAOVL_SQE_EVENT;
		s.eventfd = a.ev;
		ASSERT_EQ(1, submit(&self->c, &s, 1));
		ASSERT_EQ(WSAOVL_STATE_PENDING, s.state);
		ASSERT_EQ(1, cancel(&self->c, WSAOVL_CANCEL_TAG, p.rx, i + 1, 0));
		while (__atomic_load_n(&a.done, __ATOMIC_ACQUIRE) <= i &&
		       !a.timeouts)
			sched_yield();
		if (a.timeouts)
			break;
	}
	pthread_join(th, NULL);
	EXPECT_EQ(0, a.timeouts);
	EXPECT_EQ(0, a.missing);
	EXPECT_EQ(0, a.wrong);
	close(a.ev);
	pair_close(&p);
}

/* A closed event's slot goes back (cleared) and is handed out again. */
TEST_F(evstate, slot_reused_after_close)
{
	uint32_t s1, s2;
	int e1 = ev_new_slot(self->c.fd, 1, 1, &s1);
	int e2;

	ASSERT_LE(0, e1);
	EXPECT_EQ(1, STATE(s1));
	close(e1);
	EXPECT_EQ(0, STATE(s1));
	e2 = ev_new_slot(self->c.fd, 0, 0, &s2);
	ASSERT_LE(0, e2);
	EXPECT_EQ(s1, s2);
	close(e2);
}

/* An op still holding a closed event keeps its slot until it completes. */
TEST_F(evstate, slot_held_by_pending_op)
{
	struct wsaovl_buf b;
	struct wsaovl_sqe s;
	struct wsaovl_cqe cqe;
	struct pair p;
	uint32_t s1, s2;
	char buf[8];
	int e1, e2;

	PAIR_OPEN(&p, AF_INET, SOCK_DGRAM);
	e1 = ev_new_slot(self->c.fd, 1, 0, &s1);
	ASSERT_LE(0, e1);
	buf_set(&b, buf, sizeof(buf));
	sqe_prep(&s, WSAOVL_OP_RECV, p.rx, &b, 1, 1);
	s.flags = WSAOVL_SQE_EVENT;
	s.eventfd = e1;
	ASSERT_EQ(1, submit(&self->c, &s, 1));
	close(e1);
	e2 = ev_new_slot(self->c.fd, 1, 0, &s2);
	ASSERT_LE(0, e2);
	EXPECT_NE(s1, s2);
	ASSERT_EQ(1, send(p.tx, "x", 1, 0));
	CQ_WAIT(&self->c, &cqe, 5000);
	EXPECT_EQ(0, STATE(s1));	/* freed with the op's reference */
	EXPECT_EQ(0, STATE(s2));
	close(e2);
	pair_close(&p);
}

/* Past the page: no slot, the event works all the same. */
TEST_F_TIMEOUT(evstate, beyond_the_page, 300)
{
	static int fds[4097];
	uint32_t slot = 0;
	int i, n = 4097;

	ASSERT_EQ(0, raise_nofile(n + 64));
	for (i = 0; i < n; i++) {
		fds[i] = ev_new_slot(self->c.fd, 1, 0, &slot);
		ASSERT_LE(0, fds[i]) TH_LOG("event %d: %s", i, strerror(-fds[i]));
		if (i < n - 1) {
			ASSERT_LT(slot, self->c.ev_slots);
		}
	}
	EXPECT_EQ(WSAOVL_NO_SLOT, slot);
	EXPECT_EQ(0, ev_set(fds[n - 1]));
	EXPECT_EQ(1, ev_state(fds[n - 1]));
	EXPECT_EQ(0, poll_one(self->c.fd, fds[n - 1]));
	for (i = 0; i < n; i++)
		close(fds[i]);
}

TEST_F(evstate, create_rejects_bad_input)
{
	struct wsaovl_event_args a = { .manual = 1, .slot = 5 };

	EXPECT_EQ(-1, ioctl(self->c.fd, WSAOVL_IOC_CREATE_EVENT, &a));
	EXPECT_EQ(EINVAL, errno);
	a.slot = 0;
	a.reserved = 1;
	EXPECT_EQ(-1, ioctl(self->c.fd, WSAOVL_IOC_CREATE_EVENT, &a));
	EXPECT_EQ(EINVAL, errno);
}

/* SETUP's event state fields are outputs: non-zero on input is EINVAL. */
TEST(setup_rejects_ev_inputs)
{
	struct wsaovl_setup st;
	int fd = dev_open(), k;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, DEV_PATH " missing: module not loaded");
	ASSERT_LE(0, fd);
	for (k = 0; k < 2; k++) {
		memset(&st, 0, sizeof(st));
		st.entries = 16;
		if (k)
			st.ev_slots = 1;
		else
			st.ev_offset = 4096;
		EXPECT_EQ(-1, ioctl(fd, WSAOVL_IOC_SETUP, &st));
		EXPECT_EQ(EINVAL, errno);
	}
	memset(&st, 0, sizeof(st));
	st.entries = 16;
	EXPECT_EQ(0, ioctl(fd, WSAOVL_IOC_SETUP, &st));
	EXPECT_EQ(4096U, st.ev_slots);
	EXPECT_EQ(0U, st.ev_offset % 4096);
	close(fd);
}

/* Before SETUP there is no page: events get no slot. */
TEST(no_slot_before_setup)
{
	int fd = dev_open();
	uint32_t slot = 0;
	int ev;

	if (fd < 0 && errno == ENOENT)
		SKIP(return, DEV_PATH " missing: module not loaded");
	ASSERT_LE(0, fd);
	ev = ev_new_slot(fd, 1, 0, &slot);
	ASSERT_LE(0, ev);
	EXPECT_EQ(WSAOVL_NO_SLOT, slot);
	close(ev);
	close(fd);
}

TEST_HARNESS_MAIN
