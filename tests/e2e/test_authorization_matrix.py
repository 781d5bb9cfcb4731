"""Every command and every button action x every kind of person x records in and out of their
scope: allowed (the expected reply, the expected change) or refused (a polite refusal, nothing
changed in SQLite, and for review actions an audit row "review.refused").

The expected outcome of each cell is derived from the permission table and the scope rules
restated below (MAY, sees), not read from the product, so the matrix says what should happen.
One bot serves the whole module; before each row the shared records are put back to a known
state directly in SQLite (cases submitted, no form open, the candidate pending...).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
import pytest_asyncio
import yaml

from bot.admin_tools import add_user
from bot.app import build_runtime
from bot.config import Settings, load_settings
from bot.runtime import Runtime
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import ADMIN_ID, bot_environment, on_clock
from tests.e2e.reports import CHILD_NIK, Report, walk_report
from tests.fakes.telegram_api import FakeTelegram

Result = TypeVar("Result")

# -- the people -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Who:
    telegram_id: int | None  # None: a new Telegram account for every row
    role: str | None
    status: str
    kabupaten: str | None = None
    kecamatan: str | None = None
    desa: str | None = None
    name: str = ""


PEOPLE: dict[str, Who] = {
    "admin": Who(ADMIN_ID, "admin", "active", name="Admin Dinsos"),
    "coord_kng": Who(501, "coordinator", "active", "32.08", name="Ibu Sari"),
    "coord_tbn": Who(502, "coordinator", "active", "35.23", name="Pak Hadi"),
    "tksk_01": Who(601, "tksk", "active", "32.08", "32.08.01", name="Pak Tono"),
    "tksk_02": Who(602, "tksk", "active", "32.08", "32.08.02", name="Pak Budi"),
    "psm_01": Who(701, "psm", "active", "32.08", "32.08.01", "32.08.01.2006", name="Bu Ani"),
    "psm_02": Who(702, "psm", "active", "32.08", "32.08.02", "32.08.02.2001", name="Bu Wati"),
    "pending": Who(
        801, None, "pending", "32.08", "32.08.01", "32.08.01.2006", name="Rina Menunggu"
    ),
    "rejected": Who(
        802, None, "rejected", "32.08", "32.08.01", "32.08.01.2005", name="Dodi Ditolak"
    ),
    "suspended": Who(803, "tksk", "suspended", "32.08", "32.08.01", name="Pak Nonaktif"),
    "unknown": Who(None, None, "registering"),
}
TUBAN_CANDIDATE = Who(804, None, "pending", "35.23", "35.23.01", "35.23.01.2001", name="Joko Tuban")

# -- the rules, restated --------------------------------------------------------------------

ALL = frozenset({"psm", "tksk", "coordinator", "admin", "calon"})
REPORTERS = frozenset({"psm", "tksk", "coordinator"})
REVIEWERS = frozenset({"tksk", "coordinator", "admin"})
# The role x action table (docs/model.md, handlers/permissions.yaml); only active users pass.
MAY: dict[str, frozenset[str]] = {
    "profile.view": ALL,
    "language.change": ALL,
    "help.view": ALL,
    "registration.decide": frozenset({"coordinator", "admin"}),  # coordinators: own kabupaten
    "case.report": REPORTERS,
    "case.list_own": REPORTERS,
    "case.view": frozenset({"psm", "tksk", "coordinator", "admin"}),
    "case.queue": REVIEWERS,
    "case.search": REVIEWERS,
    "case.stats": REVIEWERS,
    "case.verify": frozenset({"tksk", "coordinator"}),  # coordinators only without a TKSK
    "case.send_back": frozenset({"tksk", "coordinator"}),
    "case.reject": frozenset({"coordinator"}),
    "case.approve": frozenset({"coordinator"}),
    "case.stand_in": frozenset({"admin"}),  # verify/approve where nobody in the region may
    "case.follow_up": frozenset({"tksk", "coordinator"}),
    "case.resolve": frozenset({"coordinator"}),
    "case.reopen": frozenset({"coordinator"}),
    "audit.view": frozenset({"admin"}),
    "people.manage": frozenset({"coordinator", "admin"}),  # coordinators: own kabupaten
    "people.assign_staff": frozenset({"admin"}),
    "phone.change": ALL,
    "reminder.settings": frozenset({"psm", "tksk", "coordinator", "admin"}),  # their own
    "reminder.district": frozenset({"coordinator"}),  # their own kabupaten
    "delivery.choose_channel": ALL,
    "whatsapp.template_count": frozenset({"admin"}),
    "registration.apply": frozenset({"calon"}),
    "district.contact": frozenset({"coordinator", "admin"}),  # coordinators: own kabupaten
}


@dataclass(frozen=True)
class Record:
    kabupaten: str
    kecamatan: str
    desa: str
    reporter: str


RECORDS: dict[str, Record] = {
    # Reported through the form by the Babatan PSM.
    "A": Record("32.08", "32.08.01", "32.08.01.2006", "psm_01"),
    # Copies of A placed elsewhere (SQL), so that every reviewer has a record out of scope.
    "B": Record("32.08", "32.08.02", "32.08.02.2001", "psm_02"),
    "T": Record("35.23", "35.23.01", "35.23.01.2001", "coord_tbn"),
}
SUBANG = "32.08.03"  # a kecamatan of Kuningan with no TKSK here


def may(who: Who, action: str) -> bool:
    return who.status == "active" and who.role in MAY[action]


def sees(key: str, record: str) -> bool:
    """Scope: PSM their desa and their own cases, TKSK their kecamatan, coordinators their
    kabupaten, admins everything; nobody who is not active."""
    who, rec = PEOPLE[key], RECORDS[record]
    if who.status != "active":
        return False
    return {
        "admin": True,
        "coordinator": rec.kabupaten == who.kabupaten,
        "tksk": rec.kecamatan == who.kecamatan,
        "psm": rec.desa == who.desa or rec.reporter == key,
    }.get(who.role or "", False)


@dataclass(frozen=True)
class Action:
    name: str
    from_state: str  # a state the action is possible from (set before the row)
    to_state: str
    ask: str | None  # the question for the reason, for actions that need one
    answers: tuple[str, ...] = ("{reason}",)  # typed after the question ("Kirim": tapped)
    done: str = ""  # the reply once done (default: "sekarang: <state>")


VISIT = ("Hari ini", "{reason}", "Lewati", "Kirim")  # the follow-up visit form


ACTIONS: dict[str, Action] = {
    "v": Action(
        "verify",
        "submitted",
        "verified",
        "Bagaimana laporan ini diperiksa?",
        ("Telepon/perangkat", "Sesuai laporan", "Lewati", "Kirim"),  # the check, quickly
    ),
    "b": Action("send_back", "verified", "needs_revision", "akan dikembalikan"),
    "x": Action("reject", "verified", "rejected", "akan ditolak"),
    "a": Action("approve", "verified", "approved", None),
    "f": Action(
        "follow_up", "approved", "in_follow_up", "Tindak lanjut laporan", VISIT, "sudah dicatat"
    ),
    "r": Action("resolve", "approved", "resolved", "akan ditandai selesai"),
    "o": Action("reopen", "resolved", "in_follow_up", "akan dibuka kembali"),
}
STATE_LABEL = {
    "submitted": "Diajukan",
    "verified": "Diverifikasi",
    "needs_revision": "Perlu perbaikan",
    "approved": "Disetujui",
    "in_follow_up": "Dalam tindak lanjut",
    "resolved": "Selesai",
    "rejected": "Ditolak",
}


DECIDING = ("verify", "approve")  # never on one's own report (four eyes)
NOT_ON_OWN = (*DECIDING, "send_back", "reject")  # no decision at all on it (QA walk 8)


def _deciders_in_region(action: str, record: str) -> set[str]:
    """Who of the region may verify (the TKSK, else the coordinators) or approve (the
    coordinators) the record: active, allowed, not its reporter."""
    where = RECORDS[record]
    levels = [("coordinator", lambda p: p.kabupaten == where.kabupaten)]
    if action == "verify":
        levels.insert(0, ("tksk", lambda p: p.kecamatan == where.kecamatan))
    for role, inside in levels:
        found = {
            key
            for key, p in PEOPLE.items()
            if p.role == role and p.status == "active" and inside(p) and key != where.reporter
        }
        if found:
            return found
    return set()


def may_try(who: Who, action: str) -> bool:
    """The role may do this at all (admins: verify or approve, standing in)."""
    standing_in = action in DECIDING and may(who, "case.stand_in")
    return may(who, f"case.{action}") or standing_in


def may_act(key: str, code: str, record: str) -> bool:
    who, action = PEOPLE[key], ACTIONS[code].name
    if action not in DECIDING:
        return may(who, f"case.{action}")
    region = _deciders_in_region(action, record)
    if region:
        return key in region
    return may(who, "case.stand_in")  # nobody in the region: the admins stand in


# -- what people are told -------------------------------------------------------------------

EXPLAIN = {  # status_explained.*: what someone not active hears instead
    "registering": "belum selesai mendaftar",
    "pending": "sedang menunggu persetujuan",
    "rejected": "pendaftaran Bapak/Ibu tidak disetujui",
    "suspended": "sedang dinonaktifkan",
}
NOT_ALLOWED = "tidak berwenang"
NOT_POSSIBLE = "tindakan itu tidak bisa dilakukan sekarang"
OWN_REPORT = "Ini laporan Bapak/Ibu sendiri"
NOT_FOUND = "Laporan itu tidak ditemukan"
SEARCH_NONE = "Tidak ada laporan yang cocok"
OLD_BUTTON = "Tombol itu sudah tidak berlaku"
DRAFT_GONE = "Draf itu sudah tidak ada"
NOTHING_TO_REVISE = "tidak sedang menunggu perbaikan"
OLD_REVIEW_BUTTON = "Tombol itu dari pesan lama, jadi tidak dijalankan."
# A registration decided already: its outcome, and who (themselves, when they did).
ALREADY_APPROVED = "sudah disetujui oleh"
APPROVED_BY_YOU = "sudah Bapak/Ibu setujui"
REQUEST_CHANGED = "lalu putuskan lagi"  # registration.changed.*: the request as it is now
HELP_ACTIVE = "Yang bisa Bapak/Ibu lakukan"
HELP_NOT_ACTIVE = "Setelah pendaftaran disetujui"
HELP_SUSPENDED = "Akun Bapak/Ibu sedang dinonaktifkan"  # help.suspended, not registration's
HELP_REJECTED = "Pendaftaran Bapak/Ibu tidak disetujui"  # help.rejected(_by), likewise
PERSON_NOT_FOUND = "Pengguna itu tidak ditemukan"
PERSON_CHANGED = "baru saja diubah orang lain"
REASON = "Alasan uji matriks"

# -- the matrix -----------------------------------------------------------------------------


def _row(key: str, send: str, outcome: str, reply: str, **more: Any) -> dict[str, Any]:
    """One cell: `who` sends `send` (a command, or button data with {placeholders}) and is
    `outcome`; `reply` is a text of the answer. Optional: `state` (records set to these states
    first), `ask` (the reason question, answered), `effect` (the change to find), `audit` (the
    audit row to find), `has`/`lacks` (texts in or not in the answer), `dup_active`,
    `decided`, `ignore`. Without `effect`, nothing in SQLite may change."""
    row = {"who": key, "send": send, "outcome": outcome, "reply": reply, **more}
    return {"id": f"{key}|{send}|{outcome}", **row}


def _help(who: Who) -> str:
    """What /bantuan starts with for the person's status."""
    if who.status == "active":
        return HELP_ACTIVE
    if who.status == "rejected":
        return HELP_REJECTED
    return HELP_SUSPENDED if who.status == "suspended" else HELP_NOT_ACTIVE


def _allowed(key: str, send: str, reply: str, **more: Any) -> dict[str, Any]:
    return _row(key, send, "allowed", reply, **more)


def _refused(key: str, send: str, reply: str, **more: Any) -> dict[str, Any]:
    return _row(key, send, "refused", reply, **more)


REVIEW_PREFIXES = ("cq", "cs", "ca", "cp", "rv")


def _gate(key: str, send: str, action: str | None, **more: Any) -> dict[str, Any] | None:
    """The refusal every feature starts with: not active, or the role may not."""
    who = PEOPLE[key]
    if who.status != "active":
        if send.split(":")[0] in REVIEW_PREFIXES:
            more.setdefault("audit", "review.refused")  # every refused review press is audited
        return _refused(key, send, EXPLAIN[who.status], **more)
    if action is not None and not may(who, action):
        return _refused(key, send, NOT_ALLOWED, **more)
    return None


def _button_gate(key: str, send: str, action: str) -> dict[str, Any] | None:
    """Buttons only active people may press: the others hear why (and the press is audited);
    a role that may not is told so."""
    who = PEOPLE[key]
    if who.status != "active":
        return _refused(key, send, EXPLAIN[who.status], audit="review.refused")
    if not may(who, action):
        return _refused(key, send, NOT_ALLOWED)
    return None


def _reminder_settings(key: str) -> dict[str, Any]:
    """/pengingat: one's own reminder hour for PSM, TKSK, coordinators and admins, and for
    coordinators also the district's WhatsApp frequency."""
    who, send = PEOPLE[key], "/pengingat"
    refused = _gate(key, send, "reminder.settings")
    if refused:
        return refused
    if may(who, "reminder.district"):
        return _allowed(key, send, "lewat WhatsApp untuk", has=["rm:off", "pd:w"])
    return _allowed(key, send, "Pengingat harian saat ini", has=["rm:off"], lacks=["pd:w"])


def _queue(key: str, send: str) -> dict[str, Any]:
    """/antrian and its page button: the records in scope (all are waiting), no others."""
    refused = _gate(key, send, "case.queue")
    if refused:
        return refused
    visible = [r for r in RECORDS if sees(key, r)]
    return _allowed(key, send, "Antrian laporan", has=[f"{{{r}_no}}" for r in visible])


def _my_reports(key: str, send: str) -> dict[str, Any]:
    refused = _gate(key, send, "case.list_own")
    if refused:
        return refused
    own = [r for r, rec in RECORDS.items() if rec.reporter == key]
    if own:
        return _allowed(key, send, "Laporan saya", has=[f"{{{r}_no}}" for r in own])
    return _allowed(key, send, "belum pernah mengirim laporan")


def _people_gate(key: str, send: str, **more: Any) -> dict[str, Any] | None:
    """People-management buttons: refused (and audited) for anyone but active coordinators
    and admins; the router refuses people who are not active."""
    who = PEOPLE[key]
    if who.status != "active":
        return _refused(key, send, EXPLAIN[who.status], audit="review.refused", **more)
    if not may(who, "people.manage"):
        return _refused(key, send, NOT_ALLOWED, audit="people.refused", **more)
    return None


def manages(key: str, kabupaten: str | None) -> bool:
    """People scope: admins everyone, coordinators the people of their kabupaten."""
    who = PEOPLE[key]
    return who.role == "admin" or (who.role == "coordinator" and who.kabupaten == kabupaten)


def people_rows(key: str) -> list[dict[str, Any]]:
    """/pengguna, /nomor and the people-management buttons."""
    rows = [
        _gate(key, "/pengguna", "people.manage") or _allowed(key, "/pengguna", "Kelola pengguna"),
        _gate(key, "/nomor", "phone.change")
        or _allowed(key, "/nomor", "Nomor HP baru", effect="session:phone_change"),
        _people_gate(key, "pg:m") or _allowed(key, "pg:m", "Kelola pengguna"),
    ]
    send = "pg:u:{psm_01_id}"
    rows.append(
        _people_gate(key, send)
        or (
            _allowed(key, send, "Peran: PSM", has=[PEOPLE["psm_01"].name], audit="person.view")
            if manages(key, "32.08")
            else _refused(key, send, PERSON_NOT_FOUND, audit="people.refused")
        )
    )
    send = "pg:u:{cand}"
    rows.append(
        _people_gate(key, send)
        or (
            _allowed(
                key, send, "Pendaftaran baru", has=["ap:{cand}:{cand_v}:a"], audit="person.view"
            )
            if manages(key, "32.08")
            else _refused(key, send, PERSON_NOT_FOUND, audit="people.refused")
        )
    )
    # A suspension pressed with an old version: nothing changes for anybody.
    send = "pg:sy:{psm_01_id}:0"
    rows.append(
        _people_gate(key, send)
        or (
            _allowed(key, send, PERSON_CHANGED)
            if manages(key, "32.08")
            else _refused(key, send, PERSON_NOT_FOUND, audit="people.refused")
        )
    )
    # Only admins make coordinators.
    send = "pg:or:{psm_01_id}:0:c"
    rows.append(
        _people_gate(key, send)
        or (
            _allowed(key, send, PERSON_CHANGED)
            if may(PEOPLE[key], "people.assign_staff")
            else _refused(key, send, NOT_ALLOWED, audit="people.refused")
        )
    )
    return rows


def command_rows(key: str) -> list[dict[str, Any]]:
    who = PEOPLE[key]
    rows: list[dict[str, Any]] = []
    # /lapor: a new report, or (with a draft) the choice to go on with it.
    send = "/lapor"
    if key == "psm_01":
        rows.append(_allowed(key, send, "belum selesai", has=["dr:{draft}", "dr:new"]))
    else:
        rows.append(
            _gate(key, send, "case.report")
            or _allowed(key, send, "Laporan baru", effect="session:case_report")
        )
    send = "/draf"
    if key == "psm_01":
        rows.append(_allowed(key, send, "Laporan yang belum selesai (1)", has=["dr:{draft}"]))
    else:
        rows.append(
            _gate(key, send, "case.report")
            or _allowed(key, send, "Tidak ada laporan yang belum selesai")
        )
    rows.append(_my_reports(key, "/laporan_saya"))
    rows.append(_queue(key, "/antrian"))
    for record in RECORDS:
        send = f"/cari {{{record}_no}}"
        found = sees(key, record)
        rows.append(
            _gate(key, send, "case.search")
            or _allowed(
                key,
                send,
                "Ditemukan 1 laporan" if found else SEARCH_NONE,
                has=[f"cs:{{{record}}}"] if found else [],
                audit="case.search",
            )
        )
    rows.append(_gate(key, "/saya", "profile.view") or _allowed(key, "/saya", "Profil saya"))
    rows.append(_allowed(key, "/bahasa", "Pilih bahasa", has=["lang:id", "lang:en"]))
    menu = _gate(key, "/menu", "help.view")
    if menu is None:
        # A button per daily work the person may do (handlers/main_menu.py), none without.
        work = {"menu:antrian": "case.queue", "menu:pengguna": "people.manage"}
        work["menu:lapor"] = "case.report"
        offered = [data for data, action in work.items() if may(who, action)]
        refused = [data for data, action in work.items() if not may(who, action)]
        buttons = {"has": offered, "lacks": refused} if offered else {"lacks": ["menu:"]}
        menu = _allowed(key, "/menu", HELP_ACTIVE, **buttons)
    rows.append(menu)
    if who.status == "registering":
        rows.append(_allowed(key, "/start", "Selamat datang di", effect="session:registration"))
    else:
        rows.append(_gate(key, "/start", None) or _allowed(key, "/start", "Selamat datang kembali"))
    rows.append(_allowed(key, "/bantuan", _help(who)))
    rows.append(_allowed(key, "/batal", "Tidak ada isian yang sedang berjalan"))
    rows.append(_reminder_settings(key))
    rows.append(
        _gate(key, "/templat", "whatsapp.template_count")
        or _allowed(key, "/templat", "Template WhatsApp")
    )
    return rows


def button_rows(key: str) -> list[dict[str, Any]]:
    who = PEOPLE[key]
    rows: list[dict[str, Any]] = [_queue(key, "cq:0")]
    for record in RECORDS:
        send = f"cs:{{{record}}}"
        rows.append(
            _gate(key, send, "case.view")
            or (
                _allowed(key, send, f"{{{record}_no}}", audit="case.view")
                if sees(key, record)
                else _refused(key, send, NOT_FOUND, audit="review.refused")
            )
        )
        send = f"cp:{{{record}}}"
        rows.append(
            _gate(key, send, "case.view")
            or (
                _allowed(key, send, f"{{{record}_no}}", effect="photo")
                if sees(key, record)
                else _refused(key, send, NOT_FOUND, audit="review.refused")
            )
        )
    for record, codes in (("A", "vbxafro"), ("B", "vb"), ("T", "vba")):
        for code in codes:
            action = ACTIONS[code]
            send = f"ca:{code}:{{{record}}}:{{{record}_v}}"
            state = {record: action.from_state}
            refusal = {"state": state, "audit": "review.refused"}
            if who.status != "active":
                rows.append(_refused(key, send, EXPLAIN[who.status], **refusal))
            elif not may_try(who, ACTIONS[code].name):
                # The role may never do this: said plainly, not blamed on the case's state.
                rows.append(_refused(key, send, NOT_ALLOWED, **refusal))
            elif not sees(key, record):
                # As its page says: nothing about other regions (QA 13: "tidak berwenang").
                rows.append(_refused(key, send, NOT_FOUND, **refusal))
            elif key == RECORDS[record].reporter and ACTIONS[code].name in NOT_ON_OWN:
                # Four eyes: no decision on one's own report, refused in the page's words.
                rows.append(_refused(key, send, OWN_REPORT, **refusal))
            elif not may_act(key, code, record):
                rows.append(_refused(key, send, NOT_POSSIBLE, **refusal))
            else:
                rows.append(
                    _allowed(
                        key,
                        send,
                        action.done or f"sekarang: {STATE_LABEL[action.to_state]}",
                        state=state,
                        ask=action.ask,
                        answers=action.answers,
                        effect=f"state:{record}:{action.to_state}",
                        audit=f"case.{action.name}",
                    )
                )
    send, state = "rv:{A}", {"A": "needs_revision"}
    rows.append(
        _gate(key, send, None, state=state)
        or (
            _allowed(key, send, "Perbaikan laporan", state=state, effect="session:case_report")
            if key == RECORDS["A"].reporter
            else _refused(key, send, NOTHING_TO_REVISE, state=state, audit="review.refused")
        )
    )
    for candidate, kabupaten in (("cand", "32.08"), ("cand_tbn", "35.23")):
        send = f"ap:{{{candidate}}}:{{{candidate}_v}}:a"
        decides = may(who, "registration.decide") and (
            who.role == "admin" or who.kabupaten == kabupaten
        )
        rows.append(
            _allowed(key, send, "disetujui oleh", effect=f"approved:{candidate}")
            if decides
            else _refused(key, send, NOT_ALLOWED)
        )
    send = "dr:{draft}"
    rows.append(
        _gate(key, send, "case.report")
        or (
            _allowed(key, send, "Melanjutkan laporan", effect="draft_resumed")
            if key == "psm_01"
            else _refused(key, send, DRAFT_GONE)
        )
    )
    rows.append(
        _gate(key, "dr:new", "case.report")
        or _allowed(key, "dr:new", "Laporan baru", effect="session:case_report")
    )
    send, dup = "dp:{dup}:u:{A}", {"dup_active": True}
    rows.append(
        _gate(key, send, None, **dup)
        or (
            _allowed(key, send, "ditambahkan sebagai pembaruan", effect="case_update", **dup)
            if key == "psm_01"
            else _refused(key, send, OLD_BUTTON, **dup)
        )
    )
    rows.append(_my_reports(key, "menu:laporan_saya"))
    rows.append(_allowed(key, "lang:id", "Bahasa diganti"))
    rows.append(  # the hour of their own daily reminder
        _button_gate(key, "rm:08:00", "reminder.settings")
        or _allowed(key, "rm:08:00", "sekitar pukul 08.00")
    )
    rows.append(  # another period under the statistics (made in the background: "preparing")
        _button_gate(key, "st:7", "case.stats") or _allowed(key, "st:7", "Sedang disiapkan")
    )
    rows.append(  # "Jam lain": the hour typed, in a form of its own
        _button_gate(key, "rm:other", "reminder.settings")
        or _allowed(key, "rm:other", "Jam berapa pengingat", effect="session:reminder_hour")
    )
    send = "pd:w:3"  # weekly WhatsApp reminders on Thursdays, for the presser's district
    rows.append(
        _button_gate(key, send, "reminder.district")
        or _allowed(
            key,
            send,
            "hari Kamis",
            effect=f"district:{who.kabupaten}",
            audit="reminder.district_schedule",
        )
    )
    rows.append(
        _button_gate(key, "dc:auto", "delivery.choose_channel")
        or _allowed(key, "dc:auto", "terakhir Bapak/Ibu pakai", audit="delivery.channel_chosen")
    )
    rows.append(  # a channel the person is not on
        _button_gate(key, "dc:whatsapp", "delivery.choose_channel")
        or _refused(key, "dc:whatsapp", "tombol itu tidak dikenal")
    )
    # A template's tap that releases nothing: the news passed (active people), else the help.
    opened = "Kabar di pemberitahuan itu sudah lewat" if who.status == "active" else _help(who)
    rows.append(_allowed(key, "open", opened))
    return rows


def audit_rows(key: str) -> list[dict[str, Any]]:
    """/audit (and one case's history) and its buttons: admins only."""
    rows = [
        _gate(key, "/audit", "audit.view")
        or _allowed(key, "/audit", "Log audit", has=["au:1:-:-:-:0", "au:30:-:-:-:0"]),
        _gate(key, "/audit {A_no}", "audit.view")
        or _allowed(key, "/audit {A_no}", "Log audit</b> · Semua waktu · {A_no}"),
    ]
    send = "au:7:*:*:-:0"
    # Buttons only active people may press: a press by anyone else is audited as refused.
    refused = {"audit": "review.refused"} if PEOPLE[key].status != "active" else {}
    rows.append(
        _gate(key, send, "audit.view", **refused)
        or _allowed(key, send, "Log audit</b> · 7 hari terakhir", has=["au:-:-:-:-:0"])
    )
    return rows


# Forged, replayed and malformed button data (each against another account's records or an
# old state of the record).
FORGED: list[dict[str, Any]] = [
    # The reviewer's own button pressed again after someone moved the case on (old version):
    # refused at the tap, before any reason is asked, the case's page shown as it is.
    _refused(
        "tksk_01",
        "ca:v:{A}:{A_stale}",
        OLD_REVIEW_BUTTON,
        state={"A": "submitted"},
        audit="review.refused",
    ),
    _refused(
        "coord_kng",
        "ca:b:{A}:{A_stale}",
        OLD_REVIEW_BUTTON,
        state={"A": "verified"},
        audit="review.refused",
        lacks=["akan dikembalikan"],
    ),
    # The same button again once the case is past that state: a replay.
    _refused(
        "tksk_01", "ca:v:{A}:{A_v}", NOT_POSSIBLE, state={"A": "verified"}, audit="review.refused"
    ),
    _refused("coord_kng", "ca:a:{A}:{A_v}", NOT_POSSIBLE, audit="review.refused"),
    # Made-up data: no such case, no such action, parts missing or not numbers.
    _refused("tksk_01", "ca:v:999999:1", NOT_FOUND, audit="review.refused"),
    _refused("tksk_01", "ca:q:{A}:{A_v}", NOT_ALLOWED, audit="review.refused"),
    _refused("tksk_01", "ca:v:{A}", NOT_ALLOWED, audit="review.refused"),
    _refused("tksk_01", "ca:v:{A}:x1", NOT_ALLOWED, audit="review.refused"),
    _refused("admin", "ca:v:-{A}:{A_v}", NOT_ALLOWED, audit="review.refused"),
    _refused("tksk_02", "cs:{A} ", NOT_FOUND, audit="review.refused"),
    # Another account's sessions: cancel, resume, decide a duplicate, form buttons.
    _refused("tksk_02", "cx:y:{draft}", OLD_BUTTON),
    _refused("psm_02", "cx:y:{draft}", OLD_BUTTON),
    _refused("psm_01", "dp:{dup}:u:{T}", OLD_BUTTON, dup_active=True),
    _refused("psm_01", "dp:{dup}:u:{B}", OLD_BUTTON, dup_active=True),
    _refused("tksk_01", "dp:{dup}:n", OLD_BUTTON, dup_active=True),
    _refused("psm_02", "f2:0", OLD_BUTTON),
    # The reporter's revise button of a case they cannot see.
    _refused(
        "psm_01", "rv:{B}", NOTHING_TO_REVISE, state={"B": "needs_revision"}, audit="review.refused"
    ),
    _refused(
        "psm_02", "rv:{A}", NOTHING_TO_REVISE, state={"A": "needs_revision"}, audit="review.refused"
    ),
    # Registration decisions: malformed verdicts, another district, people already decided.
    _refused("coord_kng", "ap:{cand}:", NOT_ALLOWED),
    _refused("coord_kng", "ap:{cand}:ar", NOT_ALLOWED),
    _refused("coord_kng", "ap:{cand}:x", NOT_ALLOWED),
    _refused("coord_tbn", "ap:{cand}:r", NOT_ALLOWED),
    _refused("coord_kng", "ap:{cand_tbn}:r", NOT_ALLOWED),
    _refused("coord_tbn", "ap:{cand}:y", NOT_ALLOWED),  # the confirmed rejection too
    _refused("admin", "ap:{cand}:y", APPROVED_BY_YOU, decided="cand"),
    _refused("coord_kng", "ap:{cand}:a", ALREADY_APPROVED, decided="cand"),
    _refused("admin", "ap:{cand}:r", APPROVED_BY_YOU, decided="cand"),
    _refused("coord_kng", "ap:{psm_02_id}:r", ALREADY_APPROVED),
    _refused("coord_kng", "ap:{admin_id}:r", NOT_ALLOWED),
    _refused("coord_kng", "ap:{suspended_id}:a", ALREADY_APPROVED),
    _refused("tksk_01", "ap:{cand}:a", NOT_ALLOWED),
    # A button of an earlier request of the one waiting (version carried since; none before).
    _refused(
        "coord_kng", "ap:{cand}:{cand_stale}:a", REQUEST_CHANGED, audit="registration.refused"
    ),
    _refused("admin", "ap:{cand}:{cand_stale}:yn:p", REQUEST_CHANGED, audit="registration.refused"),
    _refused("coord_kng", "ap:{cand}:{cand_v}:a:x", NOT_ALLOWED),
    _refused("coord_tbn", "ap:{cand}:{cand_v}:a", NOT_ALLOWED),
    # Made-up /audit filters.
    _refused("admin", "au:7:nope:*:-:0", OLD_BUTTON),
    _refused("admin", "au:7:*:x:-:0", OLD_BUTTON),
    _refused("admin", "au:7:*:*:-:0:9", OLD_BUTTON),
    # People management: people out of scope, malformed data, a receiver who is no PSM.
    _refused("coord_kng", "pg:u:{coord_tbn_id}", PERSON_NOT_FOUND, audit="people.refused"),
    _refused("coord_kng", "pg:sy:{admin_id}:1", PERSON_NOT_FOUND, audit="people.refused"),
    _refused("coord_tbn", "pg:h:{psm_01_id}:1:0", PERSON_NOT_FOUND, audit="people.refused"),
    _refused("coord_kng", "pg:sy:{coord_tbn_id}", NOT_ALLOWED, audit="people.refused"),
    _refused("coord_kng", "pg:u:-{psm_01_id}", NOT_ALLOWED, audit="people.refused"),
    _refused(
        "coord_kng", "pg:gd:{psm_01_id}:1:p:35.23.01.2001", NOT_ALLOWED, audit="people.refused"
    ),
    _refused(
        "admin", "pg:hc:{psm_01_id}:1:{coord_kng_id}", PERSON_NOT_FOUND, audit="people.refused"
    ),
]
for _row_ in FORGED:
    _row_["id"] = "forged|" + _row_["id"]

ROWS: list[dict[str, Any]] = [
    *(row for key in PEOPLE for row in command_rows(key)),
    *(row for key in PEOPLE for row in button_rows(key)),
    *(row for key in PEOPLE for row in audit_rows(key)),
    *(row for key in PEOPLE for row in people_rows(key)),
    *FORGED,
]

# -- the world: one bot, its people and records ---------------------------------------------


class World:
    def __init__(self, fake: FakeTelegram, settings: Settings) -> None:
        self.fake, self.settings = fake, settings
        self.people = {
            key: TelegramPerson(fake, who.telegram_id, name=who.name or "Budi")
            for key, who in PEOPLE.items()
            if who.telegram_id is not None
        }
        self.values: dict[str, Any] = {}
        self.user_ids: dict[str, int] = {}
        self.max_seeded = 0
        self._unknown = itertools.count(880001)
        self._message_ids = itertools.count(50001)
        self.runtime: Runtime | None = None

    def db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.settings.database_path, timeout=10, isolation_level=None)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        db = self.db()
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    async def write(self, change: Callable[[sqlite3.Connection], Result]) -> Result:
        """One write transaction, in a thread: the bot's own transactions go on meanwhile
        (a blocking write on the event loop would wait for a bot that cannot commit)."""

        def run() -> Result:
            db = self.db()
            try:
                db.execute("BEGIN IMMEDIATE")
                result = change(db)
                db.execute("COMMIT")
                return result
            finally:
                db.close()

        return await asyncio.to_thread(run)

    def user_of(self, telegram_id: int) -> int | None:
        found = self.query(
            "SELECT user_id FROM channel_identities WHERE channel = 'telegram' AND external_id = ?",
            (str(telegram_id),),
        )
        return found[0][0] if found else None

    def tap_latest(self, person: TelegramPerson, label: str) -> int:
        """Tap the newest button whose label holds `label`; the update id."""
        for message in reversed(person.all_with_buttons()):
            for line in message["reply_markup"]["inline_keyboard"]:
                for button in line:
                    if label in button["text"]:
                        return self.fake.user_callback(
                            person.user_id,
                            button["callback_data"],
                            message_id=message["message_id"],
                            first_name=person.name,
                        )
        raise AssertionError(f"no button {label!r} for {person.user_id}")

    async def settle(self, update_id: int) -> None:
        """Wait until the bot handled the update and sent everything it wrote."""

        def done() -> bool:
            inbox = self.query(
                "SELECT status FROM inbox WHERE channel = 'telegram' AND ext_id = ?",
                (str(update_id),),
            )
            pending = self.query("SELECT COUNT(*) FROM outbox WHERE status = 'pending'")
            return bool(inbox) and inbox[0][0] != "pending" and pending[0][0] == 0

        await self.fake.wait_for(done, timeout=15, what=f"update {update_id} handled")
        status = self.query(
            "SELECT status FROM inbox WHERE channel = 'telegram' AND ext_id = ?",
            (str(update_id),),
        )
        assert status == [("done",)], f"update {update_id} failed in the bot: {status}"

    # -- state before each row --

    async def baseline(self) -> None:
        v = self.values

        def change(db: sqlite3.Connection) -> None:
            db.execute(
                "UPDATE form_sessions SET status = 'cancelled'"
                " WHERE status IN ('active', 'paused') AND id NOT IN (?, ?)",
                (v["draft"], v["dup"]),
            )
            db.execute("UPDATE form_sessions SET status = 'paused' WHERE id = ?", (v["draft"],))
            db.execute(
                "UPDATE form_sessions SET status = 'cancelled', state = ? WHERE id = ?",
                (v["dup_state"], v["dup"]),
            )
            for record in RECORDS:
                db.execute("UPDATE cases SET state = 'submitted' WHERE id = ?", (v[record],))
            for candidate in ("cand", "cand_tbn"):
                db.execute(
                    "UPDATE users SET status = 'pending', role = NULL, decided_by = NULL,"
                    " decided_at = NULL WHERE id = ?",
                    (v[candidate],),
                )
            db.execute("UPDATE users SET language = 'id' WHERE id <= ?", (self.max_seeded,))

        await self.write(change)

    async def prepare(self, row: dict[str, Any]) -> None:
        v = self.values

        def change(db: sqlite3.Connection) -> None:
            for record, state in (row.get("state") or {}).items():
                db.execute("UPDATE cases SET state = ? WHERE id = ?", (state, v[record]))
            if row.get("dup_active"):
                db.execute("UPDATE form_sessions SET status = 'active' WHERE id = ?", (v["dup"],))
            if row.get("decided"):
                db.execute(
                    "UPDATE users SET status = 'active', role = 'psm', decided_by = ?,"
                    " decided_at = '2026-01-01T00:00:00+00:00' WHERE id = ?",
                    (v["admin_id"], v[row["decided"]]),
                )

        await self.write(change)
        for record in RECORDS:
            (version,) = self.query("SELECT version FROM cases WHERE id = ?", (v[record],))[0]
            v[f"{record}_v"], v[f"{record}_stale"] = version, version - 1
        for candidate in ("cand", "cand_tbn"):  # the request a decision button names
            (version,) = self.query("SELECT version FROM users WHERE id = ?", (v[candidate],))[0]
            v[f"{candidate}_v"], v[f"{candidate}_stale"] = version, version - 1

    def snapshot(self) -> dict[str, Any]:
        return {
            "cases": self.query("SELECT id, state, version FROM cases ORDER BY id"),
            "events": self.query("SELECT COUNT(*) FROM case_events"),
            "updates": self.query("SELECT COUNT(*) FROM case_updates"),
            "versions": self.query("SELECT COUNT(*) FROM case_versions"),
            "users": self.query(
                "SELECT id, status, role, decided_by, language FROM users WHERE id <= ?"
                " ORDER BY id",
                (self.max_seeded,),
            ),
            "sessions": self.query("SELECT id, user_id, status FROM form_sessions ORDER BY id"),
            "visits": self.query("SELECT COUNT(*) FROM case_visits"),
            "districts": self.query(
                "SELECT kabupaten_code, channel, frequency, weekday, updated_by"
                " FROM district_reminder_schedules ORDER BY 1, 2"
            ),
            "choices": self.query(
                "SELECT id, delivery_channel FROM users WHERE id <= ? ORDER BY id",
                (self.max_seeded,),
            ),
        }

    # -- one row --

    async def run(self, row: dict[str, Any]) -> None:
        await self.baseline()
        await self.prepare(row)
        key = row["who"]
        if key == "unknown":
            person = TelegramPerson(self.fake, next(self._unknown), name="Orang Baru")
        else:
            person = self.people[key]
        send = row["send"].format(**self.values)
        before_state = self.snapshot()
        (last_audit,) = self.query("SELECT COALESCE(MAX(id), 0) FROM audit_log")[0]
        reporters = {r: len(self.people[rec.reporter].messages()) for r, rec in RECORDS.items()}
        before = len(person.messages())
        edits_before = len(self.fake.calls_of("editMessageText"))
        if send.startswith("/"):
            update = self.fake.user_text(person.user_id, send, first_name=person.name)
        else:
            update = self.fake.user_callback(
                person.user_id, send, message_id=next(self._message_ids), first_name=person.name
            )
        await self.settle(update)
        if row.get("ask"):
            asked = _texts(person.messages()[before:])
            assert row["ask"] in asked, f"{send}: expected the reason question, got {asked!r}"
            for answer in row.get("answers", ("{reason}",)):
                if answer == "Kirim":  # a summary to confirm with its button
                    update = self.tap_latest(person, answer)
                else:
                    text = answer.format(reason=REASON)
                    update = self.fake.user_text(person.user_id, text, first_name=person.name)
                await self.settle(update)
        replies = person.messages()[before:]

        def edits() -> list[str]:
            return [
                c.params.get("text") or ""
                for c in self.fake.calls_of("editMessageText")[edits_before:]
                if c.params.get("chat_id") == person.user_id and not c.error
            ]

        if not replies:  # answered by editing the message tapped (a registration decision)
            await self.fake.wait_for(lambda: bool(edits()), what=f"an answer to {send}")
        shown = _texts(replies) + "\n" + "\n".join(edits())
        assert row["reply"].format(**self.values) in shown, (
            f"{key} {send}: expected {row['reply']!r} ({row['outcome']}), got {shown!r}"
        )
        everything = json.dumps(replies, ensure_ascii=False, default=repr)
        for text in row.get("has", []):
            assert text.format(**self.values) in everything, f"{key} {send}: {text} missing"
        for text in row.get("lacks", []):
            assert text.format(**self.values) not in everything, f"{key} {send}: {text} shown"
        # Nothing about records out of the person's scope, and never a full NIK.
        for record in RECORDS:
            if key == "unknown" or not sees(key, record):
                assert self.values[f"{record}_no"] not in everything, (
                    f"{key} {send}: leaked {record} {self.values[f'{record}_no']}"
                )
        assert CHILD_NIK not in everything

        actor = self.user_of(person.user_id)
        self.check_effect(row, person, actor, before_state, reporters)
        audit = self.query(
            "SELECT action, actor_id FROM audit_log WHERE id > ? ORDER BY id", (last_audit,)
        )
        if row.get("audit"):
            assert (row["audit"], actor) in audit, (
                f"{key} {send}: {row['outcome']} without the audit row {row['audit']!r}: {audit}"
            )
        else:
            assert ("review.refused", actor) not in audit, f"{key} {send}: {audit}"

    def check_effect(
        self,
        row: dict[str, Any],
        person: TelegramPerson,
        actor: int | None,
        before: dict[str, Any],
        reporters: dict[str, int],
    ) -> None:
        effect = row.get("effect")
        after = self.snapshot()
        v = self.values
        if effect is None:
            for part in row.get("ignore", ()):
                before.pop(part), after.pop(part)
            assert after == before, f"{row['who']} {row['send']}: state changed"
            return
        kind, _, detail = effect.partition(":")
        if kind == "session":
            assert self.query(
                "SELECT form_id FROM form_sessions WHERE user_id = ? AND status = 'active'",
                (actor,),
            ) == [(detail,)]
        elif kind == "state":
            record, state = detail.split(":")
            assert self.query("SELECT state FROM cases WHERE id = ?", (v[record],)) == [(state,)]
            if row["send"].startswith("ca:f:"):  # a follow-up visit is recorded with it
                assert after["visits"][0][0] == before["visits"][0][0] + 1
            reporter = RECORDS[record].reporter
            if reporter != row["who"]:
                told = _texts(self.people[reporter].messages()[reporters[record] :])
                assert v[f"{record}_no"] in told and STATE_LABEL[state] in told, told
        elif kind == "photo":
            photos = [
                c
                for c in self.fake.calls_of("sendPhoto")
                if c.params.get("chat_id") == person.user_id and not c.error
            ]
            assert photos and row["reply"].format(**v) in (photos[-1].params.get("caption") or "")
        elif kind == "approved":
            assert self.query(
                "SELECT status, role, decided_by FROM users WHERE id = ?", (v[detail],)
            ) == [("active", "psm", actor)]
        elif kind == "draft_resumed":
            assert self.query("SELECT status FROM form_sessions WHERE id = ?", (v["draft"],)) == [
                ("active",)
            ]
        elif kind == "district":
            assert self.query(
                "SELECT channel, frequency, weekday, updated_by FROM district_reminder_schedules"
                " WHERE kabupaten_code = ?",
                (detail,),
            ) == [("whatsapp", "weekly", 3, actor)]
            others = [r for r in after["districts"] if r[0] != detail]
            assert others == [r for r in before["districts"] if r[0] != detail]
        elif kind == "case_update":
            assert after["updates"][0][0] == before["updates"][0][0] + 1
            assert self.query(
                "SELECT case_id, reporter_id FROM case_updates ORDER BY id DESC LIMIT 1"
            ) == [(v["A"], actor)]
        else:  # pragma: no cover - a typo in the table
            raise AssertionError(effect)


def _texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("text") or m.get("caption") or "") for m in messages)


def _copy_case(db: sqlite3.Connection, source: int, **changes: Any) -> int:
    """A copy of a case elsewhere (its subjects, categories and photos too)."""
    columns = [r[1] for r in db.execute("PRAGMA table_info(cases)")]
    values = dict(
        zip(
            columns,
            db.execute(
                f"SELECT {', '.join(columns)} FROM cases WHERE id = ?", (source,)
            ).fetchone(),
            strict=True,
        )
    )
    values.pop("id")
    values.update(changes)
    marks = ", ".join("?" for _ in values)
    cursor = db.execute(
        f"INSERT INTO cases ({', '.join(values)}) VALUES ({marks})", tuple(values.values())
    )
    new = int(cursor.lastrowid)
    for table in ("case_subjects", "case_categories", "case_photos"):
        names = [r[1] for r in db.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
        kept = [n for n in names if n != "case_id"]
        db.execute(
            f"INSERT INTO {table} (case_id, {', '.join(kept)})"
            f" SELECT ?, {', '.join(kept)} FROM {table} WHERE case_id = ?",
            (new, source),
        )
    db.execute(
        "INSERT INTO case_events (case_id, at, actor_id, from_state, to_state, reason)"
        " SELECT ?, at, actor_id, from_state, to_state, reason FROM case_events"
        " WHERE case_id = ? ORDER BY id LIMIT 1",
        (new, source),
    )
    return new


async def _register_pending(person: TelegramPerson) -> None:
    """Registration through the form, left waiting for a decision."""
    first = await person.say("/start")
    assert "Selamat datang" in first[0]["text"]
    await person.say(PEOPLE["pending"].name)
    await person.share_contact("+62 812-0000-8010")
    await person.tap("PSM")
    await person.tap("Kuningan")
    await person.say("kadu gede")
    summary = await person.tap("Babatan")
    assert "Periksa kembali" in summary[0]["text"]
    done = await person.tap("Kirim")
    assert "menunggu persetujuan" in done[0]["text"]


async def _seed(world: World) -> None:
    fake, settings, v = world.fake, world.settings, world.values
    for key, who in PEOPLE.items():
        if who.telegram_id is None or key in ("admin", "pending"):
            continue
        await add_user(
            settings,
            role=who.role or "psm",
            telegram_id=who.telegram_id,
            name=who.name,
            kabupaten=who.kabupaten,
            # One active TKSK a kecamatan: the one to be suspended starts elsewhere.
            kecamatan=SUBANG if key == "suspended" else who.kecamatan,
            desa=who.desa,
        )
    await add_user(
        settings,
        role="psm",
        telegram_id=TUBAN_CANDIDATE.telegram_id or 0,
        name=TUBAN_CANDIDATE.name,
        kabupaten=TUBAN_CANDIDATE.kabupaten,
        kecamatan=TUBAN_CANDIDATE.kecamatan,
        desa=TUBAN_CANDIDATE.desa,
    )
    runtime = build_runtime(on_clock(settings, None))
    await runtime.start()
    world.runtime = runtime
    for key, person in world.people.items():
        if key != "pending":
            await person.say("/start")
    await _register_pending(world.people["pending"])
    for key, who in PEOPLE.items():
        if who.telegram_id is not None:
            world.user_ids[key] = world.user_of(who.telegram_id) or 0
            v[f"{key}_id"] = world.user_ids[key]
    v["cand"] = world.user_ids["pending"]
    v["cand_tbn"] = world.user_of(TUBAN_CANDIDATE.telegram_id or 0)

    def statuses(db: sqlite3.Connection) -> None:
        db.execute(
            "UPDATE users SET status = 'rejected', role = NULL, decided_by = ? WHERE id = ?",
            (v["admin_id"], v["rejected_id"]),
        )
        db.execute(
            "UPDATE users SET status = 'suspended', kecamatan_code = ? WHERE id = ?",
            (PEOPLE["suspended"].kecamatan, v["suspended_id"]),
        )

    await world.write(statuses)

    psm = world.people["psm_01"]
    await walk_report(psm, Report(), fake=fake)
    done = await psm.tap("Kirim", expect=2)
    number = done[0]["text"].split("<b>")[1].split("</b>")[0]
    ((case_id, version),) = world.query("SELECT id, version FROM cases WHERE number = ?", (number,))
    v.update(A=case_id, A_no=number, A_v=version)
    # The same child again: the duplicate question, kept to replay its buttons.
    await walk_report(psm, Report(photos=0), fake=fake)
    asked = await psm.tap("Kirim")
    assert "Sudah ada laporan" in asked[0]["text"], asked[0]["text"]
    ((v["dup"], v["dup_state"]),) = world.query(
        "SELECT id, state FROM form_sessions WHERE user_id = ? AND status = 'active'",
        (v["psm_01_id"],),
    )
    await world.write(
        lambda db: db.execute(
            "UPDATE form_sessions SET status = 'cancelled' WHERE id = ?", (v["dup"],)
        )
    )
    # An unfinished report: a draft.
    await psm.say("/lapor")
    await psm.say("Keluarga Draf")
    ((v["draft"],),) = world.query(
        "SELECT id FROM form_sessions WHERE user_id = ? AND status = 'active'",
        (v["psm_01_id"],),
    )
    year = number.split("-")[1]

    def copies(db: sqlite3.Connection) -> None:
        for record, prefix in (("B", f"KNG-{year}-900001"), ("T", f"TBN-{year}-000001")):
            rec = RECORDS[record]
            v[record] = _copy_case(
                db,
                case_id,
                number=prefix,
                kabupaten_code=rec.kabupaten,
                kecamatan_code=rec.kecamatan,
                desa_code=rec.desa,
                reporter_id=v[f"{rec.reporter}_id"],
                submitted_by=v[f"{rec.reporter}_id"],
            )
            v[f"{record}_no"] = prefix

    await world.write(copies)
    ((world.max_seeded,),) = world.query("SELECT MAX(id) FROM users")
    # Let every notice of the set-up go out before the first row counts messages.
    await fake.wait_for(
        lambda: world.query("SELECT COUNT(*) FROM outbox WHERE status = 'pending'") == [(0,)],
        what="set-up sent",
    )


@pytest.fixture(autouse=True)
def _reset() -> None:
    """One bot and one fake for the module: the conftest's per-test reset would make the
    fake forget the chats and messages the rows build on."""


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(
    fake: FakeTelegram, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    fake.reset()
    folder: Path = tmp_path_factory.mktemp("matrix")
    env = bot_environment(fake, folder, DISTRICTS="32.08:KNG,35.23:TBN")
    settings = load_settings(**{key.lower(): value for key, value in env.items()})
    world = World(fake, settings)
    try:
        await _seed(world)
        yield world
    finally:
        if world.runtime is not None and world.runtime.db is not None:
            await world.runtime.stop()


# -- the tests ------------------------------------------------------------------------------


def test_the_permission_table_is_the_one_restated_here() -> None:
    """If the product's table changes, this matrix has to change with it (on purpose)."""
    source = Path(__file__).resolve().parents[2] / "handlers" / "permissions.yaml"
    table = yaml.safe_load(source.read_text(encoding="utf-8"))
    for action, roles in MAY.items():
        assert set(table[action]) == set(roles), action


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
async def test_matrix(world: World, row: dict[str, Any]) -> None:
    await world.run(row)


async def test_telegram_accepted_every_request(world: World) -> None:
    await asyncio.sleep(0)
    assert world.fake.rejections == []


if __name__ == "__main__":  # print the matrix: python -m tests.e2e.test_authorization_matrix
    for row in ROWS:
        print(f"{row['who']:<10} {row['send']:<24} {row['outcome']:<8} {row['reply']}")
