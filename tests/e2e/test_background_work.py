"""Statistics and exports are produced after the turn, off the writer: the person is told
"being prepared" at once and the result follows through the outbox, on both channels."""

from __future__ import annotations

import asyncio
import multiprocessing

from bot.admin_tools import add_user
from tests.e2e.chat import RENDER_WAIT, WAIT, TelegramPerson
from tests.e2e.followup_world import seed_approved_case
from tests.e2e.whatsapp import WhatsAppPerson, body_of

PREPARING = "Sedang disiapkan"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
KK_QUESTION = "Berapa nomor Kartu Keluarga"


def _children() -> set[int]:
    return {child.pid for child in multiprocessing.active_children() if child.pid}


async def test_statistics_follow_the_preparing_note_and_an_export_question_has_none(
    fake, settings, start_bot
) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    await start_bot()
    coordinator = TelegramPerson(fake, 500)
    await coordinator.say("/start")
    preparing, result = await coordinator.say("/statistik 7", expect=2)
    assert PREPARING in preparing["text"]
    assert "Statistik kasus 7 hari terakhir" in result["text"]
    assert "Belum ada laporan" in result["text"]
    await coordinator.say("/ekspor")
    # The kecamatan are counted in the background too, but what follows is no file: only
    # the next question (here: nothing to choose from), without "being prepared".
    [result] = await coordinator.tap("Semua waktu")
    assert "Tidak ada kasus yang cocok" in result["text"]


async def test_a_form_open_comes_back_below_the_statistics(fake, settings, start_bot) -> None:
    """QA walk 8: "statistik" amid a report answered "continue below" and the question,
    then the statistics below them. Through the real worker the question comes last."""
    await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    await start_bot()
    coordinator = TelegramPerson(fake, 500)
    await coordinator.say("/start")
    await coordinator.say("/lapor")
    [asked] = await coordinator.say("Slamet Riyadi")
    assert "Berapa nomor Kartu Keluarga" in asked["text"]
    preparing, result, back = await coordinator.say("/statistik 7", expect=3)
    assert PREPARING in preparing["text"]
    assert "Statistik kasus 7 hari terakhir" in result["text"]
    assert "Isian Bapak/Ibu masih berjalan" in back["text"]
    assert "Berapa nomor Kartu Keluarga" in back["text"]


async def _report_at_the_kk_question_with_a_case(settings, start_bot, fake):
    """A coordinator at the KK question of a report, with a case of the last 30 days: their
    statistics have a chart to draw, which the test holds (`runtime.app.render`)."""
    coordinator_id = await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    await seed_approved_case(settings, coordinator_id, "KNG-2026-000001")
    runtime = await start_bot()
    coordinator = TelegramPerson(fake, 500)
    await coordinator.say("/start")
    await coordinator.say("/lapor")
    [asked] = await coordinator.say("Slamet Riyadi")
    assert KK_QUESTION in asked["text"]
    return runtime, coordinator


async def test_a_question_answered_while_the_statistics_are_drawn_is_not_asked_again(
    fake, settings, start_bot
) -> None:
    """Review 11a: the KK question held for "/statistik" was built in its turn and sent with
    the result. Answered meanwhile (it was still on screen), the report moved on, and the
    old KK question below the statistics took the next typed answer. It is drawn when the
    result goes out now, and only if the report is still where it was."""
    runtime, coordinator = await _report_at_the_kk_question_with_a_case(settings, start_bot, fake)
    drawing, done = asyncio.Event(), asyncio.Event()

    async def held(fn, *args):  # the chart takes its time; then drawing fails: text alone
        drawing.set()
        await done.wait()
        raise RuntimeError("no chart in this test")

    runtime.app.render = held
    [preparing] = await coordinator.say("/statistik 30")
    assert PREPARING in preparing["text"]
    await asyncio.wait_for(drawing.wait(), WAIT)
    [next_question] = await coordinator.say("3208011210190005")
    assert KK_QUESTION not in next_question["text"]
    sent = len(coordinator.messages())
    done.set()
    result = (await fake.wait_sent(500, sent + 1))[sent]
    assert "Statistik kasus 30 hari terakhir" in result["text"]
    # Up to the answer to what is typed next (queued after anything the result brought),
    # no KK question: the report asks its next question.
    await coordinator.say("/bantuan", until="Isian Bapak/Ibu masih berjalan")
    since = [message["text"] for message in coordinator.messages()[sent:]]
    assert not any(KK_QUESTION in text for text in since), since


async def test_the_question_follows_a_failed_result(fake, settings, start_bot, tmp_path) -> None:
    """A job that fails says so ("errors.internal"), and the form's question still follows."""
    runtime, coordinator = await _report_at_the_kk_question_with_a_case(settings, start_bot, fake)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    runtime.app.media_dir = blocked  # the chart's file cannot be made: the job fails
    preparing, failed, back = await coordinator.say("/statistik 30", expect=3)
    assert PREPARING in preparing["text"]
    assert "Maaf" in failed["text"], failed["text"]
    assert "Isian Bapak/Ibu masih berjalan" in back["text"]
    assert KK_QUESTION in back["text"]


async def test_statistics_follow_the_preparing_note_on_whatsapp(graph, webhook_url, start_wa_bot):
    await start_wa_bot()
    admin = WhatsAppPerson(graph, webhook_url, user_id="ID.9000", wa_id="6281299990000")
    await admin.say("halo")
    preparing, result = await admin.say("/statistik 30", expect=2)
    assert PREPARING in body_of(preparing)
    assert "Statistik kasus 30 hari terakhir" in body_of(result)
    assert "Semua wilayah" in body_of(result)


async def test_the_chart_is_drawn_by_a_worker_started_on_first_use(
    fake, settings, start_bot
) -> None:
    await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    psm_id = await add_user(
        settings,
        role="psm",
        telegram_id=501,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await seed_approved_case(settings, psm_id, "KNG-2026-000001")
    before = _children()
    runtime = await start_bot()
    assert runtime.render_pool is not None and not runtime.render_pool.started
    assert _children() == before  # no worker process at start
    coordinator = TelegramPerson(fake, 500)
    await coordinator.say("/start")
    preparing, result, chart = await coordinator.say("/statistik 30", expect=3, within=RENDER_WAIT)
    assert PREPARING in preparing["text"]
    assert "Jumlah laporan: <b>1</b>" in result["text"]
    assert "Grafik kasus 30 hari terakhir" in chart["caption"]
    assert chart["photo"].data.startswith(PNG_MAGIC)
    assert len(_children() - before) == 1  # drawn by the one worker process
    await runtime.stop()
    assert _children() == before  # stopped with the bot
