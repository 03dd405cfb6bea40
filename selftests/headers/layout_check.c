/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Win64 layout check: compiling this file (as C and as C++) asserts
 * that every type and field of layout.def has its Win64 size, alignment
 * and offset (win64-layout.h, from mingw-w64), or, for the differences
 * differences.rst documents, exactly the stated Linux layout.  Running it
 * does nothing.
 */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mswsock.h>
#include <ws2spi.h>
#include <windows.h>
#include <stddef.h>

#include "win64-layout.h"

#ifdef __cplusplus
#define SA(cond, msg) static_assert(cond, msg)
#else
#define SA(cond, msg) _Static_assert(cond, msg)
#endif
#define STR_(x) #x
#define STR(x) STR_(x)
#define FSIZE(t, f) sizeof(((t *)0)->f)

/* Keys are pasted, never expanded: u_long may be a macro (for ULONG). */
#define TS(key, t) \
	SA(sizeof(t) == W64_SIZE_##key, \
	   "sizeof(" #t ") is " STR(W64_SIZE_##key) " on Win64"); \
	SA(__alignof__(t) == W64_ALIGN_##key, \
	   "alignof(" #t ") is " STR(W64_ALIGN_##key) " on Win64");
#define T(t) \
	SA(sizeof(t) == W64_SIZE_##t, \
	   "sizeof(" #t ") is " STR(W64_SIZE_##t) " on Win64"); \
	SA(__alignof__(t) == W64_ALIGN_##t, \
	   "alignof(" #t ") is " STR(W64_ALIGN_##t) " on Win64");
#define F(t, f) \
	SA(offsetof(t, f) == W64_OFF_##t##_##f, \
	   "offsetof(" #t ", " #f ") is " STR(W64_OFF_##t##_##f) " on Win64"); \
	SA(FSIZE(t, f) == W64_FSIZE_##t##_##f, \
	   "sizeof(" #t "." #f ") is " STR(W64_FSIZE_##t##_##f) " on Win64");
#define DT(t, sz, al) \
	SA(sizeof(t) == (sz) && __alignof__(t) == (al), \
	   "sizeof, alignof(" #t ") are " #sz ", " #al " (differences.rst)"); \
	SA(sizeof(t) != W64_SIZE_##t || __alignof__(t) != W64_ALIGN_##t, \
	   #t " has the Win64 layout now: make it T() in layout.def");
#define DTS(key, t, sz, al) \
	SA(sizeof(t) == (sz) && __alignof__(t) == (al), \
	   "sizeof, alignof(" #t ") are " #sz ", " #al " (differences.rst)"); \
	SA(sizeof(t) != W64_SIZE_##key || __alignof__(t) != W64_ALIGN_##key, \
	   #t " has the Win64 layout now: make it TS() in layout.def");
#define DF(t, f, off, sz) \
	SA(offsetof(t, f) == (off) && FSIZE(t, f) == (sz), \
	   "offsetof, sizeof(" #t "." #f ") are " #off ", " #sz \
	   " (differences.rst)"); \
	SA(offsetof(t, f) != W64_OFF_##t##_##f || \
	   FSIZE(t, f) != W64_FSIZE_##t##_##f, \
	   #t "." #f " has the Win64 layout now: make it F() in layout.def");
#define L(t, sz, al) \
	SA(sizeof(t) == (sz) && __alignof__(t) == (al), \
	   "sizeof, alignof(" #t ") are " #sz ", " #al);

#include "layout.def"

int main(void)
{
	return 0;
}
