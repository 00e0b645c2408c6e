"""Every new source parser on hostile input: records or one SitegenError, never a traceback.

Raw text, mutations of the real fixture files, and well-formed files whose
strings are hostile (<script>, javascript: links, stray & and braces). The
records that come back must make paper files sitegen itself accepts, with
every link http(s) and no markup smuggled into a title.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.content import parse_paper
from sitegen.errors import SitegenError
from sitegen.importer import _record_values, render_new_paper
from sitegen.sources import (
    SourceRecord,
    parse_arxiv_atom,
    parse_bibtex,
    parse_csl_json,
    parse_hugo,
    parse_orcid_works,
    parse_ris,
)

FIXTURES = Path(__file__).parent.parent / "fixtures" / "sources"
PARSERS = {
    "scholar.bib": parse_bibtex,
    "dblp.bib": parse_bibtex,
    "publisher.ris": parse_ris,
    "zotero.json": parse_csl_json,
    "orcid-works.json": parse_orcid_works,
    "arxiv-page1.xml": lambda text, source: parse_arxiv_atom(text, source)[0],
    "hugo-blox.md": parse_hugo,
    "hugo-blox-toml.md": parse_hugo,
}
HOSTILE = [
    "<script>alert(1)</script>", "javascript:alert(1)", " & ", "&amp;", "{", "}", "\\", "$",
    "\\url{javascript:x}", "<img src=x onerror=alert(1)>", "\x00", "\u2028", "%", "@", '"', "'",
    "\\textbf{", "$$", "--", "\\'", "]]>", "<!--", "\r", "\n",
]  # fmt: skip


def fuzz(n: int) -> settings:
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def check(parse, text: str, source: str = "in.file") -> list[SourceRecord]:  # noqa: ANN001
    """The contract: records that make valid paper files, or a SitegenError about `source`."""
    try:
        records = parse(text, source)
    except SitegenError as e:
        assert e.path == source and "\n" not in e.message, e
        return []
    for r in records:
        assert r.title and r.title == r.title.strip() and "\n" not in r.title
        for url in (r.url, r.pdf):
            assert url is None or url.startswith(("http://", "https://")), url
        values = _record_values(r)
        values.setdefault("date", dt.date(2020, 1, 1))
        text = render_new_paper(values, "Lemeng Wu", dt.date(2026, 1, 1))
        paper = parse_paper(text, "content/papers/x.md", [])
        assert paper.title == r.title.strip()
        assert paper.url == r.url and paper.pdf == r.pdf and paper.doi == r.doi
    return records


hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12)), max_size=6).map(
    "".join
)


@pytest.mark.parametrize("name", sorted(PARSERS))
@fuzz(60)
@given(data=st.data())
@pytest.mark.slow
def test_mutated_fixtures(name: str, data: st.DataObject) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 20))
        text = text[:at] + data.draw(hostile_text) + text[at + cut :]
    check(PARSERS[name], text)


@pytest.mark.parametrize("name", sorted(PARSERS))
@fuzz(40)
@given(text=st.text(max_size=300))
def test_raw_text(name: str, text: str) -> None:
    check(PARSERS[name], text)


@fuzz(150)
@given(title=hostile_text, venue=hostile_text, url=hostile_text, note=hostile_text)
def test_hostile_strings_in_well_formed_files(title: str, venue: str, url: str, note: str) -> None:
    def braced(s: str) -> str:  # a BibTeX value must balance its braces to be one value
        return s.replace("{", "(").replace("}", ")").replace("\\", "/")

    bib = (
        f"@article{{k,\n  title={{{braced(title)}}},\n  journal={{{braced(venue)}}},\n"
        f"  url={{{braced(url)}}},\n  note={{{braced(note)}}},\n  year={{2020}}\n}}\n"
    )
    check(parse_bibtex, bib)
    one_line = [" ".join(s.split()) for s in (title, venue, url, note)]
    ris = "TY  - JOUR\nTI  - {}\nJO  - {}\nUR  - {}\nN1  - {}\nPY  - 2020\nER  - \n".format(
        *one_line
    )
    check(parse_ris, ris)
    item = {"id": "a", "title": title, "container-title": venue, "URL": url, "note": note}
    item["issued"] = {"date-parts": [[2020]]}
    records = check(parse_csl_json, json.dumps([item]))
    for r in records:
        assert "<script" not in r.title or "&lt;script" in title  # only escaped text stays
    work = {
        "title": {"title": {"value": title}},
        "url": {"value": url},
        "journal-title": {"value": venue},
        "publication-date": {"year": {"value": "2020"}},
    }
    check(parse_orcid_works, json.dumps({"group": [{"work-summary": [work]}]}))
    hugo = {"title": title, "publication": venue, "url_pdf": url, "abstract": note}
    check(parse_hugo, "---\n" + "".join(f"{k}: {json.dumps(v)}\n" for k, v in hugo.items()) + "---")
