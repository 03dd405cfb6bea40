/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libwsa internals: shared by every source file, never installed. */
#ifndef LIBWSA_INTERNAL_H
#define LIBWSA_INTERNAL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#define LIBWSA_INTERNAL 1

#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <ws2spi.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "wsaovl.h"

#define WSA_EXPORT __attribute__((visibility("default")))
#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)

/* ---- ABI checks: WSABUF and OVERLAPPED overlay the wsaovl structs ---- */
_Static_assert(sizeof(WSABUF) == sizeof(struct wsaovl_buf), "WSABUF size");
_Static_assert(offsetof(WSABUF, len) == offsetof(struct wsaovl_buf, len), "WSABUF.len");
_Static_assert(offsetof(WSABUF, buf) == offsetof(struct wsaovl_buf, buf), "WSABUF.buf");
_Static_assert(offsetof(WSAOVERLAPPED, Internal) == offsetof(struct wsaovl_status, status), "Internal");
_Static_assert(offsetof(WSAOVERLAPPED, InternalHigh) == offsetof(struct wsaovl_status, information), "InternalHigh");
_Static_assert(offsetof(WSAOVERLAPPED, Offset) == offsetof(struct wsaovl_status, flags), "Offset");
_Static_assert(offsetof(WSAOVERLAPPED, OffsetHigh) == offsetof(struct wsaovl_status, pad), "OffsetHigh");
_Static_assert(sizeof(WSACMSGHDR) == sizeof(struct cmsghdr), "WSACMSGHDR");
_Static_assert(offsetof(WSACMSGHDR, cmsg_level) == offsetof(struct cmsghdr, cmsg_level), "cmsg_level");
_Static_assert(offsetof(WSACMSGHDR, cmsg_type) == offsetof(struct cmsghdr, cmsg_type), "cmsg_type");
_Static_assert(MSG_PARTIAL == WSAOVL_MSG_PARTIAL && MSG_BCAST == WSAOVL_MSG_BCAST &&
	       MSG_MCAST == WSAOVL_MSG_MCAST, "MSG_ values");
_Static_assert(STATUS_PENDING == WSAOVL_STATUS_PENDING, "STATUS_PENDING");

/* Winsock MSG_* values the library sees (its build keeps Linux MSG_*). */
#define W_MSG_OOB	WSAOVL_MSG_OOB
#define W_MSG_PEEK	WSAOVL_MSG_PEEK
#define W_MSG_DONTROUTE	WSAOVL_MSG_DONTROUTE
#define W_MSG_WAITALL	WSAOVL_MSG_WAITALL
#define W_MSG_PARTIAL	WSAOVL_MSG_PARTIAL
#define W_MSG_TRUNC	WSAOVL_MSG_TRUNC
#define W_MSG_CTRUNC	WSAOVL_MSG_CTRUNC
#define W_MSG_BCAST	WSAOVL_MSG_BCAST
#define W_MSG_MCAST	WSAOVL_MSG_MCAST
#define W_MSG_PUSH_IMMEDIATE 0x20
#define W_SOL_SOCKET	0xffff

/* ---- Last error: one per thread, shared by GetLastError/WSAGetLastError */
extern __thread DWORD wsa_last_error;
static inline int wsa_fail(int err)
{
	wsa_last_error = (DWORD)err;
	return SOCKET_ERROR;
}

/* ---- The device and its completion ring ---- */
struct wsa_dev {
	int fd;			/* -1 when absent */
	int open_errno;		/* why it is absent */
	bool tried;
	uint32_t gen;		/* this context's number: 0 while none is open */
	struct wsaovl_ring *ring;
	size_t ring_bytes;
	uint32_t mask;
	uint32_t features;
	const uint8_t *ev_state;	/* event state bytes, in the ring mapping */
	uint32_t ev_slots;
	int draining;		/* a thread is reaping the ring */
	pthread_mutex_t open_lock;
};
extern struct wsa_dev wsa_dev;
extern atomic_int wsa_startups;

int wsa_dev_get(void);		/* fd, or -1 with errno */
void wsa_drain(void);
bool wsa_ring_busy(void);	/* completions wait to be reaped */
int wsa_check_init(void);	/* 0 or WSANOTINITIALISED */

/* The open context's number, 0 if none: kernel events carry theirs. */
static inline uint32_t wsa_dev_gen(void)
{
	return __atomic_load_n(&wsa_dev.gen, __ATOMIC_ACQUIRE);
}

/* ---- Event objects: a wsaovl event when the device is open, else an eventfd */
struct wsa_evobj {
	int fd;			/* the event fd, or the eventfd */
	bool kev;		/* a wsaovl event (else an eventfd) */
	bool manual;
	uint32_t slot;		/* its state byte, or WSAOVL_NO_SLOT */
	uint32_t gen;		/* kev: wsa_dev.gen of the context that made it */
};

/* kev of the open context: WAIT and SUBMIT accept it. */
static inline bool wsa_evobj_ours(const struct wsa_evobj *e)
{
	return e->kev && e->gen && e->gen == wsa_dev_gen();
}

/* The state byte: 1 signalled, 0 not, -1 unknown (no slot, not ours). */
static inline int wsa_evobj_state(const struct wsa_evobj *e)
{
	if (e->slot == WSAOVL_NO_SLOT || !wsa_evobj_ours(e))
		return -1;
	return __atomic_load_n(&wsa_dev.ev_state[e->slot], __ATOMIC_ACQUIRE) ? 1 : 0;
}

int wsa_evobj_init(struct wsa_evobj *e, bool manual, bool initial); /* 0 or errno */
int wsa_evobj_dup(struct wsa_evobj *d, const struct wsa_evobj *e);   /* 0 or errno */
void wsa_evobj_set(const struct wsa_evobj *e);
void wsa_evobj_reset(const struct wsa_evobj *e);

/* ---- Threads, APCs and handles ---- */
enum { APC_USER = 1, APC_COMPLETION = 2 };

struct wsa_apc {
	struct wsa_apc *next;
	int kind;
	SOCKET sock;		/* COMPLETION: for the no-nesting rule */
	union {
		struct {
			PAPCFUNC fn;
			ULONG_PTR data;
		} user;
		struct {
			DWORD err;
			DWORD bytes;
			DWORD flags;
		} done;
	};
};

struct wsa_thread {
	pid_t tid;
	/*
	 * alert: auto-reset, set for APCs and (by the kernel, WSAOVL_SQE_EVENT)
	 * for routine-mode completions; the alert of its alertable waits.
	 * exit: manual-reset, set (for good) when the thread exits.
	 */
	struct wsa_evobj alert, exit;
	atomic_int refs;
	pthread_mutex_t lock;	/* apc list, dead, start handshake */
	pthread_cond_t cond;
	struct wsa_apc *apc_head, *apc_tail;
	bool dead;
	bool started, suspended;
	DWORD exit_code;
	LPTHREAD_START_ROUTINE start;
	LPVOID param;
	struct wsa_thread *next_all;
	/* sockets whose completion routine is running now (no nesting) */
	SOCKET active[16];
	int nactive;
};

struct wsa_thread *wsa_self(void);	/* NULL only when out of memory */
struct wsa_thread *wsa_self_peek(void);	/* NULL if not known to libwsa */
void wsa_thread_unref(struct wsa_thread *t);
/* Queue an APC; wake: also set its alert event. false if the thread is dead. */
bool wsa_queue_apc(struct wsa_thread *t, struct wsa_apc *a, bool wake);
/* t's alert event, usable with SUBMIT and WAIT of the open context? */
bool wsa_thread_alert_ready(struct wsa_thread *t);
void wsa_thread_rewake(struct wsa_thread *t);

#define HMAGIC_EVENT	0x57534145U	/* "WSAE" */
#define HMAGIC_THREAD	0x57534154U	/* "WSAT" */
#define PSEUDO_THREAD	((HANDLE)(LONG_PTR)-2)
#define PSEUDO_PROCESS	((HANDLE)(LONG_PTR)-1)

struct wsa_handle {
	uint32_t magic;
	struct wsa_evobj ev;	/* events */
	struct wsa_thread *thr;	/* thread handles: waits use thr->exit */
	uint32_t idx, gen;	/* its place in the handle table */
};

/* handle.c: HANDLE values are table entries, checked without dereference. */
HANDLE wsa_handle_register(struct wsa_handle *o);	/* NULL: no room */
void wsa_handle_unregister(struct wsa_handle *o);
struct wsa_handle *wsa_handle_lookup(HANDLE h);

struct wsa_handle *wsa_event_handle(HANDLE h);	/* NULL if not an event */
struct wsa_thread *wsa_thread_from_handle(HANDLE h);	/* new ref or NULL */
/* Core of every wait; sets last error on WAIT_FAILED. */
DWORD wsa_wait(DWORD n, const HANDLE *h, BOOL all, DWORD ms, BOOL alertable);

/* ---- Sockets ---- */
#define SF_KNOWN	(1U << 0)
#define SF_STREAM	(1U << 1)
#define SF_DGRAM	(1U << 2)	/* SOCK_DGRAM or SOCK_RAW: message oriented */
#define SF_RAW		(1U << 3)
#define SF_INET		(1U << 4)
#define SF_INET6	(1U << 5)
#define SF_NOOVL	(1U << 6)	/* WSASocket without WSA_FLAG_OVERLAPPED */
#define SF_SHUT_SEND	(1U << 7)
#define SF_SHUT_RECV	(1U << 8)
#define SF_BOUND	(1U << 9)
#define SF_NONBLOCK	(1U << 10)
#define SF_LISTEN	(1U << 11)
#define SF_CONNECTED	(1U << 12)

int wsa_sock_get(SOCKET s, uint32_t *flags);	/* 0 or a WSA error */
void wsa_sock_set(SOCKET s, uint32_t flags);
void wsa_sock_or(SOCKET s, uint32_t bits);
void wsa_sock_and(SOCKET s, uint32_t bits);
void wsa_sock_clear(SOCKET s);
int wsa_sock_bound(SOCKET s, uint32_t *flags);	/* 1 bound, 0 not, <0 error */

/* Error contexts for errno -> Winsock mapping. */
enum { CTX_OTHER, CTX_SEND, CTX_SENDTO, CTX_RECV, CTX_CONNECT, CTX_SUBMIT };
int wsa_map_errno(int e, SOCKET s, uint32_t sflags, int ctx);
int wsa_errno_from_status(uint64_t status);	/* 0 = success */
int wsa_drain_errqueue(SOCKET s, int dflt);	/* refined error for ICMP */

/* Windows <-> Linux message flags */
int wsa_flags_to_linux(DWORD wflags);
DWORD wsa_flags_from_linux(int lflags);
int wsa_min_addrlen(int family);

/* ---- Overlapped ops ---- */
struct wsa_op {
	struct wsa_apc apc;	/* first: queued as the completion APC */
	LPWSAOVERLAPPED ov;
	LPWSAOVERLAPPED_COMPLETION_ROUTINE routine;
	struct wsa_thread *target;	/* routine mode, holds a ref */
	uint32_t sflags;
	uint8_t opcode;
	void *ctl_copy;		/* SENDMSG: fixed-up control data */
	int late_ev;		/* an event of another context to set, or -1 */
	struct wsa_op *next_free;	/* the per-thread free list */
};

void wsa_op_complete(struct wsa_op *op, int32_t res, uint32_t flags);
void wsa_run_completion(struct wsa_op *op);
struct wsa_op *wsa_op_alloc(void);	/* zeroed; NULL when out of memory */
void wsa_op_free(struct wsa_op *op);
void wsa_op_cache_put(struct wsa_op *op);	/* wsa_op_free's last step */
void wsa_op_cache_drop(void);		/* at thread exit */
DWORD wsa_op_error(const struct wsa_op *op, int32_t res, uint32_t flags);

void wsa_thread_atfork_child(void);

#endif
