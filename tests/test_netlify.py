"""netlify.toml does what it says: its build command works from a clean environment,
and the pages it publishes load under its Content-Security-Policy without a violation.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO
from siteserver import header_rules, headers_for, serve

NETLIFY = REPO / "netlify.toml"
CONFIG = tomllib.loads(NETLIFY.read_text(encoding="utf-8"))
NETLIFY_URL = "https://sitegen-example.netlify.app"  # what Netlify puts in URL (no slash)
COPY_IGNORE = shutil.ignore_patterns(
    ".git", "output", ".venv", "venv", "node_modules", ".sitegen-cache", "__pycache__",
    ".pytest_cache", ".hypothesis", ".ruff_cache", "*.egg-info", "build", "dist", ".output.*",
)  # fmt: skip


def csp() -> dict[str, list[str]]:
    value = headers_for(header_rules(NETLIFY), "/index.html")["Content-Security-Policy"]
    out = {}
    for directive in value.split(";"):
        name, *sources = directive.split()
        out[name] = sources
    return out


# ---------------------------------------------------------------- the file itself


def test_build_settings() -> None:
    build = CONFIG["build"]
    assert build["publish"] == "output"
    assert build["command"].endswith("sitegen build")
    # the repository installs itself: `pip install .` or `pip install '.[extra]'`
    assert re.search(r"pip install (\.|'\.\[[a-z,]+\]')( |$)", build["command"]), build["command"]
    version = build["environment"]["PYTHON_VERSION"]
    assert re.fullmatch(r"3\.\d+(\.\d+)?", version)
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    floor = re.search(r">=\s*3\.(\d+)", pyproject["project"]["requires-python"])
    assert floor and int(version.split(".")[1]) >= int(floor.group(1))


def test_fingerprinted_assets_are_cached_for_a_year() -> None:
    rules = header_rules(NETLIFY)
    immutable = "public, max-age=31536000, immutable"
    for path in ("/assets/style.5b4ee59eb5.css", "/assets/search.0123456789.js"):
        assert headers_for(rules, path)["Cache-Control"] == immutable, path
    # pages and unhashed files must revalidate, or visitors would miss updates
    for path in ("/index.html", "/papers/x/", "/feed.xml", "/favicon.svg", "/assets/favicon.svg"):
        assert "Cache-Control" not in headers_for(rules, path), path


def test_security_headers_on_every_page() -> None:
    rules = header_rules(NETLIFY)
    for path in ("/", "/index.html", "/papers/x/", "/404.html", "/assets/style.0123456789.css"):
        h = headers_for(rules, path)
        assert h["X-Content-Type-Options"] == "nosniff"
        assert h["Referrer-Policy"] in (
            "strict-origin-when-cross-origin",
            "no-referrer",
            "same-origin",
        )
        assert "Content-Security-Policy" in h
    policy = csp()
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    for directive, sources in policy.items():
        assert "'unsafe-inline'" not in sources, directive
        assert "'unsafe-eval'" not in sources, directive
        assert "*" not in sources and "http:" not in sources and "https:" not in sources, directive


# ---------------------------------------------------------------- the build, as Netlify runs it


@pytest.fixture(scope="module")
def netlify_output(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Run [build] command exactly as written, in a clean venv, on a copy of the repository."""
    if not (REPO / "content" / "papers").is_dir():
        pytest.fail("the repository has no content/: Netlify would build an empty site")
    tmp = tmp_path_factory.mktemp("netlify")
    repo = tmp / "repo"
    shutil.copytree(REPO, repo, ignore=COPY_IGNORE, symlinks=True)
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(
        VIRTUAL_ENV=str(venv),
        PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        URL=NETLIFY_URL,
        NETLIFY="true",
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    proc = subprocess.run(
        ["bash", "-e", "-c", CONFIG["build"]["command"]],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, (
        f"netlify build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    # the sitegen that ran is the venv's, not the one this test runs under
    assert (venv / "bin" / "sitegen").exists()
    yield repo / CONFIG["build"]["publish"]


@pytest.mark.slow
def test_netlify_build_command_publishes_the_site(netlify_output: Path) -> None:
    out = netlify_output
    for rel in ("index.html", "404.html", "timeline/index.html", "feed.xml", "atom.xml",
                "sitemap.xml", "robots.txt", "favicon.svg"):  # fmt: skip
        assert (out / rel).is_file(), rel
    assert len(list((out / "papers").glob("*/index.html"))) >= 10
    assert list((out / "assets").glob("style.*.css"))
    # Netlify's URL variable became the base of every absolute link
    assert f"<loc>{NETLIFY_URL}/</loc>" in (out / "sitemap.xml").read_text()
    assert f"{NETLIFY_URL}/sitemap.xml" in (out / "robots.txt").read_text()
    assert f'rel="canonical" href="{NETLIFY_URL}/"' in (out / "index.html").read_text()
    assert "example.invalid" not in (out / "feed.xml").read_text()


# ---------------------------------------------------------------- the policy, in a browser


WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${where}`);
});
"""


def _visit_all(browser, base: str, paths: list[str]) -> list[str]:
    """Load each page; return every CSP violation, console error and failed request."""
    problems: list[str] = []
    context = browser.new_context()
    context.add_init_script(WATCH_VIOLATIONS)
    try:
        page = context.new_page()
        current = {"url": ""}
        page.on(
            "console",
            lambda m: (
                problems.append(f"{current['url']}: console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        page.on("pageerror", lambda e: problems.append(f"{current['url']}: page error: {e}"))

        def failed(r) -> None:
            # ERR_ABORTED is the browser cancelling a fetch (the favicon, say) because the
            # test moved to the next page; a blocked one says ERR_BLOCKED_BY_CSP
            if "ERR_ABORTED" not in (r.failure or ""):
                problems.append(f"{current['url']}: request failed: {r.url} {r.failure}")

        page.on("requestfailed", failed)

        def bad_response(r) -> None:
            if r.status >= 400 and r.request.resource_type != "document":
                problems.append(f"{current['url']}: {r.status} for {r.url}")

        page.on("response", bad_response)
        for path in paths:
            current["url"] = path
            response = page.goto(base + path, wait_until="load")
            assert response is not None
            assert "content-security-policy" in response.headers, "the server sent no CSP"
            search = page.locator('main input[type="search"]')
            if path == "search/" and search.count():
                search.first.fill("diffusion")  # loads the search index and its WebAssembly
                page.wait_for_load_state("networkidle")
                page.wait_for_timeout(500)
            problems += [f"{path}: CSP: {v}" for v in page.evaluate("window.__csp")]
    finally:
        context.close()
    return problems


def _site_paths(out: Path) -> list[str]:
    paths = []
    for p in sorted(out.rglob("*.html")):
        rel = p.relative_to(out).as_posix()
        paths.append(rel.removesuffix("index.html"))
    return paths


@pytest.mark.browser
@pytest.mark.slow
def test_pages_load_under_the_csp_without_violations(netlify_output: Path, chromium) -> None:
    paths = _site_paths(netlify_output)
    paths.append("no/such/page/")  # served the 404 page, at depth
    with serve(netlify_output, NETLIFY) as base:
        problems = _visit_all(chromium, base, paths)
    problems = [
        p
        for p in problems
        if not p.startswith("no/such/page/: console error: Failed to load resource")
    ]
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:30])


@pytest.mark.browser
def test_404_page_is_styled_at_any_depth(example_output: Path, chromium) -> None:
    """Netlify serves /404.html for a missing path at any depth: its links must still work."""
    with serve(example_output, NETLIFY) as base:
        page = chromium.new_page()
        try:
            response = page.goto(base + "papers/gone/deeper/", wait_until="load")
            assert response is not None and response.status == 404
            assert page.locator("h1").inner_text() == "Page not found"
            rules = page.evaluate("document.styleSheets[0].cssRules.length")
            assert rules > 10, "the 404 page's stylesheet did not load"
            page.locator("a", has_text="All publications").first.click()
            page.wait_for_load_state("load")
            assert page.url == base + "timeline/"
        finally:
            page.close()


@pytest.mark.browser
def test_violation_detection_works(example_output: Path, chromium, tmp_path: Path) -> None:
    """The check above is not vacuous: inline style and script are reported."""
    site = tmp_path / "site"
    shutil.copytree(example_output, site)
    home = site / "index.html"
    html = home.read_text()
    home.write_text(
        html.replace(
            "<main", '<p style="color: red">x</p><script>document.title = "x"</script><main', 1
        )
    )
    with serve(site, NETLIFY) as base:
        problems = _visit_all(chromium, base, [""])
    assert any("style-src" in p for p in problems), problems
    assert any("script-src" in p for p in problems), problems


@pytest.mark.browser
def test_search_needs_wasm_unsafe_eval(example_output: Path, chromium, tmp_path: Path) -> None:
    """The policy's one relaxation is there for a reason: without it search breaks."""
    if not (example_output / "search" / "index.html").is_file():
        pytest.skip("this build has no search page")
    strict = tmp_path / "netlify.toml"
    strict.write_text(NETLIFY.read_text().replace(" 'wasm-unsafe-eval'", ""))
    with serve(example_output, strict) as base:
        problems = _visit_all(chromium, base, ["search/"])
    assert any("WebAssembly" in p or "wasm" in p.lower() for p in problems), problems
    with serve(example_output, NETLIFY) as base:
        assert _visit_all(chromium, base, ["search/"]) == []
