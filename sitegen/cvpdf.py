"""The CV as a PDF: the /cv/ page's own HTML and print stylesheet, through WeasyPrint.

One source for both: the PDF cannot disagree with the page. WeasyPrint is optional
(`sitegen[pdf]`: it needs Pango). Rendering takes a second, so each PDF is kept in
`.sitegen-cache/cv-pdf/` under a hash of its HTML and CSS. The PDF's fetcher serves the
stylesheet from memory and refuses every other URL: whatever a resume says, making the PDF
reads no file and opens no connection.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from contextlib import suppress
from pathlib import Path
from urllib.parse import unquote

from .errors import SitegenError, SitegenWarning
from .state import MAX_CACHE, cache_name, open_cache_file, save_bytes

CV = "cv/cv.pdf"
_MATH = re.compile(r'<math alttext="([^"]*)".*?</math>', re.S)  # markup.math_to_html's
# the address as portfolio.Email shows it, which email.js makes a link of on the page
_EMAIL = re.compile(r'<span class="email-address">([^<\s]+) \[at\] ([^<]+?)</span>')

NO_ENGINE = SitegenWarning(
    "cv_pdf: WeasyPrint is not installed, so there is no /cv/cv.pdf and no link to it "
    "(install sitegen with its pdf extra: `pip install '.[pdf]'` in its checkout, or, for a "
    "site Netlify builds, `[search,pdf]` after sitegen in the site's requirements.txt)"
)


def available() -> bool:
    """Whether WeasyPrint is installed: looked up, not imported (importing takes 0.6 s,
    and a build whose PDF is cached never needs it)."""
    try:
        return importlib.util.find_spec("weasyprint") is not None
    except (ImportError, ValueError):
        return False


def start_error() -> SitegenError | None:
    """Why the installed WeasyPrint cannot start (most often: no Pango), which `sitegen
    check` says too, before a build stops at it."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as e:  # OSError: the package is there, Pango is not
        return SitegenError(f"WeasyPrint cannot start ({e}): install Pango", CV)
    return None


def cv_pdf(html: str, page_url: str, css: dict[str, bytes], paper: str, cache_dir: Path) -> bytes:
    """The CV page's PDF, deterministic (no document dates), on `paper` (A4 or letter: the
    stylesheet leaves the size to a browser's print dialog); `css` maps the stylesheet URLs the
    page links to their bytes. `page_url` is absolute: relative links point at the site."""
    # the code stamp covers WeasyPrint's version; --no-cache clears the folder (fonts)
    css_keys = (f"{u}\0{d.hex()}" for u, d in sorted(css.items()))
    key = cache_name(html, page_url, paper, *css_keys)
    cached = cache_dir / f"{key}.pdf" if key else None  # no key: no cache trusted
    if cached:
        with suppress(OSError), open_cache_file(cached, MAX_CACHE) as f:
            return f.read()
    if (problem := start_error()) is not None:
        raise problem
    import weasyprint

    html = _MATH.sub(r"<span>$\1$</span>", html)  # WeasyPrint reads no MathML: O(n2) for n^2
    html = _EMAIL.sub(_mail_link, html)  # a PDF runs no email.js: the CV a committee gets
    doc = weasyprint.HTML(string=html, base_url=page_url, url_fetcher=_fetcher(css))
    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # refused URLs are expected
    try:
        data = doc.write_pdf(stylesheets=[weasyprint.CSS(string=f"@page {{ size: {paper} }}")])
    except Exception as e:  # a layout bug in WeasyPrint must not end as a traceback
        raise SitegenError(
            f"WeasyPrint could not lay out the CV: {type(e).__name__} {e}", CV
        ) from None
    with suppress(OSError):  # a cache that cannot be written only costs time
        if cached:
            save_bytes(cached, data)
        for old in cache_dir.glob("*.pdf"):  # only the latest CV is worth keeping
            if old != cached:
                old.unlink(missing_ok=True)
    return data


def _mail_link(m: re.Match[str]) -> str:
    address = f"{m[1]}@{m[2].replace(' [dot] ', '.')}"
    return f'<a class="email-address" href="mailto:{address.replace("%", "%25")}">{address}</a>'


def _fetcher(css: dict[str, bytes]) -> object:
    """A URL fetcher that knows the stylesheets and refuses everything else."""

    def stylesheet(url: str) -> bytes:
        found = css.get(url, css.get(unquote(url)))  # a base URL in Unicode is asked encoded
        if found is None:
            raise ValueError(f"the CV's PDF loads nothing but its stylesheet: {url}")
        return found

    try:  # WeasyPrint 66 and later: a URLFetcher subclass answering URLFetcherResponses
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except ImportError:  # older: a function answering dicts
        return lambda url, *args, **kwargs: {"string": stylesheet(url), "mime_type": "text/css"}

    class Fetcher(URLFetcher):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: object = None) -> object:
            return URLFetcherResponse(url, stylesheet(url), {"Content-Type": "text/css"})

    return Fetcher()
