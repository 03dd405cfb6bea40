// SPDX-License-Identifier: LGPL-2.1-or-later
/* Win32 threads and APCs: CreateThread, thread handles and waits, exit
 * codes, suspension, QueueUserAPC and alertable waits, per-thread last
 * error, threads made by pthread_create. */
#include "kselftest_harness.h"
#include "wsa_test.h"

#include <pthread.h>
#include <sys/syscall.h>

static DWORD WINAPI ret_tid(LPVOID arg)
{
	*(DWORD *)arg = GetCurrentThreadId();
	return 42;
}

TEST(create_thread_wait_exit_code)
{
	DWORD tid = 0, seen = 0, code = 0;
	HANDLE h = CreateThread(NULL, 0, ret_tid, &seen, 0, &tid);

	ASSERT_NE(NULL, h);
	ASSERT_NE(0, tid);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 5000));
	ASSERT_EQ(tid, seen);		/* lpThreadId is the thread's id */
	ASSERT_NE(GetCurrentThreadId(), seen);
	ASSERT_EQ(tid, GetThreadId(h));
	ASSERT_EQ(TRUE, GetExitCodeThread(h, &code));
	ASSERT_EQ(42, code);
	/* the handle stays signalled */
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 0));
	ASSERT_EQ(TRUE, CloseHandle(h));
}

/*
 * dwStackSize is the initial commit: the stack stays at least the 1 MiB
 * default, so a thread asking for 4 KB may still use 256 KB of locals.
 */
static DWORD WINAPI big_locals(LPVOID arg)
{
	volatile char buf[256 * 1024];
	size_t i;
	DWORD sum = 0;

	for (i = 0; i < sizeof(buf); i += 256)
		buf[i] = (char)(i >> 8);
	for (i = 0; i < sizeof(buf); i += 256)
		sum += (unsigned char)buf[i];
	*(DWORD *)arg = sum;
	return 77;
}

TEST(stack_size_is_a_commit)
{
	DWORD sum = 0, code = 0, expect = 0;
	size_t i;
	HANDLE h = CreateThread(NULL, 4096, big_locals, &sum, 0, NULL);

	for (i = 0; i < 256 * 1024; i += 256)
		expect += (unsigned char)(i >> 8);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 10000));
	ASSERT_EQ(TRUE, GetExitCodeThread(h, &code));
	ASSERT_EQ(77, code);
	ASSERT_EQ(expect, sum);
	CloseHandle(h);
}

static DWORD WINAPI stack_of(LPVOID arg)
{
	pthread_attr_t a;
	size_t sz = 0;

	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		pthread_attr_getstacksize(&a, &sz);
		pthread_attr_destroy(&a);
	}
	*(size_t *)arg = sz;
	return 0;
}

static size_t thread_stack(SIZE_T req, DWORD flags)
{
	size_t sz = 0;
	HANDLE h = CreateThread(NULL, req, stack_of, &sz, flags, NULL);

	if (!h)
		return 0;
	WaitForSingleObject(h, 10000);
	CloseHandle(h);
	return sz;
}

TEST(stack_reservation)
{
	const size_t mib = 1 << 20;

	/* a commit: never below the 1 MiB default reservation */
	EXPECT_LE(mib, thread_stack(0, 0));
	EXPECT_LE(mib, thread_stack(4096, 0));
	EXPECT_LE(mib, thread_stack(1, 0));
	/* a commit above it: the reservation grows to hold it */
	EXPECT_LE(3 * mib + 1, thread_stack(3 * mib + 1, 0));
	/* STACK_SIZE_PARAM_IS_A_RESERVATION: exactly what was asked for */
	EXPECT_GT(mib, thread_stack(128 * 1024,
				    STACK_SIZE_PARAM_IS_A_RESERVATION));
	EXPECT_LE(120 * 1024, thread_stack(128 * 1024,
					   STACK_SIZE_PARAM_IS_A_RESERVATION));
	EXPECT_LE(3 * mib, thread_stack(3 * mib,
					STACK_SIZE_PARAM_IS_A_RESERVATION));
	EXPECT_LE(mib, thread_stack(0, STACK_SIZE_PARAM_IS_A_RESERVATION));
	/* a size no stack can have fails (no silent rounding) */
	EXPECT_EQ(0, thread_stack((SIZE_T)-1, 0));
	EXPECT_EQ(ERROR_NOT_ENOUGH_MEMORY, GetLastError());
}

static DWORD WINAPI exit_thread(LPVOID arg)
{
	(void)arg;
	ExitThread(7);
}

/* Runs until the test lets it go: no timing assumption. */
static DWORD WINAPI waiter(LPVOID arg)
{
	WaitForSingleObject((HANDLE)arg, INFINITE);
	return 0;
}

TEST(exit_thread_and_still_active)
{
	HANDLE release = CreateEventA(NULL, TRUE, FALSE, NULL);
	HANDLE h[2];
	DWORD code;

	ASSERT_NE(NULL, release);
	h[0] = CreateThread(NULL, 0, waiter, release, 0, NULL);
	h[1] = CreateThread(NULL, 0, exit_thread, NULL, 0, NULL);
	ASSERT_NE(NULL, h[0]);
	ASSERT_NE(NULL, h[1]);
	ASSERT_EQ(TRUE, GetExitCodeThread(h[0], &code));
	ASSERT_EQ(STILL_ACTIVE, code);
	/* wait-any on threads: only the exiting one can end */
	ASSERT_EQ(WAIT_OBJECT_0 + 1, WaitForMultipleObjects(2, h, FALSE, 5000));
	ASSERT_EQ(TRUE, GetExitCodeThread(h[1], &code));
	ASSERT_EQ(7, code);
	ASSERT_EQ(WAIT_TIMEOUT, WaitForMultipleObjects(2, h, TRUE, 0));
	ASSERT_EQ(TRUE, SetEvent(release));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(2, h, TRUE, 5000));
	CloseHandle(h[0]);
	CloseHandle(h[1]);
	CloseHandle(release);
}

TEST(create_suspended)
{
	DWORD seen = 0;
	HANDLE h = CreateThread(NULL, 0, ret_tid, &seen, CREATE_SUSPENDED, NULL);

	ASSERT_NE(NULL, h);
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(h, 100));
	ASSERT_EQ(0, seen);
	ASSERT_EQ(1, ResumeThread(h));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 5000));
	ASSERT_NE(0, seen);
	CloseHandle(h);
}

static int apc_order[8];
static int apc_count;
static DWORD apc_tid[8];

static void CALLBACK apc_fn(ULONG_PTR data)
{
	apc_tid[apc_count] = GetCurrentThreadId();
	apc_order[apc_count++] = (int)data;
}

TEST(apc_runs_only_in_alertable_wait)
{
	HANDLE e = WSACreateEvent();

	apc_count = 0;
	ASSERT_NE(0, QueueUserAPC(apc_fn, GetCurrentThread(), 1));
	ASSERT_NE(0, QueueUserAPC(apc_fn, GetCurrentThread(), 2));
	ASSERT_NE(0, QueueUserAPC(apc_fn, GetCurrentThread(), 3));
	/* non-alertable waits leave them queued */
	ASSERT_EQ(0, SleepEx(10, FALSE));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObjectEx(e, 10, FALSE));
	ASSERT_EQ(0, apc_count);
	/* a signalled object satisfies even an alertable wait first */
	WSASetEvent(e);
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &e, FALSE, 0, TRUE));
	ASSERT_EQ(0, apc_count);
	WSAResetEvent(e);
	/* an alertable wait runs all of them, in order, then returns */
	ASSERT_EQ(WSA_WAIT_IO_COMPLETION,
		  WSAWaitForMultipleEvents(1, &e, FALSE, WSA_INFINITE, TRUE));
	ASSERT_EQ(3, apc_count);
	ASSERT_EQ(1, apc_order[0]);
	ASSERT_EQ(2, apc_order[1]);
	ASSERT_EQ(3, apc_order[2]);
	ASSERT_EQ(GetCurrentThreadId(), apc_tid[0]);
	/* nothing left */
	ASSERT_EQ(0, SleepEx(0, TRUE));
	ASSERT_NE(0, QueueUserAPC(apc_fn, GetCurrentThread(), 4));
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(INFINITE, TRUE));
	ASSERT_NE(0, QueueUserAPC(apc_fn, GetCurrentThread(), 5));
	ASSERT_EQ(WAIT_IO_COMPLETION, WaitForSingleObjectEx(e, INFINITE, TRUE));
	ASSERT_EQ(5, apc_count);
	WSACloseEvent(e);
}

struct apc_target {
	HANDLE ready;
	HANDLE stop;
	DWORD tid;
	int ran;
	DWORD ran_on;
	DWORD wait_ret;
};

static void CALLBACK apc_mark(ULONG_PTR data)
{
	struct apc_target *t = (struct apc_target *)data;

	t->ran++;
	t->ran_on = GetCurrentThreadId();
}

static DWORD WINAPI alertable_waiter(LPVOID arg)
{
	struct apc_target *t = arg;

	t->tid = GetCurrentThreadId();
	SetEvent(t->ready);
	t->wait_ret = WaitForSingleObjectEx(t->stop, 10000, TRUE);
	return 0;
}

TEST(apc_to_other_thread)
{
	struct apc_target t = { 0 };
	HANDLE h;

	t.ready = CreateEventA(NULL, TRUE, FALSE, NULL);
	t.stop = CreateEventA(NULL, TRUE, FALSE, NULL);
	h = CreateThread(NULL, 0, alertable_waiter, &t, 0, NULL);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(t.ready, 5000));
	usleep(20000);
	ASSERT_NE(0, QueueUserAPC(apc_mark, h, (ULONG_PTR)&t));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 5000));
	ASSERT_EQ(1, t.ran);
	ASSERT_EQ(t.tid, t.ran_on);		/* ran on the target thread */
	ASSERT_EQ(WAIT_IO_COMPLETION, t.wait_ret);
	/* queueing to an exited thread fails */
	ASSERT_EQ(0, QueueUserAPC(apc_mark, h, (ULONG_PTR)&t));
	ASSERT_EQ(0, QueueUserAPC(NULL, GetCurrentThread(), 0));
	ASSERT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	CloseHandle(h);
	CloseHandle(t.ready);
	CloseHandle(t.stop);
}

static void CALLBACK apc_queue_more(ULONG_PTR data)
{
	(void)data;
	apc_order[apc_count++] = 10;
	/* queued from inside an APC: runs in the same wait */
	QueueUserAPC(apc_fn, GetCurrentThread(), 11);
}

TEST(apc_queued_by_apc_runs_in_same_wait)
{
	apc_count = 0;
	QueueUserAPC(apc_queue_more, GetCurrentThread(), 0);
	ASSERT_EQ(WAIT_IO_COMPLETION, SleepEx(1000, TRUE));
	ASSERT_EQ(2, apc_count);
	ASSERT_EQ(10, apc_order[0]);
	ASSERT_EQ(11, apc_order[1]);
}

static DWORD WINAPI set_error(LPVOID arg)
{
	(void)arg;
	SetLastError(1234);
	WSASetLastError(WSAEWOULDBLOCK);
	return GetLastError();
}

TEST(last_error_is_per_thread)
{
	HANDLE h;
	DWORD code;

	SetLastError(5);
	ASSERT_EQ(5, WSAGetLastError());
	h = CreateThread(NULL, 0, set_error, NULL, 0, NULL);
	WaitForSingleObject(h, 5000);
	GetExitCodeThread(h, &code);
	ASSERT_EQ(WSAEWOULDBLOCK, code);	/* one slot for both calls */
	ASSERT_EQ(5, GetLastError());
	CloseHandle(h);
}

struct pt_arg {
	DWORD tid;
	HANDLE go;
	int ran;
};

static void CALLBACK pt_apc(ULONG_PTR d)
{
	((struct pt_arg *)d)->ran = (int)GetCurrentThreadId();
}

static void *pt_main(void *arg)
{
	struct pt_arg *a = arg;

	a->tid = GetCurrentThreadId();
	SleepEx(0, FALSE);		/* makes libwsa know this thread */
	WaitForSingleObject(a->go, 5000);
	SleepEx(5000, TRUE);		/* runs the APC */
	return NULL;
}

TEST(pthread_threads_work_too)
{
	struct pt_arg a = { 0 };
	pthread_t pt;
	HANDLE h;

	a.go = CreateEventA(NULL, TRUE, FALSE, NULL);
	ASSERT_EQ(0, pthread_create(&pt, NULL, pt_main, &a));
	while (!__atomic_load_n(&a.tid, __ATOMIC_ACQUIRE))
		usleep(1000);
	usleep(20000);
	h = OpenThread(THREAD_ALL_ACCESS, FALSE, a.tid);
	ASSERT_NE(NULL, h);
	ASSERT_EQ(a.tid, GetThreadId(h));
	ASSERT_NE(0, QueueUserAPC(pt_apc, h, (ULONG_PTR)&a));
	SetEvent(a.go);
	/* the thread handle is signalled when the pthread exits */
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(h, 5000));
	ASSERT_EQ((int)a.tid, a.ran);
	pthread_join(pt, NULL);
	CloseHandle(h);
	CloseHandle(a.go);
	ASSERT_EQ(NULL, OpenThread(THREAD_ALL_ACCESS, FALSE, 0x7ffffff0));
}

TEST(pseudo_handles)
{
	HANDLE real = NULL;

	ASSERT_EQ(GetCurrentThreadId(), (DWORD)syscall(SYS_gettid));
	ASSERT_EQ(GetCurrentThreadId(), GetThreadId(GetCurrentThread()));
	ASSERT_EQ(TRUE, DuplicateHandle(GetCurrentProcess(), GetCurrentThread(),
					GetCurrentProcess(), &real, 0, FALSE,
					DUPLICATE_SAME_ACCESS));
	ASSERT_NE(NULL, real);
	ASSERT_EQ(GetCurrentThreadId(), GetThreadId(real));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(real, 0));
	ASSERT_EQ(TRUE, CloseHandle(real));
	ASSERT_EQ(TRUE, CloseHandle(GetCurrentThread()));
}

TEST_HARNESS_MAIN
