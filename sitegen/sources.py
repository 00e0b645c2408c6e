"""BibTeX, RIS, CSL-JSON, ORCID, arXiv, Hugo Blox text -> paper records: pure, no files or network.

Every parser returns the same small record with what its source could tell, cleaned
to plain text and Markdown (LaTeX in BibTeX, HTML in Zotero titles); the importer
matches and merges them. Any text at all comes back as records or as a SitegenError
naming the file and, where known, the line: the fuzz tests hold every parser to that.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import html
import json
import logging
import re
import tomllib
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from .cite import CITED_AS, ET_AL_NOTE, Name, dollars_as_text, markdown_text, split_name
from .content import _ET_AL, PersonEntry, alias_url, front_matter, owner_spellings
from .errors import CONTROL, SitegenError, SitegenWarning, visible
from .markup import plain_inline
from .markup import web_url as _web_url
from .model import Coauthor, name_key, page_range, shown_pages
from .profile import MONTHS, markdown_inline
from .slugs import slugify_text, title_words
from .yamlutil import key_line, load_json, load_yaml

ONLINE = ("orcid:", "dblp:", "arxiv:", "zotero:")  # sources fetch.py gets, in any case
# a date as a paper file writes it: `2020` or `"2020-03"` when the source gives no day
PaperDate = dt.date | int | str


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One paper as one source describes it; None where the source does not say."""

    source: str  # the label the import manifest records, e.g. "scholar.bib"
    title: str  # inline Markdown, as a paper file's title
    authors: tuple[str, ...] = ()
    et_al: bool = False
    date: PaperDate | None = None
    doi: str | None = None
    arxiv: str | None = None
    venue: str | None = None
    url: str | None = None
    pdf: str | None = None
    abstract: str | None = None  # Markdown
    topic: str | None = None  # arXiv subject code without its archive: cs.LG -> LG
    line: int | None = None  # where the entry starts, for a warning about it
    code_url: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (name, url), as a paper's `links`
    featured: bool = False
    type: str | None = None  # model.PAPER_TYPES: what the source says the paper is
    aliases: tuple[str, ...] = ()  # its URLs on the site it comes from (a Hugo Blox page's)
    tags: tuple[str, ...] = ()  # the free tags a site gave it (a Hugo Blox page's `tags`)
    volume: str | None = None  # these four: where in its venue, as its citations give it
    issue: str | None = None
    pages: str | None = None  # as a paper keeps them (model.shown_pages): 1–35, e1002
    publisher: str | None = None  # none when it is the venue (a book's)
    warnings: tuple[SitegenWarning, ...] = ()  # what the source gives that cannot be used


# ---------------------------------------------------------------- shared cleaning

# what sitegen drops from any text (errors.CONTROL), and BOMs; `clean` makes U+2028 a space
_CONTROL = re.compile(f"{CONTROL.pattern}|\ufeff")
_DOI = re.compile(r"10\.\d{4,9}/\S+")
# new-style (2301.12345) and old-style (hep-th/9901001, math.GT/0309136) identifiers
_ARXIV = re.compile(
    r"(?<![\w.])(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?(?![\w.])"
)
_ARXIV_HINT = re.compile(
    r"arxiv(?:\.org/(?:abs|pdf)/|\s*:\s*|\s+preprint\s+(?:arxiv:)?)|corr\s+abs/", re.I
)
# what stands for arXiv where a venue goes, with or without the id and Zotero's class: Scholar's
# `arXiv preprint arXiv:N`, Zotero's `arXiv:N [cs]`, ADS's `arXiv e-prints`, DBLP's `CoRR
# abs/N`, Semantic Scholar's `ArXiv`
_PREPRINT_VENUE = re.compile(
    r"(?i)\s*(?:corr|arxiv(?:\s+(?:preprint|e-prints))?|preprint)"
    r"(?:\s*:\s*\S+|\s+(?:arxiv\s*:\s*|abs/)\S+)?(?:\s*\[[^\]]*\])?\s*"
)
_MONTHS = {m.lower(): i for m, i in MONTHS.items()}
# DBLP ends every title with a period (its RIS, its XML), which is no part of the title; an
# ellipsis's, an initial's (`Vitamin C.`), an escaped one (`1984\.`) and an abbreviation's
# (`Smith et al.`, `Acme Inc.`) stay
_FINAL_PERIOD = re.compile(
    r"(?<![.\\\s])(?<!\b\w)(?<!\bal|\bco|\bno|\bdr|\bjr|\bsr|\bvs|\bst)(?<!\betc|\binc|\bltd)\.$",
    re.IGNORECASE,
)
_HOMONYM = re.compile(r"\s+[0-9]{4}$")

# What each source calls a kind of paper -> a paper's `type` (model.PAPER_TYPES); a kind
# not listed says nothing. _record makes one with an arXiv id and no venue a preprint.
_BIBTEX_TYPES = {
    "article": "article", "inproceedings": "conference", "conference": "conference",
    "book": "book", "incollection": "chapter", "inbook": "chapter", "phdthesis": "thesis",
    "mastersthesis": "masters", "techreport": "report", "misc": "misc", "unpublished": "misc",
    "online": "misc",  # biblatex's web item
    "thesis": "thesis", "report": "report",  # biblatex's, its `type` saying which (mathesis)
}  # fmt: skip
# BibTeX's and biblatex's edited volumes: with no `author`, a volume its editors made
_VOLUMES = frozenset({"proceedings", "mvproceedings", "collection", "mvcollection", "periodical"})
_RIS_TYPES = {
    "JOUR": "article", "EJOUR": "article", "JFULL": "article", "INPR": "article",
    "CPAPER": "conference", "CONF": "conference", "BOOK": "book", "EBOOK": "book",
    "EDBOOK": "book", "CHAP": "chapter", "ECHAP": "chapter", "THES": "thesis",
    "RPRT": "report", "UNPB": "preprint", "GEN": "misc",
}  # fmt: skip
# CSL 1.0.2's, which newer Hugo Blox sites write too; `article` is its preprint
_CSL_TYPES = {
    "article-journal": "article", "paper-conference": "conference", "article": "preprint",
    "book": "book", "chapter": "chapter", "thesis": "thesis", "report": "report",
    "document": "misc",
}  # fmt: skip
# ORCID 3.0's work types (`dissertation` is 2.0's)
_ORCID_TYPES = {
    **dict.fromkeys(("journal-article", "magazine-article", "newsletter-article",
                     "newspaper-article", "book-review", "review"), "article"),
    **dict.fromkeys(("conference-paper", "conference-abstract", "conference-poster",
                     "conference-presentation", "conference-output", "conference-proceedings"),
                    "conference"),
    "preprint": "preprint", "book": "book", "edited-book": "book", "book-chapter": "chapter",
    "encyclopedia-entry": "chapter", "dictionary-entry": "chapter",
    "dissertation-thesis": "thesis", "dissertation": "thesis",
    "report": "report", "working-paper": "report",
    **dict.fromkeys(("other", "lecture-speech", "data-set", "software", "online-resource",
                     "website", "blog-post", "patent"), "misc"),
}  # fmt: skip
# the types whose venue is their publisher, as cite writes it (RIS PB, BibTeX school...)
_PUBLISHED_BY = tuple(kind for kind, cited in CITED_AS.items() if cited.ris_venue == "PB")
# a thesis whose degree (RIS M3, CSL genre: "Master's thesis", "MSc thesis") is a master's
_MASTERS = re.compile(r"(?i)master|mathesis|\bm\.?\s?(?:a|s|sc|eng|phil)\b")
# Hugo Blox's `publication_types` codes (its older sites'); 0 is "uncategorized"
_HUGO_TYPES = {
    "1": "conference", "2": "article", "3": "preprint", "4": "report", "5": "book",
    "6": "chapter", "7": "thesis", "8": "misc", "patent": "misc", **_CSL_TYPES,
}  # fmt: skip

# al-folio's button fields (its _bibliography/papers.bib) -> a paper's `links` names
_ALFOLIO_LINKS = {k: k.title() for k in ("slides", "poster", "video", "website", "blog")}
_ALFOLIO_LINKS["supp"] = "Supplement"

# parse_bibtex reports what bibtexparser logs (once: a handler per parse piles up)
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())


def clean(text: Any) -> str:
    """One line of plain text: control characters dropped, whitespace collapsed, NFC as the
    paper files' loader reads it (a decomposed DOI, read back, no longer matched)."""
    if text is None or isinstance(text, (dict, list, bool)):
        return ""
    return unicodedata.normalize("NFC", " ".join(_CONTROL.sub("", str(text)).split()))


def bare_doi(text: str | None) -> str | None:
    """`https://doi.org/10.1/X` or `doi:10.1/X` -> `10.1/X`, as the `doi` key stores it."""
    m = _DOI.search(clean(text))
    return m.group(0).rstrip(".,;") if m else None


def bare_arxiv(text: str | None, *, hinted: bool = False) -> str | None:
    """The arXiv identifier without its version; with `hinted`, only after 'arXiv:' or an
    arxiv.org link, so a page range or report number in a note is not taken for one."""
    text = clean(text)
    if hinted:
        text = text[h.end() :].lstrip() if (h := _ARXIV_HINT.search(text)) else ""
    m = (_ARXIV.match if hinted else _ARXIV.search)(text)
    return m.group(1) if m else None


def web_url(text: str | None) -> str | None:
    """An http(s) URL or None: a `javascript:` link from any source never reaches a page."""
    return _web_url(clean(text))


def _page(url: str | None) -> str | None:
    """The `url` key is the paper's own page: DOI and arXiv links have keys of their own."""
    return url if url and "doi.org/" not in url and "arxiv.org/" not in url else None


def topic_of(category: str | None) -> str | None:
    """arXiv primary class -> the site's topic code: cs.LG -> LG, stat.ML -> ML."""
    archive, _, subject = clean(category).partition(".")
    return subject.upper() if archive and re.fullmatch(r"[A-Za-z]{2}", subject) else None


def keyword_topic(keywords: Any) -> str | None:
    """The first keyword that is an arXiv class: where sitegen's own citation files, and
    Zotero's of an arXiv paper, give the topic (cs.LG); a comma-separated text or a list."""
    found = keywords.split(",") if isinstance(keywords, str) else _as_list(keywords)
    return next(filter(None, (topic_of(k) for k in found if isinstance(k, str))), None)


def make_date(
    year: Any, month: Any = None, day: Any = None, *, source: str, line: int | None
) -> PaperDate | None:
    """A date from parts as sources spell them ('2023', 'jun', '6', 'June'); an impossible
    one is an error. Without a day, `2023` or `2023-06`: a day never given would be cited."""
    y = clean(year)
    if not y:
        return None
    if not re.fullmatch(r"\d{4}", y):
        raise SitegenError(f"impossible year {y[:9]!r}", source, line)
    # a part is shown cut short, and read only if short: int() refuses 4,300 digits
    m = clean(month).lower().rstrip(".")[:9]
    mon = int(m) if m.isdecimal() else (_MONTHS.get(m[:3]) if m else 1)  # not '²'
    if mon is None:
        raise SitegenError(f"impossible month {m!r}", source, line)
    d = clean(day)[:9]
    try:
        date = dt.date(int(y), mon, int(d) if d.isdecimal() else 1)
    except ValueError:
        shown = "-".join([y, f"{mon:02d}", *([f"{int(d):02d}"] if d.isdecimal() else [])])
        raise SitegenError(f"impossible date {shown} (year-month-day)", source, line) from None
    return date if d.isdecimal() else date.isoformat()[:7] if m else date.year


def _venue(text: str | None) -> str | None:
    """A journal or proceedings name; 'CoRR', 'arXiv preprint arXiv:...' and a link (a
    `howpublished = {\\url{...}}`) are not venues."""
    v = clean(text)
    return None if not v or _PREPRINT_VENUE.fullmatch(v) or web_url(v.strip("<>")) else v


def _pages(first: Any, last: Any = None) -> str | None:
    """Pages as a paper keeps them, from a range or article number (BibTeX's `pages`, CSL's
    `page`), or a first and a last page (RIS's SP and EP; some write the range in SP)."""
    first, last = clean(first), clean(last)
    if first and last and last != first and not page_range(first)[1]:
        first = f"{first}–{last}"
    return shown_pages(first) or None


def _plain_abstract(text: str) -> str:
    """An abstract in plain text (RIS, CSL-JSON), where `$5` is money unless it is math."""
    return markdown_inline(dollars_as_text(text))


def _flip(name: str) -> str:
    """'Wu, Lemeng' -> 'Lemeng Wu', 'Steele, Guy L., Jr.' -> 'Guy L. Steele, Jr.'."""
    return split_name(clean(name)).printed()


def _not_a_url(what: str, value: Any, source: str, line: int | None) -> tuple[SitegenWarning, ...]:
    """A file name where a URL belongs (al-folio's assets/pdf/, a Hugo page bundle's)."""
    if web_url(value) or not (local := clean(value)[:60]):
        return ()
    why = "is not a URL: not imported (put the file in root/ and give its full URL)"
    if re.match(r"[A-Za-z][\w+.-]*:", local):  # javascript:, ftp:...: no file to move
        why = "is not an http(s) URL: not imported"
    return (SitegenWarning(f"{what} {local!r} {why}", source, line),)


def _thesis_degree(kind: str | None, degree: Any) -> str | None:
    """RIS, CSL and biblatex say a master's thesis by its degree; naming none, doctoral."""
    return "masters" if kind == "thesis" and _MASTERS.search(clean(degree)) else kind


def _record(source: str, line: int | None, title: str, **fields: Any) -> SourceRecord:
    """Every parser's record, checked alike: the parsers leave empty names to this."""
    title = _FINAL_PERIOD.sub("", title)
    if not visible(title):  # as a paper file's title must be
        raise SitegenError("an entry without a title", source, line)
    # DBLP tells homonyms apart by a number ("Lemeng Wu 0001"): no part of the name
    names = [n for n in (_HOMONYM.sub("", a) for a in fields.get("authors", ())) if visible(n)]
    # "et al." (or BibTeX's "others", in CSL-JSON too: _ET_AL) anywhere is `et_al`, not a name
    fields["authors"] = tuple(a for a in names if not _ET_AL.fullmatch(a))
    fields["et_al"] = fields.get("et_al", False) or len(fields["authors"]) < len(names)
    doi = fields.get("doi")
    if doi and doi.lower().startswith("10.48550/arxiv."):  # arXiv's own DOI is its id
        fields["arxiv"] = fields.get("arxiv") or bare_arxiv(doi[15:])
        fields["doi"] = None
    # `journal = {CoRR}`; a misc on arXiv whatever its howpublished, as cite writes a preprint
    kinds = ("misc",) if fields.get("venue") else ("article", "misc")
    if fields.get("arxiv") and fields.get("type") in kinds:
        fields["type"] = "preprint"
    # a volume and pages are in the venue, which a preprint has none of (DBLP writes CoRR's
    # `volume = {abs/2212.06244}`); a publisher that is the venue (a book's) is said once
    venue = fields.get("venue")
    for key in ("volume", "issue", "pages") if not venue else ():
        fields[key] = None
    if venue and clean(fields.get("publisher")).casefold() == venue.casefold():
        fields["publisher"] = None
    return SourceRecord(source, title, **fields, line=line)


# ---------------------------------------------------------------- BibTeX

_LATEX_CHARS = re.compile(r"[\\{}~$]|--")
# a tie joins two words; after a space, a bracket or a slash `~` is "about" (`is ~2x
# faster`, as arXiv shows what its authors typed) or a home folder (`/~user/`)
_TILDE = re.compile(r"(\$[^$]*\$)|(?:^|(?<=[\s(\[/]))~")  # math kept: `$a ~ b$` is TeX's
# a % or & without its own backslash (`\\%` is a line break and a bare %): BibTeX keeps
# it as text, where pylatexenc reads a comment (`90% accuracy` ended at 90) or a column
_BARE_SPECIAL = re.compile(r"(?<!\\)((?:\\\\)*)([%&])")
# a citation or cross-reference, with the space or tie before it: pylatexenc writes
# `<cit.>`, `<ref>` or the bare key, which no reader of an abstract can follow. It is
# dropped, but for one that is part of the sentence ("as \citet{smith} show"): its keys.
# Tried only where a run of spaces and ties starts: from each of its characters, a run of
# 60,000 `~` took 30 s (quadratic), a few hundred kilobytes minutes.
_CITATION = re.compile(
    r"(?<![\s~])([\s~]*)\\([a-z]*cite[a-z]*|(?:auto|c|C|eq|page)?ref)\*?(?:\s*\[[^\]]*\])*\s*"
    r"\{([^{}]*)\}"
)
_TEXTUAL_CITATION = re.compile(r"citet|citealt|citeauthor|citeyear|textcite")
_BRACE_OR_AND = re.compile(r"[{}]|\s+and\s+", re.IGNORECASE)  # where BibTeX splits names
# biblatex's `date` (ISO 8601: 2023, 2023-06, 2023-06-18, or a range from its first day;
# EDTF's `?`, `~` or `%` after a part marks it uncertain or approximate, as Zotero may write)
_BIBLATEX_DATE = re.compile(r"(\d{4})[?~%]?(?:-(\d\d)[?~%]?(?:-(\d\d)[?~%]?)?)?(?:/.*)?")
# `howpublished = {\url{...}}`, a @misc's link where BibTeX styles without `url` show it
_URL_MACRO = re.compile(r"\\url\{([^{}]*)\}")
# what the decoder writes for `\$`: as `$`, two made math of the text between (`\$5 and
# \$10`); a private-use character, which no text needs
_DOLLAR = "\ue024"


def _citation(m: re.Match) -> str:
    if not _TEXTUAL_CITATION.fullmatch(m[2]):
        return ""
    space = " " if m[1] else ""
    return space + "[" + ", ".join(key.strip() for key in m[3].split(",")) + "]"


def _latex(text: str, markdown: Callable[[str], str] | None = None) -> str:
    """LaTeX -> Unicode with pylatexenc (accents, \\&, {Braces}, --), math kept as $...$;
    with `markdown` (a title's or an abstract's), that Markdown, where `\\$` stays `\\$`."""
    out = text = _CITATION.sub(_citation, text)
    if _LATEX_CHARS.search(text):
        try:
            about = _TILDE.sub(lambda m: m[1] or r"\textasciitilde{}", text)
            text = _BARE_SPECIAL.sub(r"\1\\\2", about)
            out = _decoder()(text)
        except Exception:  # pylatexenc gives up on some broken input: keep the source text
            out = text.replace("{", "").replace("}", "")
    if markdown is None:
        return clean(out.replace(_DOLLAR, "$"))
    return markdown(clean(out)).replace(_DOLLAR, r"\$")


@functools.cache
def _decoder() -> Callable[[str], str]:
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
    from pylatexenc.latexwalker import get_default_latex_context_db as parsed_macros
    from pylatexenc.macrospec import MacroSpec

    # how cite writes a lone brace and a caret: pylatexenc 2 dropped them (or made U+02C6)
    spelled = {"textbraceleft": "{", "textbraceright": "}", "textasciicircum": "^", "$": _DOLLAR}
    # and what it drops, words and all: `Speeding up \texttt{PyTorch} Training` lost its
    # PyTorch, and took the place of `... \texttt{JAX} Training`, another paper
    spelled |= {name: name for name in ("LaTeX", "TeX", "BibTeX")}
    spelled |= {name: "%(1)s" for name in ("texttt", "textsf", "textup", "textmd", "mbox")}
    spelled |= {"href": "%(2)s", "url": "%(1)s"}  # a link's text; a URL as itself
    db = get_default_latex_context_db().filter_context()
    macros = [MacroTextSpec(name, text) for name, text in spelled.items()]
    db.add_context_category("sitegen", macros=macros, prepend=True)
    parsing = parsed_macros().filter_context()  # \href's two arguments: pylatexenc knows none
    parsing.add_context_category("sitegen", macros=[MacroSpec("href", "{{")], prepend=True)
    decoder = LatexNodes2Text(latex_context=db, math_mode="verbatim", strict_latex_spaces=True)
    return functools.partial(decoder.latex_to_text, latex_context=parsing)


def _bib_names(text: str) -> list[str]:
    """An author field's names, split at each `and` outside braces, as BibTeX splits them.
    bibtexparser 2.1's splitter drops an accent that starts any name but the first:
    `Ada Lovelace and \\'Alvarez, Jos\\'e` gave José Alvarez."""
    names, depth, start = [], 0, 0
    for m in _BRACE_OR_AND.finditer(text):
        if m.group() == "{":
            depth += 1
        elif m.group() == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            names.append(text[start : m.start()])
            start = m.end()
    names.append(text[start:])
    return [n.strip() for n in names if n.strip()]


def _bib_author(raw: str) -> str:
    """One BibTeX name by BibTeX's rules ("Steele, Jr., Guy L.", "{Barnes and Noble, Inc.}"
    is one word), printed."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    if raw.count(",") < 2 and not _LATEX_CHARS.search(raw):  # read alike, 30 times faster
        return _flip(raw)
    n = parse_single_name_into_parts(raw, strict=False)
    return Name(*(_latex(" ".join(part)) for part in (n.first, n.last, n.von, n.jr))).printed()


def _bib_value(raw: str, strings: dict[str, str], depth: int = 0) -> str:
    """A field's value as BibTeX reads it: `acl # " 2020"` joins @string `acl` and " 2020"
    (bibtexparser 2 resolves a lone macro, not a concatenation: its issue 396)."""
    pieces, level, quoted, start = [], 0, False, 0
    for i, c in enumerate(raw):
        if c == '"' and level == 0:
            quoted = not quoted
        elif c in "{}":
            level += 1 if c == "{" else -1
        elif c == "#" and level == 0 and not quoted:
            pieces.append(raw[start:i])
            start = i + 1
    out = []
    for piece in (p.strip() for p in [*pieces, raw[start:]]):
        if len(piece) > 1 and piece[0] + piece[-1] in ("{}", '""'):
            out.append(piece[1:-1])
        elif piece.lower() in strings and depth < 10:  # one defined by another, not forever
            out.append(_bib_value(strings[piece.lower()], strings, depth + 1))
        else:  # a number, a month (jan), or a macro the file does not define
            out.append(piece)
    return "".join(out)


def _bib_date(f: dict[str, str], lines: dict[str, int], source: str, line: int) -> PaperDate | None:
    """biblatex's `date` where it is one (it has the day), else `year` and `month`."""
    given, at = clean(f.get("date")), lines.get("date", line)
    if iso := _BIBLATEX_DATE.fullmatch(given):
        return make_date(*iso.groups(), source=source, line=at)
    if given and not clean(f.get("year")):  # with a year, BibTeX's own reading stands
        raise SitegenError(f"not a date: {given[:40]!r} (write 2023-06-18)", source, at)
    at = lines.get("month", lines.get("year", line))
    year, month = (re.sub(r"[{}]", "", f.get(k, "")) for k in ("year", "month"))  # {{2021}}
    return make_date(year, month, source=source, line=at)


def parse_bibtex(text: str, source: str) -> list[SourceRecord]:
    """Google Scholar, DBLP and Zotero exports; a broken entry is an error at its line. An
    entry takes a venue or date it lacks from the volume its `crossref` names (its booktitle,
    else title); such a volume is no paper. A key given twice (Scholar's `wu2022diffusion`
    for two papers) is read twice: sitegen makes its own keys, so only a crossref needs one,
    and takes the first entry of that key, as BibTeX does; an @string given twice, the last."""
    import bibtexparser
    from bibtexparser.model import Entry, String

    library = bibtexparser.parse_string(text, parse_stack=[])  # values as written: _bib_value
    # each name read once a file: a collaboration's 3,000, accented, on each of its papers
    # took pylatexenc 3 minutes for an INSPIRE export of 1,200 entries
    author = functools.cache(_bib_author)
    again = []  # the entries and @strings bibtexparser sets aside for a key given before
    for block in library.failed_blocks:
        line = block.start_line + 1
        if type(block).__name__ == "DuplicateBlockKeyBlock":
            again.append(block.ignore_error_block)
            continue
        if type(block).__name__ == "DuplicateFieldKeyBlock":  # not a brace's fault
            twice = sorted(block.duplicate_keys)[0]
            raise SitegenError(f"this entry gives {twice!r} twice: remove one", source, line)
        raise SitegenError("cannot read this BibTeX entry (unbalanced braces?)", source, line)
    entries = [*library.entries, *(b for b in again if isinstance(b, Entry))]
    entries.sort(key=lambda e: e.start_line)
    if not entries and text.strip():  # a sign-in page saved as .bib, say
        raise SitegenError("not a BibTeX file: no entry such as @article{...} in it", source, 1)
    defined = [*library.strings, *(b for b in again if isinstance(b, String))]
    strings = {s.key.lower(): str(s.value) for s in sorted(defined, key=lambda s: s.start_line)}
    fields = [
        {k.lower(): _bib_value(str(v.value), strings) for k, v in e.fields_dict.items()}
        for e in entries
    ]
    first: dict[str, int] = {}  # a key -> its first entry, the one a crossref names
    at_lines: dict[str, list[int]] = {}
    for i, e in enumerate(entries):
        first.setdefault(e.key, i)
        at_lines.setdefault(e.key, []).append(e.start_line + 1)
    # a crossref naming its own entry is a slip, not a volume: the entry is a paper
    volumes = {v for i, f in enumerate(fields) if (v := first.get(f.get("crossref", ""), i)) != i}
    for i in volumes:
        path, ref = [entries[i].key], fields[i].get("crossref")
        while ref in first and ref not in path:
            path.append(ref)
            ref = fields[first[ref]].get("crossref")
        if ref == entries[i].key:  # volumes round a loop, each no paper: all dropped unsaid
            loop = " -> ".join([*path, ref])
            at = entries[i].start_line + 1
            raise SitegenError(f"crossref loop {loop}: which is the volume?", source, at)
    records = []
    for i, (entry, f) in enumerate(zip(entries, fields, strict=True)):
        if i in volumes or (entry.entry_type.lower() in _VOLUMES and "author" not in f):
            continue  # an edited volume (DBLP lists its editors'): no paper, by no author
        line = entry.start_line + 1
        if (ref := f.get("crossref", "")) in first:  # where and when, not its DOI or URL
            volume = fields[first[ref]]
            # a biblatex volume's `date` would come before the entry's own `year`
            dated = ("year", "month") if f.get("year") else ("year", "month", "date")
            found = {k: volume.get(k) for k in (*dated, "volume", "publisher")}
            found["booktitle"] = volume.get("booktitle") or volume.get("title")
            f = {**{k: v for k, v in found.items() if v}, **f}
        twice = []  # a crossref to a key given twice: said, as its volume may be the other
        if len(at_lines.get(ref, ())) > 1:
            where = ", ".join(map(str, at_lines[ref]))
            why = f"crossref {clean(ref)[:60]!r} names the entries at lines {where}: the first"
            twice.append(
                SitegenWarning(f"{why} is taken as its volume, as BibTeX does", source, line)
            )
        lines = {k.lower(): v.start_line + 1 for k, v in entry.fields_dict.items()}
        if "journaltitle" in f:  # biblatex's name for it
            f = {"journal": f["journaltitle"], **f}
        paper_type = _thesis_degree(_BIBTEX_TYPES.get(entry.entry_type.lower()), f.get("type"))
        by = ("school", "institution", "publisher", "howpublished")  # cite writes one of them
        publisher = next(filter(None, map(f.get, by)), "") if paper_type in _PUBLISHED_BY else ""
        prefix = f.get("archiveprefix", f.get("eprinttype", "arxiv")).lower()
        arxiv = bare_arxiv(f.get("eprint")) if prefix in ("arxiv", "") else None
        arxiv = arxiv or bare_arxiv(f.get("arxiv"))  # al-folio's own field: its arXiv button
        for key in ("journal", "note", "url", "howpublished", "html"):
            arxiv = arxiv or bare_arxiv(f.get(key), hinted=True)
        # DBLP's CoRR, Semantic Scholar's ArXiv: volume = {abs/2212.06244}
        if not arxiv and f.get("journal", "").strip().lower() in ("corr", "arxiv"):
            arxiv = bare_arxiv(f.get("volume"))
        url = web_url(f.get("url")) or web_url(_URL_MACRO.sub(r"\1", f.get("howpublished", "")))
        html_url = web_url(f.get("html"))  # al-folio's HTML button: the paper's page, or its DOI
        doi = bare_doi(f.get("doi")) or next(
            (bare_doi(u) for u in (url, html_url) if u and "doi.org/" in u), None
        )
        links = tuple((n, u) for k, n in _ALFOLIO_LINKS.items() if (u := web_url(f.get(k))))
        records.append(
            _record(
                source,
                line,
                _latex(f.get("title", ""), markdown_text),
                # "others" is et al. to _record
                authors=tuple(map(author, _bib_names(f.get("author", "")))),
                date=_bib_date(f, lines, source, line),
                doi=doi,
                arxiv=arxiv,
                venue=_venue(_latex(f.get("booktitle") or f.get("journal") or publisher)),
                volume=_latex(f.get("volume", "")) or None,
                issue=_latex(f.get("number") or f.get("issue", "")) or None,
                pages=_pages(_latex(f.get("pages", ""))),
                publisher=_venue(_latex(f.get("publisher", ""))),
                url=_page(url) or _page(html_url),
                pdf=web_url(f.get("pdf")),
                abstract=_latex(f.get("abstract", ""), markdown_inline) or None,
                topic=topic_of(f.get("primaryclass")) or keyword_topic(f.get("keywords", "")),
                code_url=web_url(f.get("code")),
                links=links,
                featured=clean(f.get("selected")).lower() in ("true", "yes"),
                type=paper_type,
                # al-folio's buttons are files in its assets/pdf/: each said, not dropped
                warnings=tuple(twice)
                + tuple(
                    w
                    for k in ("pdf", "html", *_ALFOLIO_LINKS)
                    for w in _not_a_url(
                        f"entry {clean(entry.key)[:60]!r}: {k}", f.get(k), source, lines.get(k)
                    )
                ),
            )
        )
    return records


# ---------------------------------------------------------------- RIS


def _ris_date(e: dict, source: str, line: int | None) -> PaperDate | None:
    """The year from PY (`2019`, `2019///`), month and day from DA (`2019/06/15/`, EndNote's
    `Jun 15`) or else PY. A DA of another year (an access date) is not used."""
    year_text = clean(e.get("year") or e.get("publication_year"))
    # 99999 is no year; a year in words is (`circa 2020`, `2020 (in press)`)
    py = re.match(r"\d+", year_text) or re.search(r"\b\d{4}\b", year_text)
    # without a DA, the older RIS's PY holds the whole date: `2020/05/06/`
    da = clean(e.get("date")) or (year_text if year_text.count("/") >= 2 else "")
    if "/" in da:
        year, month, day = (da.split("/") + ["", ""])[:3]
    else:
        words = da.replace(",", " ").split()
        year = next((w for w in words if re.fullmatch(r"\d{4}", w)), "")
        month = next((w for w in words if w[:3].lower() in _MONTHS), "")
        day = next((w for w in words if re.fullmatch(r"\d{1,2}", w)), "")
    if py and clean(year) not in ("", py[0]):
        year, month, day = py[0], "", ""
    return make_date(py[0] if py else year, month, day, source=source, line=line)


def parse_ris(text: str, source: str) -> list[SourceRecord]:
    """EndNote, Zotero and publisher RIS files, read with rispy."""
    import rispy

    starts = [n for n, line in enumerate(text.split("\n"), 1) if line.startswith("TY  - ")]
    if not starts and text.strip():
        raise SitegenError("not a RIS file: no 'TY  - ' line starts a record", source, 1)
    # rispy 0.10 knows no BT, a book's or proceedings' title: DBLP's conference paper's venue
    tags = {**rispy.TAG_KEY_MAPPING, "BT": "book_title"}
    try:
        entries = rispy.loads(text, skip_unknown_tags=True, mapping=tags)
    except (OSError, ValueError, KeyError, IndexError) as e:
        m = re.search(r"line (\d+)", str(e))
        line = int(m.group(1)) if m else None
        raise SitegenError(f"cannot read this RIS file ({clean(e)})", source, line) from None
    if len(entries) < len(starts):  # rispy drops, in silence, a record that is not closed
        raise SitegenError("this record has no closing 'ER  - ' line", source, starts[len(entries)])
    records = []
    for i, e in enumerate(entries):
        line = starts[i] if i < len(starts) else None
        kind = _RIS_TYPES.get(clean(e.get("type_of_reference")).upper())
        # BT is a whole book's own title, and the book (proceedings) that holds any other item
        book = e.get("book_title") if kind == "book" else None
        title = clean(e.get("title") or e.get("primary_title") or e.get("translated_title") or book)
        urls = [u for u in (web_url(x) for x in e.get("urls", [])) if u]
        files = e.get("file_attachments1") or []
        pdfs = [u for u in map(web_url, [files] if isinstance(files, str) else files) if u]
        arxiv = next((a for a in (bare_arxiv(u, hinted=True) for u in urls) if a), None)
        arxiv = arxiv or bare_arxiv(e.get("notes") and " ".join(e["notes"]), hinted=True)
        journal = e.get("journal_name") or e.get("secondary_title") or e.get("alternate_title3")
        journal = journal or (e.get("book_title") if kind != "book" else None)  # DBLP's CPAPER
        paper_type = _thesis_degree(kind, e.get("type_of_work"))
        journal = journal or (e.get("publisher") if paper_type in _PUBLISHED_BY else None)
        abstract = clean(e.get("abstract") or e.get("notes_abstract"))
        records.append(
            _record(
                source,
                line,
                markdown_text(title, plain=True),
                authors=tuple(map(_flip, [*e.get("authors", []), *e.get("first_authors", [])])),
                et_al=ET_AL_NOTE in e.get("notes", []),  # as cite writes it
                date=_ris_date(e, source, line),
                doi=bare_doi(e.get("doi")),
                arxiv=arxiv,
                venue=_venue(journal),
                volume=clean(e.get("volume")) or None,
                issue=clean(e.get("number")) or None,
                pages=_pages(e.get("start_page"), e.get("end_page")),
                publisher=_venue(e.get("publisher")),
                url=next(filter(_page, urls), None),
                pdf=pdfs[0] if pdfs else None,
                abstract=_plain_abstract(abstract) if abstract else None,
                type=paper_type,
                topic=keyword_topic(e.get("keywords")),
            )
        )
    return records


# ---------------------------------------------------------------- CSL-JSON

# CSL-JSON's rich text tags, Crossref's JATS and MathML (<jats:p>) and a hostile one's,
# with quoted attributes only: `k<n and n>2` is no tag
_TAG = re.compile(
    r"""<(/?)(i|b|em|strong|u|scp|sc|sup|sub|span|p|br|script|style|a|[a-z]+:[a-z][\w.-]*)"""
    r"""(?:\s+[\w:-]+\s*=\s*(?:"[^"<>]*"|'[^'<>]*'))*\s*/?>""",
    re.I,
)
_EMPHASIS = {"i": "*", "em": "*", "b": "**", "strong": "**", "jats:italic": "*", "jats:bold": "**"}
# an abstract's paragraphs and headings: Crossref's structured JATS, or HTML
_BREAK = re.compile(r"</?(?:jats:)?(?:p|sec)\b[^<>]*>|<br\s*/?>", re.I)
_HEADING = re.compile(r"<(?:jats:)?title\b[^<>]*>(.*?)</(?:jats:)?title>", re.I)
_CSL_NAME_PARTS = ("given", "dropping-particle", "non-dropping-particle", "family", "suffix")
_ID = re.compile(r'"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)')


def rich_text(text: Any, escape: Callable[[str], str] | None = None) -> str:
    """Zotero's rich text -> Markdown: <i>/<b> become emphasis, other tags (_TAG) go, their
    text made Markdown by `escape` (markdown_text, markdown_inline). Without `escape`, plain
    text: a venue, where `<i>Nature</i>` must not become `*Nature*`."""
    text, out, end = clean(text), [], 0
    for m in _TAG.finditer(text):
        # an escaped tag (&lt;b&gt;) is text, shown as such
        mark = _EMPHASIS.get(m.group(2).lower(), "") if escape else ""
        out += [_rich_piece(text[end : m.start()], escape, any(out)), mark]
        end = m.end()
    return clean("".join(out) + _rich_piece(text[end:], escape, any(out)))


def rich_abstract(text: Any) -> str:
    """Rich text's paragraphs kept apart, as Markdown's: with their tags simply dropped, a
    Crossref abstract read `AbstractFirst para ends here.Second para...`; a plain one's
    paragraphs (Zotero's) ran together too. A structured abstract's headings (Background,
    Methods) are bold; Crossref's "Abstract" goes."""
    text = _HEADING.sub(
        lambda m: "" if clean(m[1]).lower() == "abstract" else f"<p><b>{m[1]}</b></p>",
        text if isinstance(text, str) else "",
    )
    # plain text: its blank lines, as Markdown's (a line break may be a PDF's, mid-sentence)
    parts = _BREAK.split(text) if _BREAK.search(text) else re.split(r"\n\s*\n", text)
    paragraphs = (rich_text(part, _plain_abstract) for part in parts)
    return "\n\n".join(p for p in paragraphs if p)


def _rich_piece(text: str, escape: Callable[[str], str] | None, started: bool) -> str:
    # a space left first (&nbsp;, a dropped tag) goes before `escape`: a `1.` where the
    # file starts is escaped as a paragraph's start
    text = _CONTROL.sub("", html.unescape(text))
    return (escape or str)(text if started else text.lstrip())


def _csl_date(item: dict, source: str, line: int | None) -> PaperDate | None:
    parts = _value(item, "issued", "date-parts")
    if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
        return make_date(*[*parts[0], None, None][:3], source=source, line=line)
    raw = _value(item, "issued", "raw")
    m = re.match(r"(\d{4})(?:-(\d\d?))?(?:-(\d\d?))?", raw.strip() if isinstance(raw, str) else "")
    return make_date(*m.groups(), source=source, line=line) if m else None


def _csl_name(n: Any) -> str:
    if not isinstance(n, dict):
        return ""
    if n.get("literal"):
        return clean(n["literal"])
    given, drop, keep, family, suffix = (clean(n.get(k)) for k in _CSL_NAME_PARTS)
    return Name(given, family, clean(f"{drop} {keep}"), suffix).printed()


@contextlib.contextmanager
def _located(text: str, path: tuple, item: Any) -> Iterator[None]:
    """An error about one item of a JSON list names it by its title (a line of an online
    source's answer is none the user sees), at its line if it has none: looked up only
    then, as key_line parses the whole file."""
    try:
        yield
    except SitegenError as e:
        if e.line is None:
            e.line = key_line(text, path)
        if title := " ".join(str(item or "").split())[:80]:
            e.message = f"{title!r}: {e.message}"
        raise


def parse_csl_json(text: str, source: str) -> list[SourceRecord]:
    """Zotero's (and Pandoc's) CSL-JSON: a list of items."""
    data, at = load_json(text, source), ()
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data, at = data["items"], ("items",)
    if not isinstance(data, list):
        raise SitegenError("expected a CSL-JSON list of items", source, 1)
    records = []
    lines, seen = _id_lines(text), set()
    for i, item in enumerate(data):
        if not isinstance(item, dict):
            line = key_line(text, (*at, i))
            raise SitegenError("a CSL-JSON item must be an object", source, line)
        key = json.dumps(item.get("id"))
        line = lines.get(key, [None])[0]
        if item.get("id") is not None and key in seen:
            raise SitegenError(f"duplicate item id {key}", source, lines.get(key, [None])[-1])
        seen.add(key)
        url = web_url(item.get("URL"))
        note = " ".join(clean(item.get(k)) for k in ("note", "number", "archive_location"))
        paper_type = _thesis_degree(_CSL_TYPES.get(clean(item.get("type"))), item.get("genre"))
        venue = item.get("container-title")
        venue = venue or (item.get("publisher") if paper_type in _PUBLISHED_BY else None)
        # Zotero kept an arXiv paper's id in its note, its URL, and for years its venue
        found = (bare_arxiv(t, hinted=True) for t in (note, url, venue))
        arxiv = next(filter(None, found), None)
        with _located(text, (*at, i), item.get("title") or item.get("id")):  # no id: no line yet
            record = _record(
                source,
                line,
                rich_text(item.get("title"), functools.partial(markdown_text, plain=True)),
                authors=tuple(map(_csl_name, _as_list(item.get("author")))),
                date=_csl_date(item, source, line),
                doi=bare_doi(item.get("DOI")),
                arxiv=arxiv,
                venue=_venue(rich_text(venue)),
                volume=rich_text(item.get("volume")) or None,
                issue=rich_text(item.get("issue")) or None,
                pages=_pages(rich_text(item.get("page") or item.get("page-first"))),
                publisher=_venue(rich_text(item.get("publisher"))),
                url=_page(url),
                abstract=rich_abstract(item.get("abstract")) or None,
                type=paper_type,
                topic=keyword_topic(item.get("keyword")),
            )
        records.append(record)
    return records


def _as_list(v: Any) -> list:
    return v if isinstance(v, list) else []


def _id_lines(text: str) -> dict[str, list[int]]:
    """Each item id (as json.dumps writes it) -> its lines, in one pass (JSON keeps none)."""
    out: dict[str, list[int]] = {}
    line, pos = 1, 0
    for m in _ID.finditer(text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        with contextlib.suppress(ValueError):  # not JSON after all: a bad escape, a huge integer
            out.setdefault(json.dumps(json.loads(m.group(1))), []).append(line)
    return out


# ---------------------------------------------------------------- ORCID


def is_orcid_works(data: Any) -> bool:
    """The public API's /works response (or a saved copy): a mapping with `group`."""
    return isinstance(data, dict) and isinstance(data.get("group"), list)


def _value(d: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(d, dict):
            return None
        d = d.get(key)
    return d


def parse_orcid_works(
    text: str, source: str, authors: Mapping[str, tuple[str, ...]] | None = None
) -> list[SourceRecord]:
    """ORCID v3.0 works: a group's summaries (a journal's, a preprint's) are one record.
    Summaries name no contributors: `authors` gives them by put-code (parse_orcid_bulk)."""
    data = load_json(text, source)
    if not is_orcid_works(data):
        raise SitegenError("not an ORCID works record (no 'group' list)", source, 1)
    records = []
    for i, group in enumerate(data["group"]):
        with _located(text, ("group", i), _orcid_title(group)):
            record = _orcid_record(group, source, authors or {})
        records += [record] if record else []
    return records


def orcid_put_codes(text: str, source: str) -> list[str]:
    """Every work summary's put-code, once each: the keys by which ORCID's bulk work
    endpoint gives the contributors its /works summaries leave out."""
    data = load_json(text, source)
    groups = data["group"] if is_orcid_works(data) else []  # parse_orcid_works says why
    codes = (
        str(_value(s, "put-code")) for g in groups for s in _as_list(_value(g, "work-summary"))
    )
    return list(dict.fromkeys(c for c in codes if re.fullmatch(r"[0-9]{1,18}", c)))


def parse_orcid_bulk(text: str, source: str) -> dict[str, tuple[str, ...]]:
    """ORCID v3.0's bulk work answer (`{"bulk": [{"work": ...} or {"error": ...}]}`) -> each
    work's authors by put-code: its contributors of role author (or none given), the
    `first` before the `additional`, given name first. A work listing none is left out."""
    data = load_json(text, source)
    if not isinstance(_value(data, "bulk"), list):
        raise SitegenError("not an ORCID bulk works answer (no 'bulk' list)", source, 1)
    found = {}
    for work in (_value(item, "work") for item in data["bulk"]):  # an error item: no work
        people = [
            c
            for c in _as_list(_value(work, "contributors", "contributor"))
            if _orcid_attribute(c, "contributor-role") in ("", "author")
        ]
        people.sort(key=lambda c: _orcid_attribute(c, "contributor-sequence") != "first")
        names = tuple(
            _flip(n) for c in people if visible(n := clean(_value(c, "credit-name", "value")))
        )
        if names:
            found[str(_value(work, "put-code"))] = names
    return found


def _orcid_attribute(contributor: Any, name: str) -> str:
    return clean(_value(contributor, "contributor-attributes", name)).lower()


def _orcid_title(group: Any) -> Any:
    """The title a work is known by in errors: its first summary's, else its put-code."""
    first = next(iter(_as_list(_value(group, "work-summary"))), None)
    return _value(first, "title", "title", "value") or _value(first, "put-code")


def _orcid_record(
    group: Any, source: str, authors: Mapping[str, tuple[str, ...]]
) -> SourceRecord | None:
    summaries = [s for s in _as_list(_value(group, "work-summary")) if isinstance(s, dict)]
    if not summaries:
        return None
    found: dict[str, str] = {}
    for holder in (group, *summaries):  # the group's ids, then each summary's
        for x in _as_list(_value(holder, "external-ids", "external-id")):
            # a chapter lists its book's DOI as `part-of`: `self` (or unmarked) ids are its own
            if clean(_value(x, "external-id-relationship")).lower() not in ("self", ""):
                continue
            kind = clean(_value(x, "external-id-type")).lower()
            value = clean(_value(x, "external-id-value"))
            found.setdefault(kind, value or clean(_value(x, "external-id-normalized", "value")))
    title, date, venue, url, paper_type, names = "", None, None, None, None, ()
    # the published version's summary first, when there is one: ORCID puts the source the
    # user prefers first, often the preprint, whose date then cited CVPR 2023 as of 2022
    for s in sorted(summaries, key=lambda s: clean(_value(s, "type")) == "preprint"):  # stable
        if not title:  # Crossref's: <i>, &amp;; "Title: Subtitle", as the paper is cited
            title = clean(_value(s, "title", "title", "value"))
            subtitle = clean(_value(s, "title", "subtitle", "value"))
            title += f": {subtitle}" if title and subtitle else ""
        parts = [_value(s, "publication-date", p, "value") for p in ("year", "month", "day")]
        date = date or make_date(*parts, source=source, line=None)
        found_venue = _venue(rich_text(_value(s, "journal-title", "value")))
        # the type of the summary that gives the venue: a preprint's says nothing of it
        found_kind = _ORCID_TYPES.get(clean(_value(s, "type")))
        if (found_venue and not venue) or not (venue or paper_type):
            paper_type = found_kind
        venue = venue or found_venue
        url = url or web_url(_value(s, "url", "value"))
        names = names or authors.get(str(_value(s, "put-code")), ())
    return _record(
        source,
        None,
        rich_text(title, functools.partial(markdown_text, plain=True)),
        authors=names,
        date=date,
        doi=bare_doi(found.get("doi")),
        arxiv=bare_arxiv(found.get("arxiv")),
        venue=venue,
        url=_page(url),
        type=paper_type,
    )


# ---------------------------------------------------------------- arXiv Atom

_NS = {
    "a": "http://www.w3.org/2005/Atom",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "ax": "http://arxiv.org/schemas/atom",
}


def parse_arxiv_atom(text: str, source: str) -> tuple[list[SourceRecord], int]:
    """One page of the arXiv API's Atom feed -> (records, total results of the query)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise SitegenError(f"not a valid Atom feed ({e})", source, e.position[0]) from None
    if root.tag != f"{{{_NS['a']}}}feed":
        raise SitegenError("not an Atom feed", source, 1)
    total_text = clean(root.findtext("os:totalResults", None, _NS))
    # before the entries: another feed's are not arXiv's; ASCII digits, which int() reads
    if not re.fullmatch(r"[0-9]{1,9}", total_text):
        raise SitegenError("not an arXiv API response (no totalResults)", source, 1)
    records = []
    for entry in root.findall("a:entry", _NS):
        entry_id = clean(entry.findtext("a:id", "", _NS))
        if "/api/errors" in entry_id:
            message = clean(entry.findtext("a:summary", "", _NS)) or "unknown error"
            raise SitegenError(f"arXiv refused the query: {message}", source)
        m = re.match(r"(\d{4})-(\d\d)-(\d\d)", clean(entry.findtext("a:published", "", _NS)))
        date = make_date(*m.groups(), source=source, line=None) if m else None
        links = entry.findall("a:link", _NS)
        pdfs = [web_url(a.get("href")) for a in links if a.get("title") == "pdf"]
        category = entry.find("ax:primary_category", _NS)
        names = [clean(a.findtext("a:name", "", _NS)) for a in entry.findall("a:author", _NS)]
        records.append(
            _record(
                source,
                None,
                # arXiv gives what its authors typed, TeX (Schr\"odinger, \emph{}), as BibTeX
                _latex(clean(entry.findtext("a:title", "", _NS)), markdown_text),
                authors=tuple(names),
                date=date,
                doi=bare_doi(entry.findtext("ax:doi", None, _NS)),
                arxiv=bare_arxiv(entry_id),
                venue=_venue(entry.findtext("ax:journal_ref", None, _NS)),
                pdf=pdfs[-1] if pdfs else None,
                abstract=_latex(clean(entry.findtext("a:summary", "", _NS)), markdown_inline)
                or None,
                topic=topic_of(category.get("term") if category is not None else None),
                # its journal reference is a venue of the published version, which the
                # entry is not: that version's record (DBLP's) gives the paper's type and date
                type="preprint",
            )
        )
    return records, int(total_text)


# ---------------------------------------------------------------- Hugo Blox

# Hugo Blox's url_* buttons besides url_pdf and url_code -> a paper's `links` names
_HUGO_LINKS = {
    f"url_{n.lower()}": n
    for n in ("Dataset", "Poster", "Project", "Slides", "Source", "Video", "Preprint")
}
_HUGO_IN = re.compile(r"(?i)^in\s+")  # `publication: In *Wowchemy Conference*`, at its start
_TOML_CLOSING = re.compile(r"\n\+\+\+[ \t]*(?:\n|\Z)")
# where tomllib (before Python 3.14) says the error is: only in its message
_TOML_AT = re.compile(r" \(at (?:line (\d+), column \d+|end of document)\)$")


def _hugo_front_matter(text: str, source: str) -> tuple[dict, str]:
    """YAML between `---` lines, as a paper file's, or TOML between `+++` (from line 2)."""
    text = text.replace("\r\n", "\n")
    if not re.match(r"\+\+\+[ \t]*\n", text):
        return front_matter(text, source)[:2]
    if (end := _TOML_CLOSING.search(text, text.index("\n"))) is None:
        raise SitegenError("front matter is not closed by a '+++' line", source, 1)
    toml = text[text.index("\n") + 1 : end.start() + 1]
    try:
        return tomllib.loads(toml), toml
    except tomllib.TOMLDecodeError as e:
        at = _TOML_AT.search(str(e))
        line = int(at.group(1)) + 1 if at and at.group(1) else toml.count("\n") + 1
        raise SitegenError(f"invalid TOML: {_TOML_AT.sub('', str(e))}", source, line) from None


def _hugo_date(value: Any, source: str, line: int) -> PaperDate | None:
    if isinstance(value, dt.date):  # YAML's and TOML's own dates and datetimes
        return value.date() if isinstance(value, dt.datetime) else value
    m = re.match(r"(\d{4})(?:-(\d\d?)(?:-(\d\d?))?)?(?:[T ]|$)", clean(value))
    if clean(value) and not m:
        raise SitegenError(f"not a date: {clean(value)[:40]!r}", source, line)
    return make_date(*m.groups(), source=source, line=line) if m else None


def parse_hugo(
    text: str,
    source: str,
    profile_name: Callable[[str], str] = lambda key: key,
    page_url: str = "",
) -> list[SourceRecord]:
    """One page of a Hugo Blox (Wowchemy) `content/publication/` folder, by its archetype's
    keys; a draft is none. An author may be a profile's key: `profile_name` names it.
    `page_url` is the URL Hugo gives the page by its path (/publication/NAME/): with the
    page's own `url`, `slug` and `aliases`, the paper's old URLs, kept as its `aliases`."""
    fm, fm_text = _hugo_front_matter(text, source)
    if fm.get("draft") is True:
        return []
    if isinstance(slug := fm.get("slug"), str) and page_url:
        page_url = page_url.rstrip("/").rsplit("/", 1)[0] + f"/{slug}/"
    given = fm.get("url") if isinstance(fm.get("url"), str) else page_url
    given = given if given.startswith("/") or not given else "/" + given  # from the root
    # an alias without a slash is relative to the page's section, as Hugo reads it
    section = page_url.rstrip("/").rsplit("/", 1)[0] + "/"
    aliases = [str(a) for a in _as_list(fm.get("aliases"))]
    old = [given, *(a if a.startswith("/") else section + a for a in aliases)]
    # as Hugo writes them: lower case, spaces as '-'; one that is no path here is left out
    old_urls = (alias_url(u.lower().replace(" ", "-")) for u in old if u)

    def line(key: str) -> int:  # a top-level key's line, YAML (`key:`) or TOML (`key =`)
        m = re.search(rf"(?m)^[\"']?{key}[\"']?[ \t]*[:=]", fm_text)
        return 2 + fm_text.count("\n", 0, m.start()) if m else 1

    date_key = "date" if fm.get("date") else "publishDate"
    # links as Hugo Blox writes them now (`- type: pdf`), and as Wowchemy did (`url_pdf`,
    # `links: - name:`, Hugo Academic's `url_custom`)
    typed = {
        clean(_value(x, "type")).lower(): _value(x, "url")
        for x in _as_list(fm.get("links"))
        if not _value(x, "name")
    }
    pdf = web_url(fm.get("url_pdf")) or web_url(typed.pop("pdf", None))
    code = web_url(fm.get("url_code")) or web_url(typed.pop("code", None))
    named = [(n, fm.get(k)) for k, n in _HUGO_LINKS.items()]
    named += [(k.title(), u) for k, u in typed.items()]
    for x in (*_as_list(fm.get("links")), *_as_list(fm.get("url_custom"))):
        named.append((clean(_value(x, "name")), _value(x, "url")))
    links = tuple((n, u) for n, raw in named if n and (u := web_url(raw)))
    ids = _value(fm, "hugoblox", "ids")  # `hugoblox: {ids: {doi: ..., arxiv: ...}}`
    urls = [pdf, *(u for _, u in links)]
    arxiv = bare_arxiv(_value(ids, "arxiv")) or next(
        filter(None, (bare_arxiv(u, hinted=True) for u in urls)), None
    )
    # a preprint's link gives its arXiv id, and is no button beside the arXiv one then
    links = tuple((n, u) for n, u in links if not (n == "Preprint" and bare_arxiv(u, hinted=True)))
    abstract = fm.get("abstract") or fm.get("summary")  # Markdown: its paragraphs kept
    paragraphs = re.split(r"\n\s*\n", abstract) if isinstance(abstract, str) else [abstract]
    kinds = fm.get("publication_types")
    kinds = kinds if isinstance(kinds, list) else [kinds]  # `"1"` alone, or a list of them
    return [
        _record(
            source,
            1,
            markdown_text(clean(fm.get("title"))),
            authors=tuple(
                _flip(profile_name(clean(a)))
                for a in _as_list(fm.get("authors"))
                if isinstance(a, str)
            ),
            date=_hugo_date(fm.get(date_key), source, line(date_key)),
            doi=bare_doi(fm.get("doi")) or bare_doi(_value(ids, "doi")),
            arxiv=arxiv,
            venue=_venue(_HUGO_IN.sub("", plain_inline(clean(fm.get("publication"))), count=1)),
            pdf=pdf,
            abstract="\n\n".join(filter(None, map(_lines, paragraphs))) or None,
            code_url=code,
            links=links,
            featured=fm.get("featured") is True or fm.get("selected") is True,
            type=next(filter(None, (_HUGO_TYPES.get(clean(t)) for t in kinds)), None),
            aliases=tuple("/" + u for u in dict.fromkeys(old_urls) if u),
            tags=tuple(dict.fromkeys(c for t in _as_list(fm.get("tags")) if (c := clean(str(t))))),
            warnings=_not_a_url("url_pdf", fm.get("url_pdf"), source, line("url_pdf")),
        )
    ]


def _lines(text: Any) -> str:
    """A Markdown paragraph cleaned line by line: a list's items stay on lines of their own."""
    return "\n".join(filter(None, map(clean, str(text or "").splitlines())))


def parse_hugo_author_data(text: str, source: str) -> str | None:
    """A Hugo Blox author's data file's name: `display`, else `given` and `family`."""
    name = _value(load_yaml(text, source), "name")
    if isinstance(name, str):
        return clean(name) or None
    given = " ".join(filter(None, (clean(_value(name, k)) for k in ("given", "family"))))
    return clean(_value(name, "display")) or given or None


def parse_hugo_author(text: str, source: str) -> str | None:
    """An author profile's (`authors/KEY/_index.md`) `title`, or `name` before Wowchemy 5."""
    fm = _hugo_front_matter(text, source)[0]
    return next(filter(visible, (clean(fm.get(k)) for k in ("title", "name"))), None)


# ---------------------------------------------------------------- owner's name

# Latin letters NFKD leaves whole, as English sources spell them (Søren: Soren)
_UNDECOMPOSED = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i"}
)


def _name_words(name: str) -> tuple[list[str], str]:
    """Folded words, family name last, and the suffix ("Jr.") apart. A hyphen parts given
    names ("Jean-Pierre", "J.-P."), not a family name ("Smith-Jones")."""
    n = split_name(clean(name))
    text = f"{n.given.replace('-', ' ')} {n.particle} {n.family}".replace(".", ". ").casefold()
    text = unicodedata.normalize("NFKD", text).translate(_UNDECOMPOSED)
    words = "".join(c for c in text if c.isalnum() or c == " ").split()
    return words, n.suffix.casefold().rstrip(".")


def owner_matcher(owner: str, people: Sequence[PersonEntry] = ()) -> Callable[[str], str | None]:
    """A name as sources print it -> the owner's name it spells, or None: 'L. Wu', 'Wu,
    Lemeng', 'LEMENG WU', a one-word name whole, a suffix only the owner's (Guy Steele, Jr.
    is not his father), and Hugo Blox's author keys: `admin`, `me`, `lemeng-wu`. A former
    name (an alias of the owner's in people.yaml) is spelt the same ways, and a paper keeps
    the name it was printed under: 'M. Berg' is 'Maria Berg', and 'Maria Berg' itself. A
    spelling people.yaml gives another person ('L. Wu', listed as Lei Wu's) is no owner's."""
    spellings = owner_spellings(list(people), owner)
    others = {name_key(n) for e in people for n in (e.name, *e.aliases)} - spellings
    names = [owner, *sorted(spellings - {name_key(owner)})]  # the owner's own name first
    tests = [(name, _spelling_of(name)) for name in names]
    keys = {"admin", "me", slugify_text(owner)}

    @functools.lru_cache(maxsize=4096)  # coauthors' names repeat across a whole export
    def owner_name(name: str) -> str | None:
        key = name_key(name)
        if name in keys:
            return owner
        if key in spellings:
            return name
        if key in others:
            return None
        return next((spelt for spelt, test in tests if test(name)), None)

    return owner_name


def _spelling_of(owner: str) -> Callable[[str], bool]:
    words, suffix = _name_words(owner)
    family, given = words[-1:], words[:-1]

    def spelt(name: str) -> bool:
        w, s = _name_words(name)
        if not words or s not in ("", suffix) or w[-1:] != family:
            return False
        if len(w) < 2:  # a one-word name ('王晓明', 'Plato') only whole
            return w == words
        return not given or w[0] == given[0] or (len(w[0]) == 1 and w[0] == given[0][0])

    return spelt


def _folded(name: str) -> str:
    """A name's letters as _name_words folds them, run together: what a family name is
    looked for in ('bergsmith' in 'M. van der Berg-Smith')."""
    text = unicodedata.normalize("NFKD", name.casefold()).translate(_UNDECOMPOSED)
    return "".join(c for c in text if c.isalnum())


def owner_lookalikes(
    coauthors: Sequence[Coauthor], owner: str, people: Sequence[PersonEntry]
) -> list[SitegenWarning]:
    """Coauthors whose name is a spelling of the owner's that an import would have taken for
    the owner ('Q. Liu', 'Liu, Qiang' in a hand-written file): each has a coauthor page of
    its own. people.yaml settles it either way: an alias of the owner's, or a person listed."""
    families = {w[-1] for n in owner_spellings(list(people), owner) if (w := _name_words(n)[0])}
    owner_name = owner_matcher(owner, people)
    listed = {name_key(n) for entry in people for n in (entry.name, *entry.aliases)}
    found = [
        c.person.name
        for c in coauthors  # a substring first: a site has thousands of coauthors
        if any(family in _folded(c.person.name) for family in families)
        and owner_name(c.person.name)
        and name_key(c.person.key) not in listed
    ]
    why = (
        "{!r} looks like {!r}, the site's owner, and has a coauthor page: if it is you, add "
        "it to your `aliases:` in content/people.yaml; if not, list it there as a person"
    )
    return [SitegenWarning(why.format(name, owner), "content/people.yaml") for name in found]


def coauthor_lookalikes(
    coauthors: Sequence[Coauthor], people: Sequence[PersonEntry]
) -> list[SitegenWarning]:
    """Coauthors whose names differ only in case, accents or punctuation ('Jason D Lee' from
    Scholar, 'Jason D. Lee' from DBLP): two pages, two feeds, each with half the papers.
    Said, not merged: people.yaml settles it, listing them as one person or as two."""
    listed = {name_key(entry.name) for entry in people}
    first: dict[str, str] = {}
    found = []
    for c in coauthors:
        name = c.person.name
        other = first.setdefault(title_words(name) or name, name)
        if other != name and not {name_key(other), name_key(name)} <= listed:
            found.append((other, name))
    why = (
        "coauthors {!r} and {!r} may be one person, with a page each: if so, list one as "
        "the other's alias in content/people.yaml"
    )
    warnings = [SitegenWarning(why.format(a, b), "content/people.yaml") for a, b in found]
    return warnings + _initials_lookalikes(coauthors, listed)


_LONE_LETTER = re.compile(r"(?<![^\W\d_])[^\W\d_](?![^\W\d_])")  # an initial: `D.`, `J.-P.`, `D`


def _initials_lookalikes(coauthors: Sequence[Coauthor], listed: set[str]) -> list[SitegenWarning]:
    """Coauthors named by initials ('D. Wang', as IEEE Xplore gives them) whose initials fit
    one full name of the same family on the site alone ('Dilin Wang', Scholar's): none when
    they fit two ('Q. Liu': Qiang Liu or Qi Liu?), so a big site hears only of likely ones."""

    def initialled(words: list[str]) -> bool:
        return len(words) > 1 and all(len(w) == 1 for w in words[:-1])

    # _name_words takes 40 us, and a site has thousands of coauthors: a name is read only if
    # it has an initial, or a word that is the family name of one that has
    names = [c.person.name for c in coauthors]
    read = {n: _name_words(n) for n in names if _LONE_LETTER.search(n)}
    if not (families := {words[-1] for words, _ in read.values() if initialled(words)}):
        return []
    for n in names:
        if n not in read and any(_folded(w) in families for w in n.replace(",", " ").split()):
            read[n] = _name_words(n)
    initials: list[tuple[tuple, str]] = []  # ((family, suffix, initials), name)
    full: dict[tuple, dict[str, str]] = {}  # (family, suffix, initials) -> names, by spelling
    for name, (words, suffix) in read.items():
        key = (words[-1], suffix, tuple(w[0] for w in words[:-1]))
        if initialled(words):
            initials.append((key, name))
        elif len(words) > 1:  # 'Jason D Lee' and 'Jason D. Lee' are one fit (and said above)
            full.setdefault(key, {}).setdefault(title_words(name), name)
    found = [
        (name, fits[0])
        for key, name in initials
        if len(fits := list(full.get(key, {}).values())) == 1
        and not {name_key(name), name_key(fits[0])} <= listed
    ]
    why = (
        "coauthor {!r} may be {!r}, the only coauthor whose name those initials fit, with a "
        "page each: if so, list {!r} as an alias of {!r} in content/people.yaml"
    )
    return [SitegenWarning(why.format(a, b, a, b), "content/people.yaml") for a, b in found]


def with_owner(record: SourceRecord, owner_name: Callable[[str], str | None]) -> SourceRecord:
    """The owner's spelling of their own name (owner_matcher's), so every page highlights
    it. One author only: in 'L. Wu and L. Wu' one may be the owner, the other is not; the
    one printed as one of the owner's names if there is one, else the first."""
    found = [(i, spelt) for i, a in enumerate(record.authors) if (spelt := owner_name(a))]
    if not found:
        return record
    mine, spelt = next(((i, n) for i, n in found if n == record.authors[i]), found[0])
    authors = list(record.authors)
    authors[mine] = spelt
    return replace(record, authors=tuple(authors))
