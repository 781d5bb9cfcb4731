"""A training candidate (`calon`, joined by an invitation letter's link) asks to become PSM:
the usual registration, decided by the usual approvers; they keep their training meanwhile,
and a rejection leaves them a candidate."""

from __future__ import annotations

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
    payload = re.search(r"start=(bt-[A-Z2-9]{10})", plain(links[0]["text"]))
    assert payload, links[0]["text"]
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
    await coordinator.wait_button("Ya, tolak")
    await coordinator.tap("Ya, tolak", expect=0)
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


async def test_a_candidate_applies_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    await start_wa_clock_bot(ManualClock(at(1, 9)))
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    await create_training(coordinator)
    await open_page(coordinator)
    links = plain((await coordinator.tap("Tautan & QR", expect=3))[0]["text"])
    keyword = re.search(r"(bimtek [A-Z2-9]{10})", links)
    assert keyword, links

    dewi = WhatsAppPerson(graph, webhook_url, user_id="ID.3001", wa_id="6281355550001", name="Dewi")
    await dewi.say(keyword.group(1))
    await dewi.say("Dewi Lestari")
    await dewi.tap("+6281355550001")
    await dewi.say("kadugede")
    await dewi.tap("Babatan")
    await dewi.tap("Kirim", expect=2)
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
