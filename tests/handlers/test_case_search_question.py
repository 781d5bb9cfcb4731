"""/cari alone asks what to look for and takes the next message as the search: a case
number, a NIK or KK (which a free-text answer would refuse, and which is never stored in the
session) or a name. Too short a search is said so and asked again; amid a report the report
comes back after the results. Before, /cari alone only explained how to type /cari with its
words, and the next message was not understood. On both channels."""

from __future__ import annotations

import pytest

from storage.db import Database
from storage.models import Role, User
from tests.handlers.routed_turns import CHANNELS, active_session, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
ASKED = "Ketik nomor laporan, NIK, nomor KK, atau nama"
NIK = "3208014506230001"  # Ayu Lestari's, in the seeded case
NUMBER = "KNG-2026-000001"


async def _tksk_with_a_case(db: Database, channel: str) -> User:
    """Pak Tono, TKSK of Kadugede, and a case of Babatan (Kadugede) reported by Bu Ani."""
    tono = await person(db, "Pak Tono", Role.TKSK, channel, kecamatan=KADUGEDE)
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        await seed_case(repos, reporter=ani, desa=BABATAN, at=NOW, number=NUMBER)
    return tono


@pytest.mark.parametrize("typed", [NUMBER, NIK, "3208 0145 0623 0001", "slamet riyadi"])
async def test_the_next_message_after_cari_alone_is_the_search(world, channel, typed):
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    asked = await send(db, app, tono, channel, command="cari")
    assert ASKED in said(asked)
    question = await active_session(db, tono)
    assert question is not None and question.form_id == "case_search"
    found = await send(db, app, tono, channel, text=typed)
    assert "Ditemukan 1 laporan" in said(found), said(found)
    assert any(NUMBER in label for label in labels(found))
    assert await active_session(db, tono) is None  # the question is over
    async with db.reading() as repos:
        ended = await repos.forms.get(question.id)
    assert ended is not None and ended.status == "completed"
    assert NIK not in str(ended.state) and "0623" not in str(ended.state)  # nothing kept
    deleted = [reply for reply in found.replies if reply.type == "delete"]
    holds_nik = typed in (NIK, "3208 0145 0623 0001")
    assert len(deleted) == (1 if holds_nik and channel == "telegram" else 0)


async def test_too_short_a_search_is_asked_again(world, channel):
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    await send(db, app, tono, channel, command="cari")
    again = said(await send(db, app, tono, channel, text="ab"))
    assert app.catalog.text("id", "case_search.too_short") in again and ASKED in again
    found = said(await send(db, app, tono, channel, text="Slamet"))
    assert "Ditemukan 1 laporan" in found


async def test_nothing_found_is_said(world, channel):
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    await send(db, app, tono, channel, text="cari")  # typed as a word, without a slash
    none = said(await send(db, app, tono, channel, text="Budi Santoso"))
    assert app.catalog.text("id", "review.search_none") in none
    assert await active_session(db, tono) is None


async def test_a_psm_is_refused_and_asked_nothing(world, channel):
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    refused = said(await send(db, app, ani, channel, command="cari"))
    assert app.catalog.text("id", "errors.not_allowed") in refused and ASKED not in refused
    assert await active_session(db, ani) is None


async def test_cari_alone_amid_a_report_brings_the_report_back(world, channel):
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    await send(db, app, tono, channel, text="lapor")
    await send(db, app, tono, channel, text="Budi Santoso")
    report = await active_session(db, tono)
    assert report is not None
    assert ASKED in said(await send(db, app, tono, channel, command="cari"))
    found = said(await send(db, app, tono, channel, text=NUMBER))
    hint = app.catalog.text("id", "form.come_back_hint", title="Laporan kasus")
    assert "Ditemukan 1 laporan" in found and hint in found
    assert found.index("Ditemukan") < found.index(hint)
    assert "Berapa nomor Kartu Keluarga" in found[found.index(hint) :]
    kept = await active_session(db, tono)
    assert kept is not None and kept.id == report.id
    assert kept.state["answers"] == {"head_name": "Budi Santoso"}


@pytest.mark.parametrize("again", [{"command": "cari"}, {"text": "cari"}])
async def test_cari_again_at_its_question_asks_once_and_the_report_still_comes_back(
    world, channel, again
):
    """/cari (or "cari") typed again while its question waits asks it once more (one
    question, not two in a row); "/cari <words>" or "cari <words>" typed there is the answer.
    Either way the report it interrupted comes back once, and stays a plain report."""
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    await send(db, app, tono, channel, text="lapor")
    await send(db, app, tono, channel, text="Budi Santoso")
    report = await active_session(db, tono)
    await send(db, app, tono, channel, command="cari")
    asked = said(await send(db, app, tono, channel, **again))
    assert asked.count(ASKED) == 1
    found = said(await send(db, app, tono, channel, text="cari slamet"))
    assert "Ditemukan 1 laporan" in found and "Berapa nomor Kartu Keluarga" in found
    assert ASKED not in found
    kept = await active_session(db, tono)
    assert report is not None and kept is not None and kept.id == report.id
    assert "returns_to" not in kept.state


async def test_cari_with_words_at_its_question_is_its_answer(world, channel):
    """ "/cari KNG-..." sent while the question waits: its answer, the report back after."""
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    await send(db, app, tono, channel, text="lapor")
    await send(db, app, tono, channel, text="Budi Santoso")
    report = await active_session(db, tono)
    await send(db, app, tono, channel, command="cari")
    found = said(await send(db, app, tono, channel, command="cari", command_args=NUMBER))
    assert "Ditemukan 1 laporan" in found and "Berapa nomor Kartu Keluarga" in found
    assert ASKED not in found
    kept = await active_session(db, tono)
    assert report is not None and kept is not None and kept.id == report.id
    assert "returns_to" not in kept.state


DELETE_YOURSELF = "Mohon hapus sendiri pesan Bapak/Ibu yang berisi NIK/nomor KK"


@pytest.mark.parametrize("asked_first", [True, False])
async def test_a_nik_cut_short_is_said_to_have_16_digits(world, channel, asked_first):
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    if asked_first:  # /cari alone, then the number: its question stays
        await send(db, app, tono, channel, command="cari")
        told = await send(db, app, tono, channel, text="320801450623")
        assert ASKED in said(told)
    else:
        told = await send(db, app, tono, channel, command="cari", command_args="3208 0145 0623")
    text = said(told)
    assert "NIK atau nomor KK berisi 16 angka; yang Bapak/Ibu ketik 12 angka" in text, text
    assert "Tidak ada laporan" not in text and "320801450623" not in text
    deleted = [reply for reply in told.replies if reply.type == "delete"]
    assert len(deleted) == (1 if channel == "telegram" else 0)
    assert (DELETE_YOURSELF in text) == (channel == "whatsapp")


@pytest.mark.parametrize("asked_first", [True, False])
async def test_a_nik_searched_on_whatsapp_asks_to_delete_it(world, channel, asked_first):
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    if asked_first:
        await send(db, app, tono, channel, command="cari")
        found = await send(db, app, tono, channel, text=NIK)
    else:
        found = await send(db, app, tono, channel, command="cari", command_args=NIK)
    assert "Ditemukan 1 laporan" in said(found)
    assert (DELETE_YOURSELF in said(found)) == (channel == "whatsapp")
    # A name is no number to delete.
    by_name = await send(db, app, tono, channel, command="cari", command_args="slamet")
    assert DELETE_YOURSELF not in said(by_name)


async def test_a_result_names_its_head_and_desa(world, channel):
    db, app = world
    tono = await _tksk_with_a_case(db, channel)
    found = await send(db, app, tono, channel, command="cari", command_args="slamet")
    assert labels(found) == [f"{NUMBER} · Slamet Riyadi · Babatan · Diajukan"]
