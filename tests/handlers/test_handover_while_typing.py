"""A draft handed over (by a coordinator, to another PSM) while its owner is typing in it: the
owner's next answer is met with where the draft went and by whom, not "not understood"; a KK
typed there still leaves the chat (Telegram); told once. On Telegram and WhatsApp alike."""

from __future__ import annotations

import pytest

from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, person, queued, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE

NOT_UNDERSTOOD = "belum mengerti"
KK = "3208011210190005"


async def _hand_over(
    db: Database, app: AppContext, channel: str, sari: User, budi: User, ani: User
) -> Turn:
    """Ibu Sari confirms the handover of Pak Budi's work to Bu Ani (the final button)."""
    async with db.reading() as repos:
        found = await repos.users.get(budi.id)
    assert found is not None
    data = f"pg:hy:{budi.id}:{found.version}:{ani.id}"
    return await send(db, app, sari, channel, data=data)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_answer_for_a_draft_handed_over_meanwhile_says_where_it_went(
    world, channel: str
) -> None:
    db, app = world
    budi = await person(db, "Pak Budi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, budi, channel, command="lapor")
    asked = await send(db, app, budi, channel, text="Slamet Riyadi")
    assert "Kartu Keluarga" in said(asked), said(asked)

    done = await _hand_over(db, app, channel, sari, budi, ani)
    assert "diserahkan kepada Bu Ani" in said(done), said(done)

    answer = await send(db, app, budi, channel, text=KK)
    text = said(answer)
    assert NOT_UNDERSTOOD not in text
    assert "diserahkan kepada Bu Ani oleh Ibu Sari" in text and "tidak disimpan" in text
    deleted = [r for r in answer.replies if r.type == "delete"]
    assert len(deleted) == (1 if channel == "telegram" else 0)
    async with db.reading() as repos:
        (draft,) = await repos.forms.of_user(ani.id, ("paused",))
    assert draft.state["answers"] == {"head_name": "Slamet Riyadi"}  # the KK was not kept

    again = await send(db, app, budi, channel, text="halo juga")  # told once
    assert "diserahkan" not in said(again)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_once_a_new_form_was_started_the_handover_is_not_mentioned(
    world, channel: str
) -> None:
    db, app = world
    budi = await person(db, "Pak Budi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, budi, channel, command="lapor")
    await send(db, app, budi, channel, text="Slamet Riyadi")
    await _hand_over(db, app, channel, sari, budi, ani)
    async with db.reading() as repos:
        assert await repos.forms.of_user(ani.id, ("paused",))
    # Budi starts a new report afterwards: an unknown message later is not about the old one.
    await send(db, app, budi, channel, command="lapor")
    await send(db, app, budi, channel, command="batal")
    await send(db, app, budi, channel, text="ya")
    later = await send(db, app, budi, channel, text="apa kabar")
    assert "diserahkan" not in said(later) and NOT_UNDERSTOOD in said(later)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_draft_handed_over_from_a_suspended_person_is_not_opened_for_the_receiver(
    world, channel: str
) -> None:
    """Pak Budi was typing in a draft when suspended (it waits for his reactivation); handed
    to Bu Ani, it is a draft of hers: her own suspension and reactivation later open only
    what she was answering (nothing), not his draft."""
    db, app = world
    budi = await person(db, "Pak Budi", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    await send(db, app, budi, channel, command="lapor")
    await send(db, app, budi, channel, text="Slamet Riyadi")

    async def press(verb: str, who: User, *more: int) -> Turn:
        async with db.reading() as repos:
            found = await repos.users.get(who.id)
        assert found is not None
        tail = "".join(f":{value}" for value in more)
        return await send(db, app, sari, channel, data=f"pg:{verb}:{who.id}:{found.version}{tail}")

    await press("sy", budi)  # suspended: his draft waits for his reactivation
    done = await press("hy", budi, ani.id)
    assert "diserahkan kepada Bu Ani" in said(done), said(done)
    await press("sy", ani)
    back = await press("a", ani)
    assert "Bu Ani diaktifkan kembali" in said(back), said(back)
    async with db.reading() as repos:
        assert await repos.forms.active(ani.id) is None
        (draft,) = await repos.forms.of_user(ani.id, ("paused",))
    assert draft.state["answers"] == {"head_name": "Slamet Riyadi"}
    reactivated = [m.text or "" for m in await queued(db, ani)][-1]
    assert "aktif kembali" in reactivated and "masih tersimpan" not in reactivated, reactivated
