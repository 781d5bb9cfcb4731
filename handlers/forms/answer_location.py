"""The location answer: a shared location, or "lat, lon" typed, within Indonesia.

The parser returns an `Answer` or raises `Invalid` (handlers/forms/answers.py).
"""

from __future__ import annotations

import re

from handlers.events import Inbound, InboundKind
from handlers.forms.answers import Answer, Invalid, _text_of

# Indonesia's extent ("letak astronomis" of school geography and of the Indonesian embassies'
# country pages): 6°08' N to 11°15' S, 94°45' E to 141°05' E. The box adds about 0.3-0.4° for
# outlying islets and GPS error. Being a box, it also holds Singapore, Brunei, Timor-Leste and
# parts of Malaysia; what it keeps out is a position on another continent or at sea far away:
# a GPS fix not yet locked (0, 0, or the last place the phone knew) or a mistyped pair.
INDONESIA_LATITUDE = (-11.5, 6.5)
INDONESIA_LONGITUDE = (94.5, 141.5)


def in_indonesia(lat: float, lon: float) -> bool:
    """Whether a position lies within Indonesia's bounding box (with its margin)."""
    return (
        INDONESIA_LATITUDE[0] <= lat <= INDONESIA_LATITUDE[1]
        and INDONESIA_LONGITUDE[0] <= lon <= INDONESIA_LONGITUDE[1]
    )


def parse_geopoint(event: Inbound) -> Answer:
    """A shared location, or "lat, lon" typed in decimal degrees, within Indonesia.

    Typed the other way round ("108.48, -6.97": no latitude exceeds 90, so it cannot be
    meant as one) the pair is taken swapped, with a warning saying so."""
    warnings: tuple[str, ...] = ()
    if event.kind == InboundKind.LOCATION and event.latitude is not None:
        lat, lon = event.latitude, event.longitude
    else:
        match = re.fullmatch(
            r"\s*(-?\d{1,3}(?:\.\d+)?)\s*[,; ]\s*(-?\d{1,3}(?:\.\d+)?)\s*",
            _text_of(event, "answer.need_location"),
        )
        if not match:
            raise Invalid("answer.need_location")
        lat, lon = float(match[1]), float(match[2])
        if not in_indonesia(lat, lon) and in_indonesia(lon, lat):
            lat, lon = lon, lat
            warnings = ("answer.location_swapped",)
    if lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise Invalid("answer.location_out_of_range")
    if not in_indonesia(lat, lon):
        raise Invalid("answer.location_outside_indonesia")
    point = {"lat": round(lat, 6), "lon": round(lon, 6)}
    return Answer(point, f"{lat:.5f}, {lon:.5f}", warnings=warnings)
