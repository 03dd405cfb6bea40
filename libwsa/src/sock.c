// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The socket table (per-fd attributes Linux does not keep for us) and the
 * Berkeley-style Winsock calls: socket, bind, connect, options, ioctls...
 */
#include "internal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/ioctl.h>

/* ---- Socket table: lock-free reads, chunks allocated on demand ---- */

#define CHUNK_BITS	12
#define CHUNK_SIZE	(1U << CHUNK_BITS)
#define NCHUNKS		1024	/* fds below 4M */

struct sock_ent {
	atomic_uint flags;	/* SF_* */
	atomic_uint timeo[2];	/* SO_RCVTIMEO, SO_SNDTIMEO as set (ms) */
};

static _Atomic(struct sock_ent *) chunks[NCHUNKS];

static struct sock_ent *entry(SOCKET s, bool create)
{
	size_t c = (size_t)s >> CHUNK_BITS;
	struct sock_ent *p, *expect = NULL;

	if (c >= NCHUNKS)
		return NULL;
	p = atomic_load_explicit(&chunks[c], memory_order_acquire);
	if (p || !create)
		return p ? &p[s & (CHUNK_SIZE - 1)] : NULL;
	p = calloc(CHUNK_SIZE, sizeof(*p));
	if (!p)
		return NULL;
	if (!atomic_compare_exchange_strong(&chunks[c], &expect, p)) {
		free(p);
		p = expect;
	}
	return &p[s & (CHUNK_SIZE - 1)];
}

static atomic_uint *slot(SOCKET s, bool create)
{
	struct sock_ent *e = entry(s, create);

	return e ? &e->flags : NULL;
}

void wsa_sock_set(SOCKET s, uint32_t flags)
{
	atomic_uint *p = slot(s, true);

	if (p)
		atomic_store(p, flags | SF_KNOWN);
}

void wsa_sock_or(SOCKET s, uint32_t bits)
{
	atomic_uint *p = slot(s, false);

	if (p)
		atomic_fetch_or(p, bits);
}

void wsa_sock_and(SOCKET s, uint32_t bits)
{
	atomic_uint *p = slot(s, false);

	if (p)
		atomic_fetch_and(p, bits);
}

void wsa_sock_clear(SOCKET s)
{
	struct sock_ent *e = entry(s, false);

	if (e) {
		atomic_store(&e->flags, 0);
		atomic_store(&e->timeo[0], 0);
		atomic_store(&e->timeo[1], 0);
	}
}

static uint32_t probe_flags(int fd, int type, int domain)
{
	uint32_t f = SF_KNOWN;

	if (type == SOCK_STREAM || type == SOCK_SEQPACKET)
		f |= SF_STREAM;
	else if (type == SOCK_DGRAM)
		f |= SF_DGRAM;
	else if (type == SOCK_RAW)
		f |= SF_DGRAM | SF_RAW;
	if (domain == AF_INET)
		f |= SF_INET;
	else if (domain == AF_INET6)
		f |= SF_INET6;
	if (fcntl(fd, F_GETFL) & O_NONBLOCK)
		f |= SF_NONBLOCK;
	return f;
}

static void enable_recverr(int fd, uint32_t f)
{
	int one = 1;

	if (!(f & SF_DGRAM) || (f & SF_RAW))
		return;
	if (f & (SF_INET | SF_INET6))
		setsockopt(fd, SOL_IP, IP_RECVERR, &one, sizeof(one));
	if (f & SF_INET6)
		setsockopt(fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof(one));
}

/* Attributes of s, learning a socket libwsa did not create on first use. */
int wsa_sock_get(SOCKET s, uint32_t *flags)
{
	atomic_uint *p;
	uint32_t f;
	int type, domain;
	socklen_t len;

	if (s == INVALID_SOCKET || s > INT_MAX)
		return WSAENOTSOCK;
	p = slot(s, false);
	if (p) {
		f = atomic_load_explicit(p, memory_order_relaxed);
		if (f & SF_KNOWN) {
			*flags = f;
			return 0;
		}
	}
	len = sizeof(type);
	if (getsockopt((int)s, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return WSAENOTSOCK;
	len = sizeof(domain);
	if (getsockopt((int)s, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0)
		domain = AF_UNSPEC;
	f = probe_flags((int)s, type, domain);
	enable_recverr((int)s, f);
	wsa_sock_set(s, f);
	*flags = f;
	return 0;
}

/* Is the socket bound?  Caches the answer once it is. */
int wsa_sock_bound(SOCKET s, uint32_t *flags)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (*flags & SF_BOUND)
		return 1;
	if (getsockname((int)s, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if ((ss.ss_family == AF_INET &&
	     ((struct sockaddr_in *)&ss)->sin_port == 0) ||
	    (ss.ss_family == AF_INET6 &&
	     ((struct sockaddr_in6 *)&ss)->sin6_port == 0))
		return 0;
	wsa_sock_or(s, SF_BOUND);
	*flags |= SF_BOUND;
	return 1;
}

static int sock_enter(SOCKET s, uint32_t *flags)
{
	int err = wsa_check_init();

	if (!err)
		err = wsa_sock_get(s, flags);
	return err;
}

#define ENTER(s, f) do { \
	int err_ = sock_enter((s), &(f)); \
	if (err_) \
		return wsa_fail(err_); \
} while (0)

/* ---- Creation and teardown ---- */

static SOCKET make_socket(int af, int type, int protocol, DWORD wflags)
{
	int fd, err, ltype = type;
	uint32_t f;

	err = wsa_check_init();
	if (err) {
		wsa_fail(err);
		return INVALID_SOCKET;
	}
	if (af == 23)		/* Windows' AF_INET6 number */
		af = AF_INET6;
	if (wflags & WSA_FLAG_NO_HANDLE_INHERIT)
		ltype |= SOCK_CLOEXEC;
	fd = socket(af, ltype, protocol);
	if (fd < 0) {
		switch (errno) {
		case EINVAL:
			err = (type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) > SOCK_PACKET
				? WSAESOCKTNOSUPPORT : WSAEINVAL;
			break;
		case EPROTONOSUPPORT:
			err = WSAEPROTONOSUPPORT;
			break;
		case ESOCKTNOSUPPORT:
			err = WSAESOCKTNOSUPPORT;
			break;
		default:
			err = wsa_map_errno(errno, INVALID_SOCKET, 0, CTX_OTHER);
		}
		wsa_fail(err);
		return INVALID_SOCKET;
	}
	f = probe_flags(fd, type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC), af);
	if (!(wflags & WSA_FLAG_OVERLAPPED))
		f |= SF_NOOVL;
	enable_recverr(fd, f);
	if (af == AF_INET6) {	/* Windows' default: IPv6 only */
		int one = 1;

		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	}
	wsa_sock_set((SOCKET)fd, f);
	return (SOCKET)fd;
}

WSA_EXPORT SOCKET WSAAPI wsa_socket(int af, int type, int protocol)
{
	/* socket() sockets have the overlapped attribute */
	return make_socket(af, type, protocol, WSA_FLAG_OVERLAPPED);
}

WSA_EXPORT SOCKET WSAAPI WSASocketA(int af, int type, int protocol,
				    LPWSAPROTOCOL_INFOA lpProtocolInfo,
				    GROUP g, DWORD dwFlags)
{
	if (lpProtocolInfo) {
		if (af == 0)
			af = lpProtocolInfo->iAddressFamily;
		if (type == 0)
			type = lpProtocolInfo->iSocketType;
		if (protocol == 0)
			protocol = lpProtocolInfo->iProtocol;
	}
	if (g != 0) {
		wsa_fail(WSAEINVAL);
		return INVALID_SOCKET;
	}
	return make_socket(af, type, protocol, dwFlags);
}

WSA_EXPORT SOCKET WSAAPI WSASocketW(int af, int type, int protocol,
				    LPWSAPROTOCOL_INFOW lpProtocolInfo,
				    GROUP g, DWORD dwFlags)
{
	if (lpProtocolInfo) {
		if (af == 0)
			af = lpProtocolInfo->iAddressFamily;
		if (type == 0)
			type = lpProtocolInfo->iSocketType;
		if (protocol == 0)
			protocol = lpProtocolInfo->iProtocol;
	}
	return WSASocketA(af, type, protocol, NULL, g, dwFlags);
}

WSA_EXPORT int WSAAPI closesocket(SOCKET s)
{
	uint32_t f;

	ENTER(s, f);
	if (wsa_dev.fd >= 0) {
		/* pending ops complete with WSA_OPERATION_ABORTED */
		struct wsaovl_cancel c = {
			.what = WSAOVL_CANCEL_FD,
			.fd = (int32_t)s,
		};

		ioctl(wsa_dev.fd, WSAOVL_IOC_CANCEL, &c);
	}
	wsa_sock_clear(s);
	if (close((int)s) < 0 && errno == EBADF)
		return wsa_fail(WSAENOTSOCK);
	return 0;
}

/* ---- Addresses ---- */

static int check_addr(const struct sockaddr *sa, int len)
{
	if (!sa || len < (int)sizeof(sa_family_t))
		return WSAEFAULT;
	if (len < wsa_min_addrlen(sa->sa_family))
		return WSAEFAULT;
	return 0;
}

static bool addr_is_any(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr ==
			htonl(INADDR_ANY);
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(
			&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}

WSA_EXPORT int WSAAPI wsa_bind(SOCKET s, const struct sockaddr *name,
			       int namelen)
{
	uint32_t f;
	int err;

	ENTER(s, f);
	err = check_addr(name, namelen);
	if (err)
		return wsa_fail(err);
	if (bind((int)s, name, (socklen_t)namelen) < 0)
		return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
	wsa_sock_or(s, SF_BOUND);
	return 0;
}

WSA_EXPORT int WSAAPI wsa_connect(SOCKET s, const struct sockaddr *name,
				  int namelen)
{
	uint32_t f;
	int err;

	ENTER(s, f);
	err = check_addr(name, namelen);
	if (err)
		return wsa_fail(err);
	if (addr_is_any(name)) {
		if (f & SF_DGRAM) {	/* zero address: dissolve the association */
			struct sockaddr un = { .sa_family = AF_UNSPEC };

			connect((int)s, &un, sizeof(un));
			return 0;
		}
		return wsa_fail(WSAEADDRNOTAVAIL);
	}
	if (connect((int)s, name, (socklen_t)namelen) < 0) {
		if (errno == EINPROGRESS || errno == EALREADY)
			wsa_sock_or(s, SF_BOUND);
		return wsa_fail(wsa_map_errno(errno, s, f, CTX_CONNECT));
	}
	wsa_sock_or(s, SF_BOUND | SF_CONNECTED);
	return 0;
}

WSA_EXPORT int WSAAPI wsa_listen(SOCKET s, int backlog)
{
	uint32_t f;

	ENTER(s, f);
	if (f & SF_DGRAM)
		return wsa_fail(WSAEOPNOTSUPP);
	if (wsa_sock_bound(s, &f) == 0)
		return wsa_fail(WSAEINVAL);	/* Windows needs a bind first */
	if (listen((int)s, backlog) < 0)
		return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
	wsa_sock_or(s, SF_LISTEN);
	return 0;
}

WSA_EXPORT SOCKET WSAAPI wsa_accept(SOCKET s, struct sockaddr *addr,
				    int *addrlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint32_t f;
	int err, fd;

	err = sock_enter(s, &f);
	if (err) {
		wsa_fail(err);
		return INVALID_SOCKET;
	}
	if (addr && (!addrlen || *addrlen < wsa_min_addrlen(
			(f & SF_INET6) ? AF_INET6 : AF_INET))) {
		wsa_fail(WSAEFAULT);
		return INVALID_SOCKET;
	}
	if (!(f & SF_LISTEN)) {
		wsa_fail(WSAEINVAL);
		return INVALID_SOCKET;
	}
	fd = accept4((int)s, (struct sockaddr *)&ss, &len,
		     (f & SF_NONBLOCK) ? SOCK_NONBLOCK : 0);
	if (fd < 0) {
		wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
		return INVALID_SOCKET;
	}
	if (addr) {
		memcpy(addr, &ss, (size_t)len < (size_t)*addrlen ? len : (size_t)*addrlen);
		*addrlen = (int)len;
	}
	/* the accepted socket inherits the listener's attributes */
	wsa_sock_set((SOCKET)fd, (f & (SF_STREAM | SF_INET | SF_INET6 |
				       SF_NOOVL | SF_NONBLOCK)) |
		     SF_BOUND | SF_CONNECTED);
	return (SOCKET)fd;
}

WSA_EXPORT int WSAAPI wsa_shutdown(SOCKET s, int how)
{
	uint32_t f, bits;

	ENTER(s, f);
	switch (how) {
	case SD_RECEIVE:
		bits = SF_SHUT_RECV;
		break;
	case SD_SEND:
		bits = SF_SHUT_SEND;
		break;
	case SD_BOTH:
		bits = SF_SHUT_RECV | SF_SHUT_SEND;
		break;
	default:
		return wsa_fail(WSAEINVAL);
	}
	if (shutdown((int)s, how) < 0) {
		/* Linux refuses shutdown on unconnected datagram sockets;
		 * Winsock allows it: libwsa tracks it (sends then fail with
		 * WSAESHUTDOWN). */
		if (!(errno == ENOTCONN && (f & SF_DGRAM)))
			return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
	}
	wsa_sock_or(s, bits);
	return 0;
}

static int name_common(SOCKET s, struct sockaddr *name, int *namelen,
		       bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	uint32_t f;
	int r;

	ENTER(s, f);
	if (!name || !namelen || *namelen < 0)
		return wsa_fail(WSAEFAULT);
	r = peer ? getpeername((int)s, (struct sockaddr *)&ss, &len)
		 : getsockname((int)s, (struct sockaddr *)&ss, &len);
	if (r < 0)
		return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
	if (!peer && ((ss.ss_family == AF_INET &&
		       ((struct sockaddr_in *)&ss)->sin_port == 0) ||
		      (ss.ss_family == AF_INET6 &&
		       ((struct sockaddr_in6 *)&ss)->sin6_port == 0)))
		return wsa_fail(WSAEINVAL);	/* not bound */
	if ((socklen_t)*namelen < len)
		return wsa_fail(WSAEFAULT);
	memcpy(name, &ss, len);
	*namelen = (int)len;
	return 0;
}

WSA_EXPORT int WSAAPI wsa_getsockname(SOCKET s, struct sockaddr *name,
				      int *namelen)
{
	return name_common(s, name, namelen, false);
}

WSA_EXPORT int WSAAPI wsa_getpeername(SOCKET s, struct sockaddr *name,
				      int *namelen)
{
	return name_common(s, name, namelen, true);
}

/* ---- Options ---- */

static bool bool_opt(int name)
{
	switch (name) {
	case SO_BROADCAST:
	case SO_REUSEADDR:
	case SO_KEEPALIVE:
	case SO_DONTROUTE:
	case SO_OOBINLINE:
	case SO_DEBUG:
		return true;
	default:
		return false;
	}
}

static int read_int(const char *optval, int optlen)
{
	int v = 0;

	if (optlen >= (int)sizeof(int))
		memcpy(&v, optval, sizeof(int));
	else if (optlen >= 1)
		v = (unsigned char)optval[0];
	return v;
}

WSA_EXPORT int WSAAPI wsa_setsockopt(SOCKET s, int level, int optname,
				     const char *optval, int optlen)
{
	const void *val = optval;
	socklen_t len = (socklen_t)optlen;
	struct timeval tv;
	struct linger lg;
	uint32_t f;
	int iv;

	ENTER(s, f);
	if (optlen < 0 || (!optval && optlen > 0))
		return wsa_fail(WSAEFAULT);
	if (level == W_SOL_SOCKET)
		level = SOL_SOCKET;
	if (level == SOL_SOCKET) {
		switch (optname) {
		case SO_RCVTIMEO:
		case SO_SNDTIMEO: {
			DWORD ms;

			if (optlen < (int)sizeof(DWORD))
				return wsa_fail(WSAEFAULT);
			memcpy(&ms, optval, sizeof(ms));	/* a DWORD of ms */
			tv.tv_sec = ms / 1000;
			tv.tv_usec = (ms % 1000) * 1000;
			if (setsockopt((int)s, level, optname, &tv, sizeof(tv)) < 0)
				return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
			{
				/* Linux rounds to jiffies: keep the exact value */
				struct sock_ent *e = entry(s, true);

				if (e)
					atomic_store(&e->timeo[optname == SO_SNDTIMEO], ms);
			}
			return 0;
		}
		case SO_LINGER:
			if (optlen == 2 * (int)sizeof(u_short)) {
				u_short w[2];	/* the Windows struct linger */

				memcpy(w, optval, sizeof(w));
				lg.l_onoff = w[0];
				lg.l_linger = w[1];
			} else if (optlen >= (int)sizeof(lg)) {
				memcpy(&lg, optval, sizeof(lg));
			} else {
				return wsa_fail(WSAEFAULT);
			}
			val = &lg;
			len = sizeof(lg);
			break;
		case SO_DONTLINGER:
			if (optlen < 1)
				return wsa_fail(WSAEFAULT);
			lg.l_onoff = !read_int(optval, optlen);
			lg.l_linger = 0;
			optname = SO_LINGER;
			val = &lg;
			len = sizeof(lg);
			break;
		case SO_EXCLUSIVEADDRUSE:
		case SO_CONDITIONAL_ACCEPT:
		case SO_UPDATE_ACCEPT_CONTEXT:
		case SO_UPDATE_CONNECT_CONTEXT:
			return 0;	/* accepted, nothing to do on Linux */
		case SO_MAX_MSG_SIZE:
		case SO_CONNECT_TIME:
		case SO_TYPE:
		case SO_ERROR:
		case SO_PROTOCOL_INFOA:
		case SO_PROTOCOL_INFOW:
			return wsa_fail(WSAENOPROTOOPT);	/* read-only */
		default:
			if (bool_opt(optname)) {
				if (optlen < 1)
					return wsa_fail(WSAEFAULT);
				iv = read_int(optval, optlen) != 0;
				val = &iv;
				len = sizeof(iv);
			}
		}
	} else if (level == IPPROTO_IP && optname == IP_DONTFRAGMENT) {
		if (optlen < 1)
			return wsa_fail(WSAEFAULT);
		iv = read_int(optval, optlen) ? IP_PMTUDISC_DO : IP_PMTUDISC_DONT;
		optname = IP_MTU_DISCOVER;
		val = &iv;
		len = sizeof(iv);
	} else if (level == IPPROTO_IP &&
		   (optname == IP_PKTINFO || optname == IP_HDRINCL ||
		    optname == IP_RECVTTL || optname == IP_RECVTOS)) {
		if (optlen < 1)
			return wsa_fail(WSAEFAULT);
		iv = read_int(optval, optlen) != 0;
		val = &iv;
		len = sizeof(iv);
	} else if (level == IPPROTO_IPV6 && optname == IPV6_PKTINFO) {
		/* Winsock's IPV6_PKTINFO switches reception on */
		if (optlen < 1)
			return wsa_fail(WSAEFAULT);
		iv = read_int(optval, optlen) != 0;
		optname = IPV6_RECVPKTINFO;
		val = &iv;
		len = sizeof(iv);
	} else if (level == IPPROTO_IPV6 && optname == IPV6_V6ONLY) {
		if (optlen < 1)
			return wsa_fail(WSAEFAULT);
		iv = read_int(optval, optlen) != 0;
		val = &iv;
		len = sizeof(iv);
	} else if (level == IPPROTO_TCP && optname == TCP_NODELAY) {
		if (optlen < 1)
			return wsa_fail(WSAEFAULT);
		iv = read_int(optval, optlen) != 0;
		val = &iv;
		len = sizeof(iv);
	}
	if (setsockopt((int)s, level, optname, val, len) < 0)
		return wsa_fail(errno == EINVAL && len < sizeof(int)
				? WSAEFAULT
				: wsa_map_errno(errno, s, f, CTX_OTHER));
	return 0;
}

static int put_opt(char *optval, int *optlen, const void *v, int size)
{
	if (*optlen < size)
		return wsa_fail(WSAEFAULT);
	memcpy(optval, v, (size_t)size);
	*optlen = size;
	return 0;
}

WSA_EXPORT int WSAAPI wsa_getsockopt(SOCKET s, int level, int optname,
				     char *optval, int *optlen)
{
	socklen_t len;
	uint32_t f;
	int iv;

	ENTER(s, f);
	if (!optval || !optlen || *optlen < 0)
		return wsa_fail(WSAEFAULT);
	if (level == W_SOL_SOCKET)
		level = SOL_SOCKET;
	if (level == SOL_SOCKET) {
		switch (optname) {
		case SO_RCVTIMEO:
		case SO_SNDTIMEO: {
			struct timeval tv;
			DWORD ms;

			len = sizeof(tv);
			if (getsockopt((int)s, level, optname, &tv, &len) < 0)
				break;
			ms = (DWORD)(tv.tv_sec * 1000 + tv.tv_usec / 1000);
			{
				struct sock_ent *e = entry(s, false);
				DWORD set = e ? atomic_load(&e->timeo[optname == SO_SNDTIMEO]) : 0;

				/* the value set, unless changed behind our back */
				if (set && ms >= set && ms - set < 20)
					ms = set;
			}
			return put_opt(optval, optlen, &ms, sizeof(ms));
		}
		case SO_MAX_MSG_SIZE: {
			/* UDP payload limits; no limit for streams */
			DWORD m = 0xFFFFFFFFU;

			if (f & SF_DGRAM)
				m = (f & SF_INET6) ? 65527 : 65507;
			return put_opt(optval, optlen, &m, sizeof(m));
		}
		case SO_ERROR: {
			int e;

			len = sizeof(e);
			if (getsockopt((int)s, level, optname, &e, &len) < 0)
				break;
			iv = e ? wsa_map_errno(e, s, f, CTX_OTHER) : 0;
			return put_opt(optval, optlen, &iv, sizeof(iv));
		}
		case SO_LINGER: {
			struct linger lg;

			len = sizeof(lg);
			if (getsockopt((int)s, level, optname, &lg, &len) < 0)
				break;
			if (*optlen >= (int)sizeof(lg))
				return put_opt(optval, optlen, &lg, sizeof(lg));
			{
				u_short w[2] = { (u_short)lg.l_onoff,
						 (u_short)lg.l_linger };

				return put_opt(optval, optlen, w, sizeof(w));
			}
		}
		case SO_DONTLINGER: {
			struct linger lg;

			len = sizeof(lg);
			if (getsockopt((int)s, level, SO_LINGER, &lg, &len) < 0)
				break;
			iv = !lg.l_onoff;
			return put_opt(optval, optlen, &iv, sizeof(iv));
		}
		case SO_EXCLUSIVEADDRUSE:
		case SO_CONDITIONAL_ACCEPT:
			iv = 0;
			return put_opt(optval, optlen, &iv, sizeof(iv));
		default:
			break;
		}
	}
	if (level == IPPROTO_IPV6 && optname == IPV6_PKTINFO)
		optname = IPV6_RECVPKTINFO;
	len = (socklen_t)*optlen;
	if (level == SOL_SOCKET && (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO ||
				    optname == SO_ERROR || optname == SO_LINGER ||
				    optname == SO_DONTLINGER))
		return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
	if (getsockopt((int)s, level, optname, optval, &len) < 0)
		return wsa_fail(errno == EINVAL ? WSAEFAULT
				: wsa_map_errno(errno, s, f, CTX_OTHER));
	*optlen = (int)len;
	return 0;
}

/* ---- ioctls ---- */

WSA_EXPORT int WSAAPI ioctlsocket(SOCKET s, long cmd, u_long *argp)
{
	uint32_t f;
	int iv;

	ENTER(s, f);
	if (!argp)
		return wsa_fail(WSAEFAULT);
	switch ((DWORD)cmd) {
	case FIONBIO:
	case WSA_FIONBIO_WIN:
		iv = *argp != 0;
		if (ioctl((int)s, FIONBIO, &iv) < 0)
			return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
		if (iv)
			wsa_sock_or(s, SF_NONBLOCK);
		else
			wsa_sock_and(s, ~SF_NONBLOCK);
		return 0;
	case FIONREAD:
	case WSA_FIONREAD_WIN:
		if (ioctl((int)s, FIONREAD, &iv) < 0)
			return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
		*argp = (u_long)iv;
		return 0;
	case SIOCATMARK:
	case WSA_SIOCATMARK_WIN:
		if (ioctl((int)s, SIOCATMARK, &iv) < 0)
			return wsa_fail(wsa_map_errno(errno, s, f, CTX_OTHER));
		/* Winsock: TRUE when there is no urgent data to read */
		*argp = !iv;
		return 0;
	default:
		return wsa_fail(WSAEINVAL);
	}
}

/* ---- select: the Linux fd_set, nfds ignored as on Windows ---- */

WSA_EXPORT int WSAAPI wsa_select(int nfds, fd_set *readfds, fd_set *writefds,
				 fd_set *exceptfds,
				 const struct timeval *timeout)
{
	struct timeval tv, *ptv = NULL;
	int err = wsa_check_init(), r, i, any = 0;

	(void)nfds;
	if (err)
		return wsa_fail(err);
	for (i = 0; i < FD_SETSIZE && !any; i++)
		any = (readfds && FD_ISSET(i, readfds)) ||
		      (writefds && FD_ISSET(i, writefds)) ||
		      (exceptfds && FD_ISSET(i, exceptfds));
	if (!any)
		return wsa_fail(WSAEINVAL);
	if (timeout) {
		tv = *timeout;
		ptv = &tv;
	}
	r = select(FD_SETSIZE, readfds, writefds, exceptfds, ptv);
	if (r < 0)
		return wsa_fail(errno == EBADF ? WSAENOTSOCK
				: wsa_map_errno(errno, INVALID_SOCKET, 0, CTX_OTHER));
	return r;
}
