// SPDX-License-Identifier: GPL-2.0
/*
 * Pinned user memory.  An op that a worker runs (no thread of its owner
 * was in the module when its socket became ready) is pinned by that
 * worker, in the owner's mm, and reached through bio_vecs from then on;
 * a process that unmaps the buffers meanwhile cannot pull them away.  The
 * owner's own threads need no pins: they run ops in their mm.  Every
 * pinned page counts against max_pinned, and data pages against the
 * owner's RLIMIT_MEMLOCK.
 */
#include <linux/backing-dev.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/user.h>
#include <linux/slab.h>

#include "compat.h"
#include "internal.h"

/*
 * A writable pin of page cache that is written back behind the pin's back
 * can corrupt the file system (why v6.5's gup refuses long-term ones).
 * Ours last one attempt, but nothing needs them: refuse, and the owner's
 * thread runs such an op in its mm.
 */
static bool pin_writable_ok(struct page *page)
{
	struct folio *folio = page_folio(page);
	struct address_space *mapping;

	if (folio_test_anon(folio))
		return true;
	mapping = READ_ONCE(folio->mapping);
	return !mapping || !mapping_can_writeback(mapping);
}

/*
 * A pin at addr failed with -EFAULT: final when no mapping there allows
 * the access (unmapped since submit, or protected), as the owner's own
 * copy would fail; else (device or PFN mappings, which gup refuses, a
 * SIGBUS) only the owner's thread can tell.  Caller holds mmap_lock.
 */
static int pin_fault(struct mm_struct *mm, unsigned long addr,
		     unsigned int gup)
{
	struct vm_area_struct *vma = vma_lookup(mm, addr);
	unsigned long need = gup & FOLL_WRITE ? VM_WRITE : VM_READ;

	return !vma || !(vma->vm_flags & need) ? -EFAULT : -EPERM;
}

/*
 * Pin n pages from addr in the owner's mm, from a worker.  FOLL_NOWAIT:
 * a fault that would wait (userfaultfd, a page to read in, a FUSE server)
 * fails instead of parking the shared worker on it, and so does an
 * mmap_lock that a writer holds: -EBUSY.  A read it needed has been
 * started, and the op waits for a later retry or for a thread of the
 * owner.  -EFAULT: the memory is gone for good (pin_fault()); -EPERM:
 * pages a worker must not pin, which the owner's thread can still reach.
 * The caller holds a reference on the mm.
 */
static int pin_segment(struct mm_struct *mm, unsigned long addr,
		       unsigned long n, unsigned int gup, struct page **pages)
{
	unsigned long got = 0, i;
	int ret;

	while (got < n) {
		if (!mmap_read_trylock(mm)) {
			unpin_user_pages(pages, got);
			return -EBUSY;
		}
		ret = wsaovl_pin_user_pages_remote(mm, (addr & PAGE_MASK) +
						   got * PAGE_SIZE, n - got,
						   gup | FOLL_NOWAIT,
						   pages + got);
		if (ret == -EFAULT)
			ret = pin_fault(mm, (addr & PAGE_MASK) + got * PAGE_SIZE,
					gup);
		mmap_read_unlock(mm);
		if (ret <= 0) {
			unpin_user_pages(pages, got);
			/* none, without an error: a fault it would wait for */
			return ret ? ret : -EBUSY;
		}
		got += ret;
	}
	for (i = 0; (gup & FOLL_WRITE) && i < n; i++) {
		if (!pin_writable_ok(pages[i])) {
			unpin_user_pages(pages, n);
			return -EPERM;
		}
	}
	return 0;
}

/*
 * Charge npages to the opener's locked memory against the owner's
 * RLIMIT_MEMLOCK as its last SUBMIT saw it (unless the opener had
 * CAP_IPC_LOCK), as io_uring's registered buffers are, and to the owner's
 * pinned_vm.
 */
static int pin_charge_memlock(struct wsaovl_ctx *ctx, long npages)
{
	unsigned long limit = READ_ONCE(ctx->memlock_limit);
	long cur, new;

	if (!ctx->memlock_unlimited) {
		cur = atomic_long_read(&ctx->user->locked_vm);
		do {
			new = cur + npages;
			if (new > limit)
				return -ENOBUFS;
		} while (!atomic_long_try_cmpxchg(&ctx->user->locked_vm, &cur,
						  new));
	}
	atomic64_add(npages, &ctx->mm->pinned_vm);
	return 0;
}

static void pin_uncharge_memlock(struct wsaovl_ctx *ctx, long npages)
{
	if (!ctx->memlock_unlimited)
		atomic_long_sub(npages, &ctx->user->locked_vm);
	atomic64_sub(npages, &ctx->mm->pinned_vm);
}

/*
 * The module's own budgets: -EAGAIN past them; with @memlock, also
 * RLIMIT_MEMLOCK: -ENOBUFS.
 */
static int pin_account(struct wsaovl_ctx *ctx, long npages, bool memlock)
{
	long total = atomic_long_add_return(npages, &wsaovl_pinned_total);
	long mine = atomic_long_add_return(npages, &ctx->pinned_pages);
	int ret = -EAGAIN;

	if (mine <= (long)(READ_ONCE(wsaovl_max_pinned) >> PAGE_SHIFT) &&
	    total <= (long)(READ_ONCE(wsaovl_max_pinned_total) >> PAGE_SHIFT)) {
		ret = memlock ? pin_charge_memlock(ctx, npages) : 0;
		if (!ret)
			return 0;
	}
	atomic_long_sub(npages, &ctx->pinned_pages);
	atomic_long_sub(npages, &wsaovl_pinned_total);
	return ret;
}

static void pin_unaccount(struct wsaovl_ctx *ctx, long npages, bool memlock)
{
	if (memlock)
		pin_uncharge_memlock(ctx, npages);
	atomic_long_sub(npages, &ctx->pinned_pages);
	atomic_long_sub(npages, &wsaovl_pinned_total);
}

static unsigned long iov_pages(const struct iovec *iov, unsigned int nr)
{
	unsigned long npages = 0;
	unsigned int i;

	for (i = 0; i < nr; i++)
		npages += wsaovl_span_pages((unsigned long)iov[i].iov_base, iov[i].iov_len);
	return npages;
}

/*
 * Pin the user ranges in iov[0..nr) (already access_ok-checked) into one
 * bio_vec array.  Returns -EAGAIN past the context's or the module's
 * pinning budget, and with @memlock -ENOBUFS past RLIMIT_MEMLOCK.  Data
 * buffers are charged to RLIMIT_MEMLOCK; the one-page output regions
 * (name, control, status block: at most three per op, often one page
 * shared by many ops) are bounded by max_ops and max_pinned instead, so
 * that a few MiB of locked memory still allow thousands of pending ops.
 * Task context.
 */
int wsaovl_pin_user(struct wsaovl_ctx *ctx, const struct iovec *iov,
		    unsigned int nr, bool writable, bool memlock,
		    struct wsaovl_pin *pin)
{
	/*
	 * Short-term, as O_DIRECT's: pins last one worker attempt.  Long-term
	 * ones would migrate pages out of movable memory (draining every
	 * CPU's LRU batches) on each attempt.
	 */
	unsigned int gup = writable ? FOLL_WRITE : 0;
	unsigned long npages = iov_pages(iov, nr), idx = 0, i, n;
	struct page *few[8], **pages = few;
	struct bio_vec *bv = pin->small;
	size_t total = 0;
	int ret;

	for (i = 0; i < nr; i++)
		total += iov[i].iov_len;
	pin->bvec = NULL;
	pin->nr = 0;
	pin->len = total;
	pin->memlock = memlock;
	if (!npages)
		return 0;

	ret = pin_account(ctx, npages, memlock);
	if (ret)
		return ret;
	/* The common one- or two-page buffer allocates nothing. */
	ret = -ENOMEM;
	if (npages > ARRAY_SIZE(pin->small))
		bv = kvmalloc_array(npages, sizeof(*bv), GFP_KERNEL_ACCOUNT);
	if (npages > ARRAY_SIZE(few))
		pages = kvmalloc_array(npages, sizeof(*pages),
				       GFP_KERNEL_ACCOUNT);
	if (!bv || !pages)
		goto free;

	for (i = 0; i < nr; i++) {
		unsigned long addr = (unsigned long)iov[i].iov_base;
		size_t left = iov[i].iov_len;
		unsigned long p;

		n = wsaovl_span_pages(addr, left);
		if (!n)
			continue;
		ret = pin_segment(ctx->mm, addr, n, gup, pages + idx);
		if (ret)
			goto unpin;
		for (p = 0; p < n; p++) {
			unsigned int off = p ? 0 : offset_in_page(addr);

			bv[idx + p].bv_page = pages[idx + p];
			bv[idx + p].bv_offset = off;
			bv[idx + p].bv_len = min_t(size_t, left, PAGE_SIZE - off);
			left -= bv[idx + p].bv_len;
		}
		idx += n;
	}
	if (pages != few)
		kvfree(pages);
	pin->bvec = bv;
	pin->nr = npages;
	return 0;

unpin:
	unpin_user_pages(pages, idx);
free:
	if (pages != few)
		kvfree(pages);
	if (bv != pin->small)
		kvfree(bv);
	pin_unaccount(ctx, npages, memlock);
	return ret;
}

void wsaovl_unpin(struct wsaovl_ctx *ctx, struct wsaovl_pin *pin, bool dirty)
{
	unsigned int i;

	if (!pin->bvec)
		return;		/* nothing pinned: no shared counter touched */
	for (i = 0; i < pin->nr; i++) {
		unpin_user_pages_dirty_lock(&pin->bvec[i].bv_page, 1, dirty);
		if (!(i & 1023))
			cond_resched();
	}
	pin_unaccount(ctx, pin->nr, pin->memlock);
	if (pin->bvec != pin->small)
		kvfree(pin->bvec);
	pin->bvec = NULL;
	pin->nr = 0;
	pin->len = 0;
}

size_t wsaovl_pin_copy(struct wsaovl_pin *pin, size_t off, const void *src,
		       size_t len)
{
	struct iov_iter it;

	if (off > pin->len)
		return 0;
	iov_iter_bvec(&it, ITER_DEST, pin->bvec, pin->nr, pin->len);
	iov_iter_advance(&it, off);
	return copy_to_iter(src, len, &it);
}

/*
 * One naturally aligned store of 4 or 8 bytes, so that a concurrent reader
 * (HasOverlappedIoCompleted) never sees a torn value.
 */
void wsaovl_pin_store(struct wsaovl_pin *pin, size_t off, u64 val, int size)
{
	unsigned int i;
	void *va;

	for (i = 0; i < pin->nr; i++) {
		if (off < pin->bvec[i].bv_len)
			break;
		off -= pin->bvec[i].bv_len;
	}
	if (i == pin->nr || off + size > pin->bvec[i].bv_len)
		return;
	va = kmap_local_page(pin->bvec[i].bv_page);
	if (size == 8)
		WRITE_ONCE(*(u64 *)(va + pin->bvec[i].bv_offset + off), val);
	else
		WRITE_ONCE(*(u32 *)(va + pin->bvec[i].bv_offset + off), (u32)val);
	kunmap_local(va);
}

/*
 * Read a byte of every page of [uaddr, uaddr + len) and, if @writable,
 * write it back: -EFAULT if any is not there.  With @pages (a running
 * count across calls), a long range yields and stops on a fatal signal.
 */
static int probe_range(u64 uaddr, u64 len, bool writable,
		       unsigned long *pages)
{
	u64 last = uaddr + len - 1;
	u64 at;
	u8 b;

	for (at = uaddr; ; at = (at & PAGE_MASK) + PAGE_SIZE) {
		u8 __user *p;

		if (at > last)
			at = last;
		p = u64_to_user_ptr(at);
		if (get_user(b, p) || (writable && put_user(b, p)))
			return -EFAULT;
		if (at == last)
			return 0;
		if (pages && !(++*pages & 1023)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
}

/*
 * Record an output region, after checking that it is writable now: each
 * of its pages is read and written back, so a bad address fails the
 * submit with -EFAULT before any byte moves, as a pin at submit did.  The
 * region is the op's until it completes: nobody else writes it meanwhile.
 */
int wsaovl_out_init(struct wsaovl_out *out, u64 uaddr, u32 len)
{
	int ret;

	out->uaddr = uaddr;
	out->len = 0;
	if (!len)
		return 0;
	if (!uaddr || !access_ok(u64_to_user_ptr(uaddr), len))
		return -EFAULT;
	ret = probe_range(uaddr, len, true, NULL);
	if (!ret)
		out->len = len;
	return ret;
}

/*
 * Check that the data buffers are there now, as Windows probes them at
 * issue: a byte of each page is read, and for a receive written back.
 * -EFAULT if any is not.  The buffers are the op's from here on: writing
 * back what a receive is about to overwrite changes nothing the caller may
 * rely on.
 */
int wsaovl_probe_user(const struct iovec *iov, unsigned int nr, bool writable)
{
	unsigned long pages = 0;
	unsigned int i;
	int ret;

	for (i = 0; i < nr; i++) {
		if (!iov[i].iov_len)
			continue;
		ret = probe_range((unsigned long)iov[i].iov_base,
				  iov[i].iov_len, writable, &pages);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * The small output regions of a pending op (at most six, of at most two
 * pages each) count only against the module-wide total: they are bounded
 * per context by max_ops, and charging each 4-byte word a page of
 * max_pinned would make max_pinned, not max_ops, the limit on pending
 * receives.
 */
static int pin_account_small(long npages)
{
	if (atomic_long_add_return(npages, &wsaovl_pinned_total) <=
	    (long)(READ_ONCE(wsaovl_max_pinned_total) >> PAGE_SHIFT))
		return 0;
	atomic_long_sub(npages, &wsaovl_pinned_total);
	return -EAGAIN;
}

/* A worker is to complete the op: see wsaovl_op_pin_for_worker(). */
int wsaovl_out_pin(struct wsaovl_ctx *ctx, struct wsaovl_out *out)
{
	struct iovec iov = {
		.iov_base = u64_to_user_ptr(out->uaddr),
		.iov_len = out->len,
	};
	unsigned long n = wsaovl_span_pages(out->uaddr, out->len);
	struct wsaovl_pin *pin;
	int ret;

	if (!out->len || out->nr || out->big)
		return 0;
	if (n <= ARRAY_SIZE(out->page)) {
		ret = pin_account_small(n);
		if (ret)
			return ret;
		ret = pin_segment(ctx->mm, out->uaddr, n,
				  FOLL_WRITE, out->page);
		if (ret) {
			atomic_long_sub(n, &wsaovl_pinned_total);
			return ret;
		}
		out->nr = n;
		return 0;
	}
	pin = kzalloc(sizeof(*pin), GFP_KERNEL_ACCOUNT);
	if (!pin)
		return -ENOMEM;
	ret = wsaovl_pin_user(ctx, &iov, 1, true, false, pin);
	if (ret) {
		kfree(pin);
		return ret;
	}
	out->pin = pin;
	out->big = true;
	return 0;
}

/* Drop the region's pins, if any; it stays recorded. */
void wsaovl_out_unpin(struct wsaovl_ctx *ctx, struct wsaovl_out *out)
{
	if (out->big) {
		wsaovl_unpin(ctx, out->pin, true);
		kfree(out->pin);
		out->big = false;
	} else if (out->nr) {
		unpin_user_pages_dirty_lock(out->page, out->nr, true);
		atomic_long_sub(out->nr, &wsaovl_pinned_total);
		out->nr = 0;
	}
}

void wsaovl_out_release(struct wsaovl_ctx *ctx, struct wsaovl_out *out)
{
	wsaovl_out_unpin(ctx, out);
	out->len = 0;
}

/*
 * Unpinned regions are written only from the owner's mm (a thread of the
 * owner completing the op).  Anywhere else, the op is being cancelled by
 * a close: the owner is gone or going, and nobody can read them.
 */
static bool out_reachable(struct wsaovl_ctx *ctx)
{
	return current->mm == ctx->mm;
}

size_t wsaovl_out_copy(struct wsaovl_ctx *ctx, struct wsaovl_out *out,
		       size_t off, const void *src, size_t len)
{
	size_t pos, done, n;

	if (off >= out->len)
		return 0;
	len = min_t(size_t, len, out->len - off);
	if (out->big)
		return wsaovl_pin_copy(out->pin, off, src, len);
	if (!out->nr) {
		if (!out_reachable(ctx))
			return 0;
		return len - copy_to_user(u64_to_user_ptr(out->uaddr + off),
					  src, len);
	}
	pos = offset_in_page(out->uaddr) + off;
	for (done = 0; done < len; done += n, pos += n) {
		n = min_t(size_t, len - done, PAGE_SIZE - offset_in_page(pos));
		memcpy_to_page(out->page[pos >> PAGE_SHIFT], offset_in_page(pos),
			       src + done, n);
	}
	return len;
}

/*
 * A 4-byte word, at any alignment.  Copied from the stack: hardened
 * usercopy allows only the op's address field out of the op's slab.
 */
void wsaovl_out_word(struct wsaovl_ctx *ctx, struct wsaovl_out *out, u32 val)
{
	wsaovl_out_copy(ctx, out, 0, &val, sizeof(val));
}

/* An aligned 4- or 8-byte store, in one access (the status block). */
void wsaovl_out_store(struct wsaovl_ctx *ctx, struct wsaovl_out *out,
		      size_t off, u64 val, int size)
{
	void __user *p = u64_to_user_ptr(out->uaddr + off);
	size_t pos = offset_in_page(out->uaddr) + off;
	void *va;

	if (off + size > out->len)
		return;
	if (out->big) {
		wsaovl_pin_store(out->pin, off, val, size);
		return;
	}
	if (out->nr) {
		if (offset_in_page(pos) + size > PAGE_SIZE)
			return;		/* misaligned: submit refuses it */
		va = kmap_local_page(out->page[pos >> PAGE_SHIFT]);
		if (size == 8)
			WRITE_ONCE(*(u64 *)(va + offset_in_page(pos)), val);
		else
			WRITE_ONCE(*(u32 *)(va + offset_in_page(pos)), (u32)val);
		kunmap_local(va);
		return;
	}
	if (!out_reachable(ctx))
		return;
	if (size == 8)
		put_user(val, (u64 __user *)p);
	else
		put_user((u32)val, (u32 __user *)p);
}
