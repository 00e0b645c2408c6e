"""The owner's photo: one source file -> small, stripped, deterministic web images.

A phone photo carries its GPS position and camera serial in EXIF, is often stored sideways,
and weighs megabytes: published as is, it leaks where someone lives and slows the page. So it
is turned upright, converted to sRGB, resized to the theme's 1x and 2x and re-encoded with no
metadata. Encoding is slow, so results are kept in `.sitegen-cache/photo/` under a hash of the
source bytes, the sizes and the code stamp (Pillow's version can change the bytes too).
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import warnings
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from .errors import SitegenError, SitegenWarning
from .state import MAX_CACHE, cache_name, digest, open_cache_file, remove, save_bytes

WIDTH = 176  # CSS pixels the theme shows the photo at (style.css .about-photo)
LARGE_PIXELS = 30_000_000  # above this a warning suggests a smaller file
MAX_PIXELS = 100_000_000  # above this the file is refused (a decompression bomb)


@dataclass(frozen=True)
class Photo:
    """What a template needs for a <picture>: sources by type, the JPEG fallback, the size."""

    alt: str
    width: int  # CSS pixels
    height: int
    # (MIME type, ((site-relative URL, "1x"), (URL, "2x"))), best format first
    sources: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    src: str  # the 1x JPEG
    srcset: tuple[tuple[str, str], ...]  # the JPEG at 1x and 2x


def _formats() -> list[tuple[str, str, dict]]:
    from PIL import features

    out = []
    if features.check("avif"):
        out.append(("avif", "image/avif", {"quality": 60, "speed": 6, "max_threads": 1}))
    if features.check("webp"):
        out.append(("webp", "image/webp", {"quality": 80, "method": 6}))
    out.append(("jpg", "image/jpeg", {"quality": 85, "optimize": True, "progressive": True}))
    return out


def encode(data: bytes, display: str, widths: tuple[int, ...]) -> tuple[dict[str, bytes], int]:
    """Source bytes -> ({"176x220.webp": bytes, ...}, source pixels): upright, sRGB, no
    metadata. A file that is no image, is cut short or holds absurdly many pixels raises
    SitegenError, never a Pillow traceback."""
    from PIL import Image, ImageCms, ImageFile, ImageOps

    # WeasyPrint (the CV's PDF) sets this when imported, and `sitegen serve` builds
    # many times in one process: a cut-short photo must stay an error all the same
    # (Pillow documents the setting as one user code may change)
    truncated_ok, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89.5 megapixels; sitegen's own limit, checked next from
            # the header before anything is decoded, is MAX_PIXELS (README)
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w * h > MAX_PIXELS:
                raise SitegenError(
                    f"the photo is {w * h / 1e6:.0f} megapixels ({w}x{h}); sitegen refuses "
                    f"more than {MAX_PIXELS // 1_000_000} (a decompression bomb?): "
                    "save a smaller copy",
                    display,
                )
            target = min(max(widths), w)
            img.draft("RGB", (target, target))  # JPEG: decode at 1/2..1/8 when that is enough
            img.load()
            icc = img.info.get("icc_profile")
            with suppress(struct.error, ValueError, TypeError, KeyError):
                img = ImageOps.exif_transpose(img)  # a damaged EXIF block: shown as stored
            if img.mode.startswith("I;16") or img.mode == "I":  # 16 bits: scale, not clip
                img = img.convert("I").point(lambda v: v / 257).convert("L")
            alpha = None  # a cut-out's see-through background, kept where a format can
            if img.mode not in ("RGB", "L"):
                rgba = img.convert("RGBA")
                alpha = rgba.getchannel("A") if rgba.getchannel("A").getextrema()[0] < 255 else None
                img = rgba
            img = img.convert("RGB")
            img.info.pop("comment", None)  # the JPEG writer would copy it (an address, say)
            if icc:  # an unreadable profile is skipped: the pixels stay as they are
                with suppress(ImageCms.PyCMSError, OSError, ValueError):
                    src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                    img = ImageCms.profileToProfile(img, src, ImageCms.createProfile("sRGB"))
                    # the new sRGB profile carries the clock, and the AVIF writer embeds
                    # what img.info holds: untagged pixels are sRGB to every browser anyway
                    img.info.pop("icc_profile", None)
            if alpha is not None:  # after the colours: a profile converts RGB alone
                img.putalpha(alpha)
    except Image.DecompressionBombError as e:  # the warning is ignored above
        raise SitegenError(f"refused as a decompression bomb: {e}", display) from None
    except Image.UnidentifiedImageError:
        raise SitegenError(
            "not an image Pillow can read (use JPEG, PNG or WebP)", display
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as e:  # Pillow's ways of saying "broken"
        raise SitegenError(f"a damaged image ({e})", display) from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = truncated_ok
    out: dict[str, bytes] = {}
    for width in widths:
        width = min(width, img.width)
        height = max(1, round(img.height * width / img.width))
        small = img.resize((width, height), Image.Resampling.LANCZOS)
        for ext, _, options in _formats():
            buf = io.BytesIO()
            shown = small
            if ext == "jpg" and small.mode == "RGBA":  # JPEG has no alpha: on white
                white = Image.new("RGBA", small.size, "white")
                shown = Image.alpha_composite(white, small).convert("RGB")
            try:
                shown.save(buf, format={"jpg": "JPEG"}.get(ext, ext.upper()), **options)
            except (OSError, ValueError, RuntimeError) as e:  # WebP, AVIF: too long a side
                raise SitegenError(
                    f"cannot encode the photo at {width}x{height} px ({e}): crop it", display
                ) from None
            out[f"{width}x{height}.{ext}"] = buf.getvalue()
    return out, w * h


def process_photo(
    source: Path, display: str, alt: str, cache_dir: Path | None
) -> tuple[Photo, dict[str, bytes], list[SitegenWarning]]:
    """The photo for the page, the files to write (output path -> bytes), and warnings. With
    no cache_dir (`sitegen check`) it writes nothing; `encode` is pure."""
    try:
        data = source.read_bytes()
    except OSError as e:
        raise SitegenError(f"cannot read the photo: {e.strerror}", display) from None
    widths = (WIDTH, 2 * WIDTH)
    formats = _formats()
    # the code stamp, as every cache: a hand-bumped version was once left unbumped, and
    # upgraded sites kept publishing the old encoding (with a comment a fix now strips)
    key = cache_name(hashlib.sha256(data).hexdigest(), str(widths), *(f[0] for f in formats))
    folder = cache_dir / key[:20] if cache_dir and key else None  # no key: no cache trusted
    found = _cached(folder) if folder else None
    if found is None:
        found = encode(data, display, widths)
        if folder:
            _store(folder, *found)
    files, pixels = found
    large = (
        f"the photo is {pixels / 1e6:.0f} megapixels: it is resized at every cold "
        "cache, but a copy about 1,000 px wide would do as well"
    )
    warned = [SitegenWarning(large, display)] if pixels > LARGE_PIXELS else []
    # named by the bytes served, not by the cache key (which changes with every release):
    # the same photo keeps its URL, and a new encoding gets a new one past browsers' caches
    served = digest(*(f"{n}:{hashlib.sha256(b).hexdigest()}" for n, b in sorted(files.items())))
    prefix = f"assets/photo-{served[:10]}-"
    # every size in every format, named like "176x220.webp"
    sizes = sorted({tuple(int(x) for x in n.split(".")[0].split("x")) for n in files})
    w1, h1 = sizes[0]

    def srcset(ext: str) -> tuple[tuple[str, str], ...]:
        return tuple((f"{prefix}{w}x{h}.{ext}", f"{w / w1:g}x") for w, h in sizes)

    sources = tuple((mime, srcset(ext)) for ext, mime, _ in formats if ext != "jpg")
    photo = Photo(alt, w1, h1, sources, f"{prefix}{w1}x{h1}.jpg", srcset("jpg"))
    return photo, {prefix + n: b for n, b in sorted(files.items())}, warned


def _cached(folder: Path) -> tuple[dict[str, bytes], int] | None:
    def read(name: str) -> bytes:
        with open_cache_file(folder / name, MAX_CACHE) as f:
            return f.read()

    try:
        meta = json.loads(read("files.json"))
        return {n: read(n) for n in meta["files"]}, int(meta["pixels"])
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _store(folder: Path, files: dict[str, bytes], pixels: int) -> None:
    """Keep the encoded files; the list is written last, so a half-written entry is unused.
    A link there is none of sitegen's: it is neither written through nor deleted in."""
    if folder.is_symlink():
        return
    with suppress(OSError):  # a read-only cache only costs the next build the encoding
        folder.mkdir(parents=True, exist_ok=True)
        for n, b in files.items():
            save_bytes(folder / n, b)
        # renamed over, not opened: a named pipe there was a write that never ended
        meta = {"files": sorted(files), "pixels": pixels}
        save_bytes(folder / "files.json", json.dumps(meta).encode())
        for old in folder.parent.iterdir():  # a site has one photo: drop the previous ones
            if old.is_dir() and not old.is_symlink() and old != folder:
                remove(old)
