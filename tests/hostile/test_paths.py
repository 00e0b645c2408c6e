"""Paths: no text a user or a profile supplies can write outside output/ or lose a page.

Slugs come from front matter, titles, names and topic codes; each is tried
with traversal (`../../etc/x`, absolute paths, backslashes), with text that
slugifies to nothing or to `..`, with absurd lengths (file names are limited
to 255 bytes), with collisions, and with names that differ only by case or
accents. Every run snapshots the whole folder around the site to prove that
nothing outside output/ (and the build cache) changed, and every built site is
checked for one page per paper and per person, at a valid path, with no broken
internal link.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import AS_OF, run_cli

from .util import broken_links, diff, parse_tree, snapshot

OWNER = "Ana Owner"
SKIP = ("site/output", "site/.sitegen-cache")
SLUG_OK = re.compile(r"[a-z0-9][a-z0-9-]*")


def paper_text(**fields: object) -> str:
    data = {
        "title": "A paper",
        "date": "2024-03-01",
        "topic": "LG",
        "authors": [OWNER, "Bo Coauthor"],
        **fields,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return "---\n" + yaml.safe_dump(data, allow_unicode=True, sort_keys=False) + "---\nText.\n"


def new_site(root: Path, papers: dict[str, str]) -> Path:
    site = root / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text(f"name: {OWNER}\n", encoding="utf-8")
    for name, text in papers.items():
        (site / "content" / "papers" / name).write_text(text, encoding="utf-8")
    return site


def build(site: Path) -> tuple[object, list[str]]:
    """Build with the real CLI; return the process and what changed outside output/."""
    root = site.parent
    (root / "etc").mkdir(exist_ok=True)  # where `../../etc/x` would land, made visible
    before = snapshot(root, skip=SKIP)
    proc = run_cli("build", "--site", site, "--no-search")
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, diff(before, snapshot(root, skip=SKIP))


def check_output(output: Path) -> None:
    """Every output path is a valid, unique slug path and every internal link lands."""
    for p in output.rglob("*"):
        rel = p.relative_to(output)
        assert len(p.name.encode()) <= 255, rel
        assert p.resolve().is_relative_to(output.resolve()), rel
        if p.is_dir() and rel.parts[0] in ("papers", "coauthors", "topics", "tags"):
            if len(rel.parts) == 2:
                assert SLUG_OK.fullmatch(rel.parts[1]), rel
    assert not broken_links(output), broken_links(output)[:10]


# ---------------------------------------------------------------- front matter slugs


BAD_SLUGS = [
    "../../etc/x",
    "../x",
    "/etc/x",
    "..",
    ".",
    "a/b",
    "a\\b",
    "C:\\x",
    "%2e%2e",
    "-x",
    "Upper",
    "a b",
    "index.html",
    "ü",
    "x" * 200,
    "",
    "   ",
    "x\ny",
]


@pytest.mark.parametrize("slug", BAD_SLUGS, ids=[repr(s)[:20] for s in BAD_SLUGS])
def test_bad_slug_in_front_matter_is_an_error_with_its_line(tmp_path: Path, slug: str) -> None:
    text = paper_text(slug=slug)
    line = text.splitlines().index(next(s for s in text.splitlines() if s.startswith("slug:"))) + 1
    site = new_site(tmp_path, {"2024-good.md": paper_text(), "2024-evil.md": text})
    proc, changed = build(site)
    assert proc.returncode == 1, proc.stdout
    assert proc.stderr.startswith(f"content/papers/2024-evil.md:{line}: slug:"), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert changed == []
    assert not (site / "output").exists()
    assert not (tmp_path / "etc" / "x").exists() and not (tmp_path / "x").exists()


@pytest.mark.slow
@pytest.mark.parametrize("slug", ["../../etc/x", "/tmp/x", ".."])
def test_bad_slug_leaves_an_existing_output_alone(tmp_path: Path, slug: str) -> None:
    site = new_site(tmp_path, {"2024-good.md": paper_text()})
    assert run_cli("build", "--site", site, "--no-search").returncode == 0
    before = snapshot(site / "output")
    (site / "content" / "papers" / "2024-evil.md").write_text(paper_text(slug=slug), "utf-8")
    proc, changed = build(site)
    assert proc.returncode == 1
    assert changed == []
    assert snapshot(site / "output") == before


def test_control_characters_in_a_slug_are_dropped(tmp_path: Path) -> None:
    site = new_site(
        tmp_path, {"2024-good.md": paper_text(), "2024-c.md": paper_text(slug="x\x00y")}
    )
    proc, changed = build(site)
    assert proc.returncode == 0, proc.stderr
    assert changed == []
    assert (site / "output" / "papers" / "xy" / "index.html").is_file()


@pytest.mark.parametrize(
    "name", ["Bad Name.md", "UPPER.md", "-lead.md", "a..b.md", "x" * 160 + ".md", "ünï.md"]
)
def test_bad_file_names_are_errors(tmp_path: Path, name: str) -> None:
    site = new_site(tmp_path, {"2024-good.md": paper_text(), name: paper_text()})
    proc, changed = build(site)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"content/papers/{name}:1: "), proc.stderr
    assert changed == []


@pytest.mark.parametrize("name", ["abc\n.md", "a\x1b[31mb.md"], ids=["newline", "escape"])
def test_a_file_name_with_a_newline_or_escape_is_refused_in_one_printable_line(
    tmp_path: Path, name: str
) -> None:
    """`$` matched before a final newline: `abc\n.md` was the slug `abc\n`, so every link
    to it broke; an error naming such a file printed it raw, over two lines."""
    site = new_site(tmp_path, {"2024-good.md": paper_text(), name: paper_text()})
    proc, changed = build(site)
    assert proc.returncode == 1 and changed == []
    shown = name.encode("unicode_escape").decode()
    assert proc.stderr == f"content/papers/{shown}:1: " + (
        "file name is not a valid slug (use lower-case letters, digits and '-'), "
        "or set `slug:` in the front matter\n"
    ), proc.stderr


def test_longest_valid_slug_builds(tmp_path: Path) -> None:
    slug = "a" * 151  # content.py's limit: the page folder and `<slug>.bib` stay < 255 bytes
    site = new_site(tmp_path, {"2024-good.md": paper_text(), "x.md": paper_text(slug=slug)})
    proc, changed = build(site)
    assert proc.returncode == 0, proc.stderr
    assert changed == []
    assert (site / "output" / "papers" / slug / "index.html").is_file()
    check_output(site / "output")


def test_editor_droppings_are_not_papers(tmp_path: Path) -> None:
    """Files editors leave beside the one being edited must not break a build."""
    site = new_site(tmp_path, {"2024-good.md": paper_text()})
    papers = site / "content" / "papers"
    (papers / ".#2024-good.md").symlink_to("user@host.1234:1700000000")  # emacs lock
    (papers / "2024-good.md~").write_text("backup", encoding="utf-8")
    (papers / ".2024-good.md.swp").write_bytes(b"\x00swap")
    (papers / ".2024-good.md.0.1234.tmp").write_text("half", encoding="utf-8")  # a killed import
    proc, changed = build(site)
    assert proc.returncode == 0, proc.stderr
    assert changed == []
    assert sorted(p.name for p in (site / "output" / "papers").iterdir()) == ["2024-good"]


# ---------------------------------------------------------------- collisions


def test_two_papers_with_one_slug_name_both_files(tmp_path: Path) -> None:
    site = new_site(
        tmp_path,
        {
            "2024-first.md": paper_text(title="First", slug="same"),
            "2024-second.md": paper_text(title="Second", slug="same"),
        },
    )
    proc, changed = build(site)
    assert proc.returncode == 1
    assert "content/papers/2024-first.md" in proc.stderr
    assert "content/papers/2024-second.md" in proc.stderr
    assert re.match(r"content/papers/2024-\w+\.md:\d+: ", proc.stderr)
    assert changed == []


def test_a_slug_that_names_another_file_is_a_collision(tmp_path: Path) -> None:
    site = new_site(
        tmp_path,
        {"2024-first.md": paper_text(title="First"), "zz.md": paper_text(slug="2024-first")},
    )
    proc, _ = build(site)
    assert proc.returncode == 1
    assert "content/papers/2024-first.md" in proc.stderr and "content/papers/zz.md" in proc.stderr


# ---------------------------------------------------------------- titles from a profile

ODD_TITLES = [
    "..:",  # the title as text is fine; its slug must not be `..`
    "../../etc/passwd:",
    "/etc/passwd?",
    "C:\\Windows\\System32?",
    "!!!???",
    "$$$$",
    "::::",
    "🙂🙃🙂?",
    "\u0301\u0301\u0301?",  # combining marks only
    "CON: nul?",
    "李明" * 150 + ":",
    "Über alles: one?",
    "uber ALLES: one?",
    "Ǆemal: x" + "y" * 10_000,
    "word " * 2_000 + "end?",
    "a" * 5_000 + "?",
]


def odd_profile() -> str:
    out = [OWNER, "", f"{len(ODD_TITLES)} Papers", ""]
    for i, t in enumerate(ODD_TITLES):
        out += [f"LGMar {i + 1}, 2024", t, "", f"{OWNER}, Bo Coauthor", "", f"Abstract {i}.", ""]
    return "\n".join(out)


@pytest.fixture(scope="module")
def odd_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("odd")
    profile = root / "profile.txt"
    profile.write_text(odd_profile(), encoding="utf-8")
    site = root / "site"
    (root / "etc").mkdir()
    before = snapshot(root, skip=("site",))
    proc = run_cli("import", profile, "--site", site, "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    assert snapshot(root, skip=("site",)) == before
    proc, changed = build(site)
    assert proc.returncode == 0, proc.stderr
    assert changed == []
    return site


def test_odd_titles_get_valid_unique_paths(odd_site: Path) -> None:
    names = sorted(p.name for p in (odd_site / "content" / "papers").iterdir())
    assert len(names) == len(ODD_TITLES), names
    for n in names:
        assert re.fullmatch(r"[0-9]{4}-[a-z0-9-]+\.md", n) and len(n.encode()) <= 255, n
        assert n not in ("2024-.md", "2024--.md")
    assert len({n.lower() for n in names}) == len(names)
    out = odd_site / "output"
    pages = sorted(p.name for p in (out / "papers").iterdir() if p.is_dir())
    assert pages == sorted(n[:-3] for n in names)
    check_output(out)
    shown = set()
    for page in out.glob("papers/*/index.html"):
        h1 = next(n for n in parse_tree(page.read_text("utf-8")).root.iter() if n.tag == "h1")
        shown.add(h1.text())
    assert shown == {" ".join(t.split()) for t in ODD_TITLES}


@pytest.mark.browser
def test_odd_titles_never_widen_the_page(odd_site: Path, chromium) -> None:  # type: ignore[no-untyped-def]
    """A 5,000-letter word wraps inside the column instead of scrolling the page sideways."""
    out = odd_site / "output"
    wide = []
    for width in (390, 1280):
        page = chromium.new_page(viewport={"width": width, "height": 800})
        for path in [out / "index.html", out / "timeline" / "index.html",
                     *sorted(out.glob("papers/*/index.html"))]:  # fmt: skip
            page.goto(path.as_uri())
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide.append(f"{path.relative_to(out)} at {width}px: {scroll}px wide")
        page.close()
    assert not wide, "\n".join(wide)


# ---------------------------------------------------------------- people, topics and tags

SIMILAR = [
    "Zoe Nunez",
    "Zoë Núñez",
    "ZOE NUNEZ",
    "zoe nunez",
    "Zoë Núñez".replace("ë", "e\u0308"),  # the same name, decomposed: one person
    "Zoe  Nunez",  # the same as "Zoe Nunez" but for spacing: one person
    "李明",
    "Li Ming",  # what 李明 transliterates to: another person, another page
    "?!",  # no letters (an ellipsis, "...", is a cut list: refused as et al.)
    "🙂",
    "-",
    "person",  # the fallback slug of the names above
    "x" * 3000,
]


def test_similar_names_get_one_page_each(tmp_path: Path) -> None:
    papers = {
        f"2024-p{i}.md": paper_text(title=f"Paper {i}", authors=[OWNER, name])
        for i, name in enumerate(SIMILAR)
    }
    site = new_site(tmp_path, papers)
    proc, changed = build(site)
    assert proc.returncode == 0, proc.stderr
    assert changed == []
    out = site / "output"
    check_output(out)

    def key(name: str) -> str:  # the people index's rule: same letters, same case
        return " ".join(unicodedata.normalize("NFC", name).split())

    people = {key(n) for n in SIMILAR}
    pages = sorted(p for p in (out / "coauthors").iterdir() if p.is_dir())
    assert len(pages) == len(people), [p.name for p in pages]
    shown = {}
    for page in pages:
        h1 = next(n for n in parse_tree((page / "index.html").read_text("utf-8")).root.iter()
                  if n.tag == "h1")  # fmt: skip
        shown[h1.text()] = page.name
    assert set(shown) == people
    # every paper links its coauthor to the page that shows exactly that name
    for i, name in enumerate(SIMILAR):
        tree = parse_tree((out / "papers" / f"2024-p{i}" / "index.html").read_text("utf-8"))
        links = [
            n.attrs["href"] for n in tree.root.iter()
            if n.tag == "a" and "/coauthors/" in "/" + (n.attrs.get("href") or "").lstrip("./")
            and n.text() == key(name)  # as written, composed (NFC) as it is read
        ]  # fmt: skip
        assert links, name
        target = (out / "papers" / f"2024-p{i}" / links[0]).resolve()
        assert target.name == shown[key(name)], (name, links[0])


def test_topic_codes_and_tags_differing_by_case_or_path_characters(tmp_path: Path) -> None:
    codes = ["LG", "lg", "Lg", "../x", "/", "..", "a/b", "x" * 3000, "🙂"]
    papers = {
        f"2024-t{i}.md": paper_text(title=f"T {i}", topic=c, tags=[c, c.swapcase(), "../../t"])
        for i, c in enumerate(codes)
    }
    site = new_site(tmp_path, papers)
    proc, changed = build(site)
    assert proc.returncode == 0, proc.stderr
    assert changed == []
    out = site / "output"
    check_output(out)
    topics = [p for p in (out / "topics").iterdir() if p.is_dir()]
    assert len(topics) == len({c.casefold() for c in codes}), [p.name for p in topics]
    # a topic or a tag is one whatever its case (LG, lg and Lg are one page)
    tags = {c.casefold() for code in codes for c in (code, code.swapcase(), "../../t")}
    assert len([p for p in (out / "tags").iterdir() if p.is_dir()]) == len(tags)
