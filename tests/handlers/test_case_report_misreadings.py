"""Answers the case report refused or misread on both channels (QA walk 3): the KK number
typed at a member's NIK (and a NIK typed as the KK number), several numbers typed at a
one-choice question, a sticker or photo where a location or a number is asked, a photo beyond
the limit, a photo sent as a document."""

from __future__ import annotations

from typing import Any

import pytest

from handlers.forms.loading import load_forms
from handlers.forms.state import new_state
from storage.db import Database
from storage.models import Role, User
from tests.handlers.forms.report_answers import BEFORE_SIZE, REST
from tests.handlers.routed_turns import CHANNELS, button, labels, open_session, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW

pytestmark = pytest.mark.parametrize("channel", CHANNELS)
KK = BEFORE_SIZE["no_kk"]
FIRST_NIK = BEFORE_SIZE["members"][0]["member_nik"]
NIK_QUESTION = "Berapa NIK-nya (16 angka)?"
KK_QUESTION = "Berapa nomor Kartu Keluarga"


async def _report(db: Database, channel: str, answers: dict[str, Any], **state: Any) -> User:
    """A PSM whose case report holds `answers` (the first unanswered question asked next)."""
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    version = load_forms()["case_report"].version
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id="case_report",
            form_version=version,
            state={**new_state(), "answers": answers, **state},
            now=NOW,
        )
    return ani


async def _answers(db: Database, user: User) -> dict[str, Any]:
    return (await open_session(db, user)).state["answers"]


# -- a KK number is no NIK, a NIK no KK number ------------------------------------------------

DELETE_YOURSELF = "<i>Mohon hapus sendiri pesan Bapak/Ibu yang berisi NIK/nomor KK itu"


def _refusal(answered: str, channel: str) -> str:
    """The reply after the request to delete the number, which WhatsApp (where the bot cannot
    delete it) puts first."""
    if channel == "whatsapp":
        request, _, rest = answered.partition("\n\n")
        assert request.startswith(DELETE_YOURSELF), answered
        return rest
    assert DELETE_YOURSELF not in answered, answered
    return answered


async def test_the_kk_number_typed_at_a_members_nik_is_refused(world, channel):
    db, app = world
    answers = {"head_name": "Slamet Riyadi", "no_kk": KK, "members": [{"member_name": "Ayu"}]}
    ani = await _report(db, channel, answers)

    answered = said(await send(db, app, ani, channel, text=KK))

    assert _refusal(answered, channel).startswith("⚠️ Ini sama dengan nomor KK laporan ini.")
    assert "mohon ketik NIK dari KTP" in answered and NIK_QUESTION in answered
    assert "✓ NIK" not in answered and KK not in answered
    assert "member_nik" not in (await _answers(db, ani))["members"][0]
    # Another number (the member's own NIK) is taken.
    answered = said(await send(db, app, ani, channel, text=FIRST_NIK))
    assert "✓ NIK: 320801******0001" in answered
    assert (await _answers(db, ani))["members"][0]["member_nik"] == FIRST_NIK


async def test_a_members_nik_typed_as_the_kk_number_is_refused(world, channel):
    """The KK question asked again after the members (as an edit from the summary does)."""
    db, app = world
    answers = {key: value for key, value in BEFORE_SIZE.items() if key != "no_kk"}
    ani = await _report(db, channel, answers, closed=["members"])
    second_nik = BEFORE_SIZE["members"][1]["member_nik"]

    answered = said(await send(db, app, ani, channel, text=second_nik))

    assert _refusal(answered, channel).startswith("⚠️ Ini sama dengan NIK anggota ke-2 laporan ini.")
    assert "mohon ketik nomor KK" in answered and KK_QUESTION in answered
    assert second_nik not in answered
    assert "no_kk" not in await _answers(db, ani)
    answered = said(await send(db, app, ani, channel, text=KK))
    assert "✓ Nomor KK: 320801******0005" in answered


# -- several numbers at a one-choice question -------------------------------------------------

AT_CONSENT = {**BEFORE_SIZE, "household_size": 5, "bansos": [{"name": "pkh", "label": "PKH"}]}
CONSENT_QUESTION = "Siapa yang menyetujui data ini dicatat?"
ONE_CHOICE = "⚠️ Di sini hanya bisa dipilih satu, jadi belum ada yang dicatat. Mohon pilih satu"


@pytest.mark.parametrize("typed", ["2, 5", "2,5", "1 2", "2 dan 3", "Lisan, Tertulis"])
async def test_several_answers_typed_at_a_one_choice_question_are_one_too_many(
    world, channel, typed
):
    """The consent method's three buttons: "2, 5" was read as 25 ("Nomor 25 tidak ada")."""
    db, app = world
    answers = {**AT_CONSENT, "consent_by": {"name": "kepala_keluarga", "label": "Kepala keluarga"}}
    ani = await _report(db, channel, answers, closed=["members"])

    answered = said(await send(db, app, ani, channel, text=typed))

    assert answered.startswith(ONE_CHOICE), answered
    assert "Bagaimana persetujuannya diberikan?" in answered
    assert "25" not in answered and "12" not in answered
    assert "consent_method" not in await _answers(db, ani)
    answered = said(await send(db, app, ani, channel, text="2"))
    assert "✓ Cara persetujuan: Tertulis" in answered


async def test_several_numbers_at_a_multiple_choice_are_picks(world, channel):
    """On Telegram the bansos buttons are in sight: "1, 3" picks the first and third. On
    WhatsApp they are a list behind "Pilih", unnumbered: refused, nothing stored (QA walk
    10: a number never counts rows the person cannot see)."""
    db, app = world
    ani = await _report(db, channel, dict(BEFORE_SIZE, household_size=5), closed=["members"])
    reply = said(await send(db, app, ani, channel, text="1, 3"))
    if channel == "whatsapp":
        assert reply.startswith("⚠️ Pilihan di sini tidak bernomor"), reply
        assert "bansos" not in await _answers(db, ani)
        return
    assert [pick["name"] for pick in (await _answers(db, ani))["bansos"]] == ["pkh", "pbi_jk"]


# -- a sticker or a photo where something is to be typed or shared ---------------------------

AT_LOCATION = {key: value for key, value in BEFORE_SIZE.items() if key not in ("gps", "categories")}
NEED_LOCATION = "⚠️ Mohon kirim lokasi dengan tombol di bawah, atau ketik koordinat"
NEED_TEXT = "Mohon jawab dengan mengetik teks."


PHOTO_LATER = "⚠️ Foto ini belum disimpan, karena foto diminta nanti di pertanyaan foto."


@pytest.mark.parametrize(
    ("sent", "told"),
    [({"other_type": "sticker"}, NEED_LOCATION), ({"photo": "AgAC-rumah"}, PHOTO_LATER)],
    ids=["sticker", "photo"],
)
async def test_a_sticker_or_photo_at_the_location_asks_for_the_location(world, channel, sent, told):
    """A sticker: the location question's own message; a photo: not kept, photos come
    later (it was "Mohon jawab dengan mengetik teks." for both)."""
    db, app = world
    ani = await _report(db, channel, AT_LOCATION, closed=["members"])

    answered = said(await send(db, app, ani, channel, **sent))

    assert answered.startswith(told) and NEED_TEXT not in answered, answered
    assert "Kirim lokasi rumahnya" in answered
    assert "gps" not in await _answers(db, ani)


@pytest.mark.parametrize(
    ("answers", "needed", "question"),
    [
        (
            dict(BEFORE_SIZE),
            "⚠️ Mohon ketik angka bulat, misalnya 3.",
            "Berapa orang yang tinggal di rumah itu?",
        ),
        (
            {"head_name": "Slamet", "no_kk": KK, "members": [{"member_name": "Ayu"}]},
            "⚠️ Mohon ketik NIK-nya (16 angka).",
            NIK_QUESTION,
        ),
        (
            {"head_name": "Slamet Riyadi"},
            "⚠️ Mohon ketik nomor KK-nya (16 angka).",
            KK_QUESTION,
        ),
        (
            {
                "head_name": "Slamet",
                "no_kk": KK,
                "members": [{"member_name": "Ayu", "member_nik": FIRST_NIK}],
            },
            "⚠️ Mohon ketik tanggal lahir (17-08-2015) atau umur",
            "Tanggal lahir atau umurnya?",
        ),
    ],
    ids=["household-size", "nik", "kk", "age"],
)
async def test_a_sticker_where_a_number_is_typed_says_what_to_type(
    world, channel, answers, needed, question
):
    db, app = world
    ani = await _report(db, channel, answers, closed=["members"] if "address" in answers else [])

    answered = said(await send(db, app, ani, channel, other_type="sticker"))

    assert answered.startswith(needed) and NEED_TEXT not in answered, answered
    assert question in answered


# -- a photo beyond the limit ------------------------------------------------------------------

AT_PHOTOS = {**AT_CONSENT, **REST, "consent_by": REST["consent_by"]}
URGENCY_QUESTION = "Seberapa mendesak?"
NOT_KEPT = "⚠️ Foto ini tidak disimpan: hanya 3 foto yang bisa disimpan, dan 3 foto sudah diterima."


async def test_a_fourth_photo_sent_on_its_own_is_said_not_kept(world, channel):
    """WhatsApp sends photos picked together one by one: the 4th came at the urgency question
    and got "Mohon pilih salah satu pilihan" (QA walk 3)."""
    db, app = world
    answers = {k: v for k, v in AT_PHOTOS.items() if k not in ("photos", "urgency")}
    ani = await _report(db, channel, answers, closed=["members"])
    for number in (1, 2):
        await send(db, app, ani, channel, photo=f"AgAC-{number}")
    third = said(await send(db, app, ani, channel, photo="AgAC-3"))
    assert third.startswith("✓ Foto: 3 foto") and URGENCY_QUESTION in third

    fourth = said(await send(db, app, ani, channel, photo="AgAC-4"))

    assert fourth.startswith(NOT_KEPT), fourth
    assert URGENCY_QUESTION in fourth and "Mohon pilih salah satu" not in fourth
    kept = (await _answers(db, ani))["photos"]
    assert [photo["ref"] for photo in kept] == ["AgAC-1", "AgAC-2", "AgAC-3"]
    assert "urgency" not in await _answers(db, ani)


# -- a photo sent as a document ----------------------------------------------------------------

HOW_TO_SEND_A_PHOTO = {
    "whatsapp": "tekan 📎, lalu pilih <b>Galeri</b> atau <b>Kamera</b> (bukan Dokumen)",
    "telegram": "jangan centang <b>Kirim tanpa kompresi</b>",
}


async def test_a_document_at_the_photo_question_says_how_to_send_a_photo(world, channel):
    db, app = world
    answers = {k: v for k, v in AT_PHOTOS.items() if k not in ("photos", "urgency")}
    ani = await _report(db, channel, answers, closed=["members"])

    answered = said(await send(db, app, ani, channel, other_type="document"))

    assert answered.startswith("⚠️ Itu terkirim sebagai berkas"), answered
    assert HOW_TO_SEND_A_PHOTO[channel] in answered
    assert "Kirim foto keadaan" in answered
    assert "photos" not in await _answers(db, ani)
    # A sticker is no file: the plain refusal.
    answered = said(await send(db, app, ani, channel, other_type="sticker"))
    assert answered.startswith("⚠️ Mohon kirim foto (bukan berkas atau stiker).")


async def test_a_photo_after_the_photo_question_was_skipped_is_said_not_kept(world, channel):
    """The photo question skipped behind: the photo is said not kept, with the question on
    screen again, not "pick one of the options below" as if the person had mistyped (QA
    walk 13)."""
    db, app = world
    answers = {k: v for k, v in AT_PHOTOS.items() if k != "urgency"}  # photos: skipped
    ani = await _report(db, channel, answers, closed=["members"])
    answered = said(await send(db, app, ani, channel, photo="AgAC-1"))
    assert answered.startswith("⚠️ Foto ini tidak disimpan: pertanyaan foto sudah lewat."), answered
    assert "Mohon pilih salah satu" not in answered and URGENCY_QUESTION in answered
    assert (await _answers(db, ani))["photos"] is None  # still skipped


# -- text at the photo question -----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["selesai", "Selesai foto", "✔️ Selesai foto", "sudah"])
async def test_the_done_buttons_label_typed_after_a_photo_is_the_tap(world, channel, typed):
    """QA walk 4: "selesai", "Selesai foto", "sudah" got "Mohon kirim foto (bukan berkas atau
    stiker)"."""
    db, app = world
    answers = {k: v for k, v in AT_PHOTOS.items() if k not in ("photos", "urgency")}
    ani = await _report(db, channel, answers, closed=["members"])
    await send(db, app, ani, channel, photo="AgAC-1")

    answered = said(await send(db, app, ani, channel, text=typed))

    assert answered.startswith("✓ Foto: 1 foto") and URGENCY_QUESTION in answered, answered
    assert [photo["ref"] for photo in (await _answers(db, ani))["photos"]] == ["AgAC-1"]


async def test_other_text_at_the_photo_question_is_told_a_photo_is_wanted(world, channel):
    db, app = world
    answers = {k: v for k, v in AT_PHOTOS.items() if k not in ("photos", "urgency")}
    ani = await _report(db, channel, answers, closed=["members"])

    before = said(await send(db, app, ani, channel, text="rumahnya rusak"))
    done_early = said(await send(db, app, ani, channel, text="selesai"))
    await send(db, app, ani, channel, photo="AgAC-1")
    after = said(await send(db, app, ani, channel, text="rumahnya rusak"))

    assert before.startswith("⚠️ Pertanyaan ini dijawab dengan foto, bukan tulisan."), before
    assert done_early.startswith("⚠️ Belum ada foto yang diterima."), done_early
    assert "Kirim foto lagi, atau pilih <b>Selesai foto</b>" in after, after
    for answered in (before, done_early, after):
        assert "berkas atau stiker" not in answered and "Kirim foto keadaan" in answered
    assert "photos" not in await _answers(db, ani)


# -- one close spelling of a region ---------------------------------------------------------------


async def test_one_close_spelling_is_asked_by_name_with_a_way_back_to_the_list(world, channel):
    """QA walk 4: "babatn" got "Maksud Bapak/Ibu salah satu dari ini? Pilih yang benar:" with
    one button and no way out."""
    db, app = world
    before = ("head_name", "no_kk", "members", "address")
    ani = await _report(db, channel, {k: BEFORE_SIZE[k] for k in before}, closed=["members"])

    asked = await send(db, app, ani, channel, text="babatn")

    assert said(asked).startswith("Maksud Bapak/Ibu: <b>Babatan</b>?"), said(asked)
    assert labels(asked) == ["Babatan", "Bukan, lihat daftar"]
    back = await send(db, app, ani, channel, data=button(asked, "Bukan, lihat daftar"))
    assert said(back).startswith("⚠️ Baik. Silakan pilih salah satu pilihan di bawah")
    assert "Kadugede" in labels(back) and "desa" not in await _answers(db, ani)
    again = await send(db, app, ani, channel, text="babatn")
    await send(db, app, ani, channel, text="ya")
    assert (await _answers(db, ani))["desa"]["label"] == "Babatan", said(again)
