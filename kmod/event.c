// SPDX-License-Identifier: GPL-2.0
/*
 * Event objects and WSAOVL_IOC_WAIT: Windows' manual- and auto-reset events
 * and WaitForMultipleObjectsEx, after the model of drivers/misc/ntsync.c.
 *
 * An event is an anon-inode file made by one context and usable only with
 * it.  It references the context's memory, not the context's file: pending
 * ops reference their events, and the context's release is what cancels
 * pending ops, so an event holding the file would let an op keep its own
 * context open.  A wait references every event file it waits on, so a
 * close() during the wait is harmless; an op references the event itself.
 *
 * Locking.  One event is held through its spinlock.  Whoever must hold
 * several events of a context at once (a wait-all, a wait-any on more than
 * one object, a set that may satisfy a wait-all) takes the context's
 * wait_all_lock and marks each event all_locked (under the event's
 * spinlock, which it then drops).  ev_lock() that finds the mark, or finds
 * wait-all waiters queued (all_hint), drops the spinlock and takes
 * wait_all_lock instead.  An event's state therefore changes only under its
 * spinlock, or under wait_all_lock with the mark set.  No two event
 * spinlocks are ever held together.
 *
 * Waking.  A waiter is satisfied once: whoever moves its 'signaled' from
 * -1 to an index with a cmpxchg, while holding the objects concerned,
 * acquires them for it (clearing auto-reset events) and wakes it.
 */
#include <linux/anon_inodes.h>
#include <linux/atomic.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

struct wsaovl_event {
	spinlock_t lock;		/* the event alone: see above */
	bool all_locked;		/* held through ctx->wait_all_lock */
	bool manual;			/* immutable */
	bool signaled;
	atomic_t all_hint;		/* wait-all waiters queued here */
	struct list_head any_waiters;	/* held: wait-any entries, in order */
	struct list_head all_waiters;	/* ctx->wait_all_lock: wait-all entries */
	wait_queue_head_t poll_wait;
	refcount_t refs;		/* the file, and each op that sets it */
	struct wsaovl_ctx *ctx;		/* referenced */
	u8 *state;			/* its byte in the ring mapping, or NULL */
	u32 slot;			/* its index, or WSAOVL_NO_SLOT */
};

struct wsaovl_waiter;

struct wsaovl_wait_entry {
	struct list_head node;		/* on the event's any_ or all_waiters */
	struct wsaovl_waiter *w;
	struct wsaovl_event *ev;
	struct file *file;		/* the wait's reference to the event */
	u32 index;
};

struct wsaovl_waiter {
	struct task_struct *task;	/* the caller, sleeping in WAIT */
	atomic_t signaled;		/* -1, or the index that satisfied it */
	u32 count;			/* objects, without the alert */
	u32 total;			/* entries: count, + 1 with an alert */
	struct wsaovl_wait_entry e[];	/* the alert last */
};

static const struct file_operations wsaovl_event_fops;

/* The caller holds ev (ev_lock(), or ev_all_lock() under wait_all_lock). */
static inline void ev_assert_held(struct wsaovl_event *ev)
{
	lockdep_assert(lockdep_is_held(&ev->lock) != LOCK_STATE_NOT_HELD ||
		       (lockdep_is_held(&ev->ctx->wait_all_lock) !=
			LOCK_STATE_NOT_HELD && ev->all_locked));
}

/*
 * Change the state of the held event, and its mapped copy, which
 * userspace reads (acquire) to skip a syscall: see the uapi header.
 */
static void ev_store(struct wsaovl_event *ev, bool signaled)
{
	ev_assert_held(ev);
	WRITE_ONCE(ev->signaled, signaled);
	if (!ev->state)
		return;
	/* Pairs with userspace's acquire load of the byte. */
	smp_store_release(ev->state, signaled);
}

/* Hold ev through ctx->wait_all_lock, which the caller holds. */
static void ev_all_lock(struct wsaovl_event *ev)
{
	lockdep_assert_held(&ev->ctx->wait_all_lock);
	spin_lock(&ev->lock);
	ev->all_locked = true;
	spin_unlock(&ev->lock);
}

/* Caller holds ctx->wait_all_lock. */
static void ev_all_unlock(struct wsaovl_event *ev)
{
	lockdep_assert_held(&ev->ctx->wait_all_lock);
	spin_lock(&ev->lock);
	ev->all_locked = false;
	spin_unlock(&ev->lock);
}

/*
 * Hold one event: by its spinlock, or, when it is held through
 * wait_all_lock or has wait-all waiters, by wait_all_lock (returns true).
 * For sparse, the event's lock is held in both cases.
 */
static bool ev_lock(struct wsaovl_event *ev)
	__acquires(&ev->lock)
{
	spin_lock(&ev->lock);
	if (likely(!ev->all_locked && !atomic_read(&ev->all_hint)))
		return false;
	spin_unlock(&ev->lock);
	mutex_lock(&ev->ctx->wait_all_lock);
	ev_all_lock(ev);
	__acquire(&ev->lock);
	return true;
}

static void ev_unlock(struct wsaovl_event *ev, bool all)
	__releases(&ev->lock)
{
	if (all) {
		ev_all_unlock(ev);
		mutex_unlock(&ev->ctx->wait_all_lock);
		__release(&ev->lock);
	} else {
		spin_unlock(&ev->lock);
	}
}

/* Hand the held, signalled event to its wait-any waiters, oldest first. */
static void ev_wake_any(struct wsaovl_event *ev)
{
	struct wsaovl_wait_entry *e;

	ev_assert_held(ev);
	list_for_each_entry(e, &ev->any_waiters, node) {
		int none = -1;

		if (!ev->signaled)
			return;
		if (atomic_try_cmpxchg(&e->w->signaled, &none, e->index)) {
			if (!ev->manual)
				ev_store(ev, false);
			wake_up_process(e->w->task);
		}
	}
}

/*
 * Satisfy wait-all waiter w if all its objects are signalled, acquiring
 * them together.  Caller holds ctx->wait_all_lock, and @locked (one of w's
 * objects, or NULL) through it already.
 */
static void wait_try_all(struct wsaovl_ctx *ctx, struct wsaovl_waiter *w,
			 struct wsaovl_event *locked)
{
	bool ready = true;
	int none = -1;
	u32 i;

	lockdep_assert_held(&ctx->wait_all_lock);
	if (locked)
		lockdep_assert(locked->all_locked);
	for (i = 0; i < w->count; i++)
		if (w->e[i].ev != locked)
			ev_all_lock(w->e[i].ev);
	for (i = 0; i < w->count && ready; i++)
		ready = w->e[i].ev->signaled;
	if (ready && atomic_try_cmpxchg(&w->signaled, &none, 0)) {
		for (i = 0; i < w->count; i++)
			if (!w->e[i].ev->manual)
				ev_store(w->e[i].ev, false);
		wake_up_process(w->task);
	}
	for (i = 0; i < w->count; i++)
		if (w->e[i].ev != locked)
			ev_all_unlock(w->e[i].ev);
}

/* Signal ev and wake whom it satisfies; returns the previous state. */
static bool ev_signal(struct wsaovl_event *ev, bool pulse)
{
	struct wsaovl_wait_entry *e;
	bool all, prev, now;

	all = ev_lock(ev);
	prev = ev->signaled;
	ev_store(ev, true);
	if (all) {
		/* Only then can wait-all waiters be queued here. */
		list_for_each_entry(e, &ev->all_waiters, node) {
			if (!ev->signaled)
				break;
			wait_try_all(ev->ctx, e->w, ev);
		}
	}
	ev_wake_any(ev);
	if (pulse)
		ev_store(ev, false);
	now = ev->signaled;
	ev_unlock(ev, all);
	/* The waitqueue lock orders this against ev_poll()'s check. */
	if (now && !prev)
		wake_up_poll(&ev->poll_wait, EPOLLIN | EPOLLRDNORM);
	return prev;
}

static bool ev_clear(struct wsaovl_event *ev)
{
	bool all, prev;

	all = ev_lock(ev);
	prev = ev->signaled;
	ev_store(ev, false);
	ev_unlock(ev, all);
	return prev;
}

/* For an op's completion: may sleep (wait_all_lock). */
void wsaovl_event_set(struct wsaovl_event *ev)
{
	might_sleep();
	ev_signal(ev, false);
}

void wsaovl_event_reset(struct wsaovl_event *ev)
{
	ev_clear(ev);
}

/*
 * A state byte for a new event, if one is free.  Events past the page
 * still work; userspace then always asks the kernel.
 */
static void ev_slot_alloc(struct wsaovl_ctx *ctx, struct wsaovl_event *ev)
{
	unsigned long slot;

	ev->slot = WSAOVL_NO_SLOT;
	spin_lock(&ctx->lock);
	if (ctx->ev_slots) {
		slot = find_first_zero_bit(ctx->ev_slots, WSAOVL_EV_SLOTS);
		if (slot < WSAOVL_EV_SLOTS) {
			__set_bit(slot, ctx->ev_slots);
			ev->slot = slot;
			ev->state = &ctx->ev_states[slot];
			/* Pairs with userspace's acquire load of the byte. */
			smp_store_release(ev->state, ev->signaled);
		}
	}
	spin_unlock(&ctx->lock);
}

/* Last reference: nobody changes the state any more. */
static void ev_slot_free(struct wsaovl_event *ev)
{
	struct wsaovl_ctx *ctx = ev->ctx;

	if (!ev->state)
		return;
	spin_lock(&ctx->lock);
	WRITE_ONCE(*ev->state, 0);
	__clear_bit(ev->slot, ctx->ev_slots);
	spin_unlock(&ctx->lock);
}

void wsaovl_event_put(struct wsaovl_event *ev)
{
	if (!refcount_dec_and_test(&ev->refs))
		return;
	WARN_ON_ONCE(!list_empty(&ev->any_waiters) ||
		     !list_empty(&ev->all_waiters));
	ev_slot_free(ev);
	wsaovl_ctx_put(ev->ctx);
	kfree(ev);
}

/* The event behind fd, if it is one of ctx's; with a file reference. */
static struct wsaovl_event *ev_fget(struct wsaovl_ctx *ctx, int fd,
				    struct file **filep)
{
	struct file *file = fget(fd);
	struct wsaovl_event *ev;

	if (!file)
		return ERR_PTR(-EBADF);
	ev = file->private_data;
	if (file->f_op != &wsaovl_event_fops || ev->ctx != ctx) {
		fput(file);
		return ERR_PTR(-EINVAL);
	}
	*filep = file;
	return ev;
}

/* For an op: the event behind fd, referenced until wsaovl_event_put(). */
struct wsaovl_event *wsaovl_event_get(struct wsaovl_ctx *ctx, int fd)
{
	struct wsaovl_event *ev;
	struct file *file;

	ev = ev_fget(ctx, fd, &file);
	if (IS_ERR(ev))
		return ev;
	refcount_inc(&ev->refs);
	fput(file);
	return ev;
}

static int wsaovl_event_release(struct inode *inode, struct file *file)
{
	wsaovl_event_put(file->private_data);
	return 0;
}

static long wsaovl_event_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	struct wsaovl_event *ev = file->private_data;
	u32 __user *uprev = (u32 __user *)arg;
	struct wsaovl_event_args a;
	bool all;

	switch (cmd) {
	case WSAOVL_IOC_EVENT_SET:
		return put_user((u32)ev_signal(ev, false), uprev);
	case WSAOVL_IOC_EVENT_PULSE:
		return put_user((u32)ev_signal(ev, true), uprev);
	case WSAOVL_IOC_EVENT_RESET:
		return put_user((u32)ev_clear(ev), uprev);
	case WSAOVL_IOC_EVENT_READ:
		all = ev_lock(ev);
		a.manual = ev->manual;
		a.signaled = ev->signaled;
		ev_unlock(ev, all);
		a.slot = ev->slot;
		a.reserved = 0;
		return copy_to_user((void __user *)arg, &a, sizeof(a)) ?
		       -EFAULT : 0;
	default:
		return -ENOIOCTLCMD;
	}
}

/* Readable while signalled; looking does not acquire it. */
static __poll_t wsaovl_event_poll(struct file *file, poll_table *pt)
{
	struct wsaovl_event *ev = file->private_data;

	poll_wait(file, &ev->poll_wait, pt);
	return READ_ONCE(ev->signaled) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations wsaovl_event_fops = {
	.owner = THIS_MODULE,
	.release = wsaovl_event_release,
	.unlocked_ioctl = wsaovl_event_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = wsaovl_event_poll,
};

long wsaovl_event_create(struct wsaovl_ctx *ctx,
			 struct wsaovl_event_args __user *arg)
{
	struct wsaovl_event_args a;
	struct wsaovl_event *ev;
	struct file *file;
	int fd;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.manual > 1 || a.signaled > 1 || a.slot || a.reserved)
		return -EINVAL;
	/* Bounded by RLIMIT_NOFILE, and after close() by the ops using it. */
	ev = kzalloc(sizeof(*ev), GFP_KERNEL_ACCOUNT);
	if (!ev)
		return -ENOMEM;
	spin_lock_init(&ev->lock);
	ev->manual = a.manual;
	ev->signaled = a.signaled;
	atomic_set(&ev->all_hint, 0);
	INIT_LIST_HEAD(&ev->any_waiters);
	INIT_LIST_HEAD(&ev->all_waiters);
	init_waitqueue_head(&ev->poll_wait);
	refcount_set(&ev->refs, 1);
	refcount_inc(&ctx->refs);
	ev->ctx = ctx;
	ev_slot_alloc(ctx, ev);

	/* The slot goes out before the fd exists: nothing to undo after. */
	a.slot = ev->slot;
	if (put_user(a.slot, &arg->slot)) {
		fd = -EFAULT;
		goto fail;
	}
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto fail;
	file = anon_inode_getfile("[wsaovl_event]", &wsaovl_event_fops, ev,
				  O_RDWR);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto fail;
	}
	fd_install(fd, file);
	return fd;
fail:
	wsaovl_event_put(ev);
	return fd;
}

/*
 * Queue a wait-any and take what is signalled already.  Several objects
 * are queued and looked at all at once, so that, as on Windows, the lowest
 * signalled index wins over one signalled meanwhile.
 */
static void wait_any_queue(struct wsaovl_ctx *ctx, struct wsaovl_waiter *w)
{
	u32 i;

	if (w->total == 1) {
		struct wsaovl_event *ev = w->e[0].ev;
		bool all = ev_lock(ev);

		list_add_tail(&w->e[0].node, &ev->any_waiters);
		ev_wake_any(ev);
		ev_unlock(ev, all);
		return;
	}
	/* A duplicate is marked twice; nothing is touched once unmarking. */
	mutex_lock(&ctx->wait_all_lock);
	for (i = 0; i < w->total; i++)
		ev_all_lock(w->e[i].ev);
	for (i = 0; i < w->total; i++)
		list_add_tail(&w->e[i].node, &w->e[i].ev->any_waiters);
	for (i = 0; i < w->total && atomic_read(&w->signaled) == -1; i++)
		ev_wake_any(w->e[i].ev);
	for (i = 0; i < w->total; i++)
		ev_all_unlock(w->e[i].ev);
	mutex_unlock(&ctx->wait_all_lock);
}

static void wait_any_dequeue(struct wsaovl_waiter *w)
{
	u32 i;

	for (i = 0; i < w->total; i++) {
		struct wsaovl_event *ev = w->e[i].ev;
		bool all = ev_lock(ev);

		list_del(&w->e[i].node);
		ev_unlock(ev, all);
	}
}

/*
 * Queue a wait-all and take its objects if all are signalled; then, and
 * only then, the alert (it loses ties, and satisfies the wait alone).
 */
static void wait_all_queue(struct wsaovl_ctx *ctx, struct wsaovl_waiter *w)
{
	struct wsaovl_event *alert = NULL;
	u32 i;

	mutex_lock(&ctx->wait_all_lock);
	for (i = 0; i < w->count; i++) {
		atomic_inc(&w->e[i].ev->all_hint);
		list_add_tail(&w->e[i].node, &w->e[i].ev->all_waiters);
	}
	if (w->total > w->count) {
		alert = w->e[w->count].ev;
		ev_all_lock(alert);
		list_add_tail(&w->e[w->count].node, &alert->any_waiters);
	}
	wait_try_all(ctx, w, NULL);
	if (alert) {
		if (atomic_read(&w->signaled) == -1)
			ev_wake_any(alert);
		ev_all_unlock(alert);
	}
	mutex_unlock(&ctx->wait_all_lock);
}

static void wait_all_dequeue(struct wsaovl_ctx *ctx, struct wsaovl_waiter *w)
{
	u32 i;

	mutex_lock(&ctx->wait_all_lock);
	for (i = 0; i < w->count; i++) {
		list_del(&w->e[i].node);
		atomic_dec(&w->e[i].ev->all_hint);
	}
	if (w->total > w->count) {
		struct wsaovl_event *alert = w->e[w->count].ev;

		ev_all_lock(alert);
		list_del(&w->e[w->count].node);
		ev_all_unlock(alert);
	}
	mutex_unlock(&ctx->wait_all_lock);
}

/*
 * Sleep until satisfied (0), timed out (0) or signalled (-ERESTARTSYS:
 * the timeout is absolute, so a restart waits for the same deadline).
 * Meanwhile run the retries handed to this thread as a runner: they are
 * what will most likely satisfy the wait.  Even a wait satisfied at once
 * runs one queue of them: what workers left for the owner (runner.c) goes
 * only with a thread of the owner, and a program may wait only on objects
 * that are set.  A satisfied wait never sleeps for its objects (that one
 * run may still wait for a queue's lock or a fault of the owner's memory).
 */
static int wait_sleep(struct wsaovl_ctx *ctx, struct wsaovl_waiter *w,
		      ktime_t *timeout)
{
	bool ran = false, done, work;
	int ret = 0;

	for (;;) {
		set_current_state(TASK_INTERRUPTIBLE);
		done = atomic_read(&w->signaled) != -1;
		/* Read once: a satisfied wait must not find it gone and sleep. */
		work = wsaovl_runner_has_work(ctx);
		if (done && (ran || !work))
			break;
		/* Signals and the deadline first: work may keep coming. */
		if (!done && signal_pending(current)) {
			ret = -ERESTARTSYS;
			break;
		}
		if (work) {
			__set_current_state(TASK_RUNNING);
			/*
			 * Past the deadline, one run still: a program that
			 * polls (timeout 0) must complete what workers left.
			 */
			if (ran && timeout && !ktime_before(ktime_get(), *timeout))
				break;
			wsaovl_runner_run(ctx);
			ran = true;
			continue;
		}
		if (!schedule_hrtimeout_range_clock(timeout, 0, HRTIMER_MODE_ABS,
						    CLOCK_MONOTONIC))
			break;
	}
	__set_current_state(TASK_RUNNING);
	return ret;
}

static void wait_put(struct wsaovl_waiter *w, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++)
		fput(w->e[i].file);
	kfree(w);
}

/* Each object, referenced; distinct ones for a wait-all (alert included). */
static int wait_get(struct wsaovl_ctx *ctx, struct wsaovl_waiter *w,
		    const s32 *fds, bool all)
{
	u32 i, j;

	for (i = 0; i < w->total; i++) {
		struct wsaovl_wait_entry *e = &w->e[i];

		e->ev = ev_fget(ctx, fds[i], &e->file);
		if (IS_ERR(e->ev)) {
			int ret = PTR_ERR(e->ev);

			wait_put(w, i);
			return ret;
		}
		e->w = w;
		e->index = i;
		for (j = 0; all && j < i; j++) {
			if (w->e[j].ev == e->ev) {
				wait_put(w, i + 1);
				return -EINVAL;
			}
		}
	}
	return 0;
}

long wsaovl_wait(struct wsaovl_ctx *ctx, struct wsaovl_wait __user *arg)
{
	s32 fds[WSAOVL_MAX_WAIT + 1];
	ktime_t deadline, *timeout = NULL;
	struct wsaovl_runner runner;
	struct wsaovl_waiter *w;
	struct wsaovl_wait a;
	int ret, signaled;
	u32 total;
	bool all;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~WSAOVL_WAIT_FLAGS ||
	    memchr_inv(a.reserved, 0, sizeof(a.reserved)))
		return -EINVAL;
	if (!(a.flags & WSAOVL_WAIT_ALERT) && a.alert)
		return -EINVAL;
	if (a.count > WSAOVL_MAX_WAIT)
		return -EINVAL;
	total = a.count + !!(a.flags & WSAOVL_WAIT_ALERT);
	if (!total)
		return -EINVAL;
	if (copy_from_user(fds, u64_to_user_ptr(a.objs),
			   array_size(a.count, sizeof(fds[0]))))
		return -EFAULT;
	fds[a.count] = a.alert;
	/* Beyond 292 years is forever. */
	if (a.timeout <= (u64)KTIME_MAX) {
		deadline = ns_to_ktime(a.timeout);
		timeout = &deadline;
	}
	/* The alert alone is a wait-any. */
	all = (a.flags & WSAOVL_WAIT_ALL) && a.count;

	w = kmalloc(struct_size(w, e, total), GFP_KERNEL_ACCOUNT);
	if (!w)
		return -ENOMEM;
	w->task = current;
	atomic_set(&w->signaled, -1);
	w->count = a.count;
	w->total = total;
	ret = wait_get(ctx, w, fds, all);
	if (ret)
		return ret;

	wsaovl_runner_enter(ctx, &runner, false);
	if (all)
		wait_all_queue(ctx, w);
	else
		wait_any_queue(ctx, w);
	ret = wait_sleep(ctx, w, timeout);
	wsaovl_runner_leave(ctx, &runner);
	if (all)
		wait_all_dequeue(ctx, w);
	else
		wait_any_dequeue(w);

	/* Satisfied: that wins over a signal or the deadline. */
	signaled = atomic_read(&w->signaled);
	wait_put(w, total);
	if (signaled < 0)
		return ret ? ret : -ETIMEDOUT;
	if (put_user(signaled, &arg->index))
		return -EFAULT;
	return signaled;
}
