"""Form definitions, in XLSForm's vocabulary so an XLSForm import is a mapping.

A form is a YAML file in `forms/`; it is validated at start-up and every error names the
file and the field. Labels are per language; a short label (for buttons and summaries) is
checked against the channels' limits here, so nothing is ever truncated at send time.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    field_validator,
    model_validator,
)

from handlers.forms.definition_base import (
    LABEL_MAX,
    SHORT_LABEL_MAX,
    UNIT_MAX,
    Strict,
    Texts,
    check_expression,
    check_name,
    check_texts,
)
from handlers.forms.expr import Expression, parse
from handlers.forms.option_model import Choice, ChoiceGroup, ChoicesFrom

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"


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


class Question(Strict):
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
    # text: the answer is a person's name; the words typed before it in a sentence ("nama
    # saya Dedi", "Nama: Dedi": typed_words.yaml `name_lead_ins`) are dropped.
    person_name: bool = False
    # text: the answer is an address (dusun, RT/RW). As in a name, a report's number inside
    # it was meant for something else ("tolong cek laporan KNG-2026-000101 ya"): refused.
    address: bool = False

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_name(value)

    @field_validator("label", "hint", "constraint_message", "warning_message")
    @classmethod
    def _label(cls, value: Texts | None) -> Texts | None:
        return None if value is None else check_texts(value, LABEL_MAX, "label")

    @field_validator("short")
    @classmethod
    def _short(cls, value: Texts | None) -> Texts | None:
        return None if value is None else check_texts(value, SHORT_LABEL_MAX, "short label")

    @field_validator("unit")
    @classmethod
    def _unit(cls, value: Texts | None) -> Texts | None:
        if value is not None and not all(text.strip() for text in value.values()):
            raise ValueError("unit is a word, not empty")
        return None if value is None else check_texts(value, UNIT_MAX, "unit")

    @field_validator("relevant", "constraint", "default", "warning")
    @classmethod
    def _expression(cls, value: str | None) -> str | None:
        return check_expression(value)

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
        if self.person_name and self.type != QuestionType.TEXT:
            raise ValueError(f"{self.name}: person_name is for text questions")
        if self.address and self.type != QuestionType.TEXT:
            raise ValueError(f"{self.name}: address is for text questions")
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


class RepeatGroup(Strict):
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
        return check_name(value)

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


class Form(Strict):
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
