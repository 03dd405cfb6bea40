// SPDX-License-Identifier: GPL-2.0
/*
 * wsaovl: Windows-style overlapped socket I/O.
 *
 * /dev/wsaovl gives each open file a context: a completion ring shared by
 * mmap, and queues of asynchronous socket operations on the caller's own
 * sockets.  Documentation/userspace-api/wsaovl.rst describes the ABI.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/memcontrol.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "internal.h"

unsigned int wsaovl_max_ops = 65536;
module_param_named(max_ops, wsaovl_max_ops, uint, 0644);
MODULE_PARM_DESC(max_ops, "Outstanding operations per open file (default 65536)");

unsigned long wsaovl_max_pinned = 256UL << 20;
module_param_named(max_pinned, wsaovl_max_pinned, ulong, 0644);
MODULE_PARM_DESC(max_pinned, "Bytes of user memory pinned per open file (default 256 MiB)");

/* Across contexts: keeps any page's pin count far from overflowing. */
unsigned long wsaovl_max_pinned_total = 2UL << 30;
module_param_named(max_pinned_total, wsaovl_max_pinned_total, ulong, 0644);
MODULE_PARM_DESC(max_pinned_total, "Bytes of user memory pinned by all open files (default 2 GiB)");
atomic_long_t wsaovl_pinned_total = ATOMIC_LONG_INIT(0);

/* Who may open the device, as io_uring_disabled and io_uring_group. */
int wsaovl_disabled;
module_param_named(disabled, wsaovl_disabled, int, 0644);
MODULE_PARM_DESC(disabled, "0: everyone may open /dev/wsaovl (default); 1: only members of group and CAP_SYS_ADMIN; 2: nobody");

int wsaovl_group = -1;
module_param_named(group, wsaovl_group, int, 0644);
MODULE_PARM_DESC(group, "With disabled=1: the gid whose members may open /dev/wsaovl (default -1: none)");

static bool test_warn;
module_param(test_warn, bool, 0444);
MODULE_PARM_DESC(test_warn, "Test only: WARN at load, to prove log checks fail");

struct workqueue_struct *wsaovl_wq;
struct kmem_cache *wsaovl_op_cache;
struct kmem_cache *wsaovl_sockq_cache;

/* Contexts not yet freed; non-zero at unload means a reference leaked. */
static atomic_t wsaovl_live_ctx = ATOMIC_INIT(0);

static bool wsaovl_may_open(void)
{
	int disabled = READ_ONCE(wsaovl_disabled);
	kgid_t gid;

	if (disabled <= 0)
		return true;
	if (disabled >= 2)
		return false;
	if (capable(CAP_SYS_ADMIN))
		return true;
	gid = make_kgid(&init_user_ns, READ_ONCE(wsaovl_group));
	return gid_valid(gid) && in_group_p(gid);
}

static int wsaovl_open(struct inode *inode, struct file *file)
{
	struct wsaovl_ctx *ctx;

	if (!wsaovl_may_open())
		return -EPERM;
	if (!current->mm)
		return -EPERM;	/* kernel threads have no process to own it */
	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;
	ctx->owner = get_pid(task_tgid(current));
	ctx->mm = current->mm;
	mmgrab(ctx->mm);
	ctx->user = get_uid(current_user());
	ctx->memlock_unlimited = capable(CAP_IPC_LOCK);
	ctx->memlock_limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
	ctx->memcg = get_mem_cgroup_from_mm(current->mm);
	spin_lock_init(&ctx->lock);
	hash_init(ctx->sockqs);
	INIT_LIST_HEAD(&ctx->overflow);
	init_waitqueue_head(&ctx->poll_wait);
	refcount_set(&ctx->refs, 1);
	mutex_init(&ctx->cancel_lock);
	mutex_init(&ctx->setup_lock);
	mutex_init(&ctx->wait_all_lock);
	spin_lock_init(&ctx->run_lock);
	INIT_LIST_HEAD(&ctx->runners);
	INIT_LIST_HEAD(&ctx->submitters);
	INIT_LIST_HEAD(&ctx->run_list);
	INIT_LIST_HEAD(&ctx->left_list);
	wsaovl_runner_init(ctx);
	file->private_data = ctx;
	atomic_inc(&wsaovl_live_ctx);
	return nonseekable_open(inode, file);
}

void wsaovl_ctx_put(struct wsaovl_ctx *ctx)
{
	if (!refcount_dec_and_test(&ctx->refs))
		return;
	/* Nothing is on run_list (each queue there holds a reference). */
	wsaovl_runner_fini(ctx);
	wsaovl_ring_free(ctx);
	WARN_ON_ONCE(atomic_read(&ctx->nr_ops));
	WARN_ON_ONCE(atomic_long_read(&ctx->pinned_pages));
	free_uid(ctx->user);
	mem_cgroup_put(ctx->memcg);
	mmdrop(ctx->mm);
	put_pid(ctx->owner);
	kfree(ctx);
	atomic_dec(&wsaovl_live_ctx);
}

/*
 * A context belongs to the process that opened it: a forked child, or any
 * process the fd was passed to, gets EPERM.
 */
int wsaovl_ctx_check_owner(struct wsaovl_ctx *ctx)
{
	/* The mm too: after an exec the process is no longer the one that opened it. */
	return task_tgid(current) == ctx->owner && current->mm == ctx->mm ?
	       0 : -EPERM;
}

static int wsaovl_fd_is(const void *file, struct file *f, unsigned int fd)
{
	return f == file;
}

/*
 * Called at every close of an fd for the file, including the owner's exit
 * (exit_files) and exec (close-on-exec).  When the owning process lets go
 * of its last fd for the context, or is going away altogether, end its ops
 * and release its sockets, pinned pages and credentials now, even if
 * another process (a forked child) still holds the file: they are the
 * owner's, and nobody else may use them.
 */
static int wsaovl_flush(struct file *file, fl_owner_t id)
{
	struct wsaovl_ctx *ctx = file->private_data;

	if (task_tgid(current) != ctx->owner)
		return 0;
	if (current->flags & PF_EXITING && !atomic_read(&current->signal->live))
		wsaovl_cancel_all(ctx);
	else if (current->files && !iterate_fd(current->files, 0, wsaovl_fd_is, file))
		wsaovl_cancel_all(ctx);
	return 0;
}

static int wsaovl_release(struct inode *inode, struct file *file)
{
	struct wsaovl_ctx *ctx = file->private_data;

	wsaovl_cancel_all(ctx);
	wsaovl_ctx_put(ctx);
	return 0;
}

static long wsaovl_query(void __user *arg)
{
	struct wsaovl_query q = {
		.abi_version = WSAOVL_ABI_VERSION,
		.features = WSAOVL_FEATURES,
		.max_bufs = WSAOVL_MAX_BUFS,
		.max_ops = READ_ONCE(wsaovl_max_ops),
		.max_pinned = READ_ONCE(wsaovl_max_pinned),
		.ring_min = WSAOVL_RING_MIN,
		.ring_max = WSAOVL_RING_MAX,
	};

	return copy_to_user(arg, &q, sizeof(q)) ? -EFAULT : 0;
}

static long wsaovl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct wsaovl_ctx *ctx = file->private_data;
	void __user *uarg = (void __user *)arg;
	int ret;

	if (cmd == WSAOVL_IOC_QUERY)
		return wsaovl_query(uarg);
	ret = wsaovl_ctx_check_owner(ctx);
	if (ret)
		return ret;
	switch (cmd) {
	case WSAOVL_IOC_SETUP:
		return wsaovl_ring_setup(ctx, uarg);
	case WSAOVL_IOC_SUBMIT:
		return wsaovl_submit(ctx, uarg);
	case WSAOVL_IOC_CANCEL:
		return wsaovl_cancel(ctx, uarg);
	case WSAOVL_IOC_FLUSH:
		return wsaovl_ring_flush(ctx);
	case WSAOVL_IOC_CREATE_EVENT:
		return wsaovl_event_create(ctx, uarg);
	case WSAOVL_IOC_WAIT:
		return wsaovl_wait(ctx, uarg);
	default:
		return -ENOIOCTLCMD;
	}
}

static __poll_t wsaovl_poll(struct file *file, poll_table *pt)
{
	struct wsaovl_ctx *ctx = file->private_data;

	if (wsaovl_ctx_check_owner(ctx))
		return EPOLLERR;	/* not the owner's: nothing to wait for */
	poll_wait(file, &ctx->poll_wait, pt);
	wsaovl_ring_flush(ctx);
	return wsaovl_ring_ready(ctx) ? EPOLLIN | EPOLLRDNORM : 0;
}

static int wsaovl_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct wsaovl_ctx *ctx = file->private_data;

	if (wsaovl_ctx_check_owner(ctx))
		return -EPERM;
	return wsaovl_ring_mmap(ctx, vma);
}

static const struct file_operations wsaovl_fops = {
	.owner = THIS_MODULE,
	.open = wsaovl_open,
	.flush = wsaovl_flush,
	.release = wsaovl_release,
	.unlocked_ioctl = wsaovl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = wsaovl_poll,
	.mmap = wsaovl_mmap,
};

static struct miscdevice wsaovl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "wsaovl",
	.fops = &wsaovl_fops,
	.mode = 0666,
};

static int __init wsaovl_init(void)
{
	int ret;

	WARN_ON(test_warn);
	/*
	 * Own caches: exact object sizes, charged to the caller's memcg.  The
	 * destination address is the one field copied from userspace into an
	 * op: whitelist it for hardened usercopy.
	 */
	wsaovl_op_cache = KMEM_CACHE_USERCOPY(wsaovl_op, SLAB_ACCOUNT, addr);
	wsaovl_sockq_cache = KMEM_CACHE(wsaovl_sockq, SLAB_ACCOUNT);
	/*
	 * Per-cpu and concurrency managed: retries never block for long, so
	 * thousands of ready sockets share a worker or two per CPU.
	 */
	wsaovl_wq = alloc_workqueue("wsaovl", 0, 0);
	ret = -ENOMEM;
	if (!wsaovl_op_cache || !wsaovl_sockq_cache || !wsaovl_wq)
		goto fail;
	ret = misc_register(&wsaovl_misc);
	if (!ret)
		return 0;
fail:
	if (wsaovl_wq)
		destroy_workqueue(wsaovl_wq);
	kmem_cache_destroy(wsaovl_sockq_cache);
	kmem_cache_destroy(wsaovl_op_cache);
	return ret;
}

static void __exit wsaovl_exit(void)
{
	misc_deregister(&wsaovl_misc);
	/* Open files pin the module; drain the last work of closed ones. */
	destroy_workqueue(wsaovl_wq);
	WARN(atomic_read(&wsaovl_live_ctx), "wsaovl: %d contexts leaked\n",
	     atomic_read(&wsaovl_live_ctx));
	/* These complain of any object still allocated. */
	kmem_cache_destroy(wsaovl_sockq_cache);
	kmem_cache_destroy(wsaovl_op_cache);
}

module_init(wsaovl_init);
module_exit(wsaovl_exit);

MODULE_DESCRIPTION("Windows-style overlapped socket I/O");
MODULE_AUTHOR("wsaovl developers");
MODULE_LICENSE("GPL");
