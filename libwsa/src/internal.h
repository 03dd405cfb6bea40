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

/*
 * Marks libwsa keeps in OVERLAPPED.OffsetHigh (the kernel never writes it):
 * a receive is OV_RECV_PENDING from issue until its outputs outside the
 * OVERLAPPED (*lpFromlen, WSAMSG lengths) are written, then OV_DELIVERED.
 */
#define OV_DELIVERED	1U
#define OV_RECV_PENDING	2U

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
	struct wsaovl_ring *ring;
	size_t ring_bytes;
	uint32_t mask;
	uint32_t features;
	pthread_mutex_t drain_lock;
	pthread_mutex_t open_lock;
};
extern struct wsa_dev wsa_dev;
extern atomic_int wsa_startups;

int wsa_dev_get(void);		/* fd, or -1 with errno */
void wsa_drain(void);
int wsa_check_init(void);	/* 0 or WSANOTINITIALISED */

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
	int apc_efd;		/* woken for APCs and routine-mode completions */
	int exit_efd;		/* signalled (for good) when the thread exits */
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
void wsa_thread_unref(struct wsa_thread *t);
/* Queue an APC; wake: also write the eventfd. false if the thread is dead. */
bool wsa_queue_apc(struct wsa_thread *t, struct wsa_apc *a, bool wake);

#define HMAGIC_EVENT	0x57534145U	/* "WSAE" */
#define HMAGIC_THREAD	0x57534154U	/* "WSAT" */
#define PSEUDO_THREAD	((HANDLE)(LONG_PTR)-2)
#define PSEUDO_PROCESS	((HANDLE)(LONG_PTR)-1)

struct wsa_handle {
	uint32_t magic;
	bool manual;
	int efd;		/* event's eventfd; thread: its exit_efd */
	struct wsa_thread *thr;	/* thread handles */
	uint32_t idx, gen;	/* its place in the handle table */
};

/* handle.c: HANDLE values are table entries, checked without dereference. */
HANDLE wsa_handle_register(struct wsa_handle *o);	/* NULL: no room */
void wsa_handle_unregister(struct wsa_handle *o);
struct wsa_handle *wsa_handle_lookup(HANDLE h);

struct wsa_handle *wsa_event_handle(HANDLE h);	/* NULL if not an event */
struct wsa_thread *wsa_thread_from_handle(HANDLE h);	/* new ref or NULL */
void wsa_event_reset_fd(int efd);
void wsa_event_set_fd(int efd);
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
	LPWSAMSG msg;		/* RECVMSG: namelen, Control.len, dwFlags */
	LPINT fromlen;		/* RECVFROM */
	LPDWORD flags_out;	/* RECV/RECVFROM: *lpFlags */
	void *ctl_copy;		/* SENDMSG: fixed-up control data */
};

void wsa_op_complete(struct wsa_op *op, int32_t res, uint32_t flags,
		     uint32_t namelen, uint32_t controllen);
void wsa_run_completion(struct wsa_op *op);
void wsa_op_free(struct wsa_op *op);
DWORD wsa_op_error(const struct wsa_op *op, int32_t res, uint32_t flags);

void wsa_thread_atfork_child(void);

#endif
