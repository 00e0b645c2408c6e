"""Every output file as (path, producer, input fingerprint), and how they reach the disk.

A build plans jobs first: each names the files it writes, a function producing
their bytes, and, when it can, a key that fingerprints all its inputs. Only
then does anything touch the disk, so a failing template or a bad paper found
while rendering leaves the output exactly as it was.

- Cold build (no usable cache): every job runs, in parallel processes when
  there are enough of them, writing straight into a fresh folder beside the
  output, which then replaces the output in one atomic step.
- Incremental build: a job whose key matches the last build's is skipped
  without running; a job that runs but produces the same bytes is not written.
  The changed files go into the standby, a hard-link twin of the output kept in
  the cache, which is swapped with the output in one rename (renameat2
  RENAME_EXCHANGE); the old output, now the standby, then gets the same changes
  as hard links. Building a fresh folder instead would mean re-creating 13,000
  directories and 50,000 links at 10,000 papers, about a second here, on every
  save; the twin costs that once, after a cold build.
- Nothing changed: nothing is written, not even a folder.

Where the cache cannot share the output's file system, changed files are
renamed into the output one by one under a journal (commit_in_place).
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import multiprocessing
import os
import posixpath
import re
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SitegenError

Produced = Sequence[bytes | str]
# weights are tenths of a millisecond: below about 2 s of work, starting processes
# (each compiling the theme again) costs more than it saves
PARALLEL_MIN_WEIGHT = 20_000


@dataclass
class Job:
    """One producer of one or more output files."""

    files: tuple[str, ...]
    produce: Callable[[], Produced]
    # fingerprint of every input; None: run always, compare bytes. A function when
    # computing it is costly: a cold build then computes it in the worker (see run_jobs)
    key: str | Callable[[], str] | None = None
    weight: int = 1  # rough cost, for spreading work over processes
    label: str = ""


_PLAIN_REL = re.compile(r"[A-Za-z0-9_~-][A-Za-z0-9._~-]*(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)*")


def check_rel(rel: str) -> None:
    """A path inside the output folder, with no way out of it."""
    if _PLAIN_REL.fullmatch(rel):
        return  # the common case, decided without normpath: no segment starts with a dot
    if (
        not rel
        or rel.startswith("/")
        or "\\" in rel
        or "\x00" in rel
        or posixpath.normpath(rel) != rel
        or rel.split("/")[0] == ".."
    ):
        raise SitegenError(f"refusing to write outside the output folder: {rel}")


class Plan:
    """The jobs of one build, in a stable order, with no output path claimed twice."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.owner: dict[str, int] = {}

    def add(
        self,
        files: Sequence[str],
        produce: Callable[[], Produced],
        key: str | Callable[[], str] | None = None,
        weight: int = 1,
        label: str = "",
    ) -> Job:
        for rel in files:
            check_rel(rel)
            if rel in self.owner:
                raise SitegenError(
                    f"two pages would be written to {rel}: check for a slug collision"
                )
            self.owner[rel] = len(self.jobs)
        job = Job(tuple(files), produce, key, weight, label)
        self.jobs.append(job)
        return job

    def write(self, rel: str, data: bytes | str) -> Job:
        """A file whose bytes are already known: written only if they differ from last time."""
        return self.add((rel,), lambda: (data,))

    def __len__(self) -> int:
        return len(self.jobs)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class Outcome:
    """What running some jobs did: their manifest rows and which files were written."""

    rows: dict[str, tuple[str, str]] = field(default_factory=dict)  # rel -> (key, hash)
    written: list[str] = field(default_factory=list)
    ran: int = 0

    def merge(self, other: Outcome) -> None:
        self.rows.update(other.rows)
        self.written += other.written
        self.ran += other.ran


class _Dirs:
    """mkdir with memory: 13,000 page folders should cost 13,000 syscalls, not 40,000."""

    def __init__(self, root: Path):
        self.root = root
        self.made: set[str] = set()

    def file(self, rel: str) -> str:
        parent = posixpath.dirname(rel)
        if parent not in self.made:  # "" too: a staging folder may not exist yet
            os.makedirs(os.path.join(self.root, parent), exist_ok=True)
            while parent and parent not in self.made:
                self.made.add(parent)
                parent = posixpath.dirname(parent)
        return os.path.join(self.root, rel)


_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_file(path: str, data: bytes) -> None:
    """open/write/close without the buffered file object (which also stats, seeks and
    asks whether the file is a terminal): 50,000 files make that noticeable."""
    fd = os.open(path, _WRITE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def run_jobs(
    plan: Plan,
    indices: Sequence[int],
    dest: Path,
    prior: dict[str, tuple[str, str]] | None,
) -> Outcome:
    """Run the given jobs, writing into `dest` each file whose bytes are new."""
    out = Outcome()
    dirs = _Dirs(dest)
    for i in indices:
        job = plan.jobs[i]
        produced = job.produce()
        if len(produced) != len(job.files):
            raise SitegenError(f"internal error: {job.label or job.files[0]} made the wrong files")
        out.ran += 1
        key = job.key() if callable(job.key) else job.key
        for rel, data in zip(job.files, produced, strict=True):
            if isinstance(data, str):
                data = data.encode("utf-8")
            h = content_hash(data)
            out.rows[rel] = (key or "", h)
            old = prior.get(rel) if prior is not None else None
            if old is not None and old[1] == h:
                continue
            write_file(dirs.file(rel), data)
            out.written.append(rel)
    return out


# ---------------------------------------------------------------- processes

_FORKED: dict[str, Any] = {}


def _worker(args: tuple[Sequence[int], str, bool]) -> Outcome | tuple[str, str | None, int | None]:
    indices, dest, incremental = args
    plan: Plan = _FORKED["plan"]
    try:
        return run_jobs(plan, indices, Path(dest), _FORKED["prior"] if incremental else None)
    except SitegenError as e:  # exceptions lose their path and line when pickled
        return (e.message, e.path, e.line)


def chunks(plan: Plan, indices: Sequence[int], parts: int) -> list[list[int]]:
    """Heaviest first, in chunks small enough that no process waits long for another.

    Chunks are cut by estimated cost and by count, so a long tail of cheap jobs
    (citation files, feeds) is shared out like the expensive pages are.
    """
    order = sorted(indices, key=lambda i: -plan.jobs[i].weight)
    total = sum(plan.jobs[i].weight for i in order)
    target = max(1, total // (parts * 16))
    most = max(16, len(order) // (parts * 16))
    out: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i in order:
        current.append(i)
        size += plan.jobs[i].weight
        if size >= target or len(current) >= most:
            out.append(current)
            current, size = [], 0
    if current:
        out.append(current)
    return out


def default_jobs() -> int:
    env = os.environ.get("SITEGEN_JOBS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def execute(
    plan: Plan,
    indices: Sequence[int],
    dest: Path,
    prior: dict[str, tuple[str, str]] | None,
    jobs: int,
) -> Outcome:
    """Run jobs in this process, or across `jobs` forked processes when it pays."""
    weight = sum(plan.jobs[i].weight for i in indices)
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if jobs <= 1 or weight < PARALLEL_MIN_WEIGHT or not can_fork:
        return run_jobs(plan, indices, dest, prior)
    _FORKED["plan"] = plan
    _FORKED["prior"] = prior
    outcome = Outcome()
    # young garbage only: a full collection of a 10,000-paper build's heap takes 0.2 s
    # of the parent's time and has been measured to free nothing here
    gc.collect(1)
    gc.freeze()  # children then never touch the parent's objects for GC: fewer pages copied
    try:
        ctx = multiprocessing.get_context("fork")
        parts = chunks(plan, indices, jobs)
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            results = list(pool.map(_worker, [(c, str(dest), prior is not None) for c in parts]))
    finally:
        _FORKED.clear()
        gc.unfreeze()
    errors = [r for r in results if isinstance(r, tuple)]
    if errors:
        # report what a serial build would: the first failing job in plan order
        run_jobs(plan, sorted(indices), dest, prior)
        raise SitegenError(*errors[0])
    for r in results:
        outcome.merge(r)  # type: ignore[arg-type]
    return outcome


PARALLEL_KEYS_MIN = 2_000  # job keys: fewer are computed faster than processes start


def resolve_keys(plan: Plan, jobs: int) -> None:
    """Compute the keys given as functions, across processes when there are many.

    An incremental build must know every key before it can tell what to run;
    fingerprinting 13,000 pages is the biggest fixed cost of such a build, and
    every key is independent of the others.
    """
    todo = [i for i, job in enumerate(plan.jobs) if callable(job.key)]
    if not todo:
        return
    if (
        jobs > 1
        and len(todo) >= PARALLEL_KEYS_MIN
        and "fork" in multiprocessing.get_all_start_methods()
    ):
        size = -(-len(todo) // (jobs * 4))
        parts = [todo[k : k + size] for k in range(0, len(todo), size)]
        results = fork_map(_keys_of, parts, jobs, plan)
    else:
        parts, results = [todo], [_keys_of(todo, plan)]
    for part, keys in zip(parts, results, strict=True):
        for i, key in zip(part, keys, strict=True):
            plan.jobs[i].key = key


def _keys_of(indices: Sequence[int], plan: Plan | None = None) -> list[str]:
    plan = plan if plan is not None else forked_shared()
    return [plan.jobs[i].key() for i in indices]  # type: ignore[misc]


def fork_map(fn: Callable[[Any], Any], items: Sequence[Any], jobs: int, shared: Any) -> list[Any]:
    """map() across forked processes that inherit `shared` instead of receiving it pickled."""
    return fork_map_async(fn, items, jobs, shared)(True)


def fork_map_async(
    fn: Callable[[Any], Any], items: Sequence[Any], jobs: int, shared: Any
) -> Callable[[bool], list[Any]]:
    """fork_map started now and collected later: the caller works on meanwhile.

    Returns a function that waits for the results (or, given False, cancels and
    cleans up: for a caller that failed before it needed them). The processes
    are forked before this returns, so what the caller changes afterwards is not
    seen by them.
    """
    _FORKED["shared"] = shared
    gc.freeze()
    pool = None
    try:
        ctx = multiprocessing.get_context("fork")
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=ctx)
        futures = [pool.submit(fn, item) for item in items]
    except BaseException:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        _FORKED.pop("shared", None)
        gc.unfreeze()
        raise

    def collect(wanted: bool = True) -> list[Any]:
        try:
            return [f.result() for f in futures] if wanted else []
        finally:
            pool.shutdown(cancel_futures=not wanted)
            _FORKED.pop("shared", None)
            gc.unfreeze()

    return collect


def forked_shared() -> Any:
    return _FORKED["shared"]


# ---------------------------------------------------------------- committing


def removed_files(prior: dict[str, tuple[str, str]], plan: Plan) -> list[str]:
    """Output files of the last build that no job of this build writes."""
    return [rel for rel in prior if rel not in plan.owner]


def move_changes(stage: Path, root: Path, written: Sequence[str], removed: Sequence[str]) -> None:
    """Move staged files over their old versions under `root`, then delete what is gone.

    Each rename replaces one directory entry: a file shared with another tree
    by a hard link is never modified, only unlinked from this tree.
    """
    for rel in written:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / rel, target)
    delete_files(root, removed)
    shutil.rmtree(stage, ignore_errors=True)


def delete_files(root: Path, removed: Sequence[str]) -> None:
    for rel in removed:
        target = root / rel
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        parent = target.parent
        while parent != root:
            try:
                parent.rmdir()  # only succeeds once the folder is empty
            except OSError:
                break
            parent = parent.parent


def link_changes(src: Path, dst: Path, written: Sequence[str], removed: Sequence[str]) -> None:
    """Make `dst` (an older copy of `src`) equal to it again, by hard links."""
    for rel in written:
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.link-{os.getpid()}")
        try:
            tmp.unlink()
        except FileNotFoundError:
            pass
        os.link(src / rel, tmp)
        os.replace(tmp, target)
    delete_files(dst, removed)


def link_tree(src: Path, dst: Path) -> None:
    """`dst` becomes a copy of `src` made of hard links: new names for the same files."""
    dst.mkdir(parents=True)
    for root, dirs, files in os.walk(src):
        rel = os.path.relpath(root, src)
        target = str(dst) if rel == "." else os.path.join(dst, rel)
        for d in dirs:
            os.mkdir(os.path.join(target, d))
        for f in files:
            os.link(os.path.join(root, f), os.path.join(target, f))


_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux renameat2); False where unsupported.

    libc is reached through the running program (CDLL(None)) rather than
    ctypes.util.find_library, which starts ldconfig and gcc to look for it.
    """
    try:
        renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    except OSError:
        return False
    if renameat2 is None:
        return False
    at_fdcwd = -100
    return renameat2(at_fdcwd, bytes(a), at_fdcwd, bytes(b), _RENAME_EXCHANGE) == 0


def commit_in_place(
    stage: Path, output: Path, written: Sequence[str], removed: Sequence[str]
) -> None:
    """Fallback when no standby copy can live on the output's file system.

    Each rename replaces one file atomically, but the site as a whole is a mix
    of old and new while this runs; the caller marks it with a journal so a
    build interrupted here is followed by a cold build. Files are moved
    deepest-first so a new page exists before a list page links to it.
    """
    move_changes(stage, output, sorted(written, key=lambda r: (-r.count("/"), r)), removed)
