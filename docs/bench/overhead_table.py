#!/usr/bin/env python3
"""The overhead table of docs/benchmarks.md from docs/bench/overhead/*.json (written by overhead.sh).

Per run: the means over rounds 2 to n-1 (round 1 includes the executors' first task: engine start, JIT;
the last round includes the final validation),
the bytes of a round, the driver's peak heap (sampled, garbage included) and its largest heap right
after a collection, and the H above which Spark's part of a round is under
2% on a GPU executor doing the paper's batches (512 sequences x 1,024 tokens), from an estimate of
the step time (stated in the output).
"""
import glob
import json
import os

GPU_FLOPS = 0.4 * 989e12      # an H100 SXM at 40% of its dense bf16 peak
TOKENS_PER_STEP = 512 * 1024  # the paper's batch
CONTEXT = 1024
SHAPES = {"60m": (3, 896), "150m": (12, 896), "400m": (12, 1536)}  # layers, width (ModelConfig presets)
PARAMS_AT_1024 = {"60m": 30_084_992, "150m": 116_893_952, "400m": 341_947_392}  # byte vocabulary, context 1024


def step_seconds(preset):
    layers, width = SHAPES[preset]
    flops_per_token = 6 * PARAMS_AT_1024[preset] + 12 * layers * width * CONTEXT  # nanoGPT's estimate
    return flops_per_token * TOKENS_PER_STEP / GPU_FLOPS


def mean(rows, key):
    return sum(r[key] for r in rows) / len(rows)


here = os.path.dirname(os.path.abspath(__file__))
runs = [json.load(open(f)) for f in glob.glob(os.path.join(here, "overhead", "*.json"))]
runs.sort(key=lambda d: (d["parameters"], d["workers"]))
print("| preset (byte vocab) | k | Δ MiB | round s | slowest worker s | Spark's part s | broadcast | launch "
      "| fetch θ + encode Δ | result out | stage w/o compute | outer step | MiB up (Δs) | MiB up (fp32 sums) "
      "| MiB down | results at driver | driver heap peak MiB | driver heap after GC MiB | H for < 2% on a GPU |")
print("| " + " | ".join(["---"] * 19) + " |")
for d in runs:
    steady = d["rounds"][1:-1]
    spark = mean(steady, "sec_round") - mean(steady, "sec_inner_max")
    step = step_seconds(d["preset"])
    h = 50 * spark / step
    print("| %s | %d | %.0f | %.2f | %.2f | %.2f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.0f | %.0f | %.0f | %d | %d | %d | %d |" % (
        d["preset"], d["workers"], d["delta_mib"], mean(steady, "sec_round"), mean(steady, "sec_inner_max"), spark,
        mean(steady, "sec_broadcast"), mean(steady, "sec_task_launch"), mean(steady, "sec_task_beyond_inner"),
        mean(steady, "sec_result_serialize_fetch"), mean(steady, "sec_aggregate"), mean(steady, "sec_outer"),
        steady[-1]["bytes_up"] / 2**20, steady[-1]["bytes_up_partials"] / 2**20, steady[-1]["bytes_down"] / 2**20,
        max(r["results_at_driver"] for r in d["rounds"]), d["driver_heap_peak_mib"], d["driver_heap_after_gc_peak_mib"],
        round(h)))
print()
for preset in sorted({d["preset"] for d in runs}, key=lambda p: PARAMS_AT_1024[p]):
    print("GPU step estimate, %s: %.2f s (%.3g FLOP per step at %.0f TFLOP/s)" % (
        preset, step_seconds(preset), step_seconds(preset) * GPU_FLOPS, GPU_FLOPS / 1e12))
