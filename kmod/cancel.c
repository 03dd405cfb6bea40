// SPDX-License-Identifier: GPL-2.0
/*
 * Cancellation: every selected pending op completes exactly once, with
 * -ECANCELED, through the normal completion path (status, cqe, eventfd).
 */
#include <linux/file.h>
#include <linux/net.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "internal.h"

static bool wsaovl_cancel_op(const struct wsaovl_op *op,
			     const struct wsaovl_cancel *c, struct pid *tid)
{
	switch (c->what) {
	case WSAOVL_CANCEL_TAG:
		return op->cqe.tag == c->tag;
	case WSAOVL_CANCEL_TID:
		return op->submitter == tid;
	default:
		return true;
	}
}

static bool wsaovl_cancel_queue(const struct wsaovl_sockq *q,
				const struct wsaovl_cancel *c, struct file *file)
{
	switch (c->what) {
	case WSAOVL_CANCEL_FD:
		return q->file == file;
	case WSAOVL_CANCEL_FD_SEND:
		return q->file == file && q->send;
	default:
		return true;
	}
}

/*
 * Cancel what c selects; returns how many.  A queue's lock holder may be
 * stuck in a page fault of the owner's (userfaultfd): with @killable, a
 * fatal signal ends the wait, -EINTR, the rest left as it was.  The last
 * close cancels everything, killed or not.
 */
static long wsaovl_cancel_match(struct wsaovl_ctx *ctx,
				const struct wsaovl_cancel *c,
				struct file *file, struct pid *tid,
				bool killable)
{
	struct wsaovl_sockq *q, *qtmp;
	struct wsaovl_op *op, *optmp;
	unsigned int bkt;
	LIST_HEAD(queues);
	long n = 0;

	if (!killable)
		mutex_lock(&ctx->cancel_lock);
	else if (mutex_lock_killable(&ctx->cancel_lock))
		return -EINTR;
	spin_lock(&ctx->lock);
	hash_for_each(ctx->sockqs, bkt, q, hnode) {
		if (wsaovl_cancel_queue(q, c, file)) {
			refcount_inc(&q->refs);
			list_add_tail(&q->cancel_node, &queues);
		}
	}
	spin_unlock(&ctx->lock);

	list_for_each_entry_safe(q, qtmp, &queues, cancel_node) {
		struct wsaovl_op *head;

		list_del(&q->cancel_node);
		if (!killable)
			mutex_lock(&q->lock);
		else if (n >= 0 && mutex_lock_killable(&q->lock))
			n = -EINTR;
		if (n < 0) {
			wsaovl_sockq_put(q);
			continue;
		}
		head = list_first_entry_or_null(&q->ops, struct wsaovl_op, node);
		list_for_each_entry_safe(op, optmp, &q->ops, node) {
			if (!wsaovl_cancel_op(op, c, tid))
				continue;
			list_del(&op->node);
			op->cqe.res = -ECANCELED;
			wsaovl_op_complete(op);
			n++;
			cond_resched();
		}
		if (list_empty(&q->ops)) {
			wsaovl_sockq_retire(q);
		} else if (list_first_entry(&q->ops, struct wsaovl_op, node) != head) {
			wsaovl_runner_forget(q);	/* the left head is gone */
			wsaovl_sockq_kick(q, 0);	/* the new head may go now */
		}
		mutex_unlock(&q->lock);
		wsaovl_sockq_put(q);
	}
	mutex_unlock(&ctx->cancel_lock);
	return n;
}

/* The thread behind pid runs and is not exiting. */
static bool wsaovl_pid_alive(struct pid *pid)
{
	struct task_struct *task = get_pid_task(pid, PIDTYPE_PID);
	bool alive = task && !(task->flags & PF_EXITING);

	if (task)
		put_task_struct(task);
	return alive;
}

long wsaovl_cancel(struct wsaovl_ctx *ctx, struct wsaovl_cancel __user *arg)
{
	struct file *file = NULL;
	struct pid *tid = NULL;
	struct wsaovl_cancel c;
	long n;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (memchr_inv(c.reserved, 0, sizeof(c.reserved)))
		return -EINVAL;
	switch (c.what) {
	case WSAOVL_CANCEL_FD:
	case WSAOVL_CANCEL_FD_SEND:
		file = fget(c.fd);
		if (!file)
			return -EBADF;
		if (!sock_from_file(file)) {
			fput(file);
			return -ENOTSOCK;
		}
		break;
	case WSAOVL_CANCEL_TID:
		/*
		 * The thread as the caller's pid namespace names it now; ops
		 * hold their submitter's struct pid, so a reused number never
		 * matches an older thread's ops.
		 */
		tid = find_get_pid(c.tid);
		if (!tid)
			return 0;
		/* Joined already: its number may be anyone's soon. */
		if (!wsaovl_pid_alive(tid)) {
			put_pid(tid);
			return 0;
		}
		break;
	case WSAOVL_CANCEL_TAG:
	case WSAOVL_CANCEL_ALL:
		break;
	default:
		return -EINVAL;
	}
	n = wsaovl_cancel_match(ctx, &c, file, tid, true);
	if (file)
		fput(file);
	put_pid(tid);
	return n;
}

unsigned int wsaovl_cancel_all(struct wsaovl_ctx *ctx)
{
	struct wsaovl_cancel c = { .what = WSAOVL_CANCEL_ALL };

	return wsaovl_cancel_match(ctx, &c, NULL, NULL, false);
}
