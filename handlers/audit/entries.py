"""One audit entry as a line people read: when (local time), who, what, which record.

Never the keyed hash of a searched NIK, nor any other detail value: only counts and the
few labels below. (Every outbound text is masked again in `deliver`.)
"""

from __future__ import annotations

from typing import Any

from handlers.audit_keys import KEY_SUBJECT
from handlers.context import Turn
from handlers.date_formats import date_time
from handlers.people.common import masked_phone
from handlers.regions import region_name
from storage.models import AuditEntry, User


async def who(
    turn: Turn, actor_id: int | None, detail: dict[str, Any] | None = None, *, role: bool = True
) -> str:
    """The person (with their role), or the system / the server operator."""
    if actor_id is None:
        operator = (detail or {}).get("operator")
        system = turn.t("audit.system")
        return f"{system} ({operator})" if isinstance(operator, str) and operator else system
    user = await turn.repos.users.get(actor_id)
    if user is None:
        return f"#{actor_id}"
    name = user.full_name or f"#{user.id}"
    if not role:  # a button's label: the name alone
        return name
    if user.merged_into is not None:
        return await _merged(turn, user)
    return f"{name} ({turn.t(f'roles.{user.role}') if user.role else '-'})"


async def _merged(turn: Turn, user: User) -> str:
    """A user merged into another (`psm-bot user merge`): "Ani S (digabung ke Bu Ani)", never
    as a person of their own (their row has no role, region or account left)."""
    into = await turn.repos.users.get(user.merged_into) if user.merged_into else None
    kept = (into.full_name if into else "") or f"#{user.merged_into}"
    return turn.t("audit.record.merged", name=user.full_name or f"#{user.id}", into=kept)


async def record(turn: Turn, subject: str | None, detail: dict[str, Any] | None = None) -> str:
    """The record an entry is about, by its name (a case number, a person); a case deleted
    since (retention) by the number its entry kept, if it did."""
    if not subject:
        return ""
    kind, _, key = subject.partition(":")
    number = int(key) if key.isdigit() else None
    if kind == "case" and number is not None:
        case = await turn.repos.cases.by_id(number)
        if case is not None:
            return case.number
        kept = (detail or {}).get("number")
        if isinstance(kept, str) and kept:
            return turn.t("audit.record.case_gone_number", number=kept[:30])
        return turn.t("audit.record.case_gone", id=number)
    if kind == "user" and number is not None:
        user = await turn.repos.users.get(number)
        if user is not None and user.merged_into is not None:
            return await _merged(turn, user)
        return user.full_name if user and user.full_name else f"#{number}"
    if kind == "kabupaten":
        return await region_name(turn, key)
    if kind == "admin-number":  # a number of ADMIN_WHATSAPP_PHONES: recognised, not dialled
        return masked_phone(key)
    if kind == "nik-hmac":
        return turn.t("audit.record.person")
    if kind in ("training", "broadcast", "session") and number is not None:
        return turn.t(f"audit.record.{kind}", id=number)
    if subject == "all":
        return turn.t("audit.record.all")
    if subject == KEY_SUBJECT:  # the server's audit key replaced (bot/audit_key.py)
        return turn.t("audit.record.audit_key")
    return subject[:40]


def _details(turn: Turn, entry: AuditEntry) -> list[str]:
    detail = entry.detail
    parts: list[str] = []
    if entry.action == "case.search" and detail.get("kind") in ("nik_or_kk", "name", "number"):
        parts.append(turn.t(f"audit.detail.search_{detail['kind']}"))
    if isinstance(detail.get("results"), int):
        parts.append(turn.t("audit.detail.results", count=detail["results"]))
    if isinstance(detail.get("rows"), int):
        parts.append(turn.t("audit.detail.rows", count=detail["rows"]))
    if detail.get("masked") is False:
        parts.append(turn.t("audit.detail.unmasked"))
    if isinstance(detail.get("action"), str) and turn.app.catalog.has(
        f"review.action.{detail['action']}"
    ):
        parts.append(turn.t(f"review.action.{detail['action']}"))
    if isinstance(detail.get("role"), str) and turn.app.catalog.has(f"roles.{detail['role']}"):
        parts.append(turn.t(f"roles.{detail['role']}"))
    if isinstance(detail.get("cases"), int):
        parts.append(turn.t("audit.detail.cases", count=detail["cases"]))
    return parts


def action_label(turn: Turn, action: str) -> str:
    key = f"audit.action.{action}"
    return turn.t(key) if turn.app.catalog.has(key) else action


async def line(turn: Turn, entry: AuditEntry) -> str:
    """`29-11-2026 14.05 WIB · Ibu Sari (Koordinator)` then what and which record."""
    at = f"{date_time(turn.app, entry.at, turn.language)} {turn.app.local_time(entry.at):%Z}"
    what = [action_label(turn, entry.action)]
    target = await record(turn, entry.subject, entry.detail)
    if target:
        what.append(target)
    what += _details(turn, entry)
    return turn.t(
        "audit.line",
        at=at,
        who=await who(turn, entry.actor_id, entry.detail),
        what=" · ".join(what),
    )
