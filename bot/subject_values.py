"""What `psm-bot subject` takes from the command line: a NIK as typed, and the new value of
a field `subject correct` changes (the sex and relation codes the report form stores, a date
as the bot shows it). Light to import: `--help` lists the codes."""

from __future__ import annotations

import re

from bot.cli_dates import command_line_date
from handlers.forms.loading import load_form
from handlers.forms.model import FORMS_DIR
from storage.identifiers import compact_number
from storage.subjects import CORRECTABLE


def clean_nik(text: str) -> str:
    """A NIK as typed (spaces, dots, dashes allowed) as 16 digits."""
    digits = compact_number(text)
    if not re.fullmatch(r"[0-9]{16}", digits):
        raise ValueError("a NIK has 16 digits")
    return digits


REPORT_FORM = FORMS_DIR / "case_report.yaml"
SEXES = ("L", "P")  # laki-laki, perempuan: as the report form stores them


def relation_codes() -> list[str]:
    """The relation codes a member may have (the report form's), for `--value`."""
    return [
        choice.name for choice in load_form(REPORT_FORM).question("member_relation").choices or []
    ]


def corrected_value(field: str, value: str) -> str | None:
    """The value `--value` gives `field`, as stored; a ValueError of one line when wrong."""
    if field not in CORRECTABLE:
        raise ValueError(f"--field must be one of {', '.join(sorted(CORRECTABLE))}")
    value = value.strip()
    if field == "name":
        if len(value) < 2:
            raise ValueError("--value: a name needs at least 2 characters")
        return value
    if field == "sex":
        if value.upper() not in SEXES:
            raise ValueError("--value: sex is L (laki-laki) or P (perempuan)")
        return value.upper()
    if field == "birth_date":
        return command_line_date(value, "--value").isoformat()
    if field == "nik":
        return clean_nik(value)
    if field == "relation" and value:
        codes = relation_codes()
        if value not in codes:  # the code decides who heads a household (storage/household_heads)
            raise ValueError(f"--value: a relation is one of {', '.join(codes)}")
    return value or None
