"""What a reporter's correction changed: "<question>: old → new" per answer changed since the
case was sent back, for the reviewers (the notice of a resubmitted case, its page).

The labels are the short ones of the case report as it is now (the form a correction is made
on); option codes are shown by their names for reading (`OptionLabels`: a category's long
name), a NIK or KK masked, any NIK-like number in a typed answer masked, photos only counted
("foto ditambah", "foto dihapus", else "foto diganti"). Short on purpose: at most `SHOWN`
lines, then "dan N lainnya".
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from handlers.context import AppContext
from handlers.forms.answer_dates import age_said
from handlers.forms.model import Form, Question, QuestionType, RepeatGroup
from handlers.forms.option_labels import OptionLabels, shown
from handlers.i18n import DEFAULT_LANGUAGE, Markup
from handlers.masking import mask_identifiers
from storage.identifiers import mask_identifier

FORM_ID = "case_report"
SHOWN = 8  # lines of changes at most; the rest are counted
_VALUE_MAX = 60  # characters of a typed answer shown on a line
_IDENTIFIERS = (QuestionType.NIK, QuestionType.KK)


def _same(old: Any, new: Any) -> bool:
    """Whether two stored answers say the same (an option by its code, not its label; the
    options of a multiple choice in any order; no answer, an empty one and a skipped one
    alike)."""
    return _comparable(old) == _comparable(new)


def _comparable(answer: Any) -> str:
    if answer in (None, "", []):
        return ""
    if isinstance(answer, dict) and "name" in answer:
        return str(answer["name"])
    if isinstance(answer, list):  # options picked, photos: which, not in what order
        return json.dumps(sorted(_comparable(item) for item in answer), ensure_ascii=False)
    return json.dumps(answer, ensure_ascii=False, sort_keys=True)


def _photos_change(before: list[Any], after: list[Any]) -> str:
    """How a photo answer changed, by its files: photos added to those there ("photos_added"),
    some taken out with none new ("photos_removed"), or others instead ("photos"), so the
    reviewer reads "1 foto ditambah", not "foto diganti", when nothing was lost."""
    old, new = {_comparable(p) for p in before}, {_comparable(p) for p in after}
    if old < new:
        return "photos_added"
    if new < old:
        return "photos_removed"
    return "photos"


class ChangeLines:
    """The changed answers of a case report in one reader's language."""

    def __init__(self, app: AppContext, language: str, form: Form | None = None) -> None:
        self.form = form or app.forms[FORM_ID]
        self.catalog, self.language = app.catalog, language
        self.options = OptionLabels(self.form, language)

    def of(self, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
        """One line (HTML) per answer that differs, in the form's order; empty if none."""
        lines: list[str] = []
        for item in self.form.items:
            if isinstance(item, RepeatGroup):
                lines += self._items(item, old.get(item.name) or [], new.get(item.name) or [])
            elif item.type != QuestionType.NOTE:
                line = self._line(item, item.short_label(self.language), old, new)
                if line:
                    lines.append(line)
        return lines

    def text(self, lines: list[str]) -> Markup:
        """The lines, at most `SHOWN` of them, then how many more."""
        text = "\n".join(lines[:SHOWN])
        if len(lines) > SHOWN:
            more = self.catalog.text(self.language, "review.changes.more", count=len(lines) - SHOWN)
            text += "\n" + more
        return Markup(text)

    def _items(
        self, group: RepeatGroup, old: list[dict[str, Any]], new: list[dict[str, Any]]
    ) -> list[str]:
        """A repeat's items compared one by one (a member added or removed: all its answers)."""
        lines = []
        for index in range(max(len(old), len(new))):
            before = old[index] if index < len(old) else {}
            after = new[index] if index < len(new) else {}
            who = after.get("member_name") or before.get("member_name") or str(index + 1)
            for question in group.children:
                label = self.catalog.text(
                    self.language,
                    "review.answer_about",
                    label=question.short_label(self.language),
                    name=who,
                )
                line = self._line(question, Markup(label), before, after)
                if line:
                    lines.append(line)
        return lines

    def _line(self, question: Question, label: str, old: dict, new: dict) -> str | None:
        before, after = old.get(question.name), new.get(question.name)
        if _same(before, after):
            return None
        if question.type == QuestionType.IMAGE:
            return self.catalog.text(
                self.language,
                f"review.changes.{_photos_change(before or [], after or [])}",
                label=label,
                old=len(before or []),
                new=len(after or []),
            )
        return self.catalog.text(
            self.language,
            "review.changes.line",
            label=label,
            old=self._value(question, before),
            new=self._value(question, after),
        )

    def _value(self, question: Question, answer: Any) -> str:
        """An answer as a reviewer reads it; "-" for none."""
        if answer in (None, "", []):
            return "-"
        if question.type in _IDENTIFIERS and isinstance(answer, str):
            return mask_identifier(answer)
        if isinstance(answer, list):
            return ", ".join(self._value(question, item) for item in answer) or "-"
        if isinstance(answer, dict):
            return self._structured(question, answer)
        text = str(answer)
        if len(text) > _VALUE_MAX:
            text = text[: _VALUE_MAX - 1] + "…"
        return mask_identifiers(text)

    def _structured(self, question: Question, answer: dict[str, Any]) -> str:
        if "name" in answer:  # an option: the form's label, else the one stored with it
            if question.choices:
                return shown(self.options.of(question.name), str(answer["name"]))
            return str(answer.get("label") or answer["name"])
        if "missing" in answer:  # a NIK or KK nobody has, or nobody knows
            return self.catalog.text(self.language, f"form.missing.{answer['missing']}")
        if "months" in answer:
            return age_said(partial(self.catalog.text, self.language), int(answer["months"]))
        if "lat" in answer:
            return f"{float(answer['lat']):.5f}, {float(answer['lon']):.5f}"
        if "e164" in answer:
            return str(answer["e164"])
        return "-"


def changes_since_sent_back(
    app: AppContext,
    language: str,
    old: dict[str, Any],
    new: dict[str, Any],
    explanation: str | None,
    *,
    say_none: bool = True,
) -> Markup:
    """The block a reviewer reads about a resubmitted case (HTML): what changed since it was
    sent back (or that nothing did, unless `say_none` is false: said already), and the
    reporter's explanation if they gave one."""
    changes = ChangeLines(app, language)
    lines = changes.of(old, new)
    parts = []
    if lines:
        parts += [app.catalog.text(language, "review.changes.title"), changes.text(lines)]
    elif say_none:
        parts.append(app.catalog.text(language, "review.changes.none"))
    if explanation:
        text = mask_identifiers(explanation)
        parts.append(app.catalog.text(language, "review.changes.explained", text=text))
    return Markup("\n".join(parts))


def changes_anything(app: AppContext, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether a correction changes any answer of the report (an option by its code, so an
    option's label reworded since does not count; nor does an answer the form has no more)."""
    return bool(ChangeLines(app, DEFAULT_LANGUAGE).of(old, new))
