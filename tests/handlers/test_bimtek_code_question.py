"""/hadir without a code asks for it: the next message is the code (through the router, on
both channels: Telegram's /hadir and WhatsApp's typed "hadir"). A wrong code is said and
asked again, counted by the same lockout as `/hadir KODE`; "/hadir KODE" typed while the
question waits answers it and leaves no question behind."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.context import Turn
from handlers.events import Inbound, InboundKind
from handlers.router import handle
from handlers.trainings.codes import current_code
from tests.handlers.chat_turns import app_context
from tests.handlers.test_bimtek_code_attempts import _wrong
from tests.handlers.training_turns import at, invited_psm, plain
from tests.storage.seed_cases import open_database

WA_ID = "6281234500011"
CODE_FORM = "training_code"  # handlers/trainings/checkin.CODE_FORM


async def _say(
    db, app, user, channel: str, now, *, text=None, command=None, args="", location=None
):
    """One message of the person through the router, as the channel delivers it."""
    external = str(user.id) if channel == "telegram" else WA_ID
    fields: dict = {"kind": InboundKind.TEXT, "text": text}
    if command is not None:
        fields = {"kind": InboundKind.COMMAND, "command": command, "command_args": args}
    elif location is not None:
        fields = {"kind": InboundKind.LOCATION, "latitude": location[0], "longitude": location[1]}
    event = Inbound(channel=channel, external_user_id=external, chat_id=external, **fields)
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=now)
        await handle(turn)
    return [plain(reply.text) for reply in turn.replies if reply.type != "menu"]


async def _check_in_command(db, app, user, channel: str, now, code: str = ""):
    """/hadir [code] on Telegram; the word typed on WhatsApp."""
    if channel == "telegram":
        return await _say(db, app, user, channel, now, command="hadir", args=code)
    return await _say(db, app, user, channel, now, text=f"hadir {code}".strip())


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_the_code_after_a_bare_hadir_checks_in(tmp_path, channel):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            await repos.users.add_identity(
                user_id=ani.id, channel="whatsapp", external_id=WA_ID, chat_id=WA_ID, now=at(1, 9)
            )
            secret = (await repos.trainings.get(training_id)).secret
            day = (await repos.trainings.days(training_id))[0]
        now = at(8, 7, 40)
        asked = await _check_in_command(db, app, ani, channel, now)
        assert any("Ketik kode 6 angka" in text for text in asked)
        greeting = await _say(db, app, ani, channel, now, text="Selamat pagi")  # no code
        assert any("Itu bukan kode absen" in text for text in greeting)
        async with db.transaction() as repos:
            assert (await repos.forms.active(ani.id)).form_id == CODE_FORM  # still asked
        wrong = await _say(db, app, ani, channel, now, text=_wrong(secret, now))
        assert any("Kode itu salah" in text for text in wrong)
        assert any("Ketik kode 6 angka" in text for text in wrong)  # asked again
        async with db.transaction() as repos:
            assert len(await repos.audit.entries("training.code_wrong")) == 1
        later = now + timedelta(minutes=1)
        done = await _say(db, app, ani, channel, later, text=current_code(secret, later))
        assert any("Tercatat hadir" in text for text in done)
        async with db.transaction() as repos:
            record = await repos.trainings.attendance_of(day.id, ani.id)
            assert await repos.forms.active(ani.id) is None
        assert record is not None and record.status == "hadir" and record.method == "code"
    finally:
        await db.close()


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_hadir_with_the_code_answers_the_waiting_question(tmp_path, channel):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            await repos.users.add_identity(
                user_id=ani.id, channel="whatsapp", external_id=WA_ID, chat_id=WA_ID, now=at(1, 9)
            )
            secret = (await repos.trainings.get(training_id)).secret
        now = at(8, 7, 40)
        await _check_in_command(db, app, ani, channel, now)
        async with db.transaction() as repos:
            waiting = await repos.forms.active(ani.id)
        assert waiting is not None and waiting.form_id == CODE_FORM
        done = await _check_in_command(db, app, ani, channel, now, current_code(secret, now))
        assert any("Tercatat hadir" in text for text in done)
        async with db.transaction() as repos:
            assert await repos.forms.active(ani.id) is None
            assert (await repos.forms.get(waiting.id)).status == "cancelled"
    finally:
        await db.close()


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_code_typed_alone_on_the_day_checks_in(tmp_path, channel):
    """At the venue people type the code shown without /hadir: on a day of theirs it is the
    check-in ("Maaf, kami belum mengerti" before); on another day it is not understood."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            await repos.users.add_identity(
                user_id=ani.id, channel="whatsapp", external_id=WA_ID, chat_id=WA_ID, now=at(1, 9)
            )
            secret = (await repos.trainings.get(training_id)).secret
            day = (await repos.trainings.days(training_id))[0]
        before = at(7, 7, 40)  # the day before: a number is just a number
        told = await _say(db, app, ani, channel, before, text=current_code(secret, before))
        assert any("belum mengerti" in text for text in told)
        now = at(8, 7, 40)
        code = current_code(secret, now)
        done = await _say(db, app, ani, channel, now, text=f"{code[:3]} {code[3:]}")
        assert any("Tercatat hadir" in text for text in done)
        async with db.transaction() as repos:
            record = await repos.trainings.attendance_of(day.id, ani.id)
        assert record is not None and record.status == "hadir" and record.method == "code"
    finally:
        await db.close()


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_code_a_digit_short_says_six_digits_and_is_no_wrong_try(tmp_path, channel):
    """QA walk 15: "12345" at the code question said "Kode itu salah" as if a code had been
    tried. A code without its 6 digits says how many it has and is not counted."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            _, ani, _ = await invited_psm(repos, [(at(8, 8), at(8, 12))])
            await repos.users.add_identity(
                user_id=ani.id, channel="whatsapp", external_id=WA_ID, chat_id=WA_ID, now=at(1, 9)
            )
        now = at(8, 7, 40)
        await _check_in_command(db, app, ani, channel, now)
        short = await _say(db, app, ani, channel, now, text="12345")
        assert any("Kode absen terdiri dari 6 angka; yang diketik 5 angka" in t for t in short)
        assert not any("Kode itu salah" in text for text in short)
        assert any("Ketik kode 6 angka" in text for text in short)  # asked again
        async with db.transaction() as repos:
            assert await repos.audit.entries("training.code_wrong") == []
            assert (await repos.forms.active(ani.id)).form_id == CODE_FORM
    finally:
        await db.close()
