"""Answers of a case report up to and after the household size (two members), shared by the
form-rule and form-version tests."""

from __future__ import annotations

from typing import Any

# Everything a report holds before the household size: two members, no photo question yet.
BEFORE_SIZE: dict[str, Any] = {
    "head_name": "Slamet Riyadi",
    "no_kk": "3208011210190005",
    "members": [
        {
            "member_name": "Ayu Lestari",
            "member_nik": "3208014506230001",
            "member_age": {"months": 41, "birth_date": "2023-06-05"},
            "member_relation": {"name": "anak", "label": "Anak"},
        },
        {
            "member_name": "Dede",
            "member_nik": "3208010506230004",
            "member_age": {"months": 41, "birth_date": "2023-06-05"},
            "member_relation": {"name": "anak", "label": "Anak"},
        },
    ],
    "address": "Dusun Manis RT 02 RW 05",
    "kecamatan": {"name": "32.08.01", "label": "Kadugede"},
    "desa": {"name": "32.08.01.2006", "label": "Babatan"},
    "gps": {"lat": -6.9712, "lon": 108.4821},
    "categories": [{"name": "rtlh", "label": "Rumah tak layak huni"}],
}
REST: dict[str, Any] = {
    "household_size": 5,
    "bansos": [{"name": "pkh", "label": "PKH"}],
    "consent_by": {"name": "kepala_keluarga", "label": "Kepala keluarga"},
    "consent_method": {"name": "lisan", "label": "Lisan"},
    "description": "Atap bocor, dinding bambu lapuk.",
    "photos": None,
    "urgency": {"name": "biasa", "label": "Biasa"},
}
# Everything a report holds when its photo question is asked (the members' list closed).
AT_PHOTOS: dict[str, Any] = {
    **BEFORE_SIZE,
    **{k: v for k, v in REST.items() if k not in ("photos", "urgency")},
}
AT_PHOTOS_STATE: dict[str, Any] = {"answers": AT_PHOTOS, "closed": ["members"]}
