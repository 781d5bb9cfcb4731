"""A location answer far from the one the form is about: asked to confirm, not taken silently.

A form opened about a case gives the report's location in its context (`REPORT_LOCATION`,
handlers/review/decisions.py). A location answered more than `FAR_KM` from it (a GPS fix not
yet locked, the last place the phone knew, a TKSK verifying from home: QA walk 13, 190 km
from Kadugede) is held (`FAR`) and asked about: "Lokasi ini sekitar 190 km dari lokasi
laporan. Benar?" with "Ya" (kept) and "Kirim ulang lokasi" (the question again); typed yes or
no count too, and a location sent instead is checked again. An engine rule read from the
context, not the form: drafts on every form version get it.

`FarLocation` is mixed into `FormEngine` (handlers/forms/engine.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from handlers.events import Inbound, InboundKind, Outbound
from handlers.forms import answers as parsers
from handlers.forms.choices import typed_number
from handlers.forms.model import Question, QuestionType
from handlers.forms.state import FormState, Position
from handlers.forms.step import StepResult
from handlers.geo import distance_m

if TYPE_CHECKING:
    from handlers.forms.engine import FormEngine

REPORT_LOCATION = "report_location"  # the context's {"lat", "lon"} of the house reported
# Beyond this a location is not the house's: a desa spans a few km, GPS errs by metres.
FAR_KM = 5
FAR = "far"  # the state's key for the location held while it is asked about
KEEP_FAR, SEND_AGAIN = "fy", "fr"  # the actions of its buttons


def km_from_report(context: Mapping[str, Any], point: Any) -> int | None:
    """How many km (rounded) a location answer lies from the report's location the
    context gives; None when either is missing."""
    report = context.get(REPORT_LOCATION)
    if not isinstance(report, Mapping) or not isinstance(point, Mapping):
        return None
    try:
        metres = distance_m(
            float(report["lat"]), float(report["lon"]), float(point["lat"]), float(point["lon"])
        )
    except (KeyError, TypeError, ValueError):
        return None
    return round(metres / 1000)


def far_from_report(context: Mapping[str, Any], point: Any) -> int | None:
    """The km a location answer lies from the report's location when over `FAR_KM`, else
    None."""
    km = km_from_report(context, point)
    return km if km is not None and km > FAR_KM else None


class FarLocation:
    """The far-location check of `FormEngine`."""

    def _hold_far(
        self: FormEngine, fs: FormState, position: Position, question: Question, answer: Any
    ) -> StepResult | None:
        """The location held and asked about when far from the report's; None (taken as
        usual) when near, or the form is about no report."""
        if question.type != QuestionType.GEOPOINT:
            return None
        km = far_from_report(fs.context, answer.value)
        if km is None:
            return None
        fs.state[FAR] = {
            "question": position.key,
            "value": answer.value,
            "shown": answer.display,
            "km": km,
        }
        return StepResult(fs.state, [self._far_message(km)])

    def _far_message(self: FormEngine, km: int) -> Outbound:
        rows = [
            [
                self.view.button(self.t("common.yes"), KEEP_FAR),
                self.view.button(self.t("answer.location_send_again"), SEND_AGAIN),
            ]
        ]
        return Outbound.say(self.t("answer.location_far", km=km), rows)

    async def _step_far(
        self: FormEngine,
        fs: FormState,
        position: Position,
        question: Question,
        event: Inbound,
        action: str | None,
    ) -> StepResult | None:
        """The answer to a far location asked about: kept ("Ya", "1"), or the question again
        ("Kirim ulang lokasi", "tidak", "2"); None for anything else (a location sent instead is
        read, and checked, as an answer). Held for this one answer only."""
        held = fs.state.pop(FAR, None)
        if not held or held.get("question") != position.key:
            return None
        choice = {KEEP_FAR: "y", SEND_AGAIN: "n"}.get(action or "")
        if choice is None and action is None and event.kind == InboundKind.TEXT:
            # Typed: yes or no, or the number of a button ("1" Ya, "2" Kirim ulang lokasi).
            number = typed_number(event.text or "")
            choice = parsers.yes_or_no(event.text or "") or {1: "y", 2: "n"}.get(number or 0)
        if choice == "y":
            return await self._accept(fs, position, question, held["value"], None, held["shown"])
        if choice == "n":
            return StepResult(fs.state, [await self.render(fs.state)])
        return None
