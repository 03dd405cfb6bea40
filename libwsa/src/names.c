// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The symbols <winsock2.h> binds the libc names to (socket, bind, send,
 * select, gethostname, ...) in a Winsock translation unit: glibc's
 * prototypes, Winsock semantics.  Each converts the POSIX argument types
 * back to the Winsock ones the caller passed and runs the wsa_* function:
 * an int descriptor is the SOCKET (sign-extended, so -1 stays
 * INVALID_SOCKET), a size_t length the int the caller passed (truncated
 * back), a socklen_t * the int *.
 */
#include "internal.h"

static inline SOCKET to_sock(int fd)
{
	return (SOCKET)(LONG_PTR)fd;
}

static inline int to_fd(SOCKET s)
{
	return s == INVALID_SOCKET ? -1 : (int)s;
}

WSA_EXPORT int __wsa_socket(int af, int type, int protocol)
{
	return to_fd(wsa_socket(af, type, protocol));
}

WSA_EXPORT int __wsa_bind(int s, const struct sockaddr *name,
			  socklen_t namelen)
{
	return wsa_bind(to_sock(s), name, (int)namelen);
}

WSA_EXPORT int __wsa_connect(int s, const struct sockaddr *name,
			     socklen_t namelen)
{
	return wsa_connect(to_sock(s), name, (int)namelen);
}

WSA_EXPORT int __wsa_listen(int s, int backlog)
{
	return wsa_listen(to_sock(s), backlog);
}

WSA_EXPORT int __wsa_accept(int s, struct sockaddr *addr, socklen_t *addrlen)
{
	return to_fd(wsa_accept(to_sock(s), addr, (int *)addrlen));
}

WSA_EXPORT int __wsa_shutdown(int s, int how)
{
	return wsa_shutdown(to_sock(s), how);
}

WSA_EXPORT int __wsa_getsockname(int s, struct sockaddr *name,
				 socklen_t *namelen)
{
	return wsa_getsockname(to_sock(s), name, (int *)namelen);
}

WSA_EXPORT int __wsa_getpeername(int s, struct sockaddr *name,
				 socklen_t *namelen)
{
	return wsa_getpeername(to_sock(s), name, (int *)namelen);
}

WSA_EXPORT int __wsa_setsockopt(int s, int level, int optname,
				const void *optval, socklen_t optlen)
{
	return wsa_setsockopt(to_sock(s), level, optname, optval, (int)optlen);
}

WSA_EXPORT int __wsa_getsockopt(int s, int level, int optname, void *optval,
				socklen_t *optlen)
{
	return wsa_getsockopt(to_sock(s), level, optname, optval,
			      (int *)optlen);
}

WSA_EXPORT ssize_t __wsa_send(int s, const void *buf, size_t len, int flags)
{
	return wsa_send(to_sock(s), buf, (int)len, flags);
}

WSA_EXPORT ssize_t __wsa_sendto(int s, const void *buf, size_t len, int flags,
				const struct sockaddr *to, socklen_t tolen)
{
	return wsa_sendto(to_sock(s), buf, (int)len, flags, to, (int)tolen);
}

WSA_EXPORT ssize_t __wsa_recv(int s, void *buf, size_t len, int flags)
{
	return wsa_recv(to_sock(s), buf, (int)len, flags);
}

WSA_EXPORT ssize_t __wsa_recvfrom(int s, void *buf, size_t len, int flags,
				  struct sockaddr *from, socklen_t *fromlen)
{
	return wsa_recvfrom(to_sock(s), buf, (int)len, flags, from,
			    (int *)fromlen);
}

WSA_EXPORT int __wsa_select(int nfds, fd_set *readfds, fd_set *writefds,
			    fd_set *exceptfds, struct timeval *timeout)
{
	return wsa_select(nfds, readfds, writefds, exceptfds, timeout);
}

WSA_EXPORT in_addr_t __wsa_inet_addr(const char *cp)
{
	return wsa_inet_addr(cp);
}

WSA_EXPORT char *__wsa_inet_ntoa(struct in_addr in)
{
	return wsa_inet_ntoa(in);
}

WSA_EXPORT struct hostent *__wsa_gethostbyname(const char *name)
{
	return wsa_gethostbyname(name);
}

WSA_EXPORT int __wsa_gethostname(char *name, size_t namelen)
{
	return wsa_gethostname(name, (int)namelen);
}
