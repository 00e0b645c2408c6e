"""The one exception type users ever see, with the file and line it was raised at: the CLI
prints `file:line: message`, no traceback. Anything else escaping is a bug in sitegen."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shlex
import stat
import unicodedata
from pathlib import Path

NOT_A_FILE = "not a file but a named pipe or a device: reading it would wait forever"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class SitegenError(Exception):
    """A problem in the user's input (profile, content, config or theme)."""

    def __init__(
        self,
        message: str,
        path: str | Path | None = None,
        line: int | None = None,
        exit_code: int = 1,
    ):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        # 2 for unusable input files (a profile that cannot be imported), 1 otherwise.
        self.exit_code = exit_code

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.path and self.line else self.path
        return printable(f"{where}: {self.message}" if where else self.message)


def machine_error(e: OSError) -> SitegenError:
    """The machine's problem, not the site's (a full disk): the OS's words, at its file."""
    return SitegenError(e.strerror or str(e), e.filename)


def require_site_folder(site: Path) -> None:
    """A mistyped --site, said as such: not as the first file the site lacks."""
    if site.exists() and not site.is_dir():  # `--site my-site/sitegen.yaml`
        raise SitegenError(f"{site} is a file: --site names the site's folder")
    if not site.is_dir():
        new = shlex.join(["sitegen", "new", str(site)])
        raise SitegenError(f"no such site folder: {site} (start one with `{new}`)")
    not_a_content_folder(site)


def not_a_content_folder(site: Path) -> None:
    """A site's content/ (or a folder in it, templates/, static/...) given as the site, run
    from inside it: an import made a second site in content/content/ or content/papers/
    content/, and a build said to run an import, which did that."""
    if (site / "sitegen.yaml").exists() or (site / "content").is_dir():
        return  # a site of its own
    named = "this folder" if site == Path() else site
    if (site / "papers").is_dir() or (site / "profile.yaml").is_file():
        top = site.resolve().parent
        raise SitegenError(f"{named} is a site's content/ folder: {_run_in(top)}")
    here = site.resolve()
    for top in here.parents:
        inside = here.relative_to(top).parts[0]
        if inside in ("content", "templates", "themes", "static", "root") and (
            (top / "sitegen.yaml").is_file() or (top / "content" / "papers").is_dir()
        ):
            raise SitegenError(f"{named} is in the {inside}/ folder of a site: {_run_in(top)}")


def _run_in(site: Path) -> str:
    return f"run sitegen in {site}, or pass --site {site}"


def visible(text: str) -> bool:
    """Whether a text shows anything: a title or name of format characters only (U+200B,
    U+2060, a soft hyphen) made a blank <title>, citation_author and coauthor page."""
    return any(unicodedata.category(c)[0] not in "ZC" for c in text)


def printable(text: str) -> str:
    """One line, and nothing a terminal acts on (a file named with a newline or ESC)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_CONFLICT = re.compile(r"(?:<{7}|>{7})(?: |$)")
_FENCE = re.compile(r" {0,3}(?:`{3}|~{3})")  # a Markdown code block's fence: it opens, or closes


def no_conflict_markers(text: str, path: str | Path, first_line: int = 1) -> None:
    """A git merge left half done: YAML said "mapping values are not allowed" a line off,
    and in an abstract the markers were published. One in a code block is shown, not left."""
    if "<<<<<<<" not in text and ">>>>>>>" not in text:
        return
    fenced = False
    for at, line in enumerate(text.split("\n")):
        fenced ^= bool(_FENCE.match(line))
        if not fenced and _CONFLICT.match(line):
            problem = "a git conflict marker: resolve the merge (keep one side, remove the markers)"
            raise SitegenError(problem, path, first_line + at)


UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Notepad's "Unicode", PowerShell 5.1's `>`
UTF16 = "UTF-16 text: save it as UTF-8"


def decode(data: bytes, path: str | Path, exit_code: int = 1) -> str:
    """A file's bytes as text (without a byte-order mark), or an error at the line of the
    first byte that is not UTF-8: every file a user edits is decoded here."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:  # e.start counts from after a byte-order mark: e.object
        line = e.object.count(b"\n", 0, e.start) + 1
        # Notepad's "Unicode" is UTF-16, with its byte-order mark: a line number means nothing
        utf16 = data.startswith(UTF16_BOMS)
        why = UTF16 if utf16 else "not UTF-8 text"
        raise SitegenError(why, path, None if utf16 else line, exit_code) from None


def special_file(path: str | Path) -> bool:
    """A FIFO, socket or device (a folder or a broken link is an error when read)."""
    with contextlib.suppress(OSError):
        return not stat.S_ISDIR(mode := os.stat(path).st_mode) and not stat.S_ISREG(mode)
    return False


def read_bytes(path: Path, display: str | Path) -> bytes:
    """A site file's bytes, or an error naming it. A named pipe is refused, not opened:
    the read would wait for a writer, and check, build and serve with it."""
    if special_file(path):
        raise SitegenError(NOT_A_FILE, display)
    try:
        return path.read_bytes()
    except OSError as e:  # the OS's words, without the path again
        raise SitegenError(f"cannot read: {e.strerror or e}", display) from None


def long_number(text: str, path: str | Path, first_line: int = 1) -> SitegenError:
    """A number Python will not read (YAML and JSON raise a bare ValueError), at its line."""
    found = re.search(r"\d{4300}", text)
    line = first_line + (text.count("\n", 0, found.start()) if found else 0)
    return SitegenError("a number of more than 4,300 digits", path, line)


class SitegenWarning:  # a problem that does not stop the run
    __slots__ = ("message", "path", "line")

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:  # located like an error
        return str(SitegenError(f"warning: {self.message}", self.path, self.line))

    def __repr__(self) -> str:
        return f"SitegenWarning({str(self)!r})"


# C0/C1 controls (invalid in HTML and XML); bidi embeddings, overrides and isolates (one
# left open in a name reverses the rest of its line); lone surrogates (JSON has them, no
# file can be written with them); HTML's noncharacters, the astral ones checked only at an
# astral character (the lookbehind): in one class, they made every search 3 times slower.
_BMP_CONTROL = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef"
    "\ufffe\uffff"
)
CONTROL = re.compile(
    f"[{_BMP_CONTROL}]|[\U00010000-\U0010ffff](?<=["
    + "".join(chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(1, 17))
    + "])"
)
# CONTROL's characters and every astral one, in one class to put more beside (no lookbehind):
# a first search over a long text, 5 times faster than CONTROL's over a 13 MB profile
MAYBE_CONTROL = f"{_BMP_CONTROL}\U00010000-\U0010ffff"
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # CONTROL's ASCII part


def drop_control(text: str) -> str:
    """`CONTROL.sub("", text)`, in a third of the time for ASCII text, which most is."""
    return (_ASCII_CONTROL if text.isascii() else CONTROL).sub("", text)


def clean_text(text: str) -> str:
    """Text as sitegen keeps what a user typed: controls dropped, trimmed, and composed
    (NFC), as a Mac may store `é` as `e` and an accent: one tag or topic however typed."""
    return unicodedata.normalize("NFC", drop_control(text).strip())


def iso_date(text: str) -> dt.date:
    """A YYYY-MM-DD date, or ValueError. `date.fromisoformat` alone takes `20240101` too:
    quoted it would pass, while unquoted (a number to YAML) it is refused."""
    if not _ISO_DATE.fullmatch(text):
        raise ValueError(f"not YYYY-MM-DD: {text!r}")
    return dt.date.fromisoformat(text)
