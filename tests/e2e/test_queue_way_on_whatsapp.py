"""QA walk 12 on WhatsApp: a coordinator validates a case opened from page 2 of /antrian;
the decision comes with "➡️ Berikutnya" (the next case waiting for her) and "📋 Ke antrian",
which shows page 2 again, not page 1. Signed webhooks in over real HTTP, the fake Graph API
out, a real SQLite file."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.admin_tools import add_user
from bot.clock import ManualClock
from bot.config import Settings
from storage.models import Role
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.storage.seed_cases import BABATAN, KADUGEDE, make_user, open_database, seed_case

# 06.00 WIB on a Wednesday: no digest or reminder reaches the chat during the test.
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
COORDINATOR_WA = "6281200000500"


async def _sari_and_eight_cases(settings: Settings) -> None:
    """Ibu Sari, coordinator, on WhatsApp; six cases verified (hers to validate), two
    submitted: two pages of the queue."""
    sari = await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    db = await open_database(settings.database_path)
    try:
        async with db.transaction() as repos:
            await repos.users.add_identity(
                user_id=sari,
                channel="whatsapp",
                external_id="ID.500",
                chat_id=COORDINATOR_WA,
                now=NOW,
            )
            ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
            await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
            for n in range(1, 9):
                await seed_case(
                    repos,
                    reporter=ani,
                    desa=BABATAN,
                    at=NOW - timedelta(days=30 - n),
                    number=f"KNG-2026-{n:06d}",
                    state="verified" if n <= 6 else "submitted",
                    head=f"Kepala {n}",
                )
    finally:
        await db.close()


async def test_a_decision_has_next_and_the_queue_page_it_came_from(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _sari_and_eight_cases(wa_settings)
    await start_wa_bot(ManualClock(NOW))
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    (first,) = await sari.say("antrian")
    assert "halaman 1/2" in body_of(first)
    (second,) = await sari.tap("Berikutnya")
    assert "halaman 2/2" in body_of(second)
    (page,) = await sari.tap("KNG-2026-000006")
    assert "KNG-2026-000006" in body_of(page)
    replies = await sari.tap("Validasi")
    done = next(m for m in replies if "sekarang: Disetujui" in body_of(m))
    titles = [b["reply"]["title"] for b in done["interactive"]["action"]["buttons"]]
    assert titles == ["➡️ Berikutnya", "📋 Ke antrian"]
    (back,) = await sari.tap("Ke antrian")
    assert "halaman 2/2" in body_of(back)
    (following,) = await sari.tap("➡️ Berikutnya")
    assert "KNG-2026-000001" in body_of(following)
    assert graph.rejections == []
