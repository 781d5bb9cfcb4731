"""/privasi: what the bot keeps about the person asking, for how long, their rights under UU
PDP (access and copy, correction, deletion, withdrawal) and whom to ask: their district
office's contact (/kontak) when it is set, else its coordinator; a coordinator the system
admin, an admin the server (never themselves).

The bot offers no self-service copy or deletion, and says so: a request is carried out on the
server by the system admin (README "Personal data on the server"), which coordinators and
admins are told under the same text, in plain words (the server's commands are in the admin's
help and the README only). What a person can do themselves is said by their status: an
active person's /saya and /nomor, a registering person's summary and /batal, nothing for the
others (pending, suspended, rejected).

Words typed outside a form that ask about one's data ("hapus data saya", "data saya dipakai
untuk apa?", "privasi") lead here too (`asks_about_data`, read by the router); a sentence that
only mentions one's data ("data saya sudah dikirim") does not. A request ("hapus data saya",
"minta salinan data saya", "data saya" alone) is answered shortly: how, by role whatever
the status (a suspended or pending coordinator is still not sent to the office, herself; a
registration waiting for a decision, with no role yet, is answered as a PSM; a PSM and a
TKSK ask the district office, the office's /kontak line with it; a coordinator asks the system
admin, followed by how she carries out others' requests; an admin is told it is done on the
server), and /privasi for the whole page; nobody is sent to themselves. A request to delete a
case's data ("tolong hapus data KNG-2026-000101") opens the case's page instead, followed by
whom to ask (`case_data_note`): the family's data in a report is not the sender's own.
"""

from __future__ import annotations

import re

from handlers.context import Turn
from handlers.district_contact import office_contacts
from storage.models import Role, UserStatus

# Whose data: the sender's own ("data saya", "data pribadi", "data diri saya").
_OWN = r"data\s+(saya|sy|aku|ku|pribadi|diri(\s+saya)?)\b"
_DELETE = r"(hapus|hapuskan|menghapus|dihapus)"
# Phrases asking about one's own data, matched outside forms only (inside one, a sentence is
# the answer to the question on screen). A mention alone is no question ("data saya sudah
# dikirim", "mau daftar, data saya sudah siap"): one's data must stand alone, follow a verb of
# asking or deleting, or be asked what is done with it.
# A request for one's data (to delete it, a copy, to see it, "data saya" alone) is answered
# shortly (`answer_data_request`); the rest, a question about it, by the whole page.
_REQUESTS = (
    rf"^\W*({_OWN}|my\s+data|personal\s+data)\W*$",  # "data saya" alone
    rf"\b{_DELETE}\s+(semua\s+)?(akun|{_OWN}|data\W*$)",  # "hapus data (saya)", "hapus akun"
    rf"\b({_OWN}|akun(\s+saya)?)\s+(\w+\s+)?(di)?hapus\b",  # "akun saya tolong dihapus"
    r"\b(minta|meminta|lihat|melihat|liat|cek|salinan|salin|unduh|tanya|tanyakan|akses"
    rf"|perbaiki|koreksi)\s+(semua\s+)?{_OWN}",  # "minta salinan data saya"
    r"\b(delete|remove|erase)\s+(all\s+(of\s+)?)?(my\s+(data|account)|account|data\W*$)",
    r"\b(see|view|copy\s+of|access|request|get)\s+(all\s+(of\s+)?)?my\s+data\b",
)
_QUESTIONS = (
    r"\b(privasi|privacy|pdp)\b",
    rf"\b{_OWN}\s+(\w+\s+){{0,2}}(dipakai|digunakan|disimpan|dibagikan|disebar|aman|dilindungi"
    r"|untuk\s+apa|buat\s+apa|ke\s*mana|di\s*mana)\b",  # "data saya dipakai untuk apa?"
    rf"\b(untuk|buat)\s+apa\s+{_OWN}",
    r"\b(what|how|why|where|who)\b.{0,30}\b(my|personal)\s+data\b",
    r"\b(my|personal)\s+data\s+(\w+\s+)?(used|kept|stored|shared|safe|deleted|protected)\b",
)
_ABOUT_DATA = re.compile(
    "|".join(f"(?:{phrase})" for phrase in _REQUESTS + _QUESTIONS), re.IGNORECASE
)
_REQUEST = re.compile("|".join(f"(?:{phrase})" for phrase in _REQUESTS), re.IGNORECASE)
# A deletion asked for ("tolong hapus data KNG-2026-000101"): with a case number, of the
# family's data in that report.
_DELETION = re.compile(rf"\b({_DELETE}|delete|remove|erase)\b", re.IGNORECASE)
# Who is told how a request is carried out (by the system admin, on the server).
_STAFF = frozenset({Role.COORDINATOR, Role.ADMIN})
# How a request for one's own data is had, by role, never sending anyone to themselves: a
# PSM asks the district office (`privacy.request`); a TKSK too, told the system admin carries
# it out; a coordinator asks the system admin herself (the office is her); an admin is told
# it is done on the server (QA walk 10: a coordinator was told to ask the coordinator, a
# TKSK to ask the kecamatan's TKSK).
_REQUEST_BY_ROLE = {
    Role.TKSK: "privacy.request_tksk",
    Role.COORDINATOR: "privacy.request_coordinator",
    Role.ADMIN: "privacy.request_admin",
}
# The whole page's "how to ask" for a coordinator or admin (not "contact the coordinator",
# herself), by role whatever the status: active, with /saya and /nomor; not active (pending,
# suspended), without them.
_ASK_STAFF = {Role.COORDINATOR: "privacy.ask_coordinator", Role.ADMIN: "privacy.ask_admin"}
_ASK_STAFF_NOT_ACTIVE = {
    Role.COORDINATOR: "privacy.ask_coordinator_not_active",
    Role.ADMIN: "privacy.ask_admin_not_active",
}
# How to ask, by what the person can do themselves: an active person's /saya and /nomor, a
# registering person's summary and /batal; anyone else (pending, suspended, rejected) may
# use neither, and is only told whom to ask.
_ASK = {UserStatus.ACTIVE: "privacy.ask", UserStatus.REGISTERING: "privacy.ask_registering"}


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


async def _answer_data_request(turn: Turn) -> bool:
    """A request for one's own data typed in words ("hapus data saya", "minta salinan data
    saya", "data saya"), answered shortly: how a copy or deletion is had (by role,
    `_REQUEST_BY_ROLE`), the office's contact as /kontak shows it (coordinators and admins:
    how they carry out others' requests instead) and /privasi for the whole page (QA walk 8:
    1,500 characters whose one useful line named no contact). Whether it was. Not for
    someone registering (the whole page says what they can do meanwhile), nor for the
    command itself."""
    assert turn.user is not None
    user = turn.user
    text = (turn.event.text or "").strip()
    # The router hands typed words on as the command, their text kept; "/privasi" is none.
    if text.startswith("/") or _REQUEST.search(text) is None:
        return False
    if user.status == UserStatus.REGISTERING:
        return False
    # By role, whatever the status: a suspended or pending coordinator is no PSM to send to
    # the office (herself). A registration waiting for a decision has no role yet: the PSM's.
    role = user.role
    request = _REQUEST_BY_ROLE.get(role, "privacy.request") if role else "privacy.request"
    parts = [turn.t(request)]
    if user.status == UserStatus.ACTIVE:
        parts.append(turn.t("privacy.request_profile"))
    if role == Role.COORDINATOR:
        parts.append(turn.t("privacy.staff"))
    elif role != Role.ADMIN:
        parts.append(await office_contacts(turn, user))
    parts.append(turn.t("privacy.request_more"))
    turn.reply("\n\n".join(parts))
    return True


async def show_privacy(turn: Turn) -> None:
    """/privasi: the person's data, how long it is kept, their rights and whom to ask;
    coordinators and admins also read how such a request is handled. A request typed in
    words is answered shortly first (`_answer_data_request`)."""
    assert turn.user is not None
    if await _answer_data_request(turn):
        return
    app = turn.app
    ask = _ASK.get(turn.user.status, "privacy.ask_not_active")
    if turn.user.role in _ASK_STAFF:
        active = turn.user.status == UserStatus.ACTIVE
        ask = (_ASK_STAFF if active else _ASK_STAFF_NOT_ACTIVE)[turn.user.role]
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
        turn.t(ask, who=await _whom_to_ask(turn)),
    ]
    if turn.user.role in _STAFF:
        parts.append(turn.t("privacy.staff"))
    turn.reply("\n\n".join(parts))


async def case_data_note(turn: Turn) -> None:
    """After a case's page opened by a typed number: when the message asked to delete data
    ("tolong hapus data KNG-2026-000101"), how a family's data in a report is deleted (not in
    the bot): whom to ask, or for coordinators and admins how the request is carried out."""
    assert turn.user is not None
    if _DELETION.search(turn.event.text or "") is None:
        return
    if turn.user.role in _STAFF:
        turn.reply(turn.t("privacy.case_data_staff"))
    else:
        turn.reply(turn.t("privacy.case_data", who=await _whom_to_ask(turn)))
