"""The review buttons: the data each carries, and the audit of a press refused.

Button data (all well under Telegram's 64 bytes), the prefix being the router's key:
  cq:<page>                           /antrian, paged
  cr:<page>:<place or ->:<name key>   /cari by name, paged (handlers/review/search_results.py)
  cs:<case id>                        a case's page
  ca:<action code>:<case id>:<version>  a review action (codes: workflow.CODES) on the
                                      version of the case the person saw
  cp:<case id>                        a case's photos
  rv:<case id>                        the reporter opens a case sent back to correct it

Every press is re-checked against the presser's role and scope by its handler.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.events import Button
from handlers.i18n import Catalog

QUEUE_PREFIX, CASE_PREFIX, ACTION_PREFIX, PHOTO_PREFIX = "cq", "cs", "ca", "cp"
REVISE_PREFIX = "rv"


def open_case_button(catalog: Catalog, language: str, case_id: int) -> Button:
    """The "Buka laporan" button of a notice about a case: it opens the case's page, as the
    queue does (the press is checked against the presser's scope then)."""
    return Button(label=catalog.text(language, "review.open"), data=f"{CASE_PREFIX}:{case_id}")


async def record_refusal(turn: Turn, case_id: int | None, detail: dict[str, Any]) -> None:
    """A review press refused (forged, replayed, not allowed, not possible now): audited."""
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id if turn.user else None,
        action="review.refused",
        subject=f"case:{case_id}" if case_id is not None else None,
        detail=detail,
    )
