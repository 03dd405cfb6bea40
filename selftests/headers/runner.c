/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Runs the cell.c programs of one group in one process: build-cells.sh
 * links every cell's object, its main renamed cell_main_N, with this file
 * (RUNNER_TABLE lists them).  An exec costs most of a second in a TCG
 * guest, a fork much less.  Each cell runs in a child of its own, output
 * to OUTDIR/NAME; prints "NAME STATUS" per cell (128 + signal if killed).
 *
 *   runner-GROUP OUTDIR
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CELL(name, fn) int fn(void);
#include RUNNER_TABLE
#undef CELL

static const struct {
	const char *name;
	int (*fn)(void);
} cells[] = {
#define CELL(name, fn) { name, fn },
#include RUNNER_TABLE
#undef CELL
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		char path[4096];
		int st = 0, fd;
		pid_t pid;

		snprintf(path, sizeof(path), "%s/%s", argv[1], cells[i].name);
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid == 0) {
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (fd >= 0) {
				dup2(fd, 1);
				dup2(fd, 2);
				close(fd);
			}
			alarm(120);
			_exit(cells[i].fn());
		}
		if (waitpid(pid, &st, 0) < 0)
			st = 255 << 8;
		printf("%s %d\n", cells[i].name,
		       WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	}
	return 0;
}
