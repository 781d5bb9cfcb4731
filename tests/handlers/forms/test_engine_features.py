"""Focused tests of the form engine's newer features, each on a small form of its own.

Photo albums, the `age` type, `allow_missing`, defaults, facts derived from a NIK (and the
warnings when an answer disagrees with them), unknown region codes, choice groups, answers
asked again when the answer their options depend on changes, and the paged summary and edit
menu. The driver (shared with test_engine.py) checks after every step that the state survives
a JSON round trip, as the runner stores it.
"""

from __future__ import annotations

import copy
import html
import re
from typing import Any, ClassVar

import pytest
from test_engine import (
    NIK,
    TODAY,
    FormDriver,
    StubChoices,
    _q,
    all_buttons,
    option_labels,
    summary_line,
    summary_title,
    t,
)

from handlers.events import InboundKind, Outbound
from handlers.forms.choices import ChoiceOption
from handlers.forms.loading import form_from_data
from handlers.forms.model import Form
from handlers.forms.option_model import ChoicesFrom
from handlers.forms.state import prefilled_state
from handlers.forms.view import EDIT_PAGE_SIZE

# Two children born 05-06-2023 (the girl's NIK has day 05 + 40), 3 th 5 bln old on TODAY.
GIRL_NIK = "3208014506230003"
BOY_NIK = "3208010506230004"
GIRL_KK = "3208011203150002"
BORN = "05-06-2023"
BORN_ISO = "2023-06-05"
AGE_SHOWN = "05-06-2023 (3 th 5 bln)"
BIRTH_MISMATCH = "⚠️ " + t("identifier.birth_mismatch", date=BORN)
SEX_MISMATCH = "⚠️ " + t("identifier.sex_mismatch")
AGE_MISMATCH = "⚠️ " + t("identifier.age_mismatch", date=BORN, age="3 th 5 bln")
# A woman born 01-12-1999 (day 01 + 40), 26 th 11 bln old on TODAY.
WOMAN_NIK = "3523014112990001"
WOMAN_AGE_MISMATCH = "⚠️ " + t("identifier.age_mismatch", date="01-12-1999", age="26 th 11 bln")

assert TODAY.isoformat() == "2026-11-29"  # the ages below are counted to this day


def make_form(*items: dict[str, Any], confirm: bool = True) -> Form:
    data = {"id": "fitur", "version": 1, "title": {"id": "Fitur"}, "confirm": confirm}
    return form_from_data({**data, "items": list(items)}, "test_engine_features")


def repeat(name: str, *children: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "type": "repeat",
        "name": name,
        "label": {"id": "Anggota"},
        "add_another": {"id": "Tambah anggota lain?"},
        "children": list(children),
        **extra,
    }


async def started(form: Form, **extra: Any) -> FormDriver:
    driver = FormDriver(form, **extra)
    await driver.start()
    return driver


def rows(message: Outbound | None) -> list[list[str]]:
    assert message is not None
    return [[b.label for b in row] for row in message.buttons]


def actions(message: Outbound | None) -> list[str]:
    assert message is not None
    return [b.data.partition(":")[2] for b in all_buttons(message)]


def heading(form: Form, name: str) -> str:
    return f"<b>{html.escape(form.question(name).label['id'])}</b>"


def answer_of(driver: FormDriver, name: str) -> Any:
    """A top-level answer, or the answer of the last repeat item that has one."""
    if name in driver.answers:
        return driver.answers[name]
    for value in driver.answers.values():
        if isinstance(value, list):
            found = [item[name] for item in value if isinstance(item, dict) and name in item]
            if found:
                return found[-1]
    raise KeyError(name)


NOTE = _q("text", "catatan", "Ada catatan lain?", "Catatan")


# -- photos and albums --------------------------------------------------------------------------


def photo_form(max_count: int = 3, *, required: bool = True) -> Form:
    return make_form(
        _q("image", "foto", "Kirim foto kejadian.", "Foto", max_count=max_count, required=required),
        NOTE,
    )


IMAGE_THREE = _q("image", "foto", "Kirim foto kejadian.", "Foto", max_count=3)
SILENT, RECEIVED, DONE = "silent", "received", "done"
ALBUMS = [
    # (max_count, album size, what each photo of the album gets)
    (3, 3, [SILENT, SILENT, DONE]),
    (3, 2, [SILENT, RECEIVED]),
    (3, 5, [SILENT, SILENT, DONE, SILENT, SILENT]),
    (1, 3, [DONE, SILENT, SILENT]),
    (2, 2, [SILENT, DONE]),
    (4, 3, [SILENT, SILENT, RECEIVED]),
]


@pytest.mark.parametrize(("max_count", "size", "expected"), ALBUMS)
async def test_album_photos(max_count: int, size: int, expected: list[str]) -> None:
    form = photo_form(max_count)
    driver = await started(form)
    refs = [f"album-photo-{n}" for n in range(1, size + 1)]
    kept = refs[:max_count]

    got = []
    for number, ref in enumerate(refs, start=1):
        before = copy.deepcopy(driver.state)
        result = await driver.send_photo(
            ref, album="album-1", more=number < size, rest=size - number
        )
        if not result.messages:
            got.append(SILENT)
            if number > max_count:  # beyond the limit: dropped without a trace
                # (but one fewer of those said not kept still to come)
                after = copy.deepcopy(driver.state)
                assert after.pop("album_rest_unseen") == before.pop("album_rest_unseen") - 1
                assert after == before
        elif result.messages[0].text.startswith(t("form.photo_received", count=number)):
            got.append(RECEIVED)
        elif result.messages[0].text.startswith(f"✓ Foto: {t('form.photos', count=number)}"):
            got.append(DONE)
        else:
            got.append(result.messages[0].text)
        assert len(result.messages) <= 1
    assert got == expected

    if expected[-1] == RECEIVED:
        # The album's last photo: a count, and a button to say that was all.
        assert driver.current() == "foto"
        assert t("form.photos_so_far", count=size, limit=max_count) in driver.last_text
        assert rows(driver.last) == [[t("form.done_photos")], [t("form.remove_photos")]]
        await driver.tap(t("form.done_photos"))
        assert driver.last_text.startswith(f"✓ Foto: {t('form.photos', count=size)}\n\n")
    assert driver.current() == "catatan"
    assert heading(form, "catatan") in driver.last_text
    assert driver.answers["foto"] == [{"ref": ref} for ref in kept]
    assert driver.state["picking"] == []


async def test_album_of_three_with_max_three() -> None:
    driver = await started(photo_form(3))
    first, second, third = await driver.send_album("A", ["a1", "a2", "a3"])
    assert first.messages == []
    assert second.messages == []
    assert [m.type for m in third.messages] == ["text"]
    assert third.messages[0].text.startswith("✓ Foto: 3 foto\n\n<b>Ada catatan lain?</b>")
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}, {"ref": "a3"}]


async def test_album_of_two_with_max_three() -> None:
    driver = await started(photo_form(3))
    first, second = await driver.send_album("A", ["a1", "a2"])
    assert first.messages == []
    assert second.messages[0].text.startswith(
        "📷 Foto diterima (2).\n\n<b>Kirim foto kejadian.</b>"
    )
    assert "foto" not in driver.answers
    assert driver.button("Selesai foto").data == driver.data("d")
    await driver.tap("Selesai foto")
    assert driver.last_text.startswith("✓ Foto: 2 foto\n\n")
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}]


async def test_album_of_five_with_max_three_drops_photos_four_and_five() -> None:
    driver = await started(photo_form(3))
    results = await driver.send_album("A", ["a1", "a2", "a3", "a4", "a5"])
    assert [bool(r.messages) for r in results] == [False, False, True, False, False]
    # The answer says the rest of the album was not kept (QA walk 3: dropped unsaid).
    kept_only = "⚠️ " + t("form.album_past_the_limit", limit=3, count=2)
    assert results[2].messages[0].text.startswith(f"✓ Foto: 3 foto\n{kept_only}\n\n")
    assert driver.answers == {"foto": [{"ref": "a1"}, {"ref": "a2"}, {"ref": "a3"}]}
    assert driver.current() == "catatan"
    # The next question is still answered normally.
    await driver.send_text("Tidak ada")
    assert driver.answers["catatan"] == "Tidak ada"


async def test_single_photos_count_up_to_the_limit() -> None:
    driver = await started(photo_form(3))
    assert t("form.photo_hint", limit=3) in driver.last_text
    assert t("form.done_photos") not in driver.labels()
    for count in (1, 2):
        result = await driver.send_photo(f"p{count}")
        assert result.messages[0].text.startswith(t("form.photo_received", count=count))
        assert t("form.photos_so_far", count=count, limit=3) in driver.last_text
        assert driver.labels() == [t("form.done_photos"), t("form.remove_photos")]
    await driver.send_photo("p3")
    assert driver.last_text.startswith("✓ Foto: 3 foto")
    assert driver.answers["foto"] == [{"ref": "p1"}, {"ref": "p2"}, {"ref": "p3"}]


async def test_album_filling_the_last_question_of_a_form_without_summary_finishes_it() -> None:
    driver = await started(make_form(IMAGE_THREE, confirm=False))
    results = await driver.send_album("A", ["a1", "a2", "a3"])
    assert [r.messages for r in results] == [[], [], []]
    assert [r.finished for r in results] == [False, False, True]
    assert driver.final_answers() == {"foto": [{"ref": "a1"}, {"ref": "a2"}, {"ref": "a3"}]}


async def test_photo_without_a_file_is_refused() -> None:
    driver = await started(photo_form(3))
    await driver.send_photo("p1")
    result = await driver.send_photo(None)
    assert len(result.messages) == 1
    assert result.messages[0].text.startswith("⚠️ " + t("answer.photo_failed"))
    assert "Foto itu gagal kami terima" in result.messages[0].text
    assert driver.state["picking"] == [{"ref": "p1"}]  # the photo before it is kept
    await driver.tap(t("form.done_photos"))
    assert driver.answers["foto"] == [{"ref": "p1"}]


async def test_optional_photo_question_skip_button_until_a_photo_arrives() -> None:
    driver = await started(photo_form(3, required=False))
    assert driver.labels() == [t("form.skip")]
    await driver.send_photo("p1")
    # No skipping photos already sent: kept, or deleted on purpose.
    assert driver.labels() == [t("form.done_photos"), t("form.remove_photos")]


async def test_a_new_photo_after_the_album_is_not_ignored() -> None:
    driver = await started(photo_form(1))
    await driver.send_album("A", ["a1", "a2"])
    not_kept = "⚠️ " + t("answer.photo_past_the_limit", limit=1) + "\n\n<b>Ada catatan lain?</b>"
    result = await driver.send_photo("other", album="B")
    assert result.messages[0].text.startswith(not_kept)
    result = await driver.send_photo("single")
    assert result.messages[0].text.startswith(not_kept)
    assert driver.answers["foto"] == [{"ref": "a1"}]


async def test_the_rest_of_an_album_not_yet_arrived_is_said_not_kept_once() -> None:
    """The worker marks a photo "more are waiting" only when they already arrived: the third
    photo took the answer unaware, so the fourth says the rest was not kept, the fifth not."""
    driver = await started(photo_form(3))
    for ref in ("a1", "a2"):
        await driver.send_photo(ref, album="A", more=True)
    third = await driver.send_photo("a3", album="A", more=False)
    assert "foto pertama yang disimpan" not in third.messages[0].text
    fourth = await driver.send_photo("a4", album="A", more=True, rest=1)
    fifth = await driver.send_photo("a5", album="A", more=False)
    told = "⚠️ " + t("form.album_past_the_limit", limit=3, count=2)
    told += "\n\n<b>Ada catatan lain?</b>"
    assert fourth.messages[0].text.startswith(told)
    assert fifth.messages == []
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}, {"ref": "a3"}]


async def test_an_album_that_fits_says_nothing_of_a_limit() -> None:
    driver = await started(photo_form(3))
    results = await driver.send_album("A", ["a1", "a2", "a3"])
    assert "foto pertama yang disimpan" not in results[2].messages[0].text


async def test_a_photo_past_the_limit_at_the_summary_is_said_not_kept() -> None:
    driver = await started(make_form(IMAGE_ONE))
    await driver.send_photo("p1")
    result = await driver.send_photo("p2")
    text = result.messages[0].text
    assert text.startswith("⚠️ " + t("answer.photo_past_the_limit", limit=1))
    assert t("form.summary_title") in text
    assert driver.answers["foto"] == [{"ref": "p1"}]


async def test_a_photo_after_fewer_photos_than_the_limit_is_no_answer_either() -> None:
    """Only a question filled to its limit tells later photos so; after "done" with fewer a
    photo gets the next question's own refusal."""
    driver = await started(photo_form(3))
    await driver.send_photo("p1")
    await driver.tap(t("form.done_photos"))
    result = await driver.send_photo("p2")
    assert t("answer.photo_past_the_limit", limit=3) not in result.messages[0].text
    assert driver.answers["foto"] == [{"ref": "p1"}]


IMAGE_ONE = _q("image", "foto", "Kirim foto kejadian.", "Foto")
AFTER_THE_PHOTO_QUESTION = {
    "a question": make_form(IMAGE_ONE, NOTE),
    "another photo question": make_form(
        IMAGE_ONE, _q("image", "foto2", "Kirim foto rumah.", "Foto rumah", max_count=3)
    ),
    "add another": make_form(repeat("anggota", IMAGE_ONE, min_count=1)),
    "the summary": make_form(IMAGE_ONE),
}


@pytest.mark.parametrize("form", AFTER_THE_PHOTO_QUESTION.values(), ids=AFTER_THE_PHOTO_QUESTION)
async def test_rest_of_an_album_after_the_question_is_done_is_ignored_silently(
    form: Form,
) -> None:
    """Whatever follows the photo question, photos 2 and 3 of an album for 1 are dropped."""
    driver = await started(form)
    first = await driver.send_photo("a1", album="A", more=True, rest=2)
    assert first.messages[0].text.startswith("✓ Foto: 1 foto")
    after = copy.deepcopy(driver.state)
    for ref, more, rest in (("a2", True, 1), ("a3", False, 0)):
        result = await driver.send_photo(ref, album="A", more=more, rest=rest)
        assert result.messages == [], [m.text for m in result.messages]
        after["album_rest_unseen"] -= 1  # (one fewer of those said not kept to come)
        assert driver.state == after


async def test_editing_photos_from_the_summary_keeps_them_and_adds_new_ones() -> None:
    """QA walk 13: the photo question asked again from the summary starts with the photos
    there, a new photo is added to them, and "done" keeps them all."""
    driver = await started(make_form(IMAGE_THREE))
    await driver.send_photo("a1")
    await driver.tap(t("form.done_photos"))
    assert any(summary_line("Foto", "1 foto").match(x) for x in driver.last_text.splitlines())
    await driver.tap(t("form.edit"))
    await driver.tap("Foto")
    assert t("form.photos_so_far", count=1, limit=3) in driver.last_text
    back = t("form.to_summary")  # edited from the summary: the way back, photos as they were
    assert driver.labels() == [t("form.done_photos"), t("form.remove_photos"), back]
    await driver.send_photo("b1")
    assert t("form.photos_so_far", count=2, limit=3) in driver.last_text
    await driver.tap(t("form.done_photos"))
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "b1"}]
    assert t("form.summary_title") in driver.last_text


async def test_photos_added_from_the_summary_stop_at_the_limit() -> None:
    driver = await started(make_form(IMAGE_THREE))
    await driver.send_album("A", ["a1", "a2"])
    await driver.tap(t("form.done_photos"))
    await driver.tap(t("form.edit"))
    await driver.tap("Foto")
    # An album of two: one fits, taken with the answer; the other is said not kept.
    results = await driver.send_album("B", ["b1", "b2"])
    assert results[0].messages[0].text.startswith("✓ Foto: 3 foto\n⚠️ ")
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}, {"ref": "b1"}]


async def test_a_full_photo_question_edited_takes_no_more_photos() -> None:
    driver = await started(make_form(IMAGE_THREE))
    await driver.send_album("A", ["a1", "a2", "a3"])
    await driver.tap(t("form.edit"))
    await driver.tap("Foto")
    assert t("form.photos_full", count=3, limit=3) in driver.last_text
    await driver.send_photo("b1")
    assert driver.last_text.startswith("⚠️ " + t("answer.photo_full", limit=3, count=1))
    results = await driver.send_album("B", ["b2", "b3"])
    assert results[0].messages == []
    not_kept = "⚠️ " + t("answer.photos_full", limit=3, count=2)
    assert results[1].messages[0].text.startswith(not_kept)
    assert driver.state["editing"][0] == "foto"  # the question still on screen
    await driver.send_text("selesai")
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}, {"ref": "a3"}]


@pytest.mark.parametrize("skip", ["tap", "typed"])
async def test_skipping_a_photo_question_that_holds_photos_keeps_them(skip: str) -> None:
    """ "Lewati" at an optional photo question edited from the summary deleted every photo
    (QA walk 13): it keeps them now."""
    driver = await started(photo_form(3, required=False))
    await driver.send_photo("a1")
    await driver.tap(t("form.done_photos"))
    await driver.send_text("Tidak ada")
    await driver.tap(t("form.edit"))
    await driver.tap("Foto")
    assert t("form.skip") not in driver.labels()  # "Selesai foto" keeps them
    if skip == "tap":
        await driver.press(driver.data("s"))  # a skip button of the screen before
    else:
        await driver.send_text("Lewati")
    assert driver.answers["foto"] == [{"ref": "a1"}]
    assert t("form.summary_title") in driver.last_text


async def test_deleting_every_photo_is_asked_first() -> None:
    driver = await started(photo_form(3, required=False))
    await driver.send_album("A", ["a1", "a2"])
    await driver.tap(t("form.done_photos"))
    await driver.send_text("Tidak ada")
    await driver.tap(t("form.edit"))
    await driver.tap("Foto")
    await driver.tap(t("form.remove_photos"))
    assert driver.last_text.startswith(t("form.photos_remove_confirm", count=2))
    assert driver.labels() == [t("form.photos_remove_yes"), t("form.photos_remove_no")]
    await driver.send_text("entah")  # neither: asked again
    assert driver.last_text.startswith("⚠️ " + t("answer.need_yes_no"))
    assert t("form.photos_remove_confirm", count=2) in driver.last_text
    await driver.tap(t("form.photos_remove_no"))
    assert driver.last_text.startswith(t("form.photos_not_removed", count=2))
    assert driver.state["picking"] == [{"ref": "a1"}, {"ref": "a2"}]

    await driver.tap(t("form.remove_photos"))
    await driver.send_text("ya")
    assert driver.last_text.startswith(t("form.photos_removed"))
    assert driver.labels() == [t("form.skip"), t("form.to_summary")]
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}]  # until answered
    await driver.send_photo("b1")
    await driver.tap(t("form.done_photos"))
    assert driver.answers["foto"] == [{"ref": "b1"}]
    # And all deleted, then skipped: no photo.
    await driver.tap(t("form.edit"))
    await driver.tap("Foto")
    await driver.send_text("1")  # "1" is the first button: Selesai foto keeps it
    assert driver.answers["foto"] == [{"ref": "b1"}]
    await driver.tap(t("form.edit"))
    await driver.tap("Foto")
    await driver.send_text("hapus semua foto")
    await driver.tap(t("form.photos_remove_yes"))
    await driver.tap(t("form.skip"))
    assert driver.answers["foto"] is None


# -- choices that depend on an earlier answer ---------------------------------------------------


class RegionStub(StubChoices):
    """Three levels (kabupaten, kecamatan, desa); records what the engine asked for."""

    DESA: ClassVar[dict[str, tuple[ChoiceOption, ...]]] = {
        "320801": (ChoiceOption("3208012001", "Luragung Landeuh"),),
        "320802": (ChoiceOption("3208022001", "Bojong"), ChoiceOption("3208022002", "Caracas")),
        "320901": (ChoiceOption("3209012001", "Babakan"), ChoiceOption("3209012002", "Gegunung")),
        "320902": (ChoiceOption("3209022001", "Lurah"),),
    }

    def __init__(self) -> None:
        self.calls: list[tuple[str, str | None]] = []
        self.region_checks: list[str] = []

    async def options(
        self, spec: ChoicesFrom, parent: str | None, language: str
    ) -> list[ChoiceOption]:
        self.calls.append((spec.source, parent))
        if spec.source == "regions" and parent in self.DESA:
            return list(self.DESA[parent])
        return await super().options(spec, parent, language)

    async def region_known(self, code: str) -> bool:
        self.region_checks.append(code)
        return await super().region_known(code)


KABUPATEN = _q(
    "select_one", "kabupaten", "Kabupaten?", "Kabupaten", choices_from={"source": "districts"}
)
KECAMATAN = _q(
    "select_one",
    "kecamatan",
    "Kecamatan?",
    "Kecamatan",
    choices_from={"source": "regions", "parent": "${kabupaten}"},
)
DESA = _q(
    "select_one",
    "desa",
    "Desa?",
    "Desa",
    choices_from={"source": "regions", "parent": "${kecamatan}"},
)
REGION_FORM = make_form(KABUPATEN, KECAMATAN, DESA, NOTE)


async def _regions_answered(
    kabupaten: str = "Kuningan", kecamatan: str = "Cilimus", desa: str = "Bojong"
) -> tuple[FormDriver, RegionStub]:
    stub = RegionStub()
    driver = await started(REGION_FORM, choices=stub)
    await driver.tap(kabupaten)
    await driver.tap(kecamatan)
    await driver.tap(desa)
    await driver.send_text("Tidak ada")
    assert t("form.summary_title") in driver.last_text
    return driver, stub


async def test_choice_source_gets_the_parent_code_not_the_expression() -> None:
    driver, stub = await _regions_answered()
    assert stub.calls[0] == ("districts", None)
    assert ("regions", "3208") in stub.calls
    assert ("regions", "320802") in stub.calls
    assert not any(parent and "$" in parent for _, parent in stub.calls)
    assert driver.answers["desa"] == {"name": "3208022001", "label": "Bojong"}


EDITS = [
    # (answer edited, new choice, questions asked again after it, in order)
    ("Kabupaten", "Cirebon", [("kecamatan", ["Sumber", "Plumbon"]), ("desa", ["Lurah"])]),
    ("Kecamatan", "Luragung", [("desa", ["Luragung Landeuh"])]),
    ("Kabupaten", "Kuningan", []),  # the same answer again: nothing depends on a change
    ("Kecamatan", "Cilimus", []),
    ("Desa", "Caracas", []),
]


@pytest.mark.parametrize(("edited", "choice", "asked_again"), EDITS)
async def test_editing_an_answer_asks_its_dependents_again(
    edited: str, choice: str, asked_again: list[tuple[str, list[str]]]
) -> None:
    driver, _ = await _regions_answered()
    before = copy.deepcopy(driver.answers)
    await driver.tap(t("form.edit"))
    await driver.tap(edited)
    await driver.tap(choice)
    assert driver.last_text.startswith(f"✓ {edited}: {choice}\n\n")
    for name, labels in asked_again:
        assert driver.current() == name
        assert heading(REGION_FORM, name) in driver.last_text
        assert t("form.summary_title") not in driver.last_text
        assert option_labels(driver.last) == labels
        await driver.tap(labels[-1])
    assert t("form.summary_title") in driver.last_text
    assert driver.answers["catatan"] == before["catatan"]  # unrelated answers are kept
    if not asked_again:
        for name in ("kecamatan", "desa"):
            if name != edited.lower():
                assert driver.answers[name] == before[name]
    await driver.tap(t("form.submit"))
    assert driver.finished


async def test_editing_kabupaten_from_the_summary_re_asks_kecamatan() -> None:
    driver, _ = await _regions_answered()
    await driver.tap(t("form.edit"))
    await driver.tap("Kabupaten")
    assert option_labels(driver.last) == ["Kuningan", "Cirebon"]
    await driver.tap("Cirebon")
    assert "kecamatan" not in driver.answers and "desa" not in driver.answers
    assert driver.current() == "kecamatan"
    await driver.tap("Sumber")
    await driver.tap("Gegunung")
    await driver.tap(t("form.submit"))
    final = driver.final_answers()
    assert final["kabupaten"] == {"name": "3209", "label": "Cirebon"}
    assert final["kecamatan"] == {"name": "320901", "label": "Sumber"}
    assert final["desa"] == {"name": "3209012002", "label": "Gegunung"}


async def test_editing_a_repeat_items_parent_re_asks_only_that_items_dependent() -> None:
    member_kab = {**KABUPATEN, "name": "member_kab", "short": {"id": "Kab. anggota"}}
    member_kec = {
        **KECAMATAN,
        "name": "member_kec",
        "short": {"id": "Kec. anggota"},
        "choices_from": {"source": "regions", "parent": "${member_kab}"},
    }
    form = make_form(repeat("anggota", member_kab, member_kec, min_count=2))
    driver = await started(form)
    for kabupaten, kecamatan in (("Kuningan", "Luragung"), ("Kuningan", "Cilimus")):
        await driver.tap(kabupaten)
        await driver.tap(kecamatan)
    await driver.tap(t("common.no"))
    await driver.tap(t("form.edit"))
    await driver.tap("Kab. anggota (1)")
    await driver.tap("Cirebon")
    assert driver.current() == "member_kec"
    assert "<i>Anggota 1</i>" in driver.last_text
    assert option_labels(driver.last) == ["Sumber", "Plumbon"]
    await driver.tap("Plumbon")
    assert driver.answers["anggota"] == [
        {
            "member_kab": {"name": "3209", "label": "Cirebon"},
            "member_kec": {"name": "320902", "label": "Plumbon"},
        },
        {
            "member_kab": {"name": "3208", "label": "Kuningan"},
            "member_kec": {"name": "320802", "label": "Cilimus"},
        },
    ]


async def test_editing_a_top_level_parent_re_asks_dependents_inside_a_repeat_group() -> None:
    """Each member's kecamatan comes from the household's kabupaten."""
    member_kec = {**KECAMATAN, "name": "member_kec", "short": {"id": "Kec. anggota"}}
    form = make_form(KABUPATEN, repeat("anggota", member_kec, min_count=1))
    driver = await started(form)
    await driver.tap("Kuningan")
    await driver.tap("Luragung")
    await driver.tap(t("common.no"))
    await driver.tap(t("form.edit"))
    await driver.tap("Kabupaten")
    await driver.tap("Cirebon")
    # Luragung is not in Cirebon: the member's kecamatan must be asked again.
    assert driver.current() == "member_kec", driver.answers
    assert option_labels(driver.last) == ["Sumber", "Plumbon"]


# -- the paged summary and edit menu ------------------------------------------------------------


def numbered_form(count: int) -> Form:
    return make_form(
        *(
            _q("text", f"q{n}", f"Pertanyaan nomor {n}?", f"Jawaban {n}")
            for n in range(1, count + 1)
        )
    )


async def _answered(count: int) -> FormDriver:
    driver = await started(numbered_form(count))
    for n in range(1, count + 1):
        await driver.send_text(f"isi {n}")
    assert t("form.summary_title") in driver.last_text
    return driver


def _numbered_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^\d+\. ", line)]


@pytest.mark.parametrize("count", [1, 15, 16, 46])
async def test_the_summary_comes_in_one_message_however_many_answers(count: int) -> None:
    driver = await _answered(count)
    text = driver.last_text
    ack = f"✓ Jawaban {count}: isi {count}\n\n"
    assert text.startswith(ack + summary_title() + "\n"), text
    assert _numbered_lines(text) == [f"{n}. Jawaban {n}: isi {n}" for n in range(1, count + 1)]
    assert text.endswith("\n\n" + t("form.summary_hint"))
    assert rows(driver.last) == [[t("form.submit")], [t("form.edit")]]
    result = await driver.tap(t("form.submit"))
    assert result.finished
    assert len(driver.final_answers()) == count


async def test_an_old_summary_page_button_shows_the_whole_summary() -> None:
    driver = await _answered(20)
    await driver.press(driver.data("sp1"))
    assert driver.last_text.startswith(summary_title())
    assert len(_numbered_lines(driver.last_text)) == 20


@pytest.mark.parametrize(("count", "pages"), [(1, 1), (7, 1), (8, 2), (14, 2), (15, 3), (20, 3)])
async def test_edit_menu_pages(count: int, pages: int) -> None:
    assert EDIT_PAGE_SIZE == 7
    driver = await _answered(count)
    await driver.tap(t("form.edit"))
    for page in range(1, pages + 1):
        assert driver.last_text == t("form.edit_which")
        first = (page - 1) * EDIT_PAGE_SIZE + 1
        last = min(count, page * EDIT_PAGE_SIZE)
        navigation = ([t("form.previous")] if page > 1 else []) + (
            [t("form.next")] if page < pages else []
        )
        expected = [[f"Jawaban {n}"] for n in range(first, last + 1)]
        expected += [navigation] if navigation else []
        assert rows(driver.last) == [*expected, [t("form.back_to_summary")]]
        assert actions(driver.last)[: last - first + 1] == [
            f"e{n - 1}" for n in range(first, last + 1)
        ]
        assert [a for a in actions(driver.last) if a.startswith("ep")] == (
            [f"ep{page - 2}"] if page > 1 else []
        ) + ([f"ep{page}"] if page < pages else [])
        if page < pages:
            await driver.tap(t("form.next"))
    # The last answer, from the last page, is the one asked again.
    await driver.tap(f"Jawaban {count}")
    assert driver.last_text == f"<b>Pertanyaan nomor {count}?</b>"
    await driver.send_text("baru")
    assert driver.last_text.startswith(f"✓ Jawaban {count}: baru\n\n")
    assert summary_title() in driver.last_text
    assert driver.answers[f"q{count}"] == "baru"


async def test_edit_menu_previous_page_and_back_to_the_summary() -> None:
    driver = await _answered(20)
    await driver.tap(t("form.edit"))
    await driver.tap(t("form.next"))
    await driver.tap(t("form.next"))
    await driver.tap(t("form.previous"))
    assert "Jawaban 8" in driver.labels() and "Jawaban 14" in driver.labels()
    await driver.tap("Jawaban 12")
    assert driver.last_text == "<b>Pertanyaan nomor 12?</b>"
    await driver.send_text("dua belas")
    await driver.tap(t("form.edit"))
    await driver.tap(t("form.next"))
    await driver.tap(t("form.back_to_summary"))
    assert driver.last_text.startswith(summary_title())
    assert "12. Jawaban 12: dua belas" in _numbered_lines(driver.last_text)


# -- the age type -------------------------------------------------------------------------------

AGE_FORM = make_form(
    _q("age", "umur", "Kapan anak itu lahir, atau berapa umurnya?", "Umur"),
    _q(
        "text", "balita", "Apa catatan untuk balita ini?", "Catatan balita", relevant="${umur} < 60"
    ),
    _q("integer", "bulan", "Ketik angka apa saja.", "Angka", constraint=". = ${umur}"),
)

AGES = [
    # (typed, stored birth date, stored months, shown)
    ("5", None, 60, "5 th 0 bln"),
    ("5 tahun", None, 60, "5 th 0 bln"),
    ("5 Tahun", None, 60, "5 th 0 bln"),
    ("5 thn", None, 60, "5 th 0 bln"),
    ("18 bulan", None, 18, "1 th 6 bln"),
    ("18 bln", None, 18, "1 th 6 bln"),
    ("2 th 3 bln", None, 27, "2 th 3 bln"),
    ("2th3bln", None, 27, "2 th 3 bln"),
    ("2 tahun 3 bulan", None, 27, "2 th 3 bln"),
    ("2 tahun dan 3 bulan", None, 27, "2 th 3 bln"),
    ("2 years 3 months", None, 27, "2 th 3 bln"),
    ("5 years", None, 60, "5 th 0 bln"),  # the English hint's units (QA walk 5)
    ("2 yrs 3 months", None, 27, "2 th 3 bln"),
    ("18 months", None, 18, "1 th 6 bln"),
    ("2 years and 3 months", None, 27, "2 th 3 bln"),
    ("0", None, 0, "0 bulan"),
    # As people type them (QA walk 15): words before the age, the age in words, a baby in
    # months ("0 th 3 bln" is shown "3 bulan"), a birth date with a two-digit year.
    ("umur 5 thn", None, 60, "5 th 0 bln"),
    ("umur 5", None, 60, "5 th 0 bln"),
    ("usia 60", None, 720, "60 th 0 bln"),
    ("Umurnya: 7 tahun", None, 84, "7 th 0 bln"),
    ("kira2 60", None, 720, "60 th 0 bln"),
    ("lima tahun", None, 60, "5 th 0 bln"),
    ("dua tahun dan tiga bulan", None, 27, "2 th 3 bln"),
    ("0 th 3 bln", None, 3, "3 bulan"),
    ("12/3/15", "2015-03-12", 140, "12-03-2015 (11 th 8 bln)"),
    ("12-03-15", "2015-03-12", 140, "12-03-2015 (11 th 8 bln)"),
    ("12 maret 15", "2015-03-12", 140, "12-03-2015 (11 th 8 bln)"),
    ("12 Maret '15", "2015-03-12", 140, "12-03-2015 (11 th 8 bln)"),
    ("1-1-30", "1930-01-01", 1162, "01-01-1930 (96 th 10 bln)"),  # 2030 is still to come
    ("05-06-2023", BORN_ISO, 41, AGE_SHOWN),
    ("5/6/2023", BORN_ISO, 41, AGE_SHOWN),
    ("2023-06-05", BORN_ISO, 41, AGE_SHOWN),
    ("5 Juni 2023", BORN_ISO, 41, AGE_SHOWN),
    ("30-06-2023", "2023-06-30", 40, "30-06-2023 (3 th 4 bln)"),  # a month short of 3 th 5 bln
    ("29-11-2026", "2026-11-29", 0, "29-11-2026 (0 bulan)"),  # born today
    ("01-01-1990", "1990-01-01", 442, "01-01-1990 (36 th 10 bln)"),
]


@pytest.mark.parametrize(("typed", "born", "months", "shown"), AGES)
async def test_age_answers(typed: str, born: str | None, months: int, shown: str) -> None:
    driver = await started(AGE_FORM)
    await driver.send_text(typed)
    assert driver.answers["umur"] == {"birth_date": born, "months": months}
    assert driver.last_text.startswith(f"✓ Umur: {html.escape(shown)}\n\n")
    # Expressions see the months: the under-five follow-up, and a constraint against them.
    assert driver.current() == ("balita" if months < 60 else "bulan")
    if months < 60:
        await driver.send_text("catatan")
    await driver.send_text(str(months + 1))
    assert driver.last_text.startswith("⚠️ " + t("answer.constraint"))
    await driver.send_text(str(months))
    assert any(summary_line("Umur", shown).match(x) for x in driver.last_text.splitlines())


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("abc", "answer.need_age"),
        ("lima tahunan", "answer.need_age"),
        ("12 abc 15", "answer.need_age"),
        ("lahir maret 2015", "answer.need_age"),  # no date: the age question's examples
        ("31-02-15", "answer.date_impossible"),
        ("5 hari", "answer.need_age"),
        ("2,5 tahun", "answer.need_age"),
        ("5 tahun lebih", "answer.need_age"),
        ("131 tahun", "answer.need_age"),
        ("1600 bulan", "answer.need_age"),
        ("30-11-2026", "answer.date_future"),
        ("31-02-2020", "answer.date_impossible"),
        ("01-01-1850", "answer.date_impossible"),
    ],
)
async def test_age_refusals(typed: str, key: str) -> None:
    driver = await started(AGE_FORM)
    result = await driver.send_text(typed)
    assert result.messages[0].text.startswith("⚠️ " + t(key) + "\n\n")
    assert heading(AGE_FORM, "umur") in driver.last_text
    assert "umur" not in driver.answers


async def test_age_constraint_sees_the_months() -> None:
    form = make_form(
        _q("age", "umur", "Berapa umur balita itu?", "Umur", constraint=". < 60"), NOTE
    )
    driver = await started(form)
    await driver.send_text("5 tahun")
    assert driver.last_text.startswith("⚠️ " + t("answer.constraint"))
    await driver.send_text("4 th 11 bln")
    assert driver.answers["umur"] == {"birth_date": None, "months": 59}


# -- NIK and KK: nobody has one, facts from the number, unknown regions -------------------------

MISSING_FORM = make_form(
    _q("nik", "nik", "Berapa NIK-nya?", "NIK", allow_missing=True),
    _q("text", "alasan", "Mengapa NIK tidak ada?", "Alasan", relevant="${nik} = ''"),
    _q("kk", "kk", "Berapa nomor KK?", "No. KK", allow_missing=True),
    _q("text", "alasan_kk", "Mengapa KK tidak ada?", "Alasan KK", relevant="${kk} = ''"),
)


async def test_allow_missing_shows_both_buttons_in_one_row() -> None:
    driver = await started(MISSING_FORM)
    assert rows(driver.last) == [["Tidak punya", "Tidak tahu"]]
    assert actions(driver.last) == ["m0", "m1"]


@pytest.mark.parametrize(
    ("question", "answer", "stored", "shown", "reason_asked"),
    [
        ("nik", "Tidak punya", {"missing": "tidak_punya"}, "Tidak punya", True),
        ("nik", "Tidak tahu", {"missing": "tidak_tahu"}, "Tidak tahu", True),
        ("nik", GIRL_NIK, GIRL_NIK, "320801******0003", False),
        ("kk", "Tidak punya", {"missing": "tidak_punya"}, "Tidak punya", True),
        ("kk", "Tidak tahu", {"missing": "tidak_tahu"}, "Tidak tahu", True),
        ("kk", GIRL_KK, GIRL_KK, "320801******0002", False),
    ],
)
async def test_allow_missing_and_the_reason_question(
    question: str, answer: str, stored: Any, shown: str, reason_asked: bool
) -> None:
    driver = await started(MISSING_FORM)
    if question == "kk":
        await driver.send_text(NIK)
    label = MISSING_FORM.question(question).short_label("id")
    if answer.isdigit():
        await driver.send(driver.event(InboundKind.TEXT, text=answer, message_id="55"))
    else:
        result = await driver.tap(answer)
        assert [m.type for m in result.messages] == ["text"]
    assert driver.answers[question] == stored
    assert driver.last_text.startswith(f"✓ {label}: {shown}\n\n")
    reason = "alasan" if question == "nik" else "alasan_kk"
    assert (driver.current() == reason) is reason_asked


async def test_changing_a_missing_nik_to_a_number_drops_the_reason() -> None:
    driver = await started(MISSING_FORM)
    await driver.tap("Tidak punya")
    await driver.send_text("Belum direkam")
    await driver.send_text(GIRL_KK)
    lines = driver.last_text.splitlines()
    assert any(summary_line("NIK", "Tidak punya").match(x) for x in lines)
    assert any(summary_line("Alasan", "Belum direkam").match(x) for x in lines)

    await driver.tap(t("form.edit"))
    await driver.tap("NIK")
    await driver.send_text(GIRL_NIK)
    assert t("form.summary_title") in driver.last_text
    assert "Alasan" not in driver.last_text
    await driver.tap(t("form.submit"))
    assert driver.final_answers() == {"nik": GIRL_NIK, "kk": GIRL_KK}


async def test_changing_a_nik_to_missing_asks_the_reason_before_the_summary() -> None:
    driver = await started(MISSING_FORM)
    await driver.send_text(GIRL_NIK)
    await driver.send_text(GIRL_KK)
    await driver.tap(t("form.edit"))
    await driver.tap("NIK")
    await driver.tap("Tidak tahu")
    assert driver.last_text.startswith("✓ NIK: Tidak tahu\n\n")
    assert heading(MISSING_FORM, "alasan") in driver.last_text
    await driver.send_text("Lupa")
    await driver.tap(t("form.submit"))
    assert driver.final_answers() == {
        "nik": {"missing": "tidak_tahu"},
        "alasan": "Lupa",
        "kk": GIRL_KK,
    }
    assert driver.state["derived"] == {"kk": {"region": "32.08.01"}}  # the NIK's facts are gone


FACTS_FORM = make_form(
    _q("nik", "nik", "Berapa NIK-nya?", "NIK", allow_missing=True),
    _q("text", "hamil", "Apakah sedang hamil?", "Hamil", relevant="${nik_sex} = 'P'"),
    _q(
        "text",
        "kuningan",
        "Sejak kapan pindah dari Kuningan?",
        "Pindah",
        relevant="${nik_region} != '' and ${nik_region} != '32.08.01'",
    ),
    _q("text", "lahir", "Ketik tanggal lahir (ISO).", "Lahir", constraint=". = ${nik_birth_date}"),
)


@pytest.mark.parametrize(
    ("nik", "asked"),
    [
        (GIRL_NIK, ["hamil", "lahir"]),
        (BOY_NIK, ["lahir"]),
        ("3523014506230003", ["hamil", "kuningan", "lahir"]),
        ("Tidak punya", ["lahir"]),
    ],
)
async def test_expressions_see_the_facts_of_a_nik(nik: str, asked: list[str]) -> None:
    driver = await started(FACTS_FORM)
    if nik.isdigit():
        await driver.send_text(nik)
    else:
        await driver.tap(nik)
    seen = []
    while driver.current() in ("hamil", "kuningan"):
        seen.append(driver.current())
        await driver.send_text("ya")
    seen.append(driver.current())
    assert seen == asked
    if nik.isdigit():
        assert driver.state["derived"]["nik"] == {
            "sex": "P" if nik[6] == "4" else "L",
            "birth_date": BORN_ISO,
            "region": f"{nik[0:2]}.{nik[2:4]}.{nik[4:6]}",
        }
        await driver.send_text("2023-06-04")
        assert driver.last_text.startswith("⚠️ " + t("answer.constraint"))
        await driver.send_text(BORN_ISO)
        assert driver.answers["lahir"] == BORN_ISO


REGIONS = [
    # (question, number, unknown region code or None)
    ("nik", "3208014506230003", None),
    ("nik", "3523014506230003", None),
    ("nik", "9908014506230003", "99.08.01"),
    ("nik", "3209014506230003", "32.09.01"),
    ("kk", "3208011203150002", None),
    ("kk", "9901011203150002", "99.01.01"),
]


@pytest.mark.parametrize(("question", "number", "unknown"), REGIONS)
async def test_unknown_region_is_warned_but_the_answer_kept(
    question: str, number: str, unknown: str | None
) -> None:
    form = make_form(
        _q("nik", "nik", "Berapa NIK-nya?", "NIK"), _q("kk", "kk", "Berapa nomor KK?", "No. KK")
    )
    stub = RegionStub()
    driver = await started(form, choices=stub)
    if question == "kk":
        await driver.send_text(GIRL_NIK)
    await driver.send(driver.event(InboundKind.TEXT, text=number, message_id="9"))
    assert driver.answers[question] == number
    code = f"{number[0:2]}.{number[2:4]}.{number[4:6]}"
    assert stub.region_checks[-1] == code
    label = form.question(question).short_label("id")
    masked = f"{number[:6]}******{number[-4:]}"
    ack = driver.last_text.split("\n\n")[0]
    if unknown is None:
        assert ack == f"✓ {label}: {masked}"
    else:
        assert ack == f"✓ {label}: {masked}\n⚠️ " + t("identifier.unknown_region", region=unknown)
        assert ack.split("\n")[1].startswith(f"⚠️ Kode wilayah {unknown} ")
    assert number not in driver.last_text


# -- defaults and checks against a NIK ----------------------------------------------------------

CHILD = [
    _q("nik", "nik_anak", "Berapa NIK anak itu?", "NIK anak", allow_missing=True),
    _q(
        "age",
        "lahir",
        "Kapan anak itu lahir, atau berapa umurnya?",
        "Lahir",
        nik="nik_anak",
        default="${nik_anak_birth_date}",
    ),
    _q(
        "select_one",
        "jk",
        "Apa jenis kelaminnya?",
        "Jenis kelamin",
        nik="nik_anak",
        default="${nik_anak_sex}",
        choices=[
            {"name": "L", "label": {"id": "Laki-laki"}},
            {"name": "P", "label": {"id": "Perempuan"}},
        ],
    ),
]
CHILD_FORM = make_form(*CHILD)
CHILD_IN_A_GROUP = make_form(repeat("anak", *CHILD, min_count=1))


@pytest.mark.parametrize("form", [CHILD_FORM, CHILD_IN_A_GROUP], ids=["top_level", "repeat"])
@pytest.mark.parametrize(
    ("nik", "default_button", "options"),
    [
        (GIRL_NIK, f"✓ {BORN}", ["⭐ Perempuan", "Laki-laki"]),
        (BOY_NIK, f"✓ {BORN}", ["⭐ Laki-laki", "Perempuan"]),
        ("Tidak punya", None, ["Laki-laki", "Perempuan"]),
        ("Tidak tahu", None, ["Laki-laki", "Perempuan"]),
    ],
)
async def test_defaults_come_from_the_nik(
    form: Form, nik: str, default_button: str | None, options: list[str]
) -> None:
    driver = await started(form)
    if nik.isdigit():
        await driver.send_text(nik)
    else:
        await driver.tap(nik)
    assert driver.current() == "lahir"
    if default_button is None:
        assert driver.last.buttons == []
        result = await driver.press(driver.data("df"))
        assert result.messages[0].text.startswith("⚠️ " + t("answer.use_buttons_or_type"))
        await driver.send_text("3 tahun")
        assert answer_of(driver, "lahir") == {"birth_date": None, "months": 36}
    else:
        assert rows(driver.last)[0] == [default_button]
        assert driver.button(default_button).data == driver.data("df")
        await driver.tap(default_button)
        assert driver.last_text.startswith(f"✓ Lahir: {AGE_SHOWN}\n\n")
        assert "⚠️" not in driver.last_text
        assert answer_of(driver, "lahir") == {"birth_date": BORN_ISO, "months": 41}
    assert driver.current() == "jk"
    assert option_labels(driver.last) == options
    # The starred option keeps its own action: tapping it answers with that option.
    await driver.tap(options[0])
    chosen = options[0].removeprefix("⭐ ")
    assert answer_of(driver, "jk")["label"] == chosen
    assert "⚠️" not in driver.last_text.split("\n\n")[0]


MISMATCHES = [
    # (NIK, typed birth or age, chosen sex, warnings in the acknowledgements)
    (GIRL_NIK, BORN, "Perempuan", []),
    (GIRL_NIK, "5 Juni 2023", "Perempuan", []),
    (GIRL_NIK, "06-06-2023", "Perempuan", [BIRTH_MISMATCH]),
    (GIRL_NIK, "05-06-2013", "Perempuan", [BIRTH_MISMATCH]),
    # An age in whole years fits any age in that year; one with months, only that month.
    (GIRL_NIK, "3 tahun", "Perempuan", []),
    (GIRL_NIK, "3", "Perempuan", []),
    (GIRL_NIK, "3 th 5 bln", "Perempuan", []),
    (GIRL_NIK, "41 bulan", "Perempuan", []),
    (GIRL_NIK, "2 tahun", "Perempuan", [AGE_MISMATCH]),
    (GIRL_NIK, "4 th", "Perempuan", [AGE_MISMATCH]),
    (GIRL_NIK, "3 th 4 bln", "Perempuan", [AGE_MISMATCH]),
    (GIRL_NIK, "42 bulan", "Perempuan", [AGE_MISMATCH]),
    (GIRL_NIK, "2 tahun", "Laki-laki", [AGE_MISMATCH, SEX_MISMATCH]),
    (GIRL_NIK, "103 tahun", "Perempuan", []),  # born 1923: the NIK's year is 23 either way
    (WOMAN_NIK, "2 tahun", "Perempuan", [WOMAN_AGE_MISMATCH]),
    (WOMAN_NIK, "26 tahun", "Perempuan", []),
    (WOMAN_NIK, "27 tahun", "Perempuan", [WOMAN_AGE_MISMATCH]),
    (GIRL_NIK, BORN, "Laki-laki", [SEX_MISMATCH]),
    (BOY_NIK, "01-01-2020", "Perempuan", [BIRTH_MISMATCH, SEX_MISMATCH]),
    (BOY_NIK, BORN, "Laki-laki", []),
]


@pytest.mark.parametrize(("nik", "typed", "sex", "warnings"), MISMATCHES)
async def test_answers_that_differ_from_the_nik_are_warned_but_kept(
    nik: str, typed: str, sex: str, warnings: list[str]
) -> None:
    driver = await started(CHILD_IN_A_GROUP)
    await driver.send_text(nik)
    await driver.send_text(typed)
    birth_ack = driver.last_text.split("\n\n")[0]
    assert "lahir" in driver.state["answers"]["anak"][0]  # kept
    await driver.tap(sex)
    sex_ack = driver.last_text.split("\n\n")[0]
    assert answer_of(driver, "jk")["label"] == sex  # kept
    assert birth_ack.startswith("✓ Lahir: ")
    assert sex_ack.startswith(f"✓ Jenis kelamin: {sex}")
    got = [line for line in [*birth_ack.split("\n"), *sex_ack.split("\n")] if line.startswith("⚠️")]
    assert got == warnings
    assert all("Jawaban tetap disimpan" in w for w in got)


async def test_typed_sex_is_checked_against_the_nik_too() -> None:
    driver = await started(CHILD_FORM)
    await driver.send_text(GIRL_NIK)
    await driver.send_text(BORN)
    await driver.send_text("laki-laki")
    assert driver.answers["jk"] == {"name": "L", "label": "Laki-laki"}
    assert SEX_MISMATCH in driver.last_text


async def test_a_second_member_sees_only_its_own_nik() -> None:
    driver = await started(CHILD_IN_A_GROUP)
    await driver.send_text(GIRL_NIK)
    await driver.tap(f"✓ {BORN}")
    await driver.tap("Perempuan")
    await driver.tap(t("common.yes"))
    await driver.tap("Tidak punya")
    assert "<i>Anggota 2</i>" in driver.last_text
    assert driver.last.buttons == []  # no default from the first member's NIK
    await driver.send_text("06-06-2023")
    assert "⚠️" not in driver.last_text  # nothing to compare with
    assert not any(label.startswith("⭐") for label in option_labels(driver.last))


# -- choice groups ------------------------------------------------------------------------------

PPKS = [
    ("balita_terlantar", "Balita terlantar", "anak"),
    ("anak_jalanan", "Anak jalanan", "anak"),
    ("anak_disabilitas", "Anak disabilitas", "anak"),
    ("gelandangan", "Gelandangan", "dewasa"),
    ("pengemis", "Pengemis", "dewasa"),
    ("lansia_terlantar", "Lansia terlantar", "lansia"),
]
GROUPS = [("anak", "PPKS anak"), ("dewasa", "PPKS dewasa"), ("lansia", "PPKS lansia")]
GROUP_FORM = make_form(
    _q(
        "select_multiple",
        "ppks",
        "Jenis PPKS apa saja di keluarga ini?",
        "PPKS",
        choice_groups=[{"name": name, "label": {"id": label}} for name, label in GROUPS],
        choices=[{"name": n, "label": {"id": label}, "group": g} for n, label, g in PPKS],
    ),
    NOTE,
)


@pytest.mark.parametrize("page", [0, 1, 2])
async def test_choice_group_screens(page: int) -> None:
    driver = await started(GROUP_FORM)
    if page:
        await driver.tap(GROUPS[page][1])
    group = GROUPS[page][0]
    text = driver.last_text
    assert f"<i>{GROUPS[page][1]}</i>" in text
    assert t("form.picked_so_far", chosen="x").split(":")[0] not in text
    shown = [(n, label) for n, (_, label, g) in enumerate(PPKS) if g == group]
    assert option_labels(driver.last) == [label for _, label in shown]
    option_actions = [a for a in actions(driver.last) if a.startswith("o")]
    assert option_actions == [f"o{n}" for n, _ in shown]  # each option keeps its own number
    others = [(n, label) for n, (_, label) in enumerate(GROUPS) if n != page]
    navigation = [b for b in all_buttons(driver.last) if re.search(r":p\d+$", b.data)]
    assert [b.label for b in navigation] == [label for _, label in others]
    assert [b.data.rpartition(":")[2] for b in navigation] == [f"p{n}" for n, _ in others]
    assert rows(driver.last)[-1] == [t("form.done_picking")]


async def test_choice_groups_pick_across_screens() -> None:
    driver = await started(GROUP_FORM)
    await driver.tap("Anak jalanan")
    assert "✅ Anak jalanan" in driver.labels()
    assert t("form.picked_so_far", chosen="Anak jalanan") in driver.last_text
    await driver.tap("PPKS lansia")
    await driver.tap("Lansia terlantar")
    await driver.tap("PPKS anak")
    await driver.tap("Balita terlantar")
    # Listed in the options' order, whichever screen they were picked on.
    chosen = "Balita terlantar, Anak jalanan, Lansia terlantar"
    assert t("form.picked_so_far", chosen=chosen) in driver.last_text
    await driver.tap("Anak jalanan")  # untick
    assert "✅ Anak jalanan" not in driver.labels()
    await driver.tap(t("form.done_picking"))
    assert driver.last_text.startswith("✓ PPKS: Balita terlantar, Lansia terlantar\n\n")
    assert driver.answers["ppks"] == [
        {"name": "balita_terlantar", "label": "Balita terlantar"},
        {"name": "lansia_terlantar", "label": "Lansia terlantar"},
    ]


async def test_choice_groups_typed_answer_and_forged_page() -> None:
    driver = await started(GROUP_FORM)
    await driver.press(driver.data("p9"))  # beyond the last group: the last group
    assert "<i>PPKS lansia</i>" in driver.last_text
    await driver.send_text("pengemis, balita terlantar")
    assert [v["name"] for v in driver.answers["ppks"]] == ["pengemis", "balita_terlantar"]


async def test_choice_groups_nothing_picked_is_refused() -> None:
    driver = await started(GROUP_FORM)
    await driver.tap(t("form.done_picking"))
    assert driver.last_text.startswith("⚠️ " + t("answer.pick_at_least_one"))
    assert "ppks" not in driver.answers


async def test_optional_multi_select_with_nothing_picked_still_restates_an_answer() -> None:
    """ "Selesai memilih" with nothing ticked on an optional question: the acknowledgement and
    the summary must say something ("(dilewati)" or the like), not an empty value."""
    form = make_form({**GROUP_FORM.items[0].model_dump(exclude_none=True), "required": False})
    driver = await started(form)
    assert t("form.skip") in driver.labels()
    await driver.tap(t("form.done_picking"))
    ack = driver.last_text.split("\n\n")[0]
    assert re.fullmatch(r"✓ PPKS: \S.*", ack), ack
    line = next(x for x in driver.last_text.splitlines() if x.startswith("1. PPKS:"))
    assert re.fullmatch(r"1\. PPKS: \S.*", line), line


async def test_optional_choice_group_question_can_be_skipped() -> None:
    form = make_form({**GROUP_FORM.items[0].model_dump(exclude_none=True), "required": False})
    driver = await started(form)
    await driver.tap("Anak jalanan")
    await driver.tap(t("form.skip"))
    assert driver.answers["ppks"] is None
    assert driver.last_text.startswith(f"✓ PPKS: {t('form.skipped')}\n\n")


# -- select_one default from an expression ------------------------------------------------------


async def test_select_one_default_from_an_earlier_answer() -> None:
    form = make_form(
        _q(
            "select_one",
            "asal",
            "Dari mana?",
            "Asal",
            choices=[{"name": n, "label": {"id": n.title()}} for n in ("kota", "desa", "luar")],
        ),
        _q(
            "select_one",
            "tinggal",
            "Tinggal di mana sekarang?",
            "Tinggal",
            default="${asal}",
            choices=[{"name": n, "label": {"id": n.title()}} for n in ("kota", "desa", "luar")],
        ),
    )
    driver = await started(form)
    assert option_labels(driver.last) == ["Kota", "Desa", "Luar"]
    await driver.tap("Luar")
    assert option_labels(driver.last) == ["⭐ Luar", "Kota", "Desa"]
    assert driver.button("⭐ Luar").data == driver.data("o2")
    # A typed number counts the options as shown (no channel prints the numbers of three
    # options): the second is "Kota", after the suggested "Luar".
    await driver.send_text("2")
    assert driver.answers["tinggal"] == {"name": "kota", "label": "Kota"}


# -- count() of a repeat group and answers in a constraint message -------------------------------


async def test_a_constraint_counts_the_repeat_items_and_its_message_names_them() -> None:
    form = make_form(
        repeat("anak", _q("text", "nama_anak", "Nama anak?", "Nama anak")),
        _q(
            "integer",
            "penghuni",
            "Berapa penghuni?",
            "Penghuni",
            constraint=". >= count(${anak})",
            constraint_message={"id": "Paling sedikit ${anak} orang (${nama_anak}?)."},
        ),
    )
    driver = await started(form)
    await driver.send_text("Ayu")
    await driver.tap("Ya")
    await driver.send_text("Dede")
    await driver.tap("Tidak")
    await driver.send_text("1")
    assert driver.last_text.startswith("⚠️ Paling sedikit 2 orang (?).")  # not in a repeat item
    assert "penghuni" not in driver.answers
    await driver.send_text("2")
    assert driver.answers["penghuni"] == 2


async def test_sending_asks_again_the_answers_from_elsewhere_the_rules_refuse() -> None:
    """A state prefilled with earlier answers (a case sent back) opens at the summary; sending
    asks again, one by one, each answer its question's constraint refuses now."""
    form = make_form(
        _q(
            "text",
            "nama",
            "Nama?",
            "Nama",
            constraint="not(regex(., '.*[0-9].*'))",
            constraint_message={"id": "Tanpa angka."},
        ),
        _q("integer", "umur", "Umur?", "Umur", constraint=". <= 120"),
        _q("integer", "anak", "Anak?", "Anak", required=False, constraint=". >= 1"),
    )
    driver = FormDriver(form)
    driver.state = prefilled_state(form, {"nama": "Budi 2", "umur": 130, "anak": None})
    await driver.start()
    await driver.tap(t("form.submit"))
    assert not driver.finished
    assert driver.last_text.startswith("⚠️ Tanpa angka.\n\n" + heading(form, "nama"))
    await driver.send_text("Budi")
    assert driver.state["phase"] == "summary"
    await driver.tap(t("form.submit"))
    assert driver.last_text.startswith("⚠️ " + t("answer.constraint"))
    assert heading(form, "umur") in driver.last_text
    await driver.send_text("70")
    await driver.tap(t("form.submit"))  # the skipped question is no answer to check
    assert driver.finished
    assert driver.final_answers() == {"nama": "Budi", "umur": 70, "anak": None}
