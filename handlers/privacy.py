"""/privasi: what the bot keeps about the person asking, for how long, their rights under UU
PDP (access and copy, correction, deletion, withdrawal) and whom to ask: their district
office's contact (/kontak) when it is set, else its coordinator.

The bot offers no self-service copy or deletion, and says so: a request is carried out on the
server by the operator (`psm-bot user export`, `psm-bot subject ...`: README "Personal data
on the server"), which coordinators and admins are told under the same text. Words typed
outside a form that ask about one's data ("hapus data saya", "data saya", "privasi") lead here
too (`asks_about_data`, read by the router).
"""

from __future__ import annotations

import re

from handlers.context import Turn
from storage.models import Role

# "privasi", "data saya", "data pribadi", "hapus data", "hapus akun saya", and English alike.
# Matched outside forms only: inside one, a sentence is the answer to the question on screen.
_ABOUT_DATA = re.compile(
    r"\b(privasi|privacy|pdp)\b"
    r"|\bdata\s+(saya|sy|aku|ku|pribadi|diri)\b"
    r"|\b(hapus|hapuskan|menghapus|dihapus)\s+(semua\s+)?(data|akun)\b"
    r"|\b(data|akun)\s+(saya\s+)?(di)?hapus\b"
    r"|\b(my|personal)\s+data\b"
    r"|\bdelete\s+(all\s+)?(my\s+)?(data|account)\b",
    re.IGNORECASE,
)
# Who is told how a request is carried out (the server commands, by the operator).
_STAFF = frozenset({Role.COORDINATOR, Role.ADMIN})


def asks_about_data(text: str) -> bool:
    """Whether a typed message asks about the sender's personal data or its deletion."""
    return _ABOUT_DATA.search(text) is not None


async def _whom_to_ask(turn: Turn) -> str:
    """The district office's contact when set, else its coordinator, in plain words."""
    assert turn.user is not None
    contact = await turn.repos.district_contacts.contact(turn.user.kabupaten_code)
    if contact is None:
        return turn.t("privacy.who_coordinator")
    return turn.t("privacy.who_contact", contact=contact)


def _period(turn: Turn, days: int) -> str:
    """A retention period in whole years when it is one ("5 tahun"), else in days."""
    if days % 365 == 0:
        return turn.t("privacy.years", count=days // 365)
    return turn.t("privacy.days", count=days)


async def show_privacy(turn: Turn) -> None:
    """/privasi: the person's data, how long it is kept, their rights and whom to ask;
    coordinators and admins also read how such a request is handled."""
    assert turn.user is not None
    app = turn.app
    parts = [
        turn.t("privacy.title"),
        turn.t("privacy.kept"),
        turn.t(
            "privacy.how_long",
            transcript_hours=int(app.transcript_ttl.total_seconds() // 3600),
            draft_days=app.draft_ttl_days,
            case_period=_period(turn, app.retention_days),
            rejected_days=app.rejected_retention_days,
        ),
        turn.t("privacy.rights"),
        turn.t("privacy.ask", who=await _whom_to_ask(turn)),
    ]
    if turn.user.role in _STAFF:
        parts.append(turn.t("privacy.staff"))
    turn.reply("\n\n".join(parts))
