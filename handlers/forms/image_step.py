"""The step of a photo question (image): photos received one by one or as an album, up to
the question's limit, until "done". The photos of an album beyond the limit are ignored, the
answer saying only the first ones were kept; photos sent after the limit was reached, or
before the photo question is asked, are told they were not kept: an album once, with how
many (those the worker held then; a picture of it arriving later is told as well). A
picture sent as a file comes as a photo (bot/inbox_fetches.py); one that could not be taken
as one is told what a photo would be.

An album is what the channel names one (Telegram's `media_group_id`: photos, videos, files),
or photos (or pictures sent as files) the inbox worker found waiting one behind the other
(WhatsApp names none): each piece but the last says more are waiting
(`Inbound.album_continues`), and the last one answers for the album.

`ImageStep` is mixed into `FormEngine` (handlers/forms/engine.py).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from handlers.events import Inbound, InboundKind
from handlers.forms import answers as parsers
from handlers.forms.model import Question, QuestionType
from handlers.forms.state import MORE, FormState, Position
from handlers.forms.step import StepResult
from handlers.forms.typed_words import photos_done

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine


# The state's key for the limit of the photo question last answered with as many photos as
# it takes: a photo arriving later was not kept, and is told so.
PHOTO_LIMIT_REACHED = "photo_limit_reached"
# Whether the person was told the rest of the album the last photo came in was not kept.
ALBUM_REST_TOLD = "album_rest_told"
# How many pictures of that rest the telling counted that have not come yet (those waiting
# then): one coming beyond them arrived later, and is told it was not kept either (review
# 11a: "2 foto lainnya" must not hide a third dropped silently). Absent in drafts told
# before it was kept: their rest stays silent.
ALBUM_REST_UNSEEN = "album_rest_unseen"
# The album of the last photo, when it said more of it were waiting: the next photo is of it.
ALBUM_OPEN = "album_open"
# [album, count]: photos of that album not kept, said by its last photo.
ALBUM_NOT_KEPT = "album_not_kept"
# "Delete every photo?" is on screen at the photo question (QA walk 13: deleting the photos
# already there is a choice made on purpose, never a side effect of editing or skipping).
PHOTOS_REMOVING = "photos_removing"
# Photos of an album not added because the question already held its limit, said by the
# album's last photo.
FULL_NOT_KEPT = "full_not_kept"


class ImageStep:
    """The photo questions of `FormEngine`."""

    async def _photo_not_kept(
        self: FormEngine, fs: FormState, event: Inbound, position: Position | None
    ) -> StepResult | None:
        """A photo where no photo question is on screen, said not kept, with the question on
        screen again (rather than its "use the buttons" or "type text", which left the person
        thinking it was kept): after a photo question took its limit, the rest of an album
        (said once, unless the answer said so already: the worker knew more were waiting
        only if they had arrived) or other photos; before the photo question, photos sent
        early. An album is answered once, by its last piece (a video of a Telegram album
        too), with how many photos were not kept; a picture sent as a file is answered as a
        photo. None for anything else."""
        album = self._album_of(fs, event)
        picture = event.kind == InboundKind.PHOTO or event.image_document
        if self._rest_of_album(fs, album, position):  # a video of it too
            return await self._rest_not_kept(fs, event, picture)
        if not picture and (album is None or event.album_continues):
            return None  # (an album's video before its last says nothing: `FormEngine.step`)
        at_summary = fs.state.get("phase") in ("summary", "edit_menu")
        asked = position is not None and position.name != MORE and not at_summary
        if asked and self.form.question(position.name).type == QuestionType.IMAGE:
            return None  # the photo question on screen takes it
        # A video ending an album answers for the photos of it before it.
        count = self._not_kept_so_far(fs, album) + (1 if picture else 0)
        if not count:
            return None
        if event.album_continues:
            # Nothing stored here: the album's last photo says how many were not kept.
            fs.state[ALBUM_NOT_KEPT] = [album, count]
            return StepResult(fs.state, [])
        many = "s" if count > 1 else ""
        if limit := fs.state.get(PHOTO_LIMIT_REACHED):
            key = f"answer.photo{many}_past_the_limit"
            if at_summary:  # with the summary's line to type to replace them
                image = QuestionType.IMAGE
                return await self._passed_not_kept(
                    fs, position, image, key, limit=limit, count=count
                )
            return await self._ask_again(fs, key, limit=limit, count=count)
        if asked and self._photo_question_ahead(fs):
            return await self._ask_again(fs, f"answer.photo{many}_later", count=count)
        # After "Selesai foto" (fewer than the limit): its question went by.
        key = f"answer.photo{many}_passed"
        return await self._passed_not_kept(fs, position, QuestionType.IMAGE, key, count=count)

    async def _rest_not_kept(
        self: FormEngine, fs: FormState, event: Inbound, picture: bool
    ) -> StepResult:
        """A piece of an album past the limit, after its photo question took its photos:
        silent when the pieces it counts were said not kept already; else said now, with
        those waiting behind it. The count said is of the pieces the worker held then
        (`Inbound.album_rest`); a picture of the album arriving after that telling is one
        more not kept, said as a photo past the limit is (with those behind it)."""
        limit = fs.state.get(PHOTO_LIMIT_REACHED)
        unseen = fs.state.get(ALBUM_REST_UNSEEN)
        if fs.state.get(ALBUM_REST_TOLD, True):
            if not picture or unseen is None or unseen > 0:
                if picture and unseen:
                    fs.state[ALBUM_REST_UNSEEN] = unseen - 1
                return StepResult(fs.state, [])
            count = 1 + event.album_rest
            fs.state[ALBUM_REST_UNSEEN] = event.album_rest
            many = "s" if count > 1 else ""
            return await self._ask_again(
                fs, f"answer.photo{many}_past_the_limit", limit=limit, count=count
            )
        fs.state[ALBUM_REST_TOLD] = True
        fs.state[ALBUM_REST_UNSEEN] = event.album_rest
        count = (1 if picture else 0) + event.album_rest
        key, values = _album_rest_said(limit, count)
        return await self._ask_again(fs, key, **values)

    @staticmethod
    def _album_of(fs: FormState, event: Inbound) -> str | None:
        """The album the event's photo (or picture sent as a file) came in (None: one on its
        own, or no picture): the one the channel names, else the previous one's when it said
        more were waiting (a burst: WhatsApp names none), else a new one when more are
        waiting behind it."""
        previous = fs.state.pop(ALBUM_OPEN, None)
        picture = event.kind == InboundKind.PHOTO or event.image_document
        if not picture or event.media_group_id:
            return event.media_group_id
        album = previous
        if album is None and event.album_continues:
            album = "burst-" + secrets.token_hex(4)
        if event.album_continues:
            fs.state[ALBUM_OPEN] = album
        return album

    @staticmethod
    def _not_kept_so_far(fs: FormState, album: str | None) -> int:
        """How many earlier photos of this album were not kept (unsaid so far)."""
        earlier = fs.state.pop(ALBUM_NOT_KEPT, None)
        return earlier[1] if album is not None and earlier and earlier[0] == album else 0

    def _photo_question_ahead(self: FormEngine, fs: FormState) -> bool:
        """Whether a photo question of the form is still to be asked (a top-level one, asked
        and unanswered): a photo sent early is told to wait for it."""
        return any(
            item.type == QuestionType.IMAGE
            and item.name not in fs.answers
            and fs.relevant(item, None)
            for item in self.form.items
            if isinstance(item, Question)
        )

    @staticmethod
    def _rest_of_album(fs: FormState, album: str | None, position: Position | None) -> bool:
        """Photos of an album beyond the limit arrive after their question is done."""
        if not album or album != fs.state.get("last_album"):
            return False
        if not fs.state.get(PHOTO_LIMIT_REACHED):
            return False  # after "Selesai foto": not past a limit, said as a photo after it
        return position is None or position.key != fs.state.get("album_question")

    async def _step_image(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        event: Inbound,
        action: str | None,
    ) -> StepResult:
        picking: list[Any] = fs.state.setdefault("picking", [])
        if fs.state.pop(PHOTOS_REMOVING, False) and event.kind != InboundKind.PHOTO:
            return await self._step_removal(fs, picking, event, action)
        if action is None and event.kind == InboundKind.TEXT and event.text:
            # Its button's label typed ("Selesai foto", "sudah") is the tap, as at any
            # question; other text is told a photo is wanted, not a file or a sticker.
            if picking and _typed_label(event.text, self.t("form.remove_photos")):
                action = "x"
            elif not photos_done(event.text, self.t("form.done_photos")):
                return await self._ask_again(fs, self._photo_not_text(picking))
            else:
                action = "d"
        if action == "x" and picking:
            fs.state[PHOTOS_REMOVING] = True  # asked first: `_step_removal` takes the answer
            return StepResult(fs.state, [await self.render(fs.state)])
        if action == "d":
            if not picking:
                return await self._ask_again(fs, "answer.photo_none_yet")
            return await self._accept_photos(fs, position, question)
        if action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if event.kind != InboundKind.PHOTO:
            return await self._not_a_photo(fs, event, picking)
        if not event.photo_ref:
            return await self._ask_again(fs, "answer.photo_failed")
        if len(picking) >= question.max_count:
            return await self._photo_past_full(fs, event)
        # The album it came in (`_album_of`): its rest, past the limit, is known by it.
        fs.state["last_album"] = event.media_group_id or fs.state.get(ALBUM_OPEN)
        fs.state["album_question"] = position.key
        picking.append({"ref": event.photo_ref})
        if len(picking) >= question.max_count:
            rest = event.album_rest if event.album_continues else None
            return await self._accept_photos(fs, position, question, rest)
        if event.album_continues:
            return StepResult(fs.state, [])  # the album's last photo gets the reply
        prefix = self.t("form.photo_received", count=len(picking)) + "\n\n"
        return StepResult(fs.state, [await self.render(fs.state, prefix)])

    async def _not_a_photo(
        self: FormEngine, fs: FormState, event: Inbound, picking: list[Any]
    ) -> StepResult:
        """Something other than a photo at the photo question, told what it is, with the
        question again (the pieces of an album before its last say nothing: `FormEngine.step`).
        The last piece of an album (a video after its photos) answers for the album: the
        photos kept are counted first."""
        as_file = self.view.traits.photo_as_file
        if event.kind == InboundKind.OTHER and event.other_type == "document" and as_file:
            # A photo sent as a file: how to send it as a photo, in the channel's app.
            key = f"answer.photo_as_file.{as_file}"
        elif event.kind == InboundKind.LOCATION:
            key = "answer.photo_not_location"
        else:
            key = "answer.need_photo"
        album = event.media_group_id
        received = ""
        if picking and album is not None and album == fs.state.get("last_album"):
            received = self.t("form.photo_received", count=len(picking)) + "\n"
        message = await self.render(fs.state, f"{received}⚠️ {self.t(key)}\n\n")
        return StepResult(fs.state, [message])

    async def _step_removal(
        self: FormEngine, fs: FormState, picking: list[Any], event: Inbound, action: str | None
    ) -> StepResult:
        """The answer to "delete every photo?": yes empties the question (a new photo, or
        Lewati where it may be skipped, answers it next); no keeps them, the question again;
        anything else asks again."""
        choice = action[1:] if action in ("xy", "xn") else None
        if choice is None and action is None and event.kind == InboundKind.TEXT:
            choice = parsers.yes_or_no(event.text or "")
        if choice == "y":
            picking.clear()
            fs.state.pop(PHOTO_LIMIT_REACHED, None)
            prefix = self.t("form.photos_removed") + "\n\n"
            return StepResult(fs.state, [await self.render(fs.state, prefix)])
        if choice == "n":
            prefix = self.t("form.photos_not_removed", count=len(picking)) + "\n\n"
            return StepResult(fs.state, [await self.render(fs.state, prefix)])
        fs.state[PHOTOS_REMOVING] = True
        return await self._ask_again(fs, "answer.need_yes_no")

    async def _photo_past_full(self: FormEngine, fs: FormState, event: Inbound) -> StepResult:
        """A photo at a question already holding its limit (photos kept from before, edited
        from the summary): not added, said (an album once, by its last photo, with how
        many), with the question again, whose buttons keep or delete those there."""
        count = fs.state.pop(FULL_NOT_KEPT, 0) + 1
        if event.album_continues:
            fs.state[FULL_NOT_KEPT] = count
            return StepResult(fs.state, [])
        many = "s" if count > 1 else ""
        limit = len(fs.state.get("picking", []))
        return await self._ask_again(fs, f"answer.photo{many}_full", limit=limit, count=count)

    @staticmethod
    def _photo_not_text(picking: list[Any]) -> str:
        """What a text other than "done" is told at a photo question: with photos received
        already, that "Selesai foto" ends it."""
        return "answer.photo_or_done" if picking else "answer.photo_not_text"

    async def _accept_photos(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        album_rest: int | None = None,
    ) -> StepResult:
        """The photos taken as the answer; `album_rest`: more of the album the last one came
        in are waiting, beyond the limit (how many of them are pictures)."""
        photos = list(fs.state["picking"])
        shown = self.view.display(question, photos)
        warnings = []
        if len(photos) >= question.max_count:
            fs.state[PHOTO_LIMIT_REACHED] = question.max_count
            fs.state[ALBUM_REST_TOLD] = album_rest is not None
            fs.state.pop(ALBUM_REST_UNSEEN, None)
            if album_rest is not None:
                fs.state[ALBUM_REST_UNSEEN] = album_rest
                # The rest of the album is dropped (`_photo_not_kept`): said here.
                key, values = _album_rest_said(question.max_count, album_rest)
                warnings.append(self.t(key, **values))
        else:
            fs.state.pop(PHOTO_LIMIT_REACHED, None)
            fs.state.pop(ALBUM_REST_TOLD, None)
            fs.state.pop(ALBUM_REST_UNSEEN, None)
        return await self._accept(fs, position, question, photos, None, shown, warnings=warnings)


def _typed_label(text: str, label: str) -> bool:
    """Whether a typed text is a button's label ("hapus semua foto" for "🗑 Hapus semua
    foto"), as a WhatsApp user reading the buttons may type it."""
    typed = parsers.normalise_word(text)
    return bool(typed) and typed == parsers.normalise_word(label)


def _album_rest_said(limit: int | None, count: int) -> tuple[str, dict[str, Any]]:
    """The key and values saying the rest of an album was not kept: with how many photos
    (QA walk 8: "foto selebihnya" left the person counting), unless its rest is a video."""
    if count:
        return "form.album_past_the_limit", {"limit": limit, "count": count}
    return "form.album_past_the_limit_rest", {"limit": limit}
