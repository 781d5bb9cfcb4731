"""Every option label that can be one of up to 3 options fits a WhatsApp reply button (20
UTF-16 units), so it is a button and not a one-row list or numbered text.

"✔️ Selesai kirim foto" (21) turned the photo step's only option into a list behind
"Pilih". Forms' labels were checked at load; the catalogue's button texts never were. The
catalogue keys used as labels are found in the handlers' code: every `Button(label=...)` and
`view.button(...)` naming a key (an f-string names every key under its constant start).
"""

from __future__ import annotations

import ast
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.channels.whatsapp.outbound import BUTTON_TITLE, title_width
from handlers.forms.loading import load_forms
from handlers.forms.model import Question, RepeatGroup
from handlers.i18n import Catalog

CATALOG = Catalog.load()
HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
# Labels only ever shown among more than 3 options (a list of rows up to 24 units, numbered
# text beyond), by the start of their keys, and why: not checked here.
AMONG_MANY = {
    "audit.kind.": "/audit's kinds: all of them on one screen",
    "form.back_to_summary": "the edit menu: every answer, then this",
    "registration.reasons.": "the rejection reasons: all on one screen",
    "reminder.turn_off": "/pengingat: the hours, then this",
}
# A placeholder stands for a short value (a count, a day "09-12"); a long one moves the
# options to a list, never loses them.
STAND_IN = "12"


def _strings(label: ast.expr) -> Iterator[tuple[str, bool]]:
    """The literal strings in a label's expression: (text, whether it only starts a key)."""
    for node in ast.walk(label):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value, False
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value, True


def _labels(call: ast.Call) -> ast.expr | None:
    """A Button's label, or the first argument of a view's `button(label, action)`."""
    name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
    if name == "Button":
        keyword = next((k.value for k in call.keywords if k.arg == "label"), None)
        return keyword if keyword is not None else (call.args[0] if call.args else None)
    if name == "button" and call.args:
        return call.args[0]
    return None


def button_keys() -> dict[str, str]:
    """Catalogue keys used as button labels, each with one place that uses it."""
    keys = CATALOG.texts["id"]
    found: dict[str, str] = {}
    for path in sorted(HANDLERS.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or (label := _labels(node)) is None:
                continue
            for text, is_start in _strings(label):
                for key in keys:
                    if key.startswith(text) if is_start else key == text:
                        found.setdefault(key, f"{path.relative_to(HANDLERS.parent)}:{node.lineno}")
    return found


def _filled(language: str, key: str) -> str:
    """The label as the catalogue fills it (its plural forms chosen for the stand-in)."""
    text = CATALOG.texts[language][key]
    fields = {field for _, field, _, _ in string.Formatter().parse(text) if field}
    return CATALOG.text(language, key, **dict.fromkeys(fields, STAND_IN))


def test_the_scan_finds_the_labels_it_is_about() -> None:
    found = button_keys()
    assert {"form.done_photos", "form.skip", "case.new_report", "cancel.yes"} <= set(found)


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_catalogue_button_label_fits_a_reply_button(language: str) -> None:
    too_long = {}
    for key, where in button_keys().items():
        if key.startswith(tuple(AMONG_MANY)):
            continue
        text = _filled(language, key)
        if title_width(text) > BUTTON_TITLE:
            too_long[key] = f"{text!r} is {title_width(text)} units ({where})"
    assert too_long == {}


def _questions(items: list) -> Iterator[Question]:
    for item in items:
        if isinstance(item, RepeatGroup):
            yield from _questions(item.children)
        else:
            yield item


@pytest.mark.parametrize("form", load_forms().values(), ids=lambda form: form.id)
def test_every_form_option_fits_a_reply_button_as_whatsapp_counts(form) -> None:
    """The forms' check at load counts characters; an emoji outside the basic plane is two
    units to WhatsApp."""
    for question in _questions(form.items):
        labels = [choice.label for choice in question.choices or []]
        labels += [group.label for group in question.choice_groups or []]
        for texts in labels:
            for text in texts.values():
                assert title_width(text) <= BUTTON_TITLE, (question.name, text)
