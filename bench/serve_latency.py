"""Time from saving a paper's Markdown to the updated page in the browser, under `sitegen serve`.

    python bench/serve_latency.py                      # the example site (the seed profile)
    python bench/serve_latency.py --papers 2000 --seed 7
    python bench/serve_latency.py --site path/to/site --saves 9 --json out.json

The site is copied (or imported) into a temporary folder, so nothing of yours
is edited. A real `sitegen serve` runs on a free port and headless Chromium
keeps a paper page open. Each save rewrites that paper's title; the page
records, on every load, when its first frame after DOMContentLoaded ran
(`performance.timeOrigin + now()`, wall-clock milliseconds), and the latency
is that moment minus the moment just before the file was written. Nothing
navigates the page but livereload. The server's own "rebuilt in X s" lines
give the build's share of it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import IO, Any

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

# runs in every document the page loads: when did the reloaded page first show?
SHOWN_AT = """
document.addEventListener('DOMContentLoaded', () => {
  requestAnimationFrame(() => { window.__shownAt = performance.timeOrigin + performance.now(); });
});
"""
CONNECTED = (
    "() => !!(window.LiveReload && window.LiveReload.connector"
    " && window.LiveReload.connector.protocol > 0)"
)


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


class Server:
    def __init__(self, site: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.lines: list[str] = []
        self.errors: list[str] = []
        for stream, into in ((self.proc.stdout, self.lines), (self.proc.stderr, self.errors)):
            threading.Thread(target=self._read, args=(stream, into), daemon=True).start()
        self.url = self.wait(r"^Serving .* at (http://\S+)$", 600)[1]

    @staticmethod
    def _read(stream: IO[str], into: list[str]) -> None:
        for line in stream:
            into.append(line.rstrip("\n"))

    def wait(self, pattern: str, timeout: float, start: int = 0) -> re.Match[str]:
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[start:]:
                if m := rx.search(line):
                    return m
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise SystemExit(f"serve never printed {pattern!r}:\n" + "\n".join(self.errors))

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=60)


def set_title(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^title:.*$", f'title: "{title}"', text, count=1), "utf-8")


def read_page(page: Any) -> tuple[str | None, float | None]:
    try:
        return page.evaluate(
            "() => [document.querySelector('h1') && document.querySelector('h1').textContent,"
            " window.__shownAt || null]"
        )
    except Exception:  # the page is being reloaded right now
        return None, None


def measure(site: Path, saves: int, pause: float) -> dict:
    from playwright.sync_api import sync_playwright

    papers = len(list((site / "content" / "papers").glob("*.md")))
    server = Server(site)
    results: list[float] = []
    builds: list[float] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            page.add_init_script(SHOWN_AT)
            page.goto(server.url)
            href = page.locator("main a[href^='papers/']").first.get_attribute("href")
            slug = href.strip("/").split("/")[-1]
            md = site / "content" / "papers" / f"{slug}.md"
            page.goto(server.url + href)
            for i in range(saves):
                page.wait_for_function(CONNECTED, timeout=60_000)
                time.sleep(pause)  # let the page register and the server go quiet
                title = f"Latency probe {i} {time.time_ns()}"
                mark = len(server.lines)
                saved_at = time.time() * 1000
                set_title(md, title)
                deadline = time.monotonic() + 120
                while time.monotonic() < deadline:
                    h1, shown = read_page(page)
                    if h1 is not None and h1.strip() == title and shown:
                        break
                    time.sleep(0.01)
                else:
                    raise SystemExit(f"save {i}: the page never showed {title!r}")
                results.append(shown - saved_at)
                m = server.wait(r"rebuilt \d+ pages in ([\d.]+) s", 10, start=mark)
                builds.append(float(m[1]) * 1000)
                runs = sum("rebuilt" in line for line in server.lines[mark:])
                extra = f", {runs} builds" if runs > 1 else ""
                print(
                    f"  save {i + 1}: {results[-1]:7.0f} ms (build {builds[-1]:.0f} ms{extra})",
                    flush=True,
                )
            browser.close()
    finally:
        server.stop()
    return {
        "papers": papers,
        "saves": saves,
        "latency_ms": {
            "median": round(statistics.median(results)),
            "min": round(min(results)),
            "max": round(max(results)),
            "all": [round(r) for r in results],
        },
        "build_ms_median": round(statistics.median(builds)),
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
    print(
        f"{report['papers']} papers: save -> updated page median {lat['median']} ms "
        f"(min {lat['min']}, max {lat['max']}, {report['saves']} saves); "
        f"build median {report['build_ms_median']} ms"
    )
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
