"""Citations and scholarly metadata (BibTeX, RIS, CSL-JSON, Scholar tags, JSON-LD): pure
functions of the `Paper`s the pages show, so a page's citation and the .bib files agree.
Keys follow Google Scholar's habit (`wu2022pathfusion`), as readers' own .bib files do."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import accumulate, count, product
from string import ascii_lowercase
from typing import Any, NamedTuple
from urllib.parse import quote, quote_plus

from . import urls
from .errors import drop_control
from .index import ARXIV_NAMES, OTHER_TOPIC, credited
from .markup import inline_tokens, plain_inline, typesets_commands
from .model import PAPER_TYPES, Paper, Person, Profile, name_key, page_range
from .slugs import slugify_text

# Profiles print an arXiv class without its archive ("LG" for cs.LG); these are not cs.
# Codes in neither this table nor ARXIV_NAMES are passed on as given.
_NON_CS_ARCHIVES = {
    "ML": "stat", "ME": "stat", "AP": "stat", "CO": "stat", "TH": "stat",
    "OC": "math", "PR": "math", "ST": "math", "NT": "math", "AG": "math", "AT": "math",
    "IV": "eess", "AS": "eess", "SP": "eess", "SY": "eess",
    "QM": "q-bio", "NC": "q-bio", "BM": "q-bio", "GN": "q-bio", "PE": "q-bio",
    "CP": "q-fin", "PM": "q-fin", "RM": "q-fin", "TR": "q-fin",
    "EM": "econ", "GN-ECON": "econ",
}  # fmt: skip

MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")

# Words that never make a citation key: "Towards ...", "On the ...", "Let us ...".
_KEY_STOPWORDS = frozenset(
    """a an the on of in for to and or with without via from by at as is are be do does can
    how what why when where which who towards toward let us we our your its it not into
    about beyond through using under over""".split()
)

_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
# Han (with 々), Hiragana, Katakana and Hangul: scripts that write a name family first
_CJK = re.compile(r"[\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
# Words that make a name an organisation's, kept whole: BibTeX printed "ATLAS Collaboration"
# as "Collaboration, A." and split "Barnes and Noble, Inc." at its comma.
_ORGANISATION = frozenset(
    """collaboration consortium team group project committee initiative investigators
    inc ltd llc corp corporation company institute laboratory laboratories labs research
    center centre department agency university society association foundation network
    council""".split()
)

# A brace is `\textbraceleft{}`, not `\{`: BibTeX counts the brace in `\{`, so a lone one
# left the field open and it swallowed the entries after it.
_LATEX_TABLE = str.maketrans({
    "\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
    "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
})  # fmt: skip
# TeX typesets `--` as an en dash (`-->` came back from a .bib as `–>`): `-{}-` is two hyphens
_DOUBLE_HYPHEN = re.compile(r"-(?=-)")
# str.split() already breaks on \t \n \v \f \r and \x1c-\x1f; replace only what it keeps
_CONTROL_LEFT = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
# Math as the Markdown math plugin (a test compares them) and arXiv's MathJax read it: any
# `$...$` or `$$...$$` pair, digits around it or not ("3$\times$"). The first branch skips
# `\\` and `\$` (a `$` after an odd number of backslashes is a dollar); group 1 or 2 is math.
_INLINE_MATH = re.compile(
    r"\\[\\$]|\$\$((?:\\.|[^\\$]|\$(?!\$))+?)\$\$|\$((?:\\.|[^\\$])+)\$", re.S
)
# Math in plain text (RIS, CSL-JSON: what cite writes math as), which has no escape for a
# dollar: a pair as Pandoc reads one, its opening `$` before a non-space and its closing one
# after a non-space and before no digit, so "for $5, not $500" is money and "$O(n^2)$" math
_PLAIN_MATH = re.compile(r"\$\$(.+?)\$\$|\$(?!\s)((?:\\.|[^\\$])+?)(?<!\s)\$(?!\d)", re.S)
# What math in a title must not hold to stay math in a .bib file, which LaTeX runs, beside a
# command the MathML converter does not know (markup.typesets_commands): what breaks the
# entry (`%&#$`, but not `\%`, a percent sign to TeX); `^^`, TeX's spelling of any
# character (`^^5cinput`); commands that touch files or programs, by what their names hold
# (`\lstinputlisting`), or define commands,
# load packages or change how TeX reads, some of which the converter knows (`\def`, `\href`).
_UNSAFE_MATH = re.compile(
    r"(?<!\\)(?:\\\\)*[%&#$]|\^\^|"
    r"\\[A-Za-z]*(?i:input|include|import|file|open|read|write|shell|lua|"
    r"listing|verbatim|minted|command|package|syntax)|\\(?:immediate|def|edef|gdef|xdef|let|"
    r"mathchardef|mathcode|"
    r"futurelet|catcode|csname|UseName|expandafter|documentclass|special|href|url|"
    r"makeatletter|jobname|scantokens|uppercase|lowercase|begin|end|verb)(?![A-Za-z])"
)
_BIB_URL = str.maketrans({"{": "%7B", "}": "%7D", "\\": "%5C"})
_LATEX_MARKS = {
    "em_open": "\\emph{", "strong_open": "\\textbf{", "em_close": "}", "strong_close": "}",
    "softbreak": " ", "hardbreak": " ",
}  # fmt: skip
# What starts markup in a title as markup.render_inline parses it (inline rules only, no
# raw HTML): emphasis, code, a link or image (`[`), an autolink, an escape, math, an
# entity. An underscore inside a word emphasises nothing, so "train_set" stays as it is.
_MARKDOWN_SPECIAL = re.compile(r"[\\`*\[<$]|&(?=#?\w+;)|(?<![^\W_])_|_(?![^\W_])")
# RIS's `et_al`: a note, which reference managers keep as one ("others" would be a person)
ET_AL_NOTE = "Author list shortened (et al.)"
# schema.org's own types for what is no article (a paper without `type` is one, as before)
_LD_TYPES = {"book": "Book", "chapter": "Chapter", "report": "Report",
             "thesis": "Thesis", "masters": "Thesis"}  # fmt: skip
_METRIC_NAMES = {
    "h_index": "h-index",
    "i10_index": "i10-index",
    "papers": "publications",
    "citations": "citations",
}
_PROFILE_TEXTS = {"position": "jobTitle", "affiliation": "affiliation"}
# what comes before, between and after the papers' entries in each site-wide file
_FILE_JOINS = {"bib": ("", "\n", ""), "ris": ("", "\r\n", ""), "json": ("[\n", ",\n", "\n]\n")}


class CitedAs(NamedTuple):
    """How each format names a kind of paper, and where its venue goes: a conference
    paper cited as `@article{..., journal = {NeurIPS}}` is imported as a journal article."""

    bibtex: str
    bib_venue: str
    ris: str  # TY: CPAPER, not CONF, which EndNote reads as a whole proceedings volume
    ris_venue: str  # JO a journal, T2 a conference or book title, PB a publisher or school
    csl: str
    csl_venue: str  # container-title or publisher, as CSL 1.0.2 defines each type's
    scholar: str  # Google Scholar's tags; Zotero reads citation_inbook_title as a book title
    ld_venue: tuple[str, str] | None  # schema.org (property, @type), or None: left out
    # a thesis's degree, which RIS (M3, "type of work") and CSL (`genre`) have no type for
    degree: str | None = None


_PUBLISHER = ("publisher", "Organization")
# Each BibTeX type but @misc requires its venue: a paper without one is written as @misc
# (BibTeX warns, some tools refuse the entry); RIS and CSL keep the type.
CITED_AS = dict(zip(PAPER_TYPES, (
    CitedAs("article", "journal", "JOUR", "JO", "article-journal", "container-title",
            "citation_journal_title", ("isPartOf", "Periodical")),
    CitedAs("inproceedings", "booktitle", "CPAPER", "T2", "paper-conference", "container-title",
            "citation_conference_title", ("isPartOf", "CreativeWork")),
    # RIS has no preprint: UNPB, "unpublished work", is EndNote's nearest; CSL's is `article`
    CitedAs("misc", "howpublished", "UNPB", "PB", "article", "publisher", "citation_publisher",
            _PUBLISHER),
    CitedAs("book", "publisher", "BOOK", "PB", "book", "publisher", "citation_publisher",
            _PUBLISHER),
    CitedAs("incollection", "booktitle", "CHAP", "T2", "chapter", "container-title",
            "citation_inbook_title", ("isPartOf", "Book")),
    CitedAs("phdthesis", "school", "THES", "PB", "thesis", "publisher",
            "citation_dissertation_institution", _PUBLISHER, "PhD thesis"),
    CitedAs("mastersthesis", "school", "THES", "PB", "thesis", "publisher",
            "citation_dissertation_institution", _PUBLISHER, "Master's thesis"),
    CitedAs("techreport", "institution", "RPRT", "PB", "report", "publisher",
            "citation_technical_report_institution", _PUBLISHER),
    CitedAs("misc", "howpublished", "GEN", "PB", "document", "publisher", "citation_publisher",
            None),
), strict=True))  # fmt: skip
# a paper whose file gives no `type` is cited as before the key existed, so that no
# site's citations change under it: as an article if it has a venue, else this
_UNTYPED = CITED_AS["misc"]._replace(csl="article")


def paper_type(paper: Paper) -> str:
    """What `paper` is: its `type`, or without one what its citations take it for."""
    return paper.type or ("article" if paper.venue else "misc")


def cited_as(paper: Paper) -> CitedAs:
    return CITED_AS[paper_type(paper)] if paper.type or paper.venue else _UNTYPED


def arxiv_subject(code: str) -> str:
    """The full arXiv class for a profile's two-letter code: LG -> cs.LG, ML -> stat.ML."""
    code = code.strip()
    upper = code.upper()  # no table has a dotted code: "cs.LG" is passed on as given
    archive = _NON_CS_ARCHIVES.get(upper, "cs" if upper in ARXIV_NAMES else None)
    return f"{archive}.{upper}" if archive else code


def one_line(text: str) -> str:
    """Reference formats are line-based: control characters and newlines become spaces."""
    # a sub that finds nothing is one scan; a translate of every text cost a second at 10k
    return " ".join(_CONTROL_LEFT.sub(" ", text).split())


@dataclass(frozen=True)
class Name:
    """A printed name split the way reference managers want it."""

    given: str
    family: str  # without the particle
    particle: str = ""  # "van der", "de la"
    suffix: str = ""  # "Jr."
    literal: bool = False  # one word (a mononym, CJK without spaces) or an organisation

    @property
    def organisation(self) -> bool:
        """A literal name of several words: only an organisation's is."""
        return self.literal and " " in self.family

    def parts(self) -> tuple[str, ...]:
        family = f"{self.particle} {self.family}".strip()
        return (family, *(part for part in (self.suffix, self.given) if part))

    def inverted(self) -> str:
        return ", ".join(self.parts())

    def printed(self) -> str:
        """'Given particle Family, Suffix', as a paper file keeps it: split_name reads it back
        to this Name. A CJK name is family first, unspaced ("王晓明"), as its script writes it;
        split_name reads it as one word: where the family name ends is not written (欧阳修)."""
        if not self.particle and _CJK.fullmatch(self.given) and _CJK.fullmatch(self.family):
            return ", ".join(part for part in (self.family + self.given, self.suffix) if part)
        name = " ".join(part for part in (self.given, self.particle, self.family) if part)
        return ", ".join(part for part in (name, self.suffix) if part)


@lru_cache(maxsize=65536)  # names repeat across thousands of papers
def split_name(name: str) -> Name:
    """'Daniel van der Berg' -> given Daniel, particle 'van der', family Berg. A comma means
    the name is inverted, unless all it sets off is a suffix: "Guy L. Steele, Jr." is not,
    "Steele, Jr., Guy L." (BibTeX) and "Steele, Guy L., Jr." (RIS) are. Lower-case words
    before the last are particles, as in BibTeX's von-part rule."""
    words = one_line(name).replace(",", " ").split()
    if len(words) > 1 and any(w.lower().rstrip(".") in _ORGANISATION for w in words):
        return Name(given="", family=one_line(name), literal=True)
    parts = [part.strip() for part in one_line(name).split(",")]
    at = next((i for i, part in enumerate(parts) if i and part.lower() in _NAME_SUFFIXES), 0)
    suffix = parts.pop(at) if at else ""
    if len(parts) > 1:
        return Name(given=", ".join(parts[1:]), family=parts[0], suffix=suffix)
    tokens = parts[0].split(" ")
    if not suffix and len(tokens) > 2 and tokens[-1].lower() in _NAME_SUFFIXES:
        suffix = tokens.pop()
    if len(tokens) == 1 and not suffix:
        return Name(given="", family=tokens[0], literal=True)
    if not suffix and all(_CJK.fullmatch(t) for t in tokens):  # 田中 太郎: family name first
        return Name(given=" ".join(tokens[1:]), family=tokens[0])
    # BibTeX's "First von Last": the von part runs from the first lower-case word after the
    # first to the last one before the last word; the rest is the family name (La Fontaine)
    low = [i for i in range(1, len(tokens) - 1) if tokens[i][:1].islower()]
    start, end = (low[0], low[-1] + 1) if low else (len(tokens) - 1,) * 2
    return Name(
        given=" ".join(tokens[:start]),
        family=" ".join(tokens[end:]),
        particle=" ".join(tokens[start:end]),
        suffix=suffix,
    )


@lru_cache(maxsize=1 << 14)  # names and title words recur across thousands of papers
def _ascii_word(text: str) -> str:
    return slugify_text(text).replace("-", "")


def _tex(text: str) -> str:
    return _DOUBLE_HYPHEN.sub("-{}", text.translate(_LATEX_TABLE))


def latex_escape(text: str) -> str:
    return _tex(one_line(text))


def _balanced(tex: str) -> bool:
    # BibTeX counts every brace, `\{` too; no prefix may close more braces than it opened
    steps = [{"{": 1, "}": -1}.get(c, 0) for c in tex]
    return min(accumulate(steps), default=0) >= 0 and sum(steps) == 0 and not tex.endswith("\\")


def _latex_math(math: str, source: str) -> str:
    """`$math$`, or its `source` as text when unbalanced or unsafe (_UNSAFE_MATH), with its
    dollars as `\\textdollar{}`: sitegen's reader reads `\\$` as a dollar, this as math."""
    keep = math.strip() and _balanced(math) and not _UNSAFE_MATH.search(math)
    keep = keep and typesets_commands(math)
    return f"${math}$" if keep else _tex(source).replace(r"\$", r"\textdollar{}")


def _around_math(
    text: str,
    outside: Callable[[str], str],
    math: Callable[[str, str], str],
    pattern: re.Pattern[str] = _INLINE_MATH,
) -> str:
    """`text` with `outside` applied between its math and `math` to (each math, its source)."""
    out, end = [], 0
    for m in pattern.finditer(text):
        if (tex := m.group(1) or m.group(2)) is not None:  # else an escaped `$` or `\\`: text
            out += [outside(text[end : m.start()]), math(tex, m.group())]
            end = m.end()
    return "".join(out) + outside(text[end:])


def latex_text(text: str) -> str:
    """Plain text (a venue, not Markdown) with `$math$` kept as math, the rest escaped."""
    return _around_math(one_line(text), _tex, _latex_math)


def _latex_tokens(tokens: Sequence[Any]) -> Iterator[str]:
    for t in tokens:
        if t.type.startswith("math_inline"):
            yield _latex_math(t.content, t.markup + t.content + t.markup)
        elif t.type in ("text", "code_inline"):  # entities decoded: `&#x202E;` is U+202E now
            yield _tex(drop_control(t.content))
        elif t.type == "image":  # its alt text, as the page shows it
            yield from _latex_tokens(t.children or [])
        else:  # a link is its text
            yield _LATEX_MARKS.get(t.type, "")


def latex_title(title: str) -> str:
    """A title's Markdown as LaTeX: the text the page shows (a link its text, `&amp;` an
    ampersand), emphasis as \\emph, math kept as latex_text keeps it."""
    tokens = inline_tokens(one_line(title))
    return latex_escape(title) if tokens is None else one_line("".join(_latex_tokens(tokens)))


def markdown_text(text: str, plain: bool = False) -> str:
    """Plain text with TeX math (a title from BibTeX or arXiv; `plain`, one from RIS or
    CSL-JSON, whose math is _PLAIN_MATH's) -> inline Markdown (a paper file's title) that
    shows the same characters, `$math$` kept as math."""
    escape = partial(_MARKDOWN_SPECIAL.sub, r"\\\g<0>")
    pattern = _PLAIN_MATH if plain else _INLINE_MATH
    return _around_math(text, escape, lambda math, source: source, pattern)


def dollars_as_text(text: str) -> str:
    """Plain text (a RIS or CSL-JSON abstract) for a reader of TeX (profile.markdown_inline):
    each `$` outside _PLAIN_MATH's math is `\\$`, a dollar."""
    return _around_math(text, lambda s: s.replace("$", "\\$"), lambda m, src: src, _PLAIN_MATH)


def base_key(paper: Paper, owner: str = "") -> str:
    """first author's family name + year + first significant title word, ASCII (a draft's
    too: its authors as written, not yet resolved). The first author is the one the
    citation names: the owner, for a paper credited to them alone (index.credited)."""
    names = credited(paper, owner)
    family = _ascii_word(split_name(names[0]).family) if names else ""
    tokens = re.split(r"[\s\-/:,;.!?()\[\]{}\"']+", _INLINE_MATH.sub(" ", paper.title))
    # Chinese and Japanese write no spaces: an unspaced title was one "word", its whole
    # reading in the key (wangxiaoming2024jiyukuosanmoxingdetuxiang...); its first two
    # characters stand for a word, as a first word does
    words = (_ascii_word(t[:2] if _CJK.match(t) else t) for t in tokens)
    word = next((w for w in words if w and w not in _KEY_STOPWORDS), "paper")
    return f"{family or 'anon'}{paper.year}{word}"


def citation_keys(
    papers: Sequence[Paper],
    drafts: Sequence[Paper] = (),
    owner: str = "",
    stems: dict[str, str] | None = None,
) -> dict[str, str]:
    """slug -> a key unique across the site. The paper added first (`added`, else its date:
    the earliest it can have come) keeps the bare key, later ones get b, c, ...: a new
    paper, even an old one imported late, never changes a key others may already cite. A
    draft holds its key too, so that drafting a paper or publishing it moves no other's.
    `stems`: slug -> base_key, when the caller has them (unsettled_keys reads them too)."""
    keys: dict[str, str] = {}
    used: set[str] = set()
    for p in sorted([*papers, *drafts], key=lambda p: (p.added or p.date, p.date, p.slug)):
        key = base = stems[p.slug] if stems is not None else base_key(p, owner)
        if key in used:  # b ... z, aa ... zz, aaa ...: never run out
            suffixes = ("".join(t) for n in count(1) for t in product(ascii_lowercase, repeat=n))
            key = next(base + s for s in suffixes if s != "a" and base + s not in used)
        used.add(key)
        keys[p.slug] = key
    return keys


def unsettled_keys(
    papers: Sequence[Paper], keys: dict[str, str], stems: dict[str, str]
) -> list[tuple[Paper, list[str]]]:
    """Each paper without `added` whose key shares its stem (`stems`: slug -> base_key) with
    another's, and the others' keys. Which of them keeps the bare key goes by when each came
    to the site, and such a paper says only when it was dated: a file written by hand, dated
    before an imported paper came, took that paper's key, which manuscripts already cite."""
    groups: dict[str, list[Paper]] = {}
    for p in papers:
        groups.setdefault(stems[p.slug], []).append(p)
    return [
        (p, sorted(keys[q.slug] for q in group if q is not p))
        for group in groups.values()
        if len(group) > 1
        for p in group
        if p.added is None
    ]


def _cited_name(name: str) -> Name:
    """A name without a mark of equal contribution (`Ann Lee*`), as name_key has it."""
    return split_name(name_key(name))


def _bib_name(name: str) -> str:
    """'Family, Given' with LaTeX escaped; BibTeX reads particles and suffixes from it."""
    n = _cited_name(name)
    text = ", ".join(latex_escape(part) for part in n.parts() if part)
    if n.organisation:  # braces keep it one name, unsplit
        return "{" + text + "}"
    # "and" inside a name would split it into two authors
    return re.sub(r"(?i)\band\b", lambda m: "{" + m.group(0) + "}", text)


def keywords(paper: Paper) -> tuple[str, ...]:
    """The arXiv class, then the tags, each on one line (a tag may hold a newline)."""
    subject = () if paper.topic == OTHER_TOPIC else (arxiv_subject(paper.topic),)
    return tuple(dict.fromkeys(map(one_line, (*subject, *paper.tags))))


def _bib_url(text: str) -> str:
    """URLs and identifiers go into BibTeX verbatim; only a brace could break the entry, or
    a backslash before one (`10.1000/x\\` ended an entry that bibtexparser did not end)."""
    return one_line(text).translate(_BIB_URL)


def _publisher(paper: Paper, venue_field: str, field: str) -> str | None:
    """The paper's publisher, but where its venue is that very field already (a book's
    publisher, a thesis's school in RIS's PB): one field, one value."""
    return None if paper.venue and venue_field == field else _optional(paper.publisher)


def _pages(paper: Paper) -> tuple[str | None, str | None]:
    return page_range(one_line(paper.pages)) if paper.pages else (None, None)


def bibtex_entry(paper: Paper, key: str, url: str) -> str:
    """One BibTeX entry. `url` is the paper's page on this site, absolute."""
    authors = [_bib_name(a.name) for a in paper.authors]
    if paper.et_al or not authors:
        authors.append("others")
    tags = keywords(paper)
    kind = cited_as(paper)
    publisher = _publisher(paper, kind.bib_venue, "publisher")
    # BibTeX's range is `--` (an en dash typeset), each page escaped on its own
    pages = "--".join(map(latex_escape, filter(None, _pages(paper))))
    fields = [
        ("author", "{" + " and ".join(authors) + "}"),
        ("title", "{{" + latex_title(paper.title) + "}}"),
        (kind.bib_venue, "{" + latex_text(paper.venue) + "}" if paper.venue else None),
        ("volume", "{" + latex_escape(paper.volume) + "}" if paper.volume else None),
        ("number", "{" + latex_escape(paper.issue) + "}" if paper.issue else None),
        ("pages", "{" + pages + "}" if pages else None),
        ("publisher", "{" + latex_text(publisher) + "}" if publisher else None),
        ("year", "{" + str(paper.year) + "}"),
        ("month", MONTH_MACROS[paper.date.month - 1] if paper.date_parts > 1 else None),
        ("url", "{" + _bib_url(url) + "}"),
        ("doi", "{" + _bib_url(paper.doi) + "}" if paper.doi else None),
        ("eprint", "{" + _bib_url(paper.arxiv) + "}" if paper.arxiv else None),
        ("archiveprefix", "{arXiv}" if paper.arxiv else None),
        ("keywords", "{" + ", ".join(map(latex_escape, tags)) + "}" if tags else None),
    ]
    present = {name: value for name, value in fields if value is not None}
    width = max(map(len, present))
    body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in present.items())
    return f"@{kind.bibtex if paper.venue else 'misc'}{{{key},\n{body}\n}}\n"


def _optional(text: str | None) -> str | None:
    return one_line(text) if text else None


def _ris_name(name: Name) -> str:
    """RIS's order, `Lastname, Firstname, Suffix` (RefMan's AU tag), not BibTeX's
    `Last, Jr, First`: a reference manager would take the suffix for the given name."""
    return ", ".join(part for part in (name.parts()[0], name.given, name.suffix) if part)


def ris_record(paper: Paper, url: str) -> str:
    """One RIS record (EndNote, Zotero, Mendeley). Lines end in CRLF, as the format asks."""
    kind = cited_as(paper)
    lines = [
        ("TY", kind.ris),
        ("TI", one_line(plain_inline(paper.title))),
        *[("AU", _ris_name(_cited_name(a.name))) for a in paper.authors],
        ("PY", str(paper.year)),
        # not strftime: its %Y gives the year 999 as 999 on glibc, as 0999 elsewhere
        ("DA", paper.date_iso.replace("-", "/") + "/" * (4 - paper.date_parts)),
        (kind.ris_venue, _optional(paper.venue)),
        ("M3", kind.degree),
        ("VL", _optional(paper.volume)),
        ("IS", _optional(paper.issue)),
        *zip(("SP", "EP"), _pages(paper), strict=True),
        ("PB", _publisher(paper, kind.ris_venue, "PB")),
        ("AB", _optional(paper.summary_text)),
        *[("KW", k) for k in keywords(paper)],
        ("DO", _optional(paper.doi)),
        ("UR", one_line(url)),
        ("L1", _optional(paper.pdf)),
        ("N1", f"arXiv:{one_line(paper.arxiv)}" if paper.arxiv else None),
        ("N1", ET_AL_NOTE if paper.et_al else None),
        ("ER", ""),
    ]
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines if value is not None)


def csl_name(name: str) -> dict[str, str]:
    n = _cited_name(name)
    if n.literal:
        return {"literal": n.family}
    optional = {"non-dropping-particle": n.particle, "suffix": n.suffix}
    return {"family": n.family, "given": n.given, **{k: v for k, v in optional.items() if v}}


def csl_item(paper: Paper, key: str, url: str) -> dict[str, Any]:
    """One CSL-JSON item. Title, venue and abstract are HTML to its readers (a title's `<i>`
    became italics); `et_al` is "others", as Pandoc reads BibTeX's "and others"."""
    kind = cited_as(paper)
    publisher = _publisher(paper, kind.csl_venue, "publisher")
    others = [{"literal": "others"}] if paper.et_al else []
    item: dict[str, Any] = {
        "id": key,
        "citation-key": key,
        "type": kind.csl,
        "title": html.escape(one_line(plain_inline(paper.title)), quote=False),
        "author": [*(csl_name(a.name) for a in paper.authors), *others],
        "issued": {
            "date-parts": [[paper.year, paper.date.month, paper.date.day][: paper.date_parts]]
        },
        "URL": url,
        kind.csl_venue: _optional(html.escape(paper.venue or "", quote=False)),
        "genre": kind.degree,
        # rich text, as the venue: `&` is `&amp;`
        "volume": _optional(html.escape(paper.volume or "", quote=False)),
        "issue": _optional(html.escape(paper.issue or "", quote=False)),
        "page": _optional(html.escape("-".join(filter(None, _pages(paper))), quote=False)),
        **({"publisher": html.escape(publisher, quote=False)} if publisher else {}),
        "abstract": _optional(html.escape(paper.summary_text, quote=False)),
        "DOI": _optional(paper.doi),
        "number": f"arXiv:{one_line(paper.arxiv)}" if paper.arxiv else None,
        "keyword": ", ".join(keywords(paper)) or None,
    }
    return {name: value for name, value in item.items() if value is not None}


def entry(kind: str, paper: Paper, key: str, url: str) -> str:
    """A paper's entry in the site-wide "bib", "ris" or "json" file: one per paper, so that
    a build keeps each between builds (at 10,000 papers, the three files took 1.5 s)."""
    if kind == "bib":
        return bibtex_entry(paper, key, url)
    if kind == "ris":
        return ris_record(paper, url)
    return json.dumps(csl_item(paper, key, url), ensure_ascii=False)


def publication_file(kind: str, entries: Sequence[str]) -> str:
    """The site-wide file from the papers' entries. JSON has one item per line: readable,
    and fast to write (an indented dump goes through the slow pure-Python encoder)."""
    before, between, after = _FILE_JOINS[kind]
    return before + between.join(entries) + after


def json_for_script(data: Any) -> str:
    """JSON safe inside <script>: with <, > and & escaped, no title can end the block."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char in "<>&\u2028\u2029":  # str.replace: a translate table is 20 times slower
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def scholar_meta(paper: Paper, url: str) -> tuple[tuple[str, str], ...]:
    """Google Scholar's `citation_*` tags, in its inclusion guide's order; an institution
    belongs to the author before it, written when people.yaml gives one. The language is
    the paper's own, when its file gives it: a German site's English papers are English."""
    tags: list[tuple[str, str | None]] = [("citation_title", one_line(plain_inline(paper.title)))]
    for a in paper.authors:
        tags.append(("citation_author", _cited_name(a.name).inverted()))
        if a.person.affiliation:
            tags.append(("citation_author_institution", one_line(a.person.affiliation)))
    pdf = paper.pdf
    if not pdf and paper.url and (paper.url.lower().endswith(".pdf") or "/pdf/" in paper.url):
        pdf = paper.url
    tags += [
        ("citation_publication_date", paper.date_iso.replace("-", "/")),  # not strftime
        (cited_as(paper).scholar, _optional(paper.venue)),
        ("citation_volume", _optional(paper.volume)),
        ("citation_issue", _optional(paper.issue)),
        *zip(("citation_firstpage", "citation_lastpage"), _pages(paper), strict=True),
        # not in Scholar's own table, but in the tags its support asks publishers for
        ("citation_publisher", _publisher(paper, cited_as(paper).scholar, "citation_publisher")),
        ("citation_doi", _optional(paper.doi)),
        ("citation_abstract_html_url", url),
        ("citation_pdf_url", pdf or None),
        ("citation_keywords", "; ".join(keywords(paper)) or None),
        ("citation_language", paper.language),
    ]
    return tuple((name, value) for name, value in tags if value is not None)


def _person_ld(person: Person, name: str, base_url: str, paged: bool) -> dict[str, Any]:
    """An author, with the URL of their page on this site (the owner's is home), when the
    paper gives its authors one (`paged`: no collaboration's paper does)."""
    kind = "Organization" if _cited_name(name).organisation else "Person"
    out: dict[str, Any] = {"@type": kind, "name": one_line(name_key(name))}
    if person.is_owner or paged:
        url = urls.HOME if person.is_owner else urls.coauthor(person.slug)
        out["url"] = urls.absolute(base_url, url)
    if person.affiliation:
        out["affiliation"] = {"@type": "Organization", "name": one_line(person.affiliation)}
    return out


def article_jsonld(
    paper: Paper, url: str, topic_name: str, base_url: str, paged: bool = True
) -> str:
    """schema.org ScholarlyArticle for one paper page at `url`; `base_url` is the site's."""
    title = one_line(plain_inline(paper.title))
    about = {"@type": "Thing", "name": topic_name, "identifier": arxiv_subject(paper.topic)}
    doi = {"@type": "PropertyValue", "propertyID": "DOI", "value": paper.doi}
    code = {"@type": "SoftwareSourceCode", "codeRepository": paper.code_url}
    venue = cited_as(paper).ld_venue if paper.venue else None
    part_of = {"@type": venue[1], "name": one_line(paper.venue or "")} if venue else {}
    if venue == ("isPartOf", "Periodical"):  # schema.org's article in an issue of a volume
        for kind, number, value in (
            ("PublicationVolume", "volumeNumber", paper.volume),
            ("PublicationIssue", "issueNumber", paper.issue),
        ):
            if value:
                part_of = {"@type": kind, number: one_line(value), "isPartOf": part_of}
    publisher = _publisher(paper, venue[0] if venue else "", "publisher")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": _LD_TYPES.get(paper.type or "", "ScholarlyArticle"),
        "@id": url + "#article",
        "url": url,
        "mainEntityOfPage": url,
        "name": title,
        "headline": title if len(title) <= 110 else title[:109].rstrip() + "…",
        "author": [_person_ld(a.person, a.name, base_url, paged) for a in paper.authors],
        "datePublished": paper.date_iso,
        "inLanguage": paper.language,
        "keywords": list(keywords(paper)),
        "about": None if paper.topic == OTHER_TOPIC else about,
        "identifier": doi if paper.doi else None,
        "abstract": _optional(paper.summary_text),
        **({venue[0]: part_of} if venue else {}),
        "pagination": _optional(paper.pages),
        **({"publisher": {"@type": "Organization", "name": publisher}} if publisher else {}),
        "sameAs": paper.url or None,
        "isBasedOn": code if paper.code_url else None,
    }
    return json_for_script({name: value for name, value in data.items() if value is not None})


def person_jsonld(
    profile: Profile,
    url: str,
    topics: Sequence[str],
    paper_count: int,
    links: Sequence[str],
    bio_text: str = "",
) -> str:
    """schema.org Person for the home page, with the profile's metrics as counters; `links`
    are the checked profile links the page shows, `bio_text` the bio as text."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Person",
        "@id": url + "#person",
        "name": one_line(profile.name),
        "url": url,
        "mainEntityOfPage": {"@type": "ProfilePage", "url": url},
    }
    if bio_text := one_line(bio_text):
        data["description"] = bio_text
    for key, name in _PROFILE_TEXTS.items():
        value = profile.extra.get(key)  # as written: the page shows them cleaned
        if isinstance(value, str) and (value := one_line(drop_control(value))):
            data[name] = value
    if "affiliation" in data:
        data["affiliation"] = {"@type": "Organization", "name": data["affiliation"]}
    if topics:
        data["knowsAbout"] = list(topics)
    if links:
        data["sameAs"] = list(links)
    # the site's own count, as the page shows it, stands in for the profile's
    metrics = {"papers": paper_count, **profile.metrics}
    metrics["papers"] = paper_count
    counter = {"@type": "InteractionCounter"}
    counts = {k: int(v) for k, v in metrics.items() if float(v).is_integer()}  # not 55.5 %
    data["interactionStatistic"] = [
        {**counter, "name": _METRIC_NAMES.get(k, k.replace("_", " ")), "userInteractionCount": v}
        for k, v in counts.items()
    ]
    return json_for_script(data)


def search_links(paper: Paper) -> tuple[tuple[str, str], ...]:
    """Where to look a paper up by title when the profile gave no link to it."""
    title = unicodedata.normalize("NFC", one_line(plain_inline(paper.title)).replace("$", ""))
    return (
        ("arXiv", f"https://arxiv.org/search/?query={quote_plus(title)}&searchtype=title"),
        ("Semantic Scholar", f"https://www.semanticscholar.org/search?q={quote(title)}"),
        ("Google Scholar", f"https://scholar.google.com/scholar?q={quote_plus(title)}"),
    )
