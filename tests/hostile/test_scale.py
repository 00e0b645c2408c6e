"""Scale: a 10,000-paper profile (the stress size; real lists hold about 1,000) imports
and builds, and how much memory that takes.

The profile comes from the shared generator (unicode names, math, hostile
text). Peak memory is measured per command with wait4(2), which on Linux
reports the largest resident set of the process and the children it reaped
(the build's forked renderers), and, as a cross-check, with
getrusage(RUSAGE_CHILDREN) from this process. Times and memory are recorded as
figures; memory is held to a generous bound, time is never asserted.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AS_OF, BASE_URL, MAKE_PROFILE

from . import figures
from .util import parse_tree

PAPERS = 10_000
SEED = 7
MEMORY_LIMIT_MB = 3_000  # a laptop must be able to do this alongside a browser


def measured(args: list[str], log: Path) -> tuple[int, float, float]:
    """(exit status, seconds, peak RSS in MB) of one real CLI run."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", *args], stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    return proc.returncode, time.perf_counter() - started, usage.ru_maxrss / 1024


@pytest.mark.slow
def test_ten_thousand_papers(tmp_path: Path) -> None:
    profile = tmp_path / "profile.txt"
    subprocess.run(
        [sys.executable, str(MAKE_PROFILE), "--papers", str(PAPERS), "--seed", str(SEED),
         "--out", str(profile)],
        check=True,
    )  # fmt: skip
    site = tmp_path / "site"
    log = tmp_path / "log.txt"

    rc, import_s, import_mb = measured(
        ["import", str(profile), "--site", str(site), "--as-of", AS_OF], log
    )
    assert rc == 0, log.read_text()
    assert "Traceback" not in log.read_text()
    assert len(list((site / "content" / "papers").glob("*.md"))) == PAPERS

    rc, build_s, build_mb = measured(
        ["build", "--site", str(site), "--no-search", "--base-url", BASE_URL], log
    )
    text = log.read_text()
    assert rc == 0 and "Traceback" not in text, text
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    out = site / "output"
    pages = list((out / "papers").glob("*/index.html"))
    assert len(pages) == PAPERS
    coauthors = list((out / "coauthors").glob("*/index.html"))
    timeline = parse_tree((out / "timeline" / "index.html").read_text("utf-8")).root
    listed = [
        n for n in timeline.iter() if n.tag == "li" and "paper-item" in (n.attrs.get("class") or "")
    ]
    assert len(listed) == PAPERS
    # a sample of pages: every internal link lands on a file
    for page in random.Random(SEED).sample(pages, 200):
        tree = parse_tree(page.read_text("utf-8")).root
        for n in tree.iter():
            href = n.attrs.get("href") or ""
            if n.tag == "a" and href and not href.startswith(("http", "#", "mailto:")):
                target = (page.parent / href.split("#")[0]).resolve()
                assert (target / "index.html").is_file() or target.is_file(), (page, href)

    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    files = sum(1 for p in out.rglob("*") if p.is_file())
    figures.note(
        f"{PAPERS:,} papers ({profile.stat().st_size / 1e6:.1f} MB profile): import "
        f"{import_s:.1f} s, peak RSS {import_mb:.0f} MB; build --no-search {build_s:.1f} s, "
        f"peak RSS {build_mb:.0f} MB (largest single process, renderers included); "
        f"RUSAGE_CHILDREN max {children_mb:.0f} MB; output {files:,} files, "
        f"{size / 1e6:.0f} MB, {len(coauthors):,} coauthor pages"
    )
    assert import_mb < MEMORY_LIMIT_MB and build_mb < MEMORY_LIMIT_MB
