"""The README cannot rot: its commands are run and its references checked against the code.

Every fenced `sh` block is run, in order, as a newcomer would type it: in a copy
of the repository, with a fresh virtual environment made by the README's own
first command. An HTML comment just before a block says when a block cannot be
run verbatim inside a test:

- `<!-- readme-test: collect-only -->`: the test command. Running the whole
  suite from inside one of its tests would recurse, so pytest only collects
  here (after the real `pip install`); `.ci/run` runs the same command in full.
- `<!-- readme-test: server -->`: `sitegen serve` runs until Ctrl-C: it is
  started (on a free port), fetched over HTTP, then sent SIGINT.
- `<!-- readme-test: apt -->`: system packages; the names are checked against
  Debian's package index instead of installing anything.

The reference tables (front matter, sitegen.yaml, CLI, templates) are compared
with the code, so a new key, option or template variable fails here until it
is documented.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import signal
import subprocess
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import jinja2
import jinja2.meta
import pytest
from conftest import REPO, default_sigint, free_port_number, missing_tool

from sitegen import model
from sitegen.cli import _parser
from sitegen.config import SiteConfig
from sitegen.content import KNOWN_KEYS

README = REPO / "README.md"
THEME = REPO / "themes" / "default" / "templates"
SHELL_LANGS = {"sh"}
OTHER_LANGS = {"toml", "yaml", "text", "html", "jinja"}
# what a copy of the repository leaves out: build products and local tools
COPY_IGNORE = shutil.ignore_patterns(
    ".git", "output", ".venv", "venv", "node_modules", ".sitegen-cache", "__pycache__",
    ".pytest_cache", ".hypothesis", ".ruff_cache", "*.egg-info", "build", "dist", "my-site",
    ".output.*",
)  # fmt: skip


@dataclass(frozen=True)
class Block:
    lang: str
    text: str
    line: int
    mode: str  # "run", "collect-only", "server", "apt" for sh blocks; "" otherwise


def readme_blocks(text: str) -> list[Block]:
    blocks = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i
        j = i + 1
        while j < len(lines) and lines[j] != "```":
            j += 1
        assert j < len(lines), f"README.md:{start + 1}: unclosed code block"
        prev = next((lines[k] for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        note = re.fullmatch(r"<!-- readme-test: ([a-z-]+) -->", prev.strip())
        lang = m.group(1)
        mode = (note.group(1) if note else "run") if lang in SHELL_LANGS else ""
        blocks.append(Block(lang, "\n".join(lines[start + 1 : j]) + "\n", start + 1, mode))
        i = j + 1
    return blocks


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))
SH = [b for b in BLOCKS if b.lang in SHELL_LANGS]


def section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    m = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert m, f"README has no section {title!r}"
    return m.group(1)


def table_rows(text: str) -> list[list[str]]:
    rows = []
    for line in text.splitlines():
        if line.startswith("|") and not re.match(r"^\|\s*-", line):
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows[1:] if rows else rows  # without the header row


def first_code(cell: str) -> str:
    m = re.match(r"`([^`]+)`", cell)
    assert m, f"no `name` in table cell {cell!r}"
    return m.group(1)


# ---------------------------------------------------------------- the blocks themselves


def test_readme_blocks_are_known_kinds() -> None:
    """Only `sh` blocks hold commands, so no command escapes the runner below."""
    assert SH, "no commands in the README"
    for b in BLOCKS:
        assert b.lang in SHELL_LANGS | OTHER_LANGS, f"README.md:{b.line}: unknown block {b.lang!r}"
        if b.lang in SHELL_LANGS:
            assert b.mode in ("run", "collect-only", "server", "apt"), b
    modes = [b.mode for b in SH]
    assert modes.count("collect-only") == 1 and modes.count("server") == 1


def test_the_two_commands_come_first() -> None:
    first, second = SH[0], SH[1]
    assert first.text.strip() == (
        "python3 -m venv .venv && . .venv/bin/activate && pip install . && sitegen build"
    )
    assert second.mode == "collect-only"
    assert second.text.strip() == "pip install '.[test]' && python -m pytest"


def test_ci_runs_the_readme_commands() -> None:
    ci = (REPO / ".ci" / "run").read_text()
    assert os.access(REPO / ".ci" / "run", os.X_OK), ".ci/run is not executable"
    assert "python3 -m venv .venv" in ci and ". .venv/bin/activate" in ci
    assert SH[1].text.strip() in ci, "the README's test command is not what .ci/run runs"
    assert "npm ci" in ci
    apt = next(b for b in SH if b.mode == "apt")
    readme_pkgs = set(apt.text.split("install", 1)[1].split())
    ci_pkgs = set(re.findall(r"missing\+=\((\S+)\)", ci))
    assert readme_pkgs == ci_pkgs, (readme_pkgs, ci_pkgs)


def test_netlify_excerpt_matches_netlify_toml() -> None:
    excerpt = next(b for b in BLOCKS if b.lang == "toml")
    shown = tomllib.loads(excerpt.text)
    real = tomllib.loads((REPO / "netlify.toml").read_text())
    assert shown["build"]["command"] == real["build"]["command"]
    assert shown["build"]["publish"] == real["build"]["publish"]
    assert shown["build"]["environment"] == real["build"]["environment"]
    # the headers described in prose are the ones configured
    text = section("Deploy to Netlify")
    for rule in real["headers"]:
        assert f"`{rule['for']}`" in text or rule["for"] == "/*", rule["for"]
        for name in rule["values"]:
            assert name in text, f"README does not mention the {name} header"


def test_screenshot_is_in_the_repository() -> None:
    m = re.search(r"!\[[^\]]+\]\(([^)]+\.png)\)", README.read_text())
    assert m, "no screenshot in the README"
    png = REPO / m.group(1)
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width >= 800 and height >= 400, (width, height)
    assert len(data) < 500_000, "keep the screenshot small"


# ---------------------------------------------------------------- references vs code


def test_front_matter_reference_lists_every_key() -> None:
    text = section("Front matter reference")
    tables = text.split("`content/profile.yaml` names the site's owner")
    keys = {first_code(r[0]) for r in table_rows(tables[0])}
    assert keys == KNOWN_KEYS, f"missing: {KNOWN_KEYS - keys}, unknown: {keys - KNOWN_KEYS}"
    profile_keys = {first_code(r[0]) for r in table_rows(tables[1])}
    assert {"name", "field", "metrics", "bio"} <= profile_keys


def test_config_reference_lists_every_setting_with_its_default() -> None:
    rows = table_rows(section("sitegen.yaml reference"))
    documented = {first_code(r[0]): r for r in rows}
    names = [f.name for f in dataclasses.fields(SiteConfig)]
    assert set(documented) == set(names), set(names) ^ set(documented)
    defaults = SiteConfig()
    for name in names:
        value = getattr(defaults, name)
        cell = documented[name][2]
        if isinstance(value, bool):
            assert f"`{str(value).lower()}`" in cell, (name, cell)
        elif isinstance(value, (int, str)) and value != "":
            assert f"`{value}`" in cell, (name, cell)
        elif name == "nav":
            for item in value:
                assert item.title in cell
        elif isinstance(value, dict):
            assert "`{}`" in cell


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


def test_cli_reference_lists_every_command_and_option() -> None:
    text = section("CLI reference")
    for name, parser in _subcommands().items():
        m = re.search(rf"^### sitegen {name}\n(.*?)(?=^### |\Z)", text, re.M | re.S)
        assert m, f"the CLI reference has no `sitegen {name}`"
        body = m.group(1)
        synopsis = re.search(rf"`sitegen {name}( [^`]*)?`", body)
        assert synopsis, f"no synopsis line for sitegen {name}"
        shown = set(re.findall(r"--[a-z][a-z-]*", synopsis.group(0)))
        real = {
            o
            for a in parser._actions
            for o in a.option_strings
            if o.startswith("--") and a.dest != "help"
        }
        assert shown == real, f"sitegen {name}: README shows {shown}, the CLI has {real}"
        for opt in real:
            assert re.search(rf"^- `{opt}\b", body, re.M), f"sitegen {name}: {opt} is not explained"
        for a in parser._actions:
            if not a.option_strings and a.dest != "help":
                assert (a.metavar or a.dest).upper() in synopsis.group(0), (name, a.dest)


def _template_vars(path: Path, env: jinja2.Environment) -> set[str]:
    source = path.read_text(encoding="utf-8")
    used = jinja2.meta.find_undeclared_variables(env.parse(source))
    local = set(re.findall(r"{%-?\s*set\s+(\w+)", source))
    local |= set(re.findall(r"{%-?\s*import\s+\S+\s+as\s+(\w+)", source))
    return used - local


def test_template_reference_lists_every_template_and_variable() -> None:
    text = section("Customise the theme")
    table = text.split("The templates a theme provides")[1]
    rows = {first_code(r[0]): r for r in table_rows(table.split("Variables common")[0])}
    templates = {p.relative_to(THEME).as_posix() for p in THEME.rglob("*.html")}
    assert set(rows) == templates, (
        f"undocumented: {templates - set(rows)}, gone: {set(rows) - templates}"
    )

    common_text = text.split("Variables common to all pages:")[1].split("The objects")[0]
    common = set(re.findall(r"`(\w+)(?:\(\w*\))?`", common_text))
    env = jinja2.Environment()
    env.filters.update({f: str for f in ("rel", "date", "inline", "plain", "number")})
    for name in sorted(templates):
        own = set(re.findall(r"`(\w+)`", rows[name][2]))
        missing = _template_vars(THEME / name, env) - common - own
        assert not missing, f"{name} uses {sorted(missing)}: document them in the README table"

    blocks_table = {
        first_code(r[0])
        for r in table_rows(text.split("Its blocks:")[1].split("Page templates add")[0])
    }
    base_blocks = set(re.findall(r"{%-?\s*block\s+(\w+)", (THEME / "base.html").read_text()))
    assert blocks_table == base_blocks, base_blocks ^ blocks_table
    page_blocks = set()
    for p in THEME.glob("*.html"):
        if p.name != "base.html":
            page_blocks |= set(re.findall(r"{%-?\s*block\s+(\w+)", p.read_text()))
    page_blocks -= base_blocks
    for block in page_blocks:
        assert f"`{block}`" in text, f"the block {block!r} is not documented"


@pytest.mark.parametrize(
    "label, cls",
    [
        ("`site`:", model.Site),
        ("a paper:", model.Paper),
        ("a topic or tag:", model.Topic),
        ("a coauthor:", model.Coauthor),
        ("a person:", model.Person),
        ("a year:", model.Year),
        ("`profile`:", model.Profile),
    ],
)
def test_objects_reference_lists_every_attribute(label: str, cls: type) -> None:
    text = section("Customise the theme").split("The objects, read-only in templates:")[1]
    item = re.search(rf"^- {re.escape(label)}(.*?)(?=^- |^\S|\Z)", text, re.M | re.S)
    assert item, f"no entry for {label}"
    documented = set(re.findall(r"`(\w+)`", item.group(1)))
    attrs = {f.name for f in dataclasses.fields(cls)}
    attrs |= {n for n, v in vars(cls).items() if isinstance(v, property)}
    missing = attrs - documented
    assert not missing, f"{cls.__name__} attributes not in the README: {sorted(missing)}"


# ---------------------------------------------------------------- running the commands


def _scratch_copy(dest: Path) -> Path:
    shutil.copytree(REPO, dest, ignore=COPY_IGNORE, symlinks=True)
    return dest


def _venv_env(root: Path) -> dict[str, str]:
    """The environment after `. .venv/bin/activate`, for the blocks that follow it."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONHOME", "PYTHONPATH")}
    env.pop("VIRTUAL_ENV", None)
    venv = root / ".venv"
    if (venv / "bin" / "activate").exists():
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def _run_block(block: Block, root: Path, script: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=root,
        env=_venv_env(root),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, (
        f"README.md:{block.line}: the command failed ({proc.returncode}):\n{block.text}\n"
        f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    )
    return proc


def _run_server(block: Block, root: Path) -> None:
    line = block.text.strip()
    assert line.startswith("sitegen serve") and "\n" not in line, block
    port = free_port_number()
    log = root / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["bash", "-c", f"exec {line} --port {port}"],
            cwd=root,
            env={**_venv_env(root), "PYTHONFAULTHANDLER": "1"},  # SIGABRT dumps the stacks
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=default_sigint,  # the Ctrl-C below must not be ignored
        )
    try:
        deadline = time.monotonic() + 60
        body = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as r:
                    body = r.read().decode()
                    break
            except OSError:
                if proc.poll() is not None:
                    break
                time.sleep(0.3)
        assert "<html" in body, f"README.md:{block.line}: no page served:\n{log.read_text()}"
        os.killpg(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # where it hangs, for the report
            os.kill(proc.pid, signal.SIGABRT)
            proc.wait()
            pytest.fail(f"README.md:{block.line}: Ctrl-C did not stop it:\n{log.read_text()}")
        assert code == 0, f"Ctrl-C did not exit cleanly:\n{log.read_text()}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _check_apt(block: Block) -> str | None:
    """Check the package names exist in Debian's index; a reason when that cannot be told."""
    words = block.text.split()
    assert "apt-get" in words and "install" in words, block
    pkgs = [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
    if not shutil.which("apt-cache"):
        return "no apt-cache: not a Debian system"
    for pkg in pkgs:
        proc = subprocess.run(
            ["apt-cache", "show", "--no-all-versions", pkg], capture_output=True, text=True
        )
        if proc.returncode != 0 or f"Package: {pkg}" not in proc.stdout:
            if not any(Path("/var/lib/apt/lists").glob("*Packages*")):
                return "apt package lists are empty (run apt-get update)"
            raise AssertionError(f"README.md:{block.line}: {pkg!r} is not a Debian package")
    return None


@pytest.mark.slow
def test_every_readme_command_runs(tmp_path: Path) -> None:
    """Follow the README from top to bottom on a copy of the repository."""
    if not (REPO / "content" / "papers").is_dir():
        pytest.fail("the repository has no content/: the README's quick start builds it")
    root = _scratch_copy(tmp_path / "repo")
    skipped: list[str] = []
    for block in SH:
        if block.mode == "apt":
            reason = _check_apt(block)
            if reason:
                skipped.append(reason)
        elif block.mode == "server":
            _run_server(block, root)
        elif block.mode == "collect-only":
            script = block.text.replace("python -m pytest", "python -m pytest --collect-only -q")
            assert script != block.text, "the test command is not `python -m pytest`"
            proc = _run_block(block, root, script)
            m = re.search(r"(\d+) tests? collected", proc.stdout)
            assert m and int(m.group(1)) > 50, proc.stdout[-2000:]
        elif "npm " in block.text and not shutil.which("npm"):
            skipped.append("npm is not installed")
        else:
            _run_block(block, root, block.text)
            if block is SH[0]:
                # the quick start's promise: a fresh venv, then output/index.html
                assert (root / ".venv" / "bin" / "sitegen").exists()
                assert (root / "output" / "index.html").is_file()

    assert (root / "node_modules" / "axe-core").is_dir() or "npm is not installed" in skipped
    site = root / "my-site"
    assert len(list((site / "content" / "papers").glob("*.md"))) > 10
    assert "Nothing here" in (site / "output" / "404.html").read_text()
    assert (site / "output" / "index.html").is_file()
    if skipped:
        missing_tool("; ".join(skipped))
