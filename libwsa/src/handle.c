/*
 * Win32 handles: small integers into a table, never pointers.  Any value a
 * program passes (a closed handle, an integer, garbage) is checked against
 * the table without being dereferenced, and fails with
 * ERROR_INVALID_HANDLE instead of crashing.  Lookups take no lock; creating
 * and closing handles take one mutex.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

#define HT_CHUNK	1024U
#define HT_CHUNKS	1024U		/* up to 1M live handles */

static struct wsa_handle **ht[HT_CHUNKS];
static pthread_mutex_t ht_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t ht_used;		/* indices handed out so far */
static uint32_t *ht_free;		/* closed indices, reused first */
static uint32_t ht_nfree, ht_capfree;
static uint32_t ht_gen;			/* makes a reused index a new handle */

/* Value of a handle: generation above, (index + 1) * 4 below; never NULL. */
static HANDLE ht_encode(uint32_t idx, uint32_t gen)
{
	return (HANDLE)(uintptr_t)(((uint64_t)gen << 32) |
				   ((uint64_t)(idx + 1) << 2));
}

HANDLE wsa_handle_register(struct wsa_handle *o)
{
	uint32_t idx;
	HANDLE h = NULL;

	pthread_mutex_lock(&ht_lock);
	if (ht_nfree) {
		idx = ht_free[--ht_nfree];
	} else if (ht_used < HT_CHUNK * HT_CHUNKS) {
		idx = ht_used;
		if (!ht[idx / HT_CHUNK]) {
			struct wsa_handle **c = calloc(HT_CHUNK, sizeof(*c));

			if (!c)
				goto out;
			__atomic_store_n(&ht[idx / HT_CHUNK], c, __ATOMIC_RELEASE);
		}
		ht_used++;
	} else {
		goto out;
	}
	if (!++ht_gen)
		ht_gen = 1;
	o->idx = idx;
	o->gen = ht_gen;
	__atomic_store_n(&ht[idx / HT_CHUNK][idx % HT_CHUNK], o, __ATOMIC_RELEASE);
	h = ht_encode(idx, o->gen);
out:
	pthread_mutex_unlock(&ht_lock);
	return h;
}

void wsa_handle_unregister(struct wsa_handle *o)
{
	pthread_mutex_lock(&ht_lock);
	__atomic_store_n(&ht[o->idx / HT_CHUNK][o->idx % HT_CHUNK], NULL,
			 __ATOMIC_RELEASE);
	if (ht_nfree == ht_capfree) {
		uint32_t cap = ht_capfree ? ht_capfree * 2 : 64;
		uint32_t *f = realloc(ht_free, cap * sizeof(*f));

		if (f) {
			ht_free = f;
			ht_capfree = cap;
		}
	}
	if (ht_nfree < ht_capfree)	/* else the index is simply not reused */
		ht_free[ht_nfree++] = o->idx;
	pthread_mutex_unlock(&ht_lock);
}

struct wsa_handle *wsa_handle_lookup(HANDLE h)
{
	uint64_t v = (uintptr_t)h;
	uint32_t low = (uint32_t)v, idx;
	struct wsa_handle **c, *o;

	if ((low & 3) || !(low >> 2))
		return NULL;
	idx = (low >> 2) - 1;
	if (idx >= HT_CHUNK * HT_CHUNKS)
		return NULL;
	c = __atomic_load_n(&ht[idx / HT_CHUNK], __ATOMIC_ACQUIRE);
	if (!c)
		return NULL;
	o = __atomic_load_n(&c[idx % HT_CHUNK], __ATOMIC_ACQUIRE);
	if (!o || o->gen != (uint32_t)(v >> 32))
		return NULL;
	return o;
}
