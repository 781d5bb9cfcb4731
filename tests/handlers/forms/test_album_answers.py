"""An album is answered once, on either channel (QA walk 6): Telegram names an album (its
`media_group_id`); WhatsApp sends each photo as a message of its own, which the inbox worker
marks as one burst (`album_continues`, no album named). Photos not kept are counted and said
once, with the question once; a picture sent as a file is answered as a photo would be; a
location at the photo question is told it is a location."""

from __future__ import annotations

import pytest
from test_engine import FormDriver, _q, t
from test_engine_features import IMAGE_THREE, NOTE, make_form, started

from handlers.events import InboundKind, Outbound
from handlers.forms.step import StepResult

NAME = _q("text", "nama", "Siapa namanya?", "Nama")
TELEGRAM, WHATSAPP = "album-1", None  # the album's name as each channel gives it
CHANNELS = pytest.mark.parametrize("album", [TELEGRAM, WHATSAPP], ids=["telegram", "whatsapp"])


async def send_album(driver: FormDriver, album: str | None, refs: list[str]) -> list[StepResult]:
    """An album as the inbox worker hands it on: all but the last photo say more wait."""
    return [
        await driver.send_photo(ref, album=album, more=number < len(refs), rest=len(refs) - number)
        for number, ref in enumerate(refs, start=1)
    ]


def said(results: list[StepResult]) -> list[Outbound]:
    return [message for result in results for message in result.messages]


@CHANNELS
async def test_an_album_of_five_for_three_photos_is_one_answer(album: str | None) -> None:
    driver = await started(make_form(IMAGE_THREE, NOTE))
    results = await send_album(driver, album, ["a1", "a2", "a3", "a4", "a5"])
    (answer,) = said(results)
    assert answer.text.startswith(
        "✓ Foto: 3 foto\n⚠️ " + t("form.album_past_the_limit", limit=3, count=2) + "\n\n"
    )
    # QA walk 8: "foto selebihnya" left her counting; now it says how many.
    assert "Hanya 3 foto pertama yang disimpan; 2 foto lainnya tidak disimpan." in answer.text
    assert answer.text.count("Ada catatan lain?") == 1
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}, {"ref": "a3"}]
    assert driver.current() == "catatan"


@CHANNELS
async def test_a_picture_arriving_after_the_album_was_counted_is_told_too(
    album: str | None,
) -> None:
    """Review 11a: the count says the pictures the worker held when the answer was given;
    a fifth arriving after it (while the fourth still waited) was dropped silently under
    "1 foto lainnya tidak disimpan". It is told it was not kept, with the question again."""
    driver = await started(make_form(IMAGE_THREE, NOTE))
    held = [await driver.send_photo(f"a{n}", album=album, more=True, rest=4 - n) for n in (1, 2, 3)]
    (answer,) = said(held)
    assert t("form.album_past_the_limit", limit=3, count=1) in answer.text
    assert said([await driver.send_photo("a4", album=album, more=True, rest=1)]) == []
    (late,) = said([await driver.send_photo("a5", album=album, more=False, rest=0)])
    told = t("answer.photo_past_the_limit", limit=3)
    assert told.startswith("Foto ini tidak disimpan")
    assert late.text.startswith("⚠️ " + told + "\n\n"), late.text
    assert late.text.count("Ada catatan lain?") == 1
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}, {"ref": "a3"}]
    # Two more after that: one answer, counting both.
    late = [await driver.send_photo(f"a{n}", album=album, more=n == 6, rest=7 - n) for n in (6, 7)]
    (again,) = said(late)
    assert again.text.startswith("⚠️ " + t("answer.photos_past_the_limit", limit=3, count=2))


@CHANNELS
async def test_an_album_that_fits_gets_one_count(album: str | None) -> None:
    driver = await started(make_form(IMAGE_THREE, NOTE))
    (answer,) = said(await send_album(driver, album, ["a1", "a2"]))
    assert answer.text.startswith(t("form.photo_received", count=2))
    assert driver.state["picking"] == [{"ref": "a1"}, {"ref": "a2"}]


@CHANNELS
async def test_an_album_at_the_summary_past_the_limit_is_said_once_with_its_count(
    album: str | None,
) -> None:
    driver = await started(make_form(IMAGE_THREE, NOTE))
    await send_album(driver, album, ["a1", "a2", "a3"])
    await driver.send_text("Tidak ada")
    more = None if album is None else "second"
    (answer,) = said(await send_album(driver, more, ["b1", "b2", "b3", "b4"]))
    told = t("answer.photos_past_the_limit", count=4, limit=3)
    assert told.startswith("4 foto ini tidak disimpan")
    assert answer.text.startswith(
        f"⚠️ {told} {t('answer.replace_from_summary', number=1, label='Foto')}\n\n"
    )
    assert answer.text.count(t("form.summary_title")) == 1
    assert driver.answers["foto"] == [{"ref": "a1"}, {"ref": "a2"}, {"ref": "a3"}]


@CHANNELS
async def test_an_album_before_the_photo_question_is_said_once_with_its_count(
    album: str | None,
) -> None:
    driver = await started(make_form(NAME, IMAGE_THREE, NOTE))
    (answer,) = said(await send_album(driver, album, ["a1", "a2", "a3"]))
    told = t("answer.photos_later", count=3)
    assert told.startswith("3 foto ini belum disimpan")
    assert answer.text.startswith("⚠️ " + told + "\n\n<b>Siapa namanya?</b>")
    await driver.send_text("Budi")  # the question goes on as before
    assert driver.current() == "foto" and "foto" not in driver.answers


@CHANNELS
async def test_an_album_where_no_photo_is_asked_gets_the_question_once(
    album: str | None,
) -> None:
    driver = await started(make_form(NAME, NOTE))
    (answer,) = said(await send_album(driver, album, ["a1", "a2", "a3"]))
    assert answer.text.startswith("⚠️ " + t("answer.need_text"))


async def test_photos_sent_on_their_own_are_each_answered() -> None:
    """A WhatsApp photo that said nothing more waits is no album: the next is told again."""
    driver = await started(make_form(IMAGE_THREE, NOTE))
    await send_album(driver, WHATSAPP, ["a1", "a2", "a3"])
    single = "⚠️ " + t("answer.photo_past_the_limit", limit=3)
    for ref in ("b1", "b2"):
        result = await driver.send_photo(ref)
        assert result.messages[0].text.startswith(single)


IMAGE_FILE = {"other_type": "document", "file_ref": "doc-1", "file_name": "IMG_2026.jpg"}


async def test_a_picture_sent_as_a_file_before_the_photo_question_is_told_to_wait() -> None:
    driver = await started(make_form(NAME, IMAGE_THREE, NOTE))
    event = driver.event(InboundKind.OTHER, **IMAGE_FILE, file_mime="image/jpeg")
    result = await driver.send(event)
    assert result.messages[0].text.startswith("⚠️ " + t("answer.photo_later"))
    pdf = driver.event(InboundKind.OTHER, **IMAGE_FILE | {"file_name": "surat.pdf"})
    result = await driver.send(pdf.model_copy(update={"file_mime": "application/pdf"}))
    assert result.messages[0].text.startswith("⚠️ " + t("answer.need_text"))


async def test_a_picture_sent_as_a_file_past_the_limit_is_said_not_kept() -> None:
    driver = await started(make_form(IMAGE_THREE, NOTE))
    await send_album(driver, TELEGRAM, ["a1", "a2", "a3"])
    event = driver.event(InboundKind.OTHER, **IMAGE_FILE, file_mime="image/png")
    result = await driver.send(event)
    assert result.messages[0].text.startswith("⚠️ " + t("answer.photo_past_the_limit", limit=3))


async def test_a_location_at_the_photo_question_is_told_it_is_a_location() -> None:
    driver = await started(make_form(IMAGE_THREE, NOTE))
    result = await driver.share_location(-6.97, 108.48)
    told = t("answer.photo_not_location")
    assert "lokasi" in told
    assert result.messages[0].text.startswith("⚠️ " + told + "\n\n<b>Kirim foto kejadian.</b>")
    assert driver.current() == "foto"


@CHANNELS
async def test_pictures_sent_as_files_at_once_are_answered_once(album: str | None) -> None:
    """Review 9: five pictures sent as files (Telegram documents, WhatsApp image documents)
    got five answers; the album's last file answers for it."""
    driver = await started(make_form(IMAGE_THREE, NOTE))
    files = [
        driver.event(
            InboundKind.OTHER, **IMAGE_FILE, file_mime="image/jpeg", media_group_id=album,
            album_continues=number < 5,
        )
        for number in range(1, 6)
    ]  # fmt: skip
    (answer,) = said([await driver.send(event) for event in files])
    assert answer.text.startswith("⚠️ " + t("answer.need_photo") + "\n\n"), answer.text
    assert driver.current() == "foto" and not driver.state.get("picking")


@CHANNELS
async def test_pictures_sent_as_files_before_the_photo_question_are_counted_once(
    album: str | None,
) -> None:
    driver = await started(make_form(NAME, IMAGE_THREE, NOTE))
    files = [
        driver.event(
            InboundKind.OTHER, **IMAGE_FILE, file_mime="image/png", media_group_id=album,
            album_continues=number < 3,
        )
        for number in range(1, 4)
    ]  # fmt: skip
    (answer,) = said([await driver.send(event) for event in files])
    assert answer.text.startswith("⚠️ " + t("answer.photos_later", count=3)), answer.text


def _video(driver: FormDriver, album: str, *, more: bool):
    return driver.event(
        InboundKind.OTHER, other_type="video", media_group_id=album, album_continues=more
    )


async def test_a_telegram_album_of_photos_and_a_video_is_answered_once() -> None:
    """Review 9: a Telegram album mixing photos and videos got two answers. Ending with the
    video: the photos kept are counted, and a photo is asked for instead of the video."""
    driver = await started(make_form(IMAGE_THREE, NOTE))
    results = [await driver.send_photo("a1", album=TELEGRAM, more=True)]
    results.append(await driver.send(_video(driver, TELEGRAM, more=True)))
    results.append(await driver.send_photo("a2", album=TELEGRAM, more=True))
    results.append(await driver.send(_video(driver, TELEGRAM, more=False)))
    (answer,) = said(results)
    expected = t("form.photo_received", count=2) + "\n⚠️ " + t("answer.need_photo")
    assert answer.text.startswith(expected), answer.text
    assert driver.state["picking"] == [{"ref": "a1"}, {"ref": "a2"}]


async def test_a_telegram_album_past_the_limit_ending_with_a_video_is_answered_once() -> None:
    driver = await started(make_form(IMAGE_THREE, NOTE))
    results = [
        await driver.send_photo(ref, album=TELEGRAM, more=True, rest=3 - number)
        for number, ref in enumerate("abcd")
    ]
    results.append(await driver.send(_video(driver, TELEGRAM, more=False)))
    (answer,) = said(results)
    told = t("form.album_past_the_limit", limit=3, count=1)  # the photo, not the video
    assert answer.text.startswith("✓ Foto: 3 foto\n⚠️ " + told), answer.text


async def test_a_telegram_album_whose_rest_is_a_video_says_no_count() -> None:
    driver = await started(make_form(IMAGE_THREE, NOTE))
    results = [await driver.send_photo(ref, album=TELEGRAM, more=True, rest=0) for ref in "abc"]
    results.append(await driver.send(_video(driver, TELEGRAM, more=False)))
    (answer,) = said(results)
    told = t("form.album_past_the_limit_rest", limit=3)
    assert answer.text.startswith("✓ Foto: 3 foto\n⚠️ " + told), answer.text
    assert "0 foto" not in answer.text
    assert driver.current() == "catatan"


async def test_a_telegram_album_at_the_summary_ending_with_a_video_is_answered_once() -> None:
    driver = await started(make_form(IMAGE_THREE, NOTE))
    await send_album(driver, TELEGRAM, ["a1", "a2", "a3"])
    await driver.send_text("Tidak ada")
    results = [await driver.send_photo(ref, album="second", more=True) for ref in ("b1", "b2")]
    results.append(await driver.send(_video(driver, "second", more=False)))
    (answer,) = said(results)
    told = t("answer.photos_past_the_limit", count=2, limit=3)
    assert answer.text.startswith(
        f"⚠️ {told} {t('answer.replace_from_summary', number=1, label='Foto')}\n\n"
    ), answer.text
    assert answer.text.count(t("form.summary_title")) == 1
