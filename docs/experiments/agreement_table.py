#!/usr/bin/env python3
"""Tabulates outer_grad_agreement (per round, from each run's metrics.jsonl) for the runs of
docs/experiments/agreement.sh and the heterogeneous suite, and writes agreement.md (the table) and
agreement.json (every run's per-round values, the raw numbers behind the table).

    python3 docs/experiments/agreement_table.py SHARD_RUNS HETEROGENEOUS_RUNS OUT_DIR
"""
import json
import os
import sys


def agreement(run_dir):
    values = []
    with open(os.path.join(run_dir, "metrics.jsonl")) as f:
        for line in f:
            m = json.loads(line)
            if m.get("outer_grad_agreement") is not None:
                values.append([m["round"], m["outer_grad_agreement"]])
    return values


def mean(xs):
    return sum(xs) / len(xs) if xs else float("nan")


def main(shard_runs, hetero_runs, out):
    runs = {}
    for name in ("iid", "noniid"):
        d = os.path.join(shard_runs, name)
        if os.path.exists(os.path.join(d, "metrics.jsonl")):
            runs["k=4, " + ("i.i.d. shards" if name == "iid" else "non-i.i.d. shards (--shard-by year)")] = agreement(d)
    if os.path.isdir(hetero_runs):
        for name in sorted(os.listdir(hetero_runs)):
            d = os.path.join(hetero_runs, name)
            if os.path.exists(os.path.join(d, "metrics.jsonl")) and os.path.exists(os.path.join(d, "model.safetensors")):
                runs["heterogeneous: " + name] = agreement(d)
    lines = ["| run | rounds | agreement: mean | first 3 rounds | last 3 rounds |", "| --- | --- | --- | --- | --- |"]
    for name, values in runs.items():
        a = [v for _, v in values]
        lines.append("| %s | %d | %.3f | %.3f | %.3f |" % (name, len(a), mean(a), mean(a[:3]), mean(a[-3:])))
    table = "\n".join(lines) + "\n"
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "agreement.md"), "w") as f:
        f.write("# Agreement of the workers' outer gradients\n\n")
        f.write("outer_grad_agreement = |mean D|^2 / mean |D_i|^2 per round (1: all agree; 1/k = 0.25 for k=4 "
                "orthogonal outer gradients). From docs/experiments/agreement.sh.\n\n")
        f.write(table)
    with open(os.path.join(out, "agreement.json"), "w") as f:
        json.dump({"runs": {name: values for name, values in runs.items()}}, f, indent=1)
    sys.stdout.write(table)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit("usage: agreement_table.py SHARD_RUNS HETEROGENEOUS_RUNS OUT_DIR")
    main(*sys.argv[1:])
