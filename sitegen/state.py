"""What the last build left, and the check that nothing changed since: cheap on purpose.

`sitegen build` with nothing to do must answer in a fraction of a second on a
10,000-paper site, so this module imports nothing heavy (no Jinja, Markdown or
lxml): the command line asks it first and loads the renderer only when a build
is needed.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import pickle
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from . import __version__
from .errors import SitegenWarning
from .search import pagefind_available

CACHE_DIR = ".sitegen-cache"
INPUT_ROOTS = ("content", "templates", "themes", "static", "sitegen.yaml")
SKIP_DIRS = {".git", "__pycache__", "node_modules", ".venv"}
RACY_SECONDS = 2.0  # inputs changed this recently are not trusted by their stat alone
LIBRARIES = (
    "jinja2",
    "markdown-it-py",
    "mdit-py-plugins",
    "latex2mathml",
    "feedgen",
    "PyYAML",
    "python-slugify",
    "MarkupSafe",
    "lxml",
    "nh3",
)


def digest(*parts: str) -> str:
    """Each part is written with its length, so two different lists never hash alike."""
    text = "".join([f"{len(p)}:{p}" for p in parts])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def builtin_themes_dir() -> Path:
    """Where the default theme lives: inside the installed package, or the repository."""
    try:
        packaged = Path(str(resources.files("sitegen.themes")))
        if (packaged / "default" / "templates").is_dir():
            return packaged
    except (ModuleNotFoundError, TypeError):  # pragma: no cover
        pass
    return Path(__file__).resolve().parent.parent / "themes"


@dataclass
class BuildResult:
    output: Path
    pages: int
    files: int
    seconds: float
    warnings: list[SitegenWarning]
    written: tuple[str, ...] = ()  # output files rendered afresh (all of them when cold)
    removed: tuple[str, ...] = ()
    incremental: bool = False
    restored: int = 0  # output files found deleted or changed by hand, and redone

    def summary(self) -> str:
        how = ""
        if self.incremental and not (self.written or self.removed):
            how = ", nothing changed"
        elif self.incremental:
            how = f", {len(self.written)} written"
            how += f", {len(self.removed)} removed" if self.removed else ""
            how += f", {self.restored} damaged in the output restored" if self.restored else ""
        return (
            f"built {self.pages} pages ({self.files} files{how}) into {self.output} "
            f"in {self.seconds:.2f} s"
        )


# ---------------------------------------------------------------- the build state


@dataclass
class State:
    """What the last build read and wrote: enough to redo only what changed."""

    stamp: str  # the input files' stats, the settings and sitegen's code
    scanned_at: float
    files: dict[str, tuple[str, int, int]]  # output file -> (key, size, mtime_ns)
    pages: int
    warnings: list[tuple[str, str | None, int | None]] = field(default_factory=list)
    search: bool = False
    search_files: dict[str, tuple[int, int]] = field(default_factory=dict)  # pagefind/ stats
    code: str = field(default_factory=lambda: code_stamp())


@functools.cache  # constant for the life of a process
def code_stamp() -> str:
    """sitegen's own files and the versions of the libraries that shape the output."""
    here = Path(__file__).parent
    parts = [__version__, sys.version]
    parts += [
        f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in sorted(here.glob("*.py"))
    ]
    for lib in LIBRARIES:
        try:
            parts.append(f"{lib}={importlib.metadata.version(lib)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{lib}=none")
    return digest(*parts)


def scan_inputs(site_dir: Path) -> tuple[str, float]:
    """A stamp of every input file's (path, size, mtime), and the newest mtime."""
    rows: list[str] = []
    newest = 0.0
    roots = [(site_dir / r, r) for r in INPUT_ROOTS] + [(builtin_themes_dir(), "<builtin>")]
    for top, name in roots:
        if top.is_file():
            st = top.stat()
            rows.append(f"{name}\0{st.st_size}\0{st.st_mtime_ns}")
            newest = max(newest, st.st_mtime)
            continue
        for folder, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
            for f in sorted(files):
                try:  # lstat: an editor's lock file is a dangling symlink
                    st = os.lstat(os.path.join(folder, f))
                except OSError:  # deleted while we looked: the next build sees it
                    continue
                rows.append(f"{folder}/{f}\0{st.st_size}\0{st.st_mtime_ns}")
                newest = max(newest, st.st_mtime)
    return digest(*rows), newest


def stat_files(root: Path, rels: Iterable[str]) -> dict[str, tuple[int, int]]:
    out = {}
    top = f"{root}/"  # strings, not Paths: a no-op build stats 50,000 files at 10,000 papers
    for rel in rels:
        try:
            st = os.stat(top + rel)
        except OSError:
            continue
        out[rel] = (st.st_size, st.st_mtime_ns)
    return out


def tree_stats(root: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for folder, _, files in os.walk(root):
        for f in files:
            st = os.lstat(os.path.join(folder, f))
            out[os.path.join(folder, f)[len(str(root)) :]] = (st.st_size, st.st_mtime_ns)
    return out


def state_file(site_dir: Path, output: Path) -> Path:
    """One state per output folder: `sitegen serve` builds elsewhere than `sitegen build`."""
    return site_dir / CACHE_DIR / f"state-{digest(str(output.resolve()))[:12]}.pickle"


def read_state(path: Path) -> State | None:
    try:
        with open(path, "rb") as f:
            state = pickle.load(f)
    except Exception:  # missing, truncated, or from another version: a cold build
        return None
    # keys cover the inputs, not sitegen's code: another version starts from a cold build
    ok = isinstance(state, State) and getattr(state, "code", None) == code_stamp()
    return state if ok else None


def save_pickle(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def settings_of(site_dir: Path, output: Path, base_url: str | None, search: bool) -> str:
    """Everything besides the input files that changes what a build writes."""
    return digest(
        code_stamp(),
        str(output.resolve()),
        base_url or "",
        os.environ.get("URL", ""),
        str(search and pagefind_available()),
    )


@dataclass
class Probe:
    """The input scan and the last build's state, compared before anything is loaded."""

    stamp: str
    scanned_at: float
    newest: float
    output: Path
    state: State | None
    damaged: set[str]

    @classmethod
    def of(
        cls,
        site_dir: Path,
        output: Path,
        base_url: str | None,
        search: bool,
        use_cache: bool = True,
    ) -> Probe:
        scanned_at = time.time()
        stamp, newest = scan_inputs(site_dir)
        stamp = digest(stamp, settings_of(site_dir, output, base_url, search))
        state = read_state(state_file(site_dir, output)) if use_cache and output.is_dir() else None
        damaged: set[str] = set()
        if state is not None:
            found = stat_files(output, state.files)
            damaged = {rel for rel, (_, *st) in state.files.items() if found.get(rel) != tuple(st)}
            if state.search and tree_stats(output / "pagefind") != state.search_files:
                damaged.add("pagefind/")  # the index is Pagefind's: redone whole, never patched
        return cls(stamp, scanned_at, newest, output, state, damaged)

    def unchanged(self) -> bool:
        """No input changed (by stat, for files older than RACY_SECONDS), output intact."""
        s = self.state
        return (
            s is not None
            and s.stamp == self.stamp
            and not self.damaged
            and self.newest < s.scanned_at - RACY_SECONDS
        )

    def result(self, started: float) -> BuildResult:
        assert self.state is not None
        s = self.state
        return BuildResult(
            self.output,
            s.pages,
            len(s.files),
            time.perf_counter() - started,
            [SitegenWarning(*w) for w in s.warnings],
            incremental=True,
        )
