"""Review steps as a reviewer takes them in chat, shared by the e2e tests."""

from __future__ import annotations

from typing import Any

from tests.e2e.chat import TelegramPerson

ASKED = "Bagaimana laporan ini diperiksa?"  # the verification form's first question
# The check answered quickly: by phone, as reported, no note (no location asked then).
QUICK_CHECK = ("Telepon/perangkat", "Sesuai laporan", "Lewati")


async def verify(person: TelegramPerson, *, until: str = "sekarang") -> list[dict[str, Any]]:
    """Tap "Verifikasi" on the case page shown and answer its check in the field quickly
    (forms/verification.yaml), then "Kirim"; the messages holding `until`."""
    await person.tap("Verifikasi", until=ASKED)
    for label in QUICK_CHECK:
        await person.tap(label)
    return await person.tap("Kirim", until=until)
