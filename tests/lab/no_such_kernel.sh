#!/usr/bin/env bash
# A Debian kernel spec that matches no package is the user's mistake, not
# something the host lacks: exit 1 with the reason, not 77 (which the
# tests read as "skip"), and no DB is created. Skips (77) without network.
source "$(dirname "$0")/lab_common.bash"

lab_dirs() { ls -d "${TMPDIR:-/var/tmp}"/vmlockstat-lab.* 2>/dev/null | sort || true; }
before=$(lab_dirs)
rc=0
"$VLS" lab --db "$DB" --kernel debian:9.9-amd64 -- iofault 2>"$WORK/lab.err" || rc=$?
cat "$WORK/lab.err" >&2
[ "$rc" -eq 77 ] && grep -q "network" "$WORK/lab.err" && skip "$(tail -1 "$WORK/lab.err")"
[ "$rc" -eq 1 ] || fail "exit $rc for a kernel that does not exist, want 1"
grep -q "no Debian package linux-image-9.9\*-amd64" "$WORK/lab.err" ||
	fail "the reason is not on stderr"
[ ! -e "$DB" ] || fail "a DB was created for nothing"
# its work directory: none left behind (an empty one was, before)
kept=$(grep -o "kept [^ ]*" "$WORK/lab.err" || true)
[ -z "$kept" ] || fail "a work directory was left: $kept"
left=$(comm -13 <(echo "$before") <(lab_dirs))
[ -z "$left" ] || fail "work directories left: $left"
echo ok
