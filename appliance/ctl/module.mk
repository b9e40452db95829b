# carrelctl: officer/admin CLI.
CTL_SOURCES := appliance/ctl/carrelctl.c appliance/ctl/verbs.c
ifeq ($(CONFIG_TPM_CUSTODY),y)
CTL_SOURCES += appliance/ctl/ctl-keys.c
endif
$(eval $(call carrel_program,sbin,carrelctl,$(CTL_SOURCES),carrel,))
