#!/bin/bash
# carrelctl policy check/explain/show and carrelctl grant, end to end, on the
# shipped default policy and on broken copies of it.
. "$(dirname "$0")/lib.sh"

C="$CARREL_BUILD/sbin/carrelctl"
POL="$CARREL_SRCDIR/configs/policy.conf"
T="$TEST_TMP"

# --- check ---
out=$("$C" policy check "$POL" 2>&1)
check "default policy passes check" test $? -eq 0
check "check reports what it read" grep -q "ok (6 roles, 3 scopes, 1 grant kinds)" <<<"$out"

# Each broken copy must fail with exactly FILE:LINE: message on stderr.
expect_error() {
	local what=$1 file=$2 want=$3 err
	err=$("$C" policy check "$file" 2>&1 >/dev/null)
	local rc=$?
	if ((rc != 0)) && [[ "$err" == "$want"* ]] && (($(wc -l <<<"$err") == 1)); then
		ok "check refuses $what"
	else
		not_ok "check refuses $what (rc=$rc, got: $err)"
	fi
}

sed 's/^Scopes = home$/Scopes = home\nColour = blue/;' "$POL" >"$T/unknown-key.conf"
line=$(grep -n '^Colour' "$T/unknown-key.conf" | head -1 | cut -d: -f1)
expect_error "an unknown key" "$T/unknown-key.conf" "$T/unknown-key.conf:$line: unknown key 'Colour' in [Role:desk]"

sed 's/^Recordings = 72h$/Recordings = 72 hourz/' "$POL" >"$T/duration.conf"
line=$(grep -n '^Recordings = 72 hourz' "$T/duration.conf" | cut -d: -f1)
expect_error "a bad duration" "$T/duration.conf" "$T/duration.conf:$line: bad duration"

{ cat "$POL"; printf '\n[Role:desk]\nAllow = patron.view\n'; } >"$T/dup.conf"
line=$(grep -n '^\[Role:desk\]' "$T/dup.conf" | tail -1 | cut -d: -f1)
first=$(grep -n '^\[Role:desk\]' "$T/dup.conf" | head -1 | cut -d: -f1)
expect_error "a duplicate role" "$T/dup.conf" "$T/dup.conf:$line: duplicate section [Role:desk] (first at line $first)"

{ cat "$POL"; printf '[Role:x]\nDescription = %s\n' "$(head -c 300 /dev/zero | tr '\0' a)"; } >"$T/huge.conf"
line=$(wc -l <"$T/huge.conf")
expect_error "a huge line" "$T/huge.conf" "$T/huge.conf:$line: line longer than 198 bytes"

sed 's/^RequireDistinctApprover = yes$/RequireDistinctApprover = no/' "$POL" >"$T/dual.conf"
line=$(grep -n '^RequireDistinctApprover' "$T/dual.conf" | cut -d: -f1)
expect_error "switching dual control off" "$T/dual.conf" "$T/dual.conf:$line: dual control cannot be switched off"

expect_error "a missing file" "$T/nope.conf" "$T/nope.conf: cannot read file"

# --- explain ---
out=$("$C" policy explain --actor desk@main --op patron.view --field email --policy "$POL")
check "explain: desk may read email at home" grep -q '^decision:  allow$' <<<"$out"
line=$(grep -n '^Allow = circulation\.\*$' "$POL" | head -1 | cut -d: -f1)
check "explain names file:line of the rule" grep -qF "rule:      $POL:$((line + 1)): [Role:desk] Allow = patron.register patron.view patron.edit" <<<"$out"
check "explain shows the field rule" grep -q "field     readable .*\[Role:desk\] Read = " <<<"$out"

out=$("$C" policy explain --actor desk@main --op circulation.checkout --scope mobile --policy "$POL")
check "explain: desk denied at another branch" grep -q '^decision:  deny$' <<<"$out"
check "explain: ... by Scopes = home" grep -q '^rule: .*\[Role:desk\] Scopes = home$' <<<"$out"

out=$("$C" policy explain --actor librarian@main --op patron.edit --field gender --policy "$POL")
check "explain: minimisation names [Registration]" grep -q '^rule: .*\[Registration\] NotCollected = gender' <<<"$out"

out=$("$C" policy explain --actor support --op recordings.view --policy "$POL")
check "explain: support needs a grant" grep -q '^decision:  allow-with-grant$' <<<"$out"

err=$("$C" policy explain --actor JaneDoe1970 --op patron.view --policy "$POL" 2>&1 >/dev/null)
check "explain refuses an unknown role" test $? -ne 0
check_fails "the refusal does not echo what was typed" grep -q JaneDoe1970 <<<"$err"
"$C" policy explain --actor desk --op patron.fly --policy "$POL" >/dev/null 2>&1
check "explain refuses an unknown operation" test $? -ne 0
err=$("$C" policy explain --actor desk --op patron.view --policy "$T/dup.conf" 2>&1 >/dev/null)
check "explain refuses a broken policy with file:line" grep -q "^$T/dup.conf:[0-9]*: duplicate section" <<<"$err"
"$C" policy explain --op patron.view --policy "$POL" >/dev/null 2>&1
check "explain needs --actor" test $? -ne 0

out=$("$C" policy show "$POL")
check "show prints the operation table" grep -q '^recordings.view  *-  *grant' <<<"$out"

# --- grants ---
G=(--db "$T/grants.db" --policy "$POL")
id=$("$C" grant request "${G[@]}" --actor s1 --role support --kind recordings --duration 2h --ticket CASE-77)
check "a grant is requested" test "$id" = 1
err=$("$C" grant approve "$id" "${G[@]}" --actor s1 --role officer 2>&1)
check "self-approval is refused" test $? -ne 0
check "... saying why" grep -q "dual control" <<<"$err"
"$C" grant approve "$id" "${G[@]}" --actor l1 --role librarian --home main 2>/dev/null
check "approval without the approve right is refused" test $? -ne 0
"$C" grant check "${G[@]}" --actor s1 --op recordings.view >/dev/null 2>&1
check "no access before approval" test $? -ne 0
check "an officer approves" "$C" grant approve "$id" "${G[@]}" --actor o1 --role officer
out=$("$C" grant check "${G[@]}" --actor s1 --op recordings.view)
check "the requester now holds it" test "$out" = "active grant 1"
"$C" grant request "${G[@]}" --actor s1 --role support --kind recordings --duration 9h --ticket CASE-78 >/dev/null 2>&1
check "longer than MaxDuration is refused" test $? -ne 0
check "an admin revokes it" "$C" grant revoke "$id" "${G[@]}" --actor a1 --role admin
"$C" grant check "${G[@]}" --actor s1 --op recordings.view >/dev/null 2>&1
check "revoked means no access" test $? -ne 0
out=$("$C" grant list --db "$T/grants.db")
check "list shows the revoked grant" grep -q '^1  *revoked  *recordings' <<<"$out"
audit=$("$C" grant audit --db "$T/grants.db")
check "the audit has every step" test "$(grep -c ' ok$' <<<"$audit")" -eq 3
check "the audit records the refusals" grep -q 'self-approval' <<<"$audit"
check_fails "the audit holds no ticket text" grep -q CASE- <<<"$audit"
"$C" grant request "${G[@]}" --actor "Jane Doe" --role support --kind recordings --duration 1h --ticket T >/dev/null 2>&1
check "a user id that is not opaque is refused" test $? -ne 0

done_testing
