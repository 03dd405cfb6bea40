// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * udp-receiver: a small Winsock program that receives datagrams with
 * overlapped WSARecvFrom and an event, the counterpart of wsasendto.c.
 *
 *   udp-receiver IP PORT [COUNT [TIMEOUT_MS]]
 *
 * Waits for COUNT datagrams (default 1), at most TIMEOUT_MS each (default
 * 10000), prints each one, and exits 0 if all arrived, 1 otherwise.
 * Prints "listening on IP:PORT" once the socket is bound.
 */
#define WIN32_LEAN_AND_MEAN

#include <winsock2.h>
#include <Ws2tcpip.h>
#include <stdio.h>
#include <stdlib.h>

#pragma comment(lib, "Ws2_32.lib")

int __cdecl main(int argc, char **argv)
{
	WSADATA wsaData;
	SOCKET s = INVALID_SOCKET;
	struct sockaddr_in local, from;
	int fromlen, count = 1, timeout = 10000, got = 0, i;
	char buf[65536];
	WSABUF wb;
	WSAOVERLAPPED ov;
	DWORD bytes = 0, flags = 0, rc;

	if (argc < 3 || argc > 5) {
		printf("usage: %s IP PORT [COUNT [TIMEOUT_MS]]\n", argv[0]);
		return 2;
	}
	if (argc > 3)
		count = atoi(argv[3]);
	if (argc > 4)
		timeout = atoi(argv[4]);
	if (WSAStartup(MAKEWORD(2, 2), &wsaData) != 0) {
		printf("WSAStartup failed\n");
		return 1;
	}
	s = WSASocket(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, WSA_FLAG_OVERLAPPED);
	if (s == INVALID_SOCKET) {
		printf("WSASocket failed with error: %d\n", WSAGetLastError());
		WSACleanup();
		return 1;
	}
	ZeroMemory(&local, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_addr.s_addr = inet_addr(argv[1]);
	local.sin_port = htons((u_short)atoi(argv[2]));
	if (bind(s, (SOCKADDR *)&local, sizeof(local)) == SOCKET_ERROR) {
		printf("bind failed with error: %d\n", WSAGetLastError());
		closesocket(s);
		WSACleanup();
		return 1;
	}
	printf("listening on %s:%d\n", inet_ntoa(local.sin_addr), ntohs(local.sin_port));
	fflush(stdout);

	SecureZeroMemory(&ov, sizeof(ov));
	ov.hEvent = WSACreateEvent();
	for (i = 0; i < count; i++) {
		wb.buf = buf;
		wb.len = sizeof(buf);
		flags = 0;
		fromlen = sizeof(from);
		rc = WSARecvFrom(s, &wb, 1, &bytes, &flags, (SOCKADDR *)&from, &fromlen,
				 &ov, NULL);
		if (rc == (DWORD)SOCKET_ERROR && WSAGetLastError() != WSA_IO_PENDING) {
			printf("WSARecvFrom failed with error: %d\n", WSAGetLastError());
			break;
		}
		rc = WSAWaitForMultipleEvents(1, &ov.hEvent, TRUE, (DWORD)timeout, TRUE);
		if (rc == WSA_WAIT_TIMEOUT) {
			printf("no datagram within %d ms\n", timeout);
			break;
		}
		if (rc == WSA_WAIT_FAILED) {
			printf("WSAWaitForMultipleEvents failed with error: %d\n",
			       WSAGetLastError());
			break;
		}
		if (!WSAGetOverlappedResult(s, &ov, &bytes, FALSE, &flags)) {
			printf("WSARecvFrom completed with error: %d\n", WSAGetLastError());
			break;
		}
		printf("Received %lu bytes from %s:%d: \"%.40s\"\n", (unsigned long)bytes,
		       inet_ntoa(from.sin_addr), ntohs(from.sin_port), buf);
		fflush(stdout);
		got++;
	}
	WSACloseEvent(ov.hEvent);
	closesocket(s);
	WSACleanup();
	return got == count ? 0 : 1;
}
