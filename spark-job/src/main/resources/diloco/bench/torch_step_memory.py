#!/usr/bin/env python3
"""Peak memory of one training step in plain eager PyTorch, for diloco.bench.MemoryBench.

The model, batch, loss, clipping and AdamW of torch_inner_step.py (the same GPT as diloco.model.Gpt).
After --warmup steps (every buffer the step keeps between steps exists, AdamW's included), the
resident set is read (VmRSS), the kernel's high-water mark reset to it (writing 5 to
/proc/self/clear_refs), one more step taken, and the high-water mark read (VmHWM): their difference is
what a step needs above what the process holds between steps (activations kept for the backward,
gradients, the optimizer's temporaries). Run with MALLOC_MMAP_THRESHOLD_ fixed (MemoryBench does) so
that freed tensors go back to the kernel instead of staying resident in malloc's heap. Linux only.
Prints one JSON line: {"torch", "rss_before_step", "peak_during_step", "step_bytes"} (bytes).

    python3 torch_step_memory.py --layers 4 --d-model 128 --heads 4 --context 128 --batch 16
"""
import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_inner_step import Gpt  # noqa: E402  (the same directory: MemoryBench writes both there)


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # kB
    raise RuntimeError(field + " not in /proc/self/status")


def main():
    p = argparse.ArgumentParser()
    for name, default in [("threads", 1), ("layers", 4), ("d-model", 128), ("heads", 4), ("context", 128),
                          ("batch", 16), ("vocab", 256), ("warmup", 2)]:
        p.add_argument("--" + name, type=int, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = Gpt(a.vocab, a.context, a.layers, a.d_model, a.heads)
    decay = [q for n, q in model.named_parameters() if q.dim() >= 2]
    no_decay = [q for n, q in model.named_parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.95), eps=1e-8)
    g = torch.Generator().manual_seed(1)

    def step():
        x = torch.randint(0, a.vocab, (a.batch, a.context + 1), generator=g)
        logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, a.vocab), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()

    for _ in range(a.warmup):
        step()
    before = status("VmRSS")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    step()
    peak = status("VmHWM")
    print(json.dumps({"torch": torch.__version__, "rss_before_step": before, "peak_during_step": peak,
                      "step_bytes": peak - before}))


if __name__ == "__main__":
    main()
