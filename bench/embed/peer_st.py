#!/usr/bin/env python3
"""Peer runner: sentence-transformers on PyTorch, CPU.

    python3 bench/embed/peer_st.py --texts bench/data/texts-128.json --batch-size 32 \\
        [--iterations 3] [--warmup 3] [--threads 2] [--model <folder or hub id>]

Encodes the texts file in fixed batches of --batch-size (file order, no sorting), first
--warmup batches untimed, then --iterations timed passes over the whole file, and prints one
JSON line (the format every runner shares; see docs/bench-embed-peers.md):

    {"runner": "sentence-transformers", "torch": ..., "tokens_per_text": ..., "batch_size": ...,
     "texts": ..., "seconds": ..., "texts_per_s": ..., "tokens_per_s": ..., "batch_ms_median": ...,
     "peak_rss_mb": ..., "steady_rss_mb": ...}

tokens_per_s counts tokens as this runner's tokenizer produced them ([CLS]/[SEP] included); the
run fails if any text is not tokens_per_text long, so every runner is fed the same work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # Rust tokenizer threads would skew a 2-thread budget

import numpy as np  # noqa: E402
import sentence_transformers  # noqa: E402
import torch  # noqa: E402
from sentence_transformers import SentenceTransformer  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import current_rss_mb, peak_rss_mb, resolve_model_dir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="sentence-transformers CPU embedding benchmark")
    parser.add_argument("--texts", required=True, help="a texts-<n>.json from make-texts.mjs")
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--iterations", type=int, default=3, help="timed passes over the whole file")
    parser.add_argument("--warmup", type=int, default=3, help="untimed batches before timing")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    data = json.loads(Path(args.texts).read_text())
    texts: list[str] = data["texts"]
    tokens_per_text: int = data["tokens_per_text"]

    model = SentenceTransformer(str(resolve_model_dir(args.model)), device="cpu")
    lengths = [len(ids) for ids in model.tokenizer(texts, truncation=True, max_length=model.max_seq_length)["input_ids"]]
    if any(n != tokens_per_text for n in lengths):
        sys.exit(f"{args.texts}: token counts {min(lengths)}..{max(lengths)}, expected {tokens_per_text} for every text")

    batches = [texts[i:i + args.batch_size] for i in range(0, len(texts), args.batch_size)]

    def encode(batch: list[str]) -> np.ndarray:
        # The model's own Normalize module L2-normalises; no second pass is asked for.
        return model.encode(batch, batch_size=len(batch), convert_to_numpy=True, show_progress_bar=False)

    for i in range(args.warmup):
        encode(batches[i % len(batches)])

    batch_ms: list[float] = []
    done = 0
    start = time.perf_counter()
    for _ in range(args.iterations):
        for batch in batches:
            t0 = time.perf_counter()
            out = encode(batch)
            batch_ms.append((time.perf_counter() - t0) * 1000)
            done += len(batch)
    seconds = time.perf_counter() - start
    if not np.isfinite(out).all():
        sys.exit("non-finite embeddings")

    print(json.dumps({
        "runner": "sentence-transformers",
        "torch": torch.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "threads": args.threads,
        "tokens_per_text": tokens_per_text,
        "batch_size": args.batch_size,
        "texts": done,
        "seconds": round(seconds, 3),
        "texts_per_s": round(done / seconds, 1),
        "tokens_per_s": round(done * tokens_per_text / seconds, 1),
        "batch_ms_median": round(statistics.median(batch_ms), 2),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "steady_rss_mb": round(current_rss_mb(), 1),
        "iterations": args.iterations,
        "warmup_batches": args.warmup,
    }), flush=True)


if __name__ == "__main__":
    main()
