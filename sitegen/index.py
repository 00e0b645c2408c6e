"""Pure indexing: the list of papers -> everything the pages show about them. Nothing here
reads or writes files; the same functions feed the pages, the feeds and the tests, so a list
page and its feed can never disagree."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import groupby

from .config import SiteConfig
from .content import PersonEntry
from .model import (
    OTHER_COLOUR,
    OTHER_TOPIC,
    Author,
    Coauthor,
    Paper,
    Person,
    Profile,
    Site,
    Topic,
    Year,
    name_key,
)
from .slugs import WINDOWS_RESERVED, slugify_text, title_words

# arXiv subject names, by the two-letter code the profiles print (cs.LG -> LG).
ARXIV_NAMES = {
    "AI": "Artificial Intelligence", "AR": "Hardware Architecture",
    "AS": "Audio and Speech Processing", "CC": "Computational Complexity",
    "CE": "Computational Engineering, Finance, and Science", "CG": "Computational Geometry",
    "CL": "Computation and Language", "CR": "Cryptography and Security",
    "CV": "Computer Vision and Pattern Recognition", "CY": "Computers and Society",
    "DB": "Databases", "DC": "Distributed, Parallel, and Cluster Computing",
    "DL": "Digital Libraries", "DM": "Discrete Mathematics",
    "DS": "Data Structures and Algorithms", "ET": "Emerging Technologies",
    "FL": "Formal Languages and Automata Theory", "GL": "General Literature",
    "GR": "Graphics", "GT": "Computer Science and Game Theory",
    "HC": "Human-Computer Interaction", "IR": "Information Retrieval",
    "IT": "Information Theory", "IV": "Image and Video Processing",
    "LG": "Machine Learning", "LO": "Logic in Computer Science",
    "MA": "Multiagent Systems", "ME": "Methodology",
    "ML": "Machine Learning (Statistics)", "MM": "Multimedia",
    "MS": "Mathematical Software", "NA": "Numerical Analysis",
    "NE": "Neural and Evolutionary Computing", "NI": "Networking and Internet Architecture",
    "OC": "Optimization and Control", "OH": "Other Computer Science",
    "OS": "Operating Systems", "PF": "Performance",
    "PL": "Programming Languages", "RO": "Robotics",
    "SC": "Symbolic Computation", "SD": "Sound",
    "SE": "Software Engineering", "SI": "Social and Information Networks",
    "SY": "Systems and Control",
}  # fmt: skip
# arXiv's archives, which a paper may write before its subject: cs.LG, stat.ML, q-bio.NC
ARXIV_ARCHIVE = re.compile(
    r"^(?:cs|econ|eess|math|stat|q-bio|q-fin|physics|astro-ph|cond-mat|nlin)\.", re.IGNORECASE
)
# Fixed colours for the common codes, so adding a paper never recolours a topic.
PALETTE_SIZE = 8
FIXED_COLOURS = {"LG": 0, "CV": 1, "CL": 2, "AI": 3, "DC": 4, "CR": 5, "RO": 6, "ML": 7}


def topic_colour(code: str, kind: str) -> int | str:
    if (kind, code) == ("topic", OTHER_TOPIC):
        return OTHER_COLOUR
    return FIXED_COLOURS.get(code, zlib.crc32(code.encode("utf-8")) % PALETTE_SIZE)


def topic_name(code: str, config: SiteConfig, other: str) -> str:
    """`other`: the papers without a topic, named in the site's words (words["Other"])."""
    default = other if code == OTHER_TOPIC else ARXIV_NAMES.get(code.upper()) or code
    return config.topic_names.get(code) or default


def _arrival(paper: Paper) -> tuple[dt.date, str]:
    """When a paper came to the site: `added` by the import (else its date, the best guess
    for a file written by hand), so an old paper imported today arrives today."""
    return paper.added or paper.date, paper.slug


def unique_slugs(names: Iterable[str], fallback: str) -> dict[str, str]:
    """Readable ASCII slugs, made unique with -2, -3 in the order the names come, and none
    a name Windows keeps for a device. Callers give the longest-standing name first (by
    _arrival): one that came later (Li Ming after 李明, C after C++), even on an old
    paper, takes the -2, so a page's address, and its feed's, keeps its subject."""
    out: dict[str, str] = {}
    used: set[str] = set(WINDOWS_RESERVED)  # "Con" is con-2
    for name in dict.fromkeys(names):
        base = slugify_text(name) or fallback
        slug, n = base, 1
        while slug in used:
            n += 1
            slug = f"{base}-{n}"
        used.add(slug)
        out[name] = slug
    return out


def resolve_people(
    profile: Profile, entries: Sequence[PersonEntry], names: Iterable[str]
) -> tuple[dict[str, Person], Person]:
    """Every name as printed -> the person it stands for (people.yaml joins spellings),
    and the owner."""
    alias: dict[str, str] = {}  # name_key(any spelling) -> canonical key
    info: dict[str, PersonEntry] = {}
    owner_key = name_key(profile.name)
    for e in entries:
        key = name_key(e.name)
        info[key] = e
        spellings = [name_key(s) for s in (e.name, *e.aliases)]
        alias.update(dict.fromkeys(spellings, key))
        if e.owner or owner_key in spellings:
            owner_key = key
    alias.setdefault(name_key(profile.name), owner_key)
    key_of = {n: alias.get(name_key(n), name_key(n)) for n in names}
    keys = dict.fromkeys([owner_key, *key_of.values()])  # names come in order of arrival
    slugs = unique_slugs(keys, "person")
    by_key = {}
    for key in keys:
        e = info.get(key) or PersonEntry(key, (), None, None, False)  # not in people.yaml
        # the owner by profile.yaml's name, which every page shows: people.yaml's entry may
        # hold a former one
        name = profile.name if key == owner_key else e.name
        by_key[key] = Person(key, name, slugs[key], e.homepage, e.affiliation, key == owner_key)
    return {n: by_key[k] for n, k in key_of.items()}, by_key[owner_key]


def newest_first(papers: Iterable[Paper]) -> tuple[Paper, ...]:
    """By date, then (one day's papers) the last added first, then file name: never by
    title, or fixing a title's typo would change which papers a full feed holds."""

    def order(p: Paper) -> tuple[int, int, str]:
        return -p.date.toordinal(), -(p.added or dt.date.min).toordinal(), p.slug

    return tuple(sorted(papers, key=order))


# A paper added this much after its date is the back catalogue, not news: it reaches a
# feed by its date (an import of 200 papers from 2010 had filled every feed with them)
NEWS_LAG = dt.timedelta(days=365)


def arrived(paper: Paper, first: dt.date | None) -> dt.date:
    """When a paper reached the site, for feeds. One added after the site's first import
    (`first`, the earliest `added`) within a year of its date came that day: a 2025 paper
    imported in November, dated 1 January, fell below the cut. Any other came when it is
    dated: the first import's papers, the back catalogue, and one written by hand without
    `added` (ranked by its import day, every first import came after it)."""
    added = paper.added
    if not (added and first and added > first):
        return paper.date
    # from the last day its date may mean: `date: 2025` is any day of 2025; one forthcoming
    # (dated after it was added) came that day too, and a feed is not updated in the future
    lag = added - paper.date - dt.timedelta({1: 365, 2: 30}.get(paper.date_parts, 0))
    return added if lag <= NEWS_LAG else paper.date


def last_arrived(papers: Sequence[Paper], n: int, first: dt.date | None) -> tuple[Paper, ...]:
    """The `n` papers a feed holds: the last to reach the site, newest first by date."""
    if len(papers) <= n:
        return tuple(papers)
    at = sorted(range(len(papers)), key=lambda i: -arrived(papers[i], first).toordinal())
    return tuple(papers[i] for i in sorted(at[:n]))  # stable: newest_first's order


def credited(paper: Paper, owner: str) -> tuple[str, ...]:
    """The names a paper is credited to: its authors, or the owner for a paper whose source
    lists none but the owner among them (ORCID's works): shown on its page, and so in its
    citation files, JSON-LD and Scholar's tags, which had an empty author list."""
    return paper.author_names or ((owner,) if paper.owner_in_et_al else ())


def make_papers(
    sources: Sequence[Paper], people: dict[str, Person], owner: str
) -> tuple[Paper, ...]:
    """The papers as read, each with its author names resolved to people and its topic
    spelt as the site spells it (spelling_shown, the archive aside: topic_key); newest first."""
    # only `authors` and `topic` are set after the parse: keys.Digests digests a paper by
    # its file and these. One Author per spelling, shared by every paper that prints it
    author = {n: Author(name=n, person=person) for n, person in people.items()}
    written = Counter(s.topic for s in sources)
    topic = spelling_shown(written, topic_key(written))
    return newest_first(
        dataclasses.replace(
            s, authors=tuple(author[n] for n in credited(s, owner)), topic=topic[s.topic]
        )
        for s in sources
    )


def topic_key(codes: Iterable[str]) -> Callable[[str], str]:
    """What makes two topic codes one: their case, and arXiv's archive (`cs.LG`, as arXiv
    writes it) where the site writes the bare code (`LG`, as profiles print it), or `cs.LG`
    on one paper was a second topic beside Machine Learning. Without a bare `LO`, `cs.LO`
    and `math.LO` stay two subjects."""
    written = {c.casefold() for c in codes}

    def key(code: str) -> str:
        bare = ARXIV_ARCHIVE.sub("", code).casefold()
        return bare if bare in written else code.casefold()

    return key


def spelling_shown(uses: Counter[str], key: Callable[[str], str] = str.casefold) -> dict[str, str]:
    """Every topic code or tag as written -> the one spelling shown for all those of one
    `key` (those that differ only in case), as most papers spell it (ties: the first in sort
    order): `lg` on one paper and `LG` on another would be two topics, both named Machine
    Learning. The bare code before arXiv's archive (`LG` before `cs.LG`), however many write
    that: it holds the topic's name, colour and URL, which moved with the counts."""
    shown: dict[str, str] = {}
    for spelling in sorted(uses, key=lambda s: (key(s) != s.casefold(), -uses[s], s)):
        shown.setdefault(key(spelling), spelling)
    return {spelling: shown[key(spelling)] for spelling in uses}


def group_years(papers: Sequence[Paper]) -> tuple[Year, ...]:
    """Newest year first; papers come newest first, so each year's are side by side."""
    return tuple(Year(y, tuple(ps)) for y, ps in groupby(papers, key=lambda p: p.year))


def _group(
    pairs: Iterable[tuple[str, Paper]], kind: str, name: Callable[[str], str]
) -> list[Topic]:
    """Topics or tags, from (code, paper) pairs in paper order; `kind` is also the slug fallback."""
    by_code: dict[str, list[Paper]] = defaultdict(list)
    for code, p in pairs:
        by_code[code].append(p)
    slugs = unique_slugs(sorted(by_code, key=lambda c: (min(map(_arrival, by_code[c])), c)), kind)
    return [
        Topic(code, name(code), slugs[code], kind, tuple(ps), topic_colour(code, kind))
        for code, ps in by_code.items()
    ]


def group_topics(papers: Sequence[Paper], config: SiteConfig, other: str) -> tuple[Topic, ...]:
    topics = _group(((p.topic, p) for p in papers), "topic", lambda c: topic_name(c, config, other))
    return tuple(sorted(topics, key=lambda t: (-len(t.papers), t.code)))


def group_tags(papers: Sequence[Paper], config: SiteConfig) -> tuple[Topic, ...]:
    """Free tags, whatever their case: `LLM` on one paper and `llm` on another are one
    tag with one page (two would also take turns at the URL `llm`)."""
    shown = spelling_shown(Counter(t for p in papers for t in dict.fromkeys(p.tags)))
    pairs = ((t, p) for p in papers for t in dict.fromkeys(shown[t] for t in p.tags))
    tags = _group(pairs, "tag", lambda t: config.topic_names.get(t, t))
    return tuple(sorted(tags, key=lambda t: (-len(t.papers), title_words(t.code), t.code)))


def tag_spellings(papers: Sequence[Paper], tags: Sequence[Topic]) -> dict[str, Topic]:
    """Every spelling of a tag the papers use -> the tag (papers keep their own spelling)."""
    by_fold = {t.code.casefold(): t for t in tags}
    return {t: by_fold[t.casefold()] for p in papers for t in p.tags}


def group_coauthors(papers: Sequence[Paper], largest: int) -> tuple[Coauthor, ...]:
    """Every coauthor with their joint papers; the owner is never their own coauthor, and a
    paper of more than `largest` authors (a collaboration's) makes no coauthors."""
    # keyed by the person's canonical key: hashing the frozen Person itself is slow
    by_key: dict[str, list[Paper]] = defaultdict(list)
    person_of: dict[str, Person] = {}
    for p in (p for p in papers if len(p.authors) <= largest):
        people = {a.person.key: a.person for a in p.authors if not a.person.is_owner}
        person_of.update(people)
        for key in people:  # once per paper, however often a name appears in its author list
            by_key[key].append(p)
    coauthors = [Coauthor(person_of[k], tuple(ps)) for k, ps in by_key.items()]
    # by name as readers sort it: Ängel and Émile before Zed, as in a dictionary
    coauthors.sort(
        key=lambda c: (-c.count, -c.last_year, title_words(c.person.name), c.person.slug)
    )
    return tuple(coauthors)


def neighbours(papers: Sequence[Paper]) -> dict[str, tuple[Paper | None, Paper | None]]:
    """slug -> (older paper, newer paper), for previous/next links; papers come newest first."""
    padded = (None, *papers, None)
    return {p.slug: (padded[i + 2], padded[i]) for i, p in enumerate(papers)}


def build_index(
    sources: Sequence[Paper],
    profile: Profile,
    people_entries: Sequence[PersonEntry],
    config: SiteConfig,
    other: str,
) -> Site:
    """Everything the theme and the feeds show, derived once from the papers; `other` names
    the papers without a topic, in the site's words."""
    names = (n for s in sorted(sources, key=_arrival) for n in credited(s, profile.name))
    people, owner = resolve_people(profile, people_entries, names)
    papers = make_papers(sources, people, profile.name)
    topics = group_topics(papers, config, other)
    tags = group_tags(papers, config)
    return Site(
        config=config,
        profile=profile,
        owner=owner,
        papers=papers,
        years=group_years(papers),
        topics=topics,
        tags=tags,
        coauthors=group_coauthors(papers, config.collaboration_authors),
        topic_by_code={t.code: t for t in topics},
        tag_by_name=tag_spellings(papers, tags),
        neighbours=neighbours(papers),
    )
