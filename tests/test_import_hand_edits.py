"""`sitegen import` of other sources into a site edited by hand, through the real CLI: a key
left empty on purpose, a paper its source retitled, a file renamed and retitled by hand."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import AS_OF, make_site, run_cli, seed_profile

FAST = "2022-fast-point-cloud-generation-with-straight-flows.md"
FUSEDREAM = "2021-fusedream-training-free-text-to-image-generation-with-improved-clip-gan-space.md"
EDGETAM = "2025-edgetam-on-device-track-anything-model.md"
# arXiv's answer to `id:2501.07256`: the example profile's EdgeTAM, retitled in its v2
ARXIV_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/abs/2501.07256v2</id>
    <published>2025-01-13T18:59:59Z</published>
    <title>EdgeTAM: Efficient On-Device Track Anything Model</title>
    <summary>On top of Segment Anything Model (SAM), SAM 2 further extends it.</summary>
    <author><name>Chong Zhou</name></author>
    <author><name>Chenchen Zhu</name></author>
    <author><name>Yunyang Xiong</name></author>
    <author><name>Lemeng Wu</name></author>
    <link title="pdf" href="http://arxiv.org/pdf/2501.07256v2" rel="related"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="cs.CV"/>
  </entry>
</feed>
"""


def front(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")[4:].split("\n---\n", 1)[0])


def imp(*args: object, env: dict | None = None):  # noqa: ANN201
    return run_cli("import", *args, "--as-of", AS_OF, env=env)


class _Arxiv(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = ARXIV_V2.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def arxiv_api() -> Iterator[dict[str, str]]:
    """A local arXiv API answering every query with ARXIV_V2."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Arxiv)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {"SITEGEN_ARXIV_API": f"http://127.0.0.1:{server.server_port}"}
    server.shutdown()
    server.server_close()


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


def test_a_paper_its_source_retitled_is_found_as_the_profile_finds_one(
    site: Path, arxiv_api: dict
) -> None:
    """arXiv's v2 retitled EdgeTAM ("EdgeTAM: Efficient On-Device ..."): same topic and day,
    mostly the same words, as the profile's re-import matches a retitle. The merge made a
    second file of it."""
    papers = site / "content" / "papers"
    before = sorted(p.name for p in papers.iterdir())
    proc = imp("arxiv:id:2501.07256", "--site", site, env=arxiv_api)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in papers.iterdir()) == before
    fm = front(papers / EDGETAM)
    assert fm["title"] == "EdgeTAM: On-Device Track Anything Model"  # the file's, kept
    assert fm["arxiv"] == "2501.07256" and fm["pdf"] == "http://arxiv.org/pdf/2501.07256v2"
    again = imp(seed_profile(), "arxiv:id:2501.07256", "--site", site, env=arxiv_api)
    assert again.returncode == 0 and again.stdout.startswith("0 added, 0 updated"), again.stdout


def test_a_source_paper_renamed_and_retitled_by_hand_is_not_deleted(
    site: Path, tmp_path: Path
) -> None:
    """An ORCID work of no id, its file retitled and renamed by hand (`git mv`): the import
    said it was "deleted by hand", and --force made it a second time."""
    works = tmp_path / "works.json"
    work = {
        "title": {"title": {"value": "Flows diffusion inference mobile segmentation learning"}},
        "external-ids": {"external-id": []},
        "type": "other",
        "publication-date": {"year": {"value": "2015"}},
    }
    works.write_text(json.dumps({"group": [{"work-summary": [work]}]}))
    assert imp(works, "--site", site).returncode == 0
    papers = site / "content" / "papers"
    old = papers / "2015-flows-diffusion-inference-mobile-segmentation-learning.md"
    text = old.read_text(encoding="utf-8")
    line = "title: Flows diffusion inference mobile segmentation learning\n"
    assert text.startswith(f"---\n{line}")
    new = text.replace(line, "title: Flows, diffusion and inference for mobile segmentation\n")
    (papers / "2015-flows-for-mobile-segmentation.md").write_text(new, encoding="utf-8")
    old.unlink()
    names = sorted(p.name for p in papers.iterdir())
    for force in ([], ["--force"], []):
        proc = imp(works, "--site", site, *force)
        assert proc.returncode == 0, proc.stderr
        assert "deleted by hand" not in proc.stdout, proc.stdout
        assert sorted(p.name for p in papers.iterdir()) == names
    manifest = json.loads((site / "content" / ".sitegen-import.json").read_text())
    assert "2015-flows-for-mobile-segmentation.md" in manifest["sources"]  # followed
    assert old.name not in manifest["sources"]
