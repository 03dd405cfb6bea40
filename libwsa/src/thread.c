// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 threads, handles, events, waits and APCs.
 *
 * Every thread that uses libwsa gets a struct wsa_thread: its tid, an
 * auto-reset "alert" event (set by QueueUserAPC and by the kernel for
 * routine-mode completions) and a manual-reset exit event.  With
 * /dev/wsaovl these and every CreateEvent/WSACreateEvent event are wsaovl
 * event objects: SetEvent/ResetEvent are ioctls on their fds (none at all
 * when the mapped state byte shows there is nothing to do), and a wait is
 * one WSAOVL_IOC_WAIT (none when the state bytes already answer it).
 * Without the device they are eventfds and waits are a poll() loop, which
 * also serves any wait on an event of another context (inherited over
 * fork).
 */
#include "internal.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>

static pthread_key_t self_key;
static pthread_once_t self_once = PTHREAD_ONCE_INIT;
static __thread struct wsa_thread *self_thr;
static __thread pid_t self_tid;

static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct wsa_thread *all_threads;

static void thread_exit_dtor(void *arg);

static void key_init(void)
{
	pthread_key_create(&self_key, thread_exit_dtor);
}

static pid_t cur_tid(void)
{
	if (unlikely(!self_tid))
		self_tid = (pid_t)syscall(SYS_gettid);
	return self_tid;
}

/* In a forked child: the one thread there has a new id. */
void wsa_thread_atfork_child(void)
{
	self_tid = 0;
	if (self_thr)
		self_thr->tid = cur_tid();
}

static struct wsa_thread *thread_alloc(void)
{
	struct wsa_thread *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (wsa_evobj_init(&t->alert, false, false)) {
		free(t);
		return NULL;
	}
	if (wsa_evobj_init(&t->exit, true, false)) {
		close(t->alert.fd);
		free(t);
		return NULL;
	}
	atomic_init(&t->refs, 1);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->exit_code = STILL_ACTIVE;
	return t;
}

static void thread_register(struct wsa_thread *t)
{
	pthread_once(&self_once, key_init);
	t->tid = cur_tid();
	self_thr = t;
	pthread_setspecific(self_key, t);
	pthread_mutex_lock(&all_lock);
	t->next_all = all_threads;
	all_threads = t;
	pthread_mutex_unlock(&all_lock);
}

static void thread_unregister(struct wsa_thread *t)
{
	struct wsa_thread **pp;

	pthread_mutex_lock(&all_lock);
	for (pp = &all_threads; *pp; pp = &(*pp)->next_all) {
		if (*pp == t) {
			*pp = t->next_all;
			break;
		}
	}
	pthread_mutex_unlock(&all_lock);
}

struct wsa_thread *wsa_self_peek(void)
{
	return self_thr;
}

struct wsa_thread *wsa_self(void)
{
	struct wsa_thread *t = self_thr;

	if (likely(t))
		return t;
	t = thread_alloc();
	if (!t)
		return NULL;
	thread_register(t);
	return t;
}

void wsa_thread_unref(struct wsa_thread *t)
{
	if (atomic_fetch_sub(&t->refs, 1) != 1)
		return;
	close(t->alert.fd);
	close(t->exit.fd);
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
	free(t);
}

static void apc_free(struct wsa_apc *a)
{
	if (a->kind == APC_COMPLETION)
		wsa_op_free((struct wsa_op *)a);
	else
		free(a);
}

bool wsa_queue_apc(struct wsa_thread *t, struct wsa_apc *a, bool wake)
{
	pthread_mutex_lock(&t->lock);
	if (t->dead) {
		pthread_mutex_unlock(&t->lock);
		return false;
	}
	a->next = NULL;
	if (t->apc_tail)
		t->apc_tail->next = a;
	else
		t->apc_head = a;
	t->apc_tail = a;
	/* under the lock: only then may the thread swap its alert event */
	if (wake)
		wsa_evobj_set(&t->alert);
	pthread_mutex_unlock(&t->lock);
	return true;
}

/*
 * Whether t's alert event is one of the open context's, so that SUBMIT
 * (WSAOVL_SQE_EVENT) and WAIT take it.  In a forked child the thread's
 * alert is its parent's: the thread itself then makes a new one.  Others
 * use t->alert only under t->lock; the thread reads its own freely.
 */
bool wsa_thread_alert_ready(struct wsa_thread *t)
{
	struct wsa_evobj fresh, old;

	if (wsa_evobj_ours(&t->alert))
		return true;
	if (t != self_thr || !wsa_dev_gen())
		return false;
	if (wsa_evobj_init(&fresh, false, false))
		return false;
	if (!wsa_evobj_ours(&fresh)) {
		close(fresh.fd);
		return false;
	}
	pthread_mutex_lock(&t->lock);
	old = t->alert;
	t->alert = fresh;
	if (t->apc_head)
		wsa_evobj_set(&t->alert);
	pthread_mutex_unlock(&t->lock);
	close(old.fd);
	return true;
}

/*
 * A routine-mode submission by another thread reset t's alert event at
 * issue (WSAOVL_SQE_EVENT): if that ate the wakeup of an APC queued, or
 * of a completion not yet reaped, give it back.
 */
void wsa_thread_rewake(struct wsa_thread *t)
{
	bool queued;

	pthread_mutex_lock(&t->lock);
	queued = t->apc_head != NULL;
	if (queued || wsa_ring_busy())
		wsa_evobj_set(&t->alert);
	pthread_mutex_unlock(&t->lock);
}

/*
 * Thread exit (pthread key destructor, also reached from CreateThread's
 * trampoline and ExitThread): cancel the ops the thread issued, drop its
 * queued APCs (their routines never run), signal the thread handle.
 */
static void thread_exit_dtor(void *arg)
{
	struct wsa_thread *t = arg;
	struct wsa_apc *a, *next;

	if (!t)
		return;
	pthread_mutex_lock(&t->lock);
	t->dead = true;
	if (t->exit_code == STILL_ACTIVE)
		t->exit_code = 0;
	pthread_mutex_unlock(&t->lock);
	if (wsa_dev.fd >= 0) {
		struct wsaovl_cancel c = {
			.what = WSAOVL_CANCEL_TID,
			.tid = (uint32_t)t->tid,
		};

		ioctl(wsa_dev.fd, WSAOVL_IOC_CANCEL, &c);
		wsa_drain();
	}
	pthread_mutex_lock(&t->lock);
	a = t->apc_head;
	t->apc_head = t->apc_tail = NULL;
	pthread_mutex_unlock(&t->lock);
	for (; a; a = next) {
		next = a->next;
		apc_free(a);
	}
	thread_unregister(t);
	self_thr = NULL;
	wsa_op_cache_drop();
	wsa_evobj_set(&t->exit);
	wsa_thread_unref(t);
}

/* Run queued APCs (FIFO), never nesting two routines of one socket. */
static int run_apcs(struct wsa_thread *t)
{
	int ran = 0;

	for (;;) {
		struct wsa_apc *a, *prev = NULL;
		int i;

		pthread_mutex_lock(&t->lock);
		for (a = t->apc_head; a; prev = a, a = a->next) {
			if (a->kind != APC_COMPLETION)
				break;
			for (i = 0; i < t->nactive; i++)
				if (t->active[i] == a->sock)
					break;
			if (i == t->nactive)
				break;
		}
		if (a) {
			if (prev)
				prev->next = a->next;
			else
				t->apc_head = a->next;
			if (t->apc_tail == a)
				t->apc_tail = prev;
		}
		pthread_mutex_unlock(&t->lock);
		if (!a)
			return ran;
		ran++;
		if (a->kind == APC_USER) {
			a->user.fn(a->user.data);
			free(a);
			continue;
		}
		if (t->nactive < (int)(sizeof(t->active) / sizeof(t->active[0]))) {
			t->active[t->nactive++] = a->sock;
			wsa_run_completion((struct wsa_op *)a);
			t->nactive--;
		} else {
			wsa_run_completion((struct wsa_op *)a);
		}
		wsa_op_free((struct wsa_op *)a);
	}
}

static bool apcs_queued(struct wsa_thread *t)
{
	struct wsa_apc *a;
	bool any = false;
	int i;

	pthread_mutex_lock(&t->lock);
	for (a = t->apc_head; a && !any; a = a->next) {
		if (a->kind != APC_COMPLETION) {
			any = true;
			break;
		}
		for (i = 0; i < t->nactive; i++)
			if (t->active[i] == a->sock)
				break;
		if (i == t->nactive)
			any = true;
	}
	pthread_mutex_unlock(&t->lock);
	return any;
}

/* ---- Event objects ---- */

/* Per-thread cache of op records: no malloc per overlapped op. */
#define OP_CACHE_MAX	64
static __thread struct wsa_op *op_cache;
static __thread unsigned int op_cache_n;

struct wsa_op *wsa_op_alloc(void)
{
	struct wsa_op *op = op_cache;

	if (!op) {
		op = calloc(1, sizeof(*op));
		if (!op)
			return NULL;
	} else {
		op_cache = op->next_free;
		op_cache_n--;
		memset(op, 0, sizeof(*op));
	}
	op->late_ev = -1;
	return op;
}

/* The record of a finished op (wsa_op_free has released what it held). */
void wsa_op_cache_put(struct wsa_op *op)
{
	/* only threads whose exit (thread_exit_dtor) empties the cache */
	if (self_thr && op_cache_n < OP_CACHE_MAX) {
		op->next_free = op_cache;
		op_cache = op;
		op_cache_n++;
		return;
	}
	free(op);
}

void wsa_op_cache_drop(void)
{
	struct wsa_op *op;

	while ((op = op_cache)) {
		op_cache = op->next_free;
		free(op);
	}
	op_cache_n = 0;
}

/*
 * A new event: a wsaovl event when the device is usable, else (no device,
 * or the module refuses) an eventfd.  0 or an errno.
 */
int wsa_evobj_init(struct wsa_evobj *e, bool manual, bool initial)
{
	int dfd = wsa_dev_get();

	memset(e, 0, sizeof(*e));
	e->manual = manual;
	e->slot = WSAOVL_NO_SLOT;
	if (dfd >= 0) {
		struct wsaovl_event_args a = {
			.manual = manual ? 1 : 0,
			.signaled = initial ? 1 : 0,
		};
		uint32_t gen = wsa_dev_gen();
		int fd = ioctl(dfd, WSAOVL_IOC_CREATE_EVENT, &a);

		if (fd >= 0) {
			e->fd = fd;
			e->kev = true;
			e->gen = gen;
			if (a.slot < wsa_dev.ev_slots)
				e->slot = a.slot;
			return 0;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
			return errno;
	}
	e->fd = eventfd(initial ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
	return e->fd < 0 ? errno : 0;
}

/* Another fd for the same event (DuplicateHandle). */
int wsa_evobj_dup(struct wsa_evobj *d, const struct wsa_evobj *e)
{
	*d = *e;
	d->fd = fcntl(e->fd, F_DUPFD_CLOEXEC, 0);
	return d->fd < 0 ? errno : 0;
}

static void efd_write(int efd)
{
	uint64_t one = 1;
	ssize_t r;

	do
		r = write(efd, &one, sizeof(one));
	while (r < 0 && errno == EINTR);
}

/* eventfd: true if this call took a signal (the counter was not 0). */
static bool efd_read(int efd)
{
	uint64_t v;
	ssize_t r;

	do
		r = read(efd, &v, sizeof(v));
	while (r < 0 && errno == EINTR);
	return r == sizeof(v);
}

/* SetEvent.  A state byte that reads 1: nothing to do (linearised there). */
void wsa_evobj_set(const struct wsa_evobj *e)
{
	if (e->kev) {
		uint32_t prev;

		if (wsa_evobj_state(e) == 1)
			return;
		ioctl(e->fd, WSAOVL_IOC_EVENT_SET, &prev);
		return;
	}
	/* An eventfd counter above 1 is still "signalled"; keep it at 1. */
	{
		struct pollfd p = { .fd = e->fd, .events = POLLIN };

		if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
			return;
	}
	efd_write(e->fd);
}

/* ResetEvent.  A state byte that reads 0: nothing to do. */
void wsa_evobj_reset(const struct wsa_evobj *e)
{
	if (e->kev) {
		uint32_t prev;

		if (wsa_evobj_state(e) == 0)
			return;
		ioctl(e->fd, WSAOVL_IOC_EVENT_RESET, &prev);
		return;
	}
	efd_read(e->fd);
}

/* Acquire an auto-reset event for the poll loop: true if this call did. */
static bool evobj_take(const struct wsa_evobj *e)
{
	if (e->kev) {
		uint32_t prev = 0;

		if (wsa_evobj_state(e) == 0)
			return false;
		if (ioctl(e->fd, WSAOVL_IOC_EVENT_RESET, &prev) < 0)
			return false;
		return prev != 0;
	}
	return efd_read(e->fd);
}

/* ---- Handles ---- */

static struct wsa_handle *handle_check(HANDLE h)
{
	struct wsa_handle *o = wsa_handle_lookup(h);

	if (!o || (o->magic != HMAGIC_EVENT && o->magic != HMAGIC_THREAD))
		return NULL;
	return o;
}

/* What a wait on o waits for: the event, or the thread's exit. */
static const struct wsa_evobj *handle_obj(const struct wsa_handle *o)
{
	return o->thr ? &o->thr->exit : &o->ev;
}

/* Give o a handle value; on failure free it and say why. */
static HANDLE handle_publish(struct wsa_handle *o)
{
	HANDLE h = wsa_handle_register(o);

	if (!h) {
		if (o->thr)
			wsa_thread_unref(o->thr);
		else
			close(o->ev.fd);
		free(o);
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
	}
	return h;
}

struct wsa_handle *wsa_event_handle(HANDLE h)
{
	struct wsa_handle *o = handle_check(h);

	return o && o->magic == HMAGIC_EVENT ? o : NULL;
}

struct wsa_thread *wsa_thread_from_handle(HANDLE h)
{
	struct wsa_handle *o;
	struct wsa_thread *t;

	if (h == PSEUDO_THREAD) {
		t = wsa_self();
		if (t)
			atomic_fetch_add(&t->refs, 1);
		return t;
	}
	o = handle_check(h);
	if (!o || o->magic != HMAGIC_THREAD)
		return NULL;
	atomic_fetch_add(&o->thr->refs, 1);
	return o->thr;
}

static HANDLE event_create(BOOL manual, BOOL initial)
{
	struct wsa_handle *o = calloc(1, sizeof(*o));

	if (!o) {
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	if (wsa_evobj_init(&o->ev, manual != FALSE, initial != FALSE)) {
		free(o);
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	o->magic = HMAGIC_EVENT;
	return handle_publish(o);
}

static HANDLE thread_handle_new(struct wsa_thread *t)
{
	struct wsa_handle *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	atomic_fetch_add(&t->refs, 1);
	o->thr = t;
	o->magic = HMAGIC_THREAD;
	return handle_publish(o);
}

WSA_EXPORT WSAEVENT WSAAPI WSACreateEvent(void)
{
	return event_create(TRUE, FALSE);
}

WSA_EXPORT HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES sa, BOOL bManualReset,
			   BOOL bInitialState, LPCSTR lpName)
{
	(void)sa;
	if (lpName) {	/* named events are not supported */
		wsa_last_error = ERROR_NOT_SUPPORTED;
		return NULL;
	}
	return event_create(bManualReset, bInitialState);
}

WSA_EXPORT HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES sa, BOOL bManualReset,
			   BOOL bInitialState, LPCWSTR lpName)
{
	(void)sa;
	if (lpName) {
		wsa_last_error = ERROR_NOT_SUPPORTED;
		return NULL;
	}
	return event_create(bManualReset, bInitialState);
}

WSA_EXPORT BOOL WINAPI SetEvent(HANDLE hEvent)
{
	struct wsa_handle *o = wsa_event_handle(hEvent);

	if (!o) {
		wsa_last_error = ERROR_INVALID_HANDLE;
		return FALSE;
	}
	wsa_evobj_set(&o->ev);
	return TRUE;
}

WSA_EXPORT BOOL WINAPI ResetEvent(HANDLE hEvent)
{
	struct wsa_handle *o = wsa_event_handle(hEvent);

	if (!o) {
		wsa_last_error = ERROR_INVALID_HANDLE;
		return FALSE;
	}
	wsa_evobj_reset(&o->ev);
	return TRUE;
}

WSA_EXPORT BOOL WSAAPI WSASetEvent(WSAEVENT hEvent)
{
	return SetEvent(hEvent);
}

WSA_EXPORT BOOL WSAAPI WSAResetEvent(WSAEVENT hEvent)
{
	return ResetEvent(hEvent);
}

WSA_EXPORT BOOL WINAPI CloseHandle(HANDLE hObject)
{
	struct wsa_handle *o = handle_check(hObject);

	if (!o) {
		/* the pseudo handles may be closed: it does nothing */
		if (hObject == PSEUDO_THREAD || hObject == PSEUDO_PROCESS)
			return TRUE;
		wsa_last_error = ERROR_INVALID_HANDLE;
		return FALSE;
	}
	wsa_handle_unregister(o);
	o->magic = 0;
	if (o->thr)
		wsa_thread_unref(o->thr);
	else
		close(o->ev.fd);
	free(o);
	return TRUE;
}

WSA_EXPORT BOOL WSAAPI WSACloseEvent(WSAEVENT hEvent)
{
	if (!wsa_event_handle(hEvent)) {
		wsa_last_error = WSA_INVALID_HANDLE;
		return FALSE;
	}
	return CloseHandle(hEvent);
}

WSA_EXPORT BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle,
				       HANDLE hSourceHandle,
				       HANDLE hTargetProcessHandle,
				       LPHANDLE lpTargetHandle,
				       DWORD dwDesiredAccess,
				       BOOL bInheritHandle, DWORD dwOptions)
{
	struct wsa_thread *t;
	struct wsa_handle *o;
	HANDLE h = NULL;

	(void)dwDesiredAccess;
	(void)bInheritHandle;
	if (hSourceProcessHandle != PSEUDO_PROCESS ||
	    hTargetProcessHandle != PSEUDO_PROCESS || !lpTargetHandle) {
		wsa_last_error = ERROR_INVALID_PARAMETER;
		return FALSE;
	}
	t = wsa_thread_from_handle(hSourceHandle);
	if (t) {
		h = thread_handle_new(t);
		wsa_thread_unref(t);
	} else if ((o = wsa_event_handle(hSourceHandle))) {
		/* events: the duplicate shares the event through dup() */
		struct wsa_handle *d = calloc(1, sizeof(*d));

		if (d) {
			if (wsa_evobj_dup(&d->ev, &o->ev)) {
				free(d);
				d = NULL;
			} else {
				d->magic = HMAGIC_EVENT;
			}
		}
		h = d ? handle_publish(d) : NULL;
	} else {
		wsa_last_error = ERROR_INVALID_HANDLE;
		return FALSE;
	}
	if (!h) {
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
		return FALSE;
	}
	if (dwOptions & DUPLICATE_CLOSE_SOURCE)
		CloseHandle(hSourceHandle);
	*lpTargetHandle = h;
	return TRUE;
}

/* ---- Threads ---- */

static void *thread_trampoline(void *arg)
{
	struct wsa_thread *t = arg;
	DWORD code;

	thread_register(t);
	pthread_mutex_lock(&t->lock);
	t->started = true;
	pthread_cond_broadcast(&t->cond);
	while (t->suspended)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	code = t->start(t->param);
	pthread_mutex_lock(&t->lock);
	t->exit_code = code;
	pthread_mutex_unlock(&t->lock);
	return NULL;	/* the key destructor finishes the exit */
}

/*
 * The stack: as on Windows, dwStackSize is the initial commit and the
 * reservation stays at least the default (1 MiB on Windows; here the
 * pthread default, at least 1 MiB), or dwStackSize rounded up to a MiB when
 * larger; with STACK_SIZE_PARAM_IS_A_RESERVATION it is the reservation
 * itself (0: the default).  Linux commits on touch, so the reservation is
 * the pthread stack size; never below PTHREAD_STACK_MIN.
 */
#define STACK_DEFAULT_MIN	((size_t)1 << 20)

static size_t stack_size(const pthread_attr_t *attr, SIZE_T req, DWORD flags)
{
	size_t dflt = 0, page = (size_t)sysconf(_SC_PAGESIZE), sz;

	if (pthread_attr_getstacksize(attr, &dflt) || dflt < STACK_DEFAULT_MIN)
		dflt = STACK_DEFAULT_MIN;
	if (!req)
		return dflt;
	if (req > SIZE_MAX / 4)
		return req;	/* no rounding overflow: let pthread_create fail */
	if (flags & STACK_SIZE_PARAM_IS_A_RESERVATION) {
		sz = (req + page - 1) & ~(page - 1);
	} else {
		sz = (req + STACK_DEFAULT_MIN - 1) & ~(STACK_DEFAULT_MIN - 1);
		if (sz < dflt)
			sz = dflt;
	}
	if (sz < (size_t)PTHREAD_STACK_MIN)
		sz = PTHREAD_STACK_MIN;
	return sz;
}

WSA_EXPORT HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes,
			   SIZE_T dwStackSize,
			   LPTHREAD_START_ROUTINE lpStartAddress,
			   LPVOID lpParameter, DWORD dwCreationFlags,
			   LPDWORD lpThreadId)
{
	struct wsa_thread *t;
	pthread_attr_t attr;
	pthread_t pt;
	HANDLE h;
	int err;

	(void)lpThreadAttributes;
	if (!lpStartAddress) {
		wsa_last_error = ERROR_INVALID_PARAMETER;
		return NULL;
	}
	pthread_once(&self_once, key_init);
	t = thread_alloc();
	if (!t) {
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	t->start = lpStartAddress;
	t->param = lpParameter;
	t->suspended = (dwCreationFlags & CREATE_SUSPENDED) != 0;
	h = thread_handle_new(t);
	if (!h) {
		wsa_thread_unref(t);
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, stack_size(&attr, dwStackSize,
						    dwCreationFlags));
	err = pthread_create(&pt, &attr, thread_trampoline, t);
	pthread_attr_destroy(&attr);
	if (err) {
		CloseHandle(h);
		wsa_thread_unref(t);
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	/* Wait for the tid, so that lpThreadId is right on return. */
	pthread_mutex_lock(&t->lock);
	while (!t->started)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	if (lpThreadId)
		*lpThreadId = (DWORD)t->tid;
	return h;
}

WSA_EXPORT void WINAPI ExitThread(DWORD dwExitCode)
{
	struct wsa_thread *t = wsa_self();

	if (t) {
		pthread_mutex_lock(&t->lock);
		t->exit_code = dwExitCode;
		pthread_mutex_unlock(&t->lock);
	}
	pthread_exit(NULL);
}

WSA_EXPORT DWORD WINAPI ResumeThread(HANDLE hThread)
{
	struct wsa_thread *t = wsa_thread_from_handle(hThread);
	DWORD prev;

	if (!t) {
		wsa_last_error = ERROR_INVALID_HANDLE;
		return (DWORD)-1;
	}
	pthread_mutex_lock(&t->lock);
	prev = t->suspended ? 1 : 0;
	t->suspended = false;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	wsa_thread_unref(t);
	return prev;
}

WSA_EXPORT BOOL WINAPI GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode)
{
	struct wsa_thread *t = wsa_thread_from_handle(hThread);

	if (!t || !lpExitCode) {
		if (t)
			wsa_thread_unref(t);
		wsa_last_error = t ? ERROR_INVALID_PARAMETER : ERROR_INVALID_HANDLE;
		return FALSE;
	}
	pthread_mutex_lock(&t->lock);
	*lpExitCode = t->dead ? t->exit_code : STILL_ACTIVE;
	pthread_mutex_unlock(&t->lock);
	wsa_thread_unref(t);
	return TRUE;
}

WSA_EXPORT HANDLE WINAPI GetCurrentThread(void)
{
	return PSEUDO_THREAD;
}

WSA_EXPORT HANDLE WINAPI GetCurrentProcess(void)
{
	return PSEUDO_PROCESS;
}

WSA_EXPORT DWORD WINAPI GetCurrentThreadId(void)
{
	wsa_self();	/* known from now on: OpenThread can find it */
	return (DWORD)cur_tid();
}

WSA_EXPORT DWORD WINAPI GetCurrentProcessId(void)
{
	return (DWORD)getpid();
}

WSA_EXPORT DWORD WINAPI GetThreadId(HANDLE Thread)
{
	struct wsa_thread *t = wsa_thread_from_handle(Thread);
	DWORD tid;

	if (!t) {
		wsa_last_error = ERROR_INVALID_HANDLE;
		return 0;
	}
	tid = (DWORD)t->tid;
	wsa_thread_unref(t);
	return tid;
}

/* Threads known to libwsa (any thread that called into it) can be opened. */
WSA_EXPORT HANDLE WINAPI OpenThread(DWORD dwDesiredAccess, BOOL bInheritHandle,
				    DWORD dwThreadId)
{
	struct wsa_thread *t;
	HANDLE h = NULL;

	(void)dwDesiredAccess;
	(void)bInheritHandle;
	if (dwThreadId == (DWORD)cur_tid())
		wsa_self();
	pthread_mutex_lock(&all_lock);
	for (t = all_threads; t; t = t->next_all)
		if ((DWORD)t->tid == dwThreadId)
			break;
	if (t)
		h = thread_handle_new(t);
	pthread_mutex_unlock(&all_lock);
	if (!h)
		wsa_last_error = t ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INVALID_PARAMETER;
	return h;
}

WSA_EXPORT DWORD WINAPI QueueUserAPC(PAPCFUNC pfnAPC, HANDLE hThread,
				     ULONG_PTR dwData)
{
	struct wsa_thread *t;
	struct wsa_apc *a;
	bool ok;

	if (!pfnAPC) {
		wsa_last_error = ERROR_INVALID_PARAMETER;
		return 0;
	}
	t = wsa_thread_from_handle(hThread);
	if (!t) {
		wsa_last_error = ERROR_INVALID_HANDLE;
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		wsa_thread_unref(t);
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
		return 0;
	}
	a->kind = APC_USER;
	a->sock = INVALID_SOCKET;
	a->user.fn = pfnAPC;
	a->user.data = dwData;
	ok = wsa_queue_apc(t, a, true);
	wsa_thread_unref(t);
	if (!ok) {
		free(a);
		wsa_last_error = ERROR_INVALID_HANDLE;
		return 0;
	}
	return 1;
}

/* ---- Waits ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static DWORD wait_fail(DWORD err)
{
	wsa_last_error = err;
	return WAIT_FAILED;
}

/*
 * The poll() loop: without the device, or when an object is not an event
 * of the open context (an eventfd, or an event inherited over fork).
 * Objects first, then (alertable) APCs, as Windows: a signalled object
 * satisfies the wait without running APCs.  Each round drains the
 * completion ring, checks everything without blocking, then blocks in
 * poll() on what could change the answer (the device too: a completion
 * that a reaper must turn into an event set or an APC).
 */
static DWORD wait_poll(DWORD n, const struct wsa_evobj *const *obj, BOOL all,
		       DWORD ms, struct wsa_thread *self)
{
	struct pollfd pfd[MAXIMUM_WAIT_OBJECTS + 2];
	struct pollfd sub[MAXIMUM_WAIT_OBJECTS + 2];
	bool got[MAXIMUM_WAIT_OBJECTS];
	int64_t deadline = 0;
	int nfds, dev = -1, al = -1;
	DWORD i;

	for (i = 0; i < n; i++) {
		pfd[i].fd = obj[i]->fd;
		pfd[i].events = POLLIN;
	}
	nfds = (int)n;
	if (self) {
		al = nfds++;
		pfd[al].fd = self->alert.fd;
		pfd[al].events = POLLIN;
	}
	if (wsa_dev_gen()) {
		dev = nfds++;
		pfd[dev].fd = wsa_dev.fd;
		pfd[dev].events = POLLIN;
	}
	if (ms != INFINITE)
		deadline = now_ms() + ms;

	for (;;) {
		int timeout, k, r;
		DWORD ready = 0;

		wsa_drain();
		r = poll(pfd, (nfds_t)nfds, 0);
		if (r < 0 && errno != EINTR)
			return wait_fail(ERROR_INVALID_HANDLE);
		for (i = 0; i < n; i++) {
			got[i] = r > 0 && (pfd[i].revents & POLLIN);
			if (r > 0 && (pfd[i].revents & POLLNVAL))
				return wait_fail(ERROR_INVALID_HANDLE);
			ready += got[i];
		}
		if (!all) {
			for (i = 0; i < n; i++) {
				if (!got[i])
					continue;
				if (!obj[i]->manual && !evobj_take(obj[i]))
					continue;	/* another waiter took it */
				return WAIT_OBJECT_0 + i;
			}
		} else if (n && ready == n) {
			DWORD j;

			for (i = 0; i < n; i++)
				if (!obj[i]->manual && !evobj_take(obj[i]))
					break;
			if (i == n)
				return WAIT_OBJECT_0;
			for (j = 0; j < i; j++)	/* lost a race: give back */
				if (!obj[j]->manual)
					wsa_evobj_set(obj[j]);
		}
		if (self) {
			if (r > 0 && (pfd[al].revents & POLLIN)) {
				wsa_evobj_reset(&self->alert);
				wsa_drain();
			}
			if (apcs_queued(self) && run_apcs(self) > 0)
				return WAIT_IO_COMPLETION;
		}
		if (ms == INFINITE) {
			timeout = -1;
		} else {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return WAIT_TIMEOUT;
			timeout = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		/* Block on what is not signalled yet (wait-all) or on all. */
		k = 0;
		for (i = 0; i < n; i++)
			if (!all || !got[i])
				sub[k++] = pfd[i];
		if (self)
			sub[k++] = pfd[al];
		if (dev >= 0)
			sub[k++] = pfd[dev];
		if (poll(sub, (nfds_t)k, timeout) < 0 && errno != EINTR)
			return wait_fail(ERROR_INVALID_HANDLE);
	}
}

/* One WSAOVL_IOC_WAIT: the index, or -errno. */
static int kwait(const int32_t *fds, DWORD n, BOOL all, uint64_t timeout,
		 const struct wsa_thread *alert)
{
	struct wsaovl_wait w;

	memset(&w, 0, sizeof(w));
	w.timeout = timeout;
	w.objs = (uintptr_t)fds;
	w.count = n;
	if (all)
		w.flags |= WSAOVL_WAIT_ALL;
	if (alert) {
		w.flags |= WSAOVL_WAIT_ALERT;
		w.alert = alert->alert.fd;
	}
	if (ioctl(wsa_dev.fd, WSAOVL_IOC_WAIT, &w) < 0)
		return -errno;
	return (int)w.index;
}

static DWORD kwait_fail(int err, BOOL all)
{
	/* EINVAL: a duplicate object in a wait-all (else a bad handle) */
	return wait_fail(err == -EINVAL && all ? ERROR_INVALID_PARAMETER
			 : err == -ENOMEM ? ERROR_NOT_ENOUGH_MEMORY
			 : ERROR_INVALID_HANDLE);
}

/* One event twice (a slot is its event's while it lives): the kernel's EINVAL. */
static bool dup_slots(const struct wsa_evobj *const *obj, DWORD n)
{
	DWORD i, j;

	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (obj[i]->slot == obj[j]->slot)
				return true;
	return false;
}

/*
 * Every object is an event of the open context: its state bytes, else one
 * WSAOVL_IOC_WAIT (alertable: with the thread's alert event, which loses
 * every tie, so a signalled object still wins over APCs).
 */
static DWORD wait_kernel(DWORD n, const struct wsa_evobj *const *obj,
			 BOOL all, DWORD ms, struct wsa_thread *self)
{
	int32_t fds[MAXIMUM_WAIT_OBJECTS];
	uint64_t timeout;
	DWORD i;
	int r;

	/*
	 * No syscall when the state bytes answer: a wait-any whose first
	 * signalled object is manual-reset with every lower one known to be
	 * clear; a wait-all of manual-reset events that all read 1 (twice,
	 * to narrow the window a reset between two reads could slip into).
	 * Anything else (auto-reset events must be acquired) asks the kernel.
	 */
	if (n && !all) {
		for (i = 0; i < n; i++) {
			int st = wsa_evobj_state(obj[i]);

			if (st == 1 && obj[i]->manual)
				return WAIT_OBJECT_0 + i;
			if (st != 0)
				break;
		}
	} else if (n) {
		int pass;

		for (pass = 0, i = n; pass < 2 && i == n; pass++)
			for (i = 0; i < n; i++)
				if (!obj[i]->manual || wsa_evobj_state(obj[i]) != 1)
					break;
		if (i == n && !dup_slots(obj, n))
			return WAIT_OBJECT_0;
	}
	for (i = 0; i < n; i++)
		fds[i] = obj[i]->fd;
	if (self) {
		wsa_drain();
		if (apcs_queued(self)) {
			/* the objects first: a poll of them, not the alert */
			if (n) {
				r = kwait(fds, n, all, 0, NULL);
				if (r >= 0)
					return WAIT_OBJECT_0 + (all ? 0 : (DWORD)r);
				if (r != -ETIMEDOUT && r != -EINTR)
					return kwait_fail(r, all);
			}
			if (run_apcs(self) > 0)
				return WAIT_IO_COMPLETION;
		}
	}
	if (!n && !self) {
		/* Sleep(): nothing can end it but the time */
		struct timespec ts;

		if (ms == 0) {
			sched_yield();
			return WAIT_TIMEOUT;
		}
		if (ms == INFINITE) {
			for (;;)
				pause();
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += ms / 1000;
		ts.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		return WAIT_TIMEOUT;
	}
	timeout = ms == INFINITE ? WSAOVL_WAIT_INFINITE
		: ms == 0 ? 0 : now_ns() + (uint64_t)ms * 1000000ULL;
	for (;;) {
		r = kwait(fds, n, all, timeout, self);
		if (r == -EINTR)
			continue;	/* the deadline is absolute */
		if (r == -ETIMEDOUT)
			return WAIT_TIMEOUT;
		if (r < 0)
			return kwait_fail(r, all);
		if (self && (DWORD)r == n) {
			/* alerted: reap, run what may run */
			wsa_drain();
			if (run_apcs(self) > 0)
				return WAIT_IO_COMPLETION;
			continue;	/* a routine that must not nest, or stale */
		}
		return WAIT_OBJECT_0 + (all ? 0 : (DWORD)r);
	}
}

/* The core of every wait. */
DWORD wsa_wait(DWORD n, const HANDLE *hs, BOOL all, DWORD ms, BOOL alertable)
{
	const struct wsa_evobj *obj[MAXIMUM_WAIT_OBJECTS];
	struct wsa_thread *self;
	bool kernel;
	DWORD i;

	if (n > MAXIMUM_WAIT_OBJECTS || (n && !hs))
		return wait_fail(ERROR_INVALID_PARAMETER);
	self = wsa_self();	/* registers the thread (OpenThread) */
	for (i = 0; i < n; i++) {
		struct wsa_handle *o;

		if (hs[i] == PSEUDO_THREAD) {
			/* waiting for oneself: never signalled */
			if (!self)
				return wait_fail(ERROR_INVALID_HANDLE);
			obj[i] = &self->exit;
			continue;
		}
		o = handle_check(hs[i]);
		if (!o)
			return wait_fail(ERROR_INVALID_HANDLE);
		obj[i] = handle_obj(o);
	}
	if (alertable && !self)
		return wait_fail(ERROR_NOT_ENOUGH_MEMORY);
	if (!alertable)
		self = NULL;
	kernel = wsa_dev_gen() != 0 && (!self || wsa_thread_alert_ready(self));
	for (i = 0; kernel && i < n; i++)
		kernel = wsa_evobj_ours(obj[i]);
	if (kernel)
		return wait_kernel(n, obj, all, ms, self);
	return wait_poll(n, obj, all, ms, self);
}

WSA_EXPORT DWORD WINAPI WaitForMultipleObjectsEx(DWORD nCount,
						 const HANDLE *lpHandles,
						 BOOL bWaitAll,
						 DWORD dwMilliseconds,
						 BOOL bAlertable)
{
	if (nCount == 0 || nCount > MAXIMUM_WAIT_OBJECTS || !lpHandles) {
		wsa_last_error = ERROR_INVALID_PARAMETER;
		return WAIT_FAILED;
	}
	return wsa_wait(nCount, lpHandles, bWaitAll, dwMilliseconds, bAlertable);
}

WSA_EXPORT DWORD WINAPI WaitForMultipleObjects(DWORD nCount,
					       const HANDLE *lpHandles,
					       BOOL bWaitAll,
					       DWORD dwMilliseconds)
{
	return WaitForMultipleObjectsEx(nCount, lpHandles, bWaitAll,
					dwMilliseconds, FALSE);
}

WSA_EXPORT DWORD WINAPI WaitForSingleObjectEx(HANDLE hHandle,
					      DWORD dwMilliseconds,
					      BOOL bAlertable)
{
	return wsa_wait(1, &hHandle, FALSE, dwMilliseconds, bAlertable);
}

WSA_EXPORT DWORD WINAPI WaitForSingleObject(HANDLE hHandle,
					    DWORD dwMilliseconds)
{
	return wsa_wait(1, &hHandle, FALSE, dwMilliseconds, FALSE);
}

WSA_EXPORT DWORD WSAAPI WSAWaitForMultipleEvents(DWORD cEvents,
						 const WSAEVENT *lphEvents,
						 BOOL fWaitAll,
						 DWORD dwTimeout,
						 BOOL fAlertable)
{
	if (cEvents == 0 || cEvents > WSA_MAXIMUM_WAIT_EVENTS || !lphEvents) {
		wsa_last_error = WSA_INVALID_PARAMETER;
		return WSA_WAIT_FAILED;
	}
	return wsa_wait(cEvents, lphEvents, fWaitAll, dwTimeout, fAlertable);
}

WSA_EXPORT DWORD WINAPI SleepEx(DWORD dwMilliseconds, BOOL bAlertable)
{
	DWORD r = wsa_wait(0, NULL, FALSE, dwMilliseconds, bAlertable);

	return r == WAIT_IO_COMPLETION ? WAIT_IO_COMPLETION : 0;
}

WSA_EXPORT void WINAPI Sleep(DWORD dwMilliseconds)
{
	wsa_wait(0, NULL, FALSE, dwMilliseconds, FALSE);
}

WSA_EXPORT DWORD WINAPI GetTickCount(void)
{
	return (DWORD)now_ms();
}

WSA_EXPORT ULONGLONG WINAPI GetTickCount64(void)
{
	return (ULONGLONG)now_ms();
}
