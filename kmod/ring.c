// SPDX-License-Identifier: GPL-2.0
/*
 * The completion ring: one producer side (under ctx->lock), one consumer in
 * userspace.  A full ring never drops a completion: the op waits on the
 * overflow list, still counted against max_ops, until there is room.
 */
#include <linux/bitmap.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "compat.h"
#include "internal.h"

/*
 * The ring's pages come one by one from the page allocator, charged to the
 * opener's memory cgroup (as io_uring's rings), and are mapped contiguously
 * for the kernel with vmap and for userspace with vm_insert_pages.  Past
 * the cgroup's limit SETUP fails with ENOMEM rather than OOM-killing.
 */
#define WSAOVL_RING_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static void ring_pages_free(struct page **pages, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		__free_page(pages[i]);
	kvfree(pages);
}

static struct page **ring_pages_alloc(unsigned int nr)
{
	struct page **pages;
	unsigned int i;

	pages = kvcalloc(nr, sizeof(*pages), WSAOVL_RING_GFP);
	if (!pages)
		return NULL;
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(WSAOVL_RING_GFP | __GFP_ZERO);
		if (!pages[i]) {
			ring_pages_free(pages, i);
			return NULL;
		}
	}
	return pages;
}

int wsaovl_ring_setup(struct wsaovl_ctx *ctx, struct wsaovl_setup __user *arg)
{
	struct wsaovl_ring *ring;
	struct wsaovl_setup s;
	unsigned long *slots;
	struct page **pages;
	unsigned int nr;
	size_t bytes, ev_off;
	u32 entries;
	int ret = 0;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.flags || s.ev_offset || s.ev_slots ||
	    memchr_inv(s.reserved, 0, sizeof(s.reserved)))
		return -EINVAL;
	if (!s.entries || s.entries > WSAOVL_RING_MAX)
		return -EINVAL;
	entries = roundup_pow_of_two(max_t(u32, s.entries, WSAOVL_RING_MIN));
	/* The event states take the page after the cqes. */
	ev_off = PAGE_ALIGN(struct_size(ring, cqes, entries));
	bytes = ev_off + WSAOVL_EV_SLOTS;
	nr = bytes >> PAGE_SHIFT;

	/* Not under setup_lock: reclaim must not wait behind an mmap. */
	slots = bitmap_zalloc(WSAOVL_EV_SLOTS, GFP_KERNEL_ACCOUNT);
	if (!slots)
		return -ENOMEM;
	pages = ring_pages_alloc(nr);
	if (!pages) {
		bitmap_free(slots);
		return -ENOMEM;
	}
	ring = vmap(pages, nr, VM_MAP, PAGE_KERNEL);
	if (!ring) {
		ring_pages_free(pages, nr);
		bitmap_free(slots);
		return -ENOMEM;
	}
	ring->mask = entries - 1;
	ring->entries = entries;

	mutex_lock(&ctx->setup_lock);
	if (ctx->ring) {
		ret = -EBUSY;
	} else {
		ctx->ring_pages = pages;
		ctx->ring_nr_pages = nr;
		spin_lock(&ctx->lock);
		ctx->cq_mask = entries - 1;
		ctx->ring_bytes = bytes;
		ctx->ev_states = (u8 *)ring + ev_off;
		ctx->ev_slots = slots;
		ctx->ring = ring;
		spin_unlock(&ctx->lock);
	}
	mutex_unlock(&ctx->setup_lock);
	if (ret) {
		vunmap(ring);
		ring_pages_free(pages, nr);
		bitmap_free(slots);
		return ret;
	}

	/*
	 * After the unlock: a fault here takes mmap_lock, which mmap holds
	 * while it takes setup_lock.
	 */
	s.entries = entries;
	s.ring_bytes = bytes;
	s.ev_offset = ev_off;
	s.ev_slots = WSAOVL_EV_SLOTS;
	if (copy_to_user(arg, &s, sizeof(s)))
		return -EFAULT;	/* the ring stays: SETUP again says EBUSY */
	return 0;
}

/*
 * Called with mmap_lock held.  The mapping is the owner's alone: a forked
 * child does not inherit it (the child may not use the context anyway).
 */
int wsaovl_ring_mmap(struct wsaovl_ctx *ctx, struct vm_area_struct *vma)
{
	unsigned long npages = vma_pages(vma);
	int ret = -EINVAL;

	mutex_lock(&ctx->setup_lock);
	/* Shared only: head is written by userspace and read by us. */
	if (ctx->ring && !vma->vm_pgoff && npages <= ctx->ring_nr_pages &&
	    vma->vm_flags & VM_SHARED) {
		wsaovl_vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND |
					 VM_DONTDUMP);
		ret = vm_insert_pages(vma, vma->vm_start, ctx->ring_pages,
				      &npages);
	}
	mutex_unlock(&ctx->setup_lock);
	return ret;
}

/* Caller holds ctx->lock.  Userspace owns head: distrust it. */
static bool ring_push(struct wsaovl_ctx *ctx, const struct wsaovl_cqe *cqe)
{
	struct wsaovl_ring *ring = ctx->ring;
	u32 tail = ctx->cq_tail;

	lockdep_assert_held(&ctx->lock);
	/* Acquire: the consumer is done with the entries before head. */
	if (tail - smp_load_acquire(&ring->head) > ctx->cq_mask)
		return false;
	ring->cqes[tail & ctx->cq_mask] = *cqe;
	ctx->cq_tail = tail + 1;
	/* Release: the entry is visible before the tail that covers it. */
	smp_store_release(&ring->tail, tail + 1);
	return true;
}

/* Caller holds ctx->lock. */
static void ring_note_overflow(struct wsaovl_ctx *ctx)
{
	lockdep_assert_held(&ctx->lock);
	WRITE_ONCE(ctx->ring->overflow, ctx->nr_overflow);
	WRITE_ONCE(ctx->ring->flags, ctx->nr_overflow ? WSAOVL_RING_OVERFLOW : 0);
}

/*
 * Publish op's cqe.  Returns true when the op was parked on the overflow
 * list, which then owns it; otherwise the caller frees it.
 */
bool wsaovl_ring_post(struct wsaovl_ctx *ctx, struct wsaovl_op *op)
{
	bool parked = false;

	spin_lock(&ctx->lock);
	if (ctx->nr_overflow || !ring_push(ctx, &op->cqe)) {
		list_add_tail(&op->node, &ctx->overflow);
		ctx->nr_overflow++;
		ring_note_overflow(ctx);
		parked = true;
	}
	spin_unlock(&ctx->lock);
	if (wq_has_sleeper(&ctx->poll_wait))
		wake_up_interruptible(&ctx->poll_wait);
	return parked;
}

/* Move parked completions into the ring; returns how many still wait. */
unsigned int wsaovl_ring_flush(struct wsaovl_ctx *ctx)
{
	struct wsaovl_op *op, *tmp;
	LIST_HEAD(moved);
	unsigned int left;

	spin_lock(&ctx->lock);
	list_for_each_entry_safe(op, tmp, &ctx->overflow, node) {
		if (!ring_push(ctx, &op->cqe))
			break;
		list_move_tail(&op->node, &moved);
		ctx->nr_overflow--;
	}
	if (ctx->ring)
		ring_note_overflow(ctx);
	left = ctx->nr_overflow;
	spin_unlock(&ctx->lock);

	list_for_each_entry_safe(op, tmp, &moved, node)
		wsaovl_op_free(op);
	return left;
}

bool wsaovl_ring_ready(struct wsaovl_ctx *ctx)
{
	bool ready;

	spin_lock(&ctx->lock);
	ready = ctx->nr_overflow ||
		(ctx->ring && READ_ONCE(ctx->ring->head) != ctx->cq_tail);
	spin_unlock(&ctx->lock);
	return ready;
}

/* Last reference gone: nothing can post any more. */
void wsaovl_ring_free(struct wsaovl_ctx *ctx)
{
	struct wsaovl_op *op, *tmp;

	list_for_each_entry_safe(op, tmp, &ctx->overflow, node) {
		wsaovl_op_free(op);
		cond_resched();
	}
	ctx->nr_overflow = 0;
	if (ctx->ring) {
		vunmap(ctx->ring);
		ring_pages_free(ctx->ring_pages, ctx->ring_nr_pages);
		bitmap_free(ctx->ev_slots);
	}
	ctx->ring = NULL;
	ctx->ev_states = NULL;
	ctx->ev_slots = NULL;
}
