"""YAML loading that remembers line numbers.

Users edit front matter and sitegen.yaml by hand; an error that says only
"invalid date" sends them hunting. Composing the node tree first lets every
problem point at the line of the offending key.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import yaml

from .errors import SitegenError

try:  # the C loader is ~10x faster on large sites; fall back when libyaml is absent
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


def load_yaml(text: str, path: str | Path, first_line: int = 1) -> Any:
    """Parse YAML, turning syntax errors into `path:line: message`."""
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = first_line + mark.line if mark else first_line
        problem = e.problem or e.context or "invalid YAML"
        raise SitegenError(f"invalid YAML: {problem}", path, line) from None
    except yaml.YAMLError as e:
        raise SitegenError(f"invalid YAML: {e}", path, first_line) from None
    except (ValueError, TypeError, OverflowError) as e:
        # PyYAML builds dates while parsing and lets `2022-02-30` raise without a mark
        offset, value = _bad_date(text)
        where = f"{value!r}: " if value else ""
        raise SitegenError(f"invalid date {where}{e}", path, first_line + offset) from None


_DATE_LIKE = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.-])")


def _bad_date(text: str) -> tuple[int, str | None]:
    for i, line in enumerate(text.splitlines()):
        for m in _DATE_LIKE.finditer(line):
            try:
                dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return i, m[0]
    return 0, None


def key_lines(text: str, first_line: int = 1) -> dict[str, int]:
    """Line of each top-level key, for pointing errors at the right line.

    Only called on the error path, so the slower node composition costs nothing
    on a good build.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(k.value): first_line + k.start_mark.line
        for k, _ in node.value
        if isinstance(k, yaml.ScalarNode)
    }
