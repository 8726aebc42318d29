#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/cli/completion.sh - the bash completion the build wrote
# (cli/completion.c): sourced into this shell, _vmlockstat is called with
# COMP_WORDS/COMP_CWORD set as bash would, and COMPREPLY checked: commands,
# every option --help lists, scenario names and their options, run ids and
# labels of the DB the line names (--db, -d, $VMLOCKSTAT_DB), option values.
# Environment (set by CTest): VLS, VLS_BUILD_DIR.
set -u
VLS=${VLS:?set VLS to the vmlockstat binary}
SCRIPT=${VLS_BUILD_DIR:?}/completion/vmlockstat
T=$(mktemp -d /tmp/vls_cli_completion.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

[ -f "$SCRIPT" ] || { echo "FAIL: no $SCRIPT" >&2; exit 1; }
bash -n "$SCRIPT" || { echo "FAIL: $SCRIPT: syntax" >&2; exit 1; }
# shellcheck source=/dev/null
source "$SCRIPT"

# comp WORD...: complete the last word; the replies, sorted, one a line
comp() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_vmlockstat
	printf '%s\n' "${COMPREPLY[@]}" | sort -u | sed '/^$/d'
}
# want "WORDS..." EXPECTED: the replies, space-separated, sorted
# (a trailing space: complete an empty word)
want() {
	local got w
	read -ra w <<< "$1"
	[[ $1 == *" " ]] && w+=("")
	got=$(comp "${w[@]}" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$2" ] || fail "complete '$1': got '$got', expected '$2'"
}
words() { printf '%s\n' "$@" | sort -u | tr '\n' ' ' | sed 's/ $//'; }

# the line's first word is how the script calls vmlockstat runs
mkdir "$T/bin" && ln -s "$(readlink -f "$VLS")" "$T/bin/vmlockstat"
export PATH=$T/bin:$PATH
unset VMLOCKSTAT_DB
cd "$T" || exit 1

# a DB of three runs under two labels
cat > "$T/t.txt" <<'TRACE'
# tracer: nop
        workload-143     [001] .....    11.477523: mmap_lock_start_locking: mm=000000002c6cf6d4 memcg_path=/ write=false
        workload-143     [001] .....    11.477600: mmap_lock_acquire_returned: mm=000000002c6cf6d4 memcg_path=/ write=false success=true
TRACE
for l in stock stock patched; do
	"$VLS" import -d "$T/a.db" -l "$l" "$T/t.txt" > /dev/null || fail "import $l"
done
"$VLS" import -d "$T/b.db" -l other "$T/t.txt" > /dev/null || fail "import other"

# commands
commands=$("$VLS" --help | awk '/^commands:/ {on = 1; next} on && !NF {exit} on {print $1}')
want "vmlockstat re" "$(words $(printf '%s\n' $commands | grep '^re'))"
want "vmlockstat help r" "$(words $(printf '%s\n' $commands | grep '^r'))"
# every option --help lists, for every command and scenario
opts_of() { sed -n 's/^  \(-\([a-zA-Z]\), \|    \)\(--[a-z-]*\).*/\3 -\2/p' | sed 's/ -$//' | tr ' ' '\n'; }
for c in $commands; do
	[ "$c" = workload ] && continue
	want "vmlockstat $c -" "$(words $("$VLS" "$c" --help | opts_of))"
done
scenarios=$("$VLS" workload --help | sed -n '/^scenarios:/,$p' | awk 'NR > 1 {print $1}')
want "vmlockstat workload " "$(words $scenarios)"
want "vmlockstat record --scenario " "$(words $scenarios)"
for s in $scenarios; do
	want "vmlockstat workload $s --" "$(words $("$VLS" workload "$s" --help | opts_of | grep '^--'))"
	want "vmlockstat record -o x.dat --scenario $s -" \
		"$(words $("$VLS" workload "$s" --help | opts_of))"
done
want "vmlockstat workload anon --pa" "--pages"

# run ids and labels from the DB the line names
want "vmlockstat report --db $T/a.db --run " "1 2 3"
want "vmlockstat report -d $T/a.db -r " "1 2 3"
want "vmlockstat report -d $T/a.db --label " "patched stock"
want "vmlockstat report --db $T/a.db -l s" "stock"
want "vmlockstat compare --db $T/a.db " "1 2 3 patched stock"
want "vmlockstat compare --db $T/a.db stock p" "patched"
want "vmlockstat compare -d$T/b.db " "1 other"
VMLOCKSTAT_DB=$T/b.db want "vmlockstat compare " "1 other"
want "vmlockstat report --db $T/missing.db --run " ""
# option values
want "vmlockstat compare --by " "kernel,arch"
want "vmlockstat report --top " ""
# files where a file is wanted
touch "$T/trace-one.dat"
want "vmlockstat import $T/trace-o" "$T/trace-one.dat"
want "vmlockstat report --db $T/trace-o" "$T/trace-one.dat"
# record: after --, a command
want "vmlockstat record -- vmlockst" "$(words $(compgen -c -- vmlockst))"

# fast enough to be called on every TAB: one read-only query
"$VLS" runs --db "$T/a.db" --ids > "$T/ids" || fail "runs --ids"
[ "$(cat "$T/ids" | tr '\n' ' ')" = "1 2 3 " ] || fail "runs --ids: $(cat "$T/ids")"
"$VLS" runs --db "$T/a.db" --labels > "$T/labels" || fail "runs --labels"
[ "$(cat "$T/labels" | tr '\n' ' ')" = "stock patched " ] || fail "runs --labels: $(cat "$T/labels")"
"$VLS" runs --db "$T/a.db" --ids --json > /dev/null 2>&1; [ $? = 2 ] || fail "runs --ids --json: not 2"

if [ $fails -ne 0 ]; then
	echo "$fails failures" >&2
	exit 1
fi
echo "all passed"
