"""The plain-prose fast path of render_markdown must agree with markdown-it exactly."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen import markup
from sitegen.errors import CONTROL

# prose, plus everything that could make a line mean something else to Markdown
ALPHABET = st.sampled_from(
    list("abc XYZ .,;:?'\"()%/@+-=0123456789\n\n\n   \t\r")
    + ["\u00a0", "\u2028", "\u0085", "\x1c", "\x00", "é", "ß", "&", "<", ">", "*", "_", "#"]
    + ["`", "[", "]", "!", "\\", "$", "~", "|", "http://x.org", "1. ", "- ", "> ", "    "]
)


def parsed(text: str) -> markup.Rendered:
    md = markup._md()
    env: dict = {}
    tokens = md.parse(text, env)
    body = CONTROL.sub("", md.renderer.render(tokens, md.options, env))
    return markup.Rendered(body, markup._plain_text(tokens), tuple(env.get("warnings", ())))


TEXTS = st.lists(ALPHABET, max_size=40).map("".join)


def check_agrees(text: str) -> None:
    fast = markup._plain_paragraphs(text)
    if fast is not None:
        assert fast == parsed(text), text
    assert markup.render_markdown(text) == parsed(text)


@settings(max_examples=300, deadline=None)
@given(TEXTS)
def test_fast_path_agrees_with_markdown_it_quick(text: str) -> None:
    """The quick loop's share of the property below."""
    check_agrees(text)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None)
@given(TEXTS)
def test_fast_path_agrees_with_markdown_it(text: str) -> None:
    check_agrees(text)


def test_fast_path_takes_plain_prose() -> None:
    text = 'We study "graphs" (50% faster), C++ and e-mail.\nSecond line.\n\nNext one.'
    fast = markup._plain_paragraphs(text)
    assert fast is not None and fast == parsed(text)
    assert fast.html == (
        "<p>We study &quot;graphs&quot; (50% faster), C++ and e-mail.\nSecond line.</p>\n"
        "<p>Next one.</p>\n"
    )


def test_anything_markdown_goes_to_the_parser() -> None:
    for text in ["*a*", "a  \nb", "1. a", "- a", "# a", "a\n===", "<b>", "&amp;", "$x$", "    a"]:
        assert markup._plain_paragraphs(text) is None, text


def test_a_table_is_a_table_aligned_by_class_with_its_cells_inert() -> None:
    """A Teaching page's terms and courses; the site's CSP refuses style attributes."""
    text = "| Term | Course | N |\n|:--|:-:|--:|\n| Fall | <b>x</b> [y](javascript:z) | 3 |\n"
    assert markup._plain_paragraphs(text) is None
    html = markup.render_markdown(text).html
    assert "style=" not in html and "<b>" not in html and "javascript:" not in html.split("[y]")[0]
    assert '<th class="align-left">Term</th>' in html
    assert '<th class="align-center">Course</th>' in html
    assert '<td class="align-right">3</td>' in html
    assert '<table tabindex="0">' in markup.render_markdown("a | b\n--|--\nc | d").html


def test_a_relative_link_on_a_page_of_ones_own_is_no_warning() -> None:
    """An own page is at one URL and in no feed: `../cv/` works there, and the warning
    would push its author to hard-code the site's address."""
    text = "See my [CV](../cv/) and *more*."
    assert markup.render_markdown(text).warnings  # an abstract's: shown at many depths
    rendered = markup.render_markdown(text, one_page=True)
    assert rendered.warnings == () and '<a href="../cv/">CV</a>' in rendered.html


def test_headings_sit_under_the_page_and_images_are_links() -> None:
    """A `#` in an abstract is not a second <h1>: headings go two levels down. An image
    would be a request to another site: it is a link to the image, named by its alt
    text; one with an unsafe address stays text, like such a link."""
    out = markup.render_markdown(
        "# Results\n\nSee ![the figure](https://example.org/fig.png), "
        "![x](javascript:alert(1)) and ![](https://example.org/b.png).\n\n###### Deep\n"
    )
    assert out.html == (
        "<h3>Results</h3>\n"
        '<p>See <a href="https://example.org/fig.png">the figure</a>, ![x](javascript:alert(1))'
        ' and <a href="https://example.org/b.png">https://example.org/b.png</a>.</p>\n'
        "<h6>Deep</h6>\n"
    )
    assert "See the figure," in out.text


def test_a_linked_image_is_the_links_text() -> None:
    """A README badge, `[![build](badge.svg)](repo)`: inside a link the image is only its
    alt text (or its address), as a link inside a link is invalid HTML."""
    out = markup.render_markdown(
        "[![build](https://img.example/b.svg)](https://github.com/x), "
        "[a ![](https://img.example/c.svg)](https://x.org) and ![fig](https://x.org/f.png)"
    )
    assert out.html == (
        '<p><a href="https://github.com/x">build</a>, '
        '<a href="https://x.org">a https://img.example/c.svg</a> and '
        '<a href="https://x.org/f.png">fig</a></p>\n'
    )


def test_an_images_link_is_named_by_its_alt_as_plain_text() -> None:
    """As the alt shows in the plain text (feeds, search): math and code kept."""
    out = markup.render_markdown("![the $\\alpha$ map of `tool`](https://x.org/p.png)")
    assert out.html == '<p><a href="https://x.org/p.png">the $\\alpha$ map of tool</a></p>\n'


def test_the_plain_text_keeps_a_tables_rows_whole() -> None:
    """A hunter's: the description and JSON-LD's abstract gave a table one cell per line
    ("a\nb\n1\n2"), each a line of its own in a meta tag."""
    out = markup.render_markdown("Results.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert out.text == "Results.\na b\n1 2"


def test_what_sitegen_drops_never_reaches_a_page() -> None:
    """CONTROL ran on the source, but `\\unicode{...}` and entities make any character
    after it: a bidi override or a control character would still reach pages and feeds."""
    for text in (r"a $\unicode{1} x \unicode{x202E}$ b", "a &#x202E;b", "*x* &#x202E;y"):
        out = markup.render_markdown(text)
        shown = [out.html, out.text, markup.render_inline(text), markup.plain_inline(text)]
        assert not any(CONTROL.search(s) for s in shown), shown
    assert markup.render_markdown("a\u0085b &amp; c").html == "<p>ab &amp; c</p>\n"


def test_footnotes_link_both_ways_with_ids_of_their_own_text() -> None:
    """An abstract's "equal contribution[^1]" is a footnote. Its ids carry a digest of
    the text, so two texts one page shows together (news items) never share an id;
    a hostile label or note stays text; the plain text keeps the note, not the mark."""
    from htmlutil import parse

    one = markup.render_markdown("Equal work.[^1]\n\n[^1]: <script>x</script> & co.")
    two = markup.render_markdown("Another.[^a]\n\n[^a]: Its own note.")
    doc = parse(f"<div>{one.html}</div><div>{two.html}</div>")
    refs = [a for a in doc.find("a") if (a.get("id") or "").startswith("fnref-")]
    notes = doc.find("li", class_="footnote-item")
    assert [a["href"] for a in refs] == [f"#{li['id']}" for li in notes]
    assert len({li["id"] for li in notes}) == 2
    backrefs = doc.find("a", class_="footnote-backref")
    assert [a["href"] for a in backrefs] == [f"#{a['id']}" for a in refs]
    # named for screen readers: the link is only "↩", the section a landmark
    assert [a["aria-label"] for a in backrefs] == ["Back to the text of note 1"] * 2
    assert [s.get("aria-label") for s in doc.find("section")] == ["Notes", "Notes"]
    twice = parse(markup.render_markdown("A[^1] and B[^1].\n\n[^1]: Both.").html)
    labels = [a["aria-label"] for a in twice.find("a", class_="footnote-backref")]
    assert labels == ["Back to the text of note 1", "Back to the text of note 1, mention 2"]
    assert "<script>" not in one.html and "&lt;script&gt;" in one.html
    assert "[^1]" not in one.text and "Equal work." in one.text and "& co." in one.text
    assert markup.render_markdown("Equal work.[^1]\n\n[^1]: <script>x</script> & co.") == one
    # a title is one line inside a heading or a link: no note there, the text stays
    assert markup.render_inline("A ^[note] on $x$[^1]") == (
        "A ^[note] on " + markup.math_to_html("x", False, []) + "[^1]"
    )
    # nor a link, nor an image, which is shown as a link: their text stays
    assert markup.render_inline("[A](https://a.example) ![*logo*](x.png) B") == "A <em>logo</em> B"


def test_display_math_in_a_title_is_inline_math() -> None:
    """A title is shown inside a link: display math's focusable wrapper has no place there."""
    inline = markup.math_to_html("O(n)", False, [])
    assert markup.render_inline("In $$O(n)$$ time") == f"In {inline} time"
    assert markup.render_inline("![$$O(n)$$](x.png)") == inline


def test_a_long_inline_formula_scrolls_in_a_box_a_keyboard_reaches() -> None:
    """Past a phone's column, inline math scrolls in its own box (test_quality checks the
    page at 390 px), which must then be focusable; short math stays bare. In a title, which a
    heading's type makes wide, half as long a formula scrolls in a box, focusable only in a
    title shown alone, not in a link (a visual hunter's: a title's regret bound widened its page
    to 455 px of 360)."""
    long = r"\mathcal{L}(\theta) = \sum_{i=1}^{n} \log p_\theta(x_i \mid z_i) + \lambda"
    short = markup.math_to_html("x_i", False, [])
    wide = markup.math_to_html(long, False, [])
    assert markup.render_markdown(f"Bound ${long}$ and $x_i$.").html == (
        f'<p>Bound <span class="math-inline" tabindex="0">{wide}</span> and {short}.</p>\n'
    )
    boxed = f'<span class="math-inline">{wide}</span>'
    assert markup.render_inline(f"Bound ${long}$") == f"Bound {boxed}"  # inside a link
    focusable = f'<span class="math-inline" tabindex="0">{wide}</span>'
    assert markup.render_inline(f"Bound ${long}$", alone=True) == f"Bound {focusable}"
    assert markup.render_inline(f"Bound ${long}$", links=True) == f"Bound {focusable}"


def test_relative_links_and_images_are_kept_and_named_in_a_warning() -> None:
    """The same abstract is shown at several depths and in feeds: a relative link works
    on one of them at most. Full URLs, mailto: and plain text warn of nothing."""
    text = (
        "See [slides](slides.pdf), [a file](/files/x.pdf), ![fig](fig.png), [top](#x), "
        "[the code](https://example.org/code), <mailto:a@example.org> and [^1].\n\n[^1]: a note"
    )
    rendered = markup.render_markdown(text)
    assert '<a href="slides.pdf">slides</a>' in rendered.html
    warned = [w.split("'")[1] for w in rendered.warnings]
    assert warned == ["slides.pdf", "/files/x.pdf", "fig.png", "#x"]
    assert all("use a full URL" in w for w in rendered.warnings)
    plain = "Full [URL](https://example.org) and <https://example.org/a> only."
    assert markup.render_markdown(plain).warnings == ()


def test_a_titles_plain_text_is_its_text_and_math_its_tex() -> None:
    plain = markup.plain_inline
    assert plain("*Attention* is all you need") == "Attention is all you need"
    assert plain(r"Sparse $\ell_1$ and $$x^2$$ recovery") == r"Sparse $\ell_1$ and $x^2$ recovery"
    assert plain("`grep` for **graphs**\n on _the_  web") == "grep for graphs on the web"
    assert plain("[text](https://a.example/url) ![a `b` $c$](x.png)") == "text a b $c$"
    # text, never Markup: the template escapes it, so markup in a title stays text
    assert plain("<script>alert(1)</script> & *x*") == "<script>alert(1)</script> & x"
    assert plain("&amp; *x* \\*y\\*") == "& x *y*"
    # an entity reads the same with or without other markup around it
    assert plain("Q&amp;A") == plain("*Q&amp;A*") == "Q&A"
    assert markup.render_inline("Q&amp;A") == "Q&amp;A"
    # a link markdown-it refuses is no link: its source stays, as the heading shows it
    assert plain("[x](javascript:alert(1))") == "[x](javascript:alert(1))"
    assert plain("[x](https://a.example/javascript:alert(1))") == "x"


# what a title's heading can show, except math: its MathML's text is not its TeX
TITLE_ALPHABET = st.sampled_from(
    [*"ab *_`[]()!\\&<>~\n", "![", "`c`", "&amp;", "  ", "https://x.org", "javascript:x"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(TITLE_ALPHABET, max_size=20).map("".join))
def test_a_titles_plain_text_is_what_its_heading_shows(title: str) -> None:
    shown = html.unescape(re.sub(r"<[^>]*>", "", markup.render_inline(title)))
    assert markup.plain_inline(title) == " ".join(shown.split())


def test_a_url_is_linked_as_a_browser_sends_it() -> None:
    """One check for every URL a site gives: `https://x.example/a b` or a `"` passed as
    written, and the page's href was invalid HTML; they are percent-encoded now. Controls
    and bidi overrides, a scheme that is not http(s) and a missing host are no URL."""
    assert markup.web_url(' https://x.example/a b"<q>`{|}^ ') == (
        "https://x.example/a%20b%22%3Cq%3E%60%7B%7C%7D%5E"
    )
    assert (
        markup.web_url("https://x.example/a%20b?q=1&r=2#s") == "https://x.example/a%20b?q=1&r=2#s"
    )
    for bad in ("https://x.org/a\u202egpj.exe", "javascript:alert(1)", "https://", 5, None):
        assert markup.web_url(bad) is None, bad


def test_a_url_scheme_in_capitals_is_a_url() -> None:
    """Found by a hunt: `blog = {HTTPS://...}` in a BibTeX file was dropped, as was
    `url: HTTP://...` in a paper: a scheme is any case. It is written in lower case."""
    assert markup.web_url("HTTPS://x.example/A") == "https://x.example/A"
    assert markup.web_url("Http://x.example") == "http://x.example"
    assert markup.web_url("JAVASCRIPT:alert(1)") is None


@pytest.mark.parametrize(
    ("latex", "spaced"),
    [
        (r"O(n \log n)", "<mi>n</mi>{t}<mi>log</mi>{t}<mi>n</mi>"),
        (r"\sin\theta", "<mi>sin</mi>{t}<mi>θ</mi>"),
        (r"\log(n)", '<mi>log</mi><mo stretchy="false">('),  # none before a parenthesis
        (r"\log_2 n", "<msub><mi>log</mi><mn>2</mn></msub>"),  # a base stays the base
    ],
)
def test_a_function_name_is_set_apart_from_its_argument(latex: str, spaced: str) -> None:
    """latex2mathml writes `\\log` as a bare <mi> beside the next one, and MathML Core puts
    no space between two: "O(nlogn)". A thin space goes either side, as TeX sets it."""
    thin = '<mspace width="0.1667em"></mspace>'
    assert spaced.format(t=thin) in markup.math_to_html(latex, False, [])
