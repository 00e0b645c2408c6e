"""Shared fixtures: real CLI runs on real files, and a real headless Chromium.

Browser and validator tests skip with a reason on machines without Chromium or
Java, except under CI=true, where a missing tool is a failure: CI must run them.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import io
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "content" / "profile.txt"
SHARED_SEED = REPO.parent / "shared" / "seed" / "000_772e0e0cf8295548.txt"
# The synthetic profile generator is vendored in bench/ so tests run on a machine
# without the team's shared folder; the shared copy is the upstream.
MAKE_PROFILE = REPO / "bench" / "make_profile.py"
AS_OF = "2026-11-25"
BASE_URL = "https://example.org/"
CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() == "true"


def _temp_in_memory(room: int = 8 << 30) -> None:
    """Give the suite's temporary files to a tmpfs (/dev/shm) with room, unless TMPDIR is set.

    The tests make some hundred thousand small files (sites, builds, caches). On this
    machine's virtual disk the kernel's share of making them was a quarter of the whole
    suite's CPU time (sys 2 min 18 s of 10 min 50 s), and pytest deleted the old runs' folders
    at startup, up to 40 s. Set before anything asks `tempfile` for its folder: pytest's
    tmp_path, the tests' own mkdtemp and the processes they start (TMPDIR) all follow.
    No test may depend on the kind of file system: two that relied on the order ext4
    lists a folder's files in were mended when this came."""
    shm = Path("/dev/shm")
    if "TMPDIR" in os.environ or not shm.is_dir():
        return
    stats = os.statvfs(shm)
    if stats.f_bavail * stats.f_frsize < room or not os.access(shm, os.W_OK):
        return
    if stats.f_flag & os.ST_NOEXEC:  # tests run the stand-ins they write (a fake Pagefind)
        return
    ours = shm / f"sitegen-tests-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        ours.mkdir(mode=0o700)
    st = ours.lstat()  # another user's folder, or a link, under the shared name: not ours
    if st.st_uid == os.getuid() and stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700:
        os.environ["TMPDIR"] = str(ours)
        tempfile.tempdir = None  # read TMPDIR again


_temp_in_memory()
# The suite's own user cache (code stamp, template notes, the key that signs cache files),
# not the ~/.cache of whoever runs it: every test process, and what it runs, shares it.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="sitegen-user-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)


def seed_profile() -> Path:
    """The example profile: the repository's copy, else the shared original."""
    return SEED if SEED.exists() else SHARED_SEED


def disk_full_at_write(monkeypatch: pytest.MonkeyPatch, n: int) -> None:
    """The import's n-th os.write fails as a full disk does (ENOSPC)."""
    from sitegen import importer

    real_write, calls = importer.os.write, [0]

    def flaky_write(fd: int, data: bytes) -> int:
        calls[0] += 1
        if calls[0] == n:
            raise OSError(28, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(importer.os, "write", flaky_write)


def missing_tool(reason: str) -> None:
    """Skip locally, fail in CI: a browser test that never runs proves nothing."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


def default_sigint() -> None:
    """preexec_fn for a process a test stops with Ctrl-C (SIGINT).

    A background job of a non-interactive shell starts with SIGINT ignored, and its
    children inherit that (CI started that way ignores every Ctrl-C a test sends);
    a user's terminal never does, so the child gets the default back.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def terminal_ctrl_c() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt in this process, as in a terminal, for a test that
    sends itself SIGINT: where CI was started as a background job, SIGINT is ignored."""
    old = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, old)


def run_cli(
    *args: str | Path,
    cwd: Path | None = None,
    check: bool = False,
    env: dict | None = None,
    fresh: bool = False,
    timeout: float | None = None,
) -> subprocess.CompletedProcess:
    """Run the real `sitegen` command line and capture what it prints.

    By default its entry point (`sitegen.cli.main`, what the `sitegen` script
    calls) runs in this process: the suite makes hundreds of runs, and starting an
    interpreter and importing the libraries each time was a third of the quick
    loop. sitegen keeps no state between runs, so a run here sees what a fresh
    process would; an escaping exception is printed as the traceback a process
    would print. `fresh=True` starts `python -m sitegen` instead, for what only a
    process shows: its exit status, what it imports, signals; and with a `timeout`, so
    a run that hangs fails the test (subprocess.TimeoutExpired) instead of stalling it.
    """
    argv = [str(a) for a in args]
    if fresh:
        proc = subprocess.run(
            [sys.executable, "-m", "sitegen", *argv],
            cwd=cwd,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            timeout=timeout,
        )
    else:
        from sitegen.cli import main

        out, err = io.StringIO(), io.StringIO()
        saved_env, saved_cwd = dict(os.environ), os.getcwd()
        try:
            os.environ.update(env or {})
            if cwd is not None:
                os.chdir(cwd)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    code = main(argv)
                except SystemExit as e:  # argparse's usage errors, --help, --version
                    code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
                    if isinstance(e.code, str):
                        print(e.code, file=sys.stderr)
                except Exception:
                    traceback.print_exc()
                    code = 1
        finally:
            os.chdir(saved_cwd)
            os.environ.clear()
            os.environ.update(saved_env)
        proc = subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())
    if check and proc.returncode != 0:
        raise AssertionError(f"sitegen {args} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def english_words() -> dict[str, str]:
    """The default theme's phrases, each its own text: the words of a site in English."""
    from sitegen.words import load_words

    return load_words([REPO / "themes" / "default"], "en", {}, REPO / "sitegen.yaml")[0]


def make_site(root: Path, profile: Path | None = None) -> Path:
    """A fresh site folder with the profile imported, as a user would make it.

    The seed is imported once per test process and copied: a copy of an imported
    site is what a user who copies their site folder has, and the import itself
    has its own tests.
    """
    if profile is None:
        shutil.copytree(_seed_site(), root, dirs_exist_ok=True)
        return root
    root.mkdir(parents=True, exist_ok=True)
    run_cli("import", profile, "--site", root, "--as-of", AS_OF, check=True)
    return root


def papers_site(root: Path, papers: list[str], owner: str = "Ada Lovelace") -> Path:
    """A site of the owner's profile.yaml and these paper files (front matter and body),
    written by hand as `content/papers/p0.md`, `p1.md`..., with nothing imported."""
    (root / "content" / "papers").mkdir(parents=True)
    (root / "content" / "profile.yaml").write_text(f"name: {owner}\n", encoding="utf-8")
    for i, text in enumerate(papers):
        (root / "content" / "papers" / f"p{i}.md").write_text(text, encoding="utf-8")
    return root


@functools.cache
def _seed_site() -> Path:
    root = Path(tempfile.mkdtemp(prefix="sitegen-seed-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return make_site(root / "site", seed_profile())


@pytest.fixture
def run() -> object:
    return run_cli


@pytest.fixture(scope="session")
def example_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed imported and built once per session (read-only for tests)."""
    site = make_site(tmp_path_factory.mktemp("example") / "site")
    add_portfolio(site)
    run_cli("build", "--site", site, "--base-url", BASE_URL, check=True)
    return site


def add_portfolio(site: Path) -> None:
    """The repository's own portfolio content (about keys, news, resume) in a site, so the
    quality gates see the about section, /news/ and /cv/ as the example shows them."""
    import yaml

    from sitegen.portfolio import PROFILE_KEYS

    ours = yaml.safe_load((REPO / "content" / "profile.yaml").read_text(encoding="utf-8"))
    extra = {k: ours[k] for k in PROFILE_KEYS if k in ours}
    with (site / "content" / "profile.yaml").open("a", encoding="utf-8") as f:
        f.write(yaml.safe_dump(extra, allow_unicode=True, sort_keys=False))
    shutil.copytree(REPO / "content" / "news", site / "content" / "news")
    shutil.copy(REPO / "content" / "resume.yaml", site / "content" / "resume.yaml")


@pytest.fixture(autouse=True)
def machine_share(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Every test shares the machine; a test marked `alone` has it to itself.

    Lighthouse scores performance on the CPU it shares: beside another xdist
    worker on 2 cores it lost points to moments of load. Every test holds a shared
    lock while it runs; `alone` takes it exclusively, once the running tests end.
    A gate held by the waiting `alone` test keeps new tests from starting first.
    """
    folder = tmp_path_factory.getbasetemp().parent  # the same for every xdist worker
    alone = request.node.get_closest_marker("alone") is not None
    with ExitStack() as stack:
        gate, share = (stack.enter_context(open(folder / name, "a")) for name in ("gate", "share"))
        fcntl.flock(gate, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        fcntl.flock(share, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        if not alone:
            fcntl.flock(gate, fcntl.LOCK_UN)
        yield


@pytest.fixture(scope="session")
def example_output(example_site: Path) -> Path:
    return example_site / "output"


@pytest.fixture
def fresh_site(tmp_path: Path) -> Path:
    """A writable imported (not built) copy of the example site."""
    return make_site(tmp_path / "site")


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Debian Chromium for the session, driven by Playwright."""
    if not Path(CHROMIUM).exists():
        missing_tool(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing_tool("playwright is not installed (pip install '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def java() -> str:
    path = shutil.which("java")
    if not path:
        missing_tool("no java on PATH (the Nu HTML checker needs it)")
    return path


def free_port_number(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now: the kernel picks it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@pytest.fixture
def free_port() -> int:
    return free_port_number()
