"""Follow-up visits and their reminders over WhatsApp: the TKSK records a visit there (bad
dates asked again), the PSM hears of it there, a PSM's forged button is refused; the daily
reminder of visits due follows the 24-hour window (outside it a template goes and the
reminder follows the template's button tap; inside it the reminder goes as it is)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.app import build_runtime
from bot.clock import ManualClock
from storage.models import Role
from tests.e2e.conftest import TodayClock
from tests.e2e.followup_world import (
    JAKARTA,
    add_whatsapp_user,
    case_row,
    day,
    seed_approved_case,
    visits,
)
from tests.e2e.whatsapp import WhatsAppPerson, body_of, new_wamid, post_webhook
from tests.fakes.whatsapp_api import button_reply, contact, envelope

NUMBER = "KNG-2026-000201"


async def _people(wa_settings, graph, webhook_url):
    tksk_id = await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.3001", name="Pak Tono", kecamatan="32.08.01"
    )
    psm_id = await add_whatsapp_user(
        wa_settings,
        role=Role.PSM,
        bsuid="ID.3002",
        name="Bu Ani",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    case_id = await seed_approved_case(wa_settings, psm_id, NUMBER)
    tksk = WhatsAppPerson(graph, webhook_url, user_id="ID.3001", wa_id="6281234500301")
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.3002", wa_id="6281234500302")
    return tksk, psm, tksk_id, case_id


async def _hears(person: WhatsAppPerson, before: int, *texts: str) -> str:
    def match() -> str | None:
        for message in person.messages()[before:]:
            if all(text in body_of(message) for text in texts):
                return body_of(message)
        return None

    await person.graph.wait_for(lambda: match() is not None, what=f"hears {texts}")
    return match() or ""


async def test_a_visit_recorded_over_whatsapp(graph, wa_settings, webhook_url, start_wa_bot):
    tksk, psm, tksk_id, case_id = await _people(wa_settings, graph, webhook_url)
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.3003", name="Pak Budi", kecamatan="32.08.02"
    )
    other = WhatsAppPerson(graph, webhook_url, user_id="ID.3003", wa_id="6281234500303")
    clock = TodayClock()  # dates typed relative to today: the bot's today must not turn
    await start_wa_bot(clock)
    await other.say("halo")
    await psm.say("halo")  # they have all written: their windows are open
    await tksk.say("halo")
    queue = await tksk.say("antrian")
    assert NUMBER in str(queue[0])
    page = await tksk.tap(NUMBER)
    assert NUMBER in body_of(page[0]) and "Ayu" in body_of(page[0])
    asked = await tksk.tap("Catat kunjungan")
    assert "Kapan kunjungannya" in body_of(asked[-1])
    await tksk.tap("Tanggal lain")
    future = await tksk.say(day(clock, 2))
    assert "belum terjadi" in body_of(future[-1])
    await tksk.say(day(clock, -2))
    await tksk.say("Rujukan ke puskesmas")
    past = await tksk.say(day(clock, -1))
    assert "sudah lewat" in body_of(past[-1])
    summary = await tksk.say(day(clock, 5))
    assert day(clock, 5) in body_of(summary[-1])
    before = len(psm.messages())
    done = await tksk.tap("Kirim")
    assert "sudah dicatat" in body_of(done[0]) and NUMBER in body_of(done[0])
    told = await _hears(psm, before, NUMBER, "Dalam tindak lanjut")
    assert f"berikutnya {day(clock, 5)}" in told and "puskesmas" not in told
    assert case_row(wa_settings, case_id)[0] == "in_follow_up"
    assert [(v[1], v[3]) for v in visits(wa_settings, case_id)] == [
        ("Rujukan ke puskesmas", tksk_id)
    ]

    # The PSM and a TKSK of another kecamatan forge the TKSK's button: refused, nothing
    # recorded, nothing about the case said.
    state, version = case_row(wa_settings, case_id)
    # The PSM's role may never record a visit; the other TKSK's may, but not of this case,
    # which is "not found" to him (nothing said of another kecamatan's case).
    for person, refusal in ((psm, "tidak berwenang"), (other, "tidak ditemukan")):
        before = len(person.messages())
        response = await post_webhook(
            webhook_url,
            envelope(
                messages=[
                    button_reply(
                        new_wamid(),
                        person.sender,
                        f"ca:f:{case_id}:{version}",
                        "x",
                        context_id="wamid.x",
                    )
                ],
                contacts=[contact(user_id=person.user_id, wa_id=person.wa_id, name=person.name)],
            ),
        )
        assert response.status_code == 200
        refused = await _hears(person, before, refusal)
        assert NUMBER not in refused
    assert case_row(wa_settings, case_id) == (state, version)
    assert len(visits(wa_settings, case_id)) == 1
    assert graph.rejections == []


def _local(today: date, day_offset: int, hour: int, minute: int = 0) -> datetime:
    base = datetime.combine(today, time(hour, minute), tzinfo=JAKARTA)
    return (base + timedelta(days=day_offset)).astimezone(UTC)


async def test_visit_reminders_follow_the_whatsapp_window(
    graph, wa_settings, webhook_url, start_wa_bot
):
    tksk, _, _, case_id = await _people(wa_settings, graph, webhook_url)
    today = datetime.now(JAKARTA).date()  # read once: the wall clock's date may turn
    clock = ManualClock(_local(today, -3, 10))
    runtime = build_runtime(wa_settings, clock)
    await runtime.start()
    start_wa_bot.running.append(runtime)  # stopped with the others
    await tksk.say("halo")  # the window opens at day -3, 10.00
    # A visit on day -3 planned for day -1 (recorded straight in the database).
    async with runtime.db.transaction() as repos:
        await repos.visits.add(
            case_id,
            visited_on=_local(today, -3, 10).astimezone(JAKARTA).date(),
            actions="Rujukan",
            next_visit_on=_local(today, -1, 10).astimezone(JAKARTA).date(),
            recorded_by=(await repos.users.identity("whatsapp", "ID.3001")).user_id,
            now=clock.now(),
        )

    # Day -1, 16.00: the window closed two days ago. A template goes, the reminder waits.
    clock.set(_local(today, -1, 16))
    before = len(tksk.messages())
    await runtime.scheduler.tick()
    sent = await graph.wait_messages(tksk.recipient, before + 1)
    assert sent[-1]["type"] == "template", sent[-1]
    assert NUMBER not in str(sent[-1]) and "Ayu" not in str(sent[-1])
    assert len(tksk.messages()) == before + 1
    # The tap on the template's button (that evening) opens the window: the reminder follows.
    clock.set(_local(today, -1, 20))
    after_tap = await tksk.tap_template()
    reminder = body_of(after_tap[0])
    assert "Pengingat harian" in reminder and "jatuh tempo" in reminder and NUMBER in reminder
    assert "Ayu" not in reminder and "Slamet" not in reminder

    # Day 0, 16.00, inside the window (the tap was at day -1, 20.00): sent as it is, once.
    def reminders() -> list[dict]:
        return [m for m in tksk.messages() if "Pengingat harian" in body_of(m)]

    clock.set(_local(today, 0, 16))
    assert len(reminders()) == 1
    await runtime.scheduler.tick()
    await runtime.scheduler.tick()
    await graph.wait_for(lambda: len(reminders()) == 2, what="the second reminder")
    assert reminders()[-1]["type"] in ("text", "interactive")
    assert "jatuh tempo" in body_of(reminders()[-1]) and NUMBER in body_of(reminders()[-1])
    assert all(m["type"] != "template" for m in tksk.messages()[-2:])
    clock.set(_local(today, 0, 18))
    await runtime.scheduler.tick()
    await runtime.senders["whatsapp"].drain()
    assert len(reminders()) == 2  # once a day
    assert graph.rejections == []
