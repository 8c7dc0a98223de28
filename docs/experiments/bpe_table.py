#!/usr/bin/env python3
"""Prints the bits-per-byte comparison of docs/experiments.md: table2 (byte-level) against
table2-bpe (the same runs in a BPE tokenizer's tokens), from the committed results.json files.
Byte-level losses are nats per byte, so their bits per byte are loss / ln 2; the BPE runs record
val_bits_per_byte (loss per token x validation tokens / validation bytes / ln 2)."""
import json
import math
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results")


def rows(suite):
    with open(os.path.join(ROOT, suite, "results.json")) as f:
        return {r["name"]: r for r in json.load(f)["rows"]}


def seed0(row):
    return next(r for r in row["runs"] if r["seed"] == 0)


byte_rows = rows("table2")
bpe_rows = rows("table2-bpe")
print("| configuration | bytes: bits/byte (seed 0) | BPE: bits/byte (seed 0) | BPE vs bytes | BPE loss/token | BPE wall time |")
print("| --- | --- | --- | --- | --- | --- |")
for name, bpe in bpe_rows.items():
    if not bpe.get("runs"):
        print("| %s | | not run | | | |" % name)
        continue
    b = seed0(byte_rows[name])
    p = seed0(bpe)
    bytes_bpb = b["final_val_loss"] / math.log(2)
    bpe_bpb = p["final_val_bits_per_byte"]
    print("| %s | %.4f | %.4f | %+.1f%% | %.4f | %dm%02ds |" % (name, bytes_bpb, bpe_bpb, (bpe_bpb / bytes_bpb - 1) * 100,
          p["final_val_loss"], p["sec_total"] // 60, p["sec_total"] % 60))
