"""The search index step: Pagefind's files read back, and a rebuild that reuses the last index.

The browser side (typing, filters, results) is in test_search_browser.py; here the
index folder itself: a rebuild that links the previous index's unchanged files must
give exactly the files a fresh run gives, must never change the index it reuses,
and must notice a reused file that is not what its name says.
"""

from __future__ import annotations

import gzip
import os
import random
import shutil
from pathlib import Path

import pytest
from conftest import BASE_URL, missing_tool, run_cli

from sitegen import search
from sitegen.search import SIGNATURE, build_index, cbor, pagefind_hash

# ---------------------------------------------------------------- pure helpers


def test_cbor_reads_the_items_pagefind_writes() -> None:
    assert cbor(bytes([0x00])) == 0
    assert cbor(bytes([0x17])) == 23
    assert cbor(bytes([0x18, 0x18])) == 24
    assert cbor(bytes([0x19, 0x01, 0x00])) == 256
    assert cbor(bytes([0x1A, 0x00, 0x01, 0x00, 0x00])) == 65536
    assert cbor(bytes([0x1B]) + (2**40).to_bytes(8, "big")) == 2**40
    assert cbor(bytes([0x20])) == -1
    assert cbor(bytes([0x38, 0x63])) == -100
    assert cbor(bytes([0x63]) + b"abc") == "abc"
    assert cbor(bytes([0x62]) + "é".encode()) == "é"
    assert cbor(bytes([0x42, 1, 2])) == b"\x01\x02"
    assert cbor(bytes([0x83, 0x01, 0x82, 0x02, 0x03, 0x61, 0x78])) == [1, [2, 3], "x"]
    assert cbor(bytes([0x9F, 0x01, 0x02, 0xFF])) == [1, 2]  # indefinite length
    assert cbor(bytes([0xA1, 0x61, 0x6B, 0x01])) == {"k": 1}
    assert cbor(bytes([0xF5])) is True


@pytest.mark.parametrize(
    "data",
    [b"", bytes([0x83, 0x01]), bytes([0x63, 0x61]), bytes([0x19, 0x01]), bytes([0x01, 0x02])],
    ids=["empty", "short array", "short string", "short integer", "trailing bytes"],
)
def test_cbor_refuses_what_it_cannot_read(data: bytes) -> None:
    with pytest.raises(ValueError):
        cbor(data)


def test_pagefind_hash_writes_bytes_without_leading_zeros() -> None:
    # SHA-1 of nothing: da39a3ee 5e6b4b0d 3255bfef 95601890 afd80709
    assert pagefind_hash(b"") == "da39a3ee5e6b4bd3255bfef95601890afd879"


def test_content_of_checks_the_name(tmp_path: Path) -> None:
    data = b'{"url":"/papers/a/"}'
    name = "en_" + pagefind_hash(data)[:7]
    good = tmp_path / "good"
    good.write_bytes(gzip.compress(SIGNATURE + data))
    assert search.content_of(good, "en", name) == data
    with pytest.raises(ValueError):
        search.content_of(good, "en", "en_0000000")
    unsigned = tmp_path / "unsigned"
    unsigned.write_bytes(gzip.compress(data))
    with pytest.raises(ValueError):
        search.content_of(unsigned, "en", name)


# ---------------------------------------------------------------- with Pagefind


@pytest.fixture
def pagefind() -> None:
    if not search.pagefind_available():
        missing_tool("the pagefind package is not installed")


WORDS = [
    "".join(random.Random(i).choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7))
    for i in range(3000)
]


def make_site(root: Path, pages: int = 60, edited: int | None = None) -> Path:
    """Paper pages as the theme writes them, enough words for several index chunks."""
    for i in range(pages):
        rng = random.Random(i)
        words = " ".join(rng.choice(WORDS) for _ in range(700))
        if i == edited:
            words += " zzquokka"  # sorts last: the word-index chunks before it stay the same
        html = (
            f'<!doctype html><html lang="en"><head><title>Paper {i}</title></head><body>'
            f'<article data-pagefind-body><h1 data-pagefind-meta="title:Paper {i}">'
            f"Paper {i}</h1><p>{words}</p>"
            f'<p data-pagefind-ignore><span data-pagefind-filter="topic">Topic {i % 3}</span>'
            f" related, not indexed {i}</p></article></body></html>"
        )
        page = root / "papers" / f"paper-{i}" / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(html, "utf-8")
    return root


def files(bundle: Path) -> dict[str, bytes]:
    """The content-named files of a bundle, unzipped (their names are their hashes)."""
    return {
        f"{sub}/{p.name}": gzip.decompress(p.read_bytes())
        for sub in ("fragment", "index")
        for p in sorted((bundle / sub).iterdir())
    }


def stamps(bundle: Path) -> dict[str, tuple[int, int, int]]:
    return {
        str(p.relative_to(bundle)): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
        for p in bundle.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The output folders of each Pagefind run from here on."""
    seen: list[Path] = []
    real = search.run_pagefind

    def counted(site_root: Path, out: Path) -> search.SitegenWarning | None:
        seen.append(out)
        return real(site_root, out)

    monkeypatch.setattr(search, "run_pagefind", counted)
    return seen


@pytest.fixture
def before_and_after(tmp_path: Path, pagefind: None) -> tuple[Path, Path, Path, Path]:
    """An index of 60 pages, the same pages with one edited, and a fresh index of those."""
    old_site = make_site(tmp_path / "old")
    new_site = make_site(tmp_path / "new", edited=7)
    assert build_index(old_site, bundle=tmp_path / "a") is None
    assert build_index(new_site, bundle=tmp_path / "fresh") is None
    assert len(list((tmp_path / "a" / "index").iterdir())) > 1, "want several chunks"
    return old_site, new_site, tmp_path / "a", tmp_path / "fresh"


def test_a_rebuild_reusing_the_last_index_gives_what_a_fresh_one_gives(
    before_and_after: tuple[Path, Path, Path, Path], tmp_path: Path, runs: list[Path]
) -> None:
    _, new_site, old, fresh = before_and_after
    untouched = stamps(old)
    assert build_index(new_site, bundle=tmp_path / "c", reuse=old) is None
    assert len(runs) == 1
    reused = tmp_path / "c"
    assert files(reused) == files(fresh)  # same names, same content: nothing stale left
    assert stamps(old) == untouched  # the reused index was only read
    old_inodes = {v[0] for v in untouched.values()}
    linked = [rel for rel, (ino, _, _) in stamps(reused).items() if ino in old_inodes]
    assert sorted(linked) == sorted(set(files(old)) & set(files(fresh))), "all it could"
    assert sum(rel.startswith("fragment/") for rel in linked) == 59, "all but the edited"
    assert any(rel.startswith("index/") for rel in linked)
    assert (reused / "pagefind.js").is_file()
    assert not list(tmp_path.glob(".c.old-*"))


def test_an_index_already_at_the_destination_is_reused_and_replaced(
    before_and_after: tuple[Path, Path, Path, Path], tmp_path: Path
) -> None:
    _, new_site, old, fresh = before_and_after
    shutil.copytree(old, new_site / "pagefind", copy_function=os.link)
    assert build_index(new_site) is None
    assert files(new_site / "pagefind") == files(fresh)
    assert not list(new_site.glob(".pagefind.old-*"))


def test_a_reused_file_made_for_another_page_is_caught(
    before_and_after: tuple[Path, Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    runs: list[Path],
) -> None:
    """Two contents whose hashes start alike: the edited page's new fragment name holds
    another page's fragment in the reused index. The URL check catches it."""
    _, new_site, old, fresh = before_and_after
    new_name = [k for k in set(files(fresh)) - set(files(old)) if k.startswith("fragment/")]
    assert len(new_name) == 1
    planted = tmp_path / "planted"
    shutil.copytree(old, planted)
    other = min(k for k in set(files(fresh)) & set(files(old)) if k.startswith("fragment/"))
    shutil.copyfile(planted / other, planted / new_name[0])
    real = search.content_of

    def collides(path: Path, lang: str, name: str) -> bytes:  # pretend the hashes agree
        if path.name == Path(new_name[0]).name:
            return gzip.decompress(path.read_bytes())[len(SIGNATURE) :]
        return real(path, lang, name)

    monkeypatch.setattr(search, "content_of", collides)
    assert build_index(new_site, bundle=tmp_path / "c", reuse=planted) is None
    monkeypatch.setattr(search, "content_of", real)
    assert len(runs) == 2, "the first index was thrown away"
    assert files(tmp_path / "c") == files(fresh)


@pytest.mark.parametrize("damage", ["garbled", "edited", "truncated"])
def test_a_damaged_reused_file_is_caught(
    before_and_after: tuple[Path, Path, Path, Path],
    tmp_path: Path,
    damage: str,
    runs: list[Path],
) -> None:
    _, new_site, old, fresh = before_and_after
    damaged = tmp_path / "damaged"
    shutil.copytree(old, damaged)
    common = set(files(fresh)) & set(files(old))  # files the new index will want
    for sub in ("fragment", "index"):
        victim = damaged / max(k for k in common if k.startswith(f"{sub}/"))
        body = gzip.decompress(victim.read_bytes())
        if damage == "garbled":
            victim.write_bytes(b"not gzip")
        elif damage == "edited":
            victim.write_bytes(gzip.compress(body.replace(b"a", b"b")))
        else:
            victim.write_bytes(victim.read_bytes()[:20])
    assert build_index(new_site, bundle=tmp_path / "c", reuse=damaged) is None
    assert len(runs) == 2, "the first index was thrown away"
    assert files(tmp_path / "c") == files(fresh)


def test_a_failed_run_keeps_the_index_already_there(
    before_and_after: tuple[Path, Path, Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    old_site, _, old, _ = before_and_after
    shutil.copytree(old, old_site / "pagefind")
    kept = files(old_site / "pagefind")
    monkeypatch.setattr(
        search, "run_pagefind", lambda *a: search.SitegenWarning("Pagefind failed: boom")
    )
    problem = build_index(old_site)
    assert problem is not None and "boom" in problem.message
    assert files(old_site / "pagefind") == kept
    assert not list(old_site.glob(".pagefind.old-*"))


def test_without_hard_links_every_file_is_written(
    before_and_after: tuple[Path, Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, new_site, old, fresh = before_and_after

    def no_links(*args: object, **kwargs: object) -> None:
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_links)
    assert build_index(new_site, bundle=tmp_path / "c", reuse=old) is None
    assert files(tmp_path / "c") == files(fresh)


def test_an_edit_rebuilds_the_index_from_the_live_one(
    fresh_site: Path, tmp_path: Path, pagefind: None
) -> None:
    """The incremental build re-indexes after an abstract edit, linking every unchanged
    fragment of the live index, and the result is the index a cold build makes."""
    args = ("build", "--site", fresh_site, "--base-url", BASE_URL)
    run_cli(*args, check=True)
    out = fresh_site / "output"
    before = {p.name: p.stat().st_ino for p in (out / "pagefind" / "fragment").iterdir()}
    paper = sorted((fresh_site / "content/papers").glob("*.md"))[3]
    text = paper.read_text("utf-8")
    paper.write_text(text.replace("\n---\n", "\n---\nA quokka sentence.\n\n", 1), "utf-8")
    run_cli(*args, check=True)
    after = {p.name: p.stat().st_ino for p in (out / "pagefind" / "fragment").iterdir()}
    assert len(after) == len(before)
    assert len(set(after.items()) - set(before.items())) == 1  # the edited paper's
    incremental = files(out / "pagefind")
    assert any(b"quokka" in body for body in incremental.values())
    assert build_index(out, bundle=tmp_path / "fresh") is None  # nothing reused
    assert incremental == files(tmp_path / "fresh")


def test_first_word_reads_only_the_start_of_a_chunk() -> None:
    # [[["ab", [..], []], ["cd", ...]]] with the rest cut off: the start is enough
    chunk = bytes([0x81, 0x82, 0x83, 0x62]) + b"ab" + bytes([0x80, 0x80, 0x83])
    assert search.first_word(chunk) == "ab"
    with pytest.raises(ValueError):
        search.first_word(bytes([0x81, 0x62]) + b"ab")


def test_an_unverified_pagefind_version_indexes_afresh(
    before_and_after: tuple[Path, Path, Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Reuse leans on undocumented file naming: another Pagefind version gets no links."""
    _, new_site, old, fresh = before_and_after
    monkeypatch.setattr(search, "REUSE_VERSIONS", ("0.0.",))
    assert not search.reuse_supported()
    assert build_index(new_site, bundle=tmp_path / "c", reuse=old) is None
    old_inodes = {v[0] for v in stamps(old).values()}
    assert not [r for r, (ino, _, _) in stamps(tmp_path / "c").items() if ino in old_inodes]
    assert files(tmp_path / "c") == files(fresh)
