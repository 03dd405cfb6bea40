/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libwsa <winsock2.h>: Winsock 2 on Linux, with overlapped I/O through
 * /dev/wsaovl.
 *
 * The sockaddr types, AF_*, SOCK_*, SOL_SOCKET, SO_*, IPPROTO_* and IP_*
 * constants are the Linux ones from the system headers, so structures and
 * values flow unchanged between the program, libwsa and the kernel.  The
 * MSG_* flags, error codes, ioctl codes and Winsock-only options have their
 * Windows values.  The Windows types (u_long, DWORD, WSABUF, WSADATA, ...)
 * have their Win64 sizes and layouts.  Documentation/libwsa/differences.rst
 * lists every value and layout that differs from Windows.
 *
 * The functions whose names libc has too (socket, bind, connect, send,
 * recv, select, gethostname, inet_addr, ...) keep their real names: no macro
 * renames them, so std::bind, a method named send or a later <unistd.h> are
 * not disturbed.  Each is redeclared below with glibc's own prototype plus
 * an asm label, which binds the name, in a translation unit that includes
 * this header, to libwsa's Winsock implementation (symbol __wsa_send for
 * send, ...): Winsock semantics, WSAGetLastError and the Windows MSG_*
 * values there, libc's unchanged everywhere else in the process.  See
 * "Names shared with libc" below.  Define LIBWSA_NO_RENAME before the
 * include to keep libc's functions (and glibc's MSG_ and CMSG_ macros) in
 * a file; the Winsock versions are then reachable as wsa_socket(),
 * wsa_send(), ...
 *
 * _WIN32 and _WIN64 are not defined: see differences.rst ("Building").
 */
#ifndef LIBWSA_WINSOCK2_H
#define LIBWSA_WINSOCK2_H

#define _WINSOCK2API_
#define _WINSOCKAPI_	/* as on Windows: keeps a later winsock.h out */

/*
 * With _FORTIFY_SOURCE, glibc's <sys/socket.h> defines recv() and recvfrom()
 * as inline wrappers that call libc's symbols directly, past the asm labels
 * below.  <sys/socket.h> is therefore included here without those two
 * wrappers; if it was included before this header in a fortified build,
 * they exist already and say so.  (gethostname() has the same kind of
 * wrapper in glibc's <unistd.h>: see differences.rst.)
 */
#if defined(__USE_FORTIFY_LEVEL) && __USE_FORTIFY_LEVEL > 0 && \
	defined(_SYS_SOCKET_H) && defined(__fortify_function) && \
	!defined(LIBWSA_NO_RENAME) && !defined(LIBWSA_INTERNAL)
#warning "libwsa: <sys/socket.h> came before <winsock2.h> in a _FORTIFY_SOURCE build: recv() and recvfrom() in this file are glibc's, not Winsock's; include <winsock2.h> first"
#endif

#include <windows.h>

#include <sys/types.h>
#pragma push_macro("__fortify_function")
#undef __fortify_function
#include <sys/socket.h>
#pragma pop_macro("__fortify_function")
#include <sys/select.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef WSAAPI
#define WSAAPI
#endif
#ifndef WSPAPI
#define WSPAPI
#endif
#define WINSOCK_API_LINKAGE

/* Builds of libwsa itself see the Linux MSG_ and CMSG_ macros. */
#if defined(LIBWSA_INTERNAL) && !defined(LIBWSA_NO_RENAME)
#define LIBWSA_NO_RENAME
#endif

/* ---- Basic Winsock types ---------------------------------------------- */

/* A SOCKET holds a Linux socket file descriptor. */
typedef UINT_PTR SOCKET;
#define INVALID_SOCKET	((SOCKET)(~0))
#define SOCKET_ERROR	(-1)

/*
 * The BSD types with Windows' sizes: u_long is 32 bits, as on Windows
 * (LLP64), so ioctlsocket(FIONREAD) writes 4 bytes.  glibc's <sys/types.h>
 * (included above) typedefs u_long as unsigned long, 64 bits, when
 * __USE_MISC is on (_DEFAULT_SOURCE, _GNU_SOURCE, gnu* modes, C++), and a
 * typedef cannot be undone: there u_long is a macro for ULONG.  u_char,
 * u_short and u_int have the same sizes on both.
 */
#ifdef __USE_MISC
#define u_long ULONG
#else
typedef unsigned char u_char;
typedef unsigned short u_short;
typedef unsigned int u_int;
typedef ULONG u_long;
#endif
typedef unsigned short USHORT_T;
typedef USHORT ADDRESS_FAMILY;
typedef unsigned int GROUP;

typedef struct sockaddr SOCKADDR, *PSOCKADDR, *LPSOCKADDR;
typedef struct sockaddr_in SOCKADDR_IN, *PSOCKADDR_IN, *LPSOCKADDR_IN;
typedef struct sockaddr_in6 SOCKADDR_IN6, *PSOCKADDR_IN6, *LPSOCKADDR_IN6;
typedef struct sockaddr_in6 SOCKADDR_IN6_LH, *PSOCKADDR_IN6_LH;
typedef struct sockaddr_storage SOCKADDR_STORAGE, *PSOCKADDR_STORAGE,
	*LPSOCKADDR_STORAGE;
typedef struct sockaddr_storage SOCKADDR_STORAGE_LH;
typedef struct in_addr IN_ADDR, *PIN_ADDR, *LPIN_ADDR;
typedef struct in6_addr IN6_ADDR, *PIN6_ADDR, *LPIN6_ADDR;
typedef struct hostent HOSTENT, *PHOSTENT, *LPHOSTENT;
typedef struct servent SERVENT, *PSERVENT, *LPSERVENT;
typedef struct protoent PROTOENT, *PPROTOENT, *LPPROTOENT;
typedef struct timeval TIMEVAL, *PTIMEVAL, *LPTIMEVAL;
typedef struct linger LINGER, *PLINGER, *LPLINGER;
typedef fd_set FD_SET_T, *PFD_SET, *LPFD_SET;

typedef union _SOCKADDR_INET {
	struct sockaddr_in Ipv4;
	struct sockaddr_in6 Ipv6;
	ADDRESS_FAMILY si_family;
} SOCKADDR_INET, *PSOCKADDR_INET;

typedef struct _SOCKET_ADDRESS {
	LPSOCKADDR lpSockaddr;
	INT iSockaddrLength;
} SOCKET_ADDRESS, *PSOCKET_ADDRESS, *LPSOCKET_ADDRESS;

#ifndef AF_UNSPEC
#define AF_UNSPEC 0
#endif
#define ADDR_ANY	INADDR_ANY

/* ---- WSAStartup -------------------------------------------------------- */

#define WSADESCRIPTION_LEN	256
#define WSASYS_STATUS_LEN	128

typedef struct WSAData {		/* the Win64 layout */
	WORD wVersion;
	WORD wHighVersion;
	unsigned short iMaxSockets;
	unsigned short iMaxUdpDg;
	char *lpVendorInfo;
	char szDescription[WSADESCRIPTION_LEN + 1];
	char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA, *LPWSADATA;

/* ---- Buffers, overlapped I/O, events ------------------------------------ */

/* Same layout as struct wsaovl_buf: len at 0, buf at 8, 16 bytes. */
typedef struct _WSABUF {
	ULONG len;
	CHAR *buf;
} WSABUF, *LPWSABUF;

typedef OVERLAPPED WSAOVERLAPPED;
typedef struct _OVERLAPPED *LPWSAOVERLAPPED;

typedef void (CALLBACK *LPWSAOVERLAPPED_COMPLETION_ROUTINE)(
	DWORD dwError, DWORD cbTransferred, LPWSAOVERLAPPED lpOverlapped,
	DWORD dwFlags);

typedef HANDLE WSAEVENT, *LPWSAEVENT;
#define WSA_INVALID_EVENT		((WSAEVENT)NULL)
#define WSA_MAXIMUM_WAIT_EVENTS		(MAXIMUM_WAIT_OBJECTS)
#define WSA_WAIT_FAILED			(WAIT_FAILED)
#define WSA_WAIT_EVENT_0		(WAIT_OBJECT_0)
#define WSA_WAIT_IO_COMPLETION		(WAIT_IO_COMPLETION)
#define WSA_WAIT_TIMEOUT		(WAIT_TIMEOUT)
#define WSA_INFINITE			(INFINITE)

/*
 * Reads Internal through a volatile lvalue: the kernel writes it
 * asynchronously, so a polling loop must not cache it.
 */
#define HasOverlappedIoCompleted(lpOverlapped) \
	((*(volatile ULONG_PTR *)&(lpOverlapped)->Internal) != STATUS_PENDING)

/* WSPSendTo's thread selector (also in ws2spi.h on Windows). */
typedef struct _WSATHREADID {
	HANDLE ThreadHandle;
	DWORD_PTR Reserved;
} WSATHREADID, *LPWSATHREADID;

/* ---- Messages and control data (ws2def.h) --------------------------------- */

typedef struct _WSAMSG {
	LPSOCKADDR name;
	INT namelen;
	LPWSABUF lpBuffers;
	ULONG dwBufferCount;
	WSABUF Control;
	ULONG dwFlags;
} WSAMSG, *PWSAMSG, *LPWSAMSG;

/*
 * Same layout as the Linux struct cmsghdr on LP64, so the control bytes the
 * kernel writes are WSACMSGHDRs.  Levels and types are the Linux values
 * (IPPROTO_IP/IP_PKTINFO = 0/8, IPPROTO_IPV6/IPV6_PKTINFO = 41/50).
 */
typedef struct _WSACMSGHDR {
	SIZE_T cmsg_len;
	INT cmsg_level;
	INT cmsg_type;
	/* followed by UCHAR cmsg_data[] */
} WSACMSGHDR, *PWSACMSGHDR, *LPWSACMSGHDR;
typedef WSACMSGHDR CMSGHDR, *PCMSGHDR;

#define WSA_CMSGHDR_ALIGN(length) \
	(((length) + __alignof__(WSACMSGHDR) - 1) & \
	 (~(__alignof__(WSACMSGHDR) - 1)))
#define WSA_CMSGDATA_ALIGN(length) \
	(((length) + sizeof(void *) - 1) & (~(sizeof(void *) - 1)))
#define WSA_CMSG_FIRSTHDR(msg) \
	(((msg)->Control.len >= sizeof(WSACMSGHDR)) \
	 ? (LPWSACMSGHDR)(msg)->Control.buf : (LPWSACMSGHDR)NULL)
#define WSA_CMSG_NXTHDR(msg, cmsg) \
	(((cmsg) == NULL) ? WSA_CMSG_FIRSTHDR(msg) : \
	 ((((PUCHAR)(cmsg) + WSA_CMSGHDR_ALIGN((cmsg)->cmsg_len) + \
	    sizeof(WSACMSGHDR)) > \
	   (PUCHAR)((msg)->Control.buf) + (msg)->Control.len) \
	  ? (LPWSACMSGHDR)NULL \
	  : (LPWSACMSGHDR)((PUCHAR)(cmsg) + \
			   WSA_CMSGHDR_ALIGN((cmsg)->cmsg_len))))
#define WSA_CMSG_DATA(cmsg) \
	((PUCHAR)(cmsg) + WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)))
#define WSA_CMSG_SPACE(length) \
	(WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR) + WSA_CMSGHDR_ALIGN(length)))
#define WSA_CMSG_LEN(length) \
	(WSA_CMSGDATA_ALIGN(sizeof(WSACMSGHDR)) + (length))

#ifndef LIBWSA_NO_RENAME
/* As in ws2def.h, the CMSG_ names are the WSA_CMSG_ ones (on a WSAMSG). */
#undef CMSG_FIRSTHDR
#undef CMSG_NXTHDR
#undef CMSG_DATA
#undef CMSG_SPACE
#undef CMSG_LEN
#define CMSGHDR_ALIGN	WSA_CMSGHDR_ALIGN
#define CMSGDATA_ALIGN	WSA_CMSGDATA_ALIGN
#define CMSG_FIRSTHDR	WSA_CMSG_FIRSTHDR
#define CMSG_NXTHDR	WSA_CMSG_NXTHDR
#define CMSG_DATA	WSA_CMSG_DATA
#define CMSG_SPACE	WSA_CMSG_SPACE
#define CMSG_LEN	WSA_CMSG_LEN
#endif

/* ---- Flags ------------------------------------------------------------- */

/*
 * MSG_* with their Windows values (equal to the WSAOVL_MSG_* ABI values);
 * libwsa translates them for the Linux calls it makes.  These replace the
 * glibc macros; glibc-only flags such as MSG_DONTWAIT and MSG_NOSIGNAL are
 * not Winsock flags and are refused.
 */
#ifndef LIBWSA_NO_RENAME
#undef MSG_OOB
#undef MSG_PEEK
#undef MSG_DONTROUTE
#undef MSG_WAITALL
#undef MSG_TRUNC
#undef MSG_CTRUNC
#undef MSG_ERRQUEUE
#define MSG_OOB			0x1
#define MSG_PEEK		0x2
#define MSG_DONTROUTE		0x4
#define MSG_WAITALL		0x8
#define MSG_TRUNC		0x0100
#define MSG_CTRUNC		0x0200
#define MSG_ERRQUEUE		0x1000
#endif
#define MSG_PUSH_IMMEDIATE	0x20
#define MSG_INTERRUPT		0x10
#define MSG_MAXIOVLEN		16
#define MSG_PARTIAL		0x8000
#define MSG_BCAST		0x0400
#define MSG_MCAST		0x0800

/* WSASocket dwFlags */
#define WSA_FLAG_OVERLAPPED		0x01
#define WSA_FLAG_MULTIPOINT_C_ROOT	0x02
#define WSA_FLAG_MULTIPOINT_C_LEAF	0x04
#define WSA_FLAG_MULTIPOINT_D_ROOT	0x08
#define WSA_FLAG_MULTIPOINT_D_LEAF	0x10
#define WSA_FLAG_ACCESS_SYSTEM_SECURITY	0x40
#define WSA_FLAG_NO_HANDLE_INHERIT	0x80
#define WSA_FLAG_REGISTERED_IO		0x100

/* shutdown(): same values as SHUT_RD/SHUT_WR/SHUT_RDWR */
#define SD_RECEIVE	0x00
#define SD_SEND		0x01
#define SD_BOTH		0x02

/* ---- Socket options -------------------------------------------------------- */

/*
 * SOL_SOCKET, SO_* and IPPROTO_*, IP_*, IPV6_* are the Linux values from the
 * system headers (setsockopt accepts the Windows SOL_SOCKET 0xffff too).
 * Winsock-only options get values no Linux option uses.
 */
#define SO_DONTLINGER		((int)(~SO_LINGER))
#define SO_EXCLUSIVEADDRUSE	((int)(~SO_REUSEADDR))
#define SO_MAX_MSG_SIZE		0x2003
#define SO_PROTOCOL_INFOA	0x2004
#define SO_PROTOCOL_INFOW	0x2005
#define SO_CONDITIONAL_ACCEPT	0x3002
#define SO_UPDATE_ACCEPT_CONTEXT 0x700B
#define SO_UPDATE_CONNECT_CONTEXT 0x7010
#define SO_CONNECT_TIME		0x700C
#ifdef UNICODE
#define SO_PROTOCOL_INFO	SO_PROTOCOL_INFOW
#else
#define SO_PROTOCOL_INFO	SO_PROTOCOL_INFOA
#endif
#define IP_DONTFRAGMENT		0x7e0e	/* Windows 14; mapped to IP_MTU_DISCOVER */

/* ---- ioctls ------------------------------------------------------------------- */

#define IOCPARM_MASK	0x7f
#define IOC_VOID	0x20000000
#define IOC_OUT		0x40000000
#define IOC_IN		0x80000000
#define IOC_INOUT	(IOC_IN | IOC_OUT)
#define IOC_UNIX	0x00000000
#define IOC_WS2		0x08000000
#define IOC_PROTOCOL	0x10000000
#define IOC_VENDOR	0x18000000
#define _WSAIO(x, y)	(IOC_VOID | (x) | (y))
#define _WSAIOR(x, y)	(IOC_OUT | (x) | (y))
#define _WSAIOW(x, y)	(IOC_IN | (x) | (y))
#define _WSAIORW(x, y)	(IOC_INOUT | (x) | (y))

/*
 * FIONBIO and FIONREAD are the Linux numbers (so <sys/ioctl.h> may be
 * included too); ioctlsocket and WSAIoctl also accept the Windows numbers
 * WSA_FIONBIO_WIN (0x8004667E) and WSA_FIONREAD_WIN (0x4004667F).
 * SIOCATMARK comes from <sys/socket.h>.
 */
#ifndef FIONBIO
#define FIONBIO		0x5421
#endif
#ifndef FIONREAD
#define FIONREAD	0x541B
#endif
#define WSA_FIONBIO_WIN		0x8004667EU
#define WSA_FIONREAD_WIN	0x4004667FU
#define WSA_SIOCATMARK_WIN	0x40047307U

#define SIO_ASSOCIATE_HANDLE		_WSAIOW(IOC_WS2, 1)
#define SIO_ENABLE_CIRCULAR_QUEUEING	_WSAIO(IOC_WS2, 2)
#define SIO_FIND_ROUTE			_WSAIOR(IOC_WS2, 3)
#define SIO_FLUSH			_WSAIO(IOC_WS2, 4)
#define SIO_GET_BROADCAST_ADDRESS	_WSAIOR(IOC_WS2, 5)
#define SIO_GET_EXTENSION_FUNCTION_POINTER _WSAIORW(IOC_WS2, 6)
#define SIO_GET_QOS			_WSAIORW(IOC_WS2, 7)
#define SIO_MULTIPOINT_LOOPBACK		_WSAIOW(IOC_WS2, 9)
#define SIO_MULTICAST_SCOPE		_WSAIOW(IOC_WS2, 10)
#define SIO_ADDRESS_LIST_QUERY		_WSAIOR(IOC_WS2, 22)

/* ---- Error codes --------------------------------------------------------------- */

#define WSA_IO_PENDING		(ERROR_IO_PENDING)		/* 997 */
#define WSA_IO_INCOMPLETE	(ERROR_IO_INCOMPLETE)		/* 996 */
#define WSA_INVALID_HANDLE	(ERROR_INVALID_HANDLE)		/* 6 */
#define WSA_INVALID_PARAMETER	(ERROR_INVALID_PARAMETER)	/* 87 */
#define WSA_NOT_ENOUGH_MEMORY	(ERROR_NOT_ENOUGH_MEMORY)	/* 8 */
#define WSA_OPERATION_ABORTED	(ERROR_OPERATION_ABORTED)	/* 995 */

#define WSABASEERR		10000
#define WSAEINTR		(WSABASEERR + 4)
#define WSAEBADF		(WSABASEERR + 9)
#define WSAEACCES		(WSABASEERR + 13)
#define WSAEFAULT		(WSABASEERR + 14)
#define WSAEINVAL		(WSABASEERR + 22)
#define WSAEMFILE		(WSABASEERR + 24)
#define WSAEWOULDBLOCK		(WSABASEERR + 35)
#define WSAEINPROGRESS		(WSABASEERR + 36)
#define WSAEALREADY		(WSABASEERR + 37)
#define WSAENOTSOCK		(WSABASEERR + 38)
#define WSAEDESTADDRREQ		(WSABASEERR + 39)
#define WSAEMSGSIZE		(WSABASEERR + 40)
#define WSAEPROTOTYPE		(WSABASEERR + 41)
#define WSAENOPROTOOPT		(WSABASEERR + 42)
#define WSAEPROTONOSUPPORT	(WSABASEERR + 43)
#define WSAESOCKTNOSUPPORT	(WSABASEERR + 44)
#define WSAEOPNOTSUPP		(WSABASEERR + 45)
#define WSAEPFNOSUPPORT		(WSABASEERR + 46)
#define WSAEAFNOSUPPORT		(WSABASEERR + 47)
#define WSAEADDRINUSE		(WSABASEERR + 48)
#define WSAEADDRNOTAVAIL	(WSABASEERR + 49)
#define WSAENETDOWN		(WSABASEERR + 50)
#define WSAENETUNREACH		(WSABASEERR + 51)
#define WSAENETRESET		(WSABASEERR + 52)
#define WSAECONNABORTED		(WSABASEERR + 53)
#define WSAECONNRESET		(WSABASEERR + 54)
#define WSAENOBUFS		(WSABASEERR + 55)
#define WSAEISCONN		(WSABASEERR + 56)
#define WSAENOTCONN		(WSABASEERR + 57)
#define WSAESHUTDOWN		(WSABASEERR + 58)
#define WSAETOOMANYREFS		(WSABASEERR + 59)
#define WSAETIMEDOUT		(WSABASEERR + 60)
#define WSAECONNREFUSED		(WSABASEERR + 61)
#define WSAELOOP		(WSABASEERR + 62)
#define WSAENAMETOOLONG		(WSABASEERR + 63)
#define WSAEHOSTDOWN		(WSABASEERR + 64)
#define WSAEHOSTUNREACH		(WSABASEERR + 65)
#define WSAENOTEMPTY		(WSABASEERR + 66)
#define WSAEPROCLIM		(WSABASEERR + 67)
#define WSAEUSERS		(WSABASEERR + 68)
#define WSAEDQUOT		(WSABASEERR + 69)
#define WSAESTALE		(WSABASEERR + 70)
#define WSAEREMOTE		(WSABASEERR + 71)
#define WSASYSNOTREADY		(WSABASEERR + 91)
#define WSAVERNOTSUPPORTED	(WSABASEERR + 92)
#define WSANOTINITIALISED	(WSABASEERR + 93)
#define WSAEDISCON		(WSABASEERR + 101)
#define WSAENOMORE		(WSABASEERR + 102)
#define WSAECANCELLED		(WSABASEERR + 103)
#define WSAEINVALIDPROCTABLE	(WSABASEERR + 104)
#define WSAEINVALIDPROVIDER	(WSABASEERR + 105)
#define WSAEPROVIDERFAILEDINIT	(WSABASEERR + 106)
#define WSASYSCALLFAILURE	(WSABASEERR + 107)
#define WSASERVICE_NOT_FOUND	(WSABASEERR + 108)
#define WSATYPE_NOT_FOUND	(WSABASEERR + 109)
#define WSA_E_NO_MORE		(WSABASEERR + 110)
#define WSA_E_CANCELLED		(WSABASEERR + 111)
#define WSAEREFUSED		(WSABASEERR + 112)
#define WSAHOST_NOT_FOUND	(WSABASEERR + 1001)
#define WSATRY_AGAIN		(WSABASEERR + 1002)
#define WSANO_RECOVERY		(WSABASEERR + 1003)
#define WSANO_DATA		(WSABASEERR + 1004)
#define WSANO_ADDRESS		WSANO_DATA

/* ---- Protocol info (accepted, not interpreted) ---------------------------------- */

#define MAX_PROTOCOL_CHAIN	7
#define WSAPROTOCOL_LEN		255
typedef struct _WSAPROTOCOLCHAIN {
	int ChainLen;
	DWORD ChainEntries[MAX_PROTOCOL_CHAIN];
} WSAPROTOCOLCHAIN, *LPWSAPROTOCOLCHAIN;

typedef struct _WSAPROTOCOL_INFOA {
	DWORD dwServiceFlags1;
	DWORD dwServiceFlags2;
	DWORD dwServiceFlags3;
	DWORD dwServiceFlags4;
	DWORD dwProviderFlags;
	GUID ProviderId;
	DWORD dwCatalogEntryId;
	WSAPROTOCOLCHAIN ProtocolChain;
	int iVersion;
	int iAddressFamily;
	int iMaxSockAddr;
	int iMinSockAddr;
	int iSocketType;
	int iProtocol;
	int iProtocolMaxOffset;
	int iNetworkByteOrder;
	int iSecurityScheme;
	DWORD dwMessageSize;
	DWORD dwProviderReserved;
	CHAR szProtocol[WSAPROTOCOL_LEN + 1];
} WSAPROTOCOL_INFOA, *LPWSAPROTOCOL_INFOA;

typedef struct _WSAPROTOCOL_INFOW {
	DWORD dwServiceFlags1;
	DWORD dwServiceFlags2;
	DWORD dwServiceFlags3;
	DWORD dwServiceFlags4;
	DWORD dwProviderFlags;
	GUID ProviderId;
	DWORD dwCatalogEntryId;
	WSAPROTOCOLCHAIN ProtocolChain;
	int iVersion;
	int iAddressFamily;
	int iMaxSockAddr;
	int iMinSockAddr;
	int iSocketType;
	int iProtocol;
	int iProtocolMaxOffset;
	int iNetworkByteOrder;
	int iSecurityScheme;
	DWORD dwMessageSize;
	DWORD dwProviderReserved;
	WCHAR szProtocol[WSAPROTOCOL_LEN + 1];
} WSAPROTOCOL_INFOW, *LPWSAPROTOCOL_INFOW;

#ifdef UNICODE
typedef WSAPROTOCOL_INFOW WSAPROTOCOL_INFO;
typedef LPWSAPROTOCOL_INFOW LPWSAPROTOCOL_INFO;
#define WSASocket WSASocketW
#else
typedef WSAPROTOCOL_INFOA WSAPROTOCOL_INFO;
typedef LPWSAPROTOCOL_INFOA LPWSAPROTOCOL_INFO;
#define WSASocket WSASocketA
#endif

/* ---- Functions ---------------------------------------------------------------- */

int WSAAPI WSAStartup(WORD wVersionRequested, LPWSADATA lpWSAData);
int WSAAPI WSACleanup(void);
int WSAAPI WSAGetLastError(void);
void WSAAPI WSASetLastError(int iError);

SOCKET WSAAPI WSASocketA(int af, int type, int protocol,
			 LPWSAPROTOCOL_INFOA lpProtocolInfo, GROUP g,
			 DWORD dwFlags);
SOCKET WSAAPI WSASocketW(int af, int type, int protocol,
			 LPWSAPROTOCOL_INFOW lpProtocolInfo, GROUP g,
			 DWORD dwFlags);
int WSAAPI closesocket(SOCKET s);
int WSAAPI ioctlsocket(SOCKET s, long cmd, u_long *argp);

/*
 * ---- Names shared with libc --------------------------------------------
 *
 * The Winsock versions of the functions libc has too, under wsa_* names
 * with their Winsock prototypes (SOCKET, int lengths).  A file that defines
 * LIBWSA_NO_RENAME calls them by these names.
 */
SOCKET WSAAPI wsa_socket(int af, int type, int protocol);
int WSAAPI wsa_bind(SOCKET s, const struct sockaddr *name, int namelen);
int WSAAPI wsa_connect(SOCKET s, const struct sockaddr *name, int namelen);
int WSAAPI wsa_listen(SOCKET s, int backlog);
SOCKET WSAAPI wsa_accept(SOCKET s, struct sockaddr *addr, int *addrlen);
int WSAAPI wsa_shutdown(SOCKET s, int how);
int WSAAPI wsa_getsockname(SOCKET s, struct sockaddr *name, int *namelen);
int WSAAPI wsa_getpeername(SOCKET s, struct sockaddr *name, int *namelen);
int WSAAPI wsa_setsockopt(SOCKET s, int level, int optname,
			  const char *optval, int optlen);
int WSAAPI wsa_getsockopt(SOCKET s, int level, int optname, char *optval,
			  int *optlen);
int WSAAPI wsa_send(SOCKET s, const char *buf, int len, int flags);
int WSAAPI wsa_sendto(SOCKET s, const char *buf, int len, int flags,
		      const struct sockaddr *to, int tolen);
int WSAAPI wsa_recv(SOCKET s, char *buf, int len, int flags);
int WSAAPI wsa_recvfrom(SOCKET s, char *buf, int len, int flags,
			struct sockaddr *from, int *fromlen);
int WSAAPI wsa_select(int nfds, fd_set *readfds, fd_set *writefds,
		      fd_set *exceptfds, const struct timeval *timeout);
ULONG WSAAPI wsa_inet_addr(const char *cp);
char *WSAAPI wsa_inet_ntoa(struct in_addr in);
struct hostent *WSAAPI wsa_gethostbyname(const char *name);
int WSAAPI wsa_gethostname(char *name, int namelen);

#ifndef LIBWSA_NO_RENAME
/*
 * A Winsock file calls them by libc's names, which stay the real ones,
 * with glibc's prototypes (a C file cannot declare send() twice with
 * different types, and <sys/socket.h> may come before or after this
 * header).  Each is redeclared here with an asm label: in this
 * translation unit the name is bound to
 * libwsa's symbol __wsa_<name>, which takes the POSIX argument types,
 * converts them back (an int file descriptor is the SOCKET, a size_t
 * length the int the caller passed) and runs wsa_<name>.  Nothing is a
 * macro, so the declaration order does not matter (a label set here holds
 * for glibc's later redeclarations too), and other files and libraries keep
 * libc's functions.  The arguments a Winsock program passes convert
 * implicitly (SOCKET to int, int to size_t, char * to void *), with two
 * exceptions, handled below: an int * length where glibc has socklen_t *,
 * and select()'s const struct timeval *.
 *
 * LIBWSA_ASM(sym) binds a declaration to sym; LIBWSA_NTH(sym) does it for
 * one that glibc declares __THROW (C++ wants the same exception
 * specification on every declaration, before the label; C wants the
 * attributes after it).
 */
#define LIBWSA_ASM(sym)	__asm__(#sym)
#ifdef __cplusplus
#define LIBWSA_NTH(sym)	__THROW __asm__(#sym)
#else
#define LIBWSA_NTH(sym)	__asm__(#sym) __THROW
#endif

int socket(int af, int type, int protocol) LIBWSA_NTH(__wsa_socket);
int bind(int s, __CONST_SOCKADDR_ARG name, socklen_t namelen)
	LIBWSA_NTH(__wsa_bind);
int connect(int s, __CONST_SOCKADDR_ARG name, socklen_t namelen)
	LIBWSA_ASM(__wsa_connect);
int listen(int s, int backlog) LIBWSA_NTH(__wsa_listen);
int accept(int s, __SOCKADDR_ARG addr, socklen_t *__restrict addrlen)
	LIBWSA_ASM(__wsa_accept);
int shutdown(int s, int how) LIBWSA_NTH(__wsa_shutdown);
int getsockname(int s, __SOCKADDR_ARG name, socklen_t *__restrict namelen)
	LIBWSA_NTH(__wsa_getsockname);
int getpeername(int s, __SOCKADDR_ARG name, socklen_t *__restrict namelen)
	LIBWSA_NTH(__wsa_getpeername);
int setsockopt(int s, int level, int optname, const void *optval,
	       socklen_t optlen) LIBWSA_NTH(__wsa_setsockopt);
int getsockopt(int s, int level, int optname, void *__restrict optval,
	       socklen_t *__restrict optlen) LIBWSA_NTH(__wsa_getsockopt);
ssize_t send(int s, const void *buf, size_t len, int flags)
	LIBWSA_ASM(__wsa_send);
ssize_t sendto(int s, const void *buf, size_t len, int flags,
	       __CONST_SOCKADDR_ARG to, socklen_t tolen)
	LIBWSA_ASM(__wsa_sendto);
ssize_t recv(int s, void *buf, size_t len, int flags)
	LIBWSA_ASM(__wsa_recv);
ssize_t recvfrom(int s, void *__restrict buf, size_t len, int flags,
		 __SOCKADDR_ARG from, socklen_t *__restrict fromlen)
	LIBWSA_ASM(__wsa_recvfrom);
int select(int nfds, fd_set *__restrict readfds, fd_set *__restrict writefds,
	   fd_set *__restrict exceptfds, struct timeval *__restrict timeout)
	LIBWSA_ASM(__wsa_select);
in_addr_t inet_addr(const char *cp) LIBWSA_NTH(__wsa_inet_addr);
char *inet_ntoa(struct in_addr in) LIBWSA_NTH(__wsa_inet_ntoa);
struct hostent *gethostbyname(const char *name)
	LIBWSA_ASM(__wsa_gethostbyname);
int gethostname(char *name, size_t namelen) LIBWSA_NTH(__wsa_gethostname);

#ifdef __cplusplus
/*
 * C++: Winsock passes lengths as int *, glibc takes socklen_t *, and C++
 * does not convert one to the other.  These overloads take exactly int *
 * (a template, so that they are never candidates for a socklen_t * or a
 * NULL), and a const struct timeval * for select(); every other call
 * resolves to the declarations above.
 */
extern "C++" {
namespace libwsa_detail {
template <typename T, typename R> struct if_int {};
template <typename R> struct if_int<int, R> { typedef R type; };
template <typename T, typename R> struct if_timeval {};
template <typename R> struct if_timeval<struct timeval, R> { typedef R type; };
}

template <typename T>
inline typename libwsa_detail::if_int<T, SOCKET>::type
accept(SOCKET s, struct sockaddr *addr, T *addrlen)
{
	return wsa_accept(s, addr, addrlen);
}

template <typename T>
inline typename libwsa_detail::if_int<T, int>::type
getsockname(SOCKET s, struct sockaddr *name, T *namelen)
{
	return wsa_getsockname(s, name, namelen);
}

template <typename T>
inline typename libwsa_detail::if_int<T, int>::type
getpeername(SOCKET s, struct sockaddr *name, T *namelen)
{
	return wsa_getpeername(s, name, namelen);
}

template <typename T>
inline typename libwsa_detail::if_int<T, int>::type
getsockopt(SOCKET s, int level, int optname, void *optval, T *optlen)
{
	return wsa_getsockopt(s, level, optname, static_cast<char *>(optval),
			      optlen);
}

template <typename T>
inline typename libwsa_detail::if_int<T, int>::type
recvfrom(SOCKET s, void *buf, int len, int flags, struct sockaddr *from,
	 T *fromlen)
{
	return wsa_recvfrom(s, static_cast<char *>(buf), len, flags, from,
			    fromlen);
}

template <typename T>
inline typename libwsa_detail::if_timeval<T, int>::type
select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
       const T *timeout)
{
	return wsa_select(nfds, readfds, writefds, exceptfds, timeout);
}
}
#elif defined(__GNUC__) && !defined(LIBWSA_KEEP_POINTER_SIGN_WARNINGS)
/*
 * C: an int * length passed for glibc's socklen_t * (unsigned int *) draws
 * -Wpointer-sign, part of -Wall.  The two have the same representation and
 * Winsock code always passes int *: the warning is off for the rest of the
 * file (define LIBWSA_KEEP_POINTER_SIGN_WARNINGS to keep it).
 */
#pragma GCC diagnostic ignored "-Wpointer-sign"
#endif
#endif /* !LIBWSA_NO_RENAME */

int WSAAPI WSAIoctl(SOCKET s, DWORD dwIoControlCode, LPVOID lpvInBuffer,
		    DWORD cbInBuffer, LPVOID lpvOutBuffer, DWORD cbOutBuffer,
		    LPDWORD lpcbBytesReturned, LPWSAOVERLAPPED lpOverlapped,
		    LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);

int WSAAPI WSASend(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		   LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
		   LPWSAOVERLAPPED lpOverlapped,
		   LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
int WSAAPI WSASendTo(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		     LPDWORD lpNumberOfBytesSent, DWORD dwFlags,
		     const struct sockaddr *lpTo, int iTolen,
		     LPWSAOVERLAPPED lpOverlapped,
		     LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
int WSAAPI WSASendMsg(SOCKET Handle, LPWSAMSG lpMsg, DWORD dwFlags,
		      LPDWORD lpNumberOfBytesSent,
		      LPWSAOVERLAPPED lpOverlapped,
		      LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
int WSAAPI WSARecv(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		   LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
		   LPWSAOVERLAPPED lpOverlapped,
		   LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
int WSAAPI WSARecvFrom(SOCKET s, LPWSABUF lpBuffers, DWORD dwBufferCount,
		       LPDWORD lpNumberOfBytesRecvd, LPDWORD lpFlags,
		       struct sockaddr *lpFrom, LPINT lpFromlen,
		       LPWSAOVERLAPPED lpOverlapped,
		       LPWSAOVERLAPPED_COMPLETION_ROUTINE lpCompletionRoutine);
/* WSARecvMsg is reached through SIO_GET_EXTENSION_FUNCTION_POINTER. */

BOOL WSAAPI WSAGetOverlappedResult(SOCKET s, LPWSAOVERLAPPED lpOverlapped,
				   LPDWORD lpcbTransfer, BOOL fWait,
				   LPDWORD lpdwFlags);

WSAEVENT WSAAPI WSACreateEvent(void);
BOOL WSAAPI WSACloseEvent(WSAEVENT hEvent);
BOOL WSAAPI WSASetEvent(WSAEVENT hEvent);
BOOL WSAAPI WSAResetEvent(WSAEVENT hEvent);
DWORD WSAAPI WSAWaitForMultipleEvents(DWORD cEvents, const WSAEVENT *lphEvents,
				      BOOL fWaitAll, DWORD dwTimeout,
				      BOOL fAlertable);

#ifdef __cplusplus
}
#endif

#endif /* LIBWSA_WINSOCK2_H */
