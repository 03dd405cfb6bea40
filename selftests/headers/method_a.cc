// SPDX-License-Identifier: LGPL-2.1-or-later
// Uses Conn's methods with <winsock2.h> included: a macro named send (as
// libwsa had) renamed them here and not in method_b.cc, and this did not
// link.  Also calls the libc names, which are Winsock's here.
#include <winsock2.h>
#include "method.h"

int use_conn(void)
{
	Conn c = { -1 };
	char h[8];

	return c.send("x", 1) + c.bind(2) + c.connect(3) + c.select(4) +
	       c.gethostname(h, sizeof(h));
}

int main()
{
	SOCKET bad = INVALID_SOCKET;

	if (use_conn() != 15)
		return 1;
	WSASetLastError(0);
	if (send(bad, "x", 1, 0) != SOCKET_ERROR ||
	    WSAGetLastError() != WSANOTINITIALISED)
		return 2;
	return 0;
}
