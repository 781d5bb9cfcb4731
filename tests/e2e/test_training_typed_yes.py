"""QA walk 7, end to end: a typed yes to a Bimtek invitation ("ya" on WhatsApp, "hadir" days
early on Telegram) is asked back, "akan hadir di bimtek ini?", and Ya records it; a reason
typed after Berhalangan ("anak sakit") is confirmed as one question, "Sakit? / Keterangan:
anak sakit", not with "Berhalangan karena apa?" again above Ya/Tidak."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import known_on_whatsapp
from tests.e2e.training_helpers import at, create_training, invitation_of, plain
from tests.e2e.whatsapp import WhatsAppPerson, body_of

COORDINATOR = 500
ASKED = "Maksud Bapak/Ibu: *akan hadir* di bimtek ini?"


def _answers(database: str) -> dict[int, tuple[str | None, str | None]]:
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT user_id, rsvp, reason_text FROM training_invitations")
        return {user_id: (rsvp, reason) for user_id, rsvp, reason in rows}


async def test_typed_yes_is_asked_back_and_a_typed_reason_is_one_question(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    created = at(1, 9)
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    ids = {}
    for number, name in enumerate(("Bu Ani", "Bu Rina")):
        ids[name] = await add_user(
            wa_settings,
            role="psm",
            telegram_id=7701 + number,
            name=name,
            kabupaten="32.08",
            kecamatan="32.08.01",
            desa="32.08.01.2006",
        )
    await known_on_whatsapp(
        wa_settings, ids["Bu Ani"], "ID.7701", "6281234507701", created - timedelta(hours=1)
    )
    clock = ManualClock(created)
    await start_wa_clock_bot(clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    rina = TelegramPerson(fake, 7702)
    for person in (coordinator, rina):
        await person.say("/start")
    ani = WhatsAppPerson(graph, webhook_url, "ID.7701", "6281234507701", clock=clock)
    database = str(wa_settings.database_path)

    await create_training(coordinator)
    await invitation_of(fake, rina)
    await graph.wait_for(
        lambda: any("Undangan bimtek" in body_of(m) for m in ani.messages()),
        what="Ani's invitation",
    )

    # WhatsApp: "ya" is asked back; Ya records Akan hadir.
    (asked,) = await ani.say("ya")
    assert body_of(asked).startswith(ASKED), body_of(asked)
    titles = [b["reply"]["title"] for b in asked["interactive"]["action"]["buttons"]]
    assert titles == ["Ya", "Tidak"]
    (done,) = await ani.tap("Ya")
    assert "tercatat *akan hadir*" in body_of(done), body_of(done)

    # Telegram: "hadir" days before the training is asked back too.
    (asked_tg,) = await rina.say("hadir")
    assert plain(asked_tg["text"]).startswith("Maksud Bapak/Ibu: akan hadir di bimtek ini?")
    await rina.tap("Ya")
    assert _answers(database)[ids["Bu Rina"]][0] == "akan_hadir"

    # WhatsApp: Berhalangan, then "anak sakit": one question over Ya/Tidak.
    await ani.tap("Berhalangan")
    (meant,) = await ani.say("anak sakit")
    assert body_of(meant) == "Maksud Bapak/Ibu: *Sakit*?\nKeterangan: _anak sakit_"
    titles = [b["reply"]["title"] for b in meant["interactive"]["action"]["buttons"]]
    assert titles == ["Ya", "Tidak"]
    (noted,) = await ani.tap("Ya")
    assert "berhalangan (Sakit)" in body_of(noted), body_of(noted)

    # Telegram: the same.
    await rina.tap("Berhalangan")
    (meant_tg,) = await rina.say("anak sakit")
    assert plain(meant_tg["text"]) == "Maksud Bapak/Ibu: Sakit?\nKeterangan: anak sakit"
    await rina.tap("Ya")
    answers = _answers(database)
    assert answers[ids["Bu Ani"]] == ("berhalangan", "anak sakit")
    assert answers[ids["Bu Rina"]] == ("berhalangan", "anak sakit")
    assert graph.rejections == [] and fake.rejections == []
