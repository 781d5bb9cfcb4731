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

from PIL import Image, ImageOps, UnidentifiedImageError

from handlers.photo_files import PHOTO_FILES_LOCK, PHOTOS_FOLDER

MAX_SIDE = 1600
JPEG_QUALITY = 80
MAX_BYTES = 20 * 1024 * 1024  # Telegram's download limit for bots


class PhotoRejected(ValueError):
    """The bytes are not a picture we can use."""


def normalise_photo(data: bytes) -> bytes:
    """Rotate by EXIF orientation, drop EXIF and other metadata, downscale, re-encode JPEG."""
    if len(data) > MAX_BYTES:
        raise PhotoRejected("photo too large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            picture = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise PhotoRejected(str(exc)) from exc
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    # A fresh image carries no EXIF, ICC or XMP unless passed explicitly.
    picture.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


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
