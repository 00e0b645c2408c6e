"""Charts drawn at build time as inline SVG: no chart library, no JavaScript.

Each chart's numbers are also an HTML table, so nothing is lost without images
or for a screen reader. Colours come only from CSS classes (`t0`..`t7`), never
inline styles: dark mode recolours them, and a Content-Security-Policy without
'unsafe-inline' holds. Column and bar charts are in percentages across and pixels
down, so they stretch to any width while their text keeps its size.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from itertools import combinations

from . import urls
from .model import OTHER_COLOUR, Coauthor, Site, Topic
from .words import format_number

# The text column at its narrowest in each layout: a 320 px phone, a 360 px one (most
# phones are as wide or wider), and a screen just over 40rem, where the desktop layout
# starts; labels that would collide there are hidden (the classes tw and nw in style.css).
TINY_PX = 288
NARROW_PX = 328
WIDE_PX = 600
YEAR_PX = 34  # a year label's room: "2026" is about 29 px, and a gap of at least 5 px
MAX_SERIES = 8  # the palette has 8 colours; more topics than that share "Other"
TOPIC_ROWS = 7  # topics the home page's topic table names; more share one row


def _n(x: float) -> str:
    """Short, stable number formatting for coordinates."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def plural(n: int, word: str, words: dict[str, str] | None = None) -> str:
    """ "1 paper", "3 papers"; in the site's words when given (the CLI's are English)."""
    w = word if n == 1 else f"{word}s"
    return words[f"{{n}} {w}"].format(n=format_number(n, words)) if words else f"{n} {w}"


def with_label(label: object, value: str, words: dict[str, str]) -> str:
    """`Machine Learning: 11 papers` in the site's words: Chinese writes a full-width colon."""
    return words["{label}: {value}"].format(label=label, value=value)


@dataclass(frozen=True)
class Series:
    """One colour band in a stacked chart: a topic, or all the smaller ones together."""

    name: str
    css: str  # "t3" or "tother"
    codes: frozenset[str]


def chart_series(topics: Sequence[Topic], words: dict[str, str]) -> list[Series]:
    """The largest topics with distinct colours, then one "Other topics" band: two topics of
    one colour side by side would read as one, so a topic whose colour is taken joins "Other",
    as do the papers without a topic, whose grey is that band's."""
    chosen: list[Series] = []
    used: set[int | str] = {OTHER_COLOUR}
    rest: list[str] = []
    for t in topics:
        if t.colour not in used and len(chosen) < MAX_SERIES:
            used.add(t.colour)
            chosen.append(Series(t.name, f"t{t.colour}", frozenset({t.code})))
        else:
            rest.append(t.code)
    if rest:
        if len(chosen) == MAX_SERIES:  # keep the palette's last slot for "Other"
            rest = [*chosen.pop().codes, *rest]
        name = words["Other topics"]
        if len(rest) == 1:
            name = next(t.name for t in topics if t.code in rest)
        chosen.append(Series(name, "tother", frozenset(rest)))
    return chosen


def _nice_step(top: int) -> int:
    """A round axis step (1, 2 or 5 times a power of ten) for about four gridlines."""
    raw = max(1.0, top / 4)
    mag = 10 ** math.floor(math.log10(raw))
    return int(next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw))


def _table(
    caption: str, head: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int], words: dict
) -> str:
    """A chart's numbers as a table folded under a summary: `caption` and `head` are text,
    `rows` already HTML; the columns in `numeric` are right-aligned."""
    attrs = [' class="num"' if i in numeric else "" for i in range(len(head))]
    th = "".join(f'<th scope="col"{a}>{escape(h)}</th>' for a, h in zip(attrs, head, strict=True))
    body = "".join(
        f'<tr><th scope="row">{row[0]}</th>'
        + "".join(f"<td{a}>{c}</td>" for a, c in zip(attrs[1:], row[1:], strict=True))
        + "</tr>"
        for row in rows
    )
    summary = escape(words["Show the numbers as a table"])
    return (
        f'<details class="chart-data"><summary>{summary}</summary>'
        # wider than a phone, it scrolls in its box, which a keyboard must reach too
        f'<div class="table-scroll" tabindex="0"><table class="chart-table">'
        f"<caption>{escape(caption)}</caption>"
        f"<thead><tr>{th}</tr></thead><tbody>{body}</tbody></table></div></details>"
    )


def _figure(name: str, title: str, desc: str, size: str, svg: list[str], *after: str) -> str:
    """One chart: an SVG named for screen readers by its <title> and <desc>, then `after`."""
    ident = f"{name}-chart"
    return (
        f'<figure class="chart {ident}"><svg class="chart-svg {name}-svg" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" {size}>'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(desc)}</desc>{"".join(svg)}</svg>'
        f"{''.join(after)}</figure>"
    )


def timeline_chart(site: Site, words: dict[str, str]) -> str:
    """Papers per year, stacked by topic, every year from the first to the last."""
    if not site.papers:
        return ""
    first, last = site.years[-1].year, site.years[0].year
    years = list(range(first, last + 1))
    series = chart_series(site.topics, words)
    by_year = Counter((y.year, p.topic) for y in site.years for p in y.papers)
    counts = {y: [sum(by_year[y, c] for c in s.codes) for s in series] for y in years}
    totals = {y: sum(v) for y, v in counts.items()}
    peak = max(totals.values())
    step = _nice_step(peak)
    top = step * math.ceil(peak / step)

    def num(n: int) -> str:  # 1.000 in German, as the words around it write it
        return format_number(n, words)

    plot_h, pad_top, pad_bottom = 180, 20, 26
    size = f'width="100%" height="{pad_top + plot_h + pad_bottom}"'
    # the gutter holds the axis numbers: wide enough for the longest on a phone
    left, right = max(4.5, 100 * (len(num(top)) * 7.5 + 8) / TINY_PX), 99.5
    n = len(years)
    band = (right - left) / n
    bar = band * (0.7 if n > 3 else 0.45)
    wide, narrow, tiny = ((right - left) / 100 * px / n for px in (WIDE_PX, NARROW_PX, TINY_PX))
    # every k-th year is labelled, so that the labels never touch
    k_wide = math.ceil(YEAR_PX / wide)
    k_narrow = k_wide * math.ceil(math.ceil(YEAR_PX / narrow) / k_wide)
    k_tiny = k_narrow * math.ceil(math.ceil(YEAR_PX / tiny) / k_narrow)
    total_px = len(num(peak)) * 7 + 6  # a column's count must fit above it
    # the last label, under a column narrower than itself, ends at the chart's edge: its
    # middle is then half a label in from the edge, nearer the label before it than a column's
    at_edge = tiny < YEAR_PX

    def labelled(from_end: int, k: int, column: float) -> bool:
        to_last = (from_end + 0.5) * column - YEAR_PX / 2 if at_edge else from_end * column
        return from_end % k == 0 and (from_end == 0 or to_last >= YEAR_PX)

    def y_of(v: float) -> float:
        return pad_top + plot_h - plot_h * v / top

    busiest = max(years, key=lambda y: (totals[y], y))
    biggest = sorted(site.topics, key=lambda t: (-len(t.papers), t.code))[:2]
    desc = words[
        "{papers} from {first} to {last}; the busiest year was {year} with {count}. "
        "Largest topics: {topics}."
    ].format(
        papers=plural(len(site.papers), "paper", words),
        first=first,
        last=last,
        year=busiest,
        count=plural(totals[busiest], "paper", words),
        topics=", ".join(f"{t.name} ({num(len(t.papers))})" for t in biggest),
    )
    parts = ['<g class="grid">']
    for v in range(0, top + 1, step):
        y = _n(y_of(v))
        cls = "axis" if v == 0 else "gridline"
        parts.append(
            f'<line class="{cls}" x1="{_n(left)}%" x2="100%" y1="{y}" y2="{y}"/><text class="tick" '
            f'x="{_n(left - 1.5)}%" y="{_n(y_of(v) + 4)}" text-anchor="end">{num(v)}</text>'
        )
    parts.append("</g>")
    for i, year in enumerate(years):
        x = left + band * i + (band - bar) / 2
        centre = _n(x + bar / 2)
        total = with_label(year, plural(totals[year], "paper", words), words)
        parts.append(f'<g class="col"><title>{escape(total)}</title>')
        acc = 0
        for s, c in zip(series, counts[year], strict=True):
            if not c:
                continue
            y0, y1 = y_of(acc + c), y_of(acc)
            acc += c
            pair = words["{first}, {second}"].format(first=year, second=s.name)
            part = with_label(pair, plural(c, "paper", words), words)
            parts.append(
                f'<rect class="seg {s.css}" x="{_n(x)}%" width="{_n(bar)}%" y="{_n(y0)}" '
                f'height="{_n(y1 - y0)}"><title>{escape(part)}</title></rect>'
            )
        if totals[year] and wide >= total_px:  # a column is wider on a desktop than on a phone
            hide = "" if narrow >= total_px else " nw"
            parts.append(
                f'<text class="total{hide}" x="{centre}%" y="{_n(y_of(totals[year]) - 5)}" '
                f'text-anchor="middle">{num(totals[year])}</text>'
            )
        parts.append("</g>")
        from_end = n - 1 - i
        if labelled(from_end, k_wide, wide):
            hide = " tw" if labelled(from_end, k_narrow, narrow) else " nw"
            if labelled(from_end, k_tiny, tiny):
                hide = ""
            at, anchor = (_n(right), "end") if from_end == 0 and at_edge else (centre, "middle")
            parts.append(
                f'<text class="year-label{hide}" x="{at}%" y="{pad_top + plot_h + 18}" '
                f'text-anchor="{anchor}">{year}</text>'
            )
    items = "".join(
        f'<li><span class="swatch {s.css}" aria-hidden="true"></span>{escape(s.name)}</li>'
        for s in series
    )
    legend = f'<ul class="chart-legend" aria-label="{escape(words["Topics"])}">{items}</ul>'
    rows = [[str(y), *(num(c) for c in counts[y]), num(totals[y])] for y in reversed(years)]
    head = [words["Year"], *(s.name for s in series), words["Total"]]
    numeric = set(range(1, len(head)))
    table = _table(words["Papers per year and topic"], head, rows, numeric, words)
    title = words["Papers per year, by topic"]
    return _figure("timeline", title, desc, size, parts, legend, table)


def topic_chart(site: Site, words: dict[str, str]) -> str:
    """The topic mix as one proportional bar, with a table that is also its legend."""
    if not site.topics:
        return ""
    total = len(site.papers)
    # the largest topics, each of a colour of its own: past 8 topics the palette repeats, and
    # two blues side by side read as one topic (chart_series); the rest share a grey row
    shown: list[Topic] = []
    for t in site.topics:
        if len(shown) < TOPIC_ROWS and all(u.colour != t.colour for u in shown):
            shown.append(t)
    rest = [t for t in site.topics if all(t is not u for u in shown)]
    if len(rest) == 1 and all(u.colour != rest[0].colour for u in shown):
        shown, rest = [*shown, *rest], []  # one more row, not "1 more topic"
    if rest:  # "Other" and the row of the rest would be one grey
        rest += [t for t in shown if t.colour == OTHER_COLOUR]
        shown = [t for t in shown if t.colour != OTHER_COLOUR]

    def pct(n: int) -> str:  # only all of them is 100%, only none 0%
        share = 100 * n / total
        return ">99%" if 99 < share < 100 else "<1%" if share < 1 else f"{share:.0f}%"

    desc = "; ".join(
        with_label(t.name, f"{format_number(len(t.papers), words)} ({pct(len(t.papers))})", words)
        for t in site.topics
    )
    # a bar segment per row of the table: the small topics share one, as there
    segments = [(f"t{t.colour}", t.name, len(t.papers), urls.topic(t.slug)) for t in shown]
    if rest:
        more = plural(len(rest), "more topic", words)
        segments.append(("tother", more, sum(len(t.papers) for t in rest), urls.TOPICS))
    title = words["Share of {papers} by topic"].format(papers=plural(total, "paper", words))
    parts = [
        '<clipPath id="topic-chart-clip"><rect width="100%" height="14" rx="4"/></clipPath>',
        '<g clip-path="url(#topic-chart-clip)">',
    ]
    rows = []
    x = 0.0
    for css, name, count, link in segments:
        w = 100 * count / total
        tip = with_label(name, plural(count, "paper", words), words)
        parts.append(
            f'<rect class="seg {css}" x="{_n(x)}%" width="{_n(w)}%" height="14">'
            f"<title>{escape(tip)}</title></rect>"
        )
        x += w
        rows.append(
            f'<tr class="{css}"><th scope="row"><span class="topic-name">'
            f'<span class="swatch {css}" aria-hidden="true"></span>'
            f'<a href="{escape(link)}">{escape(name)}</a></span></th>'
            f'<td class="num">{format_number(count, words)}</td>'
            f'<td class="num share">{escape(pct(count))}</td></tr>'
        )
    parts.append("</g>")
    caption, topic, papers, share = (
        escape(words[w]) for w in ("Papers per topic", "Topic", "Papers", "Share")
    )
    table = (
        f'<table class="topic-table"><caption class="visually-hidden">{caption}</caption>'
        f'<thead class="visually-hidden"><tr><th scope="col">{topic}</th>'
        f'<th scope="col">{papers}</th><th scope="col">{share}</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return _figure("topic", title, desc + ".", 'width="100%" height="14"', parts, table)


def _together(joint: Counter[tuple[str, str]], a: Coauthor, b: Coauthor) -> int:
    x, y = sorted((a.person.key, b.person.key))
    return joint[(x, y)]


def _ring_order(coauthors: Sequence[Coauthor], joint: Counter[tuple[str, str]]) -> list[Coauthor]:
    """Seat collaborators of each other side by side, so their links stay short. Ties go to
    more papers, then to the earlier coauthor: `max` keeps the first it finds."""
    left = list(coauthors)
    order = [left.pop(0)]
    while left:
        best = max(left, key=lambda c: (_together(joint, order[-1], c), c.count))
        left.remove(best)
        order.append(best)
    return order


_NARROW_CHARS = frozenset("iljtfrI.,'’ -")


def _text_width(text: str, size: float) -> float:
    """A generous estimate of rendered width (system sans fonts run wide). Chinese,
    Japanese and Korean characters are a full em: at 0.62 their names ran off the chart."""
    return sum(size * _char_width(ch) for ch in text)


@lru_cache(maxsize=4096)
def _char_width(ch: str) -> float:
    if ch in _NARROW_CHARS:
        return 0.36
    if unicodedata.east_asian_width(ch) in "WF":
        return 1.0
    return 0.72 if ch.isupper() else 0.62


def _label_lines(name: str, size: float, max_one_line: float) -> list[str]:
    """A name on as few lines as fit `max_one_line`, words kept whole: a long name on one
    or two lines widened the drawing, which the page then shrinks, every label with it
    (on a phone, to 5 px). Usually given names over the family name."""
    lines: list[str] = []
    for word in name.split():
        if lines and _text_width(f"{lines[-1]} {word}", size) <= max_one_line:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [name]


def _label(
    x: float, first_y: float, anchor: str, lines: Sequence[str], size: float, cls: str
) -> tuple[str, tuple[float, float, float, float]]:
    """A name as SVG text, a <tspan> a line, and the box it takes up (left, top, right, bottom)."""
    w = max(_text_width(s, size) for s in lines)
    left = {"start": x, "end": x - w, "middle": x - w / 2}[anchor]
    bottom = first_y + size * 1.15 * (len(lines) - 1) + size * 0.3
    tspans = "".join(
        f'<tspan x="{_n(x)}" y="{_n(first_y + k * size * 1.15)}">{escape(s)}</tspan>'
        for k, s in enumerate(lines)
    )
    text = f'<text class="{cls}" text-anchor="{anchor}">{tspans}</text>'
    return text, (left, first_y - size, left + w, bottom)


def network_chart(site: Site, words: dict[str, str], limit: int = 12) -> str:
    """The owner in the middle, the closest coauthors around; width = joint papers."""
    shown = list(site.coauthors[:limit])
    if not shown:
        return ""
    people = {c.person.key for c in shown}
    joint: Counter[tuple[str, str]] = Counter()  # papers shared by each pair of them
    for p in site.papers:
        joint.update(combinations(sorted({a.person.key for a in p.authors} & people), 2))
    ring = _ring_order(shown, joint)
    most = max(c.count for c in shown)
    # only the strongest links between coauthors: a complete graph says nothing
    most_joint = max(joint.values(), default=1)
    strongest = sorted(joint.items(), key=lambda kv: (-kv[1], kv[0]))[: len(shown) + 6]
    joint_shown = {pair: n for pair, n in strongest if n * 4 >= most_joint}

    # the owner at the origin, the coauthors on an ellipse taller than wide around it:
    # names run sideways, so width is what a phone lacks
    rx, ry = 100.0, 128.0 if len(ring) > 4 else 90.0
    size = 12.5

    def topic_class(c: Coauthor) -> str:
        counts = Counter(p.topic for p in c.papers)
        code = min(counts, key=lambda k: (-counts[k], k))
        return f"t{site.topic_by_code[code].colour}"

    pos, links, people_svg, boxes = {}, [], [], []
    for i, c in enumerate(ring):
        a = -math.pi / 2 + 2 * math.pi * i / len(ring)
        cos, sin = math.cos(a), math.sin(a)
        x, y = pos[c.person.key] = rx * cos, ry * sin
        r = 4.5 + 5.5 * math.sqrt(c.count / most)
        lx, ly = x + (r + 6) * cos, y + (r + 6) * sin
        if abs(cos) > 0.3:
            anchor = "start" if cos > 0 else "end"
            lines = _label_lines(c.person.name, size, 92)
            first_y = ly + size * 0.35 - size * 1.15 * (len(lines) - 1) / 2
        else:
            anchor = "middle"
            lines = _label_lines(c.person.name, size, 150)
            first_y = ly + size * 0.95 if sin > 0 else ly - size * 1.15 * (len(lines) - 1) - 3
        label, box = _label(lx, first_y, anchor, lines, size, "node-label")
        boxes += [box, (x - r, y - r, x + r, y + r)]
        sw = 1.2 + 6.3 * c.count / most
        links.append(
            f'<line class="edge" x1="0" y1="0" x2="{_n(x)}" y2="{_n(y)}" stroke-width="{_n(sw)}"/>'
        )
        years = f"{c.first_year}–{c.last_year}" if c.last_year != c.first_year else c.first_year
        people_svg.append(
            f'<g class="person"><title>{escape(c.person.name)}: '
            f"{escape(plural(c.count, 'joint paper', words))}, "
            f'{years}</title><circle class="node {topic_class(c)}" cx="{_n(x)}" cy="{_n(y)}" '
            f'r="{_n(r)}"/>{label}</g>'
        )
    owner = site.owner.name
    owner_label, owner_box = _label(0.0, 27.0, "middle", [owner], 13.5, "node-label owner-label")
    boxes.append(owner_box)
    pad = 6
    lefts, tops, rights, bottoms = zip(*boxes, strict=True)
    left, top = min(lefts) - pad, min(tops) - pad
    width, height = max(rights) + pad - left, max(bottoms) + pad - top

    names = ", ".join(f"{c.person.name} ({c.count})" for c in shown)
    closest = plural(len(shown), "closest coauthor", words)
    desc = words[
        "{owner} in the centre, linked to the {coauthors}; a thicker line means more joint "
        "papers: {names}."
    ].format(owner=owner, coauthors=closest, names=names)
    if joint_shown:  # the curves are drawn only where coauthors wrote together
        desc += " " + words["Thin curves join coauthors who also wrote papers with each other."]
    # drawn at 1.3 times its units, at most the column's width: a full ring fills it as it
    # did, and two coauthors' chart, 121 units wide, is no longer stretched to 480 px with
    # its names four times their size (a visual hunter's report)
    size_attrs = (
        f'viewBox="{_n(left)} {_n(top)} {_n(width)} {_n(height)}" '
        f'width="{_n(width * 1.3)}" height="{_n(height * 1.3)}"'
    )
    parts = ['<g class="links-between">']  # links between coauthors: curves bowed to the centre
    for (a, b), n in sorted(joint_shown.items()):
        x1, y1 = pos[a]
        x2, y2 = pos[b]
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        qx, qy = mx - mx * 0.45, my - my * 0.45  # 45% of the way to the origin
        sw = 0.8 + 2.2 * n / most_joint
        parts.append(
            f'<path class="edge-between" d="M{_n(x1)} {_n(y1)}Q{_n(qx)} {_n(qy)} {_n(x2)} '
            f'{_n(y2)}" stroke-width="{_n(sw)}"/>'
        )
    parts += ['</g><g class="links">', *links, "</g>", *people_svg]
    parts.append(
        f'<g class="person owner"><title>{escape(owner)}</title>'
        '<circle class="node owner-node" cx="0" cy="0" r="9"/>'
        f"{owner_label}</g>"
    )
    rows = []
    for c in shown:
        others = [(_together(joint, c, d), d.person.name) for d in shown if d is not c]
        others = sorted((o for o in others if o[0]), key=lambda o: (-o[0], o[1]))
        # each name isolated, so a right-to-left one keeps its place and its count
        also = ", ".join(
            f"<bdi>{escape(name)}</bdi> ({format_number(n, words)})" for n, name in others
        )
        rows.append(
            [f"<bdi>{escape(c.person.name)}</bdi>", format_number(c.count, words), also or "—"]
        )
    head = [words[h] for h in ("Coauthor", "Joint papers", "Also wrote with (joint papers)")]
    table_caption = words["The closest coauthors of {owner}"].format(owner=owner)
    table = _table(table_caption, head, rows, {1}, words)
    caption = words[
        "{owner} and the {coauthors}. Line width: joint papers; colour: the main topic of "
        "the joint papers."
    ].format(owner=owner, coauthors=closest)
    title = words["Collaboration network of {owner}"].format(owner=owner)
    figcaption = f"<figcaption>{escape(caption)}{table}</figcaption>"
    return _figure("network", title, desc, size_attrs, parts, figcaption)
