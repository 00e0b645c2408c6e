"""Full-text search with Pagefind, through its documented command line only
(`python -m pagefind`, from the PyPI package), over the finished build folder, so that
the index and the pages come from one build. The theme's `data-pagefind-*` attributes
decide what is indexed. Without the package, or when Pagefind fails, the build still
succeeds and says why search was skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from .errors import SitegenWarning

BUNDLE_DIR = "pagefind"
PAGEFIND_MISSING = (
    "search skipped: the Pagefind binary is not available (install sitegen's search "
    "extra, `pip install '.[search]'` in its checkout, or build with --no-search)"
)


def pagefind_available() -> bool:
    """Checked before rendering, so pages only offer search when an index will exist."""
    try:
        from pagefind.service import get_executable  # in the package's __all__

        exe = get_executable()
    except Exception:  # not installed, or a broken install (errors differ per platform)
        return False
    return exe is not None and Path(exe).is_file() and os.access(exe, os.X_OK)


def stemmed_as(site_language: str, paper_languages: Iterable[str | None]) -> str | None:
    """The language to stem the index's words in when it is not the site's: the one most
    papers are written in (their `language`, else the site's). Pagefind stems by each
    page's <html lang>, so a German site's English abstracts were stemmed as German, and
    "splitting" found 4 of the 6 papers that say it."""
    primary = site_language.split("-")[0].lower()
    counts = Counter((lang or primary).split("-")[0].lower() for lang in paper_languages)
    most = max(counts, key=lambda lang: (counts[lang], lang == primary), default=primary)
    return None if most == primary else most


def build_index(
    site_root: Path, pages: Sequence[str] = (), language: str | None = None
) -> SitegenWarning | None:
    """Index the paper pages and the owner's `pages` (URLs) into `site_root/pagefind/`,
    replaced only once the new index is complete, as one `language` when given
    (stemmed_as). A failure is a warning, not an error: build_site then builds without
    search rather than losing the build."""
    if not pagefind_available():
        return SitegenWarning(PAGEFIND_MISSING)
    site_root = Path(site_root).resolve()
    new = site_root / f".{BUNDLE_DIR}-new"  # inside: a killed build's leftovers go with it
    try:
        # the pages indexed: /papers/SLUG/, and /NAME/ (a slug: no glob syntax in it)
        names = ",".join(["papers/*", *(url.rstrip("/") for url in pages)])
        problem = run_pagefind(site_root, new, f"{{{names}}}/index.html", language)
        if problem is None:
            shutil.rmtree(site_root / BUNDLE_DIR, ignore_errors=True)
            os.rename(new, site_root / BUNDLE_DIR)
        return problem
    finally:
        shutil.rmtree(new, ignore_errors=True)  # what a failed or interrupted run left


def run_pagefind(
    site_root: Path, out: Path, glob: str, language: str | None = None
) -> SitegenWarning | None:
    cmd = [sys.executable, "-m", "pagefind", "--site", str(site_root), "--glob", glob]
    cmd += ["--output-path", str(out), "--silent"]
    cmd += ["--force-language", language] if language else []
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            errors="replace",  # its messages, whatever bytes they hold
            timeout=900,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return SitegenWarning(f"search index skipped: Pagefind did not run ({e})")
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        why = detail[-1] if detail else f"exit status {proc.returncode}"
        return SitegenWarning(f"search index skipped: Pagefind failed: {why}")
    if not (out / "pagefind.js").is_file():
        return SitegenWarning("search index skipped: Pagefind wrote no pagefind.js")
    return None
