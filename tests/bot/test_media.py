"""Photos are cleaned without a full-size copy of the picture in memory (review 11a): a
picture sent as a file comes at full camera size, where the channels' photos were shrunk;
one of more pixels than we decode safely is refused before it is decoded."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageFile

from bot.media import MAX_SIDE, PhotoRejected, normalise_photo, store_photo


def _camera_jpeg(width: int, height: int) -> bytes:
    """A JPEG as a phone camera saves it: full size, EXIF saying "turn it 90 degrees"."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 90, 150)).save(
        out, format="JPEG", quality=90, exif=exif.tobytes()
    )
    return out.getvalue()


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded() -> None:
    """A decompression bomb: 29 KB of PNG that is 30 million pixels (decoded whole, and
    turned to colour, ~120 MB) is refused by its size as the file states it."""
    out = io.BytesIO()
    Image.new("L", (6000, 5000)).save(out, format="PNG")
    assert len(out.getvalue()) < 100_000
    with pytest.raises(PhotoRejected, match="6000x5000 pixels: too large"):
        normalise_photo(out.getvalue())


def test_a_progressive_jpeg_is_held_to_what_is_decoded_whole() -> None:
    """A progressive JPEG's decoder holds all of it at once, however small it is decoded:
    one of 30 MP (its header says) is refused as a whole-decoded picture is."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48)).save(out, format="JPEG", progressive=True)
    data = bytearray(out.getvalue())
    frame = data.index(b"\xff\xc2") + 5  # SOF2: length, precision, then height and width
    data[frame : frame + 4] = (5000).to_bytes(2, "big") + (6000).to_bytes(2, "big")
    with pytest.raises(PhotoRejected, match="6000x5000 pixels: too large"):
        normalise_photo(bytes(data))


async def test_a_large_camera_jpeg_is_decoded_shrunk_and_stored_at_max_side(
    tmp_path: Path, monkeypatch
) -> None:
    """A 12 MP camera JPEG is decoded at half its size (never whole) and stored upright with
    its longer side MAX_SIDE, without its EXIF."""
    decoded: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def noting(image: ImageFile.ImageFile):
        decoded.append(image.size)
        return load(image)

    monkeypatch.setattr(ImageFile.ImageFile, "load", noting)
    path = await store_photo(_camera_jpeg(4000, 3000), tmp_path)
    assert decoded and max(decoded) == (2000, 1500)  # not (4000, 3000)
    with Image.open(tmp_path / path) as stored:
        assert stored.size == (MAX_SIDE * 3 // 4, MAX_SIDE)  # turned upright
        assert not stored.getexif()


def test_a_palette_picture_is_shrunk_in_colour() -> None:
    """A palette picture (a GIF, some PNGs) is made colour before it is shrunk: resizing a
    palette picture takes the nearest pixel, leaving stripes."""
    picture = Image.new("P", (3200, 1600))
    picture.putpalette([0, 0, 0, 255, 255, 255] + [0] * 762)
    for x in range(0, 3200, 2):  # one-pixel black and white stripes
        picture.paste(1, (x, 0, x + 1, 1600))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    with Image.open(io.BytesIO(normalise_photo(out.getvalue()))) as clean:
        assert clean.size == (MAX_SIDE, MAX_SIDE // 2)
        red, _, _ = clean.getpixel((800, 400))
        assert 100 < red < 160  # the stripes averaged to grey, not all black or white


def test_a_camera_jpeg_carrying_a_second_picture_is_a_jpeg() -> None:
    """An MPO (Android's Ultra HDR: a JPEG with a second picture inside) of 30 MP is decoded
    shrunk as a JPEG is, not refused as a whole-decoded picture (review 12)."""
    out = io.BytesIO()
    Image.new("RGB", (6000, 5000), (120, 30, 200)).save(
        out, format="MPO", quality=70, save_all=True, append_images=[Image.new("RGB", (60, 50))]
    )
    with Image.open(io.BytesIO(out.getvalue())) as opened:
        assert opened.format == "MPO"
    with Image.open(io.BytesIO(normalise_photo(out.getvalue()))) as stored:
        assert max(stored.size) == MAX_SIDE
