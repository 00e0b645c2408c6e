"""What a page depends on, found from its templates, and a digest of exactly that.

A page's key is never predicted from how a template uses a value: it covers every template
the page can reach and the whole value of every variable they name (docs/architecture.md,
"Incremental builds that cannot go stale"). Values are digested once per build, by identity.
A paper is digested by its file and the fields index.make_papers sets: hashing its fields
took a quarter of keying a 10,000-paper site.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.defaults import DEFAULT_NAMESPACE

from .errors import SitegenError
from .model import Paper
from .state import digest


@dataclass(frozen=True)
class Lazy:
    """A value made only when a page is rendered, keyed by the function and its arguments
    (a paper page's BibTeX and metadata: wasted work for the pages a build skips)."""

    fn: Callable[..., Any]
    args: tuple[Any, ...]

    def value(self) -> Any:
        return self.fn(*self.args)


_ATOMS = frozenset({str, int, float, bool, type(None), dt.date, dt.datetime})


def _atom(v: Any) -> str:
    if type(v) is str:  # most atoms, some long: no repr (digest() writes each part's length)
        return "s:" + v
    return f"{type(v).__name__}:{v!r}"  # the type: 1 and True and "1" differ


class Digests:
    """Digests of values, remembered by identity for the duration of one build."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[Any, str]] = {}  # id -> (the value, kept alive; digest)
        self._fields: dict[type, tuple[str, ...] | None] = {}  # a dataclass's field names

    def of(self, value: Any) -> str:
        if type(value) in _ATOMS:
            return _atom(value)
        found = self._seen.get(id(value))
        if found is not None:
            return found[1]
        d = self._compute(value)
        self._seen[id(value)] = (value, d)
        return d

    def _all(self, values: Any) -> list[str]:
        # atoms inline: a 10,000-paper site has about a million of them
        return [_atom(x) if type(x) in _ATOMS else self.of(x) for x in values]

    def _compute(self, v: Any) -> str:
        if (cls := type(v)) not in self._fields:
            data = dataclasses.is_dataclass(cls)
            self._fields[cls] = tuple(f.name for f in dataclasses.fields(cls)) if data else None
        if (names := self._fields[cls]) is not None:
            if type(v) is Paper:  # see the module's docstring
                return digest("paper", v.source, v.digest, v.topic, self.of(v.authors))
            if isinstance(v, Lazy):
                fn = f"{v.fn.__module__}.{v.fn.__qualname__}"
                return digest("lazy", fn, *self._all(v.args))
            return digest(type(v).__qualname__, *names, *self._all([getattr(v, n) for n in names]))
        if isinstance(v, (tuple, list)):
            return digest(type(v).__name__, *self._all(v))
        if isinstance(v, (set, frozenset)):
            return digest(type(v).__name__, *sorted(self._all(v)))
        if isinstance(v, Mapping):  # in order: a template may loop over it
            return digest("map", *self._all(v.keys()), *self._all(v.values()))
        if isinstance(v, (str, int, float, dt.date)):  # a subclass, such as Markup
            return _atom(v)
        if isinstance(v, os.PathLike):
            return digest("path", os.fspath(v))
        # code is in the build's stamp (sitegen's version and files, the libraries'):
        # modules, classes and plain functions are known by name; a closure is not
        if isinstance(v, types.BuiltinFunctionType) and not isinstance(
            v.__self__, types.ModuleType
        ):
            # a method bound to a value (`words["{n} papers"].format`, `date.strftime`)
            return digest("bound", v.__name__, self.of(v.__self__))
        if isinstance(v, (types.ModuleType, type, types.BuiltinFunctionType)):
            return digest("code", getattr(v, "__module__", "") or "", v.__name__)
        plain = isinstance(v, types.FunctionType) and v.__closure__ is None
        if plain and "<" not in v.__qualname__:
            return digest("code", v.__module__, v.__qualname__)
        return os.urandom(16).hex()  # unknown: never equal to the last build's key


FRAGMENT, FRAGMENTS = "fragment", "fragments/"  # build.fragment_function, and its templates
_SHADOWING = frozenset([*DEFAULT_NAMESPACE, FRAGMENT])  # names an argument may hide
UNREADABLE = "\0unreadable"  # a template's source when the file is not text (keyed as such)


class Templates:
    """Which templates and variables each page template can reach, for one environment."""

    def __init__(self, env: jinja2.Environment, known: dict[str, Any] | None = None):
        self.env = env
        self.known = known or {}  # template source -> its direct references (user's cache)
        self.learned: dict[str, Any] = {}  # the same, for this build's templates
        self._reach: dict[str, tuple[frozenset[str], frozenset[str]]] = {}
        self._source: dict[str, str | None] = {}
        self._sources: dict[str, tuple[str, list[str]]] = {}
        # jinja2.meta leaves out the names the environment has as globals (site, config,
        # profile...): templates are parsed for it by a copy holding only Jinja's own
        self._bare = env.overlay()
        self._bare.globals = dict(DEFAULT_NAMESPACE)

    def source(self, name: str) -> str | None:
        """A template's source; None for a missing one (`{% include "x" ignore missing %}`),
        UNREADABLE for one that is not UTF-8 (an editor's swap file among the fragments)."""
        if name not in self._source:
            loader = self.env.loader
            assert loader is not None
            try:
                self._source[name] = loader.get_source(self.env, name)[0]
            except jinja2.TemplateNotFound:  # rendering reports it, if it is not optional
                self._source[name] = None
            except SitegenError:
                self._source[name] = UNREADABLE
        return self._source[name]

    def _direct(self, name: str) -> tuple[set[str | None], set[str]]:
        """The names one template refers to, remembered by its source across builds. One that
        cannot be read or parsed refers to nothing: a page that renders it fails, and once it
        is mended its source, which every key holds, is new."""
        source = self.source(name)
        if source is None or source is UNREADABLE:
            return set(), set()
        found = self.learned.get(source) or self.known.get(source)
        if found is None:
            try:
                ast = self._bare.parse(source, name)
                # compiles it: an unknown filter or test is an error from here on
                names = meta.find_undeclared_variables(ast)
            except jinja2.TemplateSyntaxError:  # the render names its file and line
                return set(), set()
            found = set(meta.find_referenced_templates(ast)), names
        self.learned[source] = found
        return found

    def reach(self, name: str) -> tuple[frozenset[str], frozenset[str]]:
        """(templates, variables) reachable from `name`; a dynamic name reaches them all."""
        if name in self._reach:
            return self._reach[name]
        seen: set[str] = set()
        variables: set[str] = set()
        todo = [name]
        while todo:
            t = todo.pop()
            if t in seen:
                continue
            seen.add(t)
            refs, names = self._direct(t)
            variables |= names
            if None in refs:  # computed at render time: could be any template
                todo += self.env.list_templates()
            elif FRAGMENT in names:  # fragment(name, ...) can render any fragment template
                todo += [t for t in self.env.list_templates() if t.startswith(FRAGMENTS)]
            todo += [r for r in refs if r is not None and r not in seen]
        self._reach[name] = (frozenset(seen), frozenset(variables))
        return self._reach[name]

    def sources(self, name: str) -> tuple[str, list[str]]:
        """(digest of every template `name` reaches, the variables they use), once a build."""
        if name not in self._sources:
            names, variables = self.reach(name)
            # a missing template (`ignore missing`) is keyed as missing, apart from an empty one
            sources = [(t, self.source(t)) for t in sorted(names)]
            text = digest(*(f"{t}\1" if src is None else f"{t}\0{src}" for t, src in sources))
            # `fragment` is code (in the build's stamp); its templates are in `sources`
            self._sources[name] = text, sorted(variables - {FRAGMENT})
        return self._sources[name]

    def key(self, name: str, context: Mapping[str, Any], digests: Digests, *extra: str) -> str:
        """The page's key: its templates' sources and the values of the variables they use."""
        sources, variables = self.sources(name)
        parts = [*extra, name, sources]
        # jinja2.meta names no variable that Jinja has as a global (range, dict): a fragment's
        # argument of that name (`range=years`) hides the global, and is keyed too
        for var in (*variables, *sorted(context.keys() & _SHADOWING)):
            scope = context if var in context else self.env.globals
            if var in scope:
                parts.append(f"{var}={digests.of(scope[var])}")
        return digest(*parts)
