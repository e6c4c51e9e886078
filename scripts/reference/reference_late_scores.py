#!/usr/bin/env python3
"""Reference late-interaction scores for the embedders' `lateScores` parity test.

For each query of QUERIES and each non-blank text of test/fixtures/parity/texts.json, the
MaxSim score as ColBERT defines it, from sentence-transformers' own token embeddings (the
Transformer module's last hidden state, before pooling): each token vector L2-normalised, then
for every query token the best cosine with any of the text's tokens, averaged over the query's
tokens ([CLS] and [SEP] included on both sides, texts truncated at max_seq_length). Writes
test/fixtures/parity/late.json.

Regenerate (from the repository root, model already in the Hugging Face cache, with the Python
that has sentence-transformers, as for reference_embeddings.py):

    HF_HUB_OFFLINE=1 python3 scripts/reference/reference_late_scores.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import sentence_transformers  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_embeddings import MODEL_ID, REPO, resolve_model_dir  # noqa: E402

QUERIES = [
    "how do I undo my last commit but keep my changes",
    "vector search over embeddings",
    "café résumé naïve",
]


def unit_tokens(model: SentenceTransformer, text: str) -> torch.Tensor:
    # One text per call: no padding, so the token list is exactly the text's.
    tokens = model.encode([text], batch_size=1, output_value="token_embeddings", convert_to_tensor=False)[0]
    return torch.nn.functional.normalize(tokens.float(), dim=-1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=MODEL_ID, help="model folder, or a hub id looked up in the cache")
    parser.add_argument("--texts", default=str(REPO / "test/fixtures/parity/texts.json"))
    parser.add_argument("--out", default=str(REPO / "test/fixtures/parity/late.json"))
    args = parser.parse_args()

    model_dir, revision = resolve_model_dir(args.model)
    model = SentenceTransformer(str(model_dir), device="cpu")
    texts = [t for t in json.loads(Path(args.texts).read_text()) if t.strip()]
    docs = [unit_tokens(model, t) for t in texts]
    scores = []
    for query in QUERIES:
        q = unit_tokens(model, query)
        scores.append([float((q @ d.T).max(dim=1).values.mean()) for d in docs])
    out = {
        "model": MODEL_ID if args.model == MODEL_ID else args.model,
        "revision": revision,
        "sentence_transformers_version": sentence_transformers.__version__,
        "torch_version": torch.__version__,
        "queries": QUERIES,
        "texts": texts,
        "scores": scores,
    }
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {args.out}: {len(QUERIES)} queries x {len(texts)} texts")


if __name__ == "__main__":
    main()
