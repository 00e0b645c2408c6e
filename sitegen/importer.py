"""Records -> `content/papers/*.md` and `content/profile.yaml`, never losing an edit.

The profile text is the source the user keeps refreshing; the Markdown files
are what they polish by hand. So re-importing has to tell the two kinds of
change apart. A small manifest, `content/.sitegen-import.json`, records for
each paper the file name and the sha256 of the bytes the import last wrote:

- file == manifest hash, new rendering identical  -> unchanged (not touched)
- file == manifest hash, profile changed          -> updated (keeps `added`)
- file != manifest hash                           -> kept: edited by hand (`--force` overwrites)
- file deleted                                    -> kept: deleted by hand (`--force` re-creates)
- paper no longer in the profile                  -> reported, never deleted

A paper's identity is taken from the profile record, not from the file, so a
user editing the title in the file does not make it a new paper: topic +
month/day + normalised title, with an occurrence number for exact duplicates.
The year is left out on purpose because a yearless date ("Mar 16") is
inferred from the reference date and can change between imports; when the
profile corrects a date or topic, a second pass matches by title alone, so the
paper keeps its file and its `added` date.

Everything is rendered and checked in memory first; then every file goes to a
temporary file in its own directory, and only when all of those exist are they
renamed into place (manifest last). A failure before the renames removes the
temporaries, so a failed import writes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import SitegenError, SitegenWarning
from .profile import BINARY_MESSAGE, SNIFF_BYTES, PaperRecord, Profile, parse_profile
from .slugs import paper_slug

_json_str = json.encoder.encode_basestring  # C-accelerated; keeps non-ASCII as is

MANIFEST_NAME = ".sitegen-import.json"
MANIFEST_FORMAT = 1
_MANIFEST_NOTE = (
    "Written by `sitegen import` to tell its own files from hand-edited ones. "
    "Commit it with content/; do not edit it."
)
PROFILE_YAML_HEADER = (
    "# Written by `sitegen import`: name, field and metrics are replaced on every\n"
    "# import; any other key you add here (bio, email, links...) is kept.\n"
)

# ---------------------------------------------------------------- YAML emitting
#
# yaml.safe_dump takes most of a second for 10,000 papers; the front matter is a
# flat mapping of strings, dates, booleans and lists, so a few lines do it.
# A string is written plain only when it is certainly read back as the same
# string; anything else is double-quoted with escapes (valid YAML 1.1 and 1.2).

_PLAIN = re.compile(r"[^\W\d_](?:[\w .,'()/+&?!-]*[\w.)'?!])?")
_RESERVED = frozenset(
    "y Y n N yes Yes YES no No NO true True TRUE false False FALSE on On ON off Off OFF "
    "null Null NULL".split()
)
_DQ_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]')
_NAMED_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\x00": "\\0"}


def yaml_str(s: str) -> str:
    """A YAML scalar that loads back (yaml.safe_load) as exactly `s`."""
    if _PLAIN.fullmatch(s) and s not in _RESERVED:
        return s
    return '"' + _DQ_ESCAPE.sub(_escape_char, s) + '"'


def _escape_char(m: re.Match[str]) -> str:
    c = m.group()
    named = _NAMED_ESCAPES.get(c)
    if named:
        return named
    return f"\\x{ord(c):02X}" if ord(c) < 0x100 else f"\\u{ord(c):04X}"


def _yaml_list(key: str, items: tuple[str, ...] | list[str]) -> list[str]:
    if not items:
        return [f"{key}: []"]
    return [f"{key}:"] + [f"- {yaml_str(x)}" for x in items]


def _yaml_number(v: int | float) -> str:
    if isinstance(v, int):
        return str(v)
    r = repr(v)
    if "e" in r or "." not in r:  # YAML 1.1 reads 1e-05 as a string
        r = f"{v:.6f}".rstrip("0")
        r = r + "0" if r.endswith(".") else r
    return r


def render_paper(record: PaperRecord, owner: str, added: dt.date) -> str:
    """The whole `content/papers/<slug>.md` text for one paper.

    Every key is always written (with `false`, `[]` or `null` when empty) so a
    user editing a file sees everything they can change.
    """
    code_url = record.code_url()
    lines = [
        "---",
        f"title: {yaml_str(record.title)}",
        f"date: {record.date.isoformat()}",
        f"year_inferred: {'true' if record.year_inferred else 'false'}",
        f"topic: {yaml_str(record.topic)}",
        *_yaml_list("authors", record.authors),
        f"et_al: {'true' if record.et_al else 'false'}",
        f"owner_in_et_al: {'true' if record.owner_in_et_al(owner) else 'false'}",
        *_yaml_list("affiliations", record.affiliations),
        f"code: {'true' if record.code else 'false'}",
        f"code_url: {yaml_str(code_url) if code_url else 'null'}",
        f"added: {added.isoformat()}",
        "---",
    ]
    body = record.body_markdown()
    if body:
        lines.append(body)
    return "\n".join(lines) + "\n"


def render_profile_yaml(profile: Profile) -> dict[str, object]:
    """The keys of profile.yaml that the import owns."""
    data: dict[str, object] = {"name": profile.owner}
    if profile.field is not None:
        data["field"] = profile.field
    data["metrics"] = dict(profile.metrics)
    return data


def _emit_profile_keys(data: dict[str, object]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            if not value:
                out[key] = [f"{key}: {{}}"]
            else:
                out[key] = [f"{key}:"] + [
                    f"  {yaml_str(k)}: {_yaml_number(v)}" for k, v in value.items()
                ]
        else:
            out[key] = [f"{key}: {yaml_str(str(value))}"]
    return out


# ---------------------------------------------------------------- report


@dataclass
class ImportReport:
    """What an import did (or, with --dry-run, would do), for the CLI to print."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    missing: list[str] = field(default_factory=list)
    profile_yaml: str | None = None  # "created" / "updated"; None when unchanged
    warnings: list[SitegenWarning] = field(default_factory=list)
    dry_run: bool = False

    def lines(self) -> list[str]:
        """Human summary; the last line is the counts, e.g. `0 added, 0 updated, 32 unchanged`."""
        out: list[str] = []
        if self.dry_run:
            out.append("dry run: nothing written; the import would:")
            out += [f"  add {p}" for p in self.added]
            out += [f"  update {p}" for p in self.updated]
            if self.profile_yaml:
                verb = "create" if self.profile_yaml == "created" else "update"
                out.append(f"  {verb} content/profile.yaml")
        elif self.profile_yaml:
            out.append(f"{self.profile_yaml} content/profile.yaml")
        out += [f"kept {p} ({why})" for p, why in self.kept]
        out += [f"missing from profile: {p} (left in place)" for p in self.missing]
        summary = (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged"
        )
        if self.kept:
            summary += f", {len(self.kept)} kept (edited by hand)"
        if self.missing:
            summary += f", {len(self.missing)} missing from profile"
        out.append(summary)
        return out


# ---------------------------------------------------------------- identity


_TITLE_JUNK = re.compile(r"[\W_]+")


def _norm_title(title: str) -> str:
    return " ".join(_TITLE_JUNK.sub(" ", unicodedata.normalize("NFKC", title).casefold()).split())


def _identity_base(topic: str, date: dt.date, title: str) -> str:
    return f"{topic}|{date.month:02d}-{date.day:02d}|{_norm_title(title)}"


def identities(
    records: tuple[PaperRecord, ...] | list[PaperRecord],
) -> tuple[list[str], list[tuple[int, int]]]:
    """Stable keys for records, plus (line, first line) for each exact duplicate."""
    seen: dict[str, tuple[int, int]] = {}  # base -> (count, first line)
    keys: list[str] = []
    dups: list[tuple[int, int]] = []
    for r in records:
        base = _identity_base(r.topic, r.date, r.title)
        count, first = seen.get(base, (0, r.line))
        count += 1
        seen[base] = (count, first)
        keys.append(base if count == 1 else f"{base}#{count}")
        if count > 1:
            dups.append((r.line, first))
    return keys, dups


# ---------------------------------------------------------------- reading


def read_profile_text(path: Path) -> str:
    """Decode the profile file, refusing binary and non-UTF-8 data with a line number."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise SitegenError(
            f"cannot read the profile: {e.strerror or e}", path=path, exit_code=2
        ) from None
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


def _load_manifest(path: Path) -> dict[str, _Entry]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as e:
        raise SitegenError(f"cannot read: {e.strerror or e}", path=path) from None
    try:
        data = json.loads(raw)
        if data.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        return {
            key: _Entry(
                file=_safe_name(e["file"]),
                sha256=str(e["sha256"]),
                added=dt.date.fromisoformat(e["added"]),
            )
            for key, e in data["papers"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise SitegenError(
            f"the import manifest is damaged ({e}); restore it from version control, or "
            "delete it to start over (every existing paper file is then treated as yours)",
            path=path,
        ) from None


def _safe_name(name: object) -> str:
    if not isinstance(name, str) or not name.endswith(".md") or "/" in name or "\\" in name:
        raise ValueError(f"bad file name {name!r}")
    if name.startswith("."):
        raise ValueError(f"bad file name {name!r}")
    return name


def _dump_manifest(entries: dict[str, _Entry]) -> bytes:
    """Sorted, one paper per line: deterministic bytes and readable diffs.

    Written by hand because json.dumps(indent=...) falls back to the pure-Python
    encoder, a tenth of a second at 10,000 papers."""
    rows = [
        f"  {_json_str(k)}: "
        f'{{"added": "{e.added.isoformat()}", "file": {_json_str(e.file)}, '
        f'"sha256": "{e.sha256}"}}'
        for k, e in sorted(entries.items())
    ]
    head = (
        f'{{\n "format": {MANIFEST_FORMAT},\n "note": {json.dumps(_MANIFEST_NOTE)},\n "papers": {{'
    )
    body = "\n" + ",\n".join(rows) + "\n }\n}\n" if rows else "}\n}\n"
    return (head + body).encode()


def _read_front_matter(data: bytes) -> dict | None:
    """Front matter of a paper file the manifest does not know, or None."""
    text = data.decode("utf-8", errors="replace").replace("\r\n", "\n")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0 and text.endswith("\n---"):
        end = len(text) - 4
    if end < 0:
        return None
    try:
        fm = yaml.safe_load(text[4:end])
    except _YAML_ERRORS:
        return None
    return fm if isinstance(fm, dict) else None


def _unmanaged_identities(
    papers_dir: Path, names: list[str]
) -> dict[str, tuple[str, dt.date | None]]:
    """identity -> (file name, its `added`) for paper files the manifest does not
    list, so a lost manifest or a hand-written file does not produce duplicates."""
    found: dict[str, tuple[str, dt.date | None]] = {}
    counts: dict[str, int] = {}
    for name in sorted(names):
        try:
            fm = _read_front_matter((papers_dir / name).read_bytes())
        except OSError:
            continue
        if not fm:
            continue
        title, topic, date, added = (
            fm.get("title"),
            fm.get("topic"),
            fm.get("date"),
            fm.get("added"),
        )
        if not (isinstance(title, str) and isinstance(topic, str) and isinstance(date, dt.date)):
            continue
        base = _identity_base(topic, date, title)
        counts[base] = counts.get(base, 0) + 1
        key = base if counts[base] == 1 else f"{base}#{counts[base]}"
        found[key] = (name, added if type(added) is dt.date else None)
    return found


# ---------------------------------------------------------------- profile.yaml merge


# PyYAML builds dates while parsing: `2022-02-30` raises ValueError, not YAMLError.
_YAML_ERRORS = (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError)
_TOP_KEY = re.compile(r"([A-Za-z_][\w-]*)\s*:(?:\s|$)")  # the imported keys are plain words


def _merge_profile_yaml(path: Path, imported: dict[str, object]) -> tuple[str | None, str]:
    """(new text or None when nothing changes, "created"/"updated").

    Only the imported keys are rewritten, in place, so the user's own keys,
    comments and layout survive; when the file's layout is too unusual to edit
    that way, the merged mapping is dumped whole.
    """
    try:
        old = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        blocks = _emit_profile_keys(imported).values()
        return PROFILE_YAML_HEADER + "".join("\n".join(b) + "\n" for b in blocks), "created"
    except (OSError, UnicodeDecodeError) as e:
        raise SitegenError(f"cannot read: {e}", path=path) from None
    try:
        data = yaml.safe_load(old)
    except _YAML_ERRORS as e:
        mark = getattr(e, "problem_mark", None)
        raise SitegenError(
            f"not valid YAML ({getattr(e, 'problem', None) or e}); fix it or move it away",
            path=path,
            line=mark.line + 1 if mark else None,
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SitegenError("expected a mapping of keys (name:, metrics: ...)", path=path)
    if all(k in data and data[k] == v for k, v in imported.items()):
        return None, "unchanged"
    merged = dict(data)
    merged.update(imported)

    # Rewrite only the keys whose value changed: an unchanged `name:` keeps its comment.
    emitted = _emit_profile_keys({k: v for k, v in imported.items() if data.get(k) != v})
    lines = old.replace("\r\n", "\n").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    out: list[str] = []
    done: set[str] = set()
    i = 0
    while i < len(lines):
        m = _TOP_KEY.match(lines[i])
        key = m.group(1) if m else None
        if key in emitted and key not in done:
            j = i + 1
            while j < len(lines) and (lines[j][:1] in (" ", "\t", "-") or not lines[j].strip()):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():
                j -= 1
            out += emitted[key]
            done.add(key)
            i = j
        else:
            out.append(lines[i])
            i += 1
    for key, block in emitted.items():
        if key not in done:
            out += block
    text = "\n".join(out) + "\n"
    try:
        ok = yaml.safe_load(text) == merged
    except _YAML_ERRORS:
        ok = False
    if not ok:
        text = yaml.safe_dump(merged, sort_keys=False, allow_unicode=True, width=1000)
    return text, "updated"


# ---------------------------------------------------------------- planning


def run_import(
    profile: Path,
    site: Path,
    *,
    as_of: dt.date,
    dry_run: bool = False,
    force: bool = False,
) -> ImportReport:
    """Import `profile` into `site`/content; see the module docstring for the rules.

    `as_of` is both the reference date for yearless dates and the `added`
    date of new papers. Raises SitegenError for unusable input, before any
    file is written.
    """
    profile = Path(profile)
    site = Path(site)
    prof = parse_profile(read_profile_text(profile), as_of=as_of, source=str(profile))
    report = ImportReport(warnings=list(prof.warnings), dry_run=dry_run)

    if site.exists() and not site.is_dir():
        raise SitegenError("the site folder is a file", path=site)
    content = site / "content"
    papers_dir = content / "papers"
    manifest_path = content / MANIFEST_NAME
    for d in (content, papers_dir):
        if d.exists() and not d.is_dir():
            raise SitegenError("expected a folder here, found a file", path=d)
    manifest = _load_manifest(manifest_path)
    on_disk = _list_papers(papers_dir)

    keys, dups = identities(prof.records)
    for line, first in dups:
        report.warnings.append(
            SitegenWarning(
                f"same title, topic and date as the paper at line {first}; imported twice",
                profile,
                line,
            )
        )
    matched = _match(prof.records, keys, manifest)
    managed = {e.file for e in manifest.values()}
    unmanaged_names = [n for n in on_disk if n not in managed]
    unmanaged = _unmanaged_identities(papers_dir, unmanaged_names) if unmanaged_names else {}
    taken = {n.lower() for n in on_disk} | {f.lower() for f in managed}

    plan = _Plan(papers_dir, set(on_disk), prof.owner, force, report)
    for rec, key in zip(prof.records, keys, strict=True):
        old_key = matched.get(key)
        if old_key is not None:
            plan.known(rec, key, manifest[old_key])
        elif key in unmanaged:
            plan.unmanaged(rec, key, *unmanaged.pop(key), as_of)
        else:
            plan.new(rec, key, _free_slug(rec, taken), as_of)

    # Papers gone from the profile keep their manifest entry (and so their file
    # name and `added`, should they come back); the file is left alone.
    kept_keys = set(matched.values())
    for key, entry in manifest.items():
        if key not in kept_keys:
            plan.manifest[key] = entry
            if entry.file in plan.on_disk:
                report.missing.append(_rel(entry.file))

    yaml_text, status = _merge_profile_yaml(content / "profile.yaml", render_profile_yaml(prof))
    if yaml_text is not None:
        plan.writes.append((content / "profile.yaml", yaml_text.encode()))
        report.profile_yaml = status

    manifest_bytes = _dump_manifest(plan.manifest)
    if _read_or_none(manifest_path) != manifest_bytes:
        plan.writes.append((manifest_path, manifest_bytes))  # last: only after every paper

    if not dry_run:
        _sweep_stale_temps((content, papers_dir))
    if not dry_run and plan.writes:
        _write_all(plan.writes, site)
    return report


def _list_papers(papers_dir: Path) -> list[str]:
    try:
        return [
            e.name
            for e in os.scandir(papers_dir)
            if e.name.endswith(".md") and not e.name.startswith(".")
        ]
    except FileNotFoundError:
        return []
    except OSError as e:
        raise SitegenError(f"cannot list: {e.strerror or e}", path=papers_dir) from None


def _match(
    records: tuple[PaperRecord, ...], keys: list[str], manifest: dict[str, _Entry]
) -> dict[str, str]:
    """Profile identity -> manifest identity of the same paper.

    Pass 1 is exact; pass 2 pairs what is left by normalised title alone, so a
    date or topic corrected in the profile keeps the paper's file and `added`.
    """
    matched = {key: key for key in keys if key in manifest}
    by_title: dict[str, list[str]] = {}
    for key in manifest:
        if key not in matched:
            by_title.setdefault(key.split("|", 2)[2].split("#", 1)[0], []).append(key)
    if by_title:
        for rec, key in zip(records, keys, strict=True):
            candidates = by_title.get(_norm_title(rec.title))
            if key not in matched and candidates:
                same_topic = [k for k in candidates if k.startswith(rec.topic + "|")]
                old = (same_topic or candidates)[0]
                candidates.remove(old)
                matched[key] = old
    return matched


def _free_slug(rec: PaperRecord, taken: set[str]) -> str:
    """A file name no other paper has or had: `-2`, `-3`... in profile order."""
    base = paper_slug(rec.date.year, rec.title)
    slug, n = base, 2
    while f"{slug}.md".lower() in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(f"{slug}.md".lower())
    return f"{slug}.md"


def _rel(name: str) -> str:
    return f"content/papers/{name}"


@dataclass
class _Plan:
    """The decision for each paper, made in memory before anything is written."""

    papers_dir: Path
    on_disk: set[str]
    owner: str
    force: bool
    report: ImportReport
    manifest: dict[str, _Entry] = field(default_factory=dict)
    writes: list[tuple[Path, bytes]] = field(default_factory=list)

    def _write(self, name: str, data: bytes) -> None:
        self.writes.append((self.papers_dir / name, data))

    def known(self, rec: PaperRecord, key: str, entry: _Entry) -> None:
        """A paper the import wrote before: update it unless the user touched the file."""
        name = entry.file
        data = render_paper(rec, self.owner, entry.added).encode()
        fresh = _Entry(name, hashlib.sha256(data).hexdigest(), entry.added)
        current = _read_or_none(self.papers_dir / name) if name in self.on_disk else None
        if current == data:
            self.report.unchanged.append(_rel(name))
            entry = fresh
        elif current is None and not self.force:
            self.report.kept.append((_rel(name), "deleted by hand; --force re-creates it"))
        elif current is None or self.force or hashlib.sha256(current).hexdigest() == entry.sha256:
            self._write(name, data)
            self.report.updated.append(_rel(name))
            entry = fresh
        else:
            self.report.kept.append((_rel(name), "edited by hand; --force overwrites it"))
        self.manifest[key] = entry

    def unmanaged(
        self, rec: PaperRecord, key: str, name: str, added: dt.date | None, as_of: dt.date
    ) -> None:
        """A file the manifest does not know but with this paper's identity: a
        lost manifest (adopt it when identical) or the user's own (--force only)."""
        added = added or as_of
        data = render_paper(rec, self.owner, added).encode()
        if _read_or_none(self.papers_dir / name) == data:
            self.report.unchanged.append(_rel(name))
        elif self.force:
            self._write(name, data)
            self.report.updated.append(_rel(name))
        else:
            reason = "not written by sitegen import; --force overwrites it"
            self.report.kept.append((_rel(name), reason))
            return
        self.manifest[key] = _Entry(name, hashlib.sha256(data).hexdigest(), added)

    def new(self, rec: PaperRecord, key: str, name: str, as_of: dt.date) -> None:
        data = render_paper(rec, self.owner, as_of).encode()
        self._write(name, data)
        self.report.added.append(_rel(name))
        self.manifest[key] = _Entry(name, hashlib.sha256(data).hexdigest(), as_of)


def _read_or_none(path: Path | str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SitegenError(f"cannot read: {e.strerror or e}", path=path) from None


# ---------------------------------------------------------------- writing


def _write_all(writes: list[tuple[Path, bytes]], site: Path) -> None:
    """All-or-nothing as far as a file system allows: every temporary file is
    written before the first rename, and removed again if any write fails."""
    created_dirs: list[Path] = []
    temps: list[tuple[str, str]] = []
    ready: set[str] = set()
    suffix = f".{os.getpid()}.tmp"
    try:
        for path, data in writes:
            target = os.fspath(path)
            parent, name = os.path.split(target)
            if parent not in ready:
                if not os.path.isdir(parent):
                    p = Path(parent)
                    created_dirs += [d for d in (p, *p.parents) if not d.exists()]
                    p.mkdir(parents=True, exist_ok=True)
                ready.add(parent)
            n = 0
            while True:
                tmp = os.path.join(parent, f".{name}.{n}{suffix}")
                try:
                    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                    break
                except FileExistsError:
                    n += 1
            temps.append((tmp, target))
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
            finally:
                os.close(fd)
    except OSError as e:
        for tmp, _ in temps:
            _unlink_quietly(tmp)
        for d in sorted(set(created_dirs), key=lambda d: len(d.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:
                pass
        raise SitegenError(
            f"cannot write ({e.strerror or e}); nothing was changed", path=e.filename or site
        ) from None
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


_TEMP_NAME = re.compile(r"\..+\.\d+\.(\d+)\.tmp")  # _write_all's `.NAME.N.PID.tmp`


def _sweep_stale_temps(folders: tuple[Path, ...]) -> None:
    """Remove the temporary files of an import that was killed before it could.

    They are hidden and never read, but a killed import can leave thousands in
    content/papers, where version control shows them. Files of a process that
    is still running (another import) are left alone.
    """
    if os.name != "posix":  # os.kill(pid, 0) probes a process only on POSIX
        return
    for folder in folders:
        try:
            names = [e.name for e in os.scandir(folder)]
        except OSError:
            continue
        for name in names:
            m = _TEMP_NAME.fullmatch(name)
            if m and not _process_alive(int(m.group(1))):
                _unlink_quietly(os.path.join(folder, name))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, owned by someone else
        return True
    return True


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
