/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libwsa: everything is in <ws2tcpip.h>. */
#include <ws2tcpip.h>
