"""`sitegen new DIR`: a site folder a newcomer can build and deploy at once, from the files in
skeleton/ (its sitegen.yaml lists every setting with its default, commented out). Nothing that
exists is overwritten, even with --force (which writes *beside* existing files), and nothing is
written through a symbolic link.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from importlib import metadata
from pathlib import Path
from shlex import quote

import yaml

from .config import CONFIG_FILE
from .errors import SitegenError
from .state import not_site

SKELETON = Path(__file__).parent / "skeleton"  # copied into a new site byte for byte


def _skeleton(name: str) -> str:
    return (SKELETON / name).read_text(encoding="utf-8")


SITEGEN_YAML = _skeleton("sitegen.yaml")
# the about section's keys, commented: also added to a profile.yaml made by the import
PORTFOLIO_KEYS = _skeleton("profile-about.yaml")
PROFILE_YAML = _skeleton("profile.yaml") + PORTFOLIO_KEYS
PLACEHOLDER_NAME = yaml.safe_load(PROFILE_YAML)["name"]  # warned of until it is replaced


def sitegen_requirement() -> str | None:
    """A pip requirement for the sitegen running now, when pip recorded (PEP 610) that it came
    from a public URL: a git or https install can be repeated on Netlify, a local folder not."""
    try:
        raw = metadata.distribution("sitegen").read_text("direct_url.json")
        info = json.loads(raw) if raw else None
    except (metadata.PackageNotFoundError, ValueError):
        return None
    url = info.get("url") if isinstance(info, dict) else None
    if not isinstance(url, str) or not url.startswith("https://"):
        return None
    sub = info.get("subdirectory")  # a project in a folder of its repository or archive
    where = f"#subdirectory={sub}" if isinstance(sub, str) and sub else ""
    vcs = info.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git":
        ref = vcs.get("commit_id") or vcs.get("requested_revision")
        return f"sitegen[search] @ git+{url}" + (f"@{ref}" if ref else "") + where
    if "archive_info" in info:
        return f"sitegen[search] @ {url}{where}"
    return None


def requirements_txt() -> tuple[str, bool]:
    """The requirements file, and whether it already names sitegen."""
    req = sitegen_requirement()
    line = req or "# (add the line for sitegen here)"
    return _skeleton("requirements.txt") + line + "\n", req is not None


def _file_in_the_way(folder: Path, rels: list[str]) -> Path | None:
    """A file (or anything but a folder) where the site needs a folder: checked before
    anything is written, so a refused `sitegen new` leaves nothing behind."""
    above = next((p for p in folder.parents if p.exists()), None)
    if above is not None and not above.is_dir():
        return above
    for rel in rels:
        for parent in reversed(Path(rel).parents[:-1]):  # content, then content/papers
            if (folder / parent).exists() and not (folder / parent).is_dir():
                return folder / parent
    return None


def _link_on_the_way(folder: Path, rel: str) -> Path | None:
    """A symbolic link, dangling or not, at `rel` or at a folder above it in the site: a
    folder given with --force may hold one (a clone of someone's site), and what is written
    through it lands outside the site."""
    paths = (folder / p for p in (Path(rel), *Path(rel).parents[:-1]))
    return next((p for p in paths if p.is_symlink()), None)


SOURCE_KINDS = {
    "bibtex": "a BibTeX file",
    "ris": "a RIS file",
    "json": "a CSL-JSON or ORCID file",
    "hugo": "a folder",
    "online": "an online source",
}


def _check_profile(folder: Path, profile: Path) -> None:
    """--profile names the owner from the profile text's top; the other sources do not name
    the owner, so they are imported into a site whose profile.yaml already does."""
    from .importer import source_kind

    kind = source_kind(str(profile))
    if kind != "profile":
        raise SitegenError(
            f"--profile takes a profile text, not {SOURCE_KINDS[kind]}: start the site with "
            f"`sitegen new {quote(str(folder))}`, set `name:` in "
            f"{folder / 'content' / 'profile.yaml'}, "
            f"then `sitegen import {quote(str(profile))} --site {quote(str(folder))}`",
            profile,
            exit_code=2,
        )
    if not profile.exists():  # a pipe will do (`--profile <(curl ...)`), as for import
        raise SitegenError("no such profile file", profile, exit_code=2)


def new_site(
    folder: Path, profile: Path | None = None, as_of: dt.date | None = None, force: bool = False
) -> list[str]:
    """Create the site; returns what it did, one line each, for the CLI to print."""
    if folder.exists() and not folder.is_dir():
        raise SitegenError("exists and is not a folder", folder)
    # a .git folder alone does not count (`git init` before `sitegen new` is fine), nor does
    # what a Finder or an Explorer leaves in any folder (.DS_Store, desktop.ini)
    if folder.is_dir() and any(not not_site(p.name) for p in folder.iterdir()) and not force:
        raise SitegenError(
            "the folder is not empty: choose a new folder, or pass --force to add the "
            "site's files beside what is there (existing files are never overwritten)",
            folder,
        )
    if profile is not None:
        _check_profile(folder, profile)
    # --force into a site with content/ (a killed `new --profile`'s, say): the scaffold is
    # completed beside it, and the import, which would rewrite profile.yaml, left to the user
    present = profile is not None and (folder / "content").exists()

    requirements, has_sitegen = requirements_txt()
    files = {
        CONFIG_FILE: SITEGEN_YAML,
        ".gitignore": _skeleton("gitignore"),
        "netlify.toml": _skeleton("netlify.toml"),
        "requirements.txt": requirements,
        "templates/README.md": _skeleton("templates-README.md"),
    }
    lines: list[str] = []
    if profile is None:
        files["content/profile.yaml"] = PROFILE_YAML
        if not any((folder / "content" / "papers").glob("*.md")):  # --force: papers of its own
            files["content/papers/example-paper.md"] = _skeleton("example-paper.md")
    if blocked := _file_in_the_way(folder, [*files, "content/papers/x"]):
        raise SitegenError("a file is where the site needs a folder", blocked)
    if profile is not None and not present:
        from .importer import run_import

        top = next((p for p in (folder, *folder.parents) if p.parent.exists()), folder)
        created = not top.exists()  # the first folder made here, with all below it
        try:
            folder.mkdir(parents=True, exist_ok=True)
            report = run_import(profile, folder, as_of=as_of or dt.date.today())
        except BaseException as e:  # an unusable profile, or Ctrl-C: no half-made site
            if created:
                shutil.rmtree(top, ignore_errors=True)
            if isinstance(e, OSError):
                raise SitegenError(f"cannot write: {e.strerror}", e.filename or folder) from None
            raise
        lines += [str(w) for w in report.warnings]
        lines += [f"import: {line}" for line in report.lines()]
        made = folder / "content" / "profile.yaml"
        if report.profile_yaml == "created" and made.is_file():  # the portfolio keys, commented
            made.write_text(made.read_text(encoding="utf-8") + PORTFOLIO_KEYS, encoding="utf-8")

    try:
        for rel, text in files.items():
            path = folder / rel
            if link := _link_on_the_way(folder, rel):
                lines.append(f"kept {rel} ({link.relative_to(folder)} is a symbolic link)")
            elif path.exists():
                lines.append(f"kept {rel} (exists)")
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
                lines.append(f"created {rel}")
        if not _link_on_the_way(folder, "content/papers"):
            (folder / "content" / "papers").mkdir(parents=True, exist_ok=True)
    except OSError as e:  # no permission, say: what was made is listed
        raise SitegenError(
            f"cannot write: {e.strerror} (made so far: {', '.join(lines) or 'nothing'})",
            e.filename or folder,
        ) from None

    site = quote(str(folder))  # what the user pastes: `--site my site` would be two words
    if present:
        lines.append("kept content/ (exists): the profile was not imported into it")
    lines.append(f"new site in {folder}. Next:")
    if present:
        lines.append(f"  sitegen import {quote(str(profile))} --site {site}")
    if "created content/profile.yaml" in lines:  # not a profile.yaml --force kept
        lines.append(f"  set name: in {folder / 'content' / 'profile.yaml'}")
        lines.append(f"  sitegen import YOUR-PROFILE.txt --site {site}")
    lines += [f"  sitegen {command} --site {site}" for command in ("build", "serve")]
    if not has_sitegen:
        lines.append(
            "  before deploying to Netlify, add to requirements.txt where sitegen is "
            "installed from (see the comment in it)"
        )
    return lines
