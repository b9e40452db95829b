# Demo: the policy engine and dual-control grants (sourced by scripts/demo).
pol=$CARREL_SRCDIR/configs/policy.conf
step "Policy: validate the default policy"
"$ctl" policy check "$pol"

step "Policy: explain decisions"
"$ctl" policy explain --actor desk@main --op patron.view --field email --policy "$pol"
echo
"$ctl" policy explain --actor support --op recordings.view --policy "$pol"

step "Grants: support asks to view recordings; the officer approves (dual control)"
g=(--db "$work/grants.db" --policy "$pol")
id=$("$ctl" grant request "${g[@]}" --actor s1 --role support --kind recordings --duration 2h --ticket CASE-77)
echo "request $id filed by s1 (support)"
"$ctl" grant approve "$id" "${g[@]}" --actor s1 --role officer ||
	echo "(self-approval refused, as it must be)"
"$ctl" grant approve "$id" "${g[@]}" --actor o1 --role officer && echo "approved by o1 (officer)"
"$ctl" grant check "${g[@]}" --actor s1 --op recordings.view
"$ctl" grant audit --db "$work/grants.db"
