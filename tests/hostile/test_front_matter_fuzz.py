"""The fast front-matter reader against PyYAML, on hand-edited (hostile) YAML.

content.simple_front_matter reads the importer's subset of YAML without PyYAML
and must return None for anything else. A user editing a file by hand writes
all of YAML 1.1's traps: sexagesimal `1:30`, `0x1F`, `1e3`, `~`, `.inf`,
`yes`/`on`, dates and timestamps, `key:value` without a space, `: ` and ` #`
inside plain text, anchors, tags, merge keys, quotes of both kinds, duplicate
keys, indentation. Whatever the fast reader returns must equal what PyYAML (the
loader the build falls back to) returns, value for value and type for type.
"""

from __future__ import annotations

import datetime as dt
import json

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.content import simple_front_matter
from sitegen.importer import dump_yaml

from . import figures

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TRAPS = [
    "1:30", "190:20:30", "0x1F", "0o17", "017", "1_000", "1e3", "1.5e-3", ".5", "+1", "-1",
    "~", "null", "Null", "NULL", "none", ".nan", ".NaN", ".inf", "-.inf", "yes", "no", "on",
    "off", "y", "n", "True", "FALSE", "2024-01-01", "2024-1-1", "2024-02-30",
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10", "=", "<<", "-", "--", "---",
    "...", "- x", "? x", "x: y", "x:y", "x #y", "x#y", "#x", "&a x", "*a", "!!str 1",
    "!!python/object:os.system", "|", ">", "'x'", "'it''s'", '"x"', '"a\\"b"', '"\\u00e9"',
    '"\\x41"', '"\\N"', '"\\_"', "'a' b", '"a" b', "[a, b]", "{a: b}", "[]", "{}", "%x", "@x",
    "`x`", "a,b", "a, b", "x y", " x", "x ", "é", "李明", "🙂", "\u200b", "O'Brien",
    "<script>alert(1)</script>", "{{ 7*7 }}", "{% if %}", "$O(n)$", "a\\b", "100%",
    "10.1109/CVPR52729.2023.00911", "10.1000/a:b", "10.1000/x:", "10.1000/a #b", "2212.01747",
]  # fmt: skip
KEYS = ["title", "date", "topic", "authors", "tags", "code", "added", "x", "Yes", "on",
        "null", "a-b", "a b", "1", "_k", "title"]  # fmt: skip


def yaml_str(s: str) -> str:
    """A value as the importer writes it, when PyYAML keeps it on one line."""
    out = dump_yaml({"k": s})[3:].rstrip("\n")
    return out if "\n" not in out else json.dumps(s)


_any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
_traps = st.one_of(
    st.sampled_from(TRAPS),
    _any_text,
    st.lists(st.sampled_from(TRAPS), min_size=1, max_size=3).map(" ".join),
)
# mostly what the importer writes (quoted when needed), so the fast path is taken
# often enough to be tested; a trap in one value out of eight or so
_safe = st.one_of(
    _any_text.map(yaml_str),
    st.sampled_from(TRAPS).map(yaml_str),
    st.text("abcdefghij ,.'()-/+&?!ÉéØ李", min_size=1, max_size=15),
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["true", "false", "null", "[]"]),
)
scalar = st.integers(0, 7).flatmap(lambda i: _traps if i == 7 else _safe)


@st.composite
def front_matter(draw: st.DrawFn) -> str:
    lines = []
    keys = draw(st.lists(st.sampled_from(KEYS[:7]), min_size=1, max_size=6, unique=True))
    for key in keys:
        if draw(st.integers(0, 9)) == 9:
            key = draw(st.sampled_from(KEYS))  # a duplicate, or a key YAML reads as a bool
        shape = draw(st.sampled_from(["value", "value", "value", "list", "empty", "raw"]))
        sep = draw(st.sampled_from([": "] * 6 + [":  ", ":", " : "]))
        if shape == "value":
            lines.append(f"{key}{sep}{draw(scalar)}")
        elif shape == "empty":
            lines.append(f"{key}:" + draw(st.sampled_from(["", " ", "  "])))
        elif shape == "list":
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "", "", "", "  ", " "]))
            lines += [f"{indent}- {draw(scalar)}" for _ in range(draw(st.integers(0, 3)))]
        elif draw(st.booleans()):
            lines.append(draw(scalar))
        else:
            lines.append(f"{key}: {draw(scalar)}")
        if draw(st.integers(0, 19)) == 0:
            lines.append(draw(st.sampled_from(["", " ", "# comment", "  x", "\t- y"])))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


def typed(v: object) -> object:
    """Values with their types, so True != 1 and a date != its string."""
    if isinstance(v, dict):
        return {k: typed(x) for k, x in v.items()}
    if isinstance(v, list):
        return [typed(x) for x in v]
    if isinstance(v, float) and v != v:
        return ("float", "nan")
    return (type(v).__name__, v)


@settings(
    max_examples=3000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(front_matter())
def test_fast_reader_agrees_with_pyyaml_or_declines(text: str) -> None:
    figures.case("hand-edited front matter, fast reader vs PyYAML")
    fast = simple_front_matter(text)
    if fast is None:
        figures.subset("hand-edited front matter, fast reader vs PyYAML: declined")
        return
    figures.subset("hand-edited front matter, fast reader vs PyYAML: read")
    try:
        slow = yaml.load(text, Loader=LOADER)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as e:
        raise AssertionError(f"the fast reader accepted what PyYAML refuses ({e}):\n{text}") from e
    assert typed(fast) == typed(slow), text
    for v in fast.values():
        assert not isinstance(v, dt.datetime)  # never produced by the subset
