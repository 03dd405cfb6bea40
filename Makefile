# SPDX-License-Identifier: GPL-2.0
#
# wsaovl: Windows-style overlapped socket I/O for Linux.
#
#   make deps          install everything (Debian 12, as root; idempotent)
#   make               module for one kernel (KVER=..., default: newest
#                      installed headers) + libwsa + selftests
#   make W=1 / C=1     the same with kbuild's extra warnings / sparse
#   make modules-all   the module for every installed kernel,
#                      build/<kver>/kmod/wsaovl.ko
#   make check         the test suite on 6.1 and 6.12 in VMs
#   make check-debug   the test suite on a debug kernel (KASAN, lockdep,
#                      kmemleak, ...), unpacked or built into
#                      /var/cache/wsaovl/debug-kernel/ first if missing
#   make style         checkpatch --strict, sparse and W=1 on both kernels
#   make demo          the demo (examples/run-demo.sh) in a VM
#   make clean
#
# Kbuild (this directory's Kbuild file, then kmod/Kbuild) builds the module;
# this Makefile is never read by kbuild.

KVER ?= $(shell tools/kver --default 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build

all: module userspace

module:
	@test -n "$(KVER)" && test -e "$(KDIR)/Makefile" || \
		{ echo "make: no kernel build tree at '$(KDIR)': run 'make deps' (as root) or set KVER" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

modules-all:
	@kvers="$$(tools/kver --all)"; test -n "$$kvers" || \
		{ echo "make: no kernel headers installed: run 'make deps' (as root)" >&2; exit 1; }; \
	for k in $$kvers; do \
		echo "== module for $$k"; \
		tools/build-module $$k || exit 1; \
	done

userspace: libwsa selftests

libwsa:
	@if [ -f libwsa/Makefile ]; then \
		$(MAKE) -C libwsa; \
	else \
		echo "make: libwsa/Makefile does not exist yet: skipping libwsa"; \
	fi

selftests: libwsa
	$(MAKE) -C selftests

check:
	tools/check

check-debug:
	tools/check-debug

check-logcheck:
	selftests/logcheck/run.sh

style:
	tools/style

demo:
	@test -f examples/run-demo.sh || \
		{ echo "make demo: examples/run-demo.sh does not exist yet (it comes with libwsa and examples/)" >&2; exit 1; }
	$(MAKE) all
	tools/vm-run --kernel $(KVER) -- bash examples/run-demo.sh

deps:
	tools/deps

clean:
	@if [ -e "$(KDIR)/Makefile" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
	@if [ -f libwsa/Makefile ]; then $(MAKE) -C libwsa clean; fi
	@if [ -d .cache/kselftest ]; then $(MAKE) -C selftests clean; fi
	rm -rf build

.PHONY: all module modules-all userspace libwsa selftests check check-debug \
	check-logcheck style demo deps clean
