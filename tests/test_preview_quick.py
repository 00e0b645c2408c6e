"""The preview's fast path: an edited paper's page is redrawn before the full rebuild.

What matters is that the quick page is the page the full build makes (so the
second reload is skipped when nothing else changed), that anything the fast path
cannot know falls back to the full build, and that `sitegen serve` really uses it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import BASE_URL, make_site
from htmlutil import parse
from test_serve import Serve, h1, paper_file, poll, set_title

from sitegen.build import Warm, build_site, quick_paper_pages
from sitegen.errors import SitegenError


def built_with_warm(site: Path, output: Path) -> Warm:
    kept: list[Warm] = []
    build_site(site, output=output, base_url=BASE_URL, search=False, keep=kept.append)
    assert kept, "a build that planned pages must hand over its data"
    return kept[-1]


def papers(site: Path) -> list[Path]:
    return sorted((site / "content" / "papers").glob("*.md"))


def add_to_abstract(path: Path, words: str) -> None:
    text = path.read_text("utf-8")
    head, sep, body = text.partition("\n---\n")
    path.write_text(head + sep + body.rstrip("\n") + " " + words + "\n", "utf-8")


def test_quick_page_is_the_page_the_full_build_makes(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    out = tmp_path / "out"
    warm = built_with_warm(site, out)
    md = papers(site)[4]
    # only stop words: the related papers cannot change, so neither can anything but this page
    add_to_abstract(md, "It is what we have.")
    [(rel, html)] = quick_paper_pages(warm, site, [md])
    assert rel.startswith("papers/") and rel.endswith("/index.html")
    assert "It is what we have." in parse(html).text
    result = build_site(site, output=out, base_url=BASE_URL, search=False)
    assert (out / rel).read_text("utf-8") == html
    assert rel in result.written


def test_quick_page_shows_a_new_title_and_escapes_it(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    warm = built_with_warm(site, tmp_path / "out")
    md = papers(site)[0]
    set_title(md, "A <script>alert(1)</script> & new title")
    [(_, html)] = quick_paper_pages(warm, site, [md])
    assert h1(html.encode()) == "A <script>alert(1)</script> & new title"
    assert not [s for s in parse(html).script_texts if "alert(1)" in s]
    assert "<script>alert(1)</script>" not in html


@pytest.mark.parametrize(
    "edit",
    ["authors", "date", "topic", "slug", "not a paper", "a new paper"],
)
def test_changes_that_move_a_paper_need_the_full_build(tmp_path: Path, edit: str) -> None:
    site = make_site(tmp_path / "site")
    warm = built_with_warm(site, tmp_path / "out")
    md = papers(site)[2]
    text = md.read_text("utf-8")
    if edit == "authors":
        md.write_text(re.sub(r"(?m)^authors:\n", "authors:\n- Ada Newcomer\n", text), "utf-8")
    elif edit == "date":
        md.write_text(re.sub(r"(?m)^date: .*$", "date: 1999-01-01", text), "utf-8")
    elif edit == "topic":
        md.write_text(re.sub(r"(?m)^topic: .*$", "topic: ZZ", text), "utf-8")
    elif edit == "slug":
        md.write_text(text.replace("\n---\n", "\nslug: another-slug\n---\n", 1), "utf-8")
    elif edit == "not a paper":
        md = site / "content" / "profile.yaml"
    else:
        md = md.with_name("2026-brand-new.md")
        md.write_text(text, "utf-8")
    with pytest.raises(LookupError):
        quick_paper_pages(warm, site, [md])


def test_a_broken_file_is_left_to_the_full_build_to_report(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    warm = built_with_warm(site, tmp_path / "out")
    md = papers(site)[1]
    md.write_text(md.read_text("utf-8").replace("title:", "title: [", 1), "utf-8")
    with pytest.raises(SitegenError) as err:
        quick_paper_pages(warm, site, [md])
    assert err.value.path and err.value.path.endswith(md.name)


@pytest.mark.slow
def test_serve_redraws_the_edited_page_first(tmp_path: Path, free_port: int) -> None:
    site = make_site(tmp_path / "site")
    slug = papers(site)[3].stem
    md = paper_file(site, slug)
    with Serve(site, "--port", str(free_port)) as srv:
        url = f"/papers/{slug}/"
        start = len(srv.out)
        add_to_abstract(md, "An edit seen at once.")
        poll(lambda: b"An edit seen at once." in srv.get(url)[2], what="the edited abstract")
        srv.wait_for(srv.out, rf"{slug}\.md: page redrawn in \d+ ms", start=start)
        srv.wait_for(srv.out, rf"{slug}\.md: rebuilt \d+ pages", start=start)
        # the full build that follows leaves the preview exactly as a cold build would
        page = srv.get(url)[2]
        assert b"An edit seen at once." in page

        start = len(srv.out)  # an edit the fast path cannot take still arrives
        text = md.read_text("utf-8")
        md.write_text(re.sub(r"(?m)^date: .*$", "date: 2001-02-03", text), "utf-8")
        poll(lambda: b"2001" in srv.get(url)[2], what="the new date")
        srv.wait_for(srv.out, rf"{slug}\.md: rebuilt \d+ pages", start=start)
        assert not any("page redrawn" in line for line in srv.out[start:])
    assert "Traceback" not in "\n".join(srv.err)


def test_a_save_during_the_first_build_is_not_lost(tmp_path: Path) -> None:
    """The preview compares against the files as they were when its first build began.

    At 10,000 papers that build takes seconds; a paper saved meanwhile used to be
    missed (the watcher took its first look only after the build) and the preview
    showed the old text until the next save.
    """
    import asyncio
    import io
    import threading

    from sitegen.serve import Preview, snapshot

    site = make_site(tmp_path / "site")
    md = papers(site)[2]
    slug = md.stem
    preview = Preview(site, tmp_path / "out", BASE_URL, out=io.StringIO(), err=io.StringIO())
    seen = snapshot(preview.roots)
    assert preview.build()
    add_to_abstract(md, "Saved while the first build ran.")  # before the watcher looks

    async def watch_until_rebuilt() -> bytes:
        task = asyncio.create_task(preview.watch(seen))
        page = tmp_path / "out" / "papers" / slug / "index.html"
        try:
            for _ in range(200):
                await asyncio.sleep(0.05)
                if b"Saved while the first build ran." in page.read_bytes():
                    return page.read_bytes()
            return page.read_bytes()
        finally:
            task.cancel()

    # in a thread of its own: an earlier browser test may leave this thread's loop running
    result: list[bytes] = []
    runner = threading.Thread(target=lambda: result.append(asyncio.run(watch_until_rebuilt())))
    runner.start()
    runner.join(60)
    assert result, "the watcher did not finish"
    page = result[0]
    assert b"Saved while the first build ran." in page
    assert parse(page.decode("utf-8")) is not None
