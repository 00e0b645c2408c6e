"""Related papers: similar by their words, never the paper itself, the same on every build.

The module is plain Python, so the tests hold it to a reference written straight
from the definition (TF-IDF as documented, and for small sites, where the caps
on candidates cannot bind, the exact cosine ranking), and to the properties a
reader relies on: no self-match, at most k, a cutoff, the same result whatever
the order of the papers or the hash seed.
"""

from __future__ import annotations

import json
import math
import os
import random
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import BASE_URL, run_cli
from htmlutil import Collector, parse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.related import (
    CANDIDATES,
    IDF_STEPS,
    MIN_SCORE,
    POSTINGS_CAP,
    TITLE_WEIGHT,
    TOP_TERMS,
    idf_weights,
    related_papers,
    term_counts,
    tokens,
    vector,
)


def tfidf_vectors(docs: list[Doc]) -> list[dict[str, float]]:
    """One vector per paper, weighted over `docs`, as related_papers makes them."""
    counts = [term_counts(d) for d in docs]
    idf = idf_weights(counts)
    return [vector(c, idf) for c in counts]


def shared_terms(a: Doc, b: Doc) -> set[str]:
    """The terms two papers have in common: what makes them related."""
    return set(term_counts(a)) & set(term_counts(b))


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

# Pieces of text that are easy to get wrong: case folding that changes length or
# script (ß, İ, final sigma, Cherokee), NFKC (ligatures, full width, math letters,
# superscripts, fractions), joiners, digits, math, NUL, stopwords.
PIECES = [
    "graph", "Graphs", "neural", "networks", "diffusion", "model", "models", "the", "we",
    "propose", "a", "of", "state-of-the-art", "don't", "x86-64", "2024", "12", "Straße",
    "STRASSE", "naïve", "Café", "ΣΊΣΥΦΟΣ", "σίσυφος", "ᏣᎳᎩ", "ꭰꭱ", "İstanbul", "ﬁne", "Ｆｕｌｌ",
    "𝔸𝔹ℂ", "深度学习", "e\u0301cole", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "x²", "½", "Ⅻ", "١٢٣", "$x^2$", "$", "\x00", "-", "'", "’", "--", "_", " ", "\n", ".",
    ",", "é", "ß", "Ö", "😀",
]  # fmt: skip


def text_of(pieces: list[str]) -> str:
    return "".join(pieces)


texts = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), max_size=20).map(text_of)
docs_strategy = st.lists(st.tuples(texts, texts), min_size=1, max_size=6).map(
    lambda pairs: [Doc(f"p{i}", t, s) for i, (t, s) in enumerate(pairs)]
)
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def slugs(related: dict[str, tuple[Doc, ...]]) -> dict[str, list[str]]:
    return {slug: [d.slug for d in v] for slug, v in related.items()}


def related(docs: list[Doc], k: int) -> dict[str, tuple[Doc, ...]]:
    """related_papers without a memo, as a cold build scores."""
    return related_papers(docs, k)[0]


# ---------------------------------------------------------------- references


def reference_counts(doc: Doc) -> Counter[str]:
    counts = Counter(tokens(doc.summary_text))
    for t in tokens(doc.title):
        counts[t] += TITLE_WEIGHT
    return counts


def reference_vectors(docs: list[Doc]) -> list[dict[str, float]]:
    """TF-IDF as documented: sublinear tf, smoothed and rounded idf, terms of one paper
    dropped, unit length."""
    counts = [reference_counts(d) for d in docs]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(docs)
    idf = {t: round(math.log((1 + n) / (1 + f)) * IDF_STEPS) / IDF_STEPS + 1 for t, f in df.items()}
    out = []
    for c in counts:
        vec = {t: (1.0 + math.log(k)) * idf[t] for t, k in c.items() if df[t] > 1 or n == 1}
        norm = math.sqrt(math.fsum(w * w for w in vec.values())) or 1.0
        out.append({t: w / norm for t, w in vec.items()})
    return out


def cosines(docs: list[Doc]) -> list[list[float]]:
    vecs = reference_vectors(docs)
    return [[math.fsum(a[t] * b[t] for t in a.keys() & b.keys()) for b in vecs] for a in vecs]


def reference_related(docs: list[Doc], k: int) -> list[list[str]]:
    """The exact ranking of a small site: the k best others of each paper.

    With at most CANDIDATES others and POSTINGS_CAP papers, the only bound left
    is that a candidate shares one of the paper's top terms among its own.
    """
    assert len(docs) <= min(CANDIDATES + 1, POSTINGS_CAP)
    vecs = reference_vectors(docs)
    top = [set(sorted(v, key=lambda t: (-v[t], t))[:TOP_TERMS]) for v in vecs]
    cos = cosines(docs)
    out = []
    for i in range(len(docs)):
        scored = sorted(
            (-round(cos[i][j], 9), docs[j].slug)
            for j in range(len(docs))
            if j != i and top[i] & top[j] and round(cos[i][j], 9) >= MIN_SCORE
        )
        out.append([slug for _, slug in scored[:k]])
    return out


def assert_same_vectors(got: list[dict[str, float]], want: list[dict[str, float]]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.keys() == w.keys()
        for t in w:
            assert g[t] == pytest.approx(w[t], rel=1e-12, abs=1e-15), t


def assert_same_ranking(docs: list[Doc], k: int) -> None:
    """The ranking equals the reference's, but for papers whose scores the reference
    itself cannot tell apart (closer than 1e-9), which may come in either order."""
    got = slugs(related(docs, k))
    cos = cosines(docs)
    at = {d.slug: i for i, d in enumerate(docs)}
    for i, want in enumerate(reference_related(docs, k)):
        mine = got[docs[i].slug]
        assert len(mine) == len(want), (i, mine, want)
        for g, w in zip(mine, want, strict=True):
            assert g == w or abs(cos[i][at[g]] - cos[i][at[w]]) < 1e-9, (i, mine, want)


def topic_site(n: int, seed: int) -> list[Doc]:
    """A site of n papers on a few topics, with shared and rare words."""
    rng = random.Random(seed)
    topics = [
        [f"{stem}{i}" for i in range(12)]
        for stem in ("graph", "vision", "speech", "robot", "proof")
    ]
    common = ["learning", "model", "training", "data", "network", "inference", "scaling"]
    docs = []
    for i in range(n):
        words = rng.choice(topics) + common
        title = " ".join(rng.choices(words, k=5)).title()
        abstract = " ".join(rng.choices(words, k=40)) + f" unique{i}"
        docs.append(Doc(f"paper-{i:04d}", title, abstract))
    return docs


# ---------------------------------------------------------------- terms and weights


def test_tokens_drop_stopwords_math_and_fold_plurals() -> None:
    assert tokens("We propose novel Networks for $O(n^2)$ the images") == ["network", "image"]


def test_tokens_fold_case_and_normalise_unicode() -> None:
    assert tokens("Straße STRASSE") == ["strasse", "strasse"]
    assert tokens("ﬁne Ｆｕｌｌ") == ["fine", "full"]
    assert tokens("state-of-the-art x86-64 don't_care 2024") == [
        "state-of-the-art",
        "x86-64",
        "don't",
        "care",
    ]


def test_a_title_word_counts_title_weight_times() -> None:
    # "graph" is once in the title and once in the abstract; "scale" once in the abstract
    vec = tfidf_vectors([Doc("a", "Graph", "graph scale"), Doc("b", "Graph", "graph scale")])[0]
    assert vec["graph"] / vec["scale"] == pytest.approx(1.0 + math.log(1 + TITLE_WEIGHT))


def test_vectors_hold_exactly_the_terms_of_tokens_on_hard_text() -> None:
    hard = [Doc(f"h{i}", piece, f"{piece} graph {piece}{piece}") for i, piece in enumerate(PIECES)]
    hard += [
        Doc("s1", "lone \ud800 surrogate graph", "graph\ud800network"),
        Doc("s2", "", ""),
        Doc("s3", "$only math$", "$x$ $y$ $"),
        Doc("s4", "the of and", "we propose a novel method"),
    ]
    assert_same_vectors(tfidf_vectors(hard), reference_vectors(hard))
    for doc in hard:  # with one paper, no term is dropped for being in one paper only
        assert set(tfidf_vectors([doc])[0]) == set(tokens(doc.title) + tokens(doc.summary_text))


@PROPERTY
@given(docs=docs_strategy)
def test_vectors_match_the_reference_on_any_text(docs: list[Doc]) -> None:
    vectors = tfidf_vectors(docs)
    assert_same_vectors(vectors, reference_vectors(docs))
    for v in vectors:  # heaviest first, ties by term
        assert list(v) == sorted(v, key=lambda t: (-v[t], t))


def test_tfidf_vectors_of_nothing() -> None:
    assert tfidf_vectors([]) == []
    assert tfidf_vectors([Doc("a", "", ""), Doc("b", "", "")]) == [{}, {}]


# ---------------------------------------------------------------- related papers


def test_related_are_similar_exclude_self_and_are_ordered_by_similarity() -> None:
    rel = related(DOCS, 3)
    assert [d.slug for d in rel["a"]][:2] == ["b", "e"]
    assert [d.slug for d in rel["c"]][0] == "d"
    for doc in DOCS:
        assert doc not in rel[doc.slug]
        assert len(rel[doc.slug]) <= 3
        for other in rel[doc.slug]:
            assert shared_terms(doc, other), (doc.slug, other.slug)
    assert rel["f"] == ()  # nothing in common with anything: no filler


def test_related_is_deterministic_and_handles_tiny_inputs() -> None:
    assert slugs(related(DOCS, 4)) == slugs(related(list(DOCS), 4))
    assert related(DOCS[:1], 4) == {"a": ()}
    assert related([], 4) == {}
    assert related(DOCS, 0) == {d.slug: () for d in DOCS}


def test_a_single_paper_has_no_related_papers() -> None:
    paper = Doc("only", "Graph neural networks", "Graph neural networks on graphs.")
    assert related([paper], 4) == {"only": ()}


@PROPERTY
@given(docs=docs_strategy, k=st.integers(min_value=0, max_value=CANDIDATES + 2))
def test_related_match_the_exact_ranking_on_small_sites(docs: list[Doc], k: int) -> None:
    assert_same_ranking(docs, k)


@PROPERTY
@given(docs=docs_strategy, k=st.integers(min_value=0, max_value=6), data=st.data())
def test_related_do_not_depend_on_the_input_order_of_any_site(
    docs: list[Doc], k: int, data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(docs))
    assert slugs(related(shuffled, k)) == slugs(related(docs, k))


def test_related_match_the_exact_ranking_with_long_and_empty_abstracts() -> None:
    rng = random.Random(3)
    vocab = [f"term{i}" for i in range(3000)]
    docs = [
        Doc(f"x{i:02d}", " ".join(rng.sample(vocab, 4)), " ".join(rng.sample(vocab, 60)))
        for i in range(14)
    ]
    docs.append(Doc("long", "term1 term2", " ".join(vocab)))
    docs.append(Doc("empty", "", ""))
    docs.append(Doc("stop", "The", "we propose a novel method $x$"))
    for k in (1, 4, 10, CANDIDATES):
        assert_same_ranking(docs, k)
    rel = related(docs, 10)
    assert rel["empty"] == rel["stop"] == ()
    assert all(d.slug not in ("empty", "stop") for v in rel.values() for d in v)


def test_never_the_paper_itself_never_twice_never_more_than_k() -> None:
    docs = topic_site(300, seed=1)
    for k in (1, 4, 10, CANDIDATES + 5):
        found = slugs(related(docs, k))
        for slug, rel in found.items():
            assert slug not in rel
            assert len(rel) == len(set(rel)) <= k
        assert max(map(len, found.values())) == k  # a site this size fills every list


def test_papers_without_words_are_nobody_s_related_paper() -> None:
    docs = topic_site(40, seed=2) + [
        Doc("blank", "", ""),
        Doc("stopwords", "The paper", "We propose a new method and show results."),
        Doc("math", "$x$", "$\\int_0^1 f(x)\\,dx$"),
    ]
    rel = related(docs, 5)
    for empty in ("blank", "stopwords", "math"):
        assert rel[empty] == ()
        assert all(d.slug != empty for v in rel.values() for d in v)
    assert related([Doc("a", "", ""), Doc("b", "", "")], 4) == {"a": (), "b": ()}


def test_unicode_papers_relate_through_folded_and_normalised_words() -> None:
    docs = [
        Doc("de-1", "Straße und Verkehr", "Die STRASSE als Netzwerk der Städte."),
        Doc("de-2", "Strasse, Verkehr, Städte", "Verkehr in Städten und auf der Straße."),
        Doc("el-1", "ΣΊΣΥΦΟΣ και βράχος", "Ο σίσυφος ανεβάζει τον βράχο."),
        Doc("el-2", "Σίσυφος", "Ο ΣΊΣΥΦΟΣ και ο βράχος ξανά."),
        Doc("zh-1", "深度学习 模型", "深度学习 模型 训练"),
        Doc("zh-2", "深度学习", "模型 训练 深度学习"),
        Doc("wide", "Ｆｕｌｌｗｉｄｔｈ ﬁnance", "ｆｕｌｌｗｉｄｔｈ finance"),
        Doc("narrow", "Fullwidth finance", "fullwidth ﬁnance"),
    ]
    rel = related(docs, 1)
    pairs = [("de-1", "de-2"), ("el-1", "el-2"), ("zh-1", "zh-2"), ("wide", "narrow")]
    for a, b in pairs:
        assert [d.slug for d in rel[a]] == [b]
        assert [d.slug for d in rel[b]] == [a]


def test_equal_papers_tie_on_the_slug_whatever_their_order() -> None:
    # more copies of one paper than a term's postings keep (the first by slug stay)
    # and than the candidates scored per paper (again the first by slug), all of them
    # with equal scores
    assert POSTINGS_CAP > CANDIDATES
    copies = [
        Doc(f"copy-{i:02d}", "Graph neural networks", "Graph networks at scale.")
        for i in range(POSTINGS_CAP + 8)
    ]
    others = topic_site(30, seed=4)
    expected = {d.slug: [c.slug for c in copies if c.slug != d.slug][:4] for d in copies}
    rng = random.Random(5)
    for _ in range(3):
        shuffled = copies + others
        rng.shuffle(shuffled)
        found = slugs(related(shuffled, 4))
        assert {s: found[s] for s in expected} == expected


def test_candidates_below_the_minimum_score_are_not_listed() -> None:
    # "a" and "b" share one term, a top term of both (equal weights tie to the
    # earlier term), but it is one of 201 equal terms: a cosine of about 1/201
    words_a, words_b = [f"alpha{i:03d}" for i in range(200)], [f"beta{i:03d}" for i in range(200)]
    docs = [
        Doc("a", "", " ".join([*words_a, "aaashared"])),
        Doc("b", "", " ".join([*words_b, "aaashared"])),
        Doc("c", "", " ".join(words_a)),
        Doc("d", "", " ".join(words_b)),
    ]
    assert 0 < cosines(docs)[0][1] < MIN_SCORE
    assert "aaashared" in list(tfidf_vectors(docs)[1])[:TOP_TERMS]
    assert_same_ranking(docs, 3)
    rel = related(docs, 3)
    assert [d.slug for d in rel["a"]] == ["c"]
    assert [d.slug for d in rel["b"]] == ["d"]


def test_related_do_not_depend_on_the_input_order() -> None:
    docs = topic_site(400, seed=6)
    want = slugs(related(docs, 5))
    rng = random.Random(8)
    for _ in range(2):
        shuffled = docs[:]
        rng.shuffle(shuffled)
        assert slugs(related(shuffled, 5)) == want


def test_related_are_the_same_in_fresh_interpreters_with_any_hash_seed() -> None:
    # set and dict orders change with the hash seed: they must not reach the result
    script = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from test_related import slugs, topic_site; from sitegen.related import related_papers;"
        "print(json.dumps(slugs(related_papers(topic_site(300, seed=9), 6)[0])))"
    )
    tests_dir = str(Path(__file__).parent)
    outs = []
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        proc = subprocess.run(
            [sys.executable, "-c", script, tests_dir],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        outs.append(json.loads(proc.stdout))
    assert outs[0] == outs[1]
    assert outs[0] == slugs(related(topic_site(300, seed=9), 6))


# ---------------------------------------------------------------- built sites


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


def test_scoring_in_shares_and_other_processes_gives_the_same_lists() -> None:
    """A large site scores its papers in shares across processes (state.fork_map):
    how the papers are shared out must not change a single list."""
    from sitegen.state import fork_map

    words = "graph image protein speech robot market galaxy climate".split()
    rng = random.Random(7)
    docs = [
        Doc(
            f"p{i:03d}",
            f"{words[i % 8]} {rng.choice(words)} study",
            " ".join(rng.choices(words, k=30)),
        )
        for i in range(120)
    ]
    one = slugs(related(docs, 4))
    assert slugs(related_papers(docs, 4, parts=3)[0]) == one
    assert slugs(related_papers(docs, 4, lambda fn, s: fork_map(fn, s, 2), 2)[0]) == one
    assert any(one.values())


def test_term_counts_come_with_each_papers_parse(
    fresh_site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After one abstract changes, only that paper is parsed and tokenised again, and the
    related lists are those of a build without any cache."""
    from sitegen import build

    counted: list[str] = []
    real = build.term_counts
    monkeypatch.setattr(build, "term_counts", lambda d: counted.append(d.slug) or real(d))
    cache = tmp_path / "cache"
    cache.mkdir()

    def related(cache_dir: Path | None = cache) -> dict[str, list[str]]:
        lists = build.load_site(fresh_site, BASE_URL, cache_dir).site.related
        return {slug: [p.slug for p in ps] for slug, ps in lists.items()}

    papers = sorted((fresh_site / "content" / "papers").glob("*.md"))
    first = related()
    assert len(counted) == len(papers)
    counted.clear()
    text = papers[3].read_text(encoding="utf-8")
    papers[3].write_text(text + "\nGraph diffusion for protein folding.\n", encoding="utf-8")
    again = related()
    assert counted == [papers[3].stem]
    assert again == related(None) != first  # as without any cache
    counted.clear()
    for shard in (cache / "papers").iterdir():
        shard.write_bytes(b"damaged")
    (cache / "related.pickle").unlink()
    assert related() == again
    assert len(counted) == len(papers)


# ---------------------------------------------------------------- rescoring after edits


EDITS = st.lists(
    st.tuples(st.sampled_from(["abstract", "title", "add", "copy", "delete", "k"]), st.randoms()),
    min_size=1,
    max_size=5,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 1000), edits=EDITS)
@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_rescoring_with_the_memo_gives_what_scoring_afresh_gives(
    seed: int, edits: list[tuple[str, random.Random]]
) -> None:
    """Any sequence of edits, on a site where the caps bind (more papers share a top
    term than a posting keeps): the lists and the memo equal those of a cold scoring.
    Words that are rare, common or new move the weights of their terms, and a copy
    of a paper makes ties."""
    docs = topic_site(70, seed)
    k = 4
    _, memo = related_papers(docs, k)
    words = ["graph3", "vision7", "learning", "model", "rare", "seldom", "fresh", "unique12"]
    for n, (kind, rng) in enumerate(edits):
        i = rng.randrange(len(docs))
        d = docs[i]
        extra = " ".join(rng.choices(words, k=rng.randint(1, 6)))
        if kind == "abstract":
            docs[i] = Doc(d.slug, d.title, rng.choice([d.summary_text + " " + extra, extra]))
        elif kind == "title":
            docs[i] = Doc(d.slug, extra.title(), d.summary_text)
        elif kind in ("add", "copy"):
            new = (d.title, d.summary_text) if kind == "copy" else (extra, extra + " " + extra)
            docs.insert(rng.randrange(len(docs) + 1), Doc(f"{d.slug}-{n}", *new))
        elif kind == "delete" and len(docs) > 2:
            del docs[i]
        elif kind == "k":
            k = rng.choice([k, 1, 3, 6])
        got, memo = related_papers(docs, k, memo=memo)
        want, fresh = related_papers(docs, k)
        assert slugs(got) == slugs(want)
        assert memo == fresh


def test_an_abstract_edit_rescores_only_the_papers_it_can_reach(monkeypatch) -> None:
    """The papers whose candidates include the edited one; not the whole site, and
    nothing at all when no text changed. A paper scored again takes its cosines with
    unchanged candidates from the memo: only those with the edited paper are computed."""
    from sitegen import related as related_module

    dots = []
    dot = related_module._dot
    monkeypatch.setattr(related_module, "_dot", lambda a, b: dots.append(1) or dot(a, b))
    rng = random.Random(11)
    vocab = [f"term{i}" for i in range(3000)]
    docs = [
        Doc(f"x{i:03d}", " ".join(rng.sample(vocab, 4)), " ".join(rng.sample(vocab, 60)))
        for i in range(400)
    ]
    _, memo = related_papers(docs, 4)
    d = docs[17]
    # more of its own words: no word is in more or fewer papers, so no weight moves
    docs[17] = Doc(d.slug, d.title, d.summary_text + " " + d.title)
    scored: list[int] = []

    def count(fn: Callable, shares: list[list[int]]) -> list:
        scored.extend(map(len, shares))
        return [fn(s) for s in shares]

    dots.clear()
    got, _ = related_papers(docs, 4, count, 1, memo=memo)
    computed = len(dots)
    assert slugs(got) == slugs(related(docs, 4))
    assert 1 <= sum(scored) < len(docs) // 4, scored
    # the edited paper's own candidates, and at most one per paper scored again
    assert 0 < computed <= related_module.CANDIDATES + sum(scored), (computed, scored)
    scored.clear()
    related_papers(docs, 4, count, 1, memo=related_papers(docs, 4)[1])  # nothing changed
    assert scored == []
