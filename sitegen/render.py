"""The Jinja environment and theme lookup. Lookup order follows MkDocs: the site's own
`templates/`, then the chosen theme, then the default theme, so an override can replace one
template (or one block of `base.html`) and inherit the rest."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import string
import time
import types
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.sandbox import (
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    is_internal_attribute,
    modifies_known_mutable,
)

from .content import read_text
from .errors import SitegenError, SitegenWarning
from .state import INPUT_ROOTS, VCS_DIRS, builtin_themes_dir, scan
from .yamlutil import key_line


def theme_dirs(site: Path, theme: str) -> list[Path]:
    """Theme folders, most specific first: the site's own themes/, then the built-in ones."""
    for base in (site / "themes", builtin_themes_dir()):
        if (base / theme).is_dir():  # a theme may change only static files, or no templates
            found = base / theme
            break
    else:
        config = site / "sitegen.yaml"
        line = key_line(read_text(config, str(config)), ("theme",)) if config.is_file() else None
        builtin = ", ".join(sorted(p.name for p in builtin_themes_dir().iterdir() if p.is_dir()))
        raise SitegenError(
            f"theme {theme!r} not found (looked in {site / 'themes'} and the built-in themes: "
            f"{builtin})",
            config,
            line,
        )
    default = builtin_themes_dir() / "default"
    return [found] if found == default else [found, default]


def template_dirs(site: Path, theme: str) -> list[Path]:
    return [site / "templates", *(d / "templates" for d in theme_dirs(site, theme))]


def case_slips(site: Path, theme: str) -> list[SitegenWarning]:
    """A site template named as a theme's but for its case (`templates/Paper.html`): unused,
    though a case-insensitive disk (macOS, Windows) finds it, so the site differs there and
    on the host that deploys it."""
    own, *themes = template_dirs(site, theme)
    theirs = {
        str(p.relative_to(d)).lower(): str(p.relative_to(d))
        for d in themes
        for p in d.rglob("*.html")
    }
    mine = (str(p.relative_to(own)) for p in own.rglob("*.html")) if own.is_dir() else ()
    slips = [
        SitegenWarning(
            f"not used: the theme's template is {theirs[m.lower()]} (names are case-sensitive)",
            f"templates/{m}",
        )
        for m in sorted(mine)
        if m.lower() in theirs and m != theirs[m.lower()]
    ]
    # and the site's own folders and files: content/News/ lost the news, root/ as Root/ the
    # CNAME (and so the custom domain), SiteGen.yaml every setting, on the host only
    for folder, names in _SITE_NAMES.items():
        with contextlib.suppress(OSError):
            there = os.listdir(site / folder)
            for name in sorted(set(names) - set(there)):
                slips += [
                    SitegenWarning(
                        f"not read: sitegen reads {name} (names are case-sensitive)",
                        os.path.normpath(f"{folder}/{entry}"),
                    )  # fmt: skip
                    for entry in sorted(there)
                    if entry.lower() == name
                ]
    return slips


_SITE_NAMES = {
    ".": INPUT_ROOTS,
    "content": ("papers", "news", "pages", "profile.yaml", "people.yaml", "resume.yaml",
                "resume.json"),
}  # fmt: skip


def static_dirs(site: Path, theme: str) -> list[Path]:
    """Static folders, least specific first, so later ones overwrite earlier files."""
    return [*(d / "static" for d in reversed(theme_dirs(site, theme))), site / "static"]


class _Loader(jinja2.FileSystemLoader):
    """Jinja's loader, except that it reads each template once per environment (one
    build): a page must be rendered from the very text it was keyed by, even if the file
    is saved in between; and a template that is not UTF-8 is named with its line."""

    def __init__(self, searchpath: Any):
        super().__init__(searchpath)
        self.texts: dict[str, tuple[str, str, Any]] = {}

    def get_source(self, environment: jinja2.Environment, template: str) -> Any:
        if template not in self.texts:
            # a version control folder is never scanned (state.VCS_DIRS), so an include
            # from it would be stale after an edit: not a template
            pieces = [p for p in template.split("/") if p not in ("", ".")]
            if VCS_DIRS.intersection(pieces):
                raise jinja2.TemplateNotFound(template)
            try:
                source, *rest = super().get_source(environment, template)
                # a byte-order mark (some Windows editors write one) is dropped
                self.texts[template] = (source.removeprefix("\ufeff"), *rest)
            except UnicodeDecodeError:  # the file the loader read: the first folder holding it
                for path in (Path(d, *pieces) for d in self.searchpath):  # `/x` is in d too
                    if path.is_file():
                        read_text(path, str(path))  # raises the error with its line
                raise
        return self.texts[template]

    def list_templates(self) -> list[str]:
        # state.scan, not Jinja's os.walk: it follows linked folders as get_template does,
        # but not a link back up (two made the walk go 2**40 folders deep), and lists only
        # files: not a dangling link or a named pipe, which `sitegen check` could not find
        found = {
            os.path.relpath(path, top).replace(os.sep, "/")
            for top in self.searchpath
            for path, stats in scan([top], VCS_DIRS.__contains__).items()
            if stats[0] >= 0  # files: not FOLDER, nor OTHER
        }
        return sorted(found)


# what list, dict, set and deque call the methods that change them in place
_CHANGES = frozenset(
    "append extend insert pop remove clear sort reverse setdefault update popitem add discard "
    "difference_update intersection_update symmetric_difference_update appendleft extendleft "
    "popleft rotate".split()
)


class ReadOnlyEnvironment(jinja2.Environment):
    """Templates read the site's data and never change it, or what a page shows would
    depend on the pages made before it (docs/architecture.md): a method that changes a
    list, dict or set in place is refused, bound or not, and so are names that start with
    `_` (`x.__setitem__`), which reach past that or values no key holds."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        # Environment.getattr's documented rule, inline: every `a.b` in a template comes here
        if attribute[:1] == "_":
            _refuse(obj, attribute, _PRIVATE)
        if attribute in _INTERNAL and is_internal_attribute(obj, attribute):
            _refuse(obj, attribute, _INTERNALS)
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            try:
                return obj[attribute]
            except (TypeError, LookupError, AttributeError):
                return self.undefined(obj=obj, name=attribute)
        return _read_only(obj, value) if type(value) in _CHECKED else value

    def getitem(self, obj: Any, argument: Any) -> Any:  # `x["append"]` falls back on x.append
        # a Markup key is a str too (`x["__globals__"|safe]` went past a `type(...) is str`)
        if isinstance(argument, str) and argument in _INTERNAL:
            if is_internal_attribute(obj, argument):
                _refuse(obj, argument, _INTERNALS)
        if isinstance(argument, str) and argument[:1] == "_":
            try:  # a mapping's own key (`extra["_draft"]`), never an attribute
                return _read_only(obj, obj[argument])
            except LookupError:
                return self.undefined(obj=obj, name=argument)
            except TypeError:
                _refuse(obj, argument, _PRIVATE)
        return _read_only(obj, super().getitem(obj, argument))

    def compile(
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Every import is made `with context`: Jinja keeps a module imported without it for
        the environment's life, so a namespace() at its top level carried one page's
        changes into the next."""
        if isinstance(source, str):
            source = self.parse(source, name, filename)
        for node in source.find_all((nodes.Import, nodes.FromImport)):
            node.with_context = True
        return super().compile(source, name, filename, raw, defer_init)


def _read_only(obj: Any, value: Any) -> Any:
    owner = getattr(value, "__self__", None)  # none for an unbound method: `dict.keys`
    unbound = type(value) is types.MethodDescriptorType
    if type(value) is types.FunctionType:
        if isinstance(obj, type):  # `cycler.reset(urls)` set `urls.pos`, for every later page
            _refuse(obj, value.__name__, _UNBOUND)
    elif type(value) in _METHODS and value.__name__ in _CLOCK and isinstance(owner, type):
        _refuse(obj, value.__name__, _CLOCKS)  # `paper.date.today()`: a page of its build day
    elif type(value) in _METHODS and value.__name__ in ("keys", "items"):
        if unbound or isinstance(owner, Mapping):  # `d.keys() - x` made a set, in hash order
            return lambda *args: list(value(*args))
    elif type(value) in _METHODS and value.__name__ in ("format", "format_map"):
        if isinstance(owner, str):  # Markup's too
            _plain_fields(owner)
    elif type(value) in _METHODS and value.__name__ in _CHANGES:
        # `dict.update(shared, ...)`, unbound, changes what it is given
        if unbound or (owner is obj and modifies_known_mutable(obj, value.__name__)):
            _refuse(obj, value.__name__)
    return value


def _plain_fields(text: str) -> None:
    """str.format looks up `{0.name}` and `{0[key]}` itself, past getattr and getitem above:
    `"{0.__init__.__globals__[os].environ}".format(cycler)` published the environment."""
    for _, field, spec, _ in string.Formatter().parse(text):
        if field and ("." in field or "[" in field):
            raise jinja2.TemplateRuntimeError(
                f"templates may not look up attributes or items in a format field ({{{field}}}):"
                " pass the values themselves"
            )
        if spec:  # fields nest in a format spec: `{0:{1.name}}`
            _plain_fields(spec)


# what leads to Python's internals without a `_`: a generator's frame (Jinja's map filter
# makes one: `(xs|map(attribute="a")).gi_frame.f_globals`) holds a module's globals
_INTERNAL = frozenset(
    {"mro", *UNSAFE_GENERATOR_ATTRIBUTES, *UNSAFE_COROUTINE_ATTRIBUTES}
    | UNSAFE_ASYNC_GENERATOR_ATTRIBUTES
)
_INTERNALS = "reach Python's internals ({})"
_UNBOUND = "call a class's method on another object ({})"
_CLOCK = frozenset({"today", "now", "utcnow", "fromtimestamp", "utcfromtimestamp"})
_CLOCKS = "read the clock ({}): a page would change with the day it is built"
_CHANGE = "change the site's data ({}): make a new value instead, with `+` or in a namespace()"
_PRIVATE = "use names that start with `_` ({}), Python's and Jinja's own (a key: x['_key'])"


def _refuse(obj: Any, name: str, what: str = _CHANGE) -> None:
    raise jinja2.TemplateRuntimeError(
        f"templates may not {what.format(f'{type(obj).__name__}.{name}')}"
    )


_METHODS = (types.BuiltinMethodType, types.MethodType, types.MethodDescriptorType)
_CHECKED = (*_METHODS, types.FunctionType)


def make_env(dirs: list[Path]) -> jinja2.Environment:
    """Each theme's templates can also be named with the theme as a prefix (`default/paper.html`),
    so a site template of the same name can extend the one it shadows and change a single block."""
    # a site's own themes/default is what `default/` names first, then the built-in one
    prefixed: dict[str, list[str]] = {}
    for d in dirs[1:]:
        if d.is_dir():
            prefixed.setdefault(d.parent.name, []).append(str(d))
    own = _Loader([str(d) for d in dirs if d.is_dir()])
    by_theme = jinja2.PrefixLoader({n: _Loader(ds) for n, ds in prefixed.items()})
    env = ReadOnlyEnvironment(
        loader=jinja2.ChoiceLoader([own, by_theme]),
        autoescape=True,  # every template, .xml included: nothing user-written is trusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
        finalize=_printable,
    )
    # a page shows what its inputs say on any machine: `date.strftime("%s")` and
    # `astimezone()` read the machine's zone, which no page key holds
    os.environ["TZ"] = "UTC"
    time.tzset()
    # Jinja's own chance: two builds of one site would differ, and an incremental build
    # keep the last one's output (a key covers inputs, not dice)
    env.filters["random"] = _unrepeatable("|random")
    env.globals["lipsum"] = _unrepeatable("lipsum()")
    return env


def _printable(value: Any) -> Any:
    """`{{ xs|map(attribute="title") }}` printed `<generator object ... at 0x7f...>`: a
    text that differs from run to run (and names the build machine's paths, for a
    module), which an incremental build would keep. Code is not text, nor is what prints
    as its memory address (`|reverse`'s iterator, a cycler())."""
    kind = type(value)
    if kind in _CODE or (kind.__repr__ is object.__repr__ and kind.__str__ is object.__str__):
        hint = ": add |list or |join" if hasattr(value, "__next__") else ""
        raise jinja2.TemplateRuntimeError(f"a {kind.__name__} is not text{hint}")
    return value


_CODE = frozenset(
    {types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType}
    | {types.GeneratorType, type}
)


def _unrepeatable(name: str) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise jinja2.TemplateRuntimeError(
            f"{name} would make every build differ: a site is built the same each time"
        )

    return refuse


def blocks_shown_nowhere(
    env: jinja2.Environment, ast: jinja2.nodes.Template, path: str, parsed: dict | None = None
) -> list[SitegenWarning]:
    """The blocks of a template that extends another which none of the templates it extends
    has: `{% block paper_extra %}` for `paper_extras` never shows, and Jinja says nothing.
    When the template is the built-in theme's, the site's own template it extends is to
    blame: a copy of an older theme's base.html, without the blocks the theme fills now
    (page_head: the tags Google Scholar reads). A parent named at run time, or one that
    fails to load, tells nothing: no warning. `parsed` keeps each parent parsed once, for
    a caller asking of many templates that extend one base.html."""
    parsed = {} if parsed is None else parsed
    defined: set[str] = set()
    parent, seen, mine = ast, set(), []  # mine: the site's own templates it extends
    while (extends := next(parent.find_all(jinja2.nodes.Extends), None)) is not None:
        if not isinstance(extends.template, jinja2.nodes.Const) or extends.template.value in seen:
            return []
        seen.add(name := extends.template.value)
        if name not in parsed:
            try:
                source, found, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
                parsed[name] = (env.parse(source, name), found)
            except Exception:  # missing, not UTF-8: the build's problem, said where it is met
                parsed[name] = None
        if parsed[name] is None:
            return []
        parent, found = parsed[name]
        defined |= {block.name for block in parent.find_all(jinja2.nodes.Block)}
        mine += [] if Path(found).is_relative_to(builtin_themes_dir()) else [found]
    # a block inside another is this template's own, for one that extends it to fill
    inner = {
        id(b)
        for outer in ast.find_all(jinja2.nodes.Block)
        for b in outer.find_all(jinja2.nodes.Block)
    }
    builtin = Path(path).is_relative_to(builtin_themes_dir())
    warnings = []
    for block in ast.find_all(jinja2.nodes.Block) if seen else ():
        if block.name in defined or id(block) in inner:
            continue
        if builtin and mine:
            why = (
                f"has no block {block.name!r}, which the theme's pages fill: add "
                f"{{% block {block.name} %}}{{% endblock %}} where the theme's has it (is it a "
                "copy of an older theme's?)"
            )
            warnings.append(SitegenWarning(why, mine[0]))
            continue
        close = difflib.get_close_matches(block.name, defined, 1, 0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"it has {', '.join(sorted(defined))}"
        why = f"block {block.name!r} is in no template this one extends: it never shows"
        warnings.append(SitegenWarning(f"{why} ({hint})", path, block.lineno))
    return warnings


def page_block_warnings(env: jinja2.Environment, names: Iterable[str]) -> list[SitegenWarning]:
    """blocks_shown_nowhere of the templates pages are made from, each once: a site
    base.html copied from an older theme, without the blocks its pages fill now, lost
    Google Scholar's tags in silence where no one ran `sitegen check`."""
    found: dict[tuple, SitegenWarning] = {}
    parsed: dict[str, Any] = {}
    for name in sorted(names):
        try:
            source, path, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            ast = env.parse(source, name, path)
        except Exception:  # named where a page renders it
            continue
        for w in blocks_shown_nowhere(env, ast, path, parsed):
            found.setdefault((w.path, w.message), w)
    return list(found.values())


def template_error(e: Exception, name: str | None = None) -> SitegenError:
    """Name the template file and line of a Jinja error instead of a traceback."""
    if isinstance(e, SitegenError):  # already names its file (_Loader)
        return e
    if isinstance(e, jinja2.TemplateSyntaxError):
        return SitegenError(f"template error: {e.message}", e.filename or e.name, e.lineno)
    # at render time: the innermost frame that belongs to a template file, and of those the
    # site's own if any, as the built-in theme's code is not the user's to fix: a user's
    # `{{ m.paper_list(recent) }}` fails inside the default _macros.html
    tb = e.__traceback__
    where, line, mine, builtin = name, None, False, builtin_themes_dir()
    while tb is not None:
        fn = tb.tb_frame.f_code.co_filename
        if not fn.endswith(".py") and not fn.startswith("<"):  # a template, whatever its name
            ours = not Path(fn).is_relative_to(builtin)
            if ours or not mine:
                where, line, mine = fn, tb.tb_lineno, ours
        tb = tb.tb_next
    if isinstance(e, jinja2.TemplateNotFound):  # an extends, include or import names it
        return SitegenError(f"template not found: {e.name}", where, line)
    if isinstance(e, RecursionError):  # named at a line of the loop
        problem = "templates or macros include or call each other in a loop, or nest too deep"
        with contextlib.suppress(OSError, TypeError):  # `templates/base.html` extending base.html
            own = Path(where).name
            itself = rf"""{{%-?\s*extends\s+["']{re.escape(own)}["']"""
            if re.search(itself, Path(where).read_text()):
                problem += (
                    f' (it extends itself: write {{% extends "default/{own}" %}} for the theme\'s)'
                )
        return SitegenError(f"template error: {problem}", where, line)
    if isinstance(e, SyntaxError):  # Python's limits, compiling what Jinja made of it
        problem = f"too complex to compile ({e.msg}): split its longest expression"
        return SitegenError(f"template error: {problem}", where)
    kind = "" if isinstance(e, jinja2.TemplateRuntimeError) else f"{type(e).__name__}: "  # says it
    if missing := re.fullmatch(
        r"'jinja2\.environment\.TemplateModule object' has no attribute '(.*)'", str(e)
    ):
        # a site's copy of the theme's _macros.html, older than the theme that calls it
        return SitegenError(
            f"template error: the template imported here has no macro {missing[1]!r}: if it is "
            "a site's copy of a theme's file, the theme's may have more macros now",
            where,
            line,
        )
    phrase = re.fullmatch(r"'dict object' has no attribute '(.*)'", str(e))
    if phrase and where and line and "words[" in _source_line(where, line):
        # a site's own template that names a phrase the theme has not: no table has it
        return SitegenError(
            f"template error: no phrase {phrase[1]!r} in the theme's words: a site's templates "
            "may use the theme's phrases (its words/en.yaml lists them), or write their text "
            "itself; a phrase of its own needs a theme of its own, in themes/NAME/words/",
            where,
            line,
        )
    return SitegenError(f"template error: {kind}{e}", where, line)


def _source_line(path: str, line: int) -> str:
    with contextlib.suppress(OSError, UnicodeDecodeError):
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""
    return ""
