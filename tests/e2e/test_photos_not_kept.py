"""A photo is fetched before anyone knows who sent it; one its turn did not keep (a stranger's,
one sent outside a report) leaves the disk once the turn is committed (review 6, finding 1:
a stranger could fill the disk with pictures kept for ever). Both channels, end to end."""

from __future__ import annotations

from pathlib import Path

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.reports import photo_with_exif
from tests.e2e.whatsapp import WhatsAppPerson

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
