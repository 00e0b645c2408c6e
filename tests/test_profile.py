"""Parsing the profile text: a pure function, tested without touching the disk."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from sitegen.errors import SitegenError
from sitegen.profile import PaperRecord, markdown_inline, parse_profile

FIXTURES = Path(__file__).parent / "fixtures" / "profiles"
SEED = FIXTURES / "seed.txt"
AS_OF = dt.date(2026, 11, 25)
OWNER = "Lemeng Wu"


def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def seed():
    return parse_profile(seed_text(), as_of=AS_OF, source="seed.txt")


def by_title(profile, start: str) -> PaperRecord:
    found = [r for r in profile.records if r.title.startswith(start)]
    assert len(found) == 1, start
    return found[0]


# ---------------------------------------------------------------- header


def test_seed_header(seed):
    assert seed.owner == OWNER
    assert seed.field == "CV"
    assert seed.metrics == {
        "h_index": 29,
        "papers": 32,
        "citations": 1323,
        "novelty": 55,
        "ai_score": 56,
    }
    assert all(type(v) is int for v in seed.metrics.values())
    assert seed.declared_count == 32
    assert len(seed.records) == 32
    assert seed.warnings == ()


def test_header_metrics_may_be_missing_or_grouped():
    text = "Ada Lovelace\n\n12,345citations\nh-index 7\nErdős number3.5\n\n1 Paper\n\n" + ENTRY
    p = parse_profile(text, as_of=AS_OF)
    assert p.field is None
    assert p.metrics == {"citations": 12345, "h_index": 7, "erdos_number": 3.5}
    assert p.declared_count == 1
    assert p.warnings == ()


def test_unknown_header_line_is_a_warning():
    text = "Ada Lovelace\nCV\nsomething odd 1 2 3\n\n" + ENTRY
    p = parse_profile(text, as_of=AS_OF, source="p.txt")
    assert [str(w) for w in p.warnings] == [
        "p.txt:3: warning: ignored header line 'something odd 1 2 3'"
    ]


ENTRY = "LGMar 16\nA Title: With a Colon\n\nAda Lovelace, Charles Babbage\n\nAn abstract.\n"


# ---------------------------------------------------------------- entries, field by field


def test_first_paper_every_field(seed):
    r = seed.records[0]
    assert r == PaperRecord(
        topic="LG",
        date=dt.date(2022, 8, 31),
        year_inferred=False,
        title="Let us Build Bridges: Understanding and Extending Diffusion Generative Models",
        authors=("Xingchao Liu", "Lemeng Wu", "Mao Ye"),
        et_al=True,
        affiliations=(),
        code=False,
        abstract_raw=r.abstract_raw,
        line=12,
    )
    assert r.abstract_raw.startswith("Diffusion-based generative models have achieved")
    assert r.abstract_raw.endswith("semantic segments and 3D point clouds.")
    assert not r.owner_in_et_al(OWNER)
    assert r.code_url() is None
    assert r.short_name() == "Let us Build Bridges"


def test_pathfusion_affiliation(seed):
    r = by_title(seed, "PathFusion:")
    assert (r.topic, r.date, r.year_inferred) == ("CV", dt.date(2022, 12, 12), False)
    assert r.authors == ("Lemeng Wu", "Dilin Wang", "Meng Li")
    assert r.et_al is True
    assert r.affiliations == ("pku",)
    assert "$\\text{AP}_{\\text{3D}}$" in r.body_markdown()


def test_mobilellm_flash_yearless_with_two_affiliations(seed):
    r = by_title(seed, "MobileLLM-Flash:")
    assert (r.topic, r.date, r.year_inferred) == ("LG", dt.date(2026, 3, 16), True)
    assert r.authors == ("Hanxian Huang", "Igor Fedorov", "Andrey Gromov")
    assert r.et_al is True
    assert r.affiliations == ("meta-ai", "mila")
    assert r.code is False
    assert r.owner_in_et_al(OWNER)


def test_two_authors_no_et_al(seed):
    r = by_title(seed, "InverseMeetInsert:")
    assert r.authors == ("Yan Zheng", "Lemeng Wu")
    assert r.et_al is False
    assert r.affiliations == ()


def test_affiliations_only_where_given(seed):
    with_affs = {r.title.split(":")[0]: r.affiliations for r in seed.records if r.affiliations}
    assert with_affs == {
        "PathFusion": ("pku",),
        "Longhorn": ("apple-ml",),
        "MobileLLM-Flash": ("meta-ai", "mila"),
    }


def test_the_four_yearless_dates(seed):
    yearless = {r.title.split(":")[0]: r.date for r in seed.records if r.year_inferred}
    assert yearless == {
        "MobileLLM-Flash": dt.date(2026, 3, 16),
        "dTRPO": dt.date(2026, 3, 19),
        "VideoAuto-R1": dt.date(2026, 1, 8),
        "Small Vision-Language Models are Smart Compressors for Long Video Understanding": (
            dt.date(2026, 4, 9)
        ),
    }


def test_yearless_dates_before_their_day_fall_in_the_previous_year():
    p = parse_profile(seed_text(), as_of=dt.date(2026, 3, 17))
    yearless = sorted(r.date for r in p.records if r.year_inferred)
    assert yearless == [
        dt.date(2025, 3, 19),
        dt.date(2025, 4, 9),
        dt.date(2026, 1, 8),
        dt.date(2026, 3, 16),
    ]


@pytest.mark.parametrize(
    ("shown", "as_of", "expected"),
    [
        ("Mar 16", dt.date(2026, 11, 23), dt.date(2026, 3, 16)),
        ("Dec 20", dt.date(2026, 11, 23), dt.date(2025, 12, 20)),
        ("Nov 23", dt.date(2026, 11, 23), dt.date(2026, 11, 23)),
        ("Feb 29", dt.date(2027, 3, 1), dt.date(2024, 2, 29)),
        ("Feb 29", dt.date(2028, 2, 29), dt.date(2028, 2, 29)),
    ],
)
def test_yearless_date_is_the_latest_on_or_before_the_reference(shown, as_of, expected):
    text = f"Ada Lovelace\n\nLG{shown}\nA Title\n\nAda Lovelace, Bob\n\nText.\n"
    (r,) = parse_profile(text, as_of=as_of).records
    assert (r.date, r.year_inferred) == (expected, True)


def test_code_papers(seed):
    code = {r.title.split(":")[0]: (r.topic, r.date, r.code_url()) for r in seed.records if r.code}
    assert code == {
        "Llama Guard 3-1B-INT4": ("DC", dt.date(2024, 11, 18), None),
        "FuseDream": ("CV", dt.date(2021, 12, 2), "https://github.com/gnobitab/FuseDream"),
    }
    assert [r.code_url() for r in seed.records if r.code_url()] == [
        "https://github.com/gnobitab/FuseDream"
    ]


def test_eight_papers_hide_the_owner_in_et_al(seed):
    hidden = [r for r in seed.records if r.owner_in_et_al(OWNER)]
    assert len(hidden) == 8
    assert all(r.et_al and OWNER not in r.authors for r in hidden)
    assert sum(OWNER in r.authors for r in seed.records) == 24
    assert {r.title.split(":")[0] for r in hidden} == {
        "MobileLLM-Flash",
        "VideoAuto-R1",
        "LongVU",
        "Efficient Track Anything",
        "EdgeTAM",
        "SqueezeSAM",
        "Small Vision-Language Models are Smart Compressors for Long Video Understanding",
        "Steepest Descent Density Control for Compact 3D Gaussian Splatting",
    }


def test_owner_match_ignores_unicode_normal_form_and_case():
    r = _record(authors=("Zoe\u0308 Mu\u0308ller", "B"))
    assert not r.owner_in_et_al("Zoë Müller")
    assert not r.owner_in_et_al("zoë  müller")
    assert r.owner_in_et_al("Zoë Miller")


def test_two_papers_on_the_same_day(seed):
    same = [r for r in seed.records if (r.topic, r.date) == ("LG", dt.date(2021, 2, 17))]
    assert [r.title.split(":")[0] for r in same] == [
        "Centroid Transformers",
        "Firefly Neural Architecture Descent",
    ]


def test_record_lines_point_at_the_date_line(seed):
    lines = seed_text().split("\n")
    for r in seed.records:
        assert lines[r.line - 1].startswith(r.topic)
        assert lines[r.line].strip() == r.title


# ---------------------------------------------------------------- the body


def test_ours_macro_becomes_the_method_name(seed):
    lrf = by_title(seed, "Language Rectified Flow:").body_markdown()
    assert "This paper proposes Language Rectified Flow (Language Rectified Flow)." in lrf
    assert "\\ours" not in lrf
    automl = by_title(seed, "AutoML-GPT:").body_markdown()
    assert "By leveraging AutoML-GPT's robust language" in automl


def test_method_macro_and_latex_ampersand(seed):
    body = by_title(seed, "PrivCirNet:").body_markdown()
    assert "we propose PrivCirNet, a protocol/network" in body
    assert "(IEEE S&P 2024)" in body
    assert "$5.0\\times$ and $1.3\\times$" in body
    assert "$4.1\\%$" in body  # math is kept byte for byte


def test_url_becomes_an_autolink(seed):
    body = by_title(seed, "FuseDream:").body_markdown()
    assert body.endswith(
        "Our code is publicly available at <https://github.com/gnobitab/FuseDream>."
    )


def test_body_loses_no_words(seed):
    """Apart from the conversions, the body is the abstract: compare word by word."""
    for r in seed.records:
        body = r.body_markdown()
        raw = r.abstract_raw.replace("{\\ours}", r.short_name()).replace("\\method", r.short_name())
        raw = raw.replace("\\&", "&").replace("\\url{", "<").replace("}.", ">.")
        assert body.replace("\\*", "*") == raw, r.title


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain text.", "plain text."),
        ("math $a_*b$ and $$x^2$$ stay", "math $a_*b$ and $$x^2$$ stay"),
        ("an escaped \\$5 is not math", "an escaped \\$5 is not math"),
        ("train_set stays, _this_ does not", "train_set stays, \\_this\\_ does not"),
        ("top-1* accuracy and `code`", "top-1\\* accuracy and \\`code\\`"),
        ("S\\&P and 40\\% and R&D", "S&P and 40% and R&D"),
        ("&amp; stays literal", "\\&amp; stays literal"),
        ("\\emph{provably} and \\textbf{bold}", "*provably* and **bold**"),
        ("\\url{javascript:alert(1)} is text", "javascript:alert(1) is text"),
        ("<script>alert(1)</script> stays", "<script>alert(1)</script> stays"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("# not a heading", "\\# not a heading"),
        ("[x]: not-a-definition", "\\[x]: not-a-definition"),
        ("\\oursfoo is another macro", "\\oursfoo is another macro"),
    ],
)
def test_markdown_inline(text, expected):
    assert markdown_inline(text, "NAME") == expected


def test_macro_forms():
    for form in ("{\\ours}", "\\ours", "\\ours{}", "{\\method}", "\\method", "\\method{}"):
        assert markdown_inline(f"We propose {form}, fast.", "X") == "We propose X, fast."


def test_short_name_without_colon_is_the_title():
    assert (
        _record(title="Residual Mixture of Experts").short_name() == "Residual Mixture of Experts"
    )
    assert _record(title="A: B: C").short_name() == "A"


def test_code_url_rules():
    with_code = _record(
        code=True, abstract="See https://example.org/page. Code: \\url{https://x.y/z}."
    )
    assert with_code.code_url() == "https://example.org/page"
    host = _record(abstract="Project https://example.org and https://huggingface.co/x/y, done.")
    assert host.code_url() == "https://huggingface.co/x/y"
    assert _record(abstract="Only https://example.org/page here.").code_url() is None
    assert _record(code=True, abstract="Broken https://. and https://[x only.").code_url() is None
    assert _record(abstract="Bare https://github.com/a/b?ref=abs&v=2.").code_url() == (
        "https://github.com/a/b?ref=abs&v=2"
    )


def test_multi_paragraph_abstract_keeps_paragraphs():
    text = "Ada\n\nLGMar 1, 2020\nT\n\nAda, Bob\n\nOne\nwrapped.\n\n\nTwo.\n"
    (r,) = parse_profile(text, as_of=AS_OF).records
    assert r.abstract_raw == "One wrapped.\n\nTwo."
    assert r.body_markdown() == "One wrapped.\n\nTwo."


# ---------------------------------------------------------------- what real files look like


def test_crlf_bom_trailing_spaces_and_blank_lines_parse_identically(seed):
    lines = seed_text().split("\n")
    messy = "\ufeff" + "\r\n".join((line + "  \t" if line else "\r\n") for line in ["", *lines, ""])
    p = parse_profile(messy, as_of=AS_OF)
    assert (p.owner, p.field, p.metrics, p.declared_count) == (
        seed.owner,
        seed.field,
        seed.metrics,
        seed.declared_count,
    )
    assert p.warnings == ()

    def strip_line(r):
        return dataclasses.replace(r, line=0)

    assert [strip_line(r) for r in p.records] == [strip_line(r) for r in seed.records]


def test_messy_fixture():
    p = parse_profile((FIXTURES / "messy.txt").read_bytes().decode("utf-8"), as_of=AS_OF)
    assert p.owner == "Zoë Núñez-García"
    assert p.metrics == {"h_index": 7, "citations": 1204, "novelty": 61}
    assert p.warnings == ()
    first, dash, yes, leap = p.records
    assert first.title == 'Q&A <Live>: "Smart" Segmentation # Tricks'
    assert first.authors == ("李明", "Zoë Núñez-García", "José Núñez")
    assert first.affiliations == ("pku", "meta-ai")
    assert first.date == dt.date(2026, 3, 3) and first.year_inferred
    assert first.body_markdown() == (
        "We compare S&P results with $O(n \\log n)$ cost; Q&A <Live> is fast & small "
        "<script>alert(1)</script>."
    )
    assert dash.title == "- Leading Dash: {{ not a template }} & Co"
    assert dash.code and dash.code_url() == "https://github.com/zoe/leading-dash"
    assert yes.title == "Yes" and yes.authors == ("Ana O'Brien", "Zoë Núñez-García")
    assert yes.abstract_raw == "First paragraph.\n\nSecond paragraph with a_b and *stars*."
    assert leap.date == dt.date(2024, 2, 29) and leap.year_inferred
    assert leap.owner_in_et_al(p.owner)


def test_control_characters_are_removed_with_a_warning():
    text = "Ada\n\nLGMar 1, 2020\nA\x07 Title\u2028here\n\nAda, Bob\u202e\n\nText.\n"
    p = parse_profile(text, as_of=AS_OF, source="p")
    assert p.records[0].title == "A Title here"
    assert p.records[0].authors == ("Ada", "Bob")  # an override left open reversed the line
    assert [str(w) for w in p.warnings] == [
        "p:4: warning: removed control characters (the first is U+0007)"
    ]


# ---------------------------------------------------------------- bad input


def _error(text: str) -> SitegenError:
    with pytest.raises(SitegenError) as info:
        parse_profile(text, as_of=AS_OF, source="p.txt")
    assert info.value.exit_code == 2
    return info.value


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("feb30.txt", 19, "impossible date: Feb 30, 2022"),
        ("no_title.txt", 19, "the paper dated 'CVDec 12, 2022' has no title"),
        ("no_authors.txt", 22, "expected the authors line"),
        ("empty.txt", 1, "the profile is empty"),
        ("header_only.txt", 10, "no papers found"),
    ],
)
def test_bad_fixture(name, line, message):
    e = _error((FIXTURES / name).read_text(encoding="utf-8"))
    assert (e.line, e.path) == (line, "p.txt")
    assert message in e.message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("   \r\n\ufeff \n\n", 1, "the profile is empty"),
        ("\ufeff", 1, "the profile is empty"),
        ("Ada\n\nLGFeb 30\nT\n\nAda, B\n\nX.\n", 3, "impossible date: Feb 30"),
        ("Ada\n\nLGApr 31, 2020\nT\n\nAda, B\n", 3, "impossible date: Apr 31, 2020"),
        ("Ada\n\nLGMar 3, 20\nT\n\nAda, B\n", 3, "cannot read the date line 'LGMar 3, 20'"),
        ("Ada\n\nLGMar 1, 2020\n", 3, "has no title"),
        ("Ada\n\nLGMar 1, 2020\nA Title: Alone\n", 4, "has no authors line"),
        ("LGMar 1, 2020\nT\n\nA, B\n", 1, "expected the owner's name on the first line"),
        ("h-index29\n\nLGMar 1, 2020\nT\n\nA, B\n", 1, "expected the owner's name"),
        ("Ada\nfoo\x00bar\n", 1, "this is a binary file"),
        ("Ada\n" + "x" * 9000 + "\nfoo\x00bar\n", 3, "a NUL byte"),
    ],
)
def test_bad_text(text, line, message):
    e = _error(text)
    assert e.line == line
    assert message in e.message


def test_count_mismatch_is_a_warning_naming_both_numbers():
    p = parse_profile((FIXTURES / "count_mismatch.txt").read_text(), as_of=AS_OF, source="c")
    assert len(p.records) == 2
    assert [str(w) for w in p.warnings] == [
        "c:10: warning: the header says 3 papers but 2 were found"
    ]


def test_no_abstract_is_a_warning_and_an_empty_body():
    p = parse_profile((FIXTURES / "no_abstract.txt").read_text(), as_of=AS_OF, source="n")
    assert p.records[1].abstract_raw == ""
    assert p.records[1].body_markdown() == ""
    assert len(p.warnings) == 1
    assert str(p.warnings[0]).startswith("n:19: warning: the paper 'PathFusion:")
    assert "no abstract" in str(p.warnings[0])


def test_authors_line_shapes():
    def authors(line):
        text = f"Ada\n\nLGMar 1, 2020\nA Title: Here\n\n{line}\n\nText.\n"
        (r,) = parse_profile(text, as_of=AS_OF).records
        return r.authors, r.et_al, r.affiliations

    assert authors("Solo Author") == (("Solo Author",), False, ())
    assert authors("A B, C D et al") == (("A B", "C D"), True, ())
    assert authors("A B, C D, et al. ·  x ,y") == (("A B", "C D"), True, ("x", "y"))
    assert authors("Martin Luther King Jr., Jean-Luc O'Brien") == (
        ("Martin Luther King Jr.", "Jean-Luc O'Brien"),
        False,
        (),
    )
    assert authors("李明, 김민준 · University of Tokyo") == (
        ("李明", "김민준"),
        False,
        ("University of Tokyo",),
    )
    # a Chinese input method's comma, and the Japanese list's: two names, not one
    assert authors("李明，王晓明、山田太郎") == (("李明", "王晓明", "山田太郎"), False, ())


def _record(**kw) -> PaperRecord:
    base = dict(
        topic="LG",
        date=dt.date(2020, 1, 1),
        year_inferred=False,
        title="T",
        authors=("A",),
        et_al=True,
        affiliations=(),
        code=False,
        abstract_raw="",
        line=1,
    )
    if "abstract" in kw:
        kw["abstract_raw"] = kw.pop("abstract")
    base.update(kw)
    return PaperRecord(**base)
