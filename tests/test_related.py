"""Related papers: similar by their words, never the paper itself, the same on every build."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from conftest import BASE_URL, run_cli
from htmlutil import Collector, parse

from sitegen.related import related_indices, related_papers, shared_terms, tokens


@dataclass(frozen=True)
class Doc:
    slug: str
    title: str
    summary_text: str


DOCS = [
    Doc("a", "Diffusion models for image generation", "We train diffusion models on images."),
    Doc("b", "Faster diffusion sampling", "Diffusion models generate images slowly; we fix it."),
    Doc("c", "Graph neural networks", "Message passing on graphs with neural networks."),
    Doc("d", "Neural networks on graphs at scale", "Scaling graph neural networks to billions."),
    Doc("e", "Image generation with transformers", "Transformers generate images token by token."),
    Doc("f", "Cooking pasta", "Boil water, add salt."),
]


def test_tokens_drop_stopwords_math_and_fold_plurals() -> None:
    assert tokens("We propose novel Networks for $O(n^2)$ the images") == ["network", "image"]


def test_related_are_similar_exclude_self_and_are_ordered_by_similarity() -> None:
    rel = related_papers(DOCS, 3)
    assert [d.slug for d in rel["a"]][:2] == ["b", "e"]
    assert [d.slug for d in rel["c"]][0] == "d"
    for doc in DOCS:
        assert doc not in rel[doc.slug]
        assert len(rel[doc.slug]) <= 3
        for other in rel[doc.slug]:
            assert shared_terms(doc, other), (doc.slug, other.slug)
    assert rel["f"] == ()  # nothing in common with anything: no filler


def test_related_is_deterministic_and_handles_tiny_inputs() -> None:
    assert related_indices(DOCS, 4) == related_indices(list(DOCS), 4)
    assert related_indices(DOCS[:1], 4) == [[]]
    assert related_indices([], 4) == []
    assert related_indices(DOCS, 0) == [[] for _ in DOCS]


def related_on_page(page: Path) -> list[str]:
    """The hrefs listed under the page's "Related papers" heading."""
    html = page.read_text(encoding="utf-8")
    start = html.find('<section class="related"')
    if start == -1:
        return []
    section = html[start : html.index("</section>", start)]
    doc = Collector()
    doc.feed(section)
    return [
        a["href"] or ""
        for tag, a in doc.elements
        if tag == "a" and (a.get("href") or "").startswith("../../papers/")
    ]


def test_every_example_paper_lists_three_to_five_related_papers(example_output: Path) -> None:
    pages = sorted((example_output / "papers").glob("*/index.html"))
    assert len(pages) == 32
    titles = {p.parent.name: parse(p).find("h1")[0] for p in pages}
    assert titles
    for page in pages:
        hrefs = related_on_page(page)
        slugs = [h.removeprefix("../../papers/").rstrip("/") for h in hrefs]
        assert 3 <= len(slugs) <= 5, (page, slugs)
        assert page.parent.name not in slugs
        assert len(set(slugs)) == len(slugs)
        for s in slugs:
            assert (example_output / "papers" / s / "index.html").is_file()


def test_related_papers_share_words_with_the_paper(example_site: Path) -> None:
    from sitegen.build import load_site

    site = load_site(example_site, BASE_URL).site
    for p in site.papers:
        for q in site.related[p.slug]:
            common = shared_terms(p, q)
            assert len(common) >= 3, (p.title, q.title, common)


def test_related_lists_are_stable_between_builds(fresh_site: Path, tmp_path: Path) -> None:
    outs = []
    for name in ("one", "two"):
        out = tmp_path / name
        run_cli("build", "--site", fresh_site, "--output", out, "--no-search", check=True)
        outs.append(out)
    for page in sorted((outs[0] / "papers").glob("*/index.html")):
        twin = outs[1] / page.relative_to(outs[0])
        assert related_on_page(page) == related_on_page(twin)
