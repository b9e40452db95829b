#!/bin/bash
# Key custody against a real software TPM (swtpm), end to end through
# `carrelctl keys`: enrol, unlock, PCR mismatch naming the PCR, PIN and
# dictionary-attack lockout, recovery key, reseal, rotate, crypto-erase, a
# tpm2-tools cross-check of the sealed object's policy, bad input, and a leak
# scan of every file and log for the key bytes. The volume key is random,
# stored only wrapped, and survives rotation.
source "$(dirname "$0")/lib.sh"

CTL=$CARREL_BUILD/sbin/carrelctl
TOOL=$CARREL_BUILD/tests/helpers/keys-testtool
HARNESS=$CARREL_SRCDIR/scripts/swtpm-harness
export CARREL_KEYS_HELPER=$CARREL_BUILD/libexec/carrel-keys

if [[ ! -x $CTL ]] || ! "$CTL" components | grep -qE '^tpm-custody +on +built'; then
	skip "key custody not in this build (CONFIG_TPM_CUSTODY)"
	done_testing
	exit 0
fi
if ! command -v swtpm >/dev/null || ! command -v tpm2_pcrextend >/dev/null; then
	skip "swtpm or tpm2-tools missing"
	done_testing
	exit 0
fi

TPMDIR=$TEST_TMP/tpm
STATE=$TEST_TMP/keys
LOG=$TEST_TMP/carrelctl.log # everything carrelctl prints, for the leak scan
WORK=$TEST_TMP/work
mkdir -p "$WORK"

T=$("$HARNESS" start "$TPMDIR") || { not_ok "swtpm starts"; done_testing; exit 1; }
track_pid "$(cat "$TPMDIR/swtpm.pid")"
stop_tpm() { "$HARNESS" stop "$TPMDIR"; }
trap 'stop_tpm; test_cleanup' EXIT

export CARREL_TCTI=$T CARREL_KEYS_STATE_DIR=$STATE CARREL_LOG_TARGET=stderr TSS2_LOG=all+none
tpm() { "$@" -T "$T" >/dev/null 2>&1; }
# Short dictionary-attack timings, so the lockout test takes seconds.
tpm tpm2_dictionarylockout -s -n 3 -t 2 -l 2

# keys ARGS...: run carrelctl keys; stdout to $OUT, stderr to $ERR; stderr
# (the log) is appended to $LOG. $OUT may hold a recovery key, printed for
# the officer once; it is removed before the leak scan.
OUT=$TEST_TMP/out ERR=$TEST_TMP/err
keys() {
	"$CTL" keys "$@" >"$OUT" 2>"$ERR"
	local rc=$?
	cat "$ERR" >>"$LOG"
	return $rc
}
err_has() { grep -q -- "$1" "$ERR"; }
recovery_key_of() { grep -oE '[0-9A-Z]{5}(-[0-9A-Z]{5}){7}' "$OUT"; }
# The subkey frame a consumer would receive, as hex, through a pipe only.
frame() { "$CTL" keys unlock --key-fd 3 "$@" 3>&1 >>"$LOG" 2>>"$LOG" | xxd -p | tr -d '\n'; }
SECRETS=() # every key value seen, hex, for the leak scan
remember_secrets() { # RECOVERY_KEY -> sets AMK/VOLUME and appends to SECRETS
	local line
	while read -r name hex; do
		SECRETS+=("$hex")
		[[ $name == amk ]] && AMK=$hex
		[[ $name == volume ]] && VOLUME=$hex
	done < <(echo "$1" | "$TOOL" secrets "$STATE")
}

check "carrelctl components lists tpm-custody as built" \
	bash -c "'$CTL' components | grep -qE '^tpm-custody +on +built'"

# --- enrolment -------------------------------------------------------------
check "keys init (PCR 7, no PIN) succeeds" keys init
RK1=$(recovery_key_of)
check "the recovery key is printed once: 8 checksummed groups of 5" test -n "$RK1"
check "only amk.sealed and amk.recovery are stored" \
	test "$(ls "$STATE" | tr '\n' ' ')" = "amk.recovery amk.sealed "
check "the state directory is 0700" test "$(stat -c %a "$STATE")" = 700
check "both key files are 0600" \
	test "$(stat -c %a "$STATE"/amk.sealed "$STATE"/amk.recovery | sort -u)" = 600
check "both are format 2, ending with the wrapped volume key record (tag 26, 80 bytes)" \
	bash -c "for f in '$STATE'/amk.sealed '$STATE'/amk.recovery; do
		test \$(head -c 8 \$f | tail -c 1 | xxd -p) = 02 && test \$(tail -c 83 \$f | head -c 3 | xxd -p) = 1a0050 || exit 1; done"
check_fails "a second init is refused without --force" keys init
check "... naming --force" err_has "already enrolled"
remember_secrets "$RK1"

# --- configuration file ----------------------------------------------------------
printf '[TPM]\nTCTI=%s\n[Keys]\nStateDirectory=%s\n' "$T" "$STATE" >"$WORK/keys.conf"
check "the TCTI and state directory come from --config" \
	bash -c "env -u CARREL_TCTI -u CARREL_KEYS_STATE_DIR '$CTL' keys status --config '$WORK/keys.conf' | grep -q 'PCRs now: *as sealed'"
printf '[TPM]\nTCTY=x\n' >"$WORK/bad.conf"
check_fails "a misspelt key in the configuration is refused" keys status --config "$WORK/bad.conf"
check "... with its file and line" err_has "bad.conf:2"

# --- unlock ------------------------------------------------------------------
F1=$(frame)
check "unlock hands a 178-byte SET frame to the --key-fd consumer" test ${#F1} -eq 356
check "the frame carries the volume key the key files wrap" test "${F1:24:128}" = "$VOLUME"
F1R=$(echo "$RK1" | frame --recovery)
check "unlock --recovery (key on stdin) gives the same subkeys" test "$F1R" = "$F1"
check "unlock without a consumer succeeds (verification only)" keys unlock

# --- the carrel_blk consumer (--volume): the guest test in tests/kmod/run.sh
# keys a real volume; here only what the host can show (no module loadable).
if "$CTL" components | grep -qE '^kmod +on +built'; then
	check_fails "unlock --volume 0 without carrel_blk loaded fails" keys unlock --volume 0
	check "... saying the module is not loaded, in one line" \
		bash -c "grep -q 'carrel_blk volume 0: the carrel_blk kernel module is not loaded' '$ERR' && test \$(wc -l <'$ERR') -eq 1"
else
	check_fails "unlock --volume 0 is refused without CONFIG_KMOD" keys unlock --volume 0
	check "... naming the build option" err_has "CONFIG_KMOD=n"
fi
check_fails "--volume and --key-fd exclude each other" keys unlock --volume 0 --key-fd 1
check_fails "--volume takes an index only" keys unlock --volume /dev/sda
check "... and says so" err_has "expected a volume index"

# --- tpm2-tools cross-check ----------------------------------------------------
POLICY=$("$TOOL" export "$STATE" "$WORK")
tpm tpm2_pcrread sha256:7 -o "$WORK/pcr7.bin"
tpm tpm2_createpolicy --policy-pcr -l sha256:7 -f "$WORK/pcr7.bin" -L "$WORK/expected.policy"
check "tpm2_createpolicy computes the policy digest stored with the AMK" \
	test "$(xxd -p -c64 "$WORK/expected.policy")" = "$POLICY"
persistent() { tpm2_getcap -T "$T" handles-persistent 2>/dev/null | tr -d ' \n-'; }
check "the custody parent is persistent at 0x8100CA01" test "$(persistent)" = 0x8100CA01
tpm tpm2_load -C 0x8100ca01 -u "$WORK/sealed.pub" -r "$WORK/sealed.priv" -c "$WORK/obj.ctx"
"$HARNESS" flush "$TPMDIR"
check "tpm2_readpublic shows that policy on the sealed object" \
	bash -c "tpm2_readpublic -T '$T' -c '$WORK/obj.ctx' 2>/dev/null | grep -q 'authorization policy: $POLICY'"
check "tpm2_unseal with PCR 7 yields the AMK the recovery copy holds" \
	test "$(tpm2_unseal -T "$T" -c "$WORK/obj.ctx" -p pcr:sha256:7 2>/dev/null | xxd -p -c64)" = "$AMK"
"$HARNESS" flush "$TPMDIR"

# --- PCR mismatch ----------------------------------------------------------------
check "keys init --pcrs 7,8 --force" keys init --pcrs 7,8 --force
RK2=$(recovery_key_of)
remember_secrets "$RK2"
PREV_VK=$VOLUME
tpm tpm2_pcrextend 8:sha256=$(printf '%064d' 1)
check_fails "after extending PCR 8, unlock fails" keys unlock
check "... naming PCR 8 (and only it) as changed" err_has "PCR 8 changed since the AMK was sealed (sealed to PCR 7,8)"
tpm tpm2_pcrextend 7:sha256=$(printf '%064d' 2)
check_fails "after extending PCR 7 too, unlock fails" keys unlock
check "... naming PCR 7,8" err_has "PCR 7,8 changed"
check "status shows the changed PCRs" bash -c "'$CTL' keys status | grep -q 'changed: 7,8'"
check "unlock --recovery still works" bash -c "echo '$RK2' | '$CTL' keys unlock --recovery 2>>'$LOG'"
check "reseal --recovery seals to the new PCR values" bash -c "echo '$RK2' | '$CTL' keys reseal --recovery 2>>'$LOG'"
F2=$(frame)
check "unlock works again after the reseal, same AMK" test "${F2:24:128}" = "$VOLUME"

# --- PIN and dictionary-attack lockout ------------------------------------------------
tpm tpm2_dictionarylockout -c
PIN=482916
check "keys init --pin (PIN from an fd)" keys init --force --pin-fd 3 3<<<"$PIN"
RK3=$(recovery_key_of)
remember_secrets "$RK3"
check "a new enrolment (init --force) has a new random volume key" test "$VOLUME" != "$PREV_VK"
VK0=$VOLUME # the volume key of this enrolment: every rotation must keep it
F3=$(frame --pin-fd 4 4<<<"$PIN")
check "unlock with the right PIN" test "${F3:24:128}" = "$VOLUME"
POLICY=$("$TOOL" export "$STATE" "$WORK")
tpm tpm2_pcrread sha256:7 -o "$WORK/pcr7.bin"
tpm tpm2_startauthsession -S "$WORK/trial.ctx"
tpm tpm2_policypcr -S "$WORK/trial.ctx" -l sha256:7 -f "$WORK/pcr7.bin"
tpm tpm2_policyauthvalue -S "$WORK/trial.ctx" -L "$WORK/expected-pin.policy"
tpm tpm2_flushcontext "$WORK/trial.ctx"
check "tpm2-tools trial session: PolicyPCR + PolicyAuthValue digest matches" \
	test "$(xxd -p -c64 "$WORK/expected-pin.policy")" = "$POLICY"
check_fails "a wrong PIN is refused" keys unlock --pin-fd 3 3<<<"000000"
check "... saying 2 tries are left" err_has "wrong PIN; 2 tries left"
check_fails "a second wrong PIN is refused" keys unlock --pin-fd 3 3<<<"111111"
check "... saying 1 try is left" err_has "wrong PIN; 1 try left"
check_fails "a third wrong PIN is refused" keys unlock --pin-fd 3 3<<<"222222"
check "... saying the TPM is now in lockout" err_has "no tries left"
check_fails "the right PIN is refused during lockout" keys unlock --pin-fd 3 3<<<"$PIN"
check "... with the time remaining" err_has "lockout (3 failed tries of 3); one more try is allowed in at most 2 s"
check "recovery still unlocks during lockout" bash -c "echo '$RK3' | '$CTL' keys unlock --recovery 2>>'$LOG'"
sleep 3
check "after the lockout interval the right PIN unlocks" keys unlock --pin-fd 3 3<<<"$PIN"
tpm tpm2_dictionarylockout -c
check "reseal authorised by the PIN (PCRs unchanged) to PCR 7,8, keeping the PIN" \
	keys reseal --pcrs 7,8 --pin-fd 3 3<<<"$PIN"
check "... status shows the new policy" bash -c "'$CTL' keys status | grep -q 'sha256:7,8 + PIN'"
F3=$(frame --pin-fd 4 4<<<"$PIN")
check "... and the same PIN unlocks the same AMK" test "${F3:24:128}" = "$VOLUME"

# --- the key-holding process cannot dump core ---------------------------------------------
mkfifo "$WORK/pin.fifo"
"$CTL" keys unlock --pin-fd 3 3<"$WORK/pin.fifo" 2>>"$LOG" &
KPID=$!
exec 7>"$WORK/pin.fifo"
sleep 0.3
check "carrel-keys runs with a core-size limit of 0" \
	bash -c "grep -E '^Max core file size +0 +0' /proc/$KPID/limits >/dev/null"
echo "$PIN" >&7
exec 7>&-
check "... and unlocks with the PIN it read from the fd" wait $KPID

# --- a PIN typed on a terminal is not echoed ------------------------------------------
if command -v script >/dev/null; then
	mkfifo "$WORK/tty.in"
	script -qfec "'$CTL' keys unlock" "$WORK/typescript" <"$WORK/tty.in" >/dev/null 2>&1 &
	SPID=$!
	exec 9>"$WORK/tty.in"
	for _ in $(seq 200); do grep -q "TPM PIN:" "$WORK/typescript" 2>/dev/null && break; sleep 0.05; done
	echo "$PIN" >&9
	exec 9>&-
	check "unlock reads the PIN from the terminal" wait $SPID
	check "... with echo off: the PIN is not in the terminal transcript" \
		bash -c "grep -q 'TPM PIN:' '$WORK/typescript' && ! grep -q '$PIN' '$WORK/typescript'"
else
	skip "script(1) missing: terminal PIN entry not tested"
fi

# --- rotate ------------------------------------------------------------------
# A new AMK: every subkey derived from it changes, the volume key VK does
# not (it is re-wrapped), so carrel_blk data written before stays readable.
OLD_VOLUME=$VOLUME OLD_AMK=$AMK
cp "$STATE/amk.sealed" "$WORK/sealed.before-rotate"
ROT=$("$CTL" keys rotate --pin-fd 4 --key-fd 3 4<<<"$PIN" 3>&1 >"$OUT" 2>>"$LOG" | xxd -p | tr -d '\n')
cat "$OUT" >/dev/null
RK4=$(recovery_key_of)
check "rotate prints a new recovery key" test -n "$RK4" -a "$RK4" != "$RK3"
check "rotate hands a REKEY frame (old keys, new keys) to the consumer" test "${ROT:16:4}" = "0202"
check "... whose old set is the previous volume key" test "${ROT:24:128}" = "$OLD_VOLUME"
remember_secrets "$RK4"
check "... and whose new set is the new AMK's" test "${ROT:$((24 + 356 - 20)):128}" = "$VOLUME"
check "the AMK changed" test -n "$AMK" -a "$AMK" != "$OLD_AMK"
check "the volume key did not: the same VK since init" test "$VOLUME" = "$OLD_VOLUME" -a "$VOLUME" = "$VK0"
check "... while db_wrap, backup and audit_mac all changed" \
	bash -c "o='${ROT:152:204}' n='${ROT:488:204}'; for i in 0 68 136; do test \"\${o:\$i:68}\" != \"\${n:\$i:68}\" || exit 1; done"
F4=$(frame --pin-fd 4 4<<<"$PIN")
check "unlock after rotate gives the new keys" test "${F4:20}" = "${ROT:356:336}"
check "... with the volume key unchanged" test "${F4:24:128}" = "$VK0"
F4R=$(echo "$RK4" | frame --recovery)
check "unlock --recovery with the new recovery key gives the same keys, same VK" test "$F4R" = "$F4"
check_fails "the old recovery key no longer opens anything" bash -c "echo '$RK3' | '$CTL' keys unlock --recovery 2>'$ERR'"
check "... and says so" err_has "does not open the recovery copy"
check "no pending rotation files are left" test ! -e "$STATE/amk.sealed.next" -a ! -e "$STATE/amk.recovery.next"
check "the new AMK has a new custody parent, the old one is evicted" test "$(persistent)" = 0x8100CA02
check "status shows the current TPM key" bash -c "'$CTL' keys status | grep -q 'TPM key: *0x8100ca02, present'"
cp "$STATE/amk.sealed" "$WORK/sealed.after-rotate"
cp "$WORK/sealed.before-rotate" "$STATE/amk.sealed"
check_fails "a copy of the pre-rotation sealed blob no longer unseals" keys unlock --pin-fd 3 3<<<"$PIN"
check "... because its TPM key no longer exists" err_has "no longer exists"
cp "$WORK/sealed.after-rotate" "$STATE/amk.sealed"

# --- an interrupted rotation is resumed, never lost ---------------------------------
PRE_VOLUME=$VOLUME
check_fails "rotate fails when the consumer cannot take the new keys" \
	keys rotate --pin-fd 4 --key-fd 3 4<<<"$PIN" 3</dev/null
check "... leaving the pending AMK on disk" test -e "$STATE/amk.sealed.next" -a -e "$STATE/amk.recovery.next"
check "... status reports the interrupted rotation" bash -c "'$CTL' keys status | grep -q 'Rotation: *interrupted'"
F5=$(frame --pin-fd 4 4<<<"$PIN")
check "... unlock still gives the current keys" test "${F5:24:128}" = "$PRE_VOLUME"
PENDING=$(xxd -p "$STATE/amk.sealed.next" | tr -d '\n')
# rotate --volume is no longer refused: here it resumes the pending rotation
# and fails only at the consumer, since no module is loadable on the host.
if "$CTL" components | grep -qE '^kmod +on +built'; then
	check_fails "rotate --volume 0 without carrel_blk loaded fails" keys rotate --volume 0 --pin-fd 4 4<<<"$PIN"
	check "... because the module is not loaded, not because rotation is refused" \
		bash -c "grep -q 'keys rotate: carrel_blk volume 0: the carrel_blk kernel module is not loaded' '$ERR' && test \$(wc -l <'$ERR') -eq 1"
	check "... and the rotation stays pending, to be resumed" test -e "$STATE/amk.sealed.next"
else
	check_fails "rotate --volume 0 is refused without CONFIG_KMOD" keys rotate --volume 0 --pin-fd 4 4<<<"$PIN"
	check "... naming the build option" err_has "CONFIG_KMOD=n"
fi
ROT=$("$CTL" keys rotate --pin-fd 4 --key-fd 3 4<<<"$PIN" 3>&1 >"$OUT" 2>>"$LOG" | xxd -p | tr -d '\n')
RK5=$(recovery_key_of)
check "rotate again resumes: REKEY from the current keys" test "${ROT:24:128}" = "$PRE_VOLUME"
check "... to the pending AMK, whose sealed blob became current" \
	test "$(xxd -p "$STATE/amk.sealed" | tr -d '\n')" = "$PENDING"
remember_secrets "$RK5"
check "... with a fresh recovery key that opens it" test "${ROT:$((24 + 356 - 20)):128}" = "$VOLUME"
check "... and no pending files left" test ! -e "$STATE/amk.sealed.next" -a ! -e "$STATE/amk.recovery.next"
check "the resumed rotation kept the volume key too" test "$VOLUME" = "$VK0"
RK_CUR=$RK5

# --- bad input -------------------------------------------------------------------
check_fails "--pcrs 24 is refused" keys init --force --pcrs 24
check_fails "an unknown option is refused" keys unlock --pin=secret-typed-here
check "... without echoing it" bash -c "! grep -q secret-typed-here '$ERR'"
c=${RK_CUR:7:1}; typo=$([[ $c == Z ]] && echo Y || echo Z)
check_fails "a mistyped recovery key is refused" bash -c "echo '${RK_CUR:0:7}$typo${RK_CUR:8}' | '$CTL' keys unlock --recovery 2>'$ERR'"
check "... naming the group with the typo" err_has "group 2 of the recovery key is mistyped"
cp "$STATE/amk.sealed" "$WORK/sealed.good"
head -c 100 "$WORK/sealed.good" >"$STATE/amk.sealed"
check_fails "a truncated amk.sealed is refused" keys unlock --pin-fd 3 3<<<"$PIN"
check "... as malformed" err_has "malformed"
cp "$WORK/sealed.good" "$STATE/amk.sealed"
cp "$STATE/amk.recovery" "$WORK/recovery.good"
# Key files of format 1 (before the volume key was wrapped): told to enrol again.
for f in amk.sealed amk.recovery; do printf '\001' | dd of="$STATE/$f" bs=1 seek=7 conv=notrunc status=none; done
check_fails "key files of format 1 are refused" keys unlock --pin-fd 3 3<<<"$PIN"
check "... in one line telling the officer to run init again" \
	bash -c "grep -q \"predates the wrapped volume key; run 'carrelctl keys init --force' again\" '$ERR' && test \$(wc -l <'$ERR') -eq 1"
cp "$WORK/sealed.good" "$STATE/amk.sealed"
cp "$WORK/recovery.good" "$STATE/amk.recovery"
# The wrapped volume key altered in both files (its last byte).
for f in amk.sealed amk.recovery; do
	b=$(tail -c 1 "$STATE/$f" | xxd -p)
	printf "\\x$(printf %02x $((0x$b ^ 1)))" | dd of="$STATE/$f" bs=1 seek=$(($(stat -c %s "$STATE/$f") - 1)) conv=notrunc status=none
done
check_fails "an altered wrapped volume key is refused" bash -c "echo '$RK_CUR' | '$CTL' keys unlock --recovery 2>'$ERR'"
check "... as altered" err_has "wrapped volume key in .* was altered"
cp "$WORK/sealed.good" "$STATE/amk.sealed"
cp "$WORK/recovery.good" "$STATE/amk.recovery"
F5=$(frame --pin-fd 4 4<<<"$PIN")
check "the intact files unlock again, same VK" test "${F5:24:128}" = "$VK0"
check_fails "no TPM: unlock fails" env CARREL_TCTI="swtpm:path=$TEST_TMP/nothing.sock" "$CTL" keys unlock --pin-fd 3 3<<<"$PIN" 2>"$ERR"
check "... saying no TPM is reachable" err_has "no TPM reachable through TCTI"

# --- TPM cleared or replaced: the recovery key re-enrols the same AMK ------------------
tpm tpm2_clear -c l
check_fails "after TPM2_Clear, unlock fails" keys unlock --pin-fd 3 3<<<"$PIN"
check "... saying the TPM key no longer exists" err_has "no longer exists"
check "reseal --recovery re-enrols the same AMK with a new custody parent" \
	bash -c "echo '$RK_CUR' | '$CTL' keys reseal --recovery --new-pin-fd 3 3<<<'$PIN' 2>>'$LOG'"
F6=$(frame --pin-fd 4 4<<<"$PIN")
check "... and unlock gives the same keys as before the clear" test "${F6:24:128}" = "$VK0"
mv "$STATE/amk.sealed" "$WORK/sealed.moved"
check "with only amk.recovery left (new hardware), reseal --recovery enrols the AMK" \
	bash -c "echo '$RK_CUR' | '$CTL' keys reseal --recovery --new-pin-fd 3 3<<<'$PIN' 2>>'$LOG'"
F6=$(frame --pin-fd 4 4<<<"$PIN")
check "... to the same keys" test "${F6:24:128}" = "$VOLUME"
tpm tpm2_dictionarylockout -s -n 3 -t 2 -l 2

# --- wipe (crypto-erase) -------------------------------------------------------------
check_fails "wipe without --yes is refused" keys wipe
check "... and changes nothing" test -e "$STATE/amk.sealed" -a -e "$STATE/amk.recovery"
cp "$STATE/amk.sealed" "$WORK/sealed.copy"
WIPE=$("$CTL" keys wipe --yes --key-fd 3 3>&1 >>"$LOG" 2>"$ERR" | xxd -p | tr -d '\n')
cat "$ERR" >>"$LOG"
check "wipe sends CLEAR to the consumer (the kmod key)" test "$WIPE" = "$(printf 'CRLKEY01\x03\x00' | xxd -p)"
check "wipe logs the crypto-erase" err_has "Crypto-erase done"
check "the key files, and with them the wrapped volume key, are gone" test -z "$(ls -A "$STATE")"
check "the custody parents are evicted from the TPM" test -z "$(persistent)"
check_fails "after wipe, unlock is impossible" keys unlock --pin-fd 3 3<<<"$PIN"
check "... (nothing enrolled)" err_has "no AMK enrolled"
check_fails "after wipe, the recovery key opens nothing" bash -c "echo '$RK_CUR' | '$CTL' keys unlock --recovery 2>'$ERR'"
cp "$WORK/sealed.copy" "$STATE/amk.sealed"
check_fails "a copy of the sealed blob kept from before the wipe no longer unseals" keys unlock --pin-fd 3 3<<<"$PIN"
check "... because its TPM key no longer exists" err_has "no longer exists"
rm -f "$STATE/amk.sealed"
check "init after a wipe" keys init
check "wipe --tpm-clear also clears the TPM's owner hierarchy" keys wipe --yes --tpm-clear
check "... and says so in the log" err_has "TPM storage hierarchy cleared"

# --- leak scan ---------------------------------------------------------------------
# Every file written (state, work files, swtpm state, captured output) and
# this test's log so far: no key in hex (either case) or raw, no PIN, no
# recovery key outside the init/rotate output that carried it once.
check "the leak scan has the keys of every generation" test ${#SECRETS[@]} -ge 20
rm -f "$OUT" # the only file that held a recovery key (printed for the officer)
TEST_LOG=$CARREL_BUILD/test-logs/tests_integration_test-keys.sh.log
leak_scan() {
	/usr/bin/python3 - "$@" <<'PY'
import os, sys
secrets, texts, roots = [], [], []
mode = None
for a in sys.argv[1:]:
    if a in ("--keys", "--texts", "--roots"):
        mode = a; continue
    {"--keys": secrets, "--texts": texts, "--roots": roots}[mode].append(a)
needles = []
for h in secrets:
    b = bytes.fromhex(h)
    needles += [b, h.encode(), h.upper().encode(), b[:16]]
needles += [t.encode() for t in texts]
hits = 0
for root in roots:
    paths = [root] if os.path.isfile(root) else [os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs]
    for p in paths:
        try:
            if not os.path.isfile(p) or os.path.islink(p):
                continue
            data = open(p, "rb").read()
        except OSError:
            continue
        for n in needles:
            if n in data:
                print("LEAK in %s" % p); hits += 1; break
print("scanned %d needles" % len(needles))
sys.exit(1 if hits else 0)
PY
}
check "no key byte, PIN or recovery key in any file or log" \
	leak_scan --keys "${SECRETS[@]}" --texts "$PIN" "$RK1" "$RK2" "$RK3" "$RK4" "$RK5" \
	--roots "$TEST_TMP" $( [[ -f $TEST_LOG ]] && echo "$TEST_LOG")

done_testing
