"""The reporter's reads: their cases a page at a time (sent back first, then the latest), the
latest send-back of each case with the reviewer's role and note, and the work they handed
over (from the audit), newest first."""

from __future__ import annotations

from datetime import timedelta

from storage.models import Role
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user, open_database, seed_case


async def test_pages_notes_and_handovers(tmp_path) -> None:
    db = await open_database(tmp_path / "psm.db")
    async with db.transaction() as repos:
        ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        tono = await make_user(repos, "Pak Tono", Role.TKSK, kecamatan=KADUGEDE)
        sari = await make_user(repos, "Ibu Sari", Role.COORDINATOR)
        wati = await make_user(repos, "Bu Wati", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        ids = [
            await seed_case(
                repos,
                reporter=ani,
                desa=BABATAN,
                at=NOW - timedelta(days=5 - n),
                number=f"KNG-2026-{n + 1:06d}",
                people=((f"Anak {n}", f"32080145062300{n + 10:02d}"),),
            )
            for n in range(5)
        ]
        oldest, newest = ids[0], ids[-1]
        steps = [
            (oldest, tono, "submitted", "needs_revision", "KK salah"),
            (oldest, ani, "needs_revision", "resubmitted", None),
            (oldest, sari, "resubmitted", "needs_revision", "Foto kurang"),
            (ids[1], tono, "submitted", "verified", None),
        ]
        for case_id, actor, from_state, to_state, reason in steps:
            row = await repos.cases._one("SELECT version FROM cases WHERE id = ?", (case_id,))
            assert await repos.review.transition(
                case_id,
                version=row[0],
                from_states=(from_state,),
                to_state=to_state,
                actor_id=actor.id,
                reason=reason,
                now=NOW,
            ), (case_id, to_state)
        for at, to in ((NOW - timedelta(days=2), sari), (NOW, wati)):
            await repos.audit.record(
                now=at,
                actor_id=sari.id,
                action="person.handover",
                subject=f"user:{ani.id}",
                detail={"to": to.id, "cases": [ids[2], ids[3]], "drafts": [7]},
            )
        await repos.audit.record(  # someone else's handover: not hers
            now=NOW,
            actor_id=sari.id,
            action="person.handover",
            subject=f"user:{tono.id}",
            detail={"to": wati.id, "cases": [], "drafts": []},
        )

    async with db.reading() as repos:
        first, total = await repos.reporter_cases.page(ani.id, limit=2, offset=0)
        second, _ = await repos.reporter_cases.page(ani.id, limit=2, offset=2)
        last, _ = await repos.reporter_cases.page(ani.id, limit=2, offset=4)
        notes = await repos.reporter_cases.send_back_notes(ids)
        handovers = await repos.reporter_cases.handovers_from(ani.id)
    await db.close()

    assert total == 5
    # The one sent back first, though oldest; then the latest first.
    assert [c.id for c in first + second + last] == [oldest, newest, ids[3], ids[2], ids[1]]
    assert list(notes) == [oldest]  # the verified one was never sent back
    assert (notes[oldest].actor_role, notes[oldest].reason) == ("coordinator", "Foto kurang")
    assert [(h.receiver_name, h.cases, h.drafts) for h in handovers] == [
        ("Bu Wati", 2, 1),
        ("Ibu Sari", 2, 1),
    ]
    assert handovers[0].at == NOW
