"""Parser fuzzing: any text gives a Profile or one `file:line` SitegenError, nothing else.

About 3,500 generated cases per run, derandomized so CI sees the same
ones every time (figures printed at the end of the run):

- valid profiles drawn from a Spec round-trip: parse, import (real files),
  load with sitegen.content: every field equals the Spec, the abstract reads
  as written;
- the same in memory (render_paper -> parse_paper), many more of them;
- mutations of valid, seed and messy profiles, and raw random text: either an
  error naming a line that exists, or a profile whose every paper imports into
  a file that the build then loads with the same fields;
- a smaller number through the real CLI: exit status 2, `PATH:LINE: message`,
  no traceback.

The large runs are marked slow (CI runs them; together they take minutes). The
quick loop keeps the same properties at a smaller scale: random text and bytes
here, and tests/test_profile_fuzz.py (valid profiles round-tripping through the
files, mutated seed/messy/generated profiles never raising anything else).
"""

from __future__ import annotations

import re
import sys
import tempfile
import unicodedata
from pathlib import Path

import pytest
import yaml
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.build import cached_papers
from sitegen.cite import markdown_text
from sitegen.content import load_profile, parse_paper
from sitegen.errors import SitegenError, SitegenWarning
from sitegen.importer import read_profile_text, render_paper, run_import
from sitegen.profile import Profile, parse_profile
from sitegen.slugs import paper_slug
from sitegen.yamlutil import dump_yaml

from . import figures
from .profiles import (
    AS_OF,
    ProfileSpec,
    expected_text,
    messy_text,
    mutated,
    profile_spec,
    render,
    seed_text,
)

# slow: fuzzing (test_profile covers the parser's cases in the quick loop)
pytestmark = pytest.mark.slow

SEED = seed_text()
MESSY = messy_text()
SLUG_OK = re.compile(r"^[a-z0-9][a-z0-9-]{0,150}$")  # what content.py accepts as a file name


def fuzz(n: int) -> settings:
    """Deterministic: CI and every laptop run exactly the same cases."""
    return settings(
        max_examples=n,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def lines_in(text: str) -> int:
    """How many lines an editor shows for `text` (any of \\r\\n, \\r, \\n ends a line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1


# ---------------------------------------------------------------- checks shared by the tests


def check_error(e: SitegenError, text: str, source: str) -> None:
    """A refusal must point at a line of the file the user can go to."""
    assert e.path == source, e
    assert isinstance(e.line, int), f"no line number: {e}"
    assert 1 <= e.line <= lines_in(text), f"line {e.line} of {lines_in(text)}: {e}"
    assert e.exit_code == 2
    assert str(e).startswith(f"{source}:{e.line}: ")
    assert "\n" not in str(e) and "\r" not in str(e)
    assert e.message.strip()


def check_accepted(profile: Profile) -> None:
    """Whatever the parser accepts, the importer writes and the build reads back."""
    assert profile.records
    assert profile.owner and profile.owner == profile.owner.strip()
    for rec in profile.records:
        slug = paper_slug(rec.date.year, rec.title)
        assert SLUG_OK.match(slug) and len(f"{slug}.md".encode()) <= 255, slug
        text = render_paper(rec, profile.owner, AS_OF)
        warnings: list[SitegenWarning] = []
        try:
            src = parse_paper(text, f"content/papers/{slug}.md", warnings)
        except SitegenError as e:  # the importer wrote a file the build refuses
            raise AssertionError(f"imported file does not load: {e}\n{text}") from None
        assert src.title == markdown_text(rec.title)  # the profile's text, escaped
        assert src.date == rec.date
        assert src.topic == rec.topic
        assert src.author_names == rec.authors
        assert src.affiliations == rec.affiliations
        assert (src.et_al, src.code, src.year_inferred) == (rec.et_al, rec.code, rec.year_inferred)
        assert src.owner_in_et_al == rec.owner_in_et_al(profile.owner)
        assert src.code_url == rec.code_url()
        assert src.body_md == rec.body_markdown().strip("\n")
    for value in (profile.owner, profile.field):
        if value is not None:
            assert yaml.safe_load(dump_yaml({"name": value})) == {"name": value}


def check_any_text(text: str, source: str = "fuzz.txt") -> str:
    try:
        profile = parse_profile(text, as_of=AS_OF, source=source)
    except SitegenError as e:
        check_error(e, text, source)
        return "refused"
    check_accepted(profile)
    return "accepted"


def check_matches_spec(spec: ProfileSpec, papers: list, owner: str, field, metrics) -> None:  # type: ignore[no-untyped-def]
    assert owner == spec.owner
    assert field == spec.field
    assert metrics == {key: value for _, key, value in spec.metrics}

    def want(p):  # type: ignore[no-untyped-def]
        return (
            markdown_text(p.title), p.date, p.year_inferred, p.topic, p.authors, p.et_al,
            p.affiliations, p.code, all(name_key(a) != name_key(spec.owner) for a in p.authors),
            expected_text(p),
        )  # fmt: skip

    def got(s):  # type: ignore[no-untyped-def]
        return (
            s.title, s.date, s.year_inferred, s.topic, s.author_names, s.et_al, s.affiliations,
            s.code, s.owner_in_et_al, s.summary_text,
        )  # fmt: skip

    assert sorted(map(repr, map(got, papers))) == sorted(map(repr, map(want, spec.papers)))


# ---------------------------------------------------------------- valid profiles


@pytest.mark.slow
@fuzz(150)
@given(profile_spec())
def test_valid_profiles_round_trip_through_real_files(spec: ProfileSpec) -> None:
    """parse -> import (files on disk) -> sitegen.content loads -> the same fields."""
    figures.case("valid profiles, import + load from disk")
    with tempfile.TemporaryDirectory() as tmp:
        profile = Path(tmp) / "profile.txt"
        profile.write_bytes(render(spec).encode("utf-8"))
        site = Path(tmp) / "site"
        report = run_import(profile, site, as_of=AS_OF)
        assert len(report.added) == len(spec.papers)
        for w in report.warnings:
            assert re.search(r"no abstract|same title|header says|removed control", w.message), w
        papers, _, _, _ = cached_papers(site, None, jobs=1)
        prof = load_profile(site)
        check_matches_spec(spec, papers, prof.name, prof.field, prof.metrics)
        again = run_import(profile, site, as_of=AS_OF)
        assert (again.added, again.updated, again.kept) == ([], [], [])


@pytest.mark.slow
@fuzz(300)
@given(profile_spec())
def test_valid_profiles_round_trip_in_memory(spec: ProfileSpec) -> None:
    figures.case("valid profiles, parse + render + load in memory")
    profile = parse_profile(render(spec), as_of=AS_OF, source="valid.txt")
    papers = [
        parse_paper(render_paper(r, profile.owner, AS_OF), "content/papers/x.md", [])
        for r in profile.records
    ]
    check_matches_spec(spec, papers, profile.owner, profile.field, profile.metrics)
    check_accepted(profile)


# ---------------------------------------------------------------- mutations


@pytest.mark.slow
@fuzz(300)
@given(profile_spec(max_papers=4).map(render).flatmap(mutated))
def test_mutated_valid_profiles(text: str) -> None:
    figures.case("mutated generated profiles")
    figures.subset("mutated generated profiles: " + check_any_text(text))


@pytest.mark.slow
@fuzz(600)
@given(st.sampled_from([SEED, MESSY]).flatmap(mutated))
def test_mutated_seed_and_messy_profiles(text: str) -> None:
    figures.case("mutated seed/messy profiles")
    figures.subset("mutated seed/messy profiles: " + check_any_text(text))


@fuzz(1500)
@given(
    st.one_of(
        st.text(),
        st.text(st.sampled_from(list("LGCVMarJanDec 0123456789,·.\n\r\t$\\{}_*&Code et al"))),
    )
)
def test_random_text(text: str) -> None:
    figures.case("random text")
    figures.subset("random text: " + check_any_text(text))


@fuzz(500)
@given(
    st.one_of(
        st.binary(max_size=3000),
        st.sampled_from([SEED, MESSY]).flatmap(
            lambda t: st.binary(max_size=64).map(lambda b, t=t: t.encode()[: len(t) // 2] + b)
        ),
    )
)
def test_random_bytes_from_a_file(data: bytes) -> None:
    """Undecodable or binary files are refused with a line, never a UnicodeError."""
    figures.case("random bytes read from a file")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.txt"
        path.write_bytes(data)
        try:
            text = read_profile_text(path)
        except SitegenError as e:
            assert e.path == str(path) and isinstance(e.line, int) and e.line >= 1
            assert e.line <= data.count(b"\n") + 1
            return
    check_any_text(text, str(path))


@pytest.mark.slow
@fuzz(150)
@given(
    st.one_of(
        st.sampled_from([SEED, MESSY]).flatmap(lambda t: mutated(t, surrogates=False)),
        profile_spec(max_papers=3).map(render).flatmap(lambda t: mutated(t, surrogates=False)),
    )
)
def test_mutated_profiles_through_real_files(text: str) -> None:
    """Accepted damage must still import, load, and re-import without surprises."""
    figures.case("mutated profiles, import + load from disk")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.txt"
        path.write_bytes(text.encode("utf-8"))
        site = Path(tmp) / "site"
        try:
            report = run_import(path, site, as_of=AS_OF)
        except SitegenError as e:
            check_error(e, text, str(path))
            assert not site.exists() or not any(site.rglob("*.md")), "a refused import wrote files"
            return
        papers, _, _, _ = cached_papers(site, None, jobs=1)
        assert len(papers) == len(report.added)
        assert load_profile(site).name
        again = run_import(path, site, as_of=AS_OF)
        assert (again.added, again.updated, again.kept) == ([], [], [])


# ---------------------------------------------------------------- the real command line

CLI_CASES = 40


@pytest.mark.slow
@fuzz(CLI_CASES)
@given(
    st.one_of(
        st.sampled_from([SEED, MESSY]).flatmap(lambda t: mutated(t, surrogates=False)),
        profile_spec(max_papers=3).map(render).flatmap(lambda t: mutated(t, surrogates=False)),
    )
)
def test_damaged_profiles_through_the_cli(text: str) -> None:
    figures.case("mutated profiles through the real CLI")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "profile.txt"
        path.write_bytes(text.encode("utf-8"))
        try:
            parse_profile(text, as_of=AS_OF, source=str(path))
            expected: SitegenError | None = None
        except SitegenError as e:
            expected = e
        proc = run_cli("import", path, "--site", Path(tmp) / "site", "--as-of", AS_OF.isoformat())
        assert "Traceback" not in proc.stderr, proc.stderr
        if expected is None:
            assert proc.returncode == 0, proc.stderr
            return
        figures.subset("mutated profiles through the real CLI: refused with exit status 2")
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.splitlines()[-1] == str(expected)
        assert re.match(rf"{re.escape(str(path))}:\d+: \S", proc.stderr.splitlines()[-1])
        assert not (Path(tmp) / "site" / "content" / "papers").exists()


BROKEN = {
    "impossible date": ("Ana\n\nLGFeb 30, 2024\nTitle: x\n\nAna, Bo\n\nText.\n", 3),
    "no title": ("Ana\n\nLGMar 3, 2024\n\nAna, Bo et al.\n\nText\n", 3),
    "no authors": ("Ana\n\nLGMar 3, 2024\nTitle: only\n", 4),
    "damaged date line": ("Ana\n\nLGMar 3, 2024\nT: x\n\nAna, Bo\n\nLGMarch 3rd\nT2: y\nA, B\n", 8),
    "NUL byte": ("Ana\n\nLG\x00Mar 3, 2024\n", 1),  # binary, as git and grep decide
    "empty": ("\n\n  \n", 1),
    "header only": ("Ana\nCV\nh-index3\n", 3),
    "owner looks like a date": ("LGMar 3, 2024\nT: x\nA, B\n", 1),
    "CRLF + BOM, bad date": ("\ufeffAna\r\n\r\nLGApr 31, 2021\r\nT: x\r\n\r\nA, B\r\n", 3),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_classic_breakage_through_the_cli(tmp_path: Path, name: str) -> None:
    text, line = BROKEN[name]
    path = tmp_path / "profile.txt"
    path.write_bytes(text.encode("utf-8"))
    proc = run_cli("import", path, "--site", tmp_path / "site", "--as-of", AS_OF.isoformat())
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{path}:{line}: "), proc.stderr
    assert not (tmp_path / "site" / "content").exists()


@pytest.mark.parametrize(
    "data, line",
    [
        (b"Ana\n\nLGMar 3, 2024\nT\xe9l\xe9: x\n", 4),  # Latin-1, not UTF-8
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1),
        (b"Ana\n" + b"\xff\xfe" + "x".encode("utf-16-le"), 1),  # UTF-16 holds NULs: binary
        (b"Ana\n\nLGMar 3, 2024\nT: x\n\nAna, Bo\n\n" + b"ok " * 4000 + b"\x00", 8),
        (b"Ana\n\nLGMar 3, 2024\nT: x\n\nAna, Bo\n\nText \xed\xa0\x80 surrogate\n", 8),
    ],
    ids=["latin-1", "png", "utf-16", "late NUL", "encoded surrogate"],
)
def test_undecodable_files_through_the_cli(tmp_path: Path, data: bytes, line: int) -> None:
    path = tmp_path / "profile.txt"
    path.write_bytes(data)
    proc = run_cli("import", path, "--site", tmp_path / "site", "--as-of", AS_OF.isoformat())
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith(f"{path}:{line}: "), proc.stderr


if __name__ == "__main__":  # pragma: no cover - handy for a quick look at one generated text
    from hypothesis import find

    print(render(find(profile_spec(), lambda s: len(s.papers) > 2)), file=sys.stdout)


def test_a_long_header_line_ending_in_a_number_is_not_a_metric(tmp_path: Path) -> None:
    """Found by the fuzzer: `a a a ... a1` became a metric whose 2,000-character name
    the importer wrote as a YAML key, which YAML refuses over 1,024 characters, so
    the build could not read the profile.yaml the import had just written."""
    path = tmp_path / "profile.txt"
    path.write_text("Ana\n" + "a " * 1100 + "1\n\nLGMar 3, 2024\nT: x\n\nAna, Bo\n\nText.\n")
    report = run_import(path, tmp_path / "site", as_of=AS_OF)
    assert any("ignored header line" in w.message and w.line == 2 for w in report.warnings)
    assert load_profile(tmp_path / "site").metrics == {}
