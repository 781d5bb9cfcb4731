"""Typed replies on a form's summary and its edit menu (handlers/forms/summary_replies.py):
"kirim" sends, "ubah" opens the edit menu, the summary's line numbers and answers' labels
(or a word no other label has) pick the answer to change; anything unclear keeps the person
where they were, with a hint. Cases are kept as data; the flows run on the engine driver."""

from __future__ import annotations

import pytest
from test_engine import FormDriver, _q, t
from test_engine_features import _answered, make_form, repeat, started

from handlers.forms.summary_replies import (
    Answer,
    Command,
    SummaryWords,
    Unclear,
    read_reply,
)

WORDS_ID = SummaryWords.from_labels(t("form.submit"), t("form.edit"), t("form.back_to_summary"))
LABELS = ["Nama", "Nomor HP", "Nomor KK", "Kecamatan", "Desa/Kelurahan", "Nama (1)", "Nama (2)"]

READ_CASES = [
    # (typed, what it means)
    ("kirim", Command("send")),
    ("Kirim", Command("send")),
    ("KIRIM.", Command("send")),
    ("✅ Kirim", Command("send")),
    ("ya", Command("send")),
    ("ok", Command("send")),
    ("oke", Command("send")),
    ("sudah", Command("send")),
    ("benar", Command("send")),
    ("sudah benar", Command("send")),
    ("ubah", Command("edit")),
    ("Edit", Command("edit")),
    ("ganti", Command("edit")),
    ("✏️ Ubah jawaban", Command("edit")),
    ("kembali", Command("back")),
    ("‹ Kembali ke ringkasan", Command("back")),
    ("1", Answer(0)),
    ("4", Answer(3)),
    (" 7 ", Answer(6)),
    ("kecamatan", Answer(3)),
    ("Kecamatan", Answer(3)),
    ("desa/kelurahan", Answer(4)),
    ("kelurahan", Answer(4)),  # a word of one label only
    ("hp", Answer(1)),
    ("nomor kk", Answer(2)),
    ("nama (2)", Answer(6)),
    ("nama 1", Answer(5)),
    ("nama", Answer(0)),  # the label "Nama" itself
    ("nomor", Unclear([1, 2])),  # a word of two labels
    ("0", Unclear()),
    ("8", Unclear()),
    ("99", Unclear()),
    ("batal kirim", Unclear()),
    ("", Unclear()),
    ("3208012505800003", Unclear()),
]


@pytest.mark.parametrize(
    ("typed", "meaning"), READ_CASES, ids=[c[0] or "empty" for c in READ_CASES]
)
def test_what_a_typed_reply_means(typed: str, meaning: object) -> None:
    assert read_reply(typed, LABELS, WORDS_ID) == meaning


def test_a_shared_word_names_every_answer_that_has_it() -> None:
    labels = ["Kepala keluarga", "Nama (1)", "NIK (1)", "Nama (2)", "NIK (2)"]
    assert read_reply("nama", labels, WORDS_ID) == Unclear([1, 3])
    assert read_reply("nik", labels, WORDS_ID) == Unclear([2, 4])
    assert read_reply("kepala", labels, WORDS_ID) == Answer(0)


def test_english_button_words_count_too() -> None:
    words = SummaryWords.from_labels("✅ Send", "✏️ Change an answer", "‹ Back to the summary")
    assert read_reply("send", LABELS, words) == Command("send")
    assert read_reply("Change an answer", LABELS, words) == Command("edit")
    assert read_reply("change", LABELS, words) == Command("edit")
    assert read_reply("back", LABELS, words) == Command("back")


# -- on the engine ------------------------------------------------------------------------------

FORM = make_form(
    _q("text", "nama", "Siapa nama Bapak/Ibu?", "Nama"),
    _q("text", "hp", "Berapa nomor HP?", "Nomor HP"),
    _q("text", "kec", "Di kecamatan mana?", "Kecamatan"),
    _q("text", "desa", "Di desa/kelurahan mana?", "Desa/Kelurahan"),
    repeat(
        "anggota",
        _q("text", "anggota_nama", "Siapa nama anggota ini?", "Nama anggota"),
        min_count=1,
    ),
)
ANSWERS = ["Dedi", "081234567890", "Kadugede", "Sindangjawa", "Ayu"]


async def at_summary(*, second_member: bool = True) -> FormDriver:
    driver = await started(FORM)
    for answer in ANSWERS:
        await driver.send_text(answer)
    await driver.send_text("ya" if second_member else "tidak")
    if second_member:
        await driver.send_text("Dede")
        await driver.send_text("tidak")
    assert t("form.summary_title") in driver.last_text, driver.last_text
    return driver


@pytest.mark.parametrize("typed", ["kirim", "Kirim", "ya", "ok", "oke", "sudah", "benar"])
async def test_a_send_word_on_the_summary_sends(typed: str) -> None:
    driver = await at_summary()
    result = await driver.send_text(typed)
    assert result.finished
    assert driver.final_answers()["kec"] == "Kadugede"


@pytest.mark.parametrize("typed", ["ubah", "edit", "ganti", "Ubah jawaban"])
async def test_an_edit_word_on_the_summary_opens_the_edit_menu(typed: str) -> None:
    driver = await at_summary()
    await driver.send_text(typed)
    assert driver.last_text == t("form.edit_which")
    assert driver.state["phase"] == "edit_menu"
    assert driver.labels()[:3] == ["Nama", "Nomor HP", "Kecamatan"]


@pytest.mark.parametrize("typed", ["3", "kecamatan", "Kecamatan"])
async def test_an_answer_named_on_the_edit_menu_is_asked_again(typed: str) -> None:
    driver = await at_summary()
    await driver.send_text("ubah")
    await driver.send_text(typed)
    assert driver.last_text == "<b>Di kecamatan mana?</b>"
    await driver.send_text("Luragung")
    assert driver.last_text.startswith("✓ Kecamatan: Luragung\n\n")
    assert "3. Kecamatan: Luragung" in driver.last_text.splitlines()
    await driver.send_text("kirim")
    assert driver.finished and driver.final_answers()["kec"] == "Luragung"


async def test_a_number_or_label_on_the_summary_itself_asks_that_answer_again() -> None:
    driver = await at_summary()
    await driver.send_text("6")  # "6. Nama anggota (2): Dede"
    assert "Siapa nama anggota ini?" in driver.last_text
    await driver.send_text("Dedeh")
    assert driver.answers["anggota"][1]["anggota_nama"] == "Dedeh"
    await driver.send_text("hp")
    assert driver.last_text == "<b>Berapa nomor HP?</b>"


async def test_an_ambiguous_word_on_the_edit_menu_keeps_the_menu_and_names_the_answers() -> None:
    driver = await at_summary()
    await driver.send_text("ubah")
    await driver.send_text("anggota")
    choices = "5. Nama anggota (1), 6. Nama anggota (2)"
    hint = "⚠️ " + t("form.typed_several_answers", choices=choices)
    assert driver.last_text == hint + "\n\n" + t("form.edit_which")
    assert driver.state["phase"] == "edit_menu"
    assert t("form.back_to_summary") in driver.labels()
    await driver.send_text("6")
    assert "Siapa nama anggota ini?" in driver.last_text


@pytest.mark.parametrize("typed", ["99", "0", "entahlah", "3208012505800003"])
async def test_an_unknown_reply_on_the_edit_menu_keeps_the_menu(typed: str) -> None:
    driver = await at_summary()
    await driver.send_text("ubah")
    before = driver.answers
    await driver.send_text(typed)
    assert driver.last_text == "⚠️ " + t("form.typed_on_edit_menu") + "\n\n" + t("form.edit_which")
    assert driver.state["phase"] == "edit_menu"
    assert driver.answers == before
    assert typed not in driver.last_text


async def test_an_unknown_reply_on_the_summary_shows_it_again_with_a_hint() -> None:
    driver = await at_summary()
    result = await driver.send_text("terima kasih")
    assert not result.finished
    hint = "⚠️ " + t("form.typed_on_summary") + "\n\n"
    assert driver.last_text.startswith(f"{hint}<b>{t('form.summary_title')}</b>\n")
    assert driver.labels() == [t("form.submit"), t("form.edit")]
    assert driver.state["phase"] == "summary"


async def test_back_or_send_on_the_edit_menu_shows_the_summary_without_sending() -> None:
    driver = await at_summary()
    for typed in ("kembali", "kirim"):
        await driver.send_text("ubah")
        result = await driver.send_text(typed)
        assert not result.finished
        assert driver.last_text.startswith(f"<b>{t('form.summary_title')}</b>")
        assert driver.state["phase"] == "summary"


async def test_the_edit_menu_keeps_its_page_after_an_unclear_reply() -> None:
    driver = await _answered(10)
    await driver.send_text("ubah")
    await driver.tap(t("form.next"))
    await driver.send_text("mungkin")
    assert driver.last_text.startswith("⚠️ " + t("form.typed_on_edit_menu"))
    pages = [t("form.previous"), t("form.back_to_summary")]
    assert driver.labels() == ["Jawaban 8", "Jawaban 9", "Jawaban 10", *pages]
    await driver.send_text("2")  # a line of the summary, whichever page is shown
    assert driver.last_text == "<b>Pertanyaan nomor 2?</b>"
