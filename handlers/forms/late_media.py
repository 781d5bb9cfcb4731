"""A photo or a location sent after its question went by (the photos done, the location given
or skipped): said not kept, with the screen again. At the summary (or its edit menu) with
how to replace it: the summary's line to type; at another question, one line before it.

A GPS fix arriving late at the verification's summary read "Ketik kirim untuk mengirim…", an
album's photo after "Selesai foto" "Mohon pilih salah satu pilihan di bawah": as if taken, or
as if the person had typed wrongly (QA walk 13). Photos past a question's limit and photos
sent before their question are told so by `ImageStep._photo_not_kept`, which asks this for
the rest.

`LateMedia` is mixed into `FormEngine` (handlers/forms/engine.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from handlers.events import Inbound, InboundKind
from handlers.forms.model import QuestionType
from handlers.forms.state import MORE, FormState, Position
from handlers.forms.step import StepResult

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine


_MEDIA_QUESTIONS = (QuestionType.IMAGE, QuestionType.GEOPOINT)


class LateMedia:
    """Photos and locations after their question, in `FormEngine`."""

    @staticmethod
    def _at_summary(fs: FormState, position: Position | None) -> bool:
        return position is None or fs.state.get("phase") in ("summary", "edit_menu")

    def _on_screen(self: FormEngine, fs: FormState, position: Position | None) -> QuestionType:
        """The type of the question on screen (NOTE at the summary or "add another?")."""
        if self._at_summary(fs, position) or position is None or position.name == MORE:
            return QuestionType.NOTE
        return self.form.question(position.name).type

    def _passed_line(self: FormEngine, fs: FormState, kind: QuestionType) -> int | None:
        """The summary's line (1-based) of the form's answered question of `kind` (its first
        outside a repeat group); None when none is behind."""
        for number, position in enumerate(fs.answered_positions(), start=1):
            if position.group is None and self.form.question(position.name).type == kind:
                return number
        return None

    async def _passed_not_kept(
        self: FormEngine,
        fs: FormState,
        position: Position | None,
        kind: QuestionType,
        key: str,
        **values: object,
    ) -> StepResult | None:
        """`key` said (the media not kept) with the screen again, when a question of `kind`
        is behind and another is on screen: at the summary with its line to type to replace
        it, elsewhere that it can be changed from the summary later. None where no question
        of `kind` is behind, and at a photo or location question: it takes its own media,
        and says what it wants of the other ("Yang terkirim lokasi, bukan foto")."""
        if self._on_screen(fs, position) in _MEDIA_QUESTIONS:
            return None
        line = self._passed_line(fs, kind)
        if line is None:
            return None
        said = self.t(key, **values)
        if self._at_summary(fs, position):
            position_of = fs.answered_positions()[line - 1]
            label = self._position_label(self.form.question(position_of.name), position_of)
            said += " " + self.t("answer.replace_from_summary", number=line, label=label)
        else:
            said += " " + self.t("answer.change_later")
        message = await self.render(fs.state, "⚠️ " + said + "\n\n")
        return StepResult(fs.state, [message])

    async def _location_not_kept(
        self: FormEngine, fs: FormState, event: Inbound, position: Position | None
    ) -> StepResult | None:
        """A location sent after the form's location question: said not kept (None for
        anything else, and where no location question is behind)."""
        if event.kind != InboundKind.LOCATION:
            return None
        return await self._passed_not_kept(
            fs, position, QuestionType.GEOPOINT, "answer.location_passed"
        )
