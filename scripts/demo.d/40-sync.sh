# Demo: the sync core: signed journals from several desks, exchanged in
# bounded batches, folded to the same state everywhere (sourced by scripts/demo).
step "Sync: signed hash-chained journals, anti-entropy and the deterministic fold"
(cd "$work" && "$CARREL_BUILD/libexec/carrel-sync-demo")
