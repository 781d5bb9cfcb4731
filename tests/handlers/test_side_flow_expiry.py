"""Review 13: only case reports and registrations had a life; every other form left unfinished
(a TKSK's verification with its note and GPS, a review's reason, a /cari question, a training
person's phone) was kept for ever, and so was the form a suspended person was in. Now every
unfinished form ends after DRAFT_TTL_DAYS idle, counted from the last answer: the side flows
without a word (their answers blanked at once), a button of theirs tapped later answered as
any old button is. On both channels."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.draft_expiry import EXPIRING, expire_drafts
from handlers.forms.loading import load_forms
from storage.db import Database
from storage.models import FormSession, Role, User
from tests.handlers.review_turns import case_version, review_world
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import KADUGEDE, NOW, query

FORMS = load_forms()
TOLD = {form.form_id for form in EXPIRING}
SIDE_FORMS = sorted(set(FORMS) - TOLD)
TTL = timedelta(days=14)  # the app's draft_ttl_days


async def _expire(db: Database, app, at) -> None:
    async with db.transaction() as repos:
        await expire_drafts(repos, app, at)


async def _session(db: Database, session_id: int) -> FormSession:
    async with db.reading() as repos:
        session = await repos.forms.get(session_id)
    assert session is not None
    return session


def test_every_form_but_reports_and_registrations_is_a_side_flow() -> None:
    """What the table below walks: the forms in forms/ that no warning is about."""
    assert {"case_report", "registration", "training_join"} == TOLD
    assert {"verification", "followup_visit", "review_note", "case_search"} <= set(SIDE_FORMS)
    assert {"training_person", "district_contact", "phone_change"} <= set(SIDE_FORMS)


@pytest.mark.parametrize("form_id", SIDE_FORMS)
async def test_every_side_flow_left_unfinished_ends_silently_at_its_time(world, form_id) -> None:
    db, app = world
    tono = await person(db, "Pak Tono", Role.TKSK, "telegram", kecamatan=KADUGEDE)
    state = {"answers": {"note": "Rumah Bu Ijah di RT 02, HP 0812-3456-7890"}, "context": {}}
    async with db.transaction() as repos:
        started = await repos.forms.start(
            user_id=tono.id,
            form_id=form_id,
            form_version=FORMS[form_id].version,
            state=state,
            now=NOW,
        )
    await _expire(db, app, NOW + TTL - timedelta(hours=1))  # a day before: nothing yet
    assert (await _session(db, started.id)).status == "active"
    await _expire(db, app, NOW + TTL + timedelta(minutes=1))
    ended = await _session(db, started.id)
    assert ended.status == "cancelled"
    assert ended.state == {}  # the answers go with it, not a transcript period later
    async with db.reading() as repos:
        assert await repos.outbox.for_user(tono.id) == []  # without a word
    audit = query(db.path, "SELECT subject, detail FROM audit_log WHERE action = 'draft.expired'")
    assert [tuple(row) for row in audit] == [(f"session:{started.id}", f'{{"form": "{form_id}"}}')]


async def _half_verified(db: Database, app, channel: str):
    """Pak Tono's verification of Bu Ani's case, left at its location question after a note
    about the household."""
    world = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    _, version = await case_version(db, world.case_id)
    tono = world.tksk
    await send(db, app, tono, channel, data=f"ca:v:{world.case_id}:{version}")
    await send(db, app, tono, channel, text="Dikunjungi langsung")
    await send(db, app, tono, channel, text="Ada perbedaan")
    asked = await send(db, app, tono, channel, text="Anaknya sudah kembali sekolah di SDN 2")
    assert "lokasi" in said(asked)
    async with db.reading() as repos:
        session = await repos.forms.active(tono.id)
    assert session is not None and session.form_id == "verification"
    return world, session, asked


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_verification_left_halfway_ends_and_its_old_button_says_so(world, channel) -> None:
    db, app = world
    _, session, asked = await _half_verified(db, app, channel)
    skip = [b.data for reply in asked.replies for row in reply.buttons or [] for b in row]
    assert skip, "the location question offers its buttons"
    later = NOW + TTL + timedelta(hours=1)
    await _expire(db, app, later)
    ended = await _session(db, session.id)
    assert ended.status == "cancelled" and ended.state == {}
    async with db.reading() as repos:
        assert await repos.forms.active(session.user_id) is None
    tono = await _user(db, session.user_id)
    tapped = said(await send(db, app, tono, channel, data=skip[-1], now=later))
    assert tapped == app.catalog.text("id", "errors.old_button")


async def _user(db: Database, user_id: int) -> User:
    async with db.reading() as repos:
        found = await repos.users.get(user_id)
    assert found is not None
    return found


async def _suspend(db: Database, app, sari: User, who: User, channel: str, at) -> None:
    found = await _user(db, who.id)
    await send(db, app, sari, channel, data=f"pg:sy:{who.id}:{found.version}", now=at)


async def _reactivate(db: Database, app, sari: User, who: User, channel: str, at) -> str:
    found = await _user(db, who.id)
    await send(db, app, sari, channel, data=f"pg:a:{who.id}:{found.version}", now=at)
    async with db.reading() as repos:
        return (await repos.outbox.for_user(who.id))[-1].message["text"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_suspended_persons_form_ends_counted_from_their_last_answer(world, channel) -> None:
    """Pak Tono last answered on NOW and was suspended ten days later: his verification ends
    fourteen days after his answer, not after the suspension; reactivated, he is not told it
    waits for him."""
    db, app = world
    verified, session, _ = await _half_verified(db, app, channel)
    sari, tono = verified.coordinator, verified.tksk
    await _suspend(db, app, sari, tono, channel, NOW + timedelta(days=10))
    assert (await _session(db, session.id)).status == "paused"
    await _expire(db, app, NOW + TTL + timedelta(hours=1))
    ended = await _session(db, session.id)
    assert ended.status == "cancelled" and ended.state == {}
    told = await _reactivate(db, app, sari, tono, channel, NOW + timedelta(days=20))
    assert "aktif kembali" in told and "masih tersimpan" not in told
    async with db.reading() as repos:
        assert await repos.forms.of_user(tono.id, ("active", "paused")) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_suspended_psms_draft_ends_counted_from_her_last_answer(world, channel) -> None:
    db, app = world
    verified = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    sari, ani = verified.coordinator, verified.psm
    await send(db, app, ani, channel, command="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")  # her last answer, on NOW
    await _suspend(db, app, sari, ani, channel, NOW + timedelta(days=10))
    async with db.reading() as repos:
        (draft,) = await repos.forms.of_user(ani.id, ("paused",))
    assert draft.updated_at == NOW  # the suspension is not her activity
    await _expire(db, app, NOW + TTL + timedelta(hours=1))
    assert (await _session(db, draft.id)).status == "cancelled"
    async with db.reading() as repos:  # suspended: nobody is warned or told
        sent = [item.message.get("text", "") for item in await repos.outbox.for_user(ani.id)]
    assert not any("Slamet" in text or "Draf" in text for text in sent)
