"""The command line a newcomer meets first: --version, --help, and mistakes.

A wrong option must get the command's usage line and exit status 2, never a
traceback; each command's --help must say what it does and list its options.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import AS_OF, BASE_URL, REPO, seed_profile
from conftest import run_cli as run_in_process

from sitegen import __version__
from sitegen.cli import _parser


def commands() -> dict[str, argparse.ArgumentParser]:
    for action in _parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("the CLI has no subcommands")


COMMANDS = sorted(commands())


def run_cli(*args: object):
    """This module checks what a user's shell sees, so each run is a real process."""
    return run_in_process(*args, fresh=True)


def test_every_documented_command_exists() -> None:
    from sitegen.cli import COMMANDS as NAMED  # what a slip is compared with

    assert {"import", "build", "new", "check"} <= set(COMMANDS) == set(NAMED)


def test_version() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"sitegen {__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", __version__)


def test_help_lists_every_command() -> None:
    proc = run_cli("--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("usage: sitegen")
    for name in COMMANDS:
        line = next((ln for ln in proc.stdout.splitlines() if ln.strip().startswith(name)), "")
        # a command listed with a one-line description, not a bare name
        assert len(line.split()) > 2, f"{name} has no description in --help:\n{proc.stdout}"


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help(name: str) -> None:
    proc = run_cli(name, "--help")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith(f"usage: sitegen {name}")
    assert "Traceback" not in out + proc.stderr
    for action in commands()[name]._actions:
        for opt in action.option_strings:
            assert opt in out
        if action.option_strings and action.help not in (None, argparse.SUPPRESS):
            assert action.help, f"{name} {action.option_strings} has no help text"
    # every option beyond --help explains itself
    undocumented = [
        a.option_strings
        for a in commands()[name]._actions
        if a.option_strings and a.dest != "help" and not a.help
    ]
    assert not undocumented, f"options without help in `sitegen {name}`: {undocumented}"


@pytest.mark.parametrize("name", COMMANDS)
def test_wrong_option_gets_the_command_usage(name: str) -> None:
    positionals = ["x" for a in commands()[name]._actions if not a.option_strings and a.required]
    proc = run_cli(name, *positionals, "--no-such-option")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith(f"usage: sitegen {name}"), proc.stderr
    assert lines[-1] == f"sitegen {name}: error: unrecognized arguments: --no-such-option"
    assert proc.stdout == ""


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "the following arguments are required: COMMAND"),
        (["frobnicate"], "no command 'frobnicate': one of import, build, serve, new, check"),
        # a hunter's: "invalid choice", "arguments are required" and no word of the slip
        (["bild"], "no command 'bild': did you mean build?"),
        (["--site", "s", "build"], "--site: options go after the command, such as sitegen build"),
        (["--bogus"], "--bogus: options go after the command"),
        (["check", "my-site"], "unrecognized arguments: my-site (a site is --site my-site)"),
        (["import"], "the following arguments are required: SOURCE"),
        (["import", "x.txt", "--as-of", "yesterday"], "not a date (YYYY-MM-DD): 'yesterday'"),
        (["import", "x.txt", "--as-of", "20240101"], "not a date (YYYY-MM-DD): '20240101'"),
        (["new"], "the following arguments are required: DIR"),
        (["build", "--site"], "argument --site: expected one argument"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert proc.stderr.startswith("usage: sitegen"), proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_user_error_is_one_line(tmp_path) -> None:
    """A problem in the input is `file: message` and exit 1, no usage, no traceback."""
    proc = run_cli("build", "--site", tmp_path)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "content" in proc.stderr and "sitegen import" in proc.stderr


def test_a_folder_that_cannot_be_written_is_one_line(tmp_path) -> None:
    """The machine's problems too: an output folder below a file was a traceback."""
    (tmp_path / "afile").write_text("x")
    site = tmp_path / "site"
    run_in_process("new", site, check=True)
    proc = run_cli("build", "--site", site, "--no-search", "--output", tmp_path / "afile" / "out")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr == f"{tmp_path / 'afile' / 'out'}: cannot write here: Not a directory\n"


def test_a_reader_that_stops_early_is_no_traceback(tmp_path) -> None:
    """`sitegen import ... | head`: the pipe is closed by the time the report is printed."""
    cmd = [sys.executable, "-m", "sitegen", "import", seed_profile(), "--site", tmp_path / "s"]
    proc = subprocess.Popen([*cmd, "--dry-run"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # type: ignore[union-attr]
    _, err = proc.communicate()
    assert proc.returncode == 1 and err.decode() == "", err.decode()


@pytest.mark.slow
def test_odd_terminals_and_homes_are_no_traceback(tmp_path, monkeypatch) -> None:
    """Found by a hunt through day-to-day mistakes: stdout closed (`>&-`), a terminal whose
    encoding lacks a character of the output (a site folder named Überblick under an ASCII
    locale), no home folder (a container's random uid), and `serve --host ''`."""
    site = tmp_path / "Überblick"
    run_in_process("import", seed_profile(), "--site", site, check=True)
    closed = subprocess.run(
        f'"{sys.executable}" -m sitegen check --site "{site}" >&-', shell=True, capture_output=True
    )
    assert closed.returncode == 0 and b"Traceback" not in closed.stderr, closed.stderr
    ascii_only = run_in_process(
        "build", "--site", site, "--no-search", fresh=True, env={"PYTHONIOENCODING": "ascii"}
    )
    assert ascii_only.returncode == 0 and "\\xdcberblick" in ascii_only.stdout, ascii_only.stderr
    no_host = run_cli("serve", "--site", site, "--host", "", "--port", "0")
    assert no_host.returncode == 1 and no_host.stderr.startswith(
        "error: --host '' names no address"
    )

    from pathlib import Path

    from sitegen.build import build_site

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", no_home)
    assert build_site(site, search=False, use_cache=False).warnings is not None


C_LOCALE = {"LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0"}  # a box with no UTF-8 locale


@pytest.mark.slow
def test_a_locale_that_is_not_utf8_gives_the_same_site(tmp_path) -> None:
    """Found by a reproducibility hunt: under LC_ALL=C Python read file names as ASCII, so
    2024-12-zürich.md became news-2024-12-z-rich, asset('ü.css') and photo-é.jpg were not
    found, a cache from a UTF-8 build and a profile named prôfile.txt were tracebacks."""
    profile = tmp_path / "prôfile.txt"
    shutil.copy(seed_profile(), profile)
    sites = {"utf-8": tmp_path / "u", "C": tmp_path / "c"}
    for locale, site in sites.items():
        env = C_LOCALE if locale == "C" else {}
        proc = run_in_process(
            "new", site, "--profile", profile, "--as-of", AS_OF, fresh=True, env=env
        )
        assert proc.returncode == 0, proc.stderr
        news, static = site / "content" / "news", site / "static"
        news.mkdir()
        (news / "2024-12-zürich.md").write_text(
            "---\ndate: 2025-01-05\ntitle: Zurich\n---\nHi.\n", encoding="utf-8"
        )
        static.mkdir()
        (static / "ü.css").write_text("body{}\n")
        (site / "templates" / "404.html").write_text(
            '{% extends "default/404.html" %}'
            "{% block head %}<link rel=stylesheet href=\"{{ asset('ü.css') }}\">{% endblock %}",
            encoding="utf-8",
        )
        shutil.copy(
            REPO / "tests/fixtures/portfolio/content/photo.jpg", site / "content/photo-é.jpg"
        )
        with (site / "content" / "profile.yaml").open("a", encoding="utf-8") as f:
            f.write("photo: photo-é.jpg\n")
        build = ["build", "--site", site, "--no-search", "--base-url", BASE_URL]
        proc = run_in_process(*build, fresh=True, env=env)
        assert proc.returncode == 0, proc.stderr
    assert files(sites["C"]) == files(sites["utf-8"])
    assert "news-2024-12-zurich" in (sites["C"] / "output/news/index.html").read_text()
    # the UTF-8 build's cache, read by a build under C started as the `sitegen` script is
    script = tmp_path / "sitegen-script"
    script.write_text("import sys\nfrom sitegen.cli import main\nsys.exit(main())\n")
    proc = subprocess.run(
        [sys.executable, script, *build[:2], sites["utf-8"], *build[3:]],
        capture_output=True,
        text=True,
        env={**os.environ, **C_LOCALE, "PYTHONPATH": str(REPO)},  # this checkout's sitegen
    )
    assert proc.returncode == 0 and "nothing changed" in proc.stdout, proc.stderr


def files(site: Path) -> dict[str, bytes]:
    """Every file of a site folder but the cache, by its path."""
    return {
        p.relative_to(site).as_posix(): p.read_bytes()
        for p in sorted(site.rglob("*"))
        if p.is_file() and ".sitegen-cache" not in p.parts
    }


@pytest.mark.parametrize("command", ["build", "import"])
def test_sigterm_cleans_up_as_ctrl_c_does(
    fresh_site: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """A hunter's: SIGTERM (and SIGHUP, a closed terminal) killed an import or a build
    outright, leaving thousands of temporary papers, or a whole unswapped site beside the
    output; they now stop it as Ctrl-C does, with nothing left, and the shell's status."""
    import signal

    from sitegen import build, importer

    run_in_process("build", "--site", fresh_site, "--no-search", check=True)

    def files() -> dict[Path, bytes]:  # the cache aside: --no-cache drops it first
        every = sorted(fresh_site.rglob("*"))
        return {p: p.read_bytes() for p in every if p.is_file() and ".sitegen-cache" not in p.parts}

    before = files()
    module, name = (build, "write_file") if command == "build" else (importer, "write_and_close")
    real, calls = getattr(module, name), [0]

    def then_sigterm(*args: object) -> object:
        calls[0] += 1
        if calls[0] == 5:
            os.kill(os.getpid(), signal.SIGTERM)  # as `kill` or a CI runner sends it
        return real(*args)

    monkeypatch.setattr(module, name, then_sigterm)
    changed = fresh_site.parent / "changed.txt"
    changed.write_text(seed_profile().read_text(encoding="utf-8").replace(" et al.", ""))
    args = ["--no-cache", "--jobs", "1"] if command == "build" else [changed, "--as-of", AS_OF]
    proc = run_in_process(command, *args, "--site", fresh_site)
    assert proc.returncode == 128 + signal.SIGTERM and "Traceback" not in proc.stderr
    assert calls[0] >= 5
    assert files() == before  # no temporary file or folder, output/ and papers as they were
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # put back


def test_timings_name_every_step_a_build_takes(
    fresh_site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--timings` said nothing of a build that changed nothing (a hunter's report), whose
    one step is the scan."""
    import sitegen.state

    monkeypatch.setattr(sitegen.state, "RACY_SECONDS", -1.0)  # files just made count as old
    steps = r"\s+\d+\.\d{3} s  (.+)"
    build = ["build", "--site", fresh_site, "--no-search", "--timings"]
    for made in ("output", ".sitegen-cache"):  # a first build
        shutil.rmtree(fresh_site / made, ignore_errors=True)
    proc = run_in_process(*build, check=True)
    done = re.findall(steps, proc.stderr)
    assert done[:2] == ["scan", "load and index"] and "save state" in done, proc.stderr
    proc = run_in_process(*build, check=True)
    assert re.findall(steps, proc.stderr) == ["scan (nothing changed)"], proc.stderr
