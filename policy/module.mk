# policy/: the GDPR policy engine (docs/policy.md), linked by every service
# and by carrelctl. Always built: every flavour of Carrel obeys a policy.
POLICY_SOURCES := policy/policy-catalogue.c policy/policy-parse.c policy/policy-decide.c \
	policy/policy-explain.c policy/policy-redact.c policy/grant-store.c policy/policy-holder.c
$(eval $(call carrel_library,policy,$(POLICY_SOURCES),sqlite3 libsystemd inih))
INSTALL_conf += configs/policy.conf
