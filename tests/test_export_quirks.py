"""What real exports do that the format alone does not say, as hunters met it importing them
through the real CLI: DBLP's RIS, Zotero's arXiv items, every source's spelling of a title,
Google Scholar's repeated keys, IEEE Xplore's initials."""

from __future__ import annotations

from pathlib import Path

import bibtexparser
import pytest
import yaml
from conftest import AS_OF, papers_site, run_cli


def site_of(tmp_path: Path) -> Path:
    """A new site of Lemeng Wu's, with no paper yet."""
    return papers_site(tmp_path / "site", [], owner="Lemeng Wu")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def imported(site: Path, *sources: Path) -> str:
    proc = run_cli("import", *sources, "--site", site, "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def papers(site: Path) -> dict[str, dict]:
    """Each paper file's name -> its front matter."""
    return {
        p.name: yaml.safe_load(p.read_text(encoding="utf-8").split("\n---\n")[0][4:])
        for p in sorted((site / "content" / "papers").glob("*.md"))
    }


@pytest.mark.slow
def test_a_dblp_ris_conference_paper_keeps_its_proceedings_and_pages(tmp_path: Path) -> None:
    """A hunter's: DBLP's RIS names a conference paper's proceedings in BT, which rispy does
    not know: the paper had no venue and no pages, and the site cited it as a @misc. Its
    title kept the period DBLP ends every title with."""
    site = site_of(tmp_path)
    ris = write(
        tmp_path / "dblp.ris",
        "TY  - CPAPER\nAU  - Wu, Lemeng\nAU  - Wang, Dilin\n"
        "TI  - Fast Point Cloud Generation with Straight Flows.\n"
        "BT  - IEEE/CVF Conference on Computer Vision and Pattern Recognition, CVPR 2023, "
        "Vancouver, BC, Canada, June 17-24, 2023\n"
        "SP  - 9445\nEP  - 9454\nPY  - 2023//\nDO  - 10.1109/CVPR52729.2023.00911\nER  - \n\n"
        "TY  - BOOK\nAU  - Wu, Lemeng\nBT  - Flows and Their Uses\nPY  - 2024//\nER  - \n\n"
        # an abbreviation's period is the title's (the regression hunter's: `et al` and `Inc`)
        "TY  - JOUR\nAU  - Wu, Lemeng\nTI  - Reply to the Comment by Smith et al.\n"
        "JO  - Science\nPY  - 2022//\nER  - \n",
    )
    imported(site, ris)
    found = papers(site)
    fast = found["2023-fast-point-cloud-generation-with-straight-flows.md"]
    assert fast["title"] == "Fast Point Cloud Generation with Straight Flows"
    assert fast["venue"].startswith("IEEE/CVF Conference on Computer Vision and Pattern")
    assert fast["pages"] == "9445–9454" and fast["type"] == "conference"
    assert found["2022-reply-to-the-comment-by-smith-et-al.md"]["title"].endswith("et al.")
    book = found["2024-flows-and-their-uses.md"]  # a whole book's BT is its own title
    assert book["type"] == "book" and "venue" not in book
    run_cli("build", "--site", site, "--no-search", check=True)
    slug = "2023-fast-point-cloud-generation-with-straight-flows"
    bib = (site / "output" / "papers" / slug / f"{slug}.bib").read_text(encoding="utf-8")
    (entry,) = bibtexparser.parse_string(bib).entries
    assert entry.entry_type == "inproceedings"
    assert entry["booktitle"].startswith("IEEE/CVF Conference") and entry["pages"] == "9445--9454"
    assert entry["title"].strip("{}") == "Fast Point Cloud Generation with Straight Flows"


def test_arxiv_in_any_exports_spelling_is_a_preprint_not_a_venue(tmp_path: Path) -> None:
    """A hunter's: Zotero stored arXiv items for years as journal articles in the "journal"
    `arXiv:2102.08606 [cs]`: the paper became an article in that venue, listed in the CV among
    the journal articles, and won over Scholar's `arXiv preprint arXiv:2102.08606`."""
    site = site_of(tmp_path)
    zotero = write(
        tmp_path / "zotero.json",
        '[{"id": "z1", "type": "article-journal", "title": "Centroid Transformers",'
        ' "container-title": "arXiv:2102.08606 [cs]", "note": "arXiv: 2102.08606",'
        ' "author": [{"family": "Wu", "given": "Lemeng"}], "issued": {"date-parts": [[2021]]}},'
        ' {"id": "z2", "type": "article-journal", "title": "Straight Flows",'
        ' "container-title": "arXiv:2209.03003 [cs]",'
        ' "author": [{"family": "Wu", "given": "Lemeng"}], "issued": {"date-parts": [[2022]]}}]',
    )
    scholar = write(
        tmp_path / "scholar.bib",
        "@article{wu2021centroid, title={Centroid transformers}, author={Wu, Lemeng},"
        " journal={arXiv preprint arXiv:2102.08606}, year={2021}}\n"
        # ADS's, Semantic Scholar's and DBLP's ways of saying arXiv, with the id elsewhere
        "@article{a, title={Paper A}, author={Wu, Lemeng}, journal={arXiv e-prints},"
        " eprint={2301.00001}, year={2023}}\n"
        "@article{b, title={Paper B}, author={Wu, Lemeng}, journal={ArXiv},"
        " volume={abs/2301.00002}, year={2023}}\n"
        "@article{c, title={Paper C}, author={Wu, Lemeng}, journal={CoRR abs/2301.00003},"
        " year={2023}}\n",
    )
    imported(site, zotero, scholar)
    found = {p["title"]: p for p in papers(site).values()}
    assert len(found) == 5, found.keys()
    expected = {
        "Centroid Transformers": "2102.08606",
        "Straight Flows": "2209.03003",  # the id in the venue alone
        "Paper A": "2301.00001",
        "Paper B": "2301.00002",
        "Paper C": "2301.00003",
    }
    for title, arxiv in expected.items():
        paper = found[title]
        assert (paper["type"], paper["arxiv"], paper.get("venue")) == ("preprint", arxiv, None)


def test_a_tex_greek_letter_and_an_ampersand_match_how_other_sources_write_them(
    tmp_path: Path,
) -> None:
    """A hunter's: Scholar's `$\\alpha$-divergence`, DBLP's `{\\(\\alpha\\)}-Divergence` and
    Zotero's `<i>α</i>-Divergence`, and Scholar's `Vision \\& language` beside DBLP's `Vision
    and Language`, were five papers (`2021-alpha-divergence-...` and `2021-a-divergence-...`)."""
    site = site_of(tmp_path)
    scholar = write(
        tmp_path / "scholar.bib",
        "@inproceedings{s1, title={$\\alpha$-divergence variational inference meets importance"
        " weighted auto-encoders}, author={Wu, Lemeng}, booktitle={ICML}, year={2021}}\n"
        "@article{s2, title={Vision \\& language pretraining at scale}, author={Wu, Lemeng},"
        " journal={TMLR}, year={2021}}\n"
        # the letter's name, as OpenReview spells it (the regression hunter's: 2 papers)
        "@inproceedings{s3, title={beta-VAE: Learning Basic Visual Concepts},"
        " author={Wu, Lemeng}, booktitle={ICLR}, year={2017}}\n",
    )
    dblp = write(
        tmp_path / "dblp.bib",
        "@inproceedings{d1, author={Lemeng Wu}, title={{\\(\\alpha\\)}-Divergence Variational"
        " Inference Meets Importance Weighted Auto-Encoders}, booktitle={ICML}, year={2021}}\n"
        "@article{d2, author={Lemeng Wu}, title={Vision and Language Pretraining at Scale},"
        " journal={TMLR}, year={2021}}\n"
        "@inproceedings{d3, author={Lemeng Wu}, title={{\\(\\beta\\)}-VAE: Learning Basic Visual"
        " Concepts}, booktitle={ICLR}, year={2017}}\n",
    )
    zotero = write(
        tmp_path / "zotero.json",
        '[{"id": "z", "type": "paper-conference", "title": "<i>α</i>-Divergence Variational'
        ' Inference Meets Importance Weighted Auto-Encoders", "container-title": "ICML",'
        ' "author": [{"family": "Wu", "given": "Lemeng"}], "issued": {"date-parts": [[2021]]}}]',
    )
    out = imported(site, scholar, dblp, zotero)
    assert out.splitlines()[-1].startswith("3 added"), out
    assert sorted(papers(site)) == [
        "2017-beta-vae-learning-basic-visual-concepts.md",
        "2021-alpha-divergence-variational-inference-meets-importance-weighted-auto-encoders.md",
        "2021-vision-language-pretraining-at-scale.md",
    ]


def test_a_key_given_twice_is_two_papers_and_only_a_crossref_to_it_is_said(
    tmp_path: Path,
) -> None:
    """A hunter's: Google Scholar gives two papers one key (`wu2022diffusion`), and the whole
    import stopped at `dupkey.bib:10: duplicate entry key`. sitegen makes its own keys: only
    a crossref needs the source's, and it takes the first entry of a key, as BibTeX does."""
    site = site_of(tmp_path)
    bib = write(
        tmp_path / "dupkey.bib",
        "@string{venue = {NeurIPS}}\n"  # line 1
        "@article{wu2022diffusion,\n  title={Diffusion models for point clouds},\n"
        "  author={Wu, Lemeng},\n  journal={TPAMI},\n  year={2022}\n}\n"  # lines 2-7
        "@string{venue = {ICML}}\n"  # line 8: given again, this one is read
        "@article{wu2022diffusion,\n  title={Diffusion models for molecules},\n"  # line 9
        "  author={Wu, Lemeng},\n  journal=venue,\n  year={2022}\n}\n"
        "@proceedings{vol, title={Proceedings of CVPR 2021}, year={2021}}\n"  # line 15
        "@proceedings{vol, title={Proceedings of ICCV 2021}, year={2021}}\n"  # line 16
        "@inproceedings{p, title={A Paper in a Volume}, author={Wu, Lemeng}, crossref={vol}}\n",
    )
    proc = run_cli("import", bib, "--site", site, "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1].startswith("3 added"), proc.stdout
    found = {p["title"]: p for p in papers(site).values()}
    assert found["Diffusion models for point clouds"]["venue"] == "TPAMI"
    assert found["Diffusion models for molecules"]["venue"] == "ICML"
    assert found["A Paper in a Volume"]["venue"] == "Proceedings of CVPR 2021"
    said = (
        f"{bib}:17: warning: crossref 'vol' names the entries at lines 15, 16: the first is"
        " taken as its volume, as BibTeX does"
    )
    assert said in proc.stderr and proc.stderr.count(str(bib)) == 1, proc.stderr


@pytest.mark.slow
def test_a_coauthor_named_by_initials_is_said_to_be_the_one_full_name_they_fit(
    tmp_path: Path,
) -> None:
    """A hunter's: IEEE Xplore's RIS gives initials (`D. Wang`), Scholar full names (`Wang,
    Dilin`): the site had coauthors/d-wang/ and coauthors/dilin-wang/, each with part of the
    joint papers, and the build said nothing. `Q. Liu` fits Qiang Liu and Qi Liu: not said."""
    site = site_of(tmp_path)
    ieee = write(
        tmp_path / "ieee.ris",
        "TY  - JOUR\nAU  - L. Wu\nAU  - D. Wang\nAU  - Q. Liu\nTI  - Paper One\nJO  - TPAMI\n"
        "PY  - 2021\nER  - \n\nTY  - JOUR\nAU  - L. Wu\nAU  - V. Chandra\nTI  - Paper Two\n"
        "JO  - TPAMI\nPY  - 2022\nER  - \n",
    )
    scholar = write(
        tmp_path / "scholar.bib",
        "@article{a, title={Paper Three}, author={Wu, Lemeng and Wang, Dilin and Liu, Qiang"
        " and Chandra, Vikas}, journal={JMLR}, year={2022}}\n"
        "@article{b, title={Paper Four}, author={Wu, Lemeng and Liu, Qi}, journal={JMLR},"
        " year={2023}}\n",
    )
    imported(site, ieee, scholar)
    proc = run_cli("build", "--site", site, "--no-search", check=True)
    said = (
        "content/people.yaml: warning: coauthor {!r} may be {!r}, the only coauthor whose name"
        " those initials fit, with a page each: if so, list {!r} as an alias of {!r} in"
        " content/people.yaml"
    )
    assert said.format(*["D. Wang", "Dilin Wang"] * 2) in proc.stderr, proc.stderr
    assert said.format(*["V. Chandra", "Vikas Chandra"] * 2) in proc.stderr
    assert "'Q. Liu'" not in proc.stderr
    write(site / "content" / "people.yaml", "- name: Dilin Wang\n  aliases: [D. Wang]\n")
    proc = run_cli("build", "--site", site, "--no-search", check=True)
    assert "'D. Wang'" not in proc.stderr and "'V. Chandra'" in proc.stderr
    coauthors = site / "output" / "coauthors"
    assert (coauthors / "dilin-wang").is_dir() and not (coauthors / "d-wang").exists()
