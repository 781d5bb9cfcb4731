"""/pengingat "Jam lain": any hour typed as people write it ("17.30", "jam 5 sore") becomes
the reminder hour, on Telegram and WhatsApp alike; nonsense and hours in the quiet hours
(when no reminder goes out) are refused with the question again; /batal changes nothing;
and the scheduler sends the reminder at the typed minute."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.channels.whatsapp.outbound import render
from handlers.context import AppContext, Turn
from handlers.forms.state import new_state
from handlers.reminders import daily_reminders
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.routed_turns import CHANNELS, button, labels, person, said, send
from tests.storage.seed_cases import CASE_REPORT_VERSION, NOW

OTHER = "Jam lain"
QUESTION = "Jam berapa pengingat Bapak/Ibu dikirim (WIB)?"


async def _reminder(db: Database, user: User) -> tuple[str | None, bool]:
    async with db.reading() as repos:
        stored = await repos.users.get(user.id)
        assert stored is not None
        return stored.reminder_time, stored.reminders_enabled


async def _open_form(db: Database, user: User) -> str | None:
    async with db.reading() as repos:
        session = await repos.forms.active(user.id)
    return session.form_id if session else None


async def _other_hour(db: Database, app: AppContext, user: User, channel: str) -> Turn:
    """/pengingat, then "Jam lain"."""
    asked = await send(db, app, user, channel, command="pengingat")
    return await send(db, app, user, channel, data=button(asked, OTHER))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_typed_hour_becomes_the_reminder_and_turns_it_on(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    async with db.transaction() as repos:
        await repos.users.update(ani.id, now=NOW, reminders_enabled=False)
    asked = await send(db, app, ani, channel, command="pengingat")
    assert '"Jam lain"' in said(asked)  # the text names the option
    question = await send(db, app, ani, channel, data=button(asked, OTHER))
    assert QUESTION in said(question)
    assert "mulai pukul 06.00 sampai sebelum pukul 21.00" in said(question)
    done = await send(db, app, ani, channel, text="17.30")
    assert said(done) == "Pengingat harian akan dikirim sekitar pukul 17.30."
    assert await _reminder(db, ani) == ("17:30", True)
    assert await _open_form(db, ani) is None


@pytest.mark.parametrize(
    ("channel", "typed", "stored"),
    [
        ("telegram", "jam 5 sore", "17:00"),
        ("whatsapp", "setengah 6 sore", "17:30"),
        ("telegram", "7:15", "07:15"),
        ("whatsapp", "pukul 20.59 WIB", "20:59"),
        ("telegram", "jam 6 pagi", "06:00"),
    ],
)
async def test_hours_as_people_write_them(world, channel: str, typed: str, stored: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    await _other_hour(db, app, ani, channel)
    done = await send(db, app, ani, channel, text=typed)
    shown = stored.replace(":", ".")  # stored as "HH:MM", written as people write it
    assert said(done) == f"Pengingat harian akan dikirim sekitar pukul {shown}."
    assert await _reminder(db, ani) == (stored, True)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_jam_5_pagi_is_taken_where_the_quiet_hours_end_at_five(world, channel) -> None:
    db, app = world
    app = dataclasses.replace(app, quiet_start=time(22, 0), quiet_end=time(5, 0))
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    question = await _other_hour(db, app, ani, channel)
    assert "mulai pukul 05.00 sampai sebelum pukul 22.00" in said(question)
    done = await send(db, app, ani, channel, text="jam 5 pagi")
    assert said(done) == "Pengingat harian akan dikirim sekitar pukul 05.00."
    assert await _reminder(db, ani) == ("05:00", True)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_hour_in_the_quiet_hours_is_refused_and_asked_again(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    await _other_hour(db, app, ani, channel)
    for typed, spoken in (("jam 5 pagi", "05.00"), ("22.00", "22.00"), ("21:00", "21.00")):
        again = await send(db, app, ani, channel, text=typed)
        assert said(again).startswith(f"Maaf, pukul {spoken} termasuk jam tenang (21.00–06.00 WIB)")
        assert QUESTION in said(again)
        assert await _reminder(db, ani) == (None, True)  # the default hour, unchanged
        assert await _open_form(db, ani) == "reminder_hour"
    done = await send(db, app, ani, channel, text="19.45")
    assert said(done) == "Pengingat harian akan dikirim sekitar pukul 19.45."
    assert await _reminder(db, ani) == ("19:45", True)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_jam_5_alone_in_the_quiet_hours_is_read_as_the_afternoon(world, channel) -> None:
    """QA walk 11: "jam 5" at "Jam lain" or at the hour list means 17.00 (05.00 is quiet),
    and the confirmation says so; "05.00" and "jam 5 pagi" are still read as written."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    await _other_hour(db, app, ani, channel)
    for typed in ("jam 5 pagi", "05.00"):
        again = await send(db, app, ani, channel, text=typed)
        assert said(again).startswith("Maaf, pukul 05.00 termasuk jam tenang")
    done = await send(db, app, ani, channel, text="jam 5")
    assert said(done) == "Pengingat harian akan dikirim sekitar pukul 17.00 (sore)."
    assert await _reminder(db, ani) == ("17:00", True)
    await send(db, app, ani, channel, command="pengingat")
    done = await send(db, app, ani, channel, text="1.30")
    assert said(done) == "Pengingat harian akan dikirim sekitar pukul 13.30 (siang)."
    assert await _reminder(db, ani) == ("13:30", True)
    await send(db, app, ani, channel, command="pengingat")
    done = await send(db, app, ani, channel, text="jam 8")  # not quiet: as written
    assert said(done) == "Pengingat harian akan dikirim sekitar pukul 08.00."


@pytest.mark.parametrize("channel", CHANNELS)
async def test_nonsense_is_explained_and_asked_again(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    await _other_hour(db, app, ani, channel)
    for typed, told in (
        ("besok saja", app.catalog.text("id", "answer.need_time")),
        ("25.00", app.catalog.text("id", "answer.time_impossible")),
        ("jam 15 pagi", app.catalog.text("id", "answer.time_impossible")),
    ):
        again = await send(db, app, ani, channel, text=typed)
        assert told in said(again) and QUESTION in said(again)
    assert await _reminder(db, ani) == (None, True)
    done = await send(db, app, ani, channel, text="17.30")
    assert await _reminder(db, ani) == ("17:30", True)
    assert "17.30" in said(done)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_batal_leaves_the_reminder_as_it_was(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    asked = await send(db, app, ani, channel, command="pengingat")
    await send(db, app, ani, channel, data=button(asked, "08.00"))
    await _other_hour(db, app, ani, channel)
    # Nothing typed at the hour yet: dropped at once, no "answers deleted" to confirm.
    cancelled = await send(db, app, ani, channel, text="batal")
    assert "Yakin" not in said(cancelled)
    # Named once: not "Isian dibatalkan, isian ... sudah dihapus".
    assert said(cancelled).startswith("Baik, isian <b>Jam pengingat</b> dibatalkan. Ketik /menu")
    assert await _reminder(db, ani) == ("08:00", True)
    assert await _open_form(db, ani) is None
    later = await send(db, app, ani, channel, text="17.30")  # no question open any more
    assert app.catalog.text("id", "errors.not_understood") in said(later)
    assert await _reminder(db, ani) == ("08:00", True)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("status", [UserStatus.REGISTERING, UserStatus.PENDING])
async def test_someone_not_yet_approved_gets_no_question(world, channel, status) -> None:
    db, app = world
    dodi = await person(db, "Dodi", None, channel, status=status)
    asked = await send(db, app, dodi, channel, command="pengingat")
    assert OTHER not in " ".join(labels(asked))
    tapped = await send(db, app, dodi, channel, data="rm:other")
    assert said(tapped).startswith(app.catalog.text("id", f"status_explained.{status}"))
    assert await _open_form(db, dodi) != "reminder_hour"
    assert await _reminder(db, dodi) == (None, True)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_answer_is_refused_when_the_person_may_no_longer_set_it(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    await _other_hour(db, app, ani, channel)
    async with db.transaction() as repos:  # demoted to calon while the question was open
        await repos.users.update(ani.id, now=NOW, role=Role.CALON)
    refused = await send(db, app, ani, channel, text="17.30")
    assert said(refused) == app.catalog.text("id", "errors.not_allowed")
    assert await _reminder(db, ani) == (None, True)


async def test_whatsapp_shows_the_hours_and_jam_lain_in_one_list(world) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, "whatsapp", kecamatan="32.08.01")
    asked = await send(db, app, ani, "whatsapp", command="pengingat")
    (body,) = render(asked.replies[0], app.catalog, "id").bodies
    assert body["interactive"]["type"] == "list"  # more than 3 options, at most 10 rows
    rows = body["interactive"]["action"]["sections"][0]["rows"]
    assert [row["id"] for row in rows] == [
        "rm:06:00",
        "rm:08:00",
        "rm:12:00",
        "rm:16:00",
        "rm:19:00",
        "rm:other",
        "rm:off",
    ]
    assert rows[5]["title"] == "⌨️ Jam lain"


async def test_preset_hours_in_configured_quiet_hours_are_neither_offered_nor_taken(world) -> None:
    db, app = world
    app = dataclasses.replace(app, quiet_start=time(18, 0), quiet_end=time(7, 0))
    ani = await person(db, "Bu Ani", Role.PSM, "telegram", kecamatan="32.08.01")
    asked = await send(db, app, ani, "telegram", command="pengingat")
    assert [b.data for b in asked.replies[0].buttons[0]] == ["rm:08:00", "rm:12:00", "rm:16:00"]
    assert "rm:19:00" not in [b.data for row in asked.replies[0].buttons for b in row]
    old = await send(db, app, ani, "telegram", data="rm:19:00")  # offered before the change
    assert said(old).startswith("Maaf, pukul 19.00 termasuk jam tenang (18.00–07.00 WIB)")
    assert await _reminder(db, ani) == (None, True)


def _local(hour: int, minute: int) -> datetime:
    """NOW's local day (WIB) at hour:minute, as the UTC moment the scheduler is given."""
    return datetime(2026, 11, 29, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_scheduler_reminds_at_the_typed_minute(world, channel: str) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    async with db.transaction() as repos:  # something to be reminded of: a draft
        draft = await repos.forms.start(
            user_id=ani.id,
            form_id="case_report",
            form_version=CASE_REPORT_VERSION,
            state=new_state(),
            now=NOW,
        )
        answered = {**new_state(), "answers": {"head_name": "Keluarga Darto"}}
        await repos.forms.save(draft.id, state=answered, status="paused", now=NOW)
    await _other_hour(db, app, ani, channel)
    await send(db, app, ani, channel, text="setengah 6 sore")
    assert await _reminder(db, ani) == ("17:30", True)

    async def tick(moment: datetime) -> list[str]:
        async with db.transaction() as repos:
            await daily_reminders(repos, app, moment)
            return [item.message["text"] for item in await repos.outbox.for_user(ani.id)]

    before = await tick(_local(16, 0))  # the default hour: not hers any more
    assert before == [] and await tick(_local(17, 29)) == []
    sent = await tick(_local(17, 30))
    assert len(sent) == 1 and "1 laporan belum selesai" in sent[0]
    assert len(await tick(_local(17, 31))) == 1  # once a day


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_hour_typed_at_the_hour_list_is_taken_as_jam_lain_takes_it(
    world, channel: str
) -> None:
    """Typing at the list, before any "Jam lain": a button's own label ("08.00") or any
    hour is that hour; one in the quiet hours ("jam 10 malam") is refused with the list
    again, as is a text that is no hour (never "not understood" with the whole help)."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    listed = await send(db, app, ani, channel, command="pengingat")
    hours = said(listed)
    quiet = await send(db, app, ani, channel, text="jam 10 malam")
    assert said(quiet).startswith("Maaf, pukul 22.00 termasuk jam tenang (21.00–06.00 WIB)")
    assert hours.split("\n")[0] in said(quiet) and "08.00" in labels(quiet)
    unclear = await send(db, app, ani, channel, text="besok saja")
    assert said(unclear).startswith("Maaf, pesan itu belum terbaca sebagai jam pengingat.")
    assert app.catalog.text("id", "answer.need_time") in said(unclear)
    assert "besok" not in said(unclear) and "08.00" in labels(unclear)
    assert await _reminder(db, ani) == (None, True)
    done = await send(db, app, ani, channel, text="08.00")
    assert said(done) == "Pengingat harian akan dikirim sekitar pukul 08.00."
    assert await _reminder(db, ani) == ("08:00", True)
    again = await send(db, app, ani, channel, command="pengingat")
    assert "08.00" in said(again)
    done = await send(db, app, ani, channel, text="07.00")
    assert said(done) == "Pengingat harian akan dikirim sekitar pukul 07.00."
    assert await _reminder(db, ani) == ("07:00", True)
    assert await _open_form(db, ani) is None


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_hour_typed_after_another_command_is_not_a_reminder_hour(
    world, channel: str
) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan="32.08.01")
    await send(db, app, ani, channel, command="pengingat")
    await send(db, app, ani, channel, command="bantuan")
    later = await send(db, app, ani, channel, text="07.00")
    assert "Maaf, kami belum mengerti" in said(later)
    assert await _reminder(db, ani) == (None, True)
