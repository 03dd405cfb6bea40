// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * WSAStartup/WSACleanup, the last-error slot, the /dev/wsaovl context and
 * draining its completion ring.
 */
#include "internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#define RING_ENTRIES 4096

__thread DWORD wsa_last_error;
atomic_int wsa_startups;
struct wsa_dev wsa_dev = {
	.fd = -1,
	.open_lock = PTHREAD_MUTEX_INITIALIZER,
};
static uint32_t dev_gens;	/* contexts opened by this process, ever */

/* What libwsa needs of the module (ABI 3). */
#define NEED_FEATURES (WSAOVL_FEAT_RING | WSAOVL_FEAT_STATUS | \
		       WSAOVL_FEAT_SKIP_INLINE | WSAOVL_FEAT_EVENTS | \
		       WSAOVL_FEAT_OUTPUTS | WSAOVL_FEAT_EVSTATE)

WSA_EXPORT DWORD WINAPI GetLastError(void)
{
	return wsa_last_error;
}

WSA_EXPORT void WINAPI SetLastError(DWORD dwErrCode)
{
	wsa_last_error = dwErrCode;
}

WSA_EXPORT int WSAAPI WSAGetLastError(void)
{
	return (int)wsa_last_error;
}

WSA_EXPORT void WSAAPI WSASetLastError(int iError)
{
	wsa_last_error = (DWORD)iError;
}

int wsa_check_init(void)
{
	return atomic_load_explicit(&wsa_startups, memory_order_relaxed) > 0
		? 0 : WSANOTINITIALISED;
}

/*
 * A context belongs to the process that opened it (the kernel says EPERM
 * to anyone else, and the ring is not mapped in a child): a forked child
 * starts with none and opens its own on first use.  The parent's ops stay
 * the parent's.
 */
static void dev_atfork_prepare(void)
{
	pthread_mutex_lock(&wsa_dev.open_lock);	/* no fork mid-open */
}

static void dev_atfork_parent(void)
{
	pthread_mutex_unlock(&wsa_dev.open_lock);
}

static void dev_atfork_child(void)
{
	wsa_thread_atfork_child();
	if (wsa_dev.fd >= 0)
		close(wsa_dev.fd);
	wsa_dev.fd = -1;
	wsa_dev.gen = 0;	/* the parent's events are not this context's */
	wsa_dev.ring = NULL;
	wsa_dev.ring_bytes = 0;
	wsa_dev.ev_state = NULL;
	wsa_dev.ev_slots = 0;
	wsa_dev.draining = 0;
	wsa_dev.tried = false;
	wsa_dev.open_errno = 0;
	pthread_mutex_init(&wsa_dev.open_lock, NULL);
}

static pthread_once_t dev_atfork_once = PTHREAD_ONCE_INIT;

static void dev_atfork_register(void)
{
	pthread_atfork(dev_atfork_prepare, dev_atfork_parent, dev_atfork_child);
}

static int dev_open_locked(void)
{
	struct wsaovl_query q;
	struct wsaovl_setup st;
	const char *path = getenv("LIBWSA_DEVICE");
	void *ring;
	int fd;

	wsa_dev.tried = true;
	pthread_once(&dev_atfork_once, dev_atfork_register);
	fd = open(path && *path ? path : "/dev/wsaovl", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		wsa_dev.open_errno = errno;
		return -1;
	}
	memset(&q, 0, sizeof(q));
	if (ioctl(fd, WSAOVL_IOC_QUERY, &q) < 0)
		goto fail;
	if (q.abi_version != WSAOVL_ABI_VERSION ||
	    (q.features & NEED_FEATURES) != NEED_FEATURES) {
		errno = EPROTO;
		goto fail;
	}
	memset(&st, 0, sizeof(st));
	st.entries = RING_ENTRIES;
	if (st.entries < q.ring_min)
		st.entries = q.ring_min;
	if (q.ring_max && st.entries > q.ring_max)
		st.entries = q.ring_max;
	if (ioctl(fd, WSAOVL_IOC_SETUP, &st) < 0)
		goto fail;
	if ((uint64_t)st.ev_offset + st.ev_slots > st.ring_bytes) {
		errno = EPROTO;
		goto fail;
	}
	ring = mmap(NULL, st.ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (ring == MAP_FAILED)
		goto fail;
	wsa_dev.ring = ring;
	wsa_dev.ring_bytes = st.ring_bytes;
	wsa_dev.mask = wsa_dev.ring->mask;
	wsa_dev.features = q.features;
	wsa_dev.ev_state = (const uint8_t *)ring + st.ev_offset;
	wsa_dev.ev_slots = st.ev_slots;
	if (!++dev_gens)
		dev_gens = 1;
	atomic_store_explicit((atomic_int *)&wsa_dev.fd, fd,
			      memory_order_release);
	__atomic_store_n(&wsa_dev.gen, dev_gens, __ATOMIC_RELEASE);
	return fd;
fail:
	wsa_dev.open_errno = errno;
	close(fd);
	return -1;
}

/* The device fd, opened on first need; -1 (errno set) when unavailable. */
int wsa_dev_get(void)
{
	int fd = atomic_load_explicit((atomic_int *)&wsa_dev.fd,
				      memory_order_acquire);

	if (likely(fd >= 0))
		return fd;
	pthread_mutex_lock(&wsa_dev.open_lock);
	fd = wsa_dev.fd;
	if (fd < 0 && !wsa_dev.tried)
		fd = dev_open_locked();
	if (fd < 0)
		errno = wsa_dev.open_errno ? wsa_dev.open_errno : ENODEV;
	pthread_mutex_unlock(&wsa_dev.open_lock);
	return fd;
}

static bool ring_empty(const struct wsaovl_ring *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) &&
	       !(__atomic_load_n(&r->flags, __ATOMIC_ACQUIRE) &
		 WSAOVL_RING_OVERFLOW);
}

bool wsa_ring_busy(void)
{
	const struct wsaovl_ring *r = wsa_dev.ring;

	return r && atomic_load_explicit((atomic_int *)&wsa_dev.fd,
					 memory_order_acquire) >= 0 &&
	       !ring_empty(r);
}

/*
 * Reap the completion ring: one thread at a time, without a lock to wait
 * on.  A thread that finds another reaping leaves the entries to it; the
 * reaper looks at the ring again after it stops (the fences order its
 * look after its release of 'draining' against the other thread's look
 * before its exchange), so no entry is left behind.  Reaping frees ops
 * and queues completion routines (waking their thread when it is not the
 * reaper); every output an op has is written by the kernel, so nobody
 * waits for the reaper.  No syscall, unless completions overflowed the
 * ring (WSAOVL_IOC_FLUSH).
 */
void wsa_drain(void)
{
	struct wsaovl_ring *r = wsa_dev.ring;
	uint32_t head, tail;
	bool stuck = false;

	if (!r || atomic_load_explicit((atomic_int *)&wsa_dev.fd,
				       memory_order_acquire) < 0)
		return;
	while (!stuck && !ring_empty(r)) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_exchange_n(&wsa_dev.draining, 1, __ATOMIC_ACQUIRE))
			return;		/* the reaper will look again */
		for (;;) {
			head = __atomic_load_n(&r->head, __ATOMIC_RELAXED);
			tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
			while (head != tail) {
				struct wsaovl_cqe c = r->cqes[head & wsa_dev.mask];
				struct wsa_op *op = (struct wsa_op *)(uintptr_t)c.tag;

				head++;
				if (op)
					wsa_op_complete(op, c.res, c.flags);
			}
			__atomic_store_n(&r->head, head, __ATOMIC_RELEASE);
			if (!(__atomic_load_n(&r->flags, __ATOMIC_ACQUIRE) &
			      WSAOVL_RING_OVERFLOW))
				break;
			/* a FLUSH that moves nothing: leave it to a later drain */
			if (ioctl(wsa_dev.fd, WSAOVL_IOC_FLUSH) < 0 ||
			    __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == head) {
				stuck = true;
				break;
			}
		}
		__atomic_store_n(&wsa_dev.draining, 0, __ATOMIC_RELEASE);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
}

WSA_EXPORT int WSAAPI WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData)
{
	BYTE major = LOBYTE(wVersionRequested), minor = HIBYTE(wVersionRequested);

	if (major < 1 || (major == 1 && minor < 1))
		return WSAVERNOTSUPPORTED;
	if (!lpWSAData)
		return WSAEFAULT;
	memset(lpWSAData, 0, sizeof(*lpWSAData));
	if (major > 2 || (major == 2 && minor > 2))
		lpWSAData->wVersion = MAKEWORD(2, 2);
	else
		lpWSAData->wVersion = wVersionRequested;
	lpWSAData->wHighVersion = MAKEWORD(2, 2);
	lpWSAData->iMaxSockets = 0;
	lpWSAData->iMaxUdpDg = 0;
	if (wsa_dev_get() < 0) {
		snprintf(lpWSAData->szDescription, sizeof(lpWSAData->szDescription),
			 "libwsa (no overlapped I/O: /dev/wsaovl: %s)",
			 strerror(wsa_dev.open_errno));
	} else {
		snprintf(lpWSAData->szDescription, sizeof(lpWSAData->szDescription),
			 "libwsa (overlapped I/O by /dev/wsaovl)");
	}
	snprintf(lpWSAData->szSystemStatus, sizeof(lpWSAData->szSystemStatus),
		 "Running");
	atomic_fetch_add(&wsa_startups, 1);
	return 0;
}

WSA_EXPORT int WSAAPI WSACleanup(void)
{
	int n = atomic_load(&wsa_startups);

	do {
		if (n <= 0)
			return wsa_fail(WSANOTINITIALISED);
	} while (!atomic_compare_exchange_weak(&wsa_startups, &n, n - 1));
	if (n == 1 && wsa_dev.fd >= 0) {
		/* The last cleanup cancels every pending overlapped op. */
		struct wsaovl_cancel c = { .what = WSAOVL_CANCEL_ALL };

		ioctl(wsa_dev.fd, WSAOVL_IOC_CANCEL, &c);
		wsa_drain();
	}
	return 0;
}
