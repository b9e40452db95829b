# carrelctl: officer/admin CLI.
CTL_SOURCES := appliance/ctl/carrelctl.c appliance/ctl/verbs.c
CTL_SOURCES += appliance/ctl/ctl-pki.c
$(eval $(call carrel_program,sbin,carrelctl,$(CTL_SOURCES),carrelpki carrelnet carrel,))
