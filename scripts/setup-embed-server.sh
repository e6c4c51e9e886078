#!/usr/bin/env bash
# The `openai` embedder's tests (test/integration/embed/openai-server.test.ts) start a real
# OpenAI-compatible embedding server: Infinity (PyPI `infinity-emb`) on the CPU, serving the same
# all-MiniLM-L6-v2 files from the Hugging Face cache. It gets its own virtual environment under
# the cache dir, so nothing is installed into the system's Python.
#
#   ./scripts/setup-embed-server.sh        # scripts/setup.sh runs it
#
# Safe to run again: a venv that already imports Infinity is left as it is. It uses the system's
# torch when there is one (--system-site-packages); otherwise pip fetches torch too (~1 GB or more).
set -euo pipefail

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

venv="${RAGCTL_EMBED_SERVER_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/ragctl/embed-server-venv}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import infinity_emb.cli' >/dev/null 2>&1; then
  exit 0
fi
command -v python3 >/dev/null || { say "no python3: the openai embedder's server tests will be skipped"; exit 1; }
say "installing the test embedding server (Infinity) into $venv"
python3 -m venv --system-site-packages "$venv"
# Infinity 0.0.78 pins numpy<2 but runs on numpy 2 (the system's, which torch and scipy were
# built against): it is installed without its own pins, and its server's dependencies by hand.
# transformers and sentence-transformers stay below 5: Infinity calls batch_encode_plus, which 5 removed.
"$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps 'infinity-emb==0.0.78'
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  'click>=8.0,<8.2' 'fastapi>=0.103.2' 'orjson>=3.9.8,!=3.10.0' posthog \
  'prometheus-fastapi-instrumentator>=6.1.0' 'pydantic>=2.4,<3' 'rich>=13,<14' 'typer>=0.12.5,<0.13' \
  'uvicorn[standard]>=0.32,<0.33' 'huggingface_hub>=0.32,<1' 'transformers==4.57.6' \
  'sentence-transformers==4.1.0' numpy torch
"$venv/bin/python" -c 'import infinity_emb.cli'
