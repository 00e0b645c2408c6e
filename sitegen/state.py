"""What the last build left, and the check that nothing changed since: cheap on purpose. A
no-op build must answer in a fraction of a second at 10,000 papers, so this module imports
nothing heavy (no Jinja, Markdown or lxml): the renderer loads only when needed."""

from __future__ import annotations

import fcntl
import functools
import gc
import hashlib
import hmac
import os
import pickle
import re
import shutil
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from . import __version__
from .errors import SitegenError, SitegenWarning, require_site_folder
from .search import pagefind_available

CACHE_DIR = ".sitegen-cache"
CACHE_FOLDERS = ("trash", "photo", "papers", "cv-pdf", "previews")  # where builds delete
INPUT_ROOTS = ("content", "templates", "themes", "static", "root", "sitegen.yaml")
VCS_DIRS = frozenset({".git", ".hg", ".svn"})  # never read by a build, and large
FOLDER = (-1, 0)  # what scan() records of a folder
OTHER = (-2, 0)  # ...and of a dangling link, a pipe, a socket or a device: no file to read
PARALLEL_STATS = 20_000  # output files to check before other processes pay for starting
MAX_CACHE = 4 << 30  # bytes; the largest, pieces.pickle at 10,000 papers, is 60 MB
RACY_SECONDS = 2.0  # inputs changed this recently are not trusted by their stat alone
# the libraries that shape the output (pillow: the photo's files; weasyprint: the CV's PDF)
LIBRARIES = (
    "jinja2 markdown-it-py mdit-py-plugins latex2mathml feedgen PyYAML python-slugify "
    "MarkupSafe lxml nh3 pillow weasyprint"
).split()


def not_site(name: str) -> bool:
    """Version control and editor droppings (swap, backup and lock files): a build does
    not publish them from static/ or root/, and the preview does not rebuild for them.
    Other hidden names may be the site (static/.well-known/ and root/.nojekyll are copied)."""
    return (
        name in VCS_DIRS
        # emacs's, LibreOffice's lock (.~lock.cv.odt#), gedit's temporary file
        or name.startswith(("#", ".#", ".~lock.", ".goutputstream-"))
        # vim's swap files (.name.swp, then .swo, .swn... while one is open: not a Flash
        # demo's x.swf), Kate's, JetBrains'
        or (name.startswith(".") and re.search(r"\.sw[a-p]$", name) is not None)
        or name.endswith(("~", ".swp", ".swx", ".tmp", ".kate-swp", "___jb_tmp___", "___jb_old___"))
        # vim's write-permission probe; the folder notes of macOS (.DS_Store, Icon\r, and ._
        # copies of a file's attributes, on a drive or from a zip) and of Windows (Thumbs.db
        # keeps thumbnails of images since deleted)
        or name in ("4913", ".DS_Store", "Icon\r", "Thumbs.db", "desktop.ini", "ehthumbs.db")
        or name.startswith("._")
    )


def digest(*parts: str) -> str:
    """Each part is written with its length, so two different lists never hash alike."""
    text = "".join([f"{len(p)}:{p}" for p in parts])
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def builtin_themes_dir() -> Path:
    """The default theme's folder: in the installed package, or beside it in a checkout."""
    here = Path(__file__).resolve().parent
    packaged = here / "themes"
    return packaged if (packaged / "default" / "templates").is_dir() else here.parent / "themes"


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


@dataclass
class State:
    """What the last build read and wrote: enough to redo only what changed."""

    stamp: str  # the input files' stats, the settings and sitegen's code
    scanned_at: float
    files: dict[str, tuple[str, int, int, int]]  # output file -> (key, size, mtime_ns, inode)
    pages: int
    warnings: list[tuple[str, str | None, int | None]] = field(default_factory=list)
    search: bool = False
    search_files: dict[str, tuple[int, int]] = field(default_factory=dict)  # pagefind/ stats
    rewritten: int = 0  # files the build that made this output wrote (it linked the rest)
    costs: dict[str, float] = field(default_factory=dict)  # output's first file -> seconds
    umask: int = -1  # the build's: every file and folder it made or kept has its mode


def user_cache_dir() -> Path | None:
    """The user's cache folder for sitegen (`$XDG_CACHE_HOME` or ~/.cache), shared by sites."""
    home = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    return Path(home, "sitegen") if os.path.isabs(home) else None


@functools.cache  # read once a process (per folder: the tests move the user's cache)
def cache_key(folder: Path | None) -> bytes | None:
    """The user's secret that signs cache pickles: a site's `.sitegen-cache/` may come from
    someone else's repository, and unpickling their file would run their code. None (no
    user cache folder, or the key cannot be made or read): no cache is trusted."""
    if folder is None:
        return None
    key = folder / "key"
    if not key.exists():
        import secrets  # 1 ms a no-op build need not pay

        tmp = folder / f".key.{os.getpid()}.tmp"
        with suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as f:
                f.write(secrets.token_bytes(32))
            with suppress(FileExistsError):  # a racing process linked its key first: use it
                os.link(tmp, key)  # whole or not there: never read half written
        with suppress(OSError):
            tmp.unlink()
    with suppress(OSError), open_cache_file(key, 32) as f:
        secret = f.read(33)
        return secret if len(secret) == 32 else None
    return None


def open_cache_file(path: Path, most: int) -> BinaryIO:
    """Open a cache file to read, or OSError: through a link it was another cache, and a
    pipe, a device or a huge sparse file was a read that never ended: every build hung."""
    f = open(os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK), "rb")
    st = os.fstat(f.fileno())
    if not stat.S_ISREG(st.st_mode) or st.st_size > most:
        f.close()
        raise OSError(f"not a cache file: {path}")
    return f


def cache_name(*parts: str) -> str | None:
    """The name a cached file is kept under, signed like the pickles: a photo or PDF from a
    committed `.sitegen-cache/` is never found, so never published. None: no cache."""
    key = cache_key(user_cache_dir())
    return key and hmac.new(key, digest(code_stamp(), *parts).encode(), "sha256").hexdigest()


@functools.cache  # constant for the life of a process
def code_stamp() -> str:
    """sitegen's own files and the versions of the libraries that shape the output. Asking for
    versions imports importlib.metadata, a tenth of a no-op build, so the stamp is kept in the
    user's cache under the stats of sitegen's files and of the sys.path folders (a library's
    install renames its dist-info there: a new mtime)."""
    here = Path(__file__).parent
    sources = sorted(here.glob("*.py"))
    seen = [__version__, sys.version]
    for p in [*sources, *map(Path, sys.path)]:
        try:
            st = p.stat()
            seen.append(f"{p}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            seen.append(f"{p}:-")
    folder = user_cache_dir()
    remembered = folder / "code-stamp.txt" if folder else None
    seen_key = digest(*seen)
    if remembered is not None:
        with suppress(OSError, ValueError), open_cache_file(remembered, 1 << 10) as f:
            seen_before, stamp = f.read().decode().split()  # or none yet, or damaged
            if seen_before == seen_key:
                return stamp
    import importlib.metadata

    parts = [__version__, sys.version]
    parts += [f"{p.name}:{hashlib.sha256(p.read_bytes()).hexdigest()}" for p in sources]
    for lib in LIBRARIES:
        try:
            parts.append(f"{lib}={importlib.metadata.version(lib)}")
        except importlib.metadata.PackageNotFoundError:
            parts.append(f"{lib}=none")
    stamp = digest(*parts)
    if remembered is not None:  # a read-only home: found again next time
        save_bytes(remembered, f"{seen_key} {stamp}\n".encode())
    return stamp


def scan(
    roots: Iterable[Path | str], skip: Callable[[str], bool], changed: bool = True
) -> dict[str, tuple[int, int]]:
    """Path -> (size, time) of every file under `roots` but those `skip(name)` leaves out: the one
    way inputs are watched. The time is the later of mtime and ctime (`changed`), as git compares
    them: a file rewritten in place with its size and mtime put back (`touch -r`, a reproducible
    tarball's, Nix's mtime of 1) kept its stale pages; an output's only mtime, as a build's hard
    links change its ctime. Symlinks are followed, as the build reads through them, except a link
    back to a folder above (the scan would never end). A folder counts as FOLDER (an empty theme
    folder changes the template lookup); a dangling link, pipe or device as OTHER, never read (a
    pipe would wait for ever): a build reading it fails, so a new one is a change."""
    found: dict[str, tuple[int, int]] = {}
    todo: list[tuple[str, frozenset]] = [(os.fspath(r), frozenset()) for r in roots]
    while todo:
        path, above = todo.pop()  # `above`: the folders it is inside, by (device, inode)
        try:
            st = os.stat(path)
        except OSError:  # a dangling link, or a file removed while we looked
            if os.path.islink(path):
                found[path] = OTHER
            continue
        if not stat.S_ISDIR(st.st_mode):
            regular = stat.S_ISREG(st.st_mode)  # a pipe, socket or device is no site's file
            when = max(st.st_mtime_ns, st.st_ctime_ns) if changed else st.st_mtime_ns
            found[path] = (st.st_size, when) if regular else OTHER
            continue
        found[path] = FOLDER  # a folder counts by being there, not by its mtime
        if (st.st_dev, st.st_ino) not in above:
            inside = above | {(st.st_dev, st.st_ino)}
            with suppress(OSError), os.scandir(path) as entries:  # unreadable, or gone
                todo += [(p, inside) for p in sorted(e.path for e in entries if not skip(e.name))]
    return found


def scan_inputs(site_dir: Path) -> tuple[str, float]:
    """A stamp of every input file's (path, size, mtime), and the newest mtime."""
    roots = [*(site_dir / r for r in INPUT_ROOTS), builtin_themes_dir()]
    found = scan(roots, VCS_DIRS.__contains__)
    rows = sorted(f"{path}\0{size}\0{mtime}" for path, (size, mtime) in found.items())
    return digest(*rows), max((m for _, m in found.values()), default=0) / 1e9


def stat_files(
    root: Path, rels: Iterable[str], changed: bool = False
) -> dict[str, tuple[int, int, int]]:
    """(size, time, inode) by name, the time as scan's. A no-op build stats 50,000 files at
    10,000 papers: paths are strings, relative to the open output folder where the OS allows it (15%
    faster: shorter lookups). The inode tells the next build which of an old site's files
    are the current ones (build.prune_old_site)."""
    out = {}
    try:
        fd = os.open(root, os.O_RDONLY) if os.stat in os.supports_dir_fd else None
    except OSError:  # gone or unreadable: every file is then missing
        fd = None
    top = "" if fd is not None else f"{root}/"
    try:
        for rel in rels:
            try:
                st = os.stat(top + rel, dir_fd=fd)
            except OSError:
                continue
            when = max(st.st_mtime_ns, st.st_ctime_ns) if changed else st.st_mtime_ns
            out[rel] = (st.st_size, when, st.st_ino)
    finally:
        if fd is not None:
            os.close(fd)
    return out


def as_left(root: Path, files: dict[str, tuple], rels: Iterable[str]) -> set[str]:
    """Which of `rels` are still as the build whose state holds `files` left them, by size
    and time: a copy (`cp -p`) is as good."""
    return {rel for rel, st in stat_files(root, rels).items() if st[:2] == files[rel][1:3]}


def tree_stats(root: Path) -> dict[str, tuple[int, int]]:
    top = len(str(root))
    return {path[top:]: stats for path, stats in scan([root], lambda name: False, False).items()}


def check_cache(site_dir: Path) -> None:
    """A site from elsewhere (a fork, a pull request in CI) may carry its cache as a link, or
    links in it: builds delete in those folders, so through a link they deleted outside the
    site. sitegen makes no link there."""
    cache = site_dir / CACHE_DIR
    for path in (cache, *(cache / name for name in CACHE_FOLDERS)):
        if path.is_symlink():
            raise SitegenError(
                "a symbolic link: sitegen deletes in its cache, so it must be a folder of "
                "the site's own; remove the link",
                path,
            )


def state_file(site_dir: Path, output: Path) -> Path:
    """One state per output folder: `sitegen serve` builds elsewhere than `sitegen build`."""
    return site_dir / CACHE_DIR / f"state-{digest(str(output.resolve()))[:12]}.pickle"


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a while (build_site, read_cache): a build
    makes little cyclic garbage but holds a large heap, which every full collection walks (at
    10,000 papers six passes freed 100 objects in 0.5 to 1 s of a 5 s build). Forked children
    collect again (fork_map); `sitegen serve` after a build."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextmanager
def folder_lock(folder: Path, busy: str | None = None) -> Iterator[None]:
    """An exclusive lock on the folder itself, so it leaves no file; folders made for it go
    again if left empty. With `busy`, a second holder stops with that message instead of
    waiting. Without locks (some NFS mounts) it runs unlocked."""
    made, fd = [d for d in (folder, *folder.parents) if not os.path.lexists(d)], None
    with suppress(OSError):  # no folder to lock: writing there fails, saying why
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    try:
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | (fcntl.LOCK_NB if busy else 0))
    except BlockingIOError:
        os.close(fd)  # type: ignore[arg-type]
        raise SitegenError(str(busy), folder) from None
    except OSError:
        pass
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)
        for d in made:  # the innermost first
            with suppress(OSError):
                d.rmdir()


def builds_in_turn(site_dir: Path) -> AbstractContextManager[None]:
    """Builds of one site run one after the other (`sitegen build`, each of serve's): two at
    once swept each other's half-made output (from another PID namespace a running build's
    PID looks dead) or saved a state the other's output no longer matched. The lock would
    make a mistyped site folder, so that is refused first."""
    require_site_folder(site_dir)
    return folder_lock(site_dir / CACHE_DIR)


@contextmanager
def signals_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP wait while renames that belong together run (an import's
    papers and manifest, a build's swap of output/: interrupted between, neither whole
    state was left), then are raised again. Handlers run in the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    held = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    old = {s: signal.signal(s, lambda number, _: came.append(number)) for s in held}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, signal.SIG_DFL if handler is None else handler)
        for number in dict.fromkeys(came):
            signal.raise_signal(number)


def read_cache(path: Path | None) -> Any:
    """The value a cache file keeps for this code (keys cover the inputs, not sitegen's code),
    or None: a missing, damaged, other version's or other user's cache only slows a build.
    Its HMAC under the user's key (cache_key) must match before anything is unpickled: a
    committed `.sitegen-cache/` ran its pickles' code on build, and damaged bytes that still
    unpickled were trusted (a flipped byte in a cached title was published). The collector is
    off while unpickling: its passes took a third of the time at 10,000 papers."""
    key = cache_key(user_cache_dir())
    if path is None or key is None:
        return None
    try:
        # read twice, from the page cache: never whole in memory
        with open_cache_file(path, MAX_CACHE) as f:
            expected, mac = f.read(32), signer(key, path)
            while chunk := f.read(1 << 20):
                mac.update(chunk)
            if not hmac.compare_digest(mac.digest(), expected):
                return None
            f.seek(32)
            with collector_paused():
                found, value = pickle.load(f)
    except Exception:  # missing, truncated, or not (stamp, value)
        return None
    return value if found == code_stamp() else None


def write_and_close(fd: int, data: bytes) -> None:
    """All of `data` to an open file, then closed: os.write may take less than all. Raw file
    descriptors, because a file object also stats, seeks and asks whether the file is a
    terminal, for each of 50,000 files."""
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _save_by(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """A file written whole or not at all: another build may be reading it. Every such file
    is a cache, so one that cannot be written is left out: the next build is only slower."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except OSError:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)


def save_bytes(path: Path, data: bytes) -> None:
    _save_by(path, lambda f: f.write(data))


class _Signing:
    """A file that pickle writes through and the MAC reads over: the pickle is never whole in
    memory (pieces.pickle is 60 MB at 10,000 papers, and made the build's peak)."""

    def __init__(self, file: BinaryIO, mac: hmac.HMAC) -> None:
        self.file, self.mac = file, mac

    def write(self, data: bytes) -> int:
        self.mac.update(data)
        return self.file.write(data)


def save_cache(path: Path, value: Any) -> None:
    if not (key := cache_key(user_cache_dir())):  # without one, no build would read it
        return

    def write(f: BinaryIO) -> None:
        mac = signer(key, path)
        f.write(bytes(mac.digest_size))  # the MAC's place, written once it is known
        pickle.dump((code_stamp(), value), _Signing(f, mac), pickle.HIGHEST_PROTOCOL)
        f.seek(0)
        f.write(mac.digest())

    _save_by(path, write)


def signer(key: bytes, path: Path) -> hmac.HMAC:
    """The MAC covers the file's name too: one signed cache copied or linked under another
    name (related.pickle from papers/00.pickle) unpickled as the wrong type: a traceback."""
    return hmac.new(key, os.fsencode(path.name) + b"\0", "sha256")


def remove(path: Path) -> None:
    """Delete a file, link or folder, never through a link; what cannot go stays (a cache
    is only slower for it). A folder named like a cache file failed every --no-cache build,
    and one 1,000 folders deep every build (rmtree recurses: a RecursionError)."""
    if path.is_dir() and not path.is_symlink():
        with suppress(RecursionError):
            shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(OSError):
            path.unlink(missing_ok=True)


def sweep_dead_outputs(output: Path, cache: Path) -> None:
    """Delete what a killed build left, not what one still running has (every build does, a
    no-op too): its half-made site beside `output` (the folders `.output.tmp-PID`, `.old-PID`)
    and the cache files it was writing (save_bytes's `.NAME.PID.tmp`). Nothing else: beside
    output/, a `.output.old-backup`, a file or a link is the user's."""
    beside = output.parent
    made = [*beside.glob(f".{output.name}.tmp-*"), *beside.glob(f".{output.name}.old-*")]
    made = [p for p in made if p.is_dir() and not p.is_symlink()]
    cached = [
        p for p in (*cache.glob(".*.tmp"), *cache.glob("*/.*.tmp")) if not p.parent.is_symlink()
    ]
    by_pid = [(p, p.name.rsplit("-", 1)[1]) for p in made]
    by_pid += [(p, p.name.split(".")[-2]) for p in cached]
    for stale, pid in by_pid:
        if (
            pid.isascii()
            and pid.isdecimal()
            and (int(pid) == os.getpid() or not process_alive(int(pid)))
        ):
            remove(stale)


@dataclass
class Probe:
    """The input scan and the last build's state, compared before anything is loaded."""

    stamp: str
    scanned_at: float
    newest: float
    output: Path
    state: State | None
    damaged: set[str]
    umask: int

    @classmethod
    def of(
        cls,
        site_dir: Path,
        output: Path,
        base_url: str | None,
        search: bool,
        use_cache: bool = True,
        jobs: int | None = None,
    ) -> Probe:
        scanned_at, umask = time.time(), current_umask()
        check_cache(site_dir)  # every build and preview starts here, before it deletes
        sweep_dead_outputs(output, site_dir / CACHE_DIR)  # here: a no-op build sweeps too
        state = read_cache(state_file(site_dir, output)) if use_cache and output.is_dir() else None
        # what a build keeps (links, the old site's folders) keeps its mode: under another
        # umask, a cold build, which rewrites all, so the next reuses no old site either
        if state is not None and state.umask != umask:
            state = None
        files = state.files if state is not None else {}
        rels = list(files)
        # stating 50,000 outputs takes longer than the input scan: done meanwhile elsewhere
        jobs = (jobs or default_jobs()) if len(rels) >= PARALLEL_STATS else 1
        scans: list[tuple[str, float]] = []

        def changed_by_hand(share: list[str]) -> set[str]:  # or deleted, since a build wrote them
            return set(share) - as_left(output, files, share)

        shares = [rels[i::jobs] for i in range(jobs)]
        parts = fork_map(changed_by_hand, shares, jobs, lambda: scans.append(scan_inputs(site_dir)))
        damaged = set().union(*parts)
        stamp, newest = scans[0]
        # and everything else that changes what a build writes
        settings = [code_stamp(), str(output.resolve()), base_url or "", os.environ.get("URL", "")]
        stamp = digest(stamp, digest(*settings, str(search and pagefind_available())))
        if state is not None and state.search:
            if tree_stats(output / "pagefind") != state.search_files:
                damaged.add("pagefind/")  # the index is Pagefind's: redone whole, never patched
        return cls(stamp, scanned_at, newest, output, state, damaged, umask)

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


def current_umask() -> int:
    """What a new file's mode is masked with. os.umask only sets it, so it is set (stricter)
    and back at once: called as a build starts, before it starts a thread or process."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def process_alive(pid: int) -> bool:
    """Whether a process runs (its leftovers are in use)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # OverflowError: no such PID can exist
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def default_jobs() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(8, cores or 1))


def fork_map(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    jobs: int,
    meanwhile: Callable[[], None] | None = None,
) -> list[Any]:
    """[fn(item) for item in items], each item in a forked child but the first, which this
    process takes unless it runs `meanwhile` while the children work (after, without them).
    Forking shares the loaded site for free; only results come back, pickled, and a child's
    exception is raised here."""
    if jobs <= 1 or len(items) + (meanwhile is not None) <= 1 or not hasattr(os, "fork"):
        results = [fn(item) for item in items]
        if meanwhile is not None:
            meanwhile()
        return results
    if meanwhile is None:  # this process takes the first item: one result fewer to pickle
        here: list[Any] = []
        rest = fork_map(fn, items[1:], jobs, lambda: here.append(fn(items[0])))
        return here + rest
    pipes = []
    for stream in (sys.stdout, sys.stderr):  # None when started with a stream closed
        if stream is not None:
            stream.flush()
    # or a child's collection writes to every inherited object, copying the whole heap
    gc.freeze()
    parent = os.getpid()
    for item in items:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns into the parent's code
            _die_with(parent)
            gc.enable()  # paused by build_site, but a child makes much garbage
            os.close(r)
            try:
                try:
                    result: Any = ("ok", fn(item))
                except BaseException as e:  # noqa: BLE001 - every failure goes to the parent
                    result = ("error", e if isinstance(e, SitegenError) else RuntimeError(repr(e)))
                with os.fdopen(w, "wb") as f:
                    pickle.dump(result, f)
                os._exit(0)
            finally:  # the result could not be sent
                os._exit(1)
        os.close(w)
        pipes.append((pid, r))
    gc.unfreeze()
    try:
        meanwhile()
    finally:  # the children are always waited for
        results = []
        try:
            for pid, r in pipes:
                with os.fdopen(r, "rb") as f:
                    data = f.read()
                _, status = os.waitpid(pid, 0)  # not 0: it died, maybe halfway through its result
                results.append(pickle.loads(data) if status == 0 else ("error", None))
        except BaseException:  # interrupted while waiting (SIGTERM in `sitegen serve`): the
            # children went on alone, writing and holding the preview's port
            for i, (pid, r) in enumerate(pipes[len(results) :]):
                if i:  # the first one's pipe was being read, and is closed
                    os.close(r)
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                with suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            raise
    if any(value is None for status, value in results if status == "error"):
        raise RuntimeError("a build process died")
    for status, value in results:
        if status == "error":
            raise value
    return [value for _, value in results]


def _die_with(parent: int) -> None:
    """A child outlived a build killed outright (kill -9), holding the site's lock: the next
    build waited for it without a word (an incremental-build hunter's report). Linux kills
    it with its parent (prctl's PR_SET_PDEATHSIG); elsewhere it finishes its share."""
    with suppress(Exception):  # no prctl: not Linux
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before prctl was asked
        os._exit(1)


def map_shares(
    fn: Callable[[Any], Any],
    items: Sequence[Any],
    jobs: int,
    meanwhile: Callable[[], None] | None = None,
) -> list[Any]:
    """[fn(item) for item in items], the items dealt out in turn to `jobs` processes
    (fork_map, `meanwhile` too), the results in the items' order."""
    jobs = max(1, min(jobs, len(items)))
    shares = fork_map(
        lambda share: [fn(x) for x in share], [items[i::jobs] for i in range(jobs)], jobs, meanwhile
    )
    out: list[Any] = [None] * len(items)
    for i, share in enumerate(shares):
        out[i::jobs] = share
    return out
