"""Injection: hostile text in every field stays text, in every output format.

One site is built from a profile whose owner name, titles and abstracts carry
script tags, event handlers, `javascript:` and `data:` links, Jinja syntax and
tag breakers (`</title>`, `</script>`, `<!--<script>`), math whose LaTeX
becomes MathML links and styles (`\\href{javascript:...}`), plus hand-edited files
and settings that put the same into the fields a profile cannot reach (author
names, affiliations, topic code, tags, venue, links, bio, people.yaml, the
site title and navigation). Each payload names its field, so a failure says
which one leaked.

Then: pages are opened in headless Chromium over plain HTTP with no security
headers (an injected script would run): no dialog, no injected element, the
text shown literally; feeds parse cleanly with no markup in their HTML; the
citation files parse with one record per paper; JSON-LD blocks are valid JSON
holding the literal text; the search index answers queries for the payloads
without running any of them.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote_plus

import pytest
import yaml
from conftest import AS_OF, BASE_URL, run_cli

from .util import (
    MATHML_ATTRIBUTES,
    MATHML_ELEMENTS,
    http_host,
    mathml_problems,
    parse_tree,
    snapshot,
)

# ---------------------------------------------------------------- the payloads


def payload(tag: str) -> str:
    """Every trick at once, each labelled with the field it was put in."""
    return " ".join(
        [
            f'<script>alert("{tag}-script")</script>',
            f"<img src=x onerror=alert('{tag}-img')>",
            f"<a href=\"javascript:alert('{tag}-a')\">{tag}-link</a>",
            f'<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">{tag}-data</a>',
            f"javascript:alert('{tag}-bare')",
            f"{tag}{{{{ 7*7 }}}}",
            f"{{% if true %}}{tag}-TPL{{% endif %}}",
            f"</title><script>alert('{tag}-title')</script>",
            f"</script><script>alert('{tag}-close')</script>",
            f"<!--<script> '\"><svg onload=alert('{tag}-svg')>",
        ]
    )


def math_payload(tag: str) -> str:
    """LaTeX that latex2mathml turns into MathML links, styles, classes and raw markup."""
    return (
        f"$\\href{{javascript:alert('{tag}-href')}}{{{tag}H}}$, $\\style{{color:red}}{{{tag}S}}$,"
        f" $\\class{{evil}}{{{tag}C}}$, $\\text{{<img src=x onerror=alert('{tag}-mtext')>}}$"
        f" and $$\\href{{javascript:alert('{tag}-display')}}{{{tag}D}}$$"
    )


def template_probe(tag: str) -> tuple[str, str]:
    """(what a template engine would make of the payload's Jinja, what must be shown)."""
    return f"{tag}49", f"{tag}{{{{ 7*7 }}}}"


# Fields a profile text can carry. Profile names and affiliations refuse `<`
# (they would not be an authors line), so those go through hand-edited files.
OWNER = "Eve Adversary " + payload("owner")
FIELD_LABEL = "<img src=x onerror=alert('field')> Security"  # no digits: a field label
TITLE1 = "Scripts: " + payload("title")
ABSTRACT = (
    "We study " + payload("abstract") + " and Markdown links [md-js](javascript:alert('md-js')),"
    " [md-case](JaVaScRiPt:alert('md-case')),"
    " [md-ent](&#106;avascript:alert('md-ent')), [md-tab](java\tscript:alert('md-tab')),"
    " [md-data](data:text/html,<script>alert('md-data')</script>),"
    " [md-vb](vbscript:msgbox('md-vb')),"
    " <javascript:alert('autolink')>, [md-rel](//evil.example/x) and"
    " \\url{javascript:alert('url')} and \\url{data:text/html,alert('url-data')}. "
    + math_payload("math-abstract")
)
TITLE2 = "A plain second paper: baseline"
PROFILE = f"""{OWNER}

{FIELD_LABEL}
h-index3
2 Papers

LGMar 3, 2024Code
{TITLE1}

Ana Lyst, Bo Gus et al. · pku

{ABSTRACT}

CVJan 5, 2023
{TITLE2}

Ana Lyst, Carl Doe

Second abstract, with code at \\url{{https://github.com/x/y}}.
"""

HAND_TITLE = (
    "Hand: "
    + payload("fm-title")
    + " Closing}, author = {Mallory}, @misc{evil, title={x}"
    + "\nER  - \nTY  - JOUR\nTI  - injected"  # a newline must not start a new RIS record
)
HAND_AUTHORS = [
    "Mallory " + payload("author"),
    OWNER,
    "javascript:alert('author-js')",
    "Ana Lyst",
]
HAND = {
    "title": HAND_TITLE,
    "date": "2024-05-01",
    "topic": payload("topic"),
    "authors": HAND_AUTHORS,
    "et_al": True,
    "affiliations": [payload("aff"), "{% if true %}aff-TPL{% endif %}"],
    "tags": [payload("tag"), "plain"],
    "venue": payload("venue"),
    "code": True,
    "code_url": "https://github.com/x/y?a=\"><script>alert('code-url')</script>",
    "url": "https://example.org/p?x='onmouseover='alert(1)",
    "doi": "10.1000/x\"><script>alert('doi')</script>",
    "pdf": "https://example.org/p.pdf?\"><script>alert('pdf')</script>",
    "links": [
        {"name": payload("link-name"), "url": "https://example.org/s?'onmouseover='alert(1)"}
    ],
    "added": "2024-05-02",
}
HAND_BODY = (
    payload("body")
    + "\n\n"
    + math_payload("math-body")
    + "\n\n<div onclick=\"alert('html-block')\">block</div>\n\n"
    + "[ref-js][r] and [ref-data][d] and ![img](x\" onerror=\"alert('md-img'))\n\n"
    + "[r]: javascript:alert('ref-js')\n[d]: data:text/html,alert('ref-data')\n"
)
BIO = payload("bio")
CONFIG = {
    "title": "Site " + payload("config-title"),
    "description": payload("config-desc"),
    "topic_names": {"LG": payload("topic-name")},
    "nav": [
        {"title": payload("nav"), "url": "/timeline/"},
        {"title": "Topics", "url": "/topics/"},
        {"title": "Coauthors", "url": "/coauthors/"},
        {"title": "Search", "url": "/search/"},
    ],
}
PEOPLE = [
    {
        "name": "Ana Lyst",
        "affiliation": payload("people-aff"),
        "homepage": "https://example.org/ana?\"><script>alert('homepage')</script>",
    }
]
TAGS = [
    "owner", "field", "title", "abstract", "fm-title", "author", "topic", "aff", "tag", "venue",
    "body", "bio", "config-title", "config-desc", "topic-name", "nav", "people-aff", "link-name",
]  # fmt: skip
# Every dialog message a payload could raise contains one of these.
JS_ATTRS = ("href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcdoc")
BAD_SCHEME = re.compile(r"^\s*(javascript|data|vbscript|file):", re.IGNORECASE)
DATA_BLOCKS = ("application/ld+json", "application/json")  # <script>s a browser never runs


def hostile_front_matter() -> str:
    return "---\n" + yaml.safe_dump(HAND, allow_unicode=True, sort_keys=False) + "---\n" + HAND_BODY


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    site = root / "site"
    profile = root / "profile.txt"
    profile.write_text(PROFILE, encoding="utf-8")
    run_cli("import", profile, "--site", site, "--as-of", AS_OF, check=True)
    (site / "content" / "papers" / "2024-hand-edited.md").write_text(
        hostile_front_matter(), encoding="utf-8"
    )
    with (site / "content" / "profile.yaml").open("a", encoding="utf-8") as f:
        f.write(yaml.safe_dump({"bio": BIO}, allow_unicode=True))
    (site / "content" / "people.yaml").write_text(
        yaml.safe_dump(PEOPLE, allow_unicode=True), encoding="utf-8"
    )
    (site / "sitegen.yaml").write_text(yaml.safe_dump(CONFIG, allow_unicode=True), "utf-8")
    before = snapshot(root, skip=("site/output", "site/.sitegen-cache"))
    proc = run_cli("build", "--site", site, "--base-url", BASE_URL)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert snapshot(root, skip=("site/output", "site/.sitegen-cache")) == before
    return site / "output"


def html_pages(output: Path) -> list[Path]:
    return sorted(p for p in output.rglob("*.html") if "pagefind" not in p.parts)


def all_strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for v in (*data.keys(), *data.values()) for s in all_strings(v)]
    if isinstance(data, list):
        return [s for v in data for s in all_strings(v)]
    return []


# ---------------------------------------------------------------- static checks of every file


def test_the_hostile_site_has_every_page(hostile_site: Path) -> None:
    papers = sorted(p.name for p in (hostile_site / "papers").iterdir() if p.is_dir())
    assert len(papers) == 3, papers
    assert all(re.fullmatch(r"[a-z0-9-]+", p) for p in papers)
    for rel in ("index.html", "timeline/index.html", "topics/index.html", "coauthors/index.html"):
        assert (hostile_site / rel).is_file()


def test_no_markup_escapes_into_any_page(hostile_site: Path) -> None:
    problems = []
    maths = 0
    for page in html_pages(hostile_site):
        rel = page.relative_to(hostile_site).as_posix()
        tree = parse_tree(page.read_text(encoding="utf-8"))
        # MathML (issue 16): links, styles, classes and markup from LaTeX must not survive
        problems += [f"{rel}: {p}" for p in mathml_problems(tree.root)]
        maths += sum(1 for n in tree.root.iter() if n.tag == "math")
        titles = [n for n in tree.root.iter() if n.tag == "title" and n.parent.tag == "head"]
        if len(titles) != 1:  # (an SVG chart may hold <title>s of its own)
            problems.append(f"{rel}: {len(titles)} <title> elements in <head>")
        for n in tree.root.iter():
            if n.tag in ("iframe", "object", "embed", "frame", "base"):
                problems.append(f"{rel}:{n.line}: <{n.tag}> element")
            if n.tag == "meta" and (n.attrs.get("http-equiv") or "").lower() == "refresh":
                problems.append(f"{rel}:{n.line}: meta refresh")
            for name, value in n.attrs.items():
                if name.startswith("on"):
                    problems.append(f"{rel}:{n.line}: <{n.tag} {name}=...>")
                if name in JS_ATTRS and value and BAD_SCHEME.match(value):
                    problems.append(f"{rel}:{n.line}: <{n.tag} {name}={value[:40]!r}>")
        for attrs, text in tree.scripts:
            kind = attrs.get("type")
            if kind in DATA_BLOCKS:  # not run: JSON-LD, the search page's words
                if re.search(r"</script|<!--|<script", text, re.IGNORECASE):
                    problems.append(f"{rel}: a JSON data block holds a tag breaker")
            elif not attrs.get("src") or BAD_SCHEME.match(attrs["src"] or ""):
                problems.append(f"{rel}: inline script {text[:60]!r}")
            elif (
                not (
                    hostile_site / attrs["src"].lstrip("/")  # the 404 page links root-absolute
                    if attrs["src"].startswith("/")
                    else page.parent / attrs["src"]
                )
                .resolve()
                .is_file()
            ):
                problems.append(f"{rel}: script src {attrs['src']} is not a local file")
    assert not problems, "\n".join(problems)
    assert maths >= 8, f"only {maths} <math> elements: the math payloads did not render"


def test_templates_never_evaluate_user_text(hostile_site: Path) -> None:
    """`{{ 7*7 }}` must come out as written, never as 49, in every text file."""
    leaks = []
    for path in sorted(hostile_site.rglob("*")):
        if not path.is_file() or path.suffix not in (".html", ".xml", ".json", ".bib", ".ris"):
            continue
        text = path.read_text(encoding="utf-8")
        for tag in TAGS:
            evaluated, _ = template_probe(tag)
            if evaluated in text:
                leaks.append(f"{path.relative_to(hostile_site)}: {evaluated}")
        # `{% if true %}X-TPL{% endif %}` evaluated would leave X-TPL without its tags
        # (search links carry it URL-encoded: decode the window before looking)
        for m in re.finditer(r"-TPL", text):
            if "if true" not in unquote_plus(text[max(0, m.start() - 120) : m.start()]):
                leaks.append(
                    f"{path.relative_to(hostile_site)}: a bare {text[m.start() - 12 : m.end()]}"
                )
    assert not leaks, "\n".join(leaks)


def test_text_is_shown_literally(hostile_site: Path) -> None:
    home = parse_tree((hostile_site / "index.html").read_text(encoding="utf-8")).root
    h1 = next(n for n in home.iter() if n.tag == "h1")
    assert h1.text() == " ".join(OWNER.split())
    assert " ".join(BIO.split()) in home.text()
    page = next(
        p for p in (hostile_site / "papers").glob("*/index.html") if "scripts" in p.parent.name
    )
    root = parse_tree(page.read_text(encoding="utf-8")).root
    h1 = next(n for n in root.iter() if n.tag == "h1")
    assert h1.text() == " ".join(TITLE1.split())
    title = next(n for n in root.iter() if n.tag == "title")
    assert title.text().startswith(" ".join(TITLE1.split()))
    text = root.text()
    for piece in ("<script>alert(\"abstract-script\")</script>", "abstract{{ 7*7 }}",
                  "[md-js](javascript:alert('md-js'))", "javascript:alert('url')"):  # fmt: skip
        assert piece in text, piece
    hand = (hostile_site / "papers" / "2024-hand-edited" / "index.html").read_text("utf-8")
    hand_root = parse_tree(hand).root
    hand_text = hand_root.text()
    pieces = ("author", "aff", "venue", "body", "link-name")
    for piece in map(payload, pieces):
        assert " ".join(piece.split()) in hand_text, piece[:30]
    assert any(n.tag == "h1" and n.text() == " ".join(HAND_TITLE.split()) for n in hand_root.iter())


def test_json_ld_is_valid_json_with_the_literal_text(hostile_site: Path) -> None:
    found = 0
    for page in html_pages(hostile_site):
        tree = parse_tree(page.read_text(encoding="utf-8"))
        for attrs, text in tree.scripts:
            if attrs.get("type") not in DATA_BLOCKS:
                continue
            if attrs["type"] == "application/json":  # the search page's words: JSON too
                json.loads(text)
                continue
            found += 1
            data = json.loads(text)  # a </script> inside would have cut this short
            strings = " ".join(all_strings(data))
            if page.parent.name.startswith("2024-scripts"):
                assert " ".join(TITLE1.split()) in strings
            if page.parent.name == "2024-hand-edited":
                assert "</script><script>alert('author-close')</script>" in strings
    if not found:
        pytest.skip("this build writes no JSON-LD")


# ---------------------------------------------------------------- feeds


def html_elements(root: ET.Element) -> list[ET.Element]:
    out = []
    for el in root.iter():
        local = el.tag.rsplit("}", 1)[-1]
        if local in ("content", "summary") and el.get("type") in ("html", "xhtml"):
            out.append(el)
        elif el.tag == "item":
            out += [c for c in el if c.tag.rsplit("}", 1)[-1] in ("description", "encoded")]
    return out


def test_feeds_parse_and_carry_no_markup(hostile_site: Path) -> None:
    import feedparser

    feeds = sorted(p for p in hostile_site.rglob("*.xml") if p.name in ("feed.xml", "atom.xml"))
    assert feeds
    problems = []
    titles = set()
    for path in feeds:
        rel = path.relative_to(hostile_site).as_posix()
        parsed = feedparser.parse(path.read_bytes())
        if parsed.bozo:
            problems.append(f"{rel}: not well-formed ({parsed.bozo_exception})")
            continue
        for e in parsed.entries:
            titles.add(e.title)
            for c in e.get("content", []) + [e.get("summary_detail") or {}]:
                if "<script" in (c.get("value") or "").lower():
                    problems.append(f"{rel}: <script> survives feedparser's sanitizer")
        # what a feed reader renders as HTML: Atom content/summary of type html,
        # RSS item descriptions and content:encoded (channel text is plain text)
        for el in html_elements(ET.parse(path).getroot()):
            if el.text:
                tree = parse_tree(el.text)
                problems += [f"{rel}: {p} in entry HTML" for p in mathml_problems(tree.root)]
                for n in tree.root.iter():
                    if n.tag in ("script", "iframe", "object", "embed", "svg", "img"):
                        problems.append(f"{rel}: <{n.tag}> in entry HTML")
                    for name, value in n.attrs.items():
                        if name.startswith("on") or (
                            name in JS_ATTRS and value and BAD_SCHEME.match(value)
                        ):
                            problems.append(f"{rel}: {name}={value!r} in entry HTML")
        # channel and entry titles are text: feedparser must see the payload as written
        if path.name == "atom.xml" and rel == "atom.xml":
            assert parsed.feed.title.startswith("Site " + payload("config-title")[:20])
    assert not problems, "\n".join(sorted(set(problems)))
    assert " ".join(TITLE1.split()) in titles


# ---------------------------------------------------------------- citations


def test_bibtex_has_one_entry_per_paper(hostile_site: Path) -> None:
    bibs = sorted(hostile_site.rglob("*.bib"))
    if not bibs:
        pytest.skip("this build writes no BibTeX")
    import bibtexparser

    for path in bibs:
        lib = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
        expected = 3 if path.name == "publications.bib" else 1
        assert not lib.failed_blocks, (path, [b.error for b in lib.failed_blocks])
        assert len(lib.entries) == expected, (path, [e.key for e in lib.entries])
        assert not any("evil" in e.key for e in lib.entries)
        for e in lib.entries:
            assert e.fields_dict.get("title") is not None


def test_ris_has_one_record_per_paper(hostile_site: Path) -> None:
    riss = sorted(hostile_site.rglob("*.ris"))
    if not riss:
        pytest.skip("this build writes no RIS")
    for path in riss:
        lines = path.read_text(encoding="utf-8").splitlines()
        expected = 3 if path.name == "publications.ris" else 1
        assert sum(1 for s in lines if s.startswith("TY  -")) == expected, path
        assert sum(1 for s in lines if s.startswith("ER  -")) == expected, path
        assert not any(s.startswith("TI  - injected") for s in lines), path
        for s in lines:
            assert not s or re.match(r"[A-Z][A-Z0-9]  -( |$)", s), (path, s)


def test_csl_json_holds_the_literal_titles(hostile_site: Path) -> None:
    files = sorted(p for p in hostile_site.rglob("*.json") if "pagefind" not in p.parts)
    if not files:
        pytest.skip("this build writes no CSL-JSON")
    titles = set()
    for path in files:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else [data]
        titles |= {item.get("title") for item in items if isinstance(item, dict)}
    # as text in CSL-JSON's rich text, which is HTML: no tag in it is one
    assert html.escape(" ".join(TITLE1.split()), quote=False) in titles
    assert html.escape(" ".join(HAND_TITLE.split()), quote=False) in titles


# ---------------------------------------------------------------- in a real browser

PAGE_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name.toLowerCase().startsWith('on')) bad.push(`<${el.localName} ${a.name}>`);
    }
  }
  for (const s of document.scripts) {
    if (s.type === 'application/ld+json' || s.type === 'application/json') continue;
    if (!s.src) { bad.push('inline script: ' + s.textContent.slice(0, 60)); continue; }
    if (new URL(s.src).origin !== location.origin) bad.push('foreign script ' + s.src);
  }
  const sel = 'img[onerror], iframe, object, embed, frame, a[href^="javascript" i], '
    + 'a[href^="data" i], a[href^="vbscript" i], [src^="javascript" i], [src^="data" i], '
    + 'form[action^="javascript" i], meta[http-equiv="refresh" i], base';
  for (const el of document.querySelectorAll(sel)) {
    bad.push('injected ' + el.outerHTML.slice(0, 80));
  }
  for (const a of document.querySelectorAll('a[href]')) {
    if (!['http:', 'https:', 'mailto:'].includes(a.protocol)) bad.push('link to ' + a.href);
  }
  // (issue 16) Firefox follows href on MathML: only allowlisted MathML inside <math>
  const [mathEls, mathAttrs] = [new Set(MATHML_ELEMENTS), new Set(MATHML_ATTRIBUTES)];
  for (const el of document.querySelectorAll('math, math *')) {
    if (!mathEls.has(el.localName) || el.namespaceURI !== 'http://www.w3.org/1998/Math/MathML') {
      bad.push(`<${el.localName}> (${el.namespaceURI}) inside <math>`);
    }
    for (const a of el.attributes) {
      if (!mathAttrs.has(a.name)) bad.push(`<${el.localName} ${a.name}=${a.value.slice(0, 40)}>`);
    }
  }
  if (window.__pwned) bad.push('window.__pwned set');
  return bad;
}""".replace("MATHML_ELEMENTS", json.dumps(sorted(MATHML_ELEMENTS))).replace(
    "MATHML_ATTRIBUTES", json.dumps(sorted(MATHML_ATTRIBUTES))
)


@pytest.mark.browser
def test_pages_in_chromium_run_nothing(hostile_site: Path, chromium) -> None:  # type: ignore[no-untyped-def]
    dialogs: list[str] = []
    problems: list[str] = []
    with http_host(hostile_site) as base:
        context = chromium.new_context(java_script_enabled=True)
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(f"{page.url}: {d.message}"), d.dismiss()))
        for path in html_pages(hostile_site):
            rel = path.relative_to(hostile_site).as_posix()
            page.goto(base + rel, wait_until="load")
            page.wait_for_timeout(150)  # onerror/onload handlers fire after load
            problems += [f"{rel}: {p}" for p in page.evaluate(PAGE_CHECK)]
            if rel.startswith("papers/2024-scripts"):
                if page.inner_text("h1") != " ".join(TITLE1.split()):
                    problems.append(f"{rel}: <h1> is not the title as written")
                if not page.title().startswith(" ".join(TITLE1.split())):
                    problems.append(f"{rel}: document.title is not the title as written")
                body = page.inner_text("main")
                if "abstract{{ 7*7 }}" not in body or "abstract49" in body:
                    problems.append(f"{rel}: the abstract's {{{{ 7*7 }}}} is not shown as written")
            if rel == "index.html" and page.inner_text("h1") != " ".join(OWNER.split()):
                problems.append(f"{rel}: <h1> is not the owner's name as written")
        context.close()
    assert not dialogs, "scripts ran: " + "\n".join(dialogs)
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_search_results_stay_inert(hostile_site: Path, chromium) -> None:  # type: ignore[no-untyped-def]
    if (
        not (hostile_site / "search" / "index.html").is_file()
        or not (hostile_site / "pagefind").is_dir()
    ):
        pytest.skip("this build has no search page and index (pagefind not available)")
    dialogs: list[str] = []
    with http_host(hostile_site) as base:
        context = chromium.new_context()
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        shown = []
        for query in ("alert", "script", "onerror", "javascript", "Scripts", "Mallory", "49"):
            page.goto(f"{base}search/?q={query}", wait_until="load")
            try:
                page.wait_for_selector(".search-results li", timeout=5000)
            except Exception:
                pass
            page.wait_for_timeout(300)
            shown += page.locator(".search-results li").all_inner_texts()
            problems = page.evaluate(PAGE_CHECK)
            assert not problems, (query, problems)
        context.close()
    assert not dialogs, dialogs
    assert shown, "no query found anything: the index did not work at all"
    joined = "\n".join(shown)
    assert " ".join(TITLE1.split()) in joined or "Scripts:" in joined
