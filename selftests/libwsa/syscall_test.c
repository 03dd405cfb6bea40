// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Syscalls per overlapped I/O cycle, counted for real: the test forks a
 * child that runs Winsock cycles under ptrace(PTRACE_SYSCALL); the parent
 * counts the child's syscall entries between two markers (getppid(),
 * which libwsa never calls), after a warm-up.  Targets (ABI 3, events and
 * WSAOVL_IOC_WAIT in the kernel):
 *
 *   - an immediate send cycle (WSASendTo completing inline,
 *     WSAWaitForMultipleEvents, WSAGetOverlappedResult, WSAResetEvent):
 *     at most 2 (SUBMIT, and EVENT_RESET: the wait and the result read
 *     the mapped state byte and status block);
 *   - a pending receive leg (WSARecvFrom going pending, the wait for it,
 *     WSAGetOverlappedResult): at most 2 (SUBMIT, WAIT), with an event
 *     or with a completion routine and SleepEx(INFINITE, TRUE).
 *
 * The datagram for a pending receive is sent by the parent (a plain
 * sendto of its own, not counted: it is not the child's) when the child
 * enters WSAOVL_IOC_WAIT, so every receive really goes pending and its
 * completion really arrives during the wait.
 */
#include "kselftest_harness.h"
#include "wsa_test.h"

#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <wsaovl.h>

#define WARMUP	50
#define CYCLES	2000

enum { V_SEND, V_RECV_EVENT, V_RECV_ROUTINE };

struct child_result {
	long pending, immediate, bad, routines;
};

static int routine_calls, routine_bad;

static void CALLBACK on_recv(DWORD err, DWORD bytes, LPWSAOVERLAPPED ov, DWORD flags)
{
	(void)ov;
	(void)flags;
	routine_calls++;
	if (err || bytes != 4)
		routine_bad++;
}

/* The traced child: WARMUP cycles, marker, CYCLES cycles, marker. */
static void child_main(int variant, int res_fd, int port_fd)
{
	struct child_result res = { 0 };
	struct sockaddr_in ra, sa, from;
	char buf[64] = "ping";
	WSABUF wb = { sizeof(buf), buf }, sb = { 4, buf };
	WSAOVERLAPPED ov;
	WSAEVENT ev;
	SOCKET r, sink;
	int i, fromlen;
	DWORD n, fl, flags;

	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
		_exit(90);
	raise(SIGSTOP);
	if (wsa_start())
		_exit(91);
	r = wsa_udp4(&ra, WSA_FLAG_OVERLAPPED);
	sink = wsa_udp4(&sa, WSA_FLAG_OVERLAPPED);
	ev = WSACreateEvent();
	if (r == INVALID_SOCKET || sink == INVALID_SOCKET || ev == WSA_INVALID_EVENT)
		_exit(92);
	if (write(port_fd, &ra, sizeof(ra)) != sizeof(ra))
		_exit(93);
	for (i = 0; i < WARMUP + CYCLES; i++) {
		if (i == WARMUP)
			syscall(SYS_getppid);
		memset(&ov, 0, sizeof(ov));
		ov.hEvent = ev;
		if (variant == V_SEND) {
			if (WSASendTo(r, &sb, 1, &n, 0, (struct sockaddr *)&sa,
				      sizeof(sa), &ov, NULL) == 0)
				res.immediate++;
			else if (WSAGetLastError() == WSA_IO_PENDING)
				res.pending++;
			else
				res.bad++;
			if (WSAWaitForMultipleEvents(1, &ev, FALSE, WSA_INFINITE,
						     FALSE) != WSA_WAIT_EVENT_0)
				res.bad++;
			if (!WSAGetOverlappedResult(r, &ov, &n, FALSE, &fl) || n != 4)
				res.bad++;
			if (!WSAResetEvent(ev))
				res.bad++;
			continue;
		}
		flags = 0;
		fromlen = sizeof(from);
		if (WSARecvFrom(r, &wb, 1, NULL, &flags, (struct sockaddr *)&from,
				&fromlen, &ov,
				variant == V_RECV_ROUTINE ? on_recv : NULL) == 0)
			res.immediate++;
		else if (WSAGetLastError() == WSA_IO_PENDING)
			res.pending++;
		else
			res.bad++;
		if (variant == V_RECV_ROUTINE) {
			int before = routine_calls;

			if (SleepEx(INFINITE, TRUE) != WAIT_IO_COMPLETION ||
			    routine_calls != before + 1)
				res.bad++;
		} else {
			if (WSAWaitForMultipleEvents(1, &ev, FALSE, WSA_INFINITE,
						     FALSE) != WSA_WAIT_EVENT_0)
				res.bad++;
		}
		if (!WSAGetOverlappedResult(r, &ov, &n, FALSE, &fl) || n != 4 ||
		    fromlen != sizeof(from) || flags != 0)
			res.bad++;
	}
	syscall(SYS_getppid);
	res.routines = routine_calls;
	res.bad += routine_bad;
	if (write(res_fd, &res, sizeof(res)) != sizeof(res))
		_exit(94);
	_exit(0);
}

struct trace {
	long total;		/* syscall entries between the markers */
	long submits, waits, resets, sets, other_ioctls, others;
	long first_other;	/* a syscall number seen, for the log */
	int markers;
};

/* Trace the child to its exit; inject a datagram at its WAITs if asked. */
static int trace_child(pid_t pid, bool inject, int port_fd, struct trace *t)
{
	struct sockaddr_in to;
	long submits_all = 0, sent = 0;
	bool have_port = false;
	int st, sig = 0;
	int tx = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);

	memset(t, 0, sizeof(*t));
	t->first_other = -1;
	if (tx < 0)
		return -1;
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		return -1;
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) < 0)
		return -1;
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) < 0)
			return -1;
		sig = 0;
		if (waitpid(pid, &st, 0) != pid)
			return -1;
		if (WIFEXITED(st))
			return WEXITSTATUS(st);
		if (WIFSIGNALED(st))
			return 128 + WTERMSIG(st);
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info si;
			unsigned long cmd;
			long nr;

			memset(&si, 0, sizeof(si));
			if (ptrace(PTRACE_GET_SYSCALL_INFO, pid,
				   (void *)sizeof(si), &si) <= 0)
				return -1;
			if (si.op != PTRACE_SYSCALL_INFO_ENTRY)
				continue;
			nr = (long)si.entry.nr;
			cmd = (unsigned long)si.entry.args[1];
			if (nr == SYS_getppid) {
				t->markers++;
				continue;
			}
			if (nr == SYS_ioctl && cmd == WSAOVL_IOC_SUBMIT)
				submits_all++;
			if (inject && nr == SYS_ioctl && cmd == WSAOVL_IOC_WAIT &&
			    sent < submits_all) {
				if (!have_port) {
					if (read(port_fd, &to, sizeof(to)) != sizeof(to))
						return -1;
					have_port = true;
				}
				if (syscall(SYS_sendto, tx, "pong", 4, 0, &to,
					    sizeof(to)) != 4)
					return -1;
				sent++;
			}
			if (t->markers != 1)
				continue;
			t->total++;
			if (nr == SYS_ioctl && cmd == WSAOVL_IOC_SUBMIT)
				t->submits++;
			else if (nr == SYS_ioctl && cmd == WSAOVL_IOC_WAIT)
				t->waits++;
			else if (nr == SYS_ioctl && cmd == WSAOVL_IOC_EVENT_RESET)
				t->resets++;
			else if (nr == SYS_ioctl && cmd == WSAOVL_IOC_EVENT_SET)
				t->sets++;
			else if (nr == SYS_ioctl)
				t->other_ioctls++;
			else {
				t->others++;
				if (t->first_other < 0)
					t->first_other = nr;
			}
			continue;
		}
		/* a signal for the child: deliver it (not our SIGSTOP) */
		sig = WSTOPSIG(st) == SIGSTOP ? 0 : WSTOPSIG(st);
	}
}

static void run_variant(struct __test_metadata *_metadata, int variant,
			const char *name)
{
	struct child_result res;
	struct trace t;
	int res_pipe[2], port_pipe[2], rc;
	pid_t pid;

	if (!wsa_have_device())
		SKIP(return, "/dev/wsaovl absent: overlapped I/O needs the module");
	ASSERT_EQ(0, pipe(res_pipe));
	ASSERT_EQ(0, pipe(port_pipe));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(res_pipe[0]);
		close(port_pipe[0]);
		child_main(variant, res_pipe[1], port_pipe[1]);
	}
	close(res_pipe[1]);
	close(port_pipe[1]);
	rc = trace_child(pid, variant != V_SEND, port_pipe[0], &t);
	if (rc != 0)
		kill(pid, SIGKILL);
	ASSERT_EQ(0, rc);
	ASSERT_EQ(sizeof(res), read(res_pipe[0], &res, sizeof(res)));
	close(res_pipe[0]);
	close(port_pipe[0]);
	TH_LOG("%s: %ld syscalls in %d cycles = %.3f per cycle "
	       "(SUBMIT %ld, WAIT %ld, EVENT_RESET %ld, EVENT_SET %ld, "
	       "other ioctls %ld, others %ld, first other nr %ld)",
	       name, t.total, CYCLES, (double)t.total / CYCLES, t.submits,
	       t.waits, t.resets, t.sets, t.other_ioctls, t.others,
	       t.first_other);
	ASSERT_EQ(2, t.markers);
	ASSERT_EQ(0, res.bad);
	if (variant == V_SEND) {
		ASSERT_EQ(WARMUP + CYCLES, res.immediate);
	} else {
		/* every receive went pending: the datagram came in the wait */
		ASSERT_EQ(WARMUP + CYCLES, res.pending);
	}
	if (variant == V_RECV_ROUTINE) {
		ASSERT_EQ(WARMUP + CYCLES, res.routines);
	}
	ASSERT_EQ(CYCLES, t.submits);
	ASSERT_LE(t.total, 2 * CYCLES);
}

FIXTURE(sc) {
	int unused;
};

FIXTURE_SETUP(sc)
{
}

FIXTURE_TEARDOWN(sc)
{
}

TEST_F_TIMEOUT(sc, immediate_send_cycle, 300)
{
	run_variant(_metadata, V_SEND, "immediate send cycle");
}

TEST_F_TIMEOUT(sc, pending_receive_leg_event, 300)
{
	run_variant(_metadata, V_RECV_EVENT, "pending receive leg (event)");
}

TEST_F_TIMEOUT(sc, pending_receive_leg_routine, 300)
{
	run_variant(_metadata, V_RECV_ROUTINE, "pending receive leg (routine)");
}

TEST_HARNESS_MAIN
