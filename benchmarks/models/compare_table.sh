#!/usr/bin/env bash
# Runs `lacuna compare` (Lacuna and ONNX Runtime interleaved, same batch and threads) over models,
# batch sizes and thread counts, and prints a markdown table of medians, ratios and peak RSS.
#
#   benchmarks/models/compare_table.sh MODEL_DIR model [model...]
#
# Environment: LACUNA (default ./build/lacuna), BATCHES ("1 16"), THREADS ("1 2"), SECONDS_PER_ROUND (5)
# per engine per round, ROUNDS (3), SPARSE (auto), OUT_DIR (/tmp/lacuna-tables) for the JSON.
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,8p' "$0"
  exit 2
fi
dir=$1
shift
lacuna=${LACUNA:-./build/lacuna}
batches=${BATCHES:-"1 16"}
threads=${THREADS:-"1 2"}
seconds=${SECONDS_PER_ROUND:-5}
rounds=${ROUNDS:-3}
sparse=${SPARSE:-auto}
out=${OUT_DIR:-/tmp/lacuna-tables}
mkdir -p "$out"
echo "| model | batch | threads | Lacuna median ms | ORT median ms | ratio (ORT/Lacuna) | Lacuna RSS MB | ORT RSS MB |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for m in "$@"; do
  for b in $batches; do
    for t in $threads; do
      json="$out/$m-b$b-t$t.json"
      "$lacuna" compare "$dir/$m.onnx" -b "$b" -n "$t" -t "$seconds" --rounds "$rounds" --sparse "$sparse" -x "$json" \
        > "$out/$m-b$b-t$t.log" 2>&1 || { echo "| $m | $b | $t | failed: see $out/$m-b$b-t$t.log | | | | |"; continue; }
      python3 - "$json" "$m" "$b" "$t" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
l, o = j["lacuna"], j["onnxruntime"]
print(f"| {sys.argv[2]} | {sys.argv[3]} | {sys.argv[4]} | {l['median_ms']:.2f} | {o['median_ms']:.2f} | "
      f"{j['ratio']:.2f} | {l['peak_rss_mb']:.0f} | {o['peak_rss_mb']:.0f} |")
PY
    done
  done
done
