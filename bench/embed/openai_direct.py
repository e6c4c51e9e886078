#!/usr/bin/env python3
"""The server called directly: the same texts, posted to <endpoint>/embeddings in requests of
--request-texts texts, --concurrency at a time (threads + urllib, stdlib only), no tokenising on
the client. What ragctl's openai runner adds on top of this is its own cost.

    python3 bench/embed/openai_direct.py --texts bench/data/texts-128.json --endpoint http://127.0.0.1:7997 \\
        --model-name minilm [--request-texts 64] [--concurrency 4] [--iterations 3] [--warmup 3]

Prints one JSON line in the runners' shared format.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--texts", required=True)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--model-name", required=True)
    p.add_argument("--request-texts", type=int, default=64)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--iterations", type=int, default=3)
    p.add_argument("--warmup", type=int, default=3)
    args = p.parse_args()
    data = json.load(open(args.texts))
    texts = data["texts"]
    url = args.endpoint.rstrip("/") + "/embeddings"
    batches = [texts[i : i + args.request_texts] for i in range(0, len(texts), args.request_texts)]

    def post(batch: list[str]) -> float:
        body = json.dumps({"model": args.model_name, "input": batch, "encoding_format": "float"}).encode()
        req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
        t0 = time.perf_counter()
        with urllib.request.urlopen(req, timeout=120) as res:
            out = json.load(res)
        if len(out["data"]) != len(batch):
            raise SystemExit(f"{url} answered {len(out['data'])} rows for {len(batch)}")
        return (time.perf_counter() - t0) * 1000

    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(post, [batches[i % len(batches)] for i in range(args.warmup)]))
        start = time.perf_counter()
        ms: list[float] = []
        for _ in range(args.iterations):
            ms += list(pool.map(post, batches))
        seconds = time.perf_counter() - start
    n = len(texts) * args.iterations
    print(json.dumps({
        "runner": "server-direct",
        "endpoint": args.endpoint,
        "concurrency": args.concurrency,
        "tokens_per_text": data["tokens_per_text"],
        "batch_size": args.request_texts,
        "texts": n,
        "seconds": round(seconds, 3),
        "texts_per_s": round(n / seconds, 1),
        "tokens_per_s": round(n * data["tokens_per_text"] / seconds, 1),
        "batch_ms_median": round(statistics.median(ms), 2),
    }))


if __name__ == "__main__":
    main()
