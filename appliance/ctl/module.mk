# carrelctl: officer/admin CLI.
CTL_SOURCES := appliance/ctl/carrelctl.c appliance/ctl/verbs.c
CTL_SOURCES += appliance/ctl/ctl-policy.c appliance/ctl/ctl-grant.c appliance/ctl/ctl-pki.c
CTL_LIBS := policy carrelpki carrelnet
ifeq ($(CONFIG_TPM_CUSTODY),y)
CTL_SOURCES += appliance/ctl/ctl-keys.c
endif
ifeq ($(CONFIG_KMOD),y)
CTL_SOURCES += appliance/ctl/ctl-volume.c
CTL_LIBS += volume
endif
$(eval $(call carrel_program,sbin,carrelctl,$(CTL_SOURCES),$(CTL_LIBS) carrel,))
