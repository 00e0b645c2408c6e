"""Live preview: build into a temporary folder, serve it, rebuild on save, reload the browser.

The browser side is the `livereload` package's, unchanged (livereload.js, served from the
package, its `/livereload` websocket, its script injection). The server side is sitegen's
own, because livereload's fights a site generator: its watcher runs one callback per changed
task and reports deletions without a path (a poll here snapshots the folders, so several
saves make one rebuild that knows every changed file); it drops a second reload within 3 s;
its static handler knows no 404 pages, pretty URLs or failed builds; its serve() logs every
line twice and owns the event loop and Ctrl-C.

Never built into output/: its feeds and canonical links name http://HOST:PORT/, which must
not be deployed by accident. Builds run on the event loop, so a request made during a
rebuild waits for it and sees a complete site.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import gc
import html
import ipaddress
import mimetypes
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
import webbrowser
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO
from urllib.parse import quote, unquote, urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptInjector
from tornado import httpserver, netutil, web
from tornado.websocket import WebSocketHandler

from .build import build_site, forget_output
from .cli import one_line
from .config import load_config
from .errors import SitegenError, machine_error, printable, require_site_folder
from .render import theme_dirs
from .state import (
    CACHE_DIR,
    FOLDER,
    INPUT_ROOTS,
    builds_in_turn,
    check_cache,
    not_site,
    open_cache_file,
    process_alive,
    scan,
)

POLL_SECONDS = 0.05  # how often the watched files are checked (at least)
POLL_COST = 20  # ...and at most 1/20 of the time is spent checking them
POLL_MAX_SECONDS = 0.5  # ...but a scan slowed by a busy machine must not delay the next one long
SETTLE_SECONDS = 0.03  # a change must hold this long before a rebuild (editors write in steps)
SETTLE_MAX_SECONDS = 2.0  # ...but a file rewritten non-stop must not block rebuilds forever
PORT_SEARCH = 100  # how far above a busy port to look for a free one
COLLECT_AFTER_SECONDS = 1.0  # after a rebuild, free its memory once the browsers have reloaded

# livereload's own loader, plus one check: a reload sent while a page was still loading never
# reaches it, so once connected the page compares the build it shows with the current one.
LIVE_SCRIPT = (
    '<script>(function(){{var b="{build}";var s=document.createElement("script");'
    "var port=window.location.port||(window.location.protocol=='https:'?443:80);"
    # host= in the query: livereload.js cannot read an IPv6 address ([::1]) from the src
    's.src="//"+window.location.hostname+":"+port+"/livereload.js?port="+port'
    '+"&host="+window.location.hostname;'
    "document.head.appendChild(s);"
    'document.addEventListener("LiveReloadConnect",function(){{'
    'var x=new XMLHttpRequest();x.open("HEAD","/livereload.js");'
    'x.onload=function(){{var c=x.getResponseHeader("X-Sitegen-Build");'
    "if(c&&c!==b)window.location.reload();}};x.send();}});}})();</script>"
)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
SCRATCH_PREFIX = "sitegen-serve-"  # the temporary folder a preview builds into
DEFAULT_HOST = "127.0.0.1"  # the command line's --host, unless given
# liveCSS: a reload request whose path ends in .css swaps stylesheets in place
LIVE_CSS = (".css",)
NOT_LIVE = (".png", ".jpg", ".jpeg", ".gif")  # which livereload.js would refresh in place
_FINGERPRINTED = re.compile(r"^(?P<stem>.+)\.[0-9a-f]{8,64}\.css$")
_TEXT_TYPES = ("application/xml", "application/json", "application/javascript")


@dataclass(frozen=True)
class Resolved:
    file: Path | None = None
    redirect: str | None = None


MISSING = Resolved()


def resolve_request(root: Path, raw_path: str) -> Resolved:
    """Map a raw (still percent-encoded) request path to a file inside `root`.

    Every way out is refused: `..` and `.` segments (also as %2e or behind %2f), backslashes,
    NUL bytes, symlinks to outside. A folder without its trailing slash redirects to it, as
    the hosts the site is deployed to do, so the page's relative links resolve."""
    if not raw_path.startswith("/"):
        return MISSING
    try:
        path = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        return MISSING
    segments = [s for s in path.split("/") if s]
    if "\\" in path or "\x00" in path or any(s in (".", "..") for s in segments):
        return MISSING
    try:
        base = root.resolve(strict=True)
        real = base.joinpath(*segments).resolve(strict=True)
    except (OSError, RuntimeError):
        return _stale_fingerprint(root, segments)
    if real.is_relative_to(base) and real.is_dir():
        if not path.endswith("/"):
            # rebuilt from the checked segments: a raw `//host` must not become an open redirect
            return Resolved(redirect="/" + "/".join(quote(s) for s in segments) + "/")
        try:
            real = (real / "index.html").resolve(strict=True)
        except (OSError, RuntimeError):
            return MISSING
    return Resolved(file=real) if real.is_relative_to(base) and real.is_file() else MISSING


def _stale_fingerprint(root: Path, segments: list[str]) -> Resolved:
    """`style.<old hash>.css` -> the current `style.<hash>.css`: after a CSS edit the open
    page still links the old name, which livereload.js re-requests to swap the stylesheet in
    place. Deployed hosts need not: there every page loads fresh."""
    m = _FINGERPRINTED.match(segments[-1]) if segments else None
    if not m:
        return MISSING
    try:
        base = root.resolve(strict=True)
        folder = base.joinpath(*segments[:-1]).resolve(strict=True)
        current = [
            p.resolve()
            for p in folder.iterdir()
            if (c := _FINGERPRINTED.match(p.name)) and c["stem"] == m["stem"] and p.is_file()
        ]
    except (OSError, RuntimeError):  # also a folder that is a file
        return MISSING
    if not folder.is_relative_to(base) or len(current) != 1 or not current[0].is_relative_to(base):
        return MISSING
    return Resolved(file=current[0])


def content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith("+xml"):
        kind += "; charset=utf-8"
    return kind


_ERROR_STYLE = """
:root { color-scheme: light dark; --bg: #fdfdfb; --fg: #1c1d1f; --muted: #5a5e66;
  --rule: #e2e0da; --soft: #f3f1ec; --bad: #a4262c; --badbg: #fbeceb; }
@media (prefers-color-scheme: dark) { :root { --bg: #16181b; --fg: #e6e4df; --muted: #a9adb4;
  --rule: #34373c; --soft: #202328; --bad: #ff9b94; --badbg: #3a1f20; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1.0625rem/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 46rem; margin: 0 auto; padding: 3rem 1.25rem 4rem; }
.kicker { margin: 0 0 .5rem; color: var(--bad); font-size: .8125rem; font-weight: 600;
  letter-spacing: .08em; text-transform: uppercase; }
h1 { margin: 0 0 1.25rem; font: 600 2rem/1.2 "Iowan Old Style", "Palatino Linotype", Palatino,
  Charter, Georgia, "Noto Serif", "DejaVu Serif", serif; }
.where { margin: 0 0 .25rem; font-size: 1rem; }
.where code { font-weight: 600; overflow-wrap: anywhere; }
.message { margin: 0 0 1.5rem; font-size: 1.125rem; overflow-wrap: anywhere; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono",
  monospace; font-size: .875rem; }
pre { margin: 0 0 1.5rem; padding: .75rem 0; background: var(--soft); border: 1px solid var(--rule);
  border-radius: 6px; overflow-x: auto; line-height: 1.6; }
pre span { display: block; padding: 0 1rem; white-space: pre; }
pre .n { display: inline-block; min-width: 3ch; margin-right: 1rem; color: var(--muted);
  text-align: right; user-select: none; }
pre .bad { background: var(--badbg); box-shadow: inset 3px 0 0 var(--bad); }
.label { margin: 0 0 .375rem; color: var(--muted); font-size: .8125rem; }
.line { margin: 0 0 1.5rem; padding: .625rem .875rem; border-left: 3px solid var(--bad);
  background: var(--soft); overflow-wrap: anywhere; white-space: pre-wrap;
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: .875rem; }
.hint { margin: 0; color: var(--muted); font-size: .9375rem; max-width: 38rem; }
"""


def _excerpt(site_dir: Path, err: SitegenError) -> str:
    if not err.path or not err.line:
        return ""
    # relative to the site (content/...) or to where sitegen runs (SITE/sitegen.yaml)
    path = next((p for p in (site_dir / err.path, Path(err.path)) if p.is_file()), None)
    try:
        lines = path.read_text("utf-8", errors="replace").splitlines() if path else []
    except OSError:
        return ""
    if not 1 <= err.line <= len(lines):
        return ""
    first = max(1, err.line - 3)
    rows = []
    for n, text in enumerate(lines[first - 1 : err.line + 3], first):
        if len(text) > 240:
            text = text[:240] + " …"
        cls = ' class="bad"' if n == err.line else ""
        text = html.escape(printable(text.expandtabs(4)))
        rows.append(f'<span{cls}><span class="n">{n}</span>{text}</span>')
    return "<pre><code>" + "".join(rows) + "</code></pre>"


def error_page(site_dir: Path, err: SitegenError) -> bytes:
    """A page naming the file and line of a failed rebuild; every user string escaped, and
    shown as the terminal shows it (printable): a bidi override in a file name reversed it."""
    where = ""
    if err.path:
        line = f", line <strong>{err.line}</strong>" if err.line else ""
        where = f'<p class="where"><code>{html.escape(printable(err.path))}</code>{line}</p>'
    return (
        "<!doctype html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="robots" content="noindex">\n'
        "<title>Build failed · sitegen serve</title>\n"
        f"<style>{_ERROR_STYLE}</style>\n"
        "</head>\n<body>\n<main>\n"
        '<p class="kicker">sitegen serve · the last rebuild failed</p>\n'
        "<h1>The site could not be built</h1>\n"
        f"{where}\n"
        f'<p class="message">{html.escape(printable(err.message))}</p>\n'
        f"{_excerpt(site_dir, err)}\n"
        '<p class="label">In the terminal running <code>sitegen serve</code>:</p>\n'
        f'<p class="line">{html.escape(one_line(err))}</p>\n'
        '<p class="hint">Fix the file and save it: this page reloads by itself once the site '
        "builds again. Until then every page shows this message; stylesheets and feeds come "
        "from the last build that worked.</p>\n</main>\n</body>\n</html>\n"
    ).encode(errors="backslashreplace")  # a file name that is not UTF-8, as the terminal shows it


Snapshot = dict[str, tuple[int, int]]


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """Every watched file's (size, mtime), for comparing two moments; the build's scanner."""
    return scan(roots, not_site)


@dataclass(eq=False)
class Preview:
    site_dir: Path
    output: Path
    base_url: str
    out: TextIO = sys.stdout
    err: TextIO = sys.stderr

    def __post_init__(self) -> None:
        self.failed: bytes | None = None  # the error page while the last build failed
        self.shows_new = True  # the last build changed what the preview serves
        self._warned: set[str] = set()
        self.theme: str | None = None
        self.roots = self._roots()
        # names the build being served: a new one after every build and every restart
        self.generation = secrets.token_hex(4)

    def _roots(self) -> list[Path]:
        """Everything a build reads: content, the site's overrides and config, the theme in use;
        never output/ (a rebuild writing into a watched folder would rebuild forever)."""
        config, problems = load_config(self.site_dir)
        if not problems:  # a broken sitegen.yaml keeps the last good theme watched
            self.theme = config.theme
        roots = [self.site_dir / n for n in INPUT_ROOTS]
        if self.theme is not None:
            # an unknown theme is the build's to report; sitegen.yaml is watched for the fix
            with contextlib.suppress(SitegenError):
                roots += theme_dirs(self.site_dir, self.theme)
        return [r for i, r in enumerate(roots) if not any(r.is_relative_to(u) for u in roots[:i])]

    def say(self, text: str, stream: TextIO | None = None) -> None:
        print(printable(text), file=stream or self.out, flush=True)  # file names: any bytes

    def build(self, changed: list[str] | None = None, seen: Snapshot | None = None) -> bool | None:
        """Rebuild the whole preview; on failure keep the last good one and remember why.
        None, reporting nothing, when it failed while a watched file changed under it (an
        editor half-way through a save): the caller builds again from the newer files."""
        started = time.perf_counter()
        # the last build's garbage, if a save came before its collection (_rebuild): a
        # build beside it was slower (4.9 s against 4.2 s at 10,000 papers); none, ~0 s
        gc.collect()
        try:
            with builds_in_turn(self.site_dir):  # each rebuild: `sitegen build` waits between
                result = build_site(
                    self.site_dir, output=self.output, base_url=self.base_url, search=False
                )
        except (SitegenError, OSError) as e:  # an OSError is the machine's, as in `build`
            if seen is not None and snapshot(self.roots) != seen:
                return None
            self._fail(e if isinstance(e, SitegenError) else machine_error(e))
            return False
        except Exception as e:  # a bug in sitegen: say so, keep serving
            traceback.print_exc(file=self.err)
            self._fail(SitegenError(f"internal error while building: {type(e).__name__}: {e}"))
            return False
        # a save that changes no output (an editor's save of an unchanged file, a comment in
        # a template) reloads no page: a reader's scroll position and open details stay
        self.shows_new = self.failed is not None or bool(result.written or result.removed)
        if self.shows_new:
            self.generation = secrets.token_hex(4)
        self.failed = None
        warnings = {str(w) for w in result.warnings}
        for w in sorted(warnings - self._warned):
            self.say(w, self.err)
        self._warned = warnings
        if changed is None:
            self.say(result.summary())
        else:
            seconds = time.perf_counter() - started
            # what changed, as `sitegen build` says: the site's page count told nothing
            files = f"{len(result.written) + len(result.removed)} files changed"
            self.say(f"{self._describe(changed)}: rebuilt ({files}) in {seconds:.2f} s")
        return True

    def _fail(self, e: SitegenError) -> None:
        self.failed = error_page(self.site_dir, e)
        self.shows_new, self.generation = True, secrets.token_hex(4)
        self.say(one_line(e), self.err)

    def _describe(self, changed: list[str]) -> str:
        names = [
            str(Path(p).relative_to(self.site_dir)) if Path(p).is_relative_to(self.site_dir) else p
            for p in changed[:3]
        ]
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        return ", ".join(names) + more

    def reload_path(self, changed: list[str], recovered: bool) -> str:
        """The path livereload.js is told about, which decides how the page is refreshed:
        all-CSS changes swap in place; anything else, a deletion, a failed or recovered build,
        reloads the page. An image too: livereload.js refreshes an <img> in place, but not a
        stylesheet's background, which stayed stale (a preview hunter's report)."""
        live = not recovered and self.failed is None and all(os.path.exists(p) for p in changed)
        if live and changed and all(p.lower().endswith(LIVE_CSS) for p in changed):
            return changed[0]
        return next((p for p in changed if not p.lower().endswith(LIVE_CSS + NOT_LIVE)), "*")

    async def watch(self, before: Snapshot) -> None:
        """Poll the watched files; after each settled change rebuild once and reload browsers.
        `before` is the files as the first build started, so a save during it (seconds, on a
        big site) rebuilds at the first poll, not at the next save."""
        interval = POLL_SECONDS
        while True:
            await asyncio.sleep(interval)
            started = time.perf_counter()
            now = snapshot(self.roots)
            # a big site takes longer to scan: poll less often, keep the idle cost near 5 %
            cost = POLL_COST * (time.perf_counter() - started)
            interval = min(POLL_MAX_SECONDS, max(POLL_SECONDS, cost))
            if now == before:
                continue
            now = await self._settle(now)
            try:
                before = self._rebuild(before, now)
            except Exception:  # a bug in sitegen: said once, and the next save rebuilds again
                traceback.print_exc(file=self.err)
                self.say("error: internal error while rebuilding; still watching", self.err)
                before = now

    def _rebuild(self, before: Snapshot, now: Snapshot) -> Snapshot:
        """One rebuild for the change from `before` to `now`; what the next poll compares with."""
        changed = sorted(k for k in before.keys() | now.keys() if before.get(k) != now.get(k))
        # files decide how the page reloads (a CSS edit in a new folder swaps in place)
        changed = [k for k in changed if FOLDER not in (before.get(k), now.get(k))] or changed
        had_error = self.failed is not None
        ok = self.build(changed, seen=now)  # on the event loop: requests wait for it
        if ok is None:
            return before  # files changed mid-build: build again from `before`
        if self.shows_new:
            reload_browsers(self.reload_path(changed, recovered=had_error and ok))
        # fork_map's gc.freeze() left the build's garbage in the oldest generation, seldom
        # collected (+8 MB a rebuild at 1,000 papers): collected once the page has reloaded
        asyncio.get_running_loop().call_later(COLLECT_AFTER_SECONDS, gc.collect)
        roots = self._roots()
        if roots != self.roots:
            # a new theme: its current files, but what was seen before the build still counts
            self.roots = roots
            return {k: now.get(k, v) for k, v in snapshot(roots).items()}
        return now

    async def _settle(self, now: Snapshot) -> Snapshot:
        """Wait until the files stop changing, so a save made of several writes builds once."""
        for _ in range(round(SETTLE_MAX_SECONDS / SETTLE_SECONDS)):
            await asyncio.sleep(SETTLE_SECONDS)
            again = snapshot(self.roots)
            if again == now:
                break
            now = again
        return now


def reload_message(path: str) -> dict[str, object]:
    """livereload's reload command: `path` tells livereload.js how (reload_path)."""
    return {"command": "reload", "path": path, "liveCSS": True, "liveImg": True}


def reload_browsers(path: str) -> None:
    """Send livereload's own reload command to every connected page, right away
    (LiveReloadHandler.reload_waiters needs livereload's watcher, and throttles)."""
    message = reload_message(path)
    for waiter in list(LiveReloadHandler.waiters):
        try:
            waiter.write_message(message)
        except Exception:  # a tab closed mid-send: forget it
            LiveReloadHandler.waiters.discard(waiter)


def _read(path: Path | None) -> bytes | None:
    try:
        return path.read_bytes() if path else None
    except OSError:  # removed since it was resolved
        return None


def local_names(url: str, sockets: list[socket.socket]) -> frozenset[str] | None:
    """The host names a preview on loopback answers to, or None (any: others see it anyway).
    A web page can rename this machine (DNS rebinding: attacker.example is 127.0.0.1) and read
    the preview as its own site, websocket included, as its Origin then names the host asked."""
    if not all(ipaddress.ip_address(s.getsockname()[0]).is_loopback for s in sockets):
        return None
    own = urlsplit(url).netloc.rpartition(":")[0].lower()  # `[::1]` as a Host header has it
    return frozenset(("localhost", "127.0.0.1", "[::1]", own))


class LocalOnly(web.RequestHandler):
    """A request to a preview on loopback must name it by one of its local_names."""

    def prepare(self) -> None:
        names = self.settings["local_names"]
        if names is not None and self.request.host_name not in names:
            raise web.HTTPError(403, reason="Forbidden: not a name of this preview (localhost)")

    @property
    def preview(self) -> Preview:
        return self.settings["preview"]


class PreviewHandler(LocalOnly):
    """Serves the preview's output folder, read fresh on every request."""

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def compute_etag(self) -> None:
        return None

    def get(self) -> None:
        found = resolve_request(self.preview.output, self.request.path)
        if found.redirect:
            query = f"?{self.request.query}" if self.request.query else ""
            self.redirect(found.redirect + query, permanent=False)
            return
        is_html = found.file is None or found.file.suffix in (".html", ".htm")
        if self.preview.failed is not None and is_html:
            self._send(500, "text/html; charset=utf-8", self.preview.failed)
            return
        data = _read(found.file)
        if data is not None:
            self._send(200, content_type(found.file), data)
            return
        data = _read(resolve_request(self.preview.output, "/404.html").file)
        if data is None:
            data = (
                b"<!doctype html><html><head><title>Not found</title></head>"
                b"<body><h1>Not found</h1></body></html>"
            )
        self._send(404, "text/html; charset=utf-8", data)

    head = get

    def _send(self, status: int, kind: str, data: bytes) -> None:
        self.set_status(status)
        self.set_header("Content-Type", kind)
        self.finish(data)  # for HEAD, tornado sends the headers a GET gets (script included)


class LiveReloadScriptHandler(LocalOnly, LiveReloadJSHandler):
    """livereload.js from the package; its headers also name the build being served."""

    def prepare(self) -> None:
        super().prepare()
        self.set_header("X-Sitegen-Build", self.preview.generation)
        self.set_header("Cache-Control", "no-store")

    head = LiveReloadJSHandler.get  # the headers a GET gets, Content-Length and ETag too


class ReloadSocket(LocalOnly, LiveReloadHandler):
    """livereload's websocket, for this preview's own pages only."""

    def open(self, *args: str) -> None:
        # a page takes reloads only once its `info` message comes (after `hello`, which
        # its LIVE_SCRIPT check follows): a build ending in between reloaded every page but
        # this one, which kept the save before (seen in CI: four saves 70 ms apart)
        self.opened_under: str | None = self.preview.generation

    def check_origin(self, origin: str) -> bool:
        # tornado's rule, which livereload turns off: a page of another site open in the same
        # browser must not follow which files are edited (no Origin, not a browser: let in)
        return WebSocketHandler.check_origin(self, origin)

    def on_message(self, message: str | bytes) -> None:
        try:
            super().on_message(message)
        except (ValueError, TypeError, AttributeError):  # not livereload.js: no traceback
            self.close()
            return
        if self in LiveReloadHandler.waiters and self.opened_under is not None:
            if self.opened_under != self.preview.generation:  # a reload went by: this one's
                self.write_message(reload_message("*"))
            self.opened_under = None


def make_app(preview: Preview, names: frozenset[str] | None) -> web.Application:
    class Injector(LiveScriptInjector):
        @property
        def script(self) -> bytes:
            return LIVE_SCRIPT.format(build=preview.generation).encode()

    return web.Application(
        [
            (r"/livereload", ReloadSocket),
            (r"/livereload\.js", LiveReloadScriptHandler),
            # no capture group: tornado would reject undecodable paths with a 400 first
            (r"/.*", PreviewHandler),
        ],
        transforms=[Injector],
        log_function=lambda handler: None,  # a preview is not a production server: no access log
        local_names=names,
        preview=preview,
    )


def bind(host: str, port: int, site_dir: Path = Path()) -> list[socket.socket]:
    """Listen before building, so a busy port fails at once with a useful message."""
    try:
        return netutil.bind_sockets(port, address=host)
    except socket.gaierror:
        raise SitegenError(f"cannot listen on {host!r}: no such host name") from None
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            free = next_free_port(host, port + 1)
            again = ["--site", str(site_dir)] if site_dir != Path() else []
            again += ["--host", host] if host != DEFAULT_HOST else []
            command = shlex.join(["sitegen", "serve", *again, "--port", str(free)])
            hint = f"try: {command}" if free else "pick another with --port"
            why = f"port {port} on {host} is already in use (is another server running?); {hint}"
        elif e.errno == errno.EACCES:
            why = (
                f"not allowed to listen on port {port} (ports below 1024 need root); "
                "try --port 8000"
            )
        elif e.errno == errno.EADDRNOTAVAIL:
            why = f"cannot listen on {host}: not an address of this machine"
        else:
            why = f"cannot listen on {host}:{port}: {e.strerror}"
        raise SitegenError(why) from None


def next_free_port(host: str, start: int) -> int | None:
    for candidate in range(start, min(start + PORT_SEARCH, 65536)):
        with contextlib.suppress(OSError):  # busy: try the next one
            for s in netutil.bind_sockets(candidate, address=host):
                s.close()
            return candidate
    return None


def serve(site_dir: Path, host: str, port: int, open_browser: bool) -> int:
    """Build, serve and rebuild until interrupted; return the exit status (0 on Ctrl-C)."""
    require_site_folder(site_dir)
    if not (site_dir / "content").is_dir() and not (site_dir / "sitegen.yaml").is_file():
        raise SitegenError(
            f"{site_dir} is not a site folder (no content/ or sitegen.yaml): "
            "run `sitegen new DIR` or `sitegen import PROFILE --site DIR` first"
        )
    check_cache(site_dir)  # refused before serving, not as every rebuild's error page
    if not host.strip():  # it would listen everywhere, at a URL no page can be built for
        raise SitegenError("--host '' names no address: use 127.0.0.1, or 0.0.0.0 for every one")
    if not 0 <= port <= 65535:
        raise SitegenError(f"--port {port} is not a port number (0 to 65535; 0 picks a free one)")
    sockets = bind(host, port, site_dir)
    port = sockets[0].getsockname()[1]  # the real one when asked for port 0
    url = f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"  # IPv6 in []
    scratch = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
    output = scratch / "site"
    note = note_preview(site_dir, output)
    # stopped by the system (or its terminal closing) as by Ctrl-C: cleaned up all the same
    previous = {sig: signal.signal(sig, signal.default_int_handler) for sig in STOP_SIGNALS}
    try:
        preview = Preview(site_dir, output, url)
        seen = snapshot(preview.roots)  # before the build: what changes during it counts
        # a large site's first build takes a minute, which had passed without a word
        preview.say(f"Building {site_dir.resolve()} for {url} ...")
        preview.build()
        preview.say(f"Serving {site_dir.resolve()} at {url}")
        if host not in ("127.0.0.1", "localhost", "::1"):
            preview.say(
                f"warning: listening on {host}: other machines can see this preview", preview.err
            )
        preview.say(
            f"Preview files are in {preview.output} (removed on exit). "
            "Watching for changes; press Ctrl-C to stop."
        )
        asyncio.run(_run(preview, sockets, url if open_browser else None, seen))
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    finally:
        # a second Ctrl-C while a large preview's files go (seconds on a slow disk) left them
        interrupt = signal.signal(signal.SIGINT, signal.SIG_IGN)
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        print("Stopping: removing the preview's files...", flush=True)
        for s in sockets:
            s.close()
        shutil.rmtree(scratch, ignore_errors=True)
        forget_output(site_dir, output)  # this output dies with the preview
        if note is not None:
            note.unlink(missing_ok=True)
        for sig, handler in {**previous, signal.SIGINT: interrupt}.items():
            signal.signal(sig, handler)
    print("Stopped.", flush=True)
    return 0


def note_preview(site_dir: Path, output: Path) -> Path | None:
    """Note in the cache which output folder this preview builds into, by its process id,
    after forgetting the outputs of previews that were killed outright (kill -9): their
    state and old site, which only a preview's clean exit forgets, stayed in the cache."""
    folder = site_dir / CACHE_DIR / "previews"
    for old in folder.glob("*"):
        if old.name.isdecimal() and not process_alive(int(old.name)):
            with contextlib.suppress(OSError, ValueError), open_cache_file(old, 4096) as f:
                gone = Path(f.read().decode())
                forget_output(site_dir, gone)
                if gone.parent.name.startswith(SCRATCH_PREFIX):  # its files, in the temp folder
                    shutil.rmtree(gone.parent, ignore_errors=True)
            with contextlib.suppress(OSError):
                old.unlink()
    with contextlib.suppress(OSError):  # a read-only site: nothing to note
        folder.mkdir(parents=True, exist_ok=True)
        note = folder / str(os.getpid())
        note.write_text(str(output), "utf-8")
        return note
    return None


async def _run(
    preview: Preview, sockets: list[socket.socket], open_url: str | None, seen: Snapshot
) -> None:
    server = httpserver.HTTPServer(make_app(preview, local_names(preview.base_url, sockets)))
    server.add_sockets(sockets)
    watcher = asyncio.create_task(preview.watch(seen))
    # as asyncio.run does for Ctrl-C: stop once the loop has control, so that a build
    # under way finishes, rather than raise in the middle of it (a traceback, logged)
    stop = asyncio.current_task().cancel  # type: ignore[union-attr]
    for sig in STOP_SIGNALS:
        asyncio.get_running_loop().add_signal_handler(sig, stop)
    if open_url:
        threading.Thread(target=webbrowser.open, args=(open_url,), daemon=True).start()
    try:
        await asyncio.Event().wait()
    finally:
        server.stop()
        for waiter in list(LiveReloadHandler.waiters):
            waiter.close()
        LiveReloadHandler.waiters.clear()
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await watcher
