// SPDX-License-Identifier: GPL-2.0
/*
 * Who may open /dev/wsaovl: the module parameters disabled and group, as
 * io_uring_disabled and io_uring_group.  0: everyone; 1: members of group
 * and CAP_SYS_ADMIN; 2: nobody.  Checked at open; a file already open
 * keeps working.
 */
#include <grp.h>
#include <sys/wait.h>

#include "engine.h"

#define PARAM "/sys/module/wsaovl/parameters/"

static int param_set(const char *name, int v)
{
	char path[128], buf[32];
	int fd, n;

	snprintf(path, sizeof(path), PARAM "%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%d", v);
	n = write(fd, buf, n) == n ? 0 : -errno;
	close(fd);
	return n;
}

/* Open the device as uid/gid 65534 (with supplementary group sup, if >= 0). */
static int open_as_nobody(int sup)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		gid_t g = sup;
		int fd;

		if (setgroups(sup >= 0 ? 1 : 0, &g) || setgid(65534) || setuid(65534))
			_exit(100);
		fd = dev_open();
		_exit(fd >= 0 ? 0 : errno);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

FIXTURE(access) {
	int ok;
};

FIXTURE_SETUP(access)
{
	self->ok = 0;
	if (getuid() != 0)
		SKIP_NOW("needs root");
	if (access("/sys/module/wsaovl", F_OK))
		SKIP_NOW("module not loaded");
	/* The module is loaded: the knob must be there. */
	ASSERT_EQ(0, access(PARAM "disabled", W_OK));
	ASSERT_EQ(0, access(PARAM "group", W_OK));
	self->ok = 1;
}

FIXTURE_TEARDOWN(access)
{
	if (self->ok) {
		param_set("disabled", 0);
		param_set("group", -1);
	}
}

TEST_F(access, everyone_by_default)
{
	EXPECT_EQ(0, open_as_nobody(-1));
}

TEST_F(access, group_only)
{
	struct ctx c;
	int fd;

	CTX_INIT(&c, 16);	/* opened before the knob turns */
	ASSERT_EQ(0, param_set("group", 4242));
	ASSERT_EQ(0, param_set("disabled", 1));
	EXPECT_EQ(EPERM, open_as_nobody(-1));
	EXPECT_EQ(0, open_as_nobody(4242));
	EXPECT_EQ(EPERM, open_as_nobody(4243));
	/* CAP_SYS_ADMIN may. */
	fd = dev_open();
	EXPECT_LE(0, fd);
	if (fd >= 0)
		close(fd);
	/* An open context keeps working. */
	EXPECT_EQ(0, flush(&c));
	ctx_fini(&c);
}

TEST_F(access, nobody)
{
	int fd;

	ASSERT_EQ(0, param_set("disabled", 2));
	EXPECT_EQ(EPERM, open_as_nobody(-1));
	fd = dev_open();
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EPERM, errno);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, param_set("disabled", 0));
	EXPECT_EQ(0, open_as_nobody(-1));
}

TEST_HARNESS_MAIN
