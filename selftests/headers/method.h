/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A class with methods named like libc's socket functions. */
struct Conn {
	int fd;
	int send(const char *buf, int len);
	int bind(int port);
	int connect(int port);
	int select(int n);
	int gethostname(char *buf, int len);
};
int use_conn(void);
