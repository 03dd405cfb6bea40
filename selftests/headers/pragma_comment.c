/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Windows sources name their import libraries with #pragma comment; it
 * must not warn (-Wunknown-pragmas, part of -Wall).  -DPRAGMA_BEFORE puts
 * one before the include as well.  C and C++.
 */
#ifdef PRAGMA_BEFORE
#pragma comment(lib, "ws2_32.lib")
#endif
#include <winsock2.h>
#include <mswsock.h>
#pragma comment(lib, "Ws2_32.lib")
#pragma comment(lib, "mswsock.lib")

int main(void)
{
	WSADATA d;

	if (WSAStartup(MAKEWORD(2, 2), &d))
		return 1;
	return WSACleanup();
}
