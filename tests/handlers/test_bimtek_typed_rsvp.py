"""An RSVP typed outside a form ("akan hadir", "hadir nanti", "berhalangan", "tidak bisa
hadir") answers the person's only invitation still open, as its button would; with several
open, /jadwal's list (each with its buttons) is shown to choose; with none, that is said.
A word that may only mean yes ("ya", "siap"; "hadir" alone with no training today) is asked
back while an invitation awaits the answer. "hadir" on a training day stays the check-in.
Telegram and WhatsApp."""

from __future__ import annotations

import pytest

from handlers.trainings import typed_rsvp
from handlers.trainings.common import RSVP_PREFIX, describe
from storage.models import Role
from tests.handlers.routed_turns import (
    CHANNELS,
    active_session,
    button,
    labels,
    person,
    said,
    send,
)
from tests.handlers.training_turns import at, new_training, turn
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW
from tests.storage.statements import statements_run, touching

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
NOT_UNDERSTOOD = "belum mengerti"


async def _invited(db, channel, titles=("Bimtek Uji",)):
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    ids = []
    async with db.transaction() as repos:
        for number, title in enumerate(titles):
            day = (at(8 + number, 8), at(8 + number, 12))
            training_id = await new_training(
                repos, sari, [day], deadline=at(7 + number, 0), title=title
            )
            await repos.trainings.invite(training_id, [ani.id], NOW)
            ids.append(training_id)
    return ani, ids


async def _rsvp(db, training_id, user):
    async with db.reading() as repos:
        return (await repos.trainings.invitation(training_id, user.id)).rsvp


@pytest.mark.parametrize(
    "typed", ["akan hadir", "Hadir nanti", "Insya Allah hadir.", "insyaallah hadir bu"]
)
async def test_a_typed_yes_answers_the_only_open_invitation(world, channel, typed):
    db, app = world
    ani, (training_id,) = await _invited(db, channel)
    answered = await send(db, app, ani, channel, text=typed, now=at(5, 10))
    assert "tercatat <b>akan hadir</b>" in said(answered), said(answered)
    assert await _rsvp(db, training_id, ani) == "akan_hadir"


@pytest.mark.parametrize(
    "typed",
    [
        "berhalangan",
        "Tidak bisa hadir",
        "sy gk bisa hadir bu",
        # Review 16: the comma after courtesy is no reason's: it was "Izin: sy tidak bisa hadir".
        "Maaf bu, sy tidak bisa hadir",
        "Mohon maaf, berhalangan hadir",
        "Insya Allah, tidak bisa hadir",
        "Mohon maaf, tidak bisa hadir, Bu 🙏",
    ],
)
async def test_a_typed_no_asks_the_reason(world, channel, typed):
    db, app = world
    ani, (training_id,) = await _invited(db, channel)
    answered = await send(db, app, ani, channel, text=typed, now=at(5, 10))
    text = said(answered)
    assert "Berhalangan karena apa?" in text and NOT_UNDERSTOOD not in text, text
    assert await _rsvp(db, training_id, ani) == "berhalangan"


@pytest.mark.parametrize(
    ("typed", "kind", "details"),
    [
        ("sy gk bisa hadir bu, anak sakit", "sakit", "anak sakit"),
        ("Mohon maaf bu tdk bisa hadir karena ada acara keluarga", "izin", "ada acara keluarga"),
        ("Maaf bu, sy gk bisa hadir, anak sakit", "sakit", "anak sakit"),
    ],
)
async def test_a_typed_no_with_its_reason_answers_the_reason_too(
    world, channel, typed, kind, details
):
    """QA walk 15: people write the no and why in one message, with "sy", "bu", "gk": it
    was not understood. The words after the comma or "karena" answer the reason's question
    as typed there (its option confirmed, the words kept), never asked again."""
    db, app = world
    ani, (training_id,) = await _invited(db, channel)
    answered = await send(db, app, ani, channel, text=typed, now=at(5, 10))
    text = said(answered)
    assert NOT_UNDERSTOOD not in text and "Berhalangan karena apa?" not in text, text
    assert "tercatat <b>berhalangan</b> untuk <b>Bimtek Uji</b>" in text, text
    assert f"Keterangan: <i>{details}</i>" in text and labels(answered) == ["Ya", "Tidak"]
    assert await _rsvp(db, training_id, ani) == "berhalangan"
    done = await send(db, app, ani, channel, text="ya", now=at(5, 10))
    assert "keterangan tercatat" in said(done), said(done)
    async with db.reading() as repos:
        invitation = await repos.trainings.invitation(training_id, ani.id)
    assert (invitation.reason_kind, invitation.reason_text) == (kind, details)


async def test_with_several_open_the_list_is_shown_to_choose(world, channel):
    db, app = world
    ani, ids = await _invited(db, channel, ("Bimtek Satu", "Bimtek Dua"))
    shown = await send(db, app, ani, channel, text="akan hadir", now=at(5, 10))
    assert "beberapa bimtek" in said(shown) and "Bimtek Satu" in said(shown), said(shown)
    assert "Bimtek Dua" in said(shown) and labels(shown).count("✅ Akan hadir") == 2
    assert [await _rsvp(db, i, ani) for i in ids] == [None, None]


async def test_with_none_open_it_is_said(world, channel):
    db, app = world
    ani, (training_id,) = await _invited(db, channel)
    late = await send(db, app, ani, channel, text="tidak bisa hadir", now=at(7, 10))
    assert "Tidak ada undangan bimtek yang masih bisa dijawab" in said(late), said(late)
    assert await _rsvp(db, training_id, ani) is None


@pytest.mark.parametrize("typed", ["hadir", "sy hadir", "sy udh di lokasi"])
async def test_hadir_on_a_training_day_stays_the_check_in(world, channel, typed):
    """Another invitation awaiting an answer changes nothing on a training day. QA walk 15:
    "sy udh di lokasi" was not understood."""
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        today = await new_training(repos, sari, [(at(5, 8), at(5, 12))], deadline=at(4, 0))
        later = await new_training(
            repos, sari, [(at(9, 8), at(9, 12))], deadline=at(8, 0), title="Bimtek Nanti"
        )
        await repos.trainings.invite(today, [ani.id], NOW)
        await repos.trainings.invite(later, [ani.id], NOW)
    checked = await send(db, app, ani, channel, text=typed, now=at(5, 9))
    assert "kode" in said(checked) and "Maksud" not in said(checked), said(checked)
    assert await _rsvp(db, later, ani) is None


@pytest.mark.parametrize(
    "typed",
    [
        "ya",
        "Iya",
        "siap!",
        "Siap, Bu",
        "oke",
        "Insya Allah",
        "bisa",
        "hadir",
        "sy hadir",
        "Sy bisa hadir?",  # review 16: a question, not a yes as it comes
    ],
)
async def test_a_word_that_may_mean_yes_is_asked_back(world, channel, typed):
    """QA walk 7: "ya" was not understood, "hadir" told of no training today; her answer
    stayed "Belum menjawab". Asked back, Ya records it as the invitation's button would."""
    db, app = world
    ani, (training_id,) = await _invited(db, channel)
    asked = await send(db, app, ani, channel, text=typed, now=at(5, 10))
    assert said(asked).startswith("Maksud Bapak/Ibu: <b>akan hadir</b> di bimtek ini?")
    assert "Bimtek Uji" in said(asked) and labels(asked) == ["Ya", "Tidak"], said(asked)
    assert await _rsvp(db, training_id, ani) is None  # nothing until Ya
    done = await send(db, app, ani, channel, data=button(asked, "Ya"), now=at(5, 10))
    assert "tercatat <b>akan hadir</b>" in said(done), said(done)
    assert await _rsvp(db, training_id, ani) == "akan_hadir"


async def test_tidak_records_nothing(world, channel):
    db, app = world
    ani, (training_id,) = await _invited(db, channel)
    asked = await send(db, app, ani, channel, text="ya", now=at(5, 10))
    kept = await send(db, app, ani, channel, data=button(asked, "Tidak"), now=at(5, 10))
    assert "belum ada yang dicatat untuk <b>Bimtek Uji</b>" in said(kept), said(kept)
    assert await _rsvp(db, training_id, ani) is None


async def test_with_several_awaiting_the_list_is_shown_to_choose(world, channel):
    db, app = world
    ani, ids = await _invited(db, channel, ("Bimtek Satu", "Bimtek Dua"))
    shown = await send(db, app, ani, channel, text="siap", now=at(5, 10))
    assert "beberapa bimtek" in said(shown) and labels(shown).count("✅ Akan hadir") == 2
    assert [await _rsvp(db, i, ani) for i in ids] == [None, None]


async def test_ya_is_not_asked_back_once_answered_or_closed(world, channel):
    db, app = world
    ani, (training_id,) = await _invited(db, channel)
    late = await send(db, app, ani, channel, text="ya", now=at(7, 10))  # deadline passed
    assert NOT_UNDERSTOOD in said(late) and labels(late) == [], said(late)
    await send(db, app, ani, channel, text="akan hadir", now=at(5, 10))
    again = await send(db, app, ani, channel, text="ya", now=at(5, 11))
    assert NOT_UNDERSTOOD in said(again), said(again)
    checked = await send(db, app, ani, channel, text="hadir", now=at(5, 11))
    assert "Tidak ada bimtek hari ini" in said(checked), said(checked)
    assert await _rsvp(db, training_id, ani) == "akan_hadir"


async def test_a_typed_answer_names_the_training_s_days_as_they_are_now(world, channel):
    """A typed answer carries no schedule, unlike a tapped button (refused when its schedule
    is old): the reply names the training with its current days, so a PSM who missed a
    reschedule sees which day they said yes to (code review)."""
    db, app = world
    ani, (training_id,) = await _invited(db, channel)
    answered = said(await send(db, app, ani, channel, text="akan hadir", now=at(5, 10)))
    async with db.reading() as repos:
        training = await repos.trainings.get(training_id)
        days = await repos.trainings.days(training_id)
    assert describe(app, "id", training, days) in answered
    assert answered.index("Bimtek Uji") < answered.index("tercatat <b>akan hadir</b>")


async def test_ya_is_asked_back_for_the_one_invitation_still_awaiting_an_answer(world, channel):
    """Among trainings answered already or past their deadline, "ya" asks back for the one
    awaiting the answer, found with the invitations in one query (one per training before)."""
    db, app = world
    titles = ("Bimtek Lewat", "Bimtek Dijawab", "Bimtek Tunggu")
    ani, (past, answered, awaiting) = await _invited(db, channel, titles)
    async with db.transaction() as repos:
        await repos.trainings.set_rsvp(answered, ani.id, "berhalangan", NOW)
    async with statements_run(db) as statements:
        asked = await send(db, app, ani, channel, text="ya", now=at(7, 10))  # Lewat's closed
    assert said(asked).startswith("Maksud Bapak/Ibu: <b>akan hadir</b> di bimtek ini?")
    assert "Bimtek Tunggu" in said(asked) and "Bimtek Dijawab" not in said(asked)
    assert len(touching(statements, "training_invitations")) == 1, statements
    done = await send(db, app, ani, channel, data=button(asked, "Ya"), now=at(7, 10))
    assert "tercatat <b>akan hadir</b>" in said(done), said(done)
    assert [await _rsvp(db, i, ani) for i in (past, answered, awaiting)] == [
        None,
        "berhalangan",
        "akan_hadir",
    ]


async def test_a_no_refused_meanwhile_answers_no_other_training_s_reason(
    world, channel, monkeypatch
):
    """Review 16: the reason typed with a no answered whatever form was open. If the no is
    refused (the training closed as it was typed), an older reason's question (another
    training's) must not take "anak sakit" as its answer, nor the refusal be dropped."""
    db, app = world
    ani, (first, _) = await _invited(db, channel, ("Bimtek Satu", "Bimtek Dua"))
    await send(db, app, ani, channel, data=f"{RSVP_PREFIX}:{first}:b:", now=at(5, 10))
    opened = await active_session(db, ani)
    assert opened is not None and opened.state["context"] == {"training_id": first}

    async def refused(turn, data):  # as answer() does when the training closed meanwhile
        turn.reply("Bimtek Dua dibatalkan.")

    monkeypatch.setattr(typed_rsvp, "answer", refused)
    async with db.transaction() as repos:
        typed = await turn(app, repos, ani, at(7, 10), text="gk bisa hadir, anak sakit")
        assert await typed_rsvp.take(typed)
    assert said(typed).endswith("Bimtek Dua dibatalkan."), said(typed)
    kept = await active_session(db, ani)
    assert kept is not None and kept.id == opened.id and not kept.state.get("answers")
    async with db.reading() as repos:
        invitation = await repos.trainings.invitation(first, ani.id)
    assert invitation.reason_text is None
