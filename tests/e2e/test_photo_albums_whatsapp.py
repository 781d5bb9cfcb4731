"""Photo albums on WhatsApp, end to end (QA walk 6): WhatsApp sends each photo picked at once
as a message of its own, with nothing tying them; the bot answers them as one album, once,
saying how many were not kept. A picture sent as a file and a location get the words that fit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PIL import Image

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.reports import photo_with_exif
from tests.e2e.whatsapp import WhatsAppPerson, body_of

COORDINATOR = 500


async def _active_psm(fake, graph, wa_settings, webhook_url) -> WhatsAppPerson:
    """A PSM registered over WhatsApp and approved by the coordinator on Telegram."""
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    coordinator = TelegramPerson(fake, COORDINATOR)
    await coordinator.say("/start")
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.3001", wa_id="6281234500301")
    await psm.say("halo")
    await psm.say("Siti Aminah")
    await psm.tap("+" + (psm.wa_id or ""))
    await psm.tap("PSM")
    await psm.say("kadugede")
    await psm.tap("Babatan")
    await psm.tap("Kirim")
    await fake.wait_for(
        lambda: any("Siti Aminah" in m["text"] for m in coordinator.messages()), what="request"
    )
    before = len(psm.messages())
    await coordinator.tap("Setujui", expect=0)
    await graph.wait_messages(psm.recipient, before + 1)
    return psm


async def _to_the_description(psm: WhatsAppPerson) -> None:
    await psm.say("lapor")
    await psm.say("Slamet Riyadi")
    await psm.say("3208011210190005")
    await psm.say("Ayu Lestari")
    await psm.say("3208014506230001")
    await psm.tap("05-06-2023")
    await psm.tap("Anak")
    await psm.tap("Tidak")
    await psm.say("Dusun Manis RT 02 RW 05")
    await psm.tap("Babatan")
    await psm.share_location(-6.97, 108.48)
    await psm.tap("Stunting")
    await psm.tap("Selesai memilih")
    await psm.tap("Dugaan")
    await psm.tap("Lewati")
    await psm.say("5")
    await psm.tap("PKH")
    await psm.tap("Selesai memilih")
    await psm.tap("Orang tua/wali")
    await psm.tap("Lisan")


async def test_an_album_on_whatsapp_is_answered_once(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    psm = await _active_psm(fake, graph, wa_settings, webhook_url)
    await _to_the_description(psm)
    photos = iter(graph.register_media(photo_with_exif(seed)) for seed in range(1, 20))

    # Before the photo question: one answer for the album, with how many were not kept.
    start = len(psm.messages())
    (early,) = await psm.send_album([next(photos), next(photos)])
    assert body_of(early).startswith("⚠️ 2 foto ini belum disimpan, karena foto diminta nanti")
    # A picture sent as a file is told the same as a photo, not "type text".
    (as_file,) = await psm.send_document(next(photos), "IMG_2026.jpg", "image/jpeg")
    assert body_of(as_file).startswith("⚠️ Foto ini belum disimpan, karena foto diminta nanti")
    asked = await psm.say("Anak kurus, perlu PMT dari puskesmas")
    assert "Kirim foto keadaan" in body_of(asked[-1])
    assert len(psm.messages()) == start + 3  # nothing more came for the album's photos

    (location,) = await psm.share_location(-6.97, 108.48)
    assert body_of(location).startswith("⚠️ Yang terkirim lokasi, bukan foto.")
    # Three files said to be pictures that are none at once: told once how to send them as
    # photos (review 9); a picture sent as a file is a photo (below).
    start = len(psm.messages())
    unreadable = [graph.register_media(b"not a picture") for _ in range(3)]
    (as_files,) = await psm.send_files(unreadable, "image/jpeg")
    assert body_of(as_files).startswith("⚠️ Itu terkirim sebagai berkas"), body_of(as_files)
    assert len(psm.messages()) == start + 1

    # An album of five at a question keeping three: one answer, the rest said not kept.
    start = len(psm.messages())
    (answer,) = await psm.send_album([next(photos) for _ in range(5)])
    text = body_of(answer)
    assert text.startswith("✓ Foto: 3 foto\n⚠️ Hanya 3 foto pertama yang disimpan; 2 foto lainnya")
    assert text.count("Seberapa mendesak?") == 1
    summary = await psm.tap("Biasa")
    assert "Periksa kembali" in body_of(summary[-1])
    assert len(psm.messages()) == start + 2  # no "Foto ini tidak disimpan" per photo

    # Four more at the summary: said once, with the summary once.
    start = len(psm.messages())
    (past,) = await psm.send_album([next(photos) for _ in range(4)])
    assert body_of(past).startswith("⚠️ 4 foto ini tidak disimpan: hanya 3 foto yang bisa")
    assert body_of(past).count("Periksa kembali") == 1
    done = await psm.tap("Kirim", expect=2)
    assert "Nomor kasus" in body_of(done[0])
    assert len(psm.messages()) == start + 3

    # The first three are the case's, on disk (one not kept may wait for the daily sweep
    # while a photo after it was still being fetched: bot/inbox_fetches.py).
    with sqlite3.connect(wa_settings.database_path) as db:
        kept = {row[0] for row in db.execute("SELECT path FROM case_photos")}
    assert len(kept) == 3
    assert all((Path(wa_settings.media_path) / path).is_file() for path in kept)
    assert graph.rejections == []


async def test_pictures_sent_as_files_on_whatsapp_are_the_photos(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """QA walk 8: a picture sent as a file (📎 → Dokumen) was refused, "kirim lagi sebagai
    foto": on patchy data, sending again costs the volunteer. Now it is the photo, cleaned
    and stored as a photo is; several at once are an album; one too large is still asked
    for as a photo."""
    await start_wa_bot()
    psm = await _active_psm(fake, graph, wa_settings, webhook_url)
    await _to_the_description(psm)
    await psm.say("Anak kurus, perlu PMT dari puskesmas")

    too_large = graph.register_media(b"\xff\xd8" + b"0" * (11 * 1024 * 1024))
    downloads = sum(1 for call in graph.calls if "media-download" in call.path)
    (refused,) = await psm.send_document(too_large, "IMG_big.jpg", "image/jpeg")
    assert body_of(refused).startswith("⚠️ Itu terkirim sebagai berkas"), body_of(refused)
    # Review 11a: Meta tells its size; past the 10 MB a picture file may weigh, never read.
    assert sum(1 for call in graph.calls if "media-download" in call.path) == downloads

    (one,) = await psm.send_document(
        graph.register_media(photo_with_exif(1)), "IMG_2026.jpg", "image/jpeg"
    )
    assert body_of(one).startswith("📷 Foto diterima (1)."), body_of(one)
    start = len(psm.messages())
    files = [graph.register_media(photo_with_exif(seed)) for seed in (2, 3, 4)]
    (answer,) = await psm.send_files(files, "image/jpeg")
    kept = "✓ Foto: 3 foto\n⚠️ Hanya 3 foto pertama yang disimpan; 1 foto lainnya tidak disimpan."
    assert body_of(answer).startswith(kept), body_of(answer)
    assert len(psm.messages()) == start + 1
    summary = await psm.tap("Biasa")
    assert "Periksa kembali" in body_of(summary[-1])
    done = await psm.tap("Kirim", expect=2)
    assert "Nomor kasus" in body_of(done[0])

    with sqlite3.connect(wa_settings.database_path) as db:
        kept = [row[0] for row in db.execute("SELECT path FROM case_photos")]
    assert len(kept) == 3
    for path in kept:
        with Image.open(Path(wa_settings.media_path) / path) as image:
            assert not image.getexif()  # no EXIF (nor GPS) left, as for a photo
            assert image.size == (600, 800)  # turned upright
    assert graph.rejections == []
