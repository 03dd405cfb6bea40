// SPDX-License-Identifier: GPL-2.0
/*
 * Per-socket, per-direction queues: ops do their transport work in
 * submission order.  Nothing blocks: each attempt is MSG_DONTWAIT; a queue
 * whose head op cannot progress parks a wait-queue entry on the socket, and
 * the socket's wakeup only schedules the queue's retry (as io_uring's poll
 * arming does): in a thread of the owner in WAIT or SUBMIT (runner.c),
 * else in the queue's work item.  Pending ops cost no thread.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/inetdevice.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/memcontrol.h>
#include <linux/net.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <net/route.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "compat.h"
#include "internal.h"

static void wsaovl_sockq_work(struct work_struct *work);

static u32 sockq_hash(struct file *file, bool send)
{
	return hash_ptr(file, 16) ^ send;
}

static __poll_t sockq_events(const struct wsaovl_sockq *q)
{
	return (q->send ? EPOLLOUT : EPOLLIN) | EPOLLERR | EPOLLHUP;
}

/*
 * Schedule the queue's retry on the workqueue: now (pulling a delayed one
 * forward), or after @delay unless one is already scheduled.  The work
 * holds a queue reference; the hash or the caller holds another, so this
 * is never the last.  Callable from atomic context.
 */
static void sockq_queue(struct wsaovl_sockq *q, unsigned long delay)
{
	bool was_pending;

	refcount_inc(&q->refs);
	if (delay)
		was_pending = !queue_delayed_work(wsaovl_wq, &q->work, delay);
	else
		was_pending = mod_delayed_work(wsaovl_wq, &q->work, 0);
	if (was_pending)
		refcount_dec(&q->refs);
}

void wsaovl_sockq_queue_work(struct wsaovl_sockq *q)
{
	sockq_queue(q, 0);
}

/* Unless a retry is already scheduled: never pulls one forward. */
void wsaovl_sockq_queue_later(struct wsaovl_sockq *q, unsigned long delay)
{
	sockq_queue(q, delay);
}

/*
 * Schedule the queue's retry: an immediate one goes to a thread of the
 * owner in WAIT or SUBMIT if there is one (runner.c), else to the
 * workqueue.
 */
void wsaovl_sockq_kick(struct wsaovl_sockq *q, unsigned long delay)
{
	if (!delay && wsaovl_runner_dispatch(q, false))
		return;
	sockq_queue(q, delay);
}

/* Socket wakeup, in atomic context: only schedule the retry. */
static int sockq_wake(struct wait_queue_entry *wait, unsigned int mode,
		      int sync, void *key)
{
	struct wsaovl_sockq *q = container_of(wait, struct wsaovl_sockq, wait);
	__poll_t mask = key_to_poll(key);

	if (mask && !(mask & sockq_events(q)))
		return 0;
	wsaovl_sockq_kick(q, 0);
	return 0;
}

static void sockq_queue_proc(struct file *file, wait_queue_head_t *head,
			     poll_table *pt)
{
	struct wsaovl_sockq *q = container_of(pt, struct wsaovl_sockq, pt);

	if (q->head)
		return;		/* sockets have one wait queue; keep the first */
	q->head = head;
	add_wait_queue(head, &q->wait);
}

/* Readiness now, without registering (and without busy polling). */
static __poll_t wsaovl_poll_now(struct file *file, __poll_t want)
{
	poll_table pt = { ._qproc = NULL, ._key = want };

	return vfs_poll(file, &pt) & want;
}

/* Keep the wait entry armed; true if the socket is ready now. */
static bool sockq_arm(struct wsaovl_sockq *q)
{
	if (q->head)
		return wsaovl_poll_now(q->file, sockq_events(q));
	init_poll_funcptr(&q->pt, sockq_queue_proc);
	q->pt._key = sockq_events(q);
	return vfs_poll(q->file, &q->pt) & sockq_events(q);
}

static void sockq_free(struct wsaovl_sockq *q)
{
	fput(q->file);
	wsaovl_ctx_put(q->ctx);
	kmem_cache_free(wsaovl_sockq_cache, q);
}

void wsaovl_sockq_put(struct wsaovl_sockq *q)
{
	if (refcount_dec_and_test(&q->refs))
		sockq_free(q);
}

/* Find the queue, taking a reference; with @create, make it if absent. */
static struct wsaovl_sockq *sockq_lookup(struct wsaovl_ctx *ctx,
					 struct file *file, bool send,
					 bool create)
{
	struct wsaovl_sockq *q, *new = NULL;

	for (;;) {
		spin_lock(&ctx->lock);
		hash_for_each_possible(ctx->sockqs, q, hnode, sockq_hash(file, send)) {
			if (q->file == file && q->send == send) {
				refcount_inc(&q->refs);
				spin_unlock(&ctx->lock);
				if (new)
					sockq_free(new);
				return q;
			}
		}
		if (new) {
			hash_add(ctx->sockqs, &new->hnode, sockq_hash(file, send));
			spin_unlock(&ctx->lock);
			return new;
		}
		spin_unlock(&ctx->lock);
		if (!create)
			return NULL;

		new = kmem_cache_zalloc(wsaovl_sockq_cache, GFP_KERNEL);
		if (!new)
			return ERR_PTR(-ENOMEM);
		new->ctx = ctx;
		new->file = get_file(file);
		new->send = send;
		refcount_set(&new->refs, 2);	/* the hash and the caller */
		refcount_inc(&ctx->refs);
		mutex_init(&new->lock);
		INIT_LIST_HEAD(&new->ops);
		init_waitqueue_func_entry(&new->wait, sockq_wake);
		INIT_LIST_HEAD(&new->run_node);
		INIT_DELAYED_WORK(&new->work, wsaovl_sockq_work);
	}
}

/*
 * The queue ran empty: disarm and unhash it.  Caller holds q->lock and a
 * reference.  With the wait entry gone nothing can kick the queue again,
 * so a retry still scheduled (a backoff timer) is cancelled here and no
 * timer outlives the queue, its context or the module.
 */
void wsaovl_sockq_retire(struct wsaovl_sockq *q)
{
	struct wsaovl_ctx *ctx = q->ctx;

	lockdep_assert_held(&q->lock);
	wsaovl_runner_forget(q);
	if (q->head) {
		remove_wait_queue(q->head, &q->wait);
		q->head = NULL;
	}
	/*
	 * The bit first: cancelling an idle work item is not free.  A retry
	 * queued after this (a runner leaving) finds the queue dead.
	 */
	if (delayed_work_pending(&q->work) && cancel_delayed_work(&q->work))
		refcount_dec(&q->refs);		/* the work's; ours remains */
	if (q->dead)
		return;
	spin_lock(&ctx->lock);
	hash_del(&q->hnode);
	q->dead = true;
	spin_unlock(&ctx->lock);
	refcount_dec(&q->refs);		/* the hash's */
}

static u32 wsaovl_dest4_flags(struct socket *sock, __be32 a)
{
	if (ipv4_is_multicast(a))
		return WSAOVL_MSG_MCAST;
	if (ipv4_is_lbcast(a) ||
	    inet_addr_type(sock_net(sock->sk), a) == RTN_BROADCAST)
		return WSAOVL_MSG_BCAST;
	return 0;
}

/* Destination of a received datagram, from IP(V6)_PKTINFO, as WSA flags. */
static u32 wsaovl_dest_flags(struct socket *sock, const void *ctl, size_t len)
{
	struct msghdr msg = { .msg_control = (void *)ctl, .msg_controllen = len };
	struct cmsghdr *cmsg;

	for_each_cmsghdr(cmsg, &msg) {
		if (cmsg->cmsg_level == SOL_IP && cmsg->cmsg_type == IP_PKTINFO &&
		    cmsg->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo *pi = CMSG_DATA(cmsg);

			return wsaovl_dest4_flags(sock, pi->ipi_addr.s_addr);
		}
		if (cmsg->cmsg_level == SOL_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO &&
		    cmsg->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo *pi = CMSG_DATA(cmsg);

			if (ipv6_addr_v4mapped(&pi->ipi6_addr))
				return wsaovl_dest4_flags(sock,
							  pi->ipi6_addr.s6_addr32[3]);
			return ipv6_addr_is_multicast(&pi->ipi6_addr) ?
			       WSAOVL_MSG_MCAST : 0;
		}
	}
	return 0;
}

/* A zero-byte stream receive completes when data is there, as on Windows. */
static int wsaovl_zero_recv(struct wsaovl_op *op, struct socket *sock)
{
	if (!wsaovl_poll_now(sock->file, EPOLLIN | EPOLLERR | EPOLLHUP))
		return -EAGAIN;
	return sock_error(sock->sk);
}

/*
 * One nonblocking pass over op.  Returns -EAGAIN to wait for the socket,
 * otherwise the op's result: bytes transferred or -errno.
 */
static int wsaovl_op_attempt(struct wsaovl_op *op, struct socket *sock)
{
	bool send = wsaovl_op_is_send(op->opcode);
	struct msghdr msg;
	int ret;

	if (!send && op->stream && !op->total)
		return wsaovl_zero_recv(op, sock);
	for (;; cond_resched()) {
		/* A worker's pinned window is used up: it pins the next. */
		if (op->stream && op->done < op->total &&
		    !iov_iter_count(&op->iter))
			return -EAGAIN;
		/* msg_iter is a copy: op->iter moves only by what was done. */
		memset(&msg, 0, sizeof(msg));
		msg.msg_iter = op->iter;
		if (op->controllen) {
			msg.msg_control = op->control;
			msg.msg_controllen = op->controllen;
		}
		if (send) {
			if (op->addrlen) {
				msg.msg_name = &op->addr;
				msg.msg_namelen = op->addrlen;
			}
			msg.msg_flags = op->msg_flags | MSG_DONTWAIT | MSG_NOSIGNAL;
			ret = sock_sendmsg(sock, &msg);
		} else {
			if (op->name_out.len)
				msg.msg_name = &op->addr;
			ret = sock_recvmsg(sock, &msg, op->msg_flags | MSG_DONTWAIT);
		}
		if (ret < 0)
			return ret;
		if (!op->stream) {
			op->done = ret;
			break;
		}
		/* Streams: sends finish every byte; receives stop at data or EOF. */
		op->done += ret;
		iov_iter_advance(&op->iter, ret);
		if (op->done == op->total || (!send && !ret))
			break;
		if (!send && !(op->wflags & WSAOVL_MSG_WAITALL))
			break;
	}
	if (!send) {
		if (!op->stream && msg.msg_flags & MSG_TRUNC)
			op->cqe.flags |= WSAOVL_MSG_TRUNC;
		if (msg.msg_flags & MSG_CTRUNC)
			op->cqe.flags |= WSAOVL_MSG_CTRUNC;
		op->cqe.namelen = min_t(u32, msg.msg_namelen, op->name_out.len);
		op->cqe.controllen = op->controllen - msg.msg_controllen;
		if (op->cqe.controllen)
			op->cqe.flags |= wsaovl_dest_flags(sock, op->control,
							   op->cqe.controllen);
	}
	return op->done;
}

/*
 * Before op waits: drop a worker's pins and go back to the caller's
 * iovecs, keeping progress.  A long WAITALL receive or a stream send
 * waiting for its peer holds no pinned memory meanwhile.
 */
static void wsaovl_op_unpin_for_worker(struct wsaovl_op *op)
{
	struct wsaovl_out *outs[WSAOVL_OP_NR_OUTS];
	unsigned int i;

	wsaovl_op_outs(op, outs);
	for (i = 0; i < ARRAY_SIZE(outs); i++)
		wsaovl_out_unpin(op->ctx, outs[i]);
	if (op->data.nr) {
		wsaovl_unpin(op->ctx, &op->data, !wsaovl_op_is_send(op->opcode));
		iov_iter_init(&op->iter, wsaovl_op_iter_dir(op), op->iov, op->nr_iov,
			      op->total);
		iov_iter_advance(&op->iter, op->done);
	}
	op->pinned = false;
}

/* Pin what can be of op's outputs, for a worker that fails it. */
static void wsaovl_op_pin_outs(struct wsaovl_op *op)
{
	struct wsaovl_out *outs[WSAOVL_OP_NR_OUTS];
	unsigned int i;

	wsaovl_op_outs(op, outs);
	for (i = 0; i < ARRAY_SIZE(outs); i++)
		wsaovl_out_pin(op->ctx, outs[i]);
}

/*
 * At most what one worker pin of a stream op covers.  A bulk send or
 * WAITALL receive pins window by window, so what it pins at each wakeup,
 * and holds, is bounded however large the op.
 */
#define WSAOVL_PIN_WINDOW	(256 * 1024)

/*
 * The window in pages (pins are counted in pages), a quarter of the
 * limits it is pinned against (one page at least): one above them (a
 * container's small RLIMIT_MEMLOCK) would never pin, and every stream op
 * would wait for the owner's threads.
 */
static unsigned long sockq_pin_window(const struct wsaovl_ctx *ctx)
{
	unsigned long pages = min(READ_ONCE(wsaovl_max_pinned),
				  READ_ONCE(wsaovl_max_pinned_total)) >> PAGE_SHIFT;

	if (!ctx->memlock_unlimited)
		pages = min(pages, READ_ONCE(ctx->memlock_limit));
	return clamp(pages / 4, 1UL, (unsigned long)WSAOVL_PIN_WINDOW >> PAGE_SHIFT);
}

/*
 * Cut iov[0..n) to what @pages pages hold, counted per entry as the pin
 * counts them (many small buffers on their own pages count a page each);
 * returns how many entries remain, at least one byte's worth.
 */
static unsigned int iov_window(struct iovec *iov, unsigned int n,
			       unsigned long pages)
{
	unsigned int i;

	for (i = 0; i < n && pages; i++) {
		unsigned long addr = (unsigned long)iov[i].iov_base;

		iov[i].iov_len = min(iov[i].iov_len,
				     pages * PAGE_SIZE - offset_in_page(addr));
		pages -= wsaovl_span_pages(addr, iov[i].iov_len);
	}
	return i;
}

/*
 * A worker is to attempt op, and has no user mm: pin its outputs and what
 * is left of its data (of a stream op, the next window of it), and reach
 * them through the pins.  Ops that a thread of the owner runs need none
 * of this: it has the mm.  Nothing here waits for a fault to be served
 * (see pin_segment()).  All or nothing: on failure the op is as it was;
 * an output that is gone is skipped, not a failure.
 * Caller holds a reference on the owner's mm.
 */
static int wsaovl_op_pin_for_worker(struct wsaovl_op *op)
{
	struct wsaovl_out *outs[WSAOVL_OP_NR_OUTS];
	struct iovec one, *rest = NULL;
	size_t skip = op->done;
	unsigned int i, first = 0, n;
	int ret = 0;

	wsaovl_op_outs(op, outs);
	for (i = 0; i < ARRAY_SIZE(outs) && !ret; i++) {
		ret = wsaovl_out_pin(op->ctx, outs[i]);
		/* Gone: skipped, as an owner's copy_to_user() would skip it. */
		if (ret == -EFAULT)
			ret = 0;
	}
	if (ret || !op->iov)
		goto out;
	/* Only the part not moved yet. */
	while (first < op->nr_iov && skip >= op->iov[first].iov_len) {
		skip -= op->iov[first].iov_len;
		first++;
	}
	n = op->nr_iov - first;
	if (!n)
		goto out;
	rest = n == 1 ? &one :
	       kvmalloc_array(n, sizeof(*rest), GFP_KERNEL_ACCOUNT);
	if (!rest) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(rest, &op->iov[first], n * sizeof(*rest));
	rest[0].iov_base += skip;
	rest[0].iov_len -= skip;
	if (op->stream)
		n = iov_window(rest, n, sockq_pin_window(op->ctx));
	ret = wsaovl_pin_user(op->ctx, rest, n, !wsaovl_op_is_send(op->opcode),
			      true, &op->data);
	if (rest != &one)
		kvfree(rest);
	if (!ret)
		iov_iter_bvec(&op->iter, wsaovl_op_iter_dir(op), op->data.bvec,
			      op->data.nr, op->data.len);
out:
	op->pinned = true;
	if (ret)
		wsaovl_op_unpin_for_worker(op);
	return ret;
}

/* A stream op that moved bytes before failing still reports them. */
static int wsaovl_op_result(const struct wsaovl_op *op, int res)
{
	return res < 0 && op->done ? op->done : res;
}

static void wsaovl_op_finish(struct wsaovl_op *op, int res)
{
	op->cqe.res = wsaovl_op_result(op, res);
	wsaovl_op_complete(op);
}

/* The next delay of a retry that found the head op unable to go: 1 jiffy to 1 s. */
static unsigned long sockq_backoff(struct wsaovl_sockq *q)
{
	unsigned long delay = min_t(unsigned long, HZ, 1UL << q->backoff);

	if (q->backoff < 10)
		q->backoff++;
	return delay;
}

/* Ops one run may complete before it yields the worker to others. */
#define WSAOVL_RUN_BUDGET	64

/*
 * Progress the queue from its head; caller holds q->lock.  Retries run
 * with the submitter's credentials: LSM and capability checks in the
 * socket layer must see the user, not the kworker.  A run completes at
 * most WSAOVL_RUN_BUDGET ops, then schedules the rest as a new run, so a
 * long queue of ready ops neither hogs the CPU nor the shared worker pool.
 */
static void wsaovl_sockq_run(struct wsaovl_sockq *q)
{
	struct socket *sock = sock_from_file(q->file);
	bool owner = current->mm == q->ctx->mm;
	const struct cred *old;
	struct wsaovl_op *op;
	size_t moved;
	int budget = WSAOVL_RUN_BUDGET;
	int spins = 0;
	int ret;

	lockdep_assert_held(&q->lock);
	while ((op = list_first_entry_or_null(&q->ops, struct wsaovl_op, node))) {
		if (!budget--) {
			if (op->pinned)
				wsaovl_op_unpin_for_worker(op);
			wsaovl_sockq_kick(q, 0);
			return;
		}
		/*
		 * A worker pins first.  What it cannot pin without waiting
		 * (userfaultfd, I/O) or within the limits it leaves for the
		 * owner's next thread in WAIT or SUBMIT (runner.c), and tries
		 * again later, slower.
		 */
		moved = op->done;
		if (!owner && !op->pinned) {
			ret = wsaovl_op_pin_for_worker(op);
			if (ret == -EFAULT) {
				/*
				 * Unmapped or protected since submit: the
				 * owner's copy would fail too.  Its status
				 * block may still be there to say so.
				 */
				wsaovl_op_pin_outs(op);
				list_del(&op->node);
				wsaovl_op_finish(op, ret);
				/* A new head: not the owner's alone yet. */
				wsaovl_runner_forget(q);
				q->backoff = 0;
				continue;
			}
			if (ret) {
				wsaovl_runner_leave_for_owner(q);
				/*
				 * A read it started, or pins of other attempts
				 * released, may let a later try pin.
				 */
				wsaovl_sockq_queue_later(q, sockq_backoff(q));
				return;
			}
			/* Pinned: no longer the owner's alone. */
			wsaovl_runner_forget(q);
		}
		old = override_creds(op->cred);
		ret = wsaovl_op_attempt(op, sock);
		revert_creds(old);
		if (ret == -EAGAIN) {
			bool ready;

			if (op->done != moved) {
				/* Progress: not a socket that spins. */
				spins = 0;
				q->backoff = 0;
				if (op->pinned && !iov_iter_count(&op->iter)) {
					wsaovl_op_unpin_for_worker(op);
					continue;	/* the next window */
				}
			}
			/*
			 * Pins stay only for an attempt that follows now; an
			 * op that waits for its socket holds none.  Ready yet
			 * EAGAIN (an error queue that nobody reads, a dropped
			 * datagram): back off rather than spin; a real wakeup
			 * still pulls the retry forward.
			 */
			ready = sockq_arm(q);
			if (ready && ++spins <= 2)
				continue;
			if (op->pinned)
				wsaovl_op_unpin_for_worker(op);
			if (ready)
				wsaovl_sockq_kick(q, sockq_backoff(q));
			return;
		}
		q->backoff = 0;
		list_del(&op->node);
		wsaovl_op_finish(op, ret);
		cond_resched();
	}
	wsaovl_sockq_retire(q);
}

/*
 * The workqueue's turn.  A thread of the owner waiting in the module is
 * better placed (it has the mm: nothing to pin), so it gets the queue if
 * there is one now.  Else the run pins what it needs in the owner's mm,
 * which must still have users: when it has none, the owner is exiting
 * and its last close cancels everything.
 */
static void wsaovl_sockq_work(struct work_struct *work)
{
	struct wsaovl_sockq *q = container_of(to_delayed_work(work),
					      struct wsaovl_sockq, work);
	struct mm_struct *mm = q->ctx->mm;

	if (wsaovl_runner_dispatch(q, true)) {
		wsaovl_sockq_put(q);
		return;
	}
	if (mmget_not_zero(mm)) {
		/* What the run allocates (pins' arrays) is the owner's. */
		struct mem_cgroup *old = set_active_memcg(q->ctx->memcg);

		mutex_lock(&q->lock);
		if (!q->dead)
			wsaovl_sockq_run(q);
		mutex_unlock(&q->lock);
		set_active_memcg(old);
		mmput_async(mm);
	}
	wsaovl_sockq_put(q);
}

/*
 * A runner's turn at q, consuming the reference it was handed with.  The
 * lock's holder may be stuck in a fault: a fatal signal leaves the run to
 * the workqueue.
 */
void wsaovl_sockq_run_ref(struct wsaovl_sockq *q)
{
	if (mutex_lock_killable(&q->lock)) {
		sockq_queue(q, 0);
		wsaovl_sockq_put(q);
		return;
	}
	if (!q->dead)
		wsaovl_sockq_run(q);
	mutex_unlock(&q->lock);
	wsaovl_sockq_put(q);
}

/* Complete op in the submit call, unless it failed without effect. */
static int wsaovl_op_done_inline(struct wsaovl_op *op, int res,
				 struct wsaovl_cqe *done)
{
	res = wsaovl_op_result(op, res);
	if (res < 0)
		return res;	/* nothing moved: the caller frees it */
	op->inline_done = true;
	op->cqe.res = res;
	*done = op->cqe;
	wsaovl_op_complete(op);
	return WSAOVL_STATE_DONE;
}

/*
 * The live queue for file and direction, locked, with a reference.  The
 * wait is killable: the holder may be stuck in a page fault.
 */
static struct wsaovl_sockq *sockq_get_locked(struct wsaovl_ctx *ctx,
					     struct file *file, bool send)
{
	struct wsaovl_sockq *q;

	for (;;) {
		q = sockq_lookup(ctx, file, send, true);
		if (IS_ERR(q))
			return q;
		if (mutex_lock_killable(&q->lock)) {
			wsaovl_sockq_put(q);
			return ERR_PTR(-EINTR);
		}
		if (!q->dead)
			return q;
		mutex_unlock(&q->lock);
		wsaovl_sockq_put(q);
	}
}

/* Unlock and drop a queue we hold; retire it first if it holds no op. */
static void sockq_release_locked(struct wsaovl_sockq *q)
{
	if (list_empty(&q->ops))
		wsaovl_sockq_retire(q);
	mutex_unlock(&q->lock);
	wsaovl_sockq_put(q);
}

/* The op's first try on the queue it holds; -EAGAIN: it must wait. */
static int wsaovl_op_try_first(struct wsaovl_ctx *ctx, struct wsaovl_op *op,
			       struct file *file, struct wsaovl_cqe *done)
{
	int ret;

	ret = wsaovl_op_attempt(op, sock_from_file(file));
	if (ret == -EAGAIN)
		return ret;
	return wsaovl_op_done_inline(op, ret, done);
}

/*
 * A datagram socket without a queue in this direction: nothing pending on
 * it.  An empty hash bucket says so without the lock (a queue another
 * thread makes at this instant is a race the caller has anyway).
 */
static bool sockq_absent(struct wsaovl_ctx *ctx, struct file *file, bool send)
{
	struct wsaovl_sockq *q;

	if (hlist_empty(&ctx->sockqs[hash_min(sockq_hash(file, send),
					      HASH_BITS(ctx->sockqs))]))
		return true;
	q = sockq_lookup(ctx, file, send, false);

	if (!q)
		return true;
	wsaovl_sockq_put(q);
	return false;
}

/*
 * An op that waits keeps who submitted it: retries run with its
 * credentials, and cancellation by thread compares its struct pid.  An op
 * that completes in the call needs neither.
 */
static void wsaovl_sockq_cred(struct wsaovl_op *op)
{
	op->cred = get_current_cred();
	op->submitter = get_pid(task_pid(current));
}

/*
 * Run op now if nothing is queued ahead of it, else queue it.  Returns
 * WSAOVL_STATE_DONE (with *done filled), WSAOVL_STATE_PENDING, or -errno
 * when the op failed without effect (the caller frees it).
 *
 * The op owns its socket queue from its first attempt: the inline try runs
 * under the queue's lock, so no other op of this context moves bytes in
 * this direction on this socket until it completes or is queued (a stream
 * send of one thread never lands inside another's, a WAITALL receive is
 * never split by another receive).  A datagram moves whole or not at all,
 * so on a datagram socket with no queue in that direction (nothing
 * pending there) the first try needs none: most datagram I/O never makes
 * one.  Buffers are probed before the lock.  A pending op keeps the
 * caller's iovecs: the owner's threads run it in the owner's mm, and only
 * a worker pins it (wsaovl_sockq_run()).
 */
int wsaovl_sockq_submit(struct wsaovl_ctx *ctx, struct file *file,
			struct wsaovl_op *op, struct wsaovl_cqe *done)
{
	bool send = wsaovl_op_is_send(op->opcode);
	bool tried = false;
	struct wsaovl_sockq *q;
	int ret;

	/*
	 * Every page of the buffers, before the queue's lock: a bad buffer is
	 * -EFAULT now with nothing done (the op may complete long after this
	 * call, or never try the bad part inline), and what was missing is
	 * brought in by the submitter, so the attempt rarely faults under
	 * the lock: a buffer behind userfaultfd or a slow file system stalls
	 * the submitter, not the queue and its cancellation.
	 */
	ret = wsaovl_probe_user(op->iov, op->nr_iov, !send);
	if (ret)
		return ret;
	if (!op->stream && sockq_absent(ctx, file, send)) {
		ret = wsaovl_op_attempt(op, sock_from_file(file));
		if (ret != -EAGAIN)
			return wsaovl_op_done_inline(op, ret, done);
		tried = true;
	}
	q = sockq_get_locked(ctx, file, send);
	if (IS_ERR(q))
		return PTR_ERR(q);
	if (list_empty(&q->ops)) {
		/*
		 * After a try without the queue: again only if it became
		 * ready.  Armed and not ready, any readiness from now on
		 * wakes the queue: no need to look again below.
		 */
		if (tried && !sockq_arm(q))
			goto queue_armed;
		ret = wsaovl_op_try_first(ctx, op, file, done);
		if (ret != -EAGAIN)
			goto out;
	}
	list_add_tail(&op->node, &q->ops);
	if (list_is_singular(&q->ops) && sockq_arm(q))
		wsaovl_sockq_kick(q, 0);
	goto pending;
queue_armed:
	list_add_tail(&op->node, &q->ops);
pending:
	wsaovl_sockq_cred(op);
	ret = WSAOVL_STATE_PENDING;
out:
	sockq_release_locked(q);
	return ret;
}
