"""Property tests: any text at all gives records or a SitegenError with a line.

Two strategies: valid profiles built from parts (names with accents and CJK,
titles with `:&<"`, abstracts with math), which must round-trip through the
files exactly; and mutations of real profiles (lines deleted, duplicated,
swapped, cut, random Unicode and control characters, CRLF, BOM, long lines),
which must never raise anything but SitegenError.
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slugify import slugify

from sitegen.errors import SitegenError
from sitegen.importer import read_profile_text, render_paper, run_import
from sitegen.markup import plain_inline
from sitegen.profile import _ENTRY_LIKE, parse_profile
from sitegen.slugs import slugify_text
from sitegen.yamlutil import dump_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "profiles"
SEED_TEXT = (FIXTURES / "seed.txt").read_text(encoding="utf-8")
MESSY_TEXT = (FIXTURES / "messy.txt").read_bytes().decode("utf-8")
AS_OF = dt.date(2026, 11, 25)
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- valid profiles

letters = st.characters(categories=["Lu", "Ll", "Lo"])
name_word = st.one_of(
    st.sampled_from(
        ["Zoë", "Núñez", "李明", "O'Brien", "Jean-Luc", "van", "der", "Ødegaard", "김민준", "Ana"]
    ),
    st.text(letters, min_size=1, max_size=9),
)
person = (
    st.lists(name_word, min_size=1, max_size=4)
    .map(" ".join)
    # 'et al' anywhere is the list's end or an error (profile._ET_AL_INSIDE), never a name
    .filter(lambda n: not re.search(r"(?i)\bet\s*al\b|\set$", n) and len(n) <= 80)
)
affiliation = st.one_of(
    st.sampled_from(["pku", "meta-ai", "mila", "University of Tokyo", "ETH Zürich"]),
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz-"), min_size=1, max_size=12).filter(
        lambda a: a.strip("-")
    ),
)
# A title always carries a character no name has (`:&<"?$#` or a digit), so it
# can never be mistaken for an authors line; "·" separates affiliations.
title_text = st.text(
    st.one_of(letters, st.sampled_from(list(" :&<>\"'#-{}$*_!?()[]/0123456789"))),
    min_size=1,
    max_size=60,
)
title = st.tuples(title_text, st.sampled_from(list(':&<"?$#1'))).map(lambda t: t[0] + t[1])
title = title.map(lambda t: " ".join(t.split())).filter(lambda t: t and not _ENTRY_LIKE.match(t))
fragment = st.one_of(
    st.text(letters, min_size=1, max_size=12),
    st.sampled_from(
        [
            "$O(N^2)$",
            "$\\text{AP}_{\\text{3D}}$",
            "$5.0\\times$",
            "S\\&P",
            "R&D",
            "a < b",
            '"quoted"',
            "{\\ours}",
            "\\method",
            "\\url{https://github.com/a/b}",
            "<script>alert(1)</script>",
            "top-1*",
            "train_set",
            "(1)",
            "1,234",
            "~3x",
        ]
    ),
)
abstract = st.lists(fragment, max_size=30).map(" ".join).map(lambda a: a and "We " + a + ".")


@st.composite
def papers(draw):
    date = draw(st.dates(dt.date(1990, 1, 1), AS_OF))
    return {
        "topic": draw(st.sampled_from(["LG", "CV", "CL", "AI", "DC", "CR"])),
        "date": date,
        "year_inferred": date.year == AS_OF.year,
        "code": draw(st.booleans()),
        "title": draw(title),
        "authors": draw(st.lists(person, min_size=1, max_size=5)),
        "et_al": draw(st.booleans()),
        "affiliations": draw(st.lists(affiliation, max_size=3)),
        "abstract": draw(abstract),
    }


def render_profile(owner: str, entries: list[dict]) -> str:
    out = [owner, "", "CV", "h-index3", f"{len(entries)}papers", "1,234citations", ""]
    out += [f"{len(entries)} Papers", ""]
    for e in entries:
        d = e["date"]
        year = "" if e["year_inferred"] else f", {d.year}"
        out.append(f"{e['topic']}{MONTHS[d.month - 1]} {d.day}{year}{'Code' if e['code'] else ''}")
        out.append(e["title"])
        out.append("")
        line = ", ".join(e["authors"]) + (" et al." if e["et_al"] else "")
        if e["affiliations"]:
            line += " · " + ", ".join(e["affiliations"])
        out += [line, "", e["abstract"], ""]
    return "\n".join(out)


def load_site(site: Path) -> list[tuple[dict, str]]:
    out = []
    for p in sorted((site / "content" / "papers").glob("*.md")):
        text = p.read_text(encoding="utf-8")
        front, body = text[4:].split("\n---\n", 1)
        fm = yaml.safe_load(front)
        out.append(({**fm, "title": plain_inline(fm["title"])}, body))  # the title shown
    return out


@pytest.mark.slow  # about a second in the quick loop
@FAST
@given(owner=person, entries=st.lists(papers(), min_size=1, max_size=6))
def test_valid_profiles_round_trip_through_the_files(owner, entries):
    text = render_profile(owner, entries)
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile.txt"
        profile.write_text(text, encoding="utf-8")
        report = run_import(profile, Path(tmp) / "site", as_of=AS_OF)
        expected_warnings = ("no abstract", "same title")
        assert all(any(x in w.message for x in expected_warnings) for w in report.warnings)
        loaded = load_site(Path(tmp) / "site")
        again = run_import(profile, Path(tmp) / "site", as_of=AS_OF)
        assert again.lines()[-1] == f"0 added, 0 updated, {len(entries)} unchanged"
        profile_yaml = yaml.safe_load((Path(tmp) / "site/content/profile.yaml").read_text("utf-8"))

    assert profile_yaml["name"] == owner
    keys = ["title", "date", "year_inferred", "topic", "authors", "et_al", "affiliations", "code"]

    def expected(e):
        return tuple(repr(e[k]) for k in keys)

    def got(fm):
        return tuple(repr(fm[k]) for k in keys)

    assert sorted(got(fm) for fm, _ in loaded) == sorted(expected(e) for e in entries)
    for fm, body in loaded:
        assert fm["owner_in_et_al"] == (owner not in fm["authors"])
        assert fm["added"] == AS_OF
        assert "\\ours" not in body and "\\method" not in body
    for e in entries:
        bodies = [body for fm, body in loaded if fm["title"] == e["title"]]
        for math in ("$O(N^2)$", "$\\text{AP}_{\\text{3D}}$", "$5.0\\times$"):
            if math in e["abstract"]:
                assert any(math in body for body in bodies)


# ---------------------------------------------------------------- mutations


def mutate(draw, text: str) -> str:
    lines = text.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["del", "dup", "swap", "cut", "insert", "char", "long", "blank"]))
        i = draw(st.integers(0, max(len(lines) - 1, 0)))
        if op == "del" and lines:
            del lines[i]
        elif op == "dup" and lines:
            lines.insert(i, lines[i])
        elif op == "swap" and lines:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut":
            joined = "\n".join(lines)
            lines = joined[: draw(st.integers(0, len(joined)))].split("\n")
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=40)))
        elif op == "char" and lines:
            line = lines[i]
            k = draw(st.integers(0, len(line)))
            c = draw(st.characters(codec=None, exclude_categories=["Cs"]))
            lines[i] = line[:k] + c + line[k + 1 :]
        elif op == "long":
            lines.insert(i, draw(st.sampled_from(["x", "9", "LG", "a, ", "$", "\\url{"])) * 5000)
        elif op == "blank":
            lines.insert(i, "")
    out = "\n".join(lines)
    if draw(st.booleans()):
        out = out.replace("\n", "\r\n")
    if draw(st.booleans()):
        out = "\ufeff" + out
    return out


@st.composite
def mutated(draw):
    base = draw(st.sampled_from(["seed", "messy", "generated"]))
    if base == "seed":
        text = SEED_TEXT
    elif base == "messy":
        text = MESSY_TEXT
    else:
        text = render_profile(draw(person), draw(st.lists(papers(), min_size=1, max_size=3)))
    return mutate(draw, text)


def check_never_crashes(text: str) -> None:
    try:
        profile = parse_profile(text, as_of=AS_OF, source="fuzz.txt")
    except SitegenError as e:
        assert e.line is not None and e.line >= 1
        assert e.path == "fuzz.txt"
        assert e.exit_code == 2
        assert "\n" not in str(e)
        return
    assert profile.records
    for rec in profile.records:
        out = render_paper(rec, profile.owner, AS_OF)
        front = yaml.load(out[4 : out.index("\n---\n", 4)], Loader=LOADERS[-1])
        assert plain_inline(front["title"]) == rec.title  # Markdown that shows the text
        assert front["authors"] == list(rec.authors)
        assert front["affiliations"] == list(rec.affiliations)
        assert front["date"] == rec.date
        assert slugify_text(rec.title).isascii()


@pytest.mark.slow
@MANY
@given(mutated())
def test_mutated_profiles_never_raise_anything_else(text):
    check_never_crashes(text)


@MANY
@given(st.text())
def test_random_text_never_raises_anything_else(text):
    check_never_crashes(text)


@FAST
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_else(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.txt"
        path.write_bytes(data)
        try:
            text = read_profile_text(path)
        except SitegenError as e:
            assert e.line is not None and e.line >= 1
            return
    check_never_crashes(text)


# ---------------------------------------------------------------- building blocks


# The build reads front matter with libyaml when it is there: both must agree.
LOADERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])


@MANY
@given(st.text())
def test_dump_yaml_round_trips_any_text(s):
    for loader in LOADERS:
        data = {"key": s, "list": [s, "x"], "next": 1}
        assert yaml.load(dump_yaml(data), Loader=loader) == data


@MANY
@given(st.text())
def test_slugify_text_is_python_slugify_with_text_unidecode(s):
    slug = slugify_text(s)
    assert slug == slugify(
        s, max_length=80, word_boundary=True, save_order=True, backend="text-unidecode"
    )
    assert slug == "" or (slug.isascii() and len(slug) <= 80 and slug.strip("-") == slug)
