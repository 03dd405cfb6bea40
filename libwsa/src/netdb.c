// SPDX-License-Identifier: LGPL-2.1-or-later
/* inet_addr, inet_ntoa, gethostbyname, gethostname with Winsock errors. */
#include "internal.h"

#include <ifaddrs.h>
#include <net/if.h>

WSA_EXPORT ULONG WSAAPI wsa_inet_addr(const char *cp)
{
	struct in_addr a;

	if (!cp || !inet_aton(cp, &a))
		return INADDR_NONE;
	return a.s_addr;
}

WSA_EXPORT char *WSAAPI wsa_inet_ntoa(struct in_addr in)
{
	static __thread char buf[INET_ADDRSTRLEN];

	return (char *)inet_ntop(AF_INET, &in, buf, sizeof(buf));
}

WSA_EXPORT int WSAAPI wsa_gethostname(char *name, int namelen)
{
	int err = wsa_check_init();

	if (err)
		return wsa_fail(err);
	if (!name || namelen <= 0)
		return wsa_fail(WSAEFAULT);
	if (gethostname(name, (size_t)namelen) < 0 ||
	    !memchr(name, 0, (size_t)namelen))
		return wsa_fail(WSAEFAULT);
	return 0;
}

/* One hostent per thread, as Winsock. */
#define MAX_ADDRS 16
struct host_buf {
	struct hostent he;
	char name[256];
	char *aliases[1];
	char *addr_ptrs[MAX_ADDRS + 1];
	struct in_addr addrs[MAX_ADDRS];
};
static __thread struct host_buf hb;

static struct hostent *host_init(const char *name)
{
	memset(&hb, 0, sizeof(hb));
	snprintf(hb.name, sizeof(hb.name), "%s", name);
	hb.he.h_name = hb.name;
	hb.he.h_aliases = hb.aliases;
	hb.he.h_addrtype = AF_INET;
	hb.he.h_length = sizeof(struct in_addr);
	hb.he.h_addr_list = hb.addr_ptrs;
	return &hb.he;
}

static void host_add(struct in_addr a)
{
	int i;

	for (i = 0; i < MAX_ADDRS && hb.addr_ptrs[i]; i++)
		if (hb.addrs[i].s_addr == a.s_addr)
			return;
	if (i < MAX_ADDRS) {
		hb.addrs[i] = a;
		hb.addr_ptrs[i] = (char *)&hb.addrs[i];
	}
}

/*
 * gethostbyname("") or NULL: this host's IPv4 addresses, from the
 * interfaces that are up; loopback when there is no other.
 */
static struct hostent *local_host(void)
{
	struct ifaddrs *ifa, *i;
	char name[256] = "localhost";

	gethostname(name, sizeof(name) - 1);
	host_init(name);
	if (getifaddrs(&ifa) == 0) {
		for (i = ifa; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
				continue;
			if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
				continue;
			host_add(((struct sockaddr_in *)i->ifa_addr)->sin_addr);
		}
		freeifaddrs(ifa);
	}
	if (!hb.addr_ptrs[0]) {
		struct in_addr lo = { htonl(INADDR_LOOPBACK) };

		host_add(lo);
	}
	return &hb.he;
}

WSA_EXPORT struct hostent *WSAAPI wsa_gethostbyname(const char *name)
{
	struct addrinfo hints, *res, *ai;
	int err = wsa_check_init(), r;

	if (err) {
		wsa_fail(err);
		return NULL;
	}
	if (!name || !*name)
		return local_host();
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_CANONNAME;
	r = getaddrinfo(name, NULL, &hints, &res);
	if (r) {
		switch (r) {
		case EAI_AGAIN:
			err = WSATRY_AGAIN;
			break;
		case EAI_FAIL:
			err = WSANO_RECOVERY;
			break;
		case EAI_NODATA:
		case EAI_ADDRFAMILY:
			err = WSANO_DATA;
			break;
		case EAI_MEMORY:
			err = WSAENOBUFS;
			break;
		default:
			err = WSAHOST_NOT_FOUND;
		}
		wsa_fail(err);
		return NULL;
	}
	host_init(res->ai_canonname ? res->ai_canonname : name);
	for (ai = res; ai; ai = ai->ai_next)
		if (ai->ai_family == AF_INET)
			host_add(((struct sockaddr_in *)ai->ai_addr)->sin_addr);
	freeaddrinfo(res);
	return &hb.he;
}
