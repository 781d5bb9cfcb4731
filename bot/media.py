"""Photos received: stored under MEDIA_PATH, upright, downscaled, without EXIF.

Phones put the GPS position and the camera in EXIF; we keep the picture only. The file name
is the content hash, so receiving the same photo twice (a redelivery) stores it once. A
photo no case or draft shows is removed again (handlers/photo_files.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
from pathlib import Path

from PIL import Image, ImageOps, JpegImagePlugin, UnidentifiedImageError

from handlers.photo_files import PHOTO_FILES_LOCK
from storage.photos import PHOTOS_FOLDER

MAX_SIDE = 1600
JPEG_QUALITY = 80
MAX_BYTES = 20 * 1024 * 1024  # Telegram's download limit for bots
# The most pixels a picture may have. A picture sent as a file comes at full size (the
# channels' photos are shrunk to ~2560 px), and a small file may hold a huge picture (a
# decompression bomb). A baseline JPEG is decoded at 1/2 to 1/8 of its size (`draft`): a
# 108 MP one (a phone camera's largest mode) is then ~6 MB in memory; Pillow refuses
# anything over ~179 MP itself. A progressive JPEG (its coefficients are held whole) or
# another format is decoded whole first, 3-4 bytes a pixel: 25 MP is ~100 MB (review 11a).
JPEG_MAX_PIXELS = 120_000_000
WHOLE_MAX_PIXELS = 25_000_000


class PhotoRejected(ValueError):
    """The bytes are not a picture we can use."""


def normalise_photo(data: bytes) -> bytes:
    """Rotate by EXIF orientation, drop EXIF and other metadata, downscale, re-encode JPEG.
    Shrunk while decoded where the format allows, so a full-size camera file costs little
    memory; a picture of more pixels than we decode safely is refused (`PhotoRejected`)."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected("photo too large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            _refuse_too_many_pixels(image)
            if image.mode in ("1", "P"):
                image.load()
                shrunk = image.convert("RGB")  # resized in colour, not by nearest pixel
            else:
                shrunk = image
            # A JPEG is decoded at a fraction of its size (DCT scaling; `thumbnail`'s own
            # draft aims at twice the box, too large to shrink a camera's picture); others
            # are reduced by whole factors before resampling.
            shrunk.draft(None, _fitting(shrunk.size))
            shrunk.thumbnail((MAX_SIDE, MAX_SIDE))
            upright = ImageOps.exif_transpose(shrunk)  # (the EXIF is read from its info)
            picture = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PhotoRejected(str(exc)) from exc
    out = io.BytesIO()
    # A fresh image carries no EXIF, ICC or XMP unless passed explicitly.
    picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


def _fitting(size: tuple[int, int]) -> tuple[int, int]:
    """The size a picture of `size` is shrunk to (its longer side MAX_SIDE at most)."""
    ratio = min(1.0, MAX_SIDE / max(size))
    return max(1, int(size[0] * ratio)), max(1, int(size[1] * ratio))


def _refuse_too_many_pixels(image: Image.Image) -> None:
    """Refuse, before decoding, a picture larger than we decode safely (`*_MAX_PIXELS`)."""
    # An MPO (a camera's JPEG carrying a second picture: Android's Ultra HDR) is a JPEG too,
    # decoded shrunk alike (review 12: it was held to the whole-decode limit).
    jpeg = isinstance(image, JpegImagePlugin.JpegImageFile)
    baseline_jpeg = jpeg and not image.info.get("progressive")
    limit = JPEG_MAX_PIXELS if baseline_jpeg else WHOLE_MAX_PIXELS
    if image.width * image.height > limit:
        raise PhotoRejected(f"picture of {image.width}x{image.height} pixels: too large")


def _store(data: bytes, media_dir: Path) -> str:
    clean = normalise_photo(data)
    digest = hashlib.sha256(clean).hexdigest()
    relative = Path(PHOTOS_FOLDER) / digest[:2] / f"{digest}.jpg"
    target = media_dir / relative
    # With the sweep's last look (handlers/photo_files.py): a photo stored again is touched,
    # so the daily sweep of unused files never takes it before its turn names it.
    with PHOTO_FILES_LOCK:
        try:
            os.utime(target)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_suffix(".part")
            temporary.write_bytes(clean)
            temporary.replace(target)
    return relative.as_posix()


async def store_photo(data: bytes, media_dir: Path) -> str:
    """Clean and save a photo (in a thread); returns its path relative to MEDIA_PATH."""
    return await asyncio.to_thread(_store, data, media_dir)
