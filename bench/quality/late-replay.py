#!/usr/bin/env python3
"""Late-interaction re-ranking replayed offline on the held-out corpora (docs/BENCHMARKS.md §56).

For each question of bench/out/legs-<corpus>.json (dump-legs.mjs), the shipped hybrid is
replayed from the legs as rank-replay.mjs does (the vector leg's top 50 by cosine over every
chunk, the text leg's top 50, relative-score fusion 0.5/0.5, file evidence 0.01, ties by chunk
id); every candidate's text and the question are run through all-MiniLM-L6-v2 (transformers,
CPU) and, per query token, the best cosine with one of the candidate's tokens is kept. Then the
variants below are ranked and scored at section level (MRR@10), and for each corpus held out the
variant best on the others (mean MRR@10) is reported on it with a paired 95 % bootstrap interval
against the shipped order:

  pure<N>       the shipped first N re-ordered by MaxSim (the mean over the query's tokens, [CLS]
                and [SEP] included), the rest as shipped: what src/search/rerank.ts does
  nospecial<N>  the same without the query's [CLS] and [SEP]
  content<N>    the same over the query's content word pieces only (no stop words, punctuation)
  idf<a>-<N>    the query's tokens weighted by idf^a (the corpus's document frequency)
  beta<b>-<N>   MaxSim + b x the shipped score (min-max over the first N)
  rrf<k>-<N>    reciprocal rank fusion of the MaxSim order and the shipped order (wrrf: MaxSim's
                share weighted); rrf3-<k>-<N>: MaxSim's rank twice with each leg's rank
  cos<b>-<N>    MaxSim + b x the vector leg's cosine
  guard-<N>     a hit first in both legs kept first, the rest by MaxSim
  len<g>-<N>    MaxSim - g x ln(the candidate's word pieces)
  bonus<d>-<N>  MaxSim, the shipped first hit's raised by d: it stays first unless beaten by d
  cbonus<d>-<N> the same for a hit first in both legs

LATE_DOC_TOKENS=128 reads only each candidate's first 128 word pieces (cached apart).

  # the Python of scripts/setup-embed-server.sh has torch and transformers:
  ~/.cache/ragctl/embed-server-venv/bin/python bench/quality/late-replay.py git-man py-lib py-howto pg-docs

Token features are cached in bench/out/late-<corpus>.npz (delete it after a re-dump).
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "out"
sys.path.insert(0, str(REPO / "scripts" / "reference"))
from reference_embeddings import MODEL_ID, resolve_model_dir  # noqa: E402

STOP = set(
    "a an the of to in on for and or is are be do does did i my me we you your it its this that how what "
    "which when where why who can could should would with without from by as at into about so if not no "
    "there their them they was were has have had will just get make use using".split()
)
DEPTHS = (10, 20, 30)


def decode(b64: str) -> np.ndarray:
    import base64

    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


class Encoder:
    def __init__(self) -> None:
        folder, _ = resolve_model_dir(MODEL_ID)
        self.tok = AutoTokenizer.from_pretrained(str(folder))
        self.model = AutoModel.from_pretrained(str(folder)).eval()
        torch.set_num_threads(os.cpu_count() or 1)

    @torch.no_grad()
    def tokens(self, texts: list[str], max_len: int = 256, batch: int = 32) -> list[np.ndarray]:
        out = []
        for i in range(0, len(texts), batch):
            b = self.tok(texts[i : i + batch], padding=True, truncation=True, max_length=max_len, return_tensors="pt")
            h = torch.nn.functional.normalize(self.model(**b).last_hidden_state, dim=-1)
            for j in range(h.shape[0]):
                n = int(b["attention_mask"][j].sum())
                out.append(h[j, :n].numpy().astype(np.float16))
        return out


def minmax(pairs: list[tuple[int, float]]) -> dict[int, float]:
    lo, hi = min(s for _, s in pairs), max(s for _, s in pairs)
    return {i: (s - lo) / (hi - lo) if hi > lo else 1.0 for i, s in pairs}


def shipped(vtop, ttop, rels) -> dict[int, float]:
    fused: dict[int, float] = {}
    for i, s in minmax(vtop).items():
        fused[i] = 0.5 * s
    for i, s in minmax(ttop).items():
        fused[i] = fused.get(i, 0) + 0.5 * s
    per_file: dict[str, float] = {}
    for i, s in fused.items():
        per_file[rels[i]] = per_file.get(rels[i], 0) + s
    return {i: s + 0.01 * (per_file[rels[i]] - s) for i, s in fused.items()}


def load(corpus: str, enc: Encoder):
    dump = json.loads((OUT / f"legs-{corpus}.json").read_text())
    chunks = dump["chunks"]
    ids = [c["id"] for c in chunks]
    rels = [c["rel"] for c in chunks]
    by_id = {c: i for i, c in enumerate(ids)}
    vectors = np.stack([decode(c["vector"]) for c in chunks])
    rows = []
    for q in dump["questions"]:
        sims = vectors @ decode(q["vector"])
        order = sorted(range(len(chunks)), key=lambda i: (-sims[i], ids[i]))[:50]
        vtop = [(i, float(sims[i])) for i in order]
        ttop = [(by_id[h["id"]], h["score"]) for h in q["text"] if h["id"] in by_id][:50]
        base = shipped(vtop, ttop, rels)
        ranked = sorted(base, key=lambda i: (-base[i], ids[i]))
        hits = {
            i
            for i in ranked
            if any(
                r["path"] == chunks[i]["rel"]
                and any(chunks[i]["startLine"] <= s["lines"][1] and chunks[i]["endLine"] >= s["lines"][0] for s in r.get("sections", []))
                for r in q["relevant"]
            )
        }
        vrank = {i: r for r, (i, _) in enumerate(vtop)}
        trank = {i: r for r, (i, _) in enumerate(ttop)}
        cos = {i: float(sims[i]) for i in ranked}
        rows.append({"question": q["question"], "base": base, "ranked": ranked, "hits": hits, "vrank": vrank, "trank": trank, "cos": cos})
    pieces = {i: min(256, len(enc.tok(chunks[i]["text"], truncation=True, max_length=256)["input_ids"])) for r in rows for i in r["ranked"][: max(DEPTHS)]}
    for r in rows:
        r["pieces"] = pieces
    doc_len = int(os.environ.get("LATE_DOC_TOKENS", "256"))
    cache = OUT / (f"late-{corpus}.npz" if doc_len == 256 else f"late-{corpus}-{doc_len}.npz")
    wanted = sorted({i for r in rows for i in r["ranked"][: max(DEPTHS)]})
    if cache.exists():
        saved = np.load(cache, allow_pickle=True)
        feats, qids = saved["feats"].item(), saved["qids"].item()
    else:
        doc = dict(zip(wanted, enc.tokens([chunks[i]["text"] for i in wanted], max_len=doc_len)))
        queries = enc.tokens([r["question"] for r in rows], max_len=64)
        feats, qids = {}, {}
        for n, (r, q) in enumerate(zip(rows, queries)):
            qids[n] = enc.tok(r["question"], truncation=True, max_length=64)["input_ids"]
            feats[n] = {i: (q.astype(np.float32) @ doc[i].astype(np.float32).T).max(axis=1) for i in r["ranked"][: max(DEPTHS)]}
        np.savez(cache, feats=np.array(feats, dtype=object), qids=np.array(qids, dtype=object))
    df: dict[int, int] = {}
    for c in chunks:
        for t in set(enc.tok(c["text"], truncation=True, max_length=256)["input_ids"]):
            df[t] = df.get(t, 0) + 1
    idf = {t: math.log((len(chunks) + 1) / (n + 1)) for t, n in df.items()}
    return ids, rows, feats, qids, idf


def variants(enc: Encoder, ids, row, feat, qid, idf) -> dict[str, list[int]]:
    toks = enc.tok.convert_ids_to_tokens(qid)
    special = np.array([t not in ("[CLS]", "[SEP]") for t in toks])
    content = np.array([t not in ("[CLS]", "[SEP]") and t not in STOP and any(ch.isalnum() for ch in t) for t in toks])
    if not content.any():
        content = special
    weights = np.array([idf.get(t, max(idf.values())) for t in qid])
    out = {"shipped": row["ranked"]}
    for n in DEPTHS:
        top, rest = row["ranked"][:n], row["ranked"][n:]
        scaled = minmax([(i, row["base"][i]) for i in top])

        def by(score):
            return sorted(top, key=lambda i: (-score(i), ids[i])) + rest

        out[f"pure{n}"] = by(lambda i: feat[i].mean())
        out[f"nospecial{n}"] = by(lambda i: feat[i][special].mean())
        out[f"content{n}"] = by(lambda i: feat[i][content].mean())
        for a in (0.5, 1, 2):
            w = weights**a
            w[0] = w[-1] = w[1:-1].mean() if len(w) > 2 else 1
            out[f"idf{a}-{n}"] = by(lambda i, w=w: float((feat[i] * w).sum() / w.sum()))
        for b in (0.02, 0.05, 0.1, 0.2):
            out[f"beta{b}-{n}"] = by(lambda i, b=b: feat[i].mean() + b * scaled[i])
        late = {i: r for r, i in enumerate(sorted(top, key=lambda i: (-feat[i].mean(), ids[i])))}
        fused = {i: r for r, i in enumerate(top)}
        for k in (1, 3, 10, 60):
            out[f"rrf{k}-{n}"] = by(lambda i, k=k: 1 / (k + 1 + late[i]) + 1 / (k + 1 + fused[i]))
            for w in (0.67, 0.8):
                out[f"wrrf{k}x{w}-{n}"] = by(lambda i, k=k, w=w: w / (k + 1 + late[i]) + (1 - w) / (k + 1 + fused[i]))
            out[f"rrf3-{k}-{n}"] = by(
                lambda i, k=k: 2 / (k + 1 + late[i]) + 1 / (k + 1 + row["vrank"].get(i, 99)) + 1 / (k + 1 + row["trank"].get(i, 99))
            )
        for b in (0.1, 0.25, 0.5):
            out[f"cos{b}-{n}"] = by(lambda i, b=b: feat[i].mean() + b * row["cos"][i])
        for g in (0.01, 0.02, 0.04):
            out[f"len{g}-{n}"] = by(lambda i, g=g: feat[i].mean() - g * math.log(row["pieces"][i]))
        for d in (0.005, 0.01, 0.02, 0.03):
            out[f"bonus{d}-{n}"] = by(lambda i, d=d: feat[i].mean() + (d if i == top[0] else 0))
            out[f"cbonus{d}-{n}"] = by(
                lambda i, d=d: feat[i].mean() + (d if row["vrank"].get(i) == 0 and row["trank"].get(i) == 0 else 0)
            )
        guard = [i for i in top if row["vrank"].get(i) == 0 and row["trank"].get(i) == 0]
        out[f"guard-{n}"] = guard + [i for i in out[f"pure{n}"] if i not in guard]
    return out


def rr(order: list[int], hits: set[int]) -> float:
    for rank, i in enumerate(order[:10]):
        if i in hits:
            return 1 / (rank + 1)
    return 0.0


def paired(diff: np.ndarray, n: int = 10_000, seed: int = 12) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = diff[rng.integers(0, len(diff), (n, len(diff)))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def scored(rows, orders_of) -> dict[str, np.ndarray]:
    """Each order's reciprocal rank per question: `orders_of(n, row)` gives the named orders."""
    per: dict[str, list[float]] = {}
    for n, row in enumerate(rows):
        for name, order in orders_of(n, row).items():
            per.setdefault(name, []).append(rr(order, row["hits"]))
    return {k: np.array(v) for k, v in per.items()}


def print_means(table: dict[str, dict[str, np.ndarray]], corpora: list[str], what: str) -> list[str]:
    names = list(table[corpora[0]])
    print(f"| {what} | {' | '.join(corpora)} | mean |")
    print(f"|---|{'---:|' * (len(corpora) + 1)}")
    for name in names:
        ms = [table[c][name].mean() for c in corpora]
        print(f"| {name} | {' | '.join(f'{m:.3f}' for m in ms)} | {np.mean(ms):.3f} |")
    return names


def print_paired(table: dict[str, dict[str, np.ndarray]], corpora: list[str], names: list[str], base: str) -> None:
    """Each form's MRR@10 minus `base`'s, per corpus, with a paired 95 % bootstrap interval."""
    print(f"\nPaired against {base} (95 % bootstrap over questions):\n")
    for name in names:
        cells = []
        for c in corpora:
            d = table[c][name] - table[c][base]
            lo, hi = paired(d)
            cells.append(f"{d.mean():+.3f} [{lo:+.3f}, {hi:+.3f}]")
        print(f"| {name} | {' | '.join(cells)} |")


def main() -> None:
    corpora = sys.argv[1:] or ["git-man", "py-lib", "py-howto", "pg-docs"]
    enc = Encoder()
    table: dict[str, dict[str, np.ndarray]] = {}
    for c in corpora:
        ids, rows, feats, qids, idf = load(c, enc)
        table[c] = scored(rows, lambda n, row: variants(enc, ids, row, feats[n], qids[n], idf))
    names = print_means(table, corpora, "variant")
    print("\nHeld out (the variant best on the other corpora, mean MRR@10):\n")
    print("| held out | chosen | MRR@10 | shipped | − shipped, paired 95 % CI |")
    print("|---|---|---:|---:|---|")
    for held in corpora:
        others = [c for c in corpora if c != held]
        best = max(names, key=lambda n: np.mean([table[c][n].mean() for c in others]))
        diff = table[held][best] - table[held]["shipped"]
        lo, hi = paired(diff)
        print(
            f"| {held} | {best} | {table[held][best].mean():.3f} | {table[held]['shipped'].mean():.3f} | {diff.mean():+.3f} [{lo:+.3f}, {hi:+.3f}] |"
        )


if __name__ == "__main__":
    main()
