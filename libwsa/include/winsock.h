/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libwsa: everything is in <winsock2.h>. */
#include <winsock2.h>
