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
same("wait edges not among KernelShark's entries", probe["edges_missing"], 0)
if probe["entries"] < run["events"]:
    bad.append(f"libkshark loaded {probe['entries']} entries, the trace has {run['events']} events")
if probe["waits"] == 0 or probe["fallbacks"] == 0:
    bad.append("the fixture gave no waits or no fallbacks: nothing was compared")
for b in bad:
    print("FAIL:", b)
if bad:
    sys.exit(1)
print(f"kshark core = report: {probe['waits']} acquisitions, "
      f"{probe['fallbacks']} fallbacks, {probe['chains']} chains; "
      f"{probe['entries']} entries, every wait's edges among them")
