# appliance/keys: TPM 2.0 key custody (libkeys) and carrel-keys, the oneshot
# process that holds key material (`carrelctl keys` execs it).
ifeq ($(CONFIG_TPM_CUSTODY),y)
KEYS_PKGS := tss2-esys tss2-tctildr tss2-mu tss2-rc libsodium
$(eval $(call carrel_library,keys,\
	appliance/keys/tpm.c appliance/keys/pcr-policy.c appliance/keys/recovery-key.c \
	appliance/keys/keyfile.c appliance/keys/kdf.c appliance/keys/key-sink.c \
	appliance/keys/custody.c appliance/keys/ask-secret.c,\
	$(KEYS_PKGS)))
$(eval $(call carrel_program,libexec,carrel-keys,\
	appliance/keys/carrel-keys.c appliance/ctl/verbs.c,keys carrel,))
endif
ifeq ($(CONFIG_TPM_CUSTODY),y)
INSTALL_conf += appliance/keys/keys.conf
endif
