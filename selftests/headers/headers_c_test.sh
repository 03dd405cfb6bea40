#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The header cells built as c (see headers_test.sh).
exec "$(dirname "$0")/headers_test.sh" c
