"""A case report's further answers as labelled lines: the category follow-ups (school dropout,
stunting, disability...), the bansos received, the household size and the reasons given for a
missing KK, NIK or location. And a missing NIK or KK as a page shows it: "Tidak punya" or
"Tidak tahu", with the reason given (`household_kk`, `subject_nik`), never "-".

One renderer for whoever shows a case: its page in chat, `psm-bot case show` and the case
spreadsheet. The questions and their labels come from the form version the case was reported
on (`cases.form_version`), so a case of an older version shows its own questions; option codes
are shown by the form's names for them (`OptionLabels`: an option's long name, else its
label). The answers the page and the spreadsheet show on lines of their own (names, NIK, KK,
address, location, categories, consent, description, photos, urgency, desa) are not repeated
here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from handlers.context import AppContext
from handlers.forms.model import Form, Question, RepeatGroup
from handlers.forms.option_labels import OptionLabels, shown
from handlers.forms.runner import stored_form
from handlers.forms.view import MISSING_CHOICES
from handlers.i18n import Markup
from handlers.masking import mask_identifiers
from storage.identifiers import mask_identifier
from storage.repos import Repos

FORM_ID = "case_report"
# Shown on lines of their own wherever a case is shown.
SHOWN_APART = frozenset(
    {
        "head_name",
        "no_kk",
        "member_name",
        "member_nik",
        "member_sex",
        "member_age",
        "member_relation",
        "address",
        "kecamatan",
        "desa",
        "gps",
        "categories",
        "consent_by",
        "consent_method",
        "description",
        "photos",
        "urgency",
    }
)
# The reasons for a missing KK or NIK: a page shows each beside the number it stands for
# (`household_kk`, `subject_nik`), not again among the further answers; the spreadsheet keeps
# them in columns of their own.
SHOWN_BESIDE_NUMBER = frozenset({"no_kk_reason", "member_nik_reason"})
# A follow-up question is asked for the categories its `relevant` names.
_CATEGORY = re.compile(r"selected\(\$\{categories\},\s*'([a-z_]+)'\)")


@dataclass(frozen=True)
class AnswerLine:
    """One answer as a person reads it."""

    question: str  # the question's name ("ats_reason")
    label: str  # its short label in the reader's language ("Alasan tak sekolah")
    value: str  # the answer, option codes by their names
    category: str | None  # the category it follows up, if any ("anak_tidak_sekolah")
    about: str | None = None  # the member it is about (a repeat's item), by name


@dataclass(frozen=True)
class _Asked:
    question: Question
    label: str
    labels: dict[str, str] | None
    category: str | None


class AnswerLines:
    """The further questions of one form version in one language, prepared once (a page, an
    export of 100,000 rows): a case's answers then cost a dictionary look-up per question."""

    def __init__(self, form: Form, language: str) -> None:
        options = OptionLabels(form, language)
        self.questions: list[_Asked] = []  # top level, in the form's order
        self.member_questions: list[_Asked] = []  # inside the members repeat
        for item in form.items:
            inside = isinstance(item, RepeatGroup)
            for question in item.children if isinstance(item, RepeatGroup) else [item]:
                if question.name in SHOWN_APART:
                    continue
                found = _CATEGORY.search(question.relevant or "")
                asked = _Asked(
                    question=question,
                    label=question.short_label(language),
                    labels=options.of(question.name) if question.choices else None,
                    category=found.group(1) if found else None,
                )
                (self.member_questions if inside else self.questions).append(asked)

    def of(self, answers: dict[str, Any]) -> list[AnswerLine]:
        """The case's answers to the further questions, in the form's order; unanswered and
        empty answers are left out."""
        lines = [
            AnswerLine(asked.question.name, asked.label, value, asked.category)
            for asked in self.questions
            if (value := self.value(asked, answers.get(asked.question.name)))
        ]
        for member in answers.get("members") or []:
            for asked in self.member_questions:
                value = self.value(asked, member.get(asked.question.name))
                if value:
                    name = member.get("member_name")
                    lines.append(
                        AnswerLine(asked.question.name, asked.label, value, asked.category, name)
                    )
        return lines

    @staticmethod
    def value(asked: _Asked, answer: Any) -> str:
        """An answer as text: option codes as labels, several joined with commas; "" for no
        answer (or one kept as a marker, e.g. a skipped question's)."""
        if answer is None or answer == "":
            return ""
        if isinstance(answer, bool):
            return ""
        if isinstance(answer, int | float):
            return str(answer)
        if isinstance(answer, str):
            return answer
        if isinstance(answer, dict):
            return _option(asked, answer)
        if isinstance(answer, list):
            return ", ".join(
                text for item in answer if isinstance(item, dict) and (text := _option(asked, item))
            )
        return ""


def _option(asked: _Asked, answer: dict[str, Any]) -> str:
    code = answer.get("name")
    if not isinstance(code, str):
        return ""
    return shown(asked.labels, code) if asked.labels is not None else code


async def case_form(app: AppContext, repos: Repos, version: int) -> Form:
    """The case report form as it was at `version` (kept in `form_versions` when released;
    the current one when that version is not stored, as in a database made before it was)."""
    return await stored_form(app, repos, FORM_ID, version) or app.forms[FORM_ID]


async def answer_lines(
    app: AppContext, repos: Repos, answers: dict[str, Any], version: int, language: str
) -> list[AnswerLine]:
    """A case's further answers, from its own form version, in `language`."""
    return AnswerLines(await case_form(app, repos, version), language).of(answers)


def missing_number(t: Callable[..., str], missing: object, reason: object) -> Markup:
    """A NIK or KK the report does not have, as people read it: "Tidak punya" or "Tidak
    tahu" (as answered; "Tidak tahu" when that was not recorded), with the reason given, any
    NIK-like number in it masked ("Tidak punya (hilang saat banjir)")."""
    code = missing if missing in MISSING_CHOICES else "tidak_tahu"
    text = Markup(t(f"form.missing.{code}"))
    if isinstance(reason, str) and reason.strip():
        return Markup(t("form.missing_because", missing=text, reason=mask_identifiers(reason)))
    return text


def household_kk(t: Callable[..., str], no_kk: str | None, answers: dict[str, Any]) -> str:
    """The household's KK as a case's page shows it: masked, or why the report has none from
    its answers; "-" only where the answers are gone (blanked by retention, or the number
    erased: "[dihapus]")."""
    if no_kk:
        return mask_identifier(no_kk)
    answer = answers.get("no_kk", "")
    if isinstance(answer, str):
        return "-"
    missing = answer.get("missing") if isinstance(answer, dict) else None
    return missing_number(t, missing, answers.get("no_kk_reason"))


def subject_nik(t: Callable[..., str], subject: dict[str, Any]) -> str:
    """A person the case is about, their NIK as a case's page shows it: masked, or why there
    is none."""
    if subject["nik"]:
        return mask_identifier(subject["nik"])
    return missing_number(t, subject.get("nik_missing"), subject.get("nik_reason"))
