#!/usr/bin/env python3
"""Time merging a 10,000-entry BibTeX file into a 10,000-paper site (the budget is 3 s).

Steps: a synthetic profile (make_profile.py --papers 10000 --seed 1), imported
into a fresh site; a .bib written from the imported papers, as Google Scholar
would export them (lower-cased titles, "Last, First" names, a DOI each so every
paper gains a key); then `sitegen import FILE.bib` timed, end to end through
the CLI, and once more to time the no-change run.

    python bench/import_sources.py [--papers 10000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
MAKE_PROFILE = Path("/work/shared/bench/make_profile.py")
if not MAKE_PROFILE.exists():
    MAKE_PROFILE = REPO / "bench" / "make_profile.py"


def sitegen(*args: object) -> tuple[float, float]:
    """Run the CLI; (wall seconds, CPU seconds). CPU time says more on a shared machine."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)


def bib_entry(i: int, fm: dict) -> str:
    def family_first(name: str) -> str:
        first, _, last = name.rpartition(" ")
        return f"{last}, {first}" if first else name

    authors = " and ".join(family_first(a) for a in fm["authors"]) or "Anonymous"
    title = fm["title"].lower().replace("{", "").replace("}", "")
    return (
        f"@article{{entry{i},\n  title={{{title}}},\n  author={{{authors}}},\n"
        f"  journal={{Journal of Benchmarks}},\n  year={{{fm['date'].year}}},\n"
        f"  doi={{10.5555/bench.{i}}}\n}}\n"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=10_000)
    ap.add_argument("--keep", type=Path, help="work in this folder and leave it")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    profile, site, bib = work / "profile.txt", work / "site", work / "scholar.bib"
    subprocess.run(
        [
            sys.executable,
            MAKE_PROFILE,
            "--papers",
            str(args.papers),
            "--seed",
            "1",
            "--out",
            profile,
        ],
        check=True,
    )
    t_profile = sitegen("import", profile, "--site", site, "--as-of", "2026-11-25")
    entries = []
    for i, path in enumerate(sorted((site / "content" / "papers").glob("*.md"))):
        text = path.read_text(encoding="utf-8")
        entries.append(bib_entry(i, yaml.safe_load(text[4 : text.index("\n---\n", 4)])))
    bib.write_text("\n".join(entries), encoding="utf-8")
    t_merge = sitegen("import", bib, "--site", site, "--as-of", "2026-11-25")
    t_again = sitegen("import", bib, "--site", site, "--as-of", "2026-11-25")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall / CPU:")
    for label, (wall, cpu) in (
        (f"profile import of {args.papers} papers", t_profile),
        (f"merge of {len(entries)} BibTeX entries (every paper gains a DOI)", t_merge),
        ("the same merge again (no change)", t_again),
    ):
        print(f"  {label}: {wall:.2f} s / {cpu:.2f} s")
    if not args.keep:
        import shutil

        shutil.rmtree(work)


if __name__ == "__main__":
    main()
