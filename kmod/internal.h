/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wsaovl internals: the per-open context, per-socket queues and ops.
 *
 * Locking, outermost first:
 *   ctx->cancel_lock (mutex)  serialises cancellation walks
 *   sockq->lock (mutex)       owns a queue's ops list and its socket I/O
 *                             (datagram ops with no queue need none);
 *                             user memory may fault under it (rarely:
 *                             buffers are probed before it)
 *   mm->mmap_lock             faults, a worker's pins; mmap, which takes
 *                             setup_lock
 *   ctx->setup_lock (mutex)   ring creation against mmap; no user access
 *   ctx->lock (spinlock)      the queue hash, the ring producer, overflow,
 *                             event state slots
 *   socket waitqueue lock     only to add/remove our wait entry, and held
 *                             by the socket when it calls sockq_wake()
 *   ctx->run_lock (spinlock, irq-safe)  runners and the queues handed to
 *                             them (runner.c); nothing is taken under it
 *                             but the scheduler's wakeup and the
 *                             workqueue's queueing
 *
 * Events (event.c), taken under sockq->lock when an op sets its event,
 * never together with ctx->lock:
 *   ctx->wait_all_lock (mutex) several events of the context at once
 *   event->lock (spinlock)     one event's state and wait-any waiters
 */
#ifndef WSAOVL_INTERNAL_H
#define WSAOVL_INTERNAL_H

#include <linux/bvec.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/refcount.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "wsaovl.h"

/* Event state bytes mapped after the cqes: one page. */
#define WSAOVL_EV_SLOTS		PAGE_SIZE

extern unsigned int wsaovl_max_ops;
extern unsigned long wsaovl_max_pinned;
extern unsigned long wsaovl_max_pinned_total;
extern int wsaovl_disabled;
extern int wsaovl_group;
extern atomic_long_t wsaovl_pinned_total;
extern struct workqueue_struct *wsaovl_wq;
extern struct kmem_cache *wsaovl_op_cache;
extern struct kmem_cache *wsaovl_sockq_cache;

struct wsaovl_ctx {
	spinlock_t lock;		/* sockqs, ring producer, overflow, ev slots */
	DECLARE_HASHTABLE(sockqs, 8);
	struct wsaovl_ring *ring;	/* NULL until WSAOVL_IOC_SETUP */
	u8 *ev_states;			/* in the ring mapping: see uapi */
	unsigned long *ev_slots;	/* allocated event state slots */
	struct page **ring_pages;	/* charged to the opener's memcg */
	unsigned int ring_nr_pages;
	size_t ring_bytes;
	u32 cq_tail;			/* ours: the mapped copy is user-writable */
	u32 cq_mask;
	struct list_head overflow;	/* completed ops waiting for ring room */
	unsigned int nr_overflow;
	atomic_t nr_ops;		/* accepted and not yet freed */
	atomic_long_t pinned_pages;	/* held by this context's ops */
	/* The opening process: only it may use the context. */
	struct pid *owner;		/* its thread-group id */
	struct mm_struct *mm;		/* grabbed: pinned_vm is charged here */
	struct user_struct *user;	/* locked_vm is charged here */
	struct mem_cgroup *memcg;	/* the opener's: workers charge it */
	bool memlock_unlimited;		/* CAP_IPC_LOCK at open */
	unsigned long memlock_limit;	/* pages: RLIMIT_MEMLOCK at the last SUBMIT */
	wait_queue_head_t poll_wait;
	refcount_t refs;		/* the open file, and each sockq */
	struct mutex cancel_lock;	/* one cancellation walk at a time */
	struct mutex setup_lock;	/* ring creation against mmap */
	struct mutex wait_all_lock;	/* events: see event.c */
	/* Owner threads blocked in WAIT run queues' retries: runner.c */
	spinlock_t run_lock;
	struct list_head runners;	/* waiters: struct wsaovl_runner, newest first */
	struct list_head submitters;	/* threads in SUBMIT: the same */
	struct list_head run_list;	/* sockqs to run, each referenced */
	struct list_head left_list;	/* sockqs left for the owner: runner.c */
	struct timer_list backstop;	/* run_list's, for stuck submitters */
	unsigned long run_tick;		/* backstop ticks; under run_lock */
};

/* A thread of the owner in WAIT or SUBMIT, ready to run retries. */
struct wsaovl_runner {
	struct list_head node;		/* ctx->runners or submitters, run_lock */
	struct task_struct *task;
};

/* User memory a worker pinned, so that it reaches it without the mm. */
struct wsaovl_pin {
	struct bio_vec *bvec;	/* small[] up to two pages, else allocated */
	unsigned int nr;
	size_t len;
	bool memlock;		/* charged to RLIMIT_MEMLOCK */
	struct bio_vec small[2];
};

/*
 * An output region in user memory: written with copy_to_user while the
 * op runs in its owner (inline), through pages pinned when it goes
 * pending: kept here if the region spans at most two (names, words, the
 * status block, most control buffers), else in an allocated pin.
 */
struct wsaovl_out {
	u64 uaddr;
	u32 len;		/* 0: none */
	u8 nr;			/* pages pinned in page[] */
	bool big;		/* pinned in *pin instead */
	union {
		struct page *page[2];
		struct wsaovl_pin *pin;
	};
};

/* The ops of one socket in one direction, executed in submission order. */
struct wsaovl_sockq {
	struct hlist_node hnode;	/* ctx->sockqs, under ctx->lock */
	struct list_head cancel_node;	/* under ctx->cancel_lock */
	struct wsaovl_ctx *ctx;
	struct file *file;		/* the socket; referenced */
	refcount_t refs;		/* hash, queued work, lookups */
	bool send;
	bool dead;			/* unhashed: look it up again */
	u8 backoff;			/* ready yet EAGAIN: retry slower */
	struct mutex lock;		/* ops, and I/O on them */
	struct list_head ops;
	wait_queue_head_t *head;	/* armed on it while ops wait */
	struct wait_queue_entry wait;
	poll_table pt;
	struct delayed_work work;
	struct list_head run_node;	/* ctx->run_list or left_list, run_lock */
	unsigned long run_tick;		/* ctx->run_tick when put on run_list */
	bool on_run_list;		/* on either, referenced; under run_lock */
	bool left;			/* on left_list; under run_lock */
};

struct wsaovl_op {
	struct list_head node;		/* sockq->ops, or ctx->overflow */
	struct wsaovl_ctx *ctx;
	u8 opcode;
	bool skip_inline_cqe;
	bool inline_done;		/* completed in the submit call */
	bool stream;
	bool pinned;			/* data and outputs: a worker can run it */
	u32 wflags;			/* WSAOVL_MSG_* as submitted */
	unsigned int msg_flags;		/* translated for the socket layer */
	struct pid *submitter;		/* referenced: numbers get reused */
	const struct cred *cred;	/* the submitter's, for retries */
	struct eventfd_ctx *evfd;
	struct wsaovl_event *event;	/* WSAOVL_SQE_EVENT; referenced */

	/* data: user iovecs for the inline try, pinned pages afterwards */
	struct iovec *iov;		/* &one_iov for a single buffer */
	struct iovec one_iov;
	unsigned int nr_iov;
	struct iov_iter iter;
	struct wsaovl_pin data;
	size_t total;
	size_t done;

	/* Inet sockets only: a sockaddr_in6 is the largest name they use. */
	union {
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	int addrlen;			/* destination length (sends) */
	void *control;			/* kernel copy / kernel receive buffer */
	u32 controllen;

	/* outputs written at completion, the status block last */
	struct wsaovl_out name_out;
	struct wsaovl_out control_out;
	struct wsaovl_out namelen_out;
	struct wsaovl_out flags_out;
	struct wsaovl_out controllen_out;
	struct wsaovl_out status_out;

	struct wsaovl_cqe cqe;		/* tag and tid from submit on */
};

#define WSAOVL_OP_NR_OUTS	6

/* The op's output regions, in the order they are written (status last). */
/* Pages that [addr, addr + len) touches: what a pin of it counts. */
static inline unsigned long wsaovl_span_pages(unsigned long addr, size_t len)
{
	if (!len)
		return 0;
	return ((addr + len - 1) >> PAGE_SHIFT) - (addr >> PAGE_SHIFT) + 1;
}

static inline void wsaovl_op_outs(struct wsaovl_op *op,
				  struct wsaovl_out *outs[WSAOVL_OP_NR_OUTS])
{
	outs[0] = &op->name_out;
	outs[1] = &op->control_out;
	outs[2] = &op->namelen_out;
	outs[3] = &op->flags_out;
	outs[4] = &op->controllen_out;
	outs[5] = &op->status_out;
}

/* Free the op's iovec array, if it had to allocate one. */
static inline void wsaovl_op_free_iov(struct wsaovl_op *op)
{
	if (op->iov != &op->one_iov)
		kvfree(op->iov);
	op->iov = NULL;
}

static inline bool wsaovl_op_is_send(u8 opcode)
{
	return opcode <= WSAOVL_OP_SENDMSG;
}

static inline unsigned int wsaovl_op_iter_dir(const struct wsaovl_op *op)
{
	return wsaovl_op_is_send(op->opcode) ? ITER_SOURCE : ITER_DEST;
}

/* main.c */
void wsaovl_ctx_put(struct wsaovl_ctx *ctx);
int wsaovl_ctx_check_owner(struct wsaovl_ctx *ctx);

/* ring.c */
int wsaovl_ring_setup(struct wsaovl_ctx *ctx, struct wsaovl_setup __user *arg);
int wsaovl_ring_mmap(struct wsaovl_ctx *ctx, struct vm_area_struct *vma);
bool wsaovl_ring_post(struct wsaovl_ctx *ctx, struct wsaovl_op *op);
unsigned int wsaovl_ring_flush(struct wsaovl_ctx *ctx);
bool wsaovl_ring_ready(struct wsaovl_ctx *ctx);
void wsaovl_ring_free(struct wsaovl_ctx *ctx);

/* submit.c */
long wsaovl_submit(struct wsaovl_ctx *ctx, struct wsaovl_submit __user *arg);

/* pin.c */
int wsaovl_pin_user(struct wsaovl_ctx *ctx, const struct iovec *iov,
		    unsigned int nr, bool writable, bool memlock,
		    struct wsaovl_pin *pin);
void wsaovl_unpin(struct wsaovl_ctx *ctx, struct wsaovl_pin *pin, bool dirty);
size_t wsaovl_pin_copy(struct wsaovl_pin *pin, size_t off, const void *src,
		       size_t len);
void wsaovl_pin_store(struct wsaovl_pin *pin, size_t off, u64 val, int size);
int wsaovl_probe_user(const struct iovec *iov, unsigned int nr, bool writable);
int wsaovl_out_init(struct wsaovl_out *out, u64 uaddr, u32 len);
int wsaovl_out_pin(struct wsaovl_ctx *ctx, struct wsaovl_out *out);
void wsaovl_out_unpin(struct wsaovl_ctx *ctx, struct wsaovl_out *out);
void wsaovl_out_release(struct wsaovl_ctx *ctx, struct wsaovl_out *out);
size_t wsaovl_out_copy(struct wsaovl_ctx *ctx, struct wsaovl_out *out,
		       size_t off, const void *src, size_t len);
void wsaovl_out_word(struct wsaovl_ctx *ctx, struct wsaovl_out *out, u32 val);
void wsaovl_out_store(struct wsaovl_ctx *ctx, struct wsaovl_out *out,
		      size_t off, u64 val, int size);

/* sockq.c */
int wsaovl_sockq_submit(struct wsaovl_ctx *ctx, struct file *file,
			struct wsaovl_op *op, struct wsaovl_cqe *done);
void wsaovl_sockq_put(struct wsaovl_sockq *q);
void wsaovl_sockq_retire(struct wsaovl_sockq *q);
void wsaovl_sockq_kick(struct wsaovl_sockq *q, unsigned long delay);
void wsaovl_sockq_run_ref(struct wsaovl_sockq *q);
void wsaovl_sockq_queue_work(struct wsaovl_sockq *q);
void wsaovl_sockq_queue_later(struct wsaovl_sockq *q, unsigned long delay);

/* How long a retry left to a submitter (which may block) may wait. */
#define WSAOVL_RUNNER_BACKSTOP	(HZ / 50 ? HZ / 50 : 1)

/* runner.c */
void wsaovl_runner_init(struct wsaovl_ctx *ctx);
void wsaovl_runner_fini(struct wsaovl_ctx *ctx);
bool wsaovl_runner_dispatch(struct wsaovl_sockq *q, bool waiters_only);
void wsaovl_runner_leave_for_owner(struct wsaovl_sockq *q);
void wsaovl_runner_forget(struct wsaovl_sockq *q);
void wsaovl_runner_enter(struct wsaovl_ctx *ctx, struct wsaovl_runner *r,
			 bool submit);
void wsaovl_runner_leave(struct wsaovl_ctx *ctx, struct wsaovl_runner *r);
bool wsaovl_runner_has_work(struct wsaovl_ctx *ctx);
bool wsaovl_runner_run(struct wsaovl_ctx *ctx);

/* complete.c */
void wsaovl_op_complete(struct wsaovl_op *op);
void wsaovl_op_free(struct wsaovl_op *op);

/* event.c: event objects and WSAOVL_IOC_WAIT */
struct wsaovl_event;
long wsaovl_event_create(struct wsaovl_ctx *ctx,
			 struct wsaovl_event_args __user *arg);
long wsaovl_wait(struct wsaovl_ctx *ctx, struct wsaovl_wait __user *arg);
struct wsaovl_event *wsaovl_event_get(struct wsaovl_ctx *ctx, int fd);
void wsaovl_event_put(struct wsaovl_event *ev);
void wsaovl_event_set(struct wsaovl_event *ev);
void wsaovl_event_reset(struct wsaovl_event *ev);

/* cancel.c */
long wsaovl_cancel(struct wsaovl_ctx *ctx, struct wsaovl_cancel __user *arg);
unsigned int wsaovl_cancel_all(struct wsaovl_ctx *ctx);

#endif /* WSAOVL_INTERNAL_H */
