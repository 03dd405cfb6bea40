/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers shared by the wsaovl selftests.  Include after
 * kselftest_harness.h.
 */
#ifndef WSAOVL_TEST_H
#define WSAOVL_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <wsaovl.h>

#define WSAOVL_DEV	"/dev/wsaovl"

/* Whether the module is loaded (and not on its way out). */
static inline int wsaovl_loaded(void)
{
	char state[32] = "";
	FILE *f = fopen("/sys/module/wsaovl/initstate", "r");

	if (!f)
		return 0;
	if (!fgets(state, sizeof(state), f))
		state[0] = 0;
	fclose(f);
	return strncmp(state, "live", 4) == 0;
}

/* Unload the module: 0 or -errno (delete_module never waits since 3.13). */
static inline int wsaovl_unload(void)
{
	if (syscall(SYS_delete_module, "wsaovl", O_NONBLOCK))
		return -errno;
	return 0;
}

/*
 * Load the module from $WSAOVL_KO with $WSAOVL_MODPARAMS, as tools/vm-run
 * did: 0, -errno, or -ENOENT when WSAOVL_KO is not set.
 */
static inline int wsaovl_load(void)
{
	const char *ko = getenv("WSAOVL_KO");
	const char *params = getenv("WSAOVL_MODPARAMS");
	int fd, ret = 0;

	if (!ko || !*ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params ? params : "", 0))
		ret = -errno;
	close(fd);
	return ret;
}

#endif /* WSAOVL_TEST_H */
