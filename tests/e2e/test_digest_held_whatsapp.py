"""The coordinators' daily digest held behind a closed WhatsApp window (the coordinator last
wrote more than 24 hours ago), end to end: the template announces it as the digest, a
digest released later that day says what moment its counts describe, and one not opened
before its local day ends never comes out (its "kemarin" would be the wrong day). Telegram,
which has no window, gets it at once, dated the same way."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import known_on_whatsapp
from tests.e2e.training_helpers import at, plain
from tests.e2e.whatsapp import WhatsAppPerson, body_of

DIGEST = "Ringkasan harian"
WRITTEN = "Ringkasan harian, Rabu, 2 Desember 2026 20.15"


def _digests(database: str, user_id: int) -> list[str]:
    """The status of each digest queued for the person on WhatsApp, oldest first."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT status FROM outbox WHERE user_id = ? AND channel = 'whatsapp'"
            " AND json_extract(message, '$.text') LIKE ? ORDER BY id",
            (user_id, f"%{DIGEST}%"),
        ).fetchall()
    return [status for (status,) in rows]


def _template_lines(graph, recipient: str) -> list[str]:
    """The line (body parameter) of each template sent to the person."""
    return [
        message["template"]["components"][0]["parameters"][0]["text"]
        for message in graph.messages_to(recipient)
        if message["type"] == "template"
    ]


async def test_a_held_digest_is_announced_dated_and_never_released_after_its_day(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    coordinators = {}
    for number, name in enumerate(("Ibu Sari", "Pak Budi", "Ibu Rina")):
        coordinators[name] = await add_user(
            wa_settings, role="coordinator", telegram_id=5201 + number, name=name, kabupaten="32.08"
        )
    closed = at(2, 6) - timedelta(hours=30)
    await known_on_whatsapp(
        wa_settings, coordinators["Ibu Sari"], "ID.5201", "6281234505201", closed
    )
    await known_on_whatsapp(
        wa_settings, coordinators["Ibu Rina"], "ID.5203", "6281234505203", closed
    )
    clock = ManualClock(at(2, 6))  # before the digest's hour
    runtime = await start_wa_clock_bot(clock)
    budi = TelegramPerson(fake, 5202, "Budi")  # Telegram only
    await budi.say("/start")
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.5201", wa_id="6281234505201")
    rina = WhatsAppPerson(graph, webhook_url, user_id="ID.5203", wa_id="6281234505203")
    database = str(wa_settings.database_path)

    # The bot was down all day: the digest comes at 20.15, held for both on WhatsApp, the
    # template naming what waits; on Telegram it arrives, saying when it was written.
    clock.set(at(2, 20, 15))
    await runtime.scheduler.tick()
    for person in (sari, rina):
        await graph.wait_for(
            lambda p=person: _template_lines(graph, p.recipient) == [DIGEST],
            what=f"the digest announced to {person.user_id}",
        )
    await fake.wait_for(
        lambda: any(WRITTEN in plain(m["text"]) for m in budi.messages()), what="Budi's digest"
    )
    await graph.wait_for(  # a routine message is marked sent while it is being sent
        lambda: _digests(database, coordinators["Ibu Sari"]) == ["waiting"], what="Sari's held"
    )

    # Ibu Rina opens it that evening: the digest, dated (the tap only opened what waited).
    clock.set(at(2, 20, 45))
    (released,) = await rina.tap_template()
    assert body_of(released).startswith(f"*{WRITTEN}*")

    # Ibu Sari opens it the next morning, before the next digest: its day is over (and its
    # 12 hours not yet): her tap gets its own answer, the stale digest never comes.
    clock.set(at(3, 6, 30))
    (answer,) = await sari.tap_template()
    assert DIGEST not in body_of(answer)
    assert _digests(database, coordinators["Ibu Sari"]) == ["expired"]
    assert not any(DIGEST in body_of(m) for m in sari.messages() if m["type"] != "template")
    assert graph.rejections == [] and fake.rejections == []
