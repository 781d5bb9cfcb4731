"""Walking the case-report form as a PSM on Telegram (shared by the case-report tests)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from PIL import Image

from tests.e2e.chat import TelegramPerson

CHILD_NIK = "3208014506230001"  # a girl born 5 June 2023, registered in Kadugede
FAMILY_KK = "3208011210190005"  # issued 12 October 2019


def photo_with_exif(seed: int) -> bytes:
    """A JPEG carrying EXIF (orientation and a GPS-like tag), as phones send."""
    image = Image.new("RGB", (800, 600), (seed * 40 % 255, 90, 150))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees
    exif[0x010F] = "PhoneMaker"  # camera make
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


@dataclass
class Report:
    """Answers for one walk through the form; defaults are the common case."""

    head: str = "Slamet Riyadi"
    kk: str | None = "3208 0112 1019 0005"
    member: str = "Ayu Lestari"
    nik: str | None = CHILD_NIK
    age: str | None = None  # None: tap the NIK's birth date
    categories: list[str] = field(default_factory=lambda: ["Stunting"])
    urgency: str = "Biasa"
    consent: str = "Orang tua/wali"
    photos: int = 3
    photos_as_files: bool = False  # sent as files ("Kirim tanpa kompresi"), an album
    actions: int = 0
    kecamatan: str | None = None  # asked of reporters with no kecamatan (coordinators)
    address: str = "Dusun Manis RT 02 RW 05"
    located: bool = True  # False: the location is skipped, with a reason


async def walk_report(person: TelegramPerson, report: Report, *, fake) -> list[dict]:
    """Answer every question up to the summary; returns the summary message(s)."""

    async def act(coroutine):
        report.actions += 1
        return await coroutine

    first = await person.say("/lapor")
    assert "Laporan baru" in first[-1]["text"] or "belum selesai" in first[-1]["text"]
    if "belum selesai" in first[-1]["text"]:
        await person.tap("Buat laporan baru")
    await act(person.say(report.head))
    if report.kk:
        reply = await act(person.say(report.kk))
        assert "320801******0005" in reply[-1]["text"]
    else:
        await act(person.tap("Tidak punya"))
        await act(person.say("Belum pernah dibuat"))
    await act(person.say(report.member))
    if report.nik:
        await act(person.say(report.nik))
    else:
        await act(person.tap("Tidak tahu"))
        await act(person.say("Anak jalanan, dokumen hilang"))
        await act(person.tap("Perempuan"))
    if report.age is None:
        await act(person.tap("05-06-2023"))
    else:
        await act(person.say(report.age))
    await act(person.tap("Anak"))
    await act(person.tap("Tidak"))  # no other member
    await act(person.say(report.address))
    if report.kecamatan:
        await act(person.say(report.kecamatan))
    await act(person.tap("Babatan"))
    if report.located:
        before = len(person.messages())
        fake.user_location(person.user_id, -6.9712, 108.4821)
        report.actions += 1
        # Two messages: the acknowledgement closes the location keyboard, then the buttons.
        await fake.wait_sent(person.user_id, before + 2)
    else:
        await act(person.say("Lewati"))  # the location keyboard's skip key
        await act(person.say("Tidak di lokasi"))
    for label in report.categories:
        await act(toggle(person, label, fake))
    await act(person.tap("Selesai memilih"))
    if "Stunting" in report.categories:
        await act(person.tap("Dugaan"))
        await act(person.tap("Lewati"))
    await act(person.say("5"))
    await act(toggle(person, "PKH", fake))
    await act(person.tap("Selesai memilih"))
    await act(person.tap(report.consent))
    if report.consent not in ("Menolak", "Wali pelaku masalah"):
        await act(person.tap("Lisan"))
    await act(person.say("Balita kurus, jarang ke posyandu."))
    if report.photos:
        before = len(person.messages())
        for index in range(report.photos):
            if report.photos_as_files:  # "Kirim tanpa kompresi": documents
                fake.user_document(
                    person.user_id,
                    data=photo_with_exif(index),
                    file_name=f"IMG_{index}.jpg",
                    mime_type="image/jpeg",
                    media_group_id="album-1",
                )
                continue
            fake.user_photo(
                person.user_id,
                f"photo{index}",
                media_group_id="album-1",
                data=photo_with_exif(index),
            )
        report.actions += report.photos
        await fake.wait_sent(person.user_id, before + 1, timeout=20)
    else:
        await act(person.tap("Lewati"))
    return await act(person.tap(report.urgency))


def _edits(fake) -> int:
    return len([call for call in fake.calls_of("editMessageText") if not call.error])


async def toggle(person: TelegramPerson, label: str, fake) -> None:
    """Tap a multi-select option: the bot edits the message in place (no new message)."""
    before = _edits(fake)
    await person.tap(label, expect=0)
    await fake.wait_for(lambda: _edits(fake) > before, timeout=10, what=f"toggle {label}")
