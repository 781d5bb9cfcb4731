"""QA's walk on WhatsApp: a coordinator mid-report, at "Berapa orang yang tinggal di rumah
itu?", types "cari slamet" (or "antrian"). The results ("KNG-2026-000001 · Diajukan", too long
for a list row's title) came as numbered text, the question right below it took the menu's
place, and the "1" typed to open the case was stored as "✓ Jumlah penghuni: 1". Now the
results are a list (title and description), tapped; a side trip still shown as numbered text
(two trainings whose rows would share a title), typed or reached by a button ("Berikut"), leaves
the report waiting until "lanjut". Signed webhooks in over real HTTP, the fake Graph API out,
a real SQLite file."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.admin_tools import add_user
from bot.clock import ManualClock
from bot.config import Settings
from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from storage.models import CaseState, Role
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.handlers.forms.report_answers import BEFORE_SIZE
from tests.handlers.training_turns import new_training
from tests.storage.seed_cases import BABATAN, KADUGEDE, make_user, open_database, seed_case

WIB = ZoneInfo("Asia/Jakarta")
# 06.00 WIB on a Wednesday: no digest or reminder reaches the chat during the test.
NOW = datetime(2026, 12, 2, 6, 0, tzinfo=WIB)
COORDINATOR_WA = "6281200000500"
NUMBER = "KNG-2026-000001"
SIZE_QUESTION = "Berapa orang yang tinggal di rumah itu?"
BANSOS_QUESTION = "Bantuan sosial apa yang sudah diterima"
TRAINING = "Penguatan Kapasitas PSM Kecamatan Kadugede"
WAITS = "ketik *lanjut* untuk kembali ke isian itu"


async def _coordinator_mid_report(
    settings: Settings, state: str = CaseState.SUBMITTED, sooner: int = 0
) -> None:
    """Ibu Sari (coordinator, on WhatsApp), her report waiting at the household size; Bu
    Ani's case about Slamet Riyadi's family in `state`; two trainings the same day, titles
    alike, after `sooner` trainings of titles apart (a day before them)."""
    coordinator = await add_user(
        settings, role="coordinator", telegram_id=500, name="Ibu Sari", kabupaten="32.08"
    )
    db = await open_database(settings.database_path)
    try:
        async with db.transaction() as repos:
            sari = await repos.users.get(coordinator)
            assert sari is not None
            await repos.users.add_identity(
                user_id=coordinator,
                channel="whatsapp",
                external_id="ID.500",
                chat_id=COORDINATOR_WA,
                now=NOW,
            )
            ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
            await seed_case(
                repos,
                reporter=ani,
                desa=BABATAN,
                at=NOW - timedelta(days=1),
                number=NUMBER,
                state=state,
            )
            report = {**new_state(), "answers": dict(BEFORE_SIZE), "closed": ["members"]}
            await repos.forms.start(
                user_id=coordinator,
                form_id="case_report",
                form_version=load_forms()["case_report"].version,
                state=report,
                now=NOW,
            )
            day = (NOW + timedelta(days=3, hours=2), NOW + timedelta(days=3, hours=6))
            for title in ("Penguatan Kapasitas PSM Kecamatan Cilimus", TRAINING):
                await new_training(repos, sari, [day], title=title)
            earlier = (day[0] - timedelta(days=1), day[1] - timedelta(days=1))
            for number in range(1, sooner + 1):
                await new_training(repos, sari, [earlier], title=f"Bimtek Desa {number}")
    finally:
        await db.close()


def _report_answers(settings: Settings) -> dict:
    """The answers of the coordinator's report as stored."""
    with sqlite3.connect(settings.database_path) as db:
        ((state,),) = db.execute(
            "SELECT state FROM form_sessions WHERE form_id = 'case_report' AND status = 'active'"
        ).fetchall()
    return json.loads(state)["answers"]


def _audited(settings: Settings, action: str) -> int:
    with sqlite3.connect(settings.database_path) as db:
        return len(db.execute("SELECT id FROM audit_log WHERE action = ?", (action,)).fetchall())


def _nothing_pending(settings: Settings) -> bool:
    """Every message of the turn (written with it) has been sent."""
    with sqlite3.connect(settings.database_path) as db:
        return not db.execute(
            "SELECT id FROM outbox WHERE chat_id = ? AND status = 'pending'", (COORDINATOR_WA,)
        ).fetchall()


def _list_rows(message: dict) -> list[tuple[str, str]]:
    assert message["type"] == "interactive", message
    assert message["interactive"]["type"] == "list", message
    rows = message["interactive"]["action"]["sections"][0]["rows"]
    return [(row["title"], row.get("description", "")) for row in rows]


async def _opened_case_then_report_goes_on(sari: WhatsAppPerson, settings: Settings, graph) -> None:
    """A tap on the case's row opens it; the report's answers are untouched; "4" answers the
    household size (the question on screen before the tap) and the report goes on."""
    page = await sari.tap(NUMBER)
    assert NUMBER in body_of(page[0]) and "Jumlah penghuni" not in body_of(page[0])
    await graph.wait_for(lambda: _audited(settings, "case.view") == 1, what="the case opened")
    await graph.wait_for(lambda: _nothing_pending(settings), what="the case page sent")
    assert _report_answers(settings) == BEFORE_SIZE
    (answered,) = await sari.say("4")
    assert "✓ Jumlah penghuni: 4" in body_of(answered) and BANSOS_QUESTION in body_of(answered)
    assert _report_answers(settings)["household_size"] == 4
    assert _audited(settings, "case.view") == 1
    assert graph.rejections == []


async def test_cari_mid_report_lists_the_case_to_tap(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _coordinator_mid_report(wa_settings)
    await start_wa_bot(ManualClock(NOW))
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    found, question = await sari.say("cari slamet", expect=2)
    assert "Ditemukan 1 laporan" in body_of(found)
    ((title, description),) = _list_rows(found)
    assert title == NUMBER and description.endswith("Diajukan"), description
    assert SIZE_QUESTION in body_of(question) and "1." not in body_of(question)
    await _opened_case_then_report_goes_on(sari, wa_settings, graph)


async def test_antrian_mid_report_lists_the_case_to_tap(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _coordinator_mid_report(wa_settings, state=CaseState.VERIFIED)
    await start_wa_bot(ManualClock(NOW))
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    queue, question = await sari.say("antrian", expect=2)
    assert "Antrian laporan (1)" in body_of(queue)
    # Verified: Sari's to validate, marked so, with its head, desa and state below.
    assert _list_rows(queue) == [(f"👉 {NUMBER}", "Slamet Riyadi · Babatan · Diverifikasi")]
    assert SIZE_QUESTION in body_of(question)
    await _opened_case_then_report_goes_on(sari, wa_settings, graph)


async def test_a_numbered_side_trip_mid_report_waits_for_lanjut(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _coordinator_mid_report(wa_settings)
    await start_wa_bot(ManualClock(NOW))
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    (trainings,) = await sari.say("bimtek")
    menu = body_of(trainings)
    assert trainings["type"] == "text" and f"1. 05-12 {TRAINING}" in menu, menu
    assert WAITS in menu and SIZE_QUESTION not in menu
    await graph.wait_for(lambda: _nothing_pending(wa_settings), what="the turn's replies sent")
    assert graph.messages_to(COORDINATOR_WA)[-1] is trainings  # no question below the menu

    page = await sari.say("1")  # the training, never the household's size
    assert TRAINING in body_of(page[0]) and "Jumlah penghuni" not in body_of(page[0])
    assert _report_answers(wa_settings) == BEFORE_SIZE

    back = await sari.say("lanjut")
    assert SIZE_QUESTION in body_of(back[0])
    assert _report_answers(wa_settings) == BEFORE_SIZE
    (answered,) = await sari.say("4")
    assert "✓ Jumlah penghuni: 4" in body_of(answered)
    assert _report_answers(wa_settings)["household_size"] == 4
    assert graph.rejections == []


async def test_a_number_the_menu_did_not_print_is_refused_with_the_menu(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    await _coordinator_mid_report(wa_settings)
    await start_wa_bot(ManualClock(NOW))
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    await sari.say("bimtek")
    (refused,) = await sari.say("5")
    body = body_of(refused)
    assert body.startswith("⚠️ Nomor 5 tidak ada di daftar"), body
    assert f"1. 05-12 {TRAINING}" in body and WAITS in body
    assert _report_answers(wa_settings) == BEFORE_SIZE
    page = await sari.say("1")  # the menu shown again still answers
    assert TRAINING in body_of(page[0])
    assert graph.rejections == []


async def test_a_numbered_page_reached_by_a_button_mid_report_waits_for_lanjut(
    graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """ "bimtek" mid-report: the first page of eight is a list (tapped), the question below
    it. "Berikut ›" tapped on that list: the next page (the two trainings alike) is numbered
    text, and the report waits below it as after a typed side trip; "5" (not printed) was
    stored as the household's size before."""
    await _coordinator_mid_report(wa_settings, sooner=8)
    await start_wa_bot(ManualClock(NOW))
    sari = WhatsAppPerson(graph, webhook_url, user_id="ID.500", wa_id=COORDINATOR_WA)
    first, question = await sari.say("bimtek", expect=2)
    assert len(_list_rows(first)) == 9 and SIZE_QUESTION in body_of(question)

    (second,) = await sari.tap("Berikut")
    menu = body_of(second)
    assert second["type"] == "text" and f"1. 05-12 {TRAINING}" in menu, menu
    assert WAITS in menu and SIZE_QUESTION not in menu
    (refused,) = await sari.say("5")
    assert body_of(refused).startswith("⚠️ Nomor 5 tidak ada di daftar"), body_of(refused)
    assert _report_answers(wa_settings) == BEFORE_SIZE

    back = await sari.say("lanjut")
    assert SIZE_QUESTION in body_of(back[0])
    (answered,) = await sari.say("4")
    assert "✓ Jumlah penghuni: 4" in body_of(answered)
    assert _report_answers(wa_settings)["household_size"] == 4
    assert graph.rejections == []
