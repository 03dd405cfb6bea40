// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * WSASend, WSASendTo, WSASendMsg, WSARecv, WSARecvFrom, WSARecvMsg,
 * WSPSendTo, WSAIoctl and WSAGetOverlappedResult.
 *
 * Non-overlapped calls (lpOverlapped and lpCompletionRoutine both NULL) are
 * plain sendmsg/recvmsg with Winsock semantics.  Overlapped calls become one
 * wsaovl sqe each, submitted with WSAOVL_SQE_SKIP_INLINE_CQE: an inline
 * completion is finished here, a pending one by whoever drains the ring.
 * The kernel writes every output itself (the status block in the
 * OVERLAPPED, *lpFromlen, *lpFlags, the WSAMSG lengths and flags: the sqe's
 * *_out words) before it marks the op complete and sets its event, so
 * reaping a cqe only recycles the op record or queues its routine.
 */
#include "internal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <time.h>

struct io_req {
	uint8_t op;		/* WSAOVL_OP_* */
	bool spi;		/* WSPSendTo: no WSAStartup needed */
	SOCKET s;
	LPWSABUF bufs;
	DWORD nbufs;
	LPDWORD nbytes;
	DWORD flags;		/* input flags */
	LPDWORD flags_out;	/* WSARecv/WSARecvFrom lpFlags */
	const struct sockaddr *to;
	int tolen;
	struct sockaddr *from;
	LPINT fromlen;
	LPWSAMSG msg;		/* SENDMSG / RECVMSG */
	LPWSAOVERLAPPED ov;
	LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
	struct wsa_thread *target;	/* WSPSendTo's thread, or NULL */
};

static bool op_is_recv(uint8_t op)
{
	return op >= WSAOVL_OP_RECV;
}

static int op_ctx(uint8_t op)
{
	switch (op) {
	case WSAOVL_OP_SEND:
		return CTX_SEND;
	case WSAOVL_OP_SENDTO:
	case WSAOVL_OP_SENDMSG:
		return CTX_SENDTO;
	default:
		return CTX_RECV;
	}
}

/* ---- completion records ---- */

void wsa_op_free(struct wsa_op *op)
{
	if (op->target)
		wsa_thread_unref(op->target);
	free(op->ctl_copy);
	if (op->late_ev >= 0)
		close(op->late_ev);
	wsa_op_cache_put(op);
}

DWORD wsa_op_error(const struct wsa_op *op, int32_t res, uint32_t flags)
{
	if (res < 0) {
		if (res == -ECANCELED)
			return WSA_OPERATION_ABORTED;
		if (res == -EAGAIN)
			return WSAEWOULDBLOCK;
		return (DWORD)wsa_map_errno(-res, op->apc.sock, op->sflags,
					    op_ctx(op->opcode));
	}
	if ((flags & W_MSG_TRUNC) && op_is_recv(op->opcode))
		return WSAEMSGSIZE;
	return 0;
}

/* An hEvent the kernel cannot set (another context's): set it here. */
static void op_set_late(struct wsa_op *op)
{
	uint32_t prev;

	if (op->late_ev >= 0)
		ioctl(op->late_ev, WSAOVL_IOC_EVENT_SET, &prev);
}

/* Called by the ring drain for each cqe (by one reaper at a time). */
void wsa_op_complete(struct wsa_op *op, int32_t res, uint32_t flags)
{
	op_set_late(op);
	if (!op->routine) {
		wsa_op_free(op);
		return;
	}
	op->apc.done.err = wsa_op_error(op, res, flags);
	/*
	 * The status block (written before the cqe) also counts what a
	 * cancelled stream op had moved; the cqe only says -ECANCELED.
	 */
	op->apc.done.bytes = op->ov ? (DWORD)op->ov->InternalHigh :
			     res > 0 ? (DWORD)res : 0;
	op->apc.done.flags = flags;
	/*
	 * The kernel set the target's alert event after posting the cqe; a
	 * target that woke for it meanwhile and found nothing (another
	 * thread is reaping: this one) needs a new wakeup.
	 */
	if (!wsa_queue_apc(op->target, &op->apc,
			   op->target != wsa_self_peek()))
		wsa_op_free(op);	/* thread gone: the routine never runs */
}

void wsa_run_completion(struct wsa_op *op)
{
	op->routine(op->apc.done.err, op->apc.done.bytes, op->ov,
		    op->apc.done.flags);
}

/* ---- validation ---- */

#define SEND_FLAGS (W_MSG_OOB | W_MSG_DONTROUTE | W_MSG_PARTIAL)
#define RECV_FLAGS (W_MSG_OOB | W_MSG_PEEK | W_MSG_WAITALL | W_MSG_PARTIAL | \
		    W_MSG_PUSH_IMMEDIATE)

static int sock_family(uint32_t sf)
{
	return (sf & SF_INET6) ? AF_INET6 : (sf & SF_INET) ? AF_INET : AF_UNSPEC;
}

static bool dest_invalid(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return in->sin_addr.s_addr == htonl(INADDR_ANY) ||
		       in->sin_port == 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		return IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr) ||
		       in6->sin6_port == 0;
	}
	return false;
}

static int io_validate(struct io_req *r, uint32_t *sfp)
{
	bool ovl = r->ov || r->routine;
	bool recv = op_is_recv(r->op);
	uint32_t sf;
	int err;

	if (!r->spi) {
		err = wsa_check_init();
		if (err)
			return err;
	}
	err = wsa_sock_get(r->s, &sf);
	if (err)
		return err;
	*sfp = sf;
	if (r->op == WSAOVL_OP_RECVMSG || r->op == WSAOVL_OP_SENDMSG) {
		if (!r->msg)
			return WSAEFAULT;
		if (!r->msg->name && r->msg->namelen != 0)
			return WSAEFAULT;
		if (!r->msg->Control.buf && r->msg->Control.len != 0)
			return WSAEFAULT;
		r->bufs = r->msg->lpBuffers;
		r->nbufs = r->msg->dwBufferCount;
		if (r->op == WSAOVL_OP_RECVMSG)
			r->flags = r->msg->dwFlags;
		else if (r->msg->name) {
			r->to = r->msg->name;
			r->tolen = r->msg->namelen;
		}
	}
	if (!ovl && !r->nbytes)
		return WSAEFAULT;
	if (r->nbufs && !r->bufs)
		return WSAEFAULT;
	if ((r->op == WSAOVL_OP_RECV || r->op == WSAOVL_OP_RECVFROM) &&
	    !r->flags_out)
		return WSAEFAULT;
	if (r->flags & W_MSG_PARTIAL)
		return WSAEOPNOTSUPP;
	if (r->flags & ~(recv ? RECV_FLAGS : SEND_FLAGS))
		return WSAEOPNOTSUPP;
	if ((r->flags & W_MSG_OOB) && (sf & SF_DGRAM))
		return WSAEOPNOTSUPP;
	if (r->op == WSAOVL_OP_RECVMSG) {
		if (!(sf & SF_DGRAM))
			return WSAEOPNOTSUPP;	/* datagram and raw only */
		if (r->flags & ~W_MSG_PEEK)
			return WSAEOPNOTSUPP;
		if ((r->flags & W_MSG_PEEK) && ovl)
			return WSAEINVAL;	/* MSG_PEEK: non-overlapped only */
	}
	if (!recv && (sf & SF_SHUT_SEND))
		return WSAESHUTDOWN;
	if (recv && (sf & SF_SHUT_RECV))
		return WSAESHUTDOWN;
	if (!recv) {
		if (!(sf & SF_DGRAM)) {
			r->to = NULL;	/* ignored on connection-oriented sockets */
			r->tolen = 0;
		} else if (r->to) {
			if (r->tolen < (int)sizeof(sa_family_t) ||
			    r->tolen < wsa_min_addrlen(r->to->sa_family))
				return WSAEFAULT;
			if (r->to->sa_family != AF_UNSPEC &&
			    sock_family(sf) != AF_UNSPEC &&
			    r->to->sa_family != sock_family(sf) &&
			    !(sock_family(sf) == AF_INET6 &&
			      r->to->sa_family == AF_INET))
				return WSAEAFNOSUPPORT;
			if (!(sf & SF_RAW) && dest_invalid(r->to))
				return WSAEADDRNOTAVAIL;
		}
	} else {
		int minlen = wsa_min_addrlen(sock_family(sf));

		if (r->from && (!r->fromlen || *r->fromlen < minlen))
			return WSAEFAULT;
		if (r->msg && r->msg->name && r->msg->namelen < minlen)
			return WSAEFAULT;
		if (sf & SF_DGRAM) {
			int b = wsa_sock_bound(r->s, &sf);

			if (b == 0)
				return WSAEINVAL;	/* not bound */
			*sfp = sf;
		}
	}
	if (ovl && (sf & SF_NOOVL))
		return WSAEINVAL;
	return 0;
}

/*
 * Windows programs fill in_pktinfo.ipi_addr with the source to use; Linux
 * takes it from ipi_spec_dst.  Returns a fixed-up copy, or NULL if none is
 * needed.
 */
static void *fix_send_control(const WSABUF *ctl)
{
	char *copy = NULL;
	size_t off = 0;

	while (off + sizeof(struct cmsghdr) <= ctl->len) {
		struct cmsghdr c;

		memcpy(&c, ctl->buf + off, sizeof(c));
		if (c.cmsg_len < sizeof(c) || off + c.cmsg_len > ctl->len)
			break;
		if (c.cmsg_level == IPPROTO_IP && c.cmsg_type == IP_PKTINFO &&
		    c.cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			char *src = (copy ? copy : ctl->buf) + off + CMSG_LEN(0);

			memcpy(&pi, src, sizeof(pi));
			if (pi.ipi_spec_dst.s_addr == 0 && pi.ipi_addr.s_addr != 0) {
				if (!copy) {
					copy = malloc(ctl->len);
					if (!copy)
						return NULL;
					memcpy(copy, ctl->buf, ctl->len);
				}
				pi.ipi_spec_dst = pi.ipi_addr;
				memcpy(copy + off + CMSG_LEN(0), &pi, sizeof(pi));
			}
		}
		off += CMSG_ALIGN(c.cmsg_len);
	}
	return copy;
}

/* MSG_BCAST / MSG_MCAST from received packet info (non-overlapped path). */
static DWORD pktinfo_flags(const struct msghdr *mh)
{
	struct cmsghdr *c;
	DWORD f = 0;

	for (c = CMSG_FIRSTHDR((struct msghdr *)mh); c;
	     c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if (IN_MULTICAST(ntohl(pi.ipi_addr.s_addr)))
				f |= W_MSG_MCAST;
			else if (pi.ipi_addr.s_addr == htonl(INADDR_BROADCAST))
				f |= W_MSG_BCAST;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr))
				f |= W_MSG_MCAST;
		}
	}
	return f;
}

/* ---- non-overlapped ---- */

static int io_sync(struct io_req *r, uint32_t sf)
{
	struct iovec small[16], *iov = small;
	struct msghdr mh;
	void *ctl_copy = NULL;
	ssize_t n;
	DWORD i;
	int err = 0;

	if (r->nbufs > 16) {
		iov = malloc(sizeof(*iov) * r->nbufs);
		if (!iov)
			return WSAENOBUFS;
	}
	for (i = 0; i < r->nbufs; i++) {
		iov[i].iov_base = r->bufs[i].buf;
		iov[i].iov_len = r->bufs[i].len;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = r->nbufs;
	if (!op_is_recv(r->op)) {
		if (r->to) {
			mh.msg_name = (void *)r->to;
			mh.msg_namelen = (socklen_t)r->tolen;
		}
		if (r->msg && r->msg->Control.len) {
			ctl_copy = fix_send_control(&r->msg->Control);
			mh.msg_control = ctl_copy ? ctl_copy : r->msg->Control.buf;
			mh.msg_controllen = r->msg->Control.len;
		}
		n = sendmsg((int)r->s, &mh,
			    wsa_flags_to_linux(r->flags) | MSG_NOSIGNAL);
		if (n < 0)
			err = wsa_map_errno(errno, r->s, sf, op_ctx(r->op));
		else
			*r->nbytes = (DWORD)n;
		free(ctl_copy);
	} else {
		DWORD oflags;

		if (r->from) {
			mh.msg_name = r->from;
			mh.msg_namelen = (socklen_t)*r->fromlen;
		} else if (r->msg && r->msg->name) {
			mh.msg_name = r->msg->name;
			mh.msg_namelen = (socklen_t)r->msg->namelen;
		}
		if (r->msg && r->msg->Control.len) {
			mh.msg_control = r->msg->Control.buf;
			mh.msg_controllen = r->msg->Control.len;
		}
		n = recvmsg((int)r->s, &mh, wsa_flags_to_linux(r->flags));
		if (n < 0) {
			err = wsa_map_errno(errno, r->s, sf, CTX_RECV);
		} else {
			oflags = wsa_flags_from_linux(mh.msg_flags) &
				 (W_MSG_TRUNC | W_MSG_CTRUNC);
			if (r->msg)
				oflags |= pktinfo_flags(&mh);
			*r->nbytes = (DWORD)n;
			if (r->fromlen)
				*r->fromlen = (INT)mh.msg_namelen;
			if (r->flags_out)
				*r->flags_out = oflags;
			if (r->msg) {
				if (r->msg->name)
					r->msg->namelen = (INT)mh.msg_namelen;
				r->msg->Control.len = (ULONG)mh.msg_controllen;
				r->msg->dwFlags = oflags;
			}
			if ((oflags & W_MSG_TRUNC) && (sf & SF_DGRAM))
				err = WSAEMSGSIZE;
		}
	}
	if (iov != small)
		free(iov);
	return err;
}

/* ---- overlapped ---- */

static int io_overlapped(struct io_req *r, uint32_t sf)
{
	struct wsaovl_sqe sqe;
	struct wsaovl_submit sub;
	struct wsa_thread *rewake = NULL;
	struct wsa_op *op;
	int fd, ret, err;

	fd = wsa_dev_get();
	if (fd < 0)
		return WSAENETDOWN;
	op = wsa_op_alloc();
	if (!op)
		return WSAENOBUFS;
	op->apc.kind = APC_COMPLETION;
	op->apc.sock = r->s;
	op->ov = r->ov;
	op->routine = r->routine;
	op->sflags = sf;
	op->opcode = r->op;

	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = r->op;
	sqe.fd = (int32_t)r->s;
	sqe.msg_flags = r->flags & ~W_MSG_PUSH_IMMEDIATE;	/* a hint only */
	sqe.nbufs = r->nbufs;
	sqe.bufs = (uintptr_t)r->bufs;	/* WSABUF == struct wsaovl_buf */
	sqe.tag = (uintptr_t)op;
	switch (r->op) {
	case WSAOVL_OP_SENDTO:
		if (r->to) {
			sqe.addr = (uintptr_t)r->to;
			sqe.addrlen = (uint32_t)r->tolen;
		} else {
			sqe.opcode = WSAOVL_OP_SEND;
		}
		break;
	case WSAOVL_OP_SENDMSG:
		if (r->to) {
			sqe.addr = (uintptr_t)r->to;
			sqe.addrlen = (uint32_t)r->tolen;
		}
		if (r->msg->Control.len) {
			op->ctl_copy = fix_send_control(&r->msg->Control);
			sqe.control = (uintptr_t)(op->ctl_copy ? op->ctl_copy
						  : r->msg->Control.buf);
			sqe.controllen = r->msg->Control.len;
		}
		break;
	/* receives: the kernel stores the outputs (FEAT_OUTPUTS) */
	case WSAOVL_OP_RECV:
		sqe.flags_out = (uintptr_t)r->flags_out;
		break;
	case WSAOVL_OP_RECVFROM:
		sqe.flags_out = (uintptr_t)r->flags_out;
		if (r->from) {
			sqe.addr = (uintptr_t)r->from;
			sqe.addrlen = (uint32_t)*r->fromlen;
			sqe.namelen_out = (uintptr_t)r->fromlen;
		}
		break;
	case WSAOVL_OP_RECVMSG:
		if (r->msg->name) {
			sqe.addr = (uintptr_t)r->msg->name;
			sqe.addrlen = (uint32_t)r->msg->namelen;
			sqe.namelen_out = (uintptr_t)&r->msg->namelen;
		}
		if (r->msg->Control.len) {
			sqe.control = (uintptr_t)r->msg->Control.buf;
			sqe.controllen = r->msg->Control.len;
		}
		sqe.controllen_out = (uintptr_t)&r->msg->Control.len;
		sqe.flags_out = (uintptr_t)&r->msg->dwFlags;
		break;
	}
	if (r->routine) {
		struct wsa_thread *t = r->target ? r->target : wsa_self();

		if (!t) {
			wsa_op_free(op);
			return WSAENOBUFS;
		}
		atomic_fetch_add(&t->refs, 1);
		op->target = t;
		/*
		 * The kernel sets the target's alert event at completion,
		 * which wakes its alertable wait (and resets it at issue:
		 * harmless for the submitting thread itself, which looks at
		 * its APCs and the ring before it waits; another thread's
		 * wakeup is given back after the submit).  Without one (a
		 * forked child's other threads) the reaper wakes the target.
		 */
		if (wsa_thread_alert_ready(t)) {
			sqe.flags |= WSAOVL_SQE_EVENT;
			sqe.eventfd = t->alert.fd;
			if (t != wsa_self_peek())
				rewake = t;
		}
	} else if (r->ov) {
		struct wsa_handle *h = wsa_event_handle(r->ov->hEvent);

		if (h && wsa_evobj_ours(&h->ev)) {
			/* the kernel resets it at issue, sets it at completion */
			sqe.flags |= WSAOVL_SQE_EVENT;
			sqe.eventfd = h->ev.fd;
		} else if (h && !h->ev.kev) {
			wsa_evobj_reset(&h->ev);
			sqe.flags |= WSAOVL_SQE_EVENTFD;
			sqe.eventfd = h->ev.fd;
		} else if (h) {
			/* another context's event (inherited): libwsa sets it */
			op->late_ev = fcntl(h->ev.fd, F_DUPFD_CLOEXEC, 0);
			wsa_evobj_reset(&h->ev);
		}
	}
	if (r->target)
		sqe.tid = (uint32_t)r->target->tid;
	if (r->ov) {
		r->ov->InternalHigh = 0;
		r->ov->OffsetHigh = 0;
		__atomic_store_n(&r->ov->Internal, (ULONG_PTR)STATUS_PENDING,
				 __ATOMIC_RELEASE);
		sqe.status = (uintptr_t)&r->ov->Internal;
	}
	sqe.flags |= WSAOVL_SQE_SKIP_INLINE_CQE;

	memset(&sub, 0, sizeof(sub));
	sub.sqes = (uintptr_t)&sqe;
	sub.nr = 1;
	ret = ioctl(fd, WSAOVL_IOC_SUBMIT, &sub);
	if (ret < 0) {
		err = errno == EAGAIN ? WSAEWOULDBLOCK
			: wsa_map_errno(errno, r->s, sf, op_ctx(r->op));
		wsa_op_free(op);
		return err;
	}
	if (ret == 0 || sqe.state == WSAOVL_STATE_FAILED) {
		int e = sqe.res < 0 ? -sqe.res : EINVAL;

		err = e == EAGAIN ? WSAEWOULDBLOCK
			: wsa_map_errno(e, r->s, sf, op_ctx(r->op));
		wsa_op_free(op);
		if (rewake)
			wsa_thread_rewake(rewake);
		return err;
	}
	if (sqe.state == WSAOVL_STATE_PENDING) {
		/* op now belongs to the ring: touch it no more */
		if (rewake)
			wsa_thread_rewake(rewake);
		return WSA_IO_PENDING;
	}

	/* DONE: completed inline.  Status block, outputs and event done. */
	err = (int)wsa_op_error(op, sqe.res, sqe.out_flags);
	if (sqe.res >= 0 && r->nbytes)
		*r->nbytes = (DWORD)sqe.res;
	op_set_late(op);
	if (r->routine) {
		op->apc.done.err = (DWORD)err;
		op->apc.done.bytes = sqe.res > 0 ? (DWORD)sqe.res : 0;
		op->apc.done.flags = sqe.out_flags;
		/* the kernel set the alert before the APC was queued */
		if (!wsa_queue_apc(op->target, &op->apc,
				   op->target != wsa_self_peek()))
			wsa_op_free(op);
	} else {
		wsa_op_free(op);
	}
	return err;
}

static int io_do(struct io_req *r)
{
	uint32_t sf;
	int err;

	err = io_validate(r, &sf);
	if (err)
		return err;
	if (r->ov || r->routine) {
		wsa_drain();	/* cheap when empty; keeps the ring short */
		return io_overlapped(r, sf);
	}
	return io_sync(r, sf);
}

static int io_result(int err)
{
	return err ? wsa_fail(err) : 0;
}

WSA_EXPORT int WSAAPI WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
			      LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
			      LPWSAOVERLAPPED lpOverlapped,
			      LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	struct io_req r = {
		.op = WSAOVL_OP_SEND, .s = s, .bufs = lpBuffers,
		.nbufs = dwBufferCount, .nbytes = lpNumberOfBytesSent,
		.flags = dwFlags, .ov = lpOverlapped,
		.routine = lpCompletionRoutine,
	};

	return io_result(io_do(&r));
}

WSA_EXPORT int WSAAPI WSASendTo(SOCKET s, LPWSABUF lpBuffers,
				DWORD dwBufferCount,
				LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
				const struct sockaddr *lpTo, int iTolen,
				LPWSAOVERLAPPED lpOverlapped,
				LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	struct io_req r = {
		.op = WSAOVL_OP_SENDTO, .s = s, .bufs = lpBuffers,
		.nbufs = dwBufferCount, .nbytes = lpNumberOfBytesSent,
		.flags = dwFlags, .to = lpTo, .tolen = iTolen,
		.ov = lpOverlapped, .routine = lpCompletionRoutine,
	};

	return io_result(io_do(&r));
}

WSA_EXPORT int WSAAPI WSASendMsg(SOCKET Handle, LPWSAMSG lpMsg, DWORD dwFlags,
				 LPDWORD lpNumberOfBytesSent,
				 LPWSAOVERLAPPED lpOverlapped,
				 LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	struct io_req r = {
		.op = WSAOVL_OP_SENDMSG, .s = Handle, .msg = lpMsg,
		.nbytes = lpNumberOfBytesSent, .flags = dwFlags,
		.ov = lpOverlapped, .routine = lpCompletionRoutine,
	};

	return io_result(io_do(&r));
}

WSA_EXPORT int WSAAPI WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
			      LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
			      LPWSAOVERLAPPED lpOverlapped,
			      LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	struct io_req r = {
		.op = WSAOVL_OP_RECV, .s = s, .bufs = lpBuffers,
		.nbufs = dwBufferCount, .nbytes = lpNumberOfBytesRecvd,
		.flags = lpFlags ? *lpFlags : 0, .flags_out = lpFlags,
		.ov = lpOverlapped, .routine = lpCompletionRoutine,
	};

	return io_result(io_do(&r));
}

WSA_EXPORT int WSAAPI WSARecvFrom(SOCKET s, LPWSABUF lpBuffers,
				  DWORD dwBufferCount,
				  LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
				  struct sockaddr *lpFrom, LPINT lpFromlen,
				  LPWSAOVERLAPPED lpOverlapped,
				  LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	struct io_req r = {
		.op = WSAOVL_OP_RECVFROM, .s = s, .bufs = lpBuffers,
		.nbufs = dwBufferCount, .nbytes = lpNumberOfBytesRecvd,
		.flags = lpFlags ? *lpFlags : 0, .flags_out = lpFlags,
		.from = lpFrom, .fromlen = lpFrom ? lpFromlen : NULL,
		.ov = lpOverlapped, .routine = lpCompletionRoutine,
	};

	return io_result(io_do(&r));
}

/* Reached only through SIO_GET_EXTENSION_FUNCTION_POINTER. */
static INT PASCAL wsa_recvmsg_ext(SOCKET s, LPWSAMSG lpMsg,
				  LPDWORD lpdwNumberOfBytesRecvd,
				  LPWSAOVERLAPPED lpOverlapped,
				  LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	struct io_req r = {
		.op = WSAOVL_OP_RECVMSG, .s = s, .msg = lpMsg,
		.nbytes = lpdwNumberOfBytesRecvd,
		.ov = lpOverlapped, .routine = lpCompletionRoutine,
	};

	return io_result(io_do(&r));
}

WSA_EXPORT int WSPAPI WSPSendTo(SOCKET s, LPWSABUF lpBuffers,
				DWORD dwBufferCount,
				LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
				const struct sockaddr *lpTo, int iTolen,
				LPWSAOVERLAPPED lpOverlapped,
				LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
				LPWSATHREADID lpThreadId, LPINT lpErrno)
{
	struct io_req r = {
		.op = WSAOVL_OP_SENDTO, .spi = true, .s = s, .bufs = lpBuffers,
		.nbufs = dwBufferCount, .nbytes = lpNumberOfBytesSent,
		.flags = dwFlags, .to = lpTo, .tolen = iTolen,
		.ov = lpOverlapped, .routine = lpCompletionRoutine,
	};
	DWORD saved = wsa_last_error;
	int err;

	if ((lpOverlapped || lpCompletionRoutine) && lpThreadId &&
	    lpThreadId->ThreadHandle) {
		r.target = wsa_thread_from_handle(lpThreadId->ThreadHandle);
		if (!r.target) {
			if (lpErrno)
				*lpErrno = WSAEINVAL;
			return SOCKET_ERROR;
		}
	}
	err = io_do(&r);
	if (r.target)
		wsa_thread_unref(r.target);
	wsa_last_error = saved;		/* the SPI reports through lpErrno */
	if (lpErrno)
		*lpErrno = err;
	return err ? SOCKET_ERROR : 0;
}

/* ---- plain send/recv family (always non-overlapped) ---- */

WSA_EXPORT int WSAAPI wsa_send(SOCKET s, const char *buf, int len, int flags)
{
	WSABUF b = { .len = (ULONG)len, .buf = (CHAR *)buf };
	DWORD n = 0;
	struct io_req r = {
		.op = WSAOVL_OP_SEND, .s = s, .bufs = &b, .nbufs = 1,
		.nbytes = &n, .flags = (DWORD)flags,
	};
	int err;

	if (len < 0 || (!buf && len))
		return wsa_fail(WSAEFAULT);
	err = io_do(&r);
	return err ? wsa_fail(err) : (int)n;
}

WSA_EXPORT int WSAAPI wsa_sendto(SOCKET s, const char *buf, int len, int flags,
				 const struct sockaddr *to, int tolen)
{
	WSABUF b = { .len = (ULONG)len, .buf = (CHAR *)buf };
	DWORD n = 0;
	struct io_req r = {
		.op = WSAOVL_OP_SENDTO, .s = s, .bufs = &b, .nbufs = 1,
		.nbytes = &n, .flags = (DWORD)flags, .to = to, .tolen = tolen,
	};
	int err;

	if (len < 0 || (!buf && len))
		return wsa_fail(WSAEFAULT);
	err = io_do(&r);
	return err ? wsa_fail(err) : (int)n;
}

WSA_EXPORT int WSAAPI wsa_recv(SOCKET s, char *buf, int len, int flags)
{
	WSABUF b = { .len = (ULONG)len, .buf = buf };
	DWORD n = 0, fl = (DWORD)flags;
	struct io_req r = {
		.op = WSAOVL_OP_RECV, .s = s, .bufs = &b, .nbufs = 1,
		.nbytes = &n, .flags = fl, .flags_out = &fl,
	};
	int err;

	if (len < 0 || (!buf && len))
		return wsa_fail(WSAEFAULT);
	err = io_do(&r);
	return err ? wsa_fail(err) : (int)n;
}

WSA_EXPORT int WSAAPI wsa_recvfrom(SOCKET s, char *buf, int len, int flags,
				   struct sockaddr *from, int *fromlen)
{
	WSABUF b = { .len = (ULONG)len, .buf = buf };
	DWORD n = 0, fl = (DWORD)flags;
	struct io_req r = {
		.op = WSAOVL_OP_RECVFROM, .s = s, .bufs = &b, .nbufs = 1,
		.nbytes = &n, .flags = fl, .flags_out = &fl,
		.from = from, .fromlen = from ? fromlen : NULL,
	};
	int err;

	if (len < 0 || (!buf && len))
		return wsa_fail(WSAEFAULT);
	err = io_do(&r);
	return err ? wsa_fail(err) : (int)n;
}

/* ---- WSAGetOverlappedResult ---- */

WSA_EXPORT BOOL WSAAPI WSAGetOverlappedResult(SOCKET s,
					      LPWSAOVERLAPPED lpOverlapped,
					      LPDWORD lpcbTransfer, BOOL fWait,
					      LPDWORD lpdwFlags)
{
	volatile ULONG_PTR *st;
	uint32_t sf;
	ULONG_PTR status;
	int err;

	err = wsa_check_init();
	if (err) {
		wsa_fail(err);
		return FALSE;
	}
	if (!lpOverlapped || !lpcbTransfer || !lpdwFlags) {
		wsa_fail(WSAEFAULT);
		return FALSE;
	}
	st = &lpOverlapped->Internal;
	wsa_drain();
	status = __atomic_load_n(st, __ATOMIC_ACQUIRE);
	/*
	 * The socket matters only while the op is pending: after closesocket
	 * the result (WSA_OPERATION_ABORTED) is still readable.
	 */
	if (wsa_sock_get(s, &sf)) {
		if (status == STATUS_PENDING) {
			wsa_fail(WSAENOTSOCK);
			return FALSE;
		}
		sf = 0;
	}
	if (status == STATUS_PENDING) {
		if (!fWait) {
			wsa_fail(WSA_IO_INCOMPLETE);
			return FALSE;
		}
		while ((status = __atomic_load_n(st, __ATOMIC_ACQUIRE)) ==
		       STATUS_PENDING) {
			HANDLE h = lpOverlapped->hEvent;

			if (wsa_event_handle(h)) {
				if (wsa_wait(1, &h, FALSE, INFINITE, FALSE) ==
				    WAIT_FAILED)
					return FALSE;
			} else {
				struct timespec ts = { 0, 1000000 };

				nanosleep(&ts, NULL);
			}
			wsa_drain();
		}
	}
	/*
	 * A status other than STATUS_PENDING, read with acquire, means every
	 * output is final: the kernel stores the receive outputs
	 * (*lpFromlen, *lpFlags, the WSAMSG lengths) before the status.
	 */
	*lpcbTransfer = (DWORD)lpOverlapped->InternalHigh;
	*lpdwFlags = lpOverlapped->Offset;
	err = wsa_errno_from_status(status);
	if (!err)
		return TRUE;
	if ((uint32_t)status == WSAOVL_STATUS_BUFFER_OVERFLOW)
		wsa_fail(WSAEMSGSIZE);
	else if (err == ECANCELED)
		wsa_fail(WSA_OPERATION_ABORTED);
	else
		wsa_fail(wsa_map_errno(err, s, sf, CTX_OTHER));
	return FALSE;
}

/* ---- WSAIoctl ---- */

static const GUID guid_recvmsg = WSAID_WSARECVMSG;
static const GUID guid_sendmsg = WSAID_WSASENDMSG;

WSA_EXPORT int WSAAPI WSAIoctl(SOCKET s, DWORD dwIoControlCode,
			       LPVOID lpvInBuffer, DWORD cbInBuffer,
			       LPVOID lpvOutBuffer, DWORD cbOutBuffer,
			       LPDWORD lpcbBytesReturned,
			       LPWSAOVERLAPPED lpOverlapped,
			       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine)
{
	bool ovl = lpOverlapped || lpCompletionRoutine;
	DWORD ret = 0;
	uint32_t sf;
	int err, iv;

	err = wsa_check_init();
	if (!err)
		err = wsa_sock_get(s, &sf);
	if (err)
		return wsa_fail(err);
	if (!ovl && !lpcbBytesReturned)
		return wsa_fail(WSAEFAULT);
	if (ovl && (sf & SF_NOOVL))
		return wsa_fail(WSAEINVAL);

	switch (dwIoControlCode) {
	case FIONBIO:
	case WSA_FIONBIO_WIN: {
		DWORD v;

		if (!lpvInBuffer || cbInBuffer < sizeof(DWORD))
			return wsa_fail(WSAEFAULT);
		memcpy(&v, lpvInBuffer, sizeof(v));
		iv = v != 0;
		if (ioctl((int)s, FIONBIO, &iv) < 0)
			return wsa_fail(wsa_map_errno(errno, s, sf, CTX_OTHER));
		if (iv)
			wsa_sock_or(s, SF_NONBLOCK);
		else
			wsa_sock_and(s, ~SF_NONBLOCK);
		break;
	}
	case FIONREAD:
	case WSA_FIONREAD_WIN:
		if (!lpvOutBuffer || cbOutBuffer < sizeof(DWORD))
			return wsa_fail(WSAEFAULT);
		if (ioctl((int)s, FIONREAD, &iv) < 0)
			return wsa_fail(wsa_map_errno(errno, s, sf, CTX_OTHER));
		if (cbOutBuffer >= sizeof(uint64_t)) {
			uint64_t v = (uint64_t)iv;

			memcpy(lpvOutBuffer, &v, sizeof(v));
			ret = sizeof(v);
		} else {
			DWORD v = (DWORD)iv;

			memcpy(lpvOutBuffer, &v, sizeof(v));
			ret = sizeof(v);
		}
		break;
	case SIO_GET_EXTENSION_FUNCTION_POINTER: {
		void *fn;

		if (!lpvInBuffer || cbInBuffer < sizeof(GUID) ||
		    !lpvOutBuffer || cbOutBuffer < sizeof(void *))
			return wsa_fail(WSAEFAULT);
		if (!memcmp(lpvInBuffer, &guid_recvmsg, sizeof(GUID)))
			fn = (void *)(LPFN_WSARECVMSG)wsa_recvmsg_ext;
		else if (!memcmp(lpvInBuffer, &guid_sendmsg, sizeof(GUID)))
			fn = (void *)(LPFN_WSASENDMSG)WSASendMsg;
		else
			return wsa_fail(WSAEINVAL);
		memcpy(lpvOutBuffer, &fn, sizeof(fn));
		ret = sizeof(fn);
		break;
	}
	case SIO_FLUSH:
		if (wsa_dev.fd >= 0) {
			struct wsaovl_cancel c = {
				.what = WSAOVL_CANCEL_FD_SEND,
				.fd = (int32_t)s,
			};

			ioctl(wsa_dev.fd, WSAOVL_IOC_CANCEL, &c);
		}
		break;
	default:
		return wsa_fail(WSAEINVAL);
	}
	if (lpcbBytesReturned)
		*lpcbBytesReturned = ret;
	if (ovl) {
		/* completed at once: still indicate the completion */
		if (lpOverlapped) {
			lpOverlapped->InternalHigh = ret;
			lpOverlapped->Offset = 0;
			lpOverlapped->OffsetHigh = 0;
			__atomic_store_n(&lpOverlapped->Internal, 0,
					 __ATOMIC_RELEASE);
		}
		if (lpCompletionRoutine) {
			struct wsa_op *op = wsa_op_alloc();
			struct wsa_thread *t = wsa_self();

			if (op && t) {
				op->apc.kind = APC_COMPLETION;
				op->apc.sock = s;
				op->ov = lpOverlapped;
				op->routine = lpCompletionRoutine;
				atomic_fetch_add(&t->refs, 1);
				op->target = t;
				op->apc.done.bytes = ret;
				if (!wsa_queue_apc(t, &op->apc, true))
					wsa_op_free(op);
			} else {
				free(op);
			}
		} else if (lpOverlapped && wsa_event_handle(lpOverlapped->hEvent)) {
			SetEvent(lpOverlapped->hEvent);
		}
	}
	return 0;
}
