#!/usr/bin/env python3
"""Hold the plugin core's collection (vlsk_probe's JSON) to the report of
the same trace (vmlockstat report --json, docs/report-json.md)."""
import json
import sys

probe = json.load(open(sys.argv[1]))
run = json.load(open(sys.argv[2]))["runs"][0]
bad = []


def same(what, got, want):
    if got != want:
        bad.append(f"{what}: plugin {got}, report {want}")


for mode in ("read", "write"):
    lk = run["mmap_lock"][mode]
    same(f"{mode} acquisitions", probe["acquisitions"][mode], lk["acquisitions"])
    same(f"{mode} contended", probe["contended"][mode], lk["contended"])
same("waits", probe["waits"],
     sum(run["mmap_lock"][m]["acquisitions"] for m in ("read", "write")))
same("fallbacks", probe["fallbacks"], run["faults"]["fallback"])
for reason, n in run["faults"]["by_reason"].items():
    same(f"fallbacks {reason}", probe["by_reason"].get(reason), n)
# the import keeps every chain; the report lists those of contended waits
# (chains_total) and counts the others (chains_uncontended)
same("chains", probe["chains"], run["chains_total"] + run["chains_uncontended"])


def report_chain(c):
    """A chain of the report as the plugin's marks have it: the waiter, its
    wait and mode, each link as (tid, write, depth, the tid it blocked)."""
    links = c["links"]
    w = c["waiter"]
    return (w["tid"], w["wait_ns"], w["mode"] == "write", c["inversion"],
            sorted((l["tid"], l["mode"] == "write", l["depth"],
                    links[l["parent"]]["tid"] if l["parent"] >= 0 else w["tid"])
                   for l in links))


def probe_chain(c):
    return (c["tid"], c["wait_ns"], c["write"] == 1, c["inversion"] == 1,
            sorted((b["tid"], b["write"] == 1, b["depth"], b["peer"])
                   for b in c["blockers"]))


# chain by chain: the report's chains (every one: --top 0) are the
# plugin's chains of contended waits, with the same blockers
want = sorted(report_chain(c) for c in run["chains"])
got = sorted(probe_chain(c) for c in probe["chain_list"] if c["contended"] == 1)
same("chains of contended waits", len(got), len(want))
for g, w in zip(got, want):
    same(f"chain of tid {w[0]} waiting {w[1]} ns", g, w)
same("chains of uncontended waits",
     sum(c["contended"] == 0 for c in probe["chain_list"]), run["chains_uncontended"])
same("chains without a wait mark", sum(c["contended"] < 0 for c in probe["chain_list"]), 0)
same("blockers drawn", sum(len(c["blockers"]) for c in probe["chain_list"]),
     sum(c["nblockers"] for c in probe["chain_list"]))
same("wait edges not among KernelShark's entries", probe["edges_missing"], 0)
if probe["entries"] < run["events"]:
    bad.append(f"libkshark loaded {probe['entries']} entries, the trace has {run['events']} events")
if probe["waits"] == 0 or probe["fallbacks"] == 0:
    bad.append("the fixture gave no waits or no fallbacks: nothing was compared")
if "--want-chains" in sys.argv[3:] and not run["chains"]:
    bad.append("the fixture gave no chains: none was compared")
for b in bad:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print(f"kshark core = report: {probe['waits']} acquisitions, "
      f"{probe['fallbacks']} fallbacks, {probe['chains']} chains "
      f"({len(want)} compared link by link); "
      f"{probe['entries']} entries, every wait's edges among them")
