"""The invitation letter's link invites as a name or a phone list does: a PSM, TKSK or
candidate of the training's area; a PSM of another kabupaten, or a coordinator who scans the
QR code to try it, is told so and stays off the daftar hadir."""

from __future__ import annotations

import pytest

from handlers.trainings import join, links
from storage.models import Role, UserStatus
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import CREATED, at, new_training, person, texts, turn
from tests.storage.seed_cases import open_database

KUNINGAN_PSM = {"kabupaten": "32.08", "kecamatan": "32.08.01", "desa": "32.08.01.2006"}
CINIRU_PSM = {"kabupaten": "32.08", "kecamatan": "32.08.02", "desa": "32.08.02.2001"}
TUBAN_PSM = {"kabupaten": "35.23", "kecamatan": "35.23.01", "desa": "35.23.01.2001"}
DECISIONS = {UserStatus.SUSPENDED: "person.suspended", UserStatus.REJECTED: "registration.rejected"}


@pytest.mark.parametrize(
    ("role", "where", "kecamatan_training", "invited"),
    [
        (Role.PSM, KUNINGAN_PSM, False, True),
        (Role.PSM, TUBAN_PSM, False, False),
        (Role.COORDINATOR, {"kabupaten": "32.08"}, False, False),
        (Role.COORDINATOR, {"kabupaten": "35.23"}, False, False),
        (Role.PSM, KUNINGAN_PSM, True, True),
        (Role.PSM, CINIRU_PSM, True, False),  # a TKSK's training is for their kecamatan
    ],
)
async def test_the_link_invites_only_the_trainings_area(
    tmp_path, role, where, kecamatan_training, invited
):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            organiser = await person(repos, "Ibu Sari", Role.COORDINATOR)
            opener = await person(repos, "Pembuka Tautan", role, **where)
            training_id = await new_training(
                repos,
                organiser,
                [(at(8, 8), at(8, 12))],
                kecamatan="32.08.01" if kecamatan_training else None,
            )
            code = await links.join_code(repos, training_id)
        async with db.transaction() as repos:
            opened = await turn(app, repos, opener, CREATED, command="start", args="bt-" + code)
            await join.join(opened, code)
            found = await repos.trainings.invitation(training_id, opener.id)
        assert (found is not None) is invited
        if invited:
            assert "Undangan bimtek" in texts(opened)[0]
        else:
            assert "wilayah penyelenggara" in texts(opened)[0]
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("status", "key", "by"),
    [
        (UserStatus.SUSPENDED, "status_explained.suspended_by", "Ibu Sari"),
        (UserStatus.REJECTED, "status_explained.rejected_by", "Ibu Sari"),
        (UserStatus.PENDING, "status_explained.pending", None),
    ],
)
async def test_the_link_opened_by_someone_not_active_says_their_status_and_who_decided(
    tmp_path, status, key, by
):
    """A suspended or rejected person is told who decided it, as any message of theirs is
    (handlers/status_explained.py); someone waiting for approval their status."""
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            sari = await person(repos, "Ibu Sari", Role.COORDINATOR)
            opener = await person(repos, "Bu Ani", Role.PSM, status=status, **KUNINGAN_PSM)
            action = DECISIONS.get(status)  # recorded as /pengguna and the request record it
            if action:
                await repos.audit.record(
                    now=CREATED, actor_id=sari.id, action=action, subject=f"user:{opener.id}"
                )
            training_id = await new_training(repos, sari, [(at(8, 8), at(8, 12))])
            code = await links.join_code(repos, training_id)
        async with db.transaction() as repos:
            opened = await turn(app, repos, opener, CREATED, command="start", args="bt-" + code)
            await join.join(opened, code)
            found = await repos.trainings.invitation(training_id, opener.id)
        assert found is None
        values = {"by": by} if by else {}
        assert texts(opened) == [app.catalog.text("id", key, **values)]
    finally:
        await db.close()
