#!/usr/bin/env python3
"""Writes GPT-2's tokenizer as a Hugging Face tokenizer.json from its two original files:

    python3 datasets/gpt2_tokenizer.py ENCODER_JSON VOCAB_BPE OUT_TOKENIZER_JSON

ENCODER_JSON maps each byte-level token (GPT-2's printable byte symbols) to its id, VOCAB_BPE lists
the merges by rank after a version line. The file written is byte-level BPE with GPT-2's
pre-tokenizer and decoder and <|endoftext|> as its special token: what the Rust tokenizers
library (and so DJL, and --tokenizer) reads."""
import json
import sys


def convert(encoder_path, bpe_path, out_path):
    with open(encoder_path, encoding="utf-8") as f:
        vocab = json.load(f)
    with open(bpe_path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    merges = [line for line in lines[1:] if line.strip()]  # the first line is "#version: ..."
    for m in merges:
        left, right = m.split(" ")
        if left not in vocab or right not in vocab or left + right not in vocab:
            raise SystemExit("merge %r is not in the vocabulary: not GPT-2's files" % m)
    special = "<|endoftext|>"
    added = []
    if special in vocab:
        added.append({"id": vocab[special], "content": special, "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": True, "special": True})
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}
    tokenizer = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": byte_level,
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "",
                  "end_of_word_suffix": "", "fuse_unk": False, "byte_fallback": False, "vocab": vocab,
                  "merges": merges},
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    return len(vocab), len(merges)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    n, m = convert(*sys.argv[1:])
    print("wrote %s: vocabulary %d, %d merges" % (sys.argv[3], n, m), file=sys.stderr)
