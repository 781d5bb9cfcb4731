"""Checking in while another form is open keeps that form (through the router, on both
channels: Telegram's /hadir, WhatsApp's typed "hadir", and the code typed alone): the check-in
is confirmed and the form's question asked again right after. Before, the check-in left the
form without its question, or paused it as a draft behind the code or location question (to
be found again with /draf). A check-in that needs its own question (the code, the location)
asks it, and the form comes back once it is done or cancelled."""

from __future__ import annotations

import pytest

from handlers.trainings.codes import current_code
from storage.models import Role
from tests.handlers.test_bimtek_code_attempts import _wrong
from tests.handlers.test_bimtek_code_question import WA_ID, _check_in_command, _say
from tests.handlers.training_turns import at, invited_psm, new_training, person
from tests.storage.seed_cases import BABATAN

NOW = at(8, 7, 40)  # the training of 8 December starts at 08.00: check-in is open
VENUE = (-6.9755, 108.4836)
DONE = "Tercatat hadir"
CONTINUE = "Isian Bapak/Ibu masih berjalan"
KK_QUESTION = "Kartu Keluarga"  # the report's question after the head's name
# How each form is opened, what is answered first, and the question it then waits at.
FORMS = {
    "case_report": ("lapor", "Slamet Riyadi", KK_QUESTION),
    "phone_change": ("nomor", None, "Nomor HP baru"),
}
pytestmark = pytest.mark.parametrize("channel", ["telegram", "whatsapp"])


async def _ani_at_a_training(db, *, location: bool = False):
    """Bu Ani (PSM of Babatan, on both channels) invited to a training on 8 December checked
    by code, or by location alone; (Bu Ani, the training's secret, its day)."""
    async with db.transaction() as repos:
        if location:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            ani = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
            days = [(at(8, 8), at(8, 12))]
            training_id = await new_training(
                repos, coordinator, days, method="location", venue=VENUE, radius=100
            )
            await repos.trainings.invite(training_id, [ani.id], at(1, 9))
        else:
            _, ani, training_id = await invited_psm(repos, [(at(8, 8), at(8, 12))])
        await repos.users.add_identity(
            user_id=ani.id, channel="whatsapp", external_id=WA_ID, chat_id=WA_ID, now=at(1, 9)
        )
        ani = await repos.users.update(ani.id, now=at(1, 9), desa_code=BABATAN)
        secret = (await repos.trainings.get(training_id)).secret
        (day,) = await repos.trainings.days(training_id)
    return ani, secret, day


async def _open(db, app, ani, channel: str, form: str = "case_report"):
    """The form opened and waiting at its question; its session."""
    command, answer, question = FORMS[form]
    asked = await _say(db, app, ani, channel, NOW, command=command)
    if answer is not None:
        asked = await _say(db, app, ani, channel, NOW, text=answer)
    assert any(question in text for text in asked)
    async with db.reading() as repos:
        return await repos.forms.active(ani.id)


def _after(said: list[str], first: str, then: str) -> None:
    """`first` is said, and `then` in a later (or the same) message."""
    where = next(i for i, text in enumerate(said) if first in text)
    assert any(then in text for text in said[where:]), said


async def _same_form_active(db, ani, session) -> None:
    async with db.reading() as repos:
        active = await repos.forms.active(ani.id)
        paused = await repos.forms.of_user(ani.id, ("paused",))
    assert active is not None and active.id == session.id
    assert active.state["answers"] == session.state["answers"]
    assert "held" not in active.state
    assert [draft.id for draft in paused] == []  # no draft left behind


async def _attended(db, ani, day) -> str | None:
    async with db.reading() as repos:
        record = await repos.trainings.attendance_of(day.id, ani.id)
    return record.status if record else None


@pytest.mark.parametrize("form", list(FORMS))
async def test_hadir_with_the_code_keeps_the_form_and_asks_its_question(world, channel, form):
    db, app = world
    ani, secret, day = await _ani_at_a_training(db)
    session = await _open(db, app, ani, channel, form)
    said = await _check_in_command(db, app, ani, channel, NOW, current_code(secret, NOW))
    _after(said, DONE, CONTINUE)
    _after(said, CONTINUE, FORMS[form][2])
    assert await _attended(db, ani, day) == "hadir"
    await _same_form_active(db, ani, session)


async def test_the_code_typed_alone_amid_a_report_checks_in(world, channel):
    """Only the current code counts: another six-digit number stays the report's answer,
    with no wrong code counted."""
    db, app = world
    ani, secret, day = await _ani_at_a_training(db)
    session = await _open(db, app, ani, channel)
    await _say(db, app, ani, channel, NOW, text=_wrong(secret, NOW))
    assert await _attended(db, ani, day) is None
    async with db.reading() as repos:
        assert await repos.audit.entries("training.code_wrong") == []
    code = current_code(secret, NOW)
    said = await _say(db, app, ani, channel, NOW, text=f"{code[:3]} {code[3:]}")
    _after(said, DONE, KK_QUESTION)
    assert await _attended(db, ani, day) == "hadir"
    await _same_form_active(db, ani, session)
    await _say(db, app, ani, channel, NOW, text="3208011210190005")  # the report goes on
    async with db.reading() as repos:
        assert "no_kk" in (await repos.forms.active(ani.id)).state["answers"]


@pytest.mark.parametrize("typed", ["hadir {code}", "{code}"])
async def test_checking_in_at_a_held_choice_asks_the_question_again(world, channel, typed):
    """/batal asked "cancel this report?": a check-in instead answers no choice; the report's
    question comes back (as after a mistyped command)."""
    db, app = world
    ani, secret, day = await _ani_at_a_training(db)
    session = await _open(db, app, ani, channel)
    await _say(db, app, ani, channel, NOW, command="batal")
    said = await _say(db, app, ani, channel, NOW, text=typed.format(code=current_code(secret, NOW)))
    _after(said, DONE, KK_QUESTION)
    assert not any("Yakin ingin membatalkan" in text for text in said)
    assert await _attended(db, ani, day) == "hadir"
    await _same_form_active(db, ani, session)


async def test_a_wrong_code_asks_for_the_code_then_the_report_comes_back(world, channel):
    db, app = world
    ani, secret, day = await _ani_at_a_training(db)
    session = await _open(db, app, ani, channel)
    said = await _check_in_command(db, app, ani, channel, NOW, _wrong(secret, NOW))
    assert any("Kode itu salah" in text for text in said)
    assert not any(KK_QUESTION in text for text in said)  # the code is asked, not the report
    said = await _say(db, app, ani, channel, NOW, text=current_code(secret, NOW))
    _after(said, DONE, KK_QUESTION)
    assert await _attended(db, ani, day) == "hadir"
    await _same_form_active(db, ani, session)


async def test_cancelling_the_code_question_brings_the_report_back(world, channel):
    """/hadir without a code amid a report asks for the code; /batal then drops only that (at
    once: nothing was typed at it)."""
    db, app = world
    ani, _, day = await _ani_at_a_training(db)
    session = await _open(db, app, ani, channel)
    asked = await _say(db, app, ani, channel, NOW, command="hadir")
    assert any("Ketik kode 6 angka" in text for text in asked)
    said = await _say(db, app, ani, channel, NOW, command="batal")
    _after(said, "Baik, isian Kode absen bimtek dibatalkan.", KK_QUESTION)  # markup dropped
    assert await _attended(db, ani, day) is None
    await _same_form_active(db, ani, session)


async def test_hadir_typed_alone_amid_a_report_asks_the_code_then_the_report(world, channel):
    """The day's notice says "ketik hadir di lokasi bimtek": typed alone at the KK question
    (no slash, on Telegram too) it is the check-in, not a wrong KK number."""
    db, app = world
    ani, secret, day = await _ani_at_a_training(db)
    session = await _open(db, app, ani, channel)
    asked = await _say(db, app, ani, channel, NOW, text="hadir")
    assert any("Ketik kode 6 angka" in text for text in asked)
    assert not any(KK_QUESTION in text or "harus berisi angka" in text for text in asked)
    said = await _say(db, app, ani, channel, NOW, text=current_code(secret, NOW))
    _after(said, DONE, CONTINUE)
    _after(said, CONTINUE, KK_QUESTION)
    assert await _attended(db, ani, day) == "hadir"
    await _same_form_active(db, ani, session)


async def test_hadir_typed_alone_on_a_day_without_training_comes_back_to_the_form(world, channel):
    db, app = world
    ani, _, _ = await _ani_at_a_training(db)
    session = await _open(db, app, ani, channel)
    said = await _say(db, app, ani, channel, at(7, 9), text="hadir")  # the day before
    _after(said, app.catalog.text("id", "training.checkin_none_today"), KK_QUESTION)
    await _same_form_active(db, ani, session)


async def test_the_location_question_amid_a_report_then_the_report(world, channel):
    db, app = world
    ani, _, day = await _ani_at_a_training(db, location=True)
    session = await _open(db, app, ani, channel)
    asked = await _say(db, app, ani, channel, NOW, command="hadir")
    assert not any(KK_QUESTION in text for text in asked)  # the location is asked first
    said = await _say(db, app, ani, channel, NOW, location=VENUE)
    _after(said, DONE, KK_QUESTION)
    assert await _attended(db, ani, day) == "hadir"
    await _same_form_active(db, ani, session)


async def test_a_check_in_refused_asks_the_question_again(world, channel):
    """An admin (who attends no training) changing their number: /hadir is refused, and the
    number is asked for again."""
    db, app = world
    async with db.transaction() as repos:
        admin = await person(repos, "Pak Admin", Role.ADMIN)
        await repos.users.add_identity(
            user_id=admin.id, channel="whatsapp", external_id=WA_ID, chat_id=WA_ID, now=at(1, 9)
        )
    session = await _open(db, app, admin, channel, "phone_change")
    said = await _say(db, app, admin, channel, NOW, command="hadir", args="123456")
    _after(said, app.catalog.text("id", "errors.not_allowed"), FORMS["phone_change"][2])
    await _same_form_active(db, admin, session)
