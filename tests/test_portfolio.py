"""The portfolio (issue 17): about section, photo, profile links, news, featured papers, CV.

Each test builds tests/fixtures/portfolio (every new key in use, hostile text in the
bio, news and resume) through the real command line, then reads the output as a
browser, a feed reader or an image viewer would.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

import feedparser
import pytest
from conftest import REPO, english_words, run_cli
from htmlutil import parse
from test_incremental import tree_bytes

from sitegen.model import PAPER_TYPES

FIXTURE = REPO / "tests" / "fixtures" / "portfolio"
LINK_LABELS = {
    "https://scholar.google.com/citations?user=ada": "Google Scholar",
    "https://orcid.org/0000-0002-1825-0097": "ORCID",
    "https://github.com/ada": "GitHub",
    "https://www.linkedin.com/in/ada": "LinkedIn",
    "https://x.com/ada": "X",
    "https://bsky.app/profile/ada.example.org": "Bluesky",
    "https://mathstodon.xyz/@ada": "Mastodon",
    "https://www.semanticscholar.org/author/1": "Semantic Scholar",
    "https://dblp.org/pid/1/1.html": "dblp",
    "https://ada.example.org/": "Website",
    "https://blog.ada.example.org/": "Personal blog",
}


def copy_fixture(dest: Path) -> Path:
    shutil.copytree(FIXTURE, dest)
    return dest


def build(site: Path, *extra: str, env: dict | None = None):
    return run_cli("build", "--site", site, "--no-cache", *extra, env=env)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = copy_fixture(tmp_path_factory.mktemp("portfolio") / "site")
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    return site


@pytest.fixture(scope="module")
def out(site: Path) -> Path:
    return site / "output"


def text_of(html: str, cls: str) -> str:
    """The text of the first element with this class (enough for these flat blocks)."""
    m = re.search(rf'class="[^"]*\b{cls}\b[^"]*"[^>]*>(.*?)</(?:div|p|section|ul|ol)>', html, re.S)
    assert m, cls
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(1)).split())


# ---------------------------------------------------------------- the about section


@pytest.mark.slow
def test_home_shows_the_about_section(out: Path) -> None:
    html = (out / "index.html").read_text()
    doc = parse(out / "index.html")
    assert "Research Fellow" in text_of(html, "role")
    assert "Analytical Engine Institute" in text_of(html, "role")
    bio = re.search(r'<div class="bio">(.*?)</div>', html, re.S).group(1)
    assert bio.count("<p>") == 2 and "<strong>analytical engines</strong>" in bio
    assert "<math" in bio  # the sum is MathML
    assert "&lt;script&gt;" in bio  # hostile text stays text
    assert not any("alert" in s for s in doc.script_texts)
    assert not [a for a in doc.find("a") if (a.get("href") or "").startswith("javascript")]


def test_profile_links_have_names_icons_and_rel_me(out: Path) -> None:
    html = (out / "index.html").read_text()
    links = re.findall(
        r'<a href="([^"]+)" rel="me"><svg[^>]*><use href="([^"]+)"></use></svg>([^<]+)</a>', html
    )
    shown = {url.replace("&amp;", "&"): label for url, _, label in links}
    assert shown == LINK_LABELS
    icons = {url: use.split("#")[1] for url, use, _ in links}
    assert icons["https://orcid.org/0000-0002-1825-0097"] == "orcid"
    assert icons["https://blog.ada.example.org/"] == "link"  # any other name: a plain link
    sprite = (out / "assets" / "icons.svg").read_text()
    for icon in set(icons.values()) | {"mail"}:
        assert f'<symbol id="{icon}"' in sprite
    assert "CC0" in sprite and "Simple Icons" in sprite


def test_email_is_not_in_the_page_as_an_address(out: Path) -> None:
    for page in ("index.html", "cv/index.html"):
        html = (out / page).read_text()
        assert "ada.lovelace [at] example [dot] org" in html
        assert "ada.lovelace@example.org" not in html and "mailto:" not in html
        assert any("email." in (s.get("src") or "") for s in parse(out / page).find("script"))


def test_an_apostrophe_is_a_letter_of_an_email_address() -> None:
    """O'Brien's address was refused as "not an email address" (RFC 5322 allows `'`)."""
    from sitegen.portfolio import Email, parse_email

    assert parse_email("siobhan.o'brien@example.ie", ValueError) == Email(
        "siobhan.o'brien", "example.ie"
    )


def test_person_json_ld_lists_the_links_as_same_as(out: Path) -> None:
    """The links the page shows, as shown: the blog's URL is written with spaces around it."""
    (ld,) = [json.loads(b) for b in parse(out / "index.html").data_blocks]
    assert set(ld["sameAs"]) == set(LINK_LABELS)
    assert ld["affiliation"]["name"] == "Analytical Engine Institute"
    # the bio as text, math as its TeX: its Markdown source (`**`) was the description
    assert ld["description"].startswith("I study analytical engines and what they can compute")
    assert "**" not in ld["description"] and "<script>" in ld["description"]  # text, escaped


# ---------------------------------------------------------------- the photo


def test_photo_is_a_picture_with_modern_formats_and_a_jpeg_fallback(out: Path) -> None:
    doc = parse(out / "index.html")
    types = [s["type"] for s in doc.find("source")]
    assert types[-1] == "image/webp" and set(types) <= {"image/avif", "image/webp"}
    (img,) = doc.find("img", **{"class": "about-photo"})
    assert img["alt"] == "Photo of Ada Lovelace"
    assert img["src"].endswith(".jpg") and " 2x" in img["srcset"]
    # the source is 900x600 with EXIF orientation 6: upright it is portrait
    assert (int(img["width"]), int(img["height"])) == (176, 264)
    for s in doc.find("source"):
        for part in s["srcset"].split(", "):
            assert (out / part.split()[0]).is_file()


def test_the_photo_s_alt_text_is_in_the_site_s_language(tmp_path: Path) -> None:
    """Its alt text was English on every site: "Photo of" on a German page."""
    site = copy_fixture(tmp_path / "site")
    with (site / "sitegen.yaml").open("a", encoding="utf-8") as f:
        f.write("\nlanguage: de\n")
    assert build(site).returncode == 0
    (img,) = parse(site / "output" / "index.html").find("img", **{"class": "about-photo"})
    assert img["alt"] == "Foto von Ada Lovelace"


def test_a_photo_named_on_a_mac_is_found(tmp_path: Path) -> None:
    """A hunter's: a photo copied from a Mac (zip, rsync) is named decomposed, José as an
    `e` and a combining accent; `photo: José.jpg`, read as every text is, composed, named
    no file, even written as the very bytes on disk."""
    import unicodedata

    site = copy_fixture(tmp_path / "site")
    decomposed = unicodedata.normalize("NFD", "José.jpg")
    (site / "content" / "photo.jpg").rename(site / "content" / decomposed)
    profile = site / "content" / "profile.yaml"
    profile.write_text(profile.read_text().replace("photo: photo.jpg", "photo: José.jpg"))
    assert build(site).returncode == 0
    assert parse(site / "output" / "index.html").find("img", **{"class": "about-photo"})


def test_photo_metadata_is_stripped(out: Path) -> None:
    from PIL import Image

    source = (FIXTURE / "content" / "photo.jpg").read_bytes()
    assert b"SecretCam" in source and Image.open(io.BytesIO(source)).getexif().get_ifd(0x8825)
    files = sorted((out / "assets").glob("photo-*"))
    assert {f.suffix for f in files} >= {".jpg", ".webp"} and len(files) % 2 == 0
    for f in files:
        data = f.read_bytes()
        img = Image.open(io.BytesIO(data))
        assert not img.getexif() and "exif" not in img.info and "icc_profile" not in img.info
        assert b"SecretCam" not in data and b"Exif" not in data
        assert img.width <= 1600 and img.height > img.width


def test_outputs_are_byte_identical_across_cold_builds(site: Path, tmp_path: Path) -> None:
    """Same input, same bytes: photo, feeds and PDF, each made afresh (no cache)."""
    again = copy_fixture(tmp_path / "again")
    assert build(again).returncode == 0
    for rel in ("news/feed.xml", "news/atom.xml", "cv/cv.pdf", "index.html", "cv/index.html"):
        assert (again / "output" / rel).read_bytes() == (site / "output" / rel).read_bytes(), rel
    ours = sorted(p.name for p in (site / "output" / "assets").glob("photo-*"))
    assert ours == sorted(p.name for p in (again / "output" / "assets").glob("photo-*"))
    for name in ours:
        a = (site / "output" / "assets" / name).read_bytes()
        assert a == (again / "output" / "assets" / name).read_bytes(), name


@pytest.mark.slow
def test_a_photo_with_a_colour_profile_gives_the_same_bytes_every_time() -> None:
    """Converting to sRGB makes a new profile stamped with the clock; no output may keep it
    (the AVIF writer embedded it, so each cold build wrote a different AVIF)."""
    import time

    from PIL import Image, ImageCms

    from sitegen.photo import encode

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    buf = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 30, 60)).save(buf, "JPEG", icc_profile=icc)
    first, _ = encode(buf.getvalue(), "photo.jpg", (160, 320))
    time.sleep(1.1)  # the profile's stamp counts seconds
    again, _ = encode(buf.getvalue(), "photo.jpg", (160, 320))
    assert first == again
    for name, data in first.items():
        assert "icc_profile" not in Image.open(io.BytesIO(data)).info, name


def test_a_cut_out_photo_keeps_its_see_through_background_where_a_format_can() -> None:
    """A first-afternoon hunter's: a PNG cut-out (a portrait without its background) was
    flattened onto white, a white box on the dark theme. WebP and AVIF keep its alpha,
    the JPEG fallback has none and is on white."""
    from PIL import Image, ImageDraw

    from sitegen.photo import encode

    cut_out = Image.new("RGBA", (200, 250), (0, 0, 0, 0))
    ImageDraw.Draw(cut_out).ellipse((40, 40, 160, 210), fill=(180, 90, 60, 255))
    buf = io.BytesIO()
    cut_out.save(buf, "PNG")
    files, _ = encode(buf.getvalue(), "me.png", (176,))
    for name, data in files.items():
        img = Image.open(io.BytesIO(data))
        corner, middle = (
            img.convert("RGBA").getpixel((2, 2)),
            img.convert("RGBA").getpixel((88, 110)),
        )
        if name.endswith(".jpg"):
            assert img.mode == "RGB" and min(corner) > 240, (name, corner)
        else:
            assert corner[3] == 0 and middle[3] == 255, (name, corner, middle)
        assert abs(middle[0] - 180) < 16 and abs(middle[1] - 90) < 16, (name, middle)
    assert {n.rsplit(".", 1)[1] for n in files} >= {"webp", "jpg"}
    # an opaque PNG (alpha all 255) stays as it was: no alpha channel to carry
    buf = io.BytesIO()
    Image.new("RGBA", (200, 250), (10, 120, 200, 255)).save(buf, "PNG")
    files, _ = encode(buf.getvalue(), "me.png", (176,))
    webp = Image.open(io.BytesIO(next(b for n, b in files.items() if n.endswith(".webp"))))
    assert webp.mode == "RGB"


def test_photos_with_damaged_exif_or_16_bit_grey_come_out_as_they_look() -> None:
    """A malformed EXIF entry made ImageOps.exif_transpose raise struct.error: a traceback
    from build and check. The pixels are fine: the photo is used as stored. A 16-bit
    grey PNG was clipped to 8 bits (a black-to-white ramp came out nearly all white)."""
    from PIL import Image

    from sitegen.photo import encode

    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "Cam"  # rotated; a text tag made Compression below
    buf = io.BytesIO()
    Image.new("RGB", (300, 300), "green").save(buf, "JPEG", exif=exif.tobytes())
    data = bytearray(buf.getvalue())
    data[data.index(b"\x01\x0f\x00\x02") + 1] = 0x03  # tag 0x010F (Make) -> 0x0103
    files, _ = encode(bytes(data), "photo.jpg", (160,))
    assert files
    ramp = Image.new("I;16", (256, 16))
    ramp.putdata([x * 257 for _ in range(16) for x in range(256)])
    buf = io.BytesIO()
    ramp.save(buf, "PNG")
    files, _ = encode(buf.getvalue(), "photo.png", (256,))
    jpeg = Image.open(io.BytesIO(next(b for n, b in files.items() if n.endswith(".jpg"))))
    greys = [jpeg.convert("L").getpixel((x, 8)) for x in (16, 128, 240)]
    assert abs(greys[0] - 16) < 12 and abs(greys[1] - 128) < 12 and abs(greys[2] - 240) < 12, greys


def test_a_symlinked_photo_is_followed_like_any_content_file(tmp_path: Path) -> None:
    """README: symlinked files in content/ are followed. The photo's path was resolved
    before the check that it is under content/, so a link to ~/Pictures was refused."""
    site = copy_fixture(tmp_path / "site")
    elsewhere = tmp_path / "pictures"
    elsewhere.mkdir()
    (site / "content" / "photo.jpg").rename(elsewhere / "me.jpg")
    (site / "content" / "photo.jpg").symlink_to(elsewhere / "me.jpg")
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    assert parse(site / "output" / "index.html").find("img", **{"class": "about-photo"})
    profile = site / "content" / "profile.yaml"
    profile.write_text(
        profile.read_text().replace("photo: photo.jpg", "photo: ../../pictures/me.jpg")
    )
    proc = build(site)
    assert proc.returncode == 1 and "is not a file under content/" in proc.stderr


@pytest.mark.slow
def test_an_unchanged_photo_is_taken_from_the_cache(tmp_path: Path) -> None:
    """...by a build that uses the cache; `--no-cache` processes it afresh (and caches
    that), `sitegen check` leaves the cache alone."""
    site = copy_fixture(tmp_path / "site")
    assert run_cli("check", "--site", site).returncode == 0
    assert not (site / ".sitegen-cache" / "photo").exists()
    assert build(site).returncode == 0  # --no-cache
    (entry,) = (site / ".sitegen-cache" / "photo").iterdir()
    cold = {p.name: p.stat().st_mtime_ns for p in entry.iterdir()}
    assert build(site).returncode == 0
    (entry,) = (site / ".sitegen-cache" / "photo").iterdir()
    stamp = {p.name: p.stat().st_mtime_ns for p in entry.iterdir()}
    assert stamp.keys() == cold.keys() and all(stamp[n] != cold[n] for n in stamp)
    news = site / "content" / "news" / "2024-01-talk.md"
    news.write_text("---\ndate: 2024-01-21\n---\nMoved again.\n")
    assert run_cli("build", "--site", site).returncode == 0
    assert {p.name: p.stat().st_mtime_ns for p in entry.iterdir()} == stamp


@pytest.mark.slow
def test_a_photo_cached_by_another_sitegen_is_encoded_again(tmp_path: Path, monkeypatch) -> None:
    """The cache was keyed by a hand-bumped version, left unbumped when the encoding
    changed: an upgraded site kept publishing the old files (a JPEG comment that the new
    code strips). Another code stamp (sitegen or Pillow) must encode the photo afresh;
    the same bytes keep their URLs, which name what is served, not the cache key."""
    from sitegen import build, photo, state

    site = copy_fixture(tmp_path / "site")
    assert run_cli("build", "--site", site).returncode == 0
    before = sorted(p.name for p in (site / "output" / "assets").glob("photo-*"))
    (entry,) = (site / ".sitegen-cache" / "photo").iterdir()
    for cached in entry.iterdir():
        if cached.name != "files.json":
            cached.write_bytes(b"encoded by an older sitegen")
    for module in (state, build, photo):  # photo's had none: raising=False
        monkeypatch.setattr(module, "code_stamp", lambda: "a newer sitegen", raising=False)
    assert run_cli("build", "--site", site).returncode == 0
    published = list((site / "output" / "assets").glob("photo-*"))
    assert published and all(b"older sitegen" not in p.read_bytes() for p in published)
    assert sorted(p.name for p in published) == before


@pytest.mark.slow  # about a second in the quick loop
def test_a_photo_cache_from_another_user_is_never_published(tmp_path: Path, monkeypatch) -> None:
    """A `.sitegen-cache/` committed to a site repository could hold any "encoded photo":
    the cache's names are signed with the user's key, so another user's are never found."""
    site = copy_fixture(tmp_path / "site")
    assert run_cli("build", "--site", site).returncode == 0
    (entry,) = (site / ".sitegen-cache" / "photo").iterdir()
    for cached in entry.iterdir():
        if cached.name != "files.json":
            cached.write_bytes(b"planted in the repository")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "another-user"))
    assert run_cli("build", "--site", site).returncode == 0
    published = list((site / "output" / "assets").glob("photo-*"))
    assert published and all(b"planted" not in p.read_bytes() for p in published)


@pytest.mark.slow
@pytest.mark.parametrize("pipe", ["files.json", "an encoded file"])
def test_a_photo_cache_file_that_is_a_pipe_is_a_miss_not_a_hang(tmp_path: Path, pipe: str) -> None:
    """The photo's cache was read (and files.json written) with no check of what its files
    are: a named pipe under one of their names was a read that never ended, every build hung."""
    site = copy_fixture(tmp_path / "site")
    assert run_cli("build", "--site", site).returncode == 0
    (entry,) = (site / ".sitegen-cache" / "photo").iterdir()
    name = json.loads((entry / "files.json").read_text())["files"][0]
    name = "files.json" if pipe == "files.json" else name
    (entry / name).unlink()
    os.mkfifo(entry / name)
    shutil.rmtree(site / "output")  # so the build reads the cache
    assert run_cli("build", "--site", site, fresh=True, timeout=60).returncode == 0
    cold = copy_fixture(tmp_path / "cold")
    assert build(cold).returncode == 0
    assert tree_bytes(site / "output") == tree_bytes(cold / "output")


def test_without_a_photo_the_initials_are_drawn(tmp_path: Path) -> None:
    site = copy_fixture(tmp_path / "site")
    profile = site / "content" / "profile.yaml"
    profile.write_text(profile.read_text().replace("photo: photo.jpg\n", ""))
    assert build(site).returncode == 0
    html = (site / "output" / "index.html").read_text()
    assert re.search(
        r'<svg class="about-figure monogram" aria-hidden="true"[^>]*>.*>AL</text>', html
    )
    assert "<picture" not in html and not list((site / "output" / "assets").glob("photo-*"))


BAD_PHOTOS = {
    "not an image": (
        lambda: b"hello, I am text",
        "content/photo.jpg: not an image Pillow can read",
    ),
    "truncated": (
        lambda: (FIXTURE / "content" / "photo.jpg").read_bytes()[:2500],
        "content/photo.jpg: a damaged image",
    ),
    "bomb": (lambda: _png(12_000, 10_000), "content/photo.jpg: "),
}


def test_a_cut_short_photo_is_an_error_even_after_weasyprint_is_imported(monkeypatch) -> None:
    """WeasyPrint sets Pillow's LOAD_TRUNCATED_IMAGES when imported; `sitegen serve`
    builds many times in one process, so a photo must not be judged by what an earlier
    build imported. Pillow's setting is left as it was found."""
    from PIL import ImageFile

    from sitegen.errors import SitegenError
    from sitegen.photo import encode

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    make, message = BAD_PHOTOS["truncated"]
    with pytest.raises(SitegenError, match="a damaged image"):
        encode(make(), "content/photo.jpg", (200,))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def _png(w: int, h: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("1", (w, h)).save(buf, "PNG")
    return buf.getvalue()


@pytest.mark.parametrize("kind", BAD_PHOTOS)
def test_a_bad_photo_is_a_clear_error(tmp_path: Path, kind: str) -> None:
    make, message = BAD_PHOTOS[kind]
    site = copy_fixture(tmp_path / "site")
    (site / "content" / "photo.jpg").write_bytes(make())
    proc = build(site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert message in proc.stderr, proc.stderr
    if kind == "bomb":
        assert "megapixels" in proc.stderr or "decompression bomb" in proc.stderr


def test_photo_limits_are_sitegens_own_and_every_encoder_error_is_clear() -> None:
    """Pillow warns of a decompression bomb from 89.5 megapixels, but sitegen refuses from
    MAX_PIXELS (README: 100); and a side too long for the AVIF encoder (a RuntimeError)
    is as clear an error as one too long for WebP's."""
    import struct
    import zlib

    from sitegen.errors import SitegenError
    from sitegen.photo import encode

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", 9500, 10000, 8, 0, 0, 0, 0)  # 95 megapixels, no pixels
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b""))
    with pytest.raises(SitegenError, match="a damaged image"):  # read, not refused
        encode(png + chunk(b"IEND", b""), "content/photo.png", (176,))
    with pytest.raises(SitegenError, match=r"cannot encode the photo at 100x200000 px .*crop it"):
        encode(_png(100, 200_000), "content/photo.png", (176,))


@pytest.mark.slow
def test_a_50_megapixel_photo_builds_with_a_warning(tmp_path: Path) -> None:
    from PIL import Image

    site = copy_fixture(tmp_path / "site")
    Image.new("RGB", (8660, 5774), (90, 120, 160)).save(site / "content" / "photo.jpg", quality=70)
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    assert "content/photo.jpg: warning: the photo is 50 megapixels" in proc.stderr
    (img,) = parse(site / "output" / "index.html").find("img", **{"class": "about-photo"})
    assert img["width"] == "176"


# ---------------------------------------------------------------- featured papers and news


def test_selected_publications_come_before_the_recent_ones(out: Path) -> None:
    html = (out / "index.html").read_text()
    selected = html.index('id="selected"')
    recent = html.index('id="recent"')
    assert selected < recent
    block = html[selected:recent]
    titles = re.findall(r'class="paper-title"><a [^>]+>([^<]+)</a>', block)
    assert titles == ["Notes on the Analytical Engine", "Poetical Science"]


def test_home_shows_the_latest_news_and_the_news_page_all(out: Path) -> None:
    home = (out / "index.html").read_text()
    news = home[home.index('id="news-heading"') : home.index('id="selected"')]
    assert news.count('class="news-item"') == 3  # home_news: 3
    assert "All news (4 items)" in news
    page = (out / "news" / "index.html").read_text()
    # a `#` in an item is under its title, an h3 on the home page and an h2 on /news/
    for html, title in ((news, "3"), (page, "2")):
        levels = re.findall(r"<h(\d)[^>]*>([^<]+)", html)
        assert (title, "Best paper award for ") in levels, levels
        assert (str(int(title) + 1), "The identity") in levels, levels
    ids = re.findall(r'<li class="news-item" id="([^"]+)"', page)
    assert ids == [
        "news-2024-05-award",
        "news-2024-01-talk",
        "news-2023-09-joined",
        "news-2022-02-hello",
    ]
    assert "<math" in page and "&lt;/title&gt;&lt;script&gt;" in page
    assert "&lt;img src=x onerror" in page
    doc = parse(out / "news" / "index.html")
    assert not doc.script_texts or not any("alert" in s for s in doc.script_texts)
    assert not [a for a in doc.find("a") if (a.get("href") or "").startswith("javascript")]
    assert doc.find("link", type="application/atom+xml", href="../news/atom.xml")


def test_news_feeds_parse_and_carry_every_item(out: Path) -> None:
    import feedparser

    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((out / "news" / name).read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert len(feed.entries) == 4
        first = feed.entries[0]
        assert first.title == "Best paper award for Notes"  # the title as text, not Markdown
        assert first.link == "https://ada.example.org/news/#news-2024-05-award"
        assert feed.entries[3].title == "</title><script>alert('news')</script>"
        assert feed.entries[1].title.startswith("Gave a talk at the Royal Society.")
        assert "<script" not in (out / "news" / name).read_text()
        if name == "atom.xml":  # Atom asks an author of the feed or of each entry
            assert feed.feed.author == "Ada Lovelace"


def test_a_news_item_with_only_a_title_is_described_by_it_as_text() -> None:
    """RSS descriptions are HTML: a title, which is text, is escaped there (feedparser
    strips a script, but not every reader does)."""
    from sitegen.portfolio import news_feed_spec, news_feeds, parse_news

    text = '---\ndate: 2024-06-01\ntitle: "<script>alert(1)</script> & <b>bold</b>"\n---\n'
    item = parse_news(text, "content/news/x.md", [])
    spec = news_feed_spec("Ada", "Ada Lovelace", "en", english_words())
    rss, _ = news_feeds([item], spec, "https://ada.example.org/")
    (described,) = ET.fromstring(rss).findall("./channel/item/description")
    assert described.text == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"


def test_a_news_items_feed_title_is_its_plain_text() -> None:
    """The news page renders a title's Markdown; a feed reader shows text, so the feed
    carries the title's text (math as its TeX), not its markup."""
    from sitegen.portfolio import news_feed_spec, news_feeds, parse_news

    title = r"*Keynote* on [sparse](https://a.example/) $\ell_1$"
    text = f"---\ndate: 2024-06-01\ntitle: '{title}'\n---\nx\n"
    item = parse_news(text, "content/news/x.md", [])
    rss, atom = news_feeds(
        [item],
        news_feed_spec("Ada", "Ada Lovelace", "en", english_words()),
        "https://ada.example.org/",
    )
    for feed in (rss, atom):
        assert [e.title for e in feedparser.parse(feed).entries] == [r"Keynote on sparse $\ell_1$"]
    # an item that is only its title: its description is that title rendered, not Markdown
    item = parse_news(text.replace("\nx\n", "\n"), "content/news/x.md", [])
    rss, atom = news_feeds([item], news_feed_spec("Ada", "Ada Lovelace", "en", english_words()),
                           "https://ada.example.org/")  # fmt: skip
    for feed in (rss, atom):
        (entry,) = feedparser.parse(feed).entries
        assert "<em>Keynote</em>" in entry.description and "*" not in entry.description
        # as /news/ shows it: its web link kept
        assert '<a href="https://a.example/">sparse</a> <math' in entry.description
        assert "](" not in entry.description


def test_news_and_page_titles_keep_their_web_links(tmp_path: Path) -> None:
    """ "Accepted at [NeurIPS](https://...)" is the commonest news item: its link vanished
    without a word, as a paper title's must (it is shown inside a link to its page). A
    link that is not a full URL is shown as its text and warned of; `javascript:` is no link."""
    site = copy_fixture(tmp_path / "site")
    (site / "sitegen.yaml").write_text("title: Ada\ncv_pdf: false\n")  # no PDF: quicker
    news = site / "content" / "news" / "2026-03-02-accepted.md"
    news.write_text(
        "---\ndate: 2026-03-02\ntitle: 'Accepted at [NeurIPS](https://neurips.example/)"
        " and [slides](slides.pdf) [x](javascript:alert(1))'\n---\n"
    )
    (site / "content" / "pages" / "software.md").write_text(
        "---\ntitle: Software ([on GitHub](https://github.example/ada))\n---\nText.\n"
    )
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    assert (
        f"{Path('content/news/2026-03-02-accepted.md')}:3: warning: title: link 'slides.pdf'"
        " is shown as its text: use a full URL (https://...)" in proc.stderr
    )
    out = site / "output"

    def heading(page: Path, pattern: str):  # the heading's own HTML, parsed
        (inner,) = re.findall(rf"<(h\d){pattern}[^>]*>(.*?)</\1>", page.read_text(), re.S)[:1]
        return parse(inner[1])

    for page in (out / "index.html", out / "news" / "index.html"):
        title = heading(page, r' dir="auto" class="news-title"')
        assert title.find("a") == [{"href": "https://neurips.example/"}], page
        assert title.text == "Accepted at NeurIPS and slides [x](javascript:alert(1))"  # inert
    h1 = heading(out / "software" / "index.html", r"(?= )")
    assert h1.find("a") == [{"href": "https://github.example/ada"}]
    assert "".join(h1.text_parts) == "Software (on GitHub)"
    entries = feedparser.parse(out / "news" / "feed.xml").entries
    (entry,) = [e for e in entries if "NeurIPS" in e.title]
    assert entry.title == "Accepted at NeurIPS and slides [x](javascript:alert(1))"  # text
    assert '<a href="https://neurips.example/">NeurIPS</a>' in entry.description


BAD_NEWS = {
    "no date": ("---\ntitle: Hi\n---\nText.\n", "content/news/bad.md:2: date: missing"),
    # `date:` with nothing after it is missing too, not "invalid date None"
    "an empty date": ("---\ndate:\n---\nx\n", "content/news/bad.md:2: date: missing (use"),
    "bad date": (
        "---\ntitle: Hi\ndate: 2024-02-30\n---\nx\n",
        "content/news/bad.md:3: date: invalid date '2024-02-30' (use YYYY-MM-DD)",
    ),
    # YAML reads a time without seconds as text: "missing or not a date" said nothing of it
    "a time without seconds": (
        "---\ndate: 2024-01-01 10:00\n---\nx\n",
        "content/news/bad.md:2: date: invalid date '2024-01-01 10:00' (use YYYY-MM-DD)",
    ),
    "unknown key": (
        "---\ndate: 2024-01-01\ntitel: Hi\n---\nx\n",
        "content/news/bad.md:3: unknown key 'titel'",
    ),
    "no front matter": ("Just text\n", "content/news/bad.md:1: missing front matter"),
    "a title of markup only": (
        '---\ndate: 2024-01-01\ntitle: "![](https://a.example/award.png)"\n---\nx\n',
        "content/news/bad.md:3: title: no text, only markup",
    ),
    # nothing left to show (a feed entry needs a title): the feed generator raised
    "only a rule": ("---\ndate: 2024-01-01\n---\n***\n", "content/news/bad.md:1: empty"),
    "a control character as title": (
        '---\ndate: 2024-01-01\ntitle: "\\x01"\n---\n',
        "content/news/bad.md:3: title: empty",
    ),
    "an empty title": (
        '---\ndate: 2024-01-01\ntitle: ""\n---\nx\n',
        "content/news/bad.md:3: title: empty",
    ),
    "a list as title": (
        "---\ndate: 2024-01-01\ntitle: [a]\n---\nx\n",
        "content/news/bad.md:3: title: must be text, not ['a']",
    ),
}


def test_a_news_year_far_off_is_warned_of_as_a_papers_is() -> None:
    """`2205-01-13` for 2025 kept the item on top of the news, and the news feed's updated
    date in the year 2205, without a word; a paper's year is warned of outside 1900-2100."""
    from sitegen.portfolio import parse_news

    warnings: list = []
    item = parse_news("---\ntitle: Talk\ndate: 2205-01-13\n---\n", "content/news/x.md", warnings)
    assert item.date.year == 2205
    assert list(map(str, warnings)) == [
        "content/news/x.md:3: warning: date: the year 2205 is after 2100: a typo?"
    ]


def test_an_empty_paper_date_is_missing_not_none() -> None:
    """`date:` with nothing after it said "invalid date None", as news did."""
    from sitegen.content import parse_paper
    from sitegen.errors import SitegenError

    missing = r"t.md:4: date: missing \(use YYYY-MM-DD, YYYY-MM or YYYY\)$"
    with pytest.raises(SitegenError, match=missing):
        parse_paper("---\ntitle: T\nauthors: [A]\ndate:\n---\n", "content/papers/t.md", [])


@pytest.mark.parametrize("kind", BAD_NEWS)
@pytest.mark.slow
def test_bad_news_front_matter_is_a_file_line_error(tmp_path: Path, kind: str) -> None:
    text, message = BAD_NEWS[kind]
    site = copy_fixture(tmp_path / "site")
    (site / "content" / "news" / "bad.md").write_text(text)
    for command in ("build", "check"):
        proc = build(site) if command == "build" else run_cli("check", "--site", site)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
        assert message in proc.stderr + proc.stdout, (command, proc.stderr + proc.stdout)


# ---------------------------------------------------------------- pages of the owner's own


def test_a_page_of_ones_own_is_a_page_like_the_others(out: Path) -> None:
    """content/pages/teaching.md is /teaching/: its title and description in the head, a
    canonical link, a place in the sitemap and the search index, its Markdown rendered
    as news is (math, links), and its hostile text inert."""
    doc = parse(out / "teaching" / "index.html")
    assert doc.find("link", rel="canonical", href="https://ada.example.org/teaching/")
    html = (out / "teaching" / "index.html").read_text()
    assert "<title>Teaching notes · Ada Lovelace</title>" in html
    (described,) = doc.find("meta", name="description")
    assert described["content"] == "Courses Ada teaches </title><script>alert('page')</script>"
    assert 'data-pagefind-meta="title:Teaching notes">Teaching <em>notes</em></h1>' in html
    assert '<h2 id="courses">Courses</h2>' in html and "<math" in html  # a section, linkable
    (article,) = doc.find("article", class_="own-page")
    assert "data-pagefind-body" in article  # the search index holds it
    assert doc.find("a", href="https://ada.example.org/syllabus")
    assert not doc.script_texts and "&lt;script&gt;alert('page')" in html
    assert not [a for a in doc.find("a") if (a.get("href") or "").startswith("javascript")]
    assert "<loc>https://ada.example.org/teaching/</loc>" in (out / "sitemap.xml").read_text()
    # a table, its columns aligned by class (the CSP refuses style attributes), cells inert
    assert [c["class"] for c in doc.find("th")] == ["align-left", "align-left", "align-right"]
    assert '<td class="align-left">Notes on the &lt;b&gt;difference&lt;/b&gt; engine</td>' in html
    assert "style=" not in html


BAD_PAGES = {  # file name, its text, a root/ file to publish, the message
    "a name in capitals": ("Teaching.md", "---\ntitle: T\n---\n", None,
                           "content/pages/Teaching.md:1: the file name is the page's URL: use"),
    "a typo in a key": ("group.md", "---\ntitle: T\ndescripton: d\n---\n", None,
                        "content/pages/group.md:3: unknown key 'descripton' (did you mean "
                        "'description'?)"),
    "no title": ("group.md", "---\ndescription: d\n---\nText.\n", None,
                 "content/pages/group.md:2: title: missing"),
    # "empty: write some text, or leave it out", and left out it was missing
    "an empty title": ("group.md", '---\ntitle: ""\n---\nText.\n', None,
                       "content/pages/group.md:2: title: empty (every page needs a title)"),
    "news of sitegen's": ("news.md", "---\ntitle: T\n---\n", None,
                          "content/pages/news.md: the page /news/ clashes with news/"),
    "beside its feed": ("feed.md", "---\ntitle: T\n---\n", None,
                        "content/pages/feed.md: the page /feed/ clashes with feed.xml"),
    "beside the 404 page": ("404.md", "---\ntitle: T\n---\n", None,
                            "content/pages/404.md: the page /404/ clashes with 404.html"),
    # a site's own folder: output/content/ would make every later build refuse the output
    "a site's own folder": ("content.md", "---\ntitle: T\n---\n", None,
                            "content/pages/content.md: the page /content/ clashes with content/,"
                            " which marks a site's own folder"),
    "a root folder": ("group.md", "---\ntitle: T\n---\n", "group/photo.jpg",
                      "content/pages/group.md: the page /group/ clashes with root/group/photo.jpg"),
}  # fmt: skip


@pytest.mark.parametrize("kind", BAD_PAGES)
@pytest.mark.slow
def test_a_bad_page_is_a_file_line_error_and_the_output_is_untouched(
    tmp_path: Path, kind: str
) -> None:
    name, text, root_file, message = BAD_PAGES[kind]
    site = copy_fixture(tmp_path / "site")
    (site / "sitegen.yaml").write_text("title: Ada\ncv_pdf: false\n")  # no PDF: quicker
    assert build(site).returncode == 0
    before = tree_bytes(site / "output")
    (site / "content" / "pages" / name).write_text(text)
    if root_file:
        (site / "root" / root_file).parent.mkdir(parents=True)
        (site / "root" / root_file).write_text("x")
    for proc in (build(site), run_cli("check", "--site", site)):
        assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
        assert message in proc.stderr + proc.stdout, proc.stderr + proc.stdout
    assert tree_bytes(site / "output") == before


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_news_and_pages_sitegen_does_not_read_are_named(tmp_path: Path) -> None:
    """A page in a subfolder, or named .markdown, vanished from the site without a word,
    where a paper file so kept is warned of: one scanner for the three folders."""
    site = copy_fixture(tmp_path / "site")
    (site / "content" / "pages" / "group").mkdir()
    (site / "content" / "pages" / "group" / "alumni.md").write_text("---\ntitle: A\n---\n")
    (site / "content" / "news" / "2026-01-prize.markdown").write_text(
        "---\ndate: 2026-01-02\n---\nA prize.\n"
    )
    proc = run_cli("check", "--site", site)
    out = proc.stdout + proc.stderr
    warned = "content/pages/group/: warning: not read: sitegen reads the .md files in"
    assert warned + " content/pages/ itself" in out
    warned = "content/news/2026-01-prize.markdown: warning: not read: the files in"
    assert warned + " content/news/ end in .md" in out


BAD_PROFILE = {
    "javascript link": ("  github: https://github.com/ada\n", "  github: javascript:alert(1)\n",
                        ":15: links: github: 'javascript:alert(1)' is not an http(s) URL"),
    "links not a mapping": ("links:\n", "links: 5\nold_links:\n", ":12: links: must map names"),
    "bad email": ("email: ada.lovelace@example.org", "email: not-an-address",
                  ":6: email: 'not-an-address' is not an email address"),
    "photo outside content": ("photo: photo.jpg", "photo: ../sitegen.yaml",
                              ":3: photo: '../sitegen.yaml' is not a file under content/"),
    "photo from the site folder": ("photo: photo.jpg", "photo: content/photo.jpg",
                                   ":3: photo: 'content/photo.jpg' is not a file under content/ "
                                   "(the path is relative to content/: write `photo: photo.jpg`)"),
    # a right-to-left override shows `gpj.exe` as `exe.jpg`; a control character is no URL
    "bidi in a link": ("  github: https://github.com/ada\n", '  github: "https://x.org/a\\u202egpj.exe"\n',
                       ":15: links: github: 'https://x.org/a\\u202egpj.exe' is not an http(s) URL"),
    # a list where text belongs was taken for no text: dropped in silence, or "name: missing"
    "field a list": ("field: Analytical engines", "field: [CV]",
                     ":2: field: must be text, not ['CV']"),
    "name a list": ("name: Ada Lovelace", "name: [a, b]", ":1: name: must be text, not ['a', 'b']"),
    # YAML 1.1 reads 1e9 as text; the error was at `metrics:`, naming no metric
    "a metric as text": ("  citations: 120", "  citations: 1e9",
                         ":26: metrics: citations: must be a number, not '1e9'"),
    "an empty bio": ("bio: |", "bio: ''\nold_bio: |", ":7: bio: empty: write some text"),
}  # fmt: skip


@pytest.mark.parametrize("kind", BAD_PROFILE)
def test_bad_profile_keys_are_file_line_errors(tmp_path: Path, kind: str) -> None:
    old, new, message = BAD_PROFILE[kind]
    site = copy_fixture(tmp_path / "site")
    profile = site / "content" / "profile.yaml"
    assert old in profile.read_text()
    profile.write_text(profile.read_text().replace(old, new, 1))
    proc = build(site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "content/profile.yaml" + message in proc.stderr, proc.stderr


def test_text_no_file_can_hold_and_a_photo_comment_are_not_published(tmp_path: Path) -> None:
    """resume.json may hold lone surrogates (valid JSON, no valid UTF-8): removed, as
    control characters are. A JPEG comment (an address, say) is metadata too."""
    from PIL import Image

    from sitegen.photo import encode

    site = copy_fixture(tmp_path / "site")
    for old in site.glob("content/resume.*"):
        old.unlink()
    (site / "content" / "resume.json").write_text('{"basics": {"name": "Ada \\ud800Lovelace"}}')
    proc = build(site)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    assert "Ada Lovelace" in (site / "output" / "cv" / "index.html").read_text()
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), (90, 120, 160)).save(buf, "JPEG", comment=b"12 Home Street")
    files, _ = encode(buf.getvalue(), "content/photo.jpg", (176,))
    for name, data in files.items():
        assert "comment" not in Image.open(io.BytesIO(data)).info, name


def test_the_pdf_finds_its_stylesheet_under_a_base_url_in_unicode() -> None:
    """WeasyPrint asks for `/m%C3%BCnchen/...` where the page links `/münchen/...`: the
    PDF was laid out without its stylesheet, and nothing said so."""
    from sitegen.cvpdf import _fetcher

    css = {"https://example.org/münchen/assets/style.css": b"body { margin: 0 }"}
    fetcher = _fetcher(css)
    fetch = fetcher.fetch if hasattr(fetcher, "fetch") else fetcher  # WeasyPrint 66 or older
    fetch("https://example.org/m%C3%BCnchen/assets/style.css")  # no error: it is known
    with pytest.raises(ValueError, match="nothing but its stylesheet"):
        fetch("https://example.org/other.css")


# ---------------------------------------------------------------- the CV


def test_cv_sections_come_in_academic_order(out: Path) -> None:
    html = (out / "cv" / "index.html").read_text()
    headings = re.findall(r"<h2 id=\"cv-[^\"]+\">([^<]+)</h2>", html)
    assert headings == ["Education", "Positions", "Awards", "Talks", "Teaching", "Service",
                        "Publications", "Skills", "Languages"]  # fmt: skip
    assert "Research Fellow in Computing" in text_of(html, "role")  # the resume's label
    assert "London, GB" in html
    assert "Sep 2023 – present" in html and "Jan 1832 – 1840" in html and "2022 – 2023" in html


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_resume_key_the_cv_does_not_read_is_warned_of_at_its_line(tmp_path: Path) -> None:
    """A portfolio hunter's: `startdate`, JSON Resume 0.x's `company` and `venue` for a
    talk's `event` were dropped from the CV, and build and check said nothing."""
    site = copy_fixture(tmp_path / "site")
    (site / "sitegen.yaml").write_text("title: Ada\ncv_pdf: false\n")
    (site / "content" / "resume.yaml").write_text(
        "education:\n  - institution: MIT\n    studyType: PhD\n    startdate: 2017\n"
        "work:\n  - company: Meta\n    position: Scientist\n"
        "talks:\n  - title: A talk\n    venue: NeurIPS\n"
    )
    for proc in (build(site), run_cli("check", "--site", site)):
        assert proc.returncode == 0, proc.stderr
        said = [line for line in proc.stderr.splitlines() if "does not read" in line]
        assert said == [
            "content/resume.yaml:4: warning: education.0.startdate: the CV does not read this"
            " key (did you mean 'startDate'?)",
            "content/resume.yaml:6: warning: work.0.company: the CV does not read this key"
            " (did you mean 'name'?)",
            "content/resume.yaml:10: warning: talks.0.venue: the CV does not read this key"
            " (did you mean 'event'?)",
        ], proc.stderr


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_a_resume_url_that_is_not_http_is_warned_of_at_its_line(tmp_path: Path) -> None:
    """A hostile-text hunter's: `www.ada.example` as the resume's website left the CV (and its
    PDF) without a word, where profile.yaml names such a link's line. Any `url` is checked."""
    site = copy_fixture(tmp_path / "site")
    (site / "sitegen.yaml").write_text("title: Ada\ncv_pdf: false\n")
    (site / "content" / "resume.yaml").write_text(
        "basics:\n  url: www.ada.example\n"
        "  profiles:\n    - {network: GitHub, url: github.com/ada}\n"
        "talks:\n  - title: A talk\n    url: javascript:alert(1)\n"
        "  - title: B talk\n    url: https://ok.example/b\n"
    )
    for proc in (build(site), run_cli("check", "--site", site)):
        assert proc.returncode == 0, proc.stderr
        said = [line for line in proc.stderr.splitlines() if "not an http(s) URL" in line]
        assert [line.split(": ")[0] + ": " + line.split(": ")[2] for line in said] == [
            "content/resume.yaml:2: basics.url",
            "content/resume.yaml:4: basics.profiles.0.url",
            "content/resume.yaml:7: talks.0.url",
        ], proc.stderr
    html = (site / "output" / "cv" / "index.html").read_text()
    assert parse(html).find("a", href="https://ok.example/b")  # a good one is a link
    assert 'href="javascript' not in html


def test_cv_shows_entries_without_their_optional_title(tmp_path: Path) -> None:
    """JSON Resume requires neither a degree, a position nor an award's title: such an
    entry shows under its school, employer or awarder instead of vanishing."""
    site = copy_fixture(tmp_path / "site")
    (site / "content" / "resume.yaml").write_text(
        "education:\n  - {institution: Queen's College, startDate: '1830', endDate: '1832'}\n"
        "work:\n  - {name: Analytical Society, startDate: 1833-09}\n"
        "awards:\n  - {awarder: Royal Society, date: '1843'}\n"
    )
    assert build(site).returncode == 0
    html = (site / "output" / "cv" / "index.html").read_text()
    for shown in ("Queen&#39;s College", "Analytical Society", "Royal Society", "1830 – 1832"):
        assert shown in html
    said = parse(html).find("meta", name="description")[0]["content"]
    assert said.endswith(": education, positions and 3 publications."), said
    # a CV of publications alone says so in its description, which search results show
    (site / "content" / "resume.yaml").write_text("awards:\n  - {awarder: Royal Society}\n")
    assert build(site).returncode == 0
    said = parse(site / "output" / "cv" / "index.html").find("meta", name="description")
    assert (
        said[0]["content"] == "Curriculum vitae of Ada Lovelace, Research Fellow: 3 publications."
    )


def test_cv_publications_merge_the_resume_with_the_site(out: Path) -> None:
    html = (out / "cv" / "index.html").read_text()
    pubs = html[html.index('id="cv-publications"') :]
    assert re.findall(r'class="cv-year">([^<]+)<', pubs) == ["2024", "2023", "2021", "1842"]
    assert pubs.lower().count("notes on the analytical engine") == 1  # the resume's copy merged
    assert 'href="https://example.org/sketch"' in pubs  # only in the resume: listed with its URL
    assert pubs.count('<strong class="owner">Ada Lovelace</strong>') == 3
    assert 'href="../papers/2024-notes-on-the-engine/"' in pubs
    assert "cv-kind" not in pubs  # no paper gives its `type`: by year alone, as before


def test_one_days_papers_are_in_the_same_order_on_the_cv_as_on_every_list(
    tmp_path: Path,
) -> None:
    """A scale hunter's: the CV put one day's papers in reverse title order, every other list
    by arrival (the last added first), never by title: 211 of 1,000 places differed."""
    site = copy_fixture(tmp_path / "site")
    (site / "sitegen.yaml").write_text("title: Ada\ncv_pdf: false\n")
    for title, added in (("Alpha paper", "2024-06-01"), ("Beta paper", "2024-05-02")):
        (site / "content" / "papers" / f"{title.split()[0].lower()}.md").write_text(
            f"---\ntitle: {title}\ndate: 2024-05-01\nadded: {added}\nauthors: [Ada Lovelace]\n"
            "---\nx\n"
        )
    assert build(site).returncode == 0
    for page in ("timeline", "cv"):
        html = (site / "output" / page / "index.html").read_text()
        assert html.index("Alpha paper") < html.index("Beta paper"), page


KINDS_EN = ["Journal articles", "Conference papers", "Book chapters", "Books", "Theses",
            "Reports", "Preprints", "Other"]  # fmt: skip
KINDS_DE = ["Zeitschriftenartikel", "Konferenzbeiträge", "Buchkapitel", "Bücher",
            "Abschlussarbeiten", "Berichte", "Preprints", "Sonstiges"]  # fmt: skip


@pytest.mark.slow  # about a second in the quick loop
@pytest.mark.parametrize(("language", "headings"), [("en", KINDS_EN), ("de", KINDS_DE)])
def test_cv_lists_publications_by_type_then_year_once_a_paper_gives_its_type(
    tmp_path: Path, language: str, headings: list[str]
) -> None:
    """As academic CVs do. A paper without `type` goes where its citations put it (with a
    venue, a journal article); the resume's own entry, which says not what it is, under
    Other."""
    site = copy_fixture(tmp_path / "site")
    config = site / "sitegen.yaml"
    config.write_text(config.read_text() + f"language: {language}\n")
    for i, kind in enumerate(reversed(PAPER_TYPES)):  # not in the CV's order
        (site / "content" / "papers" / f"2020-{kind}.md").write_text(
            f"---\ntitle: A {kind}\ndate: 2020-01-{i + 1:02}\nauthors: [Ada Lovelace]\n"
            f"type: {kind}\n---\n"
        )
    assert build(site).returncode == 0
    html = (site / "output" / "cv" / "index.html").read_text()
    start = html.index('id="cv-publications"')
    pubs = html[start : html.index("</section>", start)]
    parts = re.split(r'<h3 class="cv-kind">([^<]+)</h3>', pubs)[1:]
    assert parts[::2] == headings
    groups = dict(zip(headings, parts[1::2], strict=True))
    years = {h: re.findall(r'<h4 class="cv-year">(\d+)</h4>', g) for h, g in groups.items()}
    assert years[headings[0]] == ["2024", "2020"]  # the untyped paper with a venue
    assert years[headings[-1]] == ["2023", "2021", "2020", "1842"]  # no venue; the resume's
    assert "Notes on the Analytical Engine" in groups[headings[0]]
    assert "A Sketch of the Analytical Engine" in groups[headings[-1]]
    # a doctoral and a master's thesis, under one heading
    assert [groups[h].count("<li>") for h in headings[1:-1]] == [1, 1, 1, 2, 1, 1]


def test_cv_hostile_text_is_inert(out: Path) -> None:
    html = (out / "cv" / "index.html").read_text()
    assert "&lt;script&gt;alert('award')&lt;/script&gt;" in html
    assert "javascript:" not in html  # the talk's javascript: URL is not a link
    assert not any("alert" in s for s in parse(out / "cv" / "index.html").script_texts)


def test_cv_has_a_print_stylesheet(out: Path) -> None:
    css = next((out / "assets").glob("style.*.css")).read_text()
    printed = css[css.index("@media print") :]
    assert ".site-footer" in printed and "display: none" in printed
    assert "attr(href)" in printed and "break-inside: avoid" in printed


@pytest.mark.browser
def test_a_printed_cv_adds_a_link_s_address_only_where_its_text_is_not_that(
    out: Path, chromium
) -> None:
    """The website's link, whose text is its address, printed it twice:
    "https://ada.example.org/ <https://ada.example.org/>"."""
    page = chromium.new_page()
    page.emulate_media(media="print")
    page.goto((out / "cv" / "index.html").as_uri())
    shown = page.locator(".cv a").evaluate_all(
        """as => as.map(a => [a.textContent.trim(), a.getAttribute('href'),
                              getComputedStyle(a, '::after').content])"""
    )
    page.close()
    assert ["https://ada.example.org/", "https://ada.example.org/", "none"] in shown
    assert any(after.startswith('" <http') for *_, after in shown)  # the others are printed
    assert not [s for s in shown if s[0] == s[1] and s[2] != "none"], shown


def _pdf_bytes_text(data: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated, to search what it says."""
    parts = [data]
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            parts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            pass
    return b"\n".join(parts)


@pytest.mark.slow
def test_the_cv_pdf_is_on_the_paper_asked_for(tmp_path: Path) -> None:
    """A print hunter's: the CV's PDF was A4 whatever one did, and US grant agencies want
    letter-sized pages; a browser printing any page now takes the printer's paper."""
    from pypdf import PdfReader

    site = copy_fixture(tmp_path / "site")

    def size() -> tuple[int, int]:
        box = PdfReader(site / "output" / "cv" / "cv.pdf").pages[0].mediabox
        return round(box.width), round(box.height)

    run_cli("build", "--site", site, check=True)
    assert size() == (595, 842)  # A4, the default
    with open(site / "sitegen.yaml", "a", encoding="utf-8") as f:
        f.write("cv_pdf_paper: Letter\n")
    run_cli("build", "--site", site, check=True)  # incremental: the setting reaches the PDF
    assert size() == (612, 792)
    config = site / "sitegen.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("Letter", "legal"))
    proc = run_cli("build", "--site", site)
    assert proc.returncode == 1 and "cv_pdf_paper: must be A4 or letter" in proc.stderr
    css = next((site / "output" / "assets").glob("style*.css")).read_text(encoding="utf-8")
    assert "size:" not in css.partition("@page")[2].partition("}")[0]


def test_cv_pdf_is_written_linked_and_inert(out: Path) -> None:
    data = (out / "cv" / "cv.pdf").read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 5000
    everything = _pdf_bytes_text(data)
    assert b"/JavaScript" not in everything and b"/Launch" not in everything
    assert b"javascript:" not in everything.lower()
    assert (
        b"https://ada.example.org/papers/2024-notes-on-the-engine/" in everything
    )  # links resolve
    for page, href in (("cv/index.html", "../cv/cv.pdf"), ("index.html", "cv/cv.pdf")):
        assert parse(out / page).find("a", href=href), page
    # WeasyPrint reads no MathML: a title's $B_n$ read "Bn"; it is the source, as in a feed
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(out / "cv" / "cv.pdf").pages)
    assert "Computing Bernoulli Numbers, $B_n$, by Machine" in " ".join(text.split())
    # a visual hunter's: the PDF runs no email.js, and showed "ada.lovelace [at] example
    # [dot] org", which no one could click or copy
    assert "ada.lovelace@example.org" in text and "[at]" not in text
    assert b"mailto:ada.lovelace@example.org" in everything


@pytest.mark.slow
def test_cv_pdf_is_made_again_only_when_the_cv_changes(tmp_path: Path) -> None:
    """...and by every build that ignores the cache: a font or WeasyPrint may have changed."""
    site = copy_fixture(tmp_path / "site")
    assert build(site).returncode == 0
    cache = site / ".sitegen-cache" / "cv-pdf"
    (first,) = cache.glob("*.pdf")
    stamp = first.stat().st_mtime_ns
    (site / "content" / "news" / "2024-01-talk.md").write_text(
        "---\ndate: 2024-01-21\n---\nMoved.\n"
    )
    incremental = ("build", "--site", site)
    assert run_cli(*incremental).returncode == 0  # the news changed, the CV did not
    assert [p.name for p in cache.glob("*.pdf")] == [first.name]
    assert first.stat().st_mtime_ns == stamp
    resume = site / "content" / "resume.yaml"
    resume.write_text(resume.read_text().replace("Native", "Mother tongue"))
    assert run_cli(*incremental).returncode == 0
    (second,) = cache.glob("*.pdf")
    assert second.name != first.name
    pdf = site / "output" / "cv" / "cv.pdf"
    assert pdf.read_bytes() == second.read_bytes()
    second.write_bytes(b"%PDF-1.7 made by another WeasyPrint\n")
    assert build(site).returncode == 0
    assert pdf.read_bytes() != b"%PDF-1.7 made by another WeasyPrint\n"
    assert pdf.read_bytes().startswith(b"%PDF-")
    # a PDF under another user's key (a committed cache) is never found
    (cached,) = cache.glob("*.pdf")
    cached.write_bytes(b"%PDF-1.7 planted in the repository\n")
    env = {"XDG_CACHE_HOME": str(tmp_path / "another-user")}
    assert run_cli(*incremental, env=env).returncode == 0
    assert b"planted" not in pdf.read_bytes() and pdf.read_bytes().startswith(b"%PDF-")


def test_a_cached_cv_pdf_that_is_a_pipe_is_a_miss_not_a_hang(tmp_path: Path, monkeypatch) -> None:
    """The cached PDF was read with read_bytes: a named pipe under its name in
    `.sitegen-cache/cv-pdf/` was a read that never ended, and every build hung."""
    import threading

    from sitegen.cvpdf import cv_pdf
    from sitegen.errors import SitegenError
    from sitegen.state import cache_name

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # a miss says it cannot make one
    html, url = "<p>Ada</p>", "https://ada.example.org/cv/"
    cached = tmp_path / f"{cache_name(html, url, 'A4')}.pdf"
    cached.write_bytes(b"%PDF-1.7 cached\n")
    assert cv_pdf(html, url, {}, "A4", tmp_path) == b"%PDF-1.7 cached\n"  # the name it looks up
    cached.unlink()
    os.mkfifo(cached)
    made: list[bytes | str] = []

    def make() -> None:
        try:
            made.append(cv_pdf(html, url, {}, "A4", tmp_path))
        except SitegenError as e:
            made.append(str(e))

    thread = threading.Thread(target=make, daemon=True)
    thread.start()
    thread.join(60)
    hung = thread.is_alive()
    if hung:  # a writer that closes ends the read it waits in
        os.close(os.open(cached, os.O_WRONLY | os.O_NONBLOCK))
        thread.join()
    assert not hung, "reading the cached PDF never ended"
    assert len(made) == 1 and "WeasyPrint cannot start" in str(made[0])


def test_without_weasyprint_one_warning_and_no_link(tmp_path: Path) -> None:
    site = copy_fixture(tmp_path / "site")
    stub = tmp_path / "stub"
    stub.mkdir()
    (stub / "sitecustomize.py").write_text("import sys\nsys.modules['weasyprint'] = None\n")

    path = os.pathsep.join([str(tmp_path / "stub"), str(REPO), os.environ.get("PYTHONPATH", "")])
    proc = run_cli("build", "--site", site, "--no-cache", env={"PYTHONPATH": path}, fresh=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("WeasyPrint is not installed") == 1
    assert "`pip install '.[pdf]'` in its checkout" in proc.stderr
    # a deploy hunter's: on Netlify there is no checkout; the site's requirements.txt names it
    assert "`[search,pdf]` after sitegen in the site's requirements.txt" in proc.stderr
    assert not (site / "output" / "cv" / "cv.pdf").exists()
    assert "cv.pdf" not in (site / "output" / "cv" / "index.html").read_text()
    assert "cv.pdf" not in (site / "output" / "index.html").read_text()


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_check_says_weasyprint_cannot_start_where_the_build_would_stop(tmp_path: Path) -> None:
    """WeasyPrint installed without Pango raises OSError on import: the build stopped at it,
    while `sitegen check` said "no problems" (it only looked the package up)."""
    site = copy_fixture(tmp_path / "site")
    stub = tmp_path / "stub" / "weasyprint"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise OSError(\"cannot load library 'libgobject-2.0-0'\")\n")
    path = os.pathsep.join([str(stub.parent), str(REPO), os.environ.get("PYTHONPATH", "")])
    for command in ("check", "build"):
        proc = run_cli(command, "--site", site, env={"PYTHONPATH": path}, fresh=True)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, (command, proc.stderr)
        assert "cv/cv.pdf: WeasyPrint cannot start (cannot load library" in proc.stderr, command


@pytest.mark.slow
def test_without_a_base_url_the_warning_names_the_cv_pdf(tmp_path: Path) -> None:
    """The PDF goes out by mail with its papers linked to the placeholder host, and the
    warning named only the feeds, the sitemap and canonical links."""
    site = copy_fixture(tmp_path / "site")
    config = site / "sitegen.yaml"
    config.write_text(config.read_text().replace("base_url: https://ada.example.org/\n", ""))
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    assert (
        "no base URL: feeds, sitemap, the CV's PDF (links to the papers), canonical links, link"
        " previews (og:url) and the papers' citations" in proc.stderr
    )


BAD_RESUME = {
    # the schema says `format: email`, which its validator leaves unchecked: the CV showed
    # profile.yaml's address instead, in silence
    "bad email": ("  label: Research Fellow in Computing", "  email: ada at example dot org",
                  "content/resume.yaml:2: basics.email: 'ada at example dot org' is not an email"),
    "bad date": ("startDate: 1832-01", "startDate: March 1832",
                 "content/resume.yaml:11: education.0.startDate: 'March 1832' is not a date"),
    "present": ("endDate: 1840", "endDate: present",
                "content/resume.yaml:12: education.0.endDate: 'present' is not a date: use YYYY, "
                "YYYY-MM or YYYY-MM-DD (leave endDate out while it goes on)"),
    "month 13": ("startDate: 1832-01", "startDate: 1832-13",
                 "content/resume.yaml:11: education.0.startDate: '1832-13' is not a date"),
    "text in a custom date": ("endDate: 1840", "endDate: 1840\n    customDate: soon",
                              "content/resume.yaml:13: education.0.customDate: 'soon' is not a "
                              "date"),
    "end before start": ("endDate: 1840", "endDate: 1831-12",
                         "content/resume.yaml:12: education.0.endDate: '1831-12' is before "
                         "startDate '1832-01'"),
    "unknown section": ("skills:", "hobbies:\n  - x\nskills:",
                        "content/resume.yaml:36: resume: Additional properties are not allowed"),
    "talk without title": ("  - title: On the Engine", "  - name: On the Engine",
                           "content/resume.yaml:44: talks.0: 'title' is a required property"),
    # jsonschema said "None is not of type 'array'"
    "an empty section": ("skills:", "volunteer: null\nskills:",
                         "content/resume.yaml:36: volunteer: empty"),
}  # fmt: skip


def test_the_resumes_profiles_replace_the_profiles_links_where_given(tmp_path: Path) -> None:
    """JSON Resume allows a profile with only a username: it links nowhere, but it made
    the CV drop every profile the resume gave and show profile.yaml's links instead."""
    site = copy_fixture(tmp_path / "site")
    resume = site / "content" / "resume.yaml"
    resume.write_text(
        resume.read_text().replace(
            "basics:\n",
            "basics:\n  profiles:\n    - {network: GitHub, url: 'https://github.com/resume-user'}\n"
            "    - {network: Twitter, username: ada}\n",
            1,
        )
    )
    assert build(site).returncode == 0
    contact = parse(site / "output" / "cv" / "index.html").find("a", **{"class": "show-url"})
    assert [a["href"] for a in contact if "github" in a["href"]] == [
        "https://github.com/resume-user"
    ]


@pytest.mark.parametrize("kind", BAD_RESUME)
@pytest.mark.slow
def test_bad_resume_is_a_file_line_error(tmp_path: Path, kind: str) -> None:
    old, new, message = BAD_RESUME[kind]
    site = copy_fixture(tmp_path / "site")
    resume = site / "content" / "resume.yaml"
    assert old in resume.read_text()
    resume.write_text(resume.read_text().replace(old, new, 1))
    for proc in (build(site), run_cli("check", "--site", site)):
        assert proc.returncode == 1 and "Traceback" not in proc.stderr + proc.stdout
        assert message in proc.stderr + proc.stdout, proc.stderr + proc.stdout


def test_resume_json_errors_point_at_the_json_line(tmp_path: Path) -> None:
    site = copy_fixture(tmp_path / "site")
    (site / "content" / "resume.yaml").unlink()
    data = {"basics": {"name": "Ada"}, "awards": [{"title": "Prize", "date": "last year"}]}
    (site / "content" / "resume.json").write_text(json.dumps(data, indent=2))
    proc = build(site)
    assert proc.returncode == 1
    assert "content/resume.json:8: awards.0.date: 'last year' is not a date" in proc.stderr
    # indented with tabs (JSON.stringify(x, null, "\t")): every error was at line 1
    (site / "content" / "resume.json").write_text(json.dumps(data, indent="\t"))
    proc = build(site)
    assert "content/resume.json:8: awards.0.date: 'last year' is not a date" in proc.stderr
    (site / "content" / "resume.json").write_text('{"basics": {"name": "Ada",}}')
    proc = build(site)
    assert "content/resume.json:1: invalid JSON" in proc.stderr and "Traceback" not in proc.stderr
    (site / "content" / "resume.json").write_text('{"meta": ' + "[" * 5000 + "]" * 5000 + "}")
    for command in ("build", "check"):
        proc = build(site) if command == "build" else run_cli("check", "--site", site)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert "content/resume.json: invalid JSON: nested too deeply" in proc.stderr


def test_resume_json_refuses_a_key_given_twice(tmp_path: Path) -> None:
    """json.loads kept the last `name` in silence: a hand edit lost the first, where
    resume.yaml (and every YAML file) refuses it at the second one."""
    site = copy_fixture(tmp_path / "site")
    (site / "content" / "resume.yaml").unlink()
    basics = (
        '  "basics": {\n    "name": "Ada",\n    "label": "Mathematician",\n    "name": "Ada L."'
    )
    (site / "content" / "resume.json").write_text("{\n" + basics + "\n  }\n}\n")
    proc = build(site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "content/resume.json:5: duplicate key 'name': remove one of the two" in proc.stderr


def test_a_photo_too_tall_to_encode_is_an_error(tmp_path: Path) -> None:
    """A photo 200 times taller than wide stays taller than WebP's 16,383-pixel limit
    however it is resized: a clear error, not Pillow's traceback."""
    from PIL import Image

    site = copy_fixture(tmp_path / "site")
    Image.new("RGB", (100, 20000), "gray").save(site / "content" / "photo.jpg")
    proc = build(site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "content/photo.jpg: cannot encode the photo at" in proc.stderr


def test_the_schema_is_json_resume_1_0_0_plus_the_academic_sections() -> None:
    from sitegen.portfolio import resume_schema

    schema = resume_schema()
    assert schema["additionalProperties"] is False
    for section in ("basics", "work", "volunteer", "education", "awards", "certificates",
                    "publications", "skills", "languages", "interests", "references",
                    "projects", "meta", "talks", "teaching", "service"):  # fmt: skip
        assert section in schema["properties"], section


# ---------------------------------------------------------------- units and scaffolding


def test_initials_and_title_matching() -> None:
    from sitegen.portfolio import initials
    from sitegen.slugs import title_words

    assert initials("Ada King Lovelace") == "AL" and initials("Plato") == "P"
    assert initials("Jean-Luc Picard") == "JP" and initials("  ") == "?"
    assert title_words("Notes on the  Analytical-Engine!") == title_words(
        "notes on the analytical engine"
    )
    # `_Map_` is Markdown emphasis, as `*Map*` is: the CV listed such a paper twice
    assert title_words("Path-Invariant _Map_ Networks") == title_words(
        "Path-Invariant Map Networks"
    )


def test_sitegen_new_scaffolds_every_profile_key_commented() -> None:
    from sitegen.portfolio import PROFILE_KEYS
    from sitegen.scaffold import PROFILE_YAML, SITEGEN_YAML

    for key in PROFILE_KEYS:
        assert re.search(rf"^# {key}:", PROFILE_YAML, re.M), key
    for name in ("scholar", "orcid", "github", "linkedin", "x", "bluesky", "mastodon",
                 "semantic_scholar", "dblp", "website"):  # fmt: skip
        assert re.search(rf"^#   {name}: https://", PROFILE_YAML, re.M), name
    assert "# home_news: 5" in SITEGEN_YAML and "# cv_pdf: false" in SITEGEN_YAML


@pytest.mark.browser
def test_email_becomes_a_mailto_link_with_javascript(out: Path, chromium) -> None:
    from siteserver import serve

    with serve(out, REPO / "netlify.toml") as base:
        page = chromium.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        try:
            page.goto(base, wait_until="load")
            link = page.locator(".profile-email a")
            assert link.get_attribute("href") == "mailto:ada.lovelace@example.org"
            assert link.inner_text() == "ada.lovelace@example.org"
        finally:
            page.close()
    assert not errors, errors


@pytest.mark.browser
@pytest.mark.parametrize("script", [True, False])
def test_an_icon_keeps_its_shape_beside_a_line_that_wraps(out: Path, chromium, script) -> None:
    """A flex item shrinks by default: beside an email address that wrapped on a phone
    the mail icon was squeezed to 12 px by 15.5 px, the other icons square."""
    from siteserver import serve

    with serve(out, REPO / "netlify.toml") as base:
        ctx = chromium.new_context(
            viewport={"width": 320, "height": 800}, java_script_enabled=script
        )
        page = ctx.new_page()
        page.goto(base, wait_until="load")
        address = page.locator(".profile-email .email-address")
        address.evaluate("e => { e.textContent = 'ada.augusta.king.lovelace@' + e.textContent }")
        assert address.bounding_box()["height"] > 30  # it wraps
        sizes = page.locator(".icon").evaluate_all(
            "es => es.map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height] })"
        )
        ctx.close()
    assert len(sizes) > 2 and all(abs(w - h) < 0.5 for w, h in sizes), sizes


@pytest.mark.slow
@pytest.mark.browser
def test_a_percent_sign_in_an_email_address_reaches_the_mail_program(
    tmp_path: Path, chromium
) -> None:
    """`%` may be in an address, and starts an escape in a URL: the mailto link for
    ada%40home@example.org was read as ada@home@example.org."""
    from urllib.parse import unquote

    from siteserver import serve

    site = copy_fixture(tmp_path / "site")
    profile = site / "content" / "profile.yaml"
    address = "ada%40home@example.org"
    profile.write_text(profile.read_text().replace("ada.lovelace@example.org", address))
    assert build(site).returncode == 0
    with serve(site / "output", REPO / "netlify.toml") as base:
        page = chromium.new_page()
        page.goto(base, wait_until="load")
        href = page.locator(".profile-email a").get_attribute("href")
        page.close()
    assert unquote(href.removeprefix("mailto:")) == address, href


def test_a_static_file_named_like_the_photo_is_an_error(tmp_path: Path) -> None:
    """Two outputs for one path: which one a build wrote would depend on its order."""
    site = copy_fixture(tmp_path / "site")
    assert build(site).returncode == 0
    photo = sorted((site / "output" / "assets").glob("photo-*.jpg"))[0]
    (site / "static").mkdir(exist_ok=True)
    (site / "static" / photo.name).write_bytes(b"not the photo")
    proc = build(site)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert f"two files would be written to assets/{photo.name}" in proc.stderr


def test_a_news_item_s_markdown_warnings_are_shown_with_its_file(tmp_path: Path) -> None:
    """A relative link or math that does not convert, in a news item, is a warning naming
    the news file, as in an abstract (they were dropped)."""
    site = copy_fixture(tmp_path / "site")
    news = site / "content" / "news" / "2024-01-talk.md"
    news.write_text("---\ndate: 2024-01-21\n---\nSlides [here](talk.pdf), $\\nosuchcommand$.\n")
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    warned = [line for line in proc.stderr.splitlines() if "content/news/2024-01-talk.md" in line]
    assert any("relative link 'talk.pdf'" in line for line in warned), proc.stderr
    assert len(warned) == 2, warned


@pytest.mark.slow  # about a second in the quick loop
def test_check_shows_the_portfolio_warnings_the_build_shows(tmp_path: Path) -> None:
    """`sitegen check` is the build without writing: a relative link in the bio or in a
    news item is a warning there too (check dropped both)."""
    site = copy_fixture(tmp_path / "site")
    (site / "content" / "news" / "2024-01-talk.md").write_text(
        "---\ndate: 2024-01-21\n---\nSlides [here](talk.pdf).\n"
    )
    profile = site / "content" / "profile.yaml"
    profile.write_text(
        profile.read_text().replace("bio: |\n", "bio: |\n  See [my notes](notes.html).\n")
    )
    resume = site / "content" / "resume.yaml"  # the CV's summaries: only the whole site shows
    engine = "the **Analytical Engine**."
    resume.write_text(resume.read_text().replace(engine, engine + r" Bound $\nosuchmacro$.", 1))
    built, checked = build(site), run_cli("check", "--site", site)
    assert built.returncode == checked.returncode == 0, checked.stderr

    def warned(proc: subprocess.CompletedProcess) -> list[str]:
        return sorted(line for line in proc.stderr.splitlines() if ": warning: " in line)

    assert warned(checked) == warned(built)
    assert any(w.startswith("content/profile.yaml") and "notes.html" in w for w in warned(built))
    assert any(w.startswith("content/news/2024-01-talk.md") for w in warned(built))
    assert any(w.startswith("content/resume.yaml") for w in warned(built))


def test_equal_texts_with_footnotes_keep_their_own_notes(tmp_path: Path) -> None:
    """Footnote ids came from a digest of the text alone: two news items (or CV entries)
    with one text shared ids on /, /news/ and /cv/, and the second's marks jumped to the
    first's notes."""
    site = copy_fixture(tmp_path / "site")
    body = "Gave a talk[^1].\n\n[^1]: Slides on request.\n"
    for month in ("01", "02"):
        news = site / "content" / "news" / f"2025-{month}-talk.md"
        news.write_text(f"---\ndate: 2025-{month}-01\n---\n{body}")
    entry = f"{{position: Fellow, name: Analytical Society, summary: {json.dumps(body)}}}"
    talk = f"{{title: On engines, date: '1843', summary: {json.dumps(body)}}}"
    (site / "content" / "resume.yaml").write_text(
        f"work:\n  - {entry}\n  - {entry}\ntalks:\n  - {talk}\n"
    )
    assert build(site).returncode == 0
    for page, notes in (("index.html", 2), ("news/index.html", 2), ("cv/index.html", 3)):
        doc = parse(site / "output" / page)
        ids = [a["id"] for _, a in doc.elements if "id" in a]
        assert len(ids) == len(set(ids)), page
        marks = [a["href"] for a in doc.find("a") if (a.get("href") or "").startswith("#fn")]
        assert len(marks) == 2 * notes and all(m[1:] in ids for m in marks), page
        assert len({m for m in marks if m.startswith("#fn-")}) == notes, page


def test_portfolio_text_is_composed_as_front_matter_is() -> None:
    """A news title typed with a decomposed accent is stored composed, as a paper's is."""
    import unicodedata

    from sitegen.portfolio import parse_news

    title = unicodedata.normalize("NFD", "Café talk")
    item = parse_news(
        f"---\ndate: 2024-05-01\ntitle: {title}\n---\nText.\n", "content/news/a.md", []
    )
    assert item.title == unicodedata.normalize("NFC", "Café talk") != title


def test_a_news_date_takes_what_a_papers_date_takes() -> None:
    """A quoted date was refused as "missing or not a date", though a paper takes it."""
    from sitegen.portfolio import parse_news

    for date in ('"2024-01-20"', "2024-01-20", "2024-01-20 10:00:00"):
        item = parse_news(f"---\ndate: {date}\n---\nText.\n", "content/news/a.md", [])
        assert item.date.isoformat() == "2024-01-20", date


@pytest.mark.slow  # a second or more: CI runs it, the quick loop not
def test_headings_in_portfolio_text_skip_no_level(tmp_path: Path) -> None:
    """A bio's `#` sits under the home page's h1 (and the CV's, where the bio or the
    resume's summary is its introduction): an h2, not an h3 with no h2 before it. A news
    item's headings sit under its title, the news page's h2."""
    from itertools import pairwise

    site = copy_fixture(tmp_path / "site")
    profile = site / "content" / "profile.yaml"
    profile.write_text(profile.read_text().replace("bio: |\n", "bio: |\n  # Work\n\n  ## Now\n\n"))
    news = "---\ndate: 2025-03-01\ntitle: A talk\n---\n# Where\n\nLondon.\n\n## When\n\nMay.\n"
    (site / "content" / "news" / "2025-03-talk.md").write_text(news)
    resume = site / "content" / "resume.yaml"
    for summary in ("  summary: Math", "  summary: |\n    # Me\n\n    Math"):  # then the CV's own
        resume.write_text(resume.read_text().replace("  summary: Math", summary))
        assert build(site).returncode == 0
        for page in ("index.html", "news/index.html", "cv/index.html"):
            doc = parse(site / "output" / page)
            levels = [int(t[1]) for t, _ in doc.elements if re.fullmatch(r"h[1-6]", t)]
            assert all(b <= a + 1 for a, b in pairwise([1, *levels])), (page, levels)


def test_cv_summaries_link_only_web_urls_and_their_warnings_name_the_resume(
    tmp_path: Path,
) -> None:
    """Only http(s) URLs become links in a resume's summaries, as the README says (a
    relative or mailto: one is its text), and math that does not convert is a warning
    naming the resume, as in a news item (it was dropped)."""
    site = copy_fixture(tmp_path / "site")
    resume = site / "content" / "resume.yaml"
    summary = "[Notes](notes.html), [mail](mailto:a@b.org), [web](https://x.org/) $\\\\nosuch$"
    text = resume.read_text().replace("summary: Programs for the engine.", f'summary: "{summary}"')
    basics = "summary: Mathematician working on the **Analytical Engine**."
    resume.write_text(text.replace(basics, f'summary: "Intro {summary}"'))
    proc = build(site)
    assert proc.returncode == 0, proc.stderr
    doc = parse(site / "output" / "cv" / "index.html")
    hrefs = [a["href"] for a in doc.find("a")]
    assert "notes.html" not in hrefs and "mailto:a@b.org" not in hrefs
    assert hrefs.count("https://x.org/") == 2 and "Notes, mail, web" in doc.text
    warned = [line for line in proc.stderr.splitlines() if "nosuch" in line]
    assert len(warned) == 2 and all(w.startswith("content/resume.yaml") for w in warned), warned
