/* SPDX-License-Identifier: GPL-2.0 */
/* Event objects and WSAOVL_IOC_WAIT through the raw ABI, for the tests. */
#ifndef WSAOVL_SELFTEST_EVENTS_H
#define WSAOVL_SELFTEST_EVENTS_H

#include "engine.h"

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static inline uint64_t in_ms(unsigned int ms)
{
	return mono_ns() + (uint64_t)ms * 1000000ULL;
}

/* The new event's fd, or -errno. */
static inline int ev_new(int dev, uint32_t manual, uint32_t signaled)
{
	struct wsaovl_event_args a = { .manual = manual, .signaled = signaled };
	int r = ioctl(dev, WSAOVL_IOC_CREATE_EVENT, &a);

	return r < 0 ? -errno : r;
}

/* SET/RESET/PULSE: the previous state, or -errno; -999 if not written. */
static inline int ev_op(int ev, unsigned long cmd)
{
	uint32_t prev = POISON32;
	int r = ioctl(ev, cmd, &prev);

	if (r < 0)
		return -errno;
	if (r != 0 || prev > 1)
		return -999;
	return prev;
}

#define ev_set(e)	ev_op((e), WSAOVL_IOC_EVENT_SET)
#define ev_reset(e)	ev_op((e), WSAOVL_IOC_EVENT_RESET)
#define ev_pulse(e)	ev_op((e), WSAOVL_IOC_EVENT_PULSE)

/* The state (0/1), or -errno; -999 if a field was not written. */
static inline int ev_state(int ev)
{
	struct wsaovl_event_args a;

	memset(&a, POISON8, sizeof(a));
	if (ioctl(ev, WSAOVL_IOC_EVENT_READ, &a))
		return -errno;
	if (a.manual > 1 || a.signaled > 1)
		return -999;
	return a.signaled;
}

/*
 * WSAOVL_IOC_WAIT: the index, or -errno.  *index gets what the kernel
 * wrote to wsaovl_wait.index (POISON32 if nothing).
 */
static inline int wait_ev(int dev, const int *fds, uint32_t count, uint32_t flags,
		   int alert, uint64_t timeout, uint32_t *index)
{
	struct wsaovl_wait w;
	int r;

	memset(&w, POISON8, sizeof(w));
	w.timeout = timeout;
	w.objs = (uintptr_t)fds;
	w.count = count;
	w.flags = flags;
	w.alert = alert;
	w.reserved[0] = 0;
	w.reserved[1] = 0;
	r = ioctl(dev, WSAOVL_IOC_WAIT, &w);
	if (index)
		*index = w.index;
	if (r < 0)
		return -errno;
	/* The return value and the stored index agree. */
	return (uint32_t)r == w.index ? r : -999;
}

/* wait-any, no alert, poll */
static inline int poll_any(int dev, const int *fds, uint32_t count)
{
	return wait_ev(dev, fds, count, 0, 0, 0, NULL);
}

static inline int poll_one(int dev, int ev)
{
	return poll_any(dev, &ev, 1);
}

/*
 * WAIT for ms on an event nobody sets, so that the caller is a runner
 * meanwhile (it runs what the workers left): 0 on timeout, else -errno
 * or -1000.
 */
static inline int runner_wait_ms(struct ctx *c, unsigned int ms)
{
	int ev = ev_new(c->fd, 1, 0), r;

	if (ev < 0)
		return ev;
	r = wait_ev(c->fd, &ev, 1, 0, 0, in_ms(ms), NULL);
	close(ev);
	return r == -ETIMEDOUT ? 0 : (r < 0 ? r : -1000);
}

#endif
