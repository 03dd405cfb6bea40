#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The header cells built as c++17 (see headers_test.sh).
exec "$(dirname "$0")/headers_test.sh" c++17
