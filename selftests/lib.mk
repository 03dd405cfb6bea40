# SPDX-License-Identifier: GPL-2.0
#
# wsaovl's entry to the kernel's own kselftest lib.mk (from linux-source-6.1,
# extracted by `make deps` into .cache/kselftest/ together with kselftest.h
# and kselftest_harness.h).  An area's Makefile is the usual kselftest one:
#
#	TEST_GEN_PROGS := foo_test bar_test
#	include ../lib.mk
#
# Optional: TEST_PROGS (scripts, run as they are), LDLIBS, CFLAGS +=,
# and `$(OUTPUT)/foo_test: foo_test.c helper.c` for extra sources.
#
# Out of tree, lib.mk finds its headers through `selfdir` (the directory of
# the file named lib.mk) and its uapi headers through top_srcdir/usr/include.
# Both are fixed here with `override`, so lib.mk's own assignments are
# ignored.  Programs are built into build/selftests/<area>/.  Tests include
# the ABI as <wsaovl.h> and the harness as "kselftest_harness.h".

wsaovl_top := $(realpath $(dir $(lastword $(MAKEFILE_LIST)))/..)
KSFT_DIR ?= $(wsaovl_top)/.cache/kselftest

ifeq ($(wildcard $(KSFT_DIR)/lib.mk),)
$(error $(KSFT_DIR)/lib.mk is missing: run `make deps` (as root) first)
endif

override selfdir := $(KSFT_DIR)
override top_srcdir := $(wsaovl_top)
KHDR_INCLUDES := -isystem $(wsaovl_top)/uapi

wsaovl_area := $(notdir $(CURDIR))
OUTPUT ?= $(wsaovl_top)/build/selftests/$(wsaovl_area)
ifeq ($(OUTPUT),)
OUTPUT := $(wsaovl_top)/build/selftests/$(wsaovl_area)
endif
$(shell mkdir -p $(OUTPUT))

CFLAGS += -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-sign-compare \
	  -D_GNU_SOURCE -I$(KSFT_DIR) -I$(wsaovl_top)/selftests/lib \
	  $(KHDR_INCLUDES)
LDLIBS += -lpthread
# Every program is rebuilt when the ABI or the shared helpers change.
LOCAL_HDRS += $(wsaovl_top)/uapi/wsaovl.h $(wsaovl_top)/selftests/lib/wsaovl_test.h

include $(KSFT_DIR)/lib.mk

# Every test of this area, one per line as "AREA PATH" (used by `make check`).
wsaovl_list:
	@for t in $(TEST_GEN_PROGS) $(TEST_CUSTOM_PROGS); do \
		echo "$(wsaovl_area) $$t"; done
	@for t in $(TEST_PROGS); do echo "$(wsaovl_area) $(CURDIR)/$$t"; done

.PHONY: wsaovl_list
