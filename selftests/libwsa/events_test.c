// SPDX-License-Identifier: LGPL-2.1-or-later
/* WSA events and waits: WSACreateEvent & co, WSAWaitForMultipleEvents,
 * WaitForMultipleObjects, CreateEvent (auto reset), SleepEx. */
#include "kselftest_harness.h"
#include "wsa_test.h"

#include <pthread.h>

TEST(event_create_set_reset_close)
{
	WSAEVENT e = WSACreateEvent();

	ASSERT_NE(WSA_INVALID_EVENT, e);
	/* created non-signalled, manual reset */
	ASSERT_EQ(WSA_WAIT_TIMEOUT, WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE));
	ASSERT_EQ(TRUE, WSASetEvent(e));
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE));
	/* manual reset: a wait does not consume it */
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &e, TRUE, 100, FALSE));
	ASSERT_EQ(TRUE, WSASetEvent(e));	/* setting twice is still one state */
	ASSERT_EQ(TRUE, WSAResetEvent(e));
	ASSERT_EQ(WSA_WAIT_TIMEOUT, WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE));
	ASSERT_EQ(TRUE, WSAResetEvent(e));	/* resetting a reset event */
	ASSERT_EQ(TRUE, WSACloseEvent(e));
}

TEST(invalid_handles_and_counts)
{
	WSAEVENT evs[WSA_MAXIMUM_WAIT_EVENTS + 1];
	WSAEVENT bogus = (WSAEVENT)&evs[0];
	DWORD i;

	for (i = 0; i < WSA_MAXIMUM_WAIT_EVENTS + 1; i++) {
		evs[i] = WSACreateEvent();
		ASSERT_NE(WSA_INVALID_EVENT, evs[i]);
	}
	WSASetLastError(0);
	ASSERT_EQ(WSA_WAIT_FAILED, WSAWaitForMultipleEvents(0, evs, FALSE, 0, FALSE));
	ASSERT_EQ(WSA_INVALID_PARAMETER, WSAGetLastError());
	WSASetLastError(0);
	ASSERT_EQ(WSA_WAIT_FAILED,
		  WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS + 1, evs, FALSE, 0, FALSE));
	ASSERT_EQ(WSA_INVALID_PARAMETER, WSAGetLastError());
	WSASetLastError(0);
	ASSERT_EQ(WSA_WAIT_FAILED, WSAWaitForMultipleEvents(1, NULL, FALSE, 0, FALSE));
	ASSERT_EQ(WSA_INVALID_PARAMETER, WSAGetLastError());
	/* the maximum, 64, is fine; the last one signalled gives index 63 */
	ASSERT_EQ(WSA_WAIT_TIMEOUT,
		  WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS, evs, FALSE, 0, FALSE));
	WSASetEvent(evs[63]);
	ASSERT_EQ(WSA_WAIT_EVENT_0 + 63,
		  WSAWaitForMultipleEvents(WSA_MAXIMUM_WAIT_EVENTS, evs, FALSE, 0, FALSE));
	/* bad handles */
	WSASetLastError(0);
	ASSERT_EQ(WSA_WAIT_FAILED, WSAWaitForMultipleEvents(1, &bogus, FALSE, 0, FALSE));
	ASSERT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	ASSERT_EQ(FALSE, WSASetEvent(WSA_INVALID_EVENT));
	ASSERT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	ASSERT_EQ(FALSE, WSACloseEvent(WSA_INVALID_EVENT));
	ASSERT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	for (i = 0; i < WSA_MAXIMUM_WAIT_EVENTS + 1; i++)
		ASSERT_EQ(TRUE, WSACloseEvent(evs[i]));
}

/*
 * Handles are checked, never dereferenced: integers, unmapped addresses,
 * closed and reused handles all fail cleanly (these used to crash).
 */
TEST(garbage_and_stale_handles)
{
	HANDLE garbage[] = { (HANDLE)0x1000, (HANDLE)(uintptr_t)8,
			     (HANDLE)(uintptr_t)0xdead0000, (HANDLE)(uintptr_t)4,
			     (HANDLE)(uintptr_t)0x7ffffffff000ULL };
	WSAEVENT e = WSACreateEvent(), stale = e, fresh;
	DWORD i;

	ASSERT_NE(WSA_INVALID_EVENT, e);
	for (i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		SetLastError(0);
		ASSERT_EQ(FALSE, CloseHandle(garbage[i]));
		ASSERT_EQ(ERROR_INVALID_HANDLE, GetLastError());
		WSASetLastError(0);
		ASSERT_EQ(FALSE, WSASetEvent(garbage[i]));
		ASSERT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
		SetLastError(0);
		ASSERT_EQ(WAIT_FAILED, WaitForSingleObject(garbage[i], 0));
		ASSERT_EQ(ERROR_INVALID_HANDLE, GetLastError());
		WSASetLastError(0);
		ASSERT_EQ(WSA_WAIT_FAILED,
			  WSAWaitForMultipleEvents(1, &garbage[i], FALSE, 0, FALSE));
		ASSERT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	}
	ASSERT_EQ(TRUE, WSACloseEvent(e));
	/* a closed handle stays invalid, even once its slot is reused */
	fresh = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, fresh);
	ASSERT_NE(stale, fresh);
	WSASetLastError(0);
	ASSERT_EQ(FALSE, WSASetEvent(stale));
	ASSERT_EQ(WSA_INVALID_HANDLE, WSAGetLastError());
	ASSERT_EQ(FALSE, WSACloseEvent(stale));
	ASSERT_EQ(TRUE, WSASetEvent(fresh));
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &fresh, FALSE, 0, FALSE));
	ASSERT_EQ(TRUE, WSACloseEvent(fresh));
}

TEST(wait_any_lowest_index)
{
	WSAEVENT e[3];
	int i;

	for (i = 0; i < 3; i++)
		e[i] = WSACreateEvent();
	WSASetEvent(e[2]);
	WSASetEvent(e[1]);
	ASSERT_EQ(WSA_WAIT_EVENT_0 + 1, WSAWaitForMultipleEvents(3, e, FALSE, 0, FALSE));
	WSASetEvent(e[0]);
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(3, e, FALSE, WSA_INFINITE, FALSE));
	for (i = 0; i < 3; i++)
		WSACloseEvent(e[i]);
}

struct setter {
	WSAEVENT ev;
	int delay_ms;
};

static void *set_later(void *arg)
{
	struct setter *s = arg;

	usleep(s->delay_ms * 1000);
	WSASetEvent(s->ev);
	return NULL;
}

TEST(wait_all_and_timeout)
{
	WSAEVENT e[2] = { WSACreateEvent(), WSACreateEvent() };
	struct setter st = { e[1], 150 };
	pthread_t t;
	long long t0;
	DWORD r;

	WSASetEvent(e[0]);
	/* all: one of two is not enough */
	t0 = wsa_now_ms();
	ASSERT_EQ(WSA_WAIT_TIMEOUT, WSAWaitForMultipleEvents(2, e, TRUE, 100, FALSE));
	ASSERT_GE(wsa_now_ms() - t0, 95);
	/* the second one comes from another thread while we wait */
	ASSERT_EQ(0, pthread_create(&t, NULL, set_later, &st));
	t0 = wsa_now_ms();
	r = WSAWaitForMultipleEvents(2, e, TRUE, 5000, FALSE);
	ASSERT_EQ(WSA_WAIT_EVENT_0, r);
	ASSERT_GE(wsa_now_ms() - t0, 100);
	ASSERT_LT(wsa_now_ms() - t0, 4000);
	pthread_join(t, NULL);
	WSACloseEvent(e[0]);
	WSACloseEvent(e[1]);
}

TEST(wait_infinite_woken_by_other_thread)
{
	WSAEVENT e = WSACreateEvent();
	struct setter st = { e, 50 };
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, set_later, &st));
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &e, FALSE, WSA_INFINITE, TRUE));
	pthread_join(t, NULL);
	WSACloseEvent(e);
}

TEST(timeout_accuracy)
{
	WSAEVENT e = WSACreateEvent();
	long long t0 = wsa_now_ms(), dt;

	ASSERT_EQ(WSA_WAIT_TIMEOUT, WSAWaitForMultipleEvents(1, &e, FALSE, 200, TRUE));
	dt = wsa_now_ms() - t0;
	ASSERT_GE(dt, 195);
	ASSERT_LT(dt, 2000);
	WSACloseEvent(e);
}

TEST(auto_reset_event)
{
	HANDLE e = CreateEventA(NULL, FALSE, TRUE, NULL);	/* auto, signalled */

	ASSERT_NE(NULL, e);
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(e, 0));
	/* the wait consumed it */
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(e, 0));
	ASSERT_EQ(TRUE, SetEvent(e));
	ASSERT_EQ(TRUE, SetEvent(e));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForSingleObject(e, 10));
	ASSERT_EQ(WAIT_TIMEOUT, WaitForSingleObject(e, 0));
	ASSERT_EQ(TRUE, CloseHandle(e));
	ASSERT_EQ(FALSE, CloseHandle(e == NULL ? (HANDLE)1 : (HANDLE)&e));
	ASSERT_EQ(ERROR_INVALID_HANDLE, GetLastError());
}

TEST(manual_event_created_signalled)
{
	HANDLE e = CreateEventA(NULL, TRUE, TRUE, NULL);

	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjects(1, &e, TRUE, 0));
	ASSERT_EQ(WAIT_OBJECT_0, WaitForMultipleObjectsEx(1, &e, FALSE, 0, TRUE));
	ASSERT_EQ(WAIT_FAILED, WaitForMultipleObjects(0, &e, FALSE, 0));
	ASSERT_EQ(ERROR_INVALID_PARAMETER, GetLastError());
	CloseHandle(e);
}

TEST(sleepex)
{
	long long t0 = wsa_now_ms();

	ASSERT_EQ(0, SleepEx(50, FALSE));
	ASSERT_GE(wsa_now_ms() - t0, 48);
	ASSERT_EQ(0, SleepEx(0, TRUE));
	t0 = wsa_now_ms();
	Sleep(30);
	ASSERT_GE(wsa_now_ms() - t0, 28);
}

TEST(events_without_startup)
{
	/* events and waits do not need WSAStartup */
	WSAEVENT e = WSACreateEvent();

	ASSERT_NE(WSA_INVALID_EVENT, e);
	ASSERT_EQ(TRUE, WSASetEvent(e));
	ASSERT_EQ(WSA_WAIT_EVENT_0, WSAWaitForMultipleEvents(1, &e, FALSE, 0, FALSE));
	WSACloseEvent(e);
}

TEST_HARNESS_MAIN
