# carrelctl: officer/admin CLI.
CTL_SOURCES := appliance/ctl/carrelctl.c appliance/ctl/verbs.c
CTL_LIBS :=
ifeq ($(CONFIG_KMOD),y)
CTL_SOURCES += appliance/ctl/ctl-volume.c
CTL_LIBS += volume
endif
$(eval $(call carrel_program,sbin,carrelctl,$(CTL_SOURCES),$(CTL_LIBS) carrel,))
