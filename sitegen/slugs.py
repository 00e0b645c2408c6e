"""Slugs: the ASCII, readable names that become file names and URLs.

One module so that the importer (which names `content/papers/*.md`) and the
build (which may slug topics, coauthors or user titles) agree on the rules.
A slug is part of a permalink, so these functions must stay deterministic:
the same text gives the same slug on every machine and in every release.
"""

from __future__ import annotations

import re

from slugify import slugify

# Titles are mostly plain ASCII; python-slugify's transliteration (text-unidecode)
# is only needed for the rest, and skipping it keeps a 10,000-paper import fast.
_ASCII_WORD = re.compile(r"[a-z0-9]+")
_ASCII_SAFE = re.compile(r"[\x20-\x7e]*")  # no entities to decode, nothing to transliterate

_DIGIT_COMMA = re.compile(r"(?<=\d),(?=\d)")  # "1,000" -> "1000", as python-slugify does

SLUG_MAX = 80


def slugify_text(text: str, max_len: int = SLUG_MAX) -> str:
    """Lowercase ASCII words joined by '-', cut at a word boundary.

    Accented and CJK text is transliterated ("Zoë Núñez" -> "zoe-nunez",
    "李明" -> "li-ming") rather than dropped, so a non-English title still
    gives a readable slug. May return "" when nothing sluggable is left.
    """
    if _ASCII_SAFE.fullmatch(text) and "&" not in text:
        words = _ASCII_WORD.findall(_DIGIT_COMMA.sub("", text.lower()))
        slug = "-".join(words)
        if len(slug) <= max_len:
            return slug
    return slugify(text, max_length=max_len, word_boundary=True, save_order=True)


def paper_slug(year: int, title: str, max_len: int = SLUG_MAX) -> str:
    """`<year>-<title words>`: sorts by year in a directory listing and stays
    readable; a title with nothing sluggable still gets a usable name."""
    words = slugify_text(title, max_len=max_len)
    return f"{year:04d}-{words}" if words else f"{year:04d}-paper"
