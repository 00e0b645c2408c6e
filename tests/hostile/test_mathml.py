"""MathML from LaTeX is inert (issue 16): no link, style, class, id or markup gets through.

latex2mathml turns `\\href{javascript:...}{x}` into an `href` on <mrow> (which
Firefox follows), `\\style`/`\\class` into attributes, and copies `\\text{...}`
out as raw markup. Generated LaTeX with URL, style, identifier and HTML
arguments, nested and malformed, goes through every renderer that draws math;
whatever comes out holds only allowlisted MathML inside <math> and nothing live
outside it. One real build then checks every page and feed of a site whose
titles and abstracts carry the same.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from hypothesis import given
from hypothesis import strategies as st

from sitegen.markup import math_to_html, render_inline, render_markdown

from . import figures
from .test_parser_fuzz import fuzz
from .util import mathml_problems, parse_tree

URLS = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
    "&#106;avascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)", "https://example.org/?a=\"b'c", "//evil.example/x", "#top",
    '" onmouseover="alert(1)',
]  # fmt: skip
STYLES = [
    "color:red", "background:url(javascript:alert(1))", "position:fixed;inset:0",
    'x" onload="alert(1)', "}</style><script>alert(1)</script>", "red,2px,border:1px solid",
]  # fmt: skip
IDENTS = ["evil", "a b", "x41", "mhchem", '"><img src=x onerror=alert(1)>', "x onclick=alert(1)"]
HTML = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "</mtext></mrow></math><svg onload=alert(1)>", "<a href=javascript:alert(1)>a</a>",
    "<annotation-xml encoding='text/html'><img src=x onerror=alert(1)>", "<!--", "a<b",
    "<math href=javascript:alert(1)>m</math>", "<style>*{}</style>", "&lt;b&gt;",
]  # fmt: skip
ATOMS = ["x", "a^2", r"\frac{a}{b}", "a<b", r"\alpha_i", r"\sqrt[3]{x}", r"\left(x\right)",
         r"\begin{matrix}a&b\\c&d\end{matrix}", r"\text{T}"]  # fmt: skip
# @U@ a URL, @S@ a style, @I@ an identifier, @H@ raw text, @B@ a nested body
TEMPLATES = [
    r"\href{@U@}{@B@}", r"\href{@U@}@B@", r"\url{@U@}", r"\style{@S@}{@B@}",
    r"\class{@I@}{@B@}", r"\cssId{@I@}{@B@}", r"\bbox[@S@]{@B@}", r"\bbox{@B@}",
    r"\color{@I@}{@B@}", r"{\color{@I@} @B@}", r"\mathcolor{@I@}{@B@}",
    r"\textcolor{@I@}{@B@}", r"\colorbox{@I@}{@B@}", r"\unicode{@I@}", r"\unicode[@S@]{@I@}",
    r"\require{@I@}", r"\html{@H@}", r"\text{@H@}", r"\mathrm{@H@}", r"\operatorname{@H@}",
    r"\boxed{@B@}", r"\frac{@B@}{@B@}", r"@B@^{@B@}",
]  # fmt: skip
POOLS = {"U": URLS, "S": STYLES, "I": IDENTS, "H": HTML}


@st.composite
def hostile_latex(draw: st.DrawFn, depth: int = 0) -> str:
    def fill(m: re.Match[str]) -> str:
        if m.group(1) != "B":
            return draw(st.sampled_from(POOLS[m.group(1)]))
        if depth < 2 and draw(st.booleans()):
            return draw(hostile_latex(depth + 1))
        return draw(st.sampled_from(ATOMS))

    parts = [
        re.sub(r"@([USIHB])@", fill, draw(st.sampled_from(TEMPLATES)))
        for _ in range(draw(st.integers(1, 3)))
    ]
    text = " ".join(parts)
    if depth == 0:  # malformed: cut short, a brace lost, a stray brace or bracket
        cut = draw(st.integers(0, len(text)))
        text = draw(
            st.sampled_from(
                [text, text[:cut], text[:cut] + text[cut + 1 :], text[:cut] + "{" + text[cut:],
                 text[:cut] + "}" + text[cut:], text[:cut] + "[" + text[cut:]]
            )
        )  # fmt: skip
    return text


OUTSIDE_MATH = re.compile(r"^(p|code|span|div|em|strong|a|br|h[1-6]|ul|ol|li|pre|blockquote|hr)$")


def problems_in(html: str) -> list[str]:
    """MathML off the allowlist, or anything live outside <math>."""
    root = parse_tree(html).root
    found = mathml_problems(root)
    inside = {id(n) for m in root.iter() if m.tag == "math" for n in m.iter()}
    for n in root.iter():
        if n.parent is None or id(n) in inside:
            continue
        if not OUTSIDE_MATH.match(n.tag):
            found.append(f"<{n.tag}> outside <math>")
        for name, value in n.attrs.items():
            if (
                name != "class"
                and not (name == "href" and re.match(r"https?:|mailto:", value or ""))
                and not (  # displayed and long inline math scroll, so a keyboard may focus it
                    name == "tabindex"
                    and value == "0"
                    and n.attrs.get("class", "").startswith(("math-display", "math-inline"))
                )
            ):
                found.append(f"<{n.tag} {name}={value!r}> outside <math>")
    return found


@fuzz(200)
@given(hostile_latex())
def test_math_from_hostile_latex_holds_only_allowlisted_mathml(latex: str) -> None:
    figures.case("mathml: hostile LaTeX")
    outputs = {
        "math_to_html inline": math_to_html(latex, False, []),
        "math_to_html display": math_to_html(latex, True, []),
        "render_inline (titles)": render_inline(f"T ${latex}$"),
        "render_markdown (abstracts)": render_markdown(f"A ${latex}$ b\n\n$$\n{latex}\n$$\n").html,
    }
    if "<math" in outputs["math_to_html inline"]:
        figures.subset("mathml: hostile LaTeX: rendered as MathML")
    for where, html in outputs.items():
        assert not problems_in(html), (where, latex, html, problems_in(html))


@pytest.mark.parametrize(
    ("latex", "kept", "gone"),
    [
        (r"\href{javascript:alert(1)}{x}", "<mi>x</mi>", "href"),
        (r"\href{https://example.org/}{x}", "<mi>x</mi>", "href"),
        (r"\style{color:red}{x}", "<mi>x</mi>", "style"),
        (r"\class{evil}{x}", "<mi>x</mi>", "class"),
        (r"\color{red}{x}", "<mi>x</mi>", "mathcolor"),
        (r"\text{<script>alert(1)</script>}+y", "<mi>y</mi>", "script"),
        (r"\left(\frac ab\right)", 'stretchy="true" fence="true" form="prefix"', "class"),
        (r"\begin{array}{l|c}a&b\end{array}", 'columnalign="left"', "style"),
    ],
)
def test_the_allowlist_drops_links_and_styling_but_keeps_the_math(
    latex: str, kept: str, gone: str
) -> None:
    out = math_to_html(latex, False, [])
    # the source stays in `alttext` (for the CV's PDF), escaped: text, never markup
    source, mathml = re.fullmatch(r'<math alttext="([^"<>]*)"(.*)', out, re.S).groups()
    assert unescape(source) == latex
    assert kept in mathml and gone not in mathml, out


def test_a_built_site_holds_only_allowlisted_mathml(tmp_path: Path) -> None:
    """Titles (pages, lists, feeds) and abstracts, through the real CLI."""
    site = tmp_path / "site"
    papers = site / "content" / "papers"
    papers.mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Ana Owner\n", encoding="utf-8")
    bodies = [
        r"\href{javascript:alert('title')}{x} + \style{color:red}{y}",
        r"\class{evil}{a} \color{red}{c} \text{<img src=x onerror=alert(1)>}",
    ]
    for i, math in enumerate(bodies):
        front = {"title": f"Paper {i} on ${math}$", "date": f"2024-0{i + 1}-01", "topic": "LG"}
        front["authors"] = ["Ana Owner", "Bo Coauthor"]
        abstract = f"We show ${math}$ and\n\n$$\n\\href{{javascript:alert({i})}}{{z}} {math}\n$$\n"
        (papers / f"paper-{i}.md").write_text(
            f"---\n{yaml.safe_dump(front, sort_keys=False)}---\n{abstract}", encoding="utf-8"
        )
    proc = run_cli("build", "--site", site, "--no-search")
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    output = site / "output"
    problems, pages_with_math = [], 0
    for path in sorted([*output.rglob("*.html"), *output.rglob("*.xml")]):
        rel = path.relative_to(output).as_posix()
        if path.suffix == ".html":
            htmls = [path.read_text(encoding="utf-8")]
        else:  # feeds carry HTML as escaped text
            htmls = [el.text for el in ET.parse(path).iter() if el.text and "<" in el.text]
        for html in htmls:
            pages_with_math += "<math" in html
            problems += [f"{rel}: {p}" for p in mathml_problems(parse_tree(html).root)]
    assert not problems, "\n".join(problems)
    for i in range(len(bodies)):  # the title, the abstract, the display: all real MathML
        page = (output / "papers" / f"paper-{i}" / "index.html").read_text(encoding="utf-8")
        assert page.count("<math") >= 3 and "math-fallback" not in page, page
    assert pages_with_math >= 4, "math reached too few pages and feeds to prove anything"
