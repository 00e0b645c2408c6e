"""A small static host for tests that behaves like Netlify where it matters.

It serves a built site over real HTTP on a free loopback port, with the
`[[headers]]` of a netlify.toml applied by Netlify's path rules (`*` matches
any characters, `/` included; every matching rule contributes its headers)
and the site's 404.html for missing paths, so browser tests see the pages
exactly under the policy they will be deployed with.
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def header_rules(netlify_toml: Path) -> list[tuple[re.Pattern[str], dict[str, str]]]:
    rules = []
    for entry in tomllib.loads(netlify_toml.read_text(encoding="utf-8")).get("headers", []):
        pattern = "^" + ".*".join(re.escape(part) for part in entry["for"].split("*")) + "$"
        rules.append((re.compile(pattern), dict(entry.get("values", {}))))
    return rules


def headers_for(rules: list[tuple[re.Pattern[str], dict[str, str]]], path: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pattern, values in rules:
        if pattern.match(path):
            out.update(values)
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    rules: list = []

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        pass

    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        for name, value in headers_for(self.rules, path).items():
            self.send_header(name, value)
        super().end_headers()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
            return
        super().send_error(code, message, explain)


@contextmanager
def serve(root: Path, netlify_toml: Path | None = None) -> Iterator[str]:
    """Serve `root` on 127.0.0.1 at a free port; yields the base URL ending in '/'."""
    handler = type(
        "Handler", (_Handler,), {"rules": header_rules(netlify_toml) if netlify_toml else []}
    )
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(root))
    )
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
