/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libwsa <mswsock.h>: Microsoft-specific extension functions, reached with
 * WSAIoctl(SIO_GET_EXTENSION_FUNCTION_POINTER).  libwsa provides
 * WSARecvMsg and WSASendMsg; other GUIDs fail with WSAEINVAL.
 */
#ifndef LIBWSA_MSWSOCK_H
#define LIBWSA_MSWSOCK_H

#include <winsock2.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WSAID_WSARECVMSG \
	{ 0xf689d7c8, 0x6f1f, 0x436b, \
	  { 0x8a, 0x53, 0xe5, 0x4f, 0xe3, 0x51, 0xc3, 0x22 } }
#define WSAID_WSASENDMSG \
	{ 0xa441e712, 0x754f, 0x43ca, \
	  { 0x84, 0xa7, 0x0d, 0xee, 0x44, 0xcf, 0x60, 0x6d } }

typedef INT (PASCAL *LPFN_WSARECVMSG)(SOCKET s, LPWSAMSG lpMsg,
				      LPDWORD lpdwNumberOfBytesRecvd,
				      LPWSAOVERLAPPED lpOverlapped,
				      LPWSAOVERLAPPED_COMPLETION_ROUTINE
				      lpCompletionRoutine);
typedef INT (PASCAL *LPFN_WSASENDMSG)(SOCKET s, LPWSAMSG lpMsg, DWORD dwFlags,
				      LPDWORD lpNumberOfBytesSent,
				      LPWSAOVERLAPPED lpOverlapped,
				      LPWSAOVERLAPPED_COMPLETION_ROUTINE
				      lpCompletionRoutine);

#define WSARECVMSG "WSARecvMsg"
#define WSASENDMSG "WSASendMsg"

#ifdef __cplusplus
}
#endif

#endif /* LIBWSA_MSWSOCK_H */
