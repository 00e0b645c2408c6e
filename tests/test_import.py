"""`sitegen import`: records -> files, with the real CLI where exit codes matter."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import REPO, disk_full_at_write, run_cli

from sitegen import importer
from sitegen.errors import SitegenError
from sitegen.importer import ImportReport, render_paper, run_import
from sitegen.markup import plain_inline
from sitegen.profile import parse_profile
from sitegen.slugs import paper_slug, slugify_text
from sitegen.yamlutil import dump_yaml

FIXTURES = Path(__file__).parent / "fixtures" / "profiles"
SEED = FIXTURES / "seed.txt"
AS_OF = dt.date(2026, 11, 25)
AS_OF_ARG = "2026-11-25"
OWNER = "Lemeng Wu"


def cli(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "sitegen", "import", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=60,
    )


def load(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    front, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(front), body


def papers(site: Path) -> dict[str, tuple[dict, str]]:
    """title -> (front matter, body) for every paper file."""
    out = {}
    for p in sorted((site / "content" / "papers").glob("*.md")):
        fm, body = load(p)
        out[fm["title"]] = (fm, body)
    return out


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root with its bytes and mtime: the whole tree, to compare."""
    if not root.exists():
        return {}
    return {
        str(p.relative_to(root)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def entries(text: str) -> list[tuple[int, int]]:
    """(start, end) line indexes of each paper entry of a profile text."""
    lines = text.split("\n")
    starts = [i for i, s in enumerate(lines) if re.fullmatch(r"[A-Z]{2}[A-Z][a-z]{2} \d.*", s)]
    return list(zip(starts, [*starts[1:], len(lines)], strict=True))


def without_entries(text: str, *titles: str) -> str:
    lines = text.split("\n")
    drop: set[int] = set()
    for start, end in entries(text):
        if any(lines[start + 1].startswith(t) for t in titles):
            drop.update(range(start, end))
    assert len(drop) > 0
    return "\n".join(s for i, s in enumerate(lines) if i not in drop)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site imported from the seed by the real CLI, as a user would do it."""
    s = tmp_path / "site"
    r = cli(SEED, "--site", s, "--as-of", AS_OF_ARG)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert r.stdout.splitlines()[-1] == "32 added, 0 updated, 0 unchanged"
    return s


# ---------------------------------------------------------------- the seed


def test_seed_imports_to_32_files(site):
    files = sorted((site / "content" / "papers").iterdir())
    assert len(files) == 32
    assert all(re.fullmatch(r"\d{4}-[a-z0-9-]+\.md", f.name) for f in files)
    assert all(len(f.name) < 100 for f in files)
    assert (site / "content" / "profile.yaml").is_file()
    assert (site / "content" / importer.MANIFEST_NAME).is_file()


def test_front_matter_keys_and_types(site):
    for fm, _ in papers(site).values():
        assert list(fm) == [
            "title",
            "date",
            "year_inferred",
            "topic",
            "authors",
            "et_al",
            "owner_in_et_al",
            "affiliations",
            "code",
            "code_url",
            "added",
        ]
        assert type(fm["date"]) is dt.date
        assert fm["added"] == AS_OF
        assert all(isinstance(a, str) for a in fm["authors"])
        assert isinstance(fm["affiliations"], list)


def test_first_paper_every_field(site):
    path = (
        site
        / "content/papers"
        / "2022-let-us-build-bridges-understanding-and-extending-diffusion-generative-models.md"
    )
    fm, body = load(path)
    assert fm == {
        "title": "Let us Build Bridges: Understanding and Extending Diffusion Generative Models",
        "date": dt.date(2022, 8, 31),
        "year_inferred": False,
        "topic": "LG",
        "authors": ["Xingchao Liu", "Lemeng Wu", "Mao Ye"],
        "et_al": True,
        "owner_in_et_al": False,
        "affiliations": [],
        "code": False,
        "code_url": None,
        "added": AS_OF,
    }
    assert body.startswith("Diffusion-based generative models have achieved promising results")
    assert body.endswith("semantic segments and 3D point clouds.\n")


def test_more_papers_field_by_field(site):
    all_papers = papers(site)
    fm, _ = all_papers["PathFusion: Path-consistent Lidar-Camera Deep Feature Fusion"]
    assert fm["date"] == dt.date(2022, 12, 12) and fm["topic"] == "CV"
    assert fm["authors"] == ["Lemeng Wu", "Dilin Wang", "Meng Li"]
    assert (fm["et_al"], fm["owner_in_et_al"], fm["affiliations"]) == (True, False, ["pku"])

    fm, _ = all_papers["MobileLLM-Flash: Latency-Guided On-Device LLM Design for Industry Scale"]
    assert (fm["date"], fm["year_inferred"], fm["topic"]) == (dt.date(2026, 3, 16), True, "LG")
    assert fm["authors"] == ["Hanxian Huang", "Igor Fedorov", "Andrey Gromov"]
    assert (fm["et_al"], fm["owner_in_et_al"]) == (True, True)
    assert fm["affiliations"] == ["meta-ai", "mila"]

    fm, _ = all_papers[
        "InverseMeetInsert: Robust Real Image Editing via Geometric Accumulation Inversion "
        "in Guided Diffusion Models"
    ]
    assert (fm["authors"], fm["et_al"], fm["date"]) == (
        ["Yan Zheng", "Lemeng Wu"],
        False,
        dt.date(2024, 9, 18),
    )

    fm, _ = all_papers["Longhorn: State Space Models are Amortized Online Learners"]
    assert (fm["topic"], fm["date"], fm["affiliations"]) == (
        "LG",
        dt.date(2024, 7, 19),
        ["apple-ml"],
    )


def test_yearless_dates(site):
    inferred = {
        t.split(":")[0]: fm["date"] for t, (fm, _) in papers(site).items() if fm["year_inferred"]
    }
    assert inferred == {
        "MobileLLM-Flash": dt.date(2026, 3, 16),
        "dTRPO": dt.date(2026, 3, 19),
        "VideoAuto-R1": dt.date(2026, 1, 8),
        "Small Vision-Language Models are Smart Compressors for Long Video Understanding": (
            dt.date(2026, 4, 9)
        ),
    }


def test_yearless_dates_follow_as_of(tmp_path):
    r = cli(SEED, "--site", tmp_path, "--as-of", "2026-03-17")
    assert r.returncode == 0, r.stderr
    inferred = sorted(fm["date"] for fm, _ in papers(tmp_path).values() if fm["year_inferred"])
    assert inferred == [
        dt.date(2025, 3, 19),
        dt.date(2025, 4, 9),
        dt.date(2026, 1, 8),
        dt.date(2026, 3, 16),
    ]
    assert (
        tmp_path
        / "content/papers"
        / "2025-dtrpo-trajectory-reduction-in-policy-optimization-of-diffusion-large-language.md"
    ).is_file()


def test_code_papers(site):
    code = {t.split(":")[0]: fm for t, (fm, _) in papers(site).items() if fm["code"]}
    assert set(code) == {"Llama Guard 3-1B-INT4", "FuseDream"}
    assert code["FuseDream"]["code_url"] == "https://github.com/gnobitab/FuseDream"
    assert code["FuseDream"]["date"] == dt.date(2021, 12, 2)
    assert code["Llama Guard 3-1B-INT4"]["code_url"] is None
    assert code["Llama Guard 3-1B-INT4"]["topic"] == "DC"


def test_a_code_link_the_profile_drops_goes_unless_a_source_gave_it(site, tmp_path):
    """Keys another source filled in are carried over when the profile is imported again;
    a code link only the profile ever gave is not: dropped from the profile, it goes."""
    fuse = next((site / "content/papers").glob("2021-fusedream-*.md"))
    assert load(fuse)[0]["code_url"] == "https://github.com/gnobitab/FuseDream"
    dropped = tmp_path / SEED.name  # the name `sources` knows as the profile
    text = SEED.read_text(encoding="utf-8")
    dropped.write_text(
        text.replace(
            " Our code is publicly available at \\url{https://github.com/gnobitab/FuseDream}.", ""
        ),
        encoding="utf-8",
    )
    assert dropped.read_text(encoding="utf-8") != text
    assert cli(dropped, "--site", site, "--as-of", AS_OF_ARG).returncode == 0
    assert load(fuse)[0]["code_url"] is None
    bib = tmp_path / "fuse.bib"  # now a .bib gives it: the profile alone keeps it
    bib.write_text(
        "@inproceedings{f, title={FuseDream: Training-Free Text-to-Image Generation with "
        "Improved CLIP+GAN Space Optimization}, author={Liu, Xingchao and Wu, Lemeng}, "
        "year={2021}, code={https://github.com/gnobitab/FuseDream}}\n",
        encoding="utf-8",
    )
    assert cli(bib, "--site", site, "--as-of", AS_OF_ARG).returncode == 0
    assert load(fuse)[0]["code_url"] == "https://github.com/gnobitab/FuseDream"
    assert cli(dropped, "--site", site, "--as-of", AS_OF_ARG).returncode == 0
    assert load(fuse)[0]["code_url"] == "https://github.com/gnobitab/FuseDream"


def test_owner_hidden_in_et_al(site):
    all_papers = papers(site).values()
    hidden = [fm for fm, _ in all_papers if fm["owner_in_et_al"]]
    assert len(hidden) == 8
    for fm in hidden:
        assert fm["et_al"] is True and OWNER not in fm["authors"]
    for fm, _ in all_papers:
        assert fm["owner_in_et_al"] == (OWNER not in fm["authors"])


def test_bodies(site):
    all_papers = papers(site)
    _, lrf = all_papers[
        "Language Rectified Flow: Advancing Diffusion Language Generation with Probabilistic Flows"
    ]
    assert "This paper proposes Language Rectified Flow (Language Rectified Flow)." in lrf
    _, fuse = all_papers[
        "FuseDream: Training-Free Text-to-Image Generation "
        "with Improved CLIP+GAN Space Optimization"
    ]
    assert "<https://github.com/gnobitab/FuseDream>" in fuse
    _, priv = all_papers[
        "PrivCirNet: Efficient Private Inference via Block Circulant Transformation"
    ]
    assert "we propose PrivCirNet, a protocol" in priv and "S&P 2024" in priv
    for _, body in all_papers.values():
        assert "\\ours" not in body and "\\method" not in body and "\\url" not in body


def test_same_title_same_day_papers_get_their_own_files(site):
    same_day = [fm for fm, _ in papers(site).values() if fm["date"] == dt.date(2021, 2, 17)]
    assert len(same_day) == 2


def test_profile_yaml(site):
    text = (site / "content/profile.yaml").read_text(encoding="utf-8")
    assert yaml.safe_load(text) == {
        "name": "Lemeng Wu",
        "field": "CV",
        "metrics": {"h_index": 29, "papers": 32, "citations": 1323, "novelty": 55, "ai_score": 56},
    }


def test_manifest_is_deterministic(site, tmp_path):
    other = tmp_path / "other"
    run_import(SEED, other, as_of=AS_OF)
    a = (site / "content" / importer.MANIFEST_NAME).read_bytes()
    assert a == (other / "content" / importer.MANIFEST_NAME).read_bytes()
    data = json.loads(a)
    assert data["format"] == 1 and len(data["papers"]) == 32
    assert list(data["papers"]) == sorted(data["papers"])


def test_site_defaults_to_the_current_directory(tmp_path):
    r = cli(SEED.resolve(), "--as-of", AS_OF_ARG, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert len(list((tmp_path / "content/papers").glob("*.md"))) == 32


# ---------------------------------------------------------------- re-import


def test_reimport_changes_nothing(site):
    before = snapshot(site)
    r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 0
    assert r.stdout == "0 added, 0 updated, 32 unchanged\n"
    assert snapshot(site) == before


def test_reimport_on_a_later_day_changes_nothing(site):
    before = snapshot(site)
    report = run_import(SEED, site, as_of=dt.date(2026, 12, 1))
    assert report.lines() == ["0 added, 0 updated, 32 unchanged"]
    assert snapshot(site) == before


@pytest.mark.slow  # about a second in the quick loop
def test_hand_edit_is_kept_and_force_overwrites(site):
    """--force takes what the profile says (its title here), and keeps what it says
    nothing of: it published a draft, and dropped a `slug:` or `aliases:` (a paper's URL)."""
    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    original = path.read_bytes()
    edited = original.replace(b"title: ", b"title: My own title\n_title: ", 1)
    edited = edited.replace(b"\n_title: ", b"\ntags: [fusion]\ndraft: true\nx_title: ", 1)
    edited = re.sub(rb"\nx_title: [^\n]*", b"", edited)
    path.write_bytes(edited)

    r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 0
    # counted, not listed: the profile says of it what it said (300 edits were 300 lines)
    assert r.stdout.splitlines() == [
        "0 added, 0 updated, 31 unchanged, 1 kept (changed or deleted by hand)"
    ]
    assert path.read_bytes() == edited

    r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG, "--force")
    assert r.stdout.splitlines()[-1] == "0 added, 1 updated, 31 unchanged"
    kept = original.replace(b"\n---\n", b"\ntags:\n- fusion\ndraft: true\n---\n", 1)
    assert path.read_bytes() == kept
    # still the user's file, which the next import keeps
    r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG)
    assert r.stdout == "0 added, 0 updated, 31 unchanged, 1 kept (changed or deleted by hand)\n"
    assert path.read_bytes() == kept


def test_a_checkout_with_crlf_line_ends_is_no_hand_edit(site, tmp_path):
    """Found by a reproducibility hunt: git's core.autocrlf (Windows) checks the papers out
    with CRLF line ends, and the next import took every one for a hand edit, the manifest
    hashing the LF bytes it wrote. Line ends alone are no edit; an edit is still kept."""
    papers_dir = site / "content" / "papers"
    for p in papers_dir.glob("*.md"):
        p.write_bytes(p.read_bytes().replace(b"\n", b"\r\n"))
    before = snapshot(site)
    r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG)
    assert r.stdout == "0 added, 0 updated, 32 unchanged\n" and snapshot(site) == before
    edited = next(papers_dir.glob("2021-firefly-*.md"))
    edited.write_bytes(edited.read_bytes().replace(b"title: ", b"tags: [x]\r\ntitle: ", 1))
    mine = edited.read_bytes()
    changed = tmp_path / "changed.txt"  # and PathFusion, CRLF only, gains an affiliation
    changed.write_text(
        SEED.read_text(encoding="utf-8").replace(
            "Lemeng Wu, Dilin Wang, Meng Li et al. · pku",
            "Lemeng Wu, Dilin Wang, Meng Li et al. · pku, ut-austin",
        ),
        encoding="utf-8",
    )
    r = cli(changed, "--site", site, "--as-of", AS_OF_ARG)
    assert r.stdout.splitlines() == [
        "updated content/papers/2022-pathfusion-path-consistent-lidar-camera-deep-feature-"
        "fusion.md",
        "0 added, 1 updated, 30 unchanged, 1 kept (changed or deleted by hand)",
    ]
    fm, _ = papers(site)["PathFusion: Path-consistent Lidar-Camera Deep Feature Fusion"]
    assert fm["affiliations"] == ["pku", "ut-austin"] and edited.read_bytes() == mine
    (site / "content" / importer.MANIFEST_NAME).unlink()  # a lost manifest adopts them too
    report = run_import(changed, site, as_of=AS_OF)
    assert (
        report.lines()[-1]
        == "0 added, 0 updated, 31 unchanged, 1 kept (changed or deleted by hand)"
    )


def test_deleted_file_is_a_hand_edit_too(site):
    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    original = path.read_bytes()
    path.unlink()
    report = run_import(SEED, site, as_of=AS_OF)
    assert report.kept == [
        (f"content/papers/{path.name}", "deleted by hand; --force re-creates it")
    ]
    # the count line said "edited by hand" for a deleted file too
    assert (
        report.lines()[-1]
        == "0 added, 0 updated, 31 unchanged, 1 kept (changed or deleted by hand)"
    )
    assert not path.exists()
    report = run_import(SEED, site, as_of=AS_OF, force=True)
    # re-created, not "updated": there was no file to update
    assert report.added == [f"content/papers/{path.name}"] and report.updated == []
    assert path.read_bytes() == original


def test_a_file_renamed_by_hand_is_still_its_paper(site):
    """A renamed file was "deleted by hand", and --force re-created it beside the
    renamed copy: two pages of one paper."""
    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    renamed = path.rename(path.with_name("pathfusion.md"))
    for force in ((), ("--force",)):
        r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG, *force)
        assert r.stdout == "0 added, 0 updated, 32 unchanged\n", r.stdout
    assert renamed.is_file() and not path.exists()
    renamed.write_text(renamed.read_text().replace("code: false", "code: true"))
    r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG)
    assert r.stdout == "0 added, 0 updated, 31 unchanged, 1 kept (changed or deleted by hand)\n", (
        r.stdout
    )


def test_a_renamed_files_sources_follow_it(site, tmp_path):
    """Found by a researcher's-year hunt: the manifest's entry followed a renamed file, but
    its `sources` kept the paper's history under the old, deleted name."""
    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    path.rename(path.with_name("pathfusion.md"))
    again = tmp_path / "again.txt"
    shutil.copy(SEED, again)
    assert cli(again, "--site", site, "--as-of", AS_OF_ARG).returncode == 0
    found = json.loads((site / "content" / importer.MANIFEST_NAME).read_text())["sources"]
    # a profile text is the profile: the latest one's name only
    assert path.name not in found and found["pathfusion.md"] == ["again.txt"]


def test_new_papers_are_added_with_todays_date(tmp_path):
    seed = SEED.read_text(encoding="utf-8")
    fewer = tmp_path / "fewer.txt"
    fewer.write_text(
        without_entries(seed, "PathFusion:", "Efficient Track Anything"), encoding="utf-8"
    )
    site = tmp_path / "site"
    r = cli(fewer, "--site", site, "--as-of", AS_OF_ARG)
    assert r.stdout.splitlines()[-1] == "30 added, 0 updated, 0 unchanged"
    assert "the header says 32 papers but 30 were found" in r.stderr

    r = cli(SEED, "--site", site, "--as-of", "2026-11-30")
    assert r.returncode == 0
    assert r.stdout.splitlines()[-1] == "2 added, 0 updated, 30 unchanged"
    added = {fm["title"].split(":")[0]: fm["added"] for fm, _ in papers(site).values()}
    assert added["PathFusion"] == dt.date(2026, 11, 30)
    assert added["Efficient Track Anything"] == dt.date(2026, 11, 30)
    assert sum(d == AS_OF for d in added.values()) == 30


def test_papers_gone_from_the_profile_are_reported_not_deleted(site, tmp_path):
    fewer = tmp_path / "fewer.txt"
    fewer.write_text(
        without_entries(
            SEED.read_text(encoding="utf-8"), "PathFusion:", "Efficient Track Anything"
        ),
        encoding="utf-8",
    )
    before = snapshot(site / "content/papers")
    r = cli(fewer, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[-1] == "0 added, 0 updated, 30 unchanged, 2 missing from profile"
    assert sorted(lines[:-1]) == [
        "missing from profile: content/papers/"
        "2022-pathfusion-path-consistent-lidar-camera-deep-feature-fusion.md (left in place)",
        "missing from profile: content/papers/2024-efficient-track-anything.md (left in place)",
    ]
    assert snapshot(site / "content/papers") == before


def test_updated_profile_updates_the_file_and_keeps_added(site, tmp_path):
    seed = SEED.read_text(encoding="utf-8")
    changed = tmp_path / "changed.txt"
    changed.write_text(
        seed.replace(
            "Lemeng Wu, Dilin Wang, Meng Li et al. · pku",
            "Lemeng Wu, Dilin Wang, Meng Li et al. · pku, ut-austin",
        ),
        encoding="utf-8",
    )
    report = run_import(changed, site, as_of=dt.date(2027, 1, 5))
    assert report.lines()[-1] == "0 added, 1 updated, 31 unchanged"
    fm, _ = papers(site)["PathFusion: Path-consistent Lidar-Camera Deep Feature Fusion"]
    assert fm["affiliations"] == ["pku", "ut-austin"]
    assert fm["added"] == AS_OF


def test_a_corrected_date_or_title_keeps_the_file(site, tmp_path):
    seed = SEED.read_text(encoding="utf-8")
    changed = tmp_path / "changed.txt"
    changed.write_text(
        seed.replace("CVDec 12, 2022\nPathFusion", "CVDec 13, 2022\nPathFusion"),
        encoding="utf-8",
    )
    name = "2022-pathfusion-path-consistent-lidar-camera-deep-feature-fusion.md"
    report = run_import(changed, site, as_of=AS_OF)
    assert report.updated == [f"content/papers/{name}"]
    assert load(site / "content/papers" / name)[0]["date"] == dt.date(2022, 12, 13)
    assert run_import(changed, site, as_of=AS_OF).lines() == ["0 added, 0 updated, 32 unchanged"]


def test_a_paper_the_profile_retitles_keeps_its_file(tmp_path):
    """arXiv v2 retitles a paper (same topic, full date and authors): the import added a
    second file and called the first missing from the profile. With a twin of the same
    topic, date and authors the file could be either's, so the paper is added."""
    text = (FIXTURES / "alpha_without_abstract.txt").read_text(encoding="utf-8")
    profile, v2 = tmp_path / "p.txt", tmp_path / "v2.txt"
    profile.write_text(text, "utf-8")
    site = tmp_path / "site"
    assert cli(profile, "--site", site, "--as-of", AS_OF_ARG).returncode == 0
    v2.write_text(text.replace("Paper Beta\n", "Paper Beta, Second Version\n"), "utf-8")
    beta = site / "content/papers/2022-paper-beta.md"
    updated = "updated content/papers/2022-paper-beta.md\n0 added, 1 updated, 2 unchanged\n"
    for counts in (updated, "0 added, 0 updated, 3 unchanged\n"):
        assert cli(v2, "--site", site, "--as-of", AS_OF_ARG).stdout == counts
    assert load(beta)[0]["title"] == "Paper Beta, Second Version"
    assert len(list(beta.parent.glob("*.md"))) == 3
    twin = "CVDec 12, 2022\nPaper Twin\n\nLemeng Wu, Dilin Wang\n\nTwin abstract.\n\n"
    for p in (profile, v2):
        p.write_text(p.read_text().replace("CVApr 20, 2021", twin + "CVApr 20, 2021"), "utf-8")
    site = tmp_path / "twins"
    run_import(profile, site, as_of=AS_OF)
    assert run_import(v2, site, as_of=AS_OF).added == [
        "content/papers/2022-paper-beta-second-version.md"
    ]


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_renamed_file_the_profile_retitles_is_still_its_paper(tmp_path):
    """Renamed by hand, then retitled by the profile: the new title's identity is not in
    the manifest and the file is not the one the manifest names, so the unedited file
    was kept as "not in the import manifest, so yours". Its bytes are the ones the
    manifest entry records, so the entry follows it; edited, nothing ties it to the entry,
    and it is kept as the user's."""
    text = (FIXTURES / "alpha_without_abstract.txt").read_text(encoding="utf-8")
    profile, v2 = tmp_path / "p.txt", tmp_path / "v2.txt"
    profile.write_text(text, "utf-8")
    v2.write_text(text.replace("Paper Beta\n", "Paper Beta, Second Version\n"), "utf-8")
    for edit in (False, True):
        site = tmp_path / f"site-{edit}"
        assert cli(profile, "--site", site, "--as-of", AS_OF_ARG).returncode == 0
        beta = site / "content/papers/2022-paper-beta.md"
        mine = beta.rename(beta.with_name("beta.md"))
        if edit:
            mine.write_text(mine.read_text() + "My notes.\n", "utf-8")
        before = mine.read_bytes()
        r = cli(v2, "--site", site, "--as-of", AS_OF_ARG)
        assert len(list(beta.parent.glob("*.md"))) == 3, r.stdout
        if edit:
            assert r.stdout.startswith("kept content/papers/beta.md ("), r.stdout
            assert mine.read_bytes() == before
            continue
        assert r.stdout == "updated content/papers/beta.md\n0 added, 1 updated, 2 unchanged\n"
        assert load(mine)[0]["title"] == "Paper Beta, Second Version"
        assert cli(v2, "--site", site, "--as-of", AS_OF_ARG).stdout.endswith(" 3 unchanged\n")


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_paper_another_source_added_is_that_file_when_the_profile_lists_it(tmp_path):
    """A paper first added from CSL-JSON (no topic: no profile identity) got a second
    file, `-2.md`, once the profile listed it. It is now found as a merge finds a
    paper: by title, years at most two apart."""
    text = (FIXTURES / "alpha_without_abstract.txt").read_text(encoding="utf-8")
    site = tmp_path / "site"
    assert (
        cli(
            FIXTURES / "alpha_without_abstract.txt", "--site", site, "--as-of", AS_OF_ARG
        ).returncode
        == 0
    )
    csl = tmp_path / "delta.json"
    delta = {"title": "Paper Delta", "container-title": "J. D", "type": "article-journal"}
    csl.write_text(json.dumps([{**delta, "id": "d", "issued": {"date-parts": [[2023, 5, 2]]}}]))
    assert cli(csl, "--site", site, "--as-of", AS_OF_ARG).returncode == 0
    path = site / "content/papers/2023-paper-delta.md"
    mine = path.read_bytes()
    profile = tmp_path / "p.txt"
    entry = "LGMay 2, 2023\nPaper Delta\n\nLemeng Wu\n\nDelta abstract.\n\n"
    profile.write_text(text.replace("LGAug 31, 2022", entry + "LGAug 31, 2022"), "utf-8")
    # the import wrote it and nobody edited it: the profile's now (see the test of that)
    r = cli(profile, "--site", site, "--as-of", AS_OF_ARG)
    assert r.stdout.splitlines()[-1] == "0 added, 1 updated, 3 unchanged"
    assert path.read_bytes() != mine and len(list(path.parent.glob("*.md"))) == 4
    fm, body = load(path)
    assert (fm["topic"], fm["added"], body) == ("LG", AS_OF, "Delta abstract.\n")
    assert fm["venue"] == "J. D"


def test_user_edit_of_the_title_in_the_file_does_not_make_a_new_paper(site):
    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    path.write_text(path.read_text().replace("PathFusion: Path", "PathFusion - Path", 1))
    report = run_import(SEED, site, as_of=AS_OF)
    assert (
        report.lines()[-1]
        == "0 added, 0 updated, 31 unchanged, 1 kept (changed or deleted by hand)"
    )
    assert len(list((site / "content/papers").glob("*.md"))) == 32


def test_lost_manifest_adopts_identical_files(site):
    (site / "content" / importer.MANIFEST_NAME).unlink()
    before = snapshot(site / "content/papers")
    report = run_import(SEED, site, as_of=dt.date(2026, 12, 24))
    assert report.lines() == ["0 added, 0 updated, 32 unchanged"]
    assert snapshot(site / "content/papers") == before
    assert (site / "content" / importer.MANIFEST_NAME).is_file()


def test_lost_manifest_and_a_file_saved_with_a_byte_order_mark(site):
    """A BOM (some Windows editors add one) must not make the paper look new: no `-2` copy."""
    (site / "content" / importer.MANIFEST_NAME).unlink()
    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    mine = path.read_bytes()
    report = run_import(SEED, site, as_of=AS_OF)
    assert report.added == []
    assert report.kept == [
        (
            f"content/papers/{path.name}",
            "not in the import manifest, so yours; --force overwrites it",
        )
    ]
    assert len(list((site / "content/papers").glob("*.md"))) == 32
    assert path.read_bytes() == mine


def test_lost_manifest_and_a_title_edited_by_hand_is_still_that_paper(site):
    """Identity includes the title, so without the manifest an edited title made the
    paper look new: it was added again. Topic, full date and authors still match it."""
    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    path.write_text(path.read_text().replace("Deep Feature Fusion", "Deep Fusion", 1))
    mine = path.read_bytes()
    (site / "content" / importer.MANIFEST_NAME).unlink()
    r = cli(SEED, "--site", site, "--as-of", "2026-12-01")
    assert r.returncode == 0, r.stderr
    assert (
        r.stdout.splitlines()[-1]
        == "0 added, 0 updated, 31 unchanged, 1 kept (changed or deleted by hand)"
    )
    assert len(list(path.parent.glob("*.md"))) == 32 and path.read_bytes() == mine
    run_import(SEED, site, as_of=AS_OF, force=True)
    assert path.read_bytes() != mine and load(path)[0]["added"] == AS_OF
    assert len(list(path.parent.glob("*.md"))) == 32


def test_lost_manifest_never_merges_two_papers_by_topic_date_and_authors(tmp_path):
    """Two papers with the same topic, date and authors: the one whose title was edited
    could be either, so it is left alone and the profile's paper is added, as before."""
    text = (FIXTURES / "alpha_without_abstract.txt").read_text(encoding="utf-8")
    twin = "CVDec 12, 2022\nPaper Twin\n\nLemeng Wu, Dilin Wang\n\nTwin abstract.\n\n"
    profile = tmp_path / "p.txt"
    profile.write_text(text.replace("CVApr 20, 2021", twin + "CVApr 20, 2021"), "utf-8")
    site = tmp_path / "site"
    run_import(profile, site, as_of=AS_OF)
    beta = site / "content" / "papers" / "2022-paper-beta.md"
    beta.write_text(beta.read_text().replace("Paper Beta", "Paper Beta, Revised"))
    (site / "content" / importer.MANIFEST_NAME).unlink()
    report = run_import(profile, site, as_of=AS_OF)
    assert report.added == ["content/papers/2022-paper-beta-2.md"], report.lines()
    assert "Revised" in beta.read_text()


@pytest.mark.parametrize(
    "line, pattern, repl, why",
    [
        (12, '"sha256": "', '"sha256": ', "(Expecting value at column "),  # JSON syntax
        (12, r'^  "[^"]*"', '  "k"', "(a paper key is not TOPIC|DATE|TITLE)"),
        (12, r'"added": "[^"]*"', '"added": "2026-13-45"', "(month must be in 1..12"),
        (12, r'"file": "', '"file": "../', "(bad file name '../"),
        (40, r'^  "', '  "../', "(bad file name '../"),  # in `sources`
    ],
)
@pytest.mark.slow
def test_a_damaged_manifest_is_named_at_its_line(site, line, pattern, repl, why):
    """The error named the manifest but no line: a syntax error is at the line JSON
    reports, a bad entry at the line of its paper (one a line, as the import writes)."""
    path = site / "content" / importer.MANIFEST_NAME
    lines = path.read_text("utf-8").split("\n")
    lines[line - 1], n = re.subn(pattern, repl, lines[line - 1], count=1)
    assert n == 1
    path.write_text("\n".join(lines), "utf-8")
    before = snapshot(site / "content")
    proc = cli(SEED, "--site", site, "--as-of", AS_OF_ARG)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{path}:{line}: the import manifest is damaged {why}")
    assert "restore it from version control" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert snapshot(site / "content") == before


def test_a_stale_temp_file_with_an_impossible_pid_is_swept(site):
    """`.NAME.N.PID.tmp` left by a killed import; a PID past the OS's range was a traceback."""
    stale = site / "content" / "papers" / ".x.md.0.999999999999999999999.tmp"
    stale.write_text("half", "utf-8")
    run_import(SEED, site, as_of=AS_OF)
    assert not stale.exists()


def test_unmanaged_files_are_never_touched_without_force(site):
    (site / "content" / importer.MANIFEST_NAME).unlink()
    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    mine = path.read_text().replace("---\n", "---\nvenue: CVPR\n", 1)
    path.write_text(mine)
    own = site / "content/papers/my-own-paper.md"
    own.write_text("---\ntitle: My Own Paper\ndate: 2020-01-01\n---\nHello.\n")
    report = run_import(SEED, site, as_of=AS_OF)
    assert report.kept == [
        (
            f"content/papers/{path.name}",
            "not in the import manifest, so yours; --force overwrites it",
        )
    ]
    assert path.read_text() == mine and own.read_text().endswith("Hello.\n")
    report = run_import(SEED, site, as_of=AS_OF, force=True)
    assert report.updated == [f"content/papers/{path.name}"]
    assert load(path)[0]["venue"] == "CVPR"  # what the profile says nothing of stays
    assert own.read_text().endswith("Hello.\n")
    assert run_import(SEED, site, as_of=AS_OF).updated == []  # and the next import keeps it
    assert load(path)[0]["venue"] == "CVPR"


def test_an_abstract_written_by_hand_is_never_adopted_nor_overwritten(tmp_path):
    """A body written into a paper the profile gives no abstract was carried into the
    import's rendering as if another source had added it, and the manifest then took
    the file for the import's own: once the profile gained an abstract, the user's text
    was replaced, with no "kept" line."""
    profile = FIXTURES / "alpha_without_abstract.txt"
    run_import(profile, tmp_path, as_of=AS_OF)
    alpha = tmp_path / "content" / "papers" / "2022-paper-alpha.md"
    alpha.write_text(alpha.read_text() + "My own hand-written abstract.\n")
    again = run_import(profile, tmp_path, as_of=AS_OF)
    assert again.edited == ["content/papers/2022-paper-alpha.md"] and again.kept == []
    richer = tmp_path / "richer.txt"
    text = profile.read_text()
    richer.write_text(
        text.replace(
            "Xingchao Liu, Lemeng Wu, Mao Ye\n",
            "Xingchao Liu, Lemeng Wu, Mao Ye\n\nFrom the profile.\n",
            1,
        )
    )
    later = run_import(richer, tmp_path, as_of=AS_OF)
    why = (
        "edited by hand, and the profile changed its abstract since: copy it into the file, "
        "or --force overwrites it"
    )
    assert later.updated == [] and later.kept == [("content/papers/2022-paper-alpha.md", why)]
    assert alpha.read_text().endswith("My own hand-written abstract.\n")


def alpha_edited_by_hand(site: Path) -> tuple[Path, Path, Path, dict]:
    """(profile, its paper alpha given an abstract by hand, the manifest, its data): for a
    test to write the manifest as an older sitegen did."""
    profile = FIXTURES / "alpha_without_abstract.txt"
    run_import(profile, site, as_of=AS_OF)
    alpha = site / "content" / "papers" / "2022-paper-alpha.md"
    alpha.write_text(alpha.read_text() + "My own hand-written abstract.\n")
    manifest = site / "content" / ".sitegen-import.json"
    return profile, alpha, manifest, json.loads(manifest.read_text())


def test_an_upgrade_that_writes_papers_otherwise_is_not_a_profile_change(tmp_path):
    """An upgrade hunter's: a hand-edited paper whose file an older sitegen wrote otherwise
    (a title quoted another way) was said at every import to be "edited by hand, and the
    profile changed it since", though the profile was the same: --force, which that
    points to, took the user's edit. The manifest keeps what the profile said of a paper;
    an older manifest's paper is said once, with that doubt, then counted."""
    profile, alpha, manifest, data = alpha_edited_by_hand(tmp_path)
    for entry in data["papers"].values():  # as an older sitegen wrote it
        del entry["said"]
        entry["sha256"] = "0" * 64
    manifest.write_text(json.dumps(data))
    first = run_import(profile, tmp_path, as_of=AS_OF)
    doubt = (
        "edited by hand, and the profile changed it since, or an older sitegen wrote it"
        " otherwise; --force overwrites it"
    )
    assert first.kept == [("content/papers/2022-paper-alpha.md", doubt)]
    again = run_import(profile, tmp_path, as_of=AS_OF)
    assert again.kept == [] and again.edited == ["content/papers/2022-paper-alpha.md"]
    assert alpha.read_text().endswith("My own hand-written abstract.\n")


def test_a_paper_edited_or_deleted_by_hand_is_not_added_again_by_a_merge(tmp_path):
    """Another source's record of a profile paper whose file's title was edited by hand,
    or whose file was deleted by hand, matched no file on disk and was added again:
    `-2.md` beside the user's file, or the deleted paper back under a new name."""
    profile, bib = FIXTURES / "alpha_without_abstract.txt", FIXTURES / "alpha.bib"
    run_import(profile, tmp_path, as_of=AS_OF)
    papers_dir = tmp_path / "content" / "papers"
    alpha = papers_dir / "2022-paper-alpha.md"
    alpha.write_text(
        alpha.read_text().replace("title: Paper Alpha\n", 'title: "Paper Alpha: Bridges"\n')
    )
    report = run_import([profile, bib], tmp_path, as_of=AS_OF)
    assert report.added == [] and len(list(papers_dir.glob("*.md"))) == 3
    assert "doi: 10.1234/alpha.2022" in alpha.read_text()  # the record filled it in
    alpha.unlink()
    report = run_import([profile, bib], tmp_path, as_of=AS_OF)
    assert report.added == [] and not alpha.exists()
    assert (
        "content/papers/2022-paper-alpha.md",
        "deleted by hand; --force re-creates it",
    ) in report.kept


def test_a_lost_manifest_still_knows_a_paper_whose_date_is_quoted(tmp_path):
    """`date: "2022-12-12"` is a date to a build; without the manifest the import read it
    as no date, did not recognise the file, and added the paper again."""
    profile = FIXTURES / "alpha_without_abstract.txt"
    run_import(profile, tmp_path, as_of=AS_OF)
    beta = tmp_path / "content" / "papers" / "2022-paper-beta.md"
    beta.write_text(beta.read_text().replace("date: 2022-12-12", 'date: "2022-12-12"'))
    (tmp_path / "content" / importer.MANIFEST_NAME).unlink()
    report = run_import(profile, tmp_path, as_of=AS_OF)
    assert report.added == [] and len(list(beta.parent.glob("*.md"))) == 3


def test_broken_files_of_the_user_are_left_alone(site):
    broken = {
        "bad-date.md": "---\ntitle: T\ndate: 2022-02-30\ntopic: LG\n---\n",
        "no-front-matter.md": "just text\n",
        "unclosed.md": "---\ntitle: [\n",
        "binary.md": "\x00\xff",
    }
    for name, text in broken.items():
        (site / "content/papers" / name).write_text(text, encoding="latin-1")
    before = snapshot(site)
    (site / "content" / importer.MANIFEST_NAME).unlink()
    report = run_import(SEED, site, as_of=AS_OF)
    assert report.lines() == ["0 added, 0 updated, 32 unchanged"]
    del before[f"content/{importer.MANIFEST_NAME}"]
    after = snapshot(site)
    del after[f"content/{importer.MANIFEST_NAME}"]
    assert after == before


@pytest.mark.parametrize(
    "where",
    ["content/papers/2030-pipe.md", "content/profile.yaml", f"content/{importer.MANIFEST_NAME}"],
)
def test_a_named_pipe_in_the_site_is_an_error_not_a_hang(site, where):
    """The import read a FIFO among the papers, or for profile.yaml or its manifest, and
    waited forever for a writer (`cli` has a timeout: a hang fails)."""
    (site / where).unlink(missing_ok=True)
    os.mkfifo(site / where)
    before = snapshot(site)
    r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 1
    wait = "not a file but a named pipe or a device: reading it would wait forever"
    assert r.stderr == f"{site / where}: {wait}\n"
    assert snapshot(site) == before


def test_dry_run_writes_nothing(tmp_path, site):
    fresh = tmp_path / "fresh"
    r = cli(SEED, "--site", fresh, "--as-of", AS_OF_ARG, "--dry-run")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "dry run: nothing written; the import would:"
    assert sum(s.startswith("  add content/papers/") for s in lines) == 32
    assert "  create content/profile.yaml" in lines
    assert lines[-1] == "32 added, 0 updated, 0 unchanged"
    assert not fresh.exists()

    path = next((site / "content/papers").glob("2022-pathfusion-*.md"))
    path.write_text("edited\n")
    before = snapshot(tmp_path)
    r = cli(SEED, "--site", site, "--as-of", AS_OF_ARG, "--dry-run", "--force")
    assert r.returncode == 0
    assert r.stdout.splitlines()[-1] == "0 added, 1 updated, 31 unchanged"
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------- profile.yaml merge


def test_profile_yaml_keeps_user_keys_and_comments(site, tmp_path):
    py = site / "content/profile.yaml"
    py.write_text(
        "# my site\nname: Lemeng Wu\nbio: |\n  Research scientist.\n  Works on 3D.\n"
        "metrics:\n  h_index: 1\n\nlinks:\n  - https://example.org\n",
        encoding="utf-8",
    )
    report = run_import(SEED, site, as_of=AS_OF)
    assert report.profile_yaml == "updated"
    text = py.read_text(encoding="utf-8")
    assert text.startswith("# my site\n")
    data = yaml.safe_load(text)
    assert data["bio"] == "Research scientist.\nWorks on 3D.\n"
    assert data["links"] == ["https://example.org"]
    assert data["metrics"]["h_index"] == 29 and data["field"] == "CV"
    assert run_import(SEED, site, as_of=AS_OF).profile_yaml is None


@pytest.mark.parametrize(
    ("old", "new", "kept"),
    [
        ("metrics:", '"metrics":', "bio: Mine."),  # quoted, yet the same key
        ("  papers: 32\n", "# counted by the profile site\n  papers: 32\n", "# my links"),
        ("metrics:", "? metrics\n:", None),  # too unusual to edit in place: written whole
    ],
)
@pytest.mark.slow
def test_an_updated_profile_yaml_is_one_the_build_reads(site, tmp_path, old, new, kept):
    """Found by a researcher's-year hunt: a quoted `"metrics":`, or a comment at column 0
    inside its block, left (part of) the old block beside the new one, and PyYAML's
    read-back check kept the last of the two keys, so the import wrote a profile.yaml
    the next build refused as a duplicate key."""
    py = site / "content/profile.yaml"
    text = py.read_text(encoding="utf-8").replace(old, new, 1)
    py.write_text(f"{text}bio: Mine.\n# my links\nlinks:\n  github: https://github.com/ada\n")
    run_cli("build", "--site", site, "--no-search", check=True)
    later = tmp_path / "later.txt"
    later.write_text(SEED.read_text(encoding="utf-8").replace("h-index29", "h-index30"))
    r = run_cli("import", later, "--site", site, "--as-of", AS_OF_ARG, check=True)
    assert r.stdout.startswith("updated content/profile.yaml\n")
    run_cli("build", "--site", site, "--no-search", check=True)
    data = yaml.safe_load(py.read_text(encoding="utf-8"))
    assert data["metrics"]["h_index"] == 30 and data["links"] == {
        "github": "https://github.com/ada"
    }
    if kept:
        assert kept in py.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "text",
    [
        "name: [unclosed\n",
        "born: 1" + "0" * 5000 + "\n",  # longer than Python reads a number
        "- a list\n",
        "bio: Mine.\nfield: CV\nbio: Two.\n",
        "name: Ada\nbio: 'a NUL \x00 pasted in'\n",
    ],
)
def test_profile_yaml_that_is_not_a_mapping_stops_the_import(site, text):
    """A key given twice is refused too: merging would keep one of them and drop the other."""
    py = site / "content/profile.yaml"
    py.write_text(text, encoding="utf-8")
    before = snapshot(site)
    with pytest.raises(SitegenError) as info:
        run_import(SEED, site, as_of=AS_OF, force=True)
    assert info.value.path == str(py)
    assert snapshot(site) == before
    if "Two" in text:
        assert info.value.line == 3 and "duplicate key 'bio'" in str(info.value)
    if "NUL" in text:  # the line, in one line (PyYAML's own message takes two, and no line)
        assert str(info.value) == f"{py}:2: invalid YAML: the character '\\x00' is not allowed"


# ---------------------------------------------------------------- bad input, through the CLI


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("feb30.txt", 19, "impossible date: Feb 30, 2022"),
        ("no_title.txt", 19, "has no title"),
        ("no_authors.txt", 22, "expected the authors line"),
        ("empty.txt", 1, "the profile is empty"),
        ("binary.png", 1, "binary file"),
        ("header_only.txt", 10, "no papers found"),
    ],
)
@pytest.mark.slow
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, name, line, message):
    profile = FIXTURES / name
    site = tmp_path / "site"
    r = cli(profile, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"{profile}:{line}: ")
    assert message in r.stderr
    assert not site.exists()


def test_bad_input_leaves_an_existing_site_alone(site):
    before = snapshot(site)
    r = cli(FIXTURES / "feb30.txt", "--site", site, "--as-of", AS_OF_ARG, "--force")
    assert r.returncode == 2
    assert snapshot(site) == before


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (bytes(range(256)) * 4, 1, "binary file"),
        (b"Ada\nLGMar 1, 2020\n\xff\xfe\n", 3, "not UTF-8 text (byte 0xFF at column 1)"),
        (b"\xef\xbb\xbf\r\n  \r\n", 1, "the profile is empty"),
    ],
    ids=["binary", "latin-1", "bom-only"],
)
def test_undecodable_files(tmp_path, data, line, message):
    profile = tmp_path / "p.txt"
    profile.write_bytes(data)
    r = cli(profile, "--site", tmp_path / "site")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{profile}:{line}: ") and message in r.stderr
    assert r.stderr.count("\n") == 1
    assert not (tmp_path / "site").exists()


def test_a_profile_saved_as_utf16_is_told_so_not_called_binary(tmp_path):
    """Notepad's "Unicode" and PowerShell 5.1's `>` save UTF-16, whose NULs read as a
    binary file's: "this is a binary file, not a profile text"."""
    profile = tmp_path / "p.txt"
    profile.write_bytes(SEED.read_text(encoding="utf-8").encode("utf-16"))
    r = cli(profile, "--site", tmp_path / "site")
    assert (r.returncode, r.stderr) == (2, f"{profile}:1: UTF-16 text: save it as UTF-8\n")


def test_a_source_whose_name_is_not_utf8_is_imported(tmp_path):
    """Found by a reproducibility hunt: a profile or .bib named in Latin-1 (from an old zip)
    was a traceback writing the manifest, its name a lone surrogate that UTF-8 cannot
    encode. Only the name is odd, so it is imported, and named as the build names it:
    pr\\udcf4file.txt, JSON that reads back as that name (importing again changes no byte)."""
    profile = os.fsdecode(os.fsencode(tmp_path) + b"/pr\xf4file.txt")
    bib = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9.bib")
    shutil.copy(SEED, profile)
    shutil.copy(FIXTURES / "alpha.bib", bib)
    site = tmp_path / "site"
    r = cli(profile, bib, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 0 and "33 added, 0 updated" in r.stdout, r.stderr
    manifest = (site / "content" / importer.MANIFEST_NAME).read_bytes()
    assert b'["pr\\udcf4file.txt"]' in manifest and b'["caf\\udce9.bib"]' in manifest
    labels = set().union(*json.loads(manifest)["sources"].values())
    assert labels == {"pr\udcf4file.txt", "caf\udce9.bib"}
    before = snapshot(site)
    r = cli(profile, bib, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 0 and r.stdout.startswith("0 added, 0 updated"), r.stderr
    assert snapshot(site) == before


def test_missing_profile_file(tmp_path):
    r = cli(tmp_path / "nope.txt", "--site", tmp_path)
    assert r.returncode == 2
    assert r.stderr.startswith(f"{tmp_path / 'nope.txt'}: cannot read the profile")
    assert "Traceback" not in r.stderr


def test_count_mismatch_warns_and_imports(tmp_path):
    profile = FIXTURES / "count_mismatch.txt"
    r = cli(profile, "--site", tmp_path, "--as-of", AS_OF_ARG)
    assert r.returncode == 0
    assert r.stderr == f"{profile}:10: warning: the header says 3 papers but 2 were found\n"
    assert r.stdout.splitlines()[-1] == "2 added, 0 updated, 0 unchanged"


def test_no_abstract_warns_and_imports_an_empty_body(tmp_path):
    profile = FIXTURES / "no_abstract.txt"
    r = cli(profile, "--site", tmp_path, "--as-of", AS_OF_ARG)
    assert r.returncode == 0
    assert r.stderr.startswith(f"{profile}:19: warning: the paper 'PathFusion:")
    fm, body = papers(tmp_path)["PathFusion: Path-consistent Lidar-Camera Deep Feature Fusion"]
    assert body == "" and fm["affiliations"] == ["pku"]


def test_a_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    disk_full_at_write(monkeypatch, 10)
    site = tmp_path / "site"
    with pytest.raises(SitegenError, match="No space left on device"):
        run_import(SEED, site, as_of=AS_OF)
    assert not site.exists()


def test_a_failed_write_in_an_existing_site_changes_nothing(site, tmp_path, monkeypatch):
    changed = tmp_path / "changed.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace(" et al.", ""))
    before = snapshot(site)

    def failing_write(fd, data):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(importer.os, "write", failing_write)
    with pytest.raises(SitegenError):
        run_import(changed, site, as_of=AS_OF)
    assert snapshot(site) == before


def test_ctrl_c_while_writing_changes_nothing(site, tmp_path, monkeypatch):
    """Ctrl-C (KeyboardInterrupt) while the temporary files were written skipped the
    clean-up, which caught only OSError: hundreds of hidden .tmp files stayed."""
    changed = tmp_path / "changed.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace(" et al.", ""))
    before = snapshot(site)
    real_write, calls = importer.os.write, [0]

    def interrupted_write(fd, data):
        calls[0] += 1
        if calls[0] == 5:
            raise KeyboardInterrupt
        return real_write(fd, data)

    monkeypatch.setattr(importer.os, "write", interrupted_write)
    with pytest.raises(KeyboardInterrupt):
        run_import(changed, site, as_of=AS_OF)
    assert snapshot(site) == before


def test_ctrl_c_just_after_a_temporary_file_is_made_leaves_none(site, tmp_path, monkeypatch):
    """A hunter's: Ctrl-C between a temporary paper's creation and its listing for the
    cleanup left it, and a second `sitegen new` then found the folder not empty."""
    changed = tmp_path / "changed.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace(" et al.", ""))
    before = snapshot(site)
    real_open, calls = importer.os.open, [0]

    def open_then_ctrl_c(path, *args):
        fd = real_open(path, *args)
        calls[0] += 1
        if calls[0] == 3 and str(path).endswith(".tmp"):
            os.close(fd)
            raise KeyboardInterrupt
        return fd

    monkeypatch.setattr(importer.os, "open", open_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        run_import(changed, site, as_of=AS_OF)
    assert snapshot(site) == before


def test_ctrl_c_while_renaming_waits_for_the_manifest(site, tmp_path, monkeypatch, terminal_ctrl_c):
    """Interrupted between two renames, the new papers stood beside the old manifest, and
    the next import took them for hand edits. The signal now waits for the last rename."""
    changed = tmp_path / "changed.txt"
    changed.write_text(SEED.read_text(encoding="utf-8").replace(" et al.", ""))
    real_replace, calls = importer.os.replace, [0]

    def replace_then_ctrl_c(src, dst):
        calls[0] += 1
        if calls[0] == 2:
            os.kill(os.getpid(), signal.SIGINT)  # as the terminal sends it
        return real_replace(src, dst)

    monkeypatch.setattr(importer.os, "replace", replace_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        run_import(changed, site, as_of=AS_OF)
    assert calls[0] > 2  # every rename ran, the manifest's last
    monkeypatch.setattr(importer.os, "replace", real_replace)
    report = run_import(changed, site, as_of=AS_OF)
    assert not report.kept and not report.updated and not report.added


def test_site_that_is_a_file(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    r = cli(SEED, "--site", f)
    assert r.returncode == 1 and r.stderr.startswith(f"{f}: ")


# ---------------------------------------------------------------- slugs


def test_slugs_are_ascii_readable_and_bounded():
    assert slugify_text("Zoë Núñez") == "zoe-nunez"
    assert slugify_text("李明") == "li-ming"
    assert slugify_text('Q&A <Live>: "Smart" 1,000 Tricks') == "q-a-live-smart-1000-tricks"
    assert slugify_text("Doob’s h-transform") == "doobs-h-transform"
    long = slugify_text("word " * 40)
    assert len(long) <= 80 and not long.endswith("-")
    assert paper_slug(2024, "$$ :: $$") == "2024-paper"
    assert paper_slug(2022, "PathFusion: Path-consistent") == "2022-pathfusion-path-consistent"


def test_duplicate_titles_get_numbered_slugs(tmp_path):
    entry = "LGFeb 17, 2021\nSame Title: Again\n\nAda Lovelace, Bob\n\nText {n}.\n"
    profile = tmp_path / "p.txt"
    profile.write_text("Ada Lovelace\n\n" + "\n".join(entry.format(n=n) for n in range(3)))
    report = run_import(profile, tmp_path / "site", as_of=AS_OF)
    assert report.added == [
        "content/papers/2021-same-title-again.md",
        "content/papers/2021-same-title-again-2.md",
        "content/papers/2021-same-title-again-3.md",
    ]
    assert [str(w).split(": warning: ")[1] for w in report.warnings] == [
        "same title, topic and date as the paper at line 3; imported twice",
        "same title, topic and date as the paper at line 3; imported twice",
    ]
    bodies = [load(tmp_path / "site" / p)[1] for p in report.added]
    assert bodies == ["Text 0.\n", "Text 1.\n", "Text 2.\n"]
    again = run_import(profile, tmp_path / "site", as_of=AS_OF)
    assert again.lines() == ["0 added, 0 updated, 3 unchanged"]


def test_new_slug_avoids_files_the_user_wrote(tmp_path):
    papers_dir = tmp_path / "content/papers"
    papers_dir.mkdir(parents=True)
    (papers_dir / "2020-a-title.md").write_text("mine\n")
    profile = tmp_path / "p.txt"
    profile.write_text("Ada\n\nLGMar 1, 2020\nA Title\n\nAda, Bob\n\nText.\n")
    report = run_import(profile, tmp_path, as_of=AS_OF)
    assert report.added == ["content/papers/2020-a-title-2.md"]
    assert (papers_dir / "2020-a-title.md").read_text() == "mine\n"


# ---------------------------------------------------------------- the emitter


@pytest.mark.parametrize(
    "s",
    [
        "plain words",
        "PathFusion: Path-consistent",
        "# not a comment",
        "- leading dash",
        "{{ template }}",
        "<script>alert('x')</script>",
        'say "hi"',
        "it's",
        "Q&A",
        "&anchor",
        "*alias",
        "!tag",
        "yes",
        "No",
        "null",
        "~",
        "",
        " padded ",
        "123",
        "1e5",
        "2024-01-01",
        "a: b",
        "tab\there",
        "line\nbreak",
        "back\\slash",
        "\x85\u2028\u2029\ufeff",
        "李明",
        "Zoë",
        "%percent",
        "@at",
        "`tick",
        "end:",
    ],
)
def test_dump_yaml_round_trips(s):
    assert yaml.safe_load(dump_yaml({"k": s, "l": [s]})) == {"k": s, "l": [s]}


def test_render_paper_round_trips_hostile_titles():
    text = (FIXTURES / "messy.txt").read_bytes().decode("utf-8")
    profile = parse_profile(text, as_of=AS_OF)
    for rec in profile.records:
        out = render_paper(rec, profile.owner, AS_OF)
        front = yaml.safe_load(out[4 : out.index("\n---\n", 4)])
        assert plain_inline(front["title"]) == rec.title  # Markdown that shows the text
        assert front["authors"] == list(rec.authors)


def test_a_profile_title_is_text_not_markdown(tmp_path):
    """The profile is a page's text: its title shows as written, stars, underscores,
    brackets and all, while `$...$` stays math (as in its abstracts)."""
    title = "The A* and 2*3*4 Search with _underscores_ [x](y) <b> and $x_i$"
    profile = tmp_path / "profile.txt"
    profile.write_text(
        f"Ada Lovelace\n\n1 Papers\n\nLGMar 3, 2024\n{title}\n\nAda Lovelace\n\nText.\n"
    )
    site = tmp_path / "site"
    run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
    run_cli("build", "--site", site, "--no-search", check=True)
    [page] = (site / "output" / "papers").glob("2024-*/index.html")
    html_ = page.read_text(encoding="utf-8")
    assert f'<meta name="citation_title" content="{html.escape(title)}">' in html_
    h1 = re.search(r"<h1[^>]*>(.*?)</h1>", html_).group(1)
    assert h1.startswith(html.escape(title.removesuffix("$x_i$"), quote=False) + "<math ")
    proc = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
    assert proc.stdout.splitlines()[-1] == "0 added, 0 updated, 1 unchanged", proc.stdout


def one_paper(
    tmp_path: Path,
    authors: str,
    title: str = "A Title",
    abstract: str = "Text.",
    owner: str = "Ada Lovelace",
) -> Path:
    """A profile of one paper: line 1 its owner, line 8 its authors line."""
    profile = tmp_path / "profile.txt"
    profile.write_text(
        f"{owner}\n\n1 Papers\n\nLGMar 3, 2024\n{title}\n\n{authors}\n\n{abstract}\n",
        encoding="utf-8",
    )
    return profile


def test_a_noncharacter_hides_no_markdown_from_the_escaping(tmp_path):
    """U+FDD0, which the build drops, kept by the import before an abstract's `#`, `-` or
    `~~~` hid it from the escaping: the page showed a heading, a list, and a code block
    that swallowed the abstract; in a title it made `&amp;` show as `&`."""
    mark = "\ufdd0"
    abstract = f"{mark}# Heading\n\n{mark}- bullet\n\n{mark}~~~ fence\n\nText."
    profile = one_paper(tmp_path, "Ada Lovelace", f"Fish &{mark}amp; Chips", abstract)
    site = tmp_path / "site"
    run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
    run_cli("build", "--site", site, "--no-search", check=True)
    [page] = (site / "output" / "papers").glob("2024-*/index.html")
    html_ = page.read_text(encoding="utf-8")
    assert re.search(r"<h1[^>]*>(.*?)</h1>", html_).group(1) == "Fish &amp;amp; Chips"
    section = re.search(r'<section class="abstract".*?</h2>(.*?)</section>', html_, re.S)
    shown = section.group(1).strip().splitlines()
    assert shown == ["<p># Heading</p>", "<p>- bullet</p>", "<p>~~~ fence</p>", "<p>Text.</p>"]


def test_an_invisible_owner_name_stops_the_import(tmp_path):
    """A first line of format characters only (U+200B) was written as the owner's name,
    which the build then refused in profile.yaml: it is refused at its line instead."""
    profile = one_paper(tmp_path, "Ada Lovelace", owner="\u200b")
    site = tmp_path / "site"
    r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert (
        r.stderr == f"{profile}:1: expected the owner's name on the first line, found '\\u200b'\n"
    )
    assert not site.exists()


def test_an_invisible_affiliation_is_dropped_as_an_empty_one_is(tmp_path):
    """`mit, <U+200B>` was written as two affiliations, and the build refused the second."""
    profile = one_paper(tmp_path, "Bo Wu, Ada Lovelace · mit, \u200b, ")
    site = tmp_path / "site"
    run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
    run_cli("build", "--site", site, "--no-search", check=True)
    assert papers(site)["A Title"][0]["affiliations"] == ["mit"]


@pytest.mark.parametrize("end", [", et al", " et. al.", ", etal", ", Et Al."])
def test_et_al_ending_the_authors_line_as_the_build_spells_it(tmp_path, end):
    """The build refuses every spelling of content._ET_AL as a name; the import read only
    `et al` as the list's end, and wrote `etal` as an author or refused `et. al.`."""
    profile = one_paper(tmp_path, f"Bo Wu, Ada Lovelace{end}")
    site = tmp_path / "site"
    run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
    run_cli("build", "--site", site, "--no-search", check=True)
    front = papers(site)["A Title"][0]
    assert (front["authors"], front["et_al"]) == (["Bo Wu", "Ada Lovelace"], True)


@pytest.mark.parametrize(
    "line",
    [
        "Bo Wu, et al, Ada Lovelace",
        "Bo Wu, et al., Ada Lovelace · mit",
        "Bo Wu et al. Ada Lovelace",
        "Bo Wu, Etal. Ada Lovelace, et al.",
    ],
)
def test_et_al_inside_the_authors_line_stops_the_import(tmp_path, line):
    """`Bo Wu, et al, Ada Lovelace` was imported with an author named "et al", which the
    build refused. Dropping it would show Ada Lovelace second and "et al." after her,
    which the line does not say: the import is refused at the line, to be fixed by hand.
    With `et al.,` the line was "expected the authors line", and `Bo Wu et al. Ada
    Lovelace` one author of that name: every form has the message that says why."""
    profile = one_paper(tmp_path, line)
    site = tmp_path / "site"
    r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 2 and r.stdout == "", r.stderr
    assert r.stderr.startswith(f"{profile}:8: 'et al' before the end of the authors line ")
    assert r.stderr.count("\n") == 1
    assert not site.exists()


def test_an_import_in_other_processes_writes_what_one_process_writes(tmp_path, monkeypatch):
    """A long profile's files are rendered, and a merge's site files read and filled in,
    in shares by other processes (importer._each): the same bytes and the same
    decisions about files the import wrote, files edited by hand, files a lost
    manifest no longer names, and papers other sources add to or fill in."""
    text = SEED.read_text(encoding="utf-8")
    sources = Path(__file__).parent / "fixtures" / "sources"
    results = []
    for parallel in (False, True):
        monkeypatch.setattr(importer, "PARALLEL_IMPORT", 1 if parallel else 10**9)
        monkeypatch.setattr(importer, "default_jobs", lambda: 3)
        site = tmp_path / f"site-{parallel}"
        run_import(SEED, site, as_of=AS_OF)
        papers = sorted((site / "content" / "papers").glob("*.md"))
        papers[0].write_text(papers[0].read_text(encoding="utf-8") + "\nMine.\n")
        (site / "content" / importer.MANIFEST_NAME).unlink()  # lost: every file unmanaged
        (tmp_path / "later.txt").write_text(text, encoding="utf-8")
        reports = [run_import(tmp_path / "later.txt", site, as_of=dt.date(2026, 12, 1))]
        merge = [sources / name for name in ("scholar.bib", "dblp.bib", "publisher.ris")]
        reports.append(run_import(merge, site, as_of=dt.date(2026, 12, 1)))
        files = {p.name: p.read_bytes() for p in (site / "content").rglob("*") if p.is_file()}
        results.append(([r.lines() for r in reports], files))
    assert results[0] == results[1]
    # the files are adopted with the `added` they hold, not the second import's date
    assert (
        results[0][0][0][-1]
        == "0 added, 0 updated, 31 unchanged, 1 kept (changed or deleted by hand)"
    )
    assert "filled in" in results[0][0][1][-1], results[0][0][1]


def test_report_lines():
    r = ImportReport(
        added=["a"],
        kept=[("content/papers/x.md", "edited by hand; --force overwrites it")],
        missing=["content/papers/y.md"],
        unchanged=["b", "c"],
    )
    assert r.lines() == [
        "added a",
        "kept content/papers/x.md (edited by hand; --force overwrites it)",
        "missing from profile: content/papers/y.md (left in place)",
        "1 added, 0 updated, 2 unchanged, 1 kept (changed or deleted by hand), "
        "1 missing from profile",
    ]


def test_a_new_paper_is_not_named_as_a_hand_set_slug(tmp_path):
    """`slug: 2022-foo-bar` in the user's own file names that page; the import gave a new
    paper the file 2022-foo-bar.md, and the build then refused two papers of one slug."""
    site = tmp_path / "site"
    papers = site / "content" / "papers"
    papers.mkdir(parents=True)
    (site / "content" / "profile.yaml").write_text("name: Ada Lovelace\n")
    (papers / "mine.md").write_text(
        "---\ntitle: My own\ndate: 2022-01-01\nauthors: [Ada Lovelace]\n"
        "slug: '2022-foo-bar'\n---\nx\n"
    )
    profile = tmp_path / "p.txt"
    profile.write_text(
        "Ada Lovelace\n\n1 Papers\n\nCVAug 26, 2022\nFoo Bar\n\nAda Lovelace, Bob\n\nAbs.\n"
    )
    r = cli(profile, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in papers.glob("*.md")) == ["2022-foo-bar-2.md", "mine.md"]
    run_cli("build", "--site", site, "--no-search", check=True)


def test_a_yearless_date_keeps_its_year_when_imported_again_later(tmp_path):
    """`Mar 16` is dated by --as-of: imported again a year later, the same profile text
    moved the paper to the next year (its file name kept the old one)."""
    profile = tmp_path / "p.txt"
    profile.write_text(
        "Ada Lovelace\n\n1 Papers\n\nCVMar 16\nFoo Bar\n\nAda Lovelace, Bob\n\nAbs.\n"
    )
    site = tmp_path / "site"
    assert cli(profile, "--site", site, "--as-of", "2026-11-25").returncode == 0
    (paper,) = (site / "content" / "papers").glob("*.md")
    before = paper.read_bytes()
    assert paper.name == "2026-foo-bar.md" and b"date: 2026-03-16" in before
    r = cli(profile, "--site", site, "--as-of", "2027-06-01")
    assert r.returncode == 0, r.stderr
    assert paper.read_bytes() == before, r.stdout
    # renamed by hand, its name gives no year: it moved to 2028, and feeds announced it
    renamed = paper.rename(paper.with_name("foo.md"))
    r = cli(profile, "--site", site, "--as-of", "2028-06-01")
    assert r.returncode == 0 and renamed.read_bytes() == before, r.stdout


def test_a_yearless_29_february_keeps_its_leap_year_when_imported_again(tmp_path):
    """`Feb 29` falls in the last leap year before --as-of: each later import moved the
    paper on to the next leap year (2024, then 2028), its file name keeping 2020."""
    profile = tmp_path / "p.txt"
    profile.write_text("Ada Lovelace\n\n1 Papers\n\nLGFeb 29\nLeap Day\n\nAda Lovelace\n\nAbs.\n")
    site = tmp_path / "site"
    assert cli(profile, "--site", site, "--as-of", "2024-01-01").returncode == 0
    (paper,) = (site / "content" / "papers").glob("*.md")
    before = paper.read_bytes()
    assert paper.name == "2020-leap-day.md" and b"date: 2020-02-29" in before
    for as_of in ("2025-03-01", "2029-03-01"):
        r = cli(profile, "--site", site, "--as-of", as_of)
        assert r.returncode == 0 and "1 unchanged" in r.stdout, r.stdout + r.stderr
        assert paper.read_bytes() == before


def test_a_second_import_into_a_site_stops_while_one_is_writing(site):
    """Two at once each planned from the files as they found them, and the manifest
    written last described the other's files: the second stops, before it reads."""
    from sitegen.importer import _one_at_a_time

    before = snapshot(site)
    with _one_at_a_time(site), pytest.raises(SitegenError) as info:
        run_import(SEED, site, as_of=AS_OF, force=True)
    assert "another `sitegen import` is writing to this site" in str(info.value)
    assert snapshot(site) == before
    run_import(SEED, site, as_of=AS_OF)  # and once it is done, it runs


def test_imports_leave_no_lock_file_behind(tmp_path, monkeypatch):
    """The lock was a file in the user's cache, one per site path imported into, never
    removed: 19,000 of them on one machine. It is now the site folder's own; a new
    site's folder, made to be locked, goes again when the import writes nothing."""
    from sitegen.importer import _one_at_a_time

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("one", "two"):
        assert cli(SEED, "--site", tmp_path / name, "--as-of", AS_OF_ARG).returncode == 0
        assert not list((tmp_path / name).rglob("*.lock"))
    assert not list(tmp_path.glob("cache/**/*.lock"))
    new = tmp_path / "new" / "site"
    with _one_at_a_time(new), pytest.raises(SitegenError, match="another `sitegen import`"):
        run_import(SEED, new, as_of=AS_OF)
    assert not (tmp_path / "new").exists()


def test_the_example_content_is_what_the_import_writes_today(tmp_path: Path) -> None:
    """content/ is the seed imported by sitegen itself (three papers edited by hand, as a
    user would): importing its profile again must change nothing. It had been written by
    an older importer (titles in double quotes), so a user's first re-import rewrote 17."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "content", site / "content")
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    proc = run_cli("import", site / "content" / "profile.txt", "--site", site, check=True)
    assert " 0 updated, " in proc.stdout and "0 added" in proc.stdout, proc.stdout
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before


def test_a_profile_of_another_owner_says_the_site_changes_hands(tmp_path):
    """A coauthor's profile imported by mistake rewrote `name:` and so the whole site's
    owner without a word, in the dry run too; `sitegen new`'s placeholder goes quietly."""
    site = tmp_path / "site"
    run_cli("new", site, check=True)
    ada = one_paper(tmp_path, "Bo Wu, Ada Lovelace")
    first = run_cli("import", ada, "--site", site, "--as-of", AS_OF_ARG, check=True)
    assert "becomes" not in first.stderr
    bo = one_paper(tmp_path, "Bo Wu, Cy Young", owner="Bo Wu")
    warning = "content/profile.yaml: warning: name: 'Ada Lovelace' becomes 'Bo Wu', the profile's"
    for dry in (["--dry-run"], []):
        r = run_cli("import", bo, "--site", site, "--as-of", AS_OF_ARG, *dry, check=True)
        assert warning in r.stderr, r.stderr
    assert "name: Bo Wu" in (site / "content" / "profile.yaml").read_text()


def test_a_new_name_of_the_owner_keeps_the_papers_theirs(tmp_path):
    """A year-of-imports hunter's: a middle initial added to the profile's owner ('Lemeng
    Wu' -> 'Lemeng W. Wu') turned every paper that lists the old name to
    `owner_in_et_al: true` (the owner hidden in "et al."), silently, but for a warning that
    the site had changed hands. The import stops before writing and says what to do: the
    old name in people.yaml, which the build reads too, keeps the papers the owner's."""
    site = tmp_path / "site"
    profile = one_paper(tmp_path, "Ada Lovelace, Bo Wu")
    run_cli("new", site, "--profile", profile, "--as-of", AS_OF_ARG, check=True)
    before = snapshot(site)
    profile.write_text(profile.read_text().replace("Ada Lovelace\n", "Ada B. Lovelace\n", 1))
    r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 1 and snapshot(site) == before
    assert r.stderr == (
        "content/profile.yaml: name: 'Ada Lovelace' becomes 'Ada B. Lovelace', the profile's "
        "owner, and 1 of its papers list 'Ada Lovelace', who would no longer be the owner. If "
        "it is your former name, add it to content/people.yaml (`- name: Ada B. Lovelace`, "
        "`owner: true`, `aliases: [Ada Lovelace]`); if the site changes hands, set `name: Ada "
        "B. Lovelace` here. Then import again; nothing was written\n"
    ).replace("content/profile.yaml", str(site / "content" / "profile.yaml"), 1)
    people = "- name: Ada B. Lovelace\n  owner: true\n  aliases: [Ada Lovelace]\n"
    (site / "content" / "people.yaml").write_text(people)
    r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
    assert r.stderr == "" and r.stdout.splitlines()[-1] == "0 added, 0 updated, 1 unchanged"
    assert "name: Ada B. Lovelace" in (site / "content" / "profile.yaml").read_text()
    ((fm, _),) = papers(site).values()
    assert fm["owner_in_et_al"] is False


@pytest.mark.parametrize("edit", ["authors completed", "deleted"])
def test_a_paper_the_profile_retitles_is_one_paper_after_a_hand_edit(site, tmp_path, edit):
    """arXiv's v2 retitles a paper ("PSF: ..."). Once its file had its authors completed by
    hand, or was deleted by hand, the retitled record matched no file: it was added again,
    the edited file said to be "missing from profile", the deleted paper published again."""
    papers = site / "content" / "papers"
    path = papers / "2022-fast-point-cloud-generation-with-straight-flows.md"
    if edit == "deleted":
        path.unlink()
    else:
        path.write_text(path.read_text().replace("authors:\n", "authors:\n- Qiang Liu\n", 1))
    before = sorted(p.name for p in papers.iterdir())
    v2 = tmp_path / "v2.txt"
    old = "Fast Point Cloud Generation with Straight Flows"
    v2.write_text(SEED.read_text().replace(f"\n{old}\n", f"\nPSF: {old}\n", 1))
    r = cli(v2, "--site", site, "--as-of", AS_OF_ARG)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in papers.iterdir()) == before
    why = "deleted by hand" if edit == "deleted" else "edited by hand"
    assert f"kept content/papers/{path.name} ({why}" in r.stdout, r.stdout
    assert "missing from profile" not in r.stdout


def test_a_change_the_user_copied_into_an_edited_file_is_merged(tmp_path):
    """A year-of-imports hunter's: "edited by hand, and the profile changed it since;
    --force overwrites it" never went away, even once the user had copied the profile's new
    title into the file: --force, its only remedy, took their edits. It names the keys the
    profile changed, and once the file holds them it is merged: said no more."""
    site = tmp_path / "site"
    title = "Merging by Hand Considered Helpful"
    profile = one_paper(tmp_path, "Ada Lovelace, Bo Wu", title)
    run_cli("new", site, "--profile", profile, "--as-of", AS_OF_ARG, check=True)
    path = site / "content" / "papers" / "2024-merging-by-hand-considered-helpful.md"
    path.write_text(path.read_text().replace("Text.", "My own abstract."))
    profile.write_text(profile.read_text().replace(title, title.removesuffix(" Helpful")))
    kept = (
        f"kept content/papers/{path.name} (edited by hand, and the profile changed its title "
        "since: copy it into the file, or --force overwrites it)"
    )
    for _ in range(2):  # said at each import while the file lacks it
        r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
        assert r.stdout.splitlines()[0] == kept
    path.write_text(path.read_text().replace(title, "Merging by Hand Considered"))
    for _ in range(2):
        r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
        assert r.stdout == "0 added, 0 updated, 0 unchanged, 1 kept (changed or deleted by hand)\n"
    assert load(path) == (load(path)[0], "My own abstract.\n")
    # two keys changed, one merged: the other is named
    text = profile.read_text().replace("Bo Wu", "Bo Wu, Cy Young")
    profile.write_text(text.replace("Mar 3", "Mar 4"))
    path.write_text(path.read_text().replace("2024-03-03", "2024-03-04"))
    r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
    assert "changed its authors since: copy it into" in r.stdout, r.stdout


def test_a_manifest_of_whole_record_digests_is_no_change(tmp_path):
    """The manifest's `said` was one digest of the whole record, now one a key: a file
    edited by hand under such a manifest is no profile change, and the manifest moves on."""
    profile, alpha, manifest, data = alpha_edited_by_hand(tmp_path)
    records = parse_profile(profile.read_text(), as_of=AS_OF).records
    keys = importer.identities(records)[0]
    for key, record in zip(keys, records, strict=True):  # as the sitegen before wrote it
        data["papers"][key]["said"] = importer._said_whole(record)
    manifest.write_text(json.dumps(data))
    report = run_import(profile, tmp_path, as_of=AS_OF)
    assert report.kept == [] and report.edited == ["content/papers/2022-paper-alpha.md"]
    now = json.loads(manifest.read_text())["papers"]
    assert [now[k]["said"] for k in keys] == [importer._said(r) for r in records]


def test_a_code_link_the_profile_dropped_goes_whatever_the_profile_file_is_called(tmp_path):
    """A year-of-imports hunter's: with the profile text saved under a new name at each
    import, the manifest's `sources` took the earlier names for other sources, and so kept
    in the file the code link the profile had dropped (with one name it went)."""
    site = tmp_path / "site"
    jan = one_paper(tmp_path, "Ada Lovelace", abstract="Text. Code: https://github.com/a/b")
    jan = jan.rename(tmp_path / "prof-jan.txt")
    run_cli("new", site, "--profile", jan, "--as-of", AS_OF_ARG, check=True)
    apr = tmp_path / "prof-apr.txt"
    apr.write_text(jan.read_text().replace(" Code: https://github.com/a/b", ""))
    r = run_cli("import", apr, "--site", site, "--as-of", AS_OF_ARG, check=True)
    assert r.stdout.splitlines()[-1] == "0 added, 1 updated, 0 unchanged"
    ((fm, body),) = papers(site).values()
    assert fm["code_url"] is None and body == "Text.\n"
    manifest = json.loads((site / "content" / importer.MANIFEST_NAME).read_text())
    assert manifest["sources"] == {"2024-a-title.md": ["prof-apr.txt"]}


@pytest.mark.parametrize("edited", [False, True])
def test_a_paper_a_source_added_first_is_the_profiles_once_it_lists_it(tmp_path, edited):
    """A year-of-imports hunter's: a paper a .bib file added, which the profile listed
    later, was "not in the import manifest, so yours" at every import, though sitegen had
    written it and nobody had touched it: the profile's abstract, topic and date never
    reached it. Unedited, it is updated as any imported paper (keeping the venue the
    .bib gave); edited by hand, it is still kept."""
    site = tmp_path / "site"
    bib = tmp_path / "r3.bib"
    bib.write_text(
        '@inproceedings{m, title={Schr{\\"o}dinger bridges for point cloud completion},\n'
        "author={M{\\\"u}ller, J{\\'e}r{\\^o}me and Lovelace, Ada}, booktitle={ICCV}, "
        "year={2024}}\n"
    )
    run_cli("new", site, check=True)
    profile_yaml = site / "content" / "profile.yaml"
    profile_yaml.write_text(profile_yaml.read_text().replace("Your Name", "Ada Lovelace"))
    run_cli("import", bib, "--site", site, "--as-of", AS_OF_ARG, check=True)
    path = site / "content" / "papers" / "2024-schrodinger-bridges-for-point-cloud-completion.md"
    if edited:
        path.write_text(path.read_text().replace("venue: ICCV", "venue: ICCV 2025"))
    mine = path.read_bytes()
    title = "Schrödinger Bridges for Point Cloud Completion"
    profile = one_paper(tmp_path, "Jérôme Müller, Ada Lovelace", title, "We complete clouds.")
    for _ in range(2):
        r = run_cli("import", profile, bib, "--site", site, "--as-of", AS_OF_ARG, check=True)
        kept = "(not in the import manifest, so yours; --force overwrites it)"
        assert (kept in r.stdout) == edited, r.stdout
    if edited:
        assert path.read_bytes() == mine
        return
    fm, body = load(path)
    assert (fm["title"], fm["topic"], fm["date"]) == (title, "LG", dt.date(2024, 3, 3))
    assert (fm["venue"], body) == ("ICCV", "We complete clouds.\n")
    assert r.stdout.splitlines()[-1] == "0 added, 0 updated, 1 unchanged, 1 matched in the sources"


def test_a_paper_deleted_by_hand_is_said_once_when_profile_and_source_both_give_it(tmp_path):
    """A year-of-imports hunter's: a paper deleted by hand, which the profile had retitled
    and a .bib gave under the old title, was "kept ... (deleted by hand)" twice, and
    counted twice."""
    site = tmp_path / "site"
    profile = one_paper(tmp_path, "Zaiwei Zhang, Ada Lovelace", "Path-Invariant Map Networks")
    run_cli("new", site, "--profile", profile, "--as-of", AS_OF_ARG, check=True)
    (site / "content" / "papers" / "2024-path-invariant-map-networks.md").unlink()
    retitled = "Path-Invariant Map Networks for Joint Learning"
    profile.write_text(profile.read_text().replace("Map Networks", retitled[16:]))
    bib = tmp_path / "r2.bib"
    bib.write_text(
        "@inproceedings{z, title={Path-invariant map networks}, "
        "author={Zhang, Zaiwei and Lovelace, Ada}, booktitle={CVPR}, year={2024}}\n"
    )
    r = run_cli("import", profile, bib, "--site", site, "--as-of", AS_OF_ARG, check=True)
    assert r.stdout.splitlines() == [
        "kept content/papers/2024-path-invariant-map-networks.md (deleted by hand; "
        "--force re-creates it)",
        "0 added, 0 updated, 0 unchanged, 1 kept (changed or deleted by hand)",
    ]


def test_an_import_names_what_it_wrote_and_what_force_took(tmp_path):
    """A year-of-imports hunter's: a real run printed only counts, where the dry run named
    each file, and a --force run named nothing it overwrote, nor the papers deleted by
    hand it brought back, which `import --help` did not say it would."""
    site = tmp_path / "site"
    profile = one_paper(tmp_path, "Ada Lovelace", "First")
    run_cli("new", site, "--profile", profile, "--as-of", AS_OF_ARG, check=True)
    papers_dir = site / "content" / "papers"
    (papers_dir / "2024-first.md").unlink()
    text = profile.read_text()
    second = text.split("\n\n", 2)[2].replace("First", "Second").replace("Mar 3", "Mar 4")
    profile.write_text(text.replace("1 Papers", "2 Papers") + "\n" + second)
    r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, check=True)
    assert r.stdout.splitlines() == [
        "added content/papers/2024-second.md",
        "kept content/papers/2024-first.md (deleted by hand; --force re-creates it)",
        "1 added, 0 updated, 0 unchanged, 1 kept (changed or deleted by hand)",
    ]
    (papers_dir / "2024-second.md").write_text("---\ntitle: Mine\n---\n")
    r = run_cli("import", profile, "--site", site, "--as-of", AS_OF_ARG, "--force", check=True)
    assert r.stdout.splitlines() == [
        "re-created content/papers/2024-first.md (deleted by hand)",
        "overwrote content/papers/2024-second.md (edited by hand)",
        "1 added, 1 updated, 0 unchanged",
    ]
    r = run_cli("import", "--help")
    assert "re-create the papers deleted by hand" in " ".join(r.stdout.split())
    many = tmp_path / "many"  # a first import of more than NAMED papers is counted
    papers_text = "".join(
        f"LGMar {d}, 2024\nPaper {d}\n\nAda Lovelace\n\nText.\n\n" for d in range(1, 12)
    )
    profile.write_text(f"Ada Lovelace\n\n11 Papers\n\n{papers_text}")
    r = run_cli("import", profile, "--site", many, "--as-of", AS_OF_ARG, check=True)
    assert r.stdout.splitlines() == [
        "created content/profile.yaml",
        "11 added, 0 updated, 0 unchanged",
    ]
