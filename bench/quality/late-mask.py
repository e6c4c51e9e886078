#!/usr/bin/env python3
"""Late interaction with the query padded by [MASK] word pieces, replayed offline (docs/BENCHMARKS.md §64).

ColBERT pads each query to 32 word pieces with [MASK]; the model's outputs there act as a soft
expansion of the query (terms it would expect beside the query's own). Our model was not trained
for that, but its masked-language-model start may still put related meaning there. Scored from the
same legs and replayed order as late-replay.py (bench/out/legs-<corpus>.json), first N re-ordered:

  pure<N>          MaxSim as shipped (src/search/rerank.ts)
  mask<m>-<N>      the query followed by m [MASK] word pieces before its [SEP]; MaxSim over all of
                   the query's word pieces, masks included
  maskw<m>-<N>     the same, the masks' share of the mean weighted to a half of one real word piece
  pad<m>-<N>       ColBERT's exact form: [CLS] q [SEP] then [MASK] up to m word pieces in all

  ~/.cache/ragctl/embed-server-venv/bin/python bench/quality/late-mask.py git-man py-lib py-howto pg-docs
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("late_replay", HERE / "late-replay.py")
lr = importlib.util.module_from_spec(spec)
sys.modules["late_replay"] = lr
spec.loader.exec_module(lr)

DEPTHS = (10, 20)
MASKS = (4, 8, 16)
PADS = (32,)


@torch.no_grad()
def query_vectors(enc, question: str, masks: int, pad_to: int | None = None):
    """The query's token vectors; masks inside [SEP] (`masks`), or after it up to `pad_to` pieces."""
    ids = enc.tok(question, truncation=True, max_length=64)["input_ids"]
    mask_id = enc.tok.mask_token_id
    if pad_to is not None:
        ids = ids + [mask_id] * max(0, pad_to - len(ids))
    elif masks:
        ids = ids[:-1] + [mask_id] * masks + ids[-1:]
    t = torch.tensor([ids])
    h = torch.nn.functional.normalize(enc.model(input_ids=t, attention_mask=torch.ones_like(t)).last_hidden_state[0], dim=-1)
    is_mask = np.array([i == mask_id for i in ids])
    return h.numpy().astype(np.float32), is_mask


def main() -> None:
    corpora = sys.argv[1:] or ["git-man", "py-lib", "py-howto", "pg-docs"]
    enc = lr.Encoder()
    table = {}
    for c in corpora:
        ids, rows, _, _, _ = lr.load(c, enc)
        chunks = json.loads((lr.OUT / f"legs-{c}.json").read_text())["chunks"]
        wanted = sorted({i for r in rows for i in r["ranked"][: max(DEPTHS)]})
        doc = dict(zip(wanted, enc.tokens([chunks[i]["text"] for i in wanted], max_len=256)))

        def forms(n, row, c=c):
            variants = {0: query_vectors(enc, row["question"], 0)}
            for m in MASKS:
                variants[m] = query_vectors(enc, row["question"], m)
            for p in PADS:
                variants[-p] = query_vectors(enc, row["question"], 0, pad_to=p)
            out = {"shipped": row["ranked"]}
            for depth in DEPTHS:
                top, rest = row["ranked"][:depth], row["ranked"][depth:]

                def by(score):
                    return sorted(top, key=lambda i: (-score(i), ids[i])) + rest

                def maxsim(q, i):
                    return (q @ doc[i].astype(np.float32).T).max(axis=1)

                q0, _ = variants[0]
                out[f"pure{depth}"] = by(lambda i: maxsim(q0, i).mean())
                for m in MASKS:
                    qm, is_mask = variants[m]
                    out[f"mask{m}-{depth}"] = by(lambda i, qm=qm: maxsim(qm, i).mean())
                    w = np.where(is_mask, 0.5, 1.0)
                    out[f"maskw{m}-{depth}"] = by(lambda i, qm=qm, w=w: (maxsim(qm, i) * w).sum() / w.sum())
                for p in PADS:
                    qp, _ = variants[-p]
                    out[f"pad{p}-{depth}"] = by(lambda i, qp=qp: maxsim(qp, i).mean())
            print(f"  {c}: {n + 1}/{len(rows)}", end="\r", file=sys.stderr)
            return out

        table[c] = lr.scored(rows, forms)
    names = lr.print_means(table, corpora, "form")
    lr.print_paired(table, corpora, names, "pure10")


if __name__ == "__main__":
    main()
