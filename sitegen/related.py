"""Related papers: TF-IDF cosine over titles and abstracts, computed at build time.

A reader who lands on one paper from a search engine should see the owner's
other work on the same problem. Words shared with the paper, weighted by how
rare they are across the site, are a good enough signal and need no model.

This must stay fast for a prolific lab (10,000 papers), so it never compares
all pairs. Each paper keeps only its most distinctive terms; an inverted index
from those terms to papers yields a short list of candidates (each term's list
is capped to the papers where it weighs most); the candidates are then scored
by the exact cosine of the full vectors. The work per paper is bounded by
TOP_TERMS x POSTINGS_CAP, so the whole is linear in the number of papers.

It runs in every build that changed any paper's text, so it is whole-array
numpy work, never a Python step per word or per pair: the corpus is tokenised
as one byte buffer, the vectors are one sparse matrix (CSR arrays), and the
per-paper steps are sorts of short rows or linear radix sorts (a general sort
of a million keys alone takes some 50 ms, a fifth of the budget). Big
temporary arrays are avoided too: touching fresh memory (page faults) costs
more than computing on it, so the text and the candidate search go a slice at
a time. numpy is imported on first use: most builds (no text changed, related
lists cached) never need it, and importing it takes about 50 ms.

Everything is deterministic and independent of the order the papers come in:
papers are processed in slug order, every tie (term weights, postings,
candidate sums, final scores) breaks on the term or on the slug, scores are
compared after rounding (9 decimals) or as exact integers, and sums run in an
order fixed by the data. Logarithms are taken with `math` on the few distinct
counts and document frequencies, and nothing goes through BLAS or threads, so
the results are the same on any machine. Only papers sharing a slug, which a
site never has, fall back to their input order.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    import numpy as np

# Tuned on a synthetic 10,000-paper profile: these keep 95% of the similarity of
# an exhaustive all-pairs search at a small fraction of its cost.
TOP_TERMS = 12  # distinctive terms per paper used to find candidates
POSTINGS_CAP = 32  # papers kept per term in the candidate index (highest weight first)
CANDIDATES = 16  # candidates re-scored with the full vectors
TITLE_WEIGHT = 3  # a word in the title counts as this many in the abstract
MIN_SCORE = 0.02  # below this, two papers share only noise

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
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
    however furthermore moreover specifically including introduce introduces study studies
    well one two three large various different code available often many key task tasks
    framework problem problems provide provides able make makes making even still given
    allow allows via without across compared prior recent recently previous previously
    """.split()
)


class _Doc(Protocol):
    slug: str
    title: str
    summary_text: str


def _stem(word: str) -> str:
    """A light plural stemmer: enough to match 'networks' with 'network'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("sses"):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


_TERM_CACHE: dict[str, str] = {}  # word -> its term ("" for a stopword); the vocabulary is small


def _term(word: str) -> str:
    if len(word) < 3 or word in STOPWORDS or word.isdigit():
        return ""
    return _stem(word)


def _cached_term(word: str) -> str:
    t = _TERM_CACHE.get(word)
    if t is None:
        t = _TERM_CACHE[word] = _term(word)
    return t


def _clean(text: str) -> str:
    """Math removed, NFKC, case-folded: the text that `tokens` splits into words."""
    if "$" in text:
        text = _MATH.sub(" ", text)
    if text.isascii():  # NFKC leaves ASCII alone, and casefold() is lower() on it
        return text.lower()
    return unicodedata.normalize("NFKC", text).casefold()


def tokens(text: str) -> list[str]:
    """Lower-case content words of a title or abstract, math removed, plurals folded.

    The reference definition of a term: the corpus tokeniser below reaches the
    same terms by other means, and the tests hold the two to each other.
    """
    out = []
    for w in _WORD.findall(_clean(text)):
        t = _cached_term(w)
        if t:
            out.append(t)
    return out


def _term_counts(doc: _Doc) -> Counter[str]:
    counts = Counter(tokens(doc.summary_text))
    for w in tokens(doc.title):
        counts[w] += TITLE_WEIGHT
    return counts


def shared_terms(a: _Doc, b: _Doc) -> set[str]:
    """The content words two papers have in common: what makes them related."""
    return set(_term_counts(a)) & set(_term_counts(b))


# ------------------------------------------------------------------ the corpus as bytes

_MIX = 0x9E3779B97F4A7C15  # odd, so multiplying by it permutes the 64-bit integers
_UNMIX = pow(_MIX, -1, 1 << 64)
_SLICE = 1 << 19  # bytes of text tokenised at a time


def _distinct(a: np.ndarray) -> np.ndarray:
    """np.unique(a) of a 1-D array, without importing numpy.ma.

    np.unique asks np.ma whether its input is masked, and the first use of np.ma
    imports it: 30 ms, a tenth of a small site's one-edit build.
    """
    import numpy as np

    s = np.sort(a)
    keep = np.ones(s.size, dtype=bool)
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def _corpus(docs: Sequence[_Doc]) -> bytes:
    """Every title and abstract, cleaned as `_clean` cleans it, as one UTF-8 buffer.

    Texts come in paper order, title first, each after a NUL, and eight NULs
    end the buffer so that 8-byte loads never run past it (a NUL inside a text
    becomes a space: to `_WORD` both only separate words). Most texts are
    plain ASCII and need only lower-casing, done at the end on the bytes.
    casefold() is slow and changes almost no character that is not ASCII, so
    it runs only on the texts that hold a character it changes.
    """
    import numpy as np

    texts = [t for d in docs for t in (d.title, d.summary_text)]
    for i in [i for i, t in enumerate(texts) if "$" in t or "\0" in t or not t.isascii()]:
        t = _MATH.sub(" ", texts[i]) if "$" in texts[i] else texts[i]
        texts[i] = unicodedata.normalize("NFKC", t).replace("\0", " ")
    raw = _joined(texts)
    codes, at = _code_points(np.frombuffer(raw, dtype=np.uint8))
    if codes.size:
        folds = [c for c in _distinct(codes).tolist() if chr(c).casefold() != chr(c)]
        if folds:
            nul = np.flatnonzero(np.frombuffer(raw, dtype=np.uint8) == 0)
            for i in _distinct(np.searchsorted(nul, at[np.isin(codes, folds)]) - 1).tolist():
                texts[i] = texts[i].casefold()
            raw = _joined(texts)
    # bytes.lower() changes only A-Z, and casefold() never yields those: harmless on folded text
    return raw.lower()


def _joined(texts: list[str]) -> bytes:
    # a lone surrogate (not from a file, but possible in a str) is no word character
    return b"\0".join([b"", *(t.encode("utf-8", "surrogatepass") for t in texts), bytes(7)])


def _code_points(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code point, offset) of every character of a UTF-8 buffer that is not ASCII."""
    import numpy as np

    high = np.flatnonzero(buf >= 0x80)
    at = high[(buf[high] & 0xC0) == 0xC0]  # lead bytes
    b0 = buf[at].astype(np.int32)
    # a short character at the very end reads past it: those bytes are not used
    b1, b2, b3 = (
        (buf[np.minimum(at + k, buf.size - 1)] & 0x3F).astype(np.int32) for k in (1, 2, 3)
    )
    codes = np.where(
        b0 >= 0xF0,
        (b0 & 0x07) << 18 | b1 << 12 | b2 << 6 | b3,
        np.where(b0 >= 0xE0, (b0 & 0x0F) << 12 | b1 << 6 | b2, (b0 & 0x1F) << 6 | b1),
    )
    return codes, at


def _word_bytes(buf: np.ndarray) -> np.ndarray:
    """Which bytes of a (lower-cased) buffer belong to a word, as `_WORD` finds words.

    `[^\\W_]` is exactly `str.isalnum()`, so ASCII is classified by arithmetic,
    and each distinct other character once, in Python. An apostrophe or a
    hyphen between two word characters joins them, as in the regex. The
    buffer must start and end with a NUL.
    """
    import numpy as np

    word = (buf - 97).astype(np.uint8) < 26  # a-z
    word |= (buf - 48).astype(np.uint8) < 10  # 0-9
    codes, at = _code_points(buf)
    if codes.size:
        chars, which = np.unique(codes, return_inverse=True)
        alnum = np.array([chr(c).isalnum() for c in chars.tolist()], dtype=bool)[which]
        high = np.flatnonzero(buf >= 0x80)
        word[high] = alnum[np.searchsorted(at, high, side="right") - 1]  # bytes of one character
    joiner = np.flatnonzero((buf == 45) | (buf == 39))  # '-' and "'"
    word[joiner[word[joiner - 1] & word[joiner + 1]]] = True
    return word


class _Interner:
    """Numbers the distinct values of nonzero uint64 keys, batch after batch.

    A vectorised open-addressing hash table, because sorting a million keys
    costs ten times more. The table holds each key times an odd constant (a
    bijection, so a slot matches a key exactly; 0 marks a free slot). All
    copies of a key probe the same slots in the same rounds, so all of them
    land in one slot. When a batch fills the table past half, the table is
    rebuilt four times larger from the keys numbered so far, and the batch
    placed again. New keys are numbered in slot order, which is arbitrary:
    numbers are names, never an order.
    """

    def __init__(self, bits: int = 14) -> None:
        import numpy as np

        self.bits = bits
        self.table = np.zeros(1 << self.bits, dtype=np.uint64)
        self.number = np.full(1 << self.bits, -1, dtype=np.int32)
        self.found: list[np.ndarray] = []  # the keys by number, a batch at a time
        self.count = 0

    def __call__(self, keys: np.ndarray) -> np.ndarray:
        import numpy as np

        mixed = keys * np.uint64(_MIX)
        while (slot := self._place(mixed)) is None:
            self._rebuild(self.bits + 2)
        new = np.flatnonzero((self.number < 0) & (self.table != 0))
        if new.size:
            self.number[new] = np.arange(self.count, self.count + new.size)
            self.found.append(self.table[new] * np.uint64(_UNMIX))
            self.count += new.size
        return self.number[slot]

    def keys(self) -> np.ndarray:
        """The keys, by number."""
        import numpy as np

        return np.concatenate(self.found) if self.found else np.zeros(0, dtype=np.uint64)

    def _place(self, mixed: np.ndarray) -> np.ndarray | None:
        """The slot of each key, claiming free ones; None once the table is half full."""
        import numpy as np

        table = self.table
        slot = (mixed >> np.uint64(64 - self.bits)).astype(np.intp)
        free = table[slot] == 0
        table[slot[free]] = mixed[free]
        lost = np.flatnonzero(table[slot] != mixed)
        while lost.size:
            if 2 * np.count_nonzero(table) > table.size:
                return None
            s = (slot[lost] + 1) & (table.size - 1)
            slot[lost] = s
            mine = mixed[lost]
            free = table[s] == 0
            table[s[free]] = mine[free]
            lost = lost[table[s] != mine]
        return slot

    def _rebuild(self, bits: int) -> None:
        import numpy as np

        keys = self.keys()
        self.bits = bits
        self.table = np.zeros(1 << bits, dtype=np.uint64)
        self.number = np.full(1 << bits, -1, dtype=np.int32)
        slot = self._place(keys * np.uint64(_MIX))
        if slot is None:
            self._rebuild(bits + 2)
        else:
            self.number[slot] = np.arange(keys.size)
            self.found = [keys]


def _low_bytes(count: np.ndarray) -> np.ndarray:
    """Masks keeping the first `count` (at most 8) bytes of a little-endian 8-byte load."""
    import numpy as np

    masks = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)
    return masks[np.minimum(count, 8)]


def _long_words(
    load: np.ndarray, at: np.ndarray, size: np.ndarray, first: np.ndarray
) -> np.ndarray:
    """Number the distinct words longer than 8 bytes, given the numbers of their first 8.

    Each further chunk of 8 bytes is numbered, then paired with the number of
    the word so far, until the word ends. Numbers from different rounds are
    offset apart, so a word is known by the round it ended in and its number
    there. The numbers have gaps.
    """
    import numpy as np

    final = np.empty(at.size, dtype=np.int64)
    active = np.arange(at.size)
    prefix = first.astype(np.uint64)
    offset = 0
    c = 1
    while active.size:
        rest = size[active] - 8 * c
        chunk = _Interner()(load[at[active] + 8 * c] & _low_bytes(rest))
        pairs = _Interner()
        ids = pairs((prefix << np.uint64(32)) + chunk.astype(np.uint64) + np.uint64(1))
        done = rest <= 8
        final[active[done]] = offset + ids[done]
        offset += pairs.count
        prefix = ids[~done].astype(np.uint64)
        active = active[~done]
        c += 1
    return final


@dataclass(frozen=True)
class _Tokens:
    """Every word of three bytes or more in the corpus, in text order."""

    terms: list[str]  # term id -> term, sorted, so that ids compare as the terms do
    part: np.ndarray  # the text it is in: 2 * paper (title) or 2 * paper + 1 (abstract)
    term: np.ndarray  # its term id, -1 for a stopword


def _tokenise(docs: Sequence[_Doc]) -> _Tokens:
    """`tokens` of every title and abstract at once, with no Python step per word.

    Words are runs of word bytes. A word is known by its bytes: its first 8
    (zero-padded: a word holds no NUL) number most words, and longer words are
    read on, 8 bytes at a time. Only the distinct words (a few thousand) go
    through `_term`, in Python, so stopwords, stemming and the term cache are
    exactly those of `tokens`. The buffer is read a slice at a time.
    """
    import numpy as np

    raw = _corpus(docs)
    everything = np.frombuffer(raw, dtype=np.uint8)
    load = np.ndarray((everything.size - 7,), dtype="<u8", buffer=everything, strides=(1,))
    first8 = _Interner()
    parts, numbers, long_tok, long_at, long_size = [], [], [], [], []
    begin, texts, seen, stop = 0, 0, 0, len(raw) - 8  # raw[begin] is the NUL before a text
    while begin < stop:
        end = raw.find(b"\0", min(begin + _SLICE, stop))  # the NUL after a text
        buf = everything[begin : end + 1]
        word = _word_bytes(buf)
        edges = np.flatnonzero(word[1:] != word[:-1]) + 1
        starts, size = edges[0::2], edges[1::2] - edges[0::2]
        enough = size >= 3  # a term has 3 characters or more, and bytes >= characters
        starts, size = starts[enough] + begin, size[enough]
        per_text = np.diff(np.searchsorted(starts, np.flatnonzero(buf == 0) + begin))
        parts.append(np.repeat(np.arange(texts, texts + per_text.size, dtype=np.int32), per_text))
        number = first8(load[starts] & _low_bytes(size))
        numbers.append(number)
        longer = np.flatnonzero(size > 8)
        long_tok.append(longer + seen)
        long_at.append(starts[longer])
        long_size.append(size[longer])
        texts += per_text.size
        seen += number.size
        begin = end
    part, number = np.concatenate(parts), np.concatenate(numbers)
    tok, at, size = np.concatenate(long_tok), np.concatenate(long_at), np.concatenate(long_size)
    del parts, numbers, long_tok, long_at, long_size  # peak memory
    long_id = _long_words(load, at, size, number[tok])

    # the words themselves: short ones from their key, long ones from an occurrence (the
    # first 8 bytes of a long word need not be a word, nor even whole characters)
    chunks = first8.keys().astype("<u8").tobytes()
    words = [
        chunks[i : i + 8].rstrip(b"\0").decode("utf-8", "replace") for i in range(0, len(chunks), 8)
    ]
    where = np.full(int(long_id.max(initial=-1)) + 1, -1, dtype=np.int64)
    where[long_id] = np.arange(long_id.size)  # any occurrence will do: they are the same bytes
    long_ids = np.flatnonzero(where >= 0)
    spans = zip(at[where[long_ids]].tolist(), size[where[long_ids]].tolist(), strict=True)
    words += [raw[a : a + z].decode("utf-8") for a, z in spans]
    found = [_cached_term(w) if "\ufffd" not in w else "" for w in words]
    terms = sorted(set(found) - {""})
    index = {t: i for i, t in enumerate(terms)}
    term_of = np.array([index.get(t, -1) for t in found], dtype=np.int32)
    short_term = term_of[: first8.count]
    long_term = np.full(where.size, -1, dtype=np.int32)
    long_term[long_ids] = term_of[first8.count :]
    term = short_term[number]
    term[tok] = long_term[long_id]
    return _Tokens(terms=terms, part=part, term=term)


# ------------------------------------------------------------------ weighting


def _radix_argsort(key: np.ndarray, bound: int) -> np.ndarray:
    """Stable argsort of non-negative integers below `bound`.

    numpy sorts 16-bit integers by radix, in linear time, while a general
    sort of a million keys costs several times more: so sort one 16-bit digit
    at a time, least significant first.
    """
    import numpy as np

    order = np.argsort((key & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while bound > 1 << shift:
        digit = ((key[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
    return order


@dataclass(frozen=True)
class _Vectors:
    """L2-normalised TF-IDF rows, as CSR; a row lists its terms by weight, then term, descending."""

    terms: list[str]
    indptr: np.ndarray
    cols: np.ndarray
    weights: np.ndarray


def _vectors(docs: Sequence[_Doc]) -> _Vectors:
    """Sublinear tf times smoothed idf, terms found in one paper only dropped, unit length.

    A weight depends only on the term's count in the paper and on its
    document frequency, which take few distinct values, so the logarithms are
    taken with `math` on those: the same bits on every machine, whatever
    vector code numpy picks. Rows come out ordered by weight, so a paper's top
    terms lead its row; weights are ranked before they are normalised, which
    orders a row exactly as the normalised weights would.
    """
    import numpy as np

    n = len(docs)
    tok = _tokenise(docs)
    v = len(tok.terms)
    # group by (term, paper): a stable sort by term keeps text order within a term;
    # stopwords (-1) sort last, as v, and are cut off
    order = _radix_argsort(np.where(tok.term < 0, v, tok.term), v + 1)
    order = order[: np.count_nonzero(tok.term >= 0)]
    term, part = tok.term[order], tok.part[order]
    doc = part >> 1
    first = np.ones(term.size, dtype=bool)
    first[1:] = (term[1:] != term[:-1]) | (doc[1:] != doc[:-1])
    first = np.flatnonzero(first)
    weight = TITLE_WEIGHT - (TITLE_WEIGHT - 1) * (part & 1)  # int32, like part
    counts = np.add.reduceat(weight, first) if first.size else first
    cols, rows = term[first], doc[first]
    df = np.bincount(cols, minlength=v)
    if n > 1:
        kept = df[cols] > 1
        cols, rows, counts = cols[kept], rows[kept], counts[kept]
    dfs = df[cols]
    # number the terms left afresh, in the same order: smaller tables downstream
    alive = np.bincount(cols, minlength=v) > 0
    cols = (np.cumsum(alive) - 1)[cols]
    terms = [t for t, keep in zip(tok.terms, alive.tolist(), strict=True) if keep]

    count_values = np.flatnonzero(np.bincount(counts))
    df_values = np.flatnonzero(np.bincount(dfs))
    tf = np.array([1.0 + math.log(c) for c in count_values.tolist()])
    idf = np.array([math.log((1 + n) / (1 + f)) + 1.0 for f in df_values.tolist()])
    count_index = np.zeros(count_values.max(initial=0) + 1, dtype=np.int64)
    count_index[count_values] = np.arange(count_values.size)
    df_index = np.zeros(df_values.max(initial=0) + 1, dtype=np.int64)
    df_index[df_values] = np.arange(df_values.size)
    table = (tf[:, None] * idf[None, :]).reshape(-1)  # every (count, df) weight
    values, rank = np.unique(table, return_inverse=True)
    combo = count_index[counts] * df_values.size + df_index[dfs]
    raw = table[combo]
    norm = np.sqrt(np.bincount(rows, weights=raw * raw, minlength=n))
    norm[norm == 0] = 1.0

    # entries are in (term, paper) order: walked backwards, then sorted stably by
    # weight descending and then by paper, they end in (paper, weight, term) order
    back = np.arange(cols.size)[::-1]
    order = back[_radix_argsort((values.size - 1 - rank.reshape(-1)[combo])[back], values.size)]
    order = order[_radix_argsort(rows[order], n)]
    rows = rows[order]
    return _Vectors(
        terms=terms,
        indptr=np.searchsorted(rows, np.arange(n + 1)),
        cols=cols[order],
        weights=raw[order] / norm[rows],
    )


def tfidf_vectors(docs: Sequence[_Doc]) -> list[dict[str, float]]:
    """One L2-normalised sparse vector per document (sublinear tf, smoothed idf)."""
    if not docs:
        return []
    vec = _vectors(docs)
    terms, cols, weights = vec.terms, vec.cols.tolist(), vec.weights.tolist()
    bounds = vec.indptr.tolist()
    return [
        {terms[cols[e]]: weights[e] for e in range(bounds[i], bounds[i + 1])}
        for i in range(len(docs))
    ]


# ------------------------------------------------------------------ candidates

_WEIGHT_UNIT = 2.0**26  # candidate weights as integers (a weight is at most 1)
_CUT_SHIFT = 22  # products are in units of 2**-52, sums are compared in 2**-30 (about 1e-9)
_BLOCK = 1 << 17  # cells of the candidate search handled at a time
_SCRATCH = 1 << 19  # cells of the dense scratch matrix of exact scoring


def _candidates(vec: _Vectors) -> tuple[np.ndarray, np.ndarray]:
    """(paper, candidate) pairs, up to CANDIDATES per paper, by paper.

    A candidate's score is the sum, over the paper's top terms, of the product
    of the two weights, over each term's capped postings. Postings keep a
    term's highest weights, ties to the earlier slug; the cut keeps the best
    scores, ties to the earlier slug. The score only chooses whom to score
    exactly, so weights are rounded to integers and summed exactly: no float
    noise, whatever the order of the sum.
    """
    import numpy as np

    n = vec.indptr.size - 1
    v = len(vec.terms)
    if vec.cols.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    at = vec.indptr[:-1, None] + np.arange(TOP_TERMS)
    has = at < vec.indptr[1:, None]
    at = np.where(has, at, 0)
    top = np.where(has, vec.cols[at], v)  # v: a term with no postings
    top_w = np.where(has, vec.weights[at], 0.0)

    # number afresh the terms that are someone's top term (v: none, an empty list)
    present = np.zeros(v + 1, dtype=bool)
    present[top] = True
    present[v] = False
    v = int(np.count_nonzero(present))
    top = np.where(present, np.cumsum(present) - 1, v)[top]

    # postings: by term, weight descending, then paper (= slug) ascending; positive
    # floats order as their bits do
    e = np.flatnonzero(has.reshape(-1))
    e_row, e_term, e_w = e // TOP_TERMS, top.reshape(-1)[e], top_w.reshape(-1)[e]
    bits = e_w.view(np.int64)
    desc = bits.max() - bits
    order = _radix_argsort(desc, int(desc.max()) + 1)
    order = order[_radix_argsort(e_term[order], v)]
    per_term = np.bincount(e_term, minlength=v)
    pos = np.arange(order.size) - (np.cumsum(per_term) - per_term)[e_term[order]]
    order, pos = order[pos < POSTINGS_CAP], pos[pos < POSTINGS_CAP]

    # a posting is a cell (candidate << cell_bits | its place among the paper's cells)
    width = TOP_TERMS * POSTINGS_CAP
    cell_bits = (width - 1).bit_length()
    cell = np.int32 if (n + 1) << cell_bits <= np.iinfo(np.int32).max else np.int64
    post_cell = np.full((v + 1, POSTINGS_CAP), n << cell_bits, dtype=cell)  # n: nobody
    post_cell |= np.arange(POSTINGS_CAP, dtype=cell)
    post_cell[e_term[order], pos] += (e_row[order] - n).astype(cell) << cell_bits
    post_q = np.zeros((v + 1, POSTINGS_CAP), dtype=np.int64)
    post_q[e_term[order], pos] = np.rint(e_w[order] * _WEIGHT_UNIT).astype(np.int64)
    top_q = np.rint(top_w * _WEIGHT_UNIT).astype(np.int64)

    step = max(1, _BLOCK // width)
    found = [
        _block_candidates(post_cell, post_q, top[lo : lo + step], top_q[lo : lo + step], lo, n)
        for lo in range(0, n, step)
    ]
    return np.concatenate([r for r, _ in found]), np.concatenate([c for _, c in found])


def _block_candidates(
    post_cell: np.ndarray,
    post_q: np.ndarray,
    top: np.ndarray,
    top_q: np.ndarray,
    first: int,
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """`_candidates` of the papers first, first + 1, ...: one row of cells each.

    A row holds the paper's TOP_TERMS x POSTINGS_CAP postings. Sorting the
    rows (short rows of int32, which numpy sorts fast) brings each
    candidate's cells together, in candidate order; a running sum gives each
    run's score, and a partition of the rows the best CANDIDATES.
    """
    import numpy as np

    int32_max = np.iinfo(np.int32).max
    m = top.shape[0]
    width = TOP_TERMS * POSTINGS_CAP
    cell_bits = (width - 1).bit_length()
    cells = np.take(post_cell, top, axis=0)
    cells += (np.arange(TOP_TERMS, dtype=post_cell.dtype) * POSTINGS_CAP)[:, None]
    cells = cells.reshape(m, width)
    cells.sort(axis=1)
    cells = cells.reshape(-1)
    cand = cells >> cell_bits
    place = cells & ((1 << cell_bits) - 1)
    place += np.repeat(np.arange(0, m * width, width, dtype=place.dtype), width)
    product = np.take(post_q, top, axis=0)
    product *= top_q[:, :, None]
    product = np.take(product.reshape(-1), place)
    new = np.ones(cand.size, dtype=bool)
    np.not_equal(cand[1:], cand[:-1], out=new[1:])
    new[::width] = True
    run = np.flatnonzero(new)
    # each run's total from a running sum: the sum may wrap around, differences do not
    running = np.cumsum(product)
    last = np.empty_like(run)
    last[:-1] = run[1:] - 1
    last[-1] = cand.size - 1
    total = running[last] - running[run] + product[run]

    # the cut, on an int32 key per run, smaller is better; the runs of a row are in
    # candidate order, so of equal keys the first ones are the earlier slugs
    score = np.minimum(total >> _CUT_SHIFT, int32_max - 1)
    run_cand = cand[run]
    real = (run_cand < n) & (run_cand != run // width + first)  # nobody, or the paper itself
    grid = np.full(m * width, int32_max, dtype=np.int32)
    grid[run] = np.where(real, int32_max - 1 - score, int32_max)
    grid = grid.reshape(m, width)
    if width <= CANDIDATES:
        take = grid < int32_max
    else:
        kth = np.partition(grid, CANDIDATES - 1, axis=1)[:, CANDIDATES - 1 : CANDIDATES]
        kth = np.minimum(kth, int32_max - 1)
        take = grid <= kth
        over = np.flatnonzero(np.count_nonzero(take, axis=1) > CANDIDATES)
        if over.size:  # ties at the cut: keep the first of the equal keys
            g, k = grid[over], kth[over]
            equal = g == k
            need = CANDIDATES - np.count_nonzero(g < k, axis=1)
            take[over] = (g < k) | (equal & (np.cumsum(equal, axis=1) <= need[:, None]))
    picked = np.flatnonzero(take)
    return picked // width + first, cand[picked].astype(np.int64)


# ------------------------------------------------------------------ exact scores


def _segment_width(lengths: np.ndarray) -> int:
    """The segment width (a multiple of 8) that covers rows of these lengths most cheaply.

    A row takes ceil(length / width) segments; each costs its width in
    lookups, plus a fixed overhead of about 64 lookups.
    """
    import numpy as np

    hist = np.bincount(lengths)
    sizes = np.arange(hist.size)
    costs = {}
    for w in range(8, max(8, hist.size + 7) + 1, 8):
        segments = hist * -(-sizes // w)
        costs[w] = int(segments.sum()) * (w + 64)
    return min(costs, key=lambda w: (costs[w], w))


def _cosines(vec: _Vectors, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The exact cosine of each (row, col) pair of papers.

    Each unordered pair is computed once. The longer paper of a pair goes into
    a dense scratch matrix (a block of papers x terms, small enough to stay in
    cache) and the shorter one is looked up in it, term by term. Rows are cut
    into segments of one width, so that the lookups of a block form a
    rectangle (a segment per line), however long the longest abstract. Sums
    run in the same order on every run.
    """
    import numpy as np

    n = vec.indptr.size - 1
    out = np.zeros(rows.size)
    if rows.size == 0:
        return out
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    key = lo * n + hi
    order = _radix_argsort(key, n * n)
    key = key[order]
    first = np.ones(key.size, dtype=bool)
    np.not_equal(key[1:], key[:-1], out=first[1:])
    pair = np.cumsum(first) - 1
    lo, hi = lo[order][first], hi[order][first]
    lengths = np.diff(vec.indptr)
    swap = lengths[lo] < lengths[hi]
    big, small = np.where(swap, hi, lo), np.where(swap, lo, hi)
    by_big = _radix_argsort(big, n)
    big, small = big[by_big], small[by_big]

    v = len(vec.terms)
    seg = _segment_width(lengths[small])
    segs = -(-lengths // seg)
    seg_ptr = np.cumsum(segs) - segs
    seg_row = np.repeat(np.arange(n), segs)
    at = vec.indptr[seg_row] + (np.arange(seg_row.size) - seg_ptr[seg_row]) * seg
    at = at[:, None] + np.arange(seg)
    inside = at < vec.indptr[seg_row + 1, None]
    at = np.where(inside, at, 0)
    seg_cols = np.where(inside, vec.cols[at], v)  # v: a column of zeros in the scratch
    seg_w = np.where(inside, vec.weights[at], 0.0)

    # an item is a pair and one segment of its shorter paper
    item_pair = np.repeat(np.arange(big.size), segs[small])
    item_seg = seg_ptr[small][item_pair] + (
        np.arange(item_pair.size) - (np.cumsum(segs[small]) - segs[small])[item_pair]
    )
    item_big = big[item_pair]
    width = v + 1
    block = max(1, _SCRATCH // width)
    scratch = np.zeros(block * width)
    e_rows = np.repeat(np.arange(n), lengths)
    sums = np.zeros(item_pair.size)
    bounds = np.searchsorted(item_big, np.arange(0, n + block, block))
    for b in range(bounds.size - 1):
        a, z = bounds[b], bounds[b + 1]
        if a == z:
            continue
        base = b * block
        e0, e1 = vec.indptr[base], vec.indptr[min(base + block, n)]
        spread = (e_rows[e0:e1] - base) * width + vec.cols[e0:e1]
        scratch[spread] = vec.weights[e0:e1]
        idx = np.take(seg_cols, item_seg[a:z], axis=0)
        idx += ((item_big[a:z] - base) * width)[:, None]
        got = np.take(scratch, idx)
        got *= np.take(seg_w, item_seg[a:z], axis=0)
        sums[a:z] = got.sum(axis=1)
        scratch[spread] = 0.0
    score = np.empty(big.size)
    score[by_big] = np.bincount(item_pair, weights=sums, minlength=big.size)
    out[order] = score[pair]
    return out


def related_indices(docs: Sequence[_Doc], k: int) -> list[list[int]]:
    """For each document, the indices of its k most similar others, best first."""
    import numpy as np

    n = len(docs)
    if k <= 0 or n < 2:
        return [[] for _ in docs]
    # work in slug order, so that "the earlier paper" in every tie is the earlier slug
    by_slug = sorted(range(n), key=lambda i: docs[i].slug)
    vec = _vectors([docs[i] for i in by_slug])
    rows, cols = _candidates(vec)
    score = np.rint(_cosines(vec, rows, cols) * 1e9).astype(np.int64)  # 9 decimals
    good = score >= round(MIN_SCORE * 1e9)
    rows, cols, score = rows[good], cols[good], score[good]
    # best first, ties to the earlier slug: an int64 key per pair, a short row per paper
    col_bits = n.bit_length()
    per_row = np.bincount(rows, minlength=n)
    pos = np.arange(rows.size) - (np.cumsum(per_row) - per_row)[rows]
    none = np.iinfo(np.int64).max
    grid = np.full((n, CANDIDATES), none, dtype=np.int64)
    grid[rows, pos] = ((1 << 34) - score) << col_bits | cols
    grid.sort(axis=1)
    grid = grid[:, :k]
    found = np.count_nonzero(grid != none, axis=1).tolist()
    picks = np.asarray(by_slug)[np.where(grid != none, grid & ((1 << col_bits) - 1), 0)]
    out: list[list[int]] = [[] for _ in docs]
    for r, (i, row) in enumerate(zip(by_slug, picks.tolist(), strict=True)):
        out[i] = row[: found[r]]
    return out


P = TypeVar("P", bound=_Doc)


def related_papers(papers: Sequence[P], k: int) -> dict[str, tuple[P, ...]]:
    """slug -> up to k related papers, most related first, never the paper itself."""
    idx = related_indices(papers, k)
    return {p.slug: tuple(papers[j] for j in idx[i]) for i, p in enumerate(papers)}
