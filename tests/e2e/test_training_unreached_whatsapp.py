"""What "🔔 Ingatkan" and a reschedule make of invitations that have not reached people on
WhatsApp, end to end (signed webhooks in, the fake Graph API out, the organiser on Telegram):
one held behind a closed window waits for the person, one deferred after Meta's error is
still in the sending queue (the organiser reads each truthfully), and one Meta accepted and
then reported failed (a status webhook) never reached its person: she gets the invitation
itself, from "Ingatkan" and from a reschedule, never a reminder of it nor "Jadwal bimtek
berubah". Whoever the bot cannot reach at all (marked unreachable on WhatsApp, or who
blocked it on Telegram) is not reminded: counted for the organiser to phone."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from bot.admin_tools import add_user
from bot.clock import ManualClock
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import known_on_whatsapp
from tests.e2e.training_helpers import at, create_training, open_page, plain
from tests.e2e.whatsapp import body_of, post_webhook
from tests.fakes.whatsapp_api import envelope, status_update

COORDINATOR = 500
INVITED = "Undangan bimtek"
REMINDED = "Pengingat"
MOVED = "Jadwal bimtek berubah"
META_UNWELL = 131000  # a send Meta could not take now: tried again later
NOT_DELIVERED = 130472  # accepted, then reported failed for good: the person never saw it
PHONES = {
    "Bu Ani": "6281234507701",
    "Pak Joko": "6281234507702",
    "Bu Rina": "6281234507703",
    "Bu Dewi": "6281234507704",
}


async def _invitees_on_whatsapp(wa_settings, names: dict[str, bool]) -> dict[str, int]:
    """PSM of Kadugede known on WhatsApp only, their window open (or closed: `names`' value
    False); their user ids by name. Before the bot starts."""
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    people = {}
    for number, (name, window_open) in enumerate(names.items()):
        people[name] = await add_user(
            wa_settings,
            role="psm",
            telegram_id=7701 + number,
            name=name,
            kabupaten="32.08",
            kecamatan="32.08.01",
            desa="32.08.01.2006",
        )
        last_wrote = at(1, 9) - timedelta(hours=1 if window_open else 30)
        await known_on_whatsapp(
            wa_settings, people[name], f"ID.77{number}", PHONES[name], last_wrote
        )
    return people


def _invitations(database: str, user_id: int) -> list[tuple[str, str | None, str | None]]:
    """(status, delivery status, channel's id) of the person's training notices, oldest first."""
    with sqlite3.connect(database) as db:
        return db.execute(
            "SELECT status, delivery_status, ext_message_id FROM outbox WHERE user_id = ?"
            " AND json_extract(message, '$.thread') LIKE 'training:%' ORDER BY id",
            (user_id,),
        ).fetchall()


async def _reported_failed(graph, webhook_url: str, database: str, user_id: int, name: str):
    """Meta accepted the person's invitation, then its status webhook says it failed."""
    await graph.wait_for(
        lambda: (
            [(s, e is not None) for s, _, e in _invitations(database, user_id)] == [("sent", True)]
        ),
        what=f"{name}'s invitation accepted",
    )
    ((_, _, wamid),) = _invitations(database, user_id)
    failed = status_update(wamid, PHONES[name], "failed", errors=[NOT_DELIVERED])
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    await graph.wait_for(
        lambda: _invitations(database, user_id) == [("sent", "failed", wamid)],
        what=f"{name}'s invitation reported failed",
    )


def _texts_to(graph, name: str) -> list[str]:
    """What reached the person's WhatsApp (templates left out)."""
    return [body_of(m) for m in graph.messages_to(PHONES[name]) if m["type"] != "template"]


async def test_ingatkan_tells_held_queued_and_failed_invitations_apart(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    people = await _invitees_on_whatsapp(
        wa_settings, {"Bu Ani": True, "Pak Joko": False, "Bu Rina": True, "Bu Dewi": True}
    )
    clock = ManualClock(at(1, 9))
    await start_wa_clock_bot(clock)
    database = str(wa_settings.database_path)
    graph.fail_next(META_UNWELL, recipient=PHONES["Bu Rina"])  # her invitation: tried later
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    await create_training(coordinator)

    await graph.wait_for(
        lambda: any(INVITED in text for text in _texts_to(graph, "Bu Ani")), what="Ani invited"
    )
    await graph.wait_for(
        lambda: [s for s, _, _ in _invitations(database, people["Pak Joko"])] == ["waiting"],
        what="Joko's invitation held behind his closed window",
    )
    await graph.wait_for(
        lambda: (
            [s for s, _, _ in _invitations(database, people["Bu Rina"])] == ["pending"]
            and any(call.status != 200 for call in graph.sends)
        ),
        what="Rina's invitation deferred after Meta's error",
    )
    await _reported_failed(graph, webhook_url, database, people["Bu Dewi"], "Bu Dewi")

    await open_page(coordinator)
    reminded = plain((await coordinator.tap("Ingatkan"))[0]["text"])
    assert reminded.split("\n") == [
        "Pengingat dikirim ke 1 orang yang belum menjawab.",
        "Undangan dikirim ulang ke 1 orang yang belum pernah menerimanya (pengiriman"
        " sebelumnya gagal).",
        "1 orang tidak diingatkan karena belum menerima undangannya: menunggu mereka membuka"
        " chat dengan bot. Undangan akan sampai begitu mereka membukanya.",
        "1 orang tidak diingatkan karena undangannya masih dalam antrean kirim (belum terkirim).",
    ], reminded

    # Dewi reads the invitation (again: the first never reached her), with its buttons.
    await graph.wait_for(
        lambda: [INVITED in text for text in _texts_to(graph, "Bu Dewi")] == [True, True],
        what="the invitation again to Dewi",
    )
    assert not any(REMINDED in text for text in _texts_to(graph, "Bu Dewi"))
    await graph.wait_for(
        lambda: any(REMINDED in text for text in _texts_to(graph, "Bu Ani")), what="Ani reminded"
    )
    assert _texts_to(graph, "Pak Joko") == []
    assert [s for s, _, _ in _invitations(database, people["Pak Joko"])] == ["waiting"]
    assert [s for s, _, _ in _invitations(database, people["Bu Rina"])] == ["pending"]
    assert graph.rejections == [] and fake.rejections == []


async def test_a_reschedule_reaches_whoever_never_got_the_invitation_as_the_invitation(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    people = await _invitees_on_whatsapp(wa_settings, {"Bu Ani": True, "Bu Dewi": True})
    clock = ManualClock(at(1, 9))
    await start_wa_clock_bot(clock)
    database = str(wa_settings.database_path)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    await create_training(coordinator)
    await graph.wait_for(
        lambda: any(INVITED in text for text in _texts_to(graph, "Bu Ani")), what="Ani invited"
    )
    await _reported_failed(graph, webhook_url, database, people["Bu Dewi"], "Bu Dewi")

    # Moved to 10 Dec (answers by 9 Dec).
    await open_page(coordinator)
    await coordinator.tap("Ubah jadwal")
    for answer in ("10-12-2026", "09.00", "13.00"):
        await coordinator.say(answer)
    await coordinator.tap("Tidak")
    await coordinator.say("9-12-2026")
    done = await coordinator.tap("✅ Kirim")
    assert "2 peserta diberi tahu" in plain(done[0]["text"])

    await graph.wait_for(
        lambda: any(MOVED in text for text in _texts_to(graph, "Bu Ani")), what="Ani told"
    )
    await graph.wait_for(lambda: len(_texts_to(graph, "Bu Dewi")) == 2, what="Dewi told")
    news = _texts_to(graph, "Bu Dewi")[-1]
    assert INVITED in news and "10 Desember 2026" in news, news
    assert MOVED not in news and "8 Desember" not in news
    assert graph.rejections == [] and fake.rejections == []


def _unreachable(database: str, user_id: int) -> bool:
    """Whether the person's channel identities are all marked unreachable (or have no chat)."""
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT chat_id IS NOT NULL AND unreachable_at IS NULL FROM channel_identities"
            " WHERE user_id = ?",
            (user_id,),
        ).fetchall()
    return bool(rows) and not any(reachable for (reachable,) in rows)


async def test_ingatkan_skips_whom_the_bot_cannot_reach_on_either_channel(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    """Bu Dewi's invitation on WhatsApp was reported failed with 131026 (not a WhatsApp user:
    marked unreachable); Bu Wati, on Telegram, blocked the bot (403). "Ingatkan" reminds Bu
    Ani alone and says two cannot be reached, to phone, as the page counts them; nothing more
    is sent to either."""
    people = await _invitees_on_whatsapp(wa_settings, {"Bu Ani": True, "Bu Dewi": True})
    people["Bu Wati"] = await add_user(
        wa_settings,
        role="psm",
        telegram_id=7790,
        name="Bu Wati",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    clock = ManualClock(at(1, 9))
    await start_wa_clock_bot(clock)
    database = str(wa_settings.database_path)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    wati = TelegramPerson(fake, 7790, "Wati")
    await wati.say("/start")
    fake.block_user(7790)
    await create_training(coordinator)

    await graph.wait_for(
        lambda: any(INVITED in text for text in _texts_to(graph, "Bu Ani")), what="Ani invited"
    )
    await graph.wait_for(
        lambda: [s for s, _, _ in _invitations(database, people["Bu Dewi"])] == ["sent"],
        what="Dewi's invitation accepted",
    )
    ((_, _, wamid),) = _invitations(database, people["Bu Dewi"])
    failed = status_update(wamid, PHONES["Bu Dewi"], "failed", errors=[131026])
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    for name in ("Bu Dewi", "Bu Wati"):
        await graph.wait_for(
            lambda n=name: _unreachable(database, people[n]), what=f"{name} unreachable"
        )

    page = await open_page(coordinator)
    assert "Belum menjawab: 3 (2 di antaranya belum terjangkau bot)" in page, page
    reminded = plain((await coordinator.tap("Ingatkan"))[0]["text"])
    assert reminded.split("\n") == [
        "Pengingat dikirim ke 1 orang yang belum menjawab.",
        "2 orang tidak diingatkan karena tidak bisa dihubungi bot (belum memulai bot,"
        " memblokirnya, atau nomornya tidak bisa menerima pesan): mohon telepon langsung.",
    ], reminded
    await graph.wait_for(
        lambda: any(REMINDED in text for text in _texts_to(graph, "Bu Ani")), what="Ani reminded"
    )
    for name in ("Bu Dewi", "Bu Wati"):
        assert len(_invitations(database, people[name])) == 1, name  # the invitation alone
    assert graph.rejections == []
