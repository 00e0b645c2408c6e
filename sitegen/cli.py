"""Command line entry point.

The CLI is the only place that turns SitegenError into `file:line: message`
and an exit status; every stage below it raises instead of printing, so the
same code serves `build`, `serve` and the tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from . import __version__
from .errors import SitegenError

EXIT_USAGE = 2


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="sitegen",
        description="Build a researcher's publication website from a plain-text profile.",
    )
    p.add_argument("--version", action="version", version=f"sitegen {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    imp = sub.add_parser(
        "import",
        help="convert a profile text into content/papers/*.md and content/profile.yaml",
        description="Convert a profile text into one Markdown file per paper. Files you "
        "edited by hand are kept unless --force is given; nothing is ever deleted.",
    )
    imp.add_argument("profile", type=Path, help="the profile text file")
    imp.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")
    imp.add_argument(
        "--as-of",
        type=_date,
        default=None,
        help="reference date for yearless dates and for 'added' (default: today)",
    )
    imp.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    imp.add_argument("--force", action="store_true", help="overwrite hand-edited paper files")

    b = sub.add_parser("build", help="render the site into output/")
    b.add_argument("--site", type=Path, default=Path("."), help="site folder (default: .)")
    b.add_argument("--output", type=Path, default=None, help="output folder (default: SITE/output)")
    b.add_argument("--base-url", default=None, help="absolute URL the site is served from")
    b.add_argument("--no-search", action="store_true", help="skip building the search index")

    return p


def _cmd_import(args: argparse.Namespace) -> int:
    from .importer import run_import

    as_of = args.as_of or dt.date.today()
    report = run_import(
        args.profile, args.site, as_of=as_of, dry_run=args.dry_run, force=args.force
    )
    for w in report.warnings:
        print(w, file=sys.stderr)
    for line in report.lines():
        print(line)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from .build import build_site

    result = build_site(
        args.site, output=args.output, base_url=args.base_url, search=not args.no_search
    )
    for w in result.warnings:
        print(w, file=sys.stderr)
    print(result.summary())
    return 0


COMMANDS = {"import": _cmd_import, "build": _cmd_build}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except SitegenError as e:
        print(f"error: {e}" if not e.path else str(e), file=sys.stderr)
        return getattr(e, "exit_code", 1)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
