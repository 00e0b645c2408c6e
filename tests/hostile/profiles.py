"""Hypothesis strategies for profile texts: valid ones with known fields, and mutations.

A valid profile is drawn as a `Spec` (what the text means: owner, header,
papers with their exact fields) and rendered to text in the format the seed
uses, with the harmless variations a copy-paste brings (blank lines, trailing
spaces, hard-wrapped abstracts). The round-trip tests then compare what
sitegen read back against the Spec, not against sitegen's own parse.

Mutations take any profile text and damage it the way files get damaged:
lines deleted, duplicated, swapped, the file cut anywhere, random Unicode and
control characters, CRLF and lone CR line ends, a byte-order mark, very long
lines.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

AS_OF = dt.date(2026, 11, 25)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "profiles"

# The grammar's own definition of "a line that starts a paper" (see sitegen/profile.py):
# generated titles and abstract lines must not look like one, or they would be.
DATE_LINE_LIKE = re.compile(r"[A-Z]{2}(?:" + "|".join(MONTHS) + r")[a-z]*\.?\s*\d")


def seed_text() -> str:
    return (FIXTURES / "seed.txt").read_text(encoding="utf-8")


def messy_text() -> str:
    return (FIXTURES / "messy.txt").read_bytes().decode("utf-8")


# ---------------------------------------------------------------- pieces

# Letters from many scripts, as a string alphabet: st.text() then draws a whole
# string at once, several times faster than per-character strategies, and the
# fuzz tests need thousands of whole profiles.
LETTERS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßÀÉÎÕÜŁłŒœŠšŽžĳǄǅǆ"
    "αβγδεζηθλμπσφψωΓΔΘΛΞΠΣΦΨΩабвгдежзийклмнопрстуфхцчшщыэюяЖЩЯ"
    "李明王芳東京清华大学김민준이서연אבגדהوزحطيكلمنあいうえおアイウエオ"
    "ǰﬁİı"  # letters whose case mapping changes their length
)
_name_word = st.one_of(
    st.sampled_from(
        [
            "Zoë",
            "Núñez",
            "李明",
            "O'Brien",
            "Jean-Luc",
            "van",
            "der",
            "Ødegaard",
            "김민준",
            "Ana",
            "Wei",
            "Łukasz",
            "Ümit",
            "Ærøskøbing",
            "Sørensen",
            "D'Angelo",
            "Çelik",
            "Nguyễn",
            "Đặng",
            "Smith",
            "SMITH",
            "smith",
            "Γιώργος",
            "Иван",
            "محمد",
            "אבי",
        ]
    ),
    st.text(LETTERS, min_size=1, max_size=9),
)
_suffix = st.sampled_from(["", "", "", "", " Jr.", " Sr."])
person_name = (
    st.tuples(st.lists(_name_word, min_size=1, max_size=4).map(" ".join), _suffix)
    .map(lambda t: t[0] + t[1])
    .filter(lambda n: len(n) <= 80 and not re.search(r"(?i)\bet(\s+al)?$", n))
)
affiliation = st.one_of(
    st.sampled_from(
        [
            "pku",
            "meta-ai",
            "mila",
            "University of Tokyo",
            "ETH Zürich",
            "Université Paris-Saclay",
            "清华大学",
            "MIT CSAIL",
            "Max Planck Institute for Intelligent Systems",
            "A&M",
        ]
    ),
    st.text("abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=12).filter(lambda a: a.strip("-")),
)

# A title carries at least one character no name may contain, so it can never
# be mistaken for an authors line (a genuinely ambiguous text is not "valid").
_TITLE_CHARS = LETTERS + " :&<>\"'#-{}$*_!?()[]/0123456789,.;=+|~`%@^"
_MARKERS = list(':&<>"?$#123!()=@')
title = (
    st.tuples(
        st.one_of(
            st.text(_TITLE_CHARS, min_size=1, max_size=60),
            st.sampled_from(
                [
                    "<script>alert(1)</script>",
                    "{{ 7*7 }} and {% if 1 %}x{% endif %}",
                    "</title><script>alert(2)</script>",
                    "A \"quoted\" <b>bold</b> & 'single'",
                    "$O(N^2)$ sorting",
                    "Let us Build Bridges: Understanding Diffusion",
                    "..",
                    "../../etc/passwd",
                    "Ǆemal's Über-Network: 東京 2020",
                    "— em dash — and … ellipsis",
                ]
            ),
        ),
        st.sampled_from(_MARKERS),
    )
    .map(lambda t: " ".join((t[0] + t[1]).split()))
    .filter(lambda t: bool(t) and not DATE_LINE_LIKE.match(t) and "·" not in t)
)

# Abstract fragments: (as the profile writes it, as the page must read it).
_PLAIN_FRAGMENTS = [
    ("$O(N^2)$", "$O(N^2)$"),
    ("$\\text{AP}_{\\text{3D}}$", "$\\text{AP}_{\\text{3D}}$"),
    ("S\\&P", "S&P"),
    ("R&D", "R&D"),
    ("a < b > c", "a < b > c"),
    ('"quoted"', '"quoted"'),
    ("top-1*", "top-1*"),
    ("train_set", "train_set"),
    ("(1)", "(1)"),
    ("1,234", "1,234"),
    ("~3x", "~3x"),
    ("100\\%", "100%"),
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ("{{ 7*7 }}", "{{ 7*7 }}"),
    ("{% raw %}", "{% raw %}"),
    ("&copy;", "&copy;"),
    ("&amp;", "&amp;"),
    ("`tick`", "`tick`"),
    ("*star*", "*star*"),
    ("\\textit{word}", "word"),
    ("\\textbf{bold}", "bold"),
    ("\\url{https://github.com/a/b}", "https://github.com/a/b"),
    ("\\url{javascript:alert(1)}", "javascript:alert(1)"),
    ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),
    ("[d](data:text/html,hi)", "[d](data:text/html,hi)"),
    ("x^2", "x^2"),
    ("#hash", "#hash"),
    ("a\\b", "a\\b"),
    ("</title>", "</title>"),
    ("]]>", "]]>"),
]
_fragment = st.one_of(
    st.text(LETTERS, min_size=1, max_size=12).map(lambda w: (w, w)),
    st.sampled_from(_PLAIN_FRAGMENTS),
)


@st.composite
def paragraph(draw: st.DrawFn) -> tuple[list[str], str]:
    """(hard-wrapped lines as written, the paragraph's text as it must read)."""
    frags = draw(st.lists(_fragment, min_size=1, max_size=10))
    raw_words = ["We"] + [f[0] for f in frags]
    shown = ["We"] + [f[1] for f in frags]
    cuts = sorted(set(draw(st.lists(st.integers(1, len(raw_words) - 1), max_size=2))))
    lines, start = [], 0
    for c in [*cuts, len(raw_words)]:
        if c > start:
            lines.append(" ".join(raw_words[start:c]))
            start = c
    if any(DATE_LINE_LIKE.match(line) for line in lines):
        lines = [" ".join(raw_words)]
    return lines, " ".join(shown)


_upper = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_topic = st.one_of(
    st.sampled_from(["LG", "CV", "CL", "AI", "DC", "CR", "RO", "ML"]),
    st.tuples(_upper, _upper).map("".join),
)


@dataclass(frozen=True)
class PaperSpec:
    topic: str
    date: dt.date
    year_shown: bool
    date_sep: str  # between day and year: ", " (as the seed), "," or " "
    code: bool
    title: str
    authors: tuple[str, ...]
    et_al: bool
    affiliations: tuple[str, ...]
    paragraphs: tuple[tuple[str, ...], ...]  # each: hard-wrapped lines
    shown: tuple[str, ...]  # each paragraph as the page must read it
    gaps: tuple[int, int, int]  # blank lines after date line, title, authors line
    trailing: str  # whitespace a copy leaves at line ends

    @property
    def year_inferred(self) -> bool:
        return not self.year_shown


@dataclass(frozen=True)
class ProfileSpec:
    owner: str
    field: str | None
    metrics: tuple[tuple[str, str, object], ...]  # (line as written, key, value)
    declared: bool
    papers: tuple[PaperSpec, ...]
    crlf: bool
    bom: bool


def _yearless_date(d: dt.date) -> dt.date:
    """What a date shown without a year means: the latest such day on or before AS_OF."""
    for y in range(AS_OF.year, AS_OF.year - 9, -1):
        try:
            cand = dt.date(y, d.month, d.day)
        except ValueError:
            continue
        if cand <= AS_OF:
            return cand
    raise AssertionError(d)


@st.composite
def paper_spec(draw: st.DrawFn, owner: str) -> PaperSpec:
    year_shown = draw(st.booleans())
    d = draw(st.dates(dt.date(1990, 1, 1), AS_OF))
    if not year_shown:
        d = _yearless_date(d)
    authors = draw(st.lists(person_name, min_size=1, max_size=4))
    if draw(st.booleans()):
        authors.insert(draw(st.integers(0, len(authors))), owner)
    affs = draw(st.lists(affiliation, max_size=3))
    et_al = draw(st.booleans())
    t = draw(title)
    strong = len(authors) >= 2 or et_al or bool(affs)
    if not strong and "," in t and not re.search(r"[\d:;!?$\\{}\[\]()<>=@#*|\"&%^~/+_]", t):
        t += ":"  # "Fast, Cheap, Good" over a one-name authors line is ambiguous
    paras = draw(st.lists(paragraph(), max_size=3))
    return PaperSpec(
        topic=draw(_topic),
        date=d,
        year_shown=year_shown,
        date_sep=draw(st.sampled_from([", ", ", ", ",", " "])),
        code=draw(st.booleans()),
        title=t,
        authors=tuple(authors),
        et_al=et_al,
        affiliations=tuple(affs),
        paragraphs=tuple(tuple(p[0]) for p in paras),
        shown=tuple(p[1] for p in paras),
        gaps=(draw(st.integers(0, 2)), draw(st.integers(0, 2)), draw(st.integers(0, 2))),
        trailing=draw(st.sampled_from(["", "", " ", "  ", "\t", " \t "])),
    )


_METRICS = [
    ("h-index{n}", "h_index"),
    ("{n}papers", "papers"),
    ("{n}citations", "citations"),
    ("Novelty{n}%", "novelty"),
    ("AI Score{n}", "ai_score"),
]


@st.composite
def profile_spec(draw: st.DrawFn, max_papers: int = 4) -> ProfileSpec:
    owner = draw(person_name)
    metrics = []
    for fmt, key in draw(st.lists(st.sampled_from(_METRICS), unique=True, max_size=5)):
        n = draw(st.integers(0, 250_000))
        shown = f"{n:,}" if key in ("papers", "citations") else str(n)
        metrics.append((fmt.format(n=shown), key, n))
    papers = draw(
        st.lists(paper_spec(owner), min_size=1, max_size=max_papers)  # type: ignore[call-arg]
    )
    return ProfileSpec(
        owner=owner,
        field=draw(st.sampled_from([None, "CV", "Machine Learning", "Théorie des nombres"])),
        metrics=tuple(metrics),
        declared=draw(st.booleans()),
        papers=tuple(papers),
        crlf=draw(st.booleans()),
        bom=draw(st.booleans()),
    )


def render(spec: ProfileSpec) -> str:
    out = [spec.owner, ""]
    if spec.field is not None:
        out.append(spec.field)
    out += [line for line, _, _ in spec.metrics]
    if spec.declared:
        out += ["", f"{len(spec.papers)} Papers"]
    out.append("")
    for p in spec.papers:
        t = p.trailing
        d = p.date
        year = f"{p.date_sep}{d.year}" if p.year_shown else ""
        out.append(f"{p.topic}{MONTHS[d.month - 1]} {d.day}{year}{'Code' if p.code else ''}{t}")
        out += [""] * p.gaps[0]
        out.append(p.title + t)
        out += [""] * p.gaps[1]
        line = ", ".join(p.authors) + (" et al." if p.et_al else "")
        if p.affiliations:
            line += " · " + ", ".join(p.affiliations)
        out.append(line + t)
        out += [""] * p.gaps[2]
        for para in p.paragraphs:
            out += [x + t for x in para]
            out.append("")
        out.append("")
    text = "\n".join(out)
    if spec.crlf:
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if spec.bom else "") + text


def expected_text(p: PaperSpec) -> str:
    """The abstract as the page's plain text must read (paragraphs on their own lines)."""
    return "\n".join(" ".join(s.split()) for s in p.shown)


# ---------------------------------------------------------------- mutations

CONTROL_CHARS = list("\x00\x01\x07\x08\x0b\x0c\x0e\x1b\x1c\x1f\x7f\x80\x85\x9f") + [
    "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\u200b", "\u202e", "\r",
]  # fmt: skip
LONG_LINES = [
    "x" * 100_000,
    "9" * 50_000,
    "LG" * 30_000,
    "Ana, " * 20_000,
    "Ana " * 20_000 + "et al. · pku",
    "$" * 50_000,
    "\\url{" * 20_000,
    "h-index" + "1" * 30_000,
    "a " * 50_000 + "1",
    "LGMar 16, 2024" + "Code" * 10_000,
    "1,000" * 10_000 + "citations",
    "{\\ours}" * 10_000,
    "_*`&" * 20_000,
    "é" * 60_000,
    "李" * 60_000,
]


@st.composite
def mutated(draw: st.DrawFn, text: str, surrogates: bool = True) -> str:
    """`text`, damaged by 1 to 8 random edits."""
    lines = text.split("\n")
    chars = st.characters(exclude_categories=() if surrogates else ("Cs",))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(
            st.sampled_from(
                ["del", "dup", "swap", "cut", "unicode", "control", "long", "crlf", "cr",
                 "bom", "blank", "digit", "dateline", "replace"]
            )
        )  # fmt: skip
        n = len(lines)
        i = draw(st.integers(0, max(n - 1, 0)))
        if op == "del" and lines:
            del lines[i]
        elif op == "dup" and lines:
            lines.insert(i, lines[i])
        elif op == "swap" and lines:
            j = draw(st.integers(0, n - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut":
            joined = "\n".join(lines)
            lines = joined[: draw(st.integers(0, len(joined)))].split("\n")
        elif op == "unicode" and lines:
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + draw(st.text(chars, min_size=1, max_size=20)) + lines[i][k:]
        elif op == "control" and lines:
            k = draw(st.integers(0, len(lines[i])))
            lines[i] = lines[i][:k] + draw(st.sampled_from(CONTROL_CHARS)) + lines[i][k:]
        elif op == "long":
            lines.insert(i, draw(st.sampled_from(LONG_LINES)))
        elif op == "crlf":
            lines = "\r\n".join(lines).split("\n")  # every line end becomes CRLF
        elif op == "cr" and lines:
            lines[i] += "\r"
        elif op == "bom":
            lines[0:1] = ["\ufeff" + (lines[0] if lines else "")]
        elif op == "blank":
            lines.insert(i, draw(st.sampled_from(["", " ", "\t", "   \t"])))
        elif op == "digit" and lines:
            line = lines[i]
            spots = [k for k, c in enumerate(line) if c.isdigit()]
            if spots:
                k = draw(st.sampled_from(spots))
                lines[i] = (
                    line[:k]
                    + draw(st.sampled_from(list("0123456789") + ["", "99999"]))
                    + line[k + 1 :]
                )
        elif op == "dateline":
            mon = draw(st.sampled_from(MONTHS + ["Foo", "Sept", "jan"]))
            day = draw(st.integers(0, 40))
            year = draw(st.sampled_from(["", ", 2024", ", 0000", ", 99999", ",2023", " 1999"]))
            topic = draw(st.sampled_from(["LG", "cv", "XY", "L", "LGG"]))
            lines.insert(
                i, f"{topic}{mon} {day}{year}{draw(st.sampled_from(['', 'Code', 'code', 'Cod']))}"
            )
        elif op == "replace" and lines:
            lines[i] = draw(st.text(chars, max_size=60))
    return "\n".join(lines)
