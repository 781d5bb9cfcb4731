"""A photo is fetched before anyone knows who sent it; one its turn did not keep (a stranger's,
one sent outside a report) leaves the disk once the turn is committed (review 6, finding 1:
a stranger could fill the disk with pictures kept for ever). Both channels, end to end."""

from __future__ import annotations

from pathlib import Path

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.reports import photo_with_exif
from tests.e2e.whatsapp import WhatsAppPerson, body_of

STRANGER, PSM = 990, 700


def _stored_photos(media: Path) -> list[Path]:
    return sorted(path for path in (media / "photos").rglob("*") if path.is_file())


async def test_photos_telegram_turns_did_not_keep_leave_the_disk(fake, settings, start_bot):
    await add_user(
        settings,
        role="psm",
        telegram_id=PSM,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await start_bot()
    ani = TelegramPerson(fake, PSM)
    await ani.say("/start")
    media = Path(settings.media_path)

    fake.user_photo(STRANGER, "stranger-1", data=photo_with_exif(1))
    answered = await fake.wait_sent(STRANGER, 1)
    assert answered  # the stranger is answered (asked to register) ...
    assert _stored_photos(media) == []  # ... and the picture is not kept

    before = len(ani.messages())
    fake.user_photo(PSM, "outside-1", data=photo_with_exif(2))  # no report open
    await fake.wait_sent(PSM, before + 1)
    assert _stored_photos(media) == []


async def test_a_strangers_whatsapp_photo_leaves_the_disk(graph, wa_settings, start_wa_bot):
    await start_wa_bot()
    webhook_url = f"http://127.0.0.1:{wa_settings.webhook_port}"
    stranger = WhatsAppPerson(graph, webhook_url, user_id="ID.1990", wa_id="6281234509990")
    media_id = graph.register_media(photo_with_exif(3))
    answered = await stranger.send_photo(media_id)
    assert answered  # asked to register ...
    assert _stored_photos(Path(wa_settings.media_path)) == []  # ... the picture not kept


async def test_an_album_outside_a_report_is_answered_once(
    fake, graph, settings, wa_settings, start_wa_bot
):
    """Photos picked at once, where no report asks for them: one answer for the album, not
    one per photo (QA walk 6), on both channels."""
    await add_user(
        wa_settings,
        role="psm",
        telegram_id=PSM,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await start_wa_bot()
    ani = TelegramPerson(fake, PSM)
    await ani.say("/start")
    before = len(ani.messages())
    for index in range(3):
        fake.user_photo(PSM, f"album-{index}", media_group_id="A1", data=photo_with_exif(index))
    await fake.wait_sent(PSM, before + 1)
    await ani.say("/bantuan")
    assert len(ani.messages()) == before + 2, [m["text"][:40] for m in ani.messages()[before:]]

    webhook_url = f"http://127.0.0.1:{wa_settings.webhook_port}"
    stranger = WhatsAppPerson(graph, webhook_url, user_id="ID.1991", wa_id="6281234509991")
    media = [graph.register_media(photo_with_exif(10 + index)) for index in range(3)]
    (answer,) = await stranger.send_album(media)
    assert "Selamat datang" in body_of(answer)  # asked to register, once
    await stranger.say("halo")
    assert len(stranger.messages()) == 2, [body_of(m)[:40] for m in stranger.messages()]
