# appliance/volume: carrel_blk control over generic netlink (libnl-genl) and
# the userspace reference implementation of its sector format (wolfSSL).
ifeq ($(CONFIG_KMOD),y)
$(eval $(call carrel_library,volume,\
	appliance/volume/volume.c appliance/volume/volume-key.c appliance/volume/sector-cipher.c,\
	libnl-genl-3.0 wolfssl))
endif
