"""root/: files a host reads at the top of the site (CNAME, .nojekyll, .well-known/)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import BASE_URL, run_cli


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def build(site: Path, *extra: str | Path) -> str:
    proc = run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", *extra)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout + proc.stderr


def put(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_root_files_are_published_at_the_top_as_they_are(fresh_site: Path) -> None:
    """static/ goes to assets/ and leaves hidden files out; a CNAME put in output/ by hand
    went with the next build. root/ is published as named, dot files too, not droppings."""
    root = fresh_site / "root"
    files = {
        "CNAME": b"ada.example.org\n",
        ".nojekyll": b"",
        ".well-known/security.txt": b"Contact: mailto:ada@example.org\n",
        "google1234abcd.html": b"google-site-verification: google1234abcd.html",
        "blob.bin": bytes(range(256)),
        "demos/engine.swf": b"FWS",  # a Flash demo, no swap file (the regression hunter's)
    }
    for name, data in files.items():
        put(root / name, data)
    # and what other editors leave (a preview hunter's: vim's second swap file, which holds
    # the text being edited, its author's user and host names, was published)
    drops = (".CNAME.swo", "CNAME.kate-swp", ".~lock.cv.odt#", ".goutputstream-AB12")
    drops += ("CNAME___jb_tmp___", "CNAME___jb_old___")
    for name in ("CNAME~", "CNAME.swp", ".#CNAME", ".DS_Store", "4913", *drops):
        put(root / name, b"x\n")
    put(root / ".git" / "HEAD", b"ref: refs/heads/main\n")
    build(fresh_site)
    out = tree(fresh_site / "output")
    assert {n: out.get(n) for n in files} == files
    top = {p.name for p in (fresh_site / "output").iterdir()}
    assert not top & {"CNAME~", "CNAME.swp", ".#CNAME", ".DS_Store", "4913", ".git", *drops}
    # a file put in the output by hand is now told where it belongs
    (fresh_site / "output" / "extra.txt").write_text("by hand\n")
    put(root / "CNAME", b"bob.example.org\n")
    said = build(fresh_site)
    assert "extra.txt: warning: not made by sitegen" in said and "keep it in root/" in said
    assert (fresh_site / "output" / "CNAME").read_bytes() == b"bob.example.org\n"


@pytest.mark.slow
def test_root_edits_build_incrementally_what_a_cold_build_writes(
    fresh_site: Path, tmp_path: Path
) -> None:
    """Adding, editing and deleting a root file is seen by the no-op check (by stat alone:
    the inputs are old) and keyed by the file's bytes: each build equals a --no-cache one."""
    root, output = fresh_site / "root", fresh_site / "output"
    past = time.time() - 1000
    for p in fresh_site.rglob("*"):
        os.utime(p, (past, past))
    build(fresh_site)
    assert "nothing changed" in build(fresh_site)
    edits = [
        ("CNAME", b"ada.example.org\n"),
        (".well-known/security.txt", b"Contact: x\n"),
        ("CNAME", b"bob.example.org\n"),  # the same size
        (".well-known/security.txt", None),
        ("CNAME", None),
    ]
    for i, (name, data) in enumerate(edits):
        if data is None:
            (root / name).unlink()
        else:
            put(root / name, data)
            os.utime(root / name, (past + 1 + i, past + 1 + i))
        assert "nothing changed" not in build(fresh_site), edits[i]
        cold = tmp_path / f"cold-{i}"
        build(fresh_site, "--no-cache", "--output", cold)
        assert tree(output) == tree(cold), edits[i]
    assert not (output / "CNAME").exists() and not (output / ".well-known").exists()


@pytest.mark.parametrize(
    "name, made",
    [
        ("index.html", "index.html"),
        ("robots.txt", "robots.txt"),
        ("Index.HTML", "index.html"),  # one file on a Mac's disk
        ("assets/x.css", "assets/"),
        ("papers/extra.html", "papers/"),
        ("pagefind/pagefind.js", "pagefind/"),
        ("news/old.html", "news/"),  # sitegen's before the site has news: no error later
    ],
)
@pytest.mark.slow
def test_a_root_file_where_sitegen_makes_one_is_an_error(
    fresh_site: Path, name: str, made: str
) -> None:
    """A root file would replace a page, or sit among files that come and go with the
    content: the build refuses, naming the root file, and leaves the old output alone."""
    build(fresh_site)
    before = tree(fresh_site / "output")
    put(fresh_site / "root" / name, b"mine\n")
    proc = run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        f"root/{name}: sitegen makes {made} itself: rename or move this file"
    ]
    assert tree(fresh_site / "output") == before
    proc = run_cli("check", "--site", fresh_site)
    assert (
        proc.returncode == 1 and f"root/{name}: sitegen makes {made}" in proc.stdout + proc.stderr
    )


@pytest.mark.parametrize("name", ["content/readme.txt", "sitegen.yaml"])
def test_a_root_file_that_marks_a_site_is_an_error(fresh_site: Path, name: str) -> None:
    """output/content/ made every later build refuse the output as a site's folder, even
    after the root file was gone: refused before it is published."""
    put(fresh_site / "root" / name, b"mine\n")
    proc = run_cli("build", "--site", fresh_site, "--base-url", BASE_URL, "--no-search")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    top = name.split("/")[0]
    assert proc.stderr.strip() == (
        f"root/{name}: publishing {top}, which marks a site's own folder (a build refuses an "
        "output that holds one): rename or move it"
    )
    assert not (fresh_site / "output").exists()


def test_the_preview_watches_root(fresh_site: Path, tmp_path: Path) -> None:
    """`sitegen serve` rebuilds when what it watches changes: root/ is read by the build."""
    import io

    from sitegen.serve import Preview, snapshot

    preview = Preview(fresh_site, tmp_path / "out", BASE_URL, out=io.StringIO())
    before = snapshot(preview.roots)
    put(fresh_site / "root" / "CNAME", b"ada.example.org\n")
    after = snapshot(preview.roots)
    assert str(fresh_site / "root" / "CNAME") in after.keys() - before.keys()
    put(fresh_site / "root" / "CNAME.swp", b"x")  # as the build leaves it out
    assert snapshot(preview.roots) == after


def test_an_output_inside_root_is_refused(fresh_site: Path) -> None:
    """root/ is published whole: a build there would be published again by the next one."""
    target = fresh_site / "root" / "out"
    proc = run_cli("build", "--site", fresh_site, "--no-search", "--output", target)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"refusing to build into {target}: it is inside root/" in proc.stderr
    assert not target.exists()


def test_folder_notes_of_other_systems_are_no_ones_files(tmp_path: Path) -> None:
    """A hunter's: Thumbs.db (thumbnails of images since deleted), desktop.ini and macOS's
    ._ files were published from static/ and root/; a folder holding only a .DS_Store was
    'not empty' to `sitegen new` and to a build into it."""
    site = tmp_path / "site"
    site.mkdir()
    (site / ".DS_Store").write_bytes(b"\0")
    run_cli("new", site, check=True)  # a Finder's note is no one's work
    for folder in ("static/img", "root"):
        (site / folder).mkdir(parents=True, exist_ok=True)
        for name in ("Thumbs.db", "desktop.ini", "._CNAME", "Icon\r", "ehthumbs.db"):
            (site / folder / name).write_bytes(b"x")
    (site / "root" / "CNAME").write_text("example.org\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / ".DS_Store").write_bytes(b"\0")
    proc = run_cli("build", "--site", site, "--output", out, "--no-search", check=True)
    assert "not made by sitegen" not in proc.stderr, proc.stderr
    published = {p.name for p in out.rglob("*")}
    assert "CNAME" in published
    assert not published & {"Thumbs.db", "desktop.ini", "._CNAME", "Icon\r", "ehthumbs.db"}
