"""Inviting people to a training beyond its audience, end to end: phone lists as CSV and XLSX
(bad rows reported by row number, unknown numbers kept and listed for a call), a candidate
joining over WhatsApp by the letter's keyword, a listed number attached when its owner first
writes on WhatsApp; RSVP and check-in over WhatsApp."""

from __future__ import annotations

import io
import re
import sqlite3

import openpyxl

from bot.admin_tools import add_user
from bot.clock import ManualClock
from bot.config import Settings
from handlers.trainings.codes import code_for, slot_of
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import BUSINESS_NUMBER, open_db
from tests.e2e.training_helpers import (
    TITLE,
    at,
    create_training,
    invitation_of,
    open_page,
    plain,
    send_file,
    verify_phone,
)
from tests.e2e.whatsapp import WhatsAppPerson, body_of

COORDINATOR = 500
CSV_LIST = """No;Nama;No HP
1;Bu Ani;0812-3450-0701
2;Pak Joko;+62 812 3450 0702
3;Bu Rina;6281234500703
4;Calon Satu;0813 1111 2222
5;Salah Ketik;12345
6;Tanpa Nomor;
7;Calon Satu lagi;081311112222
8;Kantor Desa;022-1234567
"""


async def _psm(settings: Settings, telegram_id: int, name: str, kecamatan: str, desa: str) -> int:
    return await add_user(
        settings,
        role="psm",
        telegram_id=telegram_id,
        name=name,
        kabupaten="32.08",
        kecamatan=kecamatan,
        desa=desa,
    )


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


async def _ask_for_file(coordinator: TelegramPerson) -> str:
    await open_page(coordinator)
    await coordinator.tap("Undang")
    asked = await coordinator.tap("File nomor HP")
    return plain(asked[0]["text"])


async def test_phone_lists_as_csv_and_xlsx(fake, settings, start_bot) -> None:
    sari = await add_user(
        settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    ani = await _psm(settings, 701, "Bu Ani", "32.08.01", "32.08.01.2006")
    joko = await _psm(settings, 702, "Pak Joko", "32.08.02", "32.08.02.2001")
    rina = await _psm(settings, 703, "Bu Rina", "32.08.03", "32.08.03.2001")  # never starts
    # Written before the bot runs: a write from the test would share the bot's event loop.
    for user_id, phone in (
        (ani, "+6281234500701"),
        (joko, "+6281234500702"),
        (rina, "+6281234500703"),
        (sari, "+6281234500500"),
    ):
        verify_phone(settings.database_path, user_id, phone)
    await start_bot(clock=ManualClock(at(1, 9)))
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    for telegram_id in (701, 702):
        await TelegramPerson(fake, telegram_id).say("/start")
    await create_training(coordinator, audience="PSM satu kecamatan", kecamatan="kadugede")

    # -- text is not a file ---------------------------------------------------------------------
    prompt = await _ask_for_file(coordinator)
    assert "Kirim file CSV atau XLSX" in prompt
    typed = await coordinator.say("0812 3450 0702", expect=2)
    assert "bukan teks" in plain(typed[0]["text"])
    assert "Kirim file CSV atau XLSX" in plain(typed[1]["text"])

    # -- a CSV with good and bad rows -----------------------------------------------------------
    report = plain(
        (await send_file(fake, coordinator, CSV_LIST.encode(), "undangan.csv"))[0]["text"]
    )
    assert "Undangan dari file undangan.csv" in report
    assert "Baris dibaca: 8" in report
    assert "Diundang langsung: 2" in report  # Pak Joko and Bu Rina (whose phone is verified)
    assert "Sudah diundang sebelumnya: 1" in report  # Bu Ani, invited with her kecamatan
    assert "Nomor belum terdaftar di bot: 1" in report
    assert "Belum terjangkau — mohon telepon (1)" in report
    assert "• Calon Satu (+6281311112222)" in report
    problems = report.split("Baris tidak dipakai (4):")[1].strip().splitlines()
    assert problems == [
        "Baris 6: nomor HP tidak valid (12345)",
        "Baris 7: nomor HP kosong",
        "Baris 8: nomor sama dengan baris 5",
        "Baris 9: bukan nomor HP (022-1234567)",
    ]
    await invitation_of(fake, TelegramPerson(fake, 702))
    page = await open_page(coordinator)
    assert "Diundang: 3" in page and "(1 di antaranya belum terjangkau bot)" in page  # Bu Rina
    assert "Nomor belum terdaftar di bot (mohon telepon): 1\n• Calon Satu (+6281311112222)" in page

    # -- an XLSX: numbers typed as numbers, a header in other words -----------------------------
    await _ask_for_file(coordinator)
    workbook = _xlsx(
        [
            ["Nama Lengkap", "Telepon/WA", "Desa"],
            ["Calon Dua", 81355550002, "Babatan"],
            ["Pak Joko", "081234500702", "Cibingbin"],
            [None, None, None],
            ["Rusak", "abc", "Babatan"],
            ["Calon Satu", "+6281311112222", "Babatan"],  # on the list already: kept once
            ["Ibu Sari", "081234500500", "Kantor"],  # a coordinator: not whom trainings are for
        ]
    )
    report = plain((await send_file(fake, coordinator, workbook, "peserta.xlsx"))[0]["text"])
    assert "Baris dibaca: 5" in report and "Diundang langsung: 0" in report
    assert "di luar wilayah pelatihan ini (tidak diundang): 1" in report
    assert "Ibu Sari" not in report and "500500" not in report
    assert "Sudah diundang sebelumnya: 1" in report
    assert "Nomor belum terdaftar di bot: 2" in report
    assert "• Calon Dua (+6281355550002)" in report
    assert report.endswith("Baris tidak dipakai (1):\nBaris 5: nomor HP tidak valid (abc)")

    # -- a file that is not what its name says ---------------------------------------------------
    await _ask_for_file(coordinator)
    broken = await send_file(fake, coordinator, b"PK\x03\x04 not really", "rusak.xlsx", expect=2)
    assert "tidak bisa dibaca (rusak.xlsx)" in plain(broken[0]["text"])
    assert "Kirim file CSV atau XLSX" in plain(broken[1]["text"])
    await coordinator.say("/batal")
    await coordinator.tap("Ya")

    # -- a listed number registers the usual way (Telegram, own contact): invited on approval ---
    satu = TelegramPerson(fake, 802, "Satu")
    await satu.say("/start")
    await satu.say("Calon Satu")
    await satu.share_contact("+62 813-1111-2222")
    await satu.tap("PSM")
    await satu.say("kadugede")
    await satu.tap("Babatan")
    await satu.tap("Kirim")
    await fake.wait_for(
        lambda: any("Calon Satu" in m["text"] for m in coordinator.messages()[-3:]),
        what="the registration request",
    )
    assert not any("Undangan bimtek" in m["text"] for m in satu.messages())  # not before
    await coordinator.tap("Setujui", expect=0)
    await invitation_of(fake, satu)

    with sqlite3.connect(settings.database_path) as db:
        pending = db.execute(
            "SELECT phone, name, user_id IS NOT NULL FROM training_pending_invitations"
            " ORDER BY phone"
        ).fetchall()
        invited = db.execute(
            "SELECT group_concat(u.full_name, ',') FROM training_invitations i"
            " JOIN users u ON u.id = i.user_id"
        ).fetchone()[0]
        audit = db.execute(
            "SELECT detail FROM audit_log WHERE action = 'training.imported' ORDER BY id"
        ).fetchall()
    assert pending == [("+6281311112222", "Calon Satu", 1), ("+6281355550002", "Calon Dua", 0)]
    assert sorted(invited.split(",")) == ["Bu Ani", "Bu Rina", "Calon Satu", "Pak Joko"]
    assert len(audit) == 2 and '"problems": 4' in audit[0][0]
    assert fake.rejections == []


async def _register_on_whatsapp(person: WhatsAppPerson) -> list[dict]:
    """The light registration after the join intro: name, the vouched number, kecamatan, desa."""
    await person.tap("+" + (person.wa_id or ""))
    await person.say("kadugede")
    await person.tap("Babatan")
    return await person.tap("Kirim", expect=2)


async def test_candidates_join_over_whatsapp_answer_and_check_in(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    clock = ManualClock(at(1, 9))
    await start_wa_clock_bot(clock)
    coordinator = TelegramPerson(fake, COORDINATOR, "Sari")
    await coordinator.say("/start")
    await create_training(coordinator)
    await open_page(coordinator)
    links = plain((await coordinator.tap("Tautan & QR", expect=3))[-1]["text"])
    keyword = re.search(r"Atau kirim pesan WhatsApp: (bimtek [A-Z2-9]{10})", links)
    assert keyword and f"wa.me/{BUSINESS_NUMBER}?text=bimtek%20" in links

    # -- a candidate sends the letter's keyword text --------------------------------------------
    dewi = WhatsAppPerson(graph, webhook_url, "ID.3001", "6281355550001", name="Dewi", clock=clock)
    wrong = await dewi.say("bimtek ZZZZZZZZZZ")
    assert "tidak dikenal" in body_of(wrong[0])
    intro = await dewi.say(keyword.group(1).lower())  # typed in lower case: still the code
    assert f"Pendaftaran peserta {TITLE}" in body_of(intro[0])
    named = await dewi.say("nama saya Dewi Lestari")  # the name in a sentence: the name alone
    assert "✓ Nama: Dewi Lestari\n" in body_of(named[0])
    done = await _register_on_whatsapp(dewi)
    assert "*calon peserta*" in body_of(done[0])
    assert "Undangan bimtek" in body_of(done[1])
    yes = await dewi.tap("Akan hadir")
    assert "*akan hadir*" in body_of(yes[0])

    # -- a number from a phone list writes for the first time: that training's registration ------
    await open_page(coordinator)
    await coordinator.tap("Undang")
    await coordinator.tap("File nomor HP")
    listed = b"Nama,Nomor HP\nCalon Tiga,0813-5555-0003\n"
    report = plain((await send_file(fake, coordinator, listed, "tambahan.csv"))[0]["text"])
    assert "Nomor belum terdaftar di bot: 1" in report
    tiga = WhatsAppPerson(graph, webhook_url, "ID.3003", "6281355550003", name="Tri", clock=clock)
    intro = await tiga.say("halo")
    assert f"Pendaftaran peserta {TITLE}" in body_of(intro[0])
    await tiga.say("Tri Wahyuni")
    done = await _register_on_whatsapp(tiga)
    assert "Undangan bimtek" in body_of(done[1])
    await tiga.tap("Berhalangan")
    await tiga.tap("Sakit")
    await tiga.say("Demam")

    # -- check-in over WhatsApp ------------------------------------------------------------------
    clock.set(at(8, 7, 40))
    with sqlite3.connect(wa_settings.database_path) as db:
        secret = db.execute("SELECT secret FROM trainings").fetchone()[0]
    present = await dewi.say(f"hadir {code_for(secret, slot_of(clock.now()))}")
    assert "Tercatat *hadir*" in body_of(present[0]) and "07.40" in body_of(present[0])
    page = await open_page(coordinator)
    assert "Diundang: 2 · Akan hadir: 1 · Berhalangan: 1" in page
    assert "Hari 1: hadir 1 (terlambat 0) · izin 0 · sakit 1" in page
    assert "Nomor belum terdaftar" not in page  # attached to Bu Tri
    with sqlite3.connect(wa_settings.database_path) as db:
        attached = db.execute(
            "SELECT u.full_name, u.role, p.attached_at IS NOT NULL FROM"
            " training_pending_invitations p JOIN users u ON u.id = p.user_id"
        ).fetchall()
    assert attached == [("Tri Wahyuni", "calon", 1)]
    assert graph.rejections == [] and fake.rejections == []


async def _page_on_whatsapp(person: WhatsAppPerson) -> str:
    await person.say("bimtek")
    return body_of((await person.tap("Bimtek Calon"))[0])


async def test_a_coordinator_manages_a_training_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_clock_bot
) -> None:
    sari = await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    with open_db(wa_settings.database_path) as db:  # known on WhatsApp by her phone
        db.execute(
            "INSERT INTO channel_identities (user_id, channel, external_id, phone, phone_verified)"
            " VALUES (?, 'whatsapp', 'ID.9001', '+6281299990001', 1)",
            (sari,),
        )
    clock = ManualClock(at(1, 9))
    await start_wa_clock_bot(clock)
    on_telegram = TelegramPerson(fake, COORDINATOR, "Sari")
    await on_telegram.say("/start")
    await create_training(on_telegram)
    sari_wa = WhatsAppPerson(graph, webhook_url, "ID.9001", "6281299990001", clock=clock)
    await sari_wa.say("halo")

    # -- the links and QR codes ------------------------------------------------------------------
    page = await _page_on_whatsapp(sari_wa)
    assert "Diundang: 0" in page
    sent = await sari_wa.tap("Tautan & QR", expect=3)
    assert [m["type"] for m in sent[:2]] == ["image", "image"]
    assert sent[1]["image"]["caption"] == f"Kode QR WhatsApp: {TITLE}"
    assert "https://t.me/psm_test_bot?start=bt-" in body_of(sent[2])  # last: « Kembali with it
    (back,) = sent[2]["interactive"]["action"]["buttons"]
    assert back["reply"]["title"] == "« Kembali"
    assert "Diundang: 0" in body_of((await sari_wa.tap("« Kembali"))[0])

    # -- a phone list sent as a WhatsApp document -----------------------------------------------
    await _page_on_whatsapp(sari_wa)
    await sari_wa.tap("Undang")
    asked = await sari_wa.tap("File nomor HP")
    assert "Kirim file CSV atau XLSX" in body_of(asked[0])
    listed = b"Nama;HP\nCalon Empat;0813-5555-0004\nSalah;999\n"
    media = graph.register_media(listed, "text/csv")
    report = body_of((await sari_wa.send_document(media, "daftar.csv", "text/csv"))[0])
    assert "Nomor belum terdaftar di bot: 1" in report
    assert "Calon Empat (+6281355550004)" in report
    assert "Baris 3: nomor HP tidak valid (999)" in report

    # -- a walk-in without a phone: not before the day ------------------------------------------
    await _page_on_whatsapp(sari_wa)
    early = await sari_wa.tap("Peserta tambahan")
    assert "peserta tambahan dicatat hadir pada hari pelaksanaan" in body_of(early[0])

    # -- reschedule ------------------------------------------------------------------------------
    await _page_on_whatsapp(sari_wa)
    await sari_wa.tap("Ubah jadwal")
    await sari_wa.say("10-12-2026")
    await sari_wa.say("09.00")
    await sari_wa.say("13.00")
    await sari_wa.tap("Tidak")
    await sari_wa.say("9-12-2026")
    done = await sari_wa.tap("Kirim")
    assert f"Jadwal {TITLE} diubah; 0 peserta diberi tahu" in body_of(done[0])
    with sqlite3.connect(wa_settings.database_path) as db:
        days = db.execute("SELECT day_number, starts_at FROM training_days").fetchall()
    assert days == [(1, "2026-12-10T02:00:00.000000+00:00")]

    # -- a walk-in without a phone, on the day ----------------------------------------------------
    clock.set(at(10, 9, 30))
    await _page_on_whatsapp(sari_wa)
    await sari_wa.tap("Peserta tambahan")
    await sari_wa.say("Mbah Karsih")
    added = await sari_wa.tap("Mbah Karsih")
    assert "*Mbah Karsih* ditambahkan ke daftar hadir hari 1" in body_of(added[0])
    assert graph.rejections == [] and fake.rejections == []
