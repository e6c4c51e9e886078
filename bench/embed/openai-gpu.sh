#!/usr/bin/env bash
# The `openai` embedder against Infinity on a GPU, side by side with the same server called
# directly and sentence-transformers in-process on the same GPU. For a machine without Node or
# network (the lent GPU box): everything arrives under .scratch/gpu (see docs/BENCHMARKS.md):
#   wheels/  Infinity 0.0.78 and its server's wheels (cp312), node.xz  this machine's node binary,
#   nm/node_modules  pino + @huggingface/tokenizers, model/  all-MiniLM-L6-v2 in fp16;
#   plus dist/ (npm run build) and bench/data/texts-{128,256}.json (make-texts.mjs).
#
#   bench/embed/openai-gpu.sh setup     # node, node_modules, Infinity's packages (under .scratch/dev)
#   bench/embed/openai-gpu.sh run OUT   # start Infinity on cuda, run every runner, JSON lines in OUT/
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.scratch/gpu
D=.scratch/dev
PORT=7997

if [ "${1:-}" = setup ]; then
  mkdir -p "$D"
  python3 -c "import lzma,shutil; shutil.copyfileobj(lzma.open('$G/node.xz'), open('$D/node','wb'))"
  chmod +x "$D/node" && "$D/node" --version
  rm -rf node_modules && cp -r "$G/nm/node_modules" node_modules
  # Into a folder put first on PYTHONPATH, with no dependency resolution: the box's python may
  # itself be a venv, whose packages (torch, numpy) a venv made from it would not see.
  rm -rf "$D/site" && python3 -m pip install -q --no-index --no-deps --target "$D/site" "$G"/wheels/*.whl
  PYTHONPATH="$D/site" python3 -c 'import infinity_emb.cli, torch, transformers; print("infinity ok; torch", torch.__version__, torch.cuda.is_available(), "transformers", transformers.__version__)'
  exit 0
fi

[ "${1:-}" = run ] || { echo "usage: $0 setup | run OUT" >&2; exit 2; }
OUT="$2"
mkdir -p "$OUT"
NODE="$D/node"
URL="http://127.0.0.1:$PORT"
HF_HUB_OFFLINE=1 INFINITY_ANONYMOUS_USAGE_STATS=0 DO_NOT_TRACK=1 PYTHONPATH="$D/site" \
  python3 -c 'import sys; from infinity_emb.cli import cli; sys.argv[0] = "infinity_emb"; cli()' v2 \
  --model-id "$G/model" --served-model-name minilm --host 127.0.0.1 --port $PORT \
  --engine torch --device cuda --dtype float16 --batch-size 128 >"$OUT/infinity.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 180); do curl -sf "$URL/health" >/dev/null 2>&1 && break; sleep 1; done
curl -sf "$URL/health" >/dev/null || { tail -30 "$OUT/infinity.log"; exit 1; }
nvidia-smi --query-gpu=name --format=csv,noheader >"$OUT/gpu.txt"
R="$OUT/results.jsonl"
for L in 128 256; do
  T="bench/data/texts-$L.json"
  for C in 1 4 16; do
    python3 bench/embed/openai_direct.py --texts "$T" --endpoint "$URL" --model-name minilm \
      --request-texts $((8192 / L)) --concurrency $C --iterations 3 --warmup 4 >>"$R"
    "$NODE" bench/embed/openai.mjs --texts "$T" --endpoint "$URL" --model-name minilm --tokenizer "$G/model" \
      --batch-size 512 --request-tokens 8192 --concurrency $C --iterations 3 --warmup 1 >>"$R"
  done
  # The embed worker's pattern: one request of 2,048 tokens at a time.
  "$NODE" bench/embed/openai.mjs --texts "$T" --endpoint "$URL" --model-name minilm --tokenizer "$G/model" \
    --batch-size $((2048 / L)) --request-tokens 2048 --concurrency 1 --iterations 2 --warmup 4 --label worker >>"$R"
done
# The ceiling: sentence-transformers in-process on the same GPU (fp16, batches of 8,192 tokens).
kill $SERVER; wait $SERVER 2>/dev/null || true
python3 - "$G/model" >>"$R" <<'PY'
import json, sys, time, torch
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cuda").half()
for L in (128, 256):
    texts = json.load(open(f"bench/data/texts-{L}.json"))["texts"]
    bs = 8192 // L
    m.encode(texts[: bs * 2], batch_size=bs)
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(3): m.encode(texts, batch_size=bs)
    torch.cuda.synchronize(); s = time.perf_counter() - t0
    print(json.dumps({"runner": "st-inprocess-cuda-fp16", "tokens_per_text": L, "batch_size": bs, "texts": 3 * len(texts),
                      "seconds": round(s, 3), "tokens_per_s": round(3 * len(texts) * L / s, 1)}))
PY
cat "$R"
