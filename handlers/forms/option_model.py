"""The options of a form's select questions: fixed ones (`Choice`), the screens a long list
is split into (`ChoiceGroup`) and options computed at run time (`ChoicesFrom`)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from handlers.forms.definition_base import (
    LONG_NAME_MAX,
    SHORT_LABEL_MAX,
    Strict,
    Texts,
    check_expression,
    check_texts,
)


class Choice(Strict):
    """One static option of a select question: its `label` on a button (short enough for
    WhatsApp's) and in the form's own summary; its `long` name, if it has one, wherever the
    option is read (a case's page, a notice, a spreadsheet, statistics): "Kekerasan thd
    anak" on the button, "Anak korban tindak kekerasan/diperlakukan salah" on the page."""

    name: str
    label: Texts
    long: Texts | None = None
    aliases: list[str] = Field(default_factory=list)  # informal words typed for it
    group: str | None = None  # the ChoiceGroup screen it is shown on
    # A day relative to the answer ("Hari ini" 0, "Kemarin" -1): the date is fixed when the
    # option is picked (the answer's derived "day"), not when the form is sent later.
    day_offset: int | None = None
    # Offered only when true (an expression, e.g. on ${user_role}): each person sees only the
    # options open to them, as XLSForm's choice_filter does.
    relevant: str | None = None

    @field_validator("label")
    @classmethod
    def _short_enough(cls, value: Texts) -> Texts:
        return check_texts(value, SHORT_LABEL_MAX, "choice label")

    @field_validator("long")
    @classmethod
    def _long_name(cls, value: Texts | None) -> Texts | None:
        return None if value is None else check_texts(value, LONG_NAME_MAX, "choice long name")

    @field_validator("relevant")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        return check_expression(value)

    def read_name(self, language: str) -> str:
        """The option as a reader sees it: its long name in `language`, else its label there
        (an English label before an Indonesian long name), else the Indonesian ones."""
        long = self.long or {}
        return long.get(language) or self.label.get(language) or long.get("id") or self.label["id"]


class ChoiceGroup(Strict):
    """A screen of a long multi-select (e.g. "PPKS anak"), so no screen has 33 buttons."""

    name: str
    label: Texts

    @field_validator("label")
    @classmethod
    def _short_enough(cls, value: Texts) -> Texts:
        return check_texts(value, SHORT_LABEL_MAX, "choice group label")


class ChoicesFrom(Strict):
    """Options computed at run time, e.g. the desa of the kecamatan answered earlier."""

    source: Literal["districts", "regions"]
    parent: str | None = None  # expression giving the parent region code, e.g. ${kecamatan}

    @field_validator("parent")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        return check_expression(value)
