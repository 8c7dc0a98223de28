#!/usr/bin/env python3
"""The inner step of diloco.bench.Bench in plain eager PyTorch, for comparison.

The same GPT as diloco.model.Gpt (GPT-2 shape: token and position embeddings, pre-LayerNorm
blocks with a fused qkv projection and causal softmax attention written out, a GELU MLP of
width 4d, a final LayerNorm, the head tied to the token embedding), the same batch of random
windows of random bytes, cross-entropy, global-norm clipping at 1.0, and torch.optim.AdamW with
the job's learning rate, betas, epsilon and weight decay (matrices and embeddings only), its
implementation chosen by PyTorch's defaults. No compilation. diloco.bench.Bench runs it with the
job's values; prints one JSON line: {"threads", "ms_per_step", "tokens_per_sec", "torch",
"cores_used" (CPU seconds per second over the fastest run: above --threads when a BLAS ignores
torch.set_num_threads), "phases"}
(phases: milliseconds per step of sample, forward, backward, optimizer), for the fastest of
--repeats timed runs of --steps steps; with --count-ops N, also "ops_per_step" over N more steps
under PyTorch's profiler: {"aten": every ATen operation, nested ones included}, and
"self_ms_per_step": each operation's self CPU time in ms per step, as
diloco.bench.OpCounts counts the job's. (Which of them Python called itself is not counted: this
profiler nests events by microsecond timestamps, and sub-microsecond operations land on either side.)

    python3 torch_inner_step.py --threads 1 --layers 2 --d-model 96 --heads 4 --context 64 --batch 16 --steps 30
"""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = nn.LayerNorm(d)
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.mlp_proj = nn.Linear(4 * d, d)

    def attention(self, x, mask):
        b, t, d = x.shape
        qkv = self.c_attn(x).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)  # (3, B, H, T, hd)
        q, k, v = qkv[0], qkv[1], qkv[2]
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(d // self.heads)) + mask
        y = att.softmax(-1) @ v
        return self.c_proj(y.transpose(1, 2).reshape(b, t, d))

    def forward(self, x, mask):
        x = x + self.attention(self.ln_1(x), mask)
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab, context, layers, d, heads):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(context, d)
        self.blocks = nn.ModuleList(Block(d, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)

    def forward(self, x):
        t = x.shape[1]
        mask = torch.full((t, t), float("-inf")).triu(1)
        h = self.wte(x) + self.wpe.weight[:t]
        for block in self.blocks:
            h = block(h, mask)
        return self.ln_f(h) @ self.wte.weight.t()


def main():
    p = argparse.ArgumentParser()
    for name, default in [("threads", 1), ("layers", 2), ("d-model", 96), ("heads", 4), ("context", 64),
                          ("batch", 16), ("steps", 30), ("warmup", 3), ("repeats", 1), ("count-ops", 0)]:
        p.add_argument("--" + name, type=int, default=default)
    for name, default in [("lr", 1e-3), ("beta1", 0.9), ("beta2", 0.95), ("eps", 1e-8), ("weight-decay", 0.1),
                          ("clip", 1.0)]:
        p.add_argument("--" + name, type=float, default=default)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    vocab = 256
    model = Gpt(vocab, a.context, a.layers, a.d_model, a.heads)
    decay = [q for q in model.parameters() if q.dim() >= 2]
    no_decay = [q for q in model.parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": a.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=a.lr, betas=(a.beta1, a.beta2), eps=a.eps)
    data = torch.randint(0, vocab, (1 << 20,), dtype=torch.uint8)

    phases = {"sample": 0.0, "forward": 0.0, "backward": 0.0, "optimizer": 0.0}

    def lap(phase, since):
        now = time.perf_counter()
        phases[phase] += now - since
        return now

    def step():
        t = time.perf_counter()
        starts = torch.randint(0, data.numel() - a.context - 1, (a.batch,))
        idx = starts[:, None] + torch.arange(a.context + 1)
        w = data[idx].long()
        x, y = w[:, :-1], w[:, 1:]
        t = lap("sample", t)
        loss = F.cross_entropy(model(x).reshape(-1, vocab), y.reshape(-1))
        t = lap("forward", t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        value = loss.item()
        t = lap("backward", t)
        if a.clip > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), a.clip)
        opt.step()
        lap("optimizer", t)
        return value

    for _ in range(a.warmup):
        step()
    best, best_phases = float("inf"), None
    for _ in range(a.repeats):  # the fastest of several timed runs
        for k in phases:
            phases[k] = 0.0
        t0, cpu0 = time.perf_counter(), time.process_time()
        for _ in range(a.steps):
            step()
        sec = time.perf_counter() - t0
        if sec < best:
            best, best_phases = sec, dict(phases)
            cores_used = (time.process_time() - cpu0) / sec  # above --threads: a BLAS took more
    result = {"threads": a.threads, "ms_per_step": 1000 * best / a.steps,
              "tokens_per_sec": a.steps * a.batch * a.context / best, "torch": torch.__version__, "cores_used": cores_used,
              "phases": {k: 1000 * v / a.steps for k, v in best_phases.items()}}
    if a.count_ops > 0:
        with torch.autograd.profiler.profile(use_kineto=False) as prof:
            for _ in range(a.count_ops):
                step()
        aten = sum(1 for e in prof.function_events if e.name.startswith("aten::"))
        result["ops_per_step"] = {"aten": aten / a.count_ops}
        result["self_ms_per_step"] = {e.key: e.self_cpu_time_total / 1000 / a.count_ops
                                      for e in prof.key_averages()}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
