"""Training notices held behind a closed WhatsApp window (the person last wrote more than 24
hours ago), end to end: when the person writes, only what is still current goes out. A
reschedule replaces the invitation it followed (the old days never show), and to someone who
never got that invitation it is the invitation itself, with the new days (not "Jadwal bimtek
berubah"); after the answers' deadline neither goes out. Telegram, which has no window, gets
both as they come."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import known_on_whatsapp
from tests.e2e.training_helpers import at, create_training, invitation_of, open_page, plain
from tests.e2e.whatsapp import WhatsAppPerson, body_of

COORDINATOR = 500
INVITED = "Undangan bimtek"
MOVED = "Jadwal bimtek berubah"


def _statuses(database: str, user_id: int) -> list[tuple[str, str]]:
    """(status, which notice) of the person's training notices on WhatsApp, oldest first."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT status, json_extract(message, '$.text') AS text FROM outbox"
            " WHERE user_id = ? AND channel = 'whatsapp' AND (text LIKE ? OR text LIKE ?)"
            " ORDER BY id",
            (user_id, f"%{INVITED}%", f"%{MOVED}%"),
        ).fetchall()
    return [(status, MOVED if MOVED in text else INVITED) for status, text in rows]


async def test_held_training_notices_show_only_the_current_schedule_and_never_after_the_deadline(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    created = at(1, 9)
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    people = {}
    for number, name in enumerate(("Bu Ani", "Pak Joko", "Bu Rina")):
        people[name] = await add_user(
            wa_settings,
            role="psm",
            telegram_id=7601 + number,
            name=name,
            kabupaten="32.08",
            kecamatan="32.08.01",
            desa="32.08.01.2006",
        )
    closed = created - timedelta(hours=30)
    await known_on_whatsapp(wa_settings, people["Bu Ani"], "ID.7601", "6281234507601", closed)
    await known_on_whatsapp(wa_settings, people["Pak Joko"], "ID.7602", "6281234507602", closed)
    clock = ManualClock(created)
    await start_wa_clock_bot(clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    rina = TelegramPerson(fake, 7603)
    for person in (coordinator, rina):
        await person.say("/start")
    ani = WhatsAppPerson(graph, webhook_url, "ID.7601", "6281234507601", clock=clock)
    joko = WhatsAppPerson(graph, webhook_url, "ID.7602", "6281234507602", clock=clock)
    database = str(wa_settings.database_path)

    # The invitation (8 Dec, answers by 7 Dec) is held for both behind their closed window.
    await create_training(coordinator)
    await invitation_of(fake, rina)
    for name in ("Bu Ani", "Pak Joko"):
        await graph.wait_for(
            lambda n=name: _statuses(database, people[n]) == [("waiting", INVITED)],
            what=f"the invitation held for {name}",
        )

    # "Ingatkan": Rina (Telegram, invitation sent) is reminded; Ani and Joko are not, their
    # invitation still waiting for them (no second template for the same news).
    await open_page(coordinator)
    reminded = plain((await coordinator.tap("Ingatkan"))[0]["text"])
    assert "dikirim ke 1 orang" in reminded and "2 orang tidak diingatkan" in reminded, reminded
    await fake.wait_for(
        lambda: "belum menjawab" in plain(rina.messages()[-1]["text"]), what="Rina reminded"
    )
    with sqlite3.connect(database) as db:
        (reminders,) = db.execute(
            "SELECT COUNT(*) FROM outbox WHERE channel = 'whatsapp'"
            " AND json_extract(message, '$.text') LIKE '%belum menjawab undangan%'"
        ).fetchone()
    assert reminders == 0

    # Moved to 10 Dec (answers by 9 Dec): the held invitation is dropped for a new one.
    await open_page(coordinator)
    await coordinator.tap("Ubah jadwal")
    for answer in ("10-12-2026", "09.00", "13.00"):
        await coordinator.say(answer)
    await coordinator.tap("Tidak")
    await coordinator.say("9-12-2026")
    done = await coordinator.tap("✅ Kirim")
    assert "3 peserta diberi tahu" in plain(done[0]["text"])
    await fake.wait_for(lambda: MOVED in plain(rina.messages()[-1]["text"]), what="Rina told")
    assert any(INVITED in plain(m["text"]) for m in rina.messages())  # Telegram: both, in turn
    for name in ("Bu Ani", "Pak Joko"):
        await graph.wait_for(
            lambda n=name: (
                _statuses(database, people[n]) == [("expired", INVITED), ("waiting", INVITED)]
            ),
            what=f"the reschedule held for {name}",
        )

    # Bu Ani opens the template's message the next day: the invitation, new schedule alone.
    clock.set(at(2, 10))
    (released,) = await ani.tap_template()
    assert INVITED in body_of(released) and "10 Desember 2026" in body_of(released)
    assert MOVED not in body_of(released)
    assert "8 Desember" not in body_of(released)
    titles = [b["reply"]["title"] for b in released["interactive"]["action"]["buttons"]]
    assert titles == ["✅ Akan hadir", "🙏 Berhalangan"]
    await graph.wait_for(
        lambda: _statuses(database, people["Bu Ani"]) == [("expired", INVITED), ("sent", INVITED)],
        what="Ani's reschedule sent",
    )
    assert not any("8 Desember" in body_of(m) for m in ani.messages())

    # Pak Joko writes only once the answers' deadline has passed: nothing of it comes out,
    # his message gets its own answer (the news passed, the menu: nothing waits for him).
    clock.set(at(10, 7))
    (answer,) = await joko.tap_template()
    assert body_of(answer).startswith("Kabar di pemberitahuan itu sudah lewat")
    assert _statuses(database, people["Pak Joko"]) == [("expired", INVITED), ("expired", INVITED)]
    assert not any(MOVED in body_of(m) or INVITED in body_of(m) for m in joko.messages())
    assert graph.rejections == [] and fake.rejections == []
