"""Verifying a case asks what the check in the field found (forms/verification.yaml): how it
was checked, the finding, a note (required when something differs, else skippable) and, when
visited, the location; once sent the case is verified with the check stored on its step, and
shown on its history and in the coordinator's "menunggu validasi" notice. Batal, a stale
button and a case changed meanwhile leave the case as it is. On both channels."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from handlers.events import InboundKind
from handlers.forms.loading import load_form
from storage.db import Database
from storage.models import Role
from tests.handlers.review_turns import (
    active_forms,
    buttons,
    case_version,
    review_world,
    said,
    say,
    send,
    tap,
    verify,
)
from tests.handlers.routed_turns import CHANNELS, person, queued
from tests.storage.seed_cases import CINIRU, CINIRU_DESA, NOW, seed_case

NUMBER = "KNG-2026-000001"
ASKED = "Bagaimana laporan ini diperiksa?"
DIFFERENCE = "Anaknya sudah kembali sekolah & tinggal dengan neneknya"
NIK = "3208012505800003"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
V1 = load_form(FIXTURES / "verification_v1.yaml")
V2 = load_form(FIXTURES / "verification_v2.yaml")


async def checks(db: Database, case_id: int) -> list[dict | None]:
    """The detail of each `verified` step of the case, oldest first."""
    async with (
        db.reading() as reader,
        reader.conn.execute(
            "SELECT detail FROM case_events WHERE case_id = ? AND to_state = 'verified'"
            " ORDER BY id",
            (case_id,),
        ) as cursor,
    ):
        return [json.loads(row[0]) if row[0] else None for row in await cursor.fetchall()]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_visit_that_found_a_difference_is_recorded_and_shown(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id

    asked = await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    assert f"Verifikasi laporan <b>{NUMBER}</b>" in said(asked) and ASKED in said(asked)
    assert f"cn:{case_id}" in buttons(asked)  # Batal, under every question
    assert await case_version(db, case_id) == ("submitted", 1)  # nothing moved yet

    assert "Apa hasilnya?" in said(await say(db, app, tksk, channel, "Dikunjungi langsung"))
    differs = await say(db, app, tksk, channel, "Ada perbedaan")
    assert "Apa yang berbeda dari laporan?" in said(differs)
    assert not [data for data in buttons(differs) if data.endswith(":s")]  # no skip: required
    assert "minimal 3 huruf" in said(await say(db, app, tksk, channel, "x"))
    where = await say(db, app, tksk, channel, DIFFERENCE)
    assert "Kirim lokasi rumahnya" in said(where)
    # Named as the notice, the history and the spreadsheet name it (QA walk 8: "Perbedaan").
    assert "✓ Catatan pemeriksaan: Anaknya" in said(where)
    summary = await send(
        db, app, tksk, channel, kind=InboundKind.LOCATION, latitude=-6.98765, longitude=108.48321
    )
    assert "Dikunjungi langsung" in said(summary) and "Ada perbedaan" in said(summary)
    assert "Catatan pemeriksaan: Anaknya" in said(summary)
    assert await case_version(db, case_id) == ("submitted", 1)

    done = await say(db, app, tksk, channel, "kirim")
    assert f"Laporan {NUMBER} sekarang: Diverifikasi" in said(done)
    assert await case_version(db, case_id) == ("verified", 2)
    assert await checks(db, case_id) == [
        {
            "method": "visited",
            "finding": "differs",
            "note": DIFFERENCE,
            "latitude": -6.98765,
            "longitude": 108.48321,
        }
    ]

    (notice,) = [
        m.text for m in await queued(db, people.coordinator) if "menunggu validasi" in m.text
    ]
    shown_note = DIFFERENCE.replace("&", "&amp;")
    assert (
        "🔎 Hasil pemeriksaan: Dikunjungi langsung · Ada perbedaan · "
        f"Catatan pemeriksaan: {shown_note} · 📍 lokasi dicatat"
    ) in notice

    page = said(await tap(db, app, people.coordinator, channel, f"cs:{case_id}"))
    assert (
        "Diverifikasi (Pak Tono) — Dikunjungi langsung · Ada perbedaan · "
        f"Catatan pemeriksaan: {shown_note} · 📍 lokasi dicatat"
    ) in page
    assert "maps.google.com/?q=-6.98765,108.48321" in page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_check_by_phone_asks_no_location_and_its_note_may_be_skipped(
    world, channel: str
) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    await say(db, app, tksk, channel, "Telepon/perangkat")
    optional = await say(db, app, tksk, channel, "Sesuai laporan")
    assert "Ada catatan untuk koordinator? Boleh dilewati." in said(optional)
    assert [data for data in buttons(optional) if data.endswith(":s")]  # a skip button
    summary = said(await say(db, app, tksk, channel, "Lewati"))
    assert "Lokasi" not in summary and "Kirim lokasi" not in summary  # not visited: not asked
    assert "Cara periksa: Telepon/perangkat" in summary  # the summary keeps the button's label
    await say(db, app, tksk, channel, "kirim")

    assert await checks(db, case_id) == [{"method": "remote", "finding": "matches"}]
    page = said(await tap(db, app, people.coordinator, channel, f"cs:{case_id}"))
    assert "Diverifikasi (Pak Tono) — Lewat telepon / perangkat desa · Sesuai laporan" in page
    assert "Catatan" not in page and "maps.google" not in page


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_note_of_a_digit_is_refused_and_asked_again(world, channel: str) -> None:
    """Version 3 (QA walk 9): "2" typed at the optional note reached the coordinator as
    "Catatan: 2"; a note, when written, has 3 letters at least, as the difference has."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    await say(db, app, tksk, channel, "Telepon/perangkat")
    await say(db, app, tksk, channel, "Sesuai laporan")
    refused = said(await say(db, app, tksk, channel, "2"))
    assert "Mohon tulis minimal 3 huruf, atau tekan Lewati." in refused
    assert "Ada catatan untuk koordinator? Boleh dilewati." in refused  # asked again
    summary = said(await say(db, app, tksk, channel, "Ibu Sumi ada di rumah"))
    assert "Catatan pemeriksaan: Ibu Sumi ada di rumah" in summary
    await say(db, app, tksk, channel, "kirim")
    assert (await checks(db, case_id))[0]["note"] == "Ibu Sumi ada di rumah"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_check_begun_on_version_2_takes_a_short_note(world, channel: str) -> None:
    """A check opened before version 3 keeps its own rule: a short note is taken."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    async with db.transaction() as repos:
        await repos.forms.save_definition(V2.id, V2.version, V2.model_dump(mode="json"))
        await repos.conn.execute(
            "UPDATE form_sessions SET form_version = ? WHERE form_id = ?", (V2.version, V2.id)
        )
    await say(db, app, tksk, channel, "Telepon/perangkat")
    await say(db, app, tksk, channel, "Sesuai laporan")
    summary = said(await say(db, app, tksk, channel, "ok"))
    assert "Catatan pemeriksaan: ok" in summary


@pytest.mark.parametrize("channel", CHANNELS)
async def test_batal_leaves_the_case_as_it_was(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    await say(db, app, tksk, channel, "Dikunjungi langsung")
    cancelled = await tap(db, app, tksk, channel, f"cn:{case_id}")
    assert f"Dibatalkan. Laporan {NUMBER} tidak diubah: tetap <b>Diajukan</b>." in said(cancelled)
    assert await case_version(db, case_id) == ("submitted", 1)
    assert await active_forms(db, tksk.id) == []
    assert await checks(db, case_id) == []
    assert f"ca:v:{case_id}:1" in buttons(cancelled)  # the page as it is, Verifikasi there


@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_number_of_batal_typed_is_told_to_type_batal(world, channel: str) -> None:
    """QA walk 10: "3" at [Dikunjungi langsung] [Telepon/perangkat] [✖️ Batal] was "Nomor 3
    tidak ada di daftar", though the person saw it; it is told to pick 1–2 or type batal, and
    "batal" typed then cancels the check (once confirmed)."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    refused = said(await say(db, app, tksk, channel, "3"))
    told = "⚠️ Nomor 3 bukan pilihan: pilih salah satu nomor 1–2, atau ketik batal untuk"
    assert refused.startswith(told) and ASKED in refused, refused
    assert "tidak ada di daftar" not in refused
    not_listed = said(await say(db, app, tksk, channel, "4"))  # beyond every button
    assert not_listed.startswith("⚠️ Nomor 4 tidak ada di daftar"), not_listed
    asked = said(await say(db, app, tksk, channel, "batal"))
    assert (
        "Yakin ingin membatalkan isian <b>Verifikasi KNG-2026-000001 (Slamet Riyadi)</b>?" in asked
    ), asked
    await say(db, app, tksk, channel, "ya")
    assert await active_forms(db, tksk.id) == []
    assert await case_version(db, case_id) == ("submitted", 1)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_stale_or_forged_verify_button_asks_no_check(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await verify(db, app, tksk, channel, f"ca:v:{case_id}:1")
    assert await case_version(db, case_id) == ("verified", 2)

    old = await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")  # the page before: stale
    assert "pesan lama" in said(old) and ASKED not in said(old)
    psm_tries = await tap(db, app, people.psm, channel, f"ca:v:{case_id}:2")  # not theirs
    assert ASKED not in said(psm_tries)
    assert await active_forms(db, tksk.id) == [] and await active_forms(db, people.psm.id) == []
    assert await case_version(db, case_id) == ("verified", 2)
    assert len(await checks(db, case_id)) == 1
    gone = await tap(db, app, tksk, channel, f"cn:{case_id}")  # the check's Batal, once sent
    assert "Tombol itu sudah tidak berlaku" in said(gone)
    assert await case_version(db, case_id) == ("verified", 2)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_case_sent_back_while_checking_is_not_verified_and_the_note_given_back(
    world, channel: str
) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    for answer in ("Dikunjungi langsung", "Ada perbedaan", "Rumahnya sudah pindah ke RT 03"):
        await say(db, app, tksk, channel, answer)
    # Meanwhile the coordinator sends it back.
    await tap(db, app, people.coordinator, channel, f"ca:b:{case_id}:1")
    await say(db, app, people.coordinator, channel, "Alamat belum lengkap")
    assert await case_version(db, case_id) == ("needs_revision", 2)

    await say(db, app, tksk, channel, "lewati")  # the location
    sent = said(await say(db, app, tksk, channel, "kirim"))
    assert "baru saja diubah oleh Ibu Sari" in sent
    assert "<i>Rumahnya sudah pindah ke RT 03</i>" in sent  # given back to copy
    assert await case_version(db, case_id) == ("needs_revision", 2)
    assert await checks(db, case_id) == []


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_nik_in_the_note_is_refused_and_asked_again(world, channel: str) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    await say(db, app, tksk, channel, "telepon")  # typed: the option's alias
    await say(db, app, tksk, channel, "Ada perbedaan")
    refused = said(await say(db, app, tksk, channel, f"NIK ayahnya {NIK} bukan yang dilaporkan"))
    assert "tidak boleh memuat NIK atau nomor KK" in refused and NIK not in refused
    assert "Apa yang berbeda dari laporan?" in refused  # the question again
    await say(db, app, tksk, channel, "Ayahnya sudah meninggal tahun lalu")
    await say(db, app, tksk, channel, "kirim")
    assert await checks(db, case_id) == [
        {"method": "remote", "finding": "differs", "note": "Ayahnya sudah meninggal tahun lalu"}
    ]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_coordinator_and_an_admin_standing_in_use_the_same_check(
    world, channel: str
) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    admin = await person(db, "Pak Admin", Role.ADMIN, channel, kabupaten=None)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=CINIRU, desa=CINIRU_DESA)
    async with db.transaction() as repos:  # Ciniru has no TKSK: the coordinator verifies
        by_coordinator = await seed_case(
            repos, reporter=ani, desa=CINIRU_DESA, at=NOW, number="KNG-2026-000001"
        )
        # Sari's own report: nobody else in the kabupaten may verify it, the admin stands in.
        by_admin = await seed_case(
            repos, reporter=sari, desa=CINIRU_DESA, at=NOW, number="KNG-2026-000002"
        )
    assert ASKED in said(await tap(db, app, sari, channel, f"ca:v:{by_coordinator}:1"))
    await say(db, app, sari, channel, "Telepon/perangkat")
    await say(db, app, sari, channel, "Sesuai laporan")
    await say(db, app, sari, channel, "Lewati")
    await say(db, app, sari, channel, "kirim")
    assert await checks(db, by_coordinator) == [{"method": "remote", "finding": "matches"}]

    assert ASKED in said(await tap(db, app, admin, channel, f"ca:v:{by_admin}:1"))
    await say(db, app, admin, channel, "Dikunjungi langsung")
    await say(db, app, admin, channel, "Sesuai laporan")
    await say(db, app, admin, channel, "Lewati")
    await say(db, app, admin, channel, "Lewati")
    await say(db, app, admin, channel, "kirim")
    assert await checks(db, by_admin) == [{"method": "visited", "finding": "matches"}]
    assert await case_version(db, by_admin) == ("verified", 2)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_verifikasi_tapped_again_mid_check_goes_on_where_it_was(world, channel: str) -> None:
    """A double tap on a slow phone opens no second check that would come back, about a case
    already verified, once the first is sent."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    await say(db, app, tksk, channel, "Telepon/perangkat")
    again = await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    assert "Apa hasilnya?" in said(again) and ASKED not in said(again)
    await say(db, app, tksk, channel, "Sesuai laporan")
    await say(db, app, tksk, channel, "Lewati")
    done = said(await say(db, app, tksk, channel, "kirim"))
    assert "sekarang: Diverifikasi" in done and ASKED not in done and "Apa hasilnya?" not in done
    assert await active_forms(db, tksk.id) == []
    assert await checks(db, case_id) == [{"method": "remote", "finding": "matches"}]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_verifikasi_on_a_newer_page_starts_a_fresh_check(world, channel: str) -> None:
    """A check opened on an earlier version of the case (changed since, its page shown again)
    is not the one asked again: it would be refused at the end, its answers lost. The tap on
    the newer page asks a fresh check, which verifies."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    await say(db, app, tksk, channel, "Telepon/perangkat")
    async with db.transaction() as repos:  # changed meanwhile (a correction, an update)
        await repos.conn.execute("UPDATE cases SET version = 2 WHERE id = ?", (case_id,))
    again = said(await tap(db, app, tksk, channel, f"ca:v:{case_id}:2"))
    assert ASKED in again and "Apa hasilnya?" not in again
    for answer in ("Dikunjungi langsung", "Sesuai laporan", "Lewati", "Lewati"):
        await say(db, app, tksk, channel, answer)
    done = said(await say(db, app, tksk, channel, "kirim"))
    assert "sekarang: Diverifikasi" in done, done
    assert await active_forms(db, tksk.id) == []
    assert await checks(db, case_id) == [{"method": "visited", "finding": "matches"}]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_check_begun_on_version_1_is_finished_on_it(world, channel: str) -> None:
    """A check opened before version 2 keeps its own words ("Perbedaan") and is sent as any
    other: its note is the check's note, named as version 2 names it on the page."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    tksk, case_id = people.tksk, people.case_id
    await tap(db, app, tksk, channel, f"ca:v:{case_id}:1")
    async with db.transaction() as repos:
        await repos.forms.save_definition(V1.id, V1.version, V1.model_dump(mode="json"))
        await repos.conn.execute(
            "UPDATE form_sessions SET form_version = ? WHERE form_id = ?", (V1.version, V1.id)
        )
    await say(db, app, tksk, channel, "Dikunjungi langsung")
    await say(db, app, tksk, channel, "Ada perbedaan")
    where = await say(db, app, tksk, channel, DIFFERENCE)
    assert "✓ Perbedaan: Anaknya" in said(where)  # version 1's own short label
    summary = await send(
        db, app, tksk, channel, kind=InboundKind.LOCATION, latitude=-6.98765, longitude=108.48321
    )
    assert "Perbedaan: Anaknya" in said(summary)
    await say(db, app, tksk, channel, "kirim")
    assert await case_version(db, case_id) == ("verified", 2)
    assert (await checks(db, case_id))[0]["note"] == DIFFERENCE
    page = said(await tap(db, app, people.coordinator, channel, f"cs:{case_id}"))
    assert "Catatan pemeriksaan: Anaknya" in page


KADUGEDE_HOUSE = (-6.9712, 108.4821)  # where the report says the house is


async def _at_the_location_question(db, app, people, channel: str) -> None:
    await tap(db, app, people.tksk, channel, f"ca:v:{people.case_id}:1")
    await say(db, app, people.tksk, channel, "Dikunjungi langsung")
    await say(db, app, people.tksk, channel, "Sesuai laporan")
    where = await say(db, app, people.tksk, channel, "Lewati")
    assert "Kirim lokasi rumahnya" in said(where)


async def _share(db, app, people, channel: str, lat: float, lon: float):
    return await send(
        db, app, people.tksk, channel, kind=InboundKind.LOCATION, latitude=lat, longitude=lon
    )


def _button(turn, action: str) -> str:
    (data,) = [data for data in buttons(turn) if data.endswith(f":{action}")]
    return data


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_location_far_from_the_report_is_asked_about_and_told_when_kept(
    world, channel: str
) -> None:
    """QA 13: -6.2, 106.8 (Jakarta, about 205 km from the house in Kadugede) was taken
    silently, and the coordinator read "📍 lokasi dicatat"."""
    db, app = world
    people = await review_world(
        db, channel, reported_at=NOW - timedelta(days=1), location=KADUGEDE_HOUSE
    )
    await _at_the_location_question(db, app, people, channel)

    far = await _share(db, app, people, channel, -6.2, 106.8)
    assert "Lokasi ini sekitar 205 km dari lokasi laporan. Benar?" in said(far)
    assert "Ringkasan" not in said(far) and "✓ Lokasi" not in said(far)
    again = await tap(db, app, people.tksk, channel, _button(far, "fr"))  # Kirim ulang lokasi
    assert "Kirim lokasi rumahnya" in said(again)

    far = await _share(db, app, people, channel, -6.2, 106.8)
    assert "sekitar 205 km" in said(far)
    kept = await say(db, app, people.tksk, channel, "ya")
    assert "✓ Lokasi: -6.20000, 106.80000" in said(kept)
    await say(db, app, people.tksk, channel, "kirim")

    assert await checks(db, people.case_id) == [
        {
            "method": "visited",
            "finding": "matches",
            "latitude": -6.2,
            "longitude": 106.8,
            "distance_km": 205,
        }
    ]
    (notice,) = [
        m.text for m in await queued(db, people.coordinator) if "menunggu validasi" in m.text
    ]
    assert "📍 lokasi pemeriksaan ±205 km dari lokasi laporan" in notice
    assert "lokasi dicatat" not in notice


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_location_near_the_report_is_taken_as_it_is(world, channel: str) -> None:
    db, app = world
    people = await review_world(
        db, channel, reported_at=NOW - timedelta(days=1), location=KADUGEDE_HOUSE
    )
    await _at_the_location_question(db, app, people, channel)
    near = await _share(db, app, people, channel, -6.98765, 108.48321)  # about 2 km
    assert "✓ Lokasi: -6.98765, 108.48321" in said(near) and "Benar?" not in said(near)
    await say(db, app, people.tksk, channel, "kirim")
    (check,) = await checks(db, people.case_id)
    assert "distance_km" not in check
    (notice,) = [
        m.text for m in await queued(db, people.coordinator) if "menunggu validasi" in m.text
    ]
    assert "📍 lokasi dicatat" in notice


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_far_location_sent_again_near_is_taken(world, channel: str) -> None:
    """Instead of Ya or Kirim ulang lokasi, the right location shared: checked again, taken."""
    db, app = world
    people = await review_world(
        db, channel, reported_at=NOW - timedelta(days=1), location=KADUGEDE_HOUSE
    )
    await _at_the_location_question(db, app, people, channel)
    await _share(db, app, people, channel, -6.2, 106.8)
    near = await _share(db, app, people, channel, -6.98765, 108.48321)
    assert "✓ Lokasi: -6.98765, 108.48321" in said(near)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_verifying_a_case_that_does_not_exist_says_so_as_opening_it_does(
    world, channel: str
) -> None:
    """QA 13: its Verifikasi button said "tidak berwenang", its page "tidak ditemukan"."""
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=1))
    missing = people.case_id + 100
    opened = said(await tap(db, app, people.tksk, channel, f"cs:{missing}"))
    verified = said(await tap(db, app, people.tksk, channel, f"ca:v:{missing}:1"))
    assert opened == verified == "Laporan itu tidak ditemukan."
    assert await active_forms(db, people.tksk.id) == []
