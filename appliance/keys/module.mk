# appliance/keys: TPM 2.0 key custody (libkeys) and carrel-keys, the oneshot
# process that holds key material (`carrelctl keys` execs it). With
# CONFIG_KMOD, the carrel_blk sink (`--volume N`) and the volume library.
ifeq ($(CONFIG_TPM_CUSTODY),y)
KEYS_PKGS := tss2-esys tss2-tctildr tss2-mu tss2-rc libsodium
KEYS_SOURCES := appliance/keys/tpm.c appliance/keys/pcr-policy.c appliance/keys/recovery-key.c \
	appliance/keys/keyfile.c appliance/keys/kdf.c appliance/keys/key-sink.c \
	appliance/keys/custody.c appliance/keys/ask-secret.c
KEYS_HELPER_LIBS := keys carrel
ifeq ($(CONFIG_KMOD),y)
KEYS_SOURCES += appliance/keys/key-sink-volume.c
KEYS_HELPER_LIBS := keys volume carrel
endif
$(eval $(call carrel_library,keys,$(KEYS_SOURCES),$(KEYS_PKGS)))
$(eval $(call carrel_program,libexec,carrel-keys,\
	appliance/keys/carrel-keys.c appliance/ctl/verbs.c,$(KEYS_HELPER_LIBS),))
endif
ifeq ($(CONFIG_TPM_CUSTODY),y)
INSTALL_conf += appliance/keys/keys.conf
endif
