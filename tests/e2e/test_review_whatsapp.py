"""The review round-trip with the reporter on WhatsApp and the reviewers on Telegram: the PSM
registers and reports over WhatsApp, the TKSK verifies, the coordinator sends the report back,
the PSM revises it over WhatsApp and hears every step there; and the same notice held behind
a template when the PSM's 24-hour window has closed."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import open_db
from tests.e2e.reports import Report, walk_report
from tests.e2e.review_steps import verify
from tests.e2e.whatsapp import WhatsAppPerson, body_of

COORDINATOR, TKSK = 500, 600
CHILD_NIK = "3208014506230001"


async def _reviewers(fake, wa_settings) -> tuple[TelegramPerson, TelegramPerson]:
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    await add_user(
        wa_settings,
        role="tksk",
        telegram_id=TKSK,
        name="Pak Tono",
        kabupaten="32.08",
        kecamatan="32.08.01",
    )
    coordinator, tksk = TelegramPerson(fake, COORDINATOR), TelegramPerson(fake, TKSK)
    await coordinator.say("/start")
    await tksk.say("/start")
    return coordinator, tksk


async def _register_and_approve(fake, psm: WhatsAppPerson, coordinator: TelegramPerson) -> None:
    """Registration over WhatsApp, approval by the coordinator on Telegram."""
    welcome = await psm.say("halo")
    assert "Selamat datang" in body_of(welcome[0])
    await psm.say("Siti Aminah")
    await psm.tap("+" + (psm.wa_id or ""))  # the number WhatsApp vouches for
    await psm.tap("PSM")
    await psm.say("kadugede")
    await psm.tap("Babatan")
    done = await psm.tap("Kirim")
    assert "menunggu persetujuan" in body_of(done[0])
    await fake.wait_for(
        lambda: any("Siti Aminah" in m["text"] for m in coordinator.messages()),
        what="registration request",
    )
    before = len(psm.messages())
    await coordinator.tap("Setujui", expect=0)
    approved = await psm.graph.wait_messages(psm.recipient, before + 1)
    assert "sudah disetujui" in body_of(approved[-1])


async def _report(psm: WhatsAppPerson) -> str:
    """Walk the case-report form over WhatsApp; returns the case number."""
    first = await psm.say("lapor")
    assert "Laporan baru" in body_of(first[0])
    await psm.say("Slamet Riyadi")
    await psm.say("3208011210190005")
    await psm.say("Ayu Lestari")
    await psm.say(CHILD_NIK)
    await psm.tap("05-06-2023")
    await psm.tap("Anak")
    await psm.tap("Tidak")  # no other member
    await psm.say("Dusun Manis RT 02 RW 05")
    await psm.tap("Babatan")
    await psm.share_location(-6.9712, 108.4821)
    await psm.tap("Stunting")
    await psm.tap("Selesai memilih")
    await psm.tap("Dugaan")
    await psm.tap("Lewati")
    await psm.say("5")
    await psm.tap("PKH")
    await psm.tap("Selesai memilih")
    await psm.tap("Orang tua/wali")
    await psm.tap("Lisan")
    await psm.say("Balita kurus, jarang ke posyandu.")
    await psm.tap("Lewati")  # no photo
    summary = await psm.tap("Biasa")
    assert "320801******0001" in body_of(summary[-1])
    done = await psm.tap("Kirim", expect=2)
    found = re.search(r"KNG-\d{4}-\d{6}", body_of(done[0]))
    assert found, body_of(done[0])
    return found.group(0)


async def _hears(psm: WhatsAppPerson, before: int, *texts: str) -> dict:
    """Wait for a WhatsApp message (after `before`) holding all `texts`; return it."""

    def match() -> dict | None:
        for message in psm.messages()[before:]:
            if all(text in body_of(message) for text in texts):
                return message
        return None

    await psm.graph.wait_for(lambda: match() is not None, what=f"PSM hears {texts}")
    found = match()
    assert found is not None
    return found


async def _told(fake, person: TelegramPerson, before: int, text: str) -> None:
    await fake.wait_for(
        lambda: any(text in m.get("text", "") for m in person.messages()[before:]),
        what=f"{person.user_id} told {text!r}",
    )


async def _open(person: TelegramPerson, number: str) -> str:
    queue = await person.say("/antrian")
    assert number in str(queue[0]["reply_markup"])
    page = await person.tap(number)
    assert number in page[0]["text"] and CHILD_NIK not in page[0]["text"]
    return page[0]["text"]


def _state(wa_settings, number: str) -> str:
    with sqlite3.connect(wa_settings.database_path) as db:
        return db.execute("SELECT state FROM cases WHERE number = ?", (number,)).fetchone()[0]


def _events(wa_settings, number: str) -> list[str]:
    with sqlite3.connect(wa_settings.database_path) as db:
        return [
            row[0]
            for row in db.execute(
                "SELECT to_state FROM case_events e JOIN cases c ON c.id = e.case_id"
                " WHERE c.number = ? ORDER BY e.id",
                (number,),
            )
        ]


async def _verify(
    fake, tksk: TelegramPerson, coordinator: TelegramPerson, psm: WhatsAppPerson, number: str
) -> None:
    await _open(tksk, number)
    before, before_coordinator = len(psm.messages()), len(coordinator.messages())
    done = await verify(tksk)
    assert "Diverifikasi" in done[0]["text"]
    heard = await _hears(psm, before, number, "Diverifikasi")
    assert heard["type"] in ("text", "interactive")
    await _told(fake, coordinator, before_coordinator, "menunggu validasi")


async def _send_back(coordinator: TelegramPerson, number: str, reason: str) -> None:
    await _open(coordinator, number)
    ask = await coordinator.tap("Minta perbaikan")
    assert "alasan" in ask[0]["text"].lower() or "dikembalikan" in ask[0]["text"]
    done = await coordinator.say(reason)
    assert "Perlu perbaikan" in done[0]["text"]


async def _revise(fake, psm: WhatsAppPerson, tksk: TelegramPerson, number: str) -> None:
    """From the notice: open the summary, send it unchanged (asked about it: back to the
    summary), change the address, send it again; the TKSK reads what changed."""
    opened = await psm.tap("Perbaiki laporan")
    assert "Perbaikan laporan" in body_of(opened[0]) and number in body_of(opened[0])
    asked = await psm.tap("Kirim")
    text = "\n".join(body_of(m) for m in asked)
    assert "Belum ada jawaban yang Bapak/Ibu ubah" in text and "nomor rumah" in text, text
    titles = [b["reply"]["title"] for b in asked[-1]["interactive"]["action"]["buttons"]]
    assert titles == ["✏️ Ubah jawaban", "📨 Tetap kirim"], titles
    (back,) = await psm.tap("Ubah jawaban")  # one message: what to do, then the summary
    assert body_of(back).startswith("Baik. Silakan ubah jawaban yang diminta pemeriksa")
    assert "Periksa kembali" in body_of(back) and "masih berjalan" not in body_of(back)
    await psm.tap("Ubah jawaban")
    asked = await psm.tap("Alamat")
    assert "Dusun Manis RT 02 RW 05" in body_of(asked[-1]) or "alamat" in body_of(asked[-1])
    summary = await psm.say("Dusun Manis RT 02 RW 05 No. 17")
    assert "No. 17" in body_of(summary[-1])
    before_tksk = len(tksk.messages())
    sent = await psm.tap("Kirim")
    assert "Perbaikan laporan" in body_of(sent[0]) and "sudah dikirim" in body_of(sent[0])
    await _told(fake, tksk, before_tksk, "diajukan ulang")
    told = [m["text"] for m in tksk.messages()[before_tksk:] if "diajukan ulang" in m["text"]]
    assert "• Alamat: Dusun Manis RT 02 RW 05 → Dusun Manis RT 02 RW 05 No. 17" in told[0]


async def test_review_round_trip_with_the_reporter_on_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    coordinator, tksk = await _reviewers(fake, wa_settings)
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.2001", wa_id="6281234500201")
    await _register_and_approve(fake, psm, coordinator)
    before_tksk = len(tksk.messages())
    number = await _report(psm)
    await _told(fake, tksk, before_tksk, "Laporan baru di kecamatan")
    assert _state(wa_settings, number) == "submitted"
    page = await tksk.tap("Buka laporan")  # the notice's button opens the case's page
    assert number in page[0]["text"] and CHILD_NIK not in page[0]["text"]
    assert "Verifikasi" in str(page[0]["reply_markup"])

    await _verify(fake, tksk, coordinator, psm, number)
    assert _state(wa_settings, number) == "verified"

    before, before_tksk = len(psm.messages()), len(tksk.messages())
    await _send_back(coordinator, number, "Mohon lengkapi alamat dengan nomor rumah")
    notice = await _hears(psm, before, number, "Perlu perbaikan")
    assert "nomor rumah" in body_of(notice)
    # The TKSK who verified it hears who sent it back, and the note.
    await _told(fake, tksk, before_tksk, "yang Bapak/Ibu verifikasi dikembalikan")
    (undone,) = [
        m["text"] for m in tksk.messages()[before_tksk:] if "verifikasi dikem" in m["text"]
    ]
    assert "oleh <b>Ibu Sari</b>" in undone and "nomor rumah" in undone, undone
    assert notice["type"] == "interactive", notice  # the "Perbaiki laporan" reply button
    titles = [b["reply"]["title"] for b in notice["interactive"]["action"]["buttons"]]
    assert any("Perbaiki laporan" in title for title in titles), titles
    # (Its label typed, "perbaiki laporan", opens the correction itself: tests/handlers/
    # test_small_talk.py; a label typed is otherwise told to tap it: test_typed_labels.py.)
    assert _state(wa_settings, number) == "needs_revision"
    # /laporan_saya (where the daily reminder leads) offers the case too, as a list row.
    mine = await psm.say("laporansaya")
    assert "1 laporan perlu perbaikan" in body_of(mine[-1])
    rows = [row["title"] for row in mine[-1]["interactive"]["action"]["sections"][0]["rows"]]
    assert rows == [f"Perbaiki {number}", f"Lihat {number}"]
    listed = "\n".join(body_of(m) for m in mine)
    assert "↩️ Catatan dari Koordinator Dinas Sosial" in listed and "nomor rumah" in listed
    # The case's own page, read-only: the reviewer's step and note, NIK masked.
    page = "\n".join(body_of(m) for m in await psm.tap(f"Lihat {number}"))
    assert f"*{number}* · Perlu perbaikan" in page
    assert "Perlu perbaikan (Koordinator Dinas Sosial): Mohon lengkapi alamat" in page
    assert CHILD_NIK not in page and "NIK 320801******" in page

    before_coordinator = len(coordinator.messages())
    await _revise(fake, psm, tksk, number)
    assert _state(wa_settings, number) == "resubmitted"
    # The coordinator who sent it back hears it was corrected, with what changed.
    await _told(fake, coordinator, before_coordinator, "yang Bapak/Ibu kembalikan sudah")
    corrected = [m["text"] for m in coordinator.messages()[before_coordinator:]]
    assert any("• Alamat: Dusun Manis RT 02 RW 05 → " in text for text in corrected), corrected
    with sqlite3.connect(wa_settings.database_path) as db:
        (versions,) = db.execute("SELECT COUNT(*) FROM case_versions").fetchone()
        (answers,) = db.execute("SELECT answers FROM cases WHERE number = ?", (number,)).fetchone()
        (address,) = db.execute("SELECT address FROM households").fetchone()
    assert versions == 1 and "No. 17" in answers and address.endswith("No. 17")

    await _verify(fake, tksk, coordinator, psm, number)
    assert "Dusun Manis RT 02 RW 05 No. 17" in await _open(coordinator, number)
    before = len(psm.messages())
    done = await coordinator.tap("Validasi")
    assert "Disetujui" in done[0]["text"]
    await _hears(psm, before, number, "Disetujui")
    assert _state(wa_settings, number) == "approved"
    assert _events(wa_settings, number) == [
        "submitted",
        "verified",
        "needs_revision",
        "resubmitted",
        "verified",
        "approved",
    ]
    # The PSM heard each step on WhatsApp, never a full NIK; nothing went to a Telegram chat
    # of theirs (they have none).
    bodies = [body_of(m) for m in psm.messages()]
    for state in ("Diverifikasi", "Perlu perbaikan", "Disetujui"):
        assert any(number in b and state in b for b in bodies), state
    assert all(CHILD_NIK not in b for b in bodies)
    assert graph.rejections == [] and fake.rejections == []


async def test_send_back_outside_the_window_goes_out_as_a_template_first(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    coordinator, tksk = await _reviewers(fake, wa_settings)
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.2002", wa_id="6281234500202")
    await _register_and_approve(fake, psm, coordinator)
    before_tksk = len(tksk.messages())
    number = await _report(psm)
    await _told(fake, tksk, before_tksk, "Laporan baru di kecamatan")
    await _verify(fake, tksk, coordinator, psm, number)

    long_ago = (datetime.now(UTC) - timedelta(hours=25)).isoformat()

    def close_window() -> None:
        with open_db(wa_settings.database_path) as db:
            db.execute(
                "UPDATE channel_identities SET last_inbound_at = ? WHERE channel = 'whatsapp'",
                (long_ago,),
            )

    # In a thread: a write blocking the event loop could wait on the bot's own transaction.
    await asyncio.to_thread(close_window)
    before = len(psm.messages())
    await _send_back(coordinator, number, "Mohon lengkapi alamat dengan nomor rumah")
    sent = await graph.wait_messages(psm.recipient, before + 1)
    assert sent[-1]["type"] == "template", sent[-1]
    assert sent[-1]["template"]["name"] == "psm_pemberitahuan"
    assert "nomor rumah" not in str(sent[-1])  # the template carries nothing personal

    def held() -> tuple | None:
        with sqlite3.connect(wa_settings.database_path) as db:
            return db.execute(
                "SELECT status, template FROM outbox WHERE channel = 'whatsapp'"
                " ORDER BY id DESC LIMIT 1"
            ).fetchone()

    await graph.wait_for(lambda: held() == ("waiting", "psm_pemberitahuan"), what="held")
    assert len(psm.messages()) == before + 1  # only the template so far

    after_tap = await psm.tap_template()
    notice = await _hears(psm, before + 1, number, "Perlu perbaikan")
    assert notice in after_tap or notice in psm.messages()
    assert "nomor rumah" in body_of(notice)
    assert notice["type"] == "interactive"
    # The released notice works as in the open window: the PSM revises and resubmits.
    before_coordinator = len(coordinator.messages())
    await _revise(fake, psm, tksk, number)
    assert _state(wa_settings, number) == "resubmitted"
    # The coordinator who sent it back hears it was corrected, with what changed.
    await _told(fake, coordinator, before_coordinator, "yang Bapak/Ibu kembalikan sudah")
    corrected = [m["text"] for m in coordinator.messages()[before_coordinator:]]
    assert any("• Alamat: Dusun Manis RT 02 RW 05 → " in text for text in corrected), corrected
    assert graph.rejections == [] and fake.rejections == []


ADMIN_PHONE = "6281299990000"  # ADMIN_WHATSAPP_PHONES of the wa_settings fixture


async def test_an_admin_on_whatsapp_stands_in_for_the_only_coordinator(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await start_wa_bot()
    coordinator, tksk = await _reviewers(fake, wa_settings)
    admin = WhatsAppPerson(graph, webhook_url, user_id="ID.9000", wa_id=ADMIN_PHONE)
    await admin.say("halo")
    # The kabupaten's only coordinator reports a case; the TKSK verifies it.
    before_tksk = len(tksk.messages())
    await walk_report(coordinator, Report(photos=0, kecamatan="Kadugede"), fake=fake)
    done = await coordinator.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    await _told(fake, tksk, before_tksk, number)
    await _open(tksk, number)
    before = len(admin.messages())
    await verify(tksk)

    notice = await _hears(admin, before, number, "sebagai admin menggantikan")
    titles = [b["reply"]["title"] for b in notice["interactive"]["action"]["buttons"]]
    assert titles == ["Buka laporan"]
    queue = await admin.say("/antrian")  # marks it as theirs to decide
    assert f"🙋 {number}" in str(queue[0])
    assert "admin menggantikan" in body_of(queue[0])
    page = await admin.tap("Buka laporan")
    assert "sebagai admin menggantikan" in body_of(page[0])
    assert CHILD_NIK not in body_of(page[0])
    before_reporter = len(coordinator.messages())
    done = await admin.tap("Validasi")
    assert "Disetujui" in body_of(done[0])
    assert _state(wa_settings, number) == "approved"
    await _told(fake, coordinator, before_reporter, "Disetujui")
    assert graph.rejections == [] and fake.rejections == []
