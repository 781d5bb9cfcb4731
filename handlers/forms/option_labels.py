"""The names of a form's fixed options, to show stored option codes to people.

Answers keep option codes (`anak`, `cap_jempol`); whatever shows them to a person (a case's
page, the case spreadsheet) shows the option's name from the form definition instead, in
the reader's language: its long name where it has one, else its label (`Choice.read_name`;
the buttons and the form's own summary keep the short label). Built once per page or per
export: a dictionary per question, so a row of 100,000 costs a dictionary look-up, not a walk
through the form.

The case categories are named so everywhere (`category_names`): the reporter taps "Kekerasan
thd anak" and the reviewer reads "Anak korban tindak kekerasan/diperlakukan salah" on the
case's page, its notices, a change list, the spreadsheet, statistics, digests and charts, all
from the current case report's options (a case of an older version too: by option code); no
catalogue keeps other names. A button offering a category (/ekspor's filter) shows its label
(`category_labels`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from handlers.forms.model import Form

CASE_FORM = "case_report"
CATEGORIES = "categories"  # the case report's question whose options are the categories


class OptionLabels:
    """Every fixed option's name for reading (`Choice.read_name`) of one form in one
    language, by question and code."""

    def __init__(self, form: Form, language: str) -> None:
        self._labels = {
            question.name: {choice.name: choice.read_name(language) for choice in question.choices}
            for question in form.questions()
            if question.choices
        }

    def of(self, question: str) -> dict[str, str]:
        """One question's labels by option code (a KeyError for a question without fixed
        options: a misspelt name fails at once, not as codes shown raw)."""
        return self._labels[question]

    def label(self, question: str, code: str | None) -> str | None:
        """The label of an option code; None stays None."""
        return None if code is None else shown(self.of(question), code)


def shown(labels: dict[str, str], code: str) -> str:
    """The label of `code` among `labels`; a code the form no longer has (an older version's)
    is shown as typed-out words ("famili_lain" as "famili lain"), never dropped."""
    label = labels.get(code)
    return label if label is not None else code.replace("_", " ")


def category_names(forms: Mapping[str, Form], language: str) -> dict[str, str]:
    """Every case category's name by code, in `language`, as read on pages, notices, exports,
    statistics and charts: the current case report's category options, the one source of
    category names (their long names, else their labels)."""
    return OptionLabels(forms[CASE_FORM], language).of(CATEGORIES)


def category_labels(forms: Mapping[str, Form], language: str) -> dict[str, str]:
    """Every case category's short label by code, in `language`: for a button offering it,
    within WhatsApp's limits as the form's own buttons are."""
    question = forms[CASE_FORM].question(CATEGORIES)
    return {
        choice.name: choice.label.get(language) or choice.label["id"]
        for choice in question.choices or []
    }


def categories_named(forms: Mapping[str, Form], language: str, codes: Iterable[str]) -> str:
    """A case's categories as one line ("Stunting, Sulit akses layanan kesehatan"); "" for
    none."""
    names = category_names(forms, language)
    return ", ".join(shown(names, code) for code in codes)
