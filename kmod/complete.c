// SPDX-License-Identifier: GPL-2.0
/*
 * Completing an op, in the order the ABI promises: the user's output
 * buffers and words, then the status block, then the cqe, then the eventfd
 * or event.  So whoever sees the status, the cqe or the event sees every
 * output final.
 */
#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/slab.h>

#include "compat.h"
#include "internal.h"

static const struct {
	int err;
	u32 status;
} wsaovl_status_map[] = {
	{ ECANCELED, WSAOVL_STATUS_CANCELLED },
	{ ECONNRESET, WSAOVL_STATUS_CONNECTION_RESET },
	{ ECONNREFUSED, WSAOVL_STATUS_CONNECTION_REFUSED },
	{ ECONNABORTED, WSAOVL_STATUS_CONNECTION_ABORTED },
	{ EPIPE, WSAOVL_STATUS_CONNECTION_DISCONNECTED },
	{ ENOTCONN, WSAOVL_STATUS_INVALID_DEVICE_STATE },
	{ EMSGSIZE, WSAOVL_STATUS_INVALID_BUFFER_SIZE },
	{ EFAULT, WSAOVL_STATUS_ACCESS_VIOLATION },
	{ ENETUNREACH, WSAOVL_STATUS_NETWORK_UNREACHABLE },
	{ EHOSTUNREACH, WSAOVL_STATUS_HOST_UNREACHABLE },
	{ ETIMEDOUT, WSAOVL_STATUS_IO_TIMEOUT },
	{ ENOBUFS, WSAOVL_STATUS_INSUFFICIENT_RESOURCES },
	{ ENOMEM, WSAOVL_STATUS_INSUFFICIENT_RESOURCES },
	{ EACCES, WSAOVL_STATUS_ACCESS_DENIED },
	{ EADDRNOTAVAIL, WSAOVL_STATUS_INVALID_ADDRESS_COMPONENT },
	{ EOPNOTSUPP, WSAOVL_STATUS_NOT_SUPPORTED },
	{ EINVAL, WSAOVL_STATUS_INVALID_PARAMETER },
};

static u64 wsaovl_ntstatus(int res, u32 flags)
{
	unsigned int i;

	if (res >= 0)
		return flags & WSAOVL_MSG_TRUNC ? WSAOVL_STATUS_BUFFER_OVERFLOW :
						  WSAOVL_STATUS_SUCCESS;
	for (i = 0; i < ARRAY_SIZE(wsaovl_status_map); i++)
		if (wsaovl_status_map[i].err == -res)
			return wsaovl_status_map[i].status;
	return WSAOVL_STATUS_ERRNO_BASE | (-res & 0xffff);
}

/* Drop everything the op holds but its memory (which may sit in overflow). */
static void wsaovl_op_release(struct wsaovl_op *op)
{
	struct wsaovl_out *outs[WSAOVL_OP_NR_OUTS];
	struct wsaovl_ctx *ctx = op->ctx;
	unsigned int i;

	wsaovl_op_free_iov(op);
	wsaovl_unpin(ctx, &op->data, !wsaovl_op_is_send(op->opcode));
	wsaovl_op_outs(op, outs);
	for (i = 0; i < ARRAY_SIZE(outs); i++)
		wsaovl_out_release(ctx, outs[i]);
	kvfree(op->control);
	op->control = NULL;
	if (op->evfd) {
		eventfd_ctx_put(op->evfd);
		op->evfd = NULL;
	}
	if (op->event) {
		wsaovl_event_put(op->event);
		op->event = NULL;
	}
	if (op->cred) {
		put_cred(op->cred);
		op->cred = NULL;
	}
	put_pid(op->submitter);
	op->submitter = NULL;
}

void wsaovl_op_free(struct wsaovl_op *op)
{
	wsaovl_op_release(op);
	atomic_dec(&op->ctx->nr_ops);
	kmem_cache_free(wsaovl_op_cache, op);
}

/* op->cqe.res (bytes or -errno), flags, namelen and controllen are set. */
void wsaovl_op_complete(struct wsaovl_op *op)
{
	struct wsaovl_ctx *ctx = op->ctx;
	struct wsaovl_cqe *cqe = &op->cqe;
	struct eventfd_ctx *evfd = op->evfd;
	struct wsaovl_event *event = op->event;
	bool parked = false;

	if (cqe->res >= 0) {
		if (op->name_out.len)
			cqe->namelen = wsaovl_out_copy(ctx, &op->name_out, 0, &op->addr,
						       cqe->namelen);
		if (op->control_out.len && cqe->controllen)
			wsaovl_out_copy(ctx, &op->control_out, 0, op->control,
					cqe->controllen);
	} else {
		cqe->flags = 0;
		cqe->namelen = 0;
		cqe->controllen = 0;
	}
	/* The words that libwsa once wrote at reap time (lpFromlen...). */
	if (op->name_out.len)
		wsaovl_out_word(ctx, &op->namelen_out, cqe->namelen);
	wsaovl_out_word(ctx, &op->controllen_out, cqe->controllen);
	wsaovl_out_word(ctx, &op->flags_out, cqe->flags);
	if (op->status_out.len) {
		/* A cancelled stream op still says how much of it moved. */
		wsaovl_out_store(ctx, &op->status_out, 8,
				 cqe->res >= 0 ? cqe->res : op->done, 8);
		wsaovl_out_store(ctx, &op->status_out, 16, cqe->flags, 4);
		/* Every output before status: see struct wsaovl_status. */
		smp_wmb();
		wsaovl_out_store(ctx, &op->status_out, 0,
				 wsaovl_ntstatus(cqe->res, cqe->flags), 8);
	}

	op->evfd = NULL;	/* ours until signalled */
	op->event = NULL;
	wsaovl_op_release(op);
	if (!(op->inline_done && op->skip_inline_cqe))
		parked = wsaovl_ring_post(ctx, op);
	if (evfd) {
		wsaovl_eventfd_signal(evfd);
		eventfd_ctx_put(evfd);
	}
	if (event) {
		wsaovl_event_set(event);
		wsaovl_event_put(event);
	}
	if (!parked)
		wsaovl_op_free(op);
}
