/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libwsa <ws2spi.h>: the one service-provider entry point libwsa offers,
 * WSPSendTo.  Errors go to *lpErrno (WSAGetLastError is left alone);
 * lpThreadId->ThreadHandle names the thread whose alertable wait runs the
 * completion routine (GetCurrentThread(), a CreateThread/OpenThread
 * handle).  No WSAStartup is needed.
 */
#ifndef LIBWSA_WS2SPI_H
#define LIBWSA_WS2SPI_H

#include <winsock2.h>

#ifdef __cplusplus
extern "C" {
#endif

int WSPAPI WSPSendTo(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		     LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
		     const struct sockaddr *lpTo, int iTolen,
		     LPWSAOVERLAPPED lpOverlapped,
		     LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine,
		     LPWSATHREADID lpThreadId, LPINT lpErrno);

typedef int (WSPAPI *LPWSPSENDTO)(SOCKET s, LPWSABUF lpBuffers,
				  DWORD dwBufferCount,
				  LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
				  const struct sockaddr *lpTo, int iTolen,
				  LPWSAOVERLAPPED lpOverlapped,
				  LPWSAOVERLAPPED_COMPLETION_ROUTINE
				  lpCompletionRoutine,
				  LPWSATHREADID lpThreadId, LPINT lpErrno);

#ifdef __cplusplus
}
#endif

#endif /* LIBWSA_WS2SPI_H */
