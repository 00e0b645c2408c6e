"""YAML loading that remembers line numbers.

Users edit front matter and sitegen.yaml by hand; an error that says only
"invalid date" sends them hunting. Composing the node tree first lets every
problem point at the line of the offending key.
"""

from __future__ import annotations

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
