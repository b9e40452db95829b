#!/bin/bash
# The tree follows .clang-format.
. "$(dirname "$0")/lib.sh"
cd "$CARREL_SRCDIR" || exit 1

if ! git rev-parse --git-dir >/dev/null 2>&1; then
	skip "not a git checkout: no list of tracked files"
	done_testing
	exit 0
fi
# kmod/ has its own .clang-format (kernel style); clang-format finds it.
mapfile -t files < <(git ls-files '*.c' '*.h')
for f in "${files[@]}"; do
	if clang-format --dry-run --Werror "$f" >/dev/null 2>"$TEST_TMP/fmt.err"; then
		ok "$f is formatted"
	else
		not_ok "$f is not clang-formatted (run: make format)"
		head -n 5 "$TEST_TMP/fmt.err"
	fi
done
done_testing
