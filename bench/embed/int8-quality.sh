#!/usr/bin/env bash
# Retrieval cost of onnx int8: the quality eval (bench/quality/eval.mjs) on each corpus twice,
# fp32 then int8, same code, same chunks, only `precision` differs. Configs and indexes go to a
# temp folder; results to bench/out/quality-<timestamp>.json (labels <corpus>-fp32 / -int8).
#
#   bench/embed/int8-quality.sh [--eval bench/quality/eval.mjs] [--corpora "py-howto git-man"]
#                               [--root bench]   # where bench/data/quality/<c>/corpus and
#                                                # bench/quality/corpora/<c>/questions.jsonl are
set -euo pipefail
cd "$(dirname "$0")/../.."

EVAL=bench/quality/eval.mjs
CORPORA="py-howto git-man py-lib"
ROOT="$PWD/bench"
while [ $# -gt 0 ]; do
  case "$1" in
    --eval) EVAL="$2"; shift 2 ;;
    --corpora) CORPORA="$2"; shift 2 ;;
    --root) ROOT="$(cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

TMP="$(mktemp -d "${TMPDIR:-/tmp}/ragctl-int8-quality.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
for c in $CORPORA; do
  for p in fp32 int8; do
    cat >"$TMP/$c-$p.yaml" <<YAML
dataDir: $TMP/index-$c-$p
log: { level: warn }
embedders:
  default: { type: onnx, model: sentence-transformers/all-MiniLM-L6-v2, precision: $p }
engines:
  md: { chunker: markdown, mapper: document, embedder: default }
sources:
  - { path: $ROOT/data/quality/$c/corpus, engine: md }
search: { k: 10, rrfK: 60 }
YAML
    node "$EVAL" --config "$TMP/$c-$p.yaml" --questions "$ROOT/quality/corpora/$c/questions.jsonl" --label "$c-$p"
  done
done
