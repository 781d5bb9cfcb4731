"""What every part of a form definition shares: strict models, per-language texts and the
checks run on them when a form is loaded (limits from the tightest channel, names, expressions)."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict

from handlers.forms.expr import ExpressionError, parse

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


Texts = dict[str, str]


class Strict(BaseModel):
    """Unknown fields are an error (a typo in a form is caught at load); frozen once loaded."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_texts(value: Texts, limit: int, what: str) -> Texts:
    if "id" not in value:
        raise ValueError(f"{what} needs an Indonesian ('id') text")
    for language, text in value.items():
        if len(text) > limit:
            raise ValueError(f"{what} ({language}) is {len(text)} characters; at most {limit}")
    return value


def check_name(value: str) -> str:
    if not NAME_PATTERN.match(value):
        raise ValueError("names are 1-32 of a-z, 0-9, _ and start with a letter")
    return value


def check_expression(value: str | None) -> str | None:
    """An expression must parse when the form is loaded, not when someone answers."""
    if value is not None:
        try:
            parse(value)
        except ExpressionError as exc:
            raise ValueError(f"expression {value!r}: {exc}") from exc
    return value
