"""Helpers shared by the Python side of the embedding benchmark (model lookup, memory readings)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path


def hub_cache_dir() -> Path:
    """$HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub (as huggingface_hub does)."""
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "huggingface" / "hub"


def resolve_model_dir(spec: str) -> Path:
    """A folder path as given, else the cache snapshot that refs/main names.

    Always hand sentence-transformers the folder: given a hub id in offline mode, version 6.2 does
    not find modules.json and silently builds a model without Normalize and with 512 tokens.
    """
    if Path(spec).is_dir():
        return Path(spec).resolve()
    repo = hub_cache_dir() / f"models--{spec.replace('/', '--')}"
    try:
        revision = (repo / "refs" / "main").read_text().strip()
    except OSError as err:
        sys.exit(f"model {spec} is not in the Hugging Face cache ({repo}): {err}")
    folder = repo / "snapshots" / revision
    if not (folder / "config.json").is_file():
        sys.exit(f"{folder} has no config.json; is the snapshot complete?")
    return folder


def peak_rss_mb() -> float:
    """Peak resident set size of this process. ru_maxrss is KiB on Linux but bytes on macOS."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def current_rss_mb() -> float:
    """Resident set size now: /proc on Linux, else psutil, else ps(1) (macOS has no /proc)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except OSError:
        pass
    try:
        import psutil

        return psutil.Process().memory_info().rss / (1024 * 1024)
    except ImportError:
        out = subprocess.run(["ps", "-o", "rss=", "-p", str(os.getpid())], capture_output=True, text=True, check=True)
        return int(out.stdout.strip()) / 1024
