"""Form definitions, in XLSForm's vocabulary so an XLSForm import is a mapping.

A form is a YAML file in `forms/`; it is validated at start-up and every error names the
file and the field. Labels are per language; a short label (for buttons and summaries) is
checked against the channels' limits here, so nothing is ever truncated at send time.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from handlers.forms.expr import Expression, ExpressionError, parse

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
# The tightest limits among our channels: WhatsApp button titles (20), row titles (24),
# message bodies (1024). Telegram's are looser.
SHORT_LABEL_MAX = 20
LABEL_MAX = 1024
# An option's full name for reading (a page, a spreadsheet cell, a chart's bar): the longest
# official PPKS name, "Anak yang Memerlukan Perlindungan Khusus (AMPK)", is 47.
LONG_NAME_MAX = 80
# A number's unit ("menit", "meter"): short enough that "✓ 5000 <unit>", the default's button,
# stays within a button's 20.
UNIT_MAX = 12


class FormError(ValueError):
    """A form definition is invalid; the message names the file and the field."""


class QuestionType(StrEnum):
    """Question types: XLSForm's plus our identifiers."""

    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    TIME = "time"  # a time of day: "08.00", "jam 3 sore", stored "HH:MM"
    AGE = "age"  # a birth date or an age ("2 th 3 bln")
    SELECT_ONE = "select_one"
    SELECT_MULTIPLE = "select_multiple"
    GEOPOINT = "geopoint"
    IMAGE = "image"
    NOTE = "note"
    NIK = "nik"
    KK = "kk"
    PHONE = "phone"


Texts = dict[str, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_texts(value: Texts, limit: int, what: str) -> Texts:
    if "id" not in value:
        raise ValueError(f"{what} needs an Indonesian ('id') text")
    for language, text in value.items():
        if len(text) > limit:
            raise ValueError(f"{what} ({language}) is {len(text)} characters; at most {limit}")
    return value


class Choice(_Strict):
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
        return _check_texts(value, SHORT_LABEL_MAX, "choice label")

    @field_validator("long")
    @classmethod
    def _long_name(cls, value: Texts | None) -> Texts | None:
        return None if value is None else _check_texts(value, LONG_NAME_MAX, "choice long name")

    @field_validator("relevant")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        return _check_expression(value)

    def read_name(self, language: str) -> str:
        """The option as a reader sees it: its long name in `language`, else its label there
        (an English label before an Indonesian long name), else the Indonesian ones."""
        long = self.long or {}
        return long.get(language) or self.label.get(language) or long.get("id") or self.label["id"]


def _check_name(value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise ValueError("names are 1-32 of a-z, 0-9, _ and start with a letter")
    return value


def _check_expression(value: str | None) -> str | None:
    """An expression must parse when the form is loaded, not when someone answers."""
    if value is not None:
        try:
            parse(value)
        except ExpressionError as exc:
            raise ValueError(f"expression {value!r}: {exc}") from exc
    return value


class ChoiceGroup(_Strict):
    """A screen of a long multi-select (e.g. "PPKS anak"), so no screen has 33 buttons."""

    name: str
    label: Texts

    @field_validator("label")
    @classmethod
    def _short_enough(cls, value: Texts) -> Texts:
        return _check_texts(value, SHORT_LABEL_MAX, "choice group label")


class ChoicesFrom(_Strict):
    """Options computed at run time, e.g. the desa of the kecamatan answered earlier."""

    source: Literal["districts", "regions"]
    parent: str | None = None  # expression giving the parent region code, e.g. ${kecamatan}

    @field_validator("parent")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        return _check_expression(value)


class Question(_Strict):
    """One question of a form."""

    type: QuestionType
    name: str
    label: Texts
    short: Texts | None = None
    hint: Texts | None = None
    required: bool = True
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Texts | None = None
    # A doubt, not a refusal: when true for the answer (`.`), it is taken and warning_message
    # is told with it, as an age that does not fit the NIK is.
    warning: str | None = None
    warning_message: Texts | None = None
    choices: list[Choice] | None = None
    choices_from: ChoicesFrom | None = None
    choice_groups: list[ChoiceGroup] | None = None
    max_length: int = Field(default=300, ge=1, le=3000)
    request_button: bool = True  # share-location / share-contact button where it applies
    verified_only: bool = False  # phone: only a number the channel vouches for (no typing)
    own_location: bool = False  # geopoint: a location forwarded from another chat is refused
    skip_if_single: bool = False  # answer by itself when there is only one option
    allow_missing: bool = False  # nik/kk: "tidak punya" / "tidak tahu" buttons
    default: str | None = None  # expression: the suggested answer, offered as a button
    nik: str | None = None  # name of the NIK question this answer is checked against
    max_count: int = Field(default=1, ge=1, le=10)  # image: how many photos
    when: Literal["past", "future", "any"] = "past"  # date: which dates are accepted
    # integer/decimal: what the number counts ("menit"), shown after it wherever the answer
    # is shown ("Absen dibuka: 60 menit") and allowed after it when typed ("45 menit")
    unit: Texts | None = None
    # select_one: a sentence typed here that is no option's name ("sakit demam dari kemarin")
    # is kept as the answer of the later text question named (asked no more), and the option
    # it names is confirmed, else `sentence_default` ("Ada acara keluarga": Izin?).
    sentence_fills: str | None = None
    sentence_default: str | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value)

    @field_validator("label", "hint", "constraint_message", "warning_message")
    @classmethod
    def _label(cls, value: Texts | None) -> Texts | None:
        return None if value is None else _check_texts(value, LABEL_MAX, "label")

    @field_validator("short")
    @classmethod
    def _short(cls, value: Texts | None) -> Texts | None:
        return None if value is None else _check_texts(value, SHORT_LABEL_MAX, "short label")

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: Texts | None) -> Texts | None:
        if value is not None and not all(text.strip() for text in value.values()):
            raise ValueError("unit is a word, not empty")
        return None if value is None else _check_texts(value, UNIT_MAX, "unit")

    @field_validator("relevant", "constraint", "default", "warning")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        return _check_expression(value)

    @model_validator(mode="after")
    def _choices(self) -> Question:
        is_select = self.type in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE)
        has_choices = self.choices is not None or self.choices_from is not None
        if is_select and not has_choices:
            raise ValueError(f"{self.name}: a select question needs choices or choices_from")
        if not is_select and has_choices:
            raise ValueError(f"{self.name}: only select questions have choices")
        if self.choices is not None:
            names = [choice.name for choice in self.choices]
            if len(set(names)) != len(names):
                raise ValueError(f"{self.name}: choice names must be unique")
        if self.choice_groups is not None:
            groups = {group.name for group in self.choice_groups}
            if self.choices is None or any(c.group not in groups for c in self.choices):
                raise ValueError(f"{self.name}: every choice needs one of the choice_groups")
        if (self.warning is None) != (self.warning_message is None):
            raise ValueError(f"{self.name}: warning and warning_message go together")
        if self.allow_missing and self.type not in (QuestionType.NIK, QuestionType.KK):
            raise ValueError(f"{self.name}: allow_missing is for nik and kk questions")
        if self.when != "past" and self.type != QuestionType.DATE:
            raise ValueError(f"{self.name}: when is for date questions")
        if self.unit and self.type not in (QuestionType.INTEGER, QuestionType.DECIMAL):
            raise ValueError(f"{self.name}: unit is for integer and decimal questions")
        if self.sentence_fills and (self.type != QuestionType.SELECT_ONE or not self.choices):
            raise ValueError(f"{self.name}: sentence_fills is for select_one questions")
        if self.sentence_default and (
            not self.sentence_fills
            or self.sentence_default not in [c.name for c in self.choices or []]
        ):
            raise ValueError(
                f"{self.name}: sentence_default is one of its choices, with sentence_fills"
            )
        if self.own_location and self.type != QuestionType.GEOPOINT:
            raise ValueError(f"{self.name}: own_location is for geopoint questions")
        if self.verified_only and (self.type != QuestionType.PHONE or not self.constraint_message):
            raise ValueError(
                f"{self.name}: verified_only is for phone questions and needs a"
                " constraint_message (said when a number is typed)"
            )
        return self

    def short_label(self, language: str) -> str:
        """The label used in summaries and acknowledgements."""
        texts = self.short or self.label
        return texts.get(language) or texts["id"]

    def unit_word(self, language: str) -> str | None:
        """What the question's number counts, in `language` ("menit"); None without one."""
        return (self.unit.get(language) or self.unit["id"]) if self.unit else None

    def parsed(
        self, attribute: Literal["relevant", "constraint", "default", "warning"]
    ) -> Expression | None:
        """The parsed expression of that attribute (parsed once, then cached)."""
        source = getattr(self, attribute)
        return parse_expression(source) if source else None


class RepeatGroup(_Strict):
    """Questions asked once per item, e.g. per household member."""

    type: Literal["repeat"]
    name: str
    label: Texts
    add_another: Texts  # "Tambah anggota lain?"
    relevant: str | None = None
    min_count: int = Field(default=1, ge=0)
    max_count: int = Field(default=20, ge=1, le=50)
    children: list[Question]

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return _check_name(value)

    def parsed_relevant(self) -> Expression | None:
        """The parsed relevant expression."""
        return parse_expression(self.relevant) if self.relevant else None


def _item_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return "repeat" if kind == "repeat" else "question"


# Tagged so a mistake in a question is reported against Question only, not both shapes.
Item = Annotated[
    Annotated[Question, Tag("question")] | Annotated[RepeatGroup, Tag("repeat")],
    Discriminator(_item_kind),
]


class Form(_Strict):
    """A whole form."""

    id: str
    version: int = Field(ge=1)
    title: Texts
    confirm: bool = True  # show a summary to check and edit before finishing
    items: list[Item]
    # The repeat groups' questions some expression reads through max() or min() (set at load).
    _aggregated: frozenset[str] = PrivateAttr(default=frozenset())

    @model_validator(mode="after")
    def _unique_names(self) -> Form:
        seen: set[str] = set()
        for item in self.items:
            names = [item.name] + (
                [c.name for c in item.children] if isinstance(item, RepeatGroup) else []
            )
            for name in names:
                if name in seen:
                    raise ValueError(f"the name {name!r} is used twice")
                seen.add(name)
        return self

    @model_validator(mode="after")
    def _sentence_fills(self) -> Form:
        """A choice's sentence fills a text question of the top level asked after it."""
        top = [item for item in self.items if isinstance(item, Question)]
        for index, question in enumerate(top):
            fills = question.sentence_fills
            later = {q.name: q for q in top[index + 1 :]}
            if fills and (fills not in later or later[fills].type != QuestionType.TEXT):
                raise ValueError(f"{question.name}: sentence_fills names a later text question")
        for group in self.items:
            if isinstance(group, RepeatGroup) and any(c.sentence_fills for c in group.children):
                raise ValueError(f"{group.name}: sentence_fills is for top-level questions")
        return self

    def questions(self) -> list[Question]:
        """Every question, top level or inside a repeat group, in the form's order."""
        found: list[Question] = []
        for item in self.items:
            found.extend(item.children if isinstance(item, RepeatGroup) else [item])
        return found

    @model_validator(mode="after")
    def _reads_repeats(self) -> Form:
        """count(${x}) counts the items of one of this form's repeat groups; max(${x}) and
        min(${x}) read a repeat group's question over its items, the only way to read one
        outside its group (a plain ${x} there has no single value)."""
        repeats = [item for item in self.items if isinstance(item, RepeatGroup)]
        groups = {group.name for group in repeats}
        inside = {child.name: group.name for group in repeats for child in group.children}
        # Every expression with the repeat group it is evaluated in (None: the top level).
        sources: list[tuple[str | None, str | None]] = [(None, g.relevant) for g in repeats]
        for item in self.items:
            for question in item.children if isinstance(item, RepeatGroup) else [item]:
                where = item.name if isinstance(item, RepeatGroup) else None
                sources.extend(
                    (where, getattr(question, attribute))
                    for attribute in ("relevant", "constraint", "default", "warning")
                )
                sources.extend((where, choice.relevant) for choice in question.choices or [])
        aggregated: set[str] = set()
        for where, source in sources:
            if source is None:
                continue
            expression = parse_expression(source)
            aggregated |= expression.aggregated()
            for name in expression.counted() - groups:
                raise ValueError(f"count(${{{name}}}): {name!r} is not a repeat group")
            for name in expression.aggregated() - inside.keys():
                raise ValueError(f"max/min(${{{name}}}): {name!r} is no repeat group's question")
            for name in sorted(expression.plain() & inside.keys()):
                if inside[name] != where:
                    raise ValueError(
                        f"${{{name}}} is a question of the repeat group {inside[name]!r}:"
                        " outside it, read it with max() or min()"
                    )
        self._aggregated = frozenset(aggregated)
        return self

    def aggregated(self) -> frozenset[str]:
        """The repeat groups' questions read over every item (max(), min()) somewhere."""
        return self._aggregated

    def question(self, name: str) -> Question:
        """A question by name, top level or inside a repeat group."""
        for question in self.questions():
            if question.name == name:
                return question
        raise KeyError(name)

    def group(self, name: str) -> RepeatGroup:
        """A repeat group by name."""
        for item in self.items:
            if isinstance(item, RepeatGroup) and item.name == name:
                return item
        raise KeyError(name)


_EXPRESSIONS: dict[str, Expression] = {}


def parse_expression(source: str) -> Expression:
    """A parsed expression, cached: forms are parsed once, evaluated at every step."""
    if source not in _EXPRESSIONS:
        _EXPRESSIONS[source] = parse(source)
    return _EXPRESSIONS[source]
