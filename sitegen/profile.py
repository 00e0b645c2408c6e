"""Profile text -> records: a pure function, no files, no clock.

The text is copied from a profile web page, so the parser forgives what a copy adds
(CRLF, a BOM, stray spaces and blank lines, control characters) and refuses what it
cannot guess (an impossible date, a paper with no title or authors) with a SitegenError
naming the line; a doubt is a SitegenWarning. Any text at all comes back as a Profile or
a SitegenError, never another exception: the fuzz tests hold it to that.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import CONTROL, MAYBE_CONTROL, SitegenError, SitegenWarning, visible

MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}
_MON = "|".join(MONTHS)

# A paper's first line: `LGAug 31, 2022`, `DCNov 18, 2024Code`, `LGMar 16`.
_ENTRY = re.compile(rf"([A-Z]{{2}})({_MON})\s*(\d{{1,2}})(?:,?\s*(\d{{4}}))?\s*(Code)?")
# Anything that starts like one: a damaged date line, reported, not glued to the abstract.
_ENTRY_LIKE = re.compile(rf"[A-Z]{{2}}(?:{_MON})[a-z]*\.?\s*\d")

# Bounded: int() never meets 5,000 digits, and the patterns stay linear.
_NUMBER = r"\d{1,3}(?:,\d{3}){1,4}(?:\.\d{1,6})?|\d{1,15}(?:\.\d{1,6})?"
_DECLARED = re.compile(rf"({_NUMBER})\s+[Pp]apers?")  # `32 Papers`: the list's own count
_METRIC_NAME_FIRST = re.compile(rf"(\D+?)\s*({_NUMBER})\s*(%?)")  # `h-index29`, `AI Score56`
_METRIC_NUMBER_FIRST = re.compile(rf"({_NUMBER})\s*(%?)\s*([^\W\d_]\D*)")  # `1,323citations`
_KEY_JUNK = re.compile(r"[^a-z0-9]+")

# A NUL in the first 8 KiB makes a file binary, as git and grep decide.
SNIFF_BYTES = 8192
BINARY_MESSAGE = "this is a binary file, not a profile text"

# What the build drops (errors.CONTROL), dropped before the escaping (a U+FDD0 dropped later
# hid a `#` from it), what YAML reads as line breaks, and a BOM; not tabs and newlines.
_CONTROL = re.compile(f"{CONTROL.pattern}|[\u2028\u2029\ufeff]")
_MAYBE_CONTROL = re.compile(f"[{MAYBE_CONTROL}\u2028\u2029\ufeff]")  # a superset of _CONTROL
_SPACE_LIKE = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")

# Authors line: `A, B, C et al. · affil, affil`.
_AFF_SEP = re.compile(r"\s+·(?:\s+|$)")
_ET_AL = re.compile(r",?\s*\bet\.?\s*al\b\.?\s*$", re.IGNORECASE)  # content._ET_AL spellings
# one before the end of the names (`Bo Wu, et al., Ann Lee`, `Bo Wu et al. Ann Lee`)
_ET_AL_INSIDE = re.compile(r"\bet\.?\s*al\b(?!\.?\s*$)\.?", re.IGNORECASE)
_NOT_IN_NAME = re.compile(r"[\d:;!?$\\{}\[\]()<>=@#*|\"&%^~/+_]")
_NOT_IN_AFFIL = re.compile(r"[:;!?$\\{}\[\]<>=*|\"^~]")
_SUFFIXES = frozenset({"jr.", "sr."})
_Authors = tuple[tuple[str, ...], bool, tuple[str, ...]]

# Markdown conversion of an abstract: _INLINE is tried at each trigger character.
_TRIGGER_CHARS = "$\\{*`_&"
_INLINE_TRIGGER = re.compile(f"[{re.escape(_TRIGGER_CHARS)}]")
_INLINE = re.compile(
    r"""(?:
     (?P<math>\$\$(?:\\.|[^$\\])+\$\$|\$(?:\\.|[^$\\])+\$|\\\((?:(?!\\\)).){1,400}\\\))
    |\\url\{\s*(?P<url>[^{}]*?)\s*\}
    |(?P<macro>\{\\(?:ours|method)\}|\\(?:ours|method)(?![A-Za-z])(?:\{\})?)
    |\\(?P<cmd>textit|emph|textbf)\{(?P<arg>[^{}$]*)\}
    |\\(?P<latex>[&%])
    |(?P<bs>\\.)
    |(?P<md>[*`])
    |(?P<us>_)
    |(?P<ent>&(?=\#?\w+;))
    )""",
    re.VERBOSE,
)
_LINK_OK = re.compile(r"https?://[^\s<>]+")
_BLOCK_START = re.compile(r"[#>+=~\[-]|(\d{1,9})([.)])(?=\s|$)")
_URL_IN_TEXT = re.compile(r"\\url\{\s*(https?://[^{}\s]+?)\s*\}|(https?://[^\s<>\"'{}\\]+)")
_URL_TAIL = ".,;:!?)]'"
CODE_HOSTS = ("github.com", "gitlab.com", "huggingface.co", "bitbucket.org")


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """One paper as the profile shows it; nothing inferred beyond the year."""

    topic: str
    date: dt.date
    year_inferred: bool
    title: str
    authors: tuple[str, ...]
    et_al: bool
    affiliations: tuple[str, ...]
    code: bool
    abstract_raw: str
    line: int

    def short_name(self) -> str:
        """The method's name, as abstracts use it: "PathFusion: Path-..." -> "PathFusion"."""
        return self.title.split(":", 1)[0].strip() or self.title

    def owner_in_et_al(self, owner: str, aliases: Iterable[str] = ()) -> bool:
        """The owner is not among the names, under the name or a former one (`aliases`): the
        profile lists only the owner's papers."""
        keys = {_name_key(name) for name in (owner, *aliases)}
        return all(_name_key(a) not in keys for a in self.authors)

    def code_url(self) -> str | None:
        """The first URL if the paper is marked as having code, else the first on a code host."""
        if "http" not in self.abstract_raw:  # most abstracts: a substring test, not a regex scan
            return None
        for m in _URL_IN_TEXT.finditer(self.abstract_raw):
            url = m.group(1) or m.group(2).rstrip(_URL_TAIL)
            try:
                host = (urlsplit(url).hostname or "").lower()
            except ValueError:  # e.g. an unbalanced "[" in what looked like an IPv6 host
                continue
            if host and (self.code or any(host == h or host.endswith("." + h) for h in CODE_HOSTS)):
                return url
        return None

    def body_markdown(self) -> str:
        """The abstract as Markdown that renders as it reads: math kept byte for byte, `\\url{}`
        an autolink (http(s) only: `\\url{javascript:..}` stays text), `\\ours` the method's
        name, and what Markdown would read as formatting escaped."""
        a = self.abstract_raw
        short = markdown_inline(self.short_name()) if "\\ours" in a or "\\method" in a else None
        return "\n\n".join(markdown_inline(p, short) for p in a.split("\n\n"))


@dataclass(frozen=True)
class Profile:
    """Everything the profile text says, in the order it says it."""

    owner: str
    field: str | None
    metrics: dict[str, int | float]
    declared_count: int | None
    records: tuple[PaperRecord, ...]
    warnings: tuple[SitegenWarning, ...] = ()


def markdown_inline(text: str, short: str | None = None) -> str:
    """One paragraph of abstract text (see PaperRecord.body_markdown). `short` is the
    already-converted method name for `{\\ours}` and `\\method`; None leaves them as written."""

    def convert(m: re.Match[str]) -> str:
        kind = m.lastgroup
        if kind in ("math", "bs"):
            return m.group(0)
        if kind == "url":
            url = m.group("url")
            return f"<{url}>" if _LINK_OK.fullmatch(url) else markdown_inline(url)
        if kind == "macro":
            return m.group(0) if short is None else short
        if kind == "arg":  # \textit{..} / \emph{..} / \textbf{..}
            mark = "**" if m.group("cmd") == "textbf" else "*"
            return f"{mark}{markdown_inline(m.group('arg'), short)}{mark}"
        if kind == "latex":
            return m.group("latex")
        if kind == "us":  # inside a word (train_set) it never emphasises; elsewhere it may
            i = m.start()
            inside = 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()
            return "_" if inside else "\\_"
        return "\\" + m.group(0)  # md, ent

    # The full pattern only where a trigger character sits; the substring tests run at
    # memchr speed, several times faster than a regex scan of a text with none.
    parts: list[str] = []
    done = 0
    triggers = _INLINE_TRIGGER.finditer(text) if any(c in text for c in _TRIGGER_CHARS) else ()
    for t in triggers:
        pos = t.start()
        if pos < done:
            continue  # inside math or a command already converted
        if m := _INLINE.match(text, pos):
            parts += (text[done:pos], convert(m))
            done = m.end()
    out = "".join(parts) + text[done:] if parts else text
    if b := _BLOCK_START.match(out):
        out = out[: b.start(2)] + "\\" + out[b.start(2) :] if b.group(2) else "\\" + out
    return out


def parse_profile(text: str, *, as_of: dt.date, source: str = "<profile>") -> Profile:
    """`as_of` is the day the profile was captured: a date without a year is the latest
    such day on or before it. `source` names the file in messages (SitegenError, exit 2)."""
    r = _Reader(text, source, as_of)
    lines = r.lines

    first = next((i for i, s in enumerate(lines) if s), None)
    if first is None:
        raise r.error("the profile is empty", 1)
    owner = _collapse(lines[first])
    # a name of format characters only (U+200B) is none to the build (content._as_str)
    if not visible(owner) or _ENTRY_LIKE.match(owner) or _metric(owner):
        raise r.error(
            f"expected the owner's name on the first line, found {_quote(owner)}", first + 1
        )

    starts = [i for i in range(first + 1, len(lines)) if _ENTRY_LIKE.match(lines[i])]
    if not starts:
        last = max(i for i, s in enumerate(lines) if s)
        raise r.error(
            "no papers found: expected a date line such as 'LGMar 16, 2024' after the header",
            last + 1,
        )
    field_label: str | None = None
    metrics: dict[str, int | float] = {}
    declared: int | None = None
    declared_line: int | None = None
    header = [(i, s) for i in range(first + 1, starts[0]) if (s := _collapse(lines[i]))]
    for n, (i, s) in enumerate(header):
        if m := _DECLARED.fullmatch(s):
            declared, declared_line = int(_number(m.group(1))), i + 1
        elif (metric := _metric(s)) is not None:
            metrics[metric[0]] = metric[1]
        elif n == 0 and len(s) <= 60 and not any(c.isdigit() for c in s):
            field_label = s  # `CV`: the research area shown under the name
        else:
            r.warn(f"ignored header line {_quote(s)}", i + 1)
    records = [r.entry(s, e) for s, e in zip(starts, starts[1:] + [len(lines)], strict=True)]

    # without a `32 Papers` line, a whole-number papers metric is the count (with no line)
    expected = declared if declared is not None else metrics.get("papers")
    if isinstance(expected, int) and expected != len(records):
        r.warn(f"the header says {expected} papers but {len(records)} were found", declared_line)
    return Profile(owner, field_label, metrics, declared, tuple(records), tuple(r.warnings))


class _Reader:
    def __init__(self, text: str, source: str, as_of: dt.date) -> None:
        self.source = source
        self.as_of = as_of
        self.warnings: list[SitegenWarning] = []
        self.lines = self.clean_lines(text)

    def error(self, message: str, line: int) -> SitegenError:
        return SitegenError(message, path=self.source, line=line, exit_code=2)

    def warn(self, message: str, line: int | None) -> None:
        self.warnings.append(SitegenWarning(message, self.source, line))

    def clean_lines(self, text: str) -> list[str]:
        """Undo what copying and saving adds, keeping line numbers as the editor shows them."""
        if (nul := text.find("\x00")) >= 0:
            # Same rule as the importer applies to the file's bytes, so both agree.
            if len(text[:nul].encode("utf-8", "surrogatepass")) < SNIFF_BYTES:
                raise self.error(BINARY_MESSAGE, 1)
            raise self.error("a NUL byte: this is not a profile text", text.count("\n", 0, nul) + 1)
        text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        maybe = _MAYBE_CONTROL.search(text)  # most texts have no astral character: done
        if maybe and (bad := _CONTROL.search(text, maybe.start())):
            self.warn(
                f"removed control characters (the first is U+{ord(bad.group()):04X})",
                text.count("\n", 0, bad.start()) + 1,
            )
            text = _CONTROL.sub(lambda m: " " if m.group() in _SPACE_LIKE else "", text)
        return [s.strip() for s in text.split("\n")]

    def entry(self, start: int, end: int) -> PaperRecord:
        lines = self.lines
        head = lines[start]
        if not (m := _ENTRY.fullmatch(head)):
            raise self.error(
                f"cannot read the date line {_quote(head)}: expected a topic, a date and "
                "an optional 'Code', like 'LGMar 16, 2024' or 'DCNov 18, 2024Code'",
                start + 1,
            )
        topic, mon, day, year, code = m.groups()
        date, inferred = self.date(mon, int(day), year, start + 1)

        body = [i for i in range(start + 1, end) if lines[i]]
        if not body:
            raise self.error(f"the paper dated {_quote(head)} has no title", start + 1)
        a0 = _authors(lines[body[0]])
        a1 = _authors(lines[body[1]]) if len(body) > 1 else None
        if a1 is not None and not (_strong(a0) and not _strong(a1)):
            title, authors = _collapse(lines[body[0]]), a1
        elif _strong(a0):
            raise self.error(
                f"the paper dated {_quote(head)} has no title: the next line is its author list",
                start + 1,
            )
        elif len(body) == 1:
            raise self.error(f"the paper {_quote(lines[body[0]])} has no authors line", body[0] + 1)
        if _et_al_inside(lines[body[1]]):  # a name to the build, or no authors line at all
            raise self.error(
                f"'et al' before the end of the authors line {_quote(lines[body[1]])}: the site "
                "shows it after the last name only; move it to the end or remove it",
                body[1] + 1,
            )
        if a1 is None:
            raise self.error(
                "expected the authors line ('Name, Name et al. · affiliation') after the "
                f"title, found {_quote(lines[body[1]])}",
                body[1] + 1,
            )

        if not visible(title):  # as a paper file's title must be (content._as_str)
            raise self.error(f"the paper dated {_quote(head)} has no title", body[0] + 1)
        # Blank lines part paragraphs; the lines of a hard-wrapped paragraph join with a space.
        block = "\n".join(lines[body[1] + 1 : end]).strip("\n")
        abstract = "\n\n".join(p.replace("\n", " ") for p in re.split(r"\n\n+", block))
        if not abstract:
            self.warn(
                f"the paper {_quote(title)} has no abstract; imported with an empty body", start + 1
            )
        names, et_al, affiliations = authors
        return PaperRecord(
            topic=topic,
            date=date,
            year_inferred=inferred,
            title=title,
            authors=names,
            et_al=et_al,
            affiliations=affiliations,
            code=code is not None,
            abstract_raw=abstract,
            line=start + 1,
        )

    def date(self, mon: str, day: int, year: str | None, line: int) -> tuple[dt.date, bool]:
        month = MONTHS[mon]
        if year is not None:
            try:
                return dt.date(int(year), month, day), False
            except ValueError:
                raise self.error(f"impossible date: {mon} {day}, {year}", line) from None
        # No year: the profile's way to show this year (Feb 29 may be years back).
        for y in range(self.as_of.year, max(self.as_of.year - 8, 0), -1):
            try:
                d = dt.date(y, month, day)
            except ValueError:
                continue
            if d <= self.as_of:
                return d, True
        raise self.error(f"impossible date: {mon} {day}", line)


def _metric(s: str) -> tuple[str, int | float] | None:
    if (m := _METRIC_NAME_FIRST.fullmatch(s)) and any(c.isalpha() for c in m.group(1)):
        name, value = m.group(1), m.group(2)
    elif m := _METRIC_NUMBER_FIRST.fullmatch(s):
        name, value = m.group(3), m.group(1)
    else:
        return None
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    key = _KEY_JUNK.sub("_", ascii_name.lower()).strip("_")
    # A metric is named in a word or two (`h-index`): a long line ending in a number is none.
    return (key, _number(value)) if key and len(key) <= 64 else None


def _authors(line: str) -> _Authors | None:
    """Names, et-al flag and affiliations, or None for a line that is no authors line."""
    s = _collapse(line)
    affs: tuple[str, ...] = ()
    names_part = s
    if "·" in s and (m := _AFF_SEP.search(s)):
        names_part = s[: m.start()]
        # one that shows nothing (U+200B) is an empty one, which the build would refuse
        affs = tuple(a for a in (x.strip() for x in s[m.end() :].split(",")) if visible(a))
        if any(_NOT_IN_AFFIL.search(a) or a.count(" ") > 7 for a in affs):
            return None
    if e := _ET_AL.search(names_part, max(0, len(names_part) - 16)):  # whitespace is collapsed
        names_part = names_part[: e.start()]
    if _NOT_IN_NAME.search(names_part):
        return None
    # a Chinese input method's comma (，) and the Japanese list's (、) part names as ',' does
    names = tuple(n for n in (x.strip() for x in re.split("[,，、]", names_part)) if n)
    if not names:
        return None
    if any(
        n.count(" ") > 5
        or len(n) > 80
        or (not n[0].isalpha() and not any(c.isalpha() for c in n))
        or (n[-1] == "." and n.rsplit(" ", 1)[-1].lower() not in _SUFFIXES)
        for n in names
    ):
        return None
    return names, e is not None, affs


def _et_al_inside(line: str) -> bool:
    """An authors line but for an 'et al' before its end: read as part of a name, or
    making the line no authors line at all (`et al.,` is no name), it went unexplained."""
    names = _AFF_SEP.split(line, maxsplit=1)[0]
    return bool(_ET_AL_INSIDE.search(names)) and (
        _authors(line) is not None
        or _authors(_ET_AL_INSIDE.sub(",", names) + line[len(names) :]) is not None
    )


def _strong(a: _Authors | None) -> bool:
    """An authors line that could not be a one-name-long title."""
    return a is not None and (a[1] or bool(a[2]) or len(a[0]) >= 2)


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _collapse(s: str) -> str:
    return " ".join(s.split())


def _number(s: str) -> int | float:
    s = s.replace(",", "")
    return float(s) if "." in s else int(s)


def _quote(s: str) -> str:
    return repr(s if len(s) <= 60 else s[:57] + "...")
