"""Slugs: the ASCII names of files and URLs, alike for the importer and the build.

A slug is part of a permalink: the same text must give it on every machine and in every
release. So text-unidecode transliterates here, not python-slugify's default backend,
which switches to `Unidecode` (other transliterations) whenever that is installed. The
result equals `slugify(text, backend="text-unidecode", ...)`; a test checks it.
"""

from __future__ import annotations

import re
import unicodedata

from slugify import slugify
from text_unidecode import unidecode

SLUG_MAX = 80

_QUOTES = re.compile(r"'+")  # python-slugify's first step: an ASCII apostrophe splits words
_ASCII_SAFE = re.compile(r"[\x20-\x7e]*")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")  # "1,000" -> "1000"


def slugify_text(text: str) -> str:
    """Lowercase ASCII words joined by '-', cut at a word boundary, or "". Other scripts
    are transliterated ("Zoë Núñez" -> "zoe-nunez", "李明" -> "li-ming"), not dropped."""
    text = _QUOTES.sub("-", text)
    if not text.isascii():
        # Apostrophes made by transliteration (’ -> ') join words, as in python-slugify.
        text = unidecode(unicodedata.normalize("NFKD", text)).replace("'", "")
    # the usual title (printable ASCII, no entity, short) in one regex: slugify takes 10-70 us
    if _ASCII_SAFE.fullmatch(text) and "&" not in text:
        slug = "-".join(_ASCII_WORD.findall(_DIGIT_COMMA.sub("", text.lower())))
        if len(slug) <= SLUG_MAX:
            return slug
    return slugify(text, max_length=SLUG_MAX, word_boundary=True, save_order=True)


# names Windows keeps for devices, with any extension: a folder so named cannot be made
# or checked out there (a coauthor "Con", a tag "aux", `slug: nul`)
WINDOWS_RESERVED = frozenset(
    ["con", "prn", "aux", "nul", *(f"{d}{i}" for d in ("com", "lpt") for i in range(1, 10))]
)


def paper_slug(year: int, title: str) -> str:
    """`<year>-<title words>`: sorts by year in a folder; a title with no words gets one."""
    return f"{year:04d}-{slugify_text(title) or 'paper'}"


# the diacritical marks Latin, Greek and Cyrillic put on letters, and the vowel points
# Arabic and Hebrew may leave out: ignored when titles are compared (تَعَلُّم is تعلم); other
# scripts' marks are letters (Devanagari's vowel signs)
_ACCENTS = re.compile(
    "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    "\u064b-\u065f\u0670\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7]"
)
# letters no decomposition takes an accent from, folded as dictionaries sort them: Øystein
# and Łukasz among the O and L names, not after Z
_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ß": "ss", "ı": "i"}
)
_NOT_WORD = re.compile(r"[\W_]+")
# TeX's Greek letters (`$\alpha$`, DBLP's `\(\alpha\)`, `\varepsilon`), which other sources
# give as the letter (Zotero's `α`); a Markdown title doubles the backslash
_GREEK_NAMES = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho "
    "sigma tau upsilon phi chi psi omega"
).split()  # Unicode's order, from U+03B1 (and U+0391), where rho's next (U+03C2) is left out
_GREEK = {
    **{n: chr(0x3B1 + i + (i > 16)) for i, n in enumerate(_GREEK_NAMES)},
    **{n.title(): chr(0x391 + i + (i > 16)) for i, n in enumerate(_GREEK_NAMES)},
}
# a Greek letter as its name, for matching titles: OpenReview's `beta-VAE` is arXiv's `$\beta$-VAE`
# (not in title_words, whose other callers sort by it: `gamma` comes after `delta`)
GREEK_AS_NAMES = str.maketrans({chr(0x3B1 + i + (i > 16)): n for i, n in enumerate(_GREEK_NAMES)})
_GREEK_COMMAND = re.compile(rf"\\+(?:var)?({'|'.join(_GREEK)})(?![A-Za-z])")
_MATH = re.compile(r"\$[^$]+\$")
_SCRIPT = re.compile(r"[_^](?:\{([^{}]*)\}|)")  # `_2`, `^{2}`: a sub- or superscript's mark


def title_words(title: str) -> str:
    """A title as its words, so that two spellings of one title compare equal: case,
    accents and punctuation aside, and a sub- or superscript's mark in math (`$L_2$` is
    `L2`, which a profile shows; it had split the word, a second paper). `\\W` alone took
    the vowel signs of Devanagari or Thai for punctuation, so किताब and कुताब (two titles)
    were one. A TeX Greek letter is that letter, and `&` is "and", as other sources write
    them: Zotero's `α-Divergence` is Scholar's `$\\alpha$-divergence`."""
    if "\\" in title:
        title = _GREEK_COMMAND.sub(lambda m: _GREEK[m[1]], title)
    if "&" in title:
        title = title.replace("&", " and ")
    if "$" in title:
        title = _MATH.sub(lambda m: _SCRIPT.sub(r"\1", m[0]), title)
    folded = title.casefold()
    if folded.isascii():
        return " ".join(_NOT_WORD.sub(" ", folded).split())
    folded = _ACCENTS.sub("", unicodedata.normalize("NFKD", folded.translate(_LETTERS)))
    kept = (c if c.isalnum() or unicodedata.category(c)[0] == "M" else " " for c in folded)
    return " ".join("".join(kept).split())
