/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compiled (to assembly only) by gen-win64-layout.sh with mingw-w64's
 * x86_64 compiler and headers: every size, alignment and offset of
 * layout.def, as Win64 has it, comes out as a "#@@ NAME VALUE" line.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <ws2spi.h>
#include <windows.h>
#include <winternl.h>	/* NTSTATUS */
#include <cfgmgr32.h>	/* PCVOID */
#include <stddef.h>

/* Windows SDK names that mingw-w64's headers lack (ws2ipdef.h, ws2def.h). */
typedef SOCKADDR_IN6 SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH;
typedef SOCKADDR_STORAGE SOCKADDR_STORAGE_LH;
typedef WSACMSGHDR CMSGHDR, *PCMSGHDR;
typedef IN_PKTINFO *PIN_PKTINFO;
typedef IN6_PKTINFO *PIN6_PKTINFO;
typedef IPV6_MREQ *PIPV6_MREQ;

#define V(name, val) \
	__asm__ volatile("\n#@@ " name " %c0" : : "i"((long long)(val)))
/* (#t, not TS(t, t): a name may be a macro, e.g. REFGUID in C) */
#define T(t)	V("SIZE_" #t, sizeof(t)); V("ALIGN_" #t, __alignof__(t));
#define TS(key, t) \
	V("SIZE_" #key, sizeof(t)); V("ALIGN_" #key, __alignof__(t));
#define DT(t, sz, al)		T(t)
#define DTS(key, t, sz, al)	TS(key, t)
#define F(t, f) \
	V("OFF_" #t "_" #f, offsetof(t, f)); \
	V("FSIZE_" #t "_" #f, sizeof(((t *)0)->f));
#define DF(t, f, off, sz) F(t, f)
#define L(t, sz, al)

void layout(void);
void layout(void)
{
#include "layout.def"
}
