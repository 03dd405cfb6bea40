/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * wsaovl: Windows-style overlapped socket I/O, the ioctl and ring ABI.
 *
 * Shared by the kernel module (kmod/) and libwsa.  Every struct has a fixed
 * size with explicit padding; user pointers travel as __u64.  Reserved and
 * pad fields that the caller passes in must be zero, else -EINVAL.
 * Documentation/userspace-api/wsaovl.rst describes the protocol.
 */
#ifndef _UAPI_LINUX_WSAOVL_H
#define _UAPI_LINUX_WSAOVL_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define WSAOVL_ABI_VERSION	3

/* Features reported by WSAOVL_IOC_QUERY. */
#define WSAOVL_FEAT_RING	0x01U	/* mmap'd completion ring */
#define WSAOVL_FEAT_STATUS	0x02U	/* status block writes */
#define WSAOVL_FEAT_EVENTFD	0x04U	/* eventfd signalled at completion */
#define WSAOVL_FEAT_CANCEL	0x08U	/* WSAOVL_IOC_CANCEL selectors */
#define WSAOVL_FEAT_SKIP_INLINE	0x10U	/* WSAOVL_SQE_SKIP_INLINE_CQE */
#define WSAOVL_FEAT_EVENTS	0x20U	/* event objects, WSAOVL_IOC_WAIT, WSAOVL_SQE_EVENT */
#define WSAOVL_FEAT_OUTPUTS	0x40U	/* sqe.*_out: receive outputs written before status */
#define WSAOVL_FEAT_EVSTATE	0x80U	/* event states mapped at wsaovl_setup.ev_offset */
#define WSAOVL_FEATURES		0xffU

/* Hard limits; the module parameters can only lower the per-context ones. */
#define WSAOVL_MAX_BUFS		1024	/* WSABUFs per op (UIO_MAXIOV) */
#define WSAOVL_MAX_ADDRLEN	128	/* sizeof(struct sockaddr_storage) */
#define WSAOVL_MAX_CONTROL	65536	/* control buffer bytes per op */
#define WSAOVL_MAX_BATCH	1024	/* sqes per WSAOVL_IOC_SUBMIT */
#define WSAOVL_RING_MIN		16	/* completion ring entries */
#define WSAOVL_RING_MAX		65536
#define WSAOVL_MAX_WAIT		64	/* objects per WSAOVL_IOC_WAIT, besides the alert */

/* Operations. */
#define WSAOVL_OP_SEND		1	/* WSASend */
#define WSAOVL_OP_SENDTO	2	/* WSASendTo: addr/addrlen = destination */
#define WSAOVL_OP_SENDMSG	3	/* WSASendMsg: + control data */
#define WSAOVL_OP_RECV		4	/* WSARecv */
#define WSAOVL_OP_RECVFROM	5	/* WSARecvFrom: addr = source buffer */
#define WSAOVL_OP_RECVMSG	6	/* WSARecvMsg: + control buffer */

/*
 * Message flags, in and out, with their Winsock values so that libwsa passes
 * dwFlags through unchanged.  The kernel translates them; any other input bit
 * is -EINVAL, WSAOVL_MSG_PARTIAL is -EOPNOTSUPP (no transport supports it).
 */
#define WSAOVL_MSG_OOB		0x0001	/* in: send/recv urgent data */
#define WSAOVL_MSG_PEEK		0x0002	/* in: receives only */
#define WSAOVL_MSG_DONTROUTE	0x0004	/* in: sends only */
#define WSAOVL_MSG_WAITALL	0x0008	/* in: stream receives: fill every buffer */
#define WSAOVL_MSG_PARTIAL	0x8000	/* in: always -EOPNOTSUPP */
#define WSAOVL_MSG_TRUNC	0x0100	/* out: datagram truncated */
#define WSAOVL_MSG_CTRUNC	0x0200	/* out: control data truncated */
#define WSAOVL_MSG_BCAST	0x0400	/* out: sent to a broadcast address */
#define WSAOVL_MSG_MCAST	0x0800	/* out: sent to a multicast address */

/* One scatter/gather element: the exact layout of an LP64 WSABUF. */
struct wsaovl_buf {
	__u32 len;
	__u32 pad;		/* ignored: it is compiler padding in WSABUF */
	__u64 buf;
};

/*
 * Status block, written at completion when an sqe names one (libwsa passes
 * &overlapped->Internal): every other output of the op (the source address
 * and control data, the sqe's *_out words), then information and flags,
 * then status, so a reader that sees status != WSAOVL_STATUS_PENDING (with
 * acquire ordering) sees all of them final.
 */
struct wsaovl_status {
	__u64 status;		/* NTSTATUS: WSAOVL_STATUS_* */
	__u64 information;	/* bytes transferred */
	__u32 flags;		/* WSAOVL_MSG_* out flags */
	__u32 pad;		/* never written: userspace may keep a mark here */
};

#define WSAOVL_STATUS_PENDING		0x00000103U
#define WSAOVL_STATUS_SUCCESS		0x00000000U
#define WSAOVL_STATUS_BUFFER_OVERFLOW	0x80000005U	/* datagram truncated */

/*
 * Failures: the NTSTATUS Windows uses for the same condition where there
 * is one (errno in brackets), else WSAOVL_STATUS_ERRNO_BASE | errno.
 */
#define WSAOVL_STATUS_CANCELLED		0xC0000120U	/* ECANCELED */
#define WSAOVL_STATUS_CONNECTION_RESET	0xC000020DU	/* ECONNRESET */
#define WSAOVL_STATUS_CONNECTION_REFUSED 0xC0000236U	/* ECONNREFUSED */
#define WSAOVL_STATUS_CONNECTION_ABORTED 0xC0000241U	/* ECONNABORTED */
#define WSAOVL_STATUS_CONNECTION_DISCONNECTED 0xC000020CU /* EPIPE */
#define WSAOVL_STATUS_INVALID_DEVICE_STATE 0xC0000184U	/* ENOTCONN */
#define WSAOVL_STATUS_INVALID_BUFFER_SIZE 0xC0000206U	/* EMSGSIZE */
#define WSAOVL_STATUS_ACCESS_VIOLATION	0xC0000005U	/* EFAULT */
#define WSAOVL_STATUS_NETWORK_UNREACHABLE 0xC000023CU	/* ENETUNREACH */
#define WSAOVL_STATUS_HOST_UNREACHABLE	0xC000023DU	/* EHOSTUNREACH */
#define WSAOVL_STATUS_IO_TIMEOUT	0xC00000B5U	/* ETIMEDOUT */
#define WSAOVL_STATUS_INSUFFICIENT_RESOURCES 0xC000009AU /* ENOBUFS, ENOMEM */
#define WSAOVL_STATUS_ACCESS_DENIED	0xC0000022U	/* EACCES */
#define WSAOVL_STATUS_INVALID_ADDRESS_COMPONENT 0xC0000207U /* EADDRNOTAVAIL */
#define WSAOVL_STATUS_NOT_SUPPORTED	0xC00000BBU	/* EOPNOTSUPP */
#define WSAOVL_STATUS_INVALID_PARAMETER	0xC000000DU	/* EINVAL */
#define WSAOVL_STATUS_ERRNO_BASE	0xE0570000U	/* customer bit, severity error */

/* WSAOVL_IOC_QUERY: what this module offers. */
struct wsaovl_query {
	__u32 abi_version;	/* WSAOVL_ABI_VERSION */
	__u32 features;		/* WSAOVL_FEAT_* */
	__u32 max_bufs;		/* WSAOVL_MAX_BUFS */
	__u32 max_ops;		/* outstanding ops per context */
	__u64 max_pinned;	/* pinned bytes per context */
	__u32 ring_min;
	__u32 ring_max;
	__u32 reserved[8];	/* written as zero */
};

/* WSAOVL_IOC_SETUP: create the completion ring, once per open. */
struct wsaovl_setup {
	__u32 entries;		/* in: wanted (rounded up to a power of 2); out: got */
	__u32 flags;		/* must be 0 */
	__u64 ring_bytes;	/* out: length to mmap at offset 0 */
	__u32 ev_offset;	/* out: offset in that mapping of the event states */
	__u32 ev_slots;		/* out: how many (__u8 each) */
	__u32 reserved[2];	/* must be 0 */
};

/*
 * Event states: byte ev_offset + slot of the ring mapping is 1 while the
 * event with that slot is signalled, else 0.  The kernel stores it under
 * the event's lock at every change; a load (acquire) that reads 1 saw the
 * event signalled at that instant.  Userspace only reads it.
 */

/* One completion: 32 bytes. */
struct wsaovl_cqe {
	__u64 tag;		/* sqe.tag */
	__s32 res;		/* bytes transferred, or -errno */
	__u32 flags;		/* WSAOVL_MSG_* out flags */
	__u32 namelen;		/* bytes of source address written to sqe.addr */
	__u32 controllen;	/* bytes of control data written to sqe.control */
	__u32 tid;		/* sqe.tid, or the submitting thread's id */
	__u8 opcode;
	__u8 pad[3];
};

/*
 * The ring, mapped at offset 0 of the device.  The kernel writes cqes[] and
 * then tail (release); userspace reads tail (acquire), reads entries, then
 * writes head (release).  Index = counter & mask; counters wrap at 2^32.
 */
struct wsaovl_ring {
	__u32 head;		/* userspace: next entry to consume */
	__u32 pad0[15];		/* head and tail on separate cache lines */
	__u32 tail;		/* kernel: next entry to produce */
	__u32 mask;		/* entries - 1 */
	__u32 entries;
	__u32 flags;		/* WSAOVL_RING_* */
	__u32 overflow;		/* completions held back, not lost */
	__u32 pad1[11];
	struct wsaovl_cqe cqes[];
};

/* ring.flags: completions wait in the kernel; reap and call FLUSH. */
#define WSAOVL_RING_OVERFLOW	0x1U

/* sqe.flags */
#define WSAOVL_SQE_EVENTFD	 0x1U	/* sqe.eventfd is valid */
#define WSAOVL_SQE_SKIP_INLINE_CQE 0x2U	/* no cqe if completed inline */
#define WSAOVL_SQE_EVENT	 0x4U	/* sqe.eventfd is a wsaovl event of this context */
#define WSAOVL_SQE_FLAGS	 0x7U

/* sqe.state, written back by WSAOVL_IOC_SUBMIT */
#define WSAOVL_STATE_PENDING	1	/* queued; a cqe will follow */
#define WSAOVL_STATE_DONE	2	/* completed inline: res and out_* valid */
#define WSAOVL_STATE_FAILED	3	/* rejected: res = -errno, nothing done */

/* One submission: 128 bytes. */
struct wsaovl_sqe {
	__u8 opcode;		/* WSAOVL_OP_* */
	__u8 pad0;
	__u16 flags;		/* WSAOVL_SQE_* */
	__s32 fd;		/* the caller's socket */
	__u32 msg_flags;	/* WSAOVL_MSG_* in flags */
	__u32 nbufs;		/* elements at bufs */
	__u64 bufs;		/* struct wsaovl_buf[nbufs], copied at submit */
	__u64 addr;		/* SENDTO/SENDMSG: destination; RECVFROM/RECVMSG: source buffer */
	__u32 addrlen;		/* its length, or capacity for receives */
	__u32 controllen;	/* control buffer length, or capacity */
	__u64 control;		/* SENDMSG/RECVMSG control buffer */
	__u64 tag;		/* returned in the cqe; libwsa: its op record */
	__u64 status;		/* optional struct wsaovl_status *, 8-byte aligned */
	__s32 eventfd;		/* with WSAOVL_SQE_EVENTFD or WSAOVL_SQE_EVENT */
	__u32 tid;		/* thread the completion is for; 0 = submitter */
	/* out, written for every sqe the kernel looked at */
	__u32 state;		/* WSAOVL_STATE_* */
	__s32 res;		/* -errno if FAILED; bytes if DONE */
	__u32 out_flags;	/* DONE: WSAOVL_MSG_* out flags */
	__u32 out_namelen;	/* DONE: source address length */
	__u32 out_controllen;	/* DONE: control bytes */
	__u32 reserved;		/* must be 0 */
	/*
	 * Receives: where the kernel stores these outputs at completion,
	 * before the status block (each 4 bytes, any alignment), or 0.
	 */
	__u64 namelen_out;	/* RECVFROM, RECVMSG: __s32 source address length */
	__u64 flags_out;	/* RECV*: __u32 WSAOVL_MSG_* out flags */
	__u64 controllen_out;	/* RECVMSG: __u32 control bytes */
	__u64 reserved2;	/* must be 0 */
};

/*
 * WSAOVL_IOC_SUBMIT: returns how many sqes were accepted (pending or done).
 * Submission stops at the first sqe that fails; its state is FAILED and its
 * res says why.  Errors of the call itself are returned as -errno.
 */
struct wsaovl_submit {
	__u64 sqes;		/* struct wsaovl_sqe[nr] */
	__u32 nr;		/* 1..WSAOVL_MAX_BATCH */
	__u32 flags;		/* must be 0 */
};

/* WSAOVL_IOC_CANCEL selectors: each cancelled op completes with -ECANCELED. */
#define WSAOVL_CANCEL_TAG	1	/* the op(s) with this tag */
#define WSAOVL_CANCEL_FD	2	/* every op on this socket */
#define WSAOVL_CANCEL_FD_SEND	3	/* pending sends on this socket (SIO_FLUSH) */
#define WSAOVL_CANCEL_TID	4	/* ops submitted by this thread */
#define WSAOVL_CANCEL_ALL	5

/* Returns the number of ops cancelled. */
struct wsaovl_cancel {
	__u32 what;		/* WSAOVL_CANCEL_* */
	__s32 fd;		/* FD, FD_SEND */
	__u64 tag;		/* TAG */
	__u32 tid;		/* TID */
	__u32 reserved[3];	/* must be 0 */
};

/*
 * Event objects, as Windows' (CreateEvent): WSAOVL_IOC_CREATE_EVENT returns
 * a new fd (O_CLOEXEC) for one, owned by the context.  The event fd takes
 * the WSAOVL_IOC_EVENT_* ioctls and poll() (EPOLLIN while signalled).
 */
struct wsaovl_event_args {
	__u32 manual;		/* 1: manual-reset; 0: auto-reset */
	__u32 signaled;		/* 1: signalled; 0: not */
	__u32 slot;		/* out: its event state byte, or WSAOVL_NO_SLOT */
	__u32 reserved;		/* must be 0 */
};

#define WSAOVL_NO_SLOT		(~(__u32)0)

/* WSAOVL_IOC_WAIT: wait for any or all of count events (WaitForMultipleObjectsEx). */
#define WSAOVL_WAIT_ALL		0x1U	/* all of objs[] at once, else any one */
#define WSAOVL_WAIT_ALERT	0x2U	/* alert is an event: the alertable wait */
#define WSAOVL_WAIT_FLAGS	0x3U
#define WSAOVL_WAIT_INFINITE	(~(__u64)0)

struct wsaovl_wait {
	__u64 timeout;		/* absolute CLOCK_MONOTONIC ns, or WSAOVL_WAIT_INFINITE */
	__u64 objs;		/* __s32 event fds[count] */
	__u32 count;		/* 0..WSAOVL_MAX_WAIT; 0 only with WSAOVL_WAIT_ALERT */
	__u32 flags;		/* WSAOVL_WAIT_* */
	__s32 alert;		/* with WSAOVL_WAIT_ALERT: an event fd; else 0 */
	__u32 index;		/* out: the satisfying object; count for the alert */
	__u32 reserved[2];	/* must be 0 */
};

#define WSAOVL_IOC_MAGIC	0xF7
#define WSAOVL_IOC_QUERY	_IOR(WSAOVL_IOC_MAGIC, 0, struct wsaovl_query)
#define WSAOVL_IOC_SETUP	_IOWR(WSAOVL_IOC_MAGIC, 1, struct wsaovl_setup)
#define WSAOVL_IOC_SUBMIT	_IOW(WSAOVL_IOC_MAGIC, 2, struct wsaovl_submit)
#define WSAOVL_IOC_CANCEL	_IOW(WSAOVL_IOC_MAGIC, 3, struct wsaovl_cancel)
/* Move held-back completions into the ring; returns how many still wait. */
#define WSAOVL_IOC_FLUSH	_IO(WSAOVL_IOC_MAGIC, 4)
/* Returns the new event's fd. */
#define WSAOVL_IOC_CREATE_EVENT	_IOWR(WSAOVL_IOC_MAGIC, 5, struct wsaovl_event_args)
/* Returns the index also stored in wsaovl_wait.index. */
#define WSAOVL_IOC_WAIT		_IOWR(WSAOVL_IOC_MAGIC, 6, struct wsaovl_wait)

/* On an event fd.  SET, RESET and PULSE store the previous state (0 or 1). */
#define WSAOVL_IOC_EVENT_SET	_IOR(WSAOVL_IOC_MAGIC, 0x40, __u32)
#define WSAOVL_IOC_EVENT_RESET	_IOR(WSAOVL_IOC_MAGIC, 0x41, __u32)
#define WSAOVL_IOC_EVENT_PULSE	_IOR(WSAOVL_IOC_MAGIC, 0x42, __u32)
#define WSAOVL_IOC_EVENT_READ	_IOR(WSAOVL_IOC_MAGIC, 0x43, struct wsaovl_event_args)

#endif /* _UAPI_LINUX_WSAOVL_H */
