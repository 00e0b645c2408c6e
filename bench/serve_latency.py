"""Time from saving a paper's Markdown to the updated page in the browser, under `sitegen serve`.

    python bench/serve_latency.py                      # the example site (the seed profile)
    python bench/serve_latency.py --papers 2000 --seed 7
    python bench/serve_latency.py --site path/to/site --saves 9 --json out.json

The site is copied (or imported) into a temporary folder, so nothing of yours
is edited. A real `sitegen serve --host 127.0.0.1 --port N` runs on a free port
and headless Chromium keeps a paper page open (/papers/SLUG/, SLUG being the name
of its Markdown file). Each save rewrites that paper's title. The page notes,
when a load of it or a change to it shows the new title, that moment
(`performance.timeOrigin + now()` in the first frame after it, wall-clock
milliseconds), whether the server reloads the page or patches it in place; the
latency is that moment minus the moment just before the file was written.
Nothing but the server's live reload updates the page.

Only what `sitegen serve` documents is relied on: it serves the site on --host
and --port and the open page shows a saved edit by itself. Where the server
prints "rebuilt (N files changed) in X s" lines, their median is given as the build's
share of the latency.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "content" / "profile.txt"
MAKE_PROFILE = REPO / "bench" / "make_profile.py"
CHROMIUM = os.environ.get("SITEGEN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
AS_OF = "2026-11-25"

# Runs in every document the page loads. The title awaited, and when it first
# showed, are kept in sessionStorage, which outlives a reload of the tab.
SHOWN_AT = """
(() => {
  const check = () => requestAnimationFrame(() => {
    const want = sessionStorage.getItem('want');
    if (want && !sessionStorage.getItem('shownAt') && document.body
        && document.body.textContent.includes(want)) {
      sessionStorage.setItem('shownAt', String(performance.timeOrigin + performance.now()));
    }
  });
  document.addEventListener('DOMContentLoaded', () => {
    check();
    new MutationObserver(check).observe(document.documentElement,
      {childList: true, subtree: true, characterData: true});
  });
})();
"""
AWAIT = "t => { sessionStorage.setItem('want', t); sessionStorage.removeItem('shownAt'); }"
SHOWN = "() => sessionStorage.getItem('shownAt')"


def sitegen(*args: str | Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "sitegen", *map(str, args)], check=True, stdout=subprocess.DEVNULL
    )


def prepare_site(args: argparse.Namespace, work: Path) -> Path:
    site = work / "site"
    if args.site:
        shutil.copytree(args.site, site, ignore=shutil.ignore_patterns("output", ".sitegen-cache"))
        return site
    profile = args.profile
    if args.papers:
        profile = work / "profile.txt"
        subprocess.run(
            [
                sys.executable,
                str(MAKE_PROFILE),
                "--papers",
                str(args.papers),
                "--seed",
                str(args.seed),
                "--out",
                str(profile),
            ],
            check=True,
        )
    elif profile is None:
        repo_copy = REPO / "content" / "profile.txt"
        profile = repo_copy if repo_copy.exists() else SEED
    sitegen("import", profile, "--site", site, "--as-of", AS_OF)
    return site


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, site: Path):
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site),
             "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_until_up(600)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_until_up(self, timeout: float) -> None:
        """Until the site answers (the first build of a big site takes a while)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            try:
                with urllib.request.urlopen(self.url, timeout=5):
                    return
            except urllib.error.HTTPError:
                return  # it answers, if not with the home page
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"sitegen serve never answered at {self.url}:\n" + "\n".join(self.lines))

    def build_seconds(self, start: int, wait: float) -> float | None:
        """The build time the server printed after line `start`, if it prints one."""
        rx = re.compile(r"rebuilt \(\d+ files changed\) in ([\d.]+) s")
        deadline = time.monotonic() + wait
        while True:
            for line in self.lines[start:]:
                if m := rx.search(line):
                    return float(m[1])
            if time.monotonic() > deadline:
                return None
            time.sleep(0.02)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def set_title(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^title:.*$", f'title: "{title}"', text, count=1), "utf-8")


def shown_at(page: Any) -> float | None:
    try:
        value = page.evaluate(SHOWN)
    except Exception:  # the page is being reloaded right now
        return None
    return float(value) if value else None


def measure(site: Path, saves: int, pause: float) -> dict:
    from playwright.sync_api import sync_playwright

    mds = sorted((site / "content" / "papers").glob("*.md"))
    md = mds[len(mds) // 2]
    server = Server(site)
    results: list[float] = []
    builds: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.add_init_script(SHOWN_AT)
            page.goto(f"{server.url}papers/{md.stem}/", wait_until="load")
            for i in range(saves):
                time.sleep(pause)  # let the page connect and the server go quiet
                title = f"Latency probe {i} {time.time_ns()}"
                page.evaluate(AWAIT, title)
                mark = len(server.lines)
                saved_at = time.time() * 1000
                set_title(md, title)
                deadline = time.monotonic() + 120
                while (shown := shown_at(page)) is None:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"save {i}: the page never showed {title!r}")
                    time.sleep(0.01)
                results.append(shown - saved_at)
                build = server.build_seconds(mark, wait=2)
                if build is not None:
                    builds.append(build * 1000)
                note = f" (build {builds[-1]:.0f} ms)" if build is not None else ""
                print(f"  save {i + 1}: {results[-1]:7.0f} ms{note}", flush=True)
            browser.close()
    finally:
        server.stop()
    return {
        "papers": len(mds),
        "saves": saves,
        "latency_ms": {
            "median": round(statistics.median(results)),
            "min": round(min(results)),
            "max": round(max(results)),
            "all": [round(r) for r in results],
        },
        "build_ms_median": round(statistics.median(builds)) if builds else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--site", type=Path, help="an existing site folder (copied, not edited)")
    src.add_argument("--profile", type=Path, help="a profile text to import")
    src.add_argument("--papers", type=int, help="a synthetic profile with this many papers")
    ap.add_argument("--seed", type=int, default=7, help="seed for --papers (default 7)")
    ap.add_argument("--saves", type=int, default=7, help="saves to time (default 7)")
    ap.add_argument("--pause", type=float, default=1.0, help="seconds between saves (default 1)")
    ap.add_argument("--json", type=Path, help="also write the numbers here")
    args = ap.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}")
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as tmp:
        site = prepare_site(args, Path(tmp))
        report = measure(site, args.saves, args.pause)
    lat = report["latency_ms"]
    build = report["build_ms_median"]
    print(
        f"{report['papers']} papers: save -> updated page median {lat['median']} ms "
        f"(min {lat['min']}, max {lat['max']}, {report['saves']} saves)"
        + (f"; build median {build} ms" if build is not None else "")
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
