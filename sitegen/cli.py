"""Command line entry point: the only place that turns SitegenError into `file:line: message`
and an exit status; every stage below raises instead of printing."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import difflib
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from . import __version__
from .errors import SitegenError, iso_date, machine_error


def one_line(e: SitegenError) -> str:
    """How every command prints an error; `error:` marks one that names no file."""
    return str(e) if e.path else f"error: {e}"


def _date(value: str) -> dt.date:
    try:
        return iso_date(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


MAX_JOBS = 64  # a typo must not fork a thousand processes


def _whole(what: str, lo: int, hi: int) -> Callable[[str], int]:
    def check(value: str) -> int:
        if not (value.isascii() and value.isdigit()) or not lo <= int(value) <= hi:
            raise argparse.ArgumentTypeError(f"not {what} from {lo} to {hi}: {value!r}")
        return int(value)

    return check


_jobs = _whole("a number of processes", 1, MAX_JOBS)
_port = _whole("a port", 0, 65535)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sitegen",
        description="Build a researcher's publication website from a plain-text profile.",
    )
    p.add_argument("--version", action="version", version=f"sitegen {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)
    site = argparse.ArgumentParser(add_help=False)
    site.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")

    imp = sub.add_parser(
        "import",
        parents=[site],
        help="import papers from a profile text, BibTeX, RIS, CSL-JSON, Hugo Blox, ORCID, DBLP, "
        "arXiv or Zotero",
        description="Convert a profile text into one Markdown file per paper, and merge in "
        "papers from other sources: the same paper from any two sources becomes one file, "
        "which only gains the keys it lacks. Files you edited by hand are kept unless "
        "--force is given; nothing is ever deleted.",
    )
    imp.add_argument(
        "sources",
        nargs="+",
        metavar="SOURCE",
        help="a profile text, FILE.bib, FILE.ris, FILE.json (CSL-JSON or ORCID works), "
        "a Hugo Blox publication folder, orcid:ID, dblp:PID, arxiv:QUERY or zotero:users/ID "
        "(groups/ID, .../collections/KEY)",
    )
    imp.add_argument(
        "--as-of",
        type=_date,
        help="reference date for yearless dates and for 'added' (default: today)",
    )
    imp.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    imp.add_argument(
        "--force",
        action="store_true",
        help="give hand-edited paper files what the profile says (keys it lacks, such as "
        "draft or slug, are kept), and re-create the papers deleted by hand; each is named",
    )

    b = sub.add_parser("build", parents=[site], help="render the site into output/")
    b.add_argument("--output", type=Path, help="output folder (default: SITE/output)")
    b.add_argument("--base-url", help="absolute URL the site is served from")
    b.add_argument("--no-search", action="store_true", help="skip building the search index")
    b.add_argument(
        "--no-cache",
        action="store_true",
        help="rebuild everything, ignoring .sitegen-cache/ (which is then refreshed)",
    )
    b.add_argument("--jobs", type=_jobs, help="processes to render with (default: all cores)")
    b.add_argument("--timings", action="store_true", help="print how long each step took")

    s = sub.add_parser(
        "serve",
        parents=[site],
        help="preview the site: rebuild on save, reload the browser by itself",
        description="Build the site into a temporary folder and serve it. Saving a file in "
        "content/, templates/, static/, the theme or sitegen.yaml rebuilds it and every open "
        "page reloads. output/ is not touched.",
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000)")
    s.add_argument("--open", action="store_true", help="open the preview in a web browser")

    n = sub.add_parser(
        "new",
        help="start a new site in a folder: sitegen.yaml, content/, templates/, netlify.toml",
        description="Create a site folder ready to build and deploy: a commented sitegen.yaml, "
        "content/ (imported from --profile when given), templates/ for overrides (with a "
        "README), netlify.toml, requirements.txt and .gitignore. Refuses a folder that "
        "is not empty unless --force.",
    )
    n.add_argument("dir", type=Path, metavar="DIR", help="the folder to create")
    n.add_argument("--profile", type=Path, help="import this profile text into it")
    n.add_argument(
        "--as-of",
        type=_date,
        help="reference date for the profile's yearless dates and for 'added' (default: today)",
    )
    n.add_argument(
        "--force", action="store_true", help="write into a non-empty folder (existing files kept)"
    )

    c = sub.add_parser(
        "check",
        parents=[site],
        help="validate sitegen.yaml, content and templates without writing anything",
        description="List the problems in the site's configuration, content files and "
        "templates as file:line: message (in a paper file one for each key at fault, in "
        "other files the first). Exit status 1 if there is any, 0 otherwise.",
    )

    runs = {imp: _cmd_import, b: _cmd_build, s: _cmd_serve, n: _cmd_new, c: _cmd_check}
    for parser, run in runs.items():
        parser.set_defaults(run=run, parser=parser)  # the parser: see main
    return p


def _cmd_import(args: argparse.Namespace) -> int:
    from .importer import run_import

    report = run_import(
        args.sources,
        args.site,
        as_of=args.as_of or dt.date.today(),
        dry_run=args.dry_run,
        force=args.force,
        log=lambda line: print(line, file=sys.stderr, flush=True),
    )
    for w in report.warnings:
        print(w, file=sys.stderr)
    for line in report.lines():
        print(line)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from .state import Probe, builds_in_turn

    started = time.perf_counter()
    # as build_site names it: a no-op build says the same as any other
    output = Path(os.path.normpath(args.output or args.site / "output"))
    probe = None
    with builds_in_turn(args.site):  # the probe too: it sweeps what dead builds left
        # answered before the renderer is imported; a link is refused by build_site, always
        if not args.no_cache and output.is_dir() and not output.is_symlink():
            probe = Probe.of(args.site, output, args.base_url, not args.no_search, jobs=args.jobs)
        if probe is not None and probe.unchanged():
            result = probe.result(started)
            if args.timings:  # the one step such a build takes
                print(f"{result.seconds:7.3f} s  scan (nothing changed)", file=sys.stderr)
        else:
            from .build import build_site

            result = build_site(
                args.site,
                output=output,
                base_url=args.base_url,
                search=not args.no_search,
                jobs=args.jobs,
                use_cache=not args.no_cache,
                log=(lambda line: print(line, file=sys.stderr)) if args.timings else None,
                probe=probe,  # the scan just made: a build does not repeat it
            )
    for w in result.warnings:
        print(w, file=sys.stderr)
    print(result.summary())
    return 0


def _cmd_new(args: argparse.Namespace) -> int:
    from .scaffold import new_site

    for line in new_site(args.dir, profile=args.profile, as_of=args.as_of, force=args.force):
        print(line)
    return 0


def _cmd_check(args: argparse.Namespace) -> int:
    from .check import check_site

    report = check_site(args.site)
    for w in report.warnings:
        print(w, file=sys.stderr)
    for problem in report.problems:
        print(one_line(problem), file=sys.stderr)
    print(report.summary())
    return 0 if report.ok else 1


def _cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    return serve(args.site, host=args.host, port=args.port, open_browser=args.open)


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a closed terminal), raised as Ctrl-C is, so that what Ctrl-C cleans
    up is cleaned up: they killed an import or a build outright, leaving its temporary
    files and folders (a whole unswapped site beside the output)."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.signal = number


@contextlib.contextmanager
def _stops_as_interrupts() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():  # only it takes signals
        yield
        return

    def stop(number: int, _frame: object) -> None:
        raise Stopped(number)

    stops = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    old = {s: signal.signal(s, stop) for s in stops}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def _before_the_command(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """What argparse says of a slip before the command names no command: `sitegen bild`
    ("invalid choice"), `sitegen --site s build` ("invalid choice: 's'")."""
    if not argv or argv[0] in ("-h", "--help", "--version"):
        return
    if argv[0].startswith("-"):  # `--site s build`, `--bogus`
        parser.error(f"{argv[0]}: options go after the command, such as sitegen build --site DIR")
    if argv[0] not in COMMANDS:
        close = difflib.get_close_matches(argv[0], COMMANDS, 1)
        hint = f"did you mean {close[0]}?" if close else f"one of {', '.join(COMMANDS)}"
        parser.error(f"no command {argv[0]!r}: {hint}")


COMMANDS = ("import", "build", "serve", "new", "check")  # _parser's, which a test holds it to


def main(argv: list[str] | None = None) -> int:
    # Under a locale that is not UTF-8 (LC_ALL=C) file names read otherwise: zürich.md would
    # get another id, a cache made elsewhere be unreadable. So the process's own command line
    # (not a caller's) runs again in UTF-8 mode, once: its leading -X utf8 wins, no loop.
    again = [sys.executable, "-X", "utf8", *sys.orig_argv[1:]]
    if argv is None and sys.getfilesystemencoding() != "utf-8" and sys.orig_argv[1:3] != again[1:3]:
        if sys.stdout is not None:  # the terminal's encoding stays its own
            os.environ.setdefault("PYTHONIOENCODING", sys.stdout.encoding)
        os.execv(sys.executable, again)
    # a name or venue the terminal's encoding lacks (PYTHONIOENCODING=ascii) is escaped on
    # stdout as Python escapes it on stderr, not a UnicodeEncodeError after the work
    if callable(reconfigure := getattr(sys.stdout, "reconfigure", None)):
        reconfigure(errors="backslashreplace")
    parser = _parser()
    _before_the_command(parser, sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    if len(extra) == 1 and extra[0][:1] != "-" and "--site" in args.parser.format_usage():
        args.parser.error(f"unrecognized arguments: {extra[0]} (a site is --site {extra[0]})")
    if extra:
        # plain parse_args blames `sitegen build --bogus` on the top-level usage line;
        # the command's own usage line tells the user which options that command has
        args.parser.error(f"unrecognized arguments: {' '.join(extra)}")  # exits 2
    try:
        with _stops_as_interrupts():
            code = args.run(args)
        if sys.stdout is not None:  # None when started with stdout closed (`>&-`)
            sys.stdout.flush()  # here, where a closed pipe is caught, not at exit
        if argv is None:
            # the process ends now, freeing its heap whole; Python's collection at exit
            # would walk it first (0.3 s after a 10,000-paper build). Not a caller's heap.
            gc.freeze()
        return code
    except SitegenError as e:
        print(one_line(e), file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # `sitegen import ... | head`: the reader is gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as e:  # the machine's problem, not the site's: said in one line all the same
        print(one_line(machine_error(e)), file=sys.stderr)
        return 1
    except KeyboardInterrupt as e:
        return 128 + getattr(e, "signal", signal.SIGINT)
