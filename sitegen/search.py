"""Full-text search with Pagefind: an index built next to the pages, searched in the browser.

A researcher's site lives on static hosting, so search cannot need a server.
Pagefind indexes the finished HTML and writes a `pagefind/` folder of small
index chunks plus a WebAssembly search engine; the browser downloads only the
chunks a query needs. The `pagefind` package from PyPI ships the binary, and
it runs here as `python -m pagefind` on the temporary build folder, before the
swap, so a deployed site never has pages and an index from different builds.

Only paper pages are indexed (their <article> carries `data-pagefind-body`),
with filters for topic, year and coauthor set by the paper template.

Search is optional: without the package (or with `--no-search`) the build
still succeeds and says why search was skipped; the theme then shows no search
box, only its links to the timeline.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from .errors import SitegenWarning

BUNDLE_DIR = "pagefind"
PAPER_GLOB = "papers/*/index.html"
TIMEOUT_S = 900


def pagefind_available() -> bool:
    """True when `python -m pagefind` can find its binary (checked before rendering,
    so pages only offer search when an index will exist)."""
    if importlib.util.find_spec("pagefind") is None:
        return False
    try:
        from pagefind.service import get_executable
    except ImportError:  # pragma: no cover - a broken install
        return False
    try:
        exe = get_executable()
    except Exception:  # the package raises different errors per platform
        return False
    return exe is not None and Path(exe).is_file() and os.access(exe, os.X_OK)


def build_index(site_root: Path, bundle: Path | None = None) -> SitegenWarning | None:
    """Index the paper pages under `site_root` into `site_root/pagefind/` (or `bundle`).

    Returns a warning instead of raising: a missing or failing search index is
    worth telling the user about, never worth losing the rest of the build.
    """
    if not pagefind_available():
        return SitegenWarning(
            "search index skipped: the Pagefind binary is not available "
            "(install sitegen's search extra, `pip install '.[search]'` in its checkout, "
            "or build with --no-search)"
        )
    cmd = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_root),
        "--glob",
        PAPER_GLOB,
        *(
            ("--output-path", str(bundle.resolve()))
            if bundle is not None
            else ("--output-subdir", BUNDLE_DIR)
        ),
        "--silent",
    ]
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return SitegenWarning(f"search index skipped: Pagefind did not run ({e})")
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        why = detail[-1] if detail else f"exit status {proc.returncode}"
        return SitegenWarning(f"search index skipped: Pagefind failed: {why}")
    if not ((bundle or site_root / BUNDLE_DIR) / "pagefind.js").is_file():
        return SitegenWarning("search index skipped: Pagefind wrote no pagefind.js")
    return None
