"""A verification's check in the field as stored and as read: the verification form's
answers (forms/verification.yaml) made the step's `case_events.detail`, and that detail as one
line (the case's history, the coordinator's "menunggu validasi" notice) or as words (the case
spreadsheet's columns). The form's wiring is handlers/review/verification.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from handlers.context import AppContext
from handlers.forms.far_location import far_from_report
from handlers.forms.model import Form
from handlers.forms.option_labels import OptionLabels, shown
from handlers.i18n import Markup
from handlers.masking import mask_identifiers
from handlers.review.workflow import TRANSITIONS
from storage.scrubber import LINE_CUT

VERIFY_FORM = TRANSITIONS["verify"].form  # forms/verification.yaml
NOTE_SHOWN = LINE_CUT  # characters of the note on a line (the page, a notice; erasure's cut)


def check_of(answers: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """What the verification form's answers record (option codes, the note, the location,
    and how far it is from the report's when more than `FAR_KM`: the form's `context`)."""
    check: dict[str, Any] = {
        "method": _code(answers.get("method")),
        "finding": _code(answers.get("finding")),
    }
    note = answers.get("difference") or answers.get("note")
    if note:
        check["note"] = note
    location = answers.get("location") or {}
    if location.get("lat") is not None and location.get("lon") is not None:
        check["latitude"], check["longitude"] = location["lat"], location["lon"]
        far = far_from_report(context, location)
        if far is not None:
            check["distance_km"] = far
    return check


def _code(answer: Any) -> str:
    """An option's code, from a choice answer as the form keeps it."""
    return str(answer.get("name") if isinstance(answer, dict) else answer or "")


class CheckWords:
    """A check's option codes as the verification form names them in one language (its long
    name where it has one: "Lewat telepon / perangkat desa")."""

    def __init__(self, form: Form, language: str) -> None:
        options = OptionLabels(form, language)
        self._methods, self._findings = options.of("method"), options.of("finding")

    def method(self, check: Mapping[str, Any]) -> str:
        """How it was checked ("" when not recorded)."""
        code = str(check.get("method") or "")
        return shown(self._methods, code) if code else ""

    def finding(self, check: Mapping[str, Any]) -> str:
        """What was found ("" when not recorded)."""
        code = str(check.get("finding") or "")
        return shown(self._findings, code) if code else ""


def check_line(app: AppContext, language: str, check: Mapping[str, Any] | None) -> Markup:
    """The check in one line in `language` ("Dikunjungi langsung · Sesuai laporan · Catatan:
    …"), safe HTML: the note escaped, its NIK/KK-like numbers masked; empty for a step
    without one (a case verified before the check was asked)."""
    if not check:
        return Markup("")
    words = CheckWords(app.forms[VERIFY_FORM], language)
    parts = [words.method(check), words.finding(check)]  # the form's own words: no HTML
    if check.get("note"):
        note = mask_identifiers(str(check["note"]))[:NOTE_SHOWN]
        parts.append(app.catalog.text(language, "verification.note", note=note))  # escaped
    if check.get("distance_km") is not None:  # kept when asked: the coordinator is told
        far = app.catalog.text(language, "verification.located_far", km=check["distance_km"])
        parts.append(far)
    elif check.get("latitude") is not None:
        parts.append(app.catalog.text(language, "verification.located"))
    return Markup(" · ".join(part for part in parts if part))
