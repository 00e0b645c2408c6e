"""YAML loading that names lines: users edit front matter and sitegen.yaml by hand, and an
error that says only "invalid date" sends them hunting."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .errors import SitegenError, long_number, no_conflict_markers
from .markup import typesets_commands

_Dumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # safe_dump's dumper, in C
YAML_WIDTH = 1 << 16  # never fold a long title over two lines
MAX_NESTING = 32  # far past any real file, far short of what overflows Python's stack
_STR = "tag:yaml.org,2002:str"
_TWICE = "duplicate key {!r}: remove one of the two"
# YAML's escapes a TeX command starts with in double quotes: `\alpha`, `\beta`, `\frac`,
# `\vec`, `\epsilon`, `\theta`, `\nabla`, `\rho`, `\Lambda`, `\Phi`, `\Psi`, `\Pi`, `\Nu`
# (a control, a line or paragraph separator, then letters)
_ESCAPES = {"\x07": "a", "\x08": "b", "\x0c": "f", "\x0b": "v", "\x1b": "e", "\t": "t",
            "\n": "n", "\r": "r", "\u2028": "L", "\u2029": "P", "\x85": "N"}  # fmt: skip
_NBSP = re.compile(r"^\s*(?:[^\s:#'\"][^:]*:|-)\u00a0")  # `title:\u00a0...`, `-\u00a0Ada`
_TEX_ESCAPE = re.compile(f"([{''.join(_ESCAPES)}])([A-Za-z]+)")


# the C loader is ~10x faster on large sites; fall back when libyaml is absent
class Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """PyYAML's safe loader, except that a key given twice in one mapping is an error:
    a hand edit that adds a second `title:` would otherwise lose one of them in silence."""


def _mapping_once(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Any:
    seen = set()
    for key, _ in node.value:
        if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
            # as the dict will hold it: `null:` and `~:` are one key, and so are `1:` and `true:`
            same = key.value if key.tag == _STR else (loader.construct_object(key),)
            if same in seen:
                problem = _TWICE.format(key.value)
                raise yaml.constructor.ConstructorError(None, None, problem, key.start_mark)
            seen.add(same)
    return (yield from loader.construct_yaml_map(node))


def _no_set(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    problem = "a set (!!set) has no order, so pages would differ between builds: use a list"
    raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


def _date_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """`2022-02-30` stays text, for the key's own check to report beside the file's other
    faults: raised while loading, it was the only problem `sitegen check` could name."""
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, OverflowError):
        return node.value


def _no_tex_escape(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    """In double quotes `\\alpha` is YAML's escape `\\a`, a control character, and `lpha`:
    the title showed `$lpha$` after its control was dropped, with no word of why."""
    text = loader.construct_yaml_str(node)
    for m in _TEX_ESCAPE.finditer(text) if node.style == '"' else ():
        command = "\\" + _ESCAPES[m[1]] + m[2]
        if typesets_commands(command):  # a tab before "b" is no slip; before "heta", one
            problem = (
                f"in double quotes, {command[:2]} is an escape, not the start of {command}: "
                "put the text in single quotes ('$\\alpha$'), or write the backslash twice"
            )
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)
    return text


yaml.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_once, Loader)
yaml.add_constructor(_STR, _no_tex_escape, Loader)
yaml.add_constructor("tag:yaml.org,2002:timestamp", _date_or_text, Loader)
yaml.add_constructor("tag:yaml.org,2002:set", _no_set, Loader)


def dump_yaml(data: dict[str, object]) -> str:
    """yaml.safe_dump as sitegen writes YAML (in C when it can: a second at 10,000 papers)."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=YAML_WIDTH)


# what a parse error's context says was opened, and never closed: the line to look at
_OPENED = {
    "while scanning a quoted scalar": "a quote",
    "while parsing a flow sequence": "a [",
    "while parsing a flow mapping": "a {",
}
# `title: [NVMG] Neural ...`: a text that YAML reads as the start of something else
_INDICATOR_VALUE = re.compile(r"""[ \t]*[\w-]+:[ \t]+[\[{"*@%|!`]""")
# `title: &Neural Volumetric ...`: YAML takes `&Neural` for an anchor's name, and the
# title loses its first word without a word; no file of a site needs an anchor
_ANCHOR = re.compile(r"(?m)^[ \t]*(?:(?:- +)?[\w-]+:[ \t]+|- +)&[^\s&]")


def load_yaml(text: str, path: str | Path, first_line: int = 1) -> Any:
    no_conflict_markers(text, path, first_line)
    if "&" in text and (anchor := _ANCHOR.search(text)):
        line = first_line + text.count("\n", 0, anchor.start())
        # `title: &Neural Mesh` lost its first word; sitegen's files need no anchors
        problem = "a value starting with & is a YAML anchor, which sitegen's files do not use"
        raise SitegenError(
            f"{problem}: write the value out, in quotes if & is its text", path, line
        )
    try:
        data = yaml.load(text, Loader=Loader)
    except yaml.reader.ReaderError as e:  # a character YAML refuses (a NUL): a position, no mark
        line = first_line + text.count("\n", 0, e.position)
        problem = f"the character {chr(e.character)!r} is not allowed"
        raise SitegenError(f"invalid YAML: {problem}", path, line) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = first_line + mark.line if mark else first_line
        problem = e.problem or e.context or "invalid YAML"
        opened = _OPENED.get(e.context or "") if e.context_mark else None
        if opened:  # found at the end of the file, or lines after
            line = first_line + e.context_mark.line
        if problem.startswith("mapping values are not allowed"):
            problem += " (a value with ': ' in it, such as a title, needs quotes around it)"
        if problem == "found unhashable key":
            problem += " (a list or mapping cannot be a key)"
        lines, at = text.splitlines(), line - first_line
        bad = lines[at] if 0 <= at < len(lines) else ""
        tab = "\t" in bad[: len(bad) - len(bad.lstrip())] or (
            "\t" in bad and problem.startswith("found character that cannot start any token")
        )
        # a no-break space after `key:` or `- ` (a Mac's Option+Space, a paste from a PDF)
        # is no separator: libyaml names the next line, and a missing ':'
        spaced = [i for i in (at - 1, at) if 0 <= i < len(lines) and _NBSP.search(lines[i])]
        if spaced:
            line = first_line + spaced[0]
            problem = "a no-break space on this line: YAML separates with plain spaces only"
        elif tab:  # libyaml's words name no tab
            problem = "a tab on this line: YAML indents and separates with spaces only"
        elif problem.startswith("found unknown escape character"):  # `"Grow \& Prune"`
            problem = (
                "in double quotes, a backslash starts an escape (BibTeX's \\& or \\% is none): "
                "put the text in single quotes, or write the backslash twice"
            )
        elif "expected hexdecimal number" in problem:  # `"$\xi$"`, `"$\upsilon$"`
            problem = (
                "in double quotes, \\x, \\u and \\U start a character's code, as in \\xi or "
                "\\upsilon: put the text in single quotes, or write the backslash twice"
            )
        elif problem.startswith("in double quotes"):  # _no_tex_escape's, which says it all
            pass
        elif opened:
            problem = f"{opened} on this line is not closed ({problem})"
            if not opened.endswith("quote") and _INDICATOR_VALUE.match(bad):
                problem += "; a text starting with [ or { needs quotes around it"
        elif _INDICATOR_VALUE.match(bad):
            problem += ' (a value starting with [, {, ", *, @, %, | or ! needs quotes around it)'
        raise SitegenError(f"invalid YAML: {problem}", path, line) from None
    except yaml.YAMLError as e:
        raise SitegenError(f"invalid YAML: {e}", path, first_line) from None
    except (ValueError, TypeError, OverflowError):
        # PyYAML builds numbers while parsing and lets them raise without a mark: a number
        # longer than Python reads (4,300 digits)
        raise long_number(text, path, first_line) from None
    if _nesting(data) > MAX_NESTING:
        top = data.items() if isinstance(data, dict) else enumerate(data)
        deep = [k for k, v in top if _nesting(v) >= MAX_NESTING][:1]  # where it starts
        line = key_line(text, deep, first_line) or first_line
        problem = f"lists and mappings nested more than {MAX_NESTING} deep"
        why = "(or in a loop, through YAML aliases): no page needs that many"
        raise SitegenError(f"{problem} {why}", path, line)
    return data


class _Twice(ValueError):
    pass


def _object_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) < len(pairs):
        raise _Twice(next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1))
    return obj


def load_json(text: str, path: str | Path) -> Any:
    """Hand-written JSON (resume.json, CSL-JSON) with an error's line, and a key given twice
    refused (json.loads keeps the last in silence), at the line YAML's loader finds."""
    try:  # a BOM, as a Windows editor saves it: json refuses it, with Python's advice
        return json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_object_once)
    except _Twice as e:
        problem, line = _TWICE.format(e.args[0]), None
        try:
            load_yaml(text, path)
        except SitegenError as found:  # only YAML's own duplicate: it may choke on other JSON
            if "duplicate key" in found.message:
                problem, line = found.message.removeprefix("invalid YAML: "), found.line
        raise SitegenError(problem, path, line) from None
    except json.JSONDecodeError as e:
        start = text.lstrip("\ufeff \t\r\n")[:1]  # what a server sends in its place
        what = "empty" if not start else "a page of HTML or XML, not JSON" if start == "<" else None
        if what and e.pos <= len(text) - len(text.lstrip("\ufeff \t\r\n")):
            raise SitegenError(f"invalid JSON: {what}", path) from None
        raise SitegenError(f"invalid JSON: {e.msg}", path, e.lineno) from None
    except RecursionError:
        raise SitegenError("invalid JSON: nested too deeply", path) from None
    except ValueError:  # an integer past Python's 4,300-digit limit
        raise long_number(text, path) from None


def _nesting(value: Any) -> float:
    """How deeply lists and mappings nest (a loop, `&a [*a]`, infinitely): a value 600 deep
    overflows the stack later. Each value is visited once: a billion aliases cost nothing."""
    height: dict[int, float] = {}
    todo: list[tuple[Any, bool]] = [(value, False)]
    while todo:
        v, done = todo.pop()
        if not isinstance(v, (list, dict)):
            continue
        children = [
            c for c in (v.values() if isinstance(v, dict) else v) if isinstance(c, (list, dict))
        ]
        if done:
            height[id(v)] = 1 + max((height[id(c)] for c in children), default=0)
        elif id(v) in height:
            if height[id(v)] < 0:  # entered, not left: v contains itself
                return math.inf
        else:
            height[id(v)] = -1
            todo.append((v, True))
            todo += [(c, False) for c in children]
    return height.get(id(value), 0)


def written_value(text: str, key: str) -> str | None:
    """A top-level key's plain value as written, before YAML typed it: `arxiv: 2301.10010`
    loads as the float 2301.1001, and the identifier is only in the text."""
    found = _find(text, (key,), Loader)
    return found[0].value if found and isinstance(found[0], yaml.ScalarNode) else None


def key_line(text: str, path: Sequence, first_line: int = 1, loader: type = Loader) -> int | None:
    """The line of the key or list item at `path` (keys and indexes: ("authors", 0); () is
    the document), or None. JSON is YAML too. Only for errors and warnings: it is slow."""
    found = _find(text, path, loader)
    return first_line + found[1] if found else None


def _find(text: str, path: Sequence, loader: type) -> tuple[yaml.Node, int] | None:
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    line = node.start_mark.line
    for step in path:
        if isinstance(node, yaml.MappingNode):
            pairs = [(k, v) for k, v in node.value if _is_key(k, step, loader)]
            if not pairs:
                return None
            key, node = pairs[0]
            line = key.start_mark.line
        elif isinstance(node, yaml.SequenceNode) and step in range(len(node.value)):
            node = node.value[step]
            line = node.start_mark.line
        else:
            return None
    return node, line


def _is_key(node: yaml.Node, step: Any, loader: type) -> bool:
    """Whether a key node is `step`; a key YAML reads as a value (`null:`, `0x10:`) by it."""
    if isinstance(step, str) or not isinstance(node, yaml.ScalarNode):
        return node.value == step
    if node.tag == _STR:  # "3": is not 3:
        return False
    try:
        value = loader("").construct_object(node)
    except (ValueError, yaml.YAMLError):  # `2022-02-30:`, not a date
        return False
    return type(value) is type(step) and value == step
