"""Citations as reference managers read them: BibTeX through bibtexparser v2, RIS, CSL-JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser import middlewares as mw
from conftest import AS_OF, BASE_URL, MAKE_PROFILE, make_site, run_cli
from htmlutil import parse

from sitegen import cite
from sitegen.content import split_front_matter
from sitegen.markup import plain_inline
from sitegen.model import PAPER_TYPES, Author, Paper, Person

# ---------------------------------------------------------------- helpers


def parse_bib(text: str) -> bibtexparser.Library:
    lib = bibtexparser.parse_string(
        text, append_middleware=[mw.SeparateCoAuthors(), mw.SplitNameParts()]
    )
    assert not lib.failed_blocks, [getattr(b, "error", b) for b in lib.failed_blocks]
    return lib


def front_matter(path: Path) -> dict:
    import yaml

    text = path.read_text(encoding="utf-8")
    yaml_text, body = split_front_matter(text, str(path))
    data = yaml.safe_load(yaml_text)
    data["_body"] = body.strip()
    return data


def papers_by_slug(site: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((site / "content" / "papers").glob("*.md")):
        data = front_matter(path)
        out[data.get("slug") or path.stem] = data
    return out


def ris_records(text: str) -> list[list[tuple[str, str]]]:
    records: list[list[tuple[str, str]]] = []
    current: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        if not line:
            continue
        m = re.fullmatch(r"([A-Z][A-Z0-9])  - ?(.*)", line)
        assert m, f"not a RIS line: {line!r}"
        current.append((m.group(1), m.group(2)))
        if m.group(1) == "ER":
            records.append(current)
            current = []
    assert not current, "record without ER"
    return records


def make_paper(
    title: str = "A Title",
    authors: tuple[str, ...] = ("Ada Lovelace", "Charles Babbage"),
    date: dt.date = dt.date(2022, 8, 31),
    slug: str = "2022-a-title",
    et_al: bool = False,
    topic: str = "LG",
    venue: str | None = None,
) -> Paper:
    people = [Person(key=n, name=n, slug=n.lower().replace(" ", "-")) for n in authors]
    return Paper(
        slug=slug, source=f"content/papers/{slug}.md", title=title, date=date, topic=topic,
        author_names=authors,
        authors=tuple(Author(n, p) for n, p in zip(authors, people, strict=True)),
        et_al=et_al, owner_in_et_al=False, affiliations=(), code=False, code_url=None,
        url=None, venue=venue, added=None, year_inferred=False, tags=(), body_md="",
        body_html="", summary_text="An abstract & more.", digest="0",
    )  # fmt: skip


# ---------------------------------------------------------------- pure functions


def ada_site(tmp_path: Path) -> Path:
    """A site of Ada Lovelace's with no paper yet, for a test to write its own."""
    site = tmp_path / "site"
    (site / "content" / "papers").mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Ada Lovelace\n", encoding="utf-8")
    return site


@pytest.mark.parametrize(
    ("code", "full"),
    [("LG", "cs.LG"), ("CV", "cs.CV"), ("ML", "stat.ML"), ("OC", "math.OC"),
     ("IV", "eess.IV"), ("SY", "eess.SY"), ("cs.AI", "cs.AI"), ("XYZ", "XYZ"), ("zz", "zz")],
)  # fmt: skip
def test_arxiv_subject(code: str, full: str) -> None:
    assert cite.arxiv_subject(code) == full


def test_latex_escape_every_special_character() -> None:
    out = cite.latex_escape(r"& % $ # _ { } ~ ^ \ plain")
    assert out == (
        r"\& \% \$ \# \_ \textbraceleft{} \textbraceright{} \textasciitilde{} "
        r"\textasciicircum{} \textbackslash{} plain"
    )


def test_latex_text_keeps_math_and_escapes_the_rest() -> None:
    assert cite.latex_text(r"$O(\log n)$ time & 100% $k$-means") == (
        r"$O(\log n)$ time \& 100\% $k$-means"
    )
    # any pair of dollars is math, as on arXiv; unbalanced braces inside are escaped
    assert cite.latex_text(r"a 3$\times$ speedup, $$x$$") == r"a 3$\times$ speedup, $x$"
    # (its dollars spelled so that sitegen's reader gives back the math, not dollar signs)
    assert (
        cite.latex_text("bad ${x$ math") == r"bad \textdollar{}\textbraceleft{}x\textdollar{} math"
    )
    assert cite.latex_text("a\nb\tc") == "a b c"
    # math a .bib would run or break on is text: a comment, an alignment or parameter
    # character, a command that reads files or defines commands
    for hostile in (r"$x % y$", r"$a & b$", r"$#1$", r"$\input{/etc/passwd}$", r"$\def\x{y}$"):
        kept = cite.latex_text(f"T {hostile} u")
        assert not kept.startswith("T $") and "\\input{" not in kept.replace(
            "\\textbackslash{}", ""
        ), kept
    kept = r"$\mathcal{O}(n)$ and $\operatorname{read}(x)$"
    assert cite.latex_text(kept) == kept
    # an escaped one is TeX's own sign: `90$\%$` had come out as "90$\%$", printed
    kept = r"Pruning 90$\%$ of Weights with $\#$P-hard Search, $a\&b$"
    assert cite.latex_text(kept) == kept
    # but `\\` is a line break, and the `%` after it a comment
    assert not cite.latex_text(r"T $a\\%b$ u").startswith("T $")


@pytest.mark.parametrize(
    "math",
    [r"$^^5cinput{/etc/passwd}$", r"$x^^5c^^69nput{/etc/passwd}$", r"$\lstinputlisting{/x}$",
     r"$\verbatiminput{/x}$", r"$\VerbatimInput{/x}$", r"$\ShellEscape{rm -rf ~}$",
     r"$\immediate\write18{rm}$", r"$\IfFileExists{/x}{a}{b}$", r"$\NewDocumentCommand\x{}{y}$",
     r"$\ExplSyntaxOn$", r"$\UseName{input}$", r"$\includegraphics{/x}$",
     r"$\pdfstartlink user{/Subtype/Link/A<</S/URI/URI(javascript:alert(1))>>}x\pdfendlink$",
     r"$\pdfannot width 9pt {/Subtype/Link/A<</S/JavaScript/JS(app.alert(4))>>}$",
     r"$\Acrobatmenu{Quit}{z}$", r"$\loop\iftrue\repeat$", r"$\text{\pdfliteral{q}}$",
     r"$\mathrm{\everypar{x}}$", r"$\mathchardef\alpha=1$"],
)  # fmt: skip
def test_math_that_could_read_files_or_run_programs_is_text(math: str) -> None:
    """TeX's `^^5c` is a backslash, so `^^5cinput` is `\\input` past any list of names; and
    packages have their own file and shell commands. Such math is printed, never run: a
    command the page's MathML converter does not know (`\\pdfannot`, a JavaScript action
    in the citer's PDF; `\\loop`, a run that never ends), even inside `\\text{}`."""
    for latex in (cite.latex_text, cite.latex_title):
        out = latex(f"T {math} u")
        assert out.startswith(r"T \textdollar{}") and out.endswith(r"\textdollar{} u"), out


MATH_CASES = [
    *[r"a 3$\times$ speedup", "costs $5 and $6", "$x$$y$", "$$x$$ and $y$", "$$x$ y", "$$$$"],
    *[r"\$x$", r"\\$x$", r"\\\$x$ $y$", r"$a\$b$", "$ x $", "$$a$b$$ c", "$$a$$$", "a $ b"],
    *[r"$$a\$$", r"40$\%$ less", r"$\$$", r"$\\$", "$x", "$$", "$$x$$$y$", r"\a$x$"],
]


@pytest.mark.parametrize("text", MATH_CASES)
def test_bibtex_reads_math_as_the_markdown_plugin_does(text: str) -> None:
    """latex_text keeps as math what the page shows as math, no more and no less."""
    from sitegen.markup import _md

    tokens = _md(footnotes=False).parseInline(text, {})[0].children or []
    shown = [t.content for t in tokens if t.type.startswith("math_inline")]
    found = [m.group(1) or m.group(2) for m in cite._INLINE_MATH.finditer(text)]
    assert [math for math in found if math] == shown


@pytest.mark.parametrize(
    ("name", "inverted"),
    [
        ("Xingchao Liu", "Liu, Xingchao"),
        ("Daniel van der Berg", "van der Berg, Daniel"),
        ("Jean-Luc de la Cruz", "de la Cruz, Jean-Luc"),
        # a citations hunter's: BibTeX's von part ends at its last lower-case word
        ("Jean de La Fontaine", "de La Fontaine, Jean"),
        ("Maria de la Cruz Hernández", "de la Cruz Hernández, Maria"),
        ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
        ("Martin Luther King Jr.", "King, Jr., Martin Luther"),
        ("Zoë O'Brien", "O'Brien, Zoë"),
        ("李明", "李明"),
        # a hunter's: written with a space (田中 太郎), still family first: Scholar filed
        # the paper under 太郎, the given name
        ("田中 太郎", "田中, 太郎"),
        ("李 明", "李, 明"),
        ("Smith, John", "Smith, John"),
        # a comma before a suffix is no inversion; BibTeX's and RIS's orders are
        ("Guy L. Steele, Jr.", "Steele, Jr., Guy L."),
        ("Steele, Jr., Guy L.", "Steele, Jr., Guy L."),
        ("Steele, Guy L., Jr.", "Steele, Jr., Guy L."),
        # an organisation is one name, whatever commas it holds
        ("ATLAS Collaboration", "ATLAS Collaboration"),
        ("Barnes and Noble, Inc.", "Barnes and Noble, Inc."),
        # a people hunter's: Scholar printed "Research, Google"
        ("Google Research", "Google Research"),
        ("NVIDIA Labs", "NVIDIA Labs"),
    ],
)
def test_split_name(name: str, inverted: str) -> None:
    assert cite.split_name(name).inverted() == inverted


def test_a_cjk_name_is_printed_family_first_and_read_back_whole() -> None:
    """Chinese, Japanese and Korean names are written family first without a space, as
    profiles write them; split_name reads that one word as the literal it always has."""
    assert cite.Name("晓明", "王").printed() == "王晓明"
    assert cite.Name("太郎", "田中").printed() == "田中太郎"
    assert cite.Name("민준", "김").printed() == "김민준"
    assert cite.Name("Xiaoming", "Wang").printed() == "Xiaoming Wang"
    assert cite.Name("Ming", "李").printed() == "Ming 李"  # only a name wholly in those scripts
    assert cite.split_name("王晓明") == cite.Name("", "王晓明", literal=True)


def test_an_unspaced_title_gives_its_key_a_word_not_its_whole_reading() -> None:
    """An i18n hunter's: a Chinese or Japanese title, written without spaces, put its whole
    reading in the key (wangxiaoming2024jiyukuosanmoxingdetuxiangfengefangfayanjiu)."""
    zh = make_paper("基于扩散模型的图像分割方法研究", ("王晓明", "Lemeng Wu"), dt.date(2024, 1, 1))
    ja = make_paper("深層学習による日本語文書の要約", ("Taro Yamada",), dt.date(2023, 1, 1))
    assert cite.base_key(zh) == "wangxiaoming2024jiyu"
    assert cite.base_key(ja) == "yamada2023shenceng"
    mixed = make_paper("GAN による画像生成", ("Taro Yamada",), dt.date(2023, 1, 1))
    assert cite.base_key(mixed) == "yamada2023gan"  # a Latin first word stays whole


def test_citation_keys_are_unique_and_never_change_for_older_papers() -> None:
    a = make_paper("Deep Nets", ("Lemeng Wu",), dt.date(2020, 1, 1), "2020-deep-nets")
    b = make_paper("Deep Trees", ("Lemeng Wu",), dt.date(2020, 5, 1), "2020-deep-trees")
    c = make_paper("Towards Deep Graphs", ("Lemeng Wu",), dt.date(2020, 9, 1), "2020-graphs")
    keys = cite.citation_keys([c, b, a])
    assert keys == {"2020-deep-nets": "wu2020deep", "2020-deep-trees": "wu2020deepb",
                    "2020-graphs": "wu2020deepc"}  # fmt: skip
    newer = make_paper("Deep Again", ("Lemeng Wu",), dt.date(2020, 12, 1), "2020-deep-again")
    keys2 = cite.citation_keys([newer, c, b, a])
    assert {k: keys2[k] for k in keys} == keys
    assert keys2["2020-deep-again"] == "wu2020deepd"


def test_an_old_paper_added_later_takes_a_suffix_and_renames_no_key() -> None:
    """Keys go by the order papers came to the site (`added`), then by date: importing an
    older paper must not change the key of one that may already be cited."""
    first = make_paper("Deep Nets", ("Lemeng Wu",), dt.date(2020, 6, 1), "2020-deep-nets")
    first = dataclasses.replace(first, added=dt.date(2024, 1, 1))
    older = make_paper("Deep Trees", ("Lemeng Wu",), dt.date(2020, 1, 1), "2020-deep-trees")
    older = dataclasses.replace(older, added=dt.date(2025, 1, 1))
    assert cite.citation_keys([first]) == {"2020-deep-nets": "wu2020deep"}
    assert cite.citation_keys([older, first]) == {
        "2020-deep-nets": "wu2020deep",
        "2020-deep-trees": "wu2020deepb",
    }


def test_a_hand_written_paper_keeps_its_key_when_a_later_import_would_take_it(
    tmp_path: Path,
) -> None:
    """A paper written by hand has no `added` (the README's example has none); it was taken
    as the newest, so importing a paper with the same key renamed its published key."""
    site = ada_site(tmp_path)
    (site / "content" / "papers" / "2020-attention-is-great.md").write_text(
        "---\ntitle: Attention is Great\ndate: 2020-05-03\nauthors: [Ada Lovelace]\n---\nx\n",
        encoding="utf-8",
    )
    bib = tmp_path / "new.bib"
    bib.write_text(
        "@article{x, author = {Lovelace, Ada}, title = {Attention for Everyone},\n"
        "  journal = {J. Attention}, year = {2020}, month = jul}\n",
        encoding="utf-8",
    )
    out = site / "output" / "papers"

    def keys() -> dict[str, str]:
        run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
        entries = [parse_bib(p.read_text("utf-8")).entries[0] for p in out.glob("*/*.bib")]
        return {e["title"]: e.key for e in entries}

    assert keys() == {"{Attention is Great}": "lovelace2020attention"}
    run_cli("import", bib, "--site", site, "--as-of", AS_OF, check=True)
    assert keys() == {
        "{Attention is Great}": "lovelace2020attention",
        "{Attention for Everyone}": "lovelace2020attentionb",
    }


def test_drafting_the_paper_with_the_bare_key_moves_no_other_key(tmp_path: Path) -> None:
    """Drafting the paper that held `lovelace2020attention` gave that key to the other paper
    (`...attentionb` before): whoever cited the other got the draft's paper, and publishing
    the draft again moved it back."""
    site = ada_site(tmp_path)
    papers = site / "content" / "papers"
    for day, title in ((3, "Attention is Great"), (9, "Attention for Everyone")):
        slug = "2020-" + title.lower().replace(" ", "-")
        (papers / f"{slug}.md").write_text(
            f"---\ntitle: {title}\ndate: 2020-05-0{day}\nauthors: [Ada Lovelace]\n---\nx\n"
        )
    other = "2020-attention-for-everyone"
    bib = site / "output" / "papers" / other / f"{other}.bib"
    first = papers / "2020-attention-is-great.md"
    for drafted in (False, True):
        if drafted:
            first.write_text(first.read_text().replace("---\nx", "draft: true\n---\nx"))
        run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
        assert parse_bib(bib.read_text("utf-8")).entries[0].key == "lovelace2020attentionb"


def test_ris_names_put_the_suffix_last() -> None:
    """RIS's AU is `Lastname, Firstname, Suffix`: `King, Jr., Martin Luther` (BibTeX's
    order) gives a reference manager "Jr." as the given name."""
    paper = make_paper(authors=("Martin Luther King Jr.", "Daniel van der Berg", "李明"))
    authors = [
        line
        for line in cite.ris_record(paper, "https://x.org/").splitlines()
        if line.startswith("AU")
    ]
    assert authors == ["AU  - King, Martin Luther, Jr.", "AU  - van der Berg, Daniel", "AU  - 李明"]


def test_a_printed_suffix_is_split_off_in_every_citation(tmp_path: Path) -> None:
    """ "Guy L. Steele, Jr.", as papers print it, is family Steele, given Guy L., suffix Jr.
    in each format, not family "Guy L. Steele", given "Jr."."""
    site = ada_site(tmp_path)
    (site / "content" / "papers" / "p.md").write_text(
        '---\ntitle: Names\ndate: 2022-01-01\nauthors: ["Guy L. Steele, Jr."]\n---\nx\n',
        encoding="utf-8",
    )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    out = site / "output" / "papers" / "p"
    steele = parse_bib((out / "p.bib").read_text(encoding="utf-8")).entries[0]["author"][0]
    assert (steele.last, steele.jr, steele.first) == (["Steele"], ["Jr."], ["Guy", "L."])
    assert ("AU", "Steele, Guy L., Jr.") in ris_records((out / "p.ris").read_bytes().decode())[0]
    csl = json.loads((out / "p.json").read_text(encoding="utf-8"))[0]["author"]
    assert csl == [{"family": "Steele", "given": "Guy L.", "suffix": "Jr."}]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_author" content="Steele, Jr., Guy L.">' in html


def test_an_equal_contribution_mark_is_no_part_of_a_cited_name(tmp_path: Path) -> None:
    """`Ann Lee*`, `Bo Chen†`: the page shows the mark, which made "Lee*" and "Chen†" the
    family names in every citation format."""
    site = ada_site(tmp_path)
    authors = '["Ann Lee*", "Ada Lovelace*", "Bo Chen†", "Cy van Ng ‡"]'
    (site / "content" / "papers" / "p.md").write_text(
        f"---\ntitle: Names\ndate: 2022-01-01\nauthors: {authors}\n---\nx\n", encoding="utf-8"
    )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    out = site / "output" / "papers" / "p"
    inverted = ["Lee, Ann", "Lovelace, Ada", "Chen, Bo", "van Ng, Cy"]
    names = parse_bib((out / "p.bib").read_text(encoding="utf-8")).entries[0]["author"]
    assert [(n.last, n.first) for n in names] == [
        (["Lee"], ["Ann"]), (["Lovelace"], ["Ada"]), (["Chen"], ["Bo"]), (["Ng"], ["Cy"])
    ]  # fmt: skip
    record = ris_records((out / "p.ris").read_bytes().decode())[0]
    assert [v for k, v in record if k == "AU"] == inverted
    csl = json.loads((out / "p.json").read_text(encoding="utf-8"))[0]["author"]
    assert [a["family"] for a in csl] == ["Lee", "Lovelace", "Chen", "Ng"]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<meta name="citation_author" content="([^"]*)">', html) == inverted
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert [a["name"] for a in data["author"]] == [
        "Ann Lee",
        "Ada Lovelace",
        "Bo Chen",
        "Cy van Ng",
    ]


def test_an_organisation_is_one_author_in_every_citation(tmp_path: Path) -> None:
    """ "ATLAS Collaboration" and "Barnes and Noble, Inc." are authors as written: BibTeX
    read them as "Collaboration, A." and as family "Barnes and Noble", given "Inc.";
    CSL-JSON gives them as literal names."""
    site = ada_site(tmp_path)
    authors = '["Ada Lovelace", "ATLAS Collaboration", "Barnes and Noble, Inc."]'
    (site / "content" / "papers" / "p.md").write_text(
        f"---\ntitle: Names\ndate: 2022-01-01\nauthors: {authors}\n---\nx\n", encoding="utf-8"
    )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    out = site / "output" / "papers" / "p"
    entry = parse_bib((out / "p.bib").read_text(encoding="utf-8")).entries[0]
    assert [(a.last, a.first) for a in entry["author"][1:]] == [
        (["{ATLAS Collaboration}"], []),
        (["{Barnes and Noble, Inc.}"], []),
    ]
    record = ris_records((out / "p.ris").read_bytes().decode())[0]
    assert [v for k, v in record if k == "AU"][1:] == [
        "ATLAS Collaboration",
        "Barnes and Noble, Inc.",
    ]
    csl = json.loads((out / "p.json").read_text(encoding="utf-8"))[0]["author"]
    assert csl[1:] == [{"literal": "ATLAS Collaboration"}, {"literal": "Barnes and Noble, Inc."}]
    html = (out / "index.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert [a["@type"] for a in data["author"]] == ["Person", "Organization", "Organization"]


def test_keywords_are_on_one_line_in_every_citation(tmp_path: Path) -> None:
    """A tag may hold a newline (`"deep\\nlearning"` in YAML): CSL-JSON's `keyword` and
    citation_keywords kept it, unlike every other field; no keyword at all is left out."""
    site = ada_site(tmp_path)
    for slug, tags in (("p", r'["deep\nlearning", "a\tb"]'), ("q", "[]")):
        (site / "content" / "papers" / f"{slug}.md").write_text(
            f"---\ntitle: T {slug}\ndate: 2022-01-01\nauthors: [Ada Lovelace]\n"
            f"tags: {tags}\n---\nx\n",
            encoding="utf-8",
        )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    out = site / "output" / "papers"
    assert (
        json.loads((out / "p" / "p.json").read_text("utf-8"))[0]["keyword"] == "deep learning, a b"
    )
    assert "keyword" not in json.loads((out / "q" / "q.json").read_text("utf-8"))[0]
    html = (out / "p" / "index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_keywords" content="deep learning; a b">' in html
    assert "citation_keywords" not in (out / "q" / "index.html").read_text(encoding="utf-8")


def test_a_year_before_1000_is_written_with_four_digits_in_every_citation(tmp_path: Path) -> None:
    """strftime's %Y gave 999/03/04 on glibc (and 0999/03/04 with other C libraries), so
    the RIS date and citation_publication_date depended on the platform."""
    site = ada_site(tmp_path)
    (site / "content" / "papers" / "p.md").write_text(
        "---\ntitle: Old\ndate: 0999-03-04\nauthors: [Ada Lovelace]\n---\nx\n", encoding="utf-8"
    )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    out = site / "output" / "papers" / "p"
    assert ("DA", "0999/03/04/") in ris_records((out / "p.ris").read_bytes().decode())[0]
    html = (out / "index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_publication_date" content="0999/03/04">' in html
    assert 'datetime="0999-03-04"' in html


# type -> (BibTeX entry type, its venue field; RIS TY, its venue tag; CSL-JSON type, its
# venue variable; Google Scholar's venue tag; JSON-LD's venue property and @type)
CITED_TYPES = {
    "article": ("article", "journal", "JOUR", "JO", "article-journal", "container-title",
                "citation_journal_title", "isPartOf", "Periodical"),
    "conference": ("inproceedings", "booktitle", "CPAPER", "T2", "paper-conference",
                   "container-title", "citation_conference_title", "isPartOf", "CreativeWork"),
    "preprint": ("misc", "howpublished", "UNPB", "PB", "article", "publisher",
                 "citation_publisher", "publisher", "Organization"),
    "book": ("book", "publisher", "BOOK", "PB", "book", "publisher", "citation_publisher",
             "publisher", "Organization"),
    "chapter": ("incollection", "booktitle", "CHAP", "T2", "chapter", "container-title",
                "citation_inbook_title", "isPartOf", "Book"),
    "thesis": ("phdthesis", "school", "THES", "PB", "thesis", "publisher",
               "citation_dissertation_institution", "publisher", "Organization"),
    "masters": ("mastersthesis", "school", "THES", "PB", "thesis", "publisher",
                "citation_dissertation_institution", "publisher", "Organization"),
    "report": ("techreport", "institution", "RPRT", "PB", "report", "publisher",
               "citation_technical_report_institution", "publisher", "Organization"),
    "misc": ("misc", "howpublished", "GEN", "PB", "document", "publisher", "citation_publisher",
             None, None),
    # no `type`: as before the key existed, an article when it has a venue
    None: ("article", "journal", "JOUR", "JO", "article-journal", "container-title",
           "citation_journal_title", "isPartOf", "Periodical"),
}  # fmt: skip
# a thesis's degree, RIS's M3 and CSL's genre: a master's thesis was cited as a PhD thesis
DEGREES = {"thesis": "PhD thesis", "masters": "Master's thesis"}


def test_each_type_is_cited_as_what_it_is_in_every_format(tmp_path: Path) -> None:
    """Every paper with a venue was cited as a journal article (`@article`, `JOUR`,
    `article-journal`, citation_journal_title, a Periodical): a conference paper, chapter
    or thesis went into readers' libraries as a wrong record. Each type's entry type and
    venue field, and no other venue field, in each format; a paper without `type` as before.
    A thesis says its degree where RIS and CSL have no type for it."""
    site = ada_site(tmp_path)
    for kind in CITED_TYPES:
        line = f"type: {kind}\n" if kind else ""
        (site / "content" / "papers" / f"p-{kind or 'untyped'}.md").write_text(
            f"---\ntitle: A {kind}\ndate: 2022-01-01\nauthors: [Ada Lovelace]\n{line}"
            f"venue: Venue of {kind}\n---\nx\n",
            encoding="utf-8",
        )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    venues = {"journal", "booktitle", "howpublished", "publisher", "school", "institution"}
    for kind, (bib, field, ty, tag, csl, variable, meta, ld, ld_type) in CITED_TYPES.items():
        slug, venue = f"p-{kind or 'untyped'}", f"Venue of {kind}"
        out = site / "output" / "papers" / slug
        entry = parse_bib((out / f"{slug}.bib").read_text(encoding="utf-8")).entries[0]
        assert (entry.entry_type, entry[field]) == (bib, venue), kind
        assert venues & set(entry.fields_dict) == {field}, kind
        record = ris_records((out / f"{slug}.ris").read_bytes().decode())[0]
        assert record[0] == ("TY", ty) and [k for k, v in record if v == venue] == [tag], kind
        assert dict(record).get("M3") == DEGREES.get(kind or ""), kind
        item = json.loads((out / f"{slug}.json").read_text(encoding="utf-8"))[0]
        assert (item["type"], item[variable]) == (csl, venue), kind
        assert [k for k, v in item.items() if v == venue] == [variable], kind
        assert item.get("genre") == DEGREES.get(kind or ""), kind
        html = (out / "index.html").read_text(encoding="utf-8")
        assert re.findall(rf'<meta name="(citation_\w+)" content="{venue}">', html) == [meta]
        data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
        found = [
            (k, v["@type"])
            for k, v in data.items()
            if isinstance(v, dict) and v.get("name") == venue
        ]
        assert found == ([(ld, ld_type)] if ld else []), kind
        # and what it is: schema.org has a type for each that is no article
        own = {"book": "Book", "chapter": "Chapter", "thesis": "Thesis", "masters": "Thesis",
               "report": "Report"}  # fmt: skip
        assert data["@type"] == own.get(kind, "ScholarlyArticle"), kind


def test_a_type_without_its_venue_is_a_bibtex_misc_and_keeps_its_type_elsewhere(
    tmp_path: Path,
) -> None:
    """BibTeX requires each type's venue field but @misc's: an @inproceedings without its
    booktitle, a @phdthesis without its school made BibTeX warn, and some tools refuse such
    an entry. RIS and CSL-JSON require no venue, so they still say what the paper is."""
    site = ada_site(tmp_path)
    for kind in PAPER_TYPES:
        (site / "content" / "papers" / f"p-{kind}.md").write_text(
            f"---\ntitle: A {kind}\ndate: 2022-01-01\nauthors: [Ada Lovelace]\ntype: {kind}\n"
            "doi: 10.1234/x\n---\nx\n",
            encoding="utf-8",
        )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    for kind in PAPER_TYPES:
        _, _, ty, _, csl, *_ = CITED_TYPES[kind]
        out = site / "output" / "papers" / f"p-{kind}"
        entry = parse_bib((out / f"p-{kind}.bib").read_text(encoding="utf-8")).entries[0]
        assert entry.entry_type == "misc", kind
        fields = {"author", "title", "year", "month", "url", "doi"}
        assert set(entry.fields_dict) == fields, kind
        assert ris_records((out / f"p-{kind}.ris").read_bytes().decode())[0][0] == ("TY", ty)
        assert json.loads((out / f"p-{kind}.json").read_text(encoding="utf-8"))[0]["type"] == csl


def reimported(site: Path, tmp_path: Path) -> Iterator[tuple[str, dict[str, dict]]]:
    """The built site's publications.bib, .ris and .json, each imported into a fresh site:
    (its extension, that site's papers' front matter by slug)."""
    for ext in ("bib", "ris", "json"):
        other = ada_site(tmp_path / ext)
        export = site / "output" / f"publications.{ext}"
        run_cli("import", export, "--site", other, "--as-of", AS_OF, check=True)
        yield ext, papers_by_slug(other)


def test_a_sites_citation_files_import_into_another_site_with_each_type_and_venue(
    tmp_path: Path,
) -> None:
    """One site's publications.bib, .ris and .json read into another lost what the
    citations wrote: a misc's or preprint's BibTeX `howpublished`, and a preprint's or
    misc's RIS `PB` and CSL `publisher`, were never read back as its venue. Each type and
    venue comes back from each file, but for a preprint in BibTeX, which cites it as the
    @misc it takes for a misc (one with an arXiv id comes back a preprint). A master's
    thesis came back a doctoral one: @mastersthesis, RIS's M3 and CSL's genre say it."""
    site = ada_site(tmp_path)
    papers = {f"A {kind}": (kind, "") for kind in PAPER_TYPES}
    papers["An arXiv preprint"] = ("preprint", "arxiv: 2201.00001\n")
    for i, (title, (kind, more)) in enumerate(papers.items()):
        (site / "content" / "papers" / f"p{i}.md").write_text(
            f"---\ntitle: {title}\ndate: 2022-01-01\nauthors: [Ada Lovelace]\ntype: {kind}\n"
            f"venue: Venue of {kind}\n{more}---\nx\n",
            encoding="utf-8",
        )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    for ext, imported in reimported(site, tmp_path):
        found = {fm["title"]: (fm.get("type"), fm.get("venue")) for fm in imported.values()}
        assert found == {
            title: ("misc" if (ext, title) == ("bib", "A preprint") else kind, f"Venue of {kind}")
            for title, (kind, _) in papers.items()
        }, ext


def test_a_sites_citation_files_give_back_its_titles_venues_and_et_al(tmp_path: Path) -> None:
    """A site's publications.bib, .ris and .json read into another gave back other titles:
    the .bib wrote `--` bare, which TeX (and the reader) make an en dash, and its reader
    read `\\$` as a bare `$`, a pair of them math; CSL-JSON wrote `<` and `&` bare, which
    its readers take as HTML (`<i>` became italics, `<script>` went), in a venue too. And
    the .ris and .json lost `et_al`. A `$` pair in RIS's or CSL-JSON's plain text is math,
    as on arXiv: only BibTeX tells a dollar sign from it."""
    site = ada_site(tmp_path)
    papers = {  # date -> (title as an import writes it, et_al, venue)
        "2022-01-01": (r"Book about \$5 and 3$\times$ speed", True, None),
        "2022-01-02": (
            r"Bounds for \<i>x\</i> if x\<y>z, \<script>alert(1)\</script> AT&T",
            False,
            "Proc. of X & Z <b>",
        ),
        "2022-01-03": (r"Arrows --> and \<!-- comments --- a-b", True, None),
    }
    for date, (title, et_al, venue) in papers.items():
        (site / "content" / "papers" / f"{date}.md").write_text(
            f"---\ntitle: {json.dumps(title)}\ndate: {date}\nauthors: [Ada Lovelace, Bo Chen]\n"
            f"et_al: {str(et_al).lower()}\nvenue: {json.dumps(venue)}\n---\nx\n",
            encoding="utf-8",
        )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    for ext, imported in reimported(site, tmp_path):
        found = {
            fm["title"]: (fm["authors"], fm["et_al"], fm.get("venue"))
            for fm in imported.values()
            if ext == "bib" or "$" not in fm["title"]
        }
        assert found == {
            title: (["Ada Lovelace", "Bo Chen"], et_al, venue)
            for title, et_al, venue in papers.values()
            if ext == "bib" or "$" not in title
        }, ext


def test_a_paper_page_says_what_the_paper_is_when_its_file_does(tmp_path: Path) -> None:
    """In the kicker, before the venue; a file without `type` shows what it did (its page
    would call every paper with a venue a journal article), and misc says nothing."""
    site = ada_site(tmp_path)
    for kind in ("conference", "thesis", "masters", "misc", "untyped"):
        line = f"type: {kind}\n" if kind != "untyped" else ""
        (site / "content" / "papers" / f"p-{kind}.md").write_text(
            f"---\ntitle: A {kind}\ndate: 2022-01-01\nauthors: [Ada Lovelace]\n{line}"
            f"venue: Venue of {kind}\n---\nx\n",
            encoding="utf-8",
        )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)

    def kicker(kind: str) -> str:
        html = (site / "output" / "papers" / f"p-{kind}" / "index.html").read_text()
        return parse(re.search(r'<p class="kicker".*?</p>', html, re.S).group()).text  # type: ignore[union-attr]

    assert kicker("conference").endswith("1 January 2022 · Conference paper · Venue of conference")
    assert kicker("thesis").endswith("2022 · Thesis · Venue of thesis")
    assert kicker("masters").endswith("2022 · Master's thesis · Venue of masters")
    assert kicker("misc").endswith("1 January 2022 · Venue of misc")
    assert kicker("untyped").endswith("1 January 2022 · Venue of untyped")


@pytest.mark.parametrize(
    ("written", "message"),
    [("conferance", "'conferance' is not a paper type: did you mean 'conference'?"),
     ("Article", "'Article' is not a paper type: did you mean 'article'?"),
     ("mastersthesis", "'mastersthesis' is not a paper type: did you mean 'masters'?"),
     ("inproceedings", "'inproceedings' is not a paper type: one of article, conference, "
      "preprint, book, chapter, thesis, masters, report, misc")],
)  # fmt: skip
def test_an_unknown_type_is_an_error_at_its_line(
    tmp_path: Path, written: str, message: str
) -> None:
    site = ada_site(tmp_path)
    (site / "content" / "papers" / "p.md").write_text(
        f"---\ntitle: T\ndate: 2022-01-01\nauthors: [Ada Lovelace]\ntype: {written}\n---\nx\n",
        encoding="utf-8",
    )
    result = run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"content/papers/p.md:5: type: {message}" in result.stderr


# ---------------------------------------------------------------- volume, issue, pages, publisher

# a citations hunter's refs.bib: a journal article and a chapter, each placed in its venue
HUNTERS_BIB = r"""@article{lovelace2021note, author={Lovelace, Ada and Babbage, Charles},
  title={Notes on the Analytical Engine}, journal={Journal of Machine Learning Research},
  volume={22}, number={105}, pages={1--35}, year={2021}, publisher={JMLR},
  doi={10.5555/jmlr.2021.105}}
@incollection{lovelace2018chap, author={Lovelace, Ada}, title={A Chapter on Engines},
  booktitle={Handbook of Engines}, editor={Smith, John and Doe, Jane}, publisher={Springer},
  address={Cham}, pages={45--67}, year={2018}}
"""
PLACED = ("volume", "issue", "pages", "publisher")


def placed(fm: dict) -> dict:
    return {k: fm[k] for k in PLACED if k in fm}


def test_a_bib_files_volume_issue_pages_and_publisher_are_imported(tmp_path: Path) -> None:
    """They were dropped on import, so a journal article had none anywhere, and citation
    styles print a journal article without volume or pages as "[Preprint]"; the chapter
    lost the publisher BibTeX requires of an @incollection."""
    site = ada_site(tmp_path)
    (tmp_path / "refs.bib").write_text(HUNTERS_BIB, encoding="utf-8")
    run_cli("import", tmp_path / "refs.bib", "--site", site, "--as-of", AS_OF, check=True)
    found = {fm["title"]: placed(fm) for fm in papers_by_slug(site).values()}
    assert found == {
        "Notes on the Analytical Engine": {
            "volume": "22", "issue": "105", "pages": "1–35", "publisher": "JMLR"
        },
        "A Chapter on Engines": {"pages": "45–67", "publisher": "Springer"},
    }  # fmt: skip
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    lib = parse_bib((site / "output" / "publications.bib").read_text(encoding="utf-8"))
    chapter = next(e for e in lib.entries if e.entry_type == "incollection")
    assert (chapter["publisher"], chapter["pages"]) == ("Springer", "45--67")


def test_a_volume_and_pages_come_only_with_their_own_venue(tmp_path: Path) -> None:
    """They say where in its venue a paper is: a journal's volume never fills in a file
    that names a conference, and DBLP's CoRR `volume = {abs/...}` (an arXiv id) is none."""
    site = ada_site(tmp_path)
    (site / "content" / "papers" / "notes.md").write_text(
        "---\ntitle: Notes on the Analytical Engine\ndate: 2021\nauthors: [Ada Lovelace]\n"
        "type: conference\nvenue: NeurIPS\n---\nx\n",
        encoding="utf-8",
    )
    (tmp_path / "refs.bib").write_text(
        HUNTERS_BIB + "@article{corr, author={Lovelace, Ada}, title={On Bernoulli Numbers}, "
        "journal={CoRR}, volume={abs/2212.06244}, year={2022}}\n",
        encoding="utf-8",
    )
    run_cli("import", tmp_path / "refs.bib", "--site", site, "--as-of", AS_OF, check=True)
    found = {fm["title"]: placed(fm) for fm in papers_by_slug(site).values()}
    assert found["Notes on the Analytical Engine"] == {}
    assert found["On Bernoulli Numbers"] == {}


def ris_fields(text: str) -> list[dict[str, object]]:
    """RIS records as rispy reads them, or as tag -> value where it is not installed."""
    try:
        import rispy
    except ImportError:
        return [dict(r) for r in ris_records(text)]
    names = {
        "volume": "VL",
        "number": "IS",
        "start_page": "SP",
        "end_page": "EP",
        "publisher": "PB",
    }
    return [{names.get(k, k): v for k, v in e.items()} for e in rispy.loads(text)]


def test_volume_issue_pages_and_publisher_reach_every_citation(tmp_path: Path) -> None:
    """Written by hand they were unknown keys (`paper.extra`), in no citation: no BibTeX
    `volume`, RIS `VL`, CSL `page` or citation_volume tag. Bare numbers are read as
    written; an article number has no last page; a book's publisher is its venue, once."""
    site = ada_site(tmp_path)
    papers = site / "content" / "papers"
    (papers / "jmlr.md").write_text(
        "---\ntitle: Notes on the Analytical Engine\ndate: 2021\nauthors: [Ada Lovelace]\n"
        "venue: Journal of Machine Learning Research\nvolume: 22\nissue: 105\n"
        "pages: 1--35\npublisher: JMLR\n---\nx\n",
        encoding="utf-8",
    )
    (papers / "plos.md").write_text(
        "---\ntitle: An Article Number\ndate: 2020\nauthors: [Ada Lovelace]\n"
        "venue: PLOS ONE\nvolume: 015\npages: e1002\n---\nx\n",
        encoding="utf-8",
    )
    (papers / "book.md").write_text(
        "---\ntitle: A Book\ndate: 2019\nauthors: [Ada Lovelace]\ntype: book\n"
        "venue: Springer\npublisher: Springer\n---\nx\n",
        encoding="utf-8",
    )
    result = run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    assert "unknown key" not in result.stderr
    out = site / "output"
    for name in ("jmlr", "publications"):  # the paper's own files and the site's, alike
        where = out / "papers" / "jmlr" if name == "jmlr" else out
        bib = parse_bib((where / f"{name}.bib").read_text(encoding="utf-8"))
        entry = next(e for e in bib.entries if e["title"].startswith("{Notes"))
        assert [entry[k] for k in ("volume", "number", "pages", "publisher")] == [
            "22", "105", "1--35", "JMLR"
        ]  # fmt: skip
        ris = ris_fields((where / f"{name}.ris").read_bytes().decode())
        record = next(r for r in ris if r.get("VL") == "22")
        assert [record[k] for k in ("VL", "IS", "SP", "EP", "PB")] == [
            "22",
            "105",
            "1",
            "35",
            "JMLR",
        ]
        items = json.loads((where / f"{name}.json").read_text(encoding="utf-8"))
        item = next(i for i in items if i["title"].startswith("Notes"))
        assert [item[k] for k in ("volume", "issue", "page", "publisher")] == [
            "22", "105", "1-35", "JMLR"
        ]  # fmt: skip
    html = (out / "papers" / "jmlr" / "index.html").read_text(encoding="utf-8")
    meta = dict(re.findall(r'<meta name="(citation_\w+)" content="([^"]*)">', html))
    assert {k: meta.get(f"citation_{k}") for k in ("volume", "issue", "firstpage", "lastpage", "publisher")} == {  # noqa: E501
        "volume": "22", "issue": "105", "firstpage": "1", "lastpage": "35", "publisher": "JMLR"
    }  # fmt: skip
    data = json.loads(re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1))  # type: ignore[union-attr]
    assert data["pagination"] == "1–35" and data["publisher"]["name"] == "JMLR"
    issue = data["isPartOf"]
    assert (issue["@type"], issue["issueNumber"]) == ("PublicationIssue", "105")
    volume = issue["isPartOf"]
    assert (volume["@type"], volume["volumeNumber"]) == ("PublicationVolume", "22")
    assert volume["isPartOf"] == {
        "@type": "Periodical",
        "name": "Journal of Machine Learning Research",
    }  # noqa: E501
    kicker = parse(re.search(r'<p class="kicker".*?</p>', html, re.S).group()).text  # type: ignore[union-attr]
    assert kicker.endswith("2021 · Journal of Machine Learning Research 22(105), 1–35")
    # an article number, and a volume written with a leading zero
    plos = out / "papers" / "plos"
    entry = parse_bib((plos / "plos.bib").read_text(encoding="utf-8")).entries[0]
    assert (entry["volume"], entry["pages"]) == ("015", "e1002")
    record = ris_records((plos / "plos.ris").read_bytes().decode())[0]
    assert [v for k, v in record if k in ("SP", "EP")] == ["e1002"]
    html = (plos / "index.html").read_text(encoding="utf-8")
    assert '<meta name="citation_firstpage" content="e1002">' in html
    assert "citation_lastpage" not in html
    # a book's venue is its publisher: said once in each format
    book = out / "papers" / "book"
    assert (book / "book.bib").read_text(encoding="utf-8").count("Springer") == 1
    assert [
        k for k, v in ris_records((book / "book.ris").read_bytes().decode())[0] if v == "Springer"
    ] == ["PB"]  # noqa: E501
    assert (
        json.loads((book / "book.json").read_text(encoding="utf-8"))[0]["publisher"] == "Springer"
    )
    html = (book / "index.html").read_text(encoding="utf-8")
    assert html.count('<meta name="citation_publisher" content="Springer">') == 1


def test_a_sites_citation_files_give_back_volume_issue_pages_and_publisher(
    tmp_path: Path,
) -> None:
    """A site's publications.bib, .ris and .json imported into another keep them, as they
    keep each type and venue."""
    site = ada_site(tmp_path)
    (site / "content" / "papers" / "jmlr.md").write_text(
        "---\ntitle: Notes on the Analytical Engine\ndate: 2021\nauthors: [Ada Lovelace]\n"
        "type: article\nvenue: Journal of Machine Learning Research\nvolume: 22\n"
        "issue: 105\npages: 1-35\npublisher: JMLR\n---\nx\n",
        encoding="utf-8",
    )
    (site / "content" / "papers" / "chapter.md").write_text(
        "---\ntitle: A Chapter on Engines\ndate: 2018\nauthors: [Ada Lovelace]\n"
        "type: chapter\nvenue: Handbook of Engines\npages: e45\npublisher: Springer\n---\nx\n",
        encoding="utf-8",
    )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    for ext, imported in reimported(site, tmp_path):
        found = {fm["title"]: placed(fm) for fm in imported.values()}
        assert found == {
            "Notes on the Analytical Engine": {
                "volume": "22", "issue": "105", "pages": "1–35", "publisher": "JMLR"
            },
            "A Chapter on Engines": {"pages": "e45", "publisher": "Springer"},
        }, ext  # fmt: skip


def test_a_volume_issue_pages_or_publisher_of_the_wrong_type_is_refused_at_its_line(
    tmp_path: Path,
) -> None:
    site = ada_site(tmp_path)
    (site / "content" / "papers" / "p.md").write_text(
        "---\ntitle: T\ndate: 2022\nauthors: [Ada Lovelace]\nvolume: [22]\nissue:\n"
        "  - 105\npages: {first: 1, last: 35}\npublisher: true\n---\nx\n",
        encoding="utf-8",
    )
    result = run_cli("check", "--site", site)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    said = result.stdout + result.stderr
    for line, problem in (
        (5, "volume: must be one value such as 22, not [22]"),
        (6, "issue: must be one value such as 105, not [105]"),
        (8, "pages: must be one value such as 1--35 or e1002, not {'first': 1, 'last': 35}"),
        (9, "publisher: must be one value such as Springer, not True"),
    ):
        assert f"content/papers/p.md:{line}: {problem}" in said


def test_citation_keys_never_run_out() -> None:
    """b to z and aa to zz make 701 more: a site with more papers of one first author, year
    and first word (a series of reports, say) crashed the build."""
    papers = [
        make_paper(f"Results {i}", ("Ann Smith",), dt.date(2020, 1, 1), f"2020-results-{i:04d}")
        for i in range(705)
    ]
    by_slug = cite.citation_keys(papers)
    keys = [by_slug[p.slug] for p in papers]
    assert len(set(keys)) == 705
    assert keys[:3] == ["smith2020results", "smith2020resultsb", "smith2020resultsc"]
    assert keys[701:] == [
        "smith2020resultszz",
        *(f"smith2020results{s}" for s in ("aaa", "aab", "aac")),
    ]


def test_key_is_ascii_from_family_name_year_and_first_significant_word() -> None:
    p = make_paper("On the $O(n)$ Rodríguez-Net: a study", ("José Rodríguez",))
    assert cite.base_key(p) == "rodriguez2022rodriguez"
    p = make_paper("Let us Build Bridges", ("Xingchao Liu", "Lemeng Wu"))
    assert cite.base_key(p) == "liu2022build"
    p = make_paper("Graphs", ("李明",))
    assert cite.base_key(p) == "liming2022graphs"


def test_hostile_entry_parses_and_keeps_its_meaning() -> None:
    title = r"}} @misc{evil, title={x} & 100% $\frac{a}{b}$ #1 ~ ^ \ _"
    p = make_paper(title, ("Ann and Bob", "Daniel van der Berg"), et_al=True, venue="J. {ML}")
    entry = cite.bibtex_entry(p, "k2022", "https://example.org/papers/x/")
    lib = parse_bib(entry)
    assert len(lib.entries) == 1
    e = lib.entries[0]
    assert e.entry_type == "article"
    assert e["title"].startswith("{") and e["title"].endswith("}")
    assert r"$\frac{a}{b}$" in e["title"] and r"\&" in e["title"] and r"100\%" in e["title"]
    names = e["author"]
    assert len(names) == 3  # "and" inside a name does not split it
    assert "{and}" in " ".join(names[0].first + names[0].last)
    assert names[1].von == ["van", "der"] and names[1].last == ["Berg"]
    assert names[2].last == ["others"]


def bibtex_balanced(value: str) -> bool:
    """Balanced as BibTeX reads a field: every brace counts, `\\{` too."""
    depths = list(accumulate({"{": 1, "}": -1}.get(c, 0) for c in value))
    return min(depths, default=0) >= 0 and sum({"{": 1, "}": -1}.get(c, 0) for c in value) == 0


def test_a_lone_brace_leaves_every_field_balanced_for_bibtex(tmp_path: Path) -> None:
    """`\\{` is a brace to BibTeX: a lone `{` written that way left the field open, and
    BibTeX read the entries after it into it (bibtexparser, which skips `\\{`, did not)."""
    site = ada_site(tmp_path)
    papers = {  # slug -> (title, venue, tag, an author); the newest is written first
        "p1": ("Sets like {x in a title", "J. {ML", "{tag", "Ann {Lee"),
        "p2": ("Closing } brace", "J. ML}", "tag}", "Bo Chen}"),
        "p3": (r"Math $\{x$ with one", None, None, "Cy Ng"),
    }
    for day, (slug, (title, venue, tag, name)) in enumerate(papers.items(), 2):
        extra = (f"venue: {json.dumps(venue)}\ntags: [{json.dumps(tag)}]\n") if venue else ""
        (site / "content" / "papers" / f"{slug}.md").write_text(
            f"---\ntitle: {json.dumps(title)}\ndate: 2022-01-0{day}\n{extra}"
            f"authors: [{json.dumps(name)}]\n---\nx\n",
            encoding="utf-8",
        )
    (site / "content" / "papers" / "last.md").write_text(
        "---\ntitle: Second paper\ndate: 2021-01-01\nauthors: [Ada Lovelace]\n---\nx\n",
        encoding="utf-8",
    )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    lib = bibtexparser.parse_string((site / "output" / "publications.bib").read_text("utf-8"))
    assert not lib.failed_blocks and len(lib.entries) == 4
    for e in lib.entries:
        for f in e.fields:
            assert bibtex_balanced(f.value), (e.key, f.key, f.value)
    assert r"$\{x$" not in lib.entries[2]["title"]  # kept as math, it was a lone brace
    last = {f.key: f.value for f in lib.entries[3].fields}
    assert (last["title"], last["author"], last["year"]) == (
        "{Second paper}",
        "Lovelace, Ada",
        "2021",
    )
    # and sitegen's own import reads the braces back
    again = tmp_path / "again"
    (again / "content").mkdir(parents=True)
    (again / "content" / "profile.yaml").write_text("name: Ada Lovelace\n", encoding="utf-8")
    run_cli(
        "import",
        site / "output" / "publications.bib",
        "--site",
        again,
        "--as-of",
        AS_OF,
        check=True,
    )
    titles = {d["title"] for d in papers_by_slug(again).values()}
    assert titles == {title for title, *_ in papers.values()} | {"Second paper"}


def test_a_markdown_title_is_cited_as_the_text_the_page_shows(tmp_path: Path) -> None:
    """Markdown in a title was copied raw into .bib, .ris and .json (`*Drosophila*`, a
    link's URL, `AT&amp;T`, `\\$5`), while citation_title already gave its text. BibTeX
    keeps emphasis as \\emph and math as math; `\\$5 ... \\$6` is no math."""
    site = ada_site(tmp_path)
    title = (  # and a bidi override as an entity, which markdown-it decodes after cleaning
        r"Gene regulation in *Drosophila* costs \$5 at AT&amp;T with [links](https://x.org)"
        r" in $O(n^2)$ and \$6&#x202E;"
    )
    (site / "content" / "papers" / "p.md").write_text(
        f"---\ntitle: {json.dumps(title)}\ndate: 2019-05-03\nauthors: [Ada Lovelace]\n---\nx\n",
        encoding="utf-8",
    )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    out = site / "output"
    text = "Gene regulation in Drosophila costs $5 at AT&T with links in $O(n^2)$ and $6"
    entry = parse_bib((out / "publications.bib").read_text(encoding="utf-8")).entries[0]
    assert entry["title"] == (
        r"{Gene regulation in \emph{Drosophila} costs \$5 at AT\&T with links in $O(n^2)$ and \$6}"
    )
    assert ("TI", text) in ris_records((out / "publications.ris").read_bytes().decode())[0]
    csl_title = json.loads((out / "publications.json").read_text(encoding="utf-8"))[0]["title"]
    assert csl_title == text.replace("&", "&amp;")  # CSL-JSON's rich text is HTML
    html = (out / "papers" / "p" / "index.html").read_text(encoding="utf-8")
    assert r"\emph{Drosophila}" in html and "https://x.org" not in html.split('class="cite"')[1]
    assert "\u202e" not in html + (out / "publications.bib").read_text(encoding="utf-8")


# ---------------------------------------------------------------- the example site


def test_publications_bib_parses_and_matches_the_papers(
    example_site: Path, example_output: Path
) -> None:
    papers = papers_by_slug(example_site)
    lib = parse_bib((example_output / "publications.bib").read_text(encoding="utf-8"))
    assert len(lib.entries) == len(papers) == 32
    keys = [e.key for e in lib.entries]
    assert len(set(keys)) == len(keys)
    for e in lib.entries:
        assert re.fullmatch(r"[a-z]+\d{4}[a-z0-9]+", e.key), e.key
        assert e.entry_type in ("misc", "article")
        slug = e["url"].removeprefix(BASE_URL + "papers/").rstrip("/")
        data = papers[slug]
        assert e["url"] == f"{BASE_URL}papers/{slug}/"
        date = data["date"]
        assert e["year"] == str(date.year)
        assert e["month"] == cite.MONTH_MACROS[date.month - 1]
        assert e["title"] == "{" + cite.latex_title(data["title"]) + "}"
        assert e["keywords"].split(", ")[0] == cite.arxiv_subject(data["topic"])
        names = e["author"]
        expected = list(data["authors"] or [])
        if data.get("et_al") or not expected:
            assert names[-1].last == ["others"]
            names = names[:-1]
        assert len(names) == len(expected)
        for parts, name in zip(names, expected, strict=True):
            assert " ".join(parts.last) == name.split()[-1], (parts, name)
        # the page shows the same entry, and offers its file
        page = parse(example_output / "papers" / slug / "index.html")
        bib_file = example_output / "papers" / slug / f"{slug}.bib"
        assert bib_file.is_file()
        link = page.find("a", href=f"../../papers/{slug}/{slug}.bib")
        assert link and "download" in link[0]
    first = lib.entries[0]
    assert first.key.startswith("fei2026small")


def test_every_per_paper_bib_parses_and_agrees_with_the_site_file(example_output: Path) -> None:
    site = {e.key: e for e in parse_bib((example_output / "publications.bib").read_text()).entries}
    files = sorted((example_output / "papers").glob("*/*.bib"))
    assert len(files) == 32
    for path in files:
        lib = parse_bib(path.read_text(encoding="utf-8"))
        assert len(lib.entries) == 1, path
        e = lib.entries[0]
        assert {f.key: f.value for f in e.fields} == {f.key: f.value for f in site[e.key].fields}


def test_bibtex_is_shown_on_the_page_as_text_with_no_button_without_js(
    example_output: Path,
) -> None:
    path = next((example_output / "papers").glob("*/index.html"))
    html = path.read_text(encoding="utf-8")
    m = re.search(r'<pre class="bibtex"[^>]*data-copy[^>]*><code>(.*?)</code></pre>', html, re.S)
    assert m, "no BibTeX block"
    import html as htmllib

    bib_file = next(path.parent.glob("*.bib"))
    assert htmllib.unescape(m.group(1)) == bib_file.read_text(encoding="utf-8")
    start = html.index('<section class="cite"')
    cite_section = html[start : html.index("</section>", start)]
    assert "<button" not in cite_section  # the copy button is added by copy.js only
    assert re.search(r'<script src="../../assets/copy\.[0-9a-f]{10}\.js" defer></script>', html)


def test_ris_records(example_site: Path, example_output: Path) -> None:
    papers = papers_by_slug(example_site)
    raw = (example_output / "publications.ris").read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    records = ris_records(raw.decode("utf-8"))
    assert len(records) == 32
    for rec in records:
        tags = [t for t, _ in rec]
        assert tags[0] == "TY" and tags[-1] == "ER"
        fields = dict(rec)
        assert fields["TY"] in ("GEN", "JOUR")
        slug = fields["UR"].removeprefix(BASE_URL + "papers/").rstrip("/")
        data = papers[slug]
        assert fields["TI"] == plain_inline(data["title"])
        assert fields["PY"] == str(data["date"].year)
        assert fields["DA"] == data["date"].isoformat().replace("-", "/") + "/"
        assert [v for t, v in rec if t == "AU"] == [
            cite.split_name(n).inverted() for n in data["authors"]
        ]
        assert "\n" not in fields["AB"] and fields["AB"]
        assert cite.arxiv_subject(data["topic"]) in [v for t, v in rec if t == "KW"]
        one = ris_records((example_output / "papers" / slug / f"{slug}.ris").read_bytes().decode())
        assert one == [rec]


def test_csl_json(example_site: Path, example_output: Path) -> None:
    papers = papers_by_slug(example_site)
    items = json.loads((example_output / "publications.json").read_text(encoding="utf-8"))
    assert isinstance(items, list) and len(items) == 32
    ids = [i["id"] for i in items]
    assert len(set(ids)) == 32
    for item in items:
        assert item["type"] in ("article", "article-journal")
        slug = item["URL"].removeprefix(BASE_URL + "papers/").rstrip("/")
        data = papers[slug]
        assert item["title"] == plain_inline(data["title"])
        d = data["date"]
        assert item["issued"] == {"date-parts": [[d.year, d.month, d.day]]}
        # et al. as Pandoc writes BibTeX's "and others"
        others = [{"literal": "others"}] if data["et_al"] else []
        assert item["author"][len(data["authors"]) :] == others
        for a, name in zip(item["author"], data["authors"], strict=False):
            assert a.get("literal") == name or f"{a['given']} {a['family']}" == name
        assert item["abstract"] and "\n" not in item["abstract"]
        per_paper = json.loads((example_output / "papers" / slug / f"{slug}.json").read_text())
        assert per_paper == [item]


def test_site_wide_files_hold_each_papers_citation() -> None:
    papers = [
        make_paper(title='Quotes "q", \\ and </script> & <b>', slug="a"),
        make_paper(title="Ünïcödé 数据 \U0001f600", slug="b", venue="Venue"),
        make_paper(title="plain", slug="c", et_al=True),
    ]

    def url(p: Paper) -> str:
        return f"https://example.org/papers/{p.slug}/"

    keys = cite.citation_keys(papers)
    bibtex, ris, csl = (
        cite.publication_file(k, [cite.entry(k, p, keys[p.slug], url(p)) for p in papers])
        for k in ("bib", "ris", "json")
    )
    assert bibtex == "\n".join(cite.bibtex_entry(p, keys[p.slug], url(p)) for p in papers)
    assert ris == "\r\n".join(cite.ris_record(p, url(p)) for p in papers)
    items = [cite.csl_item(p, keys[p.slug], url(p)) for p in papers]
    assert csl == "[\n" + ",\n".join(json.dumps(i, ensure_ascii=False) for i in items) + "\n]\n"
    assert json.loads(csl) == items


def test_site_wide_downloads_are_linked_from_the_timeline(example_output: Path) -> None:
    page = parse(example_output / "timeline" / "index.html")
    for name in ("publications.bib", "publications.ris", "publications.json"):
        assert page.find("a", href=f"../{name}"), name


# ---------------------------------------------------------------- hostile content at scale


@pytest.mark.slow
def test_synthetic_profile_with_hostile_text_gives_valid_citations(tmp_path: Path) -> None:
    import subprocess
    import sys

    profile = tmp_path / "profile.txt"
    subprocess.run(
        [sys.executable, MAKE_PROFILE, "--papers", "300", "--seed", "11", "--out", profile],
        check=True,
    )
    site = tmp_path / "site"
    run_cli("import", profile, "--site", site, "--as-of", AS_OF, check=True)
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    out = site / "output"
    lib = parse_bib((out / "publications.bib").read_text(encoding="utf-8"))
    assert len(lib.entries) == 300
    assert len({e.key for e in lib.entries}) == 300
    papers = papers_by_slug(site)
    for e in lib.entries:
        slug = e["url"].removeprefix(BASE_URL + "papers/").rstrip("/")
        assert e["title"] == "{" + cite.latex_title(papers[slug]["title"]) + "}"
        assert e.key.isascii()
    for path in (out / "papers").glob("*/*.bib"):
        assert len(parse_bib(path.read_text(encoding="utf-8")).entries) == 1
    assert len(json.loads((out / "publications.json").read_text())) == 300
    assert len(ris_records((out / "publications.ris").read_bytes().decode())) == 300


def test_a_year_or_month_alone_is_all_any_output_claims(tmp_path: Path) -> None:
    """Google Scholar's BibTeX gives the year alone: the paper was published on 1 January
    in every output (`month = jan`, `DA - 2020/01/01/`, [[2020, 1, 1]], the page's date)."""
    import feedparser

    site = ada_site(tmp_path)
    for slug, date in (("y", "2020"), ("m", "2021-03")):
        (site / "content" / "papers" / f"{slug}.md").write_text(
            f"---\ntitle: T{slug}\ndate: {date}\nauthors: [Ada Lovelace]\nvenue: V\n---\nx\n",
            encoding="utf-8",
        )
    run_cli("build", "--site", site, "--base-url", BASE_URL, "--no-search", check=True)
    out = site / "output"
    for slug, known, shown, ris_date, bib_month in (
        ("y", [2020], "2020", "2020///", None),
        ("m", [2021, 3], "March 2021", "2021/03//", "mar"),
    ):
        page = parse(out / "papers" / slug / "index.html")
        iso = "-".join(f"{n:02d}" for n in known)
        assert [json.loads(b)["datePublished"] for b in page.data_blocks] == [iso]
        meta = page.find("meta", name="citation_publication_date")
        assert [m["content"] for m in meta] == [iso.replace("-", "/")]
        assert f"· {shown} ·" in page.text
        # the <time> the search index sorts and shows by, and the preview's published time
        assert [t["datetime"] for t in page.find("time")] == [iso]
        assert page.find("meta", property="article:published_time")[0]["content"] == iso
        (record,) = ris_records((out / "papers" / slug / f"{slug}.ris").read_bytes().decode())
        assert ("PY", str(known[0])) in record and ("DA", ris_date) in record
        (entry,) = parse_bib((out / "papers" / slug / f"{slug}.bib").read_text()).entries
        fields = {f.key: f.value for f in entry.fields}
        assert fields["year"] == str(known[0]) and fields.get("month") == bib_month
        (item,) = json.loads((out / "papers" / slug / f"{slug}.json").read_text())
        assert item["issued"] == {"date-parts": [known]}
    timeline = parse(out / "timeline" / "index.html").text
    assert "Mar 2021" in timeline and "Jan 2020" not in timeline
    entries = feedparser.parse((out / "feed.xml").read_bytes()).entries
    assert [e.published_parsed[:3] for e in entries] == [(2021, 3, 1), (2020, 1, 1)]


def test_a_backslash_or_brace_in_a_doi_leaves_the_bibtex_entry_readable() -> None:
    """`10.1000/x\\` (a slip the DOI check lets through) ended the site's .bib entry early
    to bibtexparser, so sitegen could not import the file it wrote."""
    from sitegen.sources import parse_bibtex

    paper = dataclasses.replace(make_paper(), doi="10.1000/x\\", arxiv="2101.00001")
    text = cite.bibtex_entry(paper, "k", "https://e.org/papers/k/")
    record, after = parse_bibtex(
        text + cite.bibtex_entry(make_paper(), "k2", "https://e.org/"), "x"
    )
    assert (record.doi, record.arxiv, after.doi) == ("10.1000/x%5C", "2101.00001", None)


def test_a_paper_written_by_hand_without_added_is_warned_of_when_it_could_take_a_key(
    tmp_path: Path,
) -> None:
    """A hand-written paper is ranked by its date, the earliest it can have come: dated
    before an imported paper came, it took that paper's key, which manuscripts cite."""
    site = make_site(tmp_path / "site")
    new = site / "content" / "papers" / "2022-diffusion-models-for-proteins.md"
    paper = (
        "---\ntitle: Diffusion Models for Proteins\ndate: 2022-11-20\ntopic: LG\n"
        "authors:\n- Lemeng Wu\n- Bo Liu\n{added}---\nA workshop paper added by hand.\n"
    )
    new.write_text(paper.format(added=""), encoding="utf-8")
    out = run_cli("build", "--site", site, "--base-url", BASE_URL, check=True)
    warned = [line for line in out.stderr.splitlines() if new.name in line]
    assert len(warned) == 1, out.stderr
    assert "no `added` date" in warned[0] and "wu2022diffusionb" in warned[0]
    assert "added: YYYY-MM-DD" in warned[0]
    # written with the day it came, after the import, it leaves the imported paper its key
    new.write_text(paper.format(added="added: 2026-12-01\n"), encoding="utf-8")
    out = run_cli("build", "--site", site, "--base-url", BASE_URL, check=True)
    assert new.name not in out.stderr
    bib = parse_bib((site / "output" / "publications.bib").read_text(encoding="utf-8"))
    titles = {e.key: e["title"] for e in bib.entries}
    assert "Diffusion-based Molecule" in titles["wu2022diffusion"]
    assert "Diffusion Models for Proteins" in titles["wu2022diffusionb"]
