"""A training candidate (`calon`, joined by an invitation letter's link) asks to become PSM:
the usual registration, decided by the usual approvers; they keep their training meanwhile,
and a rejection leaves them a candidate."""

from __future__ import annotations

import json
import re
import sqlite3

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.training_helpers import TITLE, at, create_training, open_page, plain
from tests.e2e.whatsapp import WhatsAppPerson, body_of

COORDINATOR = 500


async def _join(fake, coordinator: TelegramPerson, user_id: int, name: str) -> TelegramPerson:
    """The candidate opens the letter's Telegram link and registers lightly."""
    await open_page(coordinator)
    links = await coordinator.tap("Tautan & QR", expect=3)
    payload = re.search(r"start=(bt-[A-Z2-9]{10})", plain(links[-1]["text"]))
    assert payload, links[-1]["text"]
    person = TelegramPerson(fake, user_id, name)
    await person.say(f"/start {payload.group(1)}")
    await person.say(name)
    await person.share_contact(f"+62 813-2222-{user_id:04d}")
    await person.say("kadugede")
    await person.tap("Babatan")
    done = await person.tap("Kirim", expect=2)
    assert "calon peserta" in plain(done[0]["text"])
    return person


async def _coordinator_with_training(fake, settings, start_bot) -> TelegramPerson:
    await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    await start_bot(clock=ManualClock(at(1, 9)))
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    await create_training(coordinator)
    return coordinator


def _user(settings, name: str) -> tuple:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(
            "SELECT role, requested_role, status FROM users WHERE full_name = ?", (name,)
        ).fetchone()


async def _apply(person: TelegramPerson) -> None:
    """/daftar: the registration form, as PSM of Babatan."""
    first = await person.say("/daftar")
    assert "Pendaftaran sebagai PSM atau TKSK" in plain(first[0]["text"])
    await person.say(person.name + " Lengkap")
    await person.share_contact(f"+62 813-2222-{person.user_id:04d}")
    await person.tap("PSM", expect=1)
    await person.say("kadugede")
    await person.tap("Babatan")
    submitted = await person.tap("Kirim")
    assert "tetap peserta bimtek" in plain(submitted[0]["text"])


async def test_a_candidate_becomes_psm_after_approval(fake, settings, start_bot) -> None:
    coordinator = await _coordinator_with_training(fake, settings, start_bot)
    siti = await _join(fake, coordinator, 801, "Siti")

    refused = await siti.say("/lapor")  # a candidate reports nothing yet
    assert "tidak berwenang" in plain(refused[0]["text"])
    before = len(coordinator.messages())
    await _apply(siti)
    assert _user(settings, "Siti Lengkap") == ("calon", "psm", "active")

    # While the approvers decide she keeps her training, and cannot apply twice.
    schedule = await siti.say("/jadwal")
    assert TITLE in plain(schedule[0]["text"])
    again = await siti.say("/daftar")
    assert "menunggu keputusan koordinator" in plain(again[0]["text"])

    # The coordinator gets the usual request, also listed in /pengguna as waiting.
    request = await fake.wait_sent(COORDINATOR, before + 1)
    assert "Pendaftaran baru" in request[-1]["text"] and "Siti Lengkap" in request[-1]["text"]
    people = await coordinator.say("/pengguna")
    labels = [b["text"] for row in people[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert "Pendaftaran (1)" in labels
    await coordinator.tap("Setujui", expect=0)
    approved = await fake.wait_sent(siti.user_id, len(siti.messages()) + 1)
    assert "sudah disetujui" in approved[-1]["text"]
    assert _user(settings, "Siti Lengkap") == ("psm", "psm", "active")

    started = await siti.say("/lapor")  # now a PSM: the case report opens
    assert "tidak berwenang" not in plain(started[0]["text"])
    schedule = await siti.say("/jadwal")  # and the training is still hers
    assert TITLE in plain(schedule[0]["text"])


async def test_a_rejected_candidate_stays_a_candidate(fake, settings, start_bot) -> None:
    coordinator = await _coordinator_with_training(fake, settings, start_bot)
    budi = await _join(fake, coordinator, 802, "Budi")
    await _apply(budi)
    await fake.wait_for(
        lambda: any(
            "Budi Lengkap" in (call.params.get("text") or "")
            for call in fake.calls_of("sendMessage")
            if call.params.get("chat_id") == COORDINATOR
        ),
        what="the request reaches the coordinator",
    )
    await coordinator.tap("Tolak", expect=0)
    await coordinator.wait_button("Tanpa alasan")
    await coordinator.tap("Tanpa alasan", expect=0)
    told = await fake.wait_sent(budi.user_id, len(budi.messages()) + 1)
    assert "tetap peserta bimtek" in told[-1]["text"]
    assert _user(settings, "Budi Lengkap") == ("calon", None, "active")
    schedule = await budi.say("/jadwal")
    assert TITLE in plain(schedule[0]["text"])
    # A second press of the old request decides nothing.
    with sqlite3.connect(settings.database_path) as db:
        decisions = db.execute(
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'registration.%ed'"
            " AND action != 'registration.submitted'"
        ).fetchone()[0]
    assert decisions == 1
    # He may apply again later.
    again = await budi.say("/daftar")
    assert "Pendaftaran sebagai PSM atau TKSK" in plain(again[0]["text"])


async def _dewi_joins_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot, clock: ManualClock
):
    """A coordinator's training, and Dewi joining it over WhatsApp by its keyword (a
    candidate now); the runtime, the coordinator and Dewi."""
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    runtime = await start_wa_clock_bot(clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    await create_training(coordinator)
    await open_page(coordinator)
    links = plain((await coordinator.tap("Tautan & QR", expect=3))[-1]["text"])
    keyword = re.search(r"(bimtek [A-Z2-9]{10})", links)
    assert keyword, links
    dewi = WhatsAppPerson(graph, webhook_url, "ID.3001", "6281355550001", name="Dewi", clock=clock)
    await dewi.say(keyword.group(1))
    await dewi.say("Dewi Lestari")
    await dewi.tap("+6281355550001")
    await dewi.say("kadugede")
    await dewi.tap("Babatan")
    await dewi.tap("Kirim", expect=2)
    return runtime, coordinator, dewi


async def test_a_candidate_applies_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    _, coordinator, dewi = await _dewi_joins_over_whatsapp(
        fake, graph, wa_settings, webhook_url, start_wa_clock_bot, ManualClock(at(1, 9))
    )
    assert _user(wa_settings, "Dewi Lestari") == ("calon", None, "active")

    intro = await dewi.say("daftar")  # the keyword for /daftar
    assert "Pendaftaran sebagai PSM atau TKSK" in body_of(intro[0])
    await dewi.say("Dewi Lestari")
    await dewi.tap("+6281355550001")  # the number WhatsApp vouches for
    await dewi.tap("PSM")
    await dewi.say("kadugede")
    await dewi.tap("Babatan")
    submitted = await dewi.tap("Kirim")
    assert "tetap peserta bimtek" in body_of(submitted[0])
    assert _user(wa_settings, "Dewi Lestari") == ("calon", "psm", "active")
    schedule = await dewi.say("jadwal")
    assert TITLE in body_of(schedule[0])

    await fake.wait_for(
        lambda: any("Dewi Lestari" in m.get("text", "") for m in coordinator.messages()),
        what="the request reaches the coordinator",
    )
    await coordinator.tap("Setujui", expect=0)
    approved = await graph.wait_messages(dewi.recipient, len(dewi.messages()) + 1)
    assert "sudah disetujui" in body_of(approved[-1])
    assert _user(wa_settings, "Dewi Lestari") == ("psm", "psm", "active")
    assert graph.rejections == [] and fake.rejections == []


async def _said(person: TelegramPerson, text: str) -> str:
    """Wait until the person was sent a message with `text`; returns it."""
    await person.fake.wait_for(
        lambda: any(text in plain(m["text"]) for m in person.messages()), what=repr(text)
    )
    return next(plain(m["text"]) for m in reversed(person.messages()) if text in plain(m["text"]))


async def test_an_unfinished_application_is_recalled_then_discarded(
    fake, settings, start_bot
) -> None:
    """A candidate's /daftar left half answered ends after DRAFT_TTL_DAYS (14) like any
    registration: a reminder two days before (/daftar continues it), then a notice."""
    await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    clock = ManualClock(at(1, 9))
    runtime = await start_bot(clock=clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    await create_training(coordinator)
    rina = await _join(fake, coordinator, 803, "Rina")
    await rina.say("/daftar")
    await rina.say("Rina Lengkap")  # and she goes away at the phone question

    clock.set(at(13, 10))
    await runtime.scheduler.tick()
    warning = await _said(rina, "belum selesai")
    assert "sebagai PSM/TKSK" in warning and "/daftar" in warning and "/start" not in warning
    resumed = await rina.say("/daftar", until="Kita lanjutkan pendaftaran")
    assert "nomor HP" in plain(resumed[0]["text"])  # where she left it, not a new form

    clock.set(at(25, 11))  # 12 days after she came back: warned again, then it ends
    await runtime.scheduler.tick()
    await fake.wait_for(
        lambda: sum("belum selesai" in m["text"] for m in rina.messages()) == 2, what="2nd"
    )
    clock.set(at(27, 12))
    await runtime.scheduler.tick()
    discarded = await _said(rina, "sudah dihapus")
    assert "tetap peserta bimtek" in discarded and "/daftar" in discarded
    assert _user(settings, "Rina") == ("calon", None, "active")  # still a candidate
    with sqlite3.connect(settings.database_path) as db:
        sessions = db.execute(
            "SELECT status FROM form_sessions WHERE form_id = 'registration'"
        ).fetchall()
    assert sessions == [("cancelled",)]
    again = await rina.say("/daftar")
    assert "Pendaftaran sebagai PSM atau TKSK" in plain(again[0]["text"])
    assert fake.rejections == []


async def test_an_unfinished_application_is_recalled_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    clock = ManualClock(at(1, 9))
    runtime, _, dewi = await _dewi_joins_over_whatsapp(
        fake, graph, wa_settings, webhook_url, start_wa_clock_bot, clock
    )
    await dewi.say("daftar")
    await dewi.say("Dewi Lestari")  # and she goes away at the phone question

    clock.set(at(13, 10))  # her 24-hour window has long closed: a template first
    await runtime.scheduler.tick()
    await graph.wait_for(
        lambda: any(body_of(m).startswith("template:") for m in dewi.messages()), what="template"
    )
    await dewi.tap_template(expect=0)
    await graph.wait_for(
        lambda: any("belum selesai" in body_of(m) for m in dewi.messages()), what="the reminder"
    )
    warning = next(body_of(m) for m in dewi.messages() if "belum selesai" in body_of(m))
    assert "sebagai PSM/TKSK" in warning and "Ketik *daftar*" in warning
    resumed = await dewi.say("daftar")
    assert "Kita lanjutkan pendaftaran" in body_of(resumed[0])
    assert "+6281355550001" in json.dumps(resumed[0])  # the phone question, where she left it
    assert graph.rejections == [] and fake.rejections == []
