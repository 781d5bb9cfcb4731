"""The step of a photo question (image): photos received one by one or as an album, up to
the question's limit, until "done". The photos of an album beyond the limit are ignored, the
answer saying only the first ones were kept; a photo sent on its own after the limit was
reached (WhatsApp sends a gallery pick one photo at a time) is told it was not kept, and so is
one sent before the photo question is asked.

`ImageStep` is mixed into `FormEngine` (handlers/forms/engine.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handlers.events import Inbound, InboundKind
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


class ImageStep:
    """The photo questions of `FormEngine`."""

    async def _photo_not_kept(
        self: FormEngine, fs: FormState, event: Inbound, position: Position | None
    ) -> StepResult | None:
        """A photo where no photo question is on screen, said not kept, with the question on
        screen again (rather than its "use the buttons" or "type text", which left the person
        thinking it was kept): after a photo question took its limit, the rest of an album
        (said once, unless the answer said so already: the worker knew more were waiting
        only if they had arrived) or a photo sent on its own (each); before the photo
        question, a photo sent early. None for anything else."""
        if event.kind != InboundKind.PHOTO:
            return None
        if self._rest_of_album(fs, event, position):
            if fs.state.get(ALBUM_REST_TOLD, True):
                return StepResult(fs.state, [])
            fs.state[ALBUM_REST_TOLD] = True
            limit = fs.state.get(PHOTO_LIMIT_REACHED)
            return await self._ask_again(fs, "form.album_past_the_limit", limit=limit)
        at_summary = fs.state.get("phase") in ("summary", "edit_menu")
        asked = position is not None and position.name != MORE and not at_summary
        if asked and self.form.question(position.name).type == QuestionType.IMAGE:
            return None  # the photo question on screen takes it
        if limit := fs.state.get(PHOTO_LIMIT_REACHED):
            return await self._ask_again(fs, "answer.photo_past_the_limit", limit=limit)
        if asked and self._photo_question_ahead(fs):
            return await self._ask_again(fs, "answer.photo_later")
        return None

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

    def _rest_of_album(
        self: FormEngine, fs: FormState, event: Inbound, position: Position | None
    ) -> bool:
        """Photos of an album beyond the limit arrive after their question is done."""
        album = event.media_group_id
        if not album or album != fs.state.get("last_album"):
            return False
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
        if action is None and event.kind == InboundKind.TEXT and event.text:
            # Its button's label typed ("Selesai foto", "sudah") is the tap, as at any
            # question; other text is told a photo is wanted, not a file or a sticker.
            if not photos_done(event.text, self.t("form.done_photos")):
                return await self._ask_again(fs, self._photo_not_text(picking))
            action = "d"
        if action == "d":
            if not picking:
                return await self._ask_again(fs, "answer.photo_none_yet")
            return await self._accept_photos(fs, position, question)
        if action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        as_file = self.view.traits.photo_as_file
        if event.kind == InboundKind.OTHER and event.other_type == "document" and as_file:
            # A photo sent as a file: how to send it as a photo, in the channel's app.
            return await self._ask_again(fs, f"answer.photo_as_file.{as_file}")
        if event.kind != InboundKind.PHOTO:
            return await self._ask_again(fs, "answer.need_photo")
        if not event.photo_ref:
            return await self._ask_again(fs, "answer.photo_failed")
        fs.state["last_album"] = event.media_group_id
        fs.state["album_question"] = position.key
        picking.append({"ref": event.photo_ref})
        if len(picking) >= question.max_count:
            return await self._accept_photos(fs, position, question, event.album_continues)
        if event.album_continues:
            return StepResult(fs.state, [])  # the album's last photo gets the reply
        prefix = self.t("form.photo_received", count=len(picking)) + "\n\n"
        return StepResult(fs.state, [await self.render(fs.state, prefix)])

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
        event_continues: bool = False,
    ) -> StepResult:
        """The photos taken as the answer; `event_continues`: more of the album the last one
        came in are waiting, beyond the limit."""
        photos = list(fs.state["picking"])
        shown = self.view.display(question, photos)
        warnings = []
        if len(photos) >= question.max_count:
            fs.state[PHOTO_LIMIT_REACHED] = question.max_count
            fs.state[ALBUM_REST_TOLD] = event_continues
            if event_continues:
                # The rest of the album is dropped (`_photo_not_kept`): said here.
                warnings.append(self.t("form.album_past_the_limit", limit=question.max_count))
        else:
            fs.state.pop(PHOTO_LIMIT_REACHED, None)
            fs.state.pop(ALBUM_REST_TOLD, None)
        return await self._accept(fs, position, question, photos, None, shown, warnings=warnings)
