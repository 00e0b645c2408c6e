"""Dev server: no request reaches a file outside the preview, and it listens on loopback.

A real `sitegen serve` process, raw HTTP requests written byte by byte (no
client library normalising the path first): `..` in every spelling (plain,
%2e, double-encoded, overlong UTF-8, behind %2f or %5c), backslashes,
absolute paths to real files, NUL bytes, and symlinks placed inside the served
folder that point out of it. Every one gets 404 and never the secret's bytes
(a request line that is not HTTP at all, such as a raw NUL byte or a target
without its leading slash, is refused by the HTTP parser with 400 instead).
Without --host the server listens on 127.0.0.1 only; --host is honoured.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import default_sigint, make_site

READY_TIMEOUT = 90


class Server:
    def __init__(self, site: Path, *args: str):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=default_sigint,  # stop() sends Ctrl-C
        )
        self.lines: list[str] = []
        self.err: list[str] = []
        for stream, sink in ((self.proc.stdout, self.lines), (self.proc.stderr, self.err)):
            threading.Thread(target=lambda s=stream, k=sink: k.extend(s), daemon=True).start()
        deadline = time.monotonic() + READY_TIMEOUT
        while not any("Preview files are in" in s for s in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"serve did not start:\n{''.join(self.lines + self.err)}")
            time.sleep(0.05)
        text = "".join(self.lines)
        url = re.search(r"Serving .* at (http://\S+)", text).group(1)  # type: ignore[union-attr]
        self.host, port = re.match(r"http://\[?([^\]/]+)\]?:(\d+)/", url).groups()  # type: ignore[union-attr]
        self.port = int(port)
        self.root = Path(re.search(r"Preview files are in (.+?) \(removed", text).group(1))  # type: ignore[union-attr]

    def raw(self, target: bytes, host: str = "127.0.0.1") -> tuple[int, bytes]:
        """Send one request line exactly as given; return (status, whole response)."""
        with socket.create_connection((host, self.port), timeout=10) as s:
            s.sendall(
                b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            )
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        assert m, data[:200]
        return int(m.group(1)), data

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, bytes]]:
    root = tmp_path_factory.mktemp("serve-escape")
    marker = b"SECRET-" + secrets.token_hex(8).encode()
    (root / "secret.txt").write_bytes(marker)
    (root / "secret-dir").mkdir()
    (root / "secret-dir" / "index.html").write_bytes(b"<p>" + marker + b"</p>")
    site = make_site(root / "site")
    (site / "sitegen.yaml").write_bytes(b"# " + marker + b"\n")
    srv = Server(site)
    try:
        yield srv, root, marker
    finally:
        srv.stop()


def escapes(root: Path, srv: Server) -> list[bytes]:
    secret = (root / "secret.txt").as_posix()
    depth = "../" * 12
    served = srv.root.as_posix()
    rel_up = os.path.relpath(root / "secret.txt", srv.root)  # ../../.../secret.txt from the root
    tries = [
        "/../secret.txt",
        "/" + depth + secret.lstrip("/"),
        "/" + rel_up,
        "/papers/" + rel_up,
        "/%2e%2e/" * 12 + secret.lstrip("/"),
        "/%2E%2E%2F" * 12 + quote(secret.lstrip("/"), safe=""),
        "/.%2e/" * 12 + secret.lstrip("/"),
        "/%2e./" * 12 + secret.lstrip("/"),
        "/..%2f" * 12 + secret.lstrip("/"),
        "/..%5c" * 12 + secret.lstrip("/").replace("/", "%5c"),
        "/..\\" * 12 + secret.lstrip("/").replace("/", "\\"),
        "/%252e%252e/" * 12 + secret.lstrip("/"),
        "/%c0%ae%c0%ae/" * 12 + secret.lstrip("/"),
        "/%e0%80%ae%e0%80%ae/" * 12 + secret.lstrip("/"),
        "/%u002e%u002e/" * 12 + secret.lstrip("/"),
        secret,  # an absolute path to a real file
        "/" + secret,
        "/%2f" + quote(secret.lstrip("/"), safe=""),
        served + "/index.html",  # the served folder's own absolute path
        "/" + rel_up + "%00.html",
        "/index.html/" + rel_up,
        "/assets/..;/..;/" + rel_up,
        "/./" + rel_up,
        "/" + rel_up.replace("/", "//"),
        "/" + rel_up + "?x=1#y",
        "/" + os.path.relpath(root / "site" / "sitegen.yaml", srv.root),
        "/" + os.path.relpath(root / "secret-dir", srv.root) + "/",
    ]
    return [t.encode() for t in tries] + [b"/..%00/secret.txt", b"/%00../secret.txt"]


def test_traversal_attempts_get_404(world: tuple[Server, Path, bytes]) -> None:
    srv, root, marker = world
    assert srv.raw(b"/")[0] == 200
    leaks, wrong = [], []
    for target in escapes(root, srv):
        status, data = srv.raw(target)
        if marker in data:
            leaks.append(target)
        if status != 404:
            wrong.append((target, status))
    assert not leaks, leaks
    assert not wrong, wrong


@pytest.mark.parametrize(
    "target", [b"secret.txt", b"../secret.txt", b"*", b"/\x00../secret.txt", b"/..\t/secret.txt"]
)
def test_malformed_request_targets_get_nothing(world, target: bytes) -> None:  # type: ignore[no-untyped-def]
    srv, _, marker = world
    status, data = srv.raw(target)
    assert status in (400, 404) and marker not in data


def test_absolute_form_request_targets_get_nothing(world) -> None:  # type: ignore[no-untyped-def]
    srv, root, marker = world
    for url in (
        f"http://localhost:{srv.port}/../secret.txt",
        f"http://localhost:{srv.port}{root.as_posix()}/secret.txt",
        f"file://{root.as_posix()}/secret.txt",
    ):
        status, data = srv.raw(url.encode())
        assert status in (400, 404) and marker not in data, url


def test_symlinks_inside_the_served_folder_pointing_out_get_404(world) -> None:  # type: ignore[no-untyped-def]
    srv, root, marker = world
    links = {
        "leak.txt": root / "secret.txt",
        "leak-dir": root / "secret-dir",
        "slash": Path("/"),
        "papers/leak.txt": root / "secret.txt",
        "rel-leak.txt": Path(os.path.relpath(root / "secret.txt", srv.root)),
    }
    made = []
    try:
        for name, target in links.items():
            (srv.root / name).symlink_to(target)
            made.append(srv.root / name)
        (srv.root / "loop").symlink_to("loop")
        made.append(srv.root / "loop")
        for target in (b"/leak.txt", b"/leak-dir/", b"/leak-dir/index.html", b"/leak-dir",
                       b"/slash/etc/passwd", b"/slash" + str(root / "secret.txt").encode(),
                       b"/papers/leak.txt", b"/rel-leak.txt", b"/loop", b"/loop/x"):  # fmt: skip
            status, data = srv.raw(target)
            assert status == 404, (target, status)
            assert marker not in data and b"root:x:0:0" not in data, target
    finally:
        for p in made:
            p.unlink()


def listening_addresses(port: int) -> list[str]:
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not os.path.exists(table):
            continue
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            addr, p = local.rsplit(":", 1)
            if state == "0A" and int(p, 16) == port:  # 0A: LISTEN
                found.append(addr if len(addr) == width else "?")
    return found


LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
ANY = {"00000000", "00000000000000000000000000000000"}


def other_address() -> str | None:
    """An address of this machine that is not loopback (None if there is none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent over UDP connect
            addr = s.getsockname()[0]
        except OSError:
            return None
    return None if addr.startswith("127.") or addr == "0.0.0.0" else addr


def test_default_bind_is_loopback_only(world) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = world
    assert srv.host == "127.0.0.1"
    addrs = listening_addresses(srv.port)
    if not addrs:
        pytest.skip("no /proc/net/tcp to read listening sockets from")
    assert set(addrs) <= LOOPBACK, addrs
    other = other_address()
    if other:
        with pytest.raises(OSError):
            socket.create_connection((other, srv.port), timeout=3).close()


def test_host_option_is_honoured_and_warned_about(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    srv = Server(site, "--host", "0.0.0.0")
    try:
        addrs = listening_addresses(srv.port)
        if addrs:
            assert set(addrs) & ANY, addrs
        # stderr is read by its own thread: the warning may land after stdout's ready line
        deadline = time.monotonic() + 10
        while not any("other machines" in s for s in srv.err) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert any("other machines can see this preview" in s for s in srv.err), srv.err
        other = other_address()
        if other:
            assert srv.raw(b"/", host=other)[0] == 200
    finally:
        srv.stop()
