// SPDX-License-Identifier: LGPL-2.1-or-later
/* errno / NTSTATUS / Winsock error translation, and message flags. */
#include "internal.h"

#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>

/* errno -> Winsock error, without context. */
static int plain_map(int e)
{
	switch (e) {
	case 0:			return 0;
	case EINTR:		return WSAEINTR;
	case EBADF:		return WSAENOTSOCK;
	case EACCES:
	case EPERM:		return WSAEACCES;
	case EFAULT:		return WSAEFAULT;
	case EINVAL:		return WSAEINVAL;
	case EMFILE:
	case ENFILE:		return WSAEMFILE;
	case EAGAIN:		return WSAEWOULDBLOCK;
	case EINPROGRESS:	return WSAEWOULDBLOCK;	/* nonblocking connect */
	case EALREADY:		return WSAEALREADY;
	case ENOTSOCK:		return WSAENOTSOCK;
	case EDESTADDRREQ:	return WSAEDESTADDRREQ;
	case EMSGSIZE:		return WSAEMSGSIZE;
	case EPROTOTYPE:	return WSAEPROTOTYPE;
	case ENOPROTOOPT:	return WSAENOPROTOOPT;
	case EPROTONOSUPPORT:	return WSAEPROTONOSUPPORT;
	case ESOCKTNOSUPPORT:	return WSAESOCKTNOSUPPORT;
	case EOPNOTSUPP:	return WSAEOPNOTSUPP;
	case EPFNOSUPPORT:	return WSAEPFNOSUPPORT;
	case EAFNOSUPPORT:	return WSAEAFNOSUPPORT;
	case EADDRINUSE:	return WSAEADDRINUSE;
	case EADDRNOTAVAIL:	return WSAEADDRNOTAVAIL;
	case ENETDOWN:		return WSAENETDOWN;
	case ENETUNREACH:	return WSAENETUNREACH;
	case ENETRESET:		return WSAENETRESET;
	case ECONNABORTED:	return WSAECONNABORTED;
	case ECONNRESET:	return WSAECONNRESET;
	case ENOBUFS:
	case ENOMEM:		return WSAENOBUFS;
	case EISCONN:		return WSAEISCONN;
	case ENOTCONN:		return WSAENOTCONN;
	case ESHUTDOWN:		return WSAESHUTDOWN;
	case ETOOMANYREFS:	return WSAETOOMANYREFS;
	case ETIMEDOUT:		return WSAETIMEDOUT;
	case ECONNREFUSED:	return WSAECONNREFUSED;
	case ELOOP:		return WSAELOOP;
	case ENAMETOOLONG:	return WSAENAMETOOLONG;
	case EHOSTDOWN:		return WSAEHOSTDOWN;
	case EHOSTUNREACH:	return WSAEHOSTUNREACH;
	case ENOTEMPTY:		return WSAENOTEMPTY;
	case EUSERS:		return WSAEUSERS;
	case EDQUOT:		return WSAEDQUOT;
	case ESTALE:		return WSAESTALE;
	case EREMOTE:		return WSAEREMOTE;
	case ECANCELED:		return WSA_OPERATION_ABORTED;
	case EPIPE:		return WSAESHUTDOWN;
	case ENODEV:
	case ENXIO:
	case ENOENT:		return WSAENETDOWN;
	case ENOSYS:
	case ENOTTY:		return WSAEOPNOTSUPP;
	default:		return WSAEINVAL;
	}
}

/*
 * Drain a datagram socket's error queue (IP_RECVERR) and refine the error:
 * ICMP port unreachable -> WSAECONNRESET, TTL/hop limit exceeded ->
 * WSAENETRESET.
 */
int wsa_drain_errqueue(SOCKET s, int dflt)
{
	char cbuf[512];
	int result = dflt;
	int i;

	for (i = 0; i < 64; i++) {
		struct msghdr mh;
		struct cmsghdr *c;
		char dummy[1];
		struct iovec iov = { dummy, sizeof(dummy) };

		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		if (recvmsg((int)s, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			break;
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			struct sock_extended_err ee;

			if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
			      (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
				continue;
			memcpy(&ee, CMSG_DATA(c), sizeof(ee));
			if (ee.ee_origin == SO_EE_ORIGIN_ICMP &&
			    ee.ee_type == ICMP_TIME_EXCEEDED)
				result = WSAENETRESET;
			else if (ee.ee_origin == SO_EE_ORIGIN_ICMP6 &&
				 ee.ee_type == ICMP6_TIME_EXCEEDED)
				result = WSAENETRESET;
			else if (ee.ee_errno == ECONNREFUSED)
				result = WSAECONNRESET;
		}
	}
	return result;
}

/* Did this stream socket ever get connected? */
static bool stream_connected(SOCKET s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return getpeername((int)s, (struct sockaddr *)&ss, &len) == 0 ||
	       errno != ENOTCONN;
}

/* errno -> Winsock error, knowing the socket and the operation. */
int wsa_map_errno(int e, SOCKET s, uint32_t sf, int ctx)
{
	switch (e) {
	case ECONNREFUSED:
		if (sf & SF_DGRAM)	/* ICMP port unreachable */
			return wsa_drain_errqueue(s, WSAECONNRESET);
		return WSAECONNREFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
		if (sf & SF_DGRAM)
			return wsa_drain_errqueue(s, plain_map(e));
		return plain_map(e);
	case EPIPE:
		if (sf & SF_SHUT_SEND)
			return WSAESHUTDOWN;
		if ((sf & SF_STREAM) && !stream_connected(s))
			return WSAENOTCONN;
		return (sf & SF_STREAM) ? WSAECONNRESET : WSAESHUTDOWN;
	case EAGAIN:
		if (ctx == CTX_SUBMIT)	/* too many outstanding ops */
			return WSAEWOULDBLOCK;
		if ((ctx == CTX_SEND || ctx == CTX_SENDTO || ctx == CTX_RECV) &&
		    !(sf & SF_NONBLOCK))
			return WSAETIMEDOUT;	/* SO_RCVTIMEO/SO_SNDTIMEO */
		return WSAEWOULDBLOCK;
	case EDESTADDRREQ:
		return ctx == CTX_SEND ? WSAENOTCONN : WSAEDESTADDRREQ;
	case ENOTCONN:
		return WSAENOTCONN;
	case EBADF:
	case ENOTSOCK:
		return WSAENOTSOCK;
	default:
		return plain_map(e);
	}
}

/* NTSTATUS from a status block -> errno (0 for success). */
int wsa_errno_from_status(uint64_t status)
{
	uint32_t st = (uint32_t)status;

	if (st == WSAOVL_STATUS_SUCCESS)
		return 0;
	if (st == WSAOVL_STATUS_BUFFER_OVERFLOW)
		return EMSGSIZE;
	if ((st & 0xFFFF0000U) == WSAOVL_STATUS_ERRNO_BASE)
		return (int)(st & 0xFFFF);
	switch (st) {
	case WSAOVL_STATUS_CANCELLED:			return ECANCELED;
	case WSAOVL_STATUS_CONNECTION_RESET:		return ECONNRESET;
	case WSAOVL_STATUS_CONNECTION_REFUSED:		return ECONNREFUSED;
	case WSAOVL_STATUS_CONNECTION_ABORTED:		return ECONNABORTED;
	case WSAOVL_STATUS_CONNECTION_DISCONNECTED:	return EPIPE;
	case WSAOVL_STATUS_INVALID_DEVICE_STATE:	return ENOTCONN;
	case WSAOVL_STATUS_INVALID_BUFFER_SIZE:		return EMSGSIZE;
	case WSAOVL_STATUS_ACCESS_VIOLATION:		return EFAULT;
	case WSAOVL_STATUS_NETWORK_UNREACHABLE:		return ENETUNREACH;
	case WSAOVL_STATUS_HOST_UNREACHABLE:		return EHOSTUNREACH;
	case WSAOVL_STATUS_IO_TIMEOUT:			return ETIMEDOUT;
	case WSAOVL_STATUS_INSUFFICIENT_RESOURCES:	return ENOBUFS;
	case WSAOVL_STATUS_ACCESS_DENIED:		return EACCES;
	case WSAOVL_STATUS_INVALID_ADDRESS_COMPONENT:	return EADDRNOTAVAIL;
	case WSAOVL_STATUS_NOT_SUPPORTED:		return EOPNOTSUPP;
	case WSAOVL_STATUS_INVALID_PARAMETER:		return EINVAL;
	}
	return EIO;
}

int wsa_flags_to_linux(DWORD w)
{
	int l = 0;

	if (w & W_MSG_OOB)
		l |= MSG_OOB;
	if (w & W_MSG_PEEK)
		l |= MSG_PEEK;
	if (w & W_MSG_DONTROUTE)
		l |= MSG_DONTROUTE;
	if (w & W_MSG_WAITALL)
		l |= MSG_WAITALL;
	return l;
}

DWORD wsa_flags_from_linux(int l)
{
	DWORD w = 0;

	if (l & MSG_TRUNC)
		w |= W_MSG_TRUNC;
	if (l & MSG_CTRUNC)
		w |= W_MSG_CTRUNC;
	if (l & MSG_OOB)
		w |= W_MSG_OOB;
	return w;
}

int wsa_min_addrlen(int family)
{
	switch (family) {
	case AF_INET:
		return (int)sizeof(struct sockaddr_in);
	case AF_INET6:
		return (int)sizeof(struct sockaddr_in6);
	default:
		return (int)sizeof(sa_family_t);
	}
}
