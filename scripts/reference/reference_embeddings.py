#!/usr/bin/env python3
"""Reference embeddings for the MLX embedder's parity test.

Embeds test/fixtures/parity/texts.json with sentence-transformers on the CPU and writes
test/fixtures/parity/reference.json: the vectors (one base64 string, little-endian float32,
row-major count x 384) plus the truncated token ids of every text, so a JS test can check the
tokenizer and the model separately.

Regenerate (from the repository root, model already in the Hugging Face cache):

    HF_HUB_OFFLINE=1 python3 scripts/reference/reference_embeddings.py

Options: --model <folder or hub id> (default: the cache's snapshot of
sentence-transformers/all-MiniLM-L6-v2), --texts <json>, --out <json>.

Why the model is loaded from its folder path, never by id: sentence-transformers 6.2 in offline
mode does not find modules.json through the cache for a hub id ("No modules.json found ...
initializing a new SentenceTransformer model") and silently builds Transformer + mean Pooling
with max_seq_length 512 and no Normalize -- a different model. The path loads all three modules
from modules.json and max_seq_length 256 from sentence_bert_config.json; this script checks both.

Empty and whitespace-only texts tokenise to [CLS] [SEP] (ids 101, 102): BERT's normaliser drops
the whitespace, so mean pooling averages the two special-token vectors. The result is finite and
the same for all of them; the script fails if any vector is not finite or not unit length.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import sentence_transformers  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
EXPECTED_MAX_SEQ_LENGTH = 256
EXPECTED_DIMENSION = 384
# A unit vector's norm in float32 is 1 within a few ulps; anything further off means the
# Normalize module is missing or the vector is garbage.
NORM_TOLERANCE = 1e-5
REPO = Path(__file__).resolve().parents[2]


def hub_cache_dir() -> Path:
    """$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (as huggingface_hub does)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "huggingface" / "hub"


def resolve_model_dir(spec: str) -> tuple[Path, str]:
    """A folder path as given, else the cache snapshot that refs/main names. Returns (dir, revision)."""
    if Path(spec).is_dir():
        return Path(spec).resolve(), "path"
    repo = hub_cache_dir() / f"models--{spec.replace('/', '--')}"
    try:
        revision = (repo / "refs" / "main").read_text().strip()
    except OSError as err:
        sys.exit(f"model {spec} is not in the Hugging Face cache ({repo}): {err}")
    folder = repo / "snapshots" / revision
    if not (folder / "modules.json").is_file():
        sys.exit(f"{folder} has no modules.json; is the snapshot complete?")
    return folder, revision


def token_ids(model: SentenceTransformer, text: str) -> list[int]:
    """The ids the model actually reads: sentence-transformers' own preprocessing (truncation included)."""
    preprocess = getattr(model, "preprocess", None) or model.tokenize
    features = preprocess([text])
    return [int(i) for i in features["input_ids"][0].tolist()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=MODEL_ID, help="model folder, or a hub id looked up in the cache")
    parser.add_argument("--texts", default=str(REPO / "test/fixtures/parity/texts.json"))
    parser.add_argument("--out", default=str(REPO / "test/fixtures/parity/reference.json"))
    args = parser.parse_args()

    model_dir, revision = resolve_model_dir(args.model)
    model = SentenceTransformer(str(model_dir), device="cpu")
    modules = [type(m).__name__ for m in model]
    if modules != ["Transformer", "Pooling", "Normalize"]:
        sys.exit(f"unexpected module pipeline {modules}; expected Transformer, Pooling, Normalize")
    if model.max_seq_length != EXPECTED_MAX_SEQ_LENGTH:
        sys.exit(f"max_seq_length is {model.max_seq_length}, expected {EXPECTED_MAX_SEQ_LENGTH}")

    texts_path = Path(args.texts)
    raw = texts_path.read_bytes()
    texts = json.loads(raw)
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        sys.exit(f"{texts_path} must be a JSON array of strings")

    # One text per batch: no padding, so the reference does not depend on which texts share a batch.
    raw_vectors = model.encode(texts, batch_size=1, normalize_embeddings=False, convert_to_numpy=True)
    vectors = model.encode(texts, batch_size=1, normalize_embeddings=True, convert_to_numpy=True)
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    if vectors.shape != (len(texts), EXPECTED_DIMENSION):
        sys.exit(f"vectors have shape {vectors.shape}, expected ({len(texts)}, {EXPECTED_DIMENSION})")
    if not np.isfinite(vectors).all():
        bad = sorted({int(i) for i in np.argwhere(~np.isfinite(vectors))[:, 0]})
        sys.exit(f"non-finite vectors for texts {bad}")
    norms = np.linalg.norm(raw_vectors.astype(np.float64), axis=1)
    if np.abs(norms - 1).max() > NORM_TOLERANCE:
        sys.exit(f"the model's own output is not unit length (norms {norms.min()}..{norms.max()}); Normalize missing?")
    # normalize_embeddings=True on already-normalised vectors must be a no-op.
    drift = float(np.abs(vectors - raw_vectors).max())

    ids = [token_ids(model, t) for t in texts]
    hf_ids = [model.tokenizer(t, truncation=True, max_length=model.max_seq_length)["input_ids"] for t in texts]
    if ids != hf_ids:
        sys.exit("sentence-transformers' preprocessing and the tokenizer disagree on token ids")

    out = {
        "model": MODEL_ID if args.model == MODEL_ID else args.model,
        "revision": revision,
        "sentence_transformers_version": sentence_transformers.__version__,
        "torch_version": torch.__version__,
        "max_seq_length": model.max_seq_length,
        "dimension": EXPECTED_DIMENSION,
        "count": len(texts),
        "texts_file": texts_path.resolve().relative_to(REPO).as_posix()
        if texts_path.resolve().is_relative_to(REPO)
        else str(texts_path),
        "texts_sha256": hashlib.sha256(raw).hexdigest(),
        "vectors_f32_base64": base64.b64encode(vectors.tobytes()).decode("ascii"),
        "token_counts": [len(i) for i in ids],
        "input_ids": ids,
    }
    Path(args.out).write_text(json.dumps(out, separators=(",", ":")) + "\n")

    truncated = sum(1 for t in texts if len(model.tokenizer(t)["input_ids"]) > model.max_seq_length)
    specials_only = sum(1 for i in ids if i == [101, 102])
    print(
        f"wrote {args.out}: {len(texts)} vectors x {EXPECTED_DIMENSION}, {truncated} texts truncated to "
        f"{model.max_seq_length} tokens, {specials_only} texts are [CLS][SEP] only, "
        f"norms {norms.min():.7f}..{norms.max():.7f}, normalize_embeddings drift {drift:.2e}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
