// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/wsaovl as a device: open and close, WSAOVL_IOC_QUERY, access by an
 * unprivileged user, unknown ioctls, and module unload with a file open.
 *
 * Run under tools/vm-run, which loads the module first and passes its path
 * in WSAOVL_KO (the unload test reloads it from there).
 */
#include <grp.h>
#include <stdint.h>
#include <sys/wait.h>
#include <termios.h>

#include "kselftest_harness.h"
#include "wsaovl_test.h"

static int open_dev(struct __test_metadata *_metadata)
{
	int fd = open(WSAOVL_DEV, O_RDWR | O_CLOEXEC);

	ASSERT_LE(0, fd) TH_LOG("open %s: %s (is the module loaded?)",
				 WSAOVL_DEV, strerror(errno));
	return fd;
}

/* A module parameter from sysfs, or -1. */
static long long modparam(const char *name)
{
	char path[128], buf[64];
	long long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/wsaovl/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		val = strtoll(buf, NULL, 0);
	fclose(f);
	return val;
}

TEST(open_close)
{
	struct stat st;
	int fd;

	ASSERT_EQ(0, stat(WSAOVL_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0666, st.st_mode & 07777);
	fd = open_dev(_metadata);
	EXPECT_EQ(0, close(fd));
}

TEST(query)
{
	struct wsaovl_query q;
	unsigned int i;
	int fd = open_dev(_metadata);

	memset(&q, 0xcc, sizeof(q));
	ASSERT_EQ(0, ioctl(fd, WSAOVL_IOC_QUERY, &q)) TH_LOG("QUERY: %s", strerror(errno));
	EXPECT_EQ(WSAOVL_ABI_VERSION, q.abi_version);
	EXPECT_EQ(WSAOVL_FEATURES, q.features);
	EXPECT_EQ(WSAOVL_MAX_BUFS, q.max_bufs);
	EXPECT_EQ(WSAOVL_RING_MIN, q.ring_min);
	EXPECT_EQ(WSAOVL_RING_MAX, q.ring_max);
	EXPECT_LT(0, q.max_ops);
	EXPECT_LT(0, q.max_pinned);
	if (modparam("max_ops") >= 0)
		EXPECT_EQ(modparam("max_ops"), q.max_ops);
	if (modparam("max_pinned") >= 0)
		EXPECT_EQ(modparam("max_pinned"), (long long)q.max_pinned);
	for (i = 0; i < sizeof(q.reserved) / sizeof(q.reserved[0]); i++) {
		__u32 r = q.reserved[i];

		EXPECT_EQ(0, r) TH_LOG("reserved[%u] = %#x", i, r);
	}
	EXPECT_EQ(0, close(fd));
}

TEST(query_bad_pointer)
{
	int fd = open_dev(_metadata);

	EXPECT_EQ(-1, ioctl(fd, WSAOVL_IOC_QUERY, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(fd, WSAOVL_IOC_QUERY, (void *)16));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
}

TEST(unprivileged)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to switch to uid 65534");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct wsaovl_query q;
		int fd;

		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(10);
		if (geteuid() != 65534)
			_exit(11);
		fd = open(WSAOVL_DEV, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			_exit(12);
		memset(&q, 0xcc, sizeof(q));
		if (ioctl(fd, WSAOVL_IOC_QUERY, &q))
			_exit(13);
		if (q.abi_version != WSAOVL_ABI_VERSION || q.features != WSAOVL_FEATURES)
			_exit(14);
		close(fd);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	/* 10: setuid, 11: euid, 12: open, 13: QUERY, 14: QUERY values */
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST(unknown_ioctl)
{
	struct termios t;
	__u32 word = 0;
	int fd = open_dev(_metadata);

	/* An unused number in our magic. */
	EXPECT_EQ(-1, ioctl(fd, _IO(WSAOVL_IOC_MAGIC, 0x7f), 0));
	EXPECT_EQ(ENOTTY, errno);
	/* QUERY's number with the wrong size or direction. */
	EXPECT_EQ(-1, ioctl(fd, _IOR(WSAOVL_IOC_MAGIC, 0, __u32), &word));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOW(WSAOVL_IOC_MAGIC, 0, struct wsaovl_query), &word));
	EXPECT_EQ(ENOTTY, errno);
	/* Another driver's ioctl: not a tty. */
	EXPECT_EQ(-1, ioctl(fd, TCGETS, &t));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

/*
 * Unloading must be refused while a file is open, then work after close.
 * This test unloads the module, so the teardown loads it again from
 * $WSAOVL_KO (with $WSAOVL_MODPARAMS) for the tests that follow.
 */
FIXTURE(unload) {
	int unloaded;
};

FIXTURE_SETUP(unload)
{
}

FIXTURE_TEARDOWN(unload)
{
	int ret;

	if (!self->unloaded || wsaovl_loaded())
		return;
	ret = wsaovl_load();
	if (ret)
		TH_LOG("reloading the module from $WSAOVL_KO failed: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
}

TEST_F(unload, refused_while_open)
{
	struct wsaovl_query q;
	const char *ko = getenv("WSAOVL_KO");
	int fd, ret;

	if (!ko || !*ko)
		SKIP(return, "WSAOVL_KO is not set: run under tools/vm-run");
	if (geteuid() != 0)
		SKIP(return, "needs root to unload the module");
	ASSERT_TRUE(wsaovl_loaded());

	fd = open_dev(_metadata);
	ret = wsaovl_unload();
	if (ret == 0)
		self->unloaded = 1;
	ASSERT_NE(0, ret) TH_LOG("the module unloaded while %s was open", WSAOVL_DEV);
	EXPECT_TRUE(ret == -EWOULDBLOCK || ret == -EBUSY) TH_LOG("delete_module: %s",
								 strerror(-ret));
	EXPECT_TRUE(wsaovl_loaded());
	/* The open file still works. */
	memset(&q, 0xcc, sizeof(q));
	EXPECT_EQ(0, ioctl(fd, WSAOVL_IOC_QUERY, &q));
	EXPECT_EQ(WSAOVL_ABI_VERSION, q.abi_version);
	ASSERT_EQ(0, close(fd));

	ret = wsaovl_unload();
	ASSERT_EQ(0, ret) TH_LOG("delete_module after close: %s", strerror(-ret));
	self->unloaded = 1;
	EXPECT_FALSE(wsaovl_loaded());
	EXPECT_EQ(-1, access(WSAOVL_DEV, F_OK));
	EXPECT_EQ(ENOENT, errno);

	/* And it loads again, with a working device. */
	ret = wsaovl_load();
	ASSERT_EQ(0, ret) TH_LOG("reload from %s: %s", ko, strerror(-ret));
	fd = open_dev(_metadata);
	memset(&q, 0xcc, sizeof(q));
	EXPECT_EQ(0, ioctl(fd, WSAOVL_IOC_QUERY, &q));
	EXPECT_EQ(WSAOVL_ABI_VERSION, q.abi_version);
	close(fd);
}

TEST_HARNESS_MAIN
