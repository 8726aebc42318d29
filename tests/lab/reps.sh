#!/usr/bin/env bash
# Issue 19: --reps 3 boots the kernel three times; each boot is a run with
# the one label (so compare groups them: `compare stock patched`) and its
# rep number in lab.rep.
source "$(dirname "$0")/lab_common.bash"

lab_run --reps 3 --label stock --kernel debian:6.12-amd64 \
	-- iofault --random --threads 2 --size 8
lab_check "$(cat <<'PY'
expect(len(runs) == 3, f"three runs labelled stock: {len(runs)}")
import sqlite3
con = sqlite3.connect(os.environ["DB"])
reps = [r[0] for r in con.execute("SELECT m.value FROM run r JOIN run_meta m ON "
        "m.run_id = r.id AND m.key = 'lab.rep' ORDER BY r.id")]
expect(reps == ["1", "2", "3"], f"lab.rep of the runs: {reps}")
for r in runs:
    for t in faulters(r):
        expect(t["by_reason"]["io_retry"] == t["ru_majflt"] > 0,
               f"run {r['id']} tid {t['tid']}: io_retry == ru_majflt {t['ru_majflt']}")
PY
)" -l stock
