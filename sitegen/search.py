"""Full-text search with Pagefind: an index built next to the pages, searched in the browser.

A researcher's site lives on static hosting, so search cannot need a server.
Pagefind indexes the finished HTML and writes a `pagefind/` folder of small
index chunks plus a WebAssembly search engine; the browser downloads only the
chunks a query needs. The `pagefind` package from PyPI ships the binary, and
it runs here as `python -m pagefind` on the temporary build folder, before the
swap, so a deployed site never has pages and an index from different builds.

Only paper pages are indexed (their <article> carries `data-pagefind-body`),
with filters for topic, year and coauthor set by the paper template. The theme
decides what is indexed, through those `data-pagefind-*` attributes.

Rebuilding the index reuses the previous one where it can. Pagefind names each
page's fragment and each word-index chunk after a hash of its content, and skips
writing a file whose name already exists, so the new bundle folder starts with
hard links to the previous bundle's `fragment/` and `index/` files: at 10,000
papers, compressing and writing those (10,000 fragments) is about a third of the
run, and after an edit nearly all of them are unchanged. The names hold only 28
bits of the hash, so two different contents can share one; every reused file the
new index refers to is therefore checked (its content must hash to its name, a
fragment must be of a page that exists and no other page, a chunk must hold the
words the new index looks for in it), links the new index does not use are
deleted, and if any check fails the index is built again from nothing. The
previous bundle is only read: Pagefind never opens an existing content-named file.

Search is optional: without the package (or with `--no-search`) the build
still succeeds and says why search was skipped; the theme then shows no search
box, only its links to the timeline.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

from .errors import SitegenWarning

BUNDLE_DIR = "pagefind"
PAPER_DIR = "papers"
PAPER_GLOB = f"{PAPER_DIR}/*/index.html"  # the pages indexed: URL /papers/SLUG/
TIMEOUT_S = 900
SIGNATURE = b"pagefind_dcd"  # what every gzipped Pagefind data file starts with, unzipped
FRAGMENTS, CHUNKS = "fragment", "index"  # the content-named folders that are reused


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


def build_index(
    site_root: Path, bundle: Path | None = None, reuse: Path | None = None
) -> SitegenWarning | None:
    """Index the paper pages under `site_root` into `site_root/pagefind/` (or `bundle`).

    `reuse` is a previous bundle folder whose unchanged files are linked instead of
    written again (it is only read). An index already at the destination is the one
    reused when `reuse` is not given, and it stays in place if the new one fails.

    Returns a warning instead of raising: a missing or failing search index is
    worth telling the user about, never worth losing the rest of the build.
    """
    if not pagefind_available():
        return SitegenWarning(
            "search index skipped: the Pagefind binary is not available "
            "(install sitegen's search extra, `pip install '.[search]'` in its checkout, "
            "or build with --no-search)"
        )
    site_root = Path(site_root).resolve()
    out = Path(bundle).resolve() if bundle is not None else site_root / BUNDLE_DIR
    for stale in out.parent.glob(f".{out.name}.old-*"):  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)
    previous = None
    if out.exists():
        previous = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, previous)
        if reuse is None or Path(reuse).resolve() == out:
            reuse = previous
    try:
        problem = _index(site_root, out, Path(reuse) if reuse is not None else None)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        if previous is not None:
            os.rename(previous, out)
        raise
    if problem is not None:
        shutil.rmtree(out, ignore_errors=True)
        if previous is not None:
            os.rename(previous, out)
    elif previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    return problem


# Reuse leans on how Pagefind names and writes its files, which it does not document:
# only the versions whose behaviour the tests checked take part; others index afresh.
REUSE_VERSIONS = ("1.5.",)


def reuse_supported() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("pagefind").startswith(REUSE_VERSIONS)
    except PackageNotFoundError:
        return False


def _index(site_root: Path, out: Path, reuse: Path | None) -> SitegenWarning | None:
    """Run Pagefind into `out` (which does not exist), reusing what it can of `reuse`."""
    if reuse is not None and not reuse_supported():
        reuse = None
    seeded = seed(reuse, out) if reuse is not None else set()
    problem = run_pagefind(site_root, out)
    if problem is None and seeded and not settle(out, site_root, seeded):
        shutil.rmtree(out, ignore_errors=True)  # a reused file is not what it seemed
        problem = run_pagefind(site_root, out)
    if problem is None and not (out / "pagefind.js").is_file():
        problem = SitegenWarning("search index skipped: Pagefind wrote no pagefind.js")
    return problem


def run_pagefind(site_root: Path, out: Path) -> SitegenWarning | None:
    cmd = [
        sys.executable,
        "-m",
        "pagefind",
        "--site",
        str(site_root),
        "--glob",
        PAPER_GLOB,
        "--output-path",
        str(out),
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
    return None


# ---------------------------------------------------------------- reusing a bundle


def seed(reuse: Path, out: Path) -> set[str]:
    """Hard-link the content-named files of the bundle `reuse` into a new folder `out`.

    Returns the files linked ("fragment/en_1a2b3c4.pf_fragment", ...): none where
    links cannot be made (another file system), and then Pagefind writes every file.
    """
    linked: set[str] = set()
    out.mkdir(parents=True)
    try:
        for sub, suffix in ((FRAGMENTS, ".pf_fragment"), (CHUNKS, ".pf_index")):
            src = reuse / sub
            if not src.is_dir():
                continue
            (out / sub).mkdir()
            for entry in os.scandir(src):
                if entry.name.endswith(suffix) and entry.is_file(follow_symlinks=False):
                    os.link(entry.path, out / sub / entry.name)
                    linked.add(f"{sub}/{entry.name}")
    except OSError:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
        return set()
    return linked


def settle(out: Path, site_root: Path, seeded: set[str]) -> bool:
    """Check every reused file the new index in `out` refers to; delete the rest.

    A reused file must hold what its name says (its content hashes to the name);
    a reused word-index chunk must start with the word the new index looks for
    first in it; every fragment must be of a different page, with the word count the
    index has, and a reused one of a page that exists. False when a check fails (or
    the index cannot be read): the caller then builds the index again from nothing.
    """
    try:
        used: set[str] = set()
        urls: set[str] = set()
        pages = {f"/{PAPER_DIR}/{name}/" for name in os.listdir(site_root / PAPER_DIR)}
        reused_fragment = False
        for lang, meta in bundle_meta(out):
            for name, _ in meta["pages"]:
                rel = f"{FRAGMENTS}/{name}.pf_fragment"
                used.add(rel)
                reused_fragment = reused_fragment or rel in seeded
            for first, _, name in meta["chunks"]:
                rel = f"{CHUNKS}/{name}.pf_index"
                used.add(rel)
                if rel in seeded:
                    # the browser picks a chunk by the prefixes of its first and last
                    # words: a chunk of other words under this name starts elsewhere
                    data = content_of(out / rel, lang, name)
                    if not first_word(data).startswith(first):
                        return False
            if not reused_fragment:
                continue
            for name, word_count in meta["pages"]:
                # Every page's fragment is read: a fragment reused for the wrong page
                # shows as a URL met twice, or one that no longer has a page.
                rel = f"{FRAGMENTS}/{name}.pf_fragment"
                page = json.loads(content_of(out / rel, lang, name))
                url = page["url"]
                if url in urls or page["word_count"] != word_count:
                    return False
                urls.add(url)
                if rel in seeded and url not in pages:
                    return False
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError, zlib.error):
        return False
    for rel in seeded - used:
        (out / rel).unlink(missing_ok=True)
    return True


def bundle_meta(bundle: Path) -> list[tuple[str, dict[str, Any]]]:
    """(language, its index's pages and chunks) for each language of a Pagefind bundle.

    pages: [fragment name, word count] in page order; chunks: [first word, last
    word, chunk name]. Raises ValueError (or OSError) for anything unexpected.
    """
    entry = json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    out = []
    for lang, info in entry["languages"].items():
        name = info["hash"]
        meta = cbor(content_of(bundle / f"pagefind.{name}.pf_meta", lang, name))
        if not (isinstance(meta, list) and len(meta) >= 3):
            raise ValueError("unexpected Pagefind metadata")
        pages, chunks = meta[1], meta[2]
        if not all(isinstance(p, list) and len(p) == 2 for p in pages) or not all(
            isinstance(c, list) and len(c) == 3 for c in chunks
        ):
            raise ValueError("unexpected Pagefind metadata")
        out.append((lang, {"pages": pages, "chunks": chunks}))
    return out


def content_of(path: Path, lang: str, name: str) -> bytes:
    """The data in a Pagefind file, checked against the hash its name carries."""
    raw = zlib.decompress(path.read_bytes(), 31)  # 31: a gzip member
    if not raw.startswith(SIGNATURE):
        raise ValueError(f"{path.name}: not a Pagefind file")
    data = raw[len(SIGNATURE) :]
    if not f"{lang}_{pagefind_hash(data)}".startswith(name):
        raise ValueError(f"{path.name}: content does not match its name")
    return data


def pagefind_hash(data: bytes) -> str:
    """Pagefind's content hash: SHA-1, each byte in hex without a leading zero."""
    return "".join(format(b, "x") for b in hashlib.sha1(data).digest())


def cbor(data: bytes) -> Any:
    """Decode one CBOR item (the subset Pagefind writes: integers, strings, arrays, maps)."""
    value, end = _cbor_item(data, 0)
    if end != len(data):
        raise ValueError("trailing bytes after CBOR item")
    return value


def first_word(chunk: bytes) -> str:
    """The first word in a word-index chunk ([[[word, pages, variants], ...]]), unread rest."""
    i = 0
    for _ in range(3):
        major, _, i = _cbor_head(chunk, i)
        if major != 4:
            raise ValueError("unexpected word-index chunk")
    word, _ = _cbor_item(chunk, i)
    if not isinstance(word, str):
        raise ValueError("unexpected word-index chunk")
    return word


def _cbor_head(b: bytes, i: int) -> tuple[int, int | None, int]:
    """(major type, length or value, next index) of the CBOR item at b[i]."""
    try:
        head = b[i]
    except IndexError:
        raise ValueError("truncated CBOR") from None
    major, info = head >> 5, head & 31
    i += 1
    if info < 24:
        return major, info, i
    if info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        if i + size > len(b):
            raise ValueError("truncated CBOR")
        return major, int.from_bytes(b[i : i + size], "big"), i + size
    if info == 31 and major in (4, 5):
        return major, None, i  # indefinite length
    raise ValueError(f"unsupported CBOR item {head:#x}")


def _cbor_item(b: bytes, i: int) -> tuple[Any, int]:
    head = b[i] if i < len(b) else 0
    major, n, i = _cbor_head(b, i)
    info = head & 31
    try:
        if major == 0:
            return n, i
        if major == 1:
            return -1 - n, i  # type: ignore[operator]
        if major in (2, 3):
            assert n is not None
            if i + n > len(b):
                raise ValueError("truncated CBOR")
            raw = b[i : i + n]
            return (raw.decode("utf-8") if major == 3 else bytes(raw)), i + n
        if major == 4:
            items = []
            while (n is None and b[i] != 0xFF) or (n is not None and len(items) < n):
                item, i = _cbor_item(b, i)
                items.append(item)
            return items, i + (1 if n is None else 0)
        if major == 5:
            mapping = {}
            while (n is None and b[i] != 0xFF) or (n is not None and len(mapping) < n):
                key, i = _cbor_item(b, i)
                mapping[key], i = _cbor_item(b, i)
            return mapping, i + (1 if n is None else 0)
        if major == 7 and info in (20, 21, 22):
            return {20: False, 21: True, 22: None}[info], i
        if major == 7 and info == 27:
            return struct.unpack(">d", b[i - 8 : i])[0], i
        raise ValueError(f"unsupported CBOR item {head:#x}")
    except IndexError:
        raise ValueError("truncated CBOR") from None
