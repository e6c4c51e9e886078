#!/usr/bin/env python3
"""Hits of one section shown once: what it would do to section-level MRR@10 (docs/BENCHMARKS.md §59).

For each run given (an eval.mjs result, bench/out/quality-*.json), every hybrid hit of the top 10
is put in its section: the deepest Markdown heading at or above its first line in the corpus
file (bench/data/quality/<corpus>/corpus, as make-corpora.mjs writes it). A later hit of a
section already listed is dropped, and the answer's rank is counted again in what is left. It
can only move an answer up; R@10 would need the hits past the tenth and is not replayed.

  python3 bench/quality/section-collapse.py bench/out/quality-20261206T141204Z.json …
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEADING = re.compile(r"^#{1,6} ")


def headings(path: Path) -> list[int]:
    out, fence = [], False
    for number, line in enumerate(path.read_text(encoding="utf8", errors="replace").split("\n"), 1):
        if line.startswith("```"):
            fence = not fence
        elif not fence and HEADING.match(line):
            out.append(number)
    return out


def main(runs: list[str]) -> None:
    print("| corpus | questions | with a section twice in the top 10 | MRR@10 as run | one hit per section | answers moved up |")
    print("|---|---:|---:|---:|---:|---:|")
    for run in runs:
        data = json.loads(Path(run).read_text())
        corpus = data["meta"]["corpus"]
        root = REPO / "bench" / "data" / "quality" / corpus / "corpus"
        cache: dict[str, list[int]] = {}

        def section(hit: str) -> tuple[str, int]:
            rel, lines = hit.rsplit(":", 1)
            start = int(lines.split("-")[0])
            heads = cache.setdefault(rel, headings(root / rel))
            return rel, max((h for h in heads if h <= start), default=0)

        before = after = 0.0
        repeated = moved = 0
        questions = data["questions"]
        for q in questions:
            hybrid = q["modes"]["hybrid"]
            keys = [section(h) for h in hybrid["top"]]
            repeated += len(set(keys)) < len(keys)
            rank = hybrid["sectionRank"]
            if not rank or rank > 10:
                continue
            before += 1 / rank
            listed: list[tuple[str, int]] = []
            for key in keys[:rank]:
                if key not in listed:
                    listed.append(key)
            distinct = listed.index(keys[rank - 1]) + 1
            after += 1 / distinct
            moved += distinct != rank
        n = len(questions)
        print(f"| {corpus} | {n} | {repeated} | {before / n:.3f} | {after / n:.3f} | {moved} |")


if __name__ == "__main__":
    main(sys.argv[1:])
