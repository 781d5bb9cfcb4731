"""/cari finding more cases than a page, over the real application: Telegram through the fake
Bot API (inline buttons, "Berikutnya" to the rest) and WhatsApp's webhooks (a list of eight
cases and the page buttons: ten rows, never numbered text). Before, "Ditemukan 10 laporan"
showed ten of them and the rest could not be reached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.storage.seed_cases import BABATAN, open_database, seed_case

COORDINATOR = 500
COORDINATOR_WA = "6281200000500"
START = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
FOUND = 11  # a page of eight and a page of three


async def _world(settings) -> None:
    """A coordinator of Kuningan (known on WhatsApp too) and 11 cases of a Muhammad."""
    coordinator = await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    db = await open_database(settings.database_path)
    try:
        async with db.transaction() as repos:
            reporter = await repos.users.get(coordinator)
            assert reporter is not None
            for n in range(1, FOUND + 1):
                await seed_case(
                    repos, reporter=reporter, desa=BABATAN, at=START - timedelta(hours=n),
                    number=f"KNG-2026-{n:06d}", head=f"Muhammad Test{n}", people=(("Ayu", None),),
                    no_kk=None,
                )  # fmt: skip
            await repos.users.add_identity(
                user_id=coordinator,
                channel="whatsapp",
                external_id="ID.500",
                chat_id=COORDINATOR_WA,
                now=START,
            )
    finally:
        await db.close()


async def test_search_pages_on_telegram(fake, settings, start_bot) -> None:
    await _world(settings)
    await start_bot()
    sari = TelegramPerson(fake, COORDINATOR)
    await sari.say("/start")
    first = await sari.say("/cari Moh. Test")  # a spelling of Muhammad
    assert "Ditemukan 11 laporan" in first[-1]["text"] and "halaman 1/2" in first[-1]["text"]
    keyboard = first[-1]["reply_markup"]["inline_keyboard"]
    cases = {row[0]["text"].split(" · ")[0] for row in keyboard if row[0]["text"].startswith("KNG")}
    assert len(cases) == 8 and keyboard[-1][-1]["text"] == "Berikutnya ›"
    second = await sari.tap("Berikutnya")
    assert "halaman 2/2" in second[-1]["text"]
    rest = {
        row[0]["text"].split(" · ")[0]
        for row in second[-1]["reply_markup"]["inline_keyboard"]
        if row[0]["text"].startswith("KNG")
    }
    assert len(rest) == 3 and not rest & cases
    assert cases | rest == {f"KNG-2026-{n:06d}" for n in range(1, FOUND + 1)}
    assert fake.rejections == []


async def _reply(graph, person: WhatsAppPerson, before: int, marker: str) -> dict:
    """The first message to `person` after their first `before` holding `marker` (a welcome's
    messages may still be arriving)."""

    def found() -> list[dict]:
        return [m for m in person.messages()[before:] if marker in body_of(m)]

    await graph.wait_for(lambda: bool(found()), what=marker)
    return found()[0]


async def test_search_pages_on_whatsapp(graph, wa_settings, webhook_url, start_wa_bot) -> None:
    await _world(wa_settings)
    await start_wa_bot()
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    await sari.say("halo")
    before = len(sari.messages())
    await sari.say("cari Muhammad", expect=0)
    first = await _reply(graph, sari, before, "Ditemukan 11 laporan")
    assert first["type"] == "interactive", first  # a list, not numbered text
    assert "halaman 1/2" in body_of(first)
    rows = [row for s in first["interactive"]["action"]["sections"] for row in s["rows"]]
    cases = {row["title"] for row in rows if row["title"].startswith("KNG")}
    assert len(cases) == 8 and len(rows) == 9  # eight cases and "Berikutnya"
    before = len(sari.messages())
    await sari.tap("Berikutnya", expect=0)
    second = await _reply(graph, sari, before, "halaman 2/2")
    more = [row for s in second["interactive"]["action"]["sections"] for row in s["rows"]]
    rest = {row["title"] for row in more if row["title"].startswith("KNG")}
    assert len(rest) == 3 and not rest & cases
    assert cases | rest == {f"KNG-2026-{n:06d}" for n in range(1, FOUND + 1)}
