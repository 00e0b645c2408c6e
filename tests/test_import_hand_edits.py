"""`sitegen import` of other sources into a site edited by hand, through the real CLI: a key
left empty on purpose, a paper its source retitled, a file renamed and retitled by hand."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from conftest import AS_OF, make_site, run_cli, seed_profile

FAST = "2022-fast-point-cloud-generation-with-straight-flows.md"
FUSEDREAM = "2021-fusedream-training-free-text-to-image-generation-with-improved-clip-gan-space.md"


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")[4:].split("\n---\n", 1)[0])


def imp(*args: object, env: dict | None = None):  # noqa: ANN201
    return run_cli("import", *args, "--as-of", AS_OF, env=env)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("seeded") / "site")


@pytest.fixture
def site(seeded: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(seeded, tmp_path / "site"))


def test_a_key_left_empty_by_hand_is_never_filled(site: Path, tmp_path: Path) -> None:
    """`arxiv: null` (or `~`, or nothing) written by hand is none on purpose, the way to keep
    a wrong id out: the sources filled it in place at every import, and said "added". An
    empty `type` keeps the venue out too (they come together); --force keeps the keys; the
    `code_url: null` the import wrote itself is still filled, one written over the
    profile's code link is not."""
    papers = site / "content" / "papers"
    fast, fusedream = papers / FAST, papers / FUSEDREAM
    text = fast.read_text(encoding="utf-8").replace("added:", "arxiv: null\ndoi: ~\ntype:\nadded:")
    fast.write_text(text, encoding="utf-8")
    fd_text = fusedream.read_text(encoding="utf-8")
    fd_text = fd_text.replace("code_url: https://github.com/gnobitab/FuseDream", "code_url: null")
    fusedream.write_text(fd_text, encoding="utf-8")
    bib = tmp_path / "s.bib"
    bib.write_text(
        "@inproceedings{f, title={Fast Point Cloud Generation with Straight Flows}, "
        "author={Wu, Lemeng}, booktitle={CVPR}, year={2022}, doi={10.1109/x.1}, "
        "eprint={2212.01747}, archivePrefix={arXiv}, url={https://example.org/fast}, "
        "code={https://github.com/lw/psf}}\n"
        "@inproceedings{d, title={FuseDream: Training-Free Text-to-Image Generation with "
        "Improved CLIP+GAN Space Optimization}, year={2021}, code={https://example.org/fd}}\n"
    )
    proc = imp(bib, "--site", site)
    assert proc.returncode == 0, proc.stderr
    added = "code_url: https://github.com/lw/psf\n"
    filled = text.replace("code_url: null\n", added).replace(
        "\n---\n", "\nurl: https://example.org/fast\n---\n", 1
    )
    assert fast.read_text(encoding="utf-8") == filled
    assert f"added url, code_url to content/papers/{FAST}\n" in proc.stdout
    assert "code_url: null\n" in fusedream.read_text(encoding="utf-8")
    assert imp(bib, "--site", site).stdout.startswith("0 added, 0 updated")

    forced = imp(seed_profile(), "--site", site, "--force")
    assert forced.returncode == 0, forced.stderr
    assert imp(bib, "--site", site).returncode == 0
    fm = front(fast)
    assert {k: fm[k] for k in ("arxiv", "doi", "type")} == dict.fromkeys(("arxiv", "doi", "type"))
    assert "venue" not in fm and fm["url"] == "https://example.org/fast"
