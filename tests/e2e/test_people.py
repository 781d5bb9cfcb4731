"""People management (/pengguna) and the own phone number (/nomor) on Telegram, end to end:
registrations waiting (and two coordinators deciding the same one), finding a person, role and
region changes (one TKSK per kecamatan), suspension, handover of work, refusals."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from typing import Any

import pytest

from bot.admin_tools import add_user
from bot.config import Settings, load_settings
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import ADMIN_ID, bot_environment
from tests.e2e.reports import Report, walk_report

COORD, COORD2, COORD_TBN, TKSK, PSM_A, PSM_B = 500, 501, 502, 600, 701, 702
NOT_ALLOWED = "tidak berwenang"
NOT_FOUND = "Pengguna itu tidak ditemukan"


@pytest.fixture
def settings(fake, tmp_path) -> Settings:
    """Both districts, so that a coordinator of Tuban can try to reach Kuningan's people."""
    env = bot_environment(fake, tmp_path, DISTRICTS="32.08:KNG,35.23:TBN")
    return load_settings(**{key.lower(): value for key, value in env.items()})


def _query(settings, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(settings.database_path, timeout=60) as db:
        return db.execute(sql, params).fetchall()


async def _write(settings, sql: str, params: tuple = ()) -> None:
    """A write beside the running bot, in a thread (the bot's transactions go on meanwhile)."""

    def run() -> None:
        with sqlite3.connect(settings.database_path, timeout=60) as db:
            db.execute(sql, params)

    await asyncio.to_thread(run)


def _id_of(settings, telegram_id: int) -> int:
    ((user_id,),) = _query(
        settings,
        "SELECT user_id FROM channel_identities WHERE channel = 'telegram' AND external_id = ?",
        (str(telegram_id),),
    )
    return user_id


def _audit(settings, action: str) -> list[tuple]:
    return _query(
        settings, "SELECT actor_id, subject, detail FROM audit_log WHERE action = ?", (action,)
    )


async def _people(fake, settings, start_bot) -> dict[str, TelegramPerson]:
    """Two Kuningan coordinators, one of Tuban, a TKSK of Kadugede and two PSM."""
    seeds: list[tuple[int, str, str, str, str | None, str | None]] = [
        (COORD, "coordinator", "Ibu Sari", "32.08", None, None),
        (COORD2, "coordinator", "Pak Dedi", "32.08", None, None),
        (COORD_TBN, "coordinator", "Pak Hadi", "35.23", None, None),
        (TKSK, "tksk", "Pak Tono", "32.08", "32.08.01", None),
        (PSM_A, "psm", "Bu Ani", "32.08", "32.08.01", "32.08.01.2006"),
        (PSM_B, "psm", "Bu Wati", "32.08", "32.08.01", "32.08.01.2005"),
    ]
    for telegram_id, role, name, kabupaten, kecamatan, desa in seeds:
        await add_user(
            settings,
            role=role,
            telegram_id=telegram_id,
            name=name,
            kabupaten=kabupaten,
            kecamatan=kecamatan,
            desa=desa,
        )
    await start_bot()
    people = {}
    for key, telegram_id in (
        ("coord", COORD),
        ("coord2", COORD2),
        ("coord_tbn", COORD_TBN),
        ("tksk", TKSK),
        ("psm_a", PSM_A),
        ("psm_b", PSM_B),
    ):
        people[key] = TelegramPerson(fake, telegram_id)
        await people[key].say("/start")
    return people


async def _register(person: TelegramPerson, name: str, role: str = "PSM") -> None:
    await person.say("/start")
    await person.say(name)
    await person.share_contact("+62 812-3456-7001")
    await person.tap(role)
    await person.tap("Kuningan")
    await person.say("kadugede")
    if role == "PSM":
        await person.tap("Babatan")
    done = await person.tap("Kirim")
    assert "menunggu persetujuan" in done[0]["text"]


def _button(person: TelegramPerson, text: str, label: str) -> tuple[str, int]:
    """(data, message id) of a button on the latest message holding `text`."""
    for message in reversed(person.all_with_buttons()):
        if text in message.get("text", ""):
            for row in message["reply_markup"]["inline_keyboard"]:
                for button in row:
                    if label in button["text"]:
                        return button["callback_data"], message["message_id"]
    raise AssertionError(f"no {label!r} on a message with {text!r}")


async def _told(person: TelegramPerson, text: str) -> str:
    """Wait until the person was sent a message with `text`; returns that message's text."""
    await person.fake.wait_for(lambda: text in _texts(person.messages()), what=repr(text))
    return next(m["text"] for m in reversed(person.messages()) if text in m["text"])


def _texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text", "") for m in messages)


async def test_waiting_registration_decided_from_pengguna_and_only_once(
    fake, start_bot, settings
) -> None:
    people = await _people(fake, settings, start_bot)
    coord, coord2 = people["coord"], people["coord2"]
    candidate = TelegramPerson(fake, 1001)
    await _register(candidate, "Rina Lestari")
    for approver in (coord, coord2):  # the requests arrived before anyone writes
        await _told(approver, "Nama: Rina Lestari")

    menu = await coord.say("/pengguna")
    assert "Kelola pengguna" in menu[0]["text"] and "Pendaftaran menunggu: 1" in menu[0]["text"]
    listing = await coord.tap("Pendaftaran (1)")
    assert "Pendaftaran menunggu persetujuan" in listing[0]["text"]
    card = await coord.tap("Rina Lestari")
    assert "Pendaftaran baru" in card[0]["text"] and "Rina Lestari" in card[0]["text"]

    # Both coordinators press at once: Sari approves from /pengguna, Dedi rejects (confirmed)
    # from the request he was sent. One decision wins; the other is told who decided.
    approve, approve_message = _button(coord, "Rina Lestari", "Setujui")
    await coord2.tap("Tolak", expect=0)
    await coord2.wait_button("Tanpa alasan")
    reject, reject_message = _button(coord2, "Rina Lestari", "Tanpa alasan")
    before, waiting = len(coord2.messages()), len(candidate.messages())
    fake.user_callback(COORD, approve, message_id=approve_message)
    fake.user_callback(COORD2, reject, message_id=reject_message)
    told = await fake.wait_sent(COORD2, before + 1)
    assert "sudah disetujui oleh Ibu Sari" in told[-1]["text"]
    approved = await fake.wait_sent(candidate.user_id, waiting + 1)
    assert "sudah disetujui" in approved[-1]["text"]
    rows = _query(
        settings,
        "SELECT status, role, decided_by, version FROM users WHERE full_name = 'Rina Lestari'",
    )
    assert rows == [("active", "psm", _id_of(settings, COORD), 2)]
    assert len(_audit(settings, "registration.approved")) == 1
    assert _audit(settings, "registration.rejected") == []
    assert not any("tidak disetujui" in m["text"] for m in candidate.messages())


async def test_a_rejection_is_confirmed_and_can_be_reviewed_again(
    fake, start_bot, settings
) -> None:
    people = await _people(fake, settings, start_bot)
    coord, tuban = people["coord"], people["coord_tbn"]
    candidate = TelegramPerson(fake, 1001)
    await _register(candidate, "Rina Lestari")
    await _told(coord, "Nama: Rina Lestari")
    status = "SELECT status, version FROM users WHERE full_name = 'Rina Lestari'"

    # "Tolak" beside "Setujui" asks again; "Kembali" brings the request back.
    await coord.tap("Tolak", expect=0)
    await coord.wait_button("Tanpa alasan")
    assert _query(settings, status)[0][0] == "pending"
    await coord.tap("Kembali", expect=0)
    await coord.wait_button("Setujui")
    await coord.tap("Tolak", expect=0)
    await coord.wait_button("Tanpa alasan")
    await coord.tap("Tanpa alasan", expect=0)
    await _told(candidate, "tidak disetujui")
    (rejected,) = _query(settings, status)
    assert rejected[0] == "rejected"
    rina = _id_of(settings, 1001)

    # Found by name, marked, and their page offers a review; not from another kabupaten.
    assert "Tidak ada pengguna" in (await tuban.say("/pengguna Rina"))[0]["text"]
    forged = await tuban.tap_data(f"pg:rv:{rina}:{rejected[1]}", 1)
    assert NOT_FOUND in forged[0]["text"]
    found = await coord.say("/pengguna Rina")
    assert "✖️ Rina Lestari" in json.dumps(found, ensure_ascii=False)
    page = await coord.tap("Rina Lestari")
    assert "Status: Ditolak" in page[0]["text"]
    again = await coord.tap("Tinjau ulang")
    assert "ditinjau ulang" in again[0]["text"] and "Pendaftaran baru" in again[0]["text"]
    assert _query(settings, status)[0][0] == "pending"
    assert "ditinjau ulang" in await _told(candidate, "ditinjau ulang")
    ((actor, subject, detail),) = _audit(settings, "registration.reconsidered")
    assert (actor, subject, detail) == (_id_of(settings, COORD), f"user:{rina}", "{}")
    # A second press of the old button changes nothing: it was her own review, said so.
    stale = await coord.tap_data(f"pg:rv:{rina}:{rejected[1]}", 1)
    assert "sudah Bapak/Ibu tinjau ulang" in stale[0]["text"]
    assert "orang lain" not in stale[0]["text"]
    assert len(_audit(settings, "registration.reconsidered")) == 1

    # Decided as any registration.
    await coord.tap("Setujui", expect=0)
    await _told(candidate, "sudah disetujui")
    assert _query(settings, status)[0][0] == "active"
    assert fake.rejections == []


def _labels(message: dict[str, Any]) -> list[str]:
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [b["text"] for row in keyboard for b in row]


async def test_back_from_a_rejection_in_pengguna_keeps_the_menu_button(
    fake, start_bot, settings
) -> None:
    people = await _people(fake, settings, start_bot)
    coord = people["coord"]
    await _register(TelegramPerson(fake, 1001), "Rina Lestari")
    await _told(coord, "Nama: Rina Lestari")
    await coord.say("/pengguna")
    await coord.tap("Pendaftaran (1)")
    (card,) = await coord.tap("Rina Lestari")
    shown = _labels(card)
    assert shown == ["✅ Setujui", "❌ Tolak", "« Menu pengguna"]

    # "Tolak" asks again in place; "Kembali" brings the request back as /pengguna showed it.
    reject, card_id = _button(coord, "Rina Lestari", "Tolak")
    await coord.tap_data(reject, card_id, expect=0)
    await coord.wait_button("Tanpa alasan")
    back, _ = _button(coord, "Rina Lestari", "Kembali")
    await coord.tap_data(back, card_id, expect=0)
    await fake.wait_for(
        lambda: "✅ Setujui" in _labels(fake.message(COORD, card_id) or {}), what="the request"
    )
    again = fake.message(COORD, card_id)
    assert again is not None and _labels(again) == shown
    assert "Pendaftaran baru" in again["text"]
    await coord.tap("Menu pengguna")  # and it still leads there
    assert "Kelola pengguna" in coord.latest_text()
    assert _query(settings, "SELECT status FROM users WHERE full_name = 'Rina Lestari'") == [
        ("pending",)
    ]


async def test_find_a_person_and_change_region_and_role(fake, start_bot, settings) -> None:
    people = await _people(fake, settings, start_bot)
    coord, psm_a = people["coord"], people["psm_a"]
    psm_id = _id_of(settings, PSM_A)
    await _write(
        settings,
        "UPDATE users SET phone = '+6281234567890', phone_verified = 1 WHERE id = ?",
        (psm_id,),
    )

    found = await coord.say("/pengguna ani")
    assert "Ditemukan 1 pengguna" in found[0]["text"]
    card = await coord.tap("Bu Ani")
    text = card[0]["text"]
    assert "Peran: PSM" in text and "Desa/Kelurahan: Babatan" in text
    # In full: her coordinator must be able to call her (QA walk 9).
    assert "Saluran: Telegram" in text and "Nomor HP: +6281234567890" in text
    assert "Laporan terbuka: 0 · Draf: 0" in text
    assert _audit(settings, "person.view")[-1][:2] == (_id_of(settings, COORD), f"user:{psm_id}")

    # Region: kecamatan in pages (Ciniru is on the second), then the desa.
    first = await coord.tap("Ubah wilayah")
    assert "Pilih kecamatan untuk Bu Ani" in first[0]["text"]
    labels = [b["text"] for row in first[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert "Ciniru" not in labels and "Berikutnya ›" in labels
    await coord.tap("Berikutnya")
    desa = await coord.tap("Ciniru")
    assert "Pilih desa/kelurahan untuk Bu Ani (Kecamatan Ciniru)" in desa[0]["text"]
    moved = await coord.tap("Cijemit", expect=1)
    assert "Perubahan disimpan" in moved[0]["text"] and "Kecamatan: Ciniru" in moved[0]["text"]
    assert "Cijemit" in await _told(psm_a, "diubah oleh Ibu Sari")
    assert _query(
        settings, "SELECT kecamatan_code, desa_code, version FROM users WHERE id = ?", (psm_id,)
    ) == [("32.08.02", "32.08.02.2002", 2)]
    ((_, subject, detail),) = _audit(settings, "person.region_changed")
    assert subject == f"user:{psm_id}"
    assert json.loads(detail)["to"]["desa"] == "32.08.02.2002"

    # Role: a TKSK for Kadugede, which has one already: refused until that one is changed.
    back = await coord.tap("Ubah wilayah")
    await coord.tap("Berikutnya")
    await coord.tap("Berikutnya")
    await coord.tap("Kadugede")
    await coord.tap("Babatan")
    roles = await coord.tap("Ubah peran")
    labels = [b["text"] for row in roles[0]["reply_markup"]["inline_keyboard"] for b in row]
    assert "TKSK" in labels and not any("Koordinator" in label for label in labels)
    refused = await coord.tap("TKSK")
    assert "sudah punya TKSK aktif: Pak Tono" in refused[0]["text"]
    assert "« Kembali" in json.dumps(refused[0]["reply_markup"], ensure_ascii=False)
    assert _query(settings, "SELECT role FROM users WHERE id = ?", (psm_id,)) == [("psm",)]

    tono = await coord.tap("Pak Tono")
    assert "Peran: TKSK" in tono[0]["text"]
    await coord.tap("Nonaktifkan")
    await coord.tap("Ya, nonaktifkan")
    await coord.say("/pengguna Bu Ani")
    await coord.tap("Bu Ani")
    await coord.tap("Ubah peran")
    done = await coord.tap("TKSK")
    assert "Perubahan disimpan" in done[0]["text"] and "Peran: TKSK" in done[0]["text"]
    assert _query(
        settings, "SELECT role, kecamatan_code, desa_code FROM users WHERE id = ?", (psm_id,)
    ) == [("tksk", "32.08.01", None)]
    told = await _told(psm_a, "sekarang <b>TKSK</b>")
    assert "/antrian" in told  # the help for the new role comes with it
    # And back to PSM: a PSM needs a desa, asked in the kecamatan they have.
    await coord.tap("Ubah peran")
    asked = await coord.tap("PSM")
    assert "Pilih desa/kelurahan untuk Bu Ani (Kecamatan Kadugede)" in asked[0]["text"]
    await coord.tap("Babatan")
    assert _query(settings, "SELECT role, desa_code FROM users WHERE id = ?", (psm_id,)) == [
        ("psm", "32.08.01.2006")
    ]
    assert len(_audit(settings, "person.role_changed")) == 2
    assert back  # the region screen was reached again
    assert fake.rejections == []


async def test_suspend_and_reactivate(fake, start_bot, settings) -> None:
    people = await _people(fake, settings, start_bot)
    coord, psm = people["coord"], people["psm_a"]
    psm_id = _id_of(settings, PSM_A)
    await psm.say("/lapor")  # a report in progress when the suspension comes
    await psm.say("Slamet Riyadi")  # (one answered: a report left before any is not kept)
    await _write(
        settings,
        "INSERT INTO outbox (user_id, channel, chat_id, kind, priority, message, status,"
        " attempts, not_before, created_at) VALUES (?, 'telegram', ?, 'routine', 2,"
        " '{\"text\": \"pengingat\"}', 'pending', 0, '2999-01-01T00:00:00+00:00',"
        " '2026-01-01T00:00:00+00:00')",
        (psm_id, str(PSM_A)),
    )
    await _write(  # an alert held for them (as behind a closed WhatsApp window)
        settings,
        "INSERT INTO outbox (user_id, channel, chat_id, kind, priority, message, status,"
        " attempts, not_before, created_at) VALUES (?, 'telegram', ?, 'alert', 0,"
        " '{\"text\": \"DARURAT KNG-2026-000009\"}', 'waiting', 0,"
        " '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
        (psm_id, str(PSM_A)),
    )

    await _write(  # the deletion of a message of theirs, waiting behind a flood limit
        settings,
        "INSERT INTO outbox (user_id, channel, chat_id, kind, priority, message, status,"
        " attempts, not_before, created_at) VALUES (?, 'telegram', ?, 'transient', 0,"
        ' \'{"type": "delete", "target_message_id": "1"}\', \'pending\', 0,'
        " '2999-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00')",
        (psm_id, str(PSM_A)),
    )

    await coord.say("/pengguna Ani")
    await coord.tap("Bu Ani")
    asked = await coord.tap("Nonaktifkan")
    assert "Nonaktifkan Bu Ani?" in asked[0]["text"]
    done = await coord.tap("Ya, nonaktifkan")
    assert "Bu Ani dinonaktifkan" in done[0]["text"] and "Aktifkan kembali" in json.dumps(done)
    await _told(psm, "dinonaktifkan oleh Ibu Sari")
    assert _query(settings, "SELECT status FROM users WHERE id = ?", (psm_id,)) == [("suspended",)]
    # Whatever was queued for them is dropped (the suspension notice came after); the report
    # waits as a draft.
    assert _query(
        settings,
        "SELECT kind, status FROM outbox WHERE user_id = ? AND kind IN ('routine', 'alert')",
        (psm_id,),
    ) == [("routine", "expired"), ("alert", "expired")]
    assert _query(  # a deletion still goes: the message leaves their chat all the same
        settings, "SELECT status FROM outbox WHERE user_id = ? AND kind = 'transient'", (psm_id,)
    ) == [("pending",)]
    assert _query(settings, "SELECT status FROM form_sessions WHERE user_id = ?", (psm_id,)) == [
        ("paused",)
    ]

    # Everything is refused politely, except help; writing releases nothing held for them.
    for attempt in ("/lapor", "Slamet Riyadi", "/pengguna", "/saya"):
        reply = await psm.say(attempt)
        assert "sedang dinonaktifkan" in reply[0]["text"], attempt
    assert not any("DARURAT" in m["text"] for m in psm.messages())
    assert "sedang dinonaktifkan" in (await psm.say("/bantuan"))[0]["text"]

    await coord.tap("Aktifkan kembali")
    assert "/lapor" in await _told(psm, "aktif kembali")
    again = await psm.say("/lapor")
    assert "belum selesai" in again[0]["text"]  # their draft is still there
    actions = [a for (a,) in _query(settings, "SELECT action FROM audit_log")]
    assert "person.suspended" in actions and "person.reactivated" in actions


async def test_hand_over_open_cases_and_drafts(fake, start_bot, settings) -> None:
    people = await _people(fake, settings, start_bot)
    coord, psm_a, psm_b = people["coord"], people["psm_a"], people["psm_b"]
    await walk_report(psm_a, Report(photos=0), fake=fake)
    sent = await psm_a.tap("Kirim", expect=2)
    number = sent[0]["text"].split("<b>")[1].split("</b>")[0]
    await psm_a.say("/lapor")
    await psm_a.say("Keluarga Draf")
    a_id, b_id = _id_of(settings, PSM_A), _id_of(settings, PSM_B)
    events_before = _query(settings, "SELECT COUNT(*) FROM case_events")

    await coord.say("/pengguna Ani")
    card = await coord.tap("Bu Ani")
    assert "Laporan terbuka: 1 · Draf: 1" in card[0]["text"]
    receivers = await coord.tap("Serahkan laporan")
    assert "Bu Ani punya 1 laporan terbuka dan 1 draf" in receivers[0]["text"]
    confirm = await coord.tap("Bu Wati")
    assert "kepada Bu Wati?" in confirm[0]["text"]
    done = await coord.tap("Ya, serahkan")
    assert f"diserahkan kepada Bu Wati: {number}" in done[0]["text"]
    assert "Laporan terbuka: 0 · Draf: 0" in done[0]["text"]
    assert number in await _told(psm_b, "dari Bu Ani")
    assert number in await _told(psm_a, "kepada Bu Wati")

    assert _query(settings, "SELECT reporter_id FROM cases WHERE number = ?", (number,)) == [
        (b_id,)
    ]
    assert _query(settings, "SELECT COUNT(*) FROM case_events") == events_before
    assert _query(
        settings,
        "SELECT user_id, status FROM form_sessions WHERE form_id = 'case_report'"
        " AND status IN ('active', 'paused')",
    ) == [(b_id, "paused")]
    ((actor, subject, detail),) = _audit(settings, "person.handover")
    assert (actor, subject) == (_id_of(settings, COORD), f"user:{a_id}")
    assert json.loads(detail)["to"] == b_id
    assert len(_audit(settings, "case.handed_over")) == 1
    drafts = await psm_b.say("/draf")
    assert "Laporan yang belum selesai (1)" in drafts[0]["text"]
    mine = await psm_b.say("/laporan_saya")
    assert number in mine[0]["text"]


async def test_refusals_and_forged_buttons(fake, start_bot, settings) -> None:
    people = await _people(fake, settings, start_bot)
    psm_id, coord_id = _id_of(settings, PSM_A), _id_of(settings, COORD)
    for key in ("psm_a", "tksk"):
        reply = await people[key].say("/pengguna")
        assert NOT_ALLOWED in reply[0]["text"]
        forged = await people[key].tap_data(f"pg:sy:{psm_id}:1", 1)
        assert NOT_ALLOWED in forged[0]["text"]

    # A coordinator of another kabupaten finds nobody and changes nothing.
    tuban, tbn_id = people["coord_tbn"], _id_of(settings, COORD_TBN)
    assert "Tidak ada pengguna" in (await tuban.say("/pengguna Ani"))[0]["text"]
    for data in (f"pg:u:{psm_id}", f"pg:sy:{psm_id}:1", f"pg:h:{psm_id}:1:0"):
        reply = await tuban.tap_data(data, 1)
        assert NOT_FOUND in reply[0]["text"], data
        assert "Bu Ani" not in reply[0]["text"]

    coord = people["coord"]
    cases = [
        (f"pg:or:{psm_id}:1:c", NOT_ALLOWED),  # only admins make coordinators
        (f"pg:sy:{_id_of(settings, COORD2)}:1", NOT_ALLOWED),  # nor change them
        (f"pg:sy:{coord_id}:1", NOT_ALLOWED),  # nor themselves
        (f"pg:gd:{psm_id}:1:p:35.23.01.2001", NOT_ALLOWED),  # a desa of another kabupaten
        (f"pg:gk:{psm_id}:1:p:32.08.01.2006:0", NOT_ALLOWED),  # a desa as kecamatan
        (f"pg:sy:{psm_id}", NOT_ALLOWED),  # malformed
        (f"pg:sy:{psm_id}:x", NOT_ALLOWED),
        ("pg:zz:1", NOT_ALLOWED),
        (f"pg:hc:{psm_id}:1:{coord_id}", NOT_FOUND),  # a coordinator is no receiver
    ]
    for data, expected in cases:
        reply = await coord.tap_data(data, 1)
        assert expected in reply[0]["text"], data
    # An old button (the person changed since) acts on nothing and shows the latest.
    await _write(settings, "UPDATE users SET version = 5 WHERE id = ?", (psm_id,))
    stale = await coord.tap_data(f"pg:sy:{psm_id}:4", 1)
    assert "baru saja diubah orang lain" in stale[0]["text"]
    assert _query(settings, "SELECT status, role, version FROM users WHERE id = ?", (psm_id,)) == [
        ("active", "psm", 5)
    ]
    refused = _audit(settings, "people.refused")
    assert len(refused) >= 2 + 3 + 8
    assert NOT_ALLOWED in (await coord.tap_data("pg:k:35.23:0", 1))[0]["text"]
    await _write(settings, "UPDATE users SET kecamatan_code = '35.23.01' WHERE id = ?", (tbn_id,))
    other = await coord.tap_data("pg:kp:35.23.01:0", 1)  # Tuban's people stay out of sight
    assert "Belum ada orang" in other[0]["text"] and "Pak Hadi" not in json.dumps(other)

    # The people of one kecamatan, picked from the kabupaten's list.
    await coord.say("/pengguna")
    await coord.tap("Per kecamatan")
    await coord.tap("Berikutnya")
    await coord.tap("Berikutnya")
    listing = await coord.tap("Kadugede")
    shown = json.dumps(listing, ensure_ascii=False)
    assert "Pengguna di Kecamatan Kadugede" in shown and "3 orang" in shown
    for name in ("Bu Ani", "Bu Wati", "Pak Tono"):
        assert name in shown
    assert fake.rejections == []


async def test_admin_makes_a_coordinator(fake, start_bot, settings) -> None:
    people = await _people(fake, settings, start_bot)
    admin = TelegramPerson(fake, ADMIN_ID, name="Admin")
    await admin.say("/start")
    menu = await admin.say("/pengguna")
    assert "semua kabupaten" in menu[0]["text"]
    listing = await admin.tap("Daftar PSM")
    assert "Bu Ani" in json.dumps(listing) and "Bu Wati" in json.dumps(listing)
    await admin.tap("Bu Wati")
    await admin.tap("Ubah peran")
    done = await admin.tap("Koordinator")
    assert "Peran: Koordinator Dinas Sosial" in done[0]["text"]
    assert _query(
        settings,
        "SELECT role, kabupaten_code, kecamatan_code FROM users WHERE id = ?",
        (_id_of(settings, PSM_B),),
    ) == [("coordinator", "32.08", None)]
    # Told on Telegram, where the export works: its help line says nothing of another channel.
    told = await _told(people["psm_b"], "sekarang <b>Koordinator")
    assert "/ekspor - unduh laporan sebagai Excel\n" in told and "hanya di" not in told
    # The new coordinator may now manage the people of Kuningan.
    menu = await people["psm_b"].say("/pengguna", until="Kelola pengguna")
    assert "Kabupaten Kuningan" in menu[0]["text"]
    # An admin made in chat cannot change the admins the configuration names.
    await admin.say("/pengguna Dedi")
    await admin.tap("Pak Dedi")
    await admin.tap("Ubah peran")
    made = await admin.tap("Admin")
    assert "Peran: Admin" in made[0]["text"]
    dedi = people["coord2"]
    await _told(dedi, "sekarang <b>Admin</b>")
    admin_id = _id_of(settings, ADMIN_ID)
    ((version,),) = _query(settings, "SELECT version FROM users WHERE id = ?", (admin_id,))
    refused = await dedi.tap_data(f"pg:sy:{admin_id}:{version}", 1)
    assert "ditetapkan di konfigurasi server" in refused[0]["text"]
    assert _query(settings, "SELECT status FROM users WHERE id = ?", (admin_id,)) == [("active",)]


async def test_phone_number_is_changed_only_when_telegram_vouches(
    fake, start_bot, settings
) -> None:
    people = await _people(fake, settings, start_bot)
    psm = people["psm_a"]
    psm_id = _id_of(settings, PSM_A)
    asked = await psm.say("/nomor")
    assert "Nomor HP baru" in asked[0]["text"]
    assert asked[0]["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    typed = await psm.say("081299998888")
    assert "Nomor itu belum disimpan. Di Telegram" in typed[0]["text"]
    someone_else = await psm.share_contact("+62 812-9999-7777", own=False, expect=1)
    assert "atau kontak orang lain tidak bisa kami pastikan" in someone_else[0]["text"]
    assert _query(settings, "SELECT phone FROM users WHERE id = ?", (psm_id,)) == [(None,)]
    done = await psm.share_contact("+62 812-9999-8888", expect=1)
    assert "sekarang +6281299998888 (terverifikasi)" in done[0]["text"]
    assert _query(settings, "SELECT phone, phone_verified FROM users WHERE id = ?", (psm_id,)) == [
        ("+6281299998888", 1)
    ]
    assert _query(
        settings,
        "SELECT phone, phone_verified FROM channel_identities WHERE user_id = ?",
        (psm_id,),
    ) == [("+6281299998888", 1)]
    assert len(_audit(settings, "user.phone_changed")) == 1
    # Someone else's verified number cannot be taken over.
    other = people["psm_b"]
    await other.say("/nomor")
    taken = await other.share_contact("+62 812-9999-8888", expect=1)
    assert "sudah terdaftar untuk akun lain" in taken[0]["text"]


async def test_a_second_tksk_for_a_kecamatan_is_not_approved(fake, start_bot, settings) -> None:
    people = await _people(fake, settings, start_bot)
    coord = people["coord"]
    # Pak Tono is suspended while Joko registers as TKSK of Kadugede (registration refuses a
    # kecamatan with an active TKSK), and active again before the request is decided.
    await coord.say("/pengguna Tono")
    await coord.tap("Pak Tono")
    await coord.tap("Nonaktifkan")
    await coord.tap("Ya, nonaktifkan")
    candidate = TelegramPerson(fake, 1002)
    await _register(candidate, "Joko Santoso", role="TKSK")
    await fake.wait_for(
        lambda: any("Joko Santoso" in m["text"] for m in coord.messages()), what="request"
    )
    await coord.say("/pengguna Tono")
    await coord.tap("Pak Tono")
    await coord.tap("Aktifkan kembali")
    await coord.say("/pengguna")
    await coord.tap("Pendaftaran (1)")
    await coord.tap("Joko Santoso")
    await coord.tap("Setujui", expect=0)

    # Said why, over the request, with the reasons to reject it and the way back.
    def reason_shown() -> list[Any]:
        return [
            call
            for call in fake.calls_of("editMessageText")
            if "sudah punya TKSK aktif, Pak Tono" in (call.params.get("text") or "")
        ]

    await fake.wait_for(lambda: bool(reason_shown()), what="the reason over the request")
    markup = reason_shown()[0].params["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    offered = [button["text"] for row in markup["inline_keyboard"] for button in row]
    assert "Wilayah salah" in offered and "‹ Kembali" in offered
    assert _query(settings, "SELECT status FROM users WHERE full_name = 'Joko Santoso'") == [
        ("pending",)
    ]
    # Once Pak Tono is suspended, the registration can be approved.
    await coord.say("/pengguna Tono")
    await coord.tap("Pak Tono")
    await coord.tap("Nonaktifkan")
    await coord.tap("Ya, nonaktifkan")
    await coord.say("/pengguna")
    await coord.tap("Pendaftaran (1)")
    await coord.tap("Joko Santoso")
    await coord.tap("Setujui", expect=0)
    await _told(candidate, "sudah disetujui")
    assert _query(settings, "SELECT status, role FROM users WHERE full_name = 'Joko Santoso'") == [
        ("active", "tksk")
    ]
