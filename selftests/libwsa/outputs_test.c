// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Receive outputs are final when the op's event is set: *lpFromlen,
 * *lpFlags, WSAMSG.namelen / Control.len / dwFlags and the OVERLAPPED are
 * all written by the kernel before it completes the op (ABI 3), so a
 * program may read them as soon as its wait returns and then free the
 * memory.  Each round uses fresh heap memory, checks every output at
 * once, poisons the block and keeps it; at the end no poisoned block may
 * have been written (a late write by the library would show there).
 */
#include "kselftest_harness.h"
#include "wsa_test.h"

#include <stdlib.h>

#define ROUNDS	20000
#define POISON	0xA5

struct outs {
	WSAOVERLAPPED ov;
	struct sockaddr_in from;
	INT fromlen;
	DWORD flags;
	char buf[16];
	WSABUF wb;
	WSAMSG msg;
	char ctl[64];
};

static int poisoned(const struct outs *o)
{
	const unsigned char *p = (const unsigned char *)o;
	size_t i;

	for (i = 0; i < sizeof(*o); i++)
		if (p[i] != POISON)
			return 0;
	return 1;
}

/* b takes WSARecvFrom, c (IP_PKTINFO on) WSARecvMsg */
FIXTURE(out) {
	SOCKET a, b, c;
	struct sockaddr_in aa, ba, ca;
	WSAEVENT ev;
};

FIXTURE_SETUP(out)
{
	DWORD on = 1;

	NEED_DEVICE();
	ASSERT_EQ(0, wsa_start());
	self->a = wsa_udp4(&self->aa, WSA_FLAG_OVERLAPPED);
	self->b = wsa_udp4(&self->ba, WSA_FLAG_OVERLAPPED);
	self->c = wsa_udp4(&self->ca, WSA_FLAG_OVERLAPPED);
	ASSERT_NE(INVALID_SOCKET, self->a);
	ASSERT_NE(INVALID_SOCKET, self->b);
	ASSERT_NE(INVALID_SOCKET, self->c);
	ASSERT_EQ(0, setsockopt(self->c, IPPROTO_IP, IP_PKTINFO, (char *)&on, sizeof(on)));
	self->ev = WSACreateEvent();
	ASSERT_NE(WSA_INVALID_EVENT, self->ev);
}

FIXTURE_TEARDOWN(out)
{
	RETURN_IF_SKIPPED();
	closesocket(self->a);
	closesocket(self->b);
	closesocket(self->c);
	WSACloseEvent(self->ev);
	WSACleanup();
}

TEST_F_TIMEOUT(out, final_when_event_set, 600)
{
	LPFN_WSARECVMSG WSARecvMsg = get_recvmsg(self->c);
	struct outs **kept = calloc(ROUNDS, sizeof(*kept));
	long pending = 0, immediate = 0;
	int i;

	RETURN_IF_SKIPPED();
	ASSERT_NE(NULL, kept);
	ASSERT_NE(NULL, WSARecvMsg);
	for (i = 0; i < ROUNDS; i++) {
		struct outs *o = malloc(sizeof(*o));
		/* every 3rd round truncates (MSG_TRUNC), every 4th is a WSARecvMsg */
		bool trunc = i % 3 == 0, usemsg = i % 4 == 1;
		int len = trunc ? 12 : 5, r;
		DWORD n = 0, fl = 0xdead;

		ASSERT_NE(NULL, o);
		memset(o, 0x5a, sizeof(*o));
		memset(&o->ov, 0, sizeof(o->ov));
		o->ov.hEvent = self->ev;
		o->wb.buf = o->buf;
		o->wb.len = 8;
		o->flags = 0;
		o->fromlen = (INT)sizeof(o->from) + 4;
		if (usemsg) {
			memset(&o->msg, 0, sizeof(o->msg));
			o->msg.name = (struct sockaddr *)&o->from;
			o->msg.namelen = (INT)sizeof(o->from) + 4;
			o->msg.lpBuffers = &o->wb;
			o->msg.dwBufferCount = 1;
			o->msg.Control.buf = o->ctl;
			o->msg.Control.len = sizeof(o->ctl);
			o->msg.dwFlags = 0;
			r = WSARecvMsg(self->c, &o->msg, NULL, &o->ov, NULL);
		} else {
			r = WSARecvFrom(self->b, &o->wb, 1, NULL, &o->flags,
					(struct sockaddr *)&o->from, &o->fromlen,
					&o->ov, NULL);
		}
		ASSERT_EQ(SOCKET_ERROR, r);
		ASSERT_EQ(WSA_IO_PENDING, WSAGetLastError());
		pending++;
		ASSERT_EQ(len, sendto(self->a, "0123456789ab", len, 0,
				      (struct sockaddr *)(usemsg ? &self->ca : &self->ba),
				      sizeof(self->ba)));
		ASSERT_EQ(WSA_WAIT_EVENT_0,
			  WSAWaitForMultipleEvents(1, &self->ev, FALSE, 10000, FALSE));
		/* everything final now, without another library call */
		if (usemsg) {
			ASSERT_EQ(sizeof(struct sockaddr_in), o->msg.namelen);
			ASSERT_EQ(WSA_CMSG_SPACE(sizeof(IN_PKTINFO)), o->msg.Control.len);
			ASSERT_EQ(trunc ? MSG_TRUNC : 0, o->msg.dwFlags);
		} else {
			ASSERT_EQ(sizeof(struct sockaddr_in), o->fromlen);
			ASSERT_EQ(trunc ? MSG_TRUNC : 0, o->flags);
		}
		ASSERT_EQ(self->aa.sin_port, o->from.sin_port);
		ASSERT_EQ(trunc ? 0x80000005U : 0U, (DWORD)o->ov.Internal);
		ASSERT_EQ(trunc ? 8 : 5, o->ov.InternalHigh);
		ASSERT_EQ(trunc ? FALSE : TRUE,
			  WSAGetOverlappedResult(usemsg ? self->c : self->b, &o->ov,
						 &n, FALSE, &fl));
		if (trunc) {
			ASSERT_EQ(WSAEMSGSIZE, WSAGetLastError());
		}
		ASSERT_EQ(trunc ? 8 : 5, n);
		ASSERT_EQ(trunc ? MSG_TRUNC : 0, fl & MSG_TRUNC);
		ASSERT_EQ(0, memcmp(o->buf, "01234567", trunc ? 8 : 5));
		/* the program is done with it: poison, keep, look again later */
		memset(o, POISON, sizeof(*o));
		kept[i] = o;
		if (i % 1000 == 999) {
			int j;

			for (j = i - 999; j <= i; j++)
				ASSERT_TRUE(poisoned(kept[j]));
		}
	}
	/* an immediate one too: the same outputs, written inline */
	{
		struct outs o;
		DWORD n = 0;

		memset(&o, 0, sizeof(o));
		ASSERT_EQ(12, sendto(self->a, "0123456789ab", 12, 0,
				     (struct sockaddr *)&self->ba, sizeof(self->ba)));
		ASSERT_TRUE(wsa_readable(self->b, 5000));
		o.ov.hEvent = self->ev;
		o.wb.buf = o.buf;
		o.wb.len = 8;
		o.fromlen = (INT)sizeof(o.from);
		ASSERT_EQ(SOCKET_ERROR, WSARecvFrom(self->b, &o.wb, 1, &n, &o.flags,
						    (struct sockaddr *)&o.from,
						    &o.fromlen, &o.ov, NULL));
		ASSERT_EQ(WSAEMSGSIZE, WSAGetLastError());
		immediate++;
		ASSERT_EQ(8, n);
		ASSERT_EQ(MSG_TRUNC, o.flags);
		ASSERT_EQ(sizeof(o.from), o.fromlen);
		ASSERT_EQ(0x80000005U, (DWORD)o.ov.Internal);
	}
	/* the ring is reaped by now (each submit drains it): look once more */
	SleepEx(0, TRUE);
	for (i = 0; i < ROUNDS; i++) {
		ASSERT_TRUE(poisoned(kept[i]));
		free(kept[i]);
	}
	free(kept);
	TH_LOG("%ld pending, %ld immediate receives checked", pending, immediate);
}

TEST_HARNESS_MAIN
