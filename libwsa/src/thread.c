// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Win32 threads, handles, events, waits and APCs.
 *
 * Every thread that uses libwsa gets a struct wsa_thread: its tid, an "APC"
 * eventfd (written by QueueUserAPC and by the kernel for routine-mode
 * completions) and an exit eventfd.  Events are eventfds too; waits are
 * poll() on eventfds, draining the completion ring on the way.
 */
#include "internal.h"

#include <fcntl.h>
#include <poll.h>
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
	t->apc_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	t->exit_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (t->apc_efd < 0 || t->exit_efd < 0) {
		if (t->apc_efd >= 0)
			close(t->apc_efd);
		if (t->exit_efd >= 0)
			close(t->exit_efd);
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
	close(t->apc_efd);
	close(t->exit_efd);
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
	pthread_mutex_unlock(&t->lock);
	if (wake)
		wsa_event_set_fd(t->apc_efd);
	return true;
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
	wsa_event_set_fd(t->exit_efd);
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

/* ---- eventfd helpers ---- */

void wsa_event_set_fd(int efd)
{
	uint64_t one = 1;
	ssize_t r;

	do
		r = write(efd, &one, sizeof(one));
	while (r < 0 && errno == EINTR);
}

void wsa_event_reset_fd(int efd)
{
	uint64_t v;

	while (read(efd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
}

/* Auto-reset consumption: true if this caller took the signal. */
static bool event_consume(int efd)
{
	uint64_t v;
	ssize_t r;

	do
		r = read(efd, &v, sizeof(v));
	while (r < 0 && errno == EINTR);
	return r == sizeof(v);
}

/* ---- Handles ---- */

static struct wsa_handle *handle_check(HANDLE h)
{
	struct wsa_handle *o = wsa_handle_lookup(h);

	if (!o || (o->magic != HMAGIC_EVENT && o->magic != HMAGIC_THREAD))
		return NULL;
	return o;
}

/* Give o a handle value; on failure free it and say why. */
static HANDLE handle_publish(struct wsa_handle *o)
{
	HANDLE h = wsa_handle_register(o);

	if (!h) {
		if (o->thr)
			wsa_thread_unref(o->thr);
		else
			close(o->efd);
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
	o->efd = eventfd(initial ? 1 : 0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (o->efd < 0) {
		free(o);
		wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
		return NULL;
	}
	o->manual = manual ? true : false;
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
	o->efd = t->exit_efd;
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
	/* An eventfd counter above 1 is still "signalled"; keep it at 1. */
	{
		struct pollfd p = { .fd = o->efd, .events = POLLIN };

		if (poll(&p, 1, 0) == 1 && (p.revents & POLLIN))
			return TRUE;
	}
	wsa_event_set_fd(o->efd);
	return TRUE;
}

WSA_EXPORT BOOL WINAPI ResetEvent(HANDLE hEvent)
{
	struct wsa_handle *o = wsa_event_handle(hEvent);

	if (!o) {
		wsa_last_error = ERROR_INVALID_HANDLE;
		return FALSE;
	}
	wsa_event_reset_fd(o->efd);
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
		close(o->efd);
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
		/* events: the duplicate shares the eventfd through dup() */
		struct wsa_handle *d = calloc(1, sizeof(*d));

		if (d) {
			d->efd = fcntl(o->efd, F_DUPFD_CLOEXEC, 0);
			d->manual = o->manual;
			d->magic = HMAGIC_EVENT;
			if (d->efd < 0) {
				free(d);
				d = NULL;
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

/*
 * The one wait loop.  Objects first, then (alertable) APCs, as Windows:
 * a signalled object satisfies the wait without running APCs.  Each round
 * drains the completion ring, checks everything without blocking, then
 * blocks in poll() on what could change the answer.
 */
static bool is_auto(const struct wsa_handle *o)
{
	return o && o->magic == HMAGIC_EVENT && !o->manual;
}

DWORD wsa_wait(DWORD n, const HANDLE *hs, BOOL all, DWORD ms, BOOL alertable)
{
	struct pollfd pfd[MAXIMUM_WAIT_OBJECTS + 1];
	struct pollfd sub[MAXIMUM_WAIT_OBJECTS + 1];
	struct wsa_handle *obj[MAXIMUM_WAIT_OBJECTS];
	bool got[MAXIMUM_WAIT_OBJECTS];
	struct wsa_thread *self = NULL;
	int64_t deadline = 0;
	int nfds;
	DWORD i;

	if (n > MAXIMUM_WAIT_OBJECTS || (n && !hs)) {
		wsa_last_error = ERROR_INVALID_PARAMETER;
		return WAIT_FAILED;
	}
	for (i = 0; i < n; i++) {
		if (hs[i] == PSEUDO_THREAD) {
			/* waiting for oneself: never signalled */
			struct wsa_thread *t = wsa_self();

			if (!t)
				goto bad;
			obj[i] = NULL;
			pfd[i].fd = t->exit_efd;
			continue;
		}
		obj[i] = handle_check(hs[i]);
		if (!obj[i])
			goto bad;
		pfd[i].fd = obj[i]->efd;
	}
	for (i = 0; i < n; i++)
		pfd[i].events = POLLIN;
	nfds = (int)n;
	self = wsa_self();	/* registers the thread (OpenThread) */
	if (!alertable) {
		self = NULL;
	} else {
		if (!self) {
			wsa_last_error = ERROR_NOT_ENOUGH_MEMORY;
			return WAIT_FAILED;
		}
		pfd[nfds].fd = self->apc_efd;
		pfd[nfds].events = POLLIN;
		nfds++;
	}
	if (ms != INFINITE)
		deadline = now_ms() + ms;

	for (;;) {
		int timeout, k, r;
		DWORD ready = 0;

		wsa_drain();
		r = poll(pfd, (nfds_t)nfds, 0);
		if (r < 0 && errno != EINTR)
			goto bad;
		for (i = 0; i < n; i++) {
			got[i] = r > 0 && (pfd[i].revents & POLLIN);
			ready += got[i];
		}
		if (!all) {
			for (i = 0; i < n; i++) {
				if (!got[i])
					continue;
				if (is_auto(obj[i]) && !event_consume(pfd[i].fd))
					continue;	/* another waiter took it */
				return WAIT_OBJECT_0 + i;
			}
		} else if (n && ready == n) {
			DWORD j;

			for (i = 0; i < n; i++)
				if (is_auto(obj[i]) && !event_consume(pfd[i].fd))
					break;
			if (i == n)
				return WAIT_OBJECT_0;
			for (j = 0; j < i; j++)	/* lost a race: give back */
				if (is_auto(obj[j]))
					wsa_event_set_fd(pfd[j].fd);
		}
		if (self) {
			if (r > 0 && (pfd[n].revents & POLLIN)) {
				wsa_event_reset_fd(self->apc_efd);
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
			sub[k++] = pfd[n];
		if (poll(sub, (nfds_t)k, timeout) < 0 && errno != EINTR)
			goto bad;
	}
bad:
	wsa_last_error = ERROR_INVALID_HANDLE;
	return WAIT_FAILED;
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
