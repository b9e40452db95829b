# Demo: TPM key custody on a software TPM (sourced by scripts/demo).
if [ "${CARREL_TPM_CUSTODY:-y}" = y ] && "$ctl" components | grep -Eq '^tpm-custody +on +built'; then
	step "Key custody: a software TPM (swtpm) stands in for the appliance's TPM 2.0"
	tcti=$("$CARREL_SRCDIR/scripts/swtpm-harness" start "$work/tpm")
	pids+=("$(cat "$work/tpm/swtpm.pid")")
	export CARREL_TCTI=$tcti CARREL_KEYS_STATE_DIR=$work/keys
	echo "TCTI: $tcti"

	step "keys init: seal a new master key to PCR 7 (the recovery key is shown once)"
	"$ctl" keys init --pcrs 7
	ls -l "$work/keys"

	step "keys unlock: unseal, unwrap the volume key, derive the database, backup and audit keys"
	"$ctl" keys unlock && echo "unlocked (no consumer attached in the demo: keys verified, then wiped)"
	"$ctl" keys status

	step "keys wipe: crypto-erase; afterwards nothing can unlock"
	"$ctl" keys wipe --yes
	"$ctl" keys unlock || echo "(unlock refused after wipe, as it must be)"
	unset CARREL_TCTI CARREL_KEYS_STATE_DIR
fi
