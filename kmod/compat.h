/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel API difference between the kernels wsaovl supports
 * (Debian's 6.1 and 6.12 LTS) lives here and nowhere else.
 */
#ifndef WSAOVL_COMPAT_H
#define WSAOVL_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/uio.h>
#include <net/sock.h>

/*
 * v6.8 dropped eventfd_signal()'s count argument.  kmod/Kbuild detects it
 * from the headers, which also covers backports.
 */
static inline void wsaovl_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef WSAOVL_EVENTFD_SIGNAL_NO_COUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* Backported to some 6.1 stable trees, so test the macro, not the version. */
#ifndef ITER_SOURCE
#define ITER_SOURCE	WRITE
#define ITER_DEST	READ
#endif

/* v6.3 made vma->vm_flags read-only behind vm_flags_set(). */
static inline void wsaovl_vm_flags_set(struct vm_area_struct *vma,
				       unsigned long flags)
{
#ifdef WSAOVL_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

/* v6.9 made net.core.optmem_max per network namespace. */
static inline int wsaovl_optmem_max(struct sock *sk)
{
#ifdef WSAOVL_OPTMEM_PER_NETNS
	return READ_ONCE(sock_net(sk)->core.sysctl_optmem_max);
#else
	return READ_ONCE(sysctl_optmem_max);
#endif
}

/* v6.5 dropped the vmas argument of the gup calls. */
static inline long wsaovl_pin_user_pages_remote(struct mm_struct *mm,
						unsigned long start,
						unsigned long nr_pages,
						unsigned int gup_flags,
						struct page **pages)
{
#ifdef WSAOVL_GUP_VMAS
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, NULL);
#else
	return pin_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL);
#endif
}

#endif /* WSAOVL_COMPAT_H */
