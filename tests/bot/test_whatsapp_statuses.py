"""WhatsApp's failed status reports, each code family acted on as the same error on the send
would be (`bot/channels/whatsapp/statuses.py`, one rule per code in `error_codes.py`), and
delivery reports on a message sent in parts (only its last part's move it). A real SQLite
database; the reports applied as the webhook applies them (`record_status`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.channels.base import MAX_ATTEMPTS
from bot.channels.whatsapp import error_codes
from bot.channels.whatsapp.statuses import record_status
from bot.config import Settings, load_settings
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.i18n import Catalog
from storage.db import Database
from storage.early_statuses import StatusReport
from storage.models import Role, UserStatus
from storage.repos import Repos
from tests.storage.seed_cases import query

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
PHONE = "6281200000021"
CATALOG = Catalog.load()
HOUR = timedelta(hours=1)


@pytest.fixture
def settings() -> Settings:
    return load_settings(_env_file=None)


async def _people(db: Database) -> dict[str, int]:
    """Pak Budi (TKSK, on WhatsApp only), Ibu Sari (his district's coordinator) and an admin
    (both on Telegram): their ids."""
    ids = {}
    async with db.transaction() as repos:
        for name, role, channel, chat in (
            ("Budi Santoso", Role.TKSK, "whatsapp", PHONE),
            ("Ibu Sari", Role.COORDINATOR, "telegram", "801"),
            ("Admin", Role.ADMIN, "telegram", "802"),
        ):
            user = await repos.users.create(
                now=NOW, status=UserStatus.ACTIVE, full_name=name, role=role,
                kabupaten_code="32.08",
            )  # fmt: skip
            await repos.users.add_identity(
                user_id=user.id, channel=channel, external_id=chat, chat_id=chat, now=NOW
            )
            ids[name] = user.id
    return ids


async def _queue(repos: Repos, user_id: int, kind: DeliveryKind, number: str) -> int:
    item_id = await deliver(
        repos,
        user_id=user_id,
        message=Outbound(text=f"🚨 LAPORAN DARURAT {number}", summary=number),
        kind=kind,
        now=NOW,
        channel="whatsapp",
        chat_id=PHONE,
    )
    assert item_id is not None
    return item_id


async def _held_behind(db: Database, user_id: int, kind: DeliveryKind, template: str) -> int:
    """A message held behind the closed window, announced by a template known by the wamid
    `template` (the alert template for an alert, as the channel chooses)."""
    async with db.transaction() as repos:
        item_id = await _queue(repos, user_id, kind, f"KNG-2026-{template[-4:]}")
        await repos.outbox.hold(item_id, error="window closed; template sent")
        await repos.templates.record_send(
            now=NOW,
            chat_id=PHONE,
            template="psm_darurat" if kind == DeliveryKind.ALERT else "psm_pemberitahuan",
            kind=kind,
            outbox_id=item_id,
            ext_message_id=template,
        )
    return item_id


async def _sent(db: Database, user_id: int, kind: DeliveryKind, *parts: str) -> int:
    """A message Meta accepted, in `parts` (their wamids, the last one the message's)."""
    async with db.transaction() as repos:
        item_id = await _queue(repos, user_id, kind, "KNG-2026-000007")
        await repos.outbox.mark_sent(item_id, now=NOW, ext_message_id=parts[-1])
        if len(parts) > 1:
            await repos.outbox_parts.record(item_id, "whatsapp", parts, whole=True)
    return item_id


async def _report(
    db: Database, settings: Settings, wamid: str, state: str, code: int | None = None
) -> None:
    async with db.transaction() as repos:
        report = StatusReport(wamid, state, code)
        await record_status(repos, CATALOG, report, now=NOW, settings=settings)


async def _row(db: Database, sql: str, *params: object) -> tuple:
    [row] = query(db.path, sql, params)
    return tuple(row)


async def _texts_to(db: Database, user_id: int) -> list[str]:
    async with db.reading() as repos:
        return [item.message["text"] for item in await repos.outbox.for_user(user_id)]


@pytest.mark.parametrize(
    ("code", "failed_tries", "pause"),
    [
        (131000, 0, 30.0),  # Meta unwell: half a minute, doubled
        (2, 3, 240.0),
        (131016, 10, 1800.0),  # at most half an hour
        (131048, 0, 3600.0),  # Meta holding our messages back: an hour, doubled
        (131049, 2, 4 * 3600.0),
        (131049, 7, 86400.0),  # at most a day
        (131047, 0, None),  # not tried again as such: its own rule
        (131026, 0, None),
        (132001, 0, None),
        (None, 0, None),
    ],
)
def test_the_pause_before_a_message_is_tried_again(code, failed_tries, pause) -> None:
    assert error_codes.retry_pause(code, failed_tries) == pause


@pytest.mark.parametrize(
    ("code", "template_problem"),
    [
        (132000, True),
        (132001, True),
        (132015, True),
        (132016, True),
        (131049, False),
        (None, False),
    ],
)
def test_template_problems_are_the_132xxx_codes(code, template_problem) -> None:
    assert error_codes.is_template_problem(code) is template_problem


@pytest.mark.parametrize("code", [132001, 132015, 132016])
async def test_a_template_meta_will_not_send_tells_the_admins_once_and_keeps_the_alert_held(
    db, settings, code
) -> None:
    """Reported after Meta took it (missing, paused, disabled): the message it announced was
    silently lost. Now, as on the send: the alert stays held for Budi's next message, the
    admins hear of the template once (not per message, nor per report) and the coordinator,
    the alert reaching nobody, is told to phone him. The template reached nobody: forgotten."""
    ids = await _people(db)
    alert = await _held_behind(db, ids["Budi Santoso"], DeliveryKind.ALERT, "wamid.T0001")
    second = await _held_behind(db, ids["Budi Santoso"], DeliveryKind.ALERT, "wamid.T0002")
    await _report(db, settings, "wamid.T0001", "failed", code)
    await _report(db, settings, "wamid.T0001", "failed", code)  # the same report again
    await _report(db, settings, "wamid.T0002", "failed", code)  # the same template again

    assert await _row(db, "SELECT status FROM outbox WHERE id = ?", alert) == ("waiting",)
    assert await _row(db, "SELECT status FROM outbox WHERE id = ?", second) == ("waiting",)
    assert await _row(db, "SELECT COUNT(*) FROM template_sends") == (0,)
    [problem] = await _texts_to(db, ids["Admin"])
    assert "psm_darurat" in problem and str(code) in problem and "WhatsApp Manager" in problem
    told = await _texts_to(db, ids["Ibu Sari"])
    assert len(told) == 2 and all("tidak sampai ke Budi Santoso" in text for text in told)
    assert "KNG-2026-0001" in told[0] and "KNG-2026-0002" in told[1]


async def test_a_notice_behind_a_template_meta_will_not_send_tells_only_the_admins(
    db, settings
) -> None:
    ids = await _people(db)
    notice = await _held_behind(db, ids["Budi Santoso"], DeliveryKind.NOTICE, "wamid.T0003")
    await _report(db, settings, "wamid.T0003", "failed", 132015)
    assert await _row(db, "SELECT status, attempts FROM outbox WHERE id = ?", notice) == (
        "waiting",
        0,
    )
    [problem] = await _texts_to(db, ids["Admin"])
    assert "psm_pemberitahuan" in problem and "132015" in problem
    assert await _texts_to(db, ids["Ibu Sari"]) == []


@pytest.mark.parametrize("code", [131048, 131049])
async def test_a_message_meta_held_back_is_tried_again_an_hour_later(db, settings, code) -> None:
    """131048 (our number's spam rate limit) and 131049 (Meta chose not to deliver) were only
    recorded: the message lost. Now a failed try, sent again after Meta's pause."""
    ids = await _people(db)
    item = await _sent(db, ids["Budi Santoso"], DeliveryKind.NOTICE, "wamid.M0001")
    await _report(db, settings, "wamid.M0001", "failed", code)
    await _report(db, settings, "wamid.M0001", "failed", code)  # the same report again
    status, attempts, not_before, delivery = await _row(
        db, "SELECT status, attempts, not_before, delivery_status FROM outbox WHERE id = ?", item
    )
    assert (status, attempts, delivery) == ("pending", 1, "failed")
    assert datetime.fromisoformat(not_before) == NOW + HOUR


@pytest.mark.parametrize("code", [131048, 131049])
async def test_an_alert_meta_held_back_at_its_last_attempt_fails_and_is_told(
    db, settings, code
) -> None:
    ids = await _people(db)
    alert = await _sent(db, ids["Budi Santoso"], DeliveryKind.ALERT, "wamid.M0002")
    async with db.transaction() as repos:  # the tries before: all but the last attempt
        for _ in range(MAX_ATTEMPTS - 1):
            await repos.outbox.retry_later(alert, not_before=NOW, error="x", failed_try=True)
        await repos.outbox.mark_sent(alert, now=NOW, ext_message_id="wamid.M0002")
    await _report(db, settings, "wamid.M0002", "failed", code)
    await _report(db, settings, "wamid.M0002", "failed", code)
    assert await _row(db, "SELECT status, attempts FROM outbox WHERE id = ?", alert) == (
        "failed",
        MAX_ATTEMPTS,
    )
    [told] = await _texts_to(db, ids["Ibu Sari"])
    assert "tidak sampai ke Budi Santoso" in told


@pytest.mark.parametrize("code", [131048, 131049])
async def test_a_template_meta_held_back_is_forgotten_and_announced_again_later(
    db, settings, code
) -> None:
    ids = await _people(db)
    notice = await _held_behind(db, ids["Budi Santoso"], DeliveryKind.NOTICE, "wamid.T0004")
    await _report(db, settings, "wamid.T0004", "failed", code)
    status, attempts, not_before = await _row(
        db, "SELECT status, attempts, not_before FROM outbox WHERE id = ?", notice
    )
    assert (status, attempts) == ("pending", 1)
    assert datetime.fromisoformat(not_before) == NOW + HOUR
    assert await _row(db, "SELECT COUNT(*) FROM template_sends") == (0,)
    assert await _texts_to(db, ids["Admin"]) == []


async def test_only_the_last_part_of_a_message_moves_its_delivery_status(db, settings) -> None:
    """A report that part 1 of 2 was delivered, or even read, moved the whole message's
    status: its text could be cleared before its end with the buttons arrived. Now only the
    last part's report moves it; a failed part still acts on the message."""
    ids = await _people(db)
    item = await _sent(db, ids["Budi Santoso"], DeliveryKind.NOTICE, "wamid.P1", "wamid.P2")

    async def delivery() -> str | None:
        return (await _row(db, "SELECT delivery_status FROM outbox WHERE id = ?", item))[0]

    for state in ("sent", "delivered", "read"):
        await _report(db, settings, "wamid.P1", state)
        assert await delivery() is None, state
    await _report(db, settings, "wamid.P2", "delivered")
    assert await delivery() == "delivered"
    await _report(db, settings, "wamid.P1", "read")
    assert await delivery() == "delivered"
    await _report(db, settings, "wamid.P2", "read")
    assert await delivery() == "read"

    failing = await _sent(db, ids["Budi Santoso"], DeliveryKind.NOTICE, "wamid.P3", "wamid.P4")
    await _report(db, settings, "wamid.P3", "failed", 131000)  # Meta unwell for part 1
    assert await _row(
        db, "SELECT status, attempts, delivery_status FROM outbox WHERE id = ?", failing
    ) == ("pending", 1, "failed")


@pytest.mark.parametrize("code", [131048, 131049])
async def test_an_alert_meta_held_back_is_not_left_to_wait_an_hour(db, settings, code) -> None:
    """A darurat alert held back by Meta was tried again an hour later, then two, four...:
    the coordinators heard of it some 79 hours on. Now at once: failed, and told."""
    ids = await _people(db)
    alert = await _sent(db, ids["Budi Santoso"], DeliveryKind.ALERT, "wamid.M0005")
    await _report(db, settings, "wamid.M0005", "failed", code)
    await _report(db, settings, "wamid.M0005", "failed", code)  # the same report again
    assert await _row(db, "SELECT status FROM outbox WHERE id = ?", alert) == ("failed",)
    [told] = await _texts_to(db, ids["Ibu Sari"])
    assert "tidak sampai ke Budi Santoso" in told


async def _budi_on_telegram_too(db: Database, budi: int) -> None:
    async with db.transaction() as repos:
        await repos.users.add_identity(
            user_id=budi, channel="telegram", external_id="803", chat_id="803", now=NOW
        )


async def test_an_alert_meta_held_back_goes_by_the_persons_telegram(db, settings) -> None:
    """With a Telegram chat started, the alert goes there at once; WhatsApp is not marked
    unreachable (Meta only held it back) and the coordinators need not be told."""
    ids = await _people(db)
    await _budi_on_telegram_too(db, ids["Budi Santoso"])
    alert = await _sent(db, ids["Budi Santoso"], DeliveryKind.ALERT, "wamid.M0006")
    await _report(db, settings, "wamid.M0006", "failed", 131049)
    assert await _row(db, "SELECT channel, chat_id FROM outbox WHERE id = ?", alert) == (
        "telegram",
        "803",
    )
    assert await _row(
        db,
        "SELECT unreachable_at FROM channel_identities WHERE channel = 'whatsapp' AND chat_id = ?",
        PHONE,
    ) == (None,)
    assert await _texts_to(db, ids["Ibu Sari"]) == []


async def test_an_alert_whose_template_meta_held_back_is_told_at_once(db, settings) -> None:
    """The template announcing a held alert held back by Meta: the alert stays held for
    Budi's next message, and the coordinators hear of it now, not days later."""
    ids = await _people(db)
    alert = await _held_behind(db, ids["Budi Santoso"], DeliveryKind.ALERT, "wamid.T0007")
    await _report(db, settings, "wamid.T0007", "failed", 131048)
    assert await _row(db, "SELECT status FROM outbox WHERE id = ?", alert) == ("waiting",)
    [told] = await _texts_to(db, ids["Ibu Sari"])
    assert "tidak sampai ke Budi Santoso" in told


@pytest.mark.parametrize("code", [131048, 131049])
async def test_an_alert_meta_holds_back_on_the_send_is_told_at_once(db, settings, code) -> None:
    """The same refusal on the send itself (the channel's verdict: try again in an hour)."""
    from bot.channels.base import SendOutcome
    from bot.send_outcomes import FinishedSend, OutcomeWriter

    ids = await _people(db)
    async with db.transaction() as repos:
        alert_id = await _queue(repos, ids["Budi Santoso"], DeliveryKind.ALERT, "KNG-2026-000008")
        notice_id = await _queue(repos, ids["Budi Santoso"], DeliveryKind.NOTICE, "KNG-2026-9")
        alert, notice = await repos.outbox.get(alert_id), await repos.outbox.get(notice_id)
        pause = error_codes.retry_pause(code, 0)
        refused = SendOutcome("retry", retry_after=pause, error=f"({code})")
        writer = OutcomeWriter("whatsapp", zone=settings.zone, catalog=CATALOG)
        await writer.write(
            repos, [FinishedSend(alert, refused, NOW), FinishedSend(notice, refused, NOW)], NOW
        )
    assert await _row(db, "SELECT status FROM outbox WHERE id = ?", alert_id) == ("failed",)
    assert await _row(db, "SELECT status FROM outbox WHERE id = ?", notice_id) == ("pending",)
    [told] = await _texts_to(db, ids["Ibu Sari"])
    assert "tidak sampai ke Budi Santoso" in told


@pytest.mark.parametrize("code", [131048, 132015])
async def test_a_held_alert_nothing_announces_goes_by_the_persons_telegram(
    db, settings, code
) -> None:
    """The template announcing a held alert held back (131048) or refused (132015): with a
    Telegram chat started the alert goes there now, not only a word to the coordinators."""
    ids = await _people(db)
    await _budi_on_telegram_too(db, ids["Budi Santoso"])
    alert = await _held_behind(db, ids["Budi Santoso"], DeliveryKind.ALERT, "wamid.T0009")
    await _report(db, settings, "wamid.T0009", "failed", code)
    assert await _row(db, "SELECT channel, chat_id, status FROM outbox WHERE id = ?", alert) == (
        "telegram",
        "803",
        "pending",
    )
    assert await _texts_to(db, ids["Ibu Sari"]) == []
