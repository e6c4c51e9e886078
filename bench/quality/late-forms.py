#!/usr/bin/env python3
"""Other forms of late interaction, replayed offline on the held-out corpora (docs/BENCHMARKS.md §60).

late-replay.py keeps, per question and candidate, only each query token's best cosine. Forms that
need the whole token-by-token similarity (the candidate's tokens' best match in the query, the
best two matches, a soft maximum), another layer's token vectors, or the query and candidate read
as one pair, are scored here from the same legs (bench/out/legs-<corpus>.json, dump-legs.mjs) and
the same shipped order (late-replay.py's replay), first N re-ordered:

  pure<N>      MaxSim: the mean over query tokens of the best cosine (what src/search/rerank.ts does)
  cls<w>-<N>   MaxSim with the query's [CLS] counted w times (it carries the whole query's meaning)
  bidir<N>     the mean of MaxSim and its mirror (each candidate token's best cosine in the query)
  top<m>-<N>   per query token the mean of its m best cosines
  soft<t>-<N>  per query token t x log-sum-exp(cosines / t): a soft maximum
  l5-<N>       MaxSim over the fifth (of six) layer's token vectors; l56-<N>: the two averaged
  pair<N>      query and candidate read as one input ([CLS] q [SEP] d [SEP]); MaxSim between the
               two parts' token vectors, each of which has seen the other

  ~/.cache/ragctl/embed-server-venv/bin/python bench/quality/late-forms.py git-man py-lib py-howto pg-docs

Similarities are cached in bench/out/late-forms-<corpus>.npz.
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
DOC_LEN = 256


@torch.no_grad()
def hidden(enc, texts, max_len, layers=(-1, -2)):
    out = []
    for i in range(0, len(texts), 16):
        b = enc.tok(texts[i : i + 16], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        hs = enc.model(**b, output_hidden_states=True).hidden_states
        for j in range(len(texts[i : i + 16])):
            n = int(b["attention_mask"][j].sum())
            out.append([torch.nn.functional.normalize(hs[l][j, :n], dim=-1).numpy().astype(np.float16) for l in layers])
    return out


@torch.no_grad()
def pair_sims(enc, question, texts):
    sims = []
    for i in range(0, len(texts), 8):
        part = texts[i : i + 8]
        b = enc.tok([question] * len(part), part, padding=True, truncation="only_second", max_length=DOC_LEN + 40, return_tensors="pt")
        h = torch.nn.functional.normalize(enc.model(**b).last_hidden_state, dim=-1)
        for j in range(len(part)):
            types = b["token_type_ids"][j]
            mask = b["attention_mask"][j].bool()
            q = h[j][(types == 0) & mask]
            d = h[j][(types == 1) & mask]
            sims.append((q @ d.T).numpy().astype(np.float16))
    return sims


def features(corpus, enc, ids, rows, chunks):
    cache = lr.OUT / f"late-forms-{corpus}.npz"
    if cache.exists():
        return np.load(cache, allow_pickle=True)["sims"].item()
    wanted = sorted({i for r in rows for i in r["ranked"][: max(DEPTHS)]})
    doc = dict(zip(wanted, hidden(enc, [chunks[i]["text"] for i in wanted], DOC_LEN)))
    queries = hidden(enc, [r["question"] for r in rows], 64)
    sims = {}
    for n, (r, q) in enumerate(zip(rows, queries)):
        top = r["ranked"][: max(DEPTHS)]
        pairs = pair_sims(enc, r["question"], [chunks[i]["text"] for i in top])
        sims[n] = {
            i: {
                "last": (q[0].astype(np.float32) @ doc[i][0].astype(np.float32).T).astype(np.float16),
                "l5": (q[1].astype(np.float32) @ doc[i][1].astype(np.float32).T).astype(np.float16),
                "pair": p,
            }
            for i, p in zip(top, pairs)
        }
        print(f"  {corpus}: {n + 1}/{len(rows)}", end="\r", file=sys.stderr)
    np.savez(cache, sims=np.array(sims, dtype=object))
    return sims


def soft(s, t):
    s = s.astype(np.float32) / t
    m = s.max(axis=1, keepdims=True)
    return t * (m[:, 0] + np.log(np.exp(s - m).sum(axis=1)))


def forms(ids, row, sim):
    out = {"shipped": row["ranked"]}
    for n in DEPTHS:
        top, rest = row["ranked"][:n], row["ranked"][n:]

        def by(score):
            return sorted(top, key=lambda i: (-score(i), ids[i])) + rest

        last = {i: sim[i]["last"].astype(np.float32) for i in top}
        out[f"pure{n}"] = by(lambda i: last[i].max(1).mean())
        for w in (2, 4, 8):
            # the query's [CLS] (first row) counted w times
            out[f"cls{w}-{n}"] = by(lambda i, w=w: (last[i].max(1).sum() + (w - 1) * last[i][0].max()) / (len(last[i]) + w - 1))
        out[f"bidir{n}"] = by(lambda i: 0.5 * (last[i].max(1).mean() + last[i].max(0).mean()))
        out[f"d2q{n}"] = by(lambda i: last[i].max(0).mean())
        for m in (2, 3, 5):
            out[f"top{m}-{n}"] = by(lambda i, m=m: np.sort(last[i], axis=1)[:, -m:].mean())
        for t in (0.02, 0.05, 0.1):
            out[f"soft{t}-{n}"] = by(lambda i, t=t: soft(last[i], t).mean())
        out[f"l5-{n}"] = by(lambda i: sim[i]["l5"].astype(np.float32).max(1).mean())
        out[f"l56-{n}"] = by(lambda i: 0.5 * (sim[i]["l5"].astype(np.float32).max(1).mean() + last[i].max(1).mean()))
        out[f"pair{n}"] = by(lambda i: sim[i]["pair"].astype(np.float32).max(1).mean())
        out[f"pairpure{n}"] = by(lambda i: 0.5 * (sim[i]["pair"].astype(np.float32).max(1).mean() + last[i].max(1).mean()))
    return out


def main() -> None:
    corpora = sys.argv[1:] or ["git-man", "py-lib", "py-howto", "pg-docs"]
    enc = lr.Encoder()
    table = {}
    for c in corpora:
        ids, rows, _, _, _ = lr.load(c, enc)
        chunks = json.loads((lr.OUT / f"legs-{c}.json").read_text())["chunks"]
        sims = features(c, enc, ids, rows, chunks)
        table[c] = lr.scored(rows, lambda n, row, ids=ids, sims=sims: forms(ids, row, sims[n]))
    names = lr.print_means(table, corpora, "form")
    lr.print_paired(table, corpora, names, "pure10")


if __name__ == "__main__":
    main()
