# carrelctl: officer/admin CLI.
CTL_SOURCES := appliance/ctl/carrelctl.c appliance/ctl/verbs.c
$(eval $(call carrel_program,sbin,carrelctl,$(CTL_SOURCES),carrel,))
