"""A number typed back on WhatsApp picks an option of the question it answers: a reminder
without options sent in between does not take the options away; a reply without options
does (the conversation has moved on). Signed webhooks in over real HTTP, the fake Graph API
out, a real SQLite file. The numbered menu outside a form is /bimtek's list of two trainings
whose rows would share their title ("05-12 Penguatan"): search results and the queue fit a
list's rows (title and description) and are tapped."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.admin_tools import add_user
from bot.channels.whatsapp.menu import MENU_KEY, Menu
from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import Runtime
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.handlers.training_turns import new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, open_database

WIB = ZoneInfo("Asia/Jakarta")
# 06.00 WIB on a Wednesday: before the coordinators' digest and not the TKSK weekly digest's
# day, so no scheduled message reaches the chat except the one the test sends.
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=WIB)
COORDINATOR_WA = "6281200000500"
NOT_UNDERSTOOD = "belum mengerti"
# Printed first (the newer of two trainings the same day), then the other.
FIRST, OTHER = (
    "Penguatan Kapasitas PSM Kecamatan Kadugede",
    "Penguatan Kapasitas PSM Kecamatan Cilimus",
)
DAY = (datetime(2026, 12, 5, 8, tzinfo=WIB), datetime(2026, 12, 5, 12, tzinfo=WIB))


async def _coordinator_with_trainings(settings: Settings) -> int:
    """A coordinator of Kuningan known on WhatsApp, and two trainings of her kabupaten the
    same day, with titles alike; her id."""
    coordinator = await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    db = await open_database(settings.database_path)
    try:
        async with db.transaction() as repos:
            creator = await repos.users.get(coordinator)
            assert creator is not None
            for title in (OTHER, FIRST):
                await new_training(repos, creator, [DAY], title=title)
            await repos.users.add_identity(
                user_id=coordinator,
                channel="whatsapp",
                external_id="ID.500",
                chat_id=COORDINATOR_WA,
                now=NOW,
            )
    finally:
        await db.close()
    return coordinator


def _rows(settings: Settings, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(settings.database_path) as db:
        return db.execute(sql, params).fetchall()


def _nothing_pending(settings: Settings) -> bool:
    """Every message to the chat has been sent (and its options remembered or not)."""
    return not _rows(
        settings, "SELECT id FROM outbox WHERE chat_id = ? AND status = 'pending'", COORDINATOR_WA
    )


async def _remembered(runtime: Runtime) -> dict[str, str] | None:
    """The options a typed number picks from, as the adapter stored them."""
    async with runtime.db.reading() as repos:
        stored = await repos.schedule.get_state("whatsapp", MENU_KEY + COORDINATOR_WA)
    return Menu.parse(stored).options if stored else None


async def _numbered_menu(
    graph, wa_settings: Settings, webhook_url: str, start_wa_bot
) -> tuple[Runtime, WhatsAppPerson, int]:
    """The coordinator has typed "bimtek" and holds a numbered list of trainings to pick from."""
    coordinator_id = await _coordinator_with_trainings(wa_settings)
    runtime = await start_wa_bot(ManualClock(NOW))
    coordinator = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    await coordinator.say("bimtek")
    await graph.wait_for(lambda: _nothing_pending(wa_settings), what="the list sent")
    question = coordinator.messages()[-1]
    assert question["type"] == "text" and f"1. 05-12 {FIRST}" in body_of(question), question
    assert "1" in (await _remembered(runtime) or {})
    return runtime, coordinator, coordinator_id


def _training_page(message: dict) -> bool:
    """The first training's page, not "not understood"."""
    return FIRST in body_of(message) and NOT_UNDERSTOOD not in body_of(message)


async def _send(runtime: Runtime, user_id: int, message: Outbound, kind: DeliveryKind) -> int:
    """Queue a message to the coordinator's WhatsApp chat the one way the bot sends."""
    async with runtime.db.transaction() as repos:
        item = await deliver(
            repos,
            user_id=user_id,
            message=message,
            kind=kind,
            now=runtime.clock.now(),
            channel="whatsapp",
            chat_id=COORDINATOR_WA,
        )
    assert item is not None
    runtime.senders["whatsapp"].wake()
    return item


async def test_a_reminder_between_the_question_and_the_typed_number_keeps_the_options(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    runtime, coordinator, coordinator_id = await _numbered_menu(
        graph, wa_settings, webhook_url, start_wa_bot
    )
    reminder = Outbound.say("Pengingat: ada laporan yang menunggu pemeriksaan.")
    item = await _send(runtime, coordinator_id, reminder, DeliveryKind.ROUTINE)
    await graph.wait_for(
        lambda: _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", item) == [("sent",)],
        what="the reminder sent",
    )
    assert "Pengingat" in coordinator.latest_text()  # the reminder came after the question

    page = await coordinator.say("1")
    assert _training_page(page[0])
    assert graph.rejections == []


async def test_a_reply_without_options_takes_the_old_options_away(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    runtime, coordinator, coordinator_id = await _numbered_menu(
        graph, wa_settings, webhook_url, start_wa_bot
    )
    answer = Outbound.say("Terima kasih, pesan Anda sudah kami terima.")
    item = await _send(runtime, coordinator_id, answer, DeliveryKind.REPLY)
    await graph.wait_for(
        lambda: _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", item) == [("sent",)],
        what="the reply sent",
    )
    assert await _remembered(runtime) == {}

    typed = await coordinator.say("1")
    assert NOT_UNDERSTOOD in body_of(typed[0]) and FIRST not in body_of(typed[0])
    # "Tap the button" and a line to the help, not the whole help: one digit, one screen.
    assert body_of(typed[0]).endswith("Ketik *bantuan* untuk melihat daftar perintah.")
    assert "*lapor*" not in body_of(typed[0])
    assert graph.rejections == []


async def test_a_reply_that_never_arrives_leaves_the_options_the_person_saw(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """Options are stored before the send; if the send then fails for good, the person
    never saw the new message, and a number they type answers the list they did see."""
    runtime, coordinator, coordinator_id = await _numbered_menu(
        graph, wa_settings, webhook_url, start_wa_bot
    )
    graph.fail_next(131026, recipient=COORDINATOR_WA)  # undeliverable: not tried again
    answer = Outbound.say("Terima kasih, pesan Anda sudah kami terima.")
    item = await _send(runtime, coordinator_id, answer, DeliveryKind.REPLY)
    await graph.wait_for(
        lambda: (
            _rows(wa_settings, "SELECT status FROM outbox WHERE id = ?", item)
            not in ([("pending",)], [("sending",)])
        ),
        what="the reply given up",
    )
    assert "Terima kasih" not in coordinator.latest_text()
    assert "1" in (await _remembered(runtime) or {})

    page = await coordinator.say("1")
    assert _training_page(page[0])


async def test_the_options_are_remembered_before_the_person_can_see_them(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """A quick typist's number arrives as soon as the list is on their phone: its options
    must be stored by then, not after the send returns (else "1" is read as a plain answer)."""
    await _coordinator_with_trainings(wa_settings)
    runtime = await start_wa_bot(ManualClock(NOW))
    remembered_on_arrival: list[dict[str, str] | None] = []

    async def on_send(body: dict) -> None:
        if f"1. 05-12 {FIRST}" in str(body.get("text", {}).get("body", "")):
            remembered_on_arrival.append(await _remembered(runtime))

    graph.on_send = on_send
    coordinator = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    await coordinator.say("bimtek")
    await graph.wait_for(lambda: bool(remembered_on_arrival), what="the numbered list sent")
    assert "1" in (remembered_on_arrival[0] or {})


# -- typed lists of numbers ---------------------------------------------------------------------

PSM_WA = "6281200000700"


async def _psm_at_the_categories(wa_settings: Settings, graph, webhook_url, start_wa_bot):
    """A PSM of Babatan on WhatsApp, her report walked up to "Apa masalahnya?" (11 options:
    numbered text); the runtime and the PSM."""
    psm_id = await add_user(
        wa_settings,
        role="psm",
        telegram_id=700,
        name="Siti Aminah",
        kabupaten="32.08",
        kecamatan=KADUGEDE,
        desa=BABATAN,
    )
    db = await open_database(wa_settings.database_path)
    try:
        async with db.transaction() as repos:
            await repos.users.add_identity(
                user_id=psm_id, channel="whatsapp", external_id="ID.700", chat_id=PSM_WA, now=NOW
            )
    finally:
        await db.close()
    runtime = await start_wa_bot(ManualClock(NOW))
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.700", wa_id=PSM_WA)
    await psm.say("lapor")
    await psm.say("Slamet Riyadi")
    await psm.say("3208011210190005")
    await psm.say("Ayu Lestari")
    await psm.say("3208014506230001")
    await psm.tap("05-06-2023")
    await psm.tap("Anak")
    await psm.tap("Tidak")
    await psm.say("Dusun Manis RT 02 RW 05")
    await psm.tap("Babatan")
    categories = await psm.share_location(-6.97, 108.48)
    screen = body_of(categories[-1])
    assert "1. Stunting" in screen and "8. PPKS anak" in screen, screen
    assert "boleh beberapa sekaligus, misalnya 1,3,5" in screen  # several may be typed here
    # How to pick several is WhatsApp's way, from the channel: nothing to "tekan" here, and
    # one instruction: no "one at a time" beside "several at once".
    assert "Pilih satu atau lebih, lalu pilih *✔️ Selesai memilih*" in screen
    assert "satu per satu" not in screen
    assert "tekan" not in screen
    return runtime, psm


def _categories_in_the_draft(settings: Settings) -> tuple[list[str] | None, list[str]]:
    """The draft's stored categories (None: not answered yet) and its ticks so far."""
    ((state,),) = _rows(settings, "SELECT state FROM form_sessions WHERE status = 'active'")
    stored = json.loads(state)
    answer = stored["answers"].get("categories")
    return ([a["name"] for a in answer] if answer else None), stored.get("picking", [])


async def test_typed_numbers_on_the_categories_mean_what_is_printed(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """The QA's journey: "1, 8" stored "Stunting, Balita telantar" while 8 on screen was the
    "PPKS anak" group; with the group open, "1" (not on that screen) ended the question."""
    _, psm = await _psm_at_the_categories(wa_settings, graph, webhook_url, start_wa_bot)

    refused = await psm.say("1, 8")
    assert body_of(refused[0]).startswith("⚠️ Nomor 8 bukan pilihan jawaban")
    assert _categories_in_the_draft(wa_settings) == (None, [])

    await psm.say("1, 5")  # Stunting and Rumah tak layak huni, as printed
    assert _categories_in_the_draft(wa_settings) == (None, ["stunting", "rtlh"])

    group = await psm.say("8")
    assert "8. Balita telantar" in body_of(group[0]) and "1. Stunting" not in body_of(group[0])
    off_screen = await psm.say("1")
    assert body_of(off_screen[0]).startswith("⚠️ Nomor 1 tidak ada di daftar")
    assert _categories_in_the_draft(wa_settings) == (None, ["stunting", "rtlh"])

    await psm.say("8, 9")  # Balita telantar, Anak telantar
    done = await psm.tap("Selesai memilih")
    assert body_of(done[0]).startswith(
        "✓ Kategori: Stunting, Rumah tak layak huni, Balita telantar, Anak telantar"
    )
    stored, _ = _categories_in_the_draft(wa_settings)
    assert stored == ["stunting", "rtlh", "anak_balita_telantar", "anak_telantar"]
    assert graph.rejections == []


async def test_a_list_on_a_single_choice_menu_asks_for_one_number(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    _, coordinator, _ = await _numbered_menu(graph, wa_settings, webhook_url, start_wa_bot)
    result = coordinator.messages()[-1]
    assert "Ketik satu nomor" in body_of(result) and "1,3,5" not in body_of(result)

    again = await coordinator.say("1,2")
    body = body_of(again[0])
    assert body.startswith("⚠️ Di sini hanya bisa dipilih satu. Ketik satu nomor saja.")
    assert f"1. 05-12 {FIRST}" in body and NOT_UNDERSTOOD not in body

    page = await coordinator.say("1")  # the menu shown again still answers
    assert _training_page(page[0])
    assert graph.rejections == []


async def test_a_date_typed_at_the_numbered_categories_is_no_number(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """QA walk 7: "7-12-2026" typed at a numbered list was "Nomor 7122026 tidak ada di
    daftar", its digits run together; it is an answer not in the list, nothing ticked."""
    _, psm = await _psm_at_the_categories(wa_settings, graph, webhook_url, start_wa_bot)
    refused = await psm.say("7-12-2026")
    body = body_of(refused[0])
    assert body.startswith("⚠️ Jawaban itu tidak ada di daftar"), body
    assert "7122026" not in body and "1. Stunting" in body
    assert _categories_in_the_draft(wa_settings) == (None, [])
    assert graph.rejections == []
