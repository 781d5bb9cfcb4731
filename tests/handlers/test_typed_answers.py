"""Words typed where the case report shows buttons or wants digits, on both channels (QA
WhatsApp 14): "tidak ada" at the KK or NIK question takes the missing-number path its
"Tidak punya" button takes (and its reason question), instead of "Nomor harus berisi angka
saja"; a count typed in words or with its unit ("lima orang", "5 jiwa") is the number."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.context import AppContext
from handlers.forms.loading import load_form, load_forms
from handlers.forms.model import Form
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE
from tests.handlers.routed_turns import CHANNELS, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
KK_QUESTION = "Berapa nomor Kartu Keluarga"
KK_REASON = "Mengapa nomor KK tidak bisa diisi? (misalnya belum tahu nomornya"
NOT_DIGITS = "Nomor harus berisi angka"
SIZE_QUESTION = "Berapa orang yang tinggal di rumah itu?"
BANSOS_QUESTION = "Bantuan sosial apa yang sudah diterima"
V6 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "case_report_v6.yaml")
V8 = load_form(Path(__file__).resolve().parents[1] / "fixtures" / "forms" / "case_report_v8.yaml")
SIZE_RANGE = "⚠️ Mohon ketik jumlah penghuni dari 2 sampai 40 orang (anggota keluarga yang sudah"


async def _answers(db: Database, user: User) -> dict[str, Any]:
    async with db.reading() as repos:
        session = await repos.forms.active(user.id)
    assert session is not None
    return session.state["answers"]


async def _report_at_the_kk_question(db: Database, app: AppContext, channel: str) -> User:
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    asked = await send(db, app, ani, channel, text="Slamet Riyadi")
    assert KK_QUESTION in said(asked)
    return ani


@pytest.mark.parametrize(
    ("typed", "missing", "shown"),
    [
        ("tidak ada", "tidak_punya", "Tidak punya"),
        ("Tidak punya", "tidak_punya", "Tidak punya"),
        ("belum ada", "tidak_punya", "Tidak punya"),
        ("Belum punya KK.", "tidak_punya", "Tidak punya"),
        ("gak ada kk nya", "tidak_punya", "Tidak punya"),
        ("tidak tahu", "tidak_tahu", "Tidak tahu"),
        ("Gak tau nomornya", "tidak_tahu", "Tidak tahu"),
    ],
)
async def test_typed_no_number_at_the_kk_question_asks_the_reason(
    world, channel, typed, missing, shown
):
    db, app = world
    ani = await _report_at_the_kk_question(db, app, channel)
    answered = said(await send(db, app, ani, channel, text=typed))
    assert NOT_DIGITS not in answered
    assert f"✓ Nomor KK: {shown}" in answered
    assert KK_REASON in answered
    assert (await _answers(db, ani))["no_kk"] == {"missing": missing}


async def test_other_words_at_the_kk_question_are_still_refused(world, channel):
    db, app = world
    ani = await _report_at_the_kk_question(db, app, channel)
    answered = said(await send(db, app, ani, channel, text="ada di rumah"))
    assert NOT_DIGITS in answered and KK_QUESTION in answered
    assert "no_kk" not in await _answers(db, ani)


async def _report_at_the_household_size(
    db: Database, channel: str, old: Form | None = None
) -> User:
    """A PSM whose report waits at the household size (two members reported), on the
    current version of the form or on `old`."""
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    answers = {key: value for key, value in BEFORE_SIZE.items() if key != "kecamatan"}
    version = old.version if old else load_forms()["case_report"].version
    async with db.transaction() as repos:
        if old is not None:
            await repos.forms.save_definition(old.id, old.version, old.model_dump(mode="json"))
        state = {**new_state(), "answers": answers, "closed": ["members"]}
        await repos.forms.start(
            user_id=ani.id, form_id="case_report", form_version=version, state=state, now=NOW
        )
    return ani


@pytest.mark.parametrize(
    ("typed", "size"),
    [
        ("lima orang", 5),
        ("5 orang", 5),
        ("5 jiwa", 5),
        ("Dua belas", 12),
        ("dua puluh", 20),
        ("tiga puluh", 30),
        ("tiga puluh lima orang", 35),
        ("sekitar 5 orang", 5),
        ("kurang lebih lima", 5),
        ("± 6 jiwa", 6),
    ],
)
async def test_a_household_size_typed_in_words_or_with_its_unit(world, channel, typed, size):
    db, app = world
    ani = await _report_at_the_household_size(db, channel)
    answered = said(await send(db, app, ani, channel, text=typed))
    assert f"✓ Jumlah penghuni: {size}" in answered
    assert BANSOS_QUESTION in answered
    assert (await _answers(db, ani))["household_size"] == size


async def test_a_size_in_words_still_meets_the_form_rule(world, channel):
    db, app = world
    ani = await _report_at_the_household_size(db, channel)
    answered = said(await send(db, app, ani, channel, text="satu orang"))  # two members
    assert "⚠️ Mohon ketik jumlah penghuni dari 2 sampai 40 orang" in answered
    assert SIZE_QUESTION in answered
    assert "household_size" not in await _answers(db, ani)


@pytest.mark.parametrize("typed", ["lima puluh", "empat puluh lima orang", "0", "41"])
async def test_a_size_out_of_range_is_told_the_range(world, channel, typed):
    db, app = world
    ani = await _report_at_the_household_size(db, channel)
    answered = said(await send(db, app, ani, channel, text=typed))
    assert SIZE_RANGE in answered and SIZE_QUESTION in answered, answered
    assert "angka bulat" not in answered and "antara 1 dan 40" not in answered
    assert "household_size" not in await _answers(db, ani)


@pytest.mark.parametrize("typed", ["5-6 orang", "5 - 6", "lima sampai enam", "sekitar 5 atau 6"])
async def test_a_range_asks_for_one_number(world, channel, typed):
    db, app = world
    ani = await _report_at_the_household_size(db, channel)
    answered = said(await send(db, app, ani, channel, text=typed))
    assert "⚠️ Mohon ketik satu angka saja, bukan 5 sampai 6" in answered, answered
    assert SIZE_QUESTION in answered and "angka bulat" not in answered
    assert "household_size" not in await _answers(db, ani)


async def test_a_draft_of_version_6_keeps_its_message(world, channel):
    db, app = world
    assert V6.version == 6 < load_forms()["case_report"].version
    ani = await _report_at_the_household_size(db, channel, old=V6)
    answered = said(await send(db, app, ani, channel, text="0"))
    assert "⚠️ Jumlah penghuni antara 1 dan 40 orang, dan tidak kurang dari 2" in answered
    assert "household_size" not in await _answers(db, ani)
    answered = said(await send(db, app, ani, channel, text="tiga puluh"))
    assert "✓ Jumlah penghuni: 30" in answered


async def test_the_nik_reason_fits_an_unknown_number(world, channel):
    """Since version 9 the reason question fits "Tidak tahu" too (QA walk 3: "Mengapa NIK
    tidak ada?" after "Tidak tahu")."""
    db, app = world
    ani = await _report_at_the_kk_question(db, app, channel)
    await send(db, app, ani, channel, text="3208011210190005")
    await send(db, app, ani, channel, text="Ayu Lestari")
    answered = said(await send(db, app, ani, channel, text="tidak tahu"))
    assert "✓ NIK: Tidak tahu" in answered
    assert "Mengapa NIK tidak bisa diisi? (misalnya belum tahu nomornya" in answered


async def test_a_draft_of_version_8_keeps_its_reason_question(world, channel):
    db, app = world
    assert V8.version == 8 < load_forms()["case_report"].version
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await repos.forms.save_definition(V8.id, V8.version, V8.model_dump(mode="json"))
        state = {**new_state(), "answers": {"head_name": "Slamet Riyadi"}}
        await repos.forms.start(
            user_id=ani.id, form_id="case_report", form_version=8, state=state, now=NOW
        )
    answered = said(await send(db, app, ani, channel, text="tidak tahu"))
    assert "Mengapa nomor KK tidak ada? (misalnya hilang" in answered
    assert "tidak bisa diisi" not in answered
    answered = said(await send(db, app, ani, channel, text="hilang waktu banjir"))
    assert "✓ Alasan tanpa KK: hilang waktu banjir" in answered
