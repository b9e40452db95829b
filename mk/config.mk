# Kconfig plumbing. build/.config is made from $(DEFCONFIG) the first time;
# the header and make fragment are regenerated whenever it or a Kconfig changes.

KCONFIG_FILES := Kconfig $(shell find . -path ./$(O) -prune -o -name Kconfig -print)
KCONFIG_GOALS := defconfig olddefconfig menuconfig savedefconfig setconfig %_defconfig

# kconfiglib itself is a Debian package: install dependencies first.
$(KCONFIG_CONFIG): | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(PYTHON) scripts/kconfig.py defconfig $(DEFCONFIG)

$(CONFIG_HEADER) $(CONFIG_MK) &: $(KCONFIG_CONFIG) $(KCONFIG_FILES) scripts/kconfig.py
	@mkdir -p $(dir $(CONFIG_HEADER))
	$(PYTHON) scripts/kconfig.py generate $(CONFIG_HEADER) $(CONFIG_MK)

ifeq ($(filter $(KCONFIG_GOALS),$(MAKECMDGOALS)),)
include $(CONFIG_MK)
endif

.PHONY: defconfig olddefconfig menuconfig savedefconfig
defconfig: | $(DEPS_STAMP)
	@mkdir -p $(O)
	$(PYTHON) scripts/kconfig.py defconfig $(DEFCONFIG)

# `make appliance_defconfig` loads configs/appliance_defconfig.
%_defconfig: configs/%_defconfig
	@mkdir -p $(O)
	$(PYTHON) scripts/kconfig.py defconfig $<

olddefconfig: | $(DEPS_STAMP)
	@mkdir -p $(O)
	$(PYTHON) scripts/kconfig.py olddefconfig

menuconfig:
	@mkdir -p $(O)
	$(PYTHON) scripts/kconfig.py menuconfig

savedefconfig:
	$(PYTHON) scripts/kconfig.py savedefconfig $(O)/defconfig

# `make setconfig SET="HUB=n RECORDER=n"`: what menuconfig does, scripted.
.PHONY: setconfig
setconfig: $(KCONFIG_CONFIG)
	$(PYTHON) scripts/kconfig.py set $(SET)
