"""`sitegen serve`: a real server process, real HTTP, and a real browser that reloads by itself."""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import pytest
from conftest import (
    BASE_URL,
    MAKE_PROFILE,
    default_sigint,
    free_port_number,
    make_site,
    run_cli,
)
from htmlutil import parse

from sitegen.render import builtin_themes_dir
from sitegen.serve import COLLECT_AFTER_SECONDS, resolve_request

READY_TIMEOUT = 60  # seconds for the first build; generous for slow CI machines
CHANGE_TIMEOUT = 10  # seconds from a save to the rebuilt page


class Serve:
    """A real `sitegen serve` process whose output is collected while it runs."""

    def __init__(self, site: Path, *args: str, env: dict[str, str] | None = None):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env={**os.environ, **(env or {})},
            preexec_fn=default_sigint,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, self.out), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, self.err), daemon=True),
        ]
        for t in self._readers:
            t.start()
        try:
            m = self.wait_for(self.out, r"^Serving .* at (http://\S+)$", READY_TIMEOUT)
            self.url = m[1]
            self.host = urlsplit(self.url).hostname or ""
            self.port = urlsplit(self.url).port or 0
            m = self.wait_for(self.out, r"^Preview files are in (.+) \(removed on exit\)", 5)
            self.output = Path(m[1])
        except BaseException:
            self.proc.kill()
            self.proc.wait()
            raise

    @staticmethod
    def _read(stream: IO[str], into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait_for(
        self, lines: list[str], pattern: str, timeout: float = CHANGE_TIMEOUT, start: int = 0
    ) -> re.Match[str]:
        """The first line from index `start` on matching `pattern`, waiting for it."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in lines[start:]:
                m = rx.search(line)
                if m:
                    return m
            if self.proc.poll() is not None and not any(t.is_alive() for t in self._readers):
                break
            time.sleep(0.05)
        raise AssertionError(
            f"no line matching {pattern!r}; stdout:\n"
            + "\n".join(self.out)
            + "\nstderr:\n"
            + "\n".join(self.err)
        )

    def get(self, raw_path: str, method: str = "GET") -> tuple[int, http.client.HTTPMessage, bytes]:
        """One request with the path sent exactly as given (no client-side normalising)."""
        conn = http.client.HTTPConnection(self.host, self.port, timeout=20)
        try:
            conn.request(method, raw_path)
            r = conn.getresponse()
            return r.status, r.headers, r.read()
        finally:
            conn.close()

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        for t in self._readers:
            t.join(timeout=5)
        return rc

    def __enter__(self) -> Serve:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def poll(check: Callable[[], Any], timeout: float = CHANGE_TIMEOUT, what: str = "") -> Any:
    """Call `check` until it returns something truthy; speed is never asserted, only arrival."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what or check}: last result {last!r}")


def paper_file(site: Path, slug: str) -> Path:
    path = site / "content" / "papers" / f"{slug}.md"
    assert path.exists(), f"no content file for paper {slug}"
    return path


def set_title(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(r"(?m)^title:.*$", f'title: "{title}"', text, count=1)
    assert n == 1
    path.write_text(new, encoding="utf-8")


def h1(body: bytes) -> str:
    m = re.search(rb"<h1[^>]*>(.*?)</h1>", body, re.S)
    return parse(m[1].decode()).text if m else ""


def reload_scripts(page: str) -> list[str]:
    doc = parse(page)
    return [s for s in doc.script_texts if "livereload.js" in s]


# ---------------------------------------------------------------- a shared server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Serve]]:
    """One server on an unchanged copy of the example site, for read-only checks."""
    site = make_site(tmp_path_factory.mktemp("serve") / "site")
    srv = Serve(site, "--port", str(free_port_number()))
    try:
        yield site, srv
    finally:
        srv.stop()


def test_pages_are_served_with_the_reload_script(served: tuple[Path, Serve]) -> None:
    site, srv = served
    # said before the first build, which takes a minute on a large site (a preview hunter's)
    assert srv.out[0] == f"Building {site.resolve()} for {srv.url} ...", srv.out
    status, headers, body = srv.get("/")
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    page = body.decode()
    assert len(reload_scripts(page)) == 1
    assert page.index("livereload.js") < page.index("</head>")
    # livereload.js comes from this server, not from anywhere else
    status, headers, js = srv.get(f"/livereload.js?port={srv.port}")
    assert status == 200 and b"LiveReload" in js
    status, head, nothing = srv.get("/livereload.js", method="HEAD")  # the headers of a GET
    assert status == 200 and nothing == b"" and int(head["Content-Length"]) == len(js)
    assert head["Etag"] == headers["Etag"]
    # every asset and feed the page links to is served, without the script
    doc = parse(page)
    css = [a["href"] for a in doc.find("link", rel="stylesheet")]
    assert css
    for href in css:
        status, headers, data = srv.get("/" + href)
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert b"livereload" not in data
    status, headers, feed = srv.get("/atom.xml")
    assert status == 200 and b"<feed" in feed and b"livereload" not in feed
    assert f"http://127.0.0.1:{srv.port}/".encode() in feed  # built for this preview's URL


def test_output_files_never_hold_the_reload_script(served: tuple[Path, Serve]) -> None:
    site, srv = served
    assert srv.output.is_dir()
    files = [p for p in srv.output.rglob("*") if p.is_file()]
    assert len(files) > 50
    for p in files:
        assert b"livereload" not in p.read_bytes(), p
    # the site's own output/ (what gets deployed) is not written by serve at all
    assert not (site / "output").exists()
    # ...and the served bytes are the file's bytes plus the script, nothing else
    status, _, body = srv.get("/timeline/")
    assert status == 200
    (script,) = reload_scripts(body.decode())
    on_disk = (srv.output / "timeline" / "index.html").read_bytes()
    assert body.replace(f"<script>{script}</script>".encode(), b"", 1) == on_disk


def test_pretty_urls(served: tuple[Path, Serve]) -> None:
    site, srv = served
    slug = sorted(p.stem for p in (site / "content" / "papers").glob("*.md"))[0]
    status, _, with_slash = srv.get(f"/papers/{slug}/")
    assert status == 200 and h1(with_slash)
    status, headers, _ = srv.get(f"/papers/{slug}")
    assert status in (301, 302)
    assert headers["Location"] == f"/papers/{slug}/"
    status, headers, _ = srv.get(f"/papers/{slug}?x=1")
    assert headers["Location"] == f"/papers/{slug}/?x=1"
    status, _, index = srv.get(f"/papers/{slug}/index.html")
    assert status == 200 and index == with_slash
    status, headers, head = srv.get(f"/papers/{slug}/", method="HEAD")
    assert status == 200 and head == b""
    assert int(headers["Content-Length"]) == len(with_slash)  # what a GET sends, script and all
    # a redirect is built from the checked path, so `//host` cannot become an open redirect
    status, headers, _ = srv.get("//papers")
    assert status in (301, 302) and headers["Location"] == "/papers/"


def test_missing_paths_get_the_theme_404_page(served: tuple[Path, Serve]) -> None:
    _, srv = served
    for raw in ("/no/such/page/", "/papers/no-such-paper/", "/nothing.css", "/assets/x.js"):
        status, headers, body = srv.get(raw)
        assert status == 404, raw
        assert headers["Content-Type"].startswith("text/html")
        doc = parse(body.decode())
        assert "Page not found" in doc.text
        assert len(reload_scripts(body.decode())) == 1  # a page created later shows up by itself
    status, _, body = srv.get("/no/such/page/", method="HEAD")
    assert status == 404 and body == b""


TRAVERSALS = [
    "/../../etc/passwd",
    "/../../../../../../../../etc/passwd",
    "/papers/../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/.%2e/.%2e/.%2e/etc/passwd",
    "/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/papers/..%2F..%2F..%2Fetc%2Fpasswd",
    "/..\\..\\..\\etc\\passwd",
    "/%2e%2e%5c%2e%2e%5c%2e%2e%5cetc%5cpasswd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "//etc/passwd",
    "/%2fetc%2fpasswd",
    "/etc/passwd",
    "/index.html%00.css",
    "/proc/self/environ",
]


@pytest.mark.parametrize("raw", TRAVERSALS)
def test_paths_outside_the_output_are_404(served: tuple[Path, Serve], raw: str) -> None:
    _, srv = served
    status, _, body = srv.get(raw)
    assert status == 404
    assert b"root:" not in body and b"PATH=" not in body
    assert b"Page not found" in body


def test_absolute_paths_to_site_files_are_404(served: tuple[Path, Serve]) -> None:
    site, srv = served
    for target in (site / "content" / "profile.yaml", srv.output / "index.html"):
        status, _, body = srv.get(target.as_posix())
        assert status == 404, target
    status, _, _ = srv.get("/" + "../" * 12 + (site / "content" / "profile.yaml").as_posix())
    assert status == 404


def test_symlinks_out_of_the_output_are_404(served: tuple[Path, Serve], tmp_path: Path) -> None:
    site, srv = served
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "index.html").write_text("<p>outside</p>")
    (srv.output / "leak.txt").symlink_to(secret)
    (srv.output / "leakdir").symlink_to(tmp_path / "dir")
    (srv.output / "inside.html").symlink_to(srv.output / "404.html")
    try:
        for raw in ("/leak.txt", "/leakdir/", "/leakdir/index.html"):
            status, _, body = srv.get(raw)
            assert status == 404, raw
            assert b"top secret" not in body and b"outside" not in body
        status, _, _ = srv.get("/inside.html")  # a link that stays inside is fine
        assert status == 200
    finally:
        for name in ("leak.txt", "leakdir", "inside.html"):
            (srv.output / name).unlink(missing_ok=True)


def test_listens_on_loopback_only(served: tuple[Path, Serve]) -> None:
    _, srv = served
    assert srv.host == "127.0.0.1"
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(table):
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            addr, port = local.rsplit(":", 1)
            if state == "0A" and int(port, 16) == srv.port:  # 0A: LISTEN
                listening.append(addr)
    if not listening:
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert listening == ["0100007F"]  # 127.0.0.1, and nothing else
    # and a connection to another address of this machine is refused
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:  # a host name that does not resolve: nothing more to try
        infos = []
    others = {info[4][0] for info in infos if not info[4][0].startswith("127.")}
    for addr in others:
        with pytest.raises(OSError):
            socket.create_connection((addr, srv.port), timeout=2).close()


def test_the_reload_socket_is_for_the_preview_s_own_pages(served: tuple[Path, Serve]) -> None:
    """livereload's handler took any Origin: a page of another site open in the same browser
    could follow the user's edits (absolute paths). And `not json` printed a traceback."""
    import asyncio

    from tornado.httpclient import HTTPClientError, HTTPRequest
    from tornado.websocket import websocket_connect

    _, srv = served
    url = f"ws://{srv.host}:{srv.port}/livereload"

    def connect(origin: str | None) -> Any:
        headers = {"Origin": origin} if origin else {}
        return websocket_connect(HTTPRequest(url, headers=headers))

    async def talk() -> list[Any]:
        with pytest.raises(HTTPClientError) as refused:
            await connect("http://evil.example")
        replies = [refused.value.code]
        for origin in (f"http://{srv.host}:{srv.port}", None):  # the page's own, or none
            ws = await connect(origin)
            await ws.write_message('{"command": "hello", "protocols": []}')
            replies.append(json.loads(await ws.read_message())["command"])
            ws.close()
        for junk in ("not json", "[1, 2]", '{"no": "command"}'):
            ws = await connect(None)
            await ws.write_message(junk)
            replies.append(await asyncio.wait_for(ws.read_message(), CHANGE_TIMEOUT))  # closed
        return replies

    result: list[list[Any]] = []  # a thread of its own, as below
    runner = threading.Thread(target=lambda: result.append(asyncio.run(talk())))
    runner.start()
    runner.join(60)
    assert result == [[403, "hello", "hello", None, None, None]]
    time.sleep(0.3)  # what the server would print about the junk
    assert "Traceback" not in "\n".join(srv.err), srv.err


@pytest.mark.slow  # 3.7 s: four rebuilds, a socket driven by hand
def test_a_page_that_registers_after_a_rebuild_is_reloaded_all_the_same(
    tmp_path: Path, free_port: int
) -> None:
    """livereload.js registers a page for reloads with its `info` message, after `hello`;
    the page's own check of the build it shows runs at `hello`. A rebuild that ended in
    between reloaded every page but that one, which kept showing the save before (seen in
    CI: four saves 70 ms apart, the page at the second). Its socket is reloaded when it
    registers, if a build ended since it opened."""
    import asyncio

    from tornado.websocket import websocket_connect

    site = make_site(tmp_path / "site")
    slug = sorted(p.stem for p in (site / "content" / "papers").glob("*.md"))[0]
    with Serve(site, "--port", str(free_port)) as srv:
        url = f"ws://{srv.host}:{srv.port}/livereload"

        async def talk(rebuild: bool) -> Any:
            ws = await websocket_connect(url)
            await ws.write_message('{"command": "hello", "protocols": []}')
            await ws.read_message()  # hello: the page's LIVE_SCRIPT check runs now
            if rebuild:
                start = len(srv.out)
                set_title(paper_file(site, slug), "Saved While Registering")
                await asyncio.to_thread(
                    srv.wait_for, srv.out, r"rebuilt \(\d+ files changed\)", 30, start
                )
            await ws.write_message(json.dumps({"command": "info", "url": srv.url}))
            try:
                return json.loads(await asyncio.wait_for(ws.read_message(), 3))
            except TimeoutError:
                return None
            finally:
                ws.close()

        from concurrent.futures import ThreadPoolExecutor

        for rebuild, command in ((False, None), (True, "reload")):
            # a thread of its own: the browser tests' event loop may be running in this one
            with ThreadPoolExecutor(1) as pool:
                got = pool.submit(asyncio.run, talk(rebuild)).result(60)
            assert (got or {}).get("command") == command, (rebuild, got)


def ask(srv: Serve, host: str, path: str = "/", origin: str | None = None) -> int:
    """The status of a GET naming `host` in its Host header (and a websocket's opening
    headers with an Origin), sent to the preview's own address as DNS rebinding does."""
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=20)
    upgrade = {
        "Origin": origin,
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    }
    try:
        conn.request("GET", path, headers={"Host": host, **(upgrade if origin else {})})
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_preview_on_loopback_answers_only_to_its_local_names(served: tuple[Path, Serve]) -> None:
    """A web page at attacker.example, renamed to 127.0.0.1 by DNS rebinding, could read the
    preview and follow its edits: its pages and its websocket, whose Origin then matches
    the Host, were served under any name."""
    _, srv = served
    port = srv.port
    for host in ("attacker.example", "127.0.0.1.nip.io", "localhost.example.org"):
        for name in (host, f"{host}:{port}"):
            assert ask(srv, name) == 403
            assert ask(srv, name, "/livereload.js") == 403
            assert ask(srv, name, "/livereload", origin=f"http://{name}") == 403
    for name in ("localhost", "127.0.0.1", "[::1]", "LocalHost"):
        for host in (name, f"{name}:{port}"):
            assert ask(srv, host) == 200
            assert ask(srv, host, "/livereload", origin=f"http://{host}") == 101


def test_local_names_are_of_a_loopback_preview_only() -> None:
    """Listening on every address, or on another machine's, any name may be the right one."""
    from sitegen.serve import local_names

    with socket.socket() as everywhere:
        everywhere.bind(("0.0.0.0", 0))
        assert local_names("http://0.0.0.0:8000/", [everywhere]) is None
    with socket.socket() as loopback:
        loopback.bind(("127.0.0.2", 0))
        assert local_names("http://127.0.0.2:8000/", [loopback]) == {
            "localhost",
            "127.0.0.1",
            "[::1]",
            "127.0.0.2",
        }


def test_stale_stylesheet_name_gets_the_current_one(served: tuple[Path, Serve]) -> None:
    """What lets livereload.js swap a stylesheet in place after a CSS edit."""
    _, srv = served
    (current,) = (srv.output / "assets").glob("style.*.css")
    status, _, body = srv.get("/assets/style.0123456789.css?livereload=1")
    assert status == 200 and body == current.read_bytes()
    status, _, _ = srv.get("/assets/other.0123456789.css")
    assert status == 404


# ---------------------------------------------------------------- resolving, without a server


def test_the_error_page_shows_the_lines_around_the_error(tmp_path: Path, monkeypatch) -> None:
    """Content errors are named relative to the site, sitegen.yaml's relative to where
    sitegen runs (`SITE/sitegen.yaml`): both show their lines."""
    from sitegen.config import load_config
    from sitegen.errors import SitegenError
    from sitegen.serve import error_page

    site = tmp_path / "s"
    (site / "content").mkdir(parents=True)
    (site / "sitegen.yaml").write_text("title: A\nhome_papers: lots\nlanguage: en\n")
    (site / "content" / "x.md").write_text("---\ntitle: [\n---\n")
    monkeypatch.chdir(tmp_path)
    (config_error,) = load_config(Path("s"))[1]
    assert config_error.path == "s/sitegen.yaml" and config_error.line == 2
    for err, line in (
        (config_error, "home_papers: lots"),
        (SitegenError("bad", "content/x.md", 2), "title: ["),
    ):
        page = error_page(Path("s"), err).decode()
        assert f'<span class="bad"><span class="n">{err.line}</span>{line}</span>' in page, page
    # a bidi override or ESC in a file name, a message or a line is shown as the terminal
    # shows it: raw, `evil\u202egnp.md` read "evildm.png" on the page
    evil = "content/evil\u202egnp.md"
    (site / evil).write_text("---\ntitle: \u202e\x1b[31mx\tend\n---\n")
    page = error_page(Path("s"), SitegenError("bad \x1b[31mred", evil, 2)).decode()
    assert "\u202e" not in page and "\x1b" not in page, page
    assert "content/evil\\u202egnp.md" in page and "bad \\x1b[31mred" in page
    assert "title: \\u202e\\x1b[31mx  end" in page  # a tab as spaces, not `\\t`


def test_hidden_folders_the_build_copies_are_watched() -> None:
    """static/.well-known/ is copied by a build; an edit there must rebuild the preview.
    Editor droppings and version control are not the site."""
    from sitegen.state import not_site

    assert not not_site(".well-known") and not not_site("security.txt")
    assert all(map(not_site, [".git", ".#paper.md", "#paper.md#", "paper.md~", ".paper.md.swp"]))


def test_a_saved_stylesheet_is_swapped_in_place_and_a_saved_image_reloads_the_page(
    tmp_path: Path,
) -> None:
    """livereload.js refreshes in place an <img> whose src ends with the saved file's name,
    but not a stylesheet's background: a preview hunter's edited bg.png stayed stale. (The
    profile photo, published as assets/photo-HASH-*, had needed a reload already.)"""
    from sitegen.serve import Preview

    site = tmp_path / "site"
    css, logo = site / "static" / "extra.css", site / "static" / "img" / "bg.png"
    photo = site / "content" / "me.jpg"
    for path in (css, logo, photo):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    preview = Preview(site, tmp_path / "out", BASE_URL)
    assert preview.reload_path([str(css)], False) == str(css)
    for saved in ([logo], [photo], [logo, css]):
        assert preview.reload_path(list(map(str, saved)), False) == "*", saved
    assert preview.reload_path([str(css)], True) == "*"  # a recovered build reloads


def test_resolve_request_stays_inside(tmp_path: Path) -> None:
    root = tmp_path / "out"
    (root / "papers" / "x").mkdir(parents=True)
    (root / "papers" / "x" / "index.html").write_text("x")
    (root / "index.html").write_text("home")
    (tmp_path / "secret").write_text("s")
    (root / "link").symlink_to(tmp_path / "secret")
    assert resolve_request(root, "/").file == root / "index.html"
    assert resolve_request(root, "/papers/x/").file == root / "papers" / "x" / "index.html"
    assert resolve_request(root, "/papers/x").redirect == "/papers/x/"
    assert resolve_request(root, "/papers/%78/").file == root / "papers" / "x" / "index.html"
    for raw in ("/../secret", "/%2e%2e/secret", "/link", "papers/x/", "/a\\b", "/%ff"):
        found = resolve_request(root, raw)
        assert found.file is None and found.redirect is None, raw


# ---------------------------------------------------------------- starting and stopping


def test_port_in_use_names_a_free_one(tmp_path: Path, free_port: int) -> None:
    site = make_site(tmp_path / "site")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", free_port))
        busy.listen()
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "sitegen",
                "serve",
                "--site",
                str(site),
                "--port",
                str(free_port),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    # the command to paste serves the same site (it said `sitegen serve --port N`)
    m = re.search(
        rf"port {free_port} on 127\.0\.0\.1 is already in use.*; try: sitegen serve --site "
        rf"{re.escape(shlex.quote(str(site)))} --port (\d+)\n",
        proc.stderr,
    )
    assert m, proc.stderr
    suggested = int(m[1])
    assert suggested > free_port
    with socket.socket() as s:
        s.bind(("127.0.0.1", suggested))  # it really was free


def test_not_a_site_folder(tmp_path: Path) -> None:
    proc = run_cli("serve", "--site", tmp_path, "--port", "0")
    assert proc.returncode == 1
    assert "not a site folder" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("serve", "--site", tmp_path / "missing", "--port", "0")
    assert proc.returncode == 1 and "no such site folder" in proc.stderr


@pytest.mark.slow
def test_a_build_of_the_site_runs_while_the_preview_waits(tmp_path: Path, free_port: int) -> None:
    """Builds of one site take turns on a lock; the preview holds it for a rebuild only, not
    while it waits for the next edit, or every `sitegen build` would wait for it to stop."""
    site = make_site(tmp_path / "site")
    with Serve(site, "--port", str(free_port)) as srv:
        assert srv.get("/")[0] == 200
        proc = run_cli("build", "--site", site, "--no-search", fresh=True, timeout=60)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_ctrl_c_exits_zero_and_leaves_nothing(tmp_path: Path, free_port: int) -> None:
    site = make_site(tmp_path / "site")
    before = sorted(p.name for p in site.iterdir())
    with Serve(site, "--port", str(free_port)) as srv:  # stopped even if an assert fails
        scratch = srv.output.parent
        assert scratch.is_dir()
        assert srv.get("/")[0] == 200
        paper = sorted((site / "content" / "papers").glob("*.md"))[0]
        set_title(paper, "Stopping Soon")
        poll(lambda: any("rebuilt" in line for line in srv.out), what="the rebuild")
        assert srv.stop(signal.SIGINT) == 0
    assert not scratch.exists()
    # no output/ and no temporary folder; the build's cache may stay (it speeds up the
    # next build), but not its records of the preview's deleted output folder, nor the
    # site the rebuild replaced (kept for the next build to start from)
    after = sorted(p.name for p in site.iterdir() if p.name != ".sitegen-cache")
    assert after == before
    assert not list(site.glob(".sitegen-cache/state-*")) + list(site.glob(".sitegen-cache/trash/*"))
    assert "Traceback" not in "\n".join(srv.err)
    assert srv.out[-1] == "Stopped."
    # nothing listens on the port any more
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # old connections may linger
        s.bind(("127.0.0.1", free_port))
        s.listen()


@pytest.mark.slow
def test_a_preview_killed_outright_is_forgotten_by_the_next(tmp_path: Path) -> None:
    """kill -9 leaves no chance to clean up: the preview's state (5 MB at 10,000 papers)
    stayed in the site's cache for good. The next preview forgets it."""
    site = make_site(tmp_path / "site")
    with Serve(site, "--port", "0") as killed:
        killed.stop(signal.SIGKILL)
    assert len(list(site.glob(".sitegen-cache/state-*"))) == 1
    assert killed.output.parent.exists()
    with Serve(site, "--port", "0") as srv:
        assert len(list(site.glob(".sitegen-cache/state-*"))) == 1  # its own
        assert not killed.output.parent.exists()  # its files in the temporary folder too
        notes = list((site / ".sitegen-cache" / "previews").iterdir())
        assert [n.name for n in notes] == [str(srv.proc.pid)]
        assert notes[0].read_text("utf-8") == str(srv.output)
        assert srv.stop(signal.SIGINT) == 0
    assert not list(site.glob(".sitegen-cache/state-*"))
    assert not list((site / ".sitegen-cache" / "previews").iterdir())


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
@pytest.mark.slow
def test_sigterm_and_sighup_also_clean_up(tmp_path: Path, sig: int) -> None:
    """The system stopping it, or its terminal closing: HUP left everything behind."""
    site = make_site(tmp_path / "site")
    with Serve(site, "--port", "0") as srv:
        scratch = srv.output.parent
        assert srv.stop(sig) == 0
    assert not scratch.exists() and not list(site.glob(".sitegen-cache/state-*"))
    assert srv.out[-1] == "Stopped."


@pytest.mark.slow
def test_sigterm_during_a_rebuild_lets_it_finish_and_stops_cleanly(tmp_path: Path) -> None:
    """SIGTERM raised in the middle of a build on the event loop: asyncio logged the
    interrupted task with two tracebacks. It stops once the build is done, as Ctrl-C does."""
    site = make_site(tmp_path / "site")
    with Serve(site, "--port", "0") as srv:
        (site / "templates").mkdir(exist_ok=True)
        slow = '{% extends "default/base.html" %}{% set _ = range(400000)|list %}'
        (site / "templates" / "base.html").write_text(slow)  # every page again, slowly
        building = srv.output.with_name(f".{srv.output.name}.tmp-*")  # until its swap
        poll(lambda: list(building.parent.glob(building.name)), what="the rebuild under way")
        assert srv.stop(signal.SIGTERM) == 0
    assert any("rebuilt" in line for line in srv.out), srv.out  # the build was let finish
    assert "Traceback" not in "\n".join(srv.err) and srv.out[-1] == "Stopped.", srv.err


@pytest.mark.slow
def test_first_build_failing_still_serves_then_recovers(tmp_path: Path, free_port: int) -> None:
    site = make_site(tmp_path / "site")
    (site / "sitegen.yaml").write_text("title: [oops\n")
    with Serve(site, "--port", str(free_port)) as srv:
        assert srv.wait_for(srv.err, r"/sitegen\.yaml:\d+: invalid YAML")
        status, _, body = srv.get("/")
        assert status == 500 and b"sitegen.yaml" in body
        (site / "sitegen.yaml").write_text("title: Fixed\n")
        poll(lambda: srv.get("/")[0] == 200, what="the first good build")
        assert srv.get("/atom.xml")[0] == 200


def test_open_starts_a_browser(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    opened = tmp_path / "opened.txt"
    fake = tmp_path / "fake-browser"
    fake.write_text(f'#!/bin/sh\nprintf "%s" "$1" > {opened}\n')
    fake.chmod(0o755)
    with Serve(site, "--port", "0", "--open", env={"BROWSER": f"{fake} %s"}) as srv:
        poll(opened.exists, what="the browser to be started")
        assert poll(lambda: opened.read_text()) == srv.url


# ---------------------------------------------------------------- rebuilding


@pytest.mark.slow
def test_rebuild_error_page_and_recovery(tmp_path: Path, free_port: int) -> None:
    site = make_site(tmp_path / "site")
    slug = sorted(p.stem for p in (site / "content" / "papers").glob("*.md"))[0]
    md = paper_file(site, slug)
    good = md.read_text(encoding="utf-8")
    with Serve(site, "--port", str(free_port)) as srv:
        url = f"/papers/{slug}/"
        (css,) = (p.name for p in (srv.output / "assets").glob("style.*.css"))

        set_title(md, "Edited over HTTP")
        poll(lambda: h1(srv.get(url)[2]) == "Edited over HTTP", what="the new title")
        assert srv.wait_for(srv.out, rf"content/papers/{slug}\.md: rebuilt \(\d+ files changed\)")

        # broken YAML with hostile text on the bad line
        broken = re.sub(r"(?m)^title:.*$", "title: [<script>alert('pwned')</script>", good, count=1)
        md.write_text(broken, encoding="utf-8")
        status, headers, body = poll(
            lambda: (r := srv.get(url))[0] == 500 and r, what="the error page"
        )
        assert headers["Content-Type"].startswith("text/html")
        # the same one-line message `sitegen build` prints
        build = run_cli("build", "--site", site, "--output", tmp_path / "check-out")
        assert build.returncode == 1
        expected = build.stderr.strip().splitlines()[-1]
        assert re.match(rf"content/papers/{slug}\.md:\d+: ", expected)
        assert srv.wait_for(srv.err, "^" + re.escape(expected) + "$")
        line = int(expected.split(":")[1])
        page = body.decode()
        doc = parse(page)
        assert f"content/papers/{slug}.md" in doc.text
        assert f"line {line}" in doc.text
        assert expected in doc.text
        assert "<script>alert('pwned')</script>" in doc.text  # shown as text...
        assert [s for s in doc.script_texts if "pwned" in s] == []  # ...never run
        assert len(reload_scripts(page)) == 1  # so the fix reloads it
        # every HTML page says so; the last good stylesheet is still served
        assert srv.get("/")[0] == 500
        assert srv.get("/no/such/page/")[0] == 500
        assert srv.get(f"/assets/{css}")[0] == 200

        md.write_text(good, encoding="utf-8")
        status, _, body = poll(lambda: (r := srv.get(url))[0] == 200 and r, what="recovery")
        assert h1(body) == parse(good.split("title:", 1)[1].splitlines()[0]).text.strip('"')

        # a template error in the site's own templates/ names that template and line
        (site / "templates").mkdir(exist_ok=True)
        override = site / "templates" / "paper.html"
        override.write_text('{% extends "base.html" %}\n{% block content %}\n{% if %}\n')
        status, _, body = poll(lambda: (r := srv.get(url))[0] == 500 and r, what="template error")
        doc = parse(body.decode())
        assert "templates/paper.html" in doc.text and "line 3" in doc.text
        override.unlink()  # a deletion is a change too
        poll(lambda: srv.get(url)[0] == 200, what="recovery after deleting the template")

        # sitegen.yaml is watched, and a new paper appears without a restart
        (site / "sitegen.yaml").write_text("title: A Preview Title\n")
        poll(lambda: b"<title>A Preview Title</title>" in srv.get("/")[2], what="config change")
        new = site / "content" / "papers" / "2026-a-brand-new-paper.md"
        new.write_text(good.replace(slug, "2026-a-brand-new-paper"), encoding="utf-8")
        set_title(new, "A Brand New Paper")
        poll(
            lambda: h1(srv.get("/papers/2026-a-brand-new-paper/")[2]) == "A Brand New Paper",
            what="the new paper's page",
        )
    assert "Traceback" not in "\n".join(srv.err)


@pytest.mark.slow
def test_a_file_name_that_is_not_utf8_shows_the_error_page_and_recovers(tmp_path: Path) -> None:
    """A Latin-1 `café` (unzipped from an old archive) is a lone surrogate in the error:
    the error page could not be encoded, and the exception ended the watcher for good."""
    site = make_site(tmp_path / "site")
    md = sorted((site / "content" / "papers").glob("*.md"))[0]
    bad = os.fsencode(site / "content" / "papers") + b"/2020-caf\xe9.md"
    with Serve(site, "--port", "0") as srv:
        Path(os.fsdecode(bad)).write_bytes(md.read_bytes())
        status, _, body = poll(lambda: (r := srv.get("/"))[0] == 500 and r, what="the error page")
        assert "content/papers/2020-caf\\udce9.md" in parse(body.decode()).text
        os.remove(bad)
        poll(lambda: srv.get("/")[0] == 200, what="recovery")
        set_title(md, "Still Watching")  # and later saves still rebuild
        poll(lambda: h1(srv.get(f"/papers/{md.stem}/")[2]) == "Still Watching", what="the edit")
    assert "Traceback" not in "\n".join(srv.err)


@pytest.mark.slow
def test_file_names_are_printed_with_their_control_characters_escaped(tmp_path: Path) -> None:
    """A static file named with ESC sequences and a newline: the terminal cleared its
    screen, took a new title, and showed a line serve never printed."""
    site = make_site(tmp_path / "site")
    (site / "static").mkdir(exist_ok=True)
    with Serve(site, "--port", "0") as srv:
        (site / "static" / "evil\x1b[2J\x1b]0;owned\x07\nfake line: all good.txt").write_text("x")
        srv.wait_for(srv.out, r"rebuilt \(\d+ files changed\)")
    (line,) = [s for s in srv.out if "rebuilt" in s]
    assert line.startswith(r"static/evil\x1b[2J\x1b]0;owned\x07\nfake line: all good.txt: ")
    assert not any("\x1b" in s or s.startswith("fake line") for s in srv.out + srv.err)


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_search_page_problems_show_though_the_preview_has_no_search(tmp_path: Path) -> None:
    """The preview builds without Pagefind, so without /search/; a broken search.html or a
    root/search/ file, which fail `sitegen build` (search on) and `sitegen check`, passed."""
    site = make_site(tmp_path / "site")
    with Serve(site, "--port", "0") as srv:
        (site / "templates").mkdir(exist_ok=True)
        page = site / "templates" / "search.html"
        page.write_text('{% extends "base.html" %}\n{% block content %}{{ x {% endblock %}\n')
        _, _, body = poll(lambda: (r := srv.get("/"))[0] == 500 and r, what="the error page")
        assert "templates/search.html" in parse(body.decode()).text
        page.unlink()
        poll(lambda: srv.get("/")[0] == 200, what="recovery")
        (site / "root" / "search").mkdir(parents=True)
        (site / "root" / "search" / "notes.txt").write_text("x")
        _, _, body = poll(lambda: (r := srv.get("/"))[0] == 500 and r, what="the error page")
        assert "root/search/notes.txt" in parse(body.decode()).text
        assert "sitegen makes search/ itself" in parse(body.decode()).text
    assert "Traceback" not in "\n".join(srv.err)


def test_a_full_disk_in_a_rebuild_is_one_line_and_the_error_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError is the machine's, not a bug in sitegen: said in one line, as `sitegen
    build` says it, not with a traceback and "internal error"."""
    import io

    import sitegen.serve
    from sitegen.serve import Preview

    site = make_site(tmp_path / "site")
    err = io.StringIO()
    preview = Preview(site, tmp_path / "out", BASE_URL, out=io.StringIO(), err=err)

    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "x"))

    monkeypatch.setattr(sitegen.serve, "build_site", full)
    assert preview.build() is False
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue()
    assert f"{tmp_path / 'out' / 'x'}: No space left on device" in err.getvalue()
    assert preview.failed is not None and b"No space left on device" in preview.failed


def test_a_bug_in_one_rebuild_does_not_end_the_watching(tmp_path: Path) -> None:
    """Whatever escapes one rebuild is printed once; the next save rebuilds as before."""
    import asyncio
    import io

    from sitegen.serve import Preview, snapshot

    site = make_site(tmp_path / "site")
    md = sorted((site / "content" / "papers").glob("*.md"))[0]
    err = io.StringIO()
    preview = Preview(site, tmp_path / "out", BASE_URL, out=io.StringIO(), err=err)
    assert preview.build()
    real, calls = preview.build, []

    def buggy(*args: Any, **kwargs: Any) -> bool | None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return real(*args, **kwargs)

    preview.build = buggy  # type: ignore[method-assign]
    page = tmp_path / "out" / "papers" / md.stem / "index.html"

    async def two_saves() -> bytes:
        task = asyncio.create_task(preview.watch(snapshot(preview.roots)))
        try:
            for n, text in enumerate(("First Save", "Second Save"), 1):
                set_title(md, text)
                for _ in range(200):
                    await asyncio.sleep(0.05)
                    if b"Second Save" in page.read_bytes() or (n == 1 and calls) or task.done():
                        break
            return page.read_bytes()
        finally:
            task.cancel()

    result: list[bytes] = []  # a thread of its own, as above
    runner = threading.Thread(target=lambda: result.append(asyncio.run(two_saves())))
    runner.start()
    runner.join(60)
    assert result and b"Second Save" in result[0]
    assert err.getvalue().count("RuntimeError: a bug") == 1


def test_a_save_that_changes_no_page_reloads_no_browser(tmp_path: Path, monkeypatch) -> None:
    """An editor's save of an unchanged file rebuilds nothing and leaves open pages alone
    (their scroll position, an open "All authors"); a real edit, an error and its fix reload."""
    import asyncio
    import io
    from concurrent.futures import ThreadPoolExecutor

    import sitegen.serve
    from sitegen.serve import Preview, Snapshot, snapshot

    site = make_site(tmp_path / "site")
    md = sorted((site / "content" / "papers").glob("*.md"))[0]
    preview = Preview(site, tmp_path / "out", BASE_URL, out=io.StringIO(), err=io.StringIO())
    assert preview.build()
    reloads: list[str] = []
    monkeypatch.setattr(sitegen.serve, "reload_browsers", reloads.append)
    before = snapshot(preview.roots)

    def save(text: str) -> None:
        nonlocal before
        md.write_text(text, encoding="utf-8")
        stat = md.stat()  # a later mtime, as an editor's save gives, however quick the test
        os.utime(md, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
        now = snapshot(preview.roots)
        assert now != before

        async def rebuild() -> Snapshot:  # as the watcher calls it: on the event loop
            return preview._rebuild(before, now)

        # a thread of its own: the browser tests' event loop may be running in this one
        with ThreadPoolExecutor(1) as pool:
            before = pool.submit(asyncio.run, rebuild()).result(60)

    text = md.read_text(encoding="utf-8")
    generation = preview.generation
    save(text)  # the same bytes
    assert reloads == [] and preview.generation == generation
    save(text.replace("title:", "title: New", 1))
    assert reloads == [str(md)] and preview.generation != generation
    save("---\ntitle: [\n---\n")  # the error page
    save(text.replace("title:", "title: New", 1))  # mended: the output is as before it
    assert reloads == [str(md)] * 3 and preview.failed is None


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(ln.split()[1]) for ln in f if ln.startswith("VmRSS:")) / 1024


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_memory_stays_flat_over_rebuilds(tmp_path: Path, free_port: int) -> None:
    """No build outlives itself: the preview's memory after the 4th rebuild stays where
    it was. 1,000 papers, so that the builds fork (related papers, linking): the objects
    gc.freeze() hid from the collector once made it grow by 8 MB a rebuild."""
    profile = tmp_path / "profile.txt"
    subprocess.run(
        [sys.executable, MAKE_PROFILE, "--papers", "1000", "--seed", "5", "--out", profile],
        check=True,
    )
    site = make_site(tmp_path / "site", profile)
    papers = sorted((site / "content" / "papers").glob("*.md"))
    sizes = []
    with Serve(site, "--port", str(free_port)) as srv:
        for i in range(9):
            start = len(srv.out)
            md = papers[i * 37 % len(papers)]
            md.write_text(md.read_text(encoding="utf-8").rstrip("\n") + f" Edit {i}.\n")
            srv.wait_for(srv.out, r": rebuilt \(\d+ files changed\)", 120, start)
            time.sleep(COLLECT_AFTER_SECONDS + 0.3)
            sizes.append(rss_mb(srv.proc.pid))
    assert max(sizes[4:]) - sizes[3] < 15, f"MB after each rebuild: {sizes}"


# ---------------------------------------------------------------- in the browser

CONNECTED = (
    "() => !!(window.LiveReload && window.LiveReload.connector"
    " && window.LiveReload.connector.protocol > 0)"
)


@pytest.mark.browser
@pytest.mark.slow
def test_browser_reloads_by_itself(chromium: Any, tmp_path: Path, free_port: int) -> None:
    from playwright.sync_api import expect

    site = make_site(tmp_path / "site")
    with Serve(site, "--port", str(free_port)) as srv:
        context = chromium.new_context()
        try:
            home = context.new_page()
            home.goto(srv.url)
            href = home.locator("main a[href^='papers/']").first.get_attribute("href")
            assert href
            slug = href.strip("/").split("/")[-1]
            md = paper_file(site, slug)
            good = md.read_text(encoding="utf-8")
            paper = context.new_page()
            paper.goto(srv.url + href)
            paper_url = paper.url
            for page in (home, paper):
                page.wait_for_function(CONNECTED, timeout=CHANGE_TIMEOUT * 1000)
            time.sleep(0.2)  # the page's `info` message registers it for reloads

            # 1. a new title shows in both open pages, with no navigation by the test
            set_title(md, "Live Title ✓ <b>one</b>")
            expect(paper.locator("h1")).to_have_text(
                "Live Title ✓ <b>one</b>", timeout=CHANGE_TIMEOUT * 1000
            )
            expect(home.get_by_text("Live Title ✓ <b>one</b>").first).to_be_visible(
                timeout=CHANGE_TIMEOUT * 1000
            )
            assert paper.url == paper_url

            # 2. several saves in quick succession: the last one wins
            for i in range(4):
                set_title(md, f"Quick save {i}")
                time.sleep(0.07)
            expect(paper.locator("h1")).to_have_text("Quick save 3", timeout=CHANGE_TIMEOUT * 1000)

            # 3. broken YAML: the open page turns into the error page, with file and line
            md.write_text(good.replace("title:", "title: [unclosed\nx", 1), encoding="utf-8")
            expect(paper.locator("h1")).to_have_text(
                "The site could not be built", timeout=CHANGE_TIMEOUT * 1000
            )
            where = paper.locator(".where").inner_text()
            assert f"content/papers/{slug}.md" in where and re.search(r"line \d+", where)
            assert paper.url == paper_url

            # 4. the fix brings the page back, still without navigating
            md.write_text(good, encoding="utf-8")
            set_title(md, "Fixed Title")
            expect(paper.locator("h1")).to_have_text("Fixed Title", timeout=CHANGE_TIMEOUT * 1000)
            assert paper.url == paper_url

            # 5. a CSS edit swaps the stylesheet in place: no full reload
            paper.wait_for_function(CONNECTED, timeout=CHANGE_TIMEOUT * 1000)
            time.sleep(0.2)
            paper.evaluate("() => { window.__notReloaded = true; }")
            theme_css = builtin_themes_dir() / "default" / "static" / "style.css"
            (site / "static").mkdir(exist_ok=True)
            (site / "static" / "style.css").write_text(
                theme_css.read_text(encoding="utf-8") + "\nh1 { color: rgb(1, 2, 3); }\n",
                encoding="utf-8",
            )
            paper.wait_for_function(
                "() => getComputedStyle(document.querySelector('h1')).color === 'rgb(1, 2, 3)'",
                timeout=CHANGE_TIMEOUT * 1000,
            )
            assert paper.evaluate("() => window.__notReloaded === true")
        finally:
            context.close()
    assert "Traceback" not in "\n".join(srv.err)


@pytest.mark.browser
@pytest.mark.slow
def test_page_that_missed_a_reload_catches_up(
    chromium: Any, tmp_path: Path, free_port: int
) -> None:
    """A reload sent while no page listened (here: the server was restarted) is not lost."""
    from playwright.sync_api import expect

    site = make_site(tmp_path / "site")
    slug = sorted(p.stem for p in (site / "content" / "papers").glob("*.md"))[0]
    md = paper_file(site, slug)
    context = chromium.new_context()
    try:
        with Serve(site, "--port", str(free_port)) as srv:
            page = context.new_page()
            page.goto(f"{srv.url}papers/{slug}/")
            page.wait_for_function(CONNECTED, timeout=CHANGE_TIMEOUT * 1000)
        set_title(md, "Changed While Stopped")  # no server: nobody tells the page
        with Serve(site, "--port", str(free_port)):
            # livereload.js reconnects by itself; the page then sees it shows an old build
            expect(page.locator("h1")).to_have_text(
                "Changed While Stopped", timeout=CHANGE_TIMEOUT * 2000
            )
    finally:
        context.close()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.browser
@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
def test_live_reload_over_ipv6(chromium: Any, tmp_path: Path, free_port: int) -> None:
    """`--host ::1`: livereload.js cannot read a bracketed address from its own URL,
    so the page passes the host explicitly; a save still reloads the open page."""
    from playwright.sync_api import expect

    site = make_site(tmp_path / "site")
    with Serve(site, "--host", "::1", "--port", str(free_port)) as srv:
        assert srv.url.startswith("http://[::1]:")
        page = chromium.new_page()
        try:
            page.goto(srv.url)
            page.wait_for_function(CONNECTED, timeout=CHANGE_TIMEOUT * 1000)
            time.sleep(0.2)
            href = page.locator("main a[href^='papers/']").first.get_attribute("href")
            assert href
            set_title(paper_file(site, href.strip("/").split("/")[-1]), "Seen over IPv6")
            expect(page.get_by_text("Seen over IPv6").first).to_be_visible(
                timeout=CHANGE_TIMEOUT * 1000
            )
        finally:
            page.close()


@pytest.mark.skipif(not _ipv6_loopback(), reason="this machine has no IPv6 loopback (::1)")
def test_a_preview_on_ipv6_loopback_answers_to_its_own_address(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    with Serve(site, "--host", "::1", "--port", str(free_port_number())) as srv:
        assert ask(srv, f"[::1]:{srv.port}") == 200
        assert (
            ask(srv, f"[::1]:{srv.port}", "/livereload", origin=f"http://[::1]:{srv.port}") == 101
        )
        assert ask(srv, f"attacker.example:{srv.port}") == 403


def test_a_save_during_the_first_build_is_not_lost(tmp_path: Path) -> None:
    """The preview compares against the files as they were when its first build began.

    At 10,000 papers that build takes seconds; a paper saved meanwhile used to be
    missed (the watcher took its first look only after the build) and the preview
    showed the old text until the next save.
    """
    import asyncio
    import io

    from sitegen.serve import Preview, snapshot

    site = make_site(tmp_path / "site")
    md = sorted((site / "content" / "papers").glob("*.md"))[2]
    preview = Preview(site, tmp_path / "out", BASE_URL, out=io.StringIO(), err=io.StringIO())
    seen = snapshot(preview.roots)
    assert preview.build()
    text = md.read_text("utf-8")  # saved before the watcher takes its first look
    md.write_text(text.rstrip("\n") + " Saved while the first build ran.\n", "utf-8")
    page = tmp_path / "out" / "papers" / md.stem / "index.html"

    async def watch_until_rebuilt() -> bytes:
        task = asyncio.create_task(preview.watch(seen))
        try:
            for _ in range(200):
                await asyncio.sleep(0.05)
                if b"Saved while the first build ran." in page.read_bytes():
                    break
            return page.read_bytes()
        finally:
            task.cancel()

    # in a thread of its own: an earlier browser test may leave this thread's loop running
    result: list[bytes] = []
    runner = threading.Thread(target=lambda: result.append(asyncio.run(watch_until_rebuilt())))
    runner.start()
    runner.join(60)
    assert result, "the watcher did not finish"
    assert b"Saved while the first build ran." in result[0]
    assert parse(result[0].decode("utf-8")) is not None
