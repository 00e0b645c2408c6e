"""What each page shows, as a fingerprint: the input side of incremental builds.

A page must be re-rendered when something it shows changes, and only then. The
templates say what that is: a page can only reach data through the names and
attributes its templates mention. So each template is read once (its Jinja
syntax tree, not its output) for the templates it pulls in, the attribute names
it uses and the parts of `site` it reaches; a page's fingerprint then hashes its
template sources, the site-wide globals, and the values of exactly those
attributes of the objects in its context. A title edit changes the fingerprint
of the timeline (it mentions `title`) but not of the coauthor index (it mentions
only counts and years); an abstract edit changes only pages whose templates
mention `body_html` or `summary_text`.

Papers are fingerprinted at two levels rather than per attribute, because there
are thousands of them: "list" (everything but the abstract, from a hash of the
front matter) and "full" (the whole file). Macros are memoised with keys built
the same way, which makes list pages cheap: the timeline after a title edit
re-renders one list item and reuses the other 9,999.

What is not visible in a template is treated conservatively: an unknown filter or
function, a dynamic template name, or `site` passed around whole makes the
template depend on everything of the objects it handles. Data reached through
`obj[name]` with a computed name on a non-mapping object is the one pattern this
cannot see; the default theme does not use it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator
from jinja2.runtime import Macro, Undefined
from markupsafe import Markup

from .model import Paper, Site

BODY_ATTRS = frozenset({"body_md", "body_html", "summary_text", "digest"})
# Jinja's own filters and tests that neither read attributes nor dump whole objects.
PLAIN_FILTERS = frozenset(
    """abs batch capitalize center count d default e escape filesizeformat first float
    forceescape format indent int join last length list lower replace reverse round safe
    select reject slice striptags title trim truncate upper urlencode urlize wordcount
    wordwrap items""".split()
)
# Filters that read the attribute named by their `attribute=` (or first) argument.
ATTRIBUTE_FILTERS = frozenset(
    "map sort groupby selectattr rejectattr sum unique min max attr dictsort join".split()
)
POSITIONAL_ATTRIBUTE = frozenset("attr groupby selectattr rejectattr sum".split())
PLAIN_TESTS = frozenset(
    """boolean callable defined divisibleby eq equalto escaped even false filter float ge
    gt greaterthan in integer iterable le lower lt lessthan mapping ne none number odd
    sameas sequence string test true undefined upper""".split()
)
# sitegen's own filters that only look at the strings and dates they are given
SAFE_FILTERS: set[str] = {"rel", "date", "inline"}
# globals whose calls only take plain values (names, URLs), never whole objects
SAFE_CALLS: set[str] = {"asset", "urls", "range", "dict", "namespace", "loop", "caller", "super"}
NON_DETERMINISTIC = frozenset({"lipsum", "cycler", "joiner"})


def digest(*parts: str) -> str:
    data = "\x1f".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _spell(parts: list[str]) -> str:
    """Parts written out with their lengths: one text per list of parts, and never
    the same text for two different lists (unlike joining them with a separator).

    A page's key is hashed once, over everything it holds; hashing each short
    list inside it as well was a third of the time of 13,000 page keys.
    """
    return "(" + "".join([f"{len(p)}:{p}" for p in parts]) + ")"


# ---------------------------------------------------------------- template analysis


@dataclass
class MacroInfo:
    name: str
    free: frozenset[str]  # names it reads that are neither parameters nor its own locals
    calls_siblings: frozenset[str]
    memoisable: bool


@dataclass
class TemplateInfo:
    """What one template's source reveals about the data it can reach."""

    name: str
    source_hash: str
    parents: tuple[str, ...] = ()  # {% extends %}
    uses: tuple[str, ...] = ()  # {% import %}, {% from %}, {% include %}
    dynamic_refs: bool = False  # a template name computed at render time
    attrs: set[str] = field(default_factory=set)
    everything: bool = False  # something opaque may read any attribute
    site_attrs: set[str] = field(default_factory=set)
    site_whole: bool = False
    macros: dict[str, MacroInfo] = field(default_factory=dict)
    calls: set[str] = field(default_factory=set)  # names called as functions
    aliases: set[str] = field(default_factory=set)  # names bound by {% import %}


def _info_to_data(info: TemplateInfo) -> tuple:
    macros = [(m.name, sorted(m.free), sorted(m.calls_siblings), m.memoisable)
              for m in info.macros.values()]  # fmt: skip
    return (
        info.name, info.source_hash, info.parents, info.uses, info.dynamic_refs,
        sorted(info.attrs), info.everything, sorted(info.site_attrs), info.site_whole,
        macros, sorted(info.calls), sorted(info.aliases),
    )  # fmt: skip


def _info_from_data(data: Any) -> TemplateInfo | None:
    try:
        (name, source_hash, parents, uses, dynamic, attrs, everything, site_attrs, site_whole,
         macros, calls, aliases) = data  # fmt: skip
        return TemplateInfo(
            name, source_hash, tuple(parents), tuple(uses), bool(dynamic), set(attrs),
            bool(everything), set(site_attrs), bool(site_whole),
            {m[0]: MacroInfo(m[0], frozenset(m[1]), frozenset(m[2]), bool(m[3])) for m in macros},
            set(calls), set(aliases),
        )  # fmt: skip
    except (TypeError, ValueError, IndexError):
        return None


def _const_str(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        return node.value
    return None


def _template_refs(node: nodes.Node) -> Iterable[str | None]:
    tmpl = node.template  # type: ignore[attr-defined]
    if isinstance(tmpl, (nodes.Tuple, nodes.List)):
        for item in tmpl.items:
            yield _const_str(item)
    else:
        yield _const_str(tmpl)


class _Analyser:
    def __init__(self, info: TemplateInfo, global_names: set[str]):
        self.info = info
        self.global_names = global_names

    def filter_or_test(self, node: nodes.Filter | nodes.Test) -> None:
        info = self.info
        values = [kw.value for kw in node.kwargs if kw.key == "attribute"]
        if node.name in POSITIONAL_ATTRIBUTE:
            values += node.args[:1]
        for v in values:
            s = _const_str(v)
            if s is None:
                info.everything = True
            else:
                info.attrs.update(s.split("."))
        if node.name == "map" and node.args:  # map('filter'): applies another filter
            mapped = _const_str(node.args[0])
            if mapped is None or not (mapped in PLAIN_FILTERS or mapped in SAFE_FILTERS):
                info.everything = True
            return
        known = PLAIN_FILTERS if isinstance(node, nodes.Filter) else PLAIN_TESTS
        if node.name not in known and node.name not in ATTRIBUTE_FILTERS:
            if node.name not in SAFE_FILTERS:
                info.everything = True  # tojson, pprint, string, or a filter we cannot see into

    def visit(self, node: nodes.Node, parent: nodes.Node | None) -> None:
        info = self.info
        if isinstance(node, nodes.Extends):
            for ref in _template_refs(node):
                if ref is None:
                    info.dynamic_refs = True
                else:
                    info.parents += (ref,)
        elif isinstance(node, (nodes.Include, nodes.Import, nodes.FromImport)):
            for ref in _template_refs(node):
                if ref is None:
                    info.dynamic_refs = True
                else:
                    info.uses += (ref,)
            if isinstance(node, nodes.Import):
                info.aliases.add(node.target)
            elif isinstance(node, nodes.FromImport):
                info.aliases.update(a[1] if isinstance(a, tuple) else a for a in node.names)
        elif isinstance(node, nodes.Getattr):
            info.attrs.add(node.attr)
            if isinstance(node.node, nodes.Name) and node.node.name == "site":
                info.site_attrs.add(node.attr)
        elif isinstance(node, nodes.Getitem):
            key = _const_str(node.arg)
            if key is not None:
                info.attrs.add(key)
                if isinstance(node.node, nodes.Name) and node.node.name == "site":
                    info.site_attrs.add(key)
            elif isinstance(node.node, nodes.Name) and node.node.name == "site":
                info.site_whole = True
        elif isinstance(node, nodes.Name) and node.name == "site" and node.ctx == "load":
            if not (isinstance(parent, (nodes.Getattr, nodes.Getitem)) and parent.node is node):
                info.site_whole = True
        elif isinstance(node, (nodes.Filter, nodes.Test)):
            self.filter_or_test(node)
        elif isinstance(node, nodes.Call):
            callee = node.node
            if isinstance(callee, nodes.Name):
                info.calls.add(callee.name)
                if callee.name in NON_DETERMINISTIC:
                    info.everything = True
            elif isinstance(callee, nodes.Getattr) and isinstance(callee.node, nodes.Name):
                # a method of a value (`d.get(k)`) reads that value, whose hash is complete;
                # a function reached through a global (`urls.paper`) is checked like a call
                if callee.node.name in self.global_names:
                    info.calls.add(callee.node.name)
        for child in node.iter_child_nodes():
            self.visit(child, node)


def _names(node: nodes.Node, ctx: str) -> set[str]:
    return {n.name for n in node.find_all(nodes.Name) if n.ctx == ctx}


def _macro_infos(ast: nodes.Template, global_names: set[str]) -> dict[str, MacroInfo]:
    macros = {m.name: m for m in ast.find_all(nodes.Macro)}
    raw: dict[str, tuple[set[str], set[str], bool]] = {}
    for name, m in macros.items():
        params = {a.name for a in m.args}
        stored = _names(m, "store") | _names(m, "param") | params
        loads = set()
        for child in [*m.body, *m.defaults]:
            loads |= _names(child, "load")
        special = loads & {"caller", "varargs", "kwargs"} or any(
            isinstance(n, nodes.CallBlock) for n in m.find_all(nodes.CallBlock)
        )
        siblings = (loads - stored) & set(macros)
        free = loads - stored - set(macros) - {"loop", "caller", "varargs", "kwargs"}
        raw[name] = (free, siblings, bool(special))
    out = {}
    for name in macros:
        free, siblings, special = set(raw[name][0]), set(raw[name][1]), raw[name][2]
        seen, todo = {name}, list(siblings)
        while todo:  # a macro's free names include those of the macros it calls
            s = todo.pop()
            if s in seen:
                continue
            seen.add(s)
            free |= raw[s][0]
            todo += raw[s][1]
            special = special or raw[s][2]
        memoisable = not special and free <= global_names and not free & NON_DETERMINISTIC
        out[name] = MacroInfo(name, frozenset(free), frozenset(siblings), memoisable)
    return out


class Scope:
    """The attribute names a group of templates mentions: what of an object they can show."""

    __slots__ = ("attrs", "everything", "key", "full_papers")

    def __init__(self, attrs: frozenset[str], everything: bool):
        self.attrs = attrs
        self.everything = everything
        self.key = "*" if everything else ",".join(sorted(attrs))
        self.full_papers = everything or bool(attrs & BODY_ATTRS)


EVERYTHING = Scope(frozenset(), True)


class Templates:
    """Analysis of the theme's templates, shared by every page of one build."""

    def __init__(self, env: jinja2.Environment, global_names: Iterable[str]):
        self.env = env
        self.global_names = set(global_names)
        self.infos: dict[str, TemplateInfo] = {}
        self._closures: dict[tuple[str, bool], tuple[str, ...]] = {}
        self._by_file: dict[str, str] = {}
        self._scopes: dict[tuple[str, ...], Scope] = {}
        self._sources: dict[tuple[str, ...], str] = {}
        self._site_parts: dict[tuple[str, ...], list[tuple[str | None, Scope]]] = {}
        self.page_parts: dict[str, tuple[Scope, str]] = {}  # see page_key
        # analyses of earlier builds, by source and globals (parsing costs 0.1 s a build)
        self.known: dict[str, Any] = {}
        self.learned: dict[str, Any] = {}

    def info(self, name: str) -> TemplateInfo:
        found = self.infos.get(name)
        if found is not None:
            return found
        try:
            source, filename, _ = self.env.loader.get_source(self.env, name)  # type: ignore
        except jinja2.TemplateNotFound:
            info = TemplateInfo(name, "missing", dynamic_refs=True, everything=True)
            self.infos[name] = info
            return info
        if filename:
            self._by_file[os.path.abspath(filename)] = name
        source_hash = digest(name, source)
        memo_key = digest(source_hash, *sorted(self.global_names))
        remembered = self.known.get(memo_key)
        info = _info_from_data(remembered) if remembered is not None else None
        if info is None:
            info = self._analyse(name, source, filename, source_hash)
        self.learned[memo_key] = _info_to_data(info)
        self.infos[name] = info
        return info

    def _analyse(
        self, name: str, source: str, filename: str | None, source_hash: str
    ) -> TemplateInfo:
        info = TemplateInfo(name, source_hash)
        try:
            ast = self.env.parse(source, name, filename)
        except jinja2.TemplateSyntaxError:
            info.dynamic_refs = info.everything = info.site_whole = True
        else:
            _Analyser(info, self.global_names).visit(ast, None)
            info.macros = _macro_infos(ast, self.global_names)
            unknown = info.calls - self._callable_names(info)
            if unknown:
                info.everything = True
        return info

    @staticmethod
    def _callable_names(info: TemplateInfo) -> set[str]:
        """Names a template may call without hiding what it reads: macros and safe globals."""
        return set(info.macros) | SAFE_CALLS | info.aliases

    def name_of_file(self, filename: str) -> str | None:
        return self._by_file.get(os.path.abspath(filename))

    def closure(self, name: str, with_parents: bool = True) -> tuple[str, ...]:
        """Every template `name` loads, itself included; all of them if any name is dynamic."""
        key = (name, with_parents)
        if key in self._closures:
            return self._closures[key]
        seen: list[str] = []
        todo = [name]
        dynamic = False
        while todo:
            n = todo.pop()
            if n in seen:
                continue
            seen.append(n)
            info = self.info(n)
            dynamic = dynamic or info.dynamic_refs
            todo += info.uses
            if with_parents or n != name:
                todo += info.parents
        if dynamic:
            seen = sorted(set(seen) | set(self.env.list_templates()))
        result = tuple(sorted(seen))
        self._closures[key] = result
        return result

    def sources_key(self, names: tuple[str, ...]) -> str:
        found = self._sources.get(names)
        if found is None:
            found = self._sources[names] = digest(*(self.info(n).source_hash for n in names))
        return found

    def scope(self, names: tuple[str, ...]) -> Scope:
        found = self._scopes.get(names)
        if found is None:
            found = self._scopes[names] = self._scope(names)
        return found

    def _scope(self, names: tuple[str, ...]) -> Scope:
        attrs: set[str] = set()
        everything = False
        for n in names:
            info = self.info(n)
            attrs |= info.attrs
            everything = everything or info.everything
        return Scope(frozenset(attrs), everything)

    def site_parts(self, names: tuple[str, ...]) -> list[tuple[str | None, Scope]]:
        found = self._site_parts.get(names)
        if found is None:
            found = self._site_parts[names] = self._site_parts_of(names)
        return found

    def _site_parts_of(self, names: tuple[str, ...]) -> list[tuple[str | None, Scope]]:
        """(site attribute or None for all of it, scope its value is shown with).

        A value taken from `site` in one template travels only into that template's
        macros and includes, so its scope is that template's own closure without
        the pages that extend it: `site.topic_by_code` read in the macros shows
        topic names and colours, not the topics' papers.
        """
        parts: dict[tuple[str | None, str], tuple[str | None, Scope]] = {}
        for n in names:
            info = self.info(n)
            if not info.site_attrs and not info.site_whole:
                continue
            scope = self.scope(self.closure(n, with_parents=False))
            attrs: list[str | None] = [None] if info.site_whole else sorted(info.site_attrs)
            for a in attrs:
                parts[(a, scope.key)] = (a, scope)
        return [parts[k] for k in sorted(parts, key=lambda k: (k[0] or "", k[1]))]


# ---------------------------------------------------------------- fingerprints


@dataclass(frozen=True, eq=False)
class Lazy:
    """A page value computed only if the page is rendered, fingerprinted by its inputs.

    Per-paper extras (citation metadata, JSON-LD) cost milliseconds each; a
    build that renders 3 pages should not compute 10,000 of them.
    """

    fn: Callable[..., Any]
    args: tuple[Any, ...] = ()

    def __call__(self) -> Any:
        return self.fn(*self.args)


def resolve(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v() if isinstance(v, Lazy) else v for k, v in values.items()}


def _has_contents(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


class Fingerprints:
    """Stable hashes of the site's data, at the precision a scope asks for.

    Values are hashed once per (scope, object) and remembered for the build, so
    the thousands of pages that list the same papers cost one hash per paper.
    """

    def __init__(self, site: Site, paper_meta: Mapping[str, str]):
        self.site = site
        self.paper_meta = paper_meta  # source path -> hash of the front matter
        self._list: dict[int, str] = {}
        self._full: dict[int, str] = {}
        self._person: dict[int, str] = {}
        self._memo: dict[tuple[str, int], str] = {}
        self._keep: list[Any] = []  # objects hashed by id stay alive for the build
        self._site_parts: dict[tuple[str | None, str], str] = {}
        self._names: dict[tuple[type, str], list[str]] = {}
        self._nonce = os.urandom(8).hex()

    # papers: the one type there are thousands of gets a fast path
    def person(self, p: Any) -> str:
        key = id(p)
        found = self._person.get(key)
        if found is None:
            found = self.value(p, EVERYTHING)
            self._person[key] = found
        return found

    def paper_list(self, p: Paper) -> str:
        found = self._list.get(id(p))
        if found is None:
            meta = self.paper_meta.get(p.source)
            if meta is None:  # not from a content file: hash every field but the body
                meta = digest(
                    *(
                        repr(getattr(p, f.name))
                        for f in dataclasses.fields(p)
                        if f.name not in BODY_ATTRS and f.name != "authors"
                    )
                )
            found = digest(
                "paper", p.slug, p.source, meta, *(self.person(a.person) for a in p.authors)
            )
            self._list[id(p)] = found
            self._keep.append(p)
        return found

    def paper_full(self, p: Paper) -> str:
        found = self._full.get(id(p))
        if found is None:
            found = digest(self.paper_list(p), p.digest, p.body_html, p.summary_text)
            self._full[id(p)] = found
        return found

    def paper(self, p: Paper, scope: Scope) -> str:
        return self.paper_full(p) if scope.full_papers else self.paper_list(p)

    def value(self, v: Any, scope: Scope, depth: int = 0) -> str:
        """A stable hash of what `scope` can see of `v`."""
        t = type(v)
        if t is str:
            return "s" + v if len(v) < 200 else "h" + digest(v)
        if t is Paper:
            if scope.full_papers:
                return self._full.get(id(v)) or self.paper_full(v)
            return self._list.get(id(v)) or self.paper_list(v)
        if v is None or t is bool or t is int or t is float:
            return repr(v)
        if (t is tuple or t is list) and len(v) <= 16 and depth < 40:
            # short sequences are mostly built per page: spelling them out beats both
            # memoising and hashing them (the page's key hashes the whole text once)
            return "[" + _spell([self.value(x, scope, depth + 1) for x in v])
        if t is Lazy:  # opaque code: it may read anything of its inputs
            return "L" + _spell(
                [
                    self.value(v.fn, EVERYTHING, depth + 1),
                    *[self.value(a, EVERYTHING, depth + 1) for a in v.args],
                ]
            )
        if isinstance(v, str):
            return ("M" if isinstance(v, Markup) else "s") + v
        if isinstance(v, Paper):
            return self.paper(v, scope)
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        if depth > 40:
            return self._nonce  # absurdly deep: never reuse
        if isinstance(v, Site):
            return self.site_part(None, scope)
        memo_key = (scope.key, id(v))
        found = self._memo.get(memo_key)
        if found is not None:
            return found
        if isinstance(v, Lazy):  # opaque code: it may read anything of its inputs
            found = digest(
                "lazy", self.value(v.fn, EVERYTHING), *(self.value(a, EVERYTHING) for a in v.args)
            )
        elif isinstance(v, (tuple, list)):
            found = digest("[", *(self.value(x, scope, depth + 1) for x in v))
        elif isinstance(v, Mapping):
            found = digest(
                "{",
                *(self.value(k, scope, depth + 1) + "=" + self.value(x, scope, depth + 1)
                  for k, x in v.items()),
            )  # fmt: skip
        elif isinstance(v, (set, frozenset)):
            found = digest("set", *sorted(self.value(x, scope, depth + 1) for x in v))
        elif dataclasses.is_dataclass(v) and not isinstance(v, type):
            found = self._object(v, scope, depth)
        elif isinstance(v, types.ModuleType):
            found = "module:" + v.__name__
        elif isinstance(v, types.FunctionType):
            # a closure's result depends on what it captured: hash that too
            cells = [c.cell_contents for c in v.__closure__ or () if _has_contents(c)]
            found = digest(
                "fn:" + v.__module__ + "." + v.__qualname__,
                *(self.value(c, EVERYTHING, depth + 1) for c in cells),
                *(self.value(d, EVERYTHING, depth + 1) for d in v.__defaults__ or ()),
            )
        elif isinstance(v, (types.BuiltinFunctionType, types.MethodType)):
            found = "fn:" + getattr(v, "__module__", "") + "." + getattr(v, "__qualname__", "")
        elif isinstance(v, Undefined) or v is jinja2.utils.missing:
            found = "undefined"
        else:
            text = repr(v)
            found = self._nonce if " at 0x" in text else digest(type(v).__qualname__, text)
        self._memo[memo_key] = found
        self._keep.append(v)
        return found

    def _object(self, v: Any, scope: Scope, depth: int) -> str:
        cls = type(v)
        names = self._names.get((cls, scope.key))
        if names is None:
            names = [f.name for f in dataclasses.fields(v)]
            names += [n for n, a in vars(cls).items() if isinstance(a, property)]
            if not scope.everything:
                names = [n for n in names if n in scope.attrs]
            self._names[(cls, scope.key)] = names
        parts = [cls.__qualname__]
        for n in names:
            attr = getattr(v, n)
            if callable(attr) and not dataclasses.is_dataclass(attr):
                return self._nonce  # a method the template may call: cannot see what it reads
            parts.append(n + "=" + self.value(attr, scope, depth + 1))
        return digest(*parts)

    def site_attrs(self, scope: Scope | None) -> list[str]:
        names = [f.name for f in dataclasses.fields(self.site)]
        if scope is not None:
            names = [n for n in names if n in scope.attrs]
        return names

    def site_part(self, attr: str | None, scope: Scope) -> str:
        key = (attr, scope.key)
        found = self._site_parts.get(key)
        if found is None:
            if attr is None:
                found = digest(*(self.site_part(a, scope) for a in self.site_attrs(None)))
            elif not hasattr(self.site, attr):
                found = "missing:" + attr  # templates will fail on it anyway
            else:
                found = digest(attr, self.value(getattr(self.site, attr), scope))
            self._site_parts[key] = found
        return found


# ---------------------------------------------------------------- memoised macros


_PLAIN = frozenset({str, int, float, bool, type(None)})


class MemoCodeGenerator(CodeGenerator):
    """Builds macros through `environment.macro_class`, so sitegen can memoise them."""

    def macro_def(self, macro_ref: Any, frame: Any) -> None:
        arg_tuple = ", ".join(repr(x.name) for x in macro_ref.node.args)
        name = getattr(macro_ref.node, "name", None)
        if len(macro_ref.node.args) == 1:
            arg_tuple += ","
        self.write(
            f"environment.macro_class(environment, macro, {name!r}, ({arg_tuple}),"
            f" {macro_ref.accesses_kwargs!r}, {macro_ref.accesses_varargs!r},"
            f" {macro_ref.accesses_caller!r}, context.eval_ctx.autoescape)"
        )


Entry = tuple[str, tuple[str, ...]]  # (html, keys of the memoised calls made inside it)


class MemoMacro(Macro):
    """A macro whose output is reused when called again with the same inputs."""

    def _invoke(self, arguments: list[Any], autoescape: bool) -> str:
        memo: Memo | None = getattr(self._environment, "sitegen_memo", None)
        if memo is None:
            return super()._invoke(arguments, autoescape)
        if not memo.active:
            return memo.light(self, arguments, autoescape)
        key = memo.key_for(self, arguments, autoescape)
        if key is None:
            return super()._invoke(arguments, autoescape)
        html = memo.lookup(key)
        if html is None:
            memo.enter()
            try:
                rv = super()._invoke(arguments, autoescape)
            finally:
                children = memo.leave()
            memo.store(key, str(rv), children)
            return rv
        return Markup(html) if autoescape else html


class Memo:
    """Per-process memo of macro output, plus the record of one page's memoised calls.

    Keys cover the macro's template sources, its arguments, the globals it reads,
    and the page depth (links are relative), so a hit is output the macro would
    produce again. Big pages keep their record on disk so the next build that
    must re-render them (a title edit re-renders the timeline) starts warm.
    """

    MAX_SHARED = 16_384  # longer outputs are rarely reused across pages: not kept in memory
    SHARED_BUDGET = 48_000_000  # characters kept for reuse across pages, per process

    def __init__(self, templates: Templates, fps: Fingerprints, env: jinja2.Environment):
        self.templates = templates
        self.fps = fps
        self.env = env
        self.active = False
        self.shared: dict[str, Entry] = {}
        self._macro_keys: dict[Any, tuple[str, Scope, tuple[str, ...], list[str]] | None] = {}
        self._globals_key = ""
        self.root = ""
        self.page_ctx: Mapping[str, Any] = {}
        self.warm: dict[str, Entry] = {}
        self.record: dict[str, Entry] = {}
        self._stack: list[list[str]] = []
        self.hits = 0
        self.misses = 0
        self._shared_size = 0
        self.light_on = False
        self._light: dict[tuple, tuple[Any, list[Any]]] = {}
        self._light_size = 0

    def set_globals_key(self, key: str) -> None:
        self._globals_key = key

    # The light memo: for pages too small to keep a record of their calls. Within one
    # process and one build the data are frozen objects that stay alive, so a call is
    # identified by the identity of what it is given, which costs no hashing; each
    # entry holds on to those objects, so no id is reused while the entry exists.
    # A paper listed as related on five pages and on three coauthor pages at the same
    # depth is drawn once.

    LIGHT_BUDGET = 64_000_000  # characters kept, per process

    def begin_light(self, root: str, ctx: Mapping[str, Any]) -> None:
        self.light_on = True
        self.root = root
        self.page_ctx = ctx

    def end_light(self) -> None:
        self.light_on = False
        self.page_ctx = {}

    def light(self, macro: MemoMacro, arguments: list[Any], autoescape: bool) -> Any:
        invoke = super(MemoMacro, macro)._invoke
        if not getattr(self, "light_on", False) or self._macro_key(macro) is None:
            return invoke(arguments, autoescape)
        refs = [macro._func.__code__, self.root, autoescape, *arguments]
        for n in self._macro_keys[(macro._func.__code__, macro.name)][2]:  # type: ignore[index]
            refs.append(self.page_ctx[n] if n in self.page_ctx else self.env.globals.get(n))
        key = tuple(x if type(x) in _PLAIN else id(x) for x in refs)
        found = self._light.get(key)
        if found is not None:
            return found[0]
        rv = invoke(arguments, autoescape)
        if self._light_size < self.LIGHT_BUDGET:
            self._light[key] = (rv, refs)
            self._light_size += len(rv) + 100
        return rv

    def begin(self, root: str, ctx: Mapping[str, Any], warm: dict[str, Entry] | None) -> None:
        self.active = True
        self.root = root
        self.page_ctx = ctx
        self.warm = warm or {}
        self.record = {}
        self._stack = [[]]

    def end(self) -> dict[str, Entry]:
        self.active = False
        record, self.record, self.warm = self.record, {}, {}
        self.page_ctx = {}
        return record

    def _macro_key(self, macro: MemoMacro) -> tuple[str, Scope, tuple[str, ...], list[str]] | None:
        code = macro._func.__code__
        ident = (code, macro.name)
        if ident in self._macro_keys:
            return self._macro_keys[ident]
        result = None
        name = self.templates.name_of_file(code.co_filename)
        if name is None:
            return None  # a template not analysed yet (Templates.info): maybe next time
        if name is not None:
            info = self.templates.info(name).macros.get(macro.name or "")
            if info is not None and info.memoisable:
                own = self.templates.closure(name, with_parents=False)
                scope = self.templates.scope(own)
                free = tuple(sorted(info.free - {"site"}))
                site = []
                if "site" in info.free:
                    site = [self.fps.site_part(a, s) for a, s in self.templates.site_parts(own)]
                base = digest("macro", name, macro.name or "", self.templates.sources_key(own))
                result = (base, scope, free, site)
        self._macro_keys[ident] = result
        return result

    def key_for(self, macro: MemoMacro, arguments: list[Any], autoescape: bool) -> str | None:
        info = self._macro_key(macro)
        if info is None:
            return None
        base, scope, free, site = info
        fps = self.fps
        parts = [base, self._globals_key, self.root, "e" if autoescape else "r", *site]
        for a in arguments:
            parts.append(fps.value(a, scope))
        for n in free:
            v = self.page_ctx[n] if n in self.page_ctx else self.env.globals.get(n)
            parts.append(n + "=" + fps.value(v, scope))
        return digest(*parts)

    def lookup(self, key: str) -> str | None:
        entry = self.shared.get(key) or self.warm.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self._stack[-1].append(key)
        self._keep(key, entry)
        return entry[0]

    def _keep(self, key: str, entry: Entry) -> None:
        """Record a reused entry with everything memoised inside it, for the page's record."""
        todo = [(key, entry)]
        while todo:
            k, e = todo.pop()
            if k in self.record:
                continue
            self.record[k] = e
            for child in e[1]:
                found = self.shared.get(child) or self.warm.get(child)
                if found is not None:
                    todo.append((child, found))

    def enter(self) -> None:
        self._stack.append([])

    def leave(self) -> tuple[str, ...]:
        return tuple(self._stack.pop())

    def store(self, key: str, html: str, children: tuple[str, ...]) -> None:
        entry = (html, children)
        self.record[key] = entry
        self._stack[-1].append(key)
        if len(html) <= self.MAX_SHARED and self._shared_size < self.SHARED_BUDGET:
            self.shared[key] = entry
            self._shared_size += len(html) + 200


def install_memo(env: jinja2.Environment) -> None:
    """Make `env` compile macros as MemoMacro; must happen before any template loads."""
    env.code_generator_class = MemoCodeGenerator
    env.macro_class = MemoMacro  # type: ignore[attr-defined]
    env.sitegen_memo = None  # type: ignore[attr-defined]


def page_key(
    templates: Templates,
    fps: Fingerprints,
    template: str,
    globals_key: str,
    values: Mapping[str, Any],
    extra: Iterable[str] = (),
) -> str:
    """The fingerprint of a page: template sources, globals, its data, and what it reads of site."""
    fixed = templates.page_parts.get(template)
    if fixed is None:  # the same for every page drawn by this template
        names = templates.closure(template)
        site = [fps.site_part(a, s) for a, s in templates.site_parts(names)]
        fixed = (
            templates.scope(names),
            digest("page", template, templates.sources_key(names), globals_key, *site),
        )
        templates.page_parts[template] = fixed
    scope, base = fixed
    value = fps.value
    parts = [base, *extra]
    for k in sorted(values):
        parts.append(k)
        parts.append(value(values[k], scope))
    return digest(*parts)


def globals_key(fps: Fingerprints, env_globals: Mapping[str, Any], skip: Iterable[str]) -> str:
    """Everything every page may show: config, profile, version, asset names ..."""
    everything = EVERYTHING
    skipped = set(skip) | {"site"}
    parts = []
    for k in sorted(env_globals):
        if k in skipped:
            continue
        parts.append(k + "=" + fps.value(env_globals[k], everything))
    return digest(*parts)
