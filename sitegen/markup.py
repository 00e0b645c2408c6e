"""Markdown to HTML, math to MathML at build time (pages need no JavaScript to show it).

Abstracts come from pasted profiles: raw HTML is off (a `<script>` shows as text), links
are web and mail links only, and MathML goes through an allowlist, since LaTeX reaches
attributes (`\\href`, `\\style`) and raw text (`\\text{<script>}`) the converter copies out.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from .errors import CONTROL, drop_control

if TYPE_CHECKING:
    from collections.abc import Callable

    import nh3
    from markdown_it import MarkdownIt

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_UNKNOWN_COMMAND = re.compile(r"<mi>\\[A-Za-z]+</mi>")
# what latex2mathml writes for what it cannot typeset: an environment it does not know keeps
# its `&` (`eqnarray`, `alignedat`), and `\operatorname{arg\,max}` leaves an empty <mo>
# before its letters (and `*` after it, from `\operatorname*`)
_GARBLED = re.compile(r"<mi>&amp;</mi>|<mo></mo>")
# amsmath's `aligned` is `align*` inside a formula, the layout latex2mathml knows by that name
_ALIGNED = re.compile(r"\\(begin|end)\{aligned\}")
_CONTROL_WORD = re.compile(r"\\([A-Za-z]+)")
# a function name as latex2mathml writes it, but a subscript's or superscript's base
_FUNCTION = re.compile(r"(?<!<msub>)(?<!<msup>)(?<!<msubsup>)<mi>[A-Za-z]{2,}</mi>")
_ARGUMENT = re.compile(r"<m(?:i|n|row|sub|sup|frac|sqrt)\b")
_THIN = '<mspace width="0.1667em"></mspace>'  # TeX's \, between an operator and an ordinary
_TAG = re.compile(r"<[^>]*>")
# a size a formula sets (`\\rule`, `\\hspace`, `\\kern`, `\\Huge`): one title's
# `\\rule{9999em}{9999em}` made every page listing it 188,000 px wide and tall
_SIZE = re.compile(r' (width|height|depth|lspace|voffset|minsize|maxsize|mathsize)="([^"]*)"')
_LENGTH = re.compile(r"([+-]?)(\d*\.?\d+)(em|ex|pt|px|mm|cm|in|pc|mu|%)?")
_EMS = {"em": 1, None: 1, "ex": 0.5, "pt": 0.1, "px": 1 / 16, "mm": 0.285, "cm": 2.85,
        "in": 7.23, "pc": 1.2, "mu": 1 / 18, "%": 0.01}  # fmt: skip
MAX_SPACE_EMS, MAX_MATHSIZE_EMS = 10, 2.5  # past \\hspace{3cm}; \\Huge
LONG_INLINE_MATH = 24  # characters an inline formula shows: more may overflow a phone's column
_NO_URL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # `a\u202egpj.exe`
_ENCODED = re.compile(r'[ "<>`{}|\\^]')  # what a URL holds only percent-encoded
# what can start math, inline Markdown, an entity, a comment
_INLINE_MARKUP = re.compile(r"[$*_`\[\\~&]|<!--|://|mailto:", re.IGNORECASE)


def web_url(v: Any) -> str | None:
    """An http(s) URL with a host, or None: every URL a site gives (papers, people, links).
    A space, a quote or `<>` is percent-encoded, as a browser sends it (valid HTML)."""
    v = v.strip() if isinstance(v, str) else ""
    scheme, colon, rest = v.partition(":")  # a scheme is any case (`HTTPS://`, a BibTeX field's)
    v = scheme.lower() + colon + rest if scheme.lower() in ("http", "https") else v
    if not v.startswith(("http://", "https://")) or _NO_URL.search(v):
        return None
    v = _ENCODED.sub(lambda m: f"%{ord(m.group()):02X}", v)
    try:
        return v if urlsplit(v).hostname else None
    except ValueError:  # `http://[::1`
        return None


def is_safe_url(url: str) -> bool:
    """True for http(s)/mailto and scheme-less (relative) URLs; everything else is dropped."""
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(url))
    m = _SCHEME.match(cleaned)
    if m is None:
        return not cleaned.startswith(("//", "\\"))
    return m.group(1).lower() in ("http", "https", "mailto")


@dataclass(frozen=True)
class Rendered:
    html: str
    text: str  # plain text, math as its LaTeX source: for meta descriptions, feeds, search
    warnings: tuple[str, ...]


def math_to_html(latex: str, display: bool, warnings: list[str]) -> str:
    """MathML for the expression (the only way to it: _convert cleans it), or its source in
    <code> when the converter fails, passes an unknown command on (`<mi>\\cmd</mi>`) or
    garbles what it does not know (_GARBLED): a reader gets the TeX, never a wrong formula."""
    try:
        out = _convert(latex, display)
        failed = "unsupported command" if _UNKNOWN_COMMAND.search(out) else None
        failed = failed or ("unsupported construct" if _GARBLED.search(out) else None)
    except Exception as e:  # the converter raises many private exception types
        failed = type(e).__name__
    if failed:
        warnings.append(f"math fallback ({failed}): ${latex}$")
        cls = "math-fallback display" if display else "math-fallback"
        return f'<code class="{cls}">{html.escape(latex)}</code>'
    # its source, for what shows no MathML: the CV's PDF (WeasyPrint), a reader's fallback
    return out.replace("<math ", f'<math alttext="{html.escape(drop_control(latex))}" ', 1)


def typesets_commands(latex: str) -> bool:
    """Whether every control word in `latex` is one the MathML converter typesets: the
    allow-list for math that another program runs as TeX (a .bib file), where `\\pdfannot`
    or `\\loop` would act; TeX has too many such primitives for a block-list to keep up."""
    return all(_typesets(name) for name in set(_CONTROL_WORD.findall(latex)))


def _typesets(name: str) -> bool:
    try:
        return not _UNKNOWN_COMMAND.search(_convert(f"\\{name}", False))
    except Exception:  # `\\frac` alone: a known command, short of its arguments
        return True


@lru_cache(maxsize=4096)
def _convert(latex: str, display: bool) -> str:
    from latex2mathml.converter import convert as latex_to_mathml

    latex = _ALIGNED.sub(r"\\\1{align*}", latex)
    mathml = latex_to_mathml(latex, display="block" if display else "inline")
    # `\unicode{1}` or `\unicode{x202E}` makes any code point: drop what sitegen drops
    return _spaced(_bounded(drop_control(_cleaner().clean(mathml))))


def _bounded(mathml: str) -> str:
    """Sizes cut to what real math sets, and one size change a formula, since nested ones
    multiply (`\\Huge{\\Huge{...}}`): hostile text must not deface the pages listing it."""
    sized = False

    def bound(m: re.Match[str]) -> str:
        nonlocal sized
        name, value = m.groups()
        if name == "mathsize":
            if sized:
                return ""
            sized = True
        length = _LENGTH.fullmatch(value)
        if not length:
            return m.group()  # a named space (`negativethinmathspace`), or `[`: no length
        most = MAX_MATHSIZE_EMS if name in ("mathsize", "minsize", "maxsize") else MAX_SPACE_EMS
        if float(length[2]) * _EMS[length[3]] <= most:
            return m.group()
        return f' {name}="{length[1]}{most}em"'

    return _SIZE.sub(bound, mathml)


def width_ems(mathml: str) -> float:
    """How wide a formula's spaces are, which its text does not count: `\\hspace{8em}`."""
    widths = (_LENGTH.fullmatch(v) for v in re.findall(r' (?:width|lspace)="([^"]*)"', mathml))
    return sum(abs(float(m[2]) * _EMS[m[3]]) for m in widths if m)


def _spaced(mathml: str) -> str:
    """A thin space either side of a function name (`\\log`, `\\sin`) next to its neighbours,
    as TeX sets them: latex2mathml writes it as a bare <mi>, and MathML Core puts no space
    between two <mi>s, so `O(n \\log n)` read "O(nlogn)"."""

    def spaced(m: re.Match[str]) -> str:
        name = m.group()
        if mathml.endswith(("</mi>", "</mn>", "</msub>", "</msup>"), 0, m.start()):
            name = _THIN + name
        if _ARGUMENT.match(mathml, m.end()):
            name += _THIN
        return name

    return _FUNCTION.sub(spaced, mathml)


# MathML Core's elements and layout attributes, and latex2mathml's for arrays and \boxed.
# Left out on purpose: href, style, class, id, on*, xlink:*, mathcolor, mathbackground,
# annotation-xml and maction (HTML or scripts): `\href{x}{y}` keeps y, drops the link.
_EVERYWHERE = "dir displaystyle scriptlevel mathsize"
_MATHML = {
    "math": "xmlns display alttext",
    "mi": "mathvariant",
    "mo": "form fence separator lspace rspace stretchy symmetric maxsize minsize largeop"
    " movablelimits accent",
    "mfrac": "linethickness",
    "mspace": "width height depth linebreak",
    "mpadded": "width height depth lspace voffset",
    "mover": "accent",
    "munder": "accentunder",
    "munderover": "accent accentunder",
    "mtable": "columnalign rowalign columnlines rowlines columnspacing rowspacing",
    "mtr": "columnalign rowalign",
    "mtd": "columnalign rowalign columnspan rowspan",
    "menclose": "notation",
    "annotation": "encoding",
    **dict.fromkeys(
        "mrow mn mtext ms merror mphantom msqrt mroot mstyle msub msup msubsup"
        " mmultiscripts mprescripts none semantics".split(),
        "",
    ),
}
MATHML_ATTRIBUTES = {tag: set(f"{attrs} {_EVERYWHERE}".split()) for tag, attrs in _MATHML.items()}


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    """Leaves only allowlisted MathML. nh3 parses raw markup from `\\text{...}` as a browser
    does (HTML inside <mtext>, breakouts from <math>); one Cleaner: nh3.clean is 5x slower."""
    import nh3

    return nh3.Cleaner(tags=set(MATHML_ATTRIBUTES), attributes=MATHML_ATTRIBUTES, link_rel=None)


def _render_math(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    warnings = env.setdefault("warnings", [])
    if token.type == "math_inline":
        html_ = math_to_html(token.content, False, warnings)
        # a long formula would widen a phone's page: it scrolls in its own box, which a
        # keyboard must reach too, but not inside a link (`bare`, or its own). In a title (`bare` is
        # set) half as long is long, in a heading's large type: a regret bound of 22 signs
        # widened its paper's page to 455 px of 360
        long = LONG_INLINE_MATH // 2 if "bare" in token.meta else LONG_INLINE_MATH
        if len(html.unescape(_TAG.sub("", html_))) + width_ems(html_) < long:
            return html_
        focus = "" if token.meta.get("bare") or _in_link(tokens, idx) else ' tabindex="0"'
        return f'<span class="math-inline"{focus}>{html_}</span>'
    # a wide equation scrolls sideways: focusable, so a keyboard can scroll it too
    if token.type == "math_inline_double":
        html_ = math_to_html(token.content, True, warnings)
        focus = "" if _in_link(tokens, idx) else ' tabindex="0"'
        return f'<span class="math-display"{focus}>{html_}</span>'
    html_ = math_to_html(token.content.strip(), True, warnings)  # math_block(_label)
    return f'<div class="math-display" tabindex="0">{html_}</div>\n'


@lru_cache(maxsize=3)
def _md(footnotes: bool = True, anchors: bool = False) -> MarkdownIt:
    """One parser per process (titles have no footnotes: a list inside a heading; `anchors`,
    a page of one's own, gives headings ids). Imported here: a build whose papers all come
    from the cache never loads markdown-it."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    md.enable("table")  # GitHub's tables: a Teaching page's terms and courses
    # a web address in the text is a link, as arXiv makes one ("Code: https://github.com/x"):
    # only one written with its scheme, never `example.com` or an email address
    md.enable("linkify")
    md.linkify.set({"fuzzy_link": False, "fuzzy_email": False}).add("//", None).add("ftp:", None)
    # any `$...$` pair is math, as in arXiv's MathJax: "a 3$\\times$ speedup" is common
    md.use(dollarmath_plugin, double_inline=True, allow_space=True, allow_digits=True)
    # and `\\(..\\)`, as MathJax reads it too; not `\\[..\\]`, CommonMark's brackets in
    # `\\[[Paper](url)\\]`, nor amsmath's environments, whose block rule took a paragraph
    # and its links for one formula when a line went on after `\\end{equation}`
    md.inline.ruler.before("escape", "math_parens", _math_parens)
    md.core.ruler.push("mark_links", _mark_links)
    # an HTML comment is the author's note to themselves: dropped, never shown as text
    md.block.ruler.before("html_block", "html_comment", _comment_block)
    md.inline.ruler.before("html_inline", "html_comment", _comment_inline)
    md.add_render_rule("html_comment", lambda *args: "")
    if footnotes:  # "equal contribution[^1]", a note on a dataset's licence
        md.use(footnote_plugin)
        md.add_render_rule("footnote_block_open", _notes_open)
        md.add_render_rule("footnote_anchor", _back_to_text)
    if anchors:  # `[this term](#this-term)`, as a page from Hugo or al-folio links it
        from mdit_py_plugins.anchors import anchors_plugin

        md.use(anchors_plugin, min_level=1, max_level=6, slug_func=_heading_id)
    md.validateLink = is_safe_url
    for rule in ("math_inline", "math_inline_double", "math_block", "math_block_label"):
        md.add_render_rule(rule, _render_math)
    # an image would be a request to another site: it becomes a link to the image
    md.add_render_rule("image", _image_as_link)
    for rule in ("table_open", "fence", "code_block"):
        md.add_render_rule(rule, _scrolls)
    md.add_render_rule("th_open", _cell)
    md.add_render_rule("td_open", _cell)
    for rule in ("heading_open", "heading_close"):
        md.add_render_rule(rule, _demoted)
    return md


def _math_parens(state, silent: bool) -> bool:
    """`\\(..\\)` is inline math, inside a paragraph as anywhere: the token `$..$` makes.
    Without it, Markdown's escapes ate its backslashes: `(O(n \\log n))`. The closing is
    found with str.find: a regex's scan for each of 5,000 unclosed `\\(` took 3 s."""
    src, pos = state.src, state.pos
    if not src.startswith("\\(", pos):
        return False
    end = src.find("\\)", pos + 2)
    if end <= pos + 2:  # none, or `\\(\\)`: text, as before
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.markup = "$"  # as dollarmath writes it (cite reads it)
        token.content = src[pos + 2 : end]
    state.pos = end + 2
    return True


def _mark_links(state) -> None:
    """Mark each inline token in a link's text, in one pass (a search back from each
    formula took 12 s for a paragraph of 8,000); and an autolink, whose text is its
    address, as `url`: a printed page adds no address after it (it printed it twice)."""
    for block in state.tokens:
        depth = 0
        for token in block.children or ():
            depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if depth > 0:
                token.meta["in_link"] = True
            if token.type == "link_open" and token.markup in ("autolink", "linkify"):
                token.attrSet("class", "url")


_NOT_HEADING_IDS = re.compile(r"main$|fn(ref)?-")  # the theme's <main>, footnotes' ids


def _heading_id(title: str) -> str:
    """GitHub's slug (the anchors plugin's), but never an id the page has already, nor
    none (a heading of math alone)."""
    from mdit_py_plugins.anchors.index import slugify

    slug = slugify(title) or "section"
    return f"{slug}-section" if _NOT_HEADING_IDS.match(slug) else slug


def _comment_end(src: str, pos: int) -> int:
    """The end of the HTML comment at `pos` (`<!-- ... -->`, `<!-->`), or -1: none there."""
    if not src.startswith("<!--", pos):
        return -1
    end = src.find("-->", pos + 2)  # str.find, not a regex: no slow scan of unclosed ones
    return end + 3 if end >= 0 else -1


def _comment_block(state, start: int, end_line: int, silent: bool) -> bool:
    """Lines that are one comment (a TODO over several lines); text after its `-->` makes
    them a paragraph, whose inline rule drops the comment."""
    begin = state.bMarks[start] + state.tShift[start]
    if state.sCount[start] - state.blkIndent >= 4 or (end := _comment_end(state.src, begin)) < 0:
        return False
    line = start
    while line < end_line and state.eMarks[line] < end:
        line += 1
    if line >= end_line or state.src[end : state.eMarks[line]].strip():
        return False
    if not silent:
        state.push("html_comment", "", 0).map = [start, line + 1]
    state.line = line + 1
    return True


def _comment_inline(state, silent: bool) -> bool:
    if (end := _comment_end(state.src, state.pos)) < 0:
        return False
    if not silent:
        state.push("html_comment", "", 0)
    state.pos = end
    return True


def _image_as_link(self, tokens, idx, options, env) -> str:
    """Inside a link (a README badge) only the alt text: a link in a link is invalid."""
    tok = tokens[idx]
    src = html.escape(tok.attrGet("src") or "")
    alt = html.escape("".join(_inline_text(tok.children or []))) or src
    return alt if _in_link(tokens, idx) else f'<a href="{src}">{alt}</a>'


def _in_link(tokens, idx: int) -> bool:
    """Whether an inline token sits in a link's text (_mark_links), where HTML allows no
    link and no focusable element (a math box's tabindex: a focus stop in a focus stop)."""
    return bool(tokens[idx].meta.get("in_link"))


def _scrolls(self, tokens, idx, options, env) -> str:
    """A table or code block wider than a phone scrolls sideways in its own box (the
    theme's CSS): focusable, so that a keyboard can scroll it too."""
    if tokens[idx].type == "table_open":
        tokens[idx].attrSet("tabindex", "0")
        return self.renderToken(tokens, idx, options, env)
    block = getattr(type(self), tokens[idx].type)(self, tokens, idx, options, env)  # its own
    return block.replace("<pre>", '<pre tabindex="0">', 1)


def _cell(self, tokens, idx, options, env) -> str:
    """A table column's alignment as a class: the site's CSP refuses style attributes."""
    if style := tokens[idx].attrs.pop("style", None):
        tokens[idx].attrSet("class", "align-" + str(style).rsplit(":", 1)[-1])
    return self.renderToken(tokens, idx, options, env)


def _notes_open(self, tokens, idx, options, env) -> str:
    """The plugin's list of notes, in a section a screen reader can name and skip to."""
    section = '<section class="footnotes" aria-label="Notes">'
    return f'<hr class="footnotes-sep">\n{section}\n<ol class="footnotes-list">\n'


def _back_to_text(self, tokens, idx, options, env) -> str:
    """The link from a note back to its mark, named: a bare "↩" to a screen reader."""
    note, mention = tokens[idx].meta["id"] + 1, tokens[idx].meta["subId"]  # 0: the first
    ref = self.rules["footnote_anchor_name"](tokens, idx, options, env)
    ref += f":{mention}" if mention else ""
    label = f"Back to the text of note {note}" + (f", mention {mention + 1}" if mention else "")
    return f' <a href="#fnref{ref}" class="footnote-backref" aria-label="{label}">\u21a9\ufe0e</a>'


def _demoted(self, tokens, idx, options, env) -> str:
    """Markdown's `#` is the page's <h1> otherwise: it becomes render_markdown's `top`."""
    tok = tokens[idx]
    tok.tag = f"h{min(6, int(tok.tag[1:]) + env.get('top', 3) - 1)}"
    return self.renderToken(tokens, idx, options, env)


def _inline_text(children) -> list[str]:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type == "image":  # its alt text, which may hold code, math, breaks
            parts += _inline_text(child.children or [])
        elif child.type.startswith("math_inline"):  # `\[ x \]`: `$x$`, as Pandoc reads math
            parts.append(f"${child.content.strip()}$")
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return parts


def _plain_text(tokens) -> str:
    """The text a description or JSON-LD's abstract gives, a table's row on one line (its
    cells were one per line), a footnote's text after the rest."""
    parts: list[str] = []
    row = False
    for tok in tokens:
        row = tok.type == "tr_open" or (row and tok.type != "tr_close")
        if tok.type == "inline" and tok.children:
            parts += [*_inline_text(tok.children), " " if row else "\n"]
        elif tok.type == "tr_close":
            parts.append("\n")
        elif tok.type.startswith("math_block"):
            parts.append(f"$${tok.content.strip()}$$\n")
    return re.sub(r"[ \t]+", " ", drop_control("".join(parts))).replace(" \n", "\n").strip()


# What can start Markdown syntax (an entity, raw HTML, math) anywhere in a line or at its
# start, and control characters and CR: text free of them is plain paragraphs.
_SYNTAX = re.compile(r"[\\`*_\[\]!<>&$~|#=\x00-\x09\x0b-\x1f\x7f]|://|mailto:", re.IGNORECASE)
_LINE_START = ("-", "+", *"0123456789")  # a list item, a rule or a setext underline


def _plain_paragraphs(text: str) -> Rendered | None:
    """Plain prose, as most abstracts are, without the parser (a second of a cold build at
    10,000), or None when anything looks like Markdown; tests check the two agree."""
    if _SYNTAX.search(text) or not text.isascii() and CONTROL.search(text):
        return None
    lines: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line.strip(" "):
            lines.append([])  # a blank line ends a paragraph
        elif line != line.strip(" ") or line.startswith(_LINE_START) or "|" in line:
            return None  # trailing spaces (hard breaks), indentation, list marks, tables
        else:
            lines[-1].append(line)
    paragraphs = ["\n".join(p) for p in lines if p]
    if any(p.strip() != p for p in paragraphs):
        return None  # markdown-it strips Unicode spaces around a paragraph: leave it to it
    body = "".join("<p>" + p.replace('"', "&quot;") + "</p>\n" for p in paragraphs)
    plain = re.sub(r"[ \t]+", " ", "".join(p.replace("\n", " ") + "\n" for p in paragraphs))
    return Rendered(body, plain.strip(), ())


def render_markdown(
    text: str,
    key: str = "",
    top: int = 3,
    web_only: bool = False,
    one_page: bool = False,
    breaks: str = "on some pages and in feeds",
) -> Rendered:
    """`key` names where the text is shown (a news file, a CV entry), so that each copy of
    a text on one page has its own footnotes. `top` is the level a `#` becomes, one under
    the heading above the text. `web_only`: only http(s) links and images stay links (the
    CV). `one_page`: shown on one page and in no feed (an owner's page), where a relative
    link (`../cv/`) works and is not warned of. `breaks` says where a relative link would
    break, in its warning."""
    if (plain := _plain_paragraphs(text)) is not None:
        return plain
    md = _md(anchors=one_page)
    # footnote ids (fn-ID-1) differ between texts that one page shows together (news),
    # and are a pure function of the input, so an incremental build equals a cold one
    seed = f"{key}\0{text}" if key else text  # a paper's abstract: its ids as before
    doc_id = hashlib.blake2b(seed.encode("utf-8", "surrogatepass"), digest_size=4)
    env: dict = {"docId": doc_id.hexdigest(), "top": top}
    tokens = md.parse(text, env)
    if web_only:
        _unlink(tokens, _web)
    # CONTROL ran on the source, but an entity (`&#x202E;`) is decoded after it
    body = drop_control(md.renderer.render(tokens, md.options, env))  # entities decode late
    relative = _missing_anchors(tokens) if one_page else _relative(tokens, breaks)
    return Rendered(body, _plain_text(tokens), (*env.get("warnings", ()), *relative))


def _relative(tokens, breaks: str) -> list[str]:
    """Links without a scheme (`slides.pdf`), which work on at most one of the pages and
    feeds that show a text: kept as written, and named in a warning."""
    found = []
    for tok in tokens:
        for child in tok.children or []:
            attr = {"link_open": "href", "image": "src"}.get(child.type)
            href = child.attrGet(attr) if attr else None
            if href is not None and not _SCHEME.match(href):
                found.append(
                    f"relative link {href!r} breaks {breaks}: use a full URL (https://...)"
                )
    return found


def _missing_anchors(tokens) -> list[str]:
    """Links to `#x` on a page where no heading has the id `x`: they lead nowhere."""
    ids = {t.attrGet("id") for t in tokens if t.type == "heading_open"}
    links = (c.attrGet("href") or "" for t in tokens for c in t.children or ())
    return [  # an href is percent-encoded (`#%C3%BCbungen`); `#top` and `#` are the page's top
        f"link to {href!r} leads nowhere: no heading on the page has that id"
        for href in dict.fromkeys(links)
        if href.startswith("#") and unquote(href[1:]) not in ids | {"main", "top", ""}
    ]


def _web(url: str) -> bool:
    return url.split(":", 1)[0].lower() in ("http", "https")


def title_links(text: str) -> list[str]:
    """The links of a title that `render_inline(text, links=True)` shows as text: a news
    item or a page title is shown at several depths and in feeds, where only a full URL
    leads anywhere."""
    tokens = inline_tokens(text) or []
    return [href for c in tokens if c.type == "link_open" and not _web(href := c.attrGet("href"))]


def _unlink(tokens, keep: Callable[[str], bool]) -> None:
    """Links and images whose address `keep` refuses become their text (an image its alt)."""
    for tok in tokens:
        children, kept = [], True
        for c in tok.children or []:
            kept = keep(c.attrGet("href") or "") if c.type == "link_open" else kept
            if c.type == "image" and not keep(c.attrGet("src") or ""):
                children += c.children or []
            elif kept or c.type not in ("link_open", "link_close"):
                children.append(c)
        tok.children = children


def render_inline(text: str, links: bool = False, alone: bool = False) -> str:
    """A title's math and emphasis, nothing block-level. A paper's title has no links (it is
    shown inside a link to its page); a news item's or a page's, never shown so, keeps its
    web links (`Accepted at [NeurIPS](https://...)`). A long formula's scroll box takes
    keyboard focus only in a title shown `alone`, outside a link (a paper page's heading),
    as in one with links. Most titles have no markup, and skip the parser."""
    if not _INLINE_MARKUP.search(text):
        return drop_control(html.escape(text, quote=False))
    md = _md(footnotes=False)
    env: dict = {}
    tokens = md.parseInline(text, env)
    _unlink(tokens, lambda url: links and _web(url))
    for c in tokens[0].children or []:  # math's focusable wrappers cannot sit in a link
        c.type = "math_inline" if c.type == "math_inline_double" else c.type
        c.meta["bare"] = not (links or alone)
    return drop_control(md.renderer.render(tokens, md.options, env))


def plain_inline(text: str) -> str:
    """A title as the text `render_inline` shows, where markup cannot render (<title>, meta
    tags, feeds): a link its text, math its `$TeX$` (as arXiv and Scholar show). Not Markup."""
    if (tokens := inline_tokens(text)) is not None:
        text = "".join(_inline_text(tokens))
    return " ".join(drop_control(text).split())


def inline_tokens(text: str) -> list | None:
    """A title's inline tokens, for cite's LaTeX; None without markup (it skips the parser)."""
    if not _INLINE_MARKUP.search(text):
        return None
    return _md(footnotes=False).parseInline(text, {})[0].children or []
