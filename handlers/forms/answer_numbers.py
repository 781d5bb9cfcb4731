"""Number answers: a whole number (a count typed in words, a unit after it) and a decimal.

Each parser returns an `Answer` or raises `Invalid` (handlers/forms/answers.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from babel.numbers import format_decimal

from handlers.events import Inbound
from handlers.forms.answers import Answer, Invalid, _text_of
from handlers.forms.typed_words import TYPED_WORDS, count_in_words, count_range, without_about


def without_unit(text: str, units: Iterable[str]) -> str:
    """A typed number with a unit after it, the unit dropped ("45 menit" -> "45", "lima
    orang" -> "lima"), so it is read as the number alone; any other text is left as it is."""
    words = "|".join(re.escape(unit.strip()) for unit in units if unit.strip())
    if not words:
        return text
    unit = rf"(?:(?<=\d)\s*|(?<=\S)\s+)(?:{words})\.?\s*$"
    return re.sub(unit, "", text.strip(), flags=re.IGNORECASE)


def parse_integer(event: Inbound, units: Iterable[str] = ()) -> Answer:
    """A whole number, "1.234" style thousands allowed; a count in words, with the question's
    `units` or a count's unit after it, "about" before it ("lima", "5 orang", "dua belas
    jiwa", "45 menit", "sekitar 5": handlers/forms/typed_words.yaml). A range ("5-6") is
    refused with its own message: one number is asked for."""
    typed = _text_of(event, "answer.need_integer")
    typed = without_about(without_unit(typed, [*units, *TYPED_WORDS.count_units]))
    if (both := count_range(typed)) is not None:  # "5-6 orang": one count is asked for
        raise Invalid("typed_count.range", low=both[0], high=both[1])
    text = count_in_words(typed).replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")
    if not re.fullmatch(r"[+-]?\d{1,12}", text):
        raise Invalid("answer.need_integer")
    value = int(text)
    return Answer(value, str(value))


def parse_decimal(event: Inbound, units: Iterable[str] = ()) -> Answer:
    """A number with a decimal comma or point, the question's `units` after it allowed."""
    text = without_unit(_text_of(event, "answer.need_decimal"), units).replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,9}([.,]\d{1,6})?", text) is None:
        raise Invalid("answer.need_decimal")
    value = float(text.replace(",", "."))
    if not math.isfinite(value):
        raise Invalid("answer.need_decimal")
    return Answer(value, display_decimal(value))


def display_decimal(value: float) -> str:
    """Indonesian notation, never scientific: 1.234.567,5."""
    return format_decimal(value, locale="id", decimal_quantization=False)
