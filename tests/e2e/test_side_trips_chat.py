"""A side trip with a form of its own, over the real application: "siaran" typed at a
report's KK question writes and sends a broadcast, and once it is sent the report's question
comes back at once, on Telegram and on WhatsApp (before, the report waited paused under
/draf)."""

from __future__ import annotations

import asyncio

from bot.admin_tools import add_user
from storage.models import Role
from tests.e2e.chat import WAIT, TelegramPerson
from tests.e2e.followup_world import add_whatsapp_user, seed_approved_case
from tests.e2e.whatsapp import WhatsAppPerson, body_of

KK_QUESTION = "Berapa nomor Kartu Keluarga"
COME_BACK = "Isian Bapak/Ibu masih berjalan: <b>Laporan kasus</b>"
MESSAGE = "Rapat PSM hari Senin pukul 09.00 di kantor kecamatan."


async def test_a_broadcast_sent_amid_a_report_brings_it_back_on_telegram(
    fake, settings, start_bot
) -> None:
    await add_user(
        settings, role="tksk", telegram_id=600, name="Pak Tono", kabupaten="32.08",
        kecamatan="32.08.01",
    )  # fmt: skip
    await add_user(
        settings, role="psm", telegram_id=701, name="Bu Ani", kabupaten="32.08",
        kecamatan="32.08.01", desa="32.08.01.2006",
    )  # fmt: skip
    await start_bot()
    tksk = TelegramPerson(fake, 600)
    await tksk.say("/start")
    await tksk.say("lapor")
    asked = await tksk.say("Slamet Riyadi")
    assert KK_QUESTION in asked[-1]["text"]
    assert "Tulis pesan siaran" in (await tksk.say("siaran"))[-1]["text"]
    await tksk.say(MESSAGE)
    assert "Kirim sekarang?" in (await tksk.tap("Kirim"))[-1]["text"]
    sent = await tksk.tap("📣 Kirim", expect=2)
    assert "dikirim ke 1 orang" in sent[0]["text"]
    assert COME_BACK in sent[1]["text"] and KK_QUESTION in sent[1]["text"]


async def test_a_broadcast_sent_amid_a_report_brings_it_back_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.3001", name="Pak Tono", kecamatan="32.08.01"
    )
    await add_whatsapp_user(
        wa_settings, role=Role.PSM, bsuid="ID.3002", name="Bu Ani", kecamatan="32.08.01",
        desa="32.08.01.2006",
    )  # fmt: skip
    tksk = WhatsAppPerson(graph, webhook_url, user_id="ID.3001", wa_id="6281234500301")
    await start_wa_bot()
    await tksk.say("halo")
    await tksk.say("lapor")
    asked = await tksk.say("Slamet Riyadi")
    assert "Kartu Keluarga" in body_of(asked[-1])
    assert "Tulis pesan siaran" in body_of((await tksk.say("siaran"))[-1])
    await tksk.say(MESSAGE)
    assert "Kirim sekarang?" in body_of((await tksk.tap("Kirim"))[-1])
    sent = await tksk.tap("📣 Kirim", expect=2)
    assert "dikirim ke 1 orang" in body_of(sent[0])
    assert "Laporan kasus" in body_of(sent[1]) and "Kartu Keluarga" in body_of(sent[1])


# QA walk 7: a broadcast left at its summary came back whole, "✅ Kirim" last on screen,
# after every side answer; now one line with "Lanjutkan isian", the summary on that tap.
KEPT = "masih punya isian <b>Siaran</b> yang belum dikirim"
SUMMARY = "Periksa kembali jawaban"


async def test_a_side_trip_at_a_broadcast_summary_notes_it_kept_on_telegram(
    fake, settings, start_bot
) -> None:
    await add_user(
        settings, role="tksk", telegram_id=600, name="Pak Tono", kabupaten="32.08",
        kecamatan="32.08.01",
    )  # fmt: skip
    await start_bot()
    tksk = TelegramPerson(fake, 600)
    await tksk.say("/start")
    await tksk.say("siaran")
    assert SUMMARY in (await tksk.say(MESSAGE))[-1]["text"]
    side = await tksk.say("jadwal", expect=2)
    assert KEPT in side[-1]["text"] and SUMMARY not in side[-1]["text"]
    rows = side[-1]["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in rows for b in row] == ["▶️ Lanjutkan isian"]
    back = await tksk.tap("Lanjutkan isian")
    assert SUMMARY in back[-1]["text"] and MESSAGE in back[-1]["text"]


async def test_a_side_trip_at_a_broadcast_summary_notes_it_kept_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.3001", name="Pak Tono", kecamatan="32.08.01"
    )
    tksk = WhatsAppPerson(graph, webhook_url, user_id="ID.3001", wa_id="6281234500301")
    await start_wa_bot()
    await tksk.say("halo")
    await tksk.say("siaran")
    assert SUMMARY in body_of((await tksk.say(MESSAGE))[-1])
    side = await tksk.say("jadwal", expect=2)
    assert "masih punya isian *Siaran* yang belum dikirim" in body_of(side[-1])
    assert SUMMARY not in body_of(side[-1]) and "Kirim" not in str(side[-1])
    back = await tksk.tap("Lanjutkan isian")
    assert SUMMARY in body_of(back[-1]) and MESSAGE in body_of(back[-1])


async def test_statistics_and_drafts_amid_a_report_then_its_question_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """QA walk 8 on WhatsApp: "statistik" amid a report, the question again after the
    statistics (it came before them, "continue below" untrue); "draf", the list and then
    that the report is still open (nothing was said)."""
    await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.3001", name="Pak Tono", kecamatan="32.08.01"
    )
    tksk = WhatsAppPerson(graph, webhook_url, user_id="ID.3001", wa_id="6281234500301")
    await start_wa_bot()
    await tksk.say("halo")
    await tksk.say("lapor")
    assert "Kartu Keluarga" in body_of((await tksk.say("Slamet Riyadi"))[-1])
    preparing, result, back = await tksk.say("statistik", expect=3)
    assert "Sedang disiapkan" in body_of(preparing)
    assert "Statistik kasus 30 hari terakhir" in body_of(result)
    assert "Laporan kasus" in body_of(back) and "Kartu Keluarga" in body_of(back)
    listed, back = await tksk.say("draf", expect=2)
    assert "Laporan yang belum selesai (1)" in body_of(listed)
    assert "masih berjalan" in body_of(back) and "Kartu Keluarga" in body_of(back)


async def test_a_question_answered_while_the_statistics_are_drawn_is_not_asked_again_on_whatsapp(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Review 11a on WhatsApp: the KK question answered while the statistics' chart was being
    drawn; the old KK question no longer comes below the statistics (it took the next typed
    answer for the KK while the report asked for a member)."""
    tksk_id = await add_whatsapp_user(
        wa_settings, role=Role.TKSK, bsuid="ID.3001", name="Pak Tono", kecamatan="32.08.01"
    )
    await seed_approved_case(wa_settings, tksk_id, "KNG-2026-000001")  # a chart to draw
    tksk = WhatsAppPerson(graph, webhook_url, user_id="ID.3001", wa_id="6281234500301")
    runtime = await start_wa_bot()
    drawing, done = asyncio.Event(), asyncio.Event()

    async def held(fn, *args):  # the chart takes its time; then drawing fails: text alone
        drawing.set()
        await done.wait()
        raise RuntimeError("no chart in this test")

    runtime.app.render = held
    await tksk.say("halo")
    await tksk.say("lapor")
    assert KK_QUESTION in body_of((await tksk.say("Slamet Riyadi"))[-1])
    [preparing] = await tksk.say("statistik")
    assert "Sedang disiapkan" in body_of(preparing)
    await asyncio.wait_for(drawing.wait(), WAIT)
    [next_question] = await tksk.say("3208011210190005")
    assert KK_QUESTION not in body_of(next_question)
    sent = len(tksk.messages())
    done.set()
    result = (await graph.wait_messages(tksk.recipient, sent + 1))[sent]
    assert "Statistik kasus 30 hari terakhir" in body_of(result)
    # Up to the answer to what is typed next (queued after anything the result brought),
    # no KK question: the report asks its next question.
    await tksk.say("bantuan", expect=2)  # the help, then the report again
    since = [body_of(message) for message in tksk.messages()[sent:]]
    assert any("masih berjalan" in text for text in since), since
    assert not any(KK_QUESTION in text for text in since), since
