"""A verified case nobody may validate (its district's only coordinator reported it, no admin
to stand in): the line saying so, with whom to ask."""

from __future__ import annotations

from handlers.context import Turn
from handlers.i18n import Markup
from storage.models import CaseSummary


async def nobody_to_validate(turn: Turn, language: str, key: str, case: CaseSummary) -> str:
    """Catalogue `key` (a line saying nobody may validate `case`) in `language`, asking the
    admin to add a coordinator or to validate it: through the district office's contact when
    the district set one (no admin's name is known: an active admin would stand in)."""
    catalog = turn.app.catalog
    contact = await turn.repos.district_contacts.contact(case.kabupaten_code)
    if contact is None:
        ask = catalog.text(language, "review.ask_admin")
    else:
        ask = catalog.text(language, "review.ask_admin_via_office", contact=contact)
    return catalog.text(language, key, number=case.number, ask=Markup(ask))
