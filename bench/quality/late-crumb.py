#!/usr/bin/env python3
"""What re-ranking reads of a candidate, replayed offline on the held-out corpora (docs/BENCHMARKS.md §71).

src/search/rerank.ts scores each of hybrid's first hits by MaxSim over the hit's stored text,
which starts with its heading breadcrumb ("Page > Section\n\n"). From the legs and the replayed
order of late-replay.py / late-forms.py (their caches are reused), first N re-ordered by:

  pure<N>          MaxSim over the text as stored (what ships)
  nodocspecial<N>  the same without the candidate's [CLS] and [SEP] word pieces
  nodoccls<N>      the same without the candidate's [CLS]
  nocrumb<N>       MaxSim over the text without its breadcrumb
  lastcrumb<N>     the breadcrumb cut to its last heading
  avgcrumb<N>      the mean of pure and nocrumb

  ~/.cache/ragctl/embed-server-venv/bin/python bench/quality/late-crumb.py py-lib git-man py-howto pg-docs

Token features of the changed texts are cached in bench/out/late-crumb-<corpus>.npz.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
spec = importlib.util.spec_from_file_location("late_replay", HERE / "late-replay.py")
lr = importlib.util.module_from_spec(spec)
sys.modules["late_replay"] = lr
spec.loader.exec_module(lr)
spec2 = importlib.util.spec_from_file_location("late_forms", HERE / "late-forms.py")
lf = importlib.util.module_from_spec(spec2)
sys.modules["late_forms"] = lf
spec2.loader.exec_module(lf)


def split_crumb(c):
    """(breadcrumb, body) of a stored chunk; ("", text) when its first paragraph is not one."""
    t = c["text"]
    hp = c["headingPath"]
    if not hp:
        return "", t
    head, sep, body = t.partition("\n\n")
    if not sep or head.startswith("#"):
        return "", t
    if " > ".join(hp).startswith(head.rstrip(".… ")) or hp[-1][:20] in head or hp[0][:20] in head:
        return head, body
    return "", t


def main():
    corpora = sys.argv[1:]
    enc = lr.Encoder()
    table = {}
    for c in corpora:
        ids, rows, _, _, _ = lr.load(c, enc)
        chunks = json.loads((lr.OUT / f"legs-{c}.json").read_text())["chunks"]
        sims = lf.features(c, enc, ids, rows, chunks)
        cache = lr.OUT / f"late-crumb-{c}.npz"
        wanted = sorted({i for r in rows for i in r["ranked"][:20]})
        if cache.exists():
            d = np.load(cache, allow_pickle=True)["d"].item()
        else:
            parts = {i: split_crumb(chunks[i]) for i in wanted}
            print(c, "crumbs found", sum(1 for i in wanted if parts[i][0]), "of", len(wanted), file=sys.stderr)
            body = dict(zip(wanted, enc.tokens([parts[i][1] for i in wanted])))
            last = dict(
                zip(
                    wanted,
                    enc.tokens(
                        [
                            (
                                ((chunks[i]["headingPath"] or [""])[-1][:100] + "\n\n" + parts[i][1])
                                if parts[i][0]
                                else chunks[i]["text"]
                            )
                            for i in wanted
                        ]
                    ),
                )
            )
            q = enc.tokens([r["question"] for r in rows], max_len=64)
            d = {"body": body, "last": last, "q": q}
            np.savez(cache, d=np.array(d, dtype=object))

        def forms(n, row):
            sim = sims[n]
            out = {"shipped": row["ranked"]}
            q = d["q"][n].astype(np.float32)
            for N in (10, 20):
                top, rest = row["ranked"][:N], row["ranked"][N:]

                def by(score):
                    return sorted(top, key=lambda i: (-score(i), ids[i])) + rest

                L = {i: sim[i]["last"].astype(np.float32) for i in top}
                out[f"pure{N}"] = by(lambda i: L[i].max(1).mean())
                out[f"nodocspecial{N}"] = by(
                    lambda i: L[i][:, 1:-1].max(1).mean() if L[i].shape[1] > 2 else L[i].max(1).mean()
                )
                out[f"nodoccls{N}"] = by(lambda i: L[i][:, 1:].max(1).mean())
                B = {i: q @ d["body"][i].astype(np.float32).T for i in top}
                out[f"nocrumb{N}"] = by(lambda i: B[i].max(1).mean())
                Z = {i: q @ d["last"][i].astype(np.float32).T for i in top}
                out[f"lastcrumb{N}"] = by(lambda i: Z[i].max(1).mean())
                out[f"avgcrumb{N}"] = by(lambda i: 0.5 * (B[i].max(1).mean() + L[i].max(1).mean()))
            return out

        table[c] = lr.scored(rows, forms)
    names = lr.print_means(table, corpora, "form")
    lr.print_paired(table, corpora, names, "pure10")


if __name__ == "__main__":
    main()
