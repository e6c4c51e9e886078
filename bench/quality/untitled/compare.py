#!/usr/bin/env python3
"""Paired section/file MRR@10 of the untitled-notes runs against the shipped ones (BENCHMARKS §35).

  python3 bench/quality/untitled/compare.py bench/out/quality-<run>.json ...

Reads eval.mjs outputs by their labels: <corpus>-shipped, <corpus>-untitled-before (a checkout
without the file-name title) and <corpus>-untitled-filetitle (with file-title.patch applied).
Bootstrap over questions, 10,000 resamples, seed 1.
"""
import json
import random
import sys

runs = {}
for path in sys.argv[1:]:
    d = json.load(open(path))
    runs[d['meta'].get('label')] = d


def mrr(rank):
    return 0 if rank is None or rank > 10 else 1 / rank


def per(d, mode, level):
    return {q['id']: mrr(q['modes'][mode][level]) for q in d['questions']}


def paired(a, b, n=10000):
    diffs = [b[i] - a[i] for i in sorted(a)]
    random.seed(1)
    boot = sorted(sum(random.choice(diffs) for _ in diffs) / len(diffs) for _ in range(n))
    return sum(diffs) / len(diffs), boot[int(0.025 * n)], boot[int(0.975 * n)]


mean = lambda m: sum(m.values()) / len(m)
for corpus in ['git-man', 'py-lib', 'py-howto', 'pg-docs']:
    shipped, untitled = runs.get(f'{corpus}-shipped'), runs.get(f'{corpus}-untitled-before')
    filetitle = runs.get(f'{corpus}-untitled-filetitle')
    if not shipped or not untitled:
        continue
    for mode in ['vector', 'hybrid']:
        for level in ['sectionRank', 'fileRank']:
            a, b = per(shipped, mode, level), per(untitled, mode, level)
            d, lo, hi = paired(a, b)
            line = f'{corpus} {mode} {level[:-4]}: shipped {mean(a):.3f}, no title {mean(b):.3f} ({d:+.3f} [{lo:+.3f}, {hi:+.3f}])'
            if filetitle:
                f = per(filetitle, mode, level)
                d, lo, hi = paired(b, f)
                line += f'; file name as title {mean(f):.3f} ({d:+.3f} [{lo:+.3f}, {hi:+.3f}] against no title)'
            print(line)
