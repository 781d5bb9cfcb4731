"""Words people really type (QA walk 15), on both channels: "gk" at a yes/no confirmation,
"gk tau" / "blm tau" / "gatau" at a NIK question (its "Tidak tahu"), "laki2" / "cewe" for the
sex, "kk" for the consent's "Kepala keluarga" (case_report 16: its aliases; a draft of
version 15 keeps its reading)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from handlers.forms.loading import load_form, load_forms
from handlers.forms.state import new_state
from storage.models import Role
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, active_session, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "forms"
CONSENT_QUESTION = "Siapa yang menyetujui data ini dicatat?"
# A report waiting at the consent: both members reported.
AT_CONSENT: dict[str, Any] = {
    **{k: v for k, v in BEFORE_SIZE.items() if k != "kecamatan"},
    "household_size": 5,
    "bansos": REST["bansos"],
}


async def _psm(db, channel):
    return await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("typed", ["gk", "g", "engga", "nggak", "ndak", "tdk"])
async def test_slang_no_keeps_the_form_at_the_cancel_question(world, channel, typed) -> None:
    db, app = world
    ani = await _psm(db, channel)
    await send(db, app, ani, channel, text="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")
    asked = said(await send(db, app, ani, channel, command="batal"))
    assert "Yakin ingin membatalkan" in asked
    kept = said(await send(db, app, ani, channel, text=typed))
    assert "Pilih salah satu di bawah" not in kept and "Berapa nomor Kartu Keluarga" in kept
    session = await active_session(db, ani)
    assert session is not None and session.state["answers"]["head_name"] == "Slamet Riyadi"


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize(
    ("not_known", "sex", "label"),
    [
        ("gk tau", "laki2", "Laki-laki"),
        ("blm tau", "laki-laki", "Laki-laki"),
        ("ga tau", "cowo", "Laki-laki"),
        ("gatau", "cewe", "Perempuan"),
        ("gak tahu", "perempuan", "Perempuan"),
        ("Gk tau NIK nya", "wanita", "Perempuan"),
    ],
)
async def test_slang_at_the_nik_and_the_sex(world, channel, not_known, sex, label) -> None:
    db, app = world
    ani = await _psm(db, channel)
    await send(db, app, ani, channel, text="lapor")
    for answer in ("Slamet Riyadi", "3208011210190005", "Ayu Lestari"):
        await send(db, app, ani, channel, text=answer)
    missing = said(await send(db, app, ani, channel, text=not_known))
    assert "✓ NIK: Tidak tahu" in missing
    await send(db, app, ani, channel, text="belum dicek ke desa")
    taken = said(await send(db, app, ani, channel, text=sex))
    assert f"✓ Jenis kelamin: {label}" in taken
    session = await active_session(db, ani)
    assert session is not None
    member = session.state["answers"]["members"][0]
    assert member["member_sex"]["label"] == label


async def _at_consent(db, app, channel, version: int):
    ani = await _psm(db, channel)
    state = {**new_state(), "answers": AT_CONSENT, "closed": ["members"]}
    async with db.transaction() as repos:
        if version != app.forms["case_report"].version:
            old = load_form(FIXTURES / f"case_report_v{version}.yaml")
            await repos.forms.save_definition(old.id, old.version, old.model_dump(mode="json"))
        await repos.forms.start(
            user_id=ani.id, form_id="case_report", form_version=version, state=state, now=NOW
        )
    return ani


@pytest.mark.parametrize("channel", CHANNELS)
async def test_kk_at_the_consent_is_the_family_head(world, channel) -> None:
    db, app = world
    assert app.forms["case_report"].version == 16
    ani = await _at_consent(db, app, channel, 16)
    taken = said(await send(db, app, ani, channel, text="kk"))
    assert "✓ Persetujuan: Kepala keluarga" in taken
    session = await active_session(db, ani)
    assert session is not None
    assert session.state["answers"]["consent_by"]["name"] == "kepala_keluarga"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_version_15_draft_keeps_its_consent_words(world, channel) -> None:
    db, app = world
    ani = await _at_consent(db, app, channel, 15)
    refused = said(await send(db, app, ani, channel, text="kk"))
    assert CONSENT_QUESTION in refused and "✓ Persetujuan" not in refused
    taken = said(await send(db, app, ani, channel, text="Kepala keluarga"))
    assert "✓ Persetujuan: Kepala keluarga" in taken
    session = await active_session(db, ani)
    assert session is not None and session.form_version == 15


def test_version_16_adds_only_typed_words() -> None:
    """Version 15 is kept as a fixture for its drafts; 16 differs by the aliases alone."""
    v15 = load_form(FIXTURES / "case_report_v15.yaml").model_dump(mode="json")
    v16 = load_forms()["case_report"].model_dump(mode="json")
    assert _without_aliases({**v15, "version": 16}) == _without_aliases(v16)
    assert v15 != v16


def _without_aliases(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_aliases(v) for k, v in value.items() if k != "aliases"}
    if isinstance(value, list):
        return [_without_aliases(v) for v in value]
    return value
