"""The reporter's own case page ("Lihat <number>" in /laporan_saya), on Telegram and WhatsApp
alike: read-only, NIK and KK masked, each step with who took it (by role) and why, what comes
next; only for the case's current reporter, anyone else refused politely and audited."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from storage.db import Database
from storage.models import Role
from tests.handlers.review_turns import review_world, verify
from tests.handlers.routed_turns import CHANNELS, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

NUMBER = "KNG-2026-000001"
NIK, KK = "3208014506230001", "3208011210190005"
NOT_YOURS = "tidak ada di antara laporan Bapak/Ibu"


async def _audit(db: Database, action: str) -> list[tuple[int, str, dict]]:
    async with db.reading() as repos:
        rows = await repos.audit.entries(action)
    return [(row["actor_id"], row["subject"], json.loads(row["detail"])) for row in rows]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_reporter_reads_their_case_with_identifiers_masked(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    await send(db, app, people.tksk, channel, data=f"ca:b:{people.case_id}:1")
    await send(db, app, people.tksk, channel, text="Alamat kurang lengkap")

    page = await send(db, app, people.psm, channel, data=f"mc:{people.case_id}")
    text = said(page)
    assert text.startswith(
        f"<b>{NUMBER}</b> · Perlu perbaikan · Biasa\nDesa Babatan, Kec. Kadugede"
    )
    assert "Dilaporkan: 26-11-2026 10.00 WIB · terakhir berubah: 29-11-2026 10.00 WIB" in text
    assert "Kategori: Stunting" in text
    assert (
        "KK 320801******0005" in text
        and "Ayu Lestari · Perempuan (dari NIK) · NIK 320801******0001" in text
    )
    assert NIK not in text and KK not in text
    assert "• 26-11-2026 10.00 WIB Diajukan\n" in text  # their own step, without a name
    assert "• 29-11-2026 10.00 WIB Perlu perbaikan (TKSK): Alamat kurang lengkap" in text
    assert "Pak Tono" not in text
    assert text.rstrip().endswith("Mohon perbaiki jawaban yang diminta, lalu kirim ulang.")
    # Read-only: only the correction and the way back to the list, no review action.
    assert labels(page) == [f"Perbaiki {NUMBER}", "📁 Laporan saya"]
    data = [b.data for reply in page.replies for row in reply.buttons for b in row]
    assert data == [f"rv:{people.case_id}", "menu:laporan_saya"]
    viewed = await _audit(db, "case.view")
    assert viewed[-1] == (people.psm.id, f"case:{people.case_id}", {"as": "reporter"})

    back = await send(db, app, people.psm, channel, data="menu:laporan_saya")
    assert "<b>Laporan saya (1)</b>" in said(back)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_an_approved_case_says_what_comes_next_without_a_correction(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    await verify(db, app, people.tksk, channel, f"ca:v:{people.case_id}:1")
    await send(db, app, people.coordinator, channel, data=f"ca:a:{people.case_id}:2")

    text = said(await send(db, app, people.psm, channel, data=f"mc:{people.case_id}"))
    assert f"<b>{NUMBER}</b> · Disetujui" in text
    assert "Diverifikasi (TKSK)" in text and "Disetujui (Koordinator Dinas Sosial)" in text
    assert "akan menindaklanjuti" in text
    page = await send(db, app, people.psm, channel, data=f"mc:{people.case_id}")
    assert labels(page) == ["📁 Laporan saya"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_nobody_but_its_reporter_opens_it(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    # A PSM of the same desa, the TKSK and the coordinator may all see the case as
    # reviewers or neighbours, but it is not their own report.
    neighbour = await person(db, "Bu Rini", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    for someone in (neighbour, people.tksk, people.coordinator):
        refused = await send(db, app, someone, channel, data=f"mc:{people.case_id}")
        assert NOT_YOURS in said(refused) and NUMBER not in said(refused)
        assert labels(refused) == []
    for forged in ("mc:abc", "mc:", f"mc:{people.case_id + 50}"):
        assert NOT_YOURS in said(await send(db, app, people.psm, channel, data=forged))
    refusals = await _audit(db, "review.refused")
    assert [(actor, detail) for actor, _, detail in refusals[:3]] == [
        (someone.id, {"view": "own_case"})
        for someone in (neighbour, people.tksk, people.coordinator)
    ]
    assert len(refusals) == 6
    assert not [row for row in await _audit(db, "case.view") if row[2] == {"as": "reporter"}]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_after_a_handover_only_the_receiver_opens_it(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    wati = await person(db, "Bu Wati", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.reading() as repos:
        ani = await repos.users.get(people.psm.id)
    assert ani is not None
    await send(db, app, people.coordinator, channel, data=f"pg:hy:{ani.id}:{ani.version}:{wati.id}")

    assert NOT_YOURS in said(await send(db, app, people.psm, channel, data=f"mc:{people.case_id}"))
    received = said(await send(db, app, wati, channel, data=f"mc:{people.case_id}"))
    assert f"<b>{NUMBER}</b> · Diajukan" in received
    assert "menunggu diperiksa" in received


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_page_counts_the_photos_and_lists_the_visits(world, channel) -> None:
    db, app = world
    people = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=10),
        state="in_follow_up",
        photos=("a1.jpg", "b2.jpg"),
    )
    async with db.transaction() as repos:
        for visited, actions, next_on in (
            (date(2026, 11, 21), "PMT diberikan, ibu diajari menimbang", date(2026, 11, 28)),
            # A visit typed before the free-text guard, holding a NIK: masked on the page.
            (date(2026, 11, 28), f"Cek KIA anak NIK {NIK}, berat naik", None),
        ):
            await repos.visits.add(
                people.case_id,
                visited_on=visited,
                actions=actions,
                next_visit_on=next_on,
                recorded_by=people.tksk.id,
                now=NOW,
            )

    text = said(await send(db, app, people.psm, channel, data=f"mc:{people.case_id}"))
    assert "\nFoto: 2\n" in text
    assert "<b>Kunjungan tindak lanjut (2)</b>" in text
    assert (
        "• 21-11-2026 (TKSK): PMT diberikan, ibu diajari menimbang · Berikutnya: 28-11-2026"
    ) in text
    assert "• 28-11-2026 (TKSK): Cek KIA anak NIK 320801******0001, berat naik" in text
    assert NIK not in text and "Pak Tono" not in text
    assert text.index("Foto: 2") < text.index("Kunjungan") < text.index("<b>Riwayat</b>")
    # The reviewers' page names who recorded a visit, with the NIK masked there too.
    page = said(await send(db, app, people.tksk, channel, data=f"cs:{people.case_id}"))
    assert "• 28-11-2026 (Pak Tono): Cek KIA anak NIK 320801******0001, berat naik" in page
    assert NIK not in page

    # A case without photos or visits says "Foto: 0" and lists none.
    async with db.transaction() as repos:
        bare = await seed_case(
            repos, reporter=people.psm, desa=BABATAN, at=NOW, number="KNG-2026-000002"
        )
    text = said(await send(db, app, people.psm, channel, data=f"mc:{bare}"))
    assert "\nFoto: 0\n" in text and "Kunjungan" not in text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_missing_kk_and_nik_say_why_not_a_dash(world, channel) -> None:
    """The reporter's page as the reviewer's: "KK Tidak punya (…)", never "KK -"."""
    db, app = world
    people = await review_world(
        db,
        channel,
        reported_at=NOW - timedelta(days=3),
        no_kk=None,
        people=(("Ayu Lestari", None),),
        nik_reason="bayi baru lahir",
        answers={"no_kk": {"missing": "tidak_punya"}, "no_kk_reason": "belum dibuat"},
    )
    # The reporter's own page, then the reviewer's.
    for who, view in ((people.psm, "mc"), (people.tksk, "cs")):
        viewed = said(await send(db, app, who, channel, data=f"{view}:{people.case_id}"))
        assert "KK Tidak punya (belum dibuat)" in viewed, viewed
        assert "NIK Tidak tahu (bayi baru lahir)" in viewed
        assert "KK -" not in viewed
