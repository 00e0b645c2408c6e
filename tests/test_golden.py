"""The example site, built, equals the output committed in tests/golden/example-site/.

The repository's own `content/` (the example profile, imported) is copied to a
temporary folder and built with `sitegen build --no-search --base-url
https://example.org/`; every file must exist in the committed tree with the same
bytes, and nothing more. A change to the theme, to sitegen's output or to the
example content shows up here as a diff of real pages, to be read in review.

When the change is intended, regenerate the expected output and commit it with
the change:

    SITEGEN_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py

On a failure the new build is kept in a temporary folder whose path is printed,
with the files added, removed and changed, and a short diff of the first few.
"""

from __future__ import annotations

import difflib
import os
import shutil
import tempfile
from pathlib import Path

from conftest import REPO, run_cli

GOLDEN = REPO / "tests" / "golden" / "example-site"
BASE_URL = "https://example.org/"
REGENERATE = os.environ.get("SITEGEN_REGENERATE_GOLDEN") == "1"
TEXT = (".html", ".xml", ".json", ".bib", ".ris", ".txt", ".css", ".js", ".svg")


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def report(got: dict[str, bytes], want: dict[str, bytes], kept: Path) -> str:
    added = sorted(got.keys() - want.keys())
    removed = sorted(want.keys() - got.keys())
    changed = sorted(k for k in got.keys() & want.keys() if got[k] != want[k])
    lines = [
        f"the example site's build differs from {GOLDEN.relative_to(REPO)}/",
        f"new build kept in {kept}",
        f"added ({len(added)}): {added}",
        f"removed ({len(removed)}): {removed}",
        f"changed ({len(changed)}): {changed}",
        "if intended: SITEGEN_REGENERATE_GOLDEN=1 python -m pytest tests/test_golden.py",
    ]
    for rel in [r for r in changed if r.endswith(TEXT)][:3]:
        diff = difflib.unified_diff(
            want[rel].decode("utf-8", "replace").splitlines(),
            got[rel].decode("utf-8", "replace").splitlines(),
            f"golden/{rel}",
            f"build/{rel}",
            lineterm="",
            n=1,
        )
        lines += list(diff)[:30]
    return "\n".join(lines)


def test_example_site_equals_the_committed_output(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    proc = run_cli("build", "--site", site, "--no-search", "--base-url", BASE_URL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == "", proc.stderr  # no warning may hide in the expected output
    built = site / "output"
    got = tree(built)
    if REGENERATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(built, GOLDEN)
        return
    assert GOLDEN.is_dir(), (
        f"no {GOLDEN.relative_to(REPO)}/: SITEGEN_REGENERATE_GOLDEN=1 python -m pytest "
        "tests/test_golden.py"
    )
    want = tree(GOLDEN)
    if got != want:
        kept = Path(tempfile.mkdtemp(prefix="sitegen-golden-")) / "output"
        shutil.copytree(built, kept)
        raise AssertionError(report(got, want, kept))
