"""The words a theme shows, in the site's language (README, "Your language"): one plain dict,
phrase -> text, that templates name (`words["Abstract"]`), so every page's key covers it, and
that the Python writing words on pages and in feeds is handed, never a table of its own."""

from __future__ import annotations

import difflib
import re
import string
from pathlib import Path
from typing import Any

from .errors import SitegenError, SitegenWarning, decode, drop_control, read_bytes
from .yamlutil import key_line, load_yaml

ENGLISH = "en.yaml"  # the list of phrases; every other file maps some of them to its words
# a BCP 47 tag as sitegen reads one, a site's `language` and a paper's alike
LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


# ISO 639-1's languages (and iw, in, ji, their old codes): a tag among them is no typo
LANGUAGES = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho "
    "hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku "
    "kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn "
    "no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm "
    "sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi "
    "vo wa wo xh yi yo za zh zu iw in ji".split()
)


def _read(path: Path) -> tuple[Any, str]:
    text = decode(read_bytes(path, path), path)
    return load_yaml(text, path), text


def load_words(
    dirs: list[Path], language: str, overrides: dict[str, str], config: Path
) -> tuple[dict[str, str], list[SitegenWarning]]:
    """English, then the theme's file for the language (`pt.yaml` then `pt-BR.yaml`; the
    default theme's, then the chosen theme's: `dirs`, most specific first), then the site's
    `words:`. A phrase no table knows is warned of at its line, with the closest known one."""
    table: dict[str, str] = {}
    for d in reversed(dirs):
        path = d / "words" / ENGLISH
        if path.is_file():
            phrases, _ = _read(path)
            if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                raise SitegenError("must be a list of phrases", path, 1)
            table.update((p, p) for p in phrases)
    warnings: list[SitegenWarning] = []
    tags = dict.fromkeys((_base(language), language))
    files = [d / "words" / f"{tag}.yaml" for d in reversed(dirs) for tag in tags if tag != "en"]
    english = "en" in tags  # `en-GB`: English, as said
    if files and not english and not overrides and not any(path.is_file() for path in files):
        # `language: xx`, or `fe` for `fr`: English pages that say they are not (lang="xx")
        known = sorted({p.stem for d in dirs for p in (d / "words").glob("*.yaml")} - {"en"})
        # of the same first letter: `fe` may be `fr`, `he` is no `zh`; and `fa` is Persian,
        # not a slip for `fr` (a Danish site "fixed" to `de` would be in German)
        close = difflib.get_close_matches(
            language, [k for k in known if k[0] == language[0]], 1, 0.5
        )
        if _base(language) in LANGUAGES:
            close = []
        hint = f"did you mean {close[0]!r}? " if close else ""
        why = f"no words for language {language!r}: pages are in English; {hint}the theme has "
        text = decode(read_bytes(config, config), config) if config.is_file() else ""
        where = key_line(text, ("language",)) if text else None
        warnings.append(SitegenWarning(why + ", ".join(["en", *known]), config, where))
    for path in filter(Path.is_file, files):
        found, text = _read(path)
        try:
            found = texts(found)
        except ValueError as e:
            message, *under = e.args
            raise SitegenError(message, path, key_line(text, under) or 1) from None
        warnings += _merge(table, found, path, text, ())
    if overrides:  # sitegen.yaml is read again only to place a problem
        text = decode(read_bytes(config, config), config)
        warnings += _merge(table, overrides, config, text, ("words",))
    return table, warnings


def _base(language: str) -> str:
    """The primary tag's file, but Traditional script for zh-TW, zh-HK, zh-MO and zh-Hant:
    zh.yaml is Simplified, which readers there do not write."""
    primary, *rest = language.lower().split("-")
    if primary == "zh" and "hans" not in rest and {"hant", "tw", "hk", "mo"} & set(rest):
        return "zh-Hant"
    return primary


def texts(v: Any) -> dict[str, str]:
    """A words table as given (sitegen.yaml's `words:`, a theme's file), checked alike, its
    control characters dropped: they would be in every page and break the feeds' XML."""
    if not isinstance(v, dict):
        raise ValueError("must map the theme's phrases to your words, e.g. `Abstract: Resumen`")
    for k, text in v.items():
        if not isinstance(k, str) or not isinstance(text, str) or not text.strip():
            number = isinstance(text, int | float | bool)
            what = "a text, in quotes" if number else "a non-empty text"
            raise ValueError(f"{k!r} must be given {what}", k)  # at its own line
    return {k: drop_control(text) for k, text in v.items()}


def _merge(table: dict[str, str], given: dict, path: Path, text: str, at: tuple) -> list:
    """`given`'s texts of the phrases `table` knows, into it; a warning for each other one.
    A text may use only its phrase's own `{fields}`, by plain name: `{name}` for `{owner}`
    stopped the build with a traceback, and `{owner.__class__}` reached past it. A phrase
    without fields is never formatted (by Python, templates or search.js): nothing to check."""
    warnings = []
    for phrase, said in given.items():
        problem = None
        if phrase == "1,234.5" and not _NUMBER.fullmatch(said):  # format_number reads it
            problem = "'1,234.5': write 1, 234 and 5 with the separators between, such as 1.234,5"
        elif phrase not in table:
            hint = " (the theme's words/en.yaml lists them)"
            if close := difflib.get_close_matches(str(phrase), table, n=1, cutoff=0.6):
                hint = f": did you mean {close[0]!r}?"
            line = key_line(text, (*at, phrase))
            warnings.append(SitegenWarning(f"unknown phrase {phrase!r}{hint}", path, line))
        elif allowed := _fields(phrase):
            try:
                extra = ", ".join(sorted(f"{{{f}}}" for f in _fields(said) - allowed))
                mine = ", ".join(sorted(f"{{{f}}}" for f in allowed))
                problem = extra and f"{phrase!r}: {extra} is not one of its fields ({mine})"
            except ValueError as e:
                problem = f"{phrase!r}: {e}"
        if problem:
            raise SitegenError(problem, path, key_line(text, (*at, phrase)))
    table.update((k, v) for k, v in given.items() if k in table)
    return warnings


def _fields(text: str) -> set[str]:
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{{{name}}} is not a field: write a name in braces, or {{{{ }}}}")
        names.add(name)
    return names


class _English(dict):
    """English as en.yaml has it: each phrase is its own text."""

    def __missing__(self, phrase: str) -> str:
        return phrase


def format_date(
    d: Any, words: dict[str, str] | str | None = None, style: str = "long", parts: int = 3
) -> str:
    """`{{ paper.date|date(words) }}` "31 August 2022", `|date(words, 'month')` "Aug 2022";
    `parts`: how many of year, month and day are known (`paper.date_parts`). A template
    written before words were (`|date('month')`) gets English, a constant no key must cover."""
    if not isinstance(words, dict):
        words, style = _English(), words or style
    if parts == 1:
        return str(d.year)
    if style == "month":
        return words["{month} {year}"].format(month=words[SHORT[d.month - 1]], year=d.year)
    if parts == 2:  # a month written out has a phrase of its own: "agosto de 2022", "ago. 2022"
        return words["{monthname} {year}"].format(monthname=words[MONTHS[d.month - 1]], year=d.year)
    month = words[MONTHS[d.month - 1]]
    return words["{day} {month} {year}"].format(day=d.day, month=month, year=d.year)


def format_number(n: Any, words: dict[str, str] | None = None) -> str:
    """`{{ n|number(words) }}`: 1,234.5 written as the language writes numbers. The phrase
    "1,234.5" says how: 1.234,5 in German, 1 234,5 in French."""
    group, point = _NUMBER.fullmatch((words or _English())["1,234.5"]).groups()
    whole, dot, fraction = f"{n:,}".partition(".")
    return whole.replace(",", group) + (point if dot else "") + fraction


_NUMBER = re.compile(r"1(\D{0,3})234(\D{1,3})5")  # checked in load_words: a phrase, not a format


MONTHS = (
    "January February March April May June July August September October November December".split()
)
SHORT = [m[:3] for m in MONTHS]
