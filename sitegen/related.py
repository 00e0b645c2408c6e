"""Related papers: TF-IDF cosine over titles and abstracts, computed at build time.

A reader who lands on one paper from a search engine should see the owner's
other work on the same problem. Words two papers share, weighted by how rare
they are across the site, are a good enough signal and need no model.

A site has about 1,000 papers (10,000 in the stress test), so it does not
compare all pairs: each paper's few most distinctive terms lead, through an
inverted index, to a short list of candidates, and only the best of those are
scored by the exact cosine. Plain dicts are fast enough for this; numpy did
not pay for its complexity at this scale (timings in the commit message).

The result never depends on the order the papers come in, nor on the hash
seed: papers are handled in slug order, sums run in an order fixed by the data
(or exactly, with `math.fsum`), and every tie breaks on the term or the slug.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import Protocol, TypeVar

TITLE_WEIGHT = 3  # a word in the title counts as this many in the abstract
MIN_SCORE = 0.02  # below this cosine, two papers share only noise
TOP_TERMS = 12  # a paper's most distinctive terms: they find its candidates
POSTINGS_CAP = 32  # papers the index keeps per term: those the term weighs most in
CANDIDATES = 16  # candidates per paper scored exactly (or k, if more)

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_MATH = re.compile(r"\$[^$]*\$")

# English function words plus the boilerplate of abstracts ("we propose a novel
# method ... experiments show"), which would otherwise relate every paper to every other.
STOPWORDS = frozenset(
    """a about above after again against all also although among an and any are as at be
    because been before being below between both but by can could did do does doing down
    during each either et al few for from further had has have having here how however i if
    in into is it its itself just may might more most much must no nor not now of off on once
    only or other our ours ourselves out over own per same should so some such than that the
    their theirs them themselves then there these they this those through thus to too under
    until up upon us very via was we were what when where whether which while who whom why
    will with within without would yet you your
    abstract approach approaches achieve achieves achieving address based best better
    challenge challenging paper papers propose proposed proposes present presents show shows
    shown demonstrate demonstrates novel new method methods work works result results use used
    using existing state art first significantly significant improve improved improves
    improvement performance experiments experimental extensive effective effectively
    furthermore moreover specifically including introduce introduces study studies
    well one two three large various different code available often many key task tasks
    framework problem problems provide provides able make makes making even still given
    allow allows across compared prior recent recently previous previously
    """.split()
)


class Doc(Protocol):
    """What this module reads of a paper (sitegen's `Paper` has these and more)."""

    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary_text(self) -> str: ...


P = TypeVar("P", bound=Doc)


@lru_cache(maxsize=1 << 16)  # bounded: `sitegen serve` builds many times in one process
def _term(word: str) -> str:
    """The term a lower-case word counts as: "" for a stopword, plurals folded."""
    if len(word) < 3 or word in STOPWORDS or word.isdigit():
        return ""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """The terms of a title or abstract: math removed, case-folded, stopwords dropped."""
    text = _MATH.sub(" ", text)
    text = text.lower() if text.isascii() else unicodedata.normalize("NFKC", text).casefold()
    return [t for t in map(_term, _WORD.findall(text)) if t]


def term_counts(doc: Doc) -> Counter[str]:
    """How often each term occurs in the paper, a title word counting TITLE_WEIGHT times."""
    counts = Counter(tokens(doc.summary_text))
    for term in tokens(doc.title):
        counts[term] += TITLE_WEIGHT
    return counts


def tfidf_vectors(
    docs: Sequence[Doc], counts: Sequence[Counter[str]] | None = None
) -> list[dict[str, float]]:
    """One unit-length vector per paper: (1 + log tf) x (1 + log((1 + n) / (1 + df))).

    Terms of one paper only are left out (when there are others): they relate it
    to nothing. Each vector lists its terms by weight, heaviest first, ties by term.
    `counts` are the docs' term_counts when the caller has them (tokenising is a
    third of the work, and a paper's counts change only with its own text).
    """
    counts = counts if counts is not None else [term_counts(d) for d in docs]
    df: Counter[str] = Counter()
    for c in counts:
        df.update(c.keys())
    n = len(docs)
    idf = {t: math.log((1 + n) / (1 + f)) + 1.0 for t, f in df.items() if f > 1 or n == 1}
    vectors = []
    for c in counts:
        vec = {t: (1.0 + math.log(k)) * idf[t] for t, k in c.items() if t in idf}
        norm = math.sqrt(math.fsum(w * w for w in vec.values())) or 1.0
        order = sorted(sorted(vec), key=vec.__getitem__, reverse=True)  # stable: ties by term
        vectors.append({t: vec[t] / norm for t in order})
    return vectors


def _serial(fn: Callable[[range], list], shares: list[range]) -> list[list]:
    return [fn(share) for share in shares]


def related_papers(
    papers: Sequence[P],
    k: int,
    map_parts: Callable[[Callable[[range], list], list[range]], list[list]] = _serial,
    parts: int = 1,
    counts: Mapping[str, Counter[str]] | None = None,
) -> dict[str, tuple[P, ...]]:
    """slug -> up to k related papers, most related first, never the paper itself.

    A candidate shares one of the paper's TOP_TERMS top terms among its own top
    terms; candidates are ranked by the dot product over those terms, and the
    best max(k, CANDIDATES) of them by the exact cosine. Exact scores are compared
    to 9 decimals, ties go to the earlier slug, and scores below MIN_SCORE are dropped.

    Papers are scored independently, so the caller may score `parts` shares of
    them in other processes: `map_parts(fn, shares)` is `[fn(s) for s in shares]`
    by default. `counts`, if given, are the papers' term_counts by slug (from a cache).
    """
    docs = sorted(papers, key=lambda p: p.slug)
    if k <= 0 or len(docs) < 2:
        return {p.slug: () for p in papers}
    vectors = tfidf_vectors(docs, [counts[d.slug] for d in docs] if counts else None)
    top = [list(v.items())[:TOP_TERMS] for v in vectors]  # a vector is heaviest first
    postings: dict[str, list[tuple[int, float]]] = {}  # term -> [(paper, weight)]
    for i, terms in enumerate(top):
        for term, weight in terms:
            postings.setdefault(term, []).append((i, weight))
    for entries in postings.values():
        entries.sort(key=lambda e: -e[1])  # heaviest first; stable, so ties in slug order
        del entries[POSTINGS_CAP:]
    keep = max(k, CANDIDATES)

    def best(share: range) -> list[tuple[int, ...]]:
        found = []
        for i in share:
            rough: dict[int, float] = {}  # in the order found: heaviest postings first
            for term, weight in top[i]:
                for j, w in postings[term]:
                    rough[j] = rough.get(j, 0.0) + weight * w
            rough.pop(i, None)  # the paper itself, unless capped out of a list
            a = vectors[i]
            scored = []
            for j in sorted(rough, key=rough.__getitem__, reverse=True)[:keep]:  # stable
                score = round(_dot(a, vectors[j]), 9)
                if score >= MIN_SCORE:
                    scored.append((-score, j))
            found.append(tuple(j for _, j in sorted(scored)[:k]))
        return found

    shares = [range(p, len(docs), parts) for p in range(parts)]
    chosen: list[tuple[int, ...]] = [()] * len(docs)
    for share, found in zip(shares, map_parts(best, shares), strict=True):
        for i, js in zip(share, found, strict=True):
            chosen[i] = js
    return {d.slug: tuple(docs[j] for j in js) for d, js in zip(docs, chosen, strict=True)}


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The dot product, summed exactly: the same whatever order the terms come in."""
    if len(a) > len(b):  # look the shorter vector's terms up in the longer one
        a, b = b, a
    return math.fsum([w * b[t] for t, w in a.items() if t in b])
