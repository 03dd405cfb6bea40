/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * With -O2 -D_FORTIFY_SOURCE=2, glibc's <sys/socket.h> defines recv() and
 * recvfrom() as inline wrappers calling libc's symbols.  <winsock2.h>
 * first: it includes <sys/socket.h> without them, so recv and recvfrom
 * stay Winsock's (WSAGetLastError).  -DSOCKET_FIRST: <sys/socket.h> first,
 * the wrappers exist already and <winsock2.h> warns.  C and C++.
 */
#ifdef SOCKET_FIRST
#include <sys/socket.h>
#endif
#include <winsock2.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	WSADATA d;
	SOCKET bad = INVALID_SOCKET;
	struct sockaddr_in a;
	char buf[16], host[256];
	int len = sizeof(a);
	socklen_t slen = sizeof(a);

	if (WSAStartup(MAKEWORD(2, 2), &d))
		return 1;
	WSASetLastError(0);
	if (recv(bad, buf, sizeof(buf), 0) != SOCKET_ERROR ||
	    WSAGetLastError() != WSAENOTSOCK)
		return 2;
	WSASetLastError(0);
	if (recvfrom(bad, buf, sizeof(buf), 0, (SOCKADDR *)&a, &len) != SOCKET_ERROR ||
	    WSAGetLastError() != WSAENOTSOCK)
		return 3;
	WSASetLastError(0);
	if (recvfrom(bad, buf, sizeof(buf), 0, (SOCKADDR *)&a, &slen) != SOCKET_ERROR ||
	    WSAGetLastError() != WSAENOTSOCK)
		return 4;
	/* gethostname is glibc's fortified one here (differences.rst) */
	if (gethostname(host, sizeof(host)) != 0)
		return 5;
	WSACleanup();
	return 0;
}
