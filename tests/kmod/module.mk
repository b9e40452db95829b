# Tools for the kmod qemu guest (tests/kmod/run.sh copies them, with their
# libraries, into the initramfs). Built with `all`, never installed.
ifeq ($(CONFIG_KMOD),y)
$(eval $(call _carrel_link,$(B)/tests/kmod/nlprobe,tests/kmod/nlprobe.c,,libnl-genl-3.0,))
$(eval $(call _carrel_link,$(B)/tests/kmod/iobench,tests/kmod/iobench.c,,,))
ALL_PROGRAMS += $(B)/tests/kmod/nlprobe $(B)/tests/kmod/iobench
endif
