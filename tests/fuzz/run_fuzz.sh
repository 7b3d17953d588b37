#!/usr/bin/env bash
# Runs the loader fuzzer for a bounded time on a seed corpus built from ONNX's own test models
# (assembled in the build folder, never in the repo). Usage: run_fuzz.sh FUZZER CORPUS_DIR SECONDS SEED_DIR...
set -euo pipefail
fuzzer=$1; corpus=$2; seconds=$3; shift 3
mkdir -p "$corpus"
if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
  for dir in "$@"; do
    [ -d "$dir" ] || continue
    find "$dir" -name '*.onnx' -size -256k | while read -r f; do
      cp "$f" "$corpus/$(echo "$f" | md5sum | cut -c1-16).onnx"
    done
  done
fi
exec "$fuzzer" -artifact_prefix="$corpus/../fuzz-artifact-" -max_total_time="$seconds" -rss_limit_mb=4096 -timeout=30 -max_len=262144 \
  -print_final_stats=1 "$corpus"
