#!/usr/bin/env bash
# Side-by-side embedding throughput: every runner embeds the same texts in the same batches, each
# in its own process, one after another. Results: bench/out/embed-<timestamp>.jsonl (one JSON
# line per runner × length, after a "meta" line) and a Markdown table on stdout.
#
#   bench/embed/run.sh [--iterations 3] [--warmup 3] [--count 512] [--lengths "32 128 256"]
#                      [--threads 2] [--runners "st ort onnx onnx8 mlx"] [--pause 5]
# (onnx8: ragctl's onnx backend at precision int8 — other vectors, its retrieval cost is measured
# by bench/embed/int8-quality.sh; onnxplain: the onnx backend on its plain graph, standard ONNX
# ops only — the fallback, and the graph before ORT's fused Attention — not in the default set)
#
# Batch policy: floor(4096 / tokens_per_text) texts per batch (128, 32, 16 for 32/128/256
# tokens), i.e. the same ~4096 tokens per forward pass for every length and runner.
# Portable to macOS' bash 3.2 (no associative arrays, no mapfile, no GNU-only flags).
set -euo pipefail

cd "$(dirname "$0")/../.."

ITERATIONS=3     # timed passes over each texts file
WARMUP=3         # untimed batches before timing
COUNT=512        # texts per length; divisible by every batch size so no batch is short
LENGTHS="32 128 256"
THREADS=2        # intra-op threads for every runner
RUNNERS="st ort onnx onnx8 mlx"
PAUSE_S=5        # idle seconds between runners, so one's heat and page cache settle
BATCH_TOKENS=4096
PYTHON="${PYTHON:-python3}"

while [ $# -gt 0 ]; do
  case "$1" in
    --iterations) ITERATIONS="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --count) COUNT="$2"; shift 2 ;;
    --lengths) LENGTHS="$2"; shift 2 ;;
    --threads) THREADS="$2"; shift 2 ;;
    --runners) RUNNERS="$2"; shift 2 ;;
    --pause) PAUSE_S="$2"; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

mkdir -p bench/out bench/data
STAMP="$(date +%Y%m%dT%H%M%S)"
OUT="bench/out/embed-${STAMP}.jsonl"
LOG="bench/out/embed-${STAMP}.log"
: >"$OUT"
: >"$LOG"

# --- inputs: (re)build the texts files when missing or built with another --count -------------
need_texts=0
for n in $LENGTHS; do
  f="bench/data/texts-${n}.json"
  if [ ! -f "$f" ] || [ "$(node -e "console.log(JSON.parse(require('fs').readFileSync('$f','utf8')).count)")" != "$COUNT" ]; then
    need_texts=1
  fi
done
if [ "$need_texts" = 1 ]; then
  node bench/embed/make-texts.mjs --count "$COUNT" --lengths "$(echo $LENGTHS | tr ' ' ',')"
fi

cpu="$( (sysctl -n machdep.cpu.brand_string 2>/dev/null || grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2) | sed 's/^ *//; s/"/\\"/g')"
# Family and model: what OpenBLAS's core detection goes by (MLX's CPU speed depends on it).
cpu_id="$(awk -F: '/^cpu family/ {f=$2} /^model[^ ]*:/ && !m {m=$2} END {gsub(/ /, "", f); gsub(/ /, "", m); if (f != "") print "family " f ", model " m}' /proc/cpuinfo 2>/dev/null || true)"
printf '{"meta":{"stamp":"%s","uname":"%s","cpu":"%s","cpu_id":"%s","openblas_coretype_env":"%s","node":"%s","python":"%s","uptime_at_start":"%s","iterations":%s,"warmup_batches":%s,"count":%s,"threads":%s}}\n' \
  "$STAMP" "$(uname -srm)" "$cpu" "$cpu_id" "${OPENBLAS_CORETYPE:-}" "$(node --version)" "$("$PYTHON" --version 2>&1)" "$(uptime | sed 's/^ *//')" \
  "$ITERATIONS" "$WARMUP" "$COUNT" "$THREADS" >>"$OUT"

failures=0
# run_one <label> <command...>: runs one runner process, keeps its last JSON line, logs stderr.
run_one() {
  local label="$1"; shift
  echo "== $label: $*" | tee -a "$LOG" >&2
  local line
  if line="$("$@" 2>>"$LOG" | grep '^{' | tail -n 1)" && [ -n "$line" ]; then
    echo "$line" >>"$OUT"
    echo "   $line" >&2
  else
    echo "   FAILED (see $LOG)" >&2
    failures=$((failures + 1))
  fi
  sleep "$PAUSE_S"
}

for n in $LENGTHS; do
  texts="bench/data/texts-${n}.json"
  batch=$((BATCH_TOKENS / n))
  common=(--texts "$texts" --batch-size "$batch" --iterations "$ITERATIONS" --warmup "$WARMUP")
  for runner in $RUNNERS; do
    case "$runner" in
      st)
        run_one "sentence-transformers ${n} tokens" "$PYTHON" bench/embed/peer_st.py "${common[@]}" --threads "$THREADS"
        ;;
      ort)
        if [ -f bench/data/onnx-minilm/onnx/model.onnx ]; then
          run_one "transformers.js+onnxruntime ${n} tokens" node bench/embed/peer_ort.mjs "${common[@]}" --threads "$THREADS"
        else
          echo "note: bench/data/onnx-minilm/onnx/model.onnx missing; run '$PYTHON bench/embed/export_onnx.py'. Skipping transformers.js+onnxruntime." >&2
        fi
        ;;
      onnx)
        # ragctl's onnx backend: the graph it builds itself, on onnxruntime-node, same threads as the peers.
        run_one "ragctl-onnx ${n} tokens" node bench/embed/onnx.mjs "${common[@]}" --threads "$THREADS"
        ;;
      onnxplain)
        run_one "ragctl-onnx-plain ${n} tokens" node bench/embed/onnx.mjs "${common[@]}" --threads "$THREADS" --ops plain
        ;;
      onnx8)
        run_one "ragctl-onnx-int8 ${n} tokens" node bench/embed/onnx.mjs "${common[@]}" --threads "$THREADS" --precision int8
        ;;
      mlx)
        # ---- MLX HOOK ------------------------------------------------------------------------
        # ragctl's own embedder. bench/embed/mlx.mjs must take the same flags as the peers
        # (--texts, --batch-size, --iterations, --warmup) and print the same JSON line with
        # runner:"ragctl-mlx" (use resultLine() from bench/embed/common.mjs). MLX picks its own
        # threads/GPU, so --threads is not passed.
        if [ -f bench/embed/mlx.mjs ]; then
          run_one "ragctl-mlx ${n} tokens" node bench/embed/mlx.mjs "${common[@]}"
        else
          echo "note: bench/embed/mlx.mjs does not exist yet; skipping the ragctl-mlx runner." >&2
        fi
        # ---- END MLX HOOK --------------------------------------------------------------------
        ;;
      *) echo "unknown runner '$runner' (known: st ort onnx onnxplain onnx8 mlx)" >&2; exit 2 ;;
    esac
  done
done

echo >&2
echo "results: $OUT (stderr of the runners: $LOG)" >&2
node bench/embed/table.mjs "$OUT"
[ "$failures" = 0 ] || { echo "$failures runner(s) failed" >&2; exit 1; }
