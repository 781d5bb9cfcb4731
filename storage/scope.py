"""Which cases a query may return: scope is enforced in SQL, not only in the chat layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Scope:
    """A region (and for a PSM, their own cases); `everything` for admins, `nothing` else."""

    kabupaten_code: str | None = None
    kecamatan_code: str | None = None
    desa_code: str | None = None
    reporter_id: int | None = None
    everything: bool = False

    def where(self, alias: str = "c") -> tuple[str, tuple[Any, ...]]:
        """A SQL condition (and its parameters) limiting `alias` (a cases row) to the scope."""
        if self.everything:
            return "1 = 1", ()
        if self.desa_code is not None:
            return (
                f"({alias}.desa_code = ? OR {alias}.reporter_id = ?)",
                (self.desa_code, self.reporter_id if self.reporter_id is not None else -1),
            )
        if self.kecamatan_code is not None:
            return f"{alias}.kecamatan_code = ?", (self.kecamatan_code,)
        if self.kabupaten_code is not None:
            return f"{alias}.kabupaten_code = ?", (self.kabupaten_code,)
        if self.reporter_id is not None:
            return f"{alias}.reporter_id = ?", (self.reporter_id,)
        return "0 = 1", ()
