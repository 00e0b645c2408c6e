"""Related papers: TF-IDF cosine over titles and abstracts, computed at build time.

Words two papers share, weighted by how rare they are across the site, need no model. Not
all pairs are compared: each paper's most distinctive terms lead, through an inverted index,
to a few candidates, scored by the exact cosine (numpy did not pay for itself at 10,000
papers). A rebuild scores again only the papers an edit can reach (`Memo`).

The result depends neither on the papers' order nor on the hash seed: papers go in slug
order, sums run in an order fixed by the data (or exactly, with `math.fsum`), and every tie
breaks on the term or the slug.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain
from operator import itemgetter
from typing import Protocol, TypeVar

from .state import digest

TITLE_WEIGHT = 3  # a word in the title counts as this many in the abstract
MIN_SCORE = 0.02  # below this cosine, two papers share only noise
TOP_TERMS = 12  # a paper's most distinctive terms: they find its candidates
POSTINGS_CAP = 32  # papers the index keeps per term: those the term weighs most in
CANDIDATES = 16  # candidates per paper scored exactly (or k, if more)
IDF_STEPS = 8  # idf is rounded to 1/8 (see idf_weights)

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


def term_counts(doc: Doc) -> dict[str, int]:
    """How often each term occurs in the paper, a title word counting TITLE_WEIGHT times. A
    plain dict: a build unpickles 10,000 of them from the cache, twice as fast as Counters."""
    return dict(Counter(tokens(doc.summary_text) + tokens(doc.title) * TITLE_WEIGHT))


def idf_weights(counts: Sequence[Mapping[str, int]]) -> dict[str, float]:
    """term -> 1 + log((1 + n) / (1 + df)), rounded to 1/IDF_STEPS; terms of one paper only
    are left out (when there are others): they relate it to nothing. Rounding lets a rebuild
    rescore few papers (`Memo`): an edit that moves a common word's df by one would shift
    every vector it is in by a hair; rounded, the weight rarely moves at all."""
    df = Counter(chain.from_iterable(counts))
    n = len(counts)
    return {
        t: round(math.log((1 + n) / (1 + f)) * IDF_STEPS) / IDF_STEPS + 1.0
        for t, f in df.items()
        if f > 1 or n == 1
    }


def vector(counts: Mapping[str, int], idf: Mapping[str, float]) -> dict[str, float]:
    """A paper's unit-length vector, (1 + log tf) x idf, its terms heaviest first, ties by term."""
    vec = {t: (1.0 + math.log(k)) * idf[t] for t, k in counts.items() if t in idf}
    norm = math.sqrt(math.fsum(w * w for w in vec.values())) or 1.0
    order = sorted(sorted(vec), key=vec.__getitem__, reverse=True)  # stable: ties by term
    return {t: vec[t] / norm for t in order}


@dataclass(frozen=True)
class Memo:
    """What one scoring leaves for the next (in the site's cache), so that a rebuild rescores
    only the papers an edit can reach.

    A paper's list is made from the postings of its top terms and the vectors of the papers
    in them. A paper is changed when its text or the weight of one of its terms changed, or
    when it came or went. An unchanged paper keeps its list when none of the postings it
    reads holds a changed paper, before the edit or after. Every other paper is scored as in
    a cold build, but its cosine with an unchanged candidate comes from the memo."""

    k: int
    idf: dict[str, float]
    papers: dict[str, tuple[str, tuple[tuple[str, float], ...], tuple[str, ...], dict[str, float]]]
    # slug -> (digest of title and abstract, top terms with weights, related slugs,
    # the cosine with each candidate)


def _serial(fn: Callable[[list[int]], list], shares: list[list[int]]) -> list[list]:
    return [fn(share) for share in shares]


def related_papers(
    papers: Sequence[P],
    k: int,
    map_parts: Callable[[Callable[[list[int]], list], list[list[int]]], list[list]] = _serial,
    parts: int = 1,
    counts: Mapping[str, Mapping[str, int]] | None = None,
    memo: Memo | None = None,
) -> tuple[dict[str, tuple[P, ...]], Memo]:
    """(slug -> up to k related papers, most related first, never the paper itself; the memo
    for the next call, which then scores again only the papers an edit can reach).

    A candidate shares one of its top terms with the paper's; candidates are ranked by the
    dot product over those terms, the best max(k, CANDIDATES) by the exact cosine, compared
    to 9 decimals, ties to the earlier slug. The caller may score `parts` shares of the
    papers in other processes through `map_parts`; `counts`: term_counts by slug, if cached.
    """
    docs = sorted(papers, key=lambda p: p.slug)
    if k <= 0 or len(docs) < 2:
        return {p.slug: () for p in papers}, Memo(k, {}, {})
    old = memo if memo is not None and memo.k == k else Memo(k, {}, {})
    texts = [digest(d.title, d.summary_text) for d in docs]
    if list(old.papers) == [d.slug for d in docs] and [v[0] for v in old.papers.values()] == texts:
        by_slug = {d.slug: d for d in docs}  # no text changed (a date or tag edit)
        return {s: tuple(by_slug[r] for r in v[2]) for s, v in old.papers.items()}, old
    term_lists = [counts[d.slug] for d in docs] if counts else [term_counts(d) for d in docs]
    idf = idf_weights(term_lists)
    moved = {t for t in idf.keys() | old.idf.keys() if idf.get(t) != old.idf.get(t)}

    @cache
    def vec(i: int) -> dict[str, float]:
        return vector(term_lists[i], idf)

    top: list[tuple[tuple[str, float], ...]] = []
    changed: set[str] = old.papers.keys() - {d.slug for d in docs}  # gone, and below: new or edited
    for i, d in enumerate(docs):
        was = old.papers.get(d.slug)
        if was is None or was[0] != texts[i] or not moved.isdisjoint(term_lists[i]):
            changed.add(d.slug)
            top.append(tuple(vec(i).items())[:TOP_TERMS])  # a vector is heaviest first
        else:
            top.append(was[1])
    at = {d.slug: i for i, d in enumerate(docs)}
    # a changed paper is in the postings of its own top terms only; a posting that
    # holds no changed paper, before or now, holds what it held
    tops = [old.papers[s][1] for s in changed if s in old.papers]
    tops += [top[at[s]] for s in changed if s in at]
    terms = {t for terms in tops for t, _ in terms}
    now = list(zip(at, top, strict=True))
    postings = _postings(now, terms)
    before = _postings(sorted((slug, was[1]) for slug, was in old.papers.items()), terms)
    reached = {
        t for t in terms if any(s in changed for s, _ in (*before.get(t, ()), *postings.get(t, ())))
    }
    todo = [
        i for i, d in enumerate(docs) if d.slug in changed or any(t in reached for t, _ in top[i])
    ]
    postings |= _postings(now, {t for i in todo for t, _ in top[i]} - terms)  # the rest they read
    keep = max(k, CANDIDATES)

    def best(share: list[int]) -> list[tuple[tuple[str, ...], dict[str, float]]]:
        found = []
        reads = {t for i in share for t, _ in top[i]}
        by_index = {t: [(at[slug], w) for slug, w in postings[t]] for t in reads}
        for i in share:
            rough: dict[int, float] = {}  # in the order found: heaviest postings first
            for term, weight in top[i]:
                for j, w in by_index[term]:
                    rough[j] = rough.get(j, 0.0) + weight * w
            rough.pop(i, None)  # the paper itself, unless capped out of a list
            known = {} if docs[i].slug in changed else old.papers[docs[i].slug][3]
            scores = {}
            for j in sorted(rough, key=rough.__getitem__, reverse=True)[:keep]:  # stable
                other = docs[j].slug
                score = None if other in changed else known.get(other)
                if score is None:
                    score = round(_dot(vec(i), vec(j)), 9)
                scores[other] = score
            scored = sorted((-score, at[s]) for s, score in scores.items() if score >= MIN_SCORE)
            found.append((tuple(docs[j].slug for _, j in scored[:k]), scores))
        return found

    shares = [todo[p::parts] for p in range(parts)]
    chosen = {slug: was[2:] for slug, was in old.papers.items()}
    for share, found in zip(shares, map_parts(best, shares), strict=True):
        for i, made in zip(share, found, strict=True):
            chosen[docs[i].slug] = made
    memo = Memo(k, idf, {d.slug: (texts[i], top[i], *chosen[d.slug]) for i, d in enumerate(docs)})
    return {d.slug: tuple(docs[at[s]] for s in chosen[d.slug][0]) for d in docs}, memo


def _postings(
    tops: Iterable[tuple[str, tuple[tuple[str, float], ...]]], only: Container[str]
) -> dict[str, list[tuple[str, float]]]:
    """term -> the POSTINGS_CAP papers (slug, weight) it is a top term of and weighs most
    in, heaviest first; `tops` in slug order, so that equal weights stay in slug order."""
    postings: dict[str, list[tuple[str, float]]] = {}
    for slug, terms in tops:
        for term, weight in terms:
            if term in only:
                postings.setdefault(term, []).append((slug, weight))
    for entries in postings.values():
        entries.sort(key=itemgetter(1), reverse=True)  # stable, also reversed
        del entries[POSTINGS_CAP:]
    return postings


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    """The dot product, summed exactly: the same whatever order the terms come in."""
    if len(a) > len(b):  # look the shorter vector's terms up in the longer one
        a, b = b, a
    return math.fsum([w * b[t] for t, w in a.items() if t in b])
