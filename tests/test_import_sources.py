"""`sitegen import` of BibTeX, RIS, CSL-JSON, ORCID, DBLP, arXiv, Hugo Blox, through the real CLI.

Online sources are served by a local http.server replaying recorded responses
(tests/fixtures/sources/), including the failures: 500, 429, a timeout and a
malformed answer. Nothing here touches the network.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import http.server
import json
import os
import re
import shutil
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import bibtexparser
import pytest
import yaml
from conftest import AS_OF, make_site, run_cli, seed_profile
from htmlutil import parse

from sitegen import fetch
from sitegen.cite import latex_escape, latex_text, markdown_text
from sitegen.content import parse_paper
from sitegen.errors import SitegenError
from sitegen.importer import insert_keys, run_import, title_key
from sitegen.slugs import paper_slug, title_words
from sitegen.sources import (
    owner_matcher,
    parse_arxiv_atom,
    parse_bibtex,
    parse_csl_json,
    parse_hugo,
    parse_ris,
    rich_text,
)

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
BIB, DBLP, RIS = FIXTURES / "scholar.bib", FIXTURES / "dblp.bib", FIXTURES / "publisher.ris"
CSL, ORCID = FIXTURES / "zotero.json", FIXTURES / "orcid-works.json"
ALL_FILES = (BIB, DBLP, RIS, CSL, ORCID)
ORCID_ID = "0000-0002-1825-0097"
FAST = "2022-fast-point-cloud-generation-with-straight-flows.md"
PATHFUSION = "2022-pathfusion-path-consistent-lidar-camera-deep-feature-fusion.md"


def front(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    fm, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(fm), body


def by_title(site: Path) -> dict[str, dict]:
    return {front(p)[0]["title"]: front(p)[0] for p in (site / "content" / "papers").glob("*.md")}


def snapshot(site: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(p.relative_to(site)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(site.rglob("*"))
        if p.is_file()
    }


def imp(*args: object, env: dict | None = None):  # noqa: ANN201
    return run_cli("import", *args, "--as-of", AS_OF, env=env)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed profile imported once; tests copy it."""
    return make_site(tmp_path_factory.mktemp("seeded") / "site")


@pytest.fixture
def site(seeded: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(seeded, tmp_path / "site"))


@pytest.fixture(scope="module")
def merged(seeded: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed site with every file source imported in one call (read-only)."""
    site = Path(shutil.copytree(seeded, tmp_path_factory.mktemp("merged") / "site"))
    proc = imp(*ALL_FILES, "--site", site)
    assert proc.returncode == 0, proc.stderr
    return site


# ---------------------------------------------------------------- one paper, one file


def test_each_paper_becomes_one_file_with_what_every_source_knew(merged: Path) -> None:
    papers = by_title(merged)
    assert len(papers) == 32 + 5  # five papers none of the profile's
    fast = front(merged / "content" / "papers" / FAST)[0]
    # the profile's title and topic stay; DBLP's DOI, Scholar's preprint id and venue are
    # added, and the published version's year replaces the date of the profile's preprint
    assert fast["title"] == "Fast Point Cloud Generation with Straight Flows"
    assert str(fast["date"]) == "2023" and fast["topic"] == "CV"
    assert fast["doi"] == "10.1109/CVPR52729.2023.00911"
    assert fast["arxiv"] == "2212.01747"
    assert fast["venue"].startswith("Proceedings of the IEEE/CVF Conference")
    path = front(merged / "content" / "papers" / PATHFUSION)[0]
    assert path["arxiv"] == "2212.06244"  # DBLP's CoRR entry: eprint, not the arXiv DOI
    assert path["doi"] == "10.1109/3DV62453.2024.00055"  # the 3DV version, from RIS
    assert path["pdf"] == "https://example.org/pathfusion.pdf"
    longhorn = papers["Longhorn: State Space Models are Amortized Online Learners"]
    assert longhorn["doi"] == "10.52202/079017-0001"  # matched through Zotero's <i>Longhorn</i>


def test_latex_html_and_hostile_strings_become_plain_text(merged: Path) -> None:
    papers = by_title(merged)
    cafe = papers["Café & Naïve Bayes: Learning in $O(N^2)$ Time – a Study"]
    assert cafe["authors"] == ["Jörg Müller", "Lemeng Wu", "María García"]  # "Wu, L." is the owner
    assert cafe["owner_in_et_al"] is False and "topic" not in cafe
    assert cafe["venue"] == "Proceedings of the Workshop on Überlearning"
    co2 = papers["CO2 Budgets of *Large* Vision Models & Their Students"]
    assert co2["authors"][0] == "Lemeng Wu"
    hostile = next(p for t, p in papers.items() if "Hostile" in t)
    assert "url" not in hostile  # javascript: dropped
    assert hostile["authors"] == [] and hostile["owner_in_et_al"] is True  # ORCID: no authors
    note = papers["A Note on Straight Flows for Molecules"]
    assert "url" not in note and note["doi"] == "10.9999/jcl.2023.11"


def test_names_are_split_as_each_source_means_them(site: Path, tmp_path: Path) -> None:
    """BibTeX's `Last, Jr, First` and braced words (a company, "and" and all), RIS's
    `Last, First, Suffix`, CSL-JSON's suffix and dropping particle: each name is stored
    as printed, whole."""
    bib, ris, csl = tmp_path / "n.bib", tmp_path / "n.ris", tmp_path / "n.json"
    bib.write_text(
        "@article{a, title={Bib Names}, year={2021},\n"
        " author={Steele, Jr., Guy L. and {Barnes and Noble, Inc.} and Lovelace, Ada}}\n"
        # an accent that starts a name after the first was dropped: José Alvarez, Mesut Ozil
        "@article{b, title={Bib Accents}, year={2021}, author={Lovelace, Ada and\n"
        " \\'Alvarez, Jos\\'e AND \\\"{O}zil, Mesut and {\\\"O}zdemir, Can}}\n",
        encoding="utf-8",
    )
    ris.write_text(
        "TY  - JOUR\r\nTI  - RIS Names\r\nAU  - Steele, Guy L., Jr.\r\nPY  - 2019\r\nER  - \r\n",
        encoding="utf-8",
    )
    king = {"family": "King", "given": "Martin Luther", "suffix": "Jr."}
    ludwig = {"family": "Beethoven", "given": "Ludwig", "dropping-particle": "van"}
    item = {"id": "x", "title": "CSL Names", "issued": {"date-parts": [[2020]]}}
    csl.write_text(json.dumps([{**item, "author": [king, ludwig]}]), encoding="utf-8")
    proc = imp(bib, ris, csl, "--site", site)
    assert proc.returncode == 0, proc.stderr
    papers = by_title(site)
    assert papers["Bib Names"]["authors"] == [
        "Guy L. Steele, Jr.",
        "Barnes and Noble, Inc.",
        "Ada Lovelace",
    ]
    assert papers["Bib Accents"]["authors"] == [
        "Ada Lovelace",
        "José Álvarez",
        "Mesut Özil",
        "Can Özdemir",
    ]
    assert papers["RIS Names"]["authors"] == ["Guy L. Steele, Jr."]
    assert papers["CSL Names"]["authors"] == ["Martin Luther King, Jr.", "Ludwig van Beethoven"]


def test_et_al_as_a_name_in_any_source_is_et_al(site: Path, tmp_path: Path) -> None:
    """Sources list "et al." as an author: it was written as a name, and the build then
    refused the file ("'et al.' is not a name")."""
    bib, ris, csl = tmp_path / "e.bib", tmp_path / "e.ris", tmp_path / "e.json"
    bib.write_text(
        "@article{k, title={Bib Paper}, author={Doe, John and et al.}, year={2017}}\n"
        "@article{o, title={Others Paper}, author={Doe, John and others and Roe, Jo}, year={2016}}"
    )
    ris.write_text(
        "TY  - JOUR\nTI  - RIS Paper\nAU  - Doe, John\nAU  - et al.\nPY  - 2019\nER  - \n"
    )
    item = {"id": "x", "title": "CSL Paper", "issued": {"date-parts": [[2018]]}}
    authors = [{"literal": "Et Al"}, {"family": "Doe", "given": "John"}]  # not last, even
    csl.write_text(json.dumps([{**item, "author": authors}]))
    proc = imp(bib, ris, csl, "--site", site)
    assert proc.returncode == 0, proc.stderr
    papers = by_title(site)
    for title in ("Bib Paper", "RIS Paper", "CSL Paper"):
        assert papers[title]["authors"] == ["John Doe"] and papers[title]["et_al"] is True
    # BibTeX's `others` is dropped wherever it stands, so it says et al. wherever it stands
    assert papers["Others Paper"]["authors"] == ["John Doe", "Jo Roe"]
    assert papers["Others Paper"]["et_al"] is True
    run_cli("check", "--site", site, check=True)
    feed = atom("1", "2301.00001").replace(
        b"</title>", b"</title><author><name>et al.</name></author>"
    )
    [record] = parse_arxiv_atom(feed.decode(), "arxiv")[0]
    assert record.authors == () and record.et_al


def test_a_cjk_name_is_written_family_first_and_the_owner_is_recognised(tmp_path: Path) -> None:
    """CSL-JSON's family 王 given 晓明 and BibTeX's `王, 晓明` are written 王晓明, as the
    profile writes them: the owner is recognised and 李明 is one coauthor, not 明 李 too."""
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: 王晓明\n", encoding="utf-8")
    bib, csl = tmp_path / "cjk.bib", tmp_path / "cjk.json"
    bib.write_text("@article{b, title={Bib}, author={王, 晓明 and 李, 明}, year={2022}}\n")
    names = [{"family": "王", "given": "晓明"}, {"family": "李", "given": "明"}]
    item = {"id": "a", "title": "CSL", "issued": {"date-parts": [[2021]]}, "author": names}
    csl.write_text(json.dumps([item]), encoding="utf-8")
    proc = imp(bib, csl, "--site", site)
    assert proc.returncode == 0, proc.stderr
    papers = by_title(site)
    assert papers["Bib"]["authors"] == papers["CSL"]["authors"] == ["王晓明", "李明"]
    assert papers["Bib"]["owner_in_et_al"] is False


def test_dblp_homonym_numbers_are_no_part_of_a_name(site: Path, tmp_path: Path) -> None:
    """DBLP's `Lemeng Wu 0001` is Lemeng Wu, the owner, and `Qiang Liu 0001` the Qiang Liu
    of the profile's papers; only a last word of exactly four digits is such a number."""
    bib = tmp_path / "dblp.bib"
    bib.write_text(
        "@inproceedings{DBLP:conf/x/WuL21, title={A DBLP Paper}, booktitle={Conf},\n"
        " author={Lemeng Wu 0001 and Qiang Liu 0001 and Ann Lee 12345}, year={2021}}\n",
        encoding="utf-8",
    )
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    paper = by_title(site)["A DBLP Paper"]
    assert paper["authors"] == ["Lemeng Wu", "Qiang Liu", "Ann Lee 12345"]
    assert paper["owner_in_et_al"] is False


def test_a_name_with_another_suffix_is_not_the_owner(tmp_path: Path) -> None:
    """Guy Steele, Jr. is his father Guy Steele's coauthor, not the owner written twice."""
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Guy Steele\n", encoding="utf-8")
    bib = tmp_path / "s.bib"
    bib.write_text("@article{s, title={Two}, author={Steele, Guy and Steele, Jr., Guy}, year=2021}")
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    assert by_title(site)["Two"]["authors"] == ["Guy Steele", "Guy Steele, Jr."]


def test_sources_are_recorded_in_the_manifest(merged: Path) -> None:
    manifest = json.loads((merged / "content" / ".sitegen-import.json").read_text())
    assert manifest["sources"][FAST] == [
        "dblp.bib",
        "orcid-works.json",
        "profile.txt",
        "scholar.bib",
    ]


def test_importing_again_changes_no_byte(merged: Path) -> None:
    before = snapshot(merged)
    proc = imp(*ALL_FILES, "--site", merged)
    assert proc.returncode == 0, proc.stderr
    assert snapshot(merged) == before
    proc = imp(seed_profile(), "--site", merged)  # the profile alone keeps the added keys
    assert proc.stdout.splitlines()[-1] == "0 added, 0 updated, 32 unchanged", proc.stdout
    assert snapshot(merged) == before


def test_a_paper_only_a_source_added_stays_deleted(site: Path, tmp_path: Path) -> None:
    """Found by a researcher's-year hunt: a profile paper deleted by hand stays deleted,
    but one only a BibTeX file had added came back on the next import of that file: it
    has no manifest entry, only its file name in `sources`."""
    bib = tmp_path / "w.bib"
    bib.write_text("@article{w, title={A Workshop Paper}, author={Wu, Lemeng}, year={2025}}\n")
    assert imp(bib, "--site", site).returncode == 0
    path = site / "content" / "papers" / "2025-a-workshop-paper.md"
    original = path.read_bytes()
    path.unlink()
    proc = imp(seed_profile(), bib, "--site", site)
    assert proc.stdout.splitlines() == [
        "kept content/papers/2025-a-workshop-paper.md (deleted by hand; --force re-creates it)",
        "0 added, 0 updated, 32 unchanged, 1 kept (changed or deleted by hand)",
    ]
    assert not path.exists()
    # found by a hunt: a source that gives the published year (2026) brought it back
    later = tmp_path / "later.bib"
    later.write_text(bib.read_text().replace("2025", "2026"))
    proc = imp(later, "--site", site)
    assert proc.stdout.splitlines()[-1].startswith("0 added"), proc.stdout
    assert sorted(p.name for p in path.parent.glob("*workshop*")) == []
    proc = imp(bib, "--site", site, "--force")
    assert proc.stdout.splitlines()[-1] == "1 added, 0 updated, 0 unchanged", proc.stdout
    assert path.read_bytes() == original


def test_a_paper_a_source_added_keeps_its_file_when_retitled_by_hand(
    site: Path, tmp_path: Path
) -> None:
    """A paper only a BibTeX file added, its title then edited by hand, came back as a
    second file (`-2`) on the next import of that file: nothing matched the new title.
    Its file is the one that source added under that title, so it is that paper."""
    bib = tmp_path / "w.bib"
    bib.write_text("@article{w, title={A Workshop Paper}, author={Wu, Lemeng}, year={2025}}\n")
    assert imp(bib, "--site", site).returncode == 0
    path = site / "content" / "papers" / "2025-a-workshop-paper.md"
    path.write_text(path.read_text().replace("A Workshop Paper", "A Workshop Paper, Revised"))
    edited = path.read_bytes()
    proc = imp(bib, "--site", site)
    assert (
        proc.stdout.splitlines()[-1] == "0 added, 0 updated, 0 unchanged, 1 matched in the sources"
    ), proc.stdout
    assert sorted(p.name for p in path.parent.glob("2025-a-workshop*")) == [path.name]
    assert path.read_bytes() == edited


def test_a_renamed_file_a_source_fills_in_is_still_the_imports_own(
    site: Path, tmp_path: Path
) -> None:
    """Found by a researcher's-year hunt: the merge looked the manifest entry up by the
    file's new name, found none, and left its hash behind, so the next profile import
    took the filled-in file for a hand edit and kept the profile's change out."""
    renamed = site / "content" / "papers" / "psf.md"
    (site / "content" / "papers" / FAST).rename(renamed)
    bib = tmp_path / "psf.bib"
    bib.write_text(
        "@article{p, title={Fast Point Cloud Generation with Straight Flows}, "
        "author={Wu, Lemeng}, year={2022}, doi={10.1234/psf}}\n"
    )
    assert imp(bib, "--site", site).stdout.startswith("added doi, type to content/papers/psf.md\n")
    later = tmp_path / "profile.txt"
    later.write_text(
        seed_profile().read_text(encoding="utf-8").replace("have emerged as", "are", 1),
        encoding="utf-8",
    )
    proc = imp(later, "--site", site)
    assert proc.stdout == "updated content/papers/psf.md\n0 added, 1 updated, 31 unchanged\n"
    text = renamed.read_text(encoding="utf-8")
    assert "Diffusion models are a powerful tool" in text and "doi: 10.1234/psf" in text


@pytest.mark.slow
def test_dollars_math_and_topic_come_back_from_the_sites_own_exports(tmp_path: Path) -> None:
    """RIS and CSL-JSON have no escape for a dollar: `\\$5` is written `$5`, as math is
    written `$...$`. Read back, `$5 instead of $500` was math ("5insteadof"); a pair is
    math only as Pandoc reads one (no space inside its dollars, no digit after). The topic,
    the first keyword, came back from none of the three files, and the url was the old
    site's page of the paper, which the new site's page then linked to as the paper."""
    title = "Training for \\$5 instead of \\$500 with $O(n^2)$ and 3$\\times$ less"
    abstract = "It costs \\$5 per run, not \\$500, and scales as $O(n)$."
    site = owned_site(tmp_path / "site", "Ada Lovelace")
    for p in (site / "content" / "papers").glob("*.md"):
        p.unlink()
    (site / "content" / "papers" / f"{paper_slug(2024, title)}.md").write_text(
        f"---\ntitle: '{title}'\ndate: 2024-05-01\ntopic: LG\nauthors: [Ada Lovelace]\n---\n"
        f"{abstract}\n"
    )
    base = ["--base-url", "https://ada.example/"]
    run_cli("build", "--site", site, "--no-search", *base, check=True)
    for name in ("publications.bib", "publications.ris", "publications.json"):
        fresh = owned_site(tmp_path / name, "Ada Lovelace")
        for p in (fresh / "content" / "papers").glob("*.md"):
            p.unlink()
        assert imp(site / "output" / name, "--site", fresh).returncode == 0
        (path,) = (fresh / "content" / "papers").glob("*.md")
        fm, body = front(path)
        cited = "" if name.endswith(".bib") else abstract  # a citation's .bib has none
        assert (fm["title"], body.strip()) == (title, cited), name
        assert fm["topic"] == "LG", name  # the first keyword, cs.LG: it was lost in all three
        # the old site's page of this very paper is not its url: its new page linked to itself
        assert fm.get("url") is None, (name, fm["url"])


def add_keys(path: Path, lines: str) -> None:
    """`lines` added at the end of a paper file's front matter."""
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n---\n", f"\n{lines}---\n", 1), encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("given_by", ["sitegen.yaml", "--base-url", "URL"])
def test_the_sites_own_export_gives_no_paper_its_own_page_as_url(site: Path, given_by: str) -> None:
    """Found by a researcher's-year hunt: importing the site's own publications.bib (or
    .ris, .json) filled every paper's `url` with its page on this site, which hid the
    search links a paper without a url shows, and its `type` with what the citations call
    a paper without one (@misc; an article with a venue, a preprint with an arXiv id). The
    import knew the page by the base URL of sitegen.yaml alone, so it still did both when
    the site was built with --base-url, or on Netlify (URL)."""
    papers = site / "content" / "papers"
    add_keys(papers / FAST, "venue: NeurIPS\n")
    add_keys(papers / PATHFUSION, "arxiv: 2201.00001\n")
    base = "https://ada.example.org/"
    if given_by == "sitegen.yaml":
        (site / "sitegen.yaml").write_text(f"base_url: {base}\n")
    flag = ["--base-url", base] if given_by == "--base-url" else []
    env = {"URL": base} if given_by == "URL" else None
    run_cli("build", "--site", site, "--no-search", *flag, env=env, check=True)
    assert base + "papers/" in (site / "output" / "publications.ris").read_text()
    before = snapshot(papers)
    for name in ("publications.bib", "publications.ris", "publications.json"):
        proc = imp(site / "output" / name, "--site", site)
        assert proc.stdout == "0 added, 0 updated, 0 unchanged, 32 matched in the sources\n", (
            proc.stdout
        )
    assert snapshot(papers) == before
    # listed first, the export's own page does not keep another source's real url out
    bib = (site / "output" / "publications.bib").read_text()
    first = bib[bib.index("@") : bib.index("\n}\n") + 3]
    real = re.sub(r"url\s*= \{[^}]*\}", "url = {https://real.example/p}", first)
    (site / "real.bib").write_text(real)
    proc = imp(site / "output" / "publications.bib", site / "real.bib", "--site", site)
    assert "1 filled in" in proc.stdout and "url: https://real.example/p" in "".join(
        p.read_text() for p in papers.glob("*.md")
    )


@pytest.mark.parametrize("given_by", ["sitegen.yaml", "--base-url", "aliases"])
def test_the_sites_own_export_gives_a_renamed_paper_no_url(site: Path, given_by: str) -> None:
    """Found by a tester: after a paper's file was renamed, the site's own export named
    its page by the old name, and the import made that dead page the paper's url. It is
    known by the base URL of sitegen.yaml (here the file is also edited by hand, so the
    manifest cannot tell it), or else by the old name the manifest has for the bytes the
    import wrote, or (a hunter's) by the `aliases:` the README says a rename should add."""
    papers = site / "content" / "papers"
    base = "https://ada.example.org/"
    flag = ["--base-url", base] if given_by != "sitegen.yaml" else []
    if given_by == "sitegen.yaml":
        (site / "sitegen.yaml").write_text(f"base_url: {base}\n")
        add_keys(papers / FAST, "venue: NeurIPS\n")
    run_cli("build", "--site", site, "--no-search", *flag, check=True)
    (papers / FAST).rename(papers / "2022-psf.md")
    if given_by == "aliases":  # edited by hand too: the manifest cannot tell it
        add_keys(papers / "2022-psf.md", f"aliases: [{FAST[:-3]}]\n")
    before = snapshot(papers)
    proc = imp(site / "output" / "publications.bib", "--site", site)
    assert proc.stdout == "0 added, 0 updated, 0 unchanged, 32 matched in the sources\n", (
        proc.stdout
    )
    assert snapshot(papers) == before


def test_a_coauthors_export_gives_its_type_and_venue_but_not_its_page(
    site: Path, tmp_path: Path
) -> None:
    """A coauthor's sitegen site names the paper's page as this one does (papers/<year and
    title>/): that page is no more the paper's url than this site's, but the type and venue
    its file gives are the paper's."""
    theirs = Path(shutil.copytree(site, tmp_path / "theirs"))
    add_keys(theirs / "content" / "papers" / FAST, "type: conference\nvenue: NeurIPS\n")
    run_cli(
        "build", "--site", theirs, "--base-url", "https://bo.example/", "--no-search", check=True
    )
    proc = imp(theirs / "output" / "publications.ris", "--site", site)
    assert proc.stdout.splitlines() == [
        f"added type, venue to content/papers/{FAST}",
        "0 added, 0 updated, 0 unchanged, 1 filled in, 32 matched in the sources",
    ], proc.stdout
    fm = front(site / "content" / "papers" / FAST)[0]
    assert (fm["type"], fm["venue"], fm.get("url")) == ("conference", "NeurIPS", None)


# a source's title is text: each shows on the page, and in citation_title, as the source has it
PLAIN_TITLES = {
    "2018-proving": "Proving 2*3*4 = 24 with _underscores_, [x](y) and <b>bold</b> for $x_i$",
    "2019-snake": "Snake_case *stars* [a link](https://e.org) <b> `code` AT&amp;T \\ on $a_1^2$",
    "2020-drosophila": "Drosophila genes in a_b *star* <b>",  # CSL-JSON: its <i> is emphasis
}


def test_a_sources_title_is_text_not_markdown(site: Path, tmp_path: Path) -> None:
    bib = tmp_path / "t.bib"
    bib.write_text(  # LaTeX: \_ is an underscore, $x_i$ math
        "@article{p, author = {Lovelace, Ada}, journal = {AI}, year = {2018}, title = "
        "{Proving 2*3*4 = 24 with \\_underscores\\_, [x](y) and <b>bold</b> for $x_i$}}\n"
    )
    ris = tmp_path / "t.ris"
    ris.write_text(
        f"TY  - JOUR\nTI  - {PLAIN_TITLES['2019-snake']}\nAU  - Lovelace, Ada\nPY  - 2019\nER  - \n"
    )
    csl = tmp_path / "t.json"
    item = {
        "id": "d",
        "title": "<i>Drosophila</i> genes in a_b *star* &lt;b&gt;",
        "issued": {"date-parts": [[2020]]},
    }
    csl.write_text(json.dumps([item]))
    assert imp(bib, ris, csl, "--site", site).returncode == 0
    before = snapshot(site)
    proc = imp(bib, ris, csl, "--site", site)
    assert proc.stdout.splitlines()[-1].startswith("0 added"), proc.stdout
    assert snapshot(site) == before  # no second layer of escaping
    out = tmp_path / "out"
    run_cli("build", "--site", site, "--output", out, "--no-search", check=True)
    for prefix, text in PLAIN_TITLES.items():
        [page] = (out / "papers").glob(f"{prefix}-*/index.html")
        html_ = page.read_text(encoding="utf-8")
        meta = re.search(r'<meta name="citation_title" content="([^"]*)">', html_)
        assert meta and html.unescape(meta.group(1)) == text
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html_, re.S).group(1)
        shown = re.sub(r"<math .*?</math>", "MATH", h1, flags=re.S)
        emphasis = "<em>Drosophila</em> " if prefix == "2020-drosophila" else ""
        expected = re.sub(r"\$[^$]+\$", "MATH", text.removeprefix("Drosophila "))
        assert shown == emphasis + html.escape(expected, quote=False)
        assert "<msub" in h1 or "$" not in text  # math is still math
        # the citation files have the text too, not its Markdown escapes (BibTeX: \emph)
        ris, bibtex = (next(page.parent.glob(f"*.{kind}")).read_text() for kind in ("ris", "bib"))
        emph = r"\emph{Drosophila} " if emphasis else ""
        bib_text = emph + latex_text(text.removeprefix("Drosophila ") if emphasis else text)
        assert f"TI  - {text}\n" in ris and "{{" + bib_text + "}}" in bibtex


def test_an_empty_venue_by_hand_is_kept_and_not_reported_kept(site: Path) -> None:
    """`venue: ''` written by hand is no venue, on purpose: kept (with the type and what
    comes with them), and not said kept at each import, as `venue '' in the file`."""
    path = site / "content" / "papers" / FAST
    path.write_text(path.read_text().replace("\n---\n", "\nvenue: ''\n---\n", 1))
    proc = imp(DBLP, "--site", site)
    assert proc.returncode == 0 and "venue '' in the file" not in proc.stdout, proc.stdout
    fm = front(path)[0]
    assert fm["venue"] == "" and "type" not in fm and fm["doi"] == "10.1109/CVPR52729.2023.00911"


def test_hand_edited_file_gains_lines_and_keeps_every_byte(site: Path) -> None:
    path = site / "content" / "papers" / FAST
    text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
    text = text.replace("Straight Flows\r\n", "Straight Flows  # as on the poster\r\n", 1)
    text = text.replace("added:", "venue: My Own Venue\r\nadded:")
    text += "My notes.\r\n"
    path.write_bytes(text.encode())
    assert imp(DBLP, "--site", site).returncode == 0
    new = path.read_bytes().decode()
    added = "doi: 10.1109/CVPR52729.2023.00911\r\n"
    assert new == text.replace("\r\n---\r\n", "\r\n" + added.rstrip("\r\n") + "\r\n---\r\n", 1)
    fm = parse_paper(new, "x.md", [])
    assert fm.venue == "My Own Venue" and fm.doi == "10.1109/CVPR52729.2023.00911"


def test_dry_run_reports_per_paper_and_writes_nothing(site: Path) -> None:
    before = snapshot(site)
    proc = imp(BIB, ORCID, "--site", site, "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert snapshot(site) == before
    out = proc.stdout
    assert f"  add doi, arxiv, type, venue, pages to content/papers/{FAST}" in out
    assert f"  replace authors, et_al, date in content/papers/{FAST} (from scholar.bib)" in out
    assert "  add content/papers/2021-cafe-naive-bayes" in out


def test_sources_that_disagree_on_a_new_paper_say_so_at_its_first_import(
    site: Path, tmp_path: Path
) -> None:
    """The sources' own disagreement was reported only when the paper had a file already,
    so from the second import on: the first, which chose the year, said nothing."""
    bib, ris = tmp_path / "a.bib", tmp_path / "b.ris"
    bib.write_text("@article{k, title={Quiet Graphs}, author={Doe, Jo}, year={2021}}\n")
    ris.write_text("TY  - JOUR\nTI  - Quiet Graphs\nAU  - Doe, Jo\nPY  - 2022\nER  - \n")
    proc = imp(bib, ris, "--site", site)
    assert proc.returncode == 0, proc.stderr
    assert "content/papers/2021-quiet-graphs.md: year 2021 in a.bib, 2022 in b.ris" in proc.stdout


def test_a_title_with_an_entity_or_a_link_matches_the_text_its_page_shows(
    site: Path, tmp_path: Path
) -> None:
    """A file's title was compared as its Markdown (`&amp;` a word, a link's URL words),
    so a source with the title as the page shows it added the paper a second time."""
    papers = site / "content" / "papers"
    titles = {"2015-tom.md": "Tom &amp; Jerry Networks", "2016-links.md": "With [Links](x.org)"}
    for name, title in titles.items():
        text = f"---\ntitle: '{title}'\ndate: {name[:4]}-01-01\nauthors: [Jo Doe]\n---\n"
        (papers / name).write_text(text)
    bib = tmp_path / "s.bib"
    bib.write_text(
        "@article{a, title={Tom \\& Jerry Networks}, author={Doe, J}, year=2015, doi={10.1234/t}}\n"
        "@article{b, title={With Links}, author={Doe, Jo}, year=2016, doi={10.1234/l}}\n"
    )
    before = sorted(p.name for p in papers.iterdir())
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in papers.iterdir()) == before
    assert [front(papers / n)[0]["doi"] for n in ("2015-tom.md", "2016-links.md")] == [
        "10.1234/t",
        "10.1234/l",
    ]


@pytest.mark.slow  # about a second in the quick loop
def test_arxiv_primary_class_is_the_topic_and_topicless_papers_build(
    site: Path, tmp_path: Path
) -> None:
    with replay() as base:
        proc = imp(DBLP, "arxiv:au:Wu_Lemeng", "--site", site, env={"SITEGEN_ARXIV_API": base})
    assert proc.returncode == 0, proc.stderr
    assert "arxiv:au:Wu_Lemeng: 3 of 3 entries" in proc.stderr  # progress on stderr
    sparse = by_title(site)["Sparse Mixtures of Straight Flows"]
    assert sparse["topic"] == "LG" and sparse["arxiv"] == "2406.01234"
    assert sparse["venue"] == "Trans. Mach. Learn. Res."  # DBLP first, arXiv fills the rest
    edgetam = front(site / "content" / "papers" / "2025-edgetam-on-device-track-anything-model.md")
    assert edgetam[0]["pdf"] == "http://arxiv.org/pdf/2501.07256v2"
    check = run_cli("check", "--site", site)
    assert check.returncode == 0, check.stderr


@pytest.mark.slow
def test_the_built_site_shows_the_new_keys_and_an_other_topic(merged: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli(
        "build",
        "--site",
        merged,
        "--output",
        out,
        "--no-search",
        "--base-url",
        "https://example.org/",
    )
    assert proc.returncode == 0, proc.stderr
    page = (out / "papers" / PATHFUSION[:-3] / "index.html").read_text()
    doi = "10.1109/3DV62453.2024.00055"
    assert f'<a href="https://doi.org/{doi}" aria-label="DOI: {doi}">DOI</a>' in page
    assert (
        '<a href="https://arxiv.org/abs/2212.06244" aria-label="arXiv: 2212.06244">arXiv</a>'
        in page
    )
    assert '<meta name="citation_doi" content="10.1109/3DV62453.2024.00055">' in page
    assert '<meta name="citation_pdf_url" content="https://example.org/pathfusion.pdf">' in page
    bib = (out / "papers" / PATHFUSION[:-3] / (PATHFUSION[:-3] + ".bib")).read_text()
    assert "doi           = {10.1109/3DV62453.2024.00055}" in bib
    assert (out / "topics" / "other" / "index.html").is_file()
    hostile = next((out / "papers").glob("2024-alert-x-robust-*/index.html")).read_text()
    assert "<script>alert" not in hostile and "javascript:" not in hostile


# al-folio's _bibliography/papers.bib: the fields its theme makes buttons of
ALFOLIO = """@inproceedings{wu2025,
  title = {A Paper Moved From al-folio},
  author = {Wu, Lemeng},
  booktitle = {ICML},
  year = {2025},
  selected = {True},
  html = {https://example.org/paper},
  code = {https://github.com/lw/paper},
  pdf = {https://example.org/paper.pdf},
  supp = {https://example.org/supp.zip},
  slides = {https://example.org/slides},
  poster = {javascript:alert(1)},
  video = {https://example.org/video},
  website = {https://example.org/site},
  blog = {https://example.org/blog},
}
@article{wu2024,
  title = {A Paper With Its PDF In assets},
  author = {Wu, Lemeng},
  year = {2024},
  url = {https://example.org/own},
  html = {https://example.org/html},
  pdf = {wu2024.pdf},
  selected = {false},
}
"""


@pytest.mark.slow
def test_al_folio_fields_become_keys_and_buttons(site: Path, tmp_path: Path) -> None:
    """al-folio's BibTeX fields were dropped by the import: a site moved from it lost
    its papers' Code, PDF, Slides... buttons and its selected papers."""
    bib = tmp_path / "papers.bib"
    bib.write_text(ALFOLIO)
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    moved = front(site / "content" / "papers" / "2025-a-paper-moved-from-al-folio.md")[0]
    assert moved["url"] == "https://example.org/paper"
    assert moved["code_url"] == "https://github.com/lw/paper"
    assert moved["pdf"] == "https://example.org/paper.pdf"
    assert moved["featured"] is True
    assert moved["links"] == [  # the poster's is no http(s) URL
        {"name": "Slides", "url": "https://example.org/slides"},
        {"name": "Video", "url": "https://example.org/video"},
        {"name": "Website", "url": "https://example.org/site"},
        {"name": "Blog", "url": "https://example.org/blog"},
        {"name": "Supplement", "url": "https://example.org/supp.zip"},
    ]
    local = front(site / "content" / "papers" / "2024-a-paper-with-its-pdf-in-assets.md")[0]
    assert local["url"] == "https://example.org/own"  # the entry's own url, not its html
    assert "pdf" not in local and "featured" not in local
    assert proc.stderr == (  # every button al-folio shows, said when it is not kept
        f"{bib}:12: warning: entry 'wu2025': poster 'javascript:alert(1)' is not an http(s) "
        "URL: not imported\n"
        f"{bib}:23: warning: entry 'wu2024': pdf 'wu2024.pdf' is not a URL: not imported "
        "(put the file in root/ and give its full URL)\n"
    )
    before = snapshot(site)
    assert (
        imp(bib, "--site", site).stdout.splitlines()[-1]
        == "0 added, 0 updated, 0 unchanged, 2 matched in the sources"
    )
    assert snapshot(site) == before
    out = tmp_path / "out"
    run_cli("build", "--site", site, "--output", out, "--no-search", check=True)
    page = parse(out / "papers" / "2025-a-paper-moved-from-al-folio" / "index.html")
    buttons = {a["href"] for a in page.find("a")}
    assert {moved["url"], moved["code_url"], moved["pdf"]} <= buttons
    assert {link["url"] for link in moved["links"]} <= buttons
    assert "Slides Video Website Blog Supplement" in page.text
    assert not any(href.startswith("javascript") for href in buttons)
    assert "Selected publications" in parse(out / "index.html").text  # the site had none


def test_a_matched_paper_gains_only_the_al_folio_keys_it_lacks(site: Path, tmp_path: Path) -> None:
    """Fill in, never overwrite, as for every imported key: FuseDream's own `code_url` and
    a `featured: false` written by hand stay."""
    papers = site / "content" / "papers"
    fast = papers / FAST
    fast.write_text(
        fast.read_text().replace("code_url: null\n", "code_url: null\nfeatured: false\n")
    )
    bib = tmp_path / "papers.bib"
    bib.write_text(
        "@inproceedings{fd, title={FuseDream: Training-Free Text-to-Image Generation with "
        "Improved CLIP+GAN Space Optimization}, year={2021}, selected={yes}, "
        "code={https://github.com/elsewhere/fusedream}, poster={https://example.org/fd.pdf}}\n"
        "@inproceedings{psf, title={Fast Point Cloud Generation with Straight Flows}, "
        "year={2022}, selected={true}, code={https://github.com/lw/psf}}\n"
    )
    fusedream = next(papers.glob("2021-fusedream-*.md"))
    before = snapshot(site)
    dry = imp(bib, "--site", site, "--dry-run").stdout
    assert f"  add type, links, featured to content/papers/{fusedream.name}\n" in dry
    assert f"  add type, code_url to content/papers/{FAST}\n" in dry
    assert snapshot(site) == before
    assert imp(bib, "--site", site).returncode == 0
    fd = front(fusedream)[0]
    assert fd["code_url"] == "https://github.com/gnobitab/FuseDream" and fd["featured"] is True
    assert fd["links"] == [{"name": "Poster", "url": "https://example.org/fd.pdf"}]
    psf = front(fast)[0]
    assert psf["code_url"] == "https://github.com/lw/psf" and psf["featured"] is False


# ---------------------------------------------------------------- a paper's type

TYPED_BIB = """
@article{a, title={Bib Article}, author={Lovelace, Ada}, year={2020}, journal={Nature}}
@article{b, title={Bib Preprint}, author={Lovelace, Ada}, year={2020},
  journal={arXiv preprint arXiv:2001.00001}}
@article{c, title={Bib CoRR}, author={Lovelace, Ada}, year={2020}, journal={CoRR},
  volume={abs/2001.00002}}
@inproceedings{d, title={Bib Conference}, author={Lovelace, Ada}, year={2020}, booktitle={NeurIPS}}
@conference{e, title={Bib Old Conference}, author={Lovelace, Ada}, year={2020}, booktitle={ICML}}
@book{f, title={Bib Book}, author={Lovelace, Ada}, year={2020}}
@incollection{g, title={Bib Collection}, author={Lovelace, Ada}, year={2020}, booktitle={A Book}}
@inbook{h, title={Bib In Book}, author={Lovelace, Ada}, year={2020}}
@phdthesis{i, title={Bib PhD}, author={Lovelace, Ada}, year={2020}, school={MIT}}
@mastersthesis{j, title={Bib Masters}, author={Lovelace, Ada}, year={2020}, school={ETH}}
@techreport{k, title={Bib Report}, author={Lovelace, Ada}, year={2020}, institution={IBM}}
@thesis{k1, title={Biblatex PhD}, author={Lovelace, Ada}, date={2020}, type={phdthesis},
  institution={MIT}}
@thesis{k2, title={Biblatex Masters}, author={Lovelace, Ada}, date={2020}, type={mathesis},
  institution={ETH}}
@thesis{k3, title={Biblatex Thesis}, author={Lovelace, Ada}, date={2020}, institution={UCL}}
@report{k4, title={Biblatex Report}, author={Lovelace, Ada}, date={2020}, type={techreport},
  institution={IBM}}
@misc{l, title={Bib Misc Preprint}, author={Lovelace, Ada}, year={2020}, eprint={2001.00003}}
@misc{m, title={Bib Misc}, author={Lovelace, Ada}, year={2020}}
@unpublished{n, title={Bib Unpublished}, author={Lovelace, Ada}, year={2020}}
@online{o, title={Bib Online}, author={Lovelace, Ada}, year={2020}}
@patent{q, title={Bib Patent}, author={Lovelace, Ada}, year={2020}}
@misc{p1, title={Bib Both}, author={Lovelace, Ada}, year={2020}, eprint={2001.00004}}
@inproceedings{p2, title={Bib Both}, author={Lovelace, Ada}, year={2020}, booktitle={ICLR}}
"""
TYPED_RIS = "".join(
    f"TY  - {ty}\r\nTI  - Ris {ty}\r\nAU  - Lovelace, Ada\r\nPY  - 2020\r\nER  - \r\n"
    for ty in ("JOUR", "CPAPER", "CONF", "BOOK", "CHAP", "THES", "RPRT", "UNPB", "GEN", "ELEC")
) + "".join(  # RIS has one type for every thesis: its M3 ("type of work") says a master's
    f"TY  - THES\r\nTI  - Ris {m3}\r\nAU  - Lovelace, Ada\r\nPY  - 2020\r\nM3  - {m3}\r\nER  - \r\n"
    for m3 in ("Master's thesis", "MSc thesis", "PhD thesis")
)
# CSL's too, its genre
CSL_DEGREES = ("Master's thesis", "M.Sc. thesis", "Masterarbeit", "Doctoral dissertation")
CSL_KINDS = ("article-journal", "paper-conference", "article", "book", "chapter", "thesis",
             "report", "document", "webpage")  # fmt: skip
ORCID_KINDS = ("journal-article", "conference-paper", "preprint", "book", "book-chapter",
               "dissertation-thesis", "report", "other", "conference-abstract",
               "conference-poster", "magazine-article", "encyclopedia-entry", "dissertation",
               "working-paper", "lecture-speech", "data-set", "annotation")  # fmt: skip
HUGO_KINDS = {"h1": '["1"]', "h2": "['2']", "h3": '"3"', "h4": "[4]", "h6": '["6"]',
              "h7": '["7"]', "h8": '["8"]', "h0": '["0"]', "hc": "[paper-conference]",
              "hj": "[article-journal]"}  # fmt: skip
TYPED = {
    "Bib Article": "article", "Bib Preprint": "preprint", "Bib CoRR": "preprint",
    "Bib Conference": "conference", "Bib Old Conference": "conference", "Bib Book": "book",
    "Bib Collection": "chapter", "Bib In Book": "chapter", "Bib PhD": "thesis",
    "Bib Masters": "masters", "Bib Report": "report", "Bib Misc Preprint": "preprint",
    # biblatex's @thesis and @report, whose `type` says the degree
    "Biblatex PhD": "thesis", "Biblatex Masters": "masters", "Biblatex Thesis": "thesis",
    "Biblatex Report": "report",
    "Bib Misc": "misc", "Bib Unpublished": "misc", "Bib Online": "misc",  # biblatex's web item
    "Bib Patent": None,
    "Bib Both": "conference",  # the arXiv record's `preprint` is not the paper's
    "Ris JOUR": "article", "Ris CPAPER": "conference", "Ris CONF": "conference",
    "Ris BOOK": "book", "Ris CHAP": "chapter", "Ris THES": "thesis", "Ris RPRT": "report",
    "Ris UNPB": "preprint", "Ris GEN": "misc", "Ris ELEC": None,
    "Ris Master's thesis": "masters", "Ris MSc thesis": "masters", "Ris PhD thesis": "thesis",
    "Csl article-journal": "article", "Csl paper-conference": "conference",
    "Csl article": "preprint", "Csl book": "book", "Csl chapter": "chapter",
    "Csl thesis": "thesis", "Csl report": "report", "Csl document": "misc", "Csl webpage": None,
    "Csl Master's thesis": "masters", "Csl M.Sc. thesis": "masters",
    "Csl Masterarbeit": "masters", "Csl Doctoral dissertation": "thesis",
    "Orcid journal-article": "article", "Orcid conference-paper": "conference",
    "Orcid preprint": "preprint", "Orcid book": "book", "Orcid book-chapter": "chapter",
    "Orcid dissertation-thesis": "thesis", "Orcid report": "report", "Orcid other": "misc",
    # a poster or an abstract was cited as a journal article of the conference
    "Orcid conference-abstract": "conference", "Orcid conference-poster": "conference",
    "Orcid magazine-article": "article", "Orcid encyclopedia-entry": "chapter",
    "Orcid dissertation": "thesis", "Orcid working-paper": "report",
    "Orcid lecture-speech": "misc", "Orcid data-set": "misc", "Orcid annotation": None,
    "Orcid Published Preprint": "article",  # the summary that names the journal says
    "Hugo h1": "conference", "Hugo h2": "article", "Hugo h3": "preprint", "Hugo h4": "report",
    "Hugo h6": "chapter", "Hugo h7": "thesis", "Hugo h8": "misc", "Hugo h0": None,
    "Hugo hc": "conference", "Hugo hj": "article",
    "An example paper title": None,  # the new site's own
}  # fmt: skip


def test_each_sources_kind_of_paper_becomes_its_type(tmp_path: Path) -> None:
    """Every imported paper with a venue was cited as a journal article: the sources say
    what each is (BibTeX's entry type, RIS's TY, CSL's and ORCID's type, Hugo Blox's
    publication_types), and the import now writes it as `type`; a kind a source does not
    map says nothing. Importing them again changes nothing."""
    hugo = {f"{k}/index.md": f"---\ntitle: Hugo {k}\nauthors: [admin]\ndate: 2020-01-01\n"
            f"publication_types: {v}\n---\n" for k, v in HUGO_KINDS.items()}  # fmt: skip
    site, folder = blox_site(tmp_path, hugo)
    (tmp_path / "t.bib").write_text(TYPED_BIB)
    (tmp_path / "t.ris").write_bytes(TYPED_RIS.encode())
    csl = [{"id": k, "type": k, "title": f"Csl {k}", "author": [{"literal": "Ada Lovelace"}],
            "issued": {"date-parts": [[2020]]}, "publisher": "MIT"} for k in CSL_KINDS]  # fmt: skip
    csl += [{"id": g, "type": "thesis", "genre": g, "title": f"Csl {g}",
             "issued": {"date-parts": [[2020]]}} for g in CSL_DEGREES]  # fmt: skip
    (tmp_path / "t.json").write_text(json.dumps(csl))

    def work(title: str, *kinds: tuple[str, str | None]) -> dict:
        date = {"year": {"value": "2020"}}
        return {"work-summary": [
            {"title": {"title": {"value": title}}, "type": kind, "publication-date": date,
             **({"journal-title": {"value": journal}} if journal else {})}
            for kind, journal in kinds
        ]}  # fmt: skip

    groups = [work(f"Orcid {k}", (k, None)) for k in ORCID_KINDS]
    groups.append(work("Orcid Published Preprint", ("preprint", None), ("journal-article", "JMLR")))
    (tmp_path / "orcid.json").write_text(json.dumps({"group": groups}))
    sources = [tmp_path / n for n in ("t.bib", "t.ris", "t.json", "orcid.json")] + [folder]
    proc = imp(*sources, "--site", site)
    assert proc.returncode == 0, proc.stderr
    papers = by_title(site)
    assert {title: fm.get("type") for title, fm in papers.items()} == TYPED
    # a thesis's school, a report's institution are its venue, as the citations write it
    venues = ("Bib PhD", "Bib Masters", "Bib Report", "Csl thesis", "Biblatex Masters")
    assert [papers[t].get("venue") for t in venues] == ["MIT", "ETH", "IBM", "MIT", "ETH"]
    assert papers["Biblatex Report"]["venue"] == "IBM"
    assert "venue" not in papers["Csl article-journal"]  # a journal's publisher is not one
    before = snapshot(site)
    assert imp(*sources, "--site", site).returncode == 0
    assert snapshot(site) == before


def test_an_arxiv_entry_is_a_preprint_its_journal_ref_its_venue(site: Path, api: dict) -> None:
    """A journal reference names where the paper was published, which the entry is not:
    its published version's record (DBLP's) gives the paper's type, venue and date."""
    assert imp("arxiv:au:Wu_Lemeng", "--site", site, env=api).returncode == 0
    papers = by_title(site)
    assert papers["Efficient Track Anything"]["type"] == "preprint"
    edge = papers["EdgeTAM: On-Device Track Anything Model"]
    assert edge["venue"] == "CVPR 2025" and edge["type"] == "preprint"


def test_a_type_fills_in_only_a_file_without_one_and_with_its_venue(
    site: Path, tmp_path: Path
) -> None:
    """Fill in, never overwrite: a `type` written by hand stays (the dry run names the
    source's), and gains no venue a source gives for another type; a file naming a venue
    gains no type a source gives for another venue or for none (an arXiv entry's
    `preprint` says nothing of the file's conference)."""
    papers = site / "content" / "papers"
    fusedream = next(papers.glob("2021-fusedream-*.md"))
    (papers / "2024-efficient-track-anything.md").write_text(
        (papers / "2024-efficient-track-anything.md").read_text().replace(
            "added:", "type: misc\nadded:"
        )
    )  # fmt: skip
    fusedream.write_text(fusedream.read_text().replace("added:", "venue: NeurIPS\nadded:"))
    bib = tmp_path / "t.bib"
    bib.write_text(
        "@article{e, title={Efficient Track Anything}, year={2024}, journal={TPAMI}}\n"
        "@misc{f, title={FuseDream: Training-Free Text-to-Image Generation with Improved "
        "CLIP+GAN Space Optimization}, year={2021}, eprint={2112.01573}}\n"
        "@inproceedings{p, title={Fast Point Cloud Generation with Straight Flows}, "
        "year={2022}, booktitle={CVPR}}\n"
    )
    before = snapshot(site)
    dry = imp(bib, "--site", site, "--dry-run").stdout
    assert f"  add type, venue to content/papers/{FAST}\n" in dry
    assert "type 'misc' in the file (kept), 'article' in t.bib" in dry
    assert f"  add arxiv to content/papers/{fusedream.name}\n" in dry
    assert snapshot(site) == before
    assert imp(bib, "--site", site).returncode == 0
    papers_now = by_title(site)
    assert papers_now["Efficient Track Anything"]["type"] == "misc"
    assert "venue" not in papers_now["Efficient Track Anything"]  # a journal is no misc's
    assert "type" not in front(fusedream)[0] and front(fusedream)[0]["venue"] == "NeurIPS"
    assert front(papers / FAST)[0]["type"] == "conference"


def test_a_type_and_its_venue_come_from_one_record(site: Path, tmp_path: Path) -> None:
    """A conference entry with no booktitle and a journal's record of the same paper
    made a `conference` paper with the journal as its venue, cited as
    `@inproceedings{booktitle = {Journal...}}`: in one import, and in two, where the
    second filled the journal into the file the first had typed. The record that gives
    the venue gives the type, in either order; a file's type gains no other type's venue."""
    bib, ris = tmp_path / "a.bib", tmp_path / "b.ris"
    bib.write_text("@inproceedings{a, title={Residual Experts}, author={Wu, Lemeng}, year={2022}}")
    ris.write_bytes(
        b"TY  - JOUR\r\nTI  - Residual Experts\r\nPY  - 2022\r\nJO  - JMLR\r\nER  - \r\n"
    )
    for order in ((bib, ris), (ris, bib)):
        fresh = make_site(tmp_path / f"s-{order[0].suffix}")
        assert imp(*order, "--site", fresh).returncode == 0
        paper = by_title(fresh)["Residual Experts"]
        assert (paper["type"], paper["venue"]) == ("article", "JMLR"), order
    # one ORCID work's summaries alike: the one naming the journal gives no type
    kinds = [("conference-paper", {}), ("annotation", {"journal-title": {"value": "JMLR"}})]
    date = {"publication-date": {"year": {"value": "2022"}}}
    title = {"title": {"title": {"value": "Residual Experts"}}}
    work = [{**title, **date, "type": k, **v} for k, v in kinds]
    (tmp_path / "orcid.json").write_text(json.dumps({"group": [{"work-summary": work}]}))
    assert imp(tmp_path / "orcid.json", "--site", site).returncode == 0
    assert "type" not in by_title(site)["Residual Experts"]
    site = make_site(tmp_path / "two-steps")
    assert imp(bib, "--site", site).returncode == 0
    out = imp(ris, "--site", site).stdout
    assert "type 'conference' in the file (kept), 'article' in b.ris" in out
    paper = by_title(site)["Residual Experts"]
    assert paper["type"] == "conference" and "venue" not in paper


def owned_site(root: Path, owner: str = "Lemeng Wu") -> Path:
    """`sitegen new`'s site, its owner's name set, as the README says to start from BibTeX."""
    run_cli("new", root, check=True)
    profile = root / "content" / "profile.yaml"
    profile.write_text(profile.read_text().replace("name: Your Name", f"name: {owner}"))
    return root


def test_an_import_stops_while_the_owners_name_is_the_placeholder(tmp_path: Path) -> None:
    """`sitegen new`, then a .bib import, with `name: Your Name` left as it was: every paper
    by "Wu, Lemeng" became `owner_in_et_al: true`, silently, and once the name was set a
    second import changed nothing. Build and check warned of the placeholder; the import,
    which writes the files, did not. It stops now, before writing, and says what to set;
    a profile text in the call names the owner itself."""
    site, bib = tmp_path / "nr", tmp_path / "some.bib"
    bib.write_text(LONGHORN_SCHOLAR)
    run_cli("new", site, check=True)
    before = snapshot(site)
    proc = imp(bib, "--site", site)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr == (
        f"{site / 'content' / 'profile.yaml'}:4: name: is still the new site's placeholder "
        "'Your Name': set your name here before importing (an import knows your papers by "
        "it); nothing was written\n"
    )
    assert snapshot(site) == before
    profile = site / "content" / "profile.yaml"
    profile.write_text(profile.read_text().replace("name: Your Name", "name: Lemeng Wu"))
    assert imp(bib, "--site", site).returncode == 0  # as it said
    (path,) = (site / "content" / "papers").glob("20*.md")
    assert front(path)[0]["owner_in_et_al"] is False
    fresh = tmp_path / "with-profile"
    run_cli("new", fresh, check=True)
    (tmp_path / "profile.txt").write_text(FAST_PROFILE)
    proc = imp(tmp_path / "profile.txt", bib, "--site", fresh)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_a_new_paper_that_does_not_list_the_owner_says_so(tmp_path: Path) -> None:
    """A paper whose authors the import did not know the owner among (`José R. García` for
    José Ramón García-Pérez) got `owner_in_et_al: true` with no et al., silently, and the
    build made the owner a coauthor page. Its file now says the owner is in no "et al.",
    the import warns, naming the file and its authors and how to fix it, and the fix it
    names (the spelling as the owner's alias in people.yaml) makes the paper the owner's."""
    owner = "José Ramón García-Pérez"
    site, bib = owned_site(tmp_path / "site", owner), tmp_path / "fifth.bib"
    bib.write_text(
        "@article{lopez2024fifth, title={Fifth paper}, author={L{\\'o}pez, Ana and "
        "Garc{\\'\\i}a, Jos{\\'e} R.}, journal={Nature}, year={2024}}\n"
        "@article{x, title={Sixth paper}, author={Doe, Jo and others}, year={2024}}\n"
    )
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    path = site / "content" / "papers" / "2024-fifth-paper.md"
    assert proc.stderr == (
        f"{path}: warning: the owner, {owner}, is not among its authors (Ana López, José R. "
        "García): if one of them is you, add that spelling to content/people.yaml as yours "
        f"(`- name: {owner}`, `owner: true`, `aliases: [...]`); if not, correct its "
        "authors\n"
    )  # and of the sixth, whose "et al." may hold the owner, nothing
    assert front(path)[0]["owner_in_et_al"] is False
    assert front(path.with_name("2024-sixth-paper.md"))[0]["owner_in_et_al"] is True
    (site / "content" / "people.yaml").write_text(
        f"- name: {owner}\n  owner: true\n  aliases: [José R. García]\n", encoding="utf-8"
    )
    run_cli("build", "--site", site, "--no-search", check=True)
    coauthors = {p.name for p in (site / "output" / "coauthors").iterdir() if p.is_dir()}
    assert coauthors == {"ana-lopez", "jo-doe"}


def test_a_filled_in_author_list_and_a_group_author_say_where_the_owner_is(
    tmp_path: Path,
) -> None:
    """The regression hunter's, of the two fixes above: a whole list that does not name the
    owner, filled into a paper whose profile list was cut short, left owner_in_et_al: true,
    silently, and the owner got a coauthor page under the list's spelling; a group author
    (`{ATLAS Collaboration}`), in which the owner may be, was warned of as a stranger's list;
    and a cut list spelt otherwise (`Jason D Lee`, `Zoe Muller`) did not give way to the
    whole one, which it starts."""
    site = owned_site(tmp_path / "site", "Ada Lovelace")
    profile = tmp_path / "p.txt"
    profile.write_text(
        FAST_PROFILE.replace("Lemeng Wu\n", "Ada Lovelace\n", 1)
        .replace("Fast Point Cloud Generation with Straight Flows", "Deep Splitting Networks")
        .replace("Lemeng Wu, Dilin Wang, Chengyue Gong", "Bob Smith, Jason D Lee, Zoe Muller")
    )
    assert imp(profile, "--site", site).returncode == 0
    bib = tmp_path / "b.bib"
    bib.write_text(
        "@article{k, title={Deep Splitting Networks}, author={Smith, Bob and Lee, Jason D. and"
        ' M{\\"u}ller, Zo{\\"e} and Lovelace, Augusta Ada}, journal={JMLR}, year={2022}}\n'
        "@article{g, title={Observation of a New Particle}, author={{ATLAS Collaboration}},"
        " journal={Phys. Lett. B}, year={2012}}\n"
    )
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    papers = {
        front(p)[0]["title"]: (p, front(p)[0]) for p in (site / "content" / "papers").glob("*.md")
    }
    path, fm = papers["Deep Splitting Networks"]
    assert fm["authors"][-1] == "Augusta Ada Lovelace" and fm["et_al"] is False
    assert fm["owner_in_et_al"] is False
    assert f"{path.relative_to(site)}: warning: the owner, Ada Lovelace, is not among" in (
        proc.stderr
    )
    group_path, group = papers["Observation of a New Particle"]
    assert group["owner_in_et_al"] is True and group_path.name not in proc.stderr


FAST_BIB = """@inproceedings{wu2023fast, title={Fast point cloud generation with straight flows},
  author={Wu, Lemeng and Wang, Dilin and Gong, Chengyue and Liu, Xingchao and Xiong, Yunyang
  and Ranjan, Rakesh and Krishnamoorthi, Raghuraman and Chandra, Vikas and Liu, Qiang},
  booktitle={Proceedings of the IEEE/CVF conference on computer vision and pattern
  recognition}, pages={9445--9454}, year={2023}}
"""
FAST_PROFILE = """Lemeng Wu

CV
h-index29
1papers
1,323citations

1 Papers

CVDec 4, 2022
Fast Point Cloud Generation with Straight Flows

Lemeng Wu, Dilin Wang, Chengyue Gong et al.

Diffusion models have emerged as a powerful tool for point cloud generation.
"""


@pytest.mark.slow
def test_a_profiles_cut_author_list_and_preprint_date_never_replace_the_sources(
    tmp_path: Path,
) -> None:
    """The profile imported after a .bib took over its file and cut its nine authors to the
    profile's "Lemeng Wu, Dilin Wang, Chengyue Gong et al.", and dated the CVPR 2023 paper
    by its 2022 preprint, silently: the coauthor pages of the six others went, and no later
    import brought them back. Whatever the order, and in one call, the file keeps the whole
    list and the published version's date, venue, type and pages, and the profile's title,
    topic and abstract."""
    bib, profile = tmp_path / "one.bib", tmp_path / "mini-profile.txt"
    bib.write_text(FAST_BIB)
    profile.write_text(FAST_PROFILE)
    orders = {"bib first": [(bib,), (profile,)], "profile first": [(profile,), (bib,)]}
    orders["one call"] = [(bib, profile)]
    papers = {}
    for order, calls in orders.items():
        site = owned_site(tmp_path / order.replace(" ", "-"))
        for call in calls:
            proc = imp(*call, "--site", site)
            assert proc.returncode == 0, proc.stderr
        proc = imp(profile, bib, "--site", site)  # and again: nothing more changes
        assert proc.stdout.endswith(" 0 updated, 1 unchanged, 1 matched in the sources\n")
        (path,) = (site / "content" / "papers").glob("20*.md")
        papers[order] = front(path)
    fm, body = papers["bib first"]
    assert papers["profile first"] == papers["one call"] == (fm, body)
    assert len(fm["authors"]) == 9 and fm["authors"][-1] == "Qiang Liu"
    assert fm["et_al"] is False and fm["owner_in_et_al"] is False
    assert (fm["date"], fm["type"], fm["pages"]) == (2023, "conference", "9445–9454")
    assert fm["venue"].startswith("Proceedings of the IEEE/CVF conference")
    assert (fm["title"], fm["topic"]) == ("Fast Point Cloud Generation with Straight Flows", "CV")
    assert body.startswith("Diffusion models have emerged")
    site = tmp_path / "bib-first"
    run_cli("build", "--site", site, "--no-search", check=True)
    coauthors = {p.name for p in (site / "output" / "coauthors").iterdir() if p.is_dir()}
    assert {"qiang-liu", "vikas-chandra", "xingchao-liu"} <= coauthors


def test_force_keeps_what_the_sources_know_better_and_the_file_stays_the_imports(
    tmp_path: Path,
) -> None:
    """The regression hunter's: after a .bib gave the whole author list and the published
    date, `import PROFILE --force` over an edited abstract put the profile's cut list and
    preprint date back, and the file, no longer what the manifest held, was "kept (changed
    by hand)" at every later import."""
    bib, profile = tmp_path / "one.bib", tmp_path / "mini-profile.txt"
    bib.write_text(FAST_BIB)
    profile.write_text(FAST_PROFILE)
    site = owned_site(tmp_path / "site")
    for source in (profile, bib):
        assert imp(source, "--site", site).returncode == 0
    (path,) = (site / "content" / "papers").glob("20*.md")
    path.write_text(path.read_text(encoding="utf-8").replace("Diffusion models", "Edited: d"))
    assert imp(profile, "--force", "--site", site).returncode == 0
    fm, body = front(path)
    assert len(fm["authors"]) == 9 and fm["date"] == 2023 and body.startswith("Diffusion")
    assert imp(profile, "--site", site).stdout.endswith(" 1 unchanged\n")


LONGHORN_SCHOLAR = """@article{liu2024longhorn, title={Longhorn: State space models are
  amortized online learners}, author={Liu, Bo and Wang, Rui and Wu, Lemeng and Feng, Yihao
  and Stone, Peter and Liu, Qiang}, journal={arXiv preprint arXiv:2407.14207}, year={2024}}
"""
LONGHORN_DBLP = """@inproceedings{DBLP:conf/iclr/LiuWWFSL25, author={Bo Liu and Rui Wang and
  Lemeng Wu and Yihao Feng and Peter Stone and Qiang Liu}, title={Longhorn: State Space
  Models are Amortized Online Learners}, booktitle={The Thirteenth International Conference
  on Learning Representations, {ICLR} 2025, Singapore, April 24-28, 2025},
  publisher={OpenReview.net}, year={2025}, url={https://openreview.net/forum?id=8jOqCcLzeO}}
"""


def test_a_preprint_takes_its_published_version_from_a_later_import(tmp_path: Path) -> None:
    """A Scholar preprint imported first stayed `type: preprint` with no venue when DBLP's
    ICLR record came in a later import (only its url came: a "Preprint" beside a button to
    OpenReview), though one import of both gave the ICLR paper. The import's own file,
    unedited, takes the published version as that one import does; one edited by hand
    keeps the user's values, and the import says what to edit to take it."""
    scholar, dblp = tmp_path / "scholar.bib", tmp_path / "dblp.bib"
    scholar.write_text(LONGHORN_SCHOLAR)
    dblp.write_text(LONGHORN_DBLP)
    together, apart, edited = (owned_site(tmp_path / n) for n in ("together", "apart", "edited"))
    assert imp(scholar, dblp, "--site", together).returncode == 0
    (want,) = (together / "content" / "papers").glob("2025-*.md")
    for site in (apart, edited):
        assert imp(scholar, "--site", site).returncode == 0
    (path,) = (apart / "content" / "papers").glob("20*.md")
    out = imp(dblp, "--site", apart).stdout
    assert f"replaced type, date in content/papers/{path.name} (from dblp.bib)" in out
    assert "(kept)" not in out
    fm = front(path)[0]
    assert fm == front(want)[0]
    assert (fm["type"], fm["date"], fm["publisher"]) == ("conference", 2025, "OpenReview.net")
    assert fm["venue"].startswith("The Thirteenth International Conference on Learning")

    (path,) = (edited / "content" / "papers").glob("20*.md")
    add_keys(path, "featured: true\n")
    out = imp(dblp, "--site", edited).stdout
    assert front(path)[0]["type"] == "preprint" and "venue" not in front(path)[0]
    assert (
        f"{path.relative_to(edited)}: a preprint in the file, edited by hand (kept); dblp.bib "
        "gives its published version (The Thirteenth International Conference on Learning "
        "Representations, ICLR 2025, Singapore, April 24-28, 2025): to take it, delete the "
        "file's `type:` line and set `date: 2025`, then import again\n"
    ) in out
    path.write_text(path.read_text().replace("type: preprint\n", "").replace("2024", "2025", 1))
    assert imp(dblp, "--site", edited).returncode == 0  # as it said: the ICLR paper
    fm = front(path)[0]
    assert (fm["type"], fm["date"], fm["publisher"]) == ("conference", 2025, "OpenReview.net")
    assert fm["venue"] == front(want)[0]["venue"] and fm["featured"] is True


def test_a_published_version_wins_over_an_arxiv_journal_ref_in_any_order(
    tmp_path: Path, api: dict
) -> None:
    """arXiv's entry of a CVPR paper has a journal reference, `CVPR 2023`, which made it the
    published version: first in an import, its 2022 date and short venue won over DBLP's
    record, with no type, pages or publisher, and the file was named 2022-...; a later
    import of DBLP only noted the years. The entry is the preprint whatever it says, its
    journal reference the venue of an arXiv import alone."""
    arxiv, dblp = "arxiv:ti:Straight", "dblp:1/1"
    first, last, apart, edited = (
        owned_site(tmp_path / n) for n in ("first", "last", "apart", "edited")
    )
    assert imp(arxiv, dblp, "--site", first, env=api).returncode == 0
    assert imp(dblp, arxiv, "--site", last, env=api).returncode == 0
    for site in (apart, edited):
        assert imp(arxiv, "--site", site, env=api).returncode == 0
    name = "2023-fast-point-cloud-generation-with-straight-flows.md"
    want = front(first / "content" / "papers" / name)[0]
    assert (want["date"], want["type"], want["pages"], want["publisher"]) == (
        2023, "conference", "9445–9454", "IEEE"
    )  # fmt: skip
    assert want["venue"].startswith("IEEE/CVF Conference on Computer Vision and Pattern")
    assert want["arxiv"] == "2212.03986" and want["doi"] == "10.1109/CVPR52729.2023.00911"
    assert front(last / "content" / "papers" / name)[0] == want
    (path,) = (apart / "content" / "papers").glob("20*.md")  # a file keeps its name
    fm = front(path)[0]
    assert (str(fm["date"]), fm["type"], fm["venue"]) == ("2022-12-07", "preprint", "CVPR 2023")
    out = imp(dblp, "--site", apart, env=api).stdout
    assert f"replaced venue, type, date in content/papers/{path.name} (from dblp:1/1)" in out
    assert front(path)[0] == want

    (path,) = (edited / "content" / "papers").glob("20*.md")
    add_keys(path, "featured: true\n")
    out = imp(dblp, "--site", edited, env=api).stdout
    assert front(path)[0]["venue"] == "CVPR 2023"
    assert (
        "to take it, delete the file's `type:` and `venue:` lines and set `date: 2023`, then "
        "import again\n"
    ) in out
    text = path.read_text().replace("type: preprint\n", "").replace("venue: CVPR 2023\n", "")
    path.write_text(text.replace("date: 2022-12-07", "date: 2023"))
    assert imp(dblp, "--site", edited, env=api).returncode == 0  # as it said: the CVPR paper
    assert front(path)[0] == {**want, "featured": True}


def test_an_orcid_work_of_type_other_is_no_published_version(tmp_path: Path, api: dict) -> None:
    """A work ORCID lists twice, as a preprint and as "other" of a later year with no ids,
    made a `misc` of 2024: any type but a preprint's was taken for the published version.
    A misc says nothing of where it was published: the preprint stays, and the years differ."""
    site = owned_site(tmp_path / "site")
    proc = imp("orcid:0000-0000-0000-0042", "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    (path,) = (site / "content" / "papers").glob("20*.md")
    assert path.name == "2022-fast-point-cloud-generation-with-straight-flows.md"
    fm = front(path)[0]
    assert (str(fm["date"]), fm["type"], fm["arxiv"]) == ("2022-12-07", "preprint", "2212.03986")
    orcid = "orcid:0000-0000-0000-0042"
    assert f"content/papers/{path.name}: year 2022 in {orcid}, 2024 in {orcid}\n" in proc.stdout


def test_a_preprints_year_is_no_disagreement_with_its_published_versions(
    tmp_path: Path, api: dict
) -> None:
    """A preprint's year is not its published version's as a rule (CVPR 2023 on arXiv in
    2022), yet every import said so of each such paper: DBLP's CoRR entry against its own
    CVPR entry, arXiv's entry against the CVPR paper's file, every import of ORCID and
    DBLP. Two published versions of two years still disagree, a file's year and a
    source's too."""
    site = owned_site(tmp_path / "site")
    proc = imp("dblp:1/1", "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    assert " year " not in proc.stdout
    proc = imp("arxiv:ti:Straight", "--site", site, env=api)  # the CVPR paper's preprint
    assert proc.returncode == 0, proc.stderr
    assert "(kept)" not in proc.stdout  # nor of its type or its venue (`CVPR 2023`)
    sources = ("orcid:0000-0000-0000-0043", "arxiv:ti:Straight", "dblp:1/1")
    for _ in range(2):  # and again, which changes nothing
        proc = imp(*sources, "--site", site, env=api)
        assert proc.returncode == 0, proc.stderr
        years = [line for line in proc.stdout.splitlines() if " year " in line]
        assert years == [
            "content/papers/2019-splitting-steepest-descent-for-growing-neural-architectures.md: "
            "year 2019 in the file (kept), 2020 in orcid:0000-0000-0000-0043",
            "content/papers/2019-splitting-steepest-descent-for-growing-neural-architectures.md: "
            "year 2020 in orcid:0000-0000-0000-0043, 2019 in dblp:1/1",
        ]


# Hugo Blox's content/publication/: a page bundle per paper, YAML or (older) TOML
HUGO = {
    "_index.md": "---\ntitle: Publications\n---\n",  # the list's own page, no paper
    "moved/index.md": """---
title: 'A Paper Moved From Hugo Blox'
authors:
  - Jane Doe
  - admin
date: '2023-05-01T00:00:00Z'
publishDate: '2023-06-02T00:00:00Z'
doi: '10.1234/blox.1'
publication: '*Journal of Static Sites*'
abstract: 'We move a *site*.'
featured: true
tags: [Static Sites]
url_pdf: https://arxiv.org/pdf/2305.01234
url_code: https://github.com/ada/moved
url_slides: https://example.org/slides
url_video: ''
links:
  - icon: twitter
    icon_pack: fab
    name: Thread
    url: https://example.org/thread
  - name: Poster
    url: javascript:alert(1)
---
More about the paper.
""",
    "older/index.md": """+++
title = "An Older TOML Paper"
authors = ["John Smith", "ada-lovelace"]
publishDate = 2019-03-04T00:00:00Z
summary = "Short."
slug = "Older Paper"
aliases = ["/pub/older.html", "old-older"]

url_pdf = "older.pdf"
+++
""",
    "draft/index.md": "---\ntitle: Not Yet\nauthors: [admin]\ndate: 2024-01-01\ndraft: true\n---\n",
}


def blox_site(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path]:
    """A new site for Ada Lovelace, and a Hugo Blox publication folder of these files."""
    site = tmp_path / "site"
    run_cli("new", site, check=True)
    profile = site / "content" / "profile.yaml"
    profile.write_text(profile.read_text().replace("name: Your Name", "name: Ada Lovelace"))
    folder = tmp_path / "publication"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return site, folder


def test_keys_a_hugo_page_added_stay_when_the_profile_is_imported_again(site: Path) -> None:
    """Found by a hunt: the manifest names a Hugo page `pa/index.md`, which was taken for
    a profile text's name, so the next import of the profile alone dropped the keys the
    page had added (and `--dry-run` reported an update that changed no byte)."""
    page = site.parent / "hugo" / "pa" / "index.md"
    page.parent.mkdir(parents=True)
    page.write_text(
        '---\ntitle: "Path-Invariant Map Networks"\nauthors: [admin]\ndate: 2019-06-01\n'
        "url_code: https://github.com/x/y\nurl_pdf: https://arxiv.org/pdf/1812.11647\n---\n"
    )
    assert imp(page.parent.parent, "--site", site).returncode == 0
    paper = site / "content" / "papers" / "2018-path-invariant-map-networks.md"
    filled = paper.read_bytes()
    assert b"pdf: https://arxiv.org/pdf/1812.11647" in filled
    proc = imp(seed_profile(), "--site", site)
    assert proc.stdout.splitlines()[-1] == "0 added, 0 updated, 32 unchanged", proc.stdout
    assert paper.read_bytes() == filled


def test_hugo_blox_publications_become_papers_with_their_buttons(tmp_path: Path) -> None:
    """A folder given to `sitegen import` was read as a profile text ("Is a directory"):
    a site moved from Hugo Blox had to retype its papers."""
    site, folder = blox_site(tmp_path, HUGO)
    proc = imp(folder, "--site", site)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == (
        f"{folder / 'older' / 'index.md'}:9: warning: url_pdf 'older.pdf' is not a URL: not "
        "imported (put the file in root/ and give its full URL)\n"
    )
    papers = site / "content" / "papers"
    moved, body = front(papers / "2023-a-paper-moved-from-hugo-blox.md")
    assert moved["authors"] == ["Jane Doe", "Ada Lovelace"] and moved["date"] == dt.date(2023, 5, 1)
    assert moved["doi"] == "10.1234/blox.1" and moved["arxiv"] == "2305.01234"
    assert moved["venue"] == "Journal of Static Sites"  # shown as text, as other sources' venues
    assert moved["pdf"] == "https://arxiv.org/pdf/2305.01234"
    assert moved["code_url"] == "https://github.com/ada/moved" and moved["featured"] is True
    assert moved["links"] == [  # the poster's is no http(s) URL
        {"name": "Slides", "url": "https://example.org/slides"},
        {"name": "Thread", "url": "https://example.org/thread"},
    ]
    assert body.strip() == "We move a *site*."
    assert moved["aliases"] == ["/publication/moved/"]  # its URL on the Hugo site, kept
    assert moved["tags"] == ["Static Sites"]
    older, body = front(papers / "2019-an-older-toml-paper.md")
    # Hugo's `slug` names the page's URL, lower-cased as Hugo writes it, and its own
    # aliases stay, one without a slash in the page's section, as Hugo reads it
    assert older["aliases"] == [
        "/publication/older-paper/", "/pub/older.html", "/publication/old-older/"
    ]  # fmt: skip
    assert older["authors"] == ["John Smith", "Ada Lovelace"]  # its author key names her
    assert older["date"] == dt.date(2019, 3, 4) and body.strip() == "Short."
    assert "pdf" not in older and "featured" not in older
    assert not any("not-yet" in p.name for p in papers.iterdir())  # a draft
    sources = json.loads((site / "content" / ".sitegen-import.json").read_text())["sources"]
    assert sources["2019-an-older-toml-paper.md"] == ["older/index.md"]
    before = snapshot(site)
    assert (
        imp(folder, "--site", site).stdout.splitlines()[-1]
        == "0 added, 0 updated, 0 unchanged, 2 matched in the sources"
    )
    assert snapshot(site) == before
    out = tmp_path / "out"
    run_cli("build", "--site", site, "--output", out, "--no-search", check=True)
    page = parse(out / "papers" / "2023-a-paper-moved-from-hugo-blox" / "index.html")
    buttons = {a["href"] for a in page.find("a")}
    assert {moved["code_url"], moved["pdf"], *(link["url"] for link in moved["links"])} <= buttons
    assert "Slides Thread" in page.text and "Journal of Static Sites" in page.text
    assert not any(href.startswith("javascript") for href in buttons)
    assert "Selected publications" in parse(out / "index.html").text
    for old, new in (
        ("publication/moved/index.html", "papers/2023-a-paper-moved-from-hugo-blox/"),
        ("pub/older.html", "papers/2019-an-older-toml-paper/"),
    ):  # links into the old site lead to the papers
        refresh = next(a for _, a in parse(out / old).elements if a.get("http-equiv"))
        assert refresh["content"] == "0; url=" + "../" * old.count("/") + new


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("---\ntitle: A: B\n---\n", 2, "invalid YAML: mapping values are not allowed"),
        ('+++\ntitle = "T"\nauthors = ["a"\n+++\n', 3, "invalid TOML: Unclosed array"),
        ('+++\ntitle = "T"\n', 1, "front matter is not closed by a '+++' line"),
        ("---\ntitle: T\ndate: soon\n---\n", 3, "not a date: 'soon'"),
        ("---\nauthors: [admin]\n---\n", 1, "an entry without a title"),
    ],
)
def test_a_malformed_hugo_front_matter_stops_the_import(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    site, folder = blox_site(tmp_path, {**HUGO, "broken/index.md": text})
    before = snapshot(site)
    proc = imp(folder, "--site", site)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"{folder / 'broken' / 'index.md'}:{line}: {message}")
    assert len(proc.stderr.splitlines()) == 1 and snapshot(site) == before


def test_a_named_pipe_in_a_hugo_folder_is_an_error_not_a_hang(tmp_path: Path) -> None:
    """A FIFO found among the pages is refused, not read: the read would wait for a writer
    (a fresh process with a timeout: a hang fails)."""
    site, folder = blox_site(tmp_path, HUGO)
    os.mkfifo(folder / "pipe.md")
    before = snapshot(site)
    proc = run_cli("import", folder, "--site", site, fresh=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith(f"{folder / 'pipe.md'}: not a file")
    assert snapshot(site) == before


def test_a_hugo_sites_content_folder_is_refused_for_its_publication_folder(
    tmp_path: Path,
) -> None:
    """`hugo/content` for `hugo/content/publication` made a paper of every post and talk."""
    site, folder = blox_site(tmp_path, HUGO)
    (tmp_path / "post" / "welcome").mkdir(parents=True)
    (tmp_path / "post" / "welcome" / "index.md").write_text("---\ntitle: Welcome\n---\nHi.\n")
    before = snapshot(site)
    proc = imp(tmp_path, "--site", site)
    assert proc.returncode == 2 and snapshot(site) == before
    assert proc.stderr == (
        f"{tmp_path}: this is a Hugo site's content, not its publications: give its "
        "publication/ folder: every page here (posts, talks) would be a paper\n"
    )


def test_hugo_author_keys_become_the_names_their_profiles_give(tmp_path: Path) -> None:
    """An author key other than the owner's was written as the name `jane-doe`: Hugo Blox
    shows the `title` (older themes: `name`) of the profile `content/authors/KEY/`,
    beside the publication folder, YAML or TOML. The owner's keys stay hers whatever her
    old profile says; a key without a profile, or not a folder's name, stays as written."""
    keys = ["admin", "jane-doe", "wang", "zola", "nameless", "ghost", "jane-doe/../wang"]
    site, folder = blox_site(
        tmp_path, {"p/index.md": f"---\ntitle: Keyed\nauthors: {keys}\ndate: 2020-01-01\n---\n"}
    )
    profiles = {
        "admin/_index.md": "---\ntitle: Augusta Ada King\nsuperuser: true\n---\n",
        "jane-doe/_index.md": "---\n# Display name\ntitle: Jane Q. Doe\n---\nBio.\n",
        "wang/index.md": '+++\ntitle = "王晓明"\n+++\n',
        "zola/_index.md": "---\nname: Émile Zola\nauthors: [zola]\n---\n",
        "nameless/_index.md": "---\nrole: Student\n---\n",
    }
    for name, text in profiles.items():
        (tmp_path / "authors" / name).parent.mkdir(parents=True)
        (tmp_path / "authors" / name).write_text(text, encoding="utf-8")
    proc = imp(folder, "--site", site)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    names = ["Ada Lovelace", "Jane Q. Doe", "王晓明", "Émile Zola", "nameless", "ghost", keys[-1]]
    assert by_title(site)["Keyed"]["authors"] == names


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("---\ntitle: Jane\n  Doe: x\n---\n", 3, "invalid YAML"),
        ('+++\ntitle = "Jane Doe\n+++\n', 2, "invalid TOML"),
    ],
)
def test_a_malformed_hugo_author_profile_stops_the_import(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    site, folder = blox_site(tmp_path, HUGO)
    (tmp_path / "authors" / "john-smith").mkdir(parents=True)
    profile = tmp_path / "authors" / "john-smith" / "_index.md"
    profile.write_text(text)
    (folder / "older" / "index.md").write_text(
        HUGO["older/index.md"].replace("John Smith", "john-smith")
    )
    before = snapshot(site)
    proc = imp(folder, "--site", site)
    assert proc.returncode == 2 and proc.stderr.startswith(f"{profile}:{line}: {message}")
    assert len(proc.stderr.splitlines()) == 1 and snapshot(site) == before


def test_nested_hugo_folders_are_read_as_hugo_renders_them(tmp_path: Path) -> None:
    """Pages a level deeper (`publication/2021/paper/index.md`, grouped by year or kind)
    were skipped without a word. Hugo renders the pages of a section (a folder with
    _index.md) and of a folder without it alike, at any depth; a folder with index.md is
    one page, whose Markdown files are its own, not pages: those are named in a warning."""

    def page(title: str) -> str:
        return f"---\ntitle: {title}\nauthors: [admin]\ndate: 2021-01-01\n---\n"

    site, folder = blox_site(
        tmp_path,
        {
            "_index.md": page("The List"),
            "2021/_index.md": page("The Year"),
            "2021/bundled/index.md": page("Bundled In A Section"),
            "2021/flat.md": page("Flat In A Section"),
            "journal/deeper/bundle/index.md": page("Two Plain Folders Down"),
            "bundle/index.md": page("A Bundle"),
            "bundle/notes.md": page("Notes Of A Bundle"),
            "bundle/talk/index.md": page("A Folder In A Bundle"),
        },
    )
    (folder / "2021" / "again").symlink_to(folder)  # a loop: walked once
    proc = imp(folder, "--site", site)
    assert proc.returncode == 0, proc.stderr
    assert sorted(by_title(site)) == [
        "A Bundle", "An example paper title", "Bundled In A Section", "Flat In A Section",
        "Two Plain Folders Down",
    ]  # fmt: skip
    hidden = [folder / "bundle" / "notes.md", folder / "bundle" / "talk" / "index.md"]
    assert [line.split(": ", 2)[:2] for line in proc.stderr.splitlines()] == [
        [str(p), "warning"] for p in hidden
    ]
    assert "inside a page bundle (a folder with index.md)" in proc.stderr
    sources = json.loads((site / "content" / ".sitegen-import.json").read_text())["sources"]
    assert sources["2021-bundled-in-a-section.md"] == ["2021/bundled/index.md"]


# ---------------------------------------------------------------- bad input


BAD_FILES = [
    ("unbalanced.bib", 6, "cannot read this BibTeX entry"),
    ("duplicate-field.bib", 6, "this entry gives 'year' twice: remove one"),  # not "braces"
    ("no-title.bib", 1, "an entry without a title"),
    ("month13.bib", 4, "impossible date 2020-13 (year-month-day)"),  # was 2020-13-1
    ("date-not-iso.bib", 4, "not a date: 'Summer 2023'"),  # biblatex's date, without a year
    ("month-superscript.bib", 4, "impossible month"),  # '²'.isdigit(), but int('²') fails
    ("month-huge.bib", 4, "impossible date 2020-111111111"),  # int() refuses 5,000 digits
    ("day-huge.ris", 1, "impossible date 2020-06-222222222"),
    ("year-5-digits.ris", 1, "impossible year '99999'"),  # was read as 9999
    ("broken.json", 3, "invalid JSON"),
    ("feb29.json", 2, "'Leap Day': impossible date"),  # named by its title too
    ("no-id-bad-month.json", 3, "'Fourth': impossible date"),  # a CSL item without an id: no line
    ("orcid-bad-month.json", 23, "'Second': impossible date 2019-00"),  # nor an ORCID work
    ("no-title.ris", 6, "an entry without a title"),
    ("unclosed.ris", 5, "this record has no closing 'ER  - ' line"),  # a cut-short export
    ("duplicate-id.json", 3, 'duplicate item id "a"'),
    ("item-not-object.json", 3, "a CSL-JSON item must be an object"),  # was without a line
    ("items-not-object.json", 4, "a CSL-JSON item must be an object"),  # {"items": [...]}
    ("duplicate-key.json", 3, "duplicate key 'title': remove one of the two"),  # as in YAML
    ("huge-number.json", 1, "a number of more than 4,300 digits"),  # Python reads none
    ("bom-not-utf8.bib", 2, "not UTF-8 text"),  # lines counted past the byte-order mark
    ("sign-in-page.bib", 1, "not a BibTeX file"),  # a download that saved a web page
]


def test_a_bad_file_stops_the_cli_with_one_line(site: Path) -> None:
    before = snapshot(site)
    bad = FIXTURES / "bad" / "unbalanced.bib"
    proc = imp(BIB, bad, "--site", site)
    assert proc.returncode != 0
    assert proc.stderr == f"{bad}:6: cannot read this BibTeX entry (unbalanced braces?)\n"
    assert snapshot(site) == before


@pytest.mark.parametrize("name, line, message", BAD_FILES)
def test_bad_files_are_refused_with_file_and_line(
    site: Path, name: str, line: int, message: str
) -> None:
    before = snapshot(site)
    bad = FIXTURES / "bad" / name
    with pytest.raises(SitegenError) as e:
        run_import([BIB, bad], site, as_of=dt.date(2026, 11, 25))
    assert str(e.value).startswith(f"{bad}:{line}: {message}"), str(e.value)
    assert len(str(e.value)) < len(str(bad)) + 200  # a 5,000-digit day is not echoed whole
    assert snapshot(site) == before


def test_without_a_profile_the_site_needs_an_owner(tmp_path: Path) -> None:
    proc = imp(BIB, "--site", tmp_path)
    assert proc.returncode != 0 and "profile.yaml" in proc.stderr
    assert not (tmp_path / "content").exists()


def test_a_paper_file_that_does_not_parse_stops_a_merge(site: Path) -> None:
    """Matched without it, its paper would be added again: a second file, exit 0."""
    paper = site / "content" / "papers" / PATHFUSION
    lines = paper.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    lines[at] = "title: 'PathFusion: Path-consistent Lidar-Camera Deep Feature Fusion' v2\n"
    paper.write_text("".join(lines))
    before = snapshot(site)
    proc = imp(BIB, "--site", site)
    assert proc.returncode != 0
    assert proc.stderr.startswith(f"{paper}:{at + 1}: invalid YAML"), proc.stderr
    assert snapshot(site) == before


def test_the_owner_comes_from_profile_yaml_as_a_build_reads_it(site: Path) -> None:
    """A `name:` given twice is an error at its line, not the second name taken in silence."""
    profile = site / "content" / "profile.yaml"
    profile.write_text(profile.read_text() + "name: Somebody Else\n")
    before = snapshot(site)
    proc = imp(BIB, "--site", site)
    assert proc.returncode != 0
    assert "content/profile.yaml:" in proc.stderr and "duplicate key 'name'" in proc.stderr
    assert snapshot(site) == before


# ---------------------------------------------------------------- online sources

PAGES = {0: "arxiv-page1.xml", 2: "arxiv-page2.xml"}


def atom(total: str, *ids: str) -> bytes:
    """An arXiv API page with `total` as its totalResults and one entry per arXiv id."""
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{i}</id><title>{i}</title></entry>" for i in ids
    )
    return (
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:os="http://a9.com/-/spec/opensearch/1.1/">'
        f"<os:totalResults>{total}</os:totalResults>{entries}</feed>"
    ).encode()


def _chapter(title: str, *ids: tuple[str, str]) -> dict:
    """An ORCID work with (DOI, relationship) external ids."""
    external = [
        {"external-id-type": "doi", "external-id-value": v, "external-id-relationship": r}
        for v, r in ids
    ]
    summary = {"title": {"title": {"value": title}}, "external-ids": {"external-id": external}}
    return {"work-summary": [{**summary, "publication-date": {"year": {"value": "2023"}}}]}


BOOK = ("10.1007/978-3-031-00000-0", "part-of")
CHAPTERS = {
    "group": [
        _chapter("Chapter One on Flows", BOOK, ("10.1007/978-3-031-00000-0_1", "self")),
        _chapter("Chapter Two on Point Clouds", BOOK),
    ]
}


def _work(code: int) -> dict:
    """An ORCID /works group of one summary, which names no contributors."""
    title, date = {"title": {"value": f"Orcid Paper {code}"}}, {"year": {"value": "2021"}}
    summary = {"put-code": code, "title": title, "publication-date": date, "type": "preprint"}
    return {"external-ids": {"external-id": []}, "work-summary": [summary]}


MANY_WORKS = {"group": [_work(150_000 + n) for n in range(150)]}


def bulk_work(code: str) -> dict:
    """The bulk endpoint's full work for a put-code: its author, then the owner."""
    people = [("Wu, Lemeng", "additional"), (f"Ada Author{code}", "first")]
    contributors = [
        {
            "credit-name": {"value": name},
            "contributor-attributes": {"contributor-sequence": seq, "contributor-role": "author"},
        }
        for name, seq in people
    ]
    return {"work": {"put-code": int(code), "contributors": {"contributor": contributors}}}


def _orcid_work(title: str, kind: str, date: str, *ids: tuple[str, str]) -> dict:
    """An ORCID work of one summary: its type, its date (`2022-12-07`, `2024`) and its own
    (type, value) external ids."""
    external = [
        {"external-id-type": t, "external-id-value": v, "external-id-relationship": "self"}
        for t, v in ids
    ]
    names = ("year", "month", "day")[: date.count("-") + 1]
    parts = {n: {"value": v} for n, v in zip(names, date.split("-"), strict=True)}
    summary = {"title": {"title": {"value": title}}, "type": kind, "publication-date": parts}
    return {"work-summary": [{**summary, "external-ids": {"external-id": external}}]}


FAST_TITLE = "Fast Point Cloud Generation with Straight Flows"
FAST_DOI = ("doi", "10.1109/CVPR52729.2023.00911")
SPLITTING = "Splitting Steepest Descent for Growing Neural Architectures"
ORCID_WORKS = {  # by ORCID iD: works each a test of versions needs
    # a preprint, and the same title again as "other", a later year and no ids
    "0000-0000-0000-0042": [
        _orcid_work(FAST_TITLE, "preprint", "2022-12-07", ("arxiv", "2212.03986")),
        _orcid_work(FAST_TITLE.lower(), "other", "2024"),
    ],
    # a published version of a paper DBLP has on CoRR too, and of one it dates a year earlier
    "0000-0000-0000-0043": [
        _orcid_work(FAST_TITLE, "conference-paper", "2023", FAST_DOI),
        _orcid_work(SPLITTING, "journal-article", "2020"),
    ],
}


def zotero_item(n: int) -> dict:
    """One item of a Zotero library as the Web API's CSL-JSON gives it."""
    author = [{"family": "Wu", "given": "Lemeng"}]
    title, date = f"Zotero Paper {n}", {"date-parts": [[2021, 5]]}
    return {
        "id": f"1/Z{n:07d}",
        "type": "article-journal",
        "title": title,
        "author": author,
        "issued": date,
    }


ZOTERO_LIBRARIES = {  # path -> items; each page is served with `Backoff: 120`
    "/users/1": [zotero_item(n) for n in range(101)],  # two pages of 100
    "/groups/3": [zotero_item(n) for n in range(100)],  # one page, Total-Results ends it
    "/groups/2/collections/ABCD2345": [zotero_item(500)],
}


class _Replay(http.server.BaseHTTPRequestHandler):
    """Recorded API answers by path; special ids and PIDs answer with failures."""

    elsewhere = "ftp://127.0.0.1:9/x.bib"  # where ...-0008 redirects (a test may change it)
    zotero: list[tuple[str, dict, dict]] = []  # Zotero requests: path, query, headers (lower case)
    orcid_bulk: list[list[str]] = []  # the put-codes of each bulk request for ...-0150

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        library = url.path.removesuffix("/items/top")
        if library != url.path:
            self.zotero.append((url.path, query, {k.lower(): v for k, v in self.headers.items()}))
            if library in ("/users/403", "/users/404"):
                return self._send(int(library[-3:]), b"Forbidden or Not found")
            if library == "/users/307":  # the collection, on another host (by name)
                moved = f"http://localhost:{self.server.server_port}/groups/2/collections"
                self.send_response(307)
                self.send_header("Location", f"{moved}/ABCD2345/items/top?{url.query}")
                self.end_headers()
                return None
            if library == "/users/16":  # a standalone note and a file: top-level items too
                items = [zotero_item(1), {"id": "1/N", "type": "document"}, zotero_item(2)]
                return self._send(200, json.dumps({"items": items}).encode())
            if library == "/users/19":  # the same page whatever `start` asks for
                page = {"items": [zotero_item(n) for n in range(100)]}
                return self._send(200, json.dumps(page).encode())
            items, start = ZOTERO_LIBRARIES[library], int(query["start"][0])
            page = {"items": items[start : start + int(query["limit"][0])]}
            headers = {"Total-Results": str(len(items)), "Backoff": "120"}
            return self._send(200, json.dumps(page, indent=2).encode(), headers)
        if url.path == f"/v3.0/{ORCID_ID}/works":
            assert self.headers["Accept"] == "application/json"
            return self._send(200, ORCID.read_bytes())
        if url.path == f"/v3.0/{ORCID_ID}/works/140001,140002,140003":  # their contributors
            assert self.headers["Accept"] == "application/json"
            return self._send(200, (FIXTURES / "orcid-bulk.json").read_bytes())
        if url.path == "/v3.0/0000-0000-0000-0150/works":
            return self._send(200, json.dumps(MANY_WORKS).encode())
        if url.path.startswith("/v3.0/0000-0000-0000-0150/works/"):
            codes = url.path.rpartition("/")[2].split(",")
            self.orcid_bulk.append(codes)
            return self._send(200, json.dumps({"bulk": [bulk_work(c) for c in codes]}).encode())
        if url.path == "/v3.0/0000-0002-1694-233X/works":  # a check digit X: no works yet
            return self._send(200, b'{"group": []}')
        if url.path == "/v3.0/0000-0000-0000-0020/works":
            return self._send(200, json.dumps(CHAPTERS).encode())
        if (orcid := url.path.removeprefix("/v3.0/").removesuffix("/works")) in ORCID_WORKS:
            return self._send(200, json.dumps({"group": ORCID_WORKS[orcid]}).encode())
        if url.path == "/v3.0/0000-0000-0000-0500/works":
            return self._send(500, b"Internal Server Error")
        if url.path == "/v3.0/0000-0000-0000-0503/works":  # a throttle, as arXiv's
            return self._send(503, b"Service Unavailable", {"Retry-After": "30"})
        if url.path == "/v3.0/0000-0000-0000-0429/works":
            return self._send(429, b"Too Many Requests")
        if url.path == "/v3.0/0000-0000-0000-1429/works":
            return self._send(429, b"Too Many Requests", {"Retry-After": "120"})
        if url.path == "/v3.0/0000-0000-0000-2429/works":
            date = "Wed, 21 Oct 2026 07:28:00 GMT"
            return self._send(429, b"Too Many Requests", {"Retry-After": date})
        if url.path == "/v3.0/0000-0000-0000-0001/works":
            return self._send(200, b'{"group": [{"work-summary": [')  # cut short
        if url.path == "/v3.0/0000-0000-0000-0002/works":
            time.sleep(2)
            return self._send(200, b"{}")
        if url.path == "/v3.0/0000-0000-0000-0003/works":  # endless, as far as a cap knows
            self.send_response(200)
            self.end_headers()
            with contextlib.suppress(OSError):  # the client stopped reading
                for _ in range(20):
                    self.wfile.write(b" " * (1 << 20))
            return None
        if url.path == "/v3.0/0000-0000-0000-0004/works":  # shorter than its Content-Length
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"group": []}')
            return None
        if url.path == "/v3.0/0000-0000-0000-0006/works":  # a redirect to no URL at all
            self.send_response(302)
            self.send_header("Location", "http://[::1")
            self.end_headers()
            return None
        if url.path == "/v3.0/0000-0000-0000-0008/works":  # a redirect to another scheme
            self.send_response(302)
            self.send_header("Location", self.elsewhere)
            self.end_headers()
            return None
        if url.path == "/v3.0/0000-0000-0000-0009/works":  # a redirect to itself
            self.send_response(302)
            self.send_header("Location", url.path)
            self.end_headers()
            return None
        if url.path == "/v3.0/0000-0000-0000-0007/works":  # a length no read can take
            self.send_response(200)
            self.send_header("Content-Length", "9" * 26)
            self.end_headers()
            self.wfile.write(b'{"group": []}')
            return None
        if url.path == "/v3.0/0000-0000-0000-0005/works":  # a byte every 0.1 s, for 4 s
            self.send_response(200)
            self.send_header("Content-Length", "40")
            self.end_headers()
            with contextlib.suppress(OSError):
                for byte in b'{"group": []}'.ljust(40):
                    self.wfile.write(bytes([byte]))
                    time.sleep(0.1)
            return None
        if url.path == "/pid/123/4567.bib":
            return self._send(200, DBLP.read_bytes())
        if url.path == "/pid/220/3331.bib":  # moved, to where nothing is
            return self._send(301, b"", {"Location": "/pid/220/9999.bib"})
        if url.path == "/pid/1/1.bib":  # a CVPR paper, its CoRR preprint, a NeurIPS paper
            return self._send(200, (FIXTURES / "dblp-versions.bib").read_bytes())
        if url.path == "/api/query":
            if query["search_query"] == ["au:Broken"]:
                return self._send(200, b"<feed><unclosed></feed>")
            if query["search_query"] == ["au:Blog"]:  # a blog's feed: Atom, not arXiv's
                feed = '<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>x</id></entry></feed>'
                return self._send(200, feed.encode())
            if query["search_query"] == ["id:bad"]:
                return self._send(200, (FIXTURES / "arxiv-error.xml").read_bytes())
            if query["search_query"] == ["ti:Straight"]:  # its journal_ref: `CVPR 2023`
                return self._send(200, (FIXTURES / "arxiv-journal-ref.xml").read_bytes())
            start = int(query["start"][0])
            if query["search_query"] == ["au:Grow"]:  # each page a new entry and a larger total
                return self._send(200, atom(str(start + 2), f"2301.{10000 + start}"))
            if query["search_query"] == ["id:2212.01747"]:
                return self._send(200, atom("1", "2212.01747"))
            if query["search_query"] == ["au:Empty"]:  # arXiv's known empty page, the first
                return self._send(200, atom("137"))
            if query["search_query"] == ["au:Glitch"]:  # arXiv's known empty later page
                return self._send(200, atom("0") if start else atom("350", "2301.10000"))
            if query["search_query"] == ["au:Repeat"]:  # the same entry on every page
                return self._send(200, atom("3", "2301.10000"))
            if query["search_query"] == ["au:Super"]:  # a digit int() cannot read
                return self._send(200, atom("\u00b2", "2301.10000"))
            if query["search_query"] == ["au:Huge"]:  # more digits than int() reads
                return self._send(200, atom("9" * 5000, "2301.10000"))
            page = PAGES.get(start)
            return self._send(200, (FIXTURES / page).read_bytes()) if page else self._send(404, b"")
        return self._send(404, b"not found")

    def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:  # the client gave up waiting (the timeout case)
            pass

    def log_message(self, *args: object) -> None:
        pass


class replay:  # noqa: N801 - used as a context manager, like open()
    """A local server on a free port for the duration of a `with` block."""

    def __enter__(self) -> str:
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Replay)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_port}"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def api() -> Iterator[dict[str, str]]:
    with replay() as base:
        yield {
            "SITEGEN_ORCID_API": base,
            "SITEGEN_DBLP_API": base,
            "SITEGEN_ARXIV_API": base,
            "SITEGEN_ZOTERO_API": base,
            "SITEGEN_FETCH_TIMEOUT": "0.5",
        }


def test_orcid_dblp_and_arxiv_online_merge_like_files(site: Path, api: dict) -> None:
    sources = (f"orcid:{ORCID_ID}", "dblp:123/4567", "arxiv:au:Wu_Lemeng")
    proc = imp(*sources, "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    fast = front(site / "content" / "papers" / FAST)[0]
    assert fast["doi"] == "10.1109/CVPR52729.2023.00911" and fast["arxiv"] == "2212.01747"
    manifest = json.loads((site / "content" / ".sitegen-import.json").read_text())
    assert manifest["sources"][FAST] == ["dblp:123/4567", f"orcid:{ORCID_ID}", "profile.txt"]
    before = snapshot(site)
    assert imp(*sources, "--site", site, env=api).returncode == 0
    assert snapshot(site) == before


def test_only_an_orcid_works_own_ids_identify_it(site: Path, api: dict) -> None:
    """A chapter lists its book's DOI as `part-of`: taken for the chapter's own, it made
    two chapters of one book one paper. Only `self` ids are the work's."""
    proc = imp("orcid:0000-0000-0000-0020", "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    papers = by_title(site)
    assert papers["Chapter One on Flows"]["doi"] == "10.1007/978-3-031-00000-0_1"
    assert "doi" not in papers["Chapter Two on Point Clouds"]


@pytest.mark.slow
def test_an_orcid_only_paper_has_its_contributors_or_says_et_al(tmp_path: Path, api: dict) -> None:
    """ORCID's /works summaries name no contributors: every ORCID-only paper got `authors:
    []`, and its page and BibTeX gave the owner as its only author, silently. They come
    from the bulk work endpoint now, in sequence order; a work still without any (here an
    error item) is the owner's "et al.", said once."""
    site = owned_site(tmp_path / "site")
    proc = imp(f"orcid:{ORCID_ID}", "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        f"orcid:{ORCID_ID}: warning: 1 ORCID work lists no authors: \"alert('x') Robust & "
        'Fast: Hostile Titles"; a paper no other source names the authors of shows you and '
        '"et al." (`authors: []`, `et_al: true`): list its authors in its file'
    ]
    papers = site / "content" / "papers"
    fast = front(papers / "2023-fast-point-cloud-generation-with-straight-flows.md")[0]
    assert fast["authors"][:3] == ["Lemeng Wu", "Dilin Wang", "Chengyue Gong"]
    assert len(fast["authors"]) == 9 and fast["et_al"] is False
    (hostile,) = papers.glob("2024-alert-x-robust-*.md")
    fm = front(hostile)[0]
    assert (fm["authors"], fm["et_al"], fm["owner_in_et_al"]) == ([], True, True)
    run_cli("build", "--site", site, "--no-search", check=True)
    page = site / "output" / "papers" / hostile.stem
    authors = parse(page / "index.html").text
    assert "Lemeng Wu et al." in authors
    bib = bibtexparser.parse_string((page / f"{hostile.stem}.bib").read_text())
    assert bib.entries[0]["author"] == "Wu, Lemeng and others"
    # edited by hand, then another source lists the authors: the "et al." goes with the
    # empty list it stood for (a regression hunter's report: it stayed, `and others`)
    hostile.write_text(hostile.read_text().replace("\n---\n", "\ntags: [robust]\n---\n", 1))
    csl = tmp_path / "later.json"
    names = [{"family": "Wu", "given": "Lemeng"}, {"family": "Doe", "given": "Jane"}]
    item = {"id": "h", "title": fm["title"], "issued": {"date-parts": [[2024]]}, "author": names}
    csl.write_text(json.dumps([item]))
    assert imp(csl, "--site", site).returncode == 0
    fm = front(hostile)[0]
    assert (fm["authors"], fm["et_al"], fm["tags"]) == (
        ["Lemeng Wu", "Jane Doe"],
        False,
        ["robust"],
    )


def test_orcid_contributors_are_asked_100_put_codes_a_request(tmp_path: Path, api: dict) -> None:
    """ORCID's bulk work endpoint takes at most 100 put-codes: 150 works are two requests.
    The first author (`first`) comes first, wherever the list gives them."""
    site = owned_site(tmp_path / "site")
    _Replay.orcid_bulk.clear()
    proc = imp("orcid:0000-0000-0000-0150", "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    assert [len(codes) for codes in _Replay.orcid_bulk] == [100, 50]
    assert "warning" not in proc.stderr
    fm = front(site / "content" / "papers" / "2021-orcid-paper-150149.md")[0]
    assert fm["authors"] == ["Ada Author150149", "Lemeng Wu"] and fm["et_al"] is False


def test_orcid_bulk_authors_are_its_authors_in_sequence() -> None:
    from sitegen.sources import parse_orcid_bulk

    def person(name: str, seq: str | None, role: str | None) -> dict:
        attributes = {"contributor-sequence": seq, "contributor-role": role}
        return {"credit-name": {"value": name}, "contributor-attributes": attributes}

    people = [
        person("Couch, Josiah", "additional", "author"),
        person("Ed Itor", None, "editor"),
        person("Nguyen, Phuc", "first", None),
        {"credit-name": None, "contributor-attributes": None},
    ]
    bulk = {
        "bulk": [
            {"work": {"put-code": 7, "contributors": {"contributor": people}}},
            {"error": {"response-code": 404, "error-code": 9016}},
            {"work": {"put-code": 8, "contributors": None}},
        ]
    }
    assert parse_orcid_bulk(json.dumps(bulk), "orcid:x") == {"7": ("Phuc Nguyen", "Josiah Couch")}
    with pytest.raises(SitegenError, match="not an ORCID bulk works answer"):
        parse_orcid_bulk('{"group": []}', "orcid:x")


def test_an_online_failure_stops_the_cli_with_one_line(site: Path, api: dict) -> None:
    before = snapshot(site)
    proc = imp(BIB, "orcid:0000-0000-0000-0429", "--site", site, env=api)
    assert proc.returncode != 0
    progress, error = proc.stderr.splitlines()
    assert progress == "fetching orcid:0000-0000-0000-0429"
    assert error == "orcid:0000-0000-0000-0429: rate limited (HTTP 429); wait a while and try again"
    assert snapshot(site) == before


def test_an_online_error_names_the_url_that_failed_and_what_went_wrong(
    site: Path, api: dict
) -> None:
    """A hunter's: a DBLP 301 to a PID that is 404 named the URL asked for, not the one that
    failed; an answer shorter than its Content-Length was "cannot reach ... (IncompleteRead(
    ...))", of a server that answered; arXiv's empty first page was "no new entry at 0 of
    137", without the advice to try again that the same glitch gets on a later page."""
    base = api["SITEGEN_DBLP_API"]
    for source, error in (
        ("dblp:220/3331", f"HTTP 404 Not Found from {base}/pid/220/9999.bib"),
        (
            "orcid:0000-0000-0000-0004",
            f"the answer from {base}/v3.0/0000-0000-0000-0004/works was cut short: try again",
        ),
        ("arxiv:au:Empty", "arXiv sent an empty page at 0 of 137: try again later"),
    ):
        proc = imp(source, "--site", site, env=api)
        assert (proc.returncode, proc.stderr.splitlines()[-1]) == (1, f"{source}: {error}")


@pytest.mark.parametrize(
    "orcid, wait",
    [
        ("0000-0000-0000-1429", "in 120 s"),
        ("0000-0000-0000-2429", "after Wed, 21 Oct 2026 07:28:00 GMT"),
    ],
)
def test_a_rate_limit_says_when_the_server_asks_to_try_again(
    site: Path, api: dict, orcid: str, wait: str
) -> None:
    proc = imp(f"orcid:{orcid}", "--site", site, env=api)
    assert proc.returncode != 0
    assert (
        proc.stderr.splitlines()[-1] == f"orcid:{orcid}: rate limited (HTTP 429); try again {wait}"
    )


@pytest.mark.parametrize(
    "source, message",
    [
        ("orcid:0000-0000-0000-0500", "orcid:0000-0000-0000-0500: HTTP 500"),
        # told only "HTTP 503 Service Unavailable": the wait the server asked for was lost
        (
            "orcid:0000-0000-0000-0503",
            "orcid:0000-0000-0000-0503: busy (HTTP 503); try again in 30 s",
        ),
        ("orcid:0000-0000-0000-0002", "orcid:0000-0000-0000-0002: no answer within 0.5 s"),
        ("orcid:0000-0000-0000-0005", "orcid:0000-0000-0000-0005: no answer within 0.5 s"),
        ("orcid:0000-0000-0000-0001", "orcid:0000-0000-0000-0001: invalid JSON"),
        ("orcid:0000-0000-0000-0006", "orcid:0000-0000-0000-0006: cannot reach"),
        # fewer bytes than it promised: the server answered, and not in full
        ("orcid:0000-0000-0000-0007", "orcid:0000-0000-0000-0007: the answer from http"),
        ("arxiv:au:Broken", "arxiv:au:Broken: not a valid Atom feed"),
        ("arxiv:id:bad", "arxiv:id:bad: arXiv refused the query: incorrect id format"),
        ("arxiv:au:Blog", "arxiv:au:Blog: not an arXiv API response (no totalResults)"),
        ("arxiv:au:Super", "arxiv:au:Super: not an arXiv API response (no totalResults)"),
        ("arxiv:au:Huge", "arxiv:au:Huge: not an arXiv API response (no totalResults)"),
        ("orcid:not-an-id", "orcid:not-an-id: not an ORCID iD"),
        ("dblp:../x", "dblp:../x: not a DBLP person id"),
        # urllib's own words: two more lines, printed as `\n`, and "HTTP 302 The HTTP..."
        ("orcid:0000-0000-0000-0009", "orcid:0000-0000-0000-0009: HTTP 302: redirected in a loop"),
        # ORCID's 404, and a check digit that does not fit: most likely a typo
        ("orcid:0000-0002-1825-0098", "orcid:0000-0002-1825-0098: no such ORCID iD, and its last"),
        # an empty page with a total of 0 ended the import as if complete (exit 0)
        ("arxiv:au:Glitch", "arxiv:au:Glitch: arXiv sent an empty page at 1 of 350: try again"),
    ],
)
@pytest.mark.slow
def test_online_failures_change_nothing(
    site: Path, api: dict, source: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for k, v in api.items():
        monkeypatch.setenv(k, v)
    before = snapshot(site)
    with pytest.raises(SitegenError) as e:
        run_import([BIB, source], site, as_of=dt.date(2026, 11, 25))
    assert str(e.value).startswith(message), str(e.value)
    assert snapshot(site) == before


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        ("<html><body>Down for maintenance</body></html>", "invalid JSON: a page of HTML or XML"),
        ("", "invalid JSON: empty"),
        ("\ufeff" + json.dumps({"group": []}), None),  # a BOM: read, not Python's advice
    ],
)
def test_a_json_answer_that_is_no_json_says_what_it_is(answer: str, said: str | None) -> None:
    """A maintenance page or an empty body where ORCID's JSON was expected read
    `:1: invalid JSON: Expecting value`, a line of an answer the user never sees."""
    from sitegen.sources import parse_orcid_works

    if said is None:
        assert parse_orcid_works(answer, "orcid:x") == []
        return
    with pytest.raises(SitegenError) as e:
        parse_orcid_works(answer, "orcid:x")
    assert str(e.value) == f"orcid:x: {said}" + (", not JSON" if "HTML" in said else "")


def test_arxiv_pages_are_3_s_apart_at_any_host_but_a_local_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """arXiv's terms ask for 3 s between requests; the pause was made only when the base URL
    was exactly https://export.arxiv.org, not for `EXPORT.arxiv.org` or a mirror."""
    from sitegen import fetch

    pages = {0: atom("2", "2301.10000"), 1: atom("2", "2301.10001")}

    def get(url: str, spec: str, accept: str) -> str:
        start = int(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["start"][0])
        return pages[start].decode()

    slept: list[float] = []
    monkeypatch.setattr(fetch, "get", get)
    monkeypatch.setattr(fetch.time, "sleep", slept.append)
    for base, pauses in (
        ("https://EXPORT.arxiv.org", [3.0]),
        ("http://arxiv-mirror.example", [3.0]),
        ("http://127.0.0.1:9", []),
    ):
        slept.clear()
        monkeypatch.setenv("SITEGEN_ARXIV_API", base)
        assert len(fetch.fetch("arxiv:au:X", lambda _: None)) == 2
        assert slept == pauses, base


@pytest.mark.parametrize("orcid", ["not-an-id", "\u0660\u0660\u0660\u0660-" * 3 + "\u0660" * 4])
def test_an_orcid_id_is_ascii_digits(site: Path, api: dict, orcid: str) -> None:
    """Arabic-Indic digits passed `\\d` and crashed later: a bad ORCID iD, exit status 2."""
    proc = imp(f"orcid:{orcid}", "--site", site, env=api)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [f"orcid:{orcid}: not an ORCID iD (0000-0002-1825-0097)"]


def test_online_prefixes_are_read_in_any_case(
    site: Path, api: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ORCID:` and the rest were taken for a profile's file name: "cannot read the
    profile: No such file or directory"."""
    monkeypatch.setattr(fetch, "ARXIV_PAUSE", 0)
    sources = (f"ORCID:{ORCID_ID}", "DBLP:123/4567", "arXiv:au:Wu_Lemeng")
    proc = imp(*sources, "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    fast = front(site / "content" / "papers" / FAST)[0]
    assert fast["doi"] == "10.1109/CVPR52729.2023.00911" and fast["arxiv"] == "2212.01747"


@pytest.mark.parametrize(
    ("given", "source"),
    [
        (f"https://orcid.org/{ORCID_ID}", f"orcid:{ORCID_ID}"),
        (f"orcid:http://www.orcid.org/{ORCID_ID}/", f"orcid:{ORCID_ID}"),
        ("orcid:0000-0002-1694-233x", "orcid:0000-0002-1694-233X"),
        ("https://dblp.org/pid/123/4567.html", "dblp:123/4567"),
        ("https://dblp.org/pid/123/4567.bib", "dblp:123/4567"),
        ("https://arxiv.org/abs/2212.01747v2", "arxiv:id:2212.01747"),
        # a page's query or fragment, and DBLP's mirror (a regression hunter's): the arXiv
        # one was asked as `id:2212.01747?context=cs`, and found nothing, silently
        (f"https://orcid.org/{ORCID_ID}?lang=en", f"orcid:{ORCID_ID}"),
        ("https://dblp.uni-trier.de/pid/123/4567.html?view=by-type", "dblp:123/4567"),
        ("https://arxiv.org/abs/2212.01747?context=cs", "arxiv:id:2212.01747"),
    ],
)
def test_an_id_or_an_address_is_read_as_a_profile_page_writes_it(
    site: Path, api: dict, given: str, source: str
) -> None:
    """A hunter's: ORCID's own lower-case `x` check digit was "not an ORCID iD", its profile's
    address pasted was "unknown online source", and `orcid:` before it "not an ORCID iD".
    Each is the source it names, under one label in the manifest however it was written."""
    proc = imp(given, "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    assert f"fetching {source}\n" in proc.stderr or f"{source}: 1 of 1 entries\n" in proc.stderr
    manifest = json.loads((site / "content" / ".sitegen-import.json").read_text())
    labels = {label for found in manifest["sources"].values() for label in found}
    assert given not in labels
    assert source in labels or source.startswith(("arxiv:", "orcid:0000-0002-1694"))


def test_an_address_of_no_source_says_which_it_takes(site: Path) -> None:
    proc = imp("https://scholar.google.com/citations?user=abc", "--site", site)
    assert (proc.returncode, proc.stderr) == (
        2,
        "https://scholar.google.com/citations?user=abc: not an address sitegen imports from "
        "(orcid.org/ID, dblp.org/pid/PID, arxiv.org/abs/ID)\n",
    )


def test_an_unknown_online_source_is_named_and_a_file_with_a_colon_is_a_file(
    site: Path, tmp_path: Path
) -> None:
    before = snapshot(site)
    proc = imp("scholar:abc", "--site", site)
    assert proc.returncode == 2
    assert proc.stderr == "scholar:abc: unknown online source (orcid:, dblp:, arxiv: or zotero:)\n"
    assert snapshot(site) == before
    shutil.copy(seed_profile(), tmp_path / "my:profile")
    proc = run_cli("import", "my:profile", "--site", site, "--as-of", AS_OF, cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.endswith(" 32 unchanged\n"), proc.stderr


@pytest.mark.parametrize("name", ["nul.bib", "nul.ris", "nul.json"])
def test_a_source_that_is_not_text_exits_2(site: Path, tmp_path: Path, name: str) -> None:
    """The README promises exit status 2 for a source that is not text; a NUL byte in a
    .bib or .json file was "not a BibTeX file" or "invalid JSON", exit status 1."""
    bad = tmp_path / name
    bad.write_bytes(b"\x00\x01binary\n")
    before = snapshot(site)
    proc = imp(bad, "--site", site)
    assert (proc.returncode, proc.stderr) == (2, f"{bad}:1: this is a binary file, not text\n")
    assert snapshot(site) == before
    bad.write_bytes("@misc{a, title={T}, year=2020}\n".encode("utf-16"))  # Notepad's Unicode
    proc = imp(bad, "--site", site)
    assert (proc.returncode, proc.stderr) == (2, f"{bad}: UTF-16 text: save it as UTF-8\n")
    # a paper file of the site so saved, as the build says it (not "missing front matter")
    paper = site / "content" / "papers" / FAST
    paper.write_bytes(paper.read_text(encoding="utf-8").encode("utf-16"))
    good = bad.with_name("good.bib")
    good.write_text("@misc{a, title={T}, year=2020}\n", encoding="utf-8")
    proc = imp(good, "--site", site)
    assert proc.returncode == 1 and proc.stderr.endswith(f"{FAST}: UTF-16 text: save it as UTF-8\n")


@pytest.mark.parametrize(
    "var, value",
    [("SITEGEN_FETCH_TIMEOUT", v) for v in ("-1", "nan", "inf", "0", "x")]
    + [("SITEGEN_ORCID_API", "http://[::1"), ("SITEGEN_ORCID_API", "file:///etc")],
)
def test_a_bad_variable_is_one_line_naming_it(site: Path, api: dict, var: str, value: str) -> None:
    """A negative, NaN, infinite or zero timeout and a base URL with an open IPv6 bracket
    were tracebacks (a timeout that was no number was quietly 30 s)."""
    proc = imp(f"orcid:{ORCID_ID}", "--site", site, env={**api, var: value})
    assert proc.returncode == 1
    progress, error = proc.stderr.splitlines()
    assert error.startswith(f"{var}: {value!r} is not a"), error


def test_an_endless_answer_stops_at_the_size_cap(
    site: Path, api: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server streaming without end took 24 GB: an answer is read up to MAX_BYTES (1 MB
    here, to be quick), then the import stops with one line naming the source."""
    monkeypatch.setattr(fetch, "MAX_BYTES", 1 << 20)
    before = snapshot(site)
    proc = imp("orcid:0000-0000-0000-0003", "--site", site, env=api)
    assert proc.returncode == 1
    url = f"{api['SITEGEN_ORCID_API']}/v3.0/0000-0000-0000-0003/works"
    assert proc.stderr.splitlines()[1:] == [
        f"orcid:0000-0000-0000-0003: the answer from {url} is over 1 MB"
    ]
    assert snapshot(site) == before


def test_a_redirect_is_followed_to_http_and_https_only(
    site: Path, api: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """urlopen's opener followed an answer's redirect to ftp://, logging in to the host it
    named, then failed as `cannot reach ... ()`: now nothing connects, and the error says why."""
    with socket.create_server(("127.0.0.1", 0)) as ftp:
        elsewhere = f"ftp://127.0.0.1:{ftp.getsockname()[1]}/x.bib"
        monkeypatch.setattr(_Replay, "elsewhere", elsewhere)
        proc = imp("orcid:0000-0000-0000-0008", "--site", site, env=api)
        ftp.setblocking(False)
        with pytest.raises(BlockingIOError):  # no connection waits to be accepted
            ftp.accept()
    url = f"{api['SITEGEN_ORCID_API']}/v3.0/0000-0000-0000-0008/works"
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[1:] == [
        f"orcid:0000-0000-0000-0008: cannot reach {url} "
        f"(it redirects to {elsewhere}: only http and https are followed)"
    ]


@pytest.mark.parametrize(
    ("to", "kept"),
    [
        ("https://api.example.org/users/5/items?start=100", True),  # same host, still https
        ("http://api.example.org/users/5/items", False),  # the same host, in plain text
        ("https://elsewhere.example.org/users/5/items", False),
    ],
)
def test_the_zotero_key_follows_a_redirect_only_to_its_own_host_over_https(
    to: str, kept: bool
) -> None:
    """An https answer redirecting to http on the same host had the key sent in clear text,
    for anyone on the way to read: it is dropped there, as requests drops credentials."""
    url = "https://api.example.org/users/5/items"
    request = urllib.request.Request(url, headers={"Zotero-API-Key": "s3cretKey"})
    new = fetch._Redirects().redirect_request(request, None, 301, "Moved", {}, to)
    assert new is not None and new.full_url == to
    assert (new.get_header("Zotero-api-key") == "s3cretKey") is kept


def test_a_failure_that_says_nothing_is_named_by_its_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection closed mid-answer is an EOFError, whose text is empty: `cannot reach ... ()`."""

    def closed(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError(EOFError())

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", closed)
    with pytest.raises(SitegenError) as e:
        fetch.get("http://127.0.0.1:9/x", "orcid:x", "*/*")
    assert str(e.value) == "orcid:x: cannot reach http://127.0.0.1:9/x (EOFError)"


def test_arxiv_paging_ends_on_a_server_whose_pages_never_do(
    site: Path, api: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A total that grew with every page was paged forever, and a page sent again was
    taken again: a total over ARXIV_MAX (5 here) stops, as do more than ARXIV_PAGES pages
    and a page with no new entry, each with one line."""
    monkeypatch.setattr(fetch, "ARXIV_MAX", 5)
    before = snapshot(site)
    repeat = imp("arxiv:au:Repeat", "--site", site, env=api)
    assert repeat.returncode == 1
    assert repeat.stderr.splitlines()[-1] == "arxiv:au:Repeat: arXiv sent no new entry at 1 of 3"
    grow = imp("arxiv:au:Grow", "--site", site, env=api)
    assert grow.returncode == 1
    assert grow.stderr.splitlines()[-1] == (
        "arxiv:au:Grow: 6 entries, more than arXiv serves (5); narrow the query"
    )
    monkeypatch.setattr(fetch, "ARXIV_PAGES", 3)  # one entry a page: the pages run out first
    grow = imp("arxiv:au:Grow", "--site", site, env=api)
    assert grow.returncode == 1
    assert (
        grow.stderr.splitlines()[-1] == "arxiv:au:Grow: 3 of 4 entries in 3 pages; narrow the query"
    )
    assert snapshot(site) == before


def zotero_requests() -> list[tuple[str, dict, dict]]:
    """The Zotero requests the replay server took since the last call."""
    taken = list(_Replay.zotero)
    _Replay.zotero.clear()
    return taken


def test_a_zotero_library_is_read_page_by_page_with_its_backoff(
    site: Path, api: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(fetch.time, "sleep", waits.append)
    monkeypatch.delenv("ZOTERO_API_KEY", raising=False)
    zotero_requests()
    proc = imp("zotero:users/1", "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert (
        "zotero:users/1: 100 of 101 items" in lines and "zotero:users/1: 101 of 101 items" in lines
    )
    papers = by_title(site)
    assert {f"Zotero Paper {n}" for n in range(101)} <= papers.keys()
    assert str(papers["Zotero Paper 100"]["date"]) == "2021-05"
    manifest = json.loads((site / "content" / ".sitegen-import.json").read_text())
    assert manifest["sources"]["2021-zotero-paper-100.md"] == ["zotero:users/1"]
    requests = zotero_requests()
    assert [(path, q["start"], q["limit"], q["format"]) for path, q, _ in requests] == [
        ("/users/1/items/top", ["0"], ["100"], ["csljson"]),
        ("/users/1/items/top", ["100"], ["100"], ["csljson"]),
    ]
    assert all(h["zotero-api-version"] == "3" and "zotero-api-key" not in h for *_, h in requests)
    assert waits == [60.0]  # Backoff: 120 before the second page, capped; none after the last
    # a full page whose Total-Results is reached is the last: no request for an empty one
    proc = imp("zotero:groups/3", "--site", site, "--dry-run", env=api)
    assert proc.returncode == 0, proc.stderr
    assert [path for path, *_ in zotero_requests()] == ["/groups/3/items/top"]


def test_a_zotero_collection_is_read_with_the_api_key_in_a_header_only(
    site: Path, api: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    zotero_requests()
    spec = "zotero:groups/2/collections/ABCD2345"
    proc = imp(spec, "--site", site, env={**api, "ZOTERO_API_KEY": "s3cretKey"})
    assert proc.returncode == 0, proc.stderr
    assert by_title(site)["Zotero Paper 500"]["authors"] == ["Lemeng Wu"]
    ((path, query, headers),) = zotero_requests()
    assert path == "/groups/2/collections/ABCD2345/items/top"
    assert headers["zotero-api-key"] == "s3cretKey" and "s3cretKey" not in str(query)
    assert "s3cretKey" not in proc.stdout + proc.stderr
    assert not any(b"s3cretKey" in data for data, _ in snapshot(site).values())
    # a redirect to another host is followed without the key
    proc = imp("zotero:users/307", "--site", site, env={**api, "ZOTERO_API_KEY": "s3cretKey"})
    assert proc.returncode == 0, proc.stderr
    first, then = zotero_requests()
    assert first[0] == "/users/307/items/top" and first[2]["zotero-api-key"] == "s3cretKey"
    assert then[0] == "/groups/2/collections/ABCD2345/items/top" and "zotero-api-key" not in then[2]
    assert then[2]["host"].startswith("localhost:")


def test_a_zotero_key_from_a_file_works_and_a_bad_one_is_never_shown(site: Path, api: dict) -> None:
    """Found by a hunt: a key read from a file saved with `\r\n`, or holding a newline,
    made http.client refuse the header with an error that printed the key."""
    spec = "zotero:groups/2/collections/ABCD2345"
    zotero_requests()
    proc = imp(spec, "--site", site, env={**api, "ZOTERO_API_KEY": "s3cretKey\r\n"})
    assert proc.returncode == 0, proc.stderr
    assert zotero_requests()[0][2]["zotero-api-key"] == "s3cretKey"
    before = snapshot(site)
    proc = imp(spec, "--site", site, env={**api, "ZOTERO_API_KEY": "s3cret\nKey"})
    assert proc.returncode == 1 and "s3cret" not in proc.stdout + proc.stderr, proc.stderr
    assert proc.stderr.startswith("ZOTERO_API_KEY: not a Zotero API key"), proc.stderr
    assert snapshot(site) == before and zotero_requests() == []


def test_zotero_items_with_no_title_are_no_papers(site: Path, api: dict) -> None:
    """A library's standalone notes and files are top-level items too, with no title:
    one of them failed the whole import ("an entry without a title")."""
    proc = imp("zotero:users/16", "--site", site, env=api)
    assert proc.returncode == 0, proc.stderr
    assert {"Zotero Paper 1", "Zotero Paper 2"} <= by_title(site).keys()
    assert "zotero:users/16: 3 items" in proc.stderr.splitlines()


def test_a_zotero_server_repeating_a_page_is_stopped_at_once(site: Path, api: dict) -> None:
    """Found by a hunt: a server that answered every `start` with the same page was asked
    1,000 times (hours, with a Backoff) before the import gave up."""
    zotero_requests()
    before = snapshot(site)
    proc = imp("zotero:users/19", "--site", site, env=api)
    assert proc.returncode == 1 and "the same page twice" in proc.stderr, proc.stderr
    assert len(zotero_requests()) == 2 and snapshot(site) == before


@pytest.mark.parametrize(
    "spec, message",
    [
        (
            "zotero:users/403",
            "the library is private: set ZOTERO_API_KEY to a key that can read it",
        ),
        ("zotero:users/404", "no such library or collection"),
    ],
)
def test_a_private_or_missing_zotero_library_is_one_line_and_writes_nothing(
    site: Path, api: dict, spec: str, message: str
) -> None:
    before = snapshot(site)
    proc = imp(BIB, spec, "--site", site, env=api)
    assert (proc.returncode, proc.stderr) == (1, f"{spec}: {message}\n")
    assert snapshot(site) == before
    if spec.endswith("403"):  # with a key, the key is what cannot read it
        proc = imp(BIB, spec, "--site", site, env={**api, "ZOTERO_API_KEY": "s3cretKey"})
        assert proc.stderr == f"{spec}: {fetch.ZOTERO_KEY_REFUSED}\n"


def test_an_online_answers_faults_name_the_item_not_a_line_no_one_sees(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ORCID and Zotero answer in one line: `orcid:...:1: impossible date` named neither
    the work nor a line anyone could look at."""

    def work(title: str, month: str) -> dict:
        date = {"year": {"value": "2019"}, "month": {"value": month}}
        return {"work-summary": [{"title": {"title": {"value": title}}, "publication-date": date}]}

    answer = json.dumps({"group": [work("First", "01"), work("Second", "13")]})
    monkeypatch.setattr(fetch, "answer", lambda *args: (answer, {}))
    with pytest.raises(SitegenError) as e:
        fetch.fetch("orcid:0000-0002-1825-0097", print)
    assert str(e.value).startswith("orcid:0000-0002-1825-0097: 'Second': impossible date 2019-13")


@pytest.mark.parametrize(
    "library",
    ["users/abc", "people/1", "users/1/", "users/١", "users/1/collections/abcd2345"]
    + ["groups/2/collections/ABCD234", "groups/2/items/ABCD2345", "users"],
)
def test_a_bad_zotero_library_is_refused_before_any_request(
    site: Path, api: dict, library: str
) -> None:
    zotero_requests()
    before = snapshot(site)
    proc = imp(f"zotero:{library}", "--site", site, env=api)
    form = "users/ID or groups/ID, optionally /collections/KEY"
    assert (proc.returncode, proc.stderr) == (
        2,
        f"zotero:{library}: not a Zotero library ({form})\n",
    )
    assert zotero_requests() == [] and snapshot(site) == before


# ---------------------------------------------------------------- the pieces


def test_owner_is_recognised_in_the_forms_sources_print() -> None:
    is_owner = owner_matcher("Lemeng Wu")
    for name in ("Lemeng Wu", "L. Wu", "Wu, Lemeng", "Wu, L.", "LEMENG WU", "L Wu"):
        assert is_owner(name), name
    for name in ("Lei Wu X", "M. Wu", "Lemeng Wang", "Wu"):
        assert not is_owner(name), name
    is_owner = owner_matcher("Guy L. Steele Jr.")  # the suffix is neither family nor given
    for name in ("Guy L. Steele, Jr.", "Steele, Guy L., Jr.", "G. Steele"):
        assert is_owner(name), name
    assert not is_owner("Guy Fieri Jr.")
    assert not is_owner("Guy L. Steele, Sr.") and not owner_matcher("Guy Steele")("Guy Steele III")
    # letters NFKD leaves whole, as English-language sources spell them
    assert owner_matcher("Søren Hauberg")("Soren Hauberg") and owner_matcher("Łukasz Kaiser")(
        "L. Kaiser"
    )
    assert not owner_matcher("Søren Hauberg")("Karen Hauberg")
    is_owner = owner_matcher("王晓明")  # one word, as CJK names are written: matched whole
    assert is_owner("王晓明") and not is_owner("李明") and not is_owner("王")
    # a hyphen parts given names as a space does; a family name stays whole
    is_owner = owner_matcher("Jean-Pierre Dupont")
    for name in ("Jean Pierre Dupont", "J.-P. Dupont", "Dupont, Jean-Pierre", "J. Dupont"):
        assert is_owner(name), name
    assert owner_matcher("Jean Pierre Dupont")("Jean-Pierre Dupont")
    assert not owner_matcher("Ana Smith-Jones")("Ana Jones")
    assert owner_matcher("José García")("Jose Garcia")  # accents fold, as before
    assert owner_matcher("Jose Garcia")("José García")


def test_what_cite_escapes_reads_back_as_it_was() -> None:
    """A site's own .bib, imported: `\\textasciicircum{}` was read as U+02C6, not `^`."""
    text = r"a ^ b ~ c \ d { e } f & g % h $ i # j _ k"
    [record] = parse_bibtex(f"@misc{{k, title = {{{latex_escape(text)}}}, year = 2020}}", "x")
    assert record.title == markdown_text(text)


def test_titles_match_across_latex_html_and_case() -> None:
    bib = parse_bibtex(
        "@article{k, title={{EdgeTAM}: On-Device {T}rack {\\'E}t\\'e}, year=2024}", "x"
    )
    assert bib[0].title == "EdgeTAM: On-Device Track Été"
    assert title_key(bib[0].title) == title_key("<i>EdgeTAM</i> - on-device track ete")
    assert rich_text("CO<sub>2</sub> <i>and</i> &lt;b&gt;", str) == "CO2 *and* <b>"  # as escaped
    assert rich_text("CO<sub>2</sub> <i>and</i> &lt;b&gt;") == "CO2 and <b>"  # a venue: text


def test_tex_that_names_words_keeps_them_in_bibtex_and_arxiv_text() -> None:
    """pylatexenc 2 drops \\texttt{...} and its kin, words and all: `Speeding up
    \\texttt{PyTorch} Training` and `... \\texttt{JAX} ...` became one paper, `Speeding up
    Training`. \\href made it give up, and its fallback kept `\\"o` as written; and the
    arXiv API's text, TeX as its authors typed it, was not decoded at all."""
    bib = parse_bibtex(
        "@misc{a, title={Speeding up \\texttt{PyTorch} Training}, year=2023,"
        " abstract={We profile \\texttt{torch.compile} on the \\textsf{A100} in {\\LaTeX}.}}\n"
        "@misc{b, title={Speeding up \\texttt{JAX} Training}, year=2023}\n"
        '@misc{c, title={See \\href{https://example.org}{our site} for Schr{\\"o}dinger'
        " bridges}, year=2023}\n",
        "refs.bib",
    )
    assert [r.title for r in bib] == [
        "Speeding up PyTorch Training",
        "Speeding up JAX Training",
        "See our site for Schrödinger bridges",
    ]
    assert bib[0].abstract == "We profile torch.compile on the A100 in LaTeX."
    entry = (
        "<entry><id>http://arxiv.org/abs/2301.00001v1</id><published>2023-01-02T00:00:00Z"
        '</published><title>Schr\\"odinger Bridges with \\emph{Optimal} Transport in '
        '$\\mathcal{O}(n)$</title><summary>We cite \\cite{x} and 90% of Schr\\"odinger.'
        "</summary><author><name>Ada Lovelace</name></author></entry>"
    )
    atom = f'<feed xmlns="http://www.w3.org/2005/Atom"><opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>{entry}</feed>'
    [record], _ = parse_arxiv_atom(atom, "arxiv")
    assert record.title == "Schrödinger Bridges with Optimal Transport in $\\mathcal{O}(n)$"
    assert record.abstract == "We cite and 90% of Schrödinger."
    # Crossref's small capitals and a link, as ORCID and Zotero pass them on
    title = rich_text("<scp>SARS‐CoV</scp>‐2 in <i>Mus</i> and <a href='https://x.org'>x</a>", str)
    assert title == "SARS‐CoV‐2 in *Mus* and x"


def test_a_tilde_after_a_space_is_about_not_a_tie() -> None:
    """arXiv shows what its authors typed, and ML abstracts write `~2x` for "about twice":
    read as TeX's tie, "is ~2x faster, uses ~40% less memory" lost its tildes, a changed
    claim. A tie joins two words (`Fig.~2`); after a space, a bracket or a slash it is not."""
    entry = (
        "<entry><id>http://arxiv.org/abs/2301.00002v1</id><published>2023-01-02T00:00:00Z"
        "</published><title>Speeding up ~2x: Fig.~2 Explained</title><summary>It is ~2x"
        " faster, uses ~40% less memory (~3 GB), see https://x.org/~ada/.</summary></entry>"
    )
    atom = f'<feed xmlns="http://www.w3.org/2005/Atom"><opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>{entry}</feed>'
    [record], _ = parse_arxiv_atom(atom, "arxiv")
    assert record.title == "Speeding up ~2x: Fig. 2 Explained"
    assert (
        record.abstract
        == "It is ~2x faster, uses ~40% less memory (~3 GB), see https://x.org/~ada/."
    )
    [bib] = parse_bibtex("@misc{a, title={About ~2x of Fig.~3}, year=2023}\n", "refs.bib")
    assert bib.title == "About ~2x of Fig. 3"
    # in math, TeX's own: `$a ~ b$` became `$a \textasciitilde{} b$` (a reviewer's report)
    [bib] = parse_bibtex("@misc{a, title={We prove $a ~ b$ in ~2 steps}, year=2023}\n", "x.bib")
    assert bib.title == "We prove $a ~ b$ in ~2 steps"


def test_csl_rich_text_is_emphasis_in_an_abstract_and_text_in_a_venue(
    site: Path, tmp_path: Path
) -> None:
    """Zotero marks a species in <i>: in the abstract it is emphasis, while the text around
    it stays text (its stars were escaped after <i> became stars, showing `*Drosophila*`);
    the venue is shown as text, so its <i> is dropped (it showed as `*Nature* Physics`)."""
    item = {
        "id": "d",
        "title": "Fly genes",
        "container-title": "<i>Nature</i> Physics",
        "abstract": "<i>Drosophila</i> genes, 2*3 of them",
        "issued": {"date-parts": [[2020, 5, 1]]},
    }
    csl = tmp_path / "t.json"
    csl.write_text(json.dumps([item]))
    assert imp(csl, "--site", site).returncode == 0
    out = tmp_path / "out"
    run_cli("build", "--site", site, "--output", out, "--no-search", check=True)
    [page] = (out / "papers").glob("2020-fly-genes/index.html")
    html_ = page.read_text(encoding="utf-8")
    assert "<p><em>Drosophila</em> genes, 2*3 of them</p>" in html_
    assert "<span>Nature Physics</span>" in html_ and "*Nature*" not in html_


def test_a_csl_abstracts_paragraphs_stay_paragraphs(site: Path, tmp_path: Path) -> None:
    """Crossref's JATS (and HTML) paragraphs ran into one when their tags were dropped:
    `AbstractFirst para ends here.Second para...` (a hostile-text hunter's report). Crossref's
    heading "Abstract" goes; a structured abstract's headings are bold; JATS italics stay."""
    jats = (
        "<jats:title>Abstract</jats:title><jats:p>First para ends here.</jats:p>"
        "<jats:sec><jats:title>Methods</jats:title><jats:p>Second <jats:italic>here</jats:italic>"
        ".</jats:p></jats:sec>"
    )
    items = [
        {"id": "j", "title": "Jats test", "abstract": jats, "issued": {"date-parts": [[2017]]}},
        {"id": "h", "title": "Html test", "abstract": "<p>One.</p><p>Two.</p>",
         "issued": {"date-parts": [[2018]]}},
        # Zotero's plain text: its blank lines part paragraphs, not a PDF's line breaks
        {"id": "z", "title": "Plain test", "abstract": "Aims: one,\nand two.\n\nEnd.",
         "issued": {"date-parts": [[2019]]}},
    ]  # fmt: skip
    csl = tmp_path / "t.json"
    csl.write_text(json.dumps(items))
    assert imp(csl, "--site", site).returncode == 0
    out = tmp_path / "out"
    run_cli("build", "--site", site, "--output", out, "--no-search", check=True)

    jats_page = (out / "papers" / "2017-jats-test" / "index.html").read_text(encoding="utf-8")
    html_page = (out / "papers" / "2018-html-test" / "index.html").read_text(encoding="utf-8")
    paragraphs = "<p>First para ends here.</p>\n<p><strong>Methods</strong></p>\n"
    assert paragraphs + "<p>Second <em>here</em>.</p>" in jats_page
    body = front(site / "content" / "papers" / "2017-jats-test.md")[1]
    assert body.startswith("First para ends here.\n\n**Methods**\n\n"), body
    assert "<p>One.</p>\n<p>Two.</p>" in html_page
    plain = (out / "papers" / "2019-plain-test" / "index.html").read_text(encoding="utf-8")
    assert "<p>Aims: one, and two.</p>\n<p>End.</p>" in plain


@pytest.mark.parametrize(
    "abstract",
    ["&nbsp;~~~ We propose a method.", "<jats:p>\n  1. We propose a method.</jats:p>"],
)
def test_a_csl_abstract_after_a_space_or_a_tag_is_still_a_paragraph(
    site: Path, tmp_path: Path, abstract: str
) -> None:
    """The start-of-paragraph escape saw the space &nbsp; or a dropped tag leaves, which
    was stripped only after it: the file began `~~~ We` (a code block hid the abstract)
    or `1. We` (a list)."""
    item = {"id": "a", "title": "Spaced", "abstract": abstract, "issued": {"date-parts": [[2020]]}}
    csl = tmp_path / "t.json"
    csl.write_text(json.dumps([item]))
    assert imp(csl, "--site", site).returncode == 0
    out = tmp_path / "out"
    run_cli("build", "--site", site, "--output", out, "--no-search", check=True)
    html_ = (out / "papers" / "2020-spaced" / "index.html").read_text(encoding="utf-8")
    text = html.unescape(abstract).replace("<jats:p>", "").replace("</jats:p>", "").strip()
    assert f"<p>{' '.join(text.split())}</p>" in html_


def test_csl_text_that_only_looks_like_a_tag_is_kept(site: Path, tmp_path: Path) -> None:
    """Any `<letters...>` was a tag to drop: `k<n and n>2` lost `<n and n>`, in the title
    and the file name. Real rich-text tags still go, their text kept."""
    title = 'Bounds for k<n and n>2 <span class="nocase">GNN</span> graphs'
    item = {"id": "a", "title": title, "issued": {"date-parts": [[2020]]}}
    csl = tmp_path / "t.json"
    csl.write_text(json.dumps([item]))
    assert imp(csl, "--site", site).returncode == 0
    path = site / "content/papers/2020-bounds-for-k-n-and-n-2-gnn-graphs.md"
    assert front(path)[0]["title"] == "Bounds for k\\<n and n>2 GNN graphs"  # Markdown


def test_a_records_text_is_cleaned_as_sitegen_cleans_any_text() -> None:
    """Noncharacters, bidi overrides and line separators are dropped from what a source
    gives (U+FFFE reached the paper file), and parsing many files adds no log handler
    each time (they piled up on bibtexparser's logger)."""
    import logging

    handlers = len(logging.getLogger("bibtexparser").handlers)
    for _ in range(3):
        (bib,) = parse_bibtex(
            "@article{k, title={A\ufffe B\u202e C\u2028D\U0010ffff}, year=2024}", "x"
        )
    assert bib.title == "A B C D"
    assert len(logging.getLogger("bibtexparser").handlers) == handlers


def test_bibtex_strings_concatenations_and_crossrefs_read_as_bibtex_reads_them() -> None:
    """`acl # " 2020"` is one venue, and a DBLP export with cross-references gives each
    paper its volume's venue and date, not a paper for the volume nor the volume's DOI. A
    volume its editors made was imported as a paper by the owner, its editors lost."""
    bib = parse_bibtex(
        """@string{acl = "Proceedings of ACL"}
@string{aclx = acl # { Findings}}
@inproceedings{a, title = {A {GAN} Paper}, booktitle = acl # " 2020", year = 2020,
  month = jun, note = {C# and "quotes" # kept}}
@inproceedings{b, title = "B " # {Paper}, crossref = {DBLP:conf/x/2021}}
@proceedings{DBLP:conf/x/2021, title = {Conf Proceedings}, year = 2021, month = mar,
  doi = {10.1234/volume}}
@article{c, title = {C Paper}, journal = aclx, year = 2019, crossref = {missing}}
@inproceedings{d, title = {D Paper}, booktitle = {X}, year = 2020, crossref = {d}}
@inproceedings{e, title = {E Paper}, crossref = {v}}
@inproceedings{f, title = {F Paper}, year = 2023, crossref = {v}}
@proceedings{v, title = {Biblatex Proceedings}, date = {2022-07-04/2022-07-08}}
@proceedings{w, editor = {Wu, Lemeng and Other, Ann}, title = {Proceedings of a Workshop},
  year = 2023}
@collection{y, editor = {Wu, Lemeng}, title = {Edited Essays}, year = 2022}
@proceedings{z, author = {Wu, Lemeng}, title = {Proceedings Written by Their Author},
  year = 2021}
""",
        "x.bib",
    )
    got = [(r.title, r.venue, r.date, r.doi) for r in bib]
    assert got == [
        ("A GAN Paper", "Proceedings of ACL 2020", "2020-06", None),
        ("B Paper", "Conf Proceedings", "2021-03", None),
        ("C Paper", "Proceedings of ACL Findings", 2019, None),
        ("D Paper", "X", 2020, None),  # its own crossref: a slip, not a volume
        ("E Paper", "Biblatex Proceedings", dt.date(2022, 7, 4), None),
        ("F Paper", "Biblatex Proceedings", 2023, None),  # its own year comes first
        # DBLP lists its editors' volumes (w, y): no paper of the owner's, by no author
        ("Proceedings Written by Their Author", None, 2021, None),
    ]


def test_bibtex_crossrefs_round_a_loop_are_an_error_not_two_lost_papers() -> None:
    """Entries that name each other as their volume were both volumes, so both were dropped
    without a word; a chain of volumes still gives its paper the nearest one's venue."""
    loop = "@inproceedings{a, title={A}, year=2020, crossref={b}}\n\n" + (
        "@inproceedings{b, title={B}, year=2021, crossref={a}}\n"
    )
    with pytest.raises(SitegenError) as e:
        parse_bibtex(loop, "x.bib")
    assert str(e.value) == "x.bib:1: crossref loop a -> b -> a: which is the volume?"
    chain = parse_bibtex(
        "@inproceedings{p, title={P}, crossref={v}}\n"
        "@proceedings{v, title={Volume}, year=2019, crossref={s}}\n"
        "@proceedings{s, title={Series}, year=2018}\n",
        "x.bib",
    )
    assert [(r.title, r.venue, r.date) for r in chain] == [("P", "Volume", 2019)]


def test_a_bare_percent_or_ampersand_in_bibtex_is_text(site: Path, tmp_path: Path) -> None:
    """BibTeX keeps an unescaped % or & as text; once a value had LaTeX in it too, pylatexenc
    read the % as a comment (the title ended at `Reaching 90`, the abstract at `by 50`)
    and the & as a column (`R D for AT T`). Escaped ones still read as they did."""
    bib = tmp_path / "p.bib"
    bib.write_text(
        "@article{a, title={Reaching 90% accuracy with {BERT} for R&D at {AT&T}},\n"
        " author={Doe, John}, year={2020}, journal={Caf\\'e 5\\% \\& Co},\n"
        " abstract={We cut errors by 50% on {ImageNet}. The rest is kept.}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0
    [path] = (site / "content" / "papers").glob("2020-reaching-*.md")
    fm, body = front(path)
    assert fm["title"] == "Reaching 90% accuracy with BERT for R&D at AT&T"
    assert fm["venue"] == "Café 5% & Co"
    assert body == "We cut errors by 50% on ImageNet. The rest is kept.\n"


def test_a_bibtex_dollar_sign_is_no_math(site: Path, tmp_path: Path) -> None:
    """pylatexenc reads `\\$` as a bare `$`, and a pair of them was math: the title said
    `Pricing at $5 and $10`, and the page showed "5 and" as MathML. The title and abstract
    keep it escaped, next to real math; a venue, which pages show as text, says `$`."""
    bib = tmp_path / "p.bib"
    bib.write_text(
        "@article{x2020, author={Lovelace, Ada}, year={2020}, journal={J. \\$ Costs},\n"
        " title={{Pricing at \\$5 and \\$10 per GPU-hour}},\n"
        " abstract={It costs \\$5, or \\$10 in $O(n)$ time.}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0
    [path] = (site / "content" / "papers").glob("2020-pricing-*.md")
    fm, body = front(path)
    assert (fm["title"], fm["venue"]) == (r"Pricing at \$5 and \$10 per GPU-hour", "J. $ Costs")
    assert body == "It costs \\$5, or \\$10 in $O(n)$ time.\n"


def test_biblatex_dates_journaltitles_and_online_entries_are_read(
    site: Path, tmp_path: Path
) -> None:
    """Better BibTeX, JabRef and biblatex write `date` and `journaltitle`: an entry with
    only a date was not imported, one with `year` too lost its day, and a journal article
    on arXiv lost its journal and became a preprint. A journal called arXiv still makes one."""
    bib = tmp_path / "b.bib"
    bib.write_text(
        "@article{l2023, title={Notes on Engines}, author={Wu, Lemeng}, date={2023-06-18},\n"
        " year={2023}, journaltitle={Journal of Engines},\n"
        " eprint={2301.00001}, eprinttype={arxiv}}\n"
        "@online{l2024, title={A Blog Post}, author={Wu, Lemeng}, date={2024-02},\n"
        " url={https://example.org/post}}\n"
        "@inproceedings{m, title={A Workshop}, date={2022-05-30/2022-06-02}, booktitle={W}}\n"
        "@article{p, title={A Preprint}, date={2021},\n"
        " journaltitle={arXiv preprint arXiv:2101.00002}}\n"
        "@misc{u, title={An Uncertain Date}, date={2019-04?}}\n"  # EDTF, as biblatex reads it
        "@misc{v, title={An Approximate Date}, date={2018~}}\n"
        "@misc{w, title={A Braced Year}, year={{2017}}, month={{jun}}}\n"  # as BibTeX reads it
    )  # by the owner: a paper that does not list them is warned of
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    want = {
        "Notes on Engines": ["2023-06-18", "Journal of Engines", "article", "2301.00001", None],
        "A Blog Post": ["2024-02", None, "misc", None, "https://example.org/post"],
        "A Workshop": ["2022-05-30", "W", "conference", None, None],  # a range's start
        "A Preprint": ["2021", None, "preprint", "2101.00002", None],
        "An Uncertain Date": ["2019-04", None, "misc", None, None],
        "An Approximate Date": ["2018", None, "misc", None, None],
        "A Braced Year": ["2017-06", None, "misc", None, None],
    }
    papers = by_title(site)
    keys = ("venue", "type", "arxiv", "url")
    assert {t: [str(papers[t]["date"]), *map(papers[t].get, keys)] for t in want} == want


def test_a_bibtex_citation_in_an_abstract_is_dropped(site: Path, tmp_path: Path) -> None:
    """pylatexenc writes `\\cite{x}` as `<cit.>` and `\\ref{x}` as `<ref>` (biblatex's
    `\\parencite{x}` as `x`): text that leads nowhere in an abstract. A citation that is
    part of the sentence keeps its keys: dropped, "As \\citet{d} show" was "As show"."""
    bib = tmp_path / "c.bib"
    bib.write_text(
        "@article{a, title={Cited Work}, year={2020}, abstract={Engines compute~\\cite{b,c}."
        " As \\citet{d} show \\citep[p.~3]{e}, see Table \\ref{t} and \\parencite{f}."
        " \\textcite[p.~2]{g, h} and \\citeauthor{i}~(\\citeyear{i}) agree.}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0
    [path] = (site / "content" / "papers").glob("2020-cited-work.md")
    assert front(path)[1] == (
        "Engines compute. As [d] show, see Table and. [g, h] and [i] ([i]) agree.\n"
    )


def test_a_misc_howpublished_url_is_its_url(site: Path, tmp_path: Path) -> None:
    """`howpublished = {\\url{...}}` is how a @misc gives its link to styles without `url`:
    it was dropped. It is checked as any URL is, and an entry's own `url` comes first."""
    bib = tmp_path / "m.bib"
    bib.write_text(
        "@misc{a, title={Web Note}, year={2020}, howpublished={\\url{https://example.org/a_b}}}\n"
        "@misc{b, title={Own Url}, year={2020}, url={https://example.org/own},\n"
        " howpublished={\\url{https://example.org/other}}}\n"
        "@misc{c, title={Bad Url}, year={2020}, howpublished={\\url{javascript:alert(1)}}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0
    papers = by_title(site)
    got = [papers[t].get("url") for t in ("Web Note", "Own Url", "Bad Url")]
    assert got == ["https://example.org/a_b", "https://example.org/own", None]
    assert "venue" not in papers["Web Note"]


@pytest.mark.parametrize(
    "py, da, date",
    [
        ("2019", "2019/06/15/", "2019-06-15"),
        ("2019", "Jun 15", "2019-06-15"),  # EndNote's free text: refused before
        ("2019", "June 2019", "2019-06"),  # no day: none is made up
        ("2019", "2021/01/05/accessed", "2019"),  # another date: PY's year stays
        ("2019///", "//", "2019"),  # no date at all before
        (None, "2018/03/02", "2018-03-02"),
        ("2020/05/06/", None, "2020-05-06"),  # the older RIS: the whole date in PY, no DA
        ("2020/05//", None, "2020-05"),
        ("circa 2020", None, "2020"),  # "has no date: add PY", said of this very PY
        ("circa 2020", "2020/05/06/", "2020-05-06"),
        ("2020", "2020/01/\u00b2/", "2020-01"),  # '²'.isdigit(), but int('²') raised ValueError
    ],
)
def test_ris_year_is_py_and_da_adds_month_and_day(py: str | None, da: str, date: str) -> None:
    record = "TY  - JOUR\nTI  - T\n" + (f"PY  - {py}\n" if py else "")
    record += (f"DA  - {da}\n" if da else "") + "ER  - \n"
    assert str(parse_ris(record, "x.ris")[0].date) == date


def test_a_csl_day_that_is_no_number_is_no_day() -> None:
    item = '[{"id": "a", "title": "T", "issued": {"date-parts": [[2020, 1, "\u00b2"]]}}]'
    assert str(parse_csl_json(item, "x.json")[0].date) == "2020-01"


def test_insert_keys_only_fills_empty_values() -> None:
    text = "---\ntitle: T\nvenue: null\nauthors: []\n---\n"
    out = insert_keys(text, {"venue": "V: W", "authors": ["A"], "abstract": "Body."})
    assert out == "---\ntitle: T\nvenue: 'V: W'\nauthors:\n- A\n---\nBody.\n"
    assert insert_keys("---\ntitle: T\nvenue: Mine\n---\n", {"venue": "V"}) is None


@pytest.mark.parametrize(
    "line, message",
    [
        ("doi: https://doi.org/10.1/x", "doi: 'https://doi.org/10.1/x' is not a bare identifier"),
        ("arxiv: arXiv:2212.01747", "arxiv: 'arXiv:2212.01747' is not a bare identifier"),
        ("pdf: javascript:alert(1)", "pdf: 'javascript:alert(1)' is not an http(s) URL"),
        (
            "links:\n- {name: Slides, url: 'javascript:x'}",
            "links: 'javascript:x' is not an http(s)",
        ),
        ("links:\n- Slides", "links: 'Slides' is not a {name, url} pair"),
    ],
)
def test_new_keys_are_validated_with_their_line(line: str, message: str) -> None:
    text = f"---\ntitle: T\ndate: 2024-01-02\nauthors: [A]\n{line}\n---\n"
    with pytest.raises(SitegenError) as e:
        parse_paper(text, "p.md", [])
    assert str(e.value).startswith(f"p.md:5: {message}"), str(e.value)


def test_links_and_no_topic_are_accepted() -> None:
    text = "---\ntitle: T\ndate: 2024-01-02\nauthors: [A]\nlinks:\n- {name: Slides, url: 'https://x.org/s'}\n---\n"
    paper = parse_paper(text, "p.md", [])
    assert paper.links == (("Slides", "https://x.org/s"),) and paper.topic == "other"


def test_a_changed_profile_rewrites_its_file_and_keeps_the_added_keys(
    site: Path, tmp_path: Path
) -> None:
    as_of = dt.date(2026, 11, 25)
    run_import([DBLP], site, as_of=as_of)
    profile = tmp_path / "profile.txt"
    text = seed_profile().read_text(encoding="utf-8")
    profile.write_text(text.replace("Diffusion models have emerged", "Flows have emerged"), "utf-8")
    report = run_import([profile], site, as_of=as_of)
    assert report.updated == [f"content/papers/{FAST}"]
    fm, body = front(site / "content" / "papers" / FAST)
    assert fm["doi"] == "10.1109/CVPR52729.2023.00911" and body.startswith("Flows have emerged")
    assert run_import([profile], site, as_of=as_of).updated == []  # the hash followed the file


def test_orcid_titles_and_journals_in_crossrefs_markup_are_text(site: Path, tmp_path: Path) -> None:
    """ORCID passes on Crossref's titles with their markup (`<i>In vivo</i>`, `&amp;`,
    `H<sub>2</sub>O`): escaped as text, each became a new paper beside the one it is, its
    page showing `&amp;` and `<i>`. It is read as CSL-JSON's rich text is."""
    bib = tmp_path / "a.bib"
    bib.write_text(
        "@misc{a, title={Sparse \\& Dense Learning}, author={Wu, Lemeng}, year={2020}}\n"
        "@misc{b, title={In vivo tracking of cells}, author={Wu, Lemeng}, year={2020}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0

    def work(title: str, journal: str) -> dict:
        return {"work-summary": [{"title": {"title": {"value": title}},
                                  "journal-title": {"value": journal},
                                  "publication-date": {"year": {"value": "2020"}}}]}  # fmt: skip

    orcid = tmp_path / "orcid.json"
    groups = [
        work("Sparse &amp; Dense Learning", "J"),
        work("<i>In vivo</i> tracking of cells", "C"),
        work("H<sub>2</sub>O &amp; Fast<sub>2</sub>", "J. of <b>Bold</b> &amp; Co"),
    ]
    orcid.write_text(json.dumps({"group": groups}))
    proc = imp(orcid, "--site", site)
    assert proc.stdout.splitlines()[-1].startswith("1 added"), proc.stdout  # the third
    assert by_title(site)["H2O & Fast2"]["venue"] == "J. of Bold & Co"


def test_an_orcid_work_is_read_with_its_subtitle_and_its_published_versions_date(
    site: Path, tmp_path: Path
) -> None:
    """ORCID keeps a subtitle apart: "Let us Build Bridges" matched no paper and was added
    beside the profile's. A group lists the source its owner prefers first, often the
    preprint, whose date then dated the CVPR paper a year early."""
    summary = {"title": {"title": {"value": "Let us Build Bridges"}, "subtitle": {
        "value": "Understanding and Extending Diffusion Generative Models"}},
        "publication-date": {"year": {"value": "2022"}}}  # fmt: skip
    preprint = {
        "type": "preprint",
        "title": {"title": {"value": "Grow and Prune"}},
        "publication-date": {"year": {"value": "2022"}, "month": {"value": "12"}},
    }
    paper = {"type": "conference-paper", "title": {"title": {"value": "Grow and Prune"}},
             "journal-title": {"value": "CVPR 2023"},
             "publication-date": {"year": {"value": "2023"}, "month": {"value": "06"}}}  # fmt: skip
    orcid = tmp_path / "orcid.json"
    groups = [{"work-summary": [summary]}, {"work-summary": [preprint, paper]}]
    orcid.write_text(json.dumps({"group": groups}))
    proc = imp(orcid, "--site", site)
    assert proc.stdout.splitlines()[-1].startswith("1 added"), proc.stdout  # Grow and Prune
    fm = by_title(site)["Grow and Prune"]
    assert (fm["date"], fm["type"], fm["venue"]) == ("2023-06", "conference", "CVPR 2023")


def test_a_paper_without_authors_gains_them_and_an_abstract(site: Path, tmp_path: Path) -> None:
    as_of = dt.date(2026, 11, 25)
    run_import([ORCID], site, as_of=as_of)
    path = next((site / "content" / "papers").glob("2024-alert-x-robust-*.md"))
    before = path.read_text(encoding="utf-8")
    assert front(path)[0]["owner_in_et_al"] is True
    bib = tmp_path / "more.bib"
    bib.write_text(
        "@article{x, title={Robust and Fast}, doi={10.1145/3600000.3600123},\n"
        " author={Doe, Jane and Wu, L.}, year={2024}, abstract={It is {\\em fast}.}}\n",
        encoding="utf-8",
    )
    run_import([bib], site, as_of=as_of)
    fm, body = front(path)
    assert fm["authors"] == ["Jane Doe", "Lemeng Wu"] and fm["owner_in_et_al"] is False
    assert fm["et_al"] is False  # the "et al." of no list at all goes with it
    assert body == "It is fast.\n"
    assert fm["title"] == front_title(before)  # ORCID's title stays


def front_title(text: str) -> str:
    return yaml.safe_load(text[4 : text.index("\n---\n", 4)])["title"]


def test_a_record_years_away_from_a_profile_paper_of_its_title_is_another_paper(
    site: Path, tmp_path: Path
) -> None:
    """Titles match within two years; a paper the profile import wrote was also found by
    its manifest title, with no year, so a 2010 entry gave the 2022 paper its DOI."""
    paper = site / "content/papers/2022-residual-mixture-of-experts.md"
    before = paper.read_bytes()
    bib = tmp_path / "old.bib"
    bib.write_text(
        "@article{d, title={Residual mixture of experts}, author={Wu, Lemeng},\n"
        "  year={2010}, journal={Old Journal}, doi={10.1000/old.1}}\n"
    )
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    assert paper.read_bytes() == before
    assert (site / "content/papers/2010-residual-mixture-of-experts.md").is_file()


def test_an_unquoted_arxiv_id_written_by_hand_is_read_as_the_build_reads_it(
    site: Path, tmp_path: Path
) -> None:
    """`arxiv: 2212.01747`, unquoted as the README writes it, is a float to YAML: the
    import did not index it, so a record of that arXiv paper under its v2 title was
    added again; and `--force` carried the float over, `2212.01740` as `2212.0174`."""
    paper = site / "content/papers" / FAST
    paper.write_text(
        paper.read_text().replace("code_url: null\n", "code_url: null\narxiv: 2212.01747\n")
    )
    bib = tmp_path / "v2.bib"
    bib.write_text(
        "@article{v2, title={Straight Flows for Fast Point Cloud Generation (v2)},\n"
        " author={Wu, Lemeng}, journal={arXiv preprint arXiv:2212.01747v2}, year={2022}}\n"
    )
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("0 added"), proc.stdout
    paper.write_text(paper.read_text().replace("arxiv: 2212.01747", "arxiv: 2212.01740"))
    proc = imp(seed_profile(), "--site", site, "--force")
    assert proc.returncode == 0, proc.stderr
    assert front(paper)[0]["arxiv"] == "2212.01740"
    assert parse_paper(paper.read_text(), str(paper), []).arxiv == "2212.01740"


def test_keys_two_imports_added_come_back_in_their_order(site: Path, tmp_path: Path) -> None:
    """A venue from one import and a DOI from the next: re-importing the unchanged
    profile carried them over in a fixed order (doi first), so it rewrote the file."""
    ris, bib = tmp_path / "venue.ris", tmp_path / "doi.bib"
    ris.write_text(
        "TY  - CONF\nTI  - Residual Mixture of Experts\nAU  - Wu, Lemeng\n"
        "PY  - 2022\nT2  - Some Workshop\nER  - \n"
    )
    bib.write_text(
        "@article{r, title={Residual Mixture of Experts}, author={Wu, Lemeng},\n"
        " year={2022}, doi={10.1234/rmoe}}\n"
    )
    for source in (ris, bib):
        assert imp(source, "--site", site).returncode == 0
    before = snapshot(site)
    proc = imp(seed_profile(), "--site", site)
    assert proc.stdout.splitlines()[-1] == "0 added, 0 updated, 32 unchanged", proc.stdout
    assert snapshot(site) == before


def test_papers_titled_without_words_are_not_one_paper(site: Path, tmp_path: Path) -> None:
    """`???`, `!!!` and an emoji all had the empty title key, so papers of such titles
    within two years were one ("1 added", no warning). Each is its own paper now, and
    importing them again still finds each its own file."""
    bib = tmp_path / "w.bib"
    bib.write_text(
        "@article{a, title={???}, author={Roe, Jane}, year={2020}}\n"
        "@article{b, title={!!!}, author={Doe, John}, year={2021}, journal={B}}\n"
        "@article{c, title={\U0001f642}, author={Poe, Edgar}, year={2022}, journal={C}}\n"
        "@article{d, title={***}, author={Lee, Ann}, year={2020}, journal={D}}\n",
        encoding="utf-8",
    )
    proc = imp(bib, "--site", site)
    assert proc.stdout.splitlines()[-1].startswith("4 added"), proc.stdout
    papers = site / "content" / "papers"
    titles = {n: front(papers / f"{n}.md")[0]["title"] for n in ("2020-paper", "2020-paper-2")}
    assert titles == {"2020-paper": "???", "2020-paper-2": "\\*\\*\\*"}
    assert front(papers / "2021-paper.md")[0]["venue"] == "B"
    assert front(papers / "2022-paper.md")[0]["title"] == "\U0001f642"
    assert "venue" not in front(papers / "2020-paper.md")[0]
    before = snapshot(site)
    proc = imp(bib, "--site", site)
    assert proc.stdout.splitlines()[-1].startswith("0 added, 0 updated"), proc.stdout
    assert snapshot(site) == before


def test_an_entry_without_a_date_is_warned_about_at_its_line(site: Path, tmp_path: Path) -> None:
    """The warning named the file alone: in a long export the entry had to be searched for."""
    bib, ris, csl = tmp_path / "d.bib", tmp_path / "d.ris", tmp_path / "d.json"
    bib.write_text("@article{a, title={Dated}, year={2020}}\n\n@article{b,\n title={No Bib}}\n")
    ris.write_text(
        "TY  - JOUR\nTI  - Dated\nPY  - 2020\nER  - \n\nTY  - JOUR\nTI  - No RIS\nER  - \n"
    )
    csl.write_text(
        '[{"id": "a", "title": "Dated", "issued": {"date-parts": [[2020]]}},\n'
        '{"id": "b", "title": "No CSL"}]'
    )
    proc = imp(bib, ris, csl, "--site", site)
    assert proc.returncode == 0
    assert proc.stderr.splitlines() == [
        "d.bib:3: warning: 'No Bib' has no date; not imported: add `year = {…}` or `date = {…}`",
        "d.ris:6: warning: 'No RIS' has no date; not imported: add `PY  - …`",
        "d.json:2: warning: 'No CSL' has no date; not imported",
    ]


def test_a_source_without_the_day_writes_no_day(site: Path, tmp_path: Path) -> None:
    """Google Scholar's BibTeX gives the year alone, and each source's missing month and day
    became 1: the file said `date: 2020-01-01`, and every citation of it the day too."""
    bib, ris, csl = tmp_path / "d.bib", tmp_path / "d.ris", tmp_path / "d.json"
    bib.write_text("@article{a, title={Year Bib}, author={Ada Lovelace}, year={2020}}\n")
    ris.write_text(
        "TY  - JOUR\nTI  - Month RIS\nAU  - Lovelace, Ada\nPY  - 2021///\nDA  - 2021/03//\nER  - \n"
    )
    csl.write_text('[{"id": "a", "title": "Month CSL", "issued": {"date-parts": [[2019, 11]]}}]')
    assert imp(bib, ris, csl, "--site", site).returncode == 0
    papers = site / "content" / "papers"
    dates = {
        n: front(papers / f"{n}.md")[0]["date"]
        for n in ("2020-year-bib", "2021-month-ris", "2019-month-csl")
    }
    assert dates == {
        "2020-year-bib": 2020,
        "2021-month-ris": "2021-03",
        "2019-month-csl": "2019-11",
    }
    assert run_cli("build", "--site", site, "--no-search").returncode == 0


def test_a_less_than_and_a_greater_than_in_a_title_are_no_tag(tmp_path: Path) -> None:
    """Titles were compared with anything between `<` and `>` dropped, so a BibTeX paper
    `a<e and f>d` took the profile's `a<b and c>d` for itself (and gave it its DOI), and
    `k<n and n>2` and `k<m and m>2` were one paper (the second's DOI lost)."""
    profile, bib = tmp_path / "p.txt", tmp_path / "t.bib"
    profile.write_text(
        "Ada Lovelace\n\n1 Papers\n\nLGMar 3, 2024\nCuts for a<b and c>d graphs\n\n"
        "Ada Lovelace, Bo Wu\n\nText.\n"
    )
    bib.write_text(
        "@article{a, title={Cuts for a<e and f>d graphs}, year={2024}, doi={10.1234/a}}\n"
        "@article{b, title={Bounds for k<n and n>2}, year={2024}, doi={10.1234/b}}\n"
        "@article{c, title={Bounds for k<m and m>2}, year={2024}, doi={10.1234/c}}\n"
    )
    site = tmp_path / "site"
    assert imp(profile, "--site", site).returncode == 0
    assert imp(bib, "--site", site).stdout.splitlines()[-1].startswith("3 added, 0 updated")
    dois = {t: p.get("doi") for t, p in by_title(site).items()}
    assert dois == {
        "Cuts for a\\<b and c>d graphs": None,
        "Cuts for a\\<e and f>d graphs": "10.1234/a",
        "Bounds for k\\<n and n>2": "10.1234/b",
        "Bounds for k\\<m and m>2": "10.1234/c",
    }
    assert title_key("<i>Cuts</i> for CO<sub>2</sub>") == title_key("Cuts for CO2")


def test_titles_compare_by_their_words_in_any_script() -> None:
    """Accents, case and punctuation aside, but a script's own marks are letters: `\\W`
    took Devanagari's and Thai's vowel signs for punctuation, so किताब and कुताब (two
    titles) were one, and a BibTeX DOI went to the wrong paper."""
    assert title_key("किताब पढ़ना") != title_key("कुताब पढ़ना")
    assert title_key("สวัสดี") != title_key("สวัสดิ์")
    assert title_key("Café  Networks!") == title_key("cafe networks") == "cafe networks"
    assert title_key("<i>Über</i> _Map_") == title_key("uber map")


def test_an_invisible_title_or_name_is_none_in_a_source_or_a_profile(
    site: Path, tmp_path: Path
) -> None:
    """A paper file's title or author of format characters only is refused (a blank
    <title>); the importers read them as no title and no name, instead of writing files
    the build then refused."""
    [record] = parse_bibtex(
        "@misc{k, title = {Fine}, author = {Lovelace, Ada and \u200b}, year = 2020}", "x"
    )
    assert record.authors == ("Ada Lovelace",)
    with pytest.raises(SitegenError, match="an entry without a title"):
        parse_bibtex("@misc{k, title = {\u200b\u2060}, year = 2020}", "x")
    profile = (
        seed_profile()
        .read_text(encoding="utf-8")
        .replace(
            "Let us Build Bridges: Understanding and Extending Diffusion Generative Models",
            "\u200b",
        )
    )
    path = tmp_path / "p.txt"
    path.write_text(profile, encoding="utf-8")
    proc = imp(path, "--site", site)
    assert proc.returncode != 0 and "has no title" in proc.stderr, proc.stderr


def test_source_text_is_composed_as_the_build_reads_it(site: Path, tmp_path: Path) -> None:
    """A Mac's export may write `é` as `e` and an accent; the build composes (NFC) what it
    reads, so a DOI or a name written as given was another value once read back, and the
    paper's DOI no longer matched its own source's. The import composes it too."""
    bib = tmp_path / "nfd.bib"
    bib.write_text(
        "@article{n, title={Cafe\u0301 Networks}, author={Jose\u0301 Nu\u0301n\u0303ez and Wu,"
        " Lemeng}, doi={10.1000/cafe\u0301}, year={2024}}\n",
        encoding="utf-8",
    )
    assert imp(bib, "--site", site).returncode == 0
    path = next((site / "content" / "papers").glob("2024-caf*.md"))
    text = path.read_text(encoding="utf-8")
    assert "10.1000/caf\u00e9" in text and "Jos\u00e9 N\u00fa\u00f1ez" in text, text
    before = snapshot(site)
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0 and snapshot(site) == before, proc.stdout


def test_a_paper_under_the_owners_former_name_is_the_owners(site: Path, tmp_path: Path) -> None:
    """people.yaml gives the owner's former name as an alias: the import took a paper
    printed under it for one the owner is not named in (`owner_in_et_al: true`), and its
    page said so right under the owner's own name, in bold."""
    (site / "content" / "people.yaml").write_text(
        "- name: Lemeng Wu\n  aliases: [Lemeng Rossi]\n  owner: true\n"
    )
    bib = tmp_path / "old.bib"
    bib.write_text(
        "@article{r, author={Rossi, Lemeng and Smith, John}, title={Under a Former Name},"
        " journal={J. Old}, year={2012}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0
    fm = by_title(site)["Under a Former Name"]
    assert (fm["authors"], fm["owner_in_et_al"]) == (["Lemeng Rossi", "John Smith"], False)
    run_cli("build", "--site", site, "--no-search", check=True)
    (page,) = (site / "output" / "papers").glob("2012-under-a-former-name/index.html")
    html = page.read_text()
    assert '<strong class="owner">Lemeng Rossi</strong>' in html and 'class="note"' not in html


def test_people_yaml_and_a_second_initial_keep_other_people_from_the_owners_name(
    site: Path, tmp_path: Path
) -> None:
    """A people hunter's: the import turned every spelling of the owner's name into the
    owner's, so `L. Wu`, whom people.yaml names as Lei Wu (as the build's warning advises),
    and the second of two `L. Wu`s on one paper, became "Lemeng Wu", without a word."""
    (site / "content" / "people.yaml").write_text("- name: Lei Wu\n  aliases: [L. Wu]\n")
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@article{a, author={Liu, Qiang and Wu, L.}, title={Lei Coauthored}, journal={J},"
        " year={2014}}\n"
        "@article{b, author={Wu, Lemeng and Wu, Lei}, title={Two Wus}, journal={J}, year={2015}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0
    papers = by_title(site)
    assert papers["Lei Coauthored"]["authors"] == ["Qiang Liu", "L. Wu"]
    assert papers["Two Wus"]["authors"] == ["Lemeng Wu", "Lei Wu"]
    (site / "content" / "people.yaml").unlink()
    bib.write_text("@article{c, author={Wu, L. and Wu, L. and Liu, Q.}, title={Initials},"
                   " journal={J}, year={2017}}\n")  # fmt: skip
    assert imp(bib, "--site", site).returncode == 0
    assert by_title(site)["Initials"]["authors"] == ["Lemeng Wu", "L. Wu", "Q. Liu"]


def test_a_former_name_is_spelt_as_sources_print_it_and_the_profile_names_the_owner(
    site: Path, tmp_path: Path
) -> None:
    """A people hunter's: `Berg, M.` was not taken for the former name `Maria Berg`
    (people.yaml's alias of the owner's), nor warned of, so the owner was their own
    coauthor; a profile text's paper under the former name was `owner_in_et_al: true`; and
    people.yaml's entry named the owner on some pages where profile.yaml names them."""
    (site / "content" / "people.yaml").write_text(
        "- name: Lemeng Berg\n  aliases: [Lemeng Rossi]\n  owner: true\n"
    )
    bib = tmp_path / "old.bib"
    bib.write_text("@article{r, author={Rossi, L. and Smith, John}, title={Under a Former Name},"
                   " journal={J. Old}, year={2012}}\n")  # fmt: skip
    assert imp(bib, "--site", site).returncode == 0
    fm = by_title(site)["Under a Former Name"]
    assert (fm["authors"], fm["owner_in_et_al"]) == (["Lemeng Rossi", "John Smith"], False)
    profile = tmp_path / "profile.txt"
    text = seed_profile().read_text(encoding="utf-8")
    profile.write_text(text.replace("Mao Ye, Lemeng Wu, Qiang", "Mao Ye, Lemeng Rossi, Qiang", 1))
    assert "Lemeng Rossi" in profile.read_text()
    assert imp(profile, "--site", site).returncode == 0
    (former,) = [fm for fm in by_title(site).values() if "Lemeng Rossi" in fm["authors"]
                 and fm["title"] != "Under a Former Name"]  # fmt: skip
    assert former["owner_in_et_al"] is False
    # a hand-written `L. Rossi` is warned of as a spelling of the owner's
    paper = sorted((site / "content" / "papers").glob("*.md"))[0]
    paper.write_text(paper.read_text().replace("authors:\n", "authors:\n- L. Rossi\n", 1))
    proc = run_cli("build", "--site", site, "--no-search", check=True)
    assert "'L. Rossi' looks like 'Lemeng Wu', the site's owner" in proc.stderr
    chart = (site / "output" / "coauthors" / "index.html").read_text()
    assert "Lemeng Berg" not in chart and "Lemeng Wu" in chart


@pytest.mark.parametrize(
    ("owner", "spelt"),
    [
        ("Jürgen Müller", ["J. Müller", "Müller, Jürgen", "J. Muller"]),
        ("Maria van der Berg-Smith", ["M. van der Berg-Smith", "van der Berg-Smith, Maria"]),
        ("Ana O'Neil", ["A. O'Neil", "O'Neil, Ana"]),
    ],
)
def test_a_spelling_of_an_accented_or_hyphenated_owners_name_is_warned_of(
    owner: str, spelt: list[str]
) -> None:
    """A people hunter's: the substring looked for was the folded family name ('muller',
    'bergsmith') in the unfolded coauthor's ('Müller', 'Berg-Smith'): no warning, and the
    owner had coauthor pages of their own."""
    from sitegen.model import Coauthor, Person
    from sitegen.sources import owner_lookalikes

    coauthors = [Coauthor(Person(n, n, n), ()) for n in [*spelt, "Ann Lee"]]
    said = [w.message for w in owner_lookalikes(coauthors, owner, [])]
    assert [m.split(" looks like ")[0] for m in said] == [repr(n) for n in spelt]


def test_a_paper_with_no_author_list_shows_its_owner(site: Path) -> None:
    """ORCID gives no authors: such a paper (`authors: []`, the owner among those not
    named) showed an empty byline on its page and in lists, `Title. . Venue` in the CV, an
    empty <em></em> and dc:creator in the feeds, and a note about "the list above". It shows
    the owner, then "et al.": as the owner's alone, its BibTeX claimed sole authorship."""
    assert imp(ORCID, "--site", site).returncode == 0
    (path,) = (site / "content" / "papers").glob("2024-alert-x-robust-*.md")
    assert (front(path)[0]["authors"], front(path)[0]["et_al"]) == ([], True)
    run_cli("build", "--site", site, "--no-search", check=True)
    out = site / "output"
    page = (out / "papers" / path.stem / "index.html").read_text()
    byline = re.search(r'<p class="byline">(.*?)</p>', page).group(1)
    assert '<strong class="owner">Lemeng Wu</strong></bdi> <span class="et-al">et al.' in byline
    assert 'class="note"' not in page
    cv = (out / "cv" / "index.html").read_text()
    assert re.search(r"Hostile Titles</a>\. <span class=\"authors\"><bdi><strong", cv), cv
    import feedparser

    entry = next(e for e in feedparser.parse(out / "feed.xml").entries if "Hostile" in e.title)
    assert entry.author == "Lemeng Wu et al." and "<em>Lemeng Wu et al.</em>" in entry.summary
    # and so do its citation files and the tags Scholar reads, which named no author
    files = out / "papers" / path.stem / path.stem
    assert re.search(r"author += \{Wu, Lemeng and others\},", files.with_suffix(".bib").read_text())
    # its key is the owner's, as "the first author's family name" says: anon2024... before
    assert re.match(r"@\w+\{wu2024", files.with_suffix(".bib").read_text())
    ris = files.with_suffix(".ris").read_text()
    assert "AU  - Wu, Lemeng" in ris and "N1  - Author list shortened (et al.)" in ris
    csl = json.loads(files.with_suffix(".json").read_text())
    assert csl[0]["author"] == [{"family": "Wu", "given": "Lemeng"}, {"literal": "others"}]
    doc = parse(out / "papers" / path.stem / "index.html")
    assert [m["content"] for m in doc.find("meta", name="citation_author")] == ["Wu, Lemeng"]
    (ld,) = [d for d in map(json.loads, doc.data_blocks) if d["@type"] == "ScholarlyArticle"]
    assert [a["name"] for a in ld["author"]] == ["Lemeng Wu"]


def test_a_title_every_year_matches_its_own_years_paper_and_doi(tmp_path: Path) -> None:
    """A hunter's: an editor's "Editorial" of 2022 took the 2021 file's place (its DOI written
    there, the 2022 file left alone), and one of 2022 with its own DOI was taken for the
    2021 paper with another, so it was never added."""
    site, _ = blox_site(tmp_path, {})
    papers = site / "content" / "papers"
    for year in (2021, 2022):
        (papers / f"{year}-editorial.md").write_text(
            f"---\ntitle: Editorial\ndate: {year}-03-01\nauthors: [Ada Lovelace]\n---\n"
        )
    bib = tmp_path / "e.bib"
    bib.write_text(
        "@article{e22, author={Lovelace, Ada}, title={Editorial}, journal={J}, year={2022},"
        " doi={10.1234/j.2022.1}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0
    assert "doi" not in front(papers / "2021-editorial.md")[0]
    assert front(papers / "2022-editorial.md")[0]["doi"] == "10.1234/j.2022.1"
    bib.write_text(
        "@article{e23, author={Lovelace, Ada}, title={Editorial}, journal={J}, year={2023},"
        " doi={10.1234/j.2023.1}}\n"
    )
    proc = imp(bib, "--site", site)  # the 2022 paper, two years off, has another DOI
    assert proc.returncode == 0 and "1 added" in proc.stdout, proc.stdout
    assert front(papers / "2023-editorial.md")[0]["doi"] == "10.1234/j.2023.1"


def test_titles_match_without_arabic_and_hebrew_vowel_points() -> None:
    """A hunter's: a BibTeX title with its harakat (تَعَلُّم) was a second paper beside the
    profile's (تعلم), as Latin accents are not; and Ø, Ł, Đ, Æ, which no decomposition
    takes an accent from, sorted after Z."""
    assert title_key("تَعَلُّم الآلَة لِلُّغَة العَرَبِيَّة") == title_key("تعلم الآلة للغة العربية")
    assert title_key("לְמִידָה עֲמֻקָּה") == title_key("למידה עמקה")
    names = ["Zed Adams", "Øystein Ore", "Łukasz Kowalski", "Đorđe Balašević", "Ægir Berg"]
    assert sorted(names, key=title_words) == [
        "Ægir Berg", "Đorđe Balašević", "Łukasz Kowalski", "Øystein Ore", "Zed Adams"
    ]  # fmt: skip


def test_al_folio_fields_give_their_ids_and_its_file_names_are_said() -> None:
    """A migration hunter's al-folio papers.bib: its `arxiv` field and an `html` link to a
    DOI or arXiv were dropped, and slides, poster and supp given as its assets/pdf/ file
    names vanished without the warning a pdf gets."""
    a, b, c, d = parse_bibtex(
        "@inproceedings{a, title={A}, author={Einstein, Albert}, booktitle={NeurIPS},"
        " year={2023}, arxiv={2305.12345}}\n"
        "@article{b, title={B}, author={Einstein, Albert}, journal={Nature}, year={2022},"
        " html={https://doi.org/10.1038/s41586-022-00001-1}}\n"
        "@article{c, title={C}, author={Einstein, Albert}, journal={JMLR}, year={2021},"
        " html={https://arxiv.org/abs/2106.00001}}\n"
        "@article{d, title={D}, author={Einstein, Albert}, journal={J}, year={2020},"
        " slides={d-slides.pdf}, poster={d-poster.pdf}, supp={d-supp.pdf}}\n",
        "papers.bib",
    )
    assert (a.arxiv, b.doi, c.arxiv) == ("2305.12345", "10.1038/s41586-022-00001-1", "2106.00001")
    said = [str(w) for w in d.warnings]
    for key, name in (
        ("slides", "d-slides.pdf"),
        ("poster", "d-poster.pdf"),
        ("supp", "d-supp.pdf"),
    ):
        assert f"papers.bib:4: warning: entry 'd': {key} {name!r} is not a URL" in " ".join(said)


def test_hugo_blox_pages_as_written_now_and_by_hugo_academic_keep_their_links() -> None:
    """A migration hunter's: today's Hugo Blox `links: - type: pdf` and `hugoblox: ids:`,
    Hugo Academic's url_preprint, url_custom and `selected`, were dropped without a word;
    an abstract of paragraphs and a list became one line; `In *Conference*` kept its In."""
    [new] = parse_hugo(
        "---\ntitle: Modern\nauthors: [Ada Lovelace]\ndate: 2024-07-03\ntags: [Widgets, GANs]\n"
        "publication: In *IEEE Transactions on Widgets*\n"
        "hugoblox: {ids: {doi: 'https://doi.org/10.1109/TW.2024.1', arxiv: '2310.10296'}}\n"
        "abstract: |\n  First, with **bold**.\n\n  Second:\n\n  - one\n  - two\n"
        "links:\n  - {type: pdf, url: 'https://arxiv.org/pdf/2310.10296.pdf'}\n"
        "  - {type: code, url: 'https://github.com/x/w'}\n"
        "  - {type: slides, url: 'https://example.org/s'}\n---\n",
        "modern/index.md",
    )
    assert (new.doi, new.arxiv, new.venue) == (
        "10.1109/TW.2024.1",
        "2310.10296",
        "IEEE Transactions on Widgets",
    )
    assert (
        new.pdf == "https://arxiv.org/pdf/2310.10296.pdf"
        and new.code_url == "https://github.com/x/w"
    )
    assert new.links == (("Slides", "https://example.org/s"),)
    assert new.abstract == "First, with **bold**.\n\nSecond:\n\n- one\n- two"
    assert new.tags == ("Widgets", "GANs")  # sitegen has tags too: they were dropped
    [neurips] = parse_hugo(
        "---\ntitle: N\ndate: 2020-01-01\npublication: Advances in Neural Information\n---\n",
        "n.md",
    )
    assert neurips.venue == "Advances in Neural Information"  # only a leading In goes
    [old] = parse_hugo(
        '+++\ntitle = "Old"\ndate = 2015-01-01\nselected = true\n'
        'url_preprint = "https://arxiv.org/abs/1501.07242"\n'
        'url_custom = [{name = "Talk", url = "https://example.org/talk"}]\n+++\n',
        "old.md",
    )
    assert (old.arxiv, old.links, old.featured) == (
        "1501.07242",
        (("Talk", "https://example.org/talk"),),
        True,
    )


def test_hugo_blox_author_data_files_name_the_authors_and_jekyll_is_refused(
    tmp_path: Path,
) -> None:
    """Today's Hugo Blox keeps authors in data/authors/KEY.yaml: `jane-doe` was printed as a
    name. An academicpages _publications/ folder was read as Hugo Blox: papers without
    authors, and redirect pages from /_publications/..., a URL Jekyll never served."""
    site, _ = blox_site(tmp_path, {})
    folder = tmp_path / "hugo" / "content" / "publication"  # a Hugo site's, as it is laid out
    (folder / "p").mkdir(parents=True)
    (folder / "p" / "index.md").write_text(
        "---\ntitle: P\nauthors: [jane-doe, admin]\ndate: 2020-01-01\n---\n"
    )
    data = tmp_path / "hugo" / "data" / "authors"
    data.mkdir(parents=True)
    (data / "jane-doe.yaml").write_text("name:\n  display: Jane Doe\n")
    assert imp(folder, "--site", site).returncode == 0
    [paper] = (site / "content" / "papers").glob("2020-p.md")
    assert front(paper)[0]["authors"][0] == "Jane Doe"
    jekyll = tmp_path / "ap" / "_publications"
    jekyll.mkdir(parents=True)
    (jekyll / "2009-10-01-paper.md").write_text("---\ntitle: P\npermalink: /publication/p\n---\n")
    before = snapshot(site)
    proc = imp(jekyll, "--site", site)
    assert proc.returncode == 2 and "this is a Jekyll site's folder" in proc.stderr, proc.stderr
    assert snapshot(site) == before


def test_old_urls_identify_a_paper_and_are_kept_whole(tmp_path: Path) -> None:
    """Hunters': two Hugo pages of one paper kept only the first's old URL; a page retitled
    on the Hugo site was a second paper with the same old URL (a site that cannot build);
    a Hugo folder named papers/ gave a paper its own URL as an old one (the same)."""
    site, folder = blox_site(
        tmp_path,
        {
            "pre/index.md": "---\ntitle: Great Results\nauthors: [admin]\ndate: 2021-01-05\n---\n",
            "proc/index.md": "---\ntitle: Great Results\nauthors: [admin]\ndate: 2021-07-01\n"
            "doi: 10.1/great\n---\n",
        },
    )
    assert imp(folder, "--site", site).returncode == 0
    [paper] = (site / "content" / "papers").glob("2021-great-results.md")
    assert front(paper)[0]["aliases"] == ["/publication/pre/", "/publication/proc/"]
    for page in ("pre", "proc"):  # retitled on the old site since
        text = (folder / page / "index.md").read_text()
        (folder / page / "index.md").write_text(text.replace("Great Results", "Great Results, v2"))
    proc = imp(folder, "--site", site)
    assert proc.returncode == 0 and "0 added" in proc.stdout, proc.stdout
    assert run_cli("build", "--site", site, "--no-search").returncode == 0
    papers = tmp_path / "hugo" / "papers"  # a Hugo section named as sitegen's
    (papers / "2022-own").mkdir(parents=True)
    (papers / "2022-own" / "index.md").write_text(
        "---\ntitle: Own\nauthors: [admin]\ndate: 2022-01-01\n---\n"
    )
    assert imp(papers, "--site", site).returncode == 0
    assert "aliases" not in front(site / "content" / "papers" / "2022-own.md")[0]
    assert run_cli("build", "--site", site, "--no-search").returncode == 0


def test_a_preprint_first_takes_the_published_records_date_with_its_venue(
    tmp_path: Path,
) -> None:
    """A migration hunter's: Scholar's arXiv entry (2022) before its CVPR one (2023) gave a
    paper dated 2022 with CVPR's venue, type and DOI: cited as CVPR 2022."""
    site, _ = blox_site(tmp_path, {})
    bib = tmp_path / "scholar.bib"
    bib.write_text(
        "@article{wu2022fast, title={Fast Point Cloud Generation with Straight Flows},"
        " author={Wu, Lemeng}, journal={arXiv preprint arXiv:2212.01747}, year={2022}}\n"
        "@inproceedings{wu2023fast, title={Fast Point Cloud Generation with Straight Flows},"
        " author={Wu, Lemeng}, booktitle={CVPR}, year={2023}, doi={10.1109/CVPR52729.2023.00911}}\n"
    )
    assert imp(bib, "--site", site).returncode == 0
    [paper] = (site / "content" / "papers").glob("*straight-flows.md")
    values = front(paper)[0]
    assert (values["type"], values["venue"], str(values["date"])[:4]) == (
        "conference",
        "CVPR",
        "2023",
    )


def test_a_profile_retitle_then_a_bibtex_of_the_first_title_is_one_paper(
    site: Path, tmp_path: Path
) -> None:
    """A hunter's: the profile retitled a paper (v2 on arXiv) and Scholar's BibTeX still
    had the first title, whose file the import had named: a second file, -2, beside it."""
    profile = tmp_path / "profile.txt"
    profile.write_text(
        seed_profile()
        .read_text(encoding="utf-8")
        .replace(
            "\nNeural Volumetric Mesh Generator\n",
            "\nNeural Volumetric Mesh Generator: Diffusion for Tetrahedral Meshes\n",
        ),
        encoding="utf-8",
    )
    assert imp(profile, "--site", site).stdout.splitlines()[-1].startswith("0 added, 1 updated")
    bib = tmp_path / "scholar.bib"
    bib.write_text(
        "@inproceedings{z, title={Neural Volumetric Mesh Generator}, author={Zheng, Yan and"
        " Wu, Lemeng}, booktitle={NeurIPS Workshop}, year={2022}}\n",
        encoding="utf-8",
    )
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0 and "0 added" in proc.stdout, proc.stdout
    fm, _ = front(site / "content" / "papers" / "2022-neural-volumetric-mesh-generator.md")
    assert fm["venue"] == "NeurIPS Workshop"


def test_a_deleted_paper_stays_deleted_and_is_said_so(site: Path, tmp_path: Path) -> None:
    """A hunter's: a paper another source added as `...-2.md` (a second paper of one
    title), once deleted, came back at the next import; and a profile's paper deleted by
    hand was said nothing of by an import of a BibTeX file holding it."""
    bib = tmp_path / "e.bib"
    bib.write_text(
        "@article{a, title={Editorial}, author={Wu, Lemeng}, journal={J}, year={2023},"
        " doi={10.1234/j.1}}\n@article{b, title={Editorial}, author={Wu, Lemeng},"
        " journal={J}, year={2023}, doi={10.1234/j.2}}\n"
        "@inproceedings{c, title={Path-Invariant Map Networks}, author={Zhang, Zaiwei and"
        " Wu, Lemeng}, booktitle={CVPR}, year={2019}}\n",
        encoding="utf-8",
    )
    assert "2 added" in imp(bib, "--site", site).stdout
    papers = site / "content" / "papers"
    (papers / "2023-editorial-2.md").unlink()
    (papers / "2018-path-invariant-map-networks.md").unlink()
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1].startswith("0 added")
    assert not (papers / "2023-editorial-2.md").exists()
    assert "kept content/papers/2023-editorial-2.md (deleted by hand" in proc.stdout
    assert "kept content/papers/2018-path-invariant-map-networks.md (deleted by hand" in proc.stdout


def test_an_import_writes_through_a_linked_paper_and_keeps_its_mode(
    site: Path, tmp_path: Path
) -> None:
    """A hunter's: a paper that was a link to a shared file became a plain file (the shared
    one never gained the DOI), and a paper's mode came back 644 (a change git shows)."""
    papers = site / "content" / "papers"
    shared = tmp_path / "shared" / PATHFUSION
    shared.parent.mkdir()
    (papers / PATHFUSION).rename(shared)
    (papers / PATHFUSION).symlink_to(shared)
    os.chmod(papers / FAST, 0o600)
    bib = tmp_path / "a.bib"
    bib.write_text(
        "@inproceedings{p, title={PathFusion: Path-consistent Lidar-Camera Deep Feature Fusion},"
        " author={Wu, Lemeng}, booktitle={3DV}, year={2024}, doi={10.1109/3dv.2024.1}}\n"
        "@inproceedings{f, title={Fast Point Cloud Generation with Straight Flows},"
        " author={Wu, Lemeng}, booktitle={CVPR}, year={2023}, doi={10.1109/cvpr.2023.1}}\n",
        encoding="utf-8",
    )
    assert imp(bib, "--site", site).returncode == 0
    assert (papers / PATHFUSION).is_symlink() and "doi: 10.1109/3dv.2024.1" in shared.read_text()
    assert "doi: 10.1109/cvpr.2023.1" in (papers / FAST).read_text()
    assert (papers / FAST).stat().st_mode & 0o777 == 0o600


def test_a_subscript_in_math_splits_no_word_of_a_title(tmp_path: Path) -> None:
    """A year-of-imports hunter's: the profile's `L2-Regularised Flows` and a .bib's
    `$L_2$-regularised flows` were two papers (`1 added`, a `2023-l-2-...md` beside the
    `2023-l2-...md`): the subscript's `_` split the word."""
    site = tmp_path / "site"
    profile = tmp_path / "p.txt"
    profile.write_text(
        "Ada Lovelace\n\n1 Papers\n\nLGMar 3, 2023\nL2-Regularised Flows — A Second Look\n\n"
        "Ada Lovelace\n\nText.\n",
        encoding="utf-8",
    )
    bib = tmp_path / "flows.bib"
    bib.write_text(
        "@article{f, title={$L_2$-regularised flows---a second look}, "
        "author={Lovelace, Ada}, journal={JMLR}, year={2023}}\n"
    )
    r = run_cli("import", profile, bib, "--site", site, "--as-of", "2026-11-25", check=True)
    assert r.stdout.splitlines()[-1].startswith("1 added, 0 updated, 0 unchanged, 1 filled in")
    (paper,) = (site / "content" / "papers").glob("*.md")
    assert paper.name == "2023-l2-regularised-flows-a-second-look.md"
    assert "venue: JMLR" in paper.read_text()
