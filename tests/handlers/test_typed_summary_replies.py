"""Typed replies on every form's summary, through the router on Telegram and WhatsApp alike:
"kirim" sends (registration, its correction, the case report, /siaran, /bimtek_baru,
/kontak), "ubah" opens the edit menu, where the summary's line number or an answer's label
picks the answer; an unknown reply keeps the edit menu; "batal" still cancels."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable

import pytest

from handlers.context import AppContext, Turn
from handlers.forms.state import prefilled_state
from storage.db import Database
from storage.models import Role, User, UserStatus
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, button, person, said, send, waiting_registration
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

SUMMARY = "Periksa kembali jawaban Bapak/Ibu"
EDIT_MENU = "Jawaban mana yang ingin diubah?"
OLD_REFUSAL = "Silakan gunakan tombol di bawah ringkasan."


async def _at_summary(db: Database, app: AppContext, user: User, channel: str, *typed: str) -> Turn:
    """Each answer typed in turn; the last reply is the summary."""
    reply = None
    for text in typed:
        reply = await send(db, app, user, channel, text=text)
    assert reply is not None and SUMMARY in said(reply), said(reply) if reply else None
    return reply


async def _case_report(db: Database, app: AppContext, channel: str) -> tuple[User, str]:
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    form = app.forms["case_report"]
    answers = copy.deepcopy({**BEFORE_SIZE, **REST})
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id=form.id,
            form_version=form.version,
            state=prefilled_state(form, answers),
            now=NOW,
        )
    summary = await send(db, app, ani, channel, command="start")
    assert SUMMARY in said(summary), said(summary)
    return ani, "Nomor kasus"


async def _registration(db: Database, app: AppContext, channel: str) -> tuple[User, str]:
    newcomer = await person(
        db, "Calon", None, channel, kecamatan=None, status=UserStatus.REGISTERING
    )
    await send(db, app, newcomer, channel, command="start")
    await _at_summary(
        db,
        app,
        newcomer,
        channel,
        *("Dedi Kurniawan", "081234567890", "PSM", "kuningan", "kadugede", "babatan"),
    )
    return newcomer, "menunggu persetujuan"


async def _registration_correction(db: Database, app: AppContext, channel: str) -> tuple[User, str]:
    rina = await waiting_registration(db, channel)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    page = await send(db, app, sari, channel, data=f"pg:u:{rina.id}")
    asked = await send(db, app, sari, channel, data=button(page, "Tolak"))
    await send(db, app, sari, channel, data=button(asked, "Nama tidak sesuai"))
    summary = await send(db, app, rina, channel, command="daftar")
    assert SUMMARY in said(summary), said(summary)
    return rina, "menunggu persetujuan"


async def _broadcast(db: Database, app: AppContext, channel: str) -> tuple[User, str]:
    tksk = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, tksk, channel, command="siaran")
    await _at_summary(db, app, tksk, channel, "Rapat PSM hari Senin pukul 09.00 di kecamatan.")
    return tksk, "orang"  # the preview: "... <b>1</b> orang"


async def _training(db: Database, app: AppContext, channel: str) -> tuple[User, str]:
    tksk = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    await send(db, app, tksk, channel, command="bimtek_baru")
    answers = ["Bimtek Dasar PSM", "Aula Dinsos", "Jl. Siliwangi 88", "Lewati"]
    answers += ["lusa", "08.00", "12.00", "tidak", "besok", "30", "15"]
    reply = None
    for text in answers:
        reply = await send(db, app, tksk, channel, text=text)
    assert reply is not None
    if SUMMARY not in said(reply):
        raise AssertionError(said(reply))
    return tksk, "Bimtek Dasar PSM"


async def _district_contact(db: Database, app: AppContext, channel: str) -> tuple[User, str]:
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, sari, channel, command="kontak")
    await _at_summary(db, app, sari, channel, "Dinsos Kuningan, Bu Rina 0812-3456-7890")
    return sari, "Kontak Dinas Sosial Kabupaten Kuningan sekarang"


FORMS: dict[str, Callable[[Database, AppContext, str], Awaitable[tuple[User, str]]]] = {
    "registration": _registration,
    "registration_correction": _registration_correction,
    "case_report": _case_report,
    "broadcast": _broadcast,
    "training": _training,
    "district_contact": _district_contact,
}


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("form", list(FORMS))
async def test_kirim_typed_on_any_summary_sends_it(world, channel: str, form: str) -> None:
    db, app = world
    user, done = await FORMS[form](db, app, channel)
    sent = await send(db, app, user, channel, text="kirim")
    assert OLD_REFUSAL not in said(sent)
    assert done in said(sent), said(sent)
    assert SUMMARY not in said(sent)  # the form left its summary


@pytest.mark.parametrize("channel", CHANNELS)
async def test_ubah_then_a_number_or_a_label_picks_the_answer(world, channel: str) -> None:
    db, app = world
    sari, _ = await _district_contact(db, app, channel)
    menu = await send(db, app, sari, channel, text="ubah")
    assert EDIT_MENU in said(menu) and OLD_REFUSAL not in said(menu)
    asked = await send(db, app, sari, channel, text="1")
    assert "Tulis kontak yang bisa dihubungi" in said(asked)
    summary = await send(db, app, sari, channel, text="Dinsos Kuningan, Pak Ujang 0812-1111-2222")
    assert "Pak Ujang" in said(summary) and SUMMARY in said(summary)
    await send(db, app, sari, channel, text="ubah")
    unknown = await send(db, app, sari, channel, text="kecamatan")  # no such answer here
    assert EDIT_MENU in said(unknown) and "⚠️" in said(unknown)
    assert SUMMARY not in said(unknown)  # the edit menu stays the edit menu
    asked = await send(db, app, sari, channel, text="kontak")  # the answer's label
    assert "Tulis kontak yang bisa dihubungi" in said(asked)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_registration_summary_line_numbers_and_labels(world, channel: str) -> None:
    """The QA walk: "ubah", then "kecamatan" on the field list; "5" from the summary."""
    db, app = world
    newcomer, _ = await _registration(db, app, channel)
    menu = await send(db, app, newcomer, channel, text="ubah")
    assert EDIT_MENU in said(menu)
    asked = await send(db, app, newcomer, channel, text="kecamatan")
    assert "kecamatan" in said(asked).lower() and EDIT_MENU not in said(asked)
    summary = await _at_summary(db, app, newcomer, channel, "kadugede")
    assert "5. Kecamatan: Kadugede" in said(summary).splitlines()
    asked = await send(db, app, newcomer, channel, text="5")  # the summary's own number
    assert "kecamatan" in said(asked).lower()
    assert EDIT_MENU not in said(asked) and SUMMARY not in said(asked)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_batal_on_the_summary_still_cancels(world, channel: str) -> None:
    db, app = world
    sari, _ = await _district_contact(db, app, channel)
    asked = await send(db, app, sari, channel, text="batal")
    assert "Yakin ingin membatalkan isian <b>Kontak Dinas Sosial</b>?" in said(asked)
    done = await send(db, app, sari, channel, text="ya")
    assert "isian <b>Kontak Dinas Sosial</b> dibatalkan" in said(done)
    async with db.reading() as repos:
        assert await repos.forms.active(sari.id) is None
        assert await repos.district_contacts.contact("32.08") is None
