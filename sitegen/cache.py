"""The build cache in `.sitegen-cache/`: what the last build read, and what it wrote.

These are kept, as plain `marshal` files (no pickle: a cache file found
in a cloned repository must not be able to run code):

- a parse cache of content files, keyed by path and checked by (mtime, size,
  inode) and, for files changed within the last two seconds, by content hash,
  so an edit never hides behind a coarse file-system clock;
- per output folder, the manifest of the last build: every output file with the
  fingerprint of its inputs and the hash of its bytes, plus a stamp of every
  input file, so a build with nothing changed stops after one directory scan;
- per output folder, the memoised macro output of the biggest pages, so that
  re-rendering the timeline after a title edit reuses the other list items;
- results of expensive pure functions of the content (citations, related
  papers), keyed by a hash of exactly their inputs;
- per output folder, the standby: a hard-link twin of the output that the next
  incremental build updates and swaps in (see outputs.py), and a trash folder
  whose contents a detached process deletes.

A missing, unreadable or foreign cache is an empty cache: the build is then a
cold build, never an error. Deleting `.sitegen-cache/` is always safe.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import marshal
import os
import shutil
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CACHE_DIR = ".sitegen-cache"
FORMAT = 3
RACY_NS = 2_000_000_000  # files changed this recently are checked by content, not by stat
SHARDS = 32
# What a build reads, relative to the site folder: a change anywhere here means
# the build has to look closer; a change elsewhere cannot change the output.
INPUT_ROOTS = ("content", "templates", "themes", "static", "sitegen.yaml")
SKIP_DIRS = {".git", "__pycache__", "node_modules", ".venv"}

Stat = tuple[int, int, int]  # (mtime_ns, size, inode)


def _hash(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def read_marshal(path: Path) -> Any:
    """The stored value, or None when the file is missing, truncated or not ours."""
    try:
        with open(path, "rb") as f:
            data = f.read()
        value = marshal.loads(data)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(value, tuple) or len(value) != 3 or value[0] != "sitegen-cache":
        return None
    if value[1] != environment_key():
        return None
    return value[2]


def write_marshal(path: Path, value: Any) -> None:
    """Write atomically; a failure to write the cache only costs speed next time."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(marshal.dumps(("sitegen-cache", environment_key(), value)))
        os.replace(tmp, path)
    except (OSError, ValueError):
        try:
            tmp.unlink()
        except OSError:
            pass


_ENV_KEY: str | None = None


def environment_key() -> str:
    """Cached results are only valid for the same sitegen, Python and libraries."""
    global _ENV_KEY
    if _ENV_KEY is None:
        from . import __version__

        parts = [str(FORMAT), __version__, sys.version, str(marshal.version)]
        parts += library_versions()
        parts.append(code_stamp())
        _ENV_KEY = _hash("\n".join(parts))
    return _ENV_KEY


LIBRARIES = ("jinja2", "markdown_it_py", "mdit_py_plugins", "latex2mathml", "nh3", "feedgen",
             "pyyaml", "python_slugify", "markupsafe", "lxml")  # fmt: skip


def library_versions() -> list[str]:
    """Installed versions of the libraries that shape the output, from their dist-info names.

    One directory listing instead of importlib.metadata, which costs more than a
    whole build that has nothing to do.
    """
    found = []
    for entry in sys.path:
        if not entry.endswith(("site-packages", "dist-packages")):
            continue
        try:
            names = os.listdir(entry)
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                dist = name.split("-")[0].lower().replace(".", "_")
                if dist in LIBRARIES:
                    found.append(name)
    return sorted(found)


def code_stamp() -> str:
    """sitegen's own source files, so an edited (editable-install) sitegen is a new sitegen."""
    here = Path(__file__).resolve().parent
    parts = []
    for p in sorted(here.glob("*.py")):
        try:
            st = p.stat()
        except OSError:
            continue
        parts.append(f"{p.name}:{st.st_mtime_ns}:{st.st_size}")
    return _hash("\n".join(parts))


# ---------------------------------------------------------------- inputs


def scan(root: Path, prefix: str, out: dict[str, Stat]) -> None:
    """Every file under `root` with its stat, keyed by path relative to the site."""
    try:
        entries = list(os.scandir(root))
    except NotADirectoryError:
        try:
            st = root.stat()
        except OSError:
            return
        out[prefix] = (st.st_mtime_ns, st.st_size, st.st_ino)
        return
    except OSError:
        return
    for e in entries:
        rel = f"{prefix}/{e.name}"
        try:
            if e.is_dir():
                if e.name not in SKIP_DIRS:
                    scan(Path(e.path), rel, out)
                continue
            st = e.stat()
        except OSError:
            continue
        out[rel] = (st.st_mtime_ns, st.st_size, st.st_ino)


def scan_inputs(site_dir: Path, extra_roots: Iterable[Path] = ()) -> dict[str, Stat]:
    found: dict[str, Stat] = {}
    for name in INPUT_ROOTS:
        scan(site_dir / name, name, found)
    for i, root in enumerate(extra_roots):
        scan(root, f"<{i}>", found)
    return found


def input_stamp(inputs: dict[str, Stat], settings: Iterable[str]) -> str:
    rows = [f"{k}\x00{v[0]}\x00{v[1]}\x00{v[2]}" for k, v in sorted(inputs.items())]
    return _hash("\n".join([*settings, *rows]))


def racy(inputs: dict[str, Stat], now_ns: int) -> bool:
    """True if some input changed so recently that its stat could still change unseen."""
    limit = now_ns - RACY_NS
    return any(v[0] >= limit for v in inputs.values())


# ---------------------------------------------------------------- parse cache


def _encode(v: Any) -> Any:
    """YAML values -> marshal-able values; dates become tagged tuples."""
    if isinstance(v, dt.datetime):
        return ("\x00datetime", v.isoformat())
    if isinstance(v, dt.date):
        return ("\x00date", v.toordinal())
    if isinstance(v, dict):
        return {"\x00dict": [(_encode(k), _encode(x)) for k, x in v.items()]}
    if isinstance(v, list):
        return [_encode(x) for x in v]
    if isinstance(v, tuple):
        return ("\x00tuple", [_encode(x) for x in v])
    if v is None or isinstance(v, (str, int, float, bool, bytes)):
        return v
    raise TypeError(type(v).__name__)


def _decode(v: Any) -> Any:
    if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str):
        tag = v[0]
        if tag == "\x00date":
            return dt.date.fromordinal(v[1])
        if tag == "\x00datetime":
            return dt.datetime.fromisoformat(v[1])
        if tag == "\x00tuple":
            return tuple(_decode(x) for x in v[1])
    if isinstance(v, dict) and "\x00dict" in v:
        return {_decode(k): _decode(x) for k, x in v["\x00dict"]}
    if isinstance(v, list):
        return [_decode(x) for x in v]
    return v


def encode_record(value: Any) -> Any:
    """A parsed content file as marshal-able data, or None if it holds a type we cannot store."""
    try:
        return _encode(value)
    except TypeError:
        return None


decode_record = _decode


class ParseEntry:
    __slots__ = ("stat", "checked_ns", "digest", "value")

    def __init__(self, stat: Stat, checked_ns: int, digest: str, value: Any):
        self.stat = stat
        self.checked_ns = checked_ns  # when the stat was taken: a stat this close to the
        self.digest = digest  # mtime is not proof; digest: hash of the file's text
        self.value = value  # the encoded parse result


class ParseCache:
    """Content file path -> its parse result, valid while the file is unchanged."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.entries: dict[str, ParseEntry] = {}
        self._dirty: set[int] = set()
        self._loaded = False
        self.hits = 0
        self.misses = 0

    @staticmethod
    def shard(rel: str) -> int:
        return int(hashlib.blake2b(rel.encode(), digest_size=2).hexdigest(), 16) % SHARDS

    def load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        for i in range(SHARDS):
            data = read_marshal(self.folder / f"{i:02d}.marshal")
            if not isinstance(data, dict):
                continue
            for rel, row in data.items():
                if isinstance(row, tuple) and len(row) == 4 and self.shard(rel) == i:
                    self.entries[rel] = ParseEntry(*row)

    def lookup(self, rel: str, stat: Stat) -> ParseEntry | None:
        """The entry if the file is certainly unchanged by its stat alone."""
        e = self.entries.get(rel)
        if e is None or tuple(e.stat) != stat:
            return None
        if stat[0] >= e.checked_ns - RACY_NS:
            return None  # changed within the clock's granularity of the check: verify by content
        return e

    def by_digest(self, rel: str, digest: str) -> ParseEntry | None:
        e = self.entries.get(rel)
        return e if e is not None and e.digest == digest else None

    def put(self, rel: str, entry: ParseEntry) -> None:
        self.entries[rel] = entry
        self._dirty.add(self.shard(rel))

    def retain(self, keep: set[str]) -> None:
        for rel in [r for r in self.entries if r not in keep]:
            del self.entries[rel]
            self._dirty.add(self.shard(rel))

    def save(self) -> None:
        if not self._dirty:
            return
        shards: dict[int, dict[str, tuple]] = {i: {} for i in self._dirty}
        for rel, e in self.entries.items():
            s = self.shard(rel)
            if s in shards:
                shards[s][rel] = (e.stat, e.checked_ns, e.digest, e.value)
        for i, data in shards.items():
            write_marshal(self.folder / f"{i:02d}.marshal", data)
        self._dirty.clear()


class Derived:
    """Results of expensive pure functions of the content (citations, related papers).

    Keyed by a fingerprint of everything the function reads, so a hit is exactly
    what the function would return. Shards are read on first use and rewritten
    only when they gained entries; entries no build used are dropped when a cold
    build has just recomputed everything that is live.
    """

    SHARDS = 16

    def __init__(self, folder: Path, read: bool = True):
        self.folder = folder
        self.read = read
        self.shards: dict[int, dict[str, Any]] = {}
        self.used: set[str] = set()
        self._dirty: set[int] = set()

    def _shard(self, key: str) -> dict[str, Any]:
        i = int(key[:4], 16) % self.SHARDS if len(key) >= 4 else 0
        shard = self.shards.get(i)
        if shard is None:
            data = read_marshal(self.folder / f"{i:02d}.marshal") if self.read else None
            shard = data if isinstance(data, dict) else {}
            self.shards[i] = shard
        return shard

    def get(self, key: str) -> Any:
        value = self._shard(key).get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: str, value: Any) -> None:
        try:
            marshal.dumps(value)
        except ValueError:
            return  # not storable: computed again next time
        self._shard(key)[key] = value
        self.used.add(key)
        self._dirty.add(int(key[:4], 16) % self.SHARDS if len(key) >= 4 else 0)

    def save(self, prune: bool = False) -> None:
        if prune:  # everything live was just used: drop the rest
            for i in range(self.SHARDS):
                shard = self._shard(f"{i:04x}")
                stale = [k for k in shard if k not in self.used]
                for k in stale:
                    del shard[k]
                if stale:
                    self._dirty.add(i)
        for i in sorted(self._dirty):
            write_marshal(self.folder / f"{i:02d}.marshal", self.shards[i])
        self._dirty.clear()


def text_digest(text: str) -> str:
    return _hash(text)


# ---------------------------------------------------------------- build state


class BuildState:
    """What the last build into one output folder read and wrote.

    Kept in two files: this small part, all a build with nothing changed reads,
    and the manifest (one row per output file), read only when there is work.
    """

    FIELDS = (
        "settings",  # base URL, flags: a different value means a different site
        "input_stamp",  # stat of every input file
        "racy",  # an input changed too recently for its stat to prove anything
        "output_id",  # (device, inode) of the output folder the build made
        "warnings",  # (message, path, line), repeated by a build that does nothing
        "pages",
        "files",
        "output",  # the output folder, so caches of folders since deleted can go
        "generation",  # changes whenever the output does; the standby copy records it
    )

    def __init__(
        self,
        settings: str = "",
        input_stamp: str = "",
        racy: bool = True,
        output_id: tuple[int, int] = (0, 0),
        manifest: dict[str, tuple[str, str]] | None = None,  # rel -> (key, content hash)
        warnings: list[tuple[str, str | None, int | None]] | None = None,
        pages: int = 0,
        output: str = "",
        generation: str = "",
        files: int | None = None,
    ):
        self.settings = settings
        self.input_stamp = input_stamp
        self.racy = racy
        self.output_id = tuple(output_id)
        self.manifest = manifest if manifest is not None else {}
        self.warnings = warnings or []
        self.pages = pages
        self.output = output
        self.generation = generation
        self.files = files if files is not None else len(self.manifest)

    def to_data(self) -> Any:
        return tuple(getattr(self, f) for f in self.FIELDS)

    @classmethod
    def from_data(cls, data: Any) -> BuildState | None:
        if not isinstance(data, tuple) or len(data) != len(cls.FIELDS):
            return None
        values = dict(zip(cls.FIELDS, data, strict=True))
        if not isinstance(values["output_id"], tuple) or not isinstance(values["files"], int):
            return None
        return cls(**values)


# ---------------------------------------------------------------- the output as built

SEARCH_DIR = "pagefind"


# A paper's citation files are watched through their folder, whose stat changes when
# a file in it is added, deleted or replaced: 30,000 fewer stat calls at 10,000 papers
# keep a build with nothing to do under 0.3 s. (An edit in place of one of them is
# the one change this misses; their pages and feeds are watched file by file.)
BY_FOLDER = (".bib", ".ris", ".json")


def watch_key(rel: str) -> str:
    """What stands for an output file in the recorded stats: itself, or its folder ("x/")."""
    if rel.endswith(BY_FOLDER) and "/" in rel:
        return rel[: rel.rindex("/") + 1]
    return rel


def stat_outputs(root: Path, rels: Iterable[str]) -> dict[str, Stat]:
    """(mtime, size, inode) of the given output files, and of the search index's folders.

    The build trusts its manifest for the bytes in output/; these stats are how it
    notices that someone deleted or edited files there since (`rm -rf output/*`,
    a page fixed by hand). Pagefind's thousands of fragments are covered by the
    stats of their folders, which change whenever a file in them is added or removed.
    """
    base = f"{root}{os.sep}"
    out: dict[str, Stat] = {}
    for rel in rels:
        key = watch_key(rel)
        if key in out:
            continue
        try:
            st = os.lstat(base + key)
        except OSError:
            continue
        out[key] = (st.st_mtime_ns, st.st_size, st.st_ino)
    search = root / SEARCH_DIR
    todo = [search] if search.is_dir() else []
    while todo:
        d = todo.pop()
        try:
            st = d.stat()
            entries = list(os.scandir(d))
        except OSError:
            continue
        out[f"{d.relative_to(root).as_posix()}/"] = (st.st_mtime_ns, st.st_size, st.st_ino)
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                todo.append(Path(e.path))
            elif d == search:
                st = e.stat(follow_symlinks=False)
                out[f"{SEARCH_DIR}/{e.name}"] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return out


def damaged_outputs(root: Path, recorded: dict[str, Stat]) -> list[str]:
    """The recorded output paths whose file is gone or not what the last build left."""
    base = f"{root}{os.sep}"
    bad = []
    lstat = os.lstat
    for rel, sig in recorded.items():
        try:
            st = lstat(base + rel)
        except OSError:
            bad.append(rel)
            continue
        if (st.st_mtime_ns, st.st_size, st.st_ino) != sig:
            bad.append(rel)
    return bad


def output_id(output: Path) -> tuple[int, int] | None:
    try:
        st = output.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


class Cache:
    """The cache folder of one site, for builds into one output folder."""

    def __init__(self, site_dir: Path, output: Path, read: bool = True):
        self.read = read  # False: ignore what is cached (the build still refreshes it)
        self.root = site_dir / CACHE_DIR
        out_key = _hash(str(output.resolve()))[:12]
        self.out_dir = self.root / f"out-{out_key}"
        self.papers = ParseCache(self.root / "papers")
        if not read:
            self.papers._loaded = True
        self.fragments_dir = self.out_dir / "fragments"
        self.journal = self.out_dir / "commit-in-progress"
        self.derived = Derived(self.root / "derived", read=read)

    def load_state(self) -> BuildState | None:
        """The last build's state without its manifest (see load_manifest)."""
        if not self.read or self.journal.exists():
            return None  # an interrupted in-place commit: the output may be mixed, rebuild all
        return BuildState.from_data(read_marshal(self.out_dir / "state.marshal"))

    def load_manifest(self, state: BuildState) -> bool:
        data = read_marshal(self.out_dir / "manifest.marshal")
        if not isinstance(data, tuple) or len(data) != 2 or data[0] != state.generation:
            return False
        if not isinstance(data[1], dict) or len(data[1]) != state.files:
            return False
        state.manifest = data[1]
        return True

    def save_state(self, state: BuildState) -> None:
        # manifest first: a state is only trusted with the manifest of its generation
        write_marshal(self.out_dir / "manifest.marshal", (state.generation, state.manifest))
        write_marshal(self.out_dir / "state.marshal", state.to_data())

    def load_output_stats(self, generation: str) -> dict[str, Stat] | None:
        data = read_marshal(self.out_dir / "output-stats.marshal")
        if not isinstance(data, tuple) or len(data) != 2 or data[0] != generation:
            return None
        return data[1] if isinstance(data[1], dict) else None

    def save_output_stats(self, generation: str, stats: dict[str, Stat]) -> None:
        write_marshal(self.out_dir / "output-stats.marshal", (generation, stats))

    def prune_outputs(self) -> None:
        """Drop the caches of output folders that no longer exist (old `sitegen serve` runs)
        and templates compiled by other versions of sitegen."""
        try:
            others = [d for d in self.root.iterdir() if d.name.startswith("out-")]
            compiled = [d for d in self.root.iterdir() if d.name.startswith("jinja-")]
        except OSError:
            return
        current = f"jinja-{environment_key()[:16]}"
        for d in compiled:
            if d.name != current:
                shutil.rmtree(d, ignore_errors=True)
        for d in others:
            if d == self.out_dir:
                continue
            state = BuildState.from_data(read_marshal(d / "state.marshal"))
            if state is None or not state.output or not Path(state.output).exists():
                shutil.rmtree(d, ignore_errors=True)

    # the standby: a hard-link copy of the output, updated and swapped in by the next build
    @property
    def standby(self) -> Path:
        return self.out_dir / "standby"

    def can_stand_by(self, output: Path) -> bool:
        """A standby must share the output's file system, or it cannot be swapped in."""
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            return self.out_dir.stat().st_dev == output.parent.stat().st_dev
        except OSError:
            return False

    def standby_valid(self, generation: str) -> bool:
        marker = read_marshal(self.out_dir / "standby.marshal")
        return bool(generation) and marker == generation and self.standby.is_dir()

    def mark_standby(self, generation: str | None) -> None:
        path = self.out_dir / "standby.marshal"
        if generation is None:
            try:
                path.unlink()
            except OSError:
                pass
        else:
            write_marshal(path, generation)

    def discard(self, path: Path) -> None:
        """Delete a folder tree without waiting: deleting 50,000 files takes seconds here.

        The tree is renamed into the cache's trash (same file system) and a detached
        process removes it; whatever it leaves, the next build's discard removes.
        """
        trash = self.out_dir / "trash"
        try:
            trash.mkdir(parents=True, exist_ok=True)
            if path.exists():
                os.rename(path, trash / f"{os.getpid()}-{time.time_ns()}")
        except OSError:
            shutil.rmtree(path, ignore_errors=True)
            return
        if not any(trash.iterdir()):
            return
        import subprocess

        try:
            subprocess.Popen(
                [sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], True)",
                 str(trash)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
        except OSError:
            shutil.rmtree(trash, ignore_errors=True)

    def forget_state(self) -> None:
        try:
            (self.out_dir / "state.marshal").unlink()
        except OSError:
            pass

    def begin_commit(self) -> None:
        self.journal.parent.mkdir(parents=True, exist_ok=True)
        self.journal.write_bytes(b"")

    def end_commit(self) -> None:
        try:
            self.journal.unlink()
        except OSError:
            pass

    # what the templates were found to read, and Jinja's compiled templates
    def load_templates(self) -> dict[str, Any]:
        data = read_marshal(self.root / "templates.marshal") if self.read else None
        return data if isinstance(data, dict) else {}

    def save_templates(self, known: dict[str, Any], learned: dict[str, Any]) -> None:
        if learned and learned != known:
            write_marshal(self.root / "templates.marshal", learned)

    def bytecode_dir(self) -> Path:
        path = self.root / f"jinja-{environment_key()[:16]}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    # memoised macro output of big pages
    def fragment_path(self, rel: str) -> Path:
        return self.fragments_dir / (_hash(rel)[:20] + ".marshal")

    def load_fragments(self, rel: str) -> dict[str, tuple[str, tuple[str, ...]]]:
        data = read_marshal(self.fragment_path(rel))
        return data if isinstance(data, dict) else {}

    def save_fragments(self, rel: str, record: dict[str, tuple[str, tuple[str, ...]]]) -> None:
        write_marshal(self.fragment_path(rel), record)

    def clear_fragments(self) -> None:
        shutil.rmtree(self.fragments_dir, ignore_errors=True)

    def drop_fragments(self, rel: str) -> None:
        try:
            self.fragment_path(rel).unlink()
        except OSError:
            pass


def now_ns() -> int:
    return time.time_ns()


def themes_root() -> Path:
    """The built-in themes folder, found without importing Jinja (cf. render.builtin_themes_dir)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("sitegen.themes")
    except (ImportError, ValueError):
        spec = None
    for loc in (spec.submodule_search_locations or []) if spec is not None else []:
        if (Path(loc) / "default" / "templates").is_dir():
            return Path(loc)
    return Path(__file__).resolve().parent.parent / "themes"


def summary_line(pages: int, files: int, how: str, output: Path, seconds: float) -> str:
    return f"built {pages} pages ({files} files{how}) into {output} in {seconds:.2f} s"


class Probe:
    """The first step of every build: the inputs as they are now, and the last build's state.

    Cheap on purpose (a directory scan and one small file, no Jinja, no YAML), so
    the command line can answer "nothing changed" before importing the renderer.
    """

    def __init__(
        self, site_dir: Path, output: Path, base_url: str | None, search: bool, read: bool = True
    ):
        self.started = time.perf_counter()
        self.output = output
        self.cache = Cache(site_dir, output, read=read)
        self.settings = _hash(
            "\x00".join(
                ("settings", str(output.resolve()), base_url or "", os.environ.get("URL", ""),
                 str(search))
            )
        )  # fmt: skip
        self.scan_ns = now_ns()
        self.inputs = scan_inputs(site_dir, [themes_root()])
        self.stamp = input_stamp(self.inputs, [self.settings])
        state = self.cache.load_state()
        if state is not None and (
            state.settings != self.settings or state.output_id != output_id(output)
        ):
            state = None  # another output folder, other settings, or the output was replaced
        # files in output/ deleted or changed by hand since the last build: redone
        self.damaged: list[str] = []
        self.output_stats: dict[str, Stat] = {}
        if state is not None:
            recorded = self.cache.load_output_stats(state.generation)
            if recorded is None:
                state = None  # no record of what the output held: trust nothing in it
            else:
                self.output_stats = recorded
                self.damaged = damaged_outputs(output, recorded)
        self.state = state

    @property
    def unchanged(self) -> bool:
        state = self.state
        return (
            state is not None
            and state.input_stamp == self.stamp
            and not state.racy
            and not self.damaged
        )

    def summary(self) -> str:
        assert self.state is not None
        seconds = time.perf_counter() - self.started
        return summary_line(
            self.state.pages, self.state.files, ", nothing changed", self.output, seconds
        )


# ---------------------------------------------------------------- loading papers through the cache

PARALLEL_PARSE_MIN = 400  # files; fewer parse faster than a process pool starts


@functools.cache
def _source_fields() -> tuple[str, ...]:
    """PaperSource's field names, looked up once: 10,000 rows are decoded per build."""
    import dataclasses

    from .content import PaperSource

    return tuple(f.name for f in dataclasses.fields(PaperSource))


@functools.cache
def _special_positions() -> tuple[int, int, int]:
    names = _source_fields()
    return names.index("date"), names.index("added"), names.index("extra")


def encode_source(ps: Any) -> tuple | None:
    """A PaperSource as a flat marshal-able tuple: dates as ordinals, `extra` tagged."""
    row = []
    for name in _source_fields():
        v = getattr(ps, name)
        if name in ("date", "added"):
            v = v.toordinal() if v is not None else None
        elif name == "extra":
            v = encode_record(v) if v else None
            if ps.extra and v is None:
                return None
        row.append(v)
    return tuple(row)


def decode_source(row: tuple) -> Any:
    """The inverse of encode_source, positionally: a third of the time of keyword arguments."""
    from .content import PaperSource

    if len(row) != len(_source_fields()):
        raise ValueError("a cached paper row of another shape")
    values = list(row)
    date, added, extra = _special_positions()
    values[date] = dt.date.fromordinal(values[date])
    if values[added] is not None:
        values[added] = dt.date.fromordinal(values[added])
    values[extra] = decode_record(values[extra]) if values[extra] else {}
    return PaperSource(*values)


def parse_file(path: Path, display: str) -> tuple[Any, list, str, str]:
    """(PaperSource, warnings, text digest, front matter digest) of one paper file."""
    from .content import parse_paper, read_text, split_front_matter

    text = read_text(path, display)
    warnings: list = []
    paper = parse_paper(text, display, warnings)
    front, _, _ = split_front_matter(text, display)
    return paper, warnings, text_digest(text), _hash(front)


def _parse_chunk(chunk: list[tuple[int, str, str]]) -> list[tuple]:
    """Worker side: parse files, returning marshal-friendly rows (errors as data)."""
    from .errors import SitegenError

    out: list[tuple] = []
    for i, path, display in chunk:
        try:
            paper, warnings, digest, meta = parse_file(Path(path), display)
        except SitegenError as e:
            out.append((i, "error", (e.message, e.path, e.line, e.exit_code)))
            break
        ws = [(w.message, w.path, w.line) for w in warnings]
        row = encode_source(paper)
        out.append((i, "ok", (row, paper if row is None else None, ws, digest, meta)))
    return out


class Sources:
    def __init__(self, papers: list, warnings: list, meta: dict[str, str], parsed: int):
        self.papers = papers  # PaperSource, drafts dropped, in file order
        self.warnings = warnings
        self.meta = meta  # display path -> front matter digest
        self.parsed = parsed  # files actually parsed (not taken from the cache)


def load_sources(
    site_dir: Path, inputs: dict[str, Stat], cache: ParseCache, scan_ns: int, jobs: int
) -> Sources:
    """content/papers through the parse cache; unchanged files are not even read."""
    from .content import collect_papers, paper_files
    from .errors import SitegenError, SitegenWarning
    from .outputs import fork_map

    cache.load()
    paths = paper_files(site_dir)
    displays = [str(p.relative_to(site_dir)) for p in paths]
    rows: list[tuple[Any, list, str] | SitegenError | None] = [None] * len(paths)
    todo: list[int] = []
    for i, display in enumerate(displays):
        st = inputs.get(display.replace(os.sep, "/"))
        e = cache.lookup(display, st) if st is not None else None
        if e is None:
            todo.append(i)
            continue
        row, ws, meta = e.value
        rows[i] = (decode_source(row), ws, meta)
        cache.hits += 1

    def take(i: int, kind: str, payload: Any) -> None:
        if kind == "error":
            rows[i] = SitegenError(payload[0], payload[1], payload[2], payload[3])
            return
        row, raw, ws, digest, meta = payload
        paper = raw if row is None else decode_source(row)
        rows[i] = (paper, ws, meta)
        st = inputs.get(displays[i].replace(os.sep, "/"))
        if row is not None and st is not None:
            cache.put(displays[i], ParseEntry(st, scan_ns, digest, (row, ws, meta)))

    # files whose stat changed but whose text did not (a touch, a checkout) skip parsing
    really: list[int] = []
    for i in todo:
        st = inputs.get(displays[i].replace(os.sep, "/"))
        known = cache.entries.get(displays[i])
        if known is not None and st is not None:
            from .content import read_text

            try:
                text = read_text(paths[i], displays[i])
            except SitegenError as e:
                rows[i] = e
                continue
            if text_digest(text) == known.digest:
                row, ws, meta = known.value
                rows[i] = (decode_source(row), ws, meta)
                cache.put(displays[i], ParseEntry(st, scan_ns, known.digest, known.value))
                continue
        really.append(i)

    items = [(i, str(paths[i]), displays[i]) for i in really]
    if jobs > 1 and len(items) >= PARALLEL_PARSE_MIN:
        size = max(50, len(items) // (jobs * 4))
        parts = [items[k : k + size] for k in range(0, len(items), size)]
        results = [r for part in fork_map(_parse_chunk, parts, jobs, None) for r in part]
    else:
        results = _parse_chunk(items)
    for i, kind, payload in results:
        take(i, kind, payload)
    cache.retain(set(displays))

    warnings: list[SitegenWarning] = []
    parsed: list[tuple[str, Any]] = []
    meta: dict[str, str] = {}
    for display, r in zip(displays, rows, strict=True):
        if r is None:
            break  # after a file that failed to parse: the error comes first
        if isinstance(r, SitegenError):
            parsed.append((display, r))
            break
        paper, ws, m = r
        warnings += [SitegenWarning(*w) for w in ws]
        meta[display] = m
        parsed.append((display, paper))
    return Sources(collect_papers(parsed), warnings, meta, len(really))
