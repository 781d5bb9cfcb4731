"""Every conversation over WhatsApp: signed webhooks over real HTTP in, a fake Graph API out."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from bot import webhook
from bot.admin_tools import add_user
from bot.channels.whatsapp import channel as whatsapp_channel
from bot.channels.whatsapp import error_codes
from tests.e2e.chat import TelegramPerson
from tests.e2e.db_writes import write_db
from tests.e2e.reports import photo_with_exif
from tests.e2e.whatsapp import (
    APP_SECRET,
    VERIFY_TOKEN,
    WhatsAppPerson,
    body_of,
    new_wamid,
    post_webhook,
)
from tests.fakes.whatsapp_api import contact, envelope, sign, status_update, text_message

COORDINATOR = 500


async def _coordinator(fake, wa_settings) -> TelegramPerson:
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    coordinator = TelegramPerson(fake, COORDINATOR)
    await coordinator.say("/start")
    return coordinator


async def _register(person: WhatsAppPerson, typed_name: str = "Siti Aminah") -> None:
    """Walk the registration to its end, the name typed as `typed_name` (the name is Siti
    Aminah: "nama saya Siti Aminah" is read so too)."""
    welcome = await person.say("halo")
    assert "Selamat datang" in body_of(welcome[0]) and "*psm-bot*" in body_of(welcome[0])
    phone = await person.say(typed_name)
    assert "✓ Nama: Siti Aminah" in body_of(phone[0])
    if person.wa_id:
        role = await person.tap("+" + person.wa_id)  # the number WhatsApp vouches for
        assert "terverifikasi" not in body_of(role[0])
    else:
        await person.say("0812 3456 7890")
    await person.tap("PSM")
    await person.say("kadugede")
    summary = await person.tap("Babatan")
    assert "Periksa kembali" in body_of(summary[-1])
    assert "Nama: Siti Aminah\n" in body_of(summary[-1])  # the name alone
    done = await person.tap("Kirim")
    assert "menunggu persetujuan" in body_of(done[0])


async def _approve(fake, coordinator: TelegramPerson) -> None:
    await fake.wait_for(
        lambda: any("Pendaftaran baru" in m["text"] for m in coordinator.messages()), what="request"
    )
    await coordinator.tap("Setujui", expect=0)


async def test_registration_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    coordinator = await _coordinator(fake, wa_settings)
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1001", wa_id="6281234500001")
    await _register(person, typed_name="nama saya Siti Aminah")  # the name in a sentence
    await _approve(fake, coordinator)
    approved = await graph.wait_messages(person.recipient, len(person.messages()) + 1)
    assert "sudah disetujui" in body_of(approved[-1])
    assert "*lapor*" in body_of(approved[-1])  # keywords instead of slash commands
    with sqlite3.connect(wa_settings.database_path) as db:
        row = db.execute(
            "SELECT u.full_name, u.status, u.phone, u.phone_verified, i.external_id, i.chat_id"
            " FROM users u JOIN channel_identities i ON i.user_id = u.id"
            " WHERE i.channel = 'whatsapp'"
        ).fetchone()
    assert row == ("Siti Aminah", "active", "+6281234500001", 1, "ID.1001", "6281234500001")
    assert graph.rejections == [] and fake.rejections == []


async def test_a_voice_note_gets_the_question_again(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1009", wa_id="6281234500009")
    await person.say("halo")
    spoken = await person.send_voice()
    assert "pesan suara" in body_of(spoken[0]) and "nama lengkap" in body_of(spoken[0])
    assert graph.rejections == []


async def test_a_keyword_amid_a_report_is_a_side_trip(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """ "jadwal" at the KK question (QA finding 3): the schedule, then the KK question again,
    the report kept; not a KK error."""
    await start_wa_bot()
    coordinator = await _coordinator(fake, wa_settings)
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1010", wa_id="6281234500010")
    await _register(person)
    await _approve(fake, coordinator)
    await graph.wait_messages(person.recipient, len(person.messages()) + 1)
    await person.say("lapor")
    await person.say("Slamet Riyadi")
    replies = " ".join(body_of(reply) for reply in await person.say("jadwal", expect=2))
    assert "Tidak ada bimtek mendatang" in replies and "harus berisi angka" not in replies
    assert "Kartu Keluarga" in replies.partition("Tidak ada bimtek mendatang")[2]
    kept = await person.say("3208011210190005")
    assert "✓ Nomor KK" in body_of(kept[0])


async def test_case_report_over_whatsapp_with_multiselect_and_photo(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    coordinator = await _coordinator(fake, wa_settings)
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1002", wa_id="6281234500002")
    await _register(person)
    await _approve(fake, coordinator)
    await graph.wait_messages(person.recipient, len(person.messages()) + 1)

    first = await person.say("lapor")
    assert "Laporan baru" in body_of(first[0])
    await person.say("Slamet Riyadi")
    await person.say("3208011210190005")
    await person.say("Ayu Lestari")
    await person.say("3208014506230001")
    await person.tap("05-06-2023")
    await person.tap("Anak")
    await person.tap("Tidak")
    await person.say("Dusun Manis RT 02 RW 05")
    location = await person.tap("Babatan")
    assert location[-1]["interactive"]["type"] == "location_request_message"
    categories = await person.share_location(-6.97, 108.48)
    assert categories[-1]["type"] == "text"  # 11 options: numbered text
    assert "1. Stunting" in body_of(categories[-1])
    picked = await person.tap("Stunting")  # types "1"
    assert "Dipilih: Stunting" in body_of(picked[-1])
    await person.tap("Selesai memilih")
    await person.tap("Dugaan")
    await person.tap("Lewati")
    await person.say("5")
    await person.tap("PKH")
    await person.tap("Selesai memilih")
    await person.tap("Orang tua/wali")
    await person.tap("Lisan")
    # Starts like a keyword ("cari Ayu" searches): inside a form, it is the answer.
    described = await person.say("Cari kerja ke kota, balita kurus")
    assert "Cari kerja ke kota" in body_of(described[0])
    media_id = graph.register_media(photo_with_exif(1))
    received = await person.send_photo(media_id)
    assert "Foto diterima (1)" in body_of(received[-1])
    await person.tap("Selesai foto")
    summary = await person.tap("Biasa")
    assert "320801******0001" in body_of(summary[-1])
    done = await person.tap("Kirim", expect=2)
    assert "Nomor kasus: *KNG-" in body_of(done[0])
    with sqlite3.connect(wa_settings.database_path) as db:
        (path,) = db.execute("SELECT path FROM case_photos").fetchone()
        (categories_stored,) = db.execute(
            "SELECT group_concat(code) FROM case_categories"
        ).fetchone()
        (description,) = db.execute("SELECT description FROM cases").fetchone()
    assert categories_stored == "stunting"
    assert description == "Cari kerja ke kota, balita kurus"
    with Image.open(wa_settings.media_path / path) as image:
        assert not image.getexif()
    assert all("3208014506230001" not in json.dumps(m) for m in person.messages())
    assert graph.rejections == []


async def test_signatures_and_handshake(graph, wa_settings, webhook_url, start_wa_bot) -> None:
    await start_wa_bot()
    body = envelope(
        messages=[text_message(new_wamid(), "6281234500003", "halo")],
        contacts=[contact(user_id="ID.1003", wa_id="6281234500003")],
    )
    missing = await post_webhook(webhook_url, body, signature=None)
    wrong = await post_webhook(webhook_url, body, signature="sha256=" + "0" * 64)
    other_secret = await post_webhook(webhook_url, body, secret="not-the-secret")
    assert (missing.status_code, wrong.status_code, other_secret.status_code) == (401, 403, 403)
    garbage = await post_webhook(webhook_url, b"{not json")
    unknown_shape = await post_webhook(webhook_url, {"entry": "nonsense"})
    assert garbage.status_code == 200 and unknown_shape.status_code == 200
    with sqlite3.connect(wa_settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM inbox").fetchone() == (0,)
    async with httpx.AsyncClient() as client:
        ok = await client.get(
            f"{webhook_url}/webhook/whatsapp",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": VERIFY_TOKEN,
                "hub.challenge": "42",
            },
        )
        bad = await client.get(
            f"{webhook_url}/webhook/whatsapp",
            params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "42"},
        )
        health = await client.get(f"{webhook_url}/healthz")
    assert (ok.status_code, ok.text, bad.status_code) == (200, "42", 403)
    assert health.json()["ok"] is True


async def test_odd_requests_are_refused_not_failed(
    graph, wa_settings, webhook_url, start_wa_bot, monkeypatch
) -> None:
    """A signature or verify token beyond ASCII is refused (403), not a crash (500); a body
    beyond the cap is refused (413) without being read whole, whether it says its length or
    not."""
    monkeypatch.setattr(webhook, "MAX_BODY", 64 * 1024)
    await start_wa_bot()
    body = envelope(
        messages=[text_message(new_wamid(), "6281234500005", "halo")],
        contacts=[contact(user_id="ID.1005", wa_id="6281234500005")],
    )
    odd = await post_webhook(webhook_url, body, signature="sha256=tandatangan\u00e9".encode())
    assert odd.status_code == 403
    async with httpx.AsyncClient() as client:
        token = await client.get(
            f"{webhook_url}/webhook/whatsapp",
            params={
                "hub.mode": "subscribe",
                "hub.verify_token": "t\u00f6ken",
                "hub.challenge": "1",
            },
        )
        assert token.status_code == 403

        async def chunks():
            for _ in range(80):  # 80 KiB, sent chunked: no Content-Length to go by
                yield b" " * 1024

        chunked = await client.post(
            f"{webhook_url}/webhook/whatsapp",
            content=chunks(),
            headers={"X-Hub-Signature-256": sign(b"", APP_SECRET)},
        )
        assert chunked.status_code == 413

    # A length far beyond the cap is answered at once, before any of the body arrives.
    reader, writer = await asyncio.open_connection("127.0.0.1", wa_settings.webhook_port)
    try:
        writer.write(
            b"POST /webhook/whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"X-Hub-Signature-256: sha256=00\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000000\r\n\r\n{"
        )
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    assert status.startswith(b"HTTP/1.1 413")
    with sqlite3.connect(wa_settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM inbox").fetchone() == (0,)
    assert (await post_webhook(webhook_url, body)).status_code == 200  # the server lives on
    await graph.wait_messages("6281234500005", 1)


async def test_a_message_sent_over_a_week_ago_is_acknowledged_and_dropped(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """A signed payload replayed once its dedup key is gone (8 days) is not applied again."""
    await start_wa_bot()

    def days_ago(days: int) -> int:
        return int(time.time()) - days * 86400

    old = envelope(
        messages=[text_message(new_wamid(), "6281234500006", "halo", timestamp=days_ago(8))],
        contacts=[contact(user_id="ID.1006", wa_id="6281234500006")],
    )
    assert (await post_webhook(webhook_url, old)).status_code == 200
    with sqlite3.connect(wa_settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM inbox").fetchone() == (0,)

    late = envelope(  # late but within the week (a phone long offline): answered
        messages=[text_message(new_wamid(), "6281234500006", "halo", timestamp=days_ago(6))],
        contacts=[contact(user_id="ID.1006", wa_id="6281234500006")],
    )
    assert (await post_webhook(webhook_url, late)).status_code == 200
    # Its window, from when it was sent, closed days ago: the welcome waits behind a template.
    (announced,) = await graph.wait_messages("6281234500006", 1)
    assert body_of(announced) == "template:psm_pemberitahuan"
    with sqlite3.connect(wa_settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM inbox").fetchone() == (1,)


async def test_a_redelivered_message_is_applied_once(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    body = envelope(
        messages=[text_message("wamid.SAME", "6281234500004", "halo")],
        contacts=[contact(user_id="ID.1004", wa_id="6281234500004")],
    )
    for _ in range(3):
        assert (await post_webhook(webhook_url, body)).status_code == 200
    await graph.wait_messages("6281234500004", 1)
    with sqlite3.connect(wa_settings.database_path) as db:
        assert db.execute("SELECT COUNT(*) FROM inbox").fetchone() == (1,)
        assert db.execute("SELECT COUNT(*) FROM form_sessions").fetchone() == (1,)
    assert len(graph.messages_to("6281234500004")) == 1


async def test_outside_the_window_a_template_then_the_message_after_the_tap(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    coordinator = await _coordinator(fake, wa_settings)
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1005", wa_id="6281234500005")
    await _register(person)
    long_ago = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    await write_db(
        wa_settings.database_path,
        "UPDATE channel_identities SET last_inbound_at = ? WHERE channel = 'whatsapp'",
        long_ago,
    )
    before = len(person.messages())
    await _approve(fake, coordinator)
    sent = await graph.wait_messages(person.recipient, before + 1)
    assert sent[-1]["type"] == "template"
    assert sent[-1]["template"]["name"] == "psm_pemberitahuan"

    def held() -> tuple | None:
        with sqlite3.connect(wa_settings.database_path) as db:
            return db.execute(
                "SELECT status, template FROM outbox WHERE channel = 'whatsapp'"
                " ORDER BY id DESC LIMIT 1"
            ).fetchone()

    await graph.wait_for(lambda: held() == ("waiting", "psm_pemberitahuan"), what="held")
    after_tap = await person.tap_template()
    assert "sudah disetujui" in body_of(after_tap[-1])
    menu = await person.tap_template("Buka")  # nothing waits now: said, with the menu
    assert body_of(menu[-1]).startswith("Kabar di pemberitahuan itu sudah lewat")
    assert "Buat laporan baru" in json.dumps(menu[-1], ensure_ascii=False)
    assert not any("tidak dikenal" in body_of(message) for message in person.messages())


async def test_what_waited_behind_the_window_comes_before_the_answer_to_a_typed_word(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Outside the window the approval waits; the person types a word instead of tapping the
    template: the approval, news from before, comes first, then the answer to the word."""
    await start_wa_bot()
    coordinator = await _coordinator(fake, wa_settings)
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1015", wa_id="6281234500015")
    await _register(person)
    long_ago = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    await write_db(
        wa_settings.database_path,
        "UPDATE channel_identities SET last_inbound_at = ? WHERE channel = 'whatsapp'",
        long_ago,
    )
    before = len(person.messages())
    await _approve(fake, coordinator)
    sent = await graph.wait_messages(person.recipient, before + 1)
    assert sent[-1]["type"] == "template"
    after = len(person.messages())
    await person.say("bantuan", expect=2)
    texts = [body_of(message) for message in person.messages()[after:]]
    assert len(texts) == 2
    assert "sudah disetujui" in texts[0], texts
    assert "sudah disetujui" not in texts[1]


async def test_a_new_number_is_followed_by_replies_and_the_verified_phone(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Someone who changed their number keeps their BSUID: replies go to the new number and
    the number WhatsApp vouches for is the new one."""
    await start_wa_bot()
    before = WhatsAppPerson(graph, webhook_url, user_id="ID.1013", wa_id="6281234500013")
    await before.say("halo")
    after = WhatsAppPerson(graph, webhook_url, user_id="ID.1013", wa_id="6281299900013")
    answer = await after.say("Siti Aminah")
    assert "Siti Aminah" in body_of(answer[0])
    with sqlite3.connect(wa_settings.database_path) as db:
        row = db.execute("SELECT chat_id, phone, phone_verified FROM channel_identities").fetchone()
    assert row == ("6281299900013", "+6281299900013", 1)


async def test_username_only_person_is_written_to_by_user_id(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="US.77001", wa_id=None)
    welcome = await person.say("halo")
    assert "Selamat datang" in body_of(welcome[0])
    assert graph.messages_to("US.77001")[0]["recipient"] == "US.77001"
    await person.say("Rina Wati")
    stored = await person.say("0812 3456 7890")  # no number from WhatsApp: typed, unverified
    assert "+6281234567890" in body_of(stored[0])
    with sqlite3.connect(wa_settings.database_path) as db:
        (chat,) = db.execute("SELECT chat_id FROM channel_identities").fetchone()
    assert chat == "bsuid:US.77001"


async def test_a_notification_s_messages_are_read_in_the_order_they_were_sent(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """QA 13: a number sent 60 s after the name but listed first in one notification was read
    at the name question (refused), then the name accepted and the number lost."""
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="US.77002", wa_id=None)
    await person.say("halo")
    now = time.time()
    replies = await person.say_in_one_notification(
        [("0812 3456 7890", now), ("Rina Wati", now - 60)], expect=2
    )
    assert "Rina Wati" in body_of(replies[0])
    assert "+6281234567890" in body_of(replies[1])  # the number at the phone question


async def test_error_codes_decide(fake, graph, wa_settings, webhook_url, start_wa_bot) -> None:
    await start_wa_bot()
    admin = TelegramPerson(fake, 999, name="Admin")
    await admin.say("/start")
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1006", wa_id="6281234500006")
    # Pair rate limit: backed off and delivered later.
    graph.fail_next(131056, recipient=person.recipient)
    await person.say("halo", expect=0)
    await graph.wait_messages(person.recipient, 1, timeout=15)
    # Accepted, then reported failed outside the window: sent again as a template.
    graph.close_window(person.recipient)

    def accepted() -> list[tuple]:
        with sqlite3.connect(wa_settings.database_path) as db:
            return db.execute(
                "SELECT ext_message_id FROM outbox WHERE channel = 'whatsapp'"
                " AND ext_message_id IS NOT NULL ORDER BY id LIMIT 1"
            ).fetchall()

    await graph.wait_for(lambda: bool(accepted()), what="the welcome marked sent")
    [(wamid,)] = accepted()
    await write_db(
        wa_settings.database_path,
        "UPDATE channel_identities SET last_inbound_at = ? WHERE channel = 'whatsapp'",
        (datetime.now(UTC) - timedelta(hours=30)).isoformat(),
    )
    failed = status_update(wamid, person.recipient, "failed", errors=[131047])
    assert (await post_webhook(webhook_url, envelope(statuses=[failed]))).status_code == 200
    await graph.wait_for(
        lambda: any(m["type"] == "template" for m in graph.messages_to(person.recipient)),
        timeout=15,
    )
    # Undeliverable: the person is marked unreachable.
    graph.open_window(person.recipient)
    graph.fail_next(131026, recipient=person.recipient)
    await write_db(
        wa_settings.database_path,
        "UPDATE channel_identities SET last_inbound_at = ?",
        datetime.now(UTC).isoformat(),
    )
    await person.say("/saya", expect=0)
    await graph.wait_for(lambda: _unreachable(wa_settings), timeout=15, what="unreachable")
    # Token expired: the admins are told; the channel waits (every send would fail alike).
    graph.fail_next(190)
    await person.say("Dewi", expect=0)
    alert = await fake.wait_sent(999, 2, timeout=15)
    assert "token" in alert[-1]["text"].lower()
    with sqlite3.connect(wa_settings.database_path) as db:
        waiting = db.execute(
            "SELECT attempts, status FROM outbox WHERE last_error LIKE '190:%'"
        ).fetchall()
    assert waiting == [
        (0, "pending")
    ]  # waiting, not failed (nor an attempt): it goes once the token works


@pytest.mark.parametrize(
    ("code", "status"),
    [
        *[(131000, 500), (2, 503), (133004, 503), (131016, 400), (1, 400), (502, 502)],
        *[(131048, 400), (131049, 400)],  # Meta holding our messages back (spam limit, ...)
    ],
)
async def test_meta_being_unwell_for_a_while_delays_a_message_never_loses_it(
    graph, wa_settings, webhook_url, start_wa_bot, monkeypatch, code, status
) -> None:
    """Temporary errors (or a bare HTTP 5xx), and Meta holding our messages back, are tried
    again, later each time; they used to fail the message for good: a darurat alert or a
    reply lost."""
    monkeypatch.setattr(error_codes, "TEMPORARY_PAUSE", 0.2)
    monkeypatch.setattr(error_codes, "HELD_BACK_PAUSE", 0.2)  # an hour, doubled, in truth
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1011", wa_id="6281234500011")
    graph.fail_next(code, recipient=person.recipient, times=2, status=status)
    welcome = await person.say("halo")  # third time lucky
    assert "Selamat datang" in body_of(welcome[0])
    await graph.wait_for(lambda: _outbox(wa_settings) == [(2, "sent")], what="marked sent")


async def test_too_many_calls_for_the_account_hold_the_channel_a_while(
    graph, wa_settings, webhook_url, start_wa_bot, monkeypatch
) -> None:
    monkeypatch.setattr(whatsapp_channel, "ACCOUNT_RATE_PAUSE", 0.3)
    await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1012", wa_id="6281234500012")
    graph.fail_next(80007, recipient=person.recipient)
    welcome = await person.say("halo")
    assert "Selamat datang" in body_of(welcome[0])
    # The channel held for the account's limit: not a failed try of the message.
    await graph.wait_for(lambda: _outbox(wa_settings) == [(0, "sent")], what="marked sent")


def _outbox(wa_settings) -> list[tuple]:
    """(failed tries, status) of every outbox message."""
    with sqlite3.connect(wa_settings.database_path) as db:
        return db.execute("SELECT attempts, status FROM outbox ORDER BY id").fetchall()


def _unreachable(wa_settings) -> bool:
    with sqlite3.connect(wa_settings.database_path) as db:
        row = db.execute(
            "SELECT unreachable_at FROM channel_identities WHERE channel = 'whatsapp'"
        ).fetchone()
    return bool(row and row[0])


async def test_files_are_uploaded_and_sent_by_media_id(
    graph, wa_settings, webhook_url, start_wa_bot, tmp_path
) -> None:
    runtime = await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1007", wa_id="6281234500007")
    await person.say("halo")
    sheet = tmp_path / "laporan.xlsx"
    sheet.write_bytes(b"PK\x03\x04 not really a workbook")
    from handlers.delivery import DeliveryKind, deliver
    from handlers.events import Outbound

    async with runtime.db.transaction() as repos:
        identity = await repos.users.identity("whatsapp", "ID.1007")
        await deliver(
            repos,
            user_id=identity.user_id,
            kind=DeliveryKind.NOTICE,
            now=runtime.clock.now(),
            message=Outbound(type="document", file_path=str(sheet), text="<b>Ekspor</b>"),
        )
    runtime.senders["whatsapp"].wake()
    sent = await graph.wait_messages(person.recipient, 2)
    document = sent[-1]
    assert document["type"] == "document"
    assert document["document"]["filename"] == "laporan.xlsx"
    assert document["document"]["caption"] == "*Ekspor*"
    assert graph.media(document["document"]["id"])[0] == sheet.read_bytes()


async def test_a_reply_left_unsent_by_a_crash_goes_first_thing_after_the_restart(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """The sender starts only once the channel has: the reply goes at the first attempt
    (the adapter used before it was started failed, and the chat's next reply overtook it)."""
    runtime = await start_wa_bot()
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1008", wa_id="6281234500008")
    await person.say("halo")
    await runtime.stop()
    # As if the bot had died after sending the welcome, before writing its sent mark.
    await write_db(
        wa_settings.database_path,
        "UPDATE outbox SET status = 'pending', attempts = 0, sent_at = NULL,"
        " ext_message_id = NULL WHERE channel = 'whatsapp'",
    )
    await start_wa_bot()
    again = await graph.wait_messages(person.recipient, 2)
    assert body_of(again[1]) == body_of(again[0])
    with sqlite3.connect(wa_settings.database_path) as db:
        rows = db.execute(
            "SELECT status, attempts, last_error FROM outbox WHERE channel = 'whatsapp'"
        ).fetchall()
    assert rows == [("sent", 0, None)]  # no failed try
