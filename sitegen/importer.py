"""Records -> `content/papers/*.md` and `content/profile.yaml`, never losing an edit.

The manifest, `content/.sitegen-import.json`, records each paper's file and the sha256 of
the bytes the import last wrote (CRLF read as LF: a Windows checkout is no edit):

- file == manifest hash, new rendering identical  -> unchanged (not touched)
- file == manifest hash, profile changed          -> updated (keeps `added`)
- file != manifest hash                           -> kept: edited by hand (`--force` overwrites)
- file deleted (not renamed)                      -> kept: deleted by hand (`--force` re-creates)
- paper no longer in the profile                  -> reported, never deleted

A paper's identity is its profile record's topic + month/day + normalised title (#N for
an exact duplicate), not its file's, so a title edited in the file makes no new paper.
The year is left out: a yearless date is inferred from --as-of and can change. A date or
topic the profile corrects is matched by title alone, a retitle (arXiv v2) by topic, full
date and authors fitting that file alone.

Other sources (sources.py, fetch.py) never rewrite a file: their records are grouped into
papers, matched to the site's files by DOI, arXiv id, then title, and a matched file only
gains the keys it lacks, or, one the import wrote and nobody edited, what they know better
(_fuller: a whole author list, a preprint's published version). A profile re-rendering
carries those over, so the hash still tells the import's bytes from a hand edit. The
manifest's `sources` names where each file's paper came from: one only they added, deleted
by hand, stays deleted; `written` holds the hash of such a file, which the profile, once
it lists the paper, updates as its own while unedited.

Everything is planned in memory, then written to temporary files and renamed into place
(manifest last): a failed import writes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import functools
import hashlib
import itertools
import json
import os
import re
import stat
import unicodedata
import zlib
from collections.abc import Callable, Collection, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from dataclasses import fields as fields_of
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import sources, urls
from .cite import markdown_text
from .config import load_config, resolve_base_url
from .content import (
    PersonEntry,
    _as_date,
    alias_url,
    front_matter,
    load_people,
    load_profile,
    owner_spellings,
    paper_date,
    placeholder_name,
)
from .errors import (
    NOT_A_FILE,
    UTF16,
    UTF16_BOMS,
    SitegenError,
    SitegenWarning,
    decode,
    not_a_content_folder,
    special_file,
)
from .markup import plain_inline
from .model import name_key
from .profile import BINARY_MESSAGE, SNIFF_BYTES, PaperRecord, Profile, parse_profile
from .slugs import GREEK_AS_NAMES, paper_slug, title_words
from .sources import SourceRecord
from .state import (
    default_jobs,
    folder_lock,
    map_shares,
    process_alive,
    signals_held,
    write_and_close,
)
from .yamlutil import dump_yaml, load_json, load_yaml

_json_str = json.encoder.encode_basestring  # C-accelerated; keeps non-ASCII as is

MANIFEST_NAME = ".sitegen-import.json"
NAMED = 10  # papers a real import names one a line; more are counted
RETITLED = 0.6  # how alike two titles of one topic and day are to be one paper retitled
PARALLEL_IMPORT = 1_000  # papers to render or read before other processes pay for starting
MANIFEST_FORMAT = 1
_MANIFEST_NOTE = (
    "Written by `sitegen import` to tell its own files from hand-edited ones. "
    "Commit it with content/; do not edit it."
)
PROFILE_YAML_HEADER = (
    "# Written by `sitegen import`: name, field and metrics are replaced on every\n"
    "# import; any other key you add here (bio, email, links...) is kept.\n"
)
_SLUG_LINE = re.compile(rb"""^slug:[ \t]*["']?([a-z0-9-]+)""", re.M)
_TEMP_NAME = re.compile(r"\..+\.\d+\.(\d+)\.tmp")  # _write_all's `.NAME.N.PID.tmp`


def render_paper(
    record: PaperRecord, owner: str, added: dt.date, spellings: Iterable[str] = ()
) -> str:
    """Every key is written, empty or not, so a user sees all they can change. The title is
    escaped as Markdown: the profile's is the text a page showed (`2*3*4` keeps its stars)."""
    fm = {
        "title": markdown_text(record.title),
        "date": record.date,
        "year_inferred": record.year_inferred,
        "topic": record.topic,
        "authors": list(record.authors),
        "et_al": record.et_al,
        "owner_in_et_al": record.owner_in_et_al(owner, spellings),
        "affiliations": list(record.affiliations),
        "code": record.code,
        "code_url": record.code_url(),
        "added": added,
    }
    body = record.body_markdown()
    return f"---\n{dump_yaml(fm)}---\n" + (f"{body}\n" if body else "")


def _each(
    fn: Callable[[Any], Any], items: Sequence[Any], meanwhile: Callable[[], None] | None = None
) -> list[Any]:
    """[fn(item) for item in items], in other processes for a large site (PyYAML is most of
    an import: 1 s of 2 at 10,000 papers); `meanwhile` runs here as they work."""
    jobs = default_jobs() if len(items) >= PARALLEL_IMPORT else 1
    return map_shares(fn, items, jobs, meanwhile)


@dataclass
class ImportReport:
    """What an import did (or, with --dry-run, would do), for the CLI to print."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    edited: list[str] = field(default_factory=list)  # kept too, the profile's paper as before
    missing: list[str] = field(default_factory=list)
    profile_yaml: str | None = None  # "created" / "updated"; None when unchanged
    warnings: list[SitegenWarning] = field(default_factory=list)
    dry_run: bool = False
    filled: list[tuple[str, list[str]]] = field(default_factory=list)  # (path, keys added)
    # (path, keys whose value the sources' record replaced, those sources): see _fuller
    replaced: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # where sources disagree with a file
    origins: dict[str, list[str]] = field(default_factory=dict)  # added path -> its sources
    matched: set[str] = field(default_factory=set)  # the site's papers a source entry matched
    # added or updated path -> what --force wrote over: "edited by hand", "deleted by hand"...
    forced: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human summary; the last line is the counts, e.g. `0 added, 0 updated, 32 unchanged`.
        A real run names the papers it added or updated as the dry run does, up to NAMED
        of them (a first import of hundreds is counted), and always each one --force wrote
        over: a hand edit it took, or a paper deleted by hand it brought back."""
        out: list[str] = []
        if self.dry_run:
            out.append("dry run: nothing written; the import would:")
            out += self._papers(("add", "update", "re-create", "overwrite"), "  ")
            out += [f"  add {', '.join(keys)} to {p}" for p, keys in self.filled if keys]
            out += [f"  replace {line}" for line in self._replaced()]
            if self.profile_yaml:
                verb = "create" if self.profile_yaml == "created" else "update"
                out.append(f"  {verb} content/profile.yaml")
        else:
            if self.profile_yaml:
                out.append(f"{self.profile_yaml} content/profile.yaml")
            out += self._papers(("added", "updated", "re-created", "overwrote"), "")
            out += [f"added {', '.join(keys)} to {p}" for p, keys in self.filled if keys]
            out += [f"replaced {line}" for line in self._replaced()]
        out += self.notes
        out += [f"kept {p} ({why})" for p, why in self.kept]
        out += [f"missing from profile: {p} (left in place)" for p in self.missing]
        counts = {"added": self.added, "updated": self.updated, "unchanged": self.unchanged}
        shown_if_any = {
            "filled in": self.filled,
            # one line each only where it holds back a change: 300 edited files, 300 lines
            "kept (changed or deleted by hand)": [*self.kept, *self.edited],
            "missing from profile": self.missing,
            "matched in the sources": self.matched,  # all there already: not "0 added" alone
        }
        counts.update({k: v for k, v in shown_if_any.items() if v})
        out.append(", ".join(f"{len(v)} {k}" for k, v in counts.items()))
        return out

    def _replaced(self) -> list[str]:
        return [f"{', '.join(k)} in {p} (from {', '.join(s)})" for p, k, s in self.replaced]

    def _papers(self, verbs: tuple[str, str, str, str], indent: str) -> list[str]:
        """A line per paper added or updated (by a real run, if at most NAMED), and per
        paper --force re-created or overwrote (always), with the verbs for each."""
        named = self.dry_run or len(self.added) + len(self.updated) <= NAMED
        out = []
        for papers, verb, forced in ((self.added, *verbs[::2]), (self.updated, *verbs[1::2])):
            for p in papers:
                if p in self.forced:
                    out.append(f"{indent}{forced} {p} ({self.forced[p]})")
                elif named:
                    where = f" (from {', '.join(self.origins[p])})" if p in self.origins else ""
                    out.append(f"{indent}{verb} {p}{where}")
        return out


_TITLE_JUNK = re.compile(r"[\W_]+")


def _norm_title(title: str) -> str:
    return " ".join(_TITLE_JUNK.sub(" ", unicodedata.normalize("NFKC", title).casefold()).split())


def _identity_base(topic: str, date: dt.date, title: str) -> str:
    return f"{topic}|{date.month:02d}-{date.day:02d}|{_norm_title(title)}"


def _identity_title(key: str) -> str:
    """The normalised title of a profile identity (TOPIC|MM-DD|TITLE, then #N for a copy)."""
    return key.split("|", 2)[2].split("#", 1)[0]


def identities(records: Sequence[PaperRecord]) -> tuple[list[str], list[tuple[int, int]]]:
    """Stable keys for records, plus (line, first line) for each exact duplicate."""
    seen: dict[str, tuple[int, int]] = {}  # base -> (records before, first line)
    keys: list[str] = []
    dups: list[tuple[int, int]] = []
    for r in records:
        base = _identity_base(r.topic, r.date, r.title)
        before, first = seen.get(base, (0, r.line))
        seen[base] = (before + 1, first)
        keys.append(f"{base}#{before + 1}" if before else base)
        if before:
            dups.append((r.line, first))
    return keys, dups


def read_profile_text(path: Path) -> str:
    """Decode the profile file, refusing binary and non-UTF-8 data with a line number."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SitegenError(
            f"cannot read the profile: {e.strerror or e}", path=path, exit_code=2
        ) from None
    if data.startswith(UTF16_BOMS):  # its NULs are no binary file's
        raise SitegenError(UTF16, path=path, line=1, exit_code=2)
    if b"\x00" in data[:SNIFF_BYTES]:  # a later NUL is reported at its line by the parser
        raise SitegenError(BINARY_MESSAGE, path=path, line=1, exit_code=2)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line_start = data.rfind(b"\n", 0, e.start) + 1
        raise SitegenError(
            f"not UTF-8 text (byte 0x{data[e.start]:02X} at column {e.start - line_start + 1}); "
            "save the profile as UTF-8",
            path=path,
            line=data.count(b"\n", 0, e.start) + 1,
            exit_code=2,
        ) from None


@dataclass
class _Entry:
    file: str
    sha256: str
    added: dt.date
    said: str = ""  # _said of the record it was written from; none in an older manifest


# The paper file's keys the profile gives, each from its record: the manifest's `said`
# holds an 8-digit checksum of each, in this order (a key added goes at the end).
_SAID_KEYS = (
    "title", "date", "year_inferred", "topic", "authors", "et_al", "affiliations", "code",
    "code_url", "abstract",
)  # fmt: skip
_DIGEST = 8
_SAID_NONE = f"{zlib.crc32(repr(None).encode()):08x}"  # of a key the profile gives no value


def _said(record: PaperRecord) -> str:
    """What the profile says of a paper, key by key, whatever a version of sitegen writes of
    it: kept in the manifest, so that an upgrade writing a paper otherwise (a title quoted
    another way) is not taken for the profile changing it, which pointed users at --force;
    and so that an import can name the keys the profile changed in a file edited by hand."""
    values = {k: getattr(record, k) for k in _SAID_KEYS[:8]}
    values.update(code_url=record.code_url(), abstract=record.abstract_raw)
    # a checksum, not a hash: a change is looked for, not a forgery (a tenth of a second
    # less at 10,000 papers)
    return "".join(
        f"{zlib.crc32(repr(values[k]).encode('utf-8', 'surrogatepass')):08x}" for k in _SAID_KEYS
    )


def _said_whole(record: PaperRecord) -> str:
    """`said` as an older manifest holds it, one digest of the whole record: still the
    same record, it is taken for today's `said`, not for a change."""
    values = [getattr(record, f.name) for f in fields_of(record) if f.name != "line"]
    return hashlib.sha256(repr(values).encode("utf-8", "surrogatepass")).hexdigest()


def _said_changed(before: str, now: str) -> list[str] | None:
    """The keys the profile changed between two `said`s; None when an older manifest's
    `said` cannot tell (none, or one digest of the whole record)."""
    if len(before) != len(now):
        return None
    at = range(0, len(now), _DIGEST)
    return [
        k
        for k, i in zip(_SAID_KEYS, at, strict=True)
        if before[i : i + _DIGEST] != now[i : i + _DIGEST]
    ]


def _load_manifest(
    path: Path,
) -> tuple[dict[str, _Entry], dict[str, set[str]], dict[str, str]]:
    """(profile identity -> entry, file name -> the sources its paper came from, file name ->
    the sha256 of what the import wrote of a paper only other sources gave)."""
    raw = _read_or_none(path)
    if raw is None:
        return {}, {}, {}
    key = None  # the entry being read: a damaged one is named at its line
    try:
        data = json.loads(raw)
        if data.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        entries, origins = {}, {}
        for key, e in data["papers"].items():
            if key.count("|") < 2:
                raise ValueError("a paper key is not TOPIC|DATE|TITLE")
            added = dt.date.fromisoformat(e["added"])
            entries[key] = _Entry(
                _safe_name(e["file"]), str(e["sha256"]), added, str(e.get("said", ""))
            )
        key = None
        for key, found in data.get("sources", {}).items():
            origins[_safe_name(key)] = {str(s) for s in found}
        written = {_safe_name(k): str(v) for k, v in data.get("written", {}).items()}
        return entries, origins, written
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        syntax = isinstance(e, json.JSONDecodeError)
        raise SitegenError(
            f"the import manifest is damaged ({f'{e.msg} at column {e.colno}' if syntax else e}); "
            "restore it from version control, or delete it to start over (every existing "
            "paper file is then treated as yours)",
            path=path,
            line=e.lineno if syntax else _key_line(raw, key),
        ) from None


def _key_line(text: bytes, key: str | None) -> int | None:
    """The line of `"KEY":` in a JSON text: _dump_manifest writes one entry a line."""
    at = re.search(re.escape(_json_str(key).encode()) + rb"\s*:", text) if key else None
    return text.count(b"\n", 0, at.start()) + 1 if at else None


def _safe_name(name: object) -> str:
    if isinstance(name, str) and re.fullmatch(r"[^./\\][^/\\]*\.md", name):
        return name
    raise ValueError(f"bad file name {name!r}")


def _dump_manifest(
    entries: dict[str, _Entry], origins: dict[str, set[str]], written: dict[str, str]
) -> bytes:
    """Sorted, one paper a line. By hand: json.dumps(indent=...) falls back to the
    pure-Python encoder, a tenth of a second at 10,000 papers."""
    rows = [
        f"  {_json_str(k)}: "
        f'{{"added": "{e.added.isoformat()}", "file": {_json_str(e.file)}, '
        f'"sha256": "{e.sha256}"' + (f', "said": "{e.said}"' if e.said else "") + "}"
        for k, e in sorted(entries.items())
    ]
    head = (
        f'{{\n "format": {MANIFEST_FORMAT},\n "note": {json.dumps(_MANIFEST_NOTE)},\n "papers": {{'
    )
    body = "\n" + ",\n".join(rows) + "\n }" if rows else "}"
    if origins:
        found = [
            f"  {_json_str(k)}: [{', '.join(map(_json_str, sorted(v)))}]"
            for k, v in sorted(origins.items())
        ]
        body += ',\n "sources": {\n' + ",\n".join(found) + "\n }"
    if written:
        rows = [f'  {_json_str(k)}: "{v}"' for k, v in sorted(written.items())]
        body += ',\n "written": {\n' + ",\n".join(rows) + "\n }"
    # a source named in another encoding (a Latin-1 zip's) is a lone surrogate: JSON's \udcf4
    return (head + body + "\n}\n").encode(errors="backslashreplace")


def _unmanaged_identities(
    papers_dir: Path, names: list[str], papers: dict[str, PaperRecord], known: set[str]
) -> dict[str, tuple[str, dt.date | None]]:
    """identity -> (file name, its `added`) for paper files the manifest does not list,
    so a lost manifest or a hand-written file makes no duplicate. A file retitled by hand
    is still the profile's paper (`papers`, by identity; `known`: in the manifest) when
    topic, full date and authors match that paper alone and no other file; a file with no
    topic (another source's) is then found as a merge finds a paper."""
    found: dict[str, tuple[str, dt.date | None]] = {}
    counts: dict[str, int] = {}
    retitled: dict[tuple[object, ...], list[str]] = {}  # (topic, date, authors) -> keys
    by_title = _Index()
    for name in sorted(names):
        try:
            paper = _site_paper(name, (papers_dir / name).read_bytes())
        except OSError:
            continue
        if paper is None or not isinstance(paper.values.get("title"), str):
            continue
        fm = paper.values
        # as a build reads it: `date: "2022-12-12"`, quoted, is a date too
        title, topic, date = fm["title"], fm.get("topic"), _as_date(fm.get("date"))
        added = fm.get("added") if type(fm.get("added")) is dt.date else None
        fm.update(date=date, added=added)  # as read here, for the title pass
        by_title.add(paper)
        if not (isinstance(topic, str) and isinstance(date, dt.date)):
            continue
        base = _identity_base(topic, date, title)
        counts[base] = counts.get(base, 0) + 1
        key = base if counts[base] == 1 else f"{base}#{counts[base]}"
        found[key] = (name, added)
        authors = fm.get("authors")
        if isinstance(authors, list) and authors and all(isinstance(a, str) for a in authors):
            retitled.setdefault((topic, date, *authors), []).append(key)
    alike: dict[tuple[object, ...], list[str]] = {}
    for key, rec in papers.items():
        alike.setdefault((rec.topic, rec.date, *rec.authors), []).append(key)
    for fields, keys in alike.items():
        files = [k for k in retitled.get(fields, ()) if k not in papers]
        if len(keys) == len(files) == 1 and keys[0] not in found and keys[0] not in known:
            found[keys[0]] = found.pop(files[0])
    # last, as a merge of other sources matches: by title, years at most two apart
    claimed = {found[k][0] for k in papers if k in found}
    for key, rec in papers.items():
        if key in found or key in known:
            continue
        p = by_title.find({"title": rec.title, "date": rec.date})
        if p is not None and p.name not in claimed:
            found[key] = (p.name, p.values["added"])  # type: ignore[assignment]
            claimed.add(p.name)
    return found


# the imported keys are plain words, which a user may still have quoted (`"metrics":`)
_TOP_KEY = re.compile(r"""(["']?)([A-Za-z_][\w-]*)\1\s*:(?:\s|$)""")


def _merge_profile_yaml(
    path: Path, imported: dict[str, object]
) -> tuple[str | None, str, str | None]:
    """(new text or None, "created"/"updated", the name it had). Only the imported keys are
    rewritten, in place, keeping the user's keys and comments; an unusual layout is dumped
    whole."""
    raw = _read_or_none(path)
    if raw is None:
        return PROFILE_YAML_HEADER + dump_yaml(imported), "created", None
    old = decode(raw, path)
    data = load_yaml(old, path)  # as a build reads it: a key given twice is an error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SitegenError("expected a mapping of keys (name:, metrics: ...)", path=path)
    changed = {k: v for k, v in imported.items() if data.get(k) != v}  # no value is None
    was = data.get("name") if isinstance(data.get("name"), str) else None
    if not changed:
        return None, "unchanged", was
    merged = {**data, **imported}

    # Rewrite only the keys whose value changed: an unchanged `name:` keeps its comment.
    emitted = {k: dump_yaml({k: v}).rstrip("\n").split("\n") for k, v in changed.items()}
    lines = old.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out: list[str] = []
    i = 0
    while i < len(lines):
        if (m := _TOP_KEY.match(lines[i])) and (key := m.group(2)) in emitted:
            j = i + 1
            while j < len(lines) and (
                lines[j][:1] in (" ", "\t", "-", "#") or not lines[j].strip()
            ):
                j += 1
            # blank lines and comments at its end belong to the key that follows
            while j > i + 1 and (lines[j - 1][:1] == "#" or not lines[j - 1].strip()):
                j -= 1
            out += emitted.pop(key)  # a key repeated further down is left as it is
            i = j
        else:
            out.append(lines[i])
            i += 1
    for block in emitted.values():  # imported keys the file did not have yet
        out += block
    text = "\n".join(out) + "\n"
    # read back as a build reads it: PyYAML would keep the last of a key given twice
    with contextlib.suppress(SitegenError):
        if load_yaml(text, path) == merged:
            return text, "updated", was
    return dump_yaml(merged), "updated", was


def run_import(
    sources: Path | str | Sequence[Path | str],
    site: Path,
    *,
    as_of: dt.date,
    dry_run: bool = False,
    force: bool = False,
    log: Callable[[str], None] = lambda line: None,
) -> ImportReport:
    """Import a profile text and/or other sources into `site`/content. `as_of` dates yearless
    dates and new papers' `added`. Every source is read (or fetched, progress to `log`)
    before anything is written."""
    specs = [str(sources)] if isinstance(sources, (str, Path)) else [str(s) for s in sources]
    profiles = [s for s in specs if source_kind(s) == "profile"]
    if len(profiles) > 1:
        raise SitegenError("give at most one profile text per import", exit_code=2)
    site = Path(site)
    prof = None
    if profiles:
        prof = parse_profile(read_profile_text(Path(profiles[0])), as_of=as_of, source=profiles[0])
    others = [s for s in specs if s not in profiles]
    report = ImportReport(warnings=list(prof.warnings) if prof else [], dry_run=dry_run)

    if site.exists() and not site.is_dir():
        raise SitegenError("the site folder is a file", path=site)
    not_a_content_folder(site)
    content = site / "content"
    papers_dir = content / "papers"
    for d in (content, papers_dir):
        if d.exists() and not d.is_dir():
            raise SitegenError("expected a folder here, found a file", path=d)
    with _one_at_a_time(site):
        manifest_path = content / MANIFEST_NAME
        manifest, origins, written = _load_manifest(manifest_path)
        on_disk = _list_papers(papers_dir)
        taken = {n.lower() for n in on_disk} | {e.file.lower() for e in manifest.values()}
        if prof is None and not (content / "profile.yaml").exists():  # the sources need it
            raise SitegenError(
                "no owner's name (`name:`) here: import a profile text first, or start the "
                "site with `sitegen new`",
                path=content / "profile.yaml",
            )
        owner = prof.owner if prof else _owner_named(site)
        plan = _Plan(papers_dir, set(on_disk), owner, force, as_of, taken, report, origins, written)
        plan.people = load_people(site, owner)
        plan.spellings = owner_spellings(plan.people, owner)
        if prof is not None:
            _plan_profile(prof, Path(profiles[0]), plan, manifest)
        else:
            plan.manifest = dict(manifest)
        if others:
            _merge_sources(functools.partial(read_sources, others, log, owner), plan)

        manifest_bytes = _dump_manifest(plan.manifest, plan.sources, plan.written)
        if _read_or_none(manifest_path) != manifest_bytes:
            plan.writes[manifest_path] = manifest_bytes  # last: only after every paper

        if not dry_run:
            _sweep_stale_temps((content, papers_dir))
            _write_all(plan.writes, site)
        return report


def _owner_named(site: Path) -> str:
    """profile.yaml's `name:`, as a build reads it. `sitegen new`'s placeholder stops the
    import before it writes: every paper would hide the owner in "et al.", and a second
    import, once the name was set, found nothing to change."""
    profile = load_profile(site)
    if placeholder := placeholder_name(site, profile):  # what build and check warn of
        raise SitegenError(
            f"{placeholder[0].message} here before importing (an import knows your papers "
            "by it); nothing was written",
            path=site / "content" / "profile.yaml",
            line=placeholder[0].line,
        )
    return profile.name


def _one_at_a_time(site: Path) -> AbstractContextManager[None]:
    """A second import into the site stops before it reads anything: its manifest would
    describe the other's files, then taken for hand edits. The lock is the site folder's
    own (a lock file would be one that a dry run or a failed import wrote)."""
    return folder_lock(site, busy="another `sitegen import` is writing to this site")


def _plan_profile(prof: Profile, profile: Path, plan: _Plan, manifest: dict[str, _Entry]) -> None:
    """The profile's papers and profile.yaml, by the rules of the module docstring."""
    report, papers_dir, content = plan.report, plan.papers_dir, plan.papers_dir.parent
    keys, dups = identities(prof.records)
    twice = "same title, topic and date as the paper at line {}; imported twice"
    report.warnings += [SitegenWarning(twice.format(first), profile, line) for line, first in dups]
    matched = _match(prof.records, keys, manifest)
    # a paper whose file was renamed by hand, or retitled, is looked for among the others
    gone = {k for k, old in matched.items() if manifest[old].file not in plan.on_disk}
    known = set(matched) - gone
    managed = {manifest[old].file for old in matched.values()}
    left = {e.file: k for k, e in manifest.items() if e.file not in managed}
    unmanaged = _unmanaged_identities(
        papers_dir,
        [n for n in plan.on_disk if n not in managed],
        dict(zip(keys, prof.records, strict=True)),
        known,
    )
    # renamed and retitled: only the bytes the import wrote tie the file to its entry
    lost = {manifest[k].sha256: k for f, k in left.items() if f not in plan.on_disk}

    def follow(old: str, name: str) -> None:  # its file, renamed: the manifest follows it
        plan.sources.setdefault(name, set()).update(plan.sources.pop(manifest[old].file, ()))
        manifest[old] = replace(manifest[old], file=name)

    for key in [k for k in keys if k in unmanaged and k not in known]:
        name = unmanaged[key][0]
        if name in left:  # the file the manifest knows by the paper's old title
            matched[key] = left.pop(name)
        elif key in gone:
            follow(matched[key], name)
        elif lost and (old := lost.pop(_sha256(_read_or_none(papers_dir / name) or b""), None)):
            matched[key] = left.pop(manifest[old].file)
            follow(old, name)
        else:
            continue
        del unmanaged[key]

    def added(key: str) -> dt.date:  # the date the paper's file is rendered with
        if (old_key := matched.get(key)) is not None:
            return manifest[old_key].added
        return (unmanaged[key][1] if key in unmanaged else None) or plan.as_of

    def year_kept(key: str, rec: PaperRecord) -> PaperRecord:
        """A yearless date keeps the year its file was first given: the same text imported
        with a later --as-of would otherwise move the paper a year on."""
        old_key = matched.get(key)
        if not (old_key and rec.year_inferred):
            return rec
        year = _kept_year(papers_dir / manifest[old_key].file)
        if year is None or year == rec.date.year:
            return rec
        try:
            return replace(rec, date=rec.date.replace(year=year))
        except ValueError:  # Feb 29 in a year without one: a file named by hand
            return rec

    items = [(year_kept(key, rec), added(key)) for key, rec in zip(keys, prof.records, strict=True)]
    rendered = _each(
        lambda item: render_paper(item[0], plan.owner, item[1], plan.spellings).encode(), items
    )
    for key, (rec, when), data in zip(keys, items, rendered, strict=True):
        old_key, said = matched.get(key), _said(rec)
        if old_key is not None:
            entry = manifest[old_key]
            if len(entry.said) == 64 and entry.said == _said_whole(rec):
                entry = replace(entry, said=said)  # an older manifest's, of the same record
            # a profile text is the profile, whatever its file name: an earlier one's name
            # is no other source whose keys the file keeps (a code link the profile dropped)
            if found := plan.sources.get(entry.file):
                found -= {s for s in found if _is_profile_text(s)}
            plan.known(key, entry, data, profile.name, said)
        elif key in unmanaged:
            plan.unmanaged(key, unmanaged.pop(key)[0], data, when, said)
        else:
            name = plan.add(rec.date.year, rec.title, data)
            plan.manifest[key] = _Entry(name, _sha256(data), plan.as_of, said)
        if key in plan.manifest:
            plan.sources.setdefault(plan.manifest[key].file, set()).add(profile.name)

    # Papers gone from the profile keep their entry (file name, `added`); the file stays.
    kept_keys = set(matched.values())
    for key, entry in manifest.items():
        if key not in kept_keys:
            plan.manifest[key] = entry
            if entry.file in plan.on_disk:
                report.missing.append(_rel(entry.file))

    owned = {"name": prof.owner, "field": prof.field, "metrics": dict(prof.metrics)}
    owned = {k: v for k, v in owned.items() if v is not None}  # a profile may give no field
    yaml_text, status, was = _merge_profile_yaml(content / "profile.yaml", owned)
    from .scaffold import PLACEHOLDER_NAME  # `sitegen new`'s, which imports this module

    if was not in (None, prof.owner, PLACEHOLDER_NAME) and name_key(was) not in plan.spellings:
        _owner_change(prof, was, content / "profile.yaml", report)
    if yaml_text is not None:
        plan.writes[content / "profile.yaml"] = yaml_text.encode()
        report.profile_yaml = status


def _is_profile_text(source: str) -> bool:
    """Whether a name in the manifest's `sources` is a profile text's: no online source
    (`orcid:...`), .bib, .ris or .json file, nor a Hugo page (`x.md`, `x/index.md`)."""
    ext = os.path.splitext(source)[1].lower()
    return ext not in (*_SOURCE_FILES, ".md") and not re.match(r"[A-Za-z]{2,}:", source)


def _owner_change(prof: Profile, was: str, path: Path, report: ImportReport) -> None:
    """The profile's owner is not the site's: a coauthor's profile, by mistake, or the owner
    under a new name (a middle initial added). Papers that list the old name would each
    turn to `owner_in_et_al: true`, silently: stopped before anything is written, to say
    how to keep them yours (people.yaml, which the build reads too) or give the site away."""
    listing = sum(any(name_key(a) == name_key(was) for a in r.authors) for r in prof.records)
    new = prof.owner
    if not listing:
        why = f"name: {was!r} becomes {new!r}, the profile's owner, who owns the site now"
        report.warnings.append(SitegenWarning(why, path))
        return
    raise SitegenError(
        f"name: {was!r} becomes {new!r}, the profile's owner, and {listing} of its papers "
        f"list {was!r}, who would no longer be the owner. If it is your former name, add it "
        f"to content/people.yaml (`- name: {new}`, `owner: true`, `aliases: [{was}]`); if "
        f"the site changes hands, set `name: {new}` here. Then import again; nothing was "
        "written",
        path=path,
    )


def _list_papers(papers_dir: Path) -> list[str]:
    try:
        with os.scandir(papers_dir) as scanned:
            found = [e for e in scanned if e.name.endswith(".md") and e.name[0] != "."]
    except FileNotFoundError:
        return []
    except OSError as e:
        raise SitegenError(f"cannot list: {e.strerror or e}", path=papers_dir) from None
    for e in found:  # is_file first: a scan has the answer without another stat
        if not e.is_file() and special_file(e.path):
            raise SitegenError(NOT_A_FILE, e.path)
    return [e.name for e in found]


def _match(
    records: tuple[PaperRecord, ...], keys: list[str], manifest: dict[str, _Entry]
) -> dict[str, str]:
    """Profile identity -> manifest identity of the same paper: exact first, then by title
    alone, so a date or topic corrected in the profile keeps the file and `added`; last, a
    title changed (arXiv's v2 "PSF: ..."): the one entry of the same topic, day and year
    whose title is mostly the same words, edited by hand or deleted as its file may be."""
    matched = {key: key for key in keys if key in manifest}
    by_title: dict[str, list[str]] = {}
    for key in manifest:
        if key not in matched:
            by_title.setdefault(_identity_title(key), []).append(key)
    for rec, key in zip(records, keys, strict=True):
        candidates = None if key in matched else by_title.get(_norm_title(rec.title))
        if candidates:
            same_topic = [k for k in candidates if k.startswith(rec.topic + "|")]
            old = (same_topic or candidates)[0]
            candidates.remove(old)
            matched[key] = old
    free = set(manifest) - set(matched.values())
    for rec, key in zip(records, keys, strict=True):
        if key in matched:
            continue
        title = _norm_title(rec.title)
        near = [
            k
            for k in free
            if k.rsplit("|", 1)[0] == key.rsplit("|", 1)[0]  # topic and day
            and _file_year(manifest[k].file) in (None, rec.date.year)
            and difflib.SequenceMatcher(None, _identity_title(k), title).ratio() >= RETITLED
        ]
        if len(near) == 1:
            matched[key] = near[0]
            free.discard(near[0])
    return matched


def _rel(name: str) -> str:
    return f"content/papers/{name}"


def _lf(data: bytes) -> bytes:
    """As the import wrote it: CRLF line ends (git's core.autocrlf) are no hand edit."""
    return data.replace(b"\r\n", b"\n")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(_lf(data)).hexdigest()


@dataclass
class _Plan:
    """The decision for each paper, made in memory before anything is written."""

    papers_dir: Path
    on_disk: set[str]
    owner: str
    force: bool
    as_of: dt.date  # the `added` date of new papers
    taken: set[str]  # lowercased file names a new paper must not take
    report: ImportReport
    sources: dict[str, set[str]] = field(default_factory=dict)  # file -> where it came from
    # file -> sha256 of the bytes the import wrote, for a paper only other sources gave
    written: dict[str, str] = field(default_factory=dict)
    manifest: dict[str, _Entry] = field(default_factory=dict)
    writes: dict[Path, bytes] = field(default_factory=dict)  # written in this order
    # the owner's name and people.yaml aliases (name_key): a paper under a former name
    spellings: frozenset[str] = frozenset()
    people: list[PersonEntry] = field(default_factory=list)  # content/people.yaml

    def known(self, key: str, entry: _Entry, rendered: bytes, profile: str, said: str) -> None:
        """A paper the import wrote before: updated unless touched by hand. `profile` is the
        profile text's name, as `sources` records it; `said`, what it says of the paper."""
        name = entry.file
        raw = _read_or_none(self.papers_dir / name) if name in self.on_disk else None
        current = None if raw is None else _lf(raw)
        ours = current is not None and _sha256(current) == entry.sha256
        # what other sources added is carried over only into a file still the import's own
        # (never a hand edit), and only if one did add: a code link the profile dropped goes
        filled = bool(self.sources.get(name, set()) - {profile})  # a Hugo page is `x.md` too
        own = _carry_over(current, rendered) if filled and (ours or self.force) else rendered
        data = own
        if self.force and current is not None and not ours:
            data = _carry_over(current, rendered, every=True)
        # a file that keeps keys of the user's is theirs: the next import keeps it
        fresh = _Entry(name, _sha256(own), entry.added, said)
        if current == data:
            self.report.unchanged.append(_rel(name))
            entry = fresh
        elif current is None and not self.force:
            self.report.kept.append((_rel(name), "deleted by hand; --force re-creates it"))
        elif self.force or ours:
            self.writes[self.papers_dir / name] = data
            (self.report.updated if current else self.report.added).append(_rel(name))
            if not ours:
                self.report.forced[_rel(name)] = f"{'edited' if current else 'deleted'} by hand"
            entry = fresh
        else:  # edited by hand: what the profile changed since is not taken, but said at
            # each import, naming the keys, until the file holds them (an older manifest's
            # paper, whose keys are unknown, once)
            same = entry.said == said or not entry.said and _sha256(data) == entry.sha256
            pending = [] if same else _unmerged(current, rendered, entry.said, said)
            if pending == []:
                self.report.edited.append(_rel(name))  # nothing new, or merged by hand
            elif pending is None:
                doubt = "" if entry.said else ", or an older sitegen wrote it otherwise"
                why = f"edited by hand, and the profile changed it since{doubt}"
                self.report.kept.append((_rel(name), f"{why}; --force overwrites it"))
            else:
                it = "it" if len(pending) == 1 else "them"
                why = f"edited by hand, and the profile changed its {', '.join(pending)} since"
                self.report.kept.append(
                    (_rel(name), f"{why}: copy {it} into the file, or --force overwrites it")
                )
            entry = replace(entry, said=entry.said if pending else said)
        self.manifest[key] = entry

    def unmanaged(self, key: str, name: str, data: bytes, added: dt.date, said: str) -> None:
        """A file outside the manifest with this paper's identity: adopted when identical (a
        lost manifest) or written by the import from another source and unedited since
        (then updated, keeping what the sources gave), else the user's own (--force only)."""
        current = _lf(_read_or_none(self.papers_dir / name) or b"")
        ours = self.written.get(name) == _sha256(current)
        own = _carry_over(current, data) if ours else data
        if current == own:
            self.report.unchanged.append(_rel(name))
        elif ours or self.force:  # --force: the manifest holds the profile's own, so the
            # next import keeps the file, with the user's keys
            self.writes[self.papers_dir / name] = own if ours else _carry_over(current, data, True)
            self.report.updated.append(_rel(name))
            if not ours:
                self.report.forced[_rel(name)] = "not in the import manifest"
        else:
            reason = "not in the import manifest, so yours; --force overwrites it"
            self.report.kept.append((_rel(name), reason))
            return
        self.written.pop(name, None)  # the profile's paper now: the manifest's entry says
        self.manifest[key] = _Entry(name, _sha256(own), added, said)

    def add(self, year: int, title: str, data: bytes) -> str:
        """Write a new paper, named as no paper is or was (`-2`, `-3`...) nor as a hand-set
        `slug:` names a page (the build refuses two papers of one slug)."""
        base = paper_slug(year, title)
        name, n = f"{base}.md", 2
        while name.lower() in self.taken or name[:-3] in self.slugs:
            name, n = f"{base}-{n}.md", n + 1
        self.taken.add(name.lower())
        self.writes[self.papers_dir / name] = data
        self.report.added.append(_rel(name))
        return name

    @functools.cached_property
    def slugs(self) -> set[str]:
        """The slugs paper files give themselves (no import writes one), read once if needed."""
        files = (_read_or_none(self.papers_dir / name) or b"" for name in self.on_disk)
        heads = (data.split(b"\n---", 1)[0] for data in files)
        return {m.decode() for head in heads for m in _SLUG_LINE.findall(head)}


def _unmerged(current: bytes, rendered: bytes, before: str, said: str) -> list[str] | None:
    """The keys the profile changed since it said `before` that a file edited by hand does
    not hold as the profile's `rendered` file does: none once the user merged them by hand;
    None when an older manifest's `before` cannot tell which."""
    changed = _said_changed(before, said)
    have, want = _site_paper("", current), _site_paper("", rendered)
    if not changed or have is None or want is None:
        return changed

    def value(p: _Paper, key: str) -> object:  # `date: "2022-12-12"`, quoted, is a date too
        return _as_date(p.values.get(key)) if key == "date" else p.values.get(key)

    return [k for k in changed if value(have, k) != value(want, k)]


def _carry_over(current: bytes | None, data: bytes, every: bool = False) -> bytes:
    """The profile's rendering plus what other sources added to the file (a DOI, ...), and
    what they say better (the whole author list the profile's "A, B, C et al." starts, a
    published paper's date: _kept_better); with `every` (--force), plus every key the
    profile says nothing of: `draft`, `slug`, `aliases`, tags, links. --force published a
    draft and moved a paper's URL."""
    if current is None or current == data:
        return data
    old, new = _site_paper("", current), _site_paper("", data)
    if old is None or new is None:
        return data
    keep = {  # in the file's order: the order they were added in, so the bytes come back
        k: v  # with --force, a key left empty by hand too: none on purpose (`arxiv: null`)
        for k, v in old.values.items()
        if (every and k not in new.values)
        or (v not in _EMPTY and k in (*FILLABLE, "abstract") and new.values.get(k) in _EMPTY)
    }
    better = _kept_better(old.values, new.values)  # --force too: the sources gave them
    text = insert_keys(data.decode(), {**keep, **better}, better) if keep or better else None
    return text.encode() if text is not None else data


def _kept_better(old: dict[str, object], new: dict[str, object]) -> dict[str, object]:
    """What the import's own file, filled from other sources, keeps of theirs over the
    profile's rendering: a whole author list over the profile's cut short start of it, and
    the date of a paper whose venue says it was published, when the profile's (its arXiv
    listing's) is of another year. _fuller's rule, in the other order."""
    out: dict[str, object] = {}
    if _cut_short(new.get("authors"), new.get("et_al"), old.get("authors")):
        out.update({k: old.get(k, False) for k in ("authors", "et_al", "owner_in_et_al")})
    if _is_published(old) and _year(old.get("date")) != _year(new.get("date")):
        out["date"] = old["date"]
        if new.get("year_inferred"):
            out["year_inferred"] = False
    return out


def _read_or_none(path: Path) -> bytes | None:
    if special_file(path):  # a named pipe: the read would wait for a writer
        raise SitegenError(NOT_A_FILE, path=path)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SitegenError(f"cannot read: {e.strerror or e}", path=path) from None


FILLABLE = (
    "doi", "arxiv", "type", "venue", "volume", "issue", "pages", "publisher", "url", "pdf",
    "code_url", "links", "featured", "aliases", "tags",
)  # fmt: skip
# what a paper's venue says of it: each comes from the record that gives the venue, so that
# a journal's volume never goes with a conference's name
_OF_THE_VENUE = ("type", "volume", "issue", "pages", "publisher")
_UNPUBLISHED = ("preprint", "misc")  # types that say of no publication (a misc: GitHub)
_NUMBERED = re.compile(r"-[0-9]+\.md$")  # a second paper's name: `...-2.md`
_UNSET = (None, "", [])  # in a file: `featured: false` is the user's word, kept
_EMPTY = (*_UNSET, False)
# the types sitegen's citations give a paper without `type`, by whether it has a venue
# (cite.cited_as): read back from them as none
_UNTYPED_CITED = {True: ("article",), False: ("misc", "preprint")}
_EMPTY_VALUE = re.compile(r"""[ \t]*(?:null|Null|NULL|~|''|""|\[\])?[ \t]*""")
# what a file source's entry without a date needs, in that file's own words
_DATE_FIELD = {".bib": ": add `year = {…}` or `date = {…}`", ".ris": ": add `PY  - …`"}
_IN_A_BUNDLE = (
    "not imported: inside a page bundle (a folder with index.md), Hugo takes a Markdown "
    "file for one of that page's files, not a page (a section's own page is _index.md)"
)


_SOURCE_FILES = {".bib": "bibtex", ".ris": "ris", ".json": "json"}  # by extension


def source_kind(spec: str) -> str:
    """'profile', 'bibtex', 'ris', 'json', 'hugo' (a folder) or 'online'. `scholar:abc`, no
    file, is online, so fetch names those it knows; a file so named (`C:...`) is a file."""
    # an address, `https://dblp.org/pid/220/3331.bib` too, unless a folder `https:` holds it
    if spec.lower().startswith(sources.ONLINE) or (
        re.match(r"(?i)https?://", spec) and not os.path.lexists(spec)
    ):
        return "online"
    if os.path.isdir(spec):
        return "hugo"
    kind = _SOURCE_FILES.get(os.path.splitext(spec)[1].lower())
    if kind is None and re.match(r"[A-Za-z]{2,}:", spec) and not os.path.lexists(spec):
        return "online"
    return kind or "profile"


def read_sources(specs: list[str], log: Callable[[str], None], owner: str) -> list[SourceRecord]:
    """Every source's records, a file's named by its base name (as the manifest records it),
    an online one's as given. The owner's name tells the owner's Hugo Blox author keys."""
    records: list[SourceRecord] = []
    for spec in specs:
        kind = source_kind(spec)
        if kind == "online":
            from .fetch import fetch

            records += fetch(spec, log)
        elif kind == "hugo":
            records += _read_hugo(Path(spec), sources.owner_matcher(owner))
        else:
            text = _source_text(Path(spec))
            parse = {"bibtex": sources.parse_bibtex, "ris": sources.parse_ris}.get(kind)
            if parse is None:  # JSON: ORCID's works, or CSL-JSON
                orcid = sources.is_orcid_works(load_json(text, spec))
                parse = sources.parse_orcid_works if orcid else sources.parse_csl_json
            records += [replace(r, source=os.path.basename(spec)) for r in parse(text, spec)]
    return records


def _source_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SitegenError(f"cannot read: {e.strerror or e}", path=path, exit_code=2) from None
    if b"\x00" in data[:SNIFF_BYTES] and not data.startswith(UTF16_BOMS):  # decode says UTF-16
        raise SitegenError("this is a binary file, not text", path, 1, exit_code=2)
    return decode(data, path, exit_code=2)


def _read_hugo(folder: Path, is_owner: Callable[[str], str | None]) -> list[SourceRecord]:
    """A paper per page Hugo makes of the folder, named by its file's path in the folder."""
    try:
        absolute = Path(os.path.abspath(folder))  # `.` too has a name and a parent
        if absolute.name.startswith("_") or (absolute / "_config.yml").is_file():
            raise SitegenError(  # academicpages: its pages name authors only in a citation text
                "this is a Jekyll site's folder (academicpages' _publications/), not a Hugo Blox "
                "one: import the BibTeX file its pages were made from, or a Google Scholar "
                "export, and list their old URLs under `aliases`",
                folder,
            )
        for name in ("publication", "publications"):  # `hugo/content` for its publication/
            if folder.name != name and (folder / name).is_dir():
                why = f"give its {name}/ folder: every page here (posts, talks) would be a paper"
                raise SitegenError(
                    f"this is a Hugo site's content, not its publications: {why}", folder
                )
        pages = _hugo_pages(folder)
        if not pages:
            raise SitegenError("no */index.md or *.md publication in this folder", folder)
        profile_name = _hugo_profile_names(absolute, is_owner)
        section = absolute.name.lower()
        records = []
        for path, hidden in pages:
            source = path.relative_to(folder).as_posix()
            page = source.removesuffix("/index.md").removesuffix(".md")  # Hugo's URL of it
            found = sources.parse_hugo(
                _found_text(path), str(path), profile_name, f"/{section}/{page}/"
            )
            skipped = tuple(SitegenWarning(_IN_A_BUNDLE, p) for p in hidden)
            records += [replace(r, source=source, warnings=r.warnings + skipped) for r in found]
    except OSError as e:  # a folder that cannot be listed
        raise SitegenError(f"cannot read: {e.strerror or e}", e.filename, exit_code=2) from None
    except SitegenError as e:  # the folder cannot be imported, as a profile that cannot be
        raise SitegenError(e.message, e.path, e.line, exit_code=2) from None
    return records


def _hugo_pages(folder: Path) -> list[tuple[Path, list[Path]]]:
    """Hugo's pages in a section folder, each with the Markdown files it hides. A folder
    with index.md is one page (a leaf bundle); any other holds a page per *.md file but
    _index.md, and its subfolders' pages. A folder met again through a link is skipped."""
    pages, seen, todo = [], set(), [folder]
    while todo:
        if (here := todo.pop()).resolve() in seen:
            continue
        seen.add(here.resolve())
        for entry in here.iterdir():
            if not entry.is_dir():
                if entry.name.endswith(".md") and entry.name != "_index.md":
                    pages.append((entry, []))
            elif (page := entry / "index.md").exists():
                pages.append((page, sorted(p for p in entry.rglob("*.md") if p != page)))
            else:
                todo.append(entry)
    return sorted(pages)


def _hugo_profile_names(
    folder: Path, is_owner: Callable[[str], str | None]
) -> Callable[[str], str]:
    """Author key -> the name its profile beside the (absolute) folder
    (`authors/KEY/_index.md`) gives. The owner's keys stay, for with_owner; a key without a
    profile may be a name."""
    try:  # folders by their names as authors' keys are read (NFC, as a Mac may store é)
        profiles = {sources.clean(p.name): p for p in (folder.parent / "authors").iterdir()}
    except (FileNotFoundError, NotADirectoryError):
        profiles = {}

    # Hugo Blox now keeps them as data: data/authors/KEY.yaml, `name: {display: ...}`
    data = folder.parent.parent / "data" / "authors"

    @functools.cache  # a coauthor is named on many pages
    def profile_name(key: str) -> str:
        if is_owner(key):
            return key
        for page in (data / f"{key}.yaml", data / f"{key}.yml"):
            if page.is_file():
                return sources.parse_hugo_author_data(_found_text(page), str(page)) or key
        if key not in profiles:
            return key
        for page in (profiles[key] / "_index.md", profiles[key] / "index.md"):
            if page.exists():
                return sources.parse_hugo_author(_found_text(page), str(page)) or key
        return key

    return profile_name


def _found_text(path: Path) -> str:
    """A file found in a folder, not given (`<(curl ...)`): a named pipe is never opened."""
    if special_file(path):
        raise SitegenError(NOT_A_FILE, path, exit_code=2)
    return _source_text(path)


@functools.lru_cache(maxsize=1 << 16)  # each title is looked up in two indexes, twice
def title_key(title: str) -> str:
    """Titles as sources mangle them compare equal (case, accents, punctuation, braces, HTML
    tags: _TAG's, not `k<n and n>2`), and a file's as the page shows it (`&amp;` is `&`, a
    link its text), a Greek letter as its name (`$\\beta$-VAE` is `beta-VAE`). A title of no
    words (`???`) is its own key."""
    shown = plain_inline(title) if "&" in title or "[" in title else title
    words = title_words(sources._TAG.sub("", shown) if "<" in shown else shown)
    return (words.translate(GREEK_AS_NAMES) if not words.isascii() else words) or title


@dataclass(eq=False)
class _Paper:
    """One paper: gathered from records, or as its file on the site says it."""

    values: dict[str, object]
    sources: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    name: str = ""  # its file, for a paper on the site
    origin: dict[str, str] = field(default_factory=dict)  # key -> the source of its value
    indexed: bool = False  # its title is in an _Index already
    data: bytes = b""  # its file's bytes, for a paper on the site
    gained: dict[str, object] = field(default_factory=dict)  # keys to add to that file
    replaced: list[str] = field(default_factory=list)  # those of them it had a value of
    line: int | None = None  # where its first record starts in sources[0]

    @property
    def year(self) -> int | None:
        return _year(self.values.get("date"))


def _year(date: object) -> int | None:
    """The year of a date as a paper file or a source record writes it (`2020` too)."""
    if isinstance(date, dt.date):  # most records' (each title lookup asks): no parse
        return date.year
    dated = paper_date(date)
    return dated[0].year if dated else None


class _Index:
    """DOI, then arXiv id, then an old URL, then title within two years: the order matching
    tries them. An old URL is one page's on the old site: a Hugo page retitled since is
    the paper that page was (a second paper with its URL is a site that cannot build)."""

    def __init__(self) -> None:
        self.doi: dict[str, _Paper] = {}
        self.arxiv: dict[str, _Paper] = {}
        self.alias: dict[str, _Paper] = {}
        self.title: dict[str, list[_Paper]] = {}

    def ids(self, v: dict[str, object]) -> list[tuple[dict[str, _Paper], str]]:
        """(index, key) for a paper's DOI, arXiv id and old URLs, in the order tried."""
        doi, arxiv = v.get("doi"), v.get("arxiv")
        ids = [(self.doi, doi.casefold())] if isinstance(doi, str) else []
        ids += [(self.arxiv, _arxiv_key(arxiv))] if isinstance(arxiv, str) else []
        return ids + [(self.alias, url) for url in _as_urls(v.get("aliases"))]

    def add(self, p: _Paper) -> None:
        for index, key in self.ids(p.values):
            index.setdefault(key, p)
        title = p.values.get("title")
        if isinstance(title, str) and not p.indexed:
            self.title.setdefault(title_key(title), []).append(p)
            p.indexed = True  # a title never changes once a paper has one

    def find(self, v: dict[str, object]) -> _Paper | None:
        for index, key in self.ids(v):
            if key in index:
                return index[key]
        # "Editorial" comes every year: the paper of the nearest year, and none if that one's
        # publisher DOI is another (arXiv's 10.48550 DOI is a preprint's: the same paper)
        year = _year(v.get("date"))
        p = min(
            (
                p
                for p in self.title.get(title_key(str(v.get("title", ""))), ())
                if _years_near(p.year, year)
            ),
            key=lambda p: abs(p.year - year) if p.year and year else 0,
            default=None,
        )
        mine, theirs = _publisher_doi(v.get("doi")), p and _publisher_doi(p.values.get("doi"))
        return None if mine and theirs and mine != theirs else p


def _as_urls(value: object) -> list[str]:
    """A paper's `aliases` as the site-relative URLs they name (`old-name` is papers/old-name/)."""
    given = value if isinstance(value, list) else []
    return [u for a in given if isinstance(a, str) and (u := alias_url(a))]


def _publisher_doi(doi: object) -> str | None:
    return doi.casefold() if isinstance(doi, str) and not doi.startswith("10.48550/") else None


def _years_near(a: int | None, b: int | None) -> bool:
    """Whether two papers of one title may be one: their years at most two apart, or unknown."""
    return a is None or b is None or abs(a - b) <= 2


def _kept_year(path: Path) -> int | None:
    """The year of a paper file's `date:`, as the import wrote it (renamed by hand, its name
    may give none: `mobilellm.md`), else of its name."""
    raw = _read_or_none(path) or b""
    found = re.search(rb"^date: '?(\d{4})-", raw, re.MULTILINE)
    return int(found[1]) if found else _file_year(path.name)


def _file_year(name: str) -> int | None:
    """The year an imported paper's file is named by (`2022-title.md`)."""
    return int(name[:4]) if re.match(r"\d{4}-", name) else None


def _arxiv_key(arxiv: str) -> str:
    return re.sub(r"v\d+$", "", arxiv.strip().lower())


def _record_values(r: SourceRecord) -> dict[str, object]:
    fields = ("title", "date", "topic", "authors", "et_al", *FILLABLE, "abstract")
    values = {k: getattr(r, k) for k in fields}
    for key in ("authors", "aliases", "tags"):  # a record's tuples, a file's lists
        values[key] = list(values[key])
    values["links"] = [{"name": name, "url": url} for name, url in r.links]
    return {k: v for k, v in values.items() if v not in _EMPTY}


def group_records(records: list[SourceRecord]) -> list[_Paper]:
    """Records of one paper as one: each key's value from the first source giving it."""
    index = _Index()
    papers: list[_Paper] = []
    for r in records:
        values = _record_values(r)
        p = index.find(values)
        if p is None:
            p = _Paper(values={}, line=r.line)
            papers.append(p)
        if r.source not in p.sources:
            p.sources.append(r.source)
        # a preprint record (arXiv) says nothing of the venue another record gives, nor of
        # when that was published: a CVPR 2023 paper cited as of its 2022 preprint. Its own
        # venue (arXiv's journal reference, `CVPR 2023`) gives way to the published record's
        mine, theirs = _version(p.values), _version(values)
        published = mine == "preprint" and theirs == "published"
        # and their years differ as a rule, which is no disagreement
        versions = {mine, theirs} == {"preprint", "published"}
        if published and "venue" in values:
            p.values.pop("venue", None)
        # a type says what its venue is: the record that gives the venue gives the type (and
        # the volume, issue, pages and publisher)
        venue = p.values.get("venue")
        if venue is None and "venue" in values:
            for key in _OF_THE_VENUE:
                p.values.pop(key, None)
        elif venue is not None and title_key(str(values.get("venue", ""))) != title_key(str(venue)):
            for key in _OF_THE_VENUE:
                values.pop(key, None)
        for key, value in values.items():
            old = p.values.get(key)
            if old in _EMPTY or (key in ("type", "date") and published):
                p.values[key] = value
                p.origin[key] = r.source
            elif key == "aliases":  # two pages of the old site, one paper: both URLs lead to it
                p.values[key] = list(dict.fromkeys([*old, *value]))  # type: ignore[misc]
            elif key == "date" and _year(old) != _year(value) and not versions:
                p.notes.append(
                    f"year {_year(old)} in {p.origin[key]}, {_year(value)} in {r.source}"
                )
        index.add(p)
    return papers


def _version(values: dict[str, object]) -> str | None:
    """Which version of a paper a record or file says it is: a `preprint`, or one
    `published` (a type of venue, or a venue and no type, cited as an article); None when
    it does not say (no type and no venue, a `misc`: ORCID's "other")."""
    kind = values.get("type")
    if kind == "preprint":
        return "preprint"
    if kind not in (None, *_UNPUBLISHED) or (kind is None and values.get("venue") not in _UNSET):
        return "published"
    return None


def _site_paper(name: str, data: bytes, path: Path | None = None) -> _Paper | None:
    """A paper file as matching sees it, its body as `abstract`. None when it does not parse,
    but an error for the site's file at `path`: a merge without it would add it again."""
    # the site's own file: UTF-16 said so, not "missing front matter"; a source's, as it can
    text = decode(data, path) if path is not None else data.decode("utf-8", errors="replace")
    text = text.lstrip("\ufeff")
    try:
        fm, _, body = front_matter(text, str(path or name))  # not a mapping: an error too
    except SitegenError:
        if path is not None:
            raise
        return None
    values = {k: v for k, v in fm.items() if isinstance(k, str)}
    values["abstract"] = body.strip() or None
    return _Paper(values=values, name=name, data=data)


def _merge_sources(read_records: Callable[[], list[SourceRecord]], plan: _Plan) -> None:
    """Fill in the site's papers from the sources' records and add those it lacks. The
    sources are read while other processes read the papers (at 10,000, a second each)."""
    pending = {p.name: data for p, data in plan.writes.items() if p.parent == plan.papers_dir}

    def read(name: str) -> _Paper | None:
        data = pending.get(name) or _read_or_none(plan.papers_dir / name)
        return _site_paper(name, data, plan.papers_dir / name) if data is not None else None

    records: list[SourceRecord] = []
    names = sorted(plan.on_disk | set(pending))
    papers = _each(read, names, lambda: records.extend(read_records()))
    plan.report.warnings += [w for r in records for w in r.warnings]
    site_papers = [p for p in papers if p is not None]
    site_index = _Index()
    for paper in site_papers:
        site_index.add(paper)
    # the profile's papers by their title in the manifest: a file retitled or deleted by hand
    by_name = {p.name: p for p in site_papers}
    manifest_files = {e.file for e in plan.manifest.values()}
    profile_titles = {t: e.file for key, e in plan.manifest.items() if (t := _identity_title(key))}
    # a paper only other sources added has no entry: `sources` still names its file
    deleted: dict[str, list[str]] = {}  # by the file name after its year: see _new_paper
    for name in sorted(plan.sources.keys() - plan.on_disk - pending.keys()):
        if name[:4].isascii() and name[:4].isdigit():
            # and without the `-2` a second paper of one title took, or it came back
            for rest in dict.fromkeys((name[4:], _NUMBERED.sub(".md", name[4:]))):
                deleted.setdefault(rest, []).append(name)
    owner_name = sources.owner_matcher(plan.owner, plan.people)

    # a file renamed by hand is known by the bytes the import wrote (as _plan_profile does)
    lost = {e.sha256: e for e in plan.manifest.values() if e.file not in plan.on_disk}
    entries = {e.file: e for e in plan.manifest.values()}

    def unedited(p: _Paper) -> bool:
        """Whether the file is as the import wrote it (or is about to write it)."""
        entry = entries.get(p.name) or lost.get(_sha256(p.data))
        ours = entry is not None and entry.sha256 == _sha256(p.data)
        return ours or plan.written.get(p.name) == _sha256(p.data)

    own = None  # this site's papers/ when its base URL is set: a page under any old name
    with contextlib.suppress(SitegenError):  # a bad URL variable: the build reports it
        base, placeholder = resolve_base_url(load_config(plan.papers_dir.parent.parent)[0], None)
        own = None if placeholder else urls.absolute(base, urls.paper("x")[:-2])

    def export_page(r: SourceRecord) -> bool:
        """Whether a record's url is this site's page, or the page of the site paper it
        matches under any base URL (a sitegen site's publications.*), named as the file is
        or was before a rename the manifest knows of; for a new paper, the page its file
        will make: a site's own files imported into a new one linked each page to itself."""
        if not r.url:
            return False
        if own and r.url.startswith(own):
            return True
        paper = site_index.find(_record_values(r))
        if paper is None:  # a new paper: the page its own file is to make (a site copied)
            year = _year(r.date)
            page = f"/{urls.paper(paper_slug(year, r.title))}" if year is not None else None
            return page is not None and urlsplit(r.url).path.endswith(page)
        slugs = [str(paper.values.get("slug") or Path(paper.name).stem)]
        if lost and (entry := lost.get(_sha256(paper.data))):
            slugs.append(Path(entry.file).stem)
        # and its old URLs (`aliases`, as a rename should list them): the page it redirects from
        pages = [urls.paper(s) for s in slugs] + _as_urls(paper.values.get("aliases"))
        return urlsplit(r.url).path.endswith(tuple(f"/{page}" for page in pages))

    # such a page (this site's, or a coauthor's) is no url of the paper, and would hide the
    # search links of one without: dropped, as is the type citations give an untyped paper
    records = [
        replace(r, url=None, type=None if r.type in _UNTYPED_CITED[bool(r.venue)] else r.type)
        if export_page(r)
        else r
        for r in records
    ]
    for group in group_records([sources.with_owner(r, owner_name) for r in records]):
        target = site_index.find(group.values)
        known = profile_titles.get(_norm_title(str(group.values["title"])))
        if target is None and known:  # within two years, as any match by title
            year = by_name[known].year if known in by_name else _file_year(known)
            if _years_near(group.year, year):
                if known not in by_name:  # deleted by hand
                    _kept_deleted(plan.report, known)
                    continue
                target = by_name[known]
        if target is None and group.year is not None:
            # a file named from this title: one a source added, then retitled by hand, or a
            # profile's paper the profile retitled since (Scholar still has the first title)
            name = f"{paper_slug(group.year, str(group.values['title']))}.md"
            ours = plan.sources.get(name, set()) & set(group.sources) or name in manifest_files
            doi = by_name[name].values.get("doi") if name in by_name else None
            if name in by_name and ours and doi in (None, group.values.get("doi")):
                target = by_name[name]
        if target is None:
            _new_paper(group, plan, deleted)
            continue
        plan.report.matched.add(_rel(target.name))
        ours = unedited(target)
        none = set() if ours else _none_by_hand(target.values, entries.get(target.name))
        # a type says what its venue is: never another's, nor without it
        kind = _same_kind(target, group) and not none & {"venue", "type"}
        gain = {
            k: group.values[k]
            for k in (*FILLABLE, "authors", "abstract")
            if k in group.values
            and target.values.get(k) in _UNSET
            and k not in none
            and (kind or k not in ("venue", *_OF_THE_VENUE))
        }
        if ours:  # the import's own file: what the sources know better
            gain.update(_fuller(target.values, group.values))
        elif (
            "authors" in gain
            and not target.values.get("authors")
            and target.values.get("et_al")
            and not group.values.get("et_al")
        ):  # the `et_al: true` written beside an empty list (ORCID's unknown authors) goes
            # with it, in a file edited by hand too: it said only that the list was unknown
            gain["et_al"] = False
        for key, value in gain.items():
            if target.values.get(key) not in _UNSET:
                target.replaced.append(key)
            target.values[key] = target.gained[key] = value
            target.origin[key] = group.origin.get(key, group.sources[0])
        notes = _disagreements(target, group, edited=not ours)
        plan.report.notes += [f"{_rel(target.name)}: {n}" for n in notes]
        site_index.add(target)
        plan.sources.setdefault(target.name, set()).update(group.sources)
    gaining = [p for p in site_papers if p.gained]
    filled = _each(lambda p: _filled(p, plan.spellings), gaining)
    for paper, (gained, new) in zip(gaining, filled, strict=True):
        path = plan.papers_dir / paper.name
        if new is None:
            why = f"front matter too unusual to add {', '.join(gained)} to"
            plan.report.warnings.append(SitegenWarning(why, path))
            continue
        plan.writes[path] = new  # in place of the profile's rendering, if it planned one
        if gained.get("owner_in_et_al") is False and not _owner_listed(
            gained["authors"], plan.spellings
        ):  # a whole list that does not name the owner, as of a new paper
            plan.report.warnings.append(_owner_unlisted(plan.owner, gained["authors"], path))
        keys = [k for k in gained if k != "owner_in_et_al"]
        plan.report.filled.append((_rel(paper.name), [k for k in keys if k not in paper.replaced]))
        if paper.replaced:
            whence = sorted({paper.origin[k] for k in paper.replaced})
            plan.report.replaced.append((_rel(paper.name), paper.replaced, whence))
        # the manifest hash kept in step, so the next import tells it from a hand edit
        entry = entries.get(paper.name) or lost.get(_sha256(paper.data))
        if entry is not None and entry.sha256 == _sha256(paper.data):
            entry.sha256 = _sha256(new)
        elif plan.written.get(paper.name) == _sha256(paper.data):
            plan.written[paper.name] = _sha256(new)


def _none_by_hand(values: dict[str, object], entry: _Entry | None) -> set[str]:
    """The keys a file edited by hand holds empty (`arxiv: null`, `~`, nothing, `[]`): none
    on purpose, the way to keep a wrong link or id out, never filled. Not a profile paper's
    `code_url: null` (`entry`: its manifest entry), which the import writes itself while the
    profile gives no code link (as `said` tells; an older manifest's cannot: taken so)."""
    none = {k for k in FILLABLE if k in values and values[k] in _UNSET}
    if entry is not None and "code_url" in none:
        at = _SAID_KEYS.index("code_url") * _DIGEST
        said = entry.said[at : at + _DIGEST] if len(entry.said) == len(_SAID_KEYS) * _DIGEST else ""
        if said in ("", _SAID_NONE):
            none.discard("code_url")
    return none


def _disagreements(have: _Paper, group: _Paper, edited: bool) -> list[str]:
    """What the sources say differently from the file (which is kept), for the report; of
    a preprint `edited` by hand, how to take the published version the sources give."""
    if _version(group.values) == "preprint" and _version(have.values) == "published":
        # a preprint of the file's published paper: its year, type and venue (arXiv's
        # journal reference) differ as a rule, which is no disagreement
        return group.notes
    out = []
    if have.year is not None and group.year is not None and have.year != group.year:
        out.append(f"year {have.year} in the file (kept), {group.year} in {group.origin['date']}")
    if edited and have.values.get("type") == "preprint" and _is_published(group.values):
        # a type blocks a venue, and so does a venue (arXiv's journal reference) another
        lines = "`type:` and `venue:` lines" if have.values.get("venue") else "`type:` line"
        date = f" and set `date: {group.values['date']}`" if have.year != group.year else ""
        return [
            *out,
            f"a preprint in the file, edited by hand (kept); {group.origin['venue']} gives its "
            f"published version ({group.values['venue']}): to take it, delete the file's "
            f"{lines}{date}, then import again",
            *group.notes,
        ]
    for key in ("venue", "type"):
        v, gv = have.values.get(key), group.values.get(key)
        # `venue: ''` is none (written by hand: on purpose, and not said at each import)
        if v and isinstance(v, str) and isinstance(gv, str) and title_key(v) != title_key(gv):
            out.append(f"{key} {v!r} in the file (kept), {gv!r} in {group.origin[key]}")
    return out + group.notes


def _is_preprint(values: dict[str, object]) -> bool:
    """A paper file typed a preprint, whatever its venue (an arXiv entry's journal
    reference), or of no type and no venue (a profile's paper, which is its arXiv listing)."""
    kind = values.get("type")
    return kind == "preprint" or (kind in _UNSET and values.get("venue") in _UNSET)


def _is_published(values: dict[str, object]) -> bool:
    """A record of a venue and of a type that says where it was published."""
    return values.get("venue") not in _UNSET and values.get("type") not in (None, *_UNPUBLISHED)


def _cut_short(cut: object, et_al: object, whole: object) -> bool:
    """Whether `cut`, a list cut short ("A, B, C et al."), is the start of the longer `whole`,
    its names spelt alike but for case, accents and punctuation (`Jason D Lee`, `Zoe
    Muller`: `Lee, Jason D.`, `M{\\"u}ller, Zo{\\"e}`), as the build's lookalikes."""

    def keys(names: list[str]) -> list[str]:
        return [sources._folded(str(n)) for n in names]

    return (
        et_al is True
        and isinstance(cut, list)
        and isinstance(whole, list)
        and len(whole) > len(cut)
        and keys(whole[: len(cut)]) == keys(cut)
    )


def _fuller(have: dict[str, object], given: dict[str, object]) -> dict[str, object]:
    """What the sources' record `given` says better than the import's own file `have`: the
    whole author list of one cut short, and a preprint's published version (its type,
    venue, volume, issue, pages and publisher, and its date when the years differ: the
    preprint's is not the publication's), as one import of both would write them."""
    out: dict[str, object] = {}
    if _cut_short(have.get("authors"), have.get("et_al"), given.get("authors")):
        out.update(authors=given["authors"], et_al=bool(given.get("et_al")))
    if _is_preprint(have) and _is_published(given):
        out.update({k: given[k] for k in ("venue", *_OF_THE_VENUE) if k in given})
        if _year(have.get("date")) != _year(given.get("date")) and "date" in given:
            out["date"] = given["date"]
            if have.get("year_inferred"):
                out["year_inferred"] = False
    return out


def _same_kind(have: _Paper, group: _Paper) -> bool:
    """Whether the file's venue and type are none or the sources': only then may it gain
    theirs, so that both still come from one record."""
    v, gv, t = have.values.get("venue"), group.values.get("venue"), have.values.get("type")
    same = not v or (isinstance(v, str) and isinstance(gv, str) and title_key(v) == title_key(gv))
    return same and (t in _UNSET or t == group.values.get("type"))


def _new_paper(group: _Paper, plan: _Plan, deleted: dict[str, list[str]]) -> None:
    v = group.values
    year = _year(v.get("date"))
    if year is None:
        how = _DATE_FIELD.get(os.path.splitext(group.sources[0])[1].lower(), "")
        why = f"{str(v['title'])[:60]!r} has no date; not imported{how}"
        plan.report.warnings.append(SitegenWarning(why, group.sources[0], group.line))
        return
    # deleted by hand, matched as a paper is: by title, years at most two apart
    rest = paper_slug(year, str(v["title"]))[4:] + ".md"
    gone = [d for d in deleted.get(rest, ()) if _years_near(int(d[:4]), year)]
    if not plan.force and gone:
        _kept_deleted(plan.report, gone[0])
        return
    data = render_new_paper(v, plan.spellings, plan.as_of).encode()
    name = plan.add(year, str(v["title"]), data)
    if gone:  # --force: under the name it had, or the next free one
        plan.report.forced[_rel(name)] = "deleted by hand"
    own = f"papers/{name[:-3]}/"  # a Hugo folder named papers: its page's URL is this one's
    if own in _as_urls(v.get("aliases")):
        kept = [a for a in v["aliases"] if alias_url(a) != own]  # type: ignore[union-attr]
        data = render_new_paper({**v, "aliases": kept}, plan.spellings, plan.as_of).encode()
        plan.writes[plan.papers_dir / name] = data
    plan.written[name] = _sha256(plan.writes[plan.papers_dir / name])
    authors = v.get("authors") or []
    if not _may_hide_owner(authors, v.get("et_al")) and not _owner_listed(authors, plan.spellings):
        plan.report.warnings.append(_owner_unlisted(plan.owner, authors, plan.papers_dir / name))
    plan.report.origins[_rel(name)] = list(group.sources)
    plan.report.notes += [f"{_rel(name)}: {n}" for n in group.notes]  # the sources' own
    plan.sources.setdefault(name, set()).update(group.sources)


def _owner_unlisted(owner: str, authors: Sequence[object], path: Path) -> SitegenWarning:
    """A paper whose whole author list (new, or filled in) does not name the owner: under a
    spelling the import does not know (`José R. García` for José Ramón García-Pérez), or
    not theirs."""
    return SitegenWarning(
        f"the owner, {owner}, is not among its authors ({', '.join(map(str, authors))}): if "
        "one of them is you, add that spelling to content/people.yaml as yours "
        f"(`- name: {owner}`, `owner: true`, `aliases: [...]`); if not, correct its authors",
        path,
    )


def _kept_deleted(report: ImportReport, name: str) -> None:
    """Said once of a file deleted by hand, which the profile or a source may have said."""
    gone = (_rel(name), "deleted by hand; --force re-creates it")
    report.kept += [gone] if gone not in report.kept else []


def render_new_paper(values: dict[str, object], owner: frozenset[str], added: dt.date) -> str:
    """A paper file for a paper only the other sources know, in the profile's key order;
    `owner`: the owner's spellings (owner_spellings)."""
    authors = list(values.get("authors") or [])
    fm: dict[str, object] = {"title": values["title"], "date": values["date"]}
    if values.get("topic"):
        fm["topic"] = values["topic"]
    fm["authors"] = authors
    # no author known (an ORCID work's) is no sole authorship: the owner shown, "et al."
    fm["et_al"] = bool(values.get("et_al")) or not authors
    fm["owner_in_et_al"] = not _owner_listed(authors, owner) and _may_hide_owner(
        authors, fm["et_al"]
    )
    fm.update({k: values[k] for k in FILLABLE if values.get(k)})
    fm["added"] = added
    body = values.get("abstract")
    return f"---\n{dump_yaml(fm)}---\n" + (f"{body}\n" if body else "")


def _owner_listed(authors: Iterable[object], owner: frozenset[str]) -> bool:
    return any(name_key(str(a)) in owner for a in authors)


# an author that is a group of people (`ATLAS Collaboration`, `The CMS Collaboration`)
_GROUP = re.compile(
    r"\b(collaboration|consortium|team|group|project|committee|initiative|investigators)\b",
    re.IGNORECASE,
)


def _may_hide_owner(authors: Sequence[object], et_al: object) -> bool:
    """Whether a list not naming the owner may still hold them: one cut short ("et al."),
    none at all (ORCID's), or one with a group author, whose members it does not list."""
    return bool(et_al) or not authors or any(_GROUP.search(str(a)) for a in authors)


def insert_keys(text: str, values: dict[str, object], replace: Collection[str] = ()) -> str | None:
    """`text` with each key of `values` a new front matter line (or in place of its empty
    value, or of any value for a key in `replace`), `abstract` the body, every other byte
    kept; None if too unusual to edit."""
    values = dict(values)
    abstract = values.pop("abstract", None)
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    nl = "\r\n" if text[len(bom) :].startswith("---\r\n") else "\n"
    lines = text[len(bom) :].split(nl)
    if lines[0] != "---" or "---" not in lines[1:]:
        return None
    close = lines.index("---", 1)
    for key, value in values.items():
        block = dump_yaml({key: value}).rstrip("\n").split("\n")
        at = next((i for i in range(1, close) if lines[i].startswith(f"{key}:")), None)
        end = close if at is None else at + 1  # past the value's own lines: a list's items
        while end < close and lines[end][:1] in (" ", "-", "\t"):
            end += 1
        if at is None:
            lines[close:close] = block
        # owner_in_et_al follows `authors`, which just gained names
        elif key in replace or (
            (key == "owner_in_et_al" or _EMPTY_VALUE.fullmatch(lines[at][len(key) + 1 :]))
            and end == at + 1
        ):
            lines[at:end] = block
        else:
            return None
        close += len(block) - (0 if at is None else end - at)
    if abstract:
        if nl.join(lines[close + 1 :]).strip():
            return None
        lines[close + 1 :] = [str(abstract), ""]
    return bom + nl.join(lines)


def _filled(paper: _Paper, owner: frozenset[str]) -> tuple[dict[str, object], bytes | None]:
    """(the keys a site paper gains, its file with them or None: see insert_keys); `owner`:
    the owner's spellings."""
    gained = dict(paper.gained)
    if "authors" in gained and paper.values.get("owner_in_et_al"):
        # it says who the list leaves out: the list changed, and names them or no one
        authors, et_al = gained["authors"], {**paper.values, **gained}.get("et_al")
        if _owner_listed(authors, owner) or not _may_hide_owner(authors, et_al):
            gained["owner_in_et_al"] = False
    try:  # a value the file has is replaced only in the import's own file (_fuller's)
        text = insert_keys(paper.data.decode("utf-8"), gained, paper.replaced)
    except UnicodeDecodeError:
        text = None  # the build reports the file; rewriting it could change other bytes
    # read back: the file must say what it said, plus the new keys
    after = _site_paper("", text.encode()) if text is not None else None
    if after is None or after.values != {**paper.values, **gained}:
        return gained, None
    return gained, text.encode()  # type: ignore[union-attr]


def _write_all(writes: dict[Path, bytes], site: Path) -> None:
    """All-or-nothing as far as a file system allows: every temporary file is written
    before the first rename, and removed again if any write fails."""
    # a linked file is written where the link leads, as an editor writes it (the link was
    # replaced by a file, and its target never gained the DOI), and keeps its mode
    targets = {p: os.path.realpath(p) if os.path.islink(p) else os.fspath(p) for p in writes}
    parents = {Path(t).parent for t in targets.values()}
    new_dirs = sorted({d for p in parents for d in (p, *p.parents) if not d.exists()})
    temps: list[tuple[str, str]] = []
    suffix = f".{os.getpid()}.tmp"
    try:
        for d in new_dirs:  # a parent sorts before its children
            d.mkdir(exist_ok=True)
        for path, data in writes.items():
            target = targets[path]
            parent, name = os.path.split(target)
            for n in itertools.count():  # the first name no other temporary has
                tmp = os.path.join(parent, f".{name}.{n}{suffix}")
                with contextlib.suppress(FileExistsError):
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                    break
            temps.append((tmp, target))
            with contextlib.suppress(OSError):  # a new file: the umask's mode
                os.fchmod(fd, stat.S_IMODE(os.stat(target).st_mode))
            write_and_close(fd, data)
    except BaseException as e:  # a full disk, or Ctrl-C: nothing is changed
        # by name, this process's: a Ctrl-C between a file's creation and its listing left it
        for parent in parents:
            with contextlib.suppress(OSError), os.scandir(parent) as entries:
                for entry in entries:
                    if entry.name.startswith(".") and entry.name.endswith(suffix):
                        _unlink_quietly(entry.path)
        for d in reversed(new_dirs):
            with contextlib.suppress(OSError):
                d.rmdir()
        if not isinstance(e, OSError):
            raise
        raise SitegenError(
            f"cannot write ({e.strerror or e}); nothing was changed", path=e.filename or site
        ) from None
    with signals_held():  # papers and manifest go together: a Ctrl-C waits for the last
        for i, (tmp, target) in enumerate(temps):
            try:
                os.replace(tmp, target)
            except OSError as e:
                for t, _ in temps[i:]:
                    _unlink_quietly(t)
                raise SitegenError(
                    f"cannot write ({e.strerror or e}); {i} of {len(temps)} files were "
                    "written, the manifest was not: run the import again",
                    path=target,
                ) from None


def _sweep_stale_temps(folders: tuple[Path, ...]) -> None:
    """A killed import's temporary files, which version control shows (another running
    import's stay)."""
    for folder in folders:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            if (m := _TEMP_NAME.fullmatch(name)) and not process_alive(int(m.group(1))):
                _unlink_quietly(os.path.join(folder, name))


def _unlink_quietly(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
