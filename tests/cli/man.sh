#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/man.sh - the man pages the build wrote (cli/man.c) against
# --help: every command has a page, every option --help prints is in its
# page with the same text (defaults included), every scenario of
# `workload` with its options; the pages render without warnings.
# Environment (set by CTest): VLS, VLS_BUILD_DIR.
set -u
VLS=${VLS:?set VLS to the vmlockstat binary}
MAN=${VLS_BUILD_DIR:?}/man
T=$(mktemp -d /tmp/vls_cli_man.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# The page as plain text: roff escapes and fonts gone, one line.
flat() {
	sed -e 's/\\-/-/g' -e 's/\\f[BIR]//g' -e 's/\\e/\\/g' -e 's/^\\&//' \
		-e '/^\.\(TP\|PP\|RS\|RE\|nf\|fi\)$/d' -e 's/^\.[A-Z][A-Z]* *//' "$1" |
		tr '\n' ' ' | tr -s ' '
}
# The options of a --help output: "--name" then its help text, one a line.
help_opts() {
	sed -n 's/^  \(-[a-zA-Z], \|    \)\(--[a-z-]*\)\( [^ ]*\)\? \+\(.*\)$/\2\t\4/p' "$1"
}
# check_opts HELP PAGE WHAT: each option of HELP is in PAGE, text too.
check_opts() {
	local name text n=0
	while IFS=$'\t' read -r name text; do
		n=$((n + 1))
		grep -qF -- "$name " "$T/page" || fail "$3: $name not in the man page"
		grep -qF -- "$text" "$T/page" || fail "$3: $name's text not in the man page: '$text'"
	done < <(help_opts "$1")
	[ $n -gt 0 ] || fail "$3: no options found in --help"
}

commands=$("$VLS" --help | awk '/^commands:/ {on = 1; next} on && !NF {exit} on {print $1}')
[ -n "$commands" ] || fail "no commands in vmlockstat --help"
[ -f "$MAN/vmlockstat.1" ] || fail "no vmlockstat.1"
flat "$MAN/vmlockstat.1" > "$T/main"
for c in $commands; do
	grep -qF "vmlockstat-$c (1)" "$T/main" || fail "vmlockstat(1) does not list $c"
	page=$MAN/vmlockstat-$c.1
	[ -f "$page" ] || { fail "no $page"; continue; }
	flat "$page" > "$T/page"
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^\.SH $s\$" "$page" || fail "$c: no $s section"
	done
	"$VLS" "$c" --help > "$T/help" || fail "$c --help failed"
	# the summary --help prints opens DESCRIPTION
	summary=$(sed -n '3,/^$/p' "$T/help" | tr '\n' ' ' | tr -s ' ' | sed 's/ $//')
	grep -qF -- "$summary" "$T/page" || fail "$c: summary not in DESCRIPTION: $summary"
	if [ "$c" = workload ]; then
		scenarios=$(sed -n '/^scenarios:/,$p' "$T/help" | awk 'NR > 1 {print $1}')
		[ -n "$scenarios" ] || fail "no scenarios in workload --help"
		for s in $scenarios; do
			grep -qF "workload $s " "$T/page" || fail "workload: $s not in the man page"
			"$VLS" workload "$s" --help > "$T/shelp" || fail "workload $s --help failed"
			check_opts "$T/shelp" "$T/page" "workload $s"
		done
	else
		check_opts "$T/help" "$T/page" "$c"
	fi
done

# workload NAME --help shows the defaults (issue 16): anon's 2 threads,
# 1024 pages, 50 iterations, as cli/workload/anon.c's defaults() sets them
"$VLS" workload anon --help > "$T/out"
for want in "--threads N *faulting threads (default: 2)" \
	"--pages N *pages each thread touches per iteration (default: 1024)" \
	"--iterations N *fresh VMAs per thread (mmap, touch, munmap) (default: 50)"; do
	grep -q -- "$want" "$T/out" || fail "workload anon --help lacks '$want'"
done

# readable by man(1), no warnings
if command -v man > /dev/null; then
	for p in "$MAN"/*.1; do
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -P cat "$p" > "$T/out" 2> "$T/err"
		[ ! -s "$T/err" ] || fail "$p: $(head -3 "$T/err")"
		grep -q "^NAME" "$T/out" || fail "$p: no NAME when rendered"
	done
else
	echo "note: no man(1) here, pages not rendered" >&2
fi

# hidden generators: usage errors
"$VLS" help --man nosuch > /dev/null 2>&1; [ $? = 2 ] || fail "help --man nosuch: not 2"
"$VLS" help report extra > /dev/null 2>&1; [ $? = 2 ] || fail "help report extra: not 2"
"$VLS" help report > "$T/out" && grep -q "^usage: vmlockstat report" "$T/out" ||
	fail "help report is not report --help"
"$VLS" help --man-pages "$T/nosuch/dir" > /dev/null 2>&1; [ $? = 1 ] ||
	fail "help --man-pages into a missing directory: not 1"

if [ $fails -ne 0 ]; then
	echo "$fails failures" >&2
	exit 1
fi
echo "all passed"
