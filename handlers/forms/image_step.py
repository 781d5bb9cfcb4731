"""The step of a photo question (image): photos received one by one or as an album, up to
the question's limit, until "done"; the photos of an album beyond the limit are ignored.

`ImageStep` is mixed into `FormEngine` (handlers/forms/engine.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from handlers.events import Inbound, InboundKind
from handlers.forms.model import Question
from handlers.forms.state import FormState, Position
from handlers.forms.step import StepResult

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine


class ImageStep:
    """The photo questions of `FormEngine`."""

    def _rest_of_album(
        self: FormEngine, fs: FormState, event: Inbound, position: Position | None
    ) -> bool:
        """Photos of an album beyond the limit arrive after their question is done: ignored."""
        album = event.media_group_id
        if event.kind != InboundKind.PHOTO or not album or album != fs.state.get("last_album"):
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
        if action == "d":
            if not picking:
                return await self._ask_again(fs, "answer.need_photo")
            return await self._accept_photos(fs, position, question)
        if action is not None:
            return await self._ask_again(fs, "answer.use_buttons_or_type")
        if event.kind != InboundKind.PHOTO:
            return await self._ask_again(fs, "answer.need_photo")
        if not event.photo_ref:
            return await self._ask_again(fs, "answer.photo_failed")
        fs.state["last_album"] = event.media_group_id
        fs.state["album_question"] = position.key
        picking.append({"ref": event.photo_ref})
        if len(picking) >= question.max_count:
            return await self._accept_photos(fs, position, question)
        if event.album_continues:
            return StepResult(fs.state, [])  # the album's last photo gets the reply
        prefix = self.t("form.photo_received", count=len(picking)) + "\n\n"
        return StepResult(fs.state, [await self.render(fs.state, prefix)])

    async def _accept_photos(
        self: FormEngine, fs: FormState, position: Position, question: Question
    ) -> StepResult:
        photos = list(fs.state["picking"])
        shown = self.view.display(question, photos)
        return await self._accept(fs, position, question, photos, None, shown)
