"""The online sources (`orcid:ID`, `dblp:PID`, `arxiv:QUERY`, `zotero:users/ID`): the only
network I/O in sitegen. A failure is a one-line SitegenError, raised before the importer
plans any write. The base URLs come from the environment, so tests use a local server.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .errors import SitegenError, SitegenWarning
from .sources import (
    SourceRecord,
    orcid_put_codes,
    parse_arxiv_atom,
    parse_bibtex,
    parse_csl_json,
    parse_orcid_bulk,
    parse_orcid_works,
)

DEFAULTS = {
    "orcid": ("SITEGEN_ORCID_API", "https://pub.orcid.org"),
    "dblp": ("SITEGEN_DBLP_API", "https://dblp.org"),
    "arxiv": ("SITEGEN_ARXIV_API", "https://export.arxiv.org"),
    "zotero": ("SITEGEN_ZOTERO_API", "https://api.zotero.org"),
}
ARXIV_PAGE = 100  # entries per request; the API allows more, but slowly
ARXIV_PAUSE = 3.0  # seconds between pages, as arXiv's terms of use ask
ARXIV_MAX = 30_000  # entries of one query: the most arXiv's API serves
ARXIV_PAGES = 2 * ARXIV_MAX // ARXIV_PAGE  # requests: room for short pages, not 1-entry ones
# An answer's size: 20,000 ORCID works (3 kB each); more is a server streaming without end.
MAX_BYTES = 64 << 20
ORCID_BULK = 100  # put-codes per bulk work request: the most ORCID's API takes
_ORCID_ID = re.compile(r"[0-9]{4}-[0-9]{4}-[0-9]{4}-[0-9]{3}[0-9X]")  # \d takes '٠' too
ZOTERO_PAGE = 100  # items per request: the most the Web API serves
ZOTERO_PAGES = 1000  # requests: 100,000 items, so a server that never ends cannot loop
ZOTERO_BACKOFF = 60.0  # seconds: the longest a `Backoff` header makes an import wait
ZOTERO_REFUSALS = {
    403: "the library is private: set ZOTERO_API_KEY to a key that can read it",
    404: "no such library or collection",
}
ZOTERO_KEY_REFUSED = "ZOTERO_API_KEY cannot read this library: give the key access to it"
# a user's or group's library, or one collection of it (Zotero's keys are 8 of [A-Z0-9])
_ZOTERO = re.compile(r"(users|groups)/[0-9]+(/collections/[A-Z0-9]{8})?")
_DBLP_PID = re.compile(r"[A-Za-z0-9][\w./-]{0,80}")
# a profile's address as pasted from the browser, with or without its source's prefix ->
# that source as sitegen names it
_QUERY = r"/?(?:[?#].*)?"  # `?lang=en`, `?view=by-type`, `#S2`: the page, not the person
_ADDRESSES = (
    ("orcid:{}", r"(?:orcid:)?(?:https?://)?(?:www\.)?orcid\.org/([^/?#]+)" + _QUERY),
    (  # dblp.org, or its mirror dblp.uni-trier.de
        "dblp:{}",
        r"(?:dblp:)?(?:https?://)?(?:www\.)?dblp\.(?:org|uni-trier\.de)/pid/([^?#]+?)"
        r"(?:\.html|\.bib|\.xml)?" + _QUERY,
    ),
    (
        "arxiv:id:{}",
        r"(?:arxiv:)?(?:https?://)?(?:www\.)?arxiv\.org/(?:abs|pdf)/([^?#]+?)(?:v[0-9]+)?(?:\.pdf)?"
        + _QUERY,
    ),
)

Log = Callable[[str], None]


def _base(kind: str) -> str:
    var, default = DEFAULTS[kind]
    base = (os.environ.get(var) or default).rstrip("/")
    with contextlib.suppress(ValueError):  # `http://[::1`: an IPv6 address left open
        url = urllib.parse.urlsplit(base)
        if url.scheme in ("http", "https") and url.hostname:
            return base
    raise SitegenError(f"{base!r} is not an http(s) URL", var)


def _timeout() -> float:
    text = os.environ.get("SITEGEN_FETCH_TIMEOUT", "30")
    with contextlib.suppress(ValueError):
        # nan fails too; 0 makes a socket non-blocking, inf overflows it, and an hour is plenty
        if 0 < (seconds := float(text)) <= 3600:
            return seconds
    message = f"{text!r} is not a number of seconds (more than 0, at most 3600)"
    raise SitegenError(message, "SITEGEN_FETCH_TIMEOUT")


class _Redirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any) -> urllib.request.Request | None:
        newurl = args[-1]  # after req, fp, code, msg and headers: joined with the request's
        if urllib.parse.urlsplit(newurl).scheme not in ("http", "https"):
            why = f"it redirects to {newurl}: only http and https are followed"
            raise urllib.error.URLError(why)
        new = super().redirect_request(*args)
        # an API key is for the host it was given to, not for any a redirect names, and
        # never for plain http, where anyone on the way reads it (requests drops it too)
        if new and (new.host != args[0].host or (args[0].type, new.type) == ("https", "http")):
            new.remove_header("Zotero-api-key")
        return new


def _opener() -> urllib.request.OpenerDirector:
    """urlopen's opener, less its ftp:, file: and data: handlers: it followed a redirect
    to ftp:// (logging in to any host) and failed as `cannot reach ... ()`."""
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler,  # http_proxy and the rest, as urlopen reads them
        urllib.request.UnknownHandler,  # another scheme is an error, not None
        urllib.request.HTTPHandler,
        urllib.request.HTTPSHandler,
        urllib.request.HTTPDefaultErrorHandler,
        _Redirects,
        urllib.request.HTTPErrorProcessor,
    ):
        opener.add_handler(handler())
    return opener


def get(url: str, spec: str, accept: str) -> str:
    return answer(url, spec, {"Accept": accept})[0]


def answer(
    url: str, spec: str, headers: dict[str, str], refusals: dict[int, str] | None = None
) -> tuple[str, http.client.HTTPMessage]:
    """GET `url` as text, with the answer's headers; a failure is one line naming the source
    (`refusals`: its own words by HTTP status), and the URL that failed: where redirects led.
    The timeout bounds the whole answer, not each read: a server sending a byte at a time
    never timed out."""
    timeout = _timeout()
    deadline = time.monotonic() + timeout
    headers = {**headers, "User-Agent": "sitegen (publication site generator)"}
    request = urllib.request.Request(url, headers=headers)
    try:
        with _opener().open(request, timeout=timeout) as response:
            url = response.url
            data = bytearray()
            while chunk := response.read1(1 << 16):
                data += chunk
                if len(data) > MAX_BYTES:
                    size = f"{MAX_BYTES / (1 << 20):g} MB"
                    raise SitegenError(f"the answer from {url} is over {size}", spec)
                if time.monotonic() > deadline:
                    raise TimeoutError
            # read1 ends a body cut short quietly: the header says how much was promised
            promised = response.headers.get("Content-Length", "")
            if promised.isascii() and promised.isdigit() and len(data) < int(promised):
                raise http.client.IncompleteRead(bytes(data), int(promised) - len(data))
    except http.client.IncompleteRead:  # the server was reached, its answer incomplete
        raise SitegenError(f"the answer from {url} was cut short: try again", spec) from None
    except urllib.error.HTTPError as e:
        url = e.filename or url
        if e.code in (refusals or {}):
            raise SitegenError(refusals[e.code], spec) from None
        after = (e.headers.get("Retry-After") or "").strip()
        if e.code == 429 or (e.code == 503 and after):  # arXiv's throttle is a 503 with one
            # Retry-After is seconds or an HTTP date: either reads as is
            when = f"in {after} s" if after.isascii() and after.isdigit() else f"after {after}"
            shown = after.isprintable() and 0 < len(after) < 40
            wait = f"try again {when}" if shown else "wait a while and try again"
            busy = "rate limited" if e.code == 429 else "busy"
            raise SitegenError(f"{busy} (HTTP {e.code}); {wait}", spec) from None
        if e.code in (301, 302, 303, 307, 308):  # urllib's loop message holds line breaks
            raise SitegenError(f"HTTP {e.code}: redirected in a loop from {url}", spec) from None
        raise SitegenError(f"HTTP {e.code} {e.reason} from {url}", spec) from None
    # a redirect to `http://[::1` is a ValueError, a huge Content-Length an OverflowError
    except (OSError, ValueError, OverflowError, http.client.HTTPException) as e:
        # a timeout is a TimeoutError, raised as is or, while connecting, as a URLError's reason
        reason = getattr(e, "reason", e)
        if isinstance(reason, TimeoutError):
            raise SitegenError(f"no answer within {timeout:g} s from {url}", spec) from None
        why = str(reason) or type(reason).__name__  # EOFError() says nothing
        raise SitegenError(f"cannot reach {url} ({why})", spec) from None
    try:
        return data.decode("utf-8"), response.headers
    except UnicodeDecodeError:
        raise SitegenError("the response is not UTF-8 text", spec) from None


def online_spec(spec: str) -> str:
    """The online source `spec` names, as sitegen names it (so the manifest records one
    label however it was written): a pasted orcid.org, dblp.org/pid/ or arxiv.org/abs/
    address is `orcid:ID`, `dblp:PID` or `arxiv:id:ID` (its version dropped), and an ORCID
    iD's check digit `x` is `X`, as ORCID writes it."""
    text = spec.strip()
    for form, address in _ADDRESSES:
        if m := re.fullmatch(address, text, re.IGNORECASE):
            text = form.format(m[1])
            break
    kind, _, arg = text.partition(":")
    if kind.lower() == "orcid" and _ORCID_ID.fullmatch(orcid := arg.strip().upper()):
        return f"{kind}:{orcid}"
    return text


def fetch(spec: str, log: Log) -> list[SourceRecord]:
    """Records of one online source, e.g. `orcid:0000-0002-1825-0097` (or its address, see
    online_spec). A line of an answer no one sees (Zotero's and ORCID's are one line) says
    nothing: errors and warnings name the source, and the item by its title."""
    spec = online_spec(spec)
    try:
        records = _fetch(spec, log)
    except SitegenError as e:
        if e.path == spec:
            e.line = None
        raise
    return [
        replace(r, line=None, warnings=tuple(SitegenWarning(w.message, w.path) for w in r.warnings))
        for r in records
    ]


def _fetch(spec: str, log: Log) -> list[SourceRecord]:
    kind, _, arg = spec.partition(":")
    kind, arg = kind.lower(), arg.strip()
    if kind == "orcid":
        if not _ORCID_ID.fullmatch(arg):
            raise SitegenError("not an ORCID iD (0000-0002-1825-0097)", spec, exit_code=2)
        log(f"fetching {spec}")
        url = f"{_base('orcid')}/v3.0/{arg}/works"
        # a typo is most often why ORCID knows no such iD: its check digit tells
        typo = "no such ORCID iD, and its last character (a check digit) does not fit: a typo?"
        refusals = None if _orcid_checks(arg) else {404: typo}
        text, _ = answer(url, spec, {"Accept": "application/json"}, refusals)
        return _orcid_authored(spec, url, text, log)
    if kind == "dblp":
        if not _DBLP_PID.fullmatch(arg) or ".." in arg:
            raise SitegenError("not a DBLP person id (such as 123/4567)", spec, exit_code=2)
        log(f"fetching {spec}")
        url = f"{_base('dblp')}/pid/{urllib.parse.quote(arg)}.bib"
        return parse_bibtex(get(url, spec, "application/x-bibtex"), spec)
    if kind == "arxiv":
        if not arg:
            raise SitegenError("give a query, such as arxiv:au:Wu_Lemeng", spec, exit_code=2)
        return _arxiv(spec, arg, log)
    if kind == "zotero":
        if not _ZOTERO.fullmatch(arg):
            form = "users/ID or groups/ID, optionally /collections/KEY"
            raise SitegenError(f"not a Zotero library ({form})", spec, exit_code=2)
        return _zotero(spec, arg, log)
    message = "unknown online source (orcid:, dblp:, arxiv: or zotero:)"
    if kind in ("http", "https"):
        message = (
            "not an address sitegen imports from (orcid.org/ID, dblp.org/pid/PID, arxiv.org/abs/ID)"
        )
    raise SitegenError(message, spec, exit_code=2)


def _orcid_authored(spec: str, url: str, works: str, log: Log) -> list[SourceRecord]:
    """The /works answer's records with their authors, which its summaries leave out: asked
    of the bulk work endpoint, ORCID_BULK put-codes a request. A work still without any is
    said once: its paper is written as the owner's "et al.", not as theirs alone."""
    codes = orcid_put_codes(works, spec)
    authors: dict[str, tuple[str, ...]] = {}
    for at in range(0, len(codes), ORCID_BULK):
        bulk = get(f"{url}/{','.join(codes[at : at + ORCID_BULK])}", spec, "application/json")
        authors.update(parse_orcid_bulk(bulk, spec))
        log(f"{spec}: authors of {min(at + ORCID_BULK, len(codes))} of {len(codes)} works")
    records = parse_orcid_works(works, spec, authors)
    bare = [i for i, r in enumerate(records) if not r.authors]
    if bare:
        titles = ", ".join(repr(records[i].title[:60]) for i in bare[:3])
        more = f" and {len(bare) - 3} more" if len(bare) > 3 else ""
        works = "work lists" if len(bare) == 1 else "works list"
        said = (
            f"{len(bare)} ORCID {works} no authors: {titles}{more}; a paper no other source "
            'names the authors of shows you and "et al." (`authors: []`, `et_al: true`): '
            "list its authors in its file"
        )
        first = records[bare[0]]
        records[bare[0]] = replace(first, warnings=(*first.warnings, SitegenWarning(said, spec)))
    return records


def _orcid_checks(orcid: str) -> bool:
    """ISO 7064 MOD 11-2, ORCID's check digit (the last; X is 10)."""
    total = 0
    for digit in orcid[:-1].replace("-", ""):
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    return orcid[-1] == ("X" if check == 10 else str(check))


def _arxiv(spec: str, query: str, log: Log) -> list[SourceRecord]:
    """Every page of an arXiv API query, politely spaced. Each page must bring a new entry,
    within ARXIV_MAX and ARXIV_PAGES: a server that repeats or grows is not asked forever."""
    base = _base("arxiv")
    # arXiv's terms ask for 3 s between requests, of any mirror; a test's local server not
    local = urllib.parse.urlsplit(base).hostname in ("127.0.0.1", "localhost", "::1")
    records: list[SourceRecord] = []
    seen: set[SourceRecord] = set()
    start, total, pages = 0, None, 0
    while total is None or start < total:
        if pages == ARXIV_PAGES:
            message = f"{start:,} of {total:,} entries in {pages} pages; narrow the query"
            raise SitegenError(message, spec)
        pages += 1
        if start and not local:
            time.sleep(ARXIV_PAUSE)
        params = urllib.parse.urlencode(
            {"search_query": query, "start": start, "max_results": ARXIV_PAGE}
        )
        text = get(f"{base}/api/query?{params}", spec, "application/atom+xml")
        page, told = parse_arxiv_atom(text, spec)
        # a known glitch of arXiv's, on the first page too: none of the entries it counts
        # (a later page's count may be 0, so the first page's is the one that holds)
        if not page and start < (expected := max(told, total or 0)):
            why = f"arXiv sent an empty page at {start} of {expected}: try again later"
            raise SitegenError(why, spec)
        total = told
        if total > ARXIV_MAX:
            message = f"{total:,} entries, more than arXiv serves ({ARXIV_MAX:,}); narrow the query"
            raise SitegenError(message, spec)
        if total and seen.issuperset(page):
            raise SitegenError(f"arXiv sent no new entry at {start} of {total}", spec)
        seen.update(page)
        records += page
        start += len(page)
        log(f"{spec}: {min(start, total)} of {total} entries")
    return records


def _zotero(spec: str, library: str, log: Log) -> list[SourceRecord]:
    """A Zotero library's top-level items (no child notes or attachments) as CSL-JSON,
    page by page. The key goes in a header only: a URL ends up in error messages."""
    url = f"{_base('zotero')}/{library}/items/top"
    headers = {"Accept": "application/json", "Zotero-API-Version": "3"}
    if key := os.environ.get("ZOTERO_API_KEY", "").strip():  # a file's `\r\n` is no part
        if not (key.isascii() and key.isprintable()):  # http.client's error would print it
            why = "not a Zotero API key: it holds a control or non-ASCII character (not shown)"
            raise SitegenError(why, "ZOTERO_API_KEY")
        headers["Zotero-API-Key"] = key
    refusals = {**ZOTERO_REFUSALS, 403: ZOTERO_KEY_REFUSED} if key else ZOTERO_REFUSALS
    records: list[SourceRecord] = []
    seen, last = 0, None  # items served: a note with no title is no record
    for _ in range(ZOTERO_PAGES):
        query = {"format": "csljson", "limit": ZOTERO_PAGE, "start": seen}
        text, got = answer(f"{url}?{urllib.parse.urlencode(query)}", spec, headers, refusals)
        if text == last:  # as arXiv's "no new entry": a server repeating itself never ends
            raise SitegenError(f"the server sent the same page twice (at item {seen})", spec)
        last = text
        titled, served = _titled(text)
        records += parse_csl_json(titled, spec)
        seen += served
        count = got.get("Total-Results", "")  # a count int() cannot read is no count
        total = int(count) if count.isascii() and count.isdigit() and len(count) < 10 else None
        items = "item" if (seen if total is None else total) == 1 else "items"
        log(f"{spec}: {seen}{f' of {total}' if total is not None else ''} {items}")
        if served < ZOTERO_PAGE or (total is not None and seen >= total):
            return records
        # Zotero's `Backoff: N` asks for N seconds before the next request (capped)
        if (wait := got.get("Backoff", "")).isascii() and wait.isdigit():
            time.sleep(min(int(wait), ZOTERO_BACKOFF))
    raise SitegenError(f"{len(records):,} items in {ZOTERO_PAGES} pages, and more to come", spec)


def _titled(text: str) -> tuple[str, int]:
    """A page's items but those with no title, and how many it served: a library's
    standalone notes and files are top-level items too, and no papers."""
    try:
        items = json.loads(text)["items"]
    except (ValueError, TypeError, KeyError):
        items = None
    if not isinstance(items, list):  # parse_csl_json says what is wrong
        return text, 0
    kept = [i for i in items if not isinstance(i, dict) or i.get("title")]
    return json.dumps({"items": kept}, ensure_ascii=False), len(items)
