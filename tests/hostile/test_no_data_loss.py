"""No data loss: killed imports and builds, hand edits, failed builds.

A 200-paper synthetic profile (enough for the build to render in parallel) is
imported and built for real, and the CLI is SIGKILLed at random moments (a fixed
seed, so CI kills at the same moments):

- import into an empty site, and re-import of a revised profile into an
  imported one: every .md file is absent or byte-identical to what a completed
  import writes (the old or the new version for a re-import), the manifest is
  either the old one or complete, and running the import again finishes the
  job without calling a single file "edited by hand";
- build: output/ is the complete old site or the complete new one, compared
  file by file with snapshots of both, and the next build produces the new
  site exactly;
- the same kills replayed deterministically at the K-th file-system change
  (an audit hook in kill_at.py), so the write phase is always hit.

Plus: a hand-edited paper survives re-import (also a killed one), and a build
that fails for any reason leaves output/ byte-identical (and untouched: same
inodes and mtimes).

The size and the number of random kills are what CI can afford: with 3,000 papers
and 10 kills (19,000 output files copied and hashed per kill) this module alone took
over 20 minutes of a 2-core machine. Kill delays scale with the measured duration
of a complete run, and the kills at the K-th file-system change reach every phase
of the writes whatever the size. The tests sharing the module's `world` and
`builds` fixtures run on one xdist worker (xdist_group), so each is made once.
"""

from __future__ import annotations

import difflib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import AS_OF, BASE_URL, MAKE_PROFILE, make_site, run_cli

from . import figures
from .profiles import DATE_LINE_LIKE
from .util import diff, snapshot

# slow as a whole: its quick cases widen test_build's and test_incremental's (CI runs all)
pytestmark = pytest.mark.slow

PAPERS = 200
SEED = 20261125
KILLS = 6
KILL_AT = Path(__file__).with_name("kill_at.py")
BUILD_ARGS = ("--no-search", "--base-url", BASE_URL)
# one worker each under pytest-xdist, so `world` (and `builds`) are made once
IMPORTS = pytest.mark.xdist_group("no-data-loss-imports")
BUILDS = pytest.mark.xdist_group("no-data-loss-builds")


def revise(text: str) -> str:
    """The same profile with every abstract changed: a re-import rewrites every file."""
    out, seen = [], None
    for line in text.split("\n"):
        if DATE_LINE_LIKE.match(line):
            seen = 0
        elif seen is not None and line.strip():
            seen += 1
            if seen == 3:  # date line, title, authors line, then the abstract
                line = "Revised: " + line
        out.append(line)
    return "\n".join(out)


def content_files(site: Path) -> dict[str, bytes]:
    folder = site / "content"
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(".tmp")
    }


def temp_litter(site: Path) -> list[str]:
    return sorted(p.name for p in (site / "content").rglob("*.tmp")) if site.exists() else []


def cli(*args: object, kill_after: float | None = None) -> tuple[str, subprocess.CompletedProcess]:
    """Run the real CLI in its own process group; SIGKILL the group after `kill_after` s.

    Returns ("killed", proc) or ("finished", proc) if it ended before the kill.
    """
    proc = subprocess.Popen(
        [sys.executable, "-m", "sitegen", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    outcome = "finished"
    if kill_after is not None:
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the CLI and any workers it forked
            outcome = "killed"
    out, err = proc.communicate()
    assert "Traceback" not in err, err
    return outcome, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def kill_at(k: int, event: str, *args: object) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(KILL_AT), str(k), event, "--", *map(str, args)],
        capture_output=True,
        text=True,
    )


def event_count(proc: subprocess.CompletedProcess) -> int:
    m = re.search(r"kill_at: (\d+) events", proc.stderr)
    assert m and proc.returncode == 0, proc.stderr
    return int(m.group(1))


# ---------------------------------------------------------------- the reference states


class World:
    """The profiles and what complete imports and builds of them produce."""

    def __init__(self, root: Path):
        self.root = root
        self.old_profile = root / "old.txt"
        subprocess.run(
            [sys.executable, str(MAKE_PROFILE), "--papers", str(PAPERS), "--seed", str(SEED),
             "--out", str(self.old_profile)],
            check=True,
        )  # fmt: skip
        self.new_profile = root / "new.txt"
        self.new_profile.write_text(
            revise(self.old_profile.read_text(encoding="utf-8")), encoding="utf-8"
        )
        # complete import of the old profile, then a complete re-import of the new one
        site = root / "reference"
        started = time.perf_counter()
        run_cli("import", self.old_profile, "--site", site, "--as-of", AS_OF, check=True)
        self.import_seconds = time.perf_counter() - started
        self.old = content_files(site)
        self.old_site = root / "old-site"
        shutil.copytree(site, self.old_site)
        proc = run_cli("import", self.new_profile, "--site", site, "--as-of", AS_OF, check=True)
        assert f"0 added, {PAPERS} updated, 0 unchanged" in proc.stdout
        self.new = content_files(site)
        assert len(self.new) == PAPERS + 2  # papers, profile.yaml, the manifest
        self.new_site = site
        figures.note(
            f"no data loss: {PAPERS}-paper profile ({self.old_profile.stat().st_size:,} bytes); "
            f"complete import {self.import_seconds:.1f} s"
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World(tmp_path_factory.mktemp("no-data-loss"))


def check_import_state(site: Path, before: dict[str, bytes], after: dict[str, bytes]) -> str:
    """Every file is absent, or the old or the new version; the manifest comes last."""
    now = content_files(site)
    for name, data in now.items():
        assert data == after.get(name) or data == before.get(name), f"half-written {name}"
    manifest = ".sitegen-import.json"
    if manifest in now and now[manifest] == after[manifest] and after != before:
        # the manifest is only written once every paper is in place
        assert all(now.get(k) == v for k, v in after.items()), "manifest before its papers"
    new_files = sum(1 for k, v in now.items() if v == after.get(k) and before.get(k) != v)
    if now == after:
        return "complete"
    return "untouched" if new_files == 0 else f"partial ({new_files} files new)"


# ---------------------------------------------------------------- killed imports


@pytest.mark.slow
@IMPORTS
def test_killed_fresh_imports_leave_no_half_written_file(world: World, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    states = []
    for i in range(KILLS):
        site = tmp_path / f"site{i}"
        delay = rng.uniform(0.3, 1.2) * world.import_seconds
        outcome, _ = cli(
            "import", world.old_profile, "--site", site, "--as-of", AS_OF, kill_after=delay
        )
        states.append(f"{outcome} at {delay:.2f} s: {check_import_state(site, {}, world.old)}")
        litter = temp_litter(site)
        proc = run_cli("import", world.old_profile, "--site", site, "--as-of", AS_OF, check=True)
        assert "kept" not in proc.stdout, proc.stdout  # a killed import's files are its own
        assert content_files(site) == world.old
        assert temp_litter(site) == [], "the next import did not remove the temporaries"
        if litter:
            states[-1] += f", {len(litter)} temporary files left until the next import"
    figures.note("killed fresh imports: " + "; ".join(states))


def hand_edit(site: Path) -> tuple[Path, bytes]:
    """Edit one paper file as a user would; returns it and its bytes."""
    edited = sorted((site / "content" / "papers").glob("*.md"))[7]
    mine = edited.read_bytes() + b"\nMy own note, written by hand.\n"
    edited.write_bytes(mine)
    return edited, mine


@pytest.mark.slow
@IMPORTS
def test_killed_reimports_leave_old_or_new_files(world: World, tmp_path: Path) -> None:
    # what a complete re-import writes when one file carries a hand edit
    ref = tmp_path / "reference"
    shutil.copytree(world.old_site, ref)
    hand_edit(ref)
    before = content_files(ref)
    run_cli("import", world.new_profile, "--site", ref, "--as-of", AS_OF, check=True)
    after = content_files(ref)
    rng = random.Random(SEED + 1)
    states = []
    for i in range(KILLS):
        site = tmp_path / f"site{i}"
        shutil.copytree(world.old_site, site)
        edited, mine = hand_edit(site)
        delay = rng.uniform(0.3, 1.2) * world.import_seconds
        outcome, _ = cli(
            "import", world.new_profile, "--site", site, "--as-of", AS_OF, kill_after=delay
        )
        state = check_import_state(site, before, after)
        states.append(f"{outcome} at {delay:.2f} s: {state}")
        proc = run_cli("import", world.new_profile, "--site", site, "--as-of", AS_OF, check=True)
        assert content_files(site) == after
        assert temp_litter(site) == []
        assert edited.read_bytes() == mine
        kept = [s for s in proc.stdout.splitlines() if s.startswith("kept ")]
        why = f"kept content/papers/{edited.name} (edited by hand, and the profile changed its "
        assert len(kept) == 1 and kept[0].startswith(why), kept  # ... keys it changed
        assert kept[0].endswith(": copy it into the file, or --force overwrites it)"), kept
    figures.note("killed re-imports (one file edited by hand): " + "; ".join(states))


@pytest.mark.slow
@IMPORTS
def test_reimport_killed_at_every_kind_of_write(world: World, tmp_path: Path) -> None:
    """Deterministic: kill at the K-th file-system change, K spread over the write phase."""
    probe = tmp_path / "probe"
    shutil.copytree(world.old_site, probe)
    total = event_count(
        kill_at(0, "all", "import", world.new_profile, "--site", probe, "--as-of", AS_OF)
    )
    rng = random.Random(SEED + 2)
    points = sorted({1, 2, total // 2, total - 1, total, *rng.sample(range(1, total + 1), 7)})
    states = []
    for k in points:
        site = tmp_path / f"k{k}"
        shutil.copytree(world.old_site, site)
        proc = kill_at(k, "all", "import", world.new_profile, "--site", site, "--as-of", AS_OF)
        assert proc.returncode == -signal.SIGKILL, proc.stderr
        states.append(f"K={k}: {check_import_state(site, world.old, world.new)}")
        proc = run_cli("import", world.new_profile, "--site", site, "--as-of", AS_OF, check=True)
        assert "kept" not in proc.stdout
        assert content_files(site) == world.new
        assert temp_litter(site) == []
    figures.note(f"re-import killed at file-system change K of {total}: " + "; ".join(states))


@pytest.mark.slow
@IMPORTS
def test_hand_edits_survive_reimport(world: World, tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(world.old_site, site)
    papers = sorted((site / "content" / "papers").glob("*.md"))
    body_edit, title_edit, deleted = papers[10], papers[20], papers[30]
    body_edit.write_bytes(body_edit.read_bytes().replace(b"\n---\n", b"\n---\nMy summary.\n\n", 1))
    title_edit.write_bytes(
        re.sub(rb"(?m)^title: .*$", b"title: My Better Title", title_edit.read_bytes(), count=1)
    )
    deleted.unlink()
    mine = {p: p.read_bytes() for p in (body_edit, title_edit)}
    proc = run_cli("import", world.new_profile, "--site", site, "--as-of", AS_OF, check=True)
    for p, data in mine.items():
        assert p.read_bytes() == data
    assert not deleted.exists()
    assert (
        f"{PAPERS - 3} updated" in proc.stdout
        and "3 kept (changed or deleted by hand)" in proc.stdout
    )
    assert not any(
        (site / "content" / "papers").glob("*-2.md")
    )  # no duplicate for the retitled one


# ---------------------------------------------------------------- killed builds


class Builds:
    """An imported site with output/ and the cache of the old content's build, and
    snapshots of the complete old and new outputs to compare a killed build with."""

    def __init__(self, world: World, root: Path):
        self.site = root / "site"
        shutil.copytree(world.old_site, self.site)
        started = time.perf_counter()
        run_cli("build", "--site", self.site, *BUILD_ARGS, check=True)
        self.cold_seconds = time.perf_counter() - started
        self.output = self.site / "output"
        self.old = snapshot(self.output)
        self.pristine_output = root / "old-output"
        shutil.copytree(self.output, self.pristine_output)
        self.pristine_cache = root / "old-cache"
        # (a build may still be emptying the cache's trash in a detached process)
        shutil.copytree(
            self.site / ".sitegen-cache",
            self.pristine_cache,
            ignore=shutil.ignore_patterns("trash"),
        )
        self.graves = 0
        # the new content, and what a complete build of it gives
        shutil.rmtree(self.site / "content")
        shutil.copytree(world.new_site / "content", self.site / "content")
        started = time.perf_counter()
        run_cli("build", "--site", self.site, *BUILD_ARGS, check=True)
        self.incremental_seconds = time.perf_counter() - started
        self.new = snapshot(self.output)
        assert self.new != self.old
        self.pristine_new = root / "new-output"
        shutil.copytree(self.output, self.pristine_new)
        changed = len(diff(self.old, self.new))
        figures.note(
            f"{PAPERS}-paper build: {len(self.old):,} output entries; cold build "
            f"{self.cold_seconds:.1f} s; incremental build after the re-import "
            f"{self.incremental_seconds:.1f} s ({changed:,} entries differ)"
        )

    def restore_old(self) -> None:
        """Back to the old output and cache, keeping the output folder itself (its
        identity is how the cache knows the output is the one it built)."""
        for entry in os.scandir(self.output):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        shutil.copytree(self.pristine_output, self.output, dirs_exist_ok=True)
        # moved aside, not deleted: a detached process of the last build may still be
        # deleting the cache's trash, and must not race with this or the next build
        self.graves += 1
        os.rename(self.site / ".sitegen-cache", self.site.parent / f"grave-{self.graves}")
        shutil.copytree(self.pristine_cache, self.site / ".sitegen-cache")
        for stale in self.site.glob(".output.*"):
            shutil.rmtree(stale)
        assert snapshot(self.output) == self.old

    def state(self) -> str:
        now = snapshot(self.output)
        if now == self.old:
            return "old"
        if now == self.new:
            return "new"
        old_n = sum(1 for k, v in now.items() if self.old.get(k) == v and self.new.get(k) != v)
        new_n = sum(1 for k, v in now.items() if self.new.get(k) == v and self.old.get(k) != v)
        odd = [k for k, v in now.items() if v not in (self.old.get(k), self.new.get(k))]
        odd += [f"missing {k}" for k in self.new.keys() & self.old.keys() if k not in now]
        return (
            f"MIXED ({old_n} old-only and {new_n} new-only entries"
            + (f", {len(odd)} in neither, such as {sorted(odd)[:3]}" if odd else "")
            + ")"
            + self.explain(sorted(odd))
        )

    def explain(self, odd: list[str]) -> str:
        """How the first file in neither version differs from the new one."""
        for rel in odd:
            now, new = self.output / rel, self.pristine_new / rel
            if now.is_file() and new.is_file():
                lines = difflib.unified_diff(
                    new.read_text("utf-8").splitlines(), now.read_text("utf-8").splitlines(),
                    "complete build", "this build", n=1, lineterm="",
                )  # fmt: skip
                return f"\n{rel}:\n" + "\n".join(list(lines)[:40])
        return ""


@pytest.fixture(scope="module")
def builds(world: World, tmp_path_factory: pytest.TempPathFactory) -> Builds:
    return Builds(world, tmp_path_factory.mktemp("builds"))


@pytest.mark.slow
@BUILDS
def test_killed_cold_builds_leave_the_old_or_the_new_site(builds: Builds) -> None:
    rng = random.Random(SEED + 3)
    states = []
    for _ in range(KILLS):
        builds.restore_old()
        delay = rng.uniform(0.05, 1.05) * builds.cold_seconds
        outcome, _ = cli(
            "build", "--site", builds.site, "--no-cache", *BUILD_ARGS, kill_after=delay
        )
        state = builds.state()
        states.append(f"{outcome} at {delay:.1f} s: {state}")
        assert state in ("old", "new"), states
    builds.restore_old()
    run_cli("build", "--site", builds.site, *BUILD_ARGS, check=True)
    assert builds.state() == "new"
    assert not list(builds.site.glob(".output.*")), "temporary folders left beside output/"
    figures.note("killed cold builds (--no-cache): " + "; ".join(states))


def flip(builds: Builds, world: World, to: str) -> None:
    """Replace the site's content by the old or the new version, as an edit would."""
    shutil.rmtree(builds.site / "content")
    source = world.old_site if to == "old" else world.new_site
    shutil.copytree(source / "content", builds.site / "content")


def settle(builds: Builds, world: World, to: str) -> None:
    """Content `to`, and a complete build of it: the starting point of a killed build."""
    flip(builds, world, to)
    run_cli("build", "--site", builds.site, *BUILD_ARGS, check=True)
    assert builds.state() == to


@pytest.mark.slow
@BUILDS
def test_killed_incremental_builds_leave_the_old_or_the_new_site(
    builds: Builds, world: World
) -> None:
    """Incremental builds (the cache kept, as in daily use) killed at random moments.

    The content flips between the two versions, so every build has the same large
    change to make and the output folder is never replaced behind the cache's back.
    """
    settle(builds, world, "new")
    flip(builds, world, "old")
    started = time.perf_counter()
    run_cli("build", "--site", builds.site, *BUILD_ARGS, check=True)
    seconds = time.perf_counter() - started
    assert builds.state() == "old"
    rng = random.Random(SEED + 4)
    states, current = [], "old"
    for _ in range(KILLS // 2):
        target = "new" if current == "old" else "old"
        flip(builds, world, target)
        delay = rng.uniform(0.05, 1.05) * seconds
        outcome, _ = cli("build", "--site", builds.site, *BUILD_ARGS, kill_after=delay)
        state = builds.state()
        states.append(f"{outcome} at {delay:.1f} s: {state.splitlines()[0]}")
        assert state in (current, target), "\n".join(states) + "\n" + state
        run_cli("build", "--site", builds.site, *BUILD_ARGS, check=True)  # recovers
        assert builds.state() == target, states
        current = target
    figures.note(
        f"killed incremental builds (a complete one takes {seconds:.1f} s): " + "; ".join(states)
    )


@pytest.mark.slow
@BUILDS
def test_incremental_build_killed_at_every_kind_of_write(builds: Builds, world: World) -> None:
    """Deterministic: kill an incremental build at its K-th file-system change."""
    settle(builds, world, "old")
    flip(builds, world, "new")
    args = ("build", "--site", builds.site, "--jobs", "1", *BUILD_ARGS)
    total = event_count(kill_at(0, "all", *args))
    assert builds.state() == "new"
    states = []
    for k in (1, total // 4, total // 2, (3 * total) // 4, total - 2):
        settle(builds, world, "old")
        flip(builds, world, "new")
        proc = kill_at(k, "all", *args)
        state = builds.state()
        how = "killed" if proc.returncode == -signal.SIGKILL else "ran"
        states.append(f"K={k}: {how}, {state.splitlines()[0]}")
        assert state in ("old", "new"), "\n".join(states) + "\n" + state
        run_cli("build", "--site", builds.site, *BUILD_ARGS, check=True)
        assert builds.state() == "new"
    figures.note(
        f"incremental build killed at file-system change K of about {total}: " + "; ".join(states)
    )


# ---------------------------------------------------------------- failed builds


def stat_snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    return {
        p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
        for p in sorted(root.rglob("*"))
    }


def _bad_yaml(site: Path) -> None:
    (site / "content/papers/zz-bad.md").write_text("---\ntitle: [unclosed\n---\n", "utf-8")


def _latin1(site: Path) -> None:
    (site / "content/papers/zz-latin1.md").write_bytes(
        b"---\ntitle: Caf\xe9\ndate: 2024-01-01\ntopic: LG\nauthors: [A]\n---\n"
    )


def _duplicate_slug(site: Path) -> None:
    first = sorted((site / "content/papers").glob("*.md"))[0]
    text = first.read_text("utf-8").replace("---\n", f"---\nslug: {first.stem}\n", 1)
    (site / "content/papers/zz-dup.md").write_text(text, "utf-8")


def _template(name: str, text: str):  # type: ignore[no-untyped-def]
    def make(site: Path) -> None:
        (site / "templates").mkdir(exist_ok=True)
        (site / "templates" / name).write_text(text, "utf-8")

    return make


FAILURES = {
    "bad YAML": _bad_yaml,
    "not UTF-8": _latin1,
    "duplicate slug": _duplicate_slug,
    "template syntax error": _template(
        "paper.html", '{% extends "base.html" %}{% block content %}{% if %}{% endblock %}'
    ),
    "template error on the last page only": _template(
        "coauthor.html",
        '{% extends "base.html" %}{% block content %}{{ coauthor.person.name }}'
        "{% if coauthor.person.slug == site.coauthors[-1].person.slug %}"
        "{{ no_such_variable.x }}{% endif %}{% endblock %}",
    ),
    "bad sitegen.yaml": lambda site: (site / "sitegen.yaml").write_text(
        "feed_size: lots\n", "utf-8"
    ),
}


@pytest.mark.parametrize("kind", sorted(FAILURES))
@pytest.mark.parametrize("cache", ["warm cache", "--no-cache"])
def test_failed_build_leaves_output_byte_identical(tmp_path: Path, kind: str, cache: str) -> None:
    site = make_site(tmp_path / "site")
    run_cli("build", "--site", site, *BUILD_ARGS, check=True)
    # a change, so that an incremental build has pages to redo when it fails
    changed = sorted((site / "content/papers").glob("*.md"))[5]
    changed.write_text(changed.read_text("utf-8").replace("title: ", "title: Changed ", 1), "utf-8")
    FAILURES[kind](site)
    before, stats = snapshot(site / "output"), stat_snapshot(site / "output")
    around = snapshot(site, skip=("output", ".sitegen-cache"))
    args = (*BUILD_ARGS, *(("--no-cache",) if cache == "--no-cache" else ()))
    proc = run_cli("build", "--site", site, *args)
    assert proc.returncode == 1, proc.stdout
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert re.match(r"\S+(:\d+)?: ", proc.stderr) or proc.stderr.startswith("error: "), proc.stderr
    assert snapshot(site / "output") == before
    assert stat_snapshot(site / "output") == stats, "files in output/ were rewritten"
    assert snapshot(site, skip=("output", ".sitegen-cache")) == around
    assert not list(site.glob(".output.*")), "temporary folders left beside output/"


# ---------------------------------------------------------------- a damaged output folder

WIPES = {
    "everything inside output/": lambda out: [
        shutil.rmtree(p) if p.is_dir() else p.unlink() for p in list(out.iterdir())
    ],
    "output/papers/": lambda out: shutil.rmtree(out / "papers"),
    "one page": lambda out: next(out.glob("papers/*/index.html")).unlink(),
    "one citation file": lambda out: next(out.glob("papers/*/*.ris")).unlink(),
    "a feed edited": lambda out: (out / "atom.xml").write_text("<feed/>", "utf-8"),
    "a page edited": lambda out: (out / "index.html").write_text("<p>defaced</p>", "utf-8"),
}


@pytest.mark.parametrize("wipe", sorted(WIPES))
def test_a_build_repairs_a_damaged_output_folder(tmp_path: Path, wipe: str) -> None:
    site = make_site(tmp_path / "site")
    run_cli("build", "--site", site, *BUILD_ARGS, check=True)
    complete = snapshot(site / "output")
    WIPES[wipe](site / "output")
    assert snapshot(site / "output") != complete
    run_cli("build", "--site", site, *BUILD_ARGS, check=True)
    assert snapshot(site / "output") == complete


@pytest.mark.parametrize(
    "wipe",
    ["the search index", "one search fragment folder", "the search entry file edited"],
)
def test_a_build_repairs_a_damaged_search_index(tmp_path: Path, wipe: str) -> None:
    site = make_site(tmp_path / "site")
    args = ("--base-url", BASE_URL)  # with search
    run_cli("build", "--site", site, *args, check=True)
    out = site / "output"
    complete = snapshot(out / "pagefind")
    assert complete, "the build made no search index"
    if wipe == "the search index":
        shutil.rmtree(out / "pagefind")
    elif wipe == "one search fragment folder":
        shutil.rmtree(out / "pagefind" / "fragment")
    else:
        (out / "pagefind" / "pagefind-entry.json").write_text("{}", "utf-8")
    assert snapshot(out / "pagefind") != complete
    proc = run_cli("build", "--site", site, *args, check=True)
    assert "nothing changed" not in proc.stdout
    # Pagefind names and orders its files differently from run to run: compare the shape
    restored = snapshot(out / "pagefind")

    def folders(files: dict[str, str]) -> set[str]:
        return {k.split("/")[0] for k in files if "/" in k}

    assert folders(restored) == folders(complete)
    assert "pagefind-entry.json" in restored
    assert len(restored) == len(complete)
    assert (out / "pagefind" / "pagefind-entry.json").read_text("utf-8") != "{}"
    again = run_cli("build", "--site", site, *args, check=True)
    assert "nothing changed" in again.stdout


def test_an_edit_and_damage_are_repaired_together(tmp_path: Path) -> None:
    """A paper edited and pages deleted by hand: one incremental build fixes both, and the
    result is byte-identical to a cold build of the same content."""
    site = make_site(tmp_path / "site")
    run_cli("build", "--site", site, *BUILD_ARGS, check=True)
    paper = sorted((site / "content/papers").glob("*.md"))[3]
    text = paper.read_text("utf-8")
    paper.write_text(text.replace("\n---\n", "\n---\nAn edited first line.\n\n", 1), "utf-8")
    out = site / "output"
    shutil.rmtree(out / "timeline")
    (out / "feed.xml").write_text("defaced", "utf-8")
    proc = run_cli("build", "--site", site, *BUILD_ARGS, check=True)
    assert "nothing changed" not in proc.stdout
    incremental = snapshot(out)
    run_cli("build", "--site", site, *BUILD_ARGS, "--no-cache", check=True)
    assert diff(incremental, snapshot(out)) == []
    assert "nothing changed" in run_cli("build", "--site", site, *BUILD_ARGS).stdout
