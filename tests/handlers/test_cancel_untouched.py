"""/batal on a form with nothing answered yet (`FormSession.untouched`: no draft) drops it at
once with a short word: QA walk 6 saw "Yakin ingin membatalkan laporan (belum ada nama)?
Jawaban yang sudah diisi akan dihapus." for a report just opened, where nothing was filled.
One answer makes it a draft, and "cancel?" is asked as before."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, active_session, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
HEAD_QUESTION = "nama kepala keluarga"


async def _statuses(db: Database, user: User) -> list[str]:
    async with db.reading() as repos:
        sessions = await repos.forms.of_user(user.id, ("active", "paused", "cancelled"))
    return [session.status for session in sessions]


@pytest.mark.parametrize("how", [{"command": "batal"}, {"text": "batal"}])
async def test_an_untouched_report_is_cancelled_at_once(world, channel, how) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    assert HEAD_QUESTION in said(await send(db, app, ani, channel, text="lapor"))
    done = await send(db, app, ani, channel, **how)
    text = said(done)
    assert text == "Baik, laporan baru dibatalkan. Ketik /menu untuk kembali ke menu utama."
    assert labels(done) == []  # nothing to confirm
    assert await active_session(db, ani) is None and await _statuses(db, ani) == ["cancelled"]
    assert "Tidak ada isian" in said(await send(db, app, ani, channel, text="batal"))


async def test_a_report_with_an_answer_is_asked_about_first(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")
    asked = await send(db, app, ani, channel, text="batal")
    assert "Yakin ingin membatalkan laporan <b>Slamet Riyadi</b>?" in said(asked)
    assert labels(asked) == ["Ya, batalkan", "Tidak, lanjutkan"]
    assert await _statuses(db, ani) == ["active"]


async def test_in_english_too(world, channel) -> None:
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.users.update(ani.id, now=ani.created_at, language="en")
    await send(db, app, ani, channel, command="lapor")
    done = said(await send(db, app, ani, channel, command="batal"))
    assert done == "Fine, the new report is cancelled. Send /menu for the main menu."


async def test_an_album_while_cancel_is_asked_asks_it_once(world, channel) -> None:
    """Review 9: a burst (WhatsApp) or album (Telegram) of three photos while "cancel?" waits
    asked it three times; its last photo asks it again, once, and the form is kept."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")
    await send(db, app, ani, channel, text="batal")

    for number in (1, 2):
        assert said(await send(db, app, ani, channel, photo=f"AgAC-{number}", more=True)) == ""
    last = await send(db, app, ani, channel, photo="AgAC-3")

    assert "Yakin ingin membatalkan laporan <b>Slamet Riyadi</b>?" in said(last)
    assert labels(last) == ["Ya, batalkan", "Tidak, lanjutkan"]
    assert await _statuses(db, ani) == ["active"]
