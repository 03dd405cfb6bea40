// SPDX-License-Identifier: GPL-2.0
/*
 * WSAOVL_IOC_SUBMIT: validate each sqe, capture everything the op needs
 * (WSABUF array, address, control data), then hand it to its socket queue.
 * Nothing is read from the sqe or the WSABUF array after this returns.
 */
#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/file.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/sock.h>

#include "compat.h"
#include "internal.h"

#define WSAOVL_MSG_IN_SEND	(WSAOVL_MSG_OOB | WSAOVL_MSG_DONTROUTE)
#define WSAOVL_MSG_IN_RECV	(WSAOVL_MSG_OOB | WSAOVL_MSG_PEEK | WSAOVL_MSG_WAITALL)
#define WSAOVL_MSG_IN		(WSAOVL_MSG_IN_SEND | WSAOVL_MSG_IN_RECV | \
				 WSAOVL_MSG_PARTIAL)

static int wsaovl_check_flags(struct wsaovl_op *op, u32 wflags)
{
	bool send = wsaovl_op_is_send(op->opcode);

	if (wflags & ~WSAOVL_MSG_IN)
		return -EINVAL;
	if (wflags & WSAOVL_MSG_PARTIAL)
		return -EOPNOTSUPP;	/* no transport here does partial messages */
	if (wflags & ~(send ? WSAOVL_MSG_IN_SEND : WSAOVL_MSG_IN_RECV))
		return -EINVAL;
	/* Waiting to fill the buffers from peeked or urgent data is nonsense. */
	if (wflags & WSAOVL_MSG_WAITALL &&
	    wflags & (WSAOVL_MSG_PEEK | WSAOVL_MSG_OOB))
		return -EOPNOTSUPP;
	op->wflags = wflags;
	op->msg_flags = (wflags & WSAOVL_MSG_OOB ? MSG_OOB : 0) |
			(wflags & WSAOVL_MSG_PEEK ? MSG_PEEK : 0) |
			(wflags & WSAOVL_MSG_DONTROUTE ? MSG_DONTROUTE : 0);
	return 0;
}

/* Copy the WSABUF array and build the iovecs for the inline attempt. */
static int wsaovl_capture_bufs(struct wsaovl_op *op, const struct wsaovl_sqe *sqe)
{
	const struct wsaovl_buf __user *ubufs = u64_to_user_ptr(sqe->bufs);
	struct wsaovl_buf b;
	unsigned int i;

	if (sqe->nbufs > WSAOVL_MAX_BUFS)
		return -EINVAL;
	if (sqe->nbufs == 1) {
		op->iov = &op->one_iov;		/* the common case allocates nothing */
	} else if (sqe->nbufs) {
		op->iov = kvmalloc_array(sqe->nbufs, sizeof(*op->iov),
					 GFP_KERNEL_ACCOUNT);
		if (!op->iov)
			return -ENOMEM;
	}
	for (i = 0; i < sqe->nbufs; i++) {
		if (copy_from_user(&b, &ubufs[i], sizeof(b)))
			return -EFAULT;
		if ((b.len && !b.buf) || !access_ok(u64_to_user_ptr(b.buf), b.len))
			return -EFAULT;
		op->iov[i].iov_base = u64_to_user_ptr(b.buf);
		op->iov[i].iov_len = b.len;
		op->total += b.len;
		if (op->total > MAX_RW_COUNT)
			return -EINVAL;
	}
	op->nr_iov = sqe->nbufs;
	iov_iter_init(&op->iter, wsaovl_op_iter_dir(op), op->iov, op->nr_iov,
		      op->total);
	return 0;
}

static int wsaovl_capture_addr(struct wsaovl_op *op, const struct wsaovl_sqe *sqe)
{
	bool has_addr = op->opcode == WSAOVL_OP_SENDTO ||
			op->opcode == WSAOVL_OP_SENDMSG ||
			op->opcode == WSAOVL_OP_RECVFROM ||
			op->opcode == WSAOVL_OP_RECVMSG;

	if (!has_addr)
		return sqe->addr || sqe->addrlen ? -EINVAL : 0;
	if (sqe->addrlen > WSAOVL_MAX_ADDRLEN)
		return -EINVAL;
	if (!sqe->addrlen)
		return 0;
	if (!sqe->addr)
		return -EFAULT;
	if (!wsaovl_op_is_send(op->opcode))
		return wsaovl_out_init(&op->name_out, sqe->addr, sqe->addrlen);
	/* Beyond a sockaddr_in6, inet sockets read nothing: keep what they do. */
	op->addrlen = min_t(u32, sqe->addrlen, sizeof(op->addr));
	if (copy_from_user(&op->addr, u64_to_user_ptr(sqe->addr), op->addrlen))
		return -EFAULT;
	return 0;
}

static int wsaovl_capture_control(struct wsaovl_op *op,
				  const struct wsaovl_sqe *sqe, struct sock *sk)
{
	void __user *uctl = u64_to_user_ptr(sqe->control);

	if (op->opcode != WSAOVL_OP_SENDMSG && op->opcode != WSAOVL_OP_RECVMSG)
		return sqe->control || sqe->controllen ? -EINVAL : 0;
	if (sqe->controllen > WSAOVL_MAX_CONTROL)
		return -EINVAL;
	if (!sqe->controllen)
		return 0;
	if (!uctl)
		return -EFAULT;
	/* The kernel writes 64-bit cmsgs; a 32-bit caller would misparse them. */
	if (in_compat_syscall())
		return -EOPNOTSUPP;
	/* As the socket layer bounds a sendmsg's control data. */
	if (sqe->controllen > wsaovl_optmem_max(sk))
		return -ENOBUFS;
	op->controllen = sqe->controllen;
	/* Zeroed: put_cmsg() skips the alignment padding it counts. */
	op->control = kvzalloc(sqe->controllen, GFP_KERNEL_ACCOUNT);
	if (!op->control)
		return -ENOMEM;
	if (op->opcode == WSAOVL_OP_SENDMSG)
		return copy_from_user(op->control, uctl, sqe->controllen) ?
		       -EFAULT : 0;
	return wsaovl_out_init(&op->control_out, sqe->control, sqe->controllen);
}

/* The receive's length and flag words, each where the sqe says. */
static int wsaovl_capture_words(struct wsaovl_op *op,
				const struct wsaovl_sqe *sqe)
{
	bool recv = !wsaovl_op_is_send(op->opcode);
	int ret;

	if (sqe->reserved2)
		return -EINVAL;
	if ((sqe->flags_out && !recv) ||
	    (sqe->namelen_out && op->opcode != WSAOVL_OP_RECVFROM &&
	     op->opcode != WSAOVL_OP_RECVMSG) ||
	    (sqe->controllen_out && op->opcode != WSAOVL_OP_RECVMSG))
		return -EINVAL;
	ret = wsaovl_out_init(&op->namelen_out, sqe->namelen_out,
			      sqe->namelen_out ? 4 : 0);
	if (!ret)
		ret = wsaovl_out_init(&op->flags_out, sqe->flags_out,
				      sqe->flags_out ? 4 : 0);
	if (!ret)
		ret = wsaovl_out_init(&op->controllen_out, sqe->controllen_out,
				      sqe->controllen_out ? 4 : 0);
	return ret;
}

/* Everything but the socket itself; the op is freed by the caller on error. */
static int wsaovl_op_prep(struct wsaovl_op *op, const struct wsaovl_sqe *sqe,
			  struct sock *sk)
{
	int ret;

	if (sqe->opcode < WSAOVL_OP_SEND || sqe->opcode > WSAOVL_OP_RECVMSG)
		return -EINVAL;
	if (sqe->pad0 || sqe->reserved || sqe->flags & ~WSAOVL_SQE_FLAGS)
		return -EINVAL;
	if (sqe->status & 7)
		return -EINVAL;
	op->opcode = sqe->opcode;
	ret = wsaovl_check_flags(op, sqe->msg_flags);
	if (ret)
		return ret;
	ret = wsaovl_capture_bufs(op, sqe);
	if (ret)
		return ret;
	ret = wsaovl_capture_addr(op, sqe);
	if (ret)
		return ret;
	ret = wsaovl_capture_control(op, sqe, sk);
	if (ret)
		return ret;
	ret = wsaovl_capture_words(op, sqe);
	if (ret)
		return ret;
	if (sqe->status) {
		/* Not pad: userspace keeps a mark there, never written. */
		ret = wsaovl_out_init(&op->status_out, sqe->status,
				      offsetof(struct wsaovl_status, pad));
		if (ret)
			return ret;
	}
	if (sqe->flags & WSAOVL_SQE_EVENT) {
		struct wsaovl_event *ev;

		/* The one eventfd field names an eventfd or an event. */
		if (sqe->flags & WSAOVL_SQE_EVENTFD)
			return -EINVAL;
		ev = wsaovl_event_get(op->ctx, sqe->eventfd);
		if (IS_ERR(ev))
			return PTR_ERR(ev);
		op->event = ev;
	}
	if (sqe->flags & WSAOVL_SQE_EVENTFD) {
		struct eventfd_ctx *evfd = eventfd_ctx_fdget(sqe->eventfd);

		if (IS_ERR(evfd))
			return PTR_ERR(evfd);
		op->evfd = evfd;
	}
	op->skip_inline_cqe = sqe->flags & WSAOVL_SQE_SKIP_INLINE_CQE;
	op->cqe.tag = sqe->tag;
	op->cqe.tid = sqe->tid ? sqe->tid : task_pid_vnr(current);
	op->cqe.opcode = op->opcode;
	/* Last, as Windows resets hEvent on issue: before any attempt. */
	if (op->event)
		wsaovl_event_reset(op->event);
	return 0;
}

/*
 * Internet sockets only: their I/O does not depend on the caller's fd
 * table or root, as unix sockets' (SCM_RIGHTS, paths) does.  And only the
 * transports whose semantics the engine implements: TCP is a byte stream;
 * UDP, UDP-Lite and raw IP (Winsock's SOCK_RAW, which needs CAP_NET_RAW to
 * create) are datagrams.  SCTP, MPTCP, ping, L2TP... are not.
 */
static int wsaovl_sock_supported(struct socket *sock)
{
	struct sock *sk = sock->sk;

	if (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (sock->type == SOCK_STREAM && sk->sk_protocol == IPPROTO_TCP)
		return 0;
	if (sock->type == SOCK_DGRAM && (sk->sk_protocol == IPPROTO_UDP ||
					 sk->sk_protocol == IPPROTO_UDPLITE))
		return 0;
	if (sock->type == SOCK_RAW)
		return 0;
	return -EPROTONOSUPPORT;
}

static void wsaovl_submit_one(struct wsaovl_ctx *ctx, struct wsaovl_sqe *sqe)
{
	struct wsaovl_cqe done;
	struct wsaovl_op *op;
	struct file *file;
	struct socket *sock;
	int ret;

	sqe->state = WSAOVL_STATE_FAILED;
	sqe->out_flags = 0;
	sqe->out_namelen = 0;
	sqe->out_controllen = 0;

	/* Socket errors first: they are what the caller most needs to know. */
	file = fget(sqe->fd);
	if (!file) {
		sqe->res = -EBADF;
		return;
	}
	sock = sock_from_file(file);
	if (!sock) {
		sqe->res = -ENOTSOCK;
		goto out_fput;
	}
	ret = wsaovl_sock_supported(sock);
	if (ret) {
		sqe->res = ret;
		goto out_fput;
	}
	if (atomic_inc_return(&ctx->nr_ops) > READ_ONCE(wsaovl_max_ops)) {
		atomic_dec(&ctx->nr_ops);
		sqe->res = -EAGAIN;
		goto out_fput;
	}
	op = kmem_cache_zalloc(wsaovl_op_cache, GFP_KERNEL);
	if (!op) {
		atomic_dec(&ctx->nr_ops);
		sqe->res = -ENOMEM;
		goto out_fput;
	}
	op->ctx = ctx;
	op->stream = sock->type == SOCK_STREAM;
	ret = wsaovl_op_prep(op, sqe, sock->sk);
	if (!ret)
		ret = wsaovl_sockq_submit(ctx, file, op, &done);
	if (ret < 0) {
		wsaovl_op_free(op);
		sqe->res = ret;
		goto out_fput;
	}
	sqe->state = ret;
	sqe->res = 0;
	if (ret == WSAOVL_STATE_DONE) {
		sqe->res = done.res;
		sqe->out_flags = done.flags;
		sqe->out_namelen = done.namelen;
		sqe->out_controllen = done.controllen;
	}
out_fput:
	fput(file);
}

#define WSAOVL_SQE_OUT		offsetof(struct wsaovl_sqe, state)
#define WSAOVL_SQE_OUT_LEN	(offsetof(struct wsaovl_sqe, reserved) - \
				 WSAOVL_SQE_OUT)

static long wsaovl_submit_sqes(struct wsaovl_ctx *ctx,
			       struct wsaovl_sqe __user *usqe, u32 nr)
{
	struct wsaovl_sqe sqe;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (copy_from_user(&sqe, &usqe[i], sizeof(sqe)))
			return i ? i : -EFAULT;
		wsaovl_submit_one(ctx, &sqe);
		/* An accepted op's fate is in its cqe even if this faults. */
		if (copy_to_user((void __user *)&usqe[i] + WSAOVL_SQE_OUT,
				 (void *)&sqe + WSAOVL_SQE_OUT, WSAOVL_SQE_OUT_LEN) &&
		    sqe.state == WSAOVL_STATE_FAILED)
			return i ? i : -EFAULT;
		if (sqe.state == WSAOVL_STATE_FAILED)
			return i;
	}
	return i;
}

/* Queue runs a SUBMIT call makes before it returns. */
#define WSAOVL_SUBMIT_RUNS	64

long wsaovl_submit(struct wsaovl_ctx *ctx, struct wsaovl_submit __user *arg)
{
	struct wsaovl_sqe __user *usqe;
	struct wsaovl_runner runner;
	struct wsaovl_submit s;
	unsigned int runs;
	long ret;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.flags || !s.nr || s.nr > WSAOVL_MAX_BATCH)
		return -EINVAL;
	if (!READ_ONCE(ctx->ring))
		return -EINVAL;
	usqe = u64_to_user_ptr(s.sqes);
	/* The limit a worker's pins are held to (pin.c). */
	WRITE_ONCE(ctx->memlock_limit, rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT);

	wsaovl_runner_enter(ctx, &runner, true);
	ret = wsaovl_submit_sqes(ctx, usqe, s.nr);
	/*
	 * Run what became ready meanwhile (most often a receive that our own
	 * send completed on loopback) before returning, so its completion is
	 * there when the caller looks; past the budget, the workqueue's turn.
	 */
	for (runs = 0; runs < WSAOVL_SUBMIT_RUNS && wsaovl_runner_run(ctx); runs++)
		cond_resched();
	wsaovl_runner_leave(ctx, &runner);
	return ret;
}
