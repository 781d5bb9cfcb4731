"""Each district office's contact line, shown to people a message sends to the office."""

from __future__ import annotations

from datetime import datetime

from storage.base import Repo
from storage.models import to_db


class DistrictContactRepo(Repo):
    """district_contacts; queries take the district, so a coordinator's change reaches only
    the kabupaten the handler checked."""

    async def contact(self, kabupaten_code: str | None) -> str | None:
        """The district's contact line, None when never set (or no district)."""
        if not kabupaten_code:
            return None
        row = await self._one(
            "SELECT contact FROM district_contacts WHERE kabupaten_code = ?", (kabupaten_code,)
        )
        return row[0] if row else None

    async def set_contact(
        self, kabupaten_code: str, contact: str, *, by: int, now: datetime
    ) -> None:
        await self._run(
            "INSERT INTO district_contacts (kabupaten_code, contact, updated_by, updated_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (kabupaten_code) DO UPDATE SET"
            " contact = excluded.contact, updated_by = excluded.updated_by,"
            " updated_at = excluded.updated_at",
            (kabupaten_code, contact, by, to_db(now)),
        )
