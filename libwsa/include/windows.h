/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libwsa <windows.h>: the small part of the Win32 API that Winsock programs
 * need (base types, handles, events, threads, waits, APCs, last error).
 *
 * Data model: Linux x86-64 is LP64 while Windows is LLP64, so the Windows
 * 32-bit types are spelled with int here: LONG and ULONG (and DWORD) are
 * 32 bits, as on Windows, and so is <winsock2.h>'s u_long.  Every type has
 * its Win64 size and layout except WCHAR (wchar_t, 4 bytes) and the glibc
 * structures listed in Documentation/libwsa/differences.rst ("Types");
 * selftests/headers checks each against the Windows SDK's values.
 *
 * _WIN32 and _WIN64 are not defined (differences.rst, "Building").
 */
#ifndef LIBWSA_WINDOWS_H
#define LIBWSA_WINDOWS_H

/*
 * Windows sources carry "#pragma comment(lib, ...)": ignored here, and kept
 * quiet for the rest of the file.  g++ before 13 diagnoses unknown pragmas
 * while it lexes the whole file, before it acts on this one (GCC PR
 * c++/53431): there only the pkg-config Cflags' -Wno-unknown-pragmas
 * helps.  See differences.rst, "Building".
 */
#if defined(__GNUC__) && !defined(LIBWSA_KEEP_UNKNOWN_PRAGMA_WARNINGS)
#pragma GCC diagnostic ignored "-Wunknown-pragmas"
#endif

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Calling conventions and annotations: all empty on x86-64 Linux. */
#ifndef WINAPI
#define WINAPI
#endif
#ifndef CALLBACK
#define CALLBACK
#endif
#ifndef APIENTRY
#define APIENTRY
#endif
#ifndef PASCAL
#define PASCAL
#endif
#ifndef __stdcall
#define __stdcall
#endif
#ifndef __cdecl
#define __cdecl
#endif
#ifndef _cdecl
#define _cdecl
#endif
#ifndef FAR
#define FAR
#endif
#ifndef NEAR
#define NEAR
#endif
#ifndef far
#define far
#endif
#ifndef near
#define near
#endif
#ifndef IN
#define IN
#endif
#ifndef OUT
#define OUT
#endif
#ifndef OPTIONAL
#define OPTIONAL
#endif
#ifndef CONST
#define CONST const
#endif
#ifndef VOID
#define VOID void
#endif
#ifndef DECLSPEC_ALIGN
#define DECLSPEC_ALIGN(x) __attribute__((aligned(x)))
#endif
/* The SAL annotations most often met in Winsock sources. */
#ifndef _In_
#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#define _In_reads_(x)
#define _In_reads_bytes_(x)
#define _In_reads_opt_(x)
#define _In_reads_bytes_opt_(x)
#define _Out_writes_(x)
#define _Out_writes_bytes_(x)
#define _Out_writes_opt_(x)
#define _Out_writes_bytes_opt_(x)
#define _Out_writes_bytes_to_(x, y)
#define _Out_writes_bytes_to_opt_(x, y)
#define _Inout_updates_bytes_(x)
#define _Success_(x)
#define _Must_inspect_result_
#define _Ret_maybenull_
#define _Reserved_
#endif

typedef int BOOL, *PBOOL, *LPBOOL;
typedef unsigned char BOOLEAN, *PBOOLEAN;
typedef unsigned char BYTE, *PBYTE, *LPBYTE;
typedef unsigned char UCHAR, *PUCHAR;
typedef unsigned short WORD, *PWORD, *LPWORD;
typedef unsigned short USHORT, *PUSHORT;
typedef short SHORT, *PSHORT;
typedef char CHAR, *PCHAR, *LPCH, *PCH;
typedef int INT, *PINT, *LPINT;
typedef unsigned int UINT, *PUINT;
typedef int LONG, *PLONG, *LPLONG;		/* 32-bit, as on Windows */
typedef unsigned int ULONG, *PULONG;		/* 32-bit, as on Windows */
typedef unsigned int DWORD, *PDWORD, *LPDWORD;
typedef int64_t LONGLONG, *PLONGLONG;
typedef uint64_t ULONGLONG, *PULONGLONG;
typedef uint64_t DWORDLONG, DWORD64, *PDWORD64;
typedef int32_t INT32;
typedef uint32_t UINT32, DWORD32;
typedef int64_t INT64;
typedef uint64_t UINT64;
typedef intptr_t INT_PTR, *PINT_PTR, LONG_PTR, *PLONG_PTR, SSIZE_T;
typedef uintptr_t UINT_PTR, *PUINT_PTR, ULONG_PTR, *PULONG_PTR, DWORD_PTR,
	*PDWORD_PTR, SIZE_T, *PSIZE_T;
typedef float FLOAT;
typedef void *PVOID, *LPVOID, *HANDLE, **PHANDLE, **LPHANDLE;
typedef const void *LPCVOID, *PCVOID;
typedef wchar_t WCHAR, *PWCHAR, *LPWSTR, *PWSTR;	/* 32-bit on Linux */
typedef const wchar_t *LPCWSTR, *PCWSTR;
typedef char *LPSTR, *PSTR;
typedef const char *LPCSTR, *PCSTR;
#ifdef UNICODE
typedef WCHAR TCHAR;
#else
typedef char TCHAR;
#endif
typedef TCHAR *LPTSTR;
typedef const TCHAR *LPCTSTR;
typedef HANDLE HMODULE, HINSTANCE, HWND, HLOCAL, HGLOBAL;
typedef LONG HRESULT;
typedef LONG NTSTATUS;
typedef WORD ATOM;
typedef ULONG_PTR WPARAM;
typedef LONG_PTR LPARAM, LRESULT;

typedef union _LARGE_INTEGER {
	struct {
		DWORD LowPart;
		LONG HighPart;
	};
	struct {
		DWORD LowPart;
		LONG HighPart;
	} u;
	LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef union _ULARGE_INTEGER {
	struct {
		DWORD LowPart;
		DWORD HighPart;
	};
	struct {
		DWORD LowPart;
		DWORD HighPart;
	} u;
	ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
	DWORD Data1;		/* "unsigned long" on Windows: 32 bits */
	WORD Data2;
	WORD Data3;
	BYTE Data4[8];
} GUID, *LPGUID, *PGUID;
typedef const GUID *LPCGUID, *REFGUID;
#endif

typedef struct _SECURITY_ATTRIBUTES {
	DWORD nLength;
	LPVOID lpSecurityDescriptor;
	BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *PSECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

/*
 * OVERLAPPED.  Internal/InternalHigh/Offset/OffsetHigh overlay the wsaovl
 * status block: NTSTATUS, bytes transferred, MSG_* out flags, zero.
 */
typedef struct _OVERLAPPED {
	ULONG_PTR Internal;
	ULONG_PTR InternalHigh;
	union {
		struct {
			DWORD Offset;
			DWORD OffsetHigh;
		};
		PVOID Pointer;
	};
	HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED, *POVERLAPPED;

typedef DWORD (WINAPI *PTHREAD_START_ROUTINE)(LPVOID lpThreadParameter);
typedef PTHREAD_START_ROUTINE LPTHREAD_START_ROUTINE;
typedef void (CALLBACK *PAPCFUNC)(ULONG_PTR Parameter);

#ifndef TRUE
#define TRUE 1
#endif
#ifndef FALSE
#define FALSE 0
#endif
#ifndef NULL
#define NULL ((void *)0)
#endif

#define MAKEWORD(a, b)	((WORD)(((BYTE)((DWORD_PTR)(a) & 0xff)) | \
			 ((WORD)((BYTE)((DWORD_PTR)(b) & 0xff))) << 8))
#define MAKELONG(a, b)	((LONG)(((WORD)((DWORD_PTR)(a) & 0xffff)) | \
			 ((DWORD)((WORD)((DWORD_PTR)(b) & 0xffff))) << 16))
#define LOWORD(l)	((WORD)((DWORD_PTR)(l) & 0xffff))
#define HIWORD(l)	((WORD)((DWORD_PTR)(l) >> 16))
#define LOBYTE(w)	((BYTE)((DWORD_PTR)(w) & 0xff))
#define HIBYTE(w)	((BYTE)((DWORD_PTR)(w) >> 8))

#if !defined(NOMINMAX) && !defined(__cplusplus)
#ifndef max
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef min
#define min(a, b) (((a) < (b)) ? (a) : (b))
#endif
#endif

#define ZeroMemory(p, n)	((void)memset((p), 0, (n)))
#define FillMemory(p, n, v)	((void)memset((p), (v), (n)))
#define CopyMemory(d, s, n)	((void)memcpy((d), (s), (n)))
#define MoveMemory(d, s, n)	((void)memmove((d), (s), (n)))
#define RtlZeroMemory		ZeroMemory
#define RtlCopyMemory		CopyMemory
static inline PVOID SecureZeroMemory(PVOID ptr, SIZE_T cnt)
{
	volatile char *p = (volatile char *)ptr;

	while (cnt--)
		*p++ = 0;
	return ptr;
}

#define INFINITE		0xFFFFFFFFU
#define MAXIMUM_WAIT_OBJECTS	64
#define STATUS_WAIT_0		((DWORD)0x00000000L)
#define STATUS_ABANDONED_WAIT_0	((DWORD)0x00000080L)
#define STATUS_USER_APC		((DWORD)0x000000C0L)
#define STATUS_TIMEOUT		((DWORD)0x00000102L)
#define STATUS_PENDING		((DWORD)0x00000103L)
#define WAIT_OBJECT_0		(STATUS_WAIT_0 + 0)
#define WAIT_ABANDONED		(STATUS_ABANDONED_WAIT_0 + 0)
#define WAIT_ABANDONED_0	(STATUS_ABANDONED_WAIT_0 + 0)
#define WAIT_IO_COMPLETION	STATUS_USER_APC
#define WAIT_TIMEOUT		258U
#define WAIT_FAILED		((DWORD)0xFFFFFFFF)
#define STILL_ACTIVE		259U

#define INVALID_HANDLE_VALUE	((HANDLE)(LONG_PTR)-1)

/* Win32 error codes (GetLastError) used by this subset. */
#define ERROR_SUCCESS		0L
#define NO_ERROR		0L
#define ERROR_INVALID_FUNCTION	1L
#define ERROR_FILE_NOT_FOUND	2L
#define ERROR_ACCESS_DENIED	5L
#define ERROR_INVALID_HANDLE	6L
#define ERROR_NOT_ENOUGH_MEMORY	8L
#define ERROR_OUTOFMEMORY	14L
#define ERROR_NOT_SUPPORTED	50L
#define ERROR_INVALID_PARAMETER	87L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_ALREADY_EXISTS	183L
#define ERROR_MORE_DATA		234L
#define ERROR_OPERATION_ABORTED	995L
#define ERROR_IO_INCOMPLETE	996L
#define ERROR_IO_PENDING	997L
#define ERROR_NOACCESS		998L
#define ERROR_TIMEOUT		1460L

/* Thread creation and access. */
#define CREATE_SUSPENDED		0x00000004
#define STACK_SIZE_PARAM_IS_A_RESERVATION 0x00010000
#define SYNCHRONIZE			0x00100000L
#define THREAD_ALL_ACCESS		0x001FFFFFL
#define THREAD_SET_CONTEXT		0x0010
#define THREAD_QUERY_INFORMATION	0x0040
#define EVENT_ALL_ACCESS		0x001F0003L
#define DUPLICATE_CLOSE_SOURCE		0x00000001
#define DUPLICATE_SAME_ACCESS		0x00000002

/*
 * Functions, implemented by libwsa.  Handles are libwsa objects: events
 * (eventfd based) and threads; GetCurrentThread() and GetCurrentProcess()
 * return the usual pseudo handles.
 */
DWORD WINAPI GetLastError(void);
void WINAPI SetLastError(DWORD dwErrCode);

HANDLE WINAPI CreateEventA(LPSECURITY_ATTRIBUTES lpEventAttributes,
			   BOOL bManualReset, BOOL bInitialState, LPCSTR lpName);
HANDLE WINAPI CreateEventW(LPSECURITY_ATTRIBUTES lpEventAttributes,
			   BOOL bManualReset, BOOL bInitialState, LPCWSTR lpName);
BOOL WINAPI SetEvent(HANDLE hEvent);
BOOL WINAPI ResetEvent(HANDLE hEvent);
BOOL WINAPI CloseHandle(HANDLE hObject);
BOOL WINAPI DuplicateHandle(HANDLE hSourceProcessHandle, HANDLE hSourceHandle,
			    HANDLE hTargetProcessHandle, LPHANDLE lpTargetHandle,
			    DWORD dwDesiredAccess, BOOL bInheritHandle,
			    DWORD dwOptions);

HANDLE WINAPI CreateThread(LPSECURITY_ATTRIBUTES lpThreadAttributes,
			   SIZE_T dwStackSize,
			   LPTHREAD_START_ROUTINE lpStartAddress,
			   LPVOID lpParameter, DWORD dwCreationFlags,
			   LPDWORD lpThreadId);
void WINAPI ExitThread(DWORD dwExitCode) __attribute__((noreturn));
BOOL WINAPI GetExitCodeThread(HANDLE hThread, LPDWORD lpExitCode);
DWORD WINAPI ResumeThread(HANDLE hThread);
HANDLE WINAPI GetCurrentThread(void);
HANDLE WINAPI GetCurrentProcess(void);
DWORD WINAPI GetCurrentThreadId(void);
DWORD WINAPI GetCurrentProcessId(void);
DWORD WINAPI GetThreadId(HANDLE Thread);
HANDLE WINAPI OpenThread(DWORD dwDesiredAccess, BOOL bInheritHandle,
			 DWORD dwThreadId);

DWORD WINAPI WaitForSingleObject(HANDLE hHandle, DWORD dwMilliseconds);
DWORD WINAPI WaitForSingleObjectEx(HANDLE hHandle, DWORD dwMilliseconds,
				   BOOL bAlertable);
DWORD WINAPI WaitForMultipleObjects(DWORD nCount, const HANDLE *lpHandles,
				    BOOL bWaitAll, DWORD dwMilliseconds);
DWORD WINAPI WaitForMultipleObjectsEx(DWORD nCount, const HANDLE *lpHandles,
				      BOOL bWaitAll, DWORD dwMilliseconds,
				      BOOL bAlertable);
DWORD WINAPI SleepEx(DWORD dwMilliseconds, BOOL bAlertable);
void WINAPI Sleep(DWORD dwMilliseconds);
DWORD WINAPI QueueUserAPC(PAPCFUNC pfnAPC, HANDLE hThread, ULONG_PTR dwData);

DWORD WINAPI GetTickCount(void);
ULONGLONG WINAPI GetTickCount64(void);

#ifdef UNICODE
#define CreateEvent CreateEventW
#else
#define CreateEvent CreateEventA
#endif

#ifdef __cplusplus
}
#endif

#endif /* LIBWSA_WINDOWS_H */
