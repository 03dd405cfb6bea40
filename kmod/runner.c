// SPDX-License-Identifier: GPL-2.0
/*
 * Runners: threads of the owning process in WSAOVL_IOC_WAIT or
 * WSAOVL_IOC_SUBMIT run the retries of its socket queues themselves, as
 * io_uring's DEFER_TASKRUN runs task work in the thread that waits for
 * completions.  A socket's wakeup then costs one wakeup of a thread that
 * was waiting anyway (or none: a submitter runs what its own send made
 * ready before it returns), not a kworker's and then the waiter's; and the
 * retry runs in the user's process, in its cgroup, under its task-based
 * LSM context.  Only when no thread of the owner is in either call does a
 * kworker run the retry: overlapped I/O completes without anybody waiting.
 *
 * A waiter sleeps, so a wakeup must wake it; a submitter is running and
 * drains the list before it returns, but it may block meanwhile (a fault,
 * reclaim), so a queue handed to submitters only is backed by the
 * context's backstop timer: what has been on run_list for a whole tick
 * goes to the workqueue.  One timer per context, armed at most once a
 * tick, not a timer armed and cancelled per wakeup.  Waiters are
 * preferred: they are idle.
 *
 * Invariant, under run_lock: ctx->run_list is empty whenever ctx->runners
 * and ctx->submitters are; the last runner to leave hands what is left to
 * the workqueue.  Queues whose head op a worker could not pin (it would
 * have to wait for a fault, or exceed a pinning limit) wait on
 * ctx->left_list instead, for the next thread of the owner to enter.
 */
#include <linux/list.h>
#include <linux/sched.h>
#include <linux/spinlock.h>

#include "internal.h"

/*
 * Caller holds run_lock: q goes on run_list (with a reference) for a
 * runner.  Always at the tail, stamped with the tick: run_list is in
 * stamp order, which the backstop relies on.
 */
static void runner_queue(struct wsaovl_ctx *ctx, struct wsaovl_sockq *q)
{
	lockdep_assert_held(&ctx->run_lock);
	if (q->left) {
		list_move_tail(&q->run_node, &ctx->run_list);
		WRITE_ONCE(q->left, false);
	} else if (!q->on_run_list) {
		q->on_run_list = true;
		refcount_inc(&q->refs);
		list_add_tail(&q->run_node, &ctx->run_list);
	} else {
		return;		/* already waiting, with its older stamp */
	}
	q->run_tick = ctx->run_tick;
}

/* Caller holds run_lock: q leaves run_list for the workqueue. */
static void runner_to_workqueue(struct wsaovl_ctx *ctx, struct wsaovl_sockq *q)
{
	lockdep_assert_held(&ctx->run_lock);
	list_del_init(&q->run_node);
	q->on_run_list = false;
	/* The work item takes a reference: dropping the list's is never the last. */
	wsaovl_sockq_queue_work(q);
	refcount_dec(&q->refs);
}

/* Queues the backstop moves per tick: the rest wait for the next. */
#define WSAOVL_BACKSTOP_BUDGET	256

/*
 * Timer (softirq): queues put on run_list before the last tick have
 * waited a whole tick for a runner (a submitter stuck in a fault, or a
 * woken waiter that does not get the CPU): the workqueue takes them.
 * Stamps only grow along run_list, so the walk stops at the first queue
 * of this tick.
 */
static void runner_backstop(struct timer_list *t)
{
	struct wsaovl_ctx *ctx = from_timer(ctx, t, backstop);
	struct wsaovl_sockq *q, *tmp;
	unsigned int budget = WSAOVL_BACKSTOP_BUDGET;
	unsigned long flags;

	spin_lock_irqsave(&ctx->run_lock, flags);
	list_for_each_entry_safe(q, tmp, &ctx->run_list, run_node) {
		if (q->run_tick == ctx->run_tick || !budget--)
			break;
		runner_to_workqueue(ctx, q);
	}
	ctx->run_tick++;
	if (!list_empty(&ctx->run_list))
		mod_timer(&ctx->backstop, jiffies + WSAOVL_RUNNER_BACKSTOP);
	spin_unlock_irqrestore(&ctx->run_lock, flags);
}

void wsaovl_runner_init(struct wsaovl_ctx *ctx)
{
	timer_setup(&ctx->backstop, runner_backstop, 0);
}

/* The context is going: nothing is on run_list any more. */
void wsaovl_runner_fini(struct wsaovl_ctx *ctx)
{
	timer_shutdown_sync(&ctx->backstop);
}

/*
 * From the socket's wakeup (atomic, any context): hand q to a runner if
 * the owner has one.  False: the caller must use the workqueue.  The
 * workqueue itself asks with @waiters_only: a submitter would only arm
 * the backstop that brought it here.  A queue left for the owner (a worker
 * could not pin its head op) stays left when there is no runner: a worker
 * would only fail again.
 */
bool wsaovl_runner_dispatch(struct wsaovl_sockq *q, bool waiters_only)
{
	struct wsaovl_ctx *ctx = q->ctx;
	struct wsaovl_runner *r;
	unsigned long flags;
	bool taken = false;

	spin_lock_irqsave(&ctx->run_lock, flags);
	r = list_first_entry_or_null(&ctx->runners, struct wsaovl_runner, node);
	if (r || (!waiters_only && !list_empty(&ctx->submitters))) {
		runner_queue(ctx, q);
		if (r)
			wake_up_process(r->task);
		else if (!timer_pending(&ctx->backstop))
			/* A submitter may block (a fault): the backstop. */
			mod_timer(&ctx->backstop, jiffies + WSAOVL_RUNNER_BACKSTOP);
		taken = true;
	} else {
		taken = q->left && !waiters_only;
	}
	spin_unlock_irqrestore(&ctx->run_lock, flags);
	return taken;
}

/*
 * A worker could not pin q's head op: leave q for the owner's threads,
 * the next of which to enter WAIT or SUBMIT runs it (now, if one is in).
 */
void wsaovl_runner_leave_for_owner(struct wsaovl_sockq *q)
{
	struct wsaovl_ctx *ctx = q->ctx;
	struct wsaovl_runner *r;

	lockdep_assert_held(&q->lock);
	spin_lock_irq(&ctx->run_lock);
	r = list_first_entry_or_null(&ctx->runners, struct wsaovl_runner, node);
	if (r || !list_empty(&ctx->submitters)) {
		runner_queue(ctx, q);
		if (r)
			wake_up_process(r->task);
	} else if (!q->on_run_list) {
		q->on_run_list = true;
		WRITE_ONCE(q->left, true);
		refcount_inc(&q->refs);
		list_add_tail(&q->run_node, &ctx->left_list);
	}
	spin_unlock_irq(&ctx->run_lock);
}

/*
 * Off the left list: q retires, or its head changed or got pinned.  The
 * caller holds q->lock (only a holder sets q->left, so a false read is
 * final) and another reference.
 */
void wsaovl_runner_forget(struct wsaovl_sockq *q)
{
	struct wsaovl_ctx *ctx = q->ctx;

	lockdep_assert_held(&q->lock);
	if (!READ_ONCE(q->left))
		return;
	spin_lock_irq(&ctx->run_lock);
	if (q->left) {
		list_del_init(&q->run_node);
		WRITE_ONCE(q->left, false);
		q->on_run_list = false;
		refcount_dec(&q->refs);
	}
	spin_unlock_irq(&ctx->run_lock);
}

/* Called by WAIT (@submit false) or SUBMIT, in the owner, first. */
void wsaovl_runner_enter(struct wsaovl_ctx *ctx, struct wsaovl_runner *r,
			 bool submit)
{
	struct wsaovl_sockq *q, *tmp;

	r->task = current;
	spin_lock_irq(&ctx->run_lock);
	list_add(&r->node, submit ? &ctx->submitters : &ctx->runners);
	/* What the workers left for the owner: this thread's to run. */
	list_for_each_entry_safe(q, tmp, &ctx->left_list, run_node)
		runner_queue(ctx, q);
	spin_unlock_irq(&ctx->run_lock);
}

/*
 * After the wait: queues still waiting for a run go to another runner, or,
 * if this was the last, to the workqueue (each with its reference).
 */
void wsaovl_runner_leave(struct wsaovl_ctx *ctx, struct wsaovl_runner *r)
{
	struct wsaovl_sockq *q, *tmp;
	struct wsaovl_runner *next;

	spin_lock_irq(&ctx->run_lock);
	list_del(&r->node);
	next = list_first_entry_or_null(&ctx->runners, struct wsaovl_runner,
					node);
	if (!next && list_empty(&ctx->submitters)) {
		/* Under the lock: a dispatch may add a queue again at once. */
		list_for_each_entry_safe(q, tmp, &ctx->run_list, run_node)
			runner_to_workqueue(ctx, q);
	} else if (next && !list_empty(&ctx->run_list)) {
		wake_up_process(next->task);
	}
	spin_unlock_irq(&ctx->run_lock);
}

bool wsaovl_runner_has_work(struct wsaovl_ctx *ctx)
{
	return !list_empty_careful(&ctx->run_list);
}

/* Run the oldest queue handed to the runners; false if there was none. */
bool wsaovl_runner_run(struct wsaovl_ctx *ctx)
{
	struct wsaovl_sockq *q;

	/* A queue added after this look waits for the leave: see there. */
	if (list_empty_careful(&ctx->run_list))
		return false;
	spin_lock_irq(&ctx->run_lock);
	q = list_first_entry_or_null(&ctx->run_list, struct wsaovl_sockq,
				     run_node);
	if (q) {
		list_del_init(&q->run_node);
		q->on_run_list = false;
	}
	spin_unlock_irq(&ctx->run_lock);
	if (!q)
		return false;
	/* Running it now: a queued retry has nothing left to do. */
	if (delayed_work_pending(&q->work) && cancel_delayed_work(&q->work))
		refcount_dec(&q->refs);		/* the work's; ours remains */
	wsaovl_sockq_run_ref(q);
	return true;
}
