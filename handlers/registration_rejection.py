"""Why a registration was rejected, and what the person is told about it.

The approver picks a reason when confirming a rejection (`ap:<id>:y<code>`). The reason is
kept in the detail of the `registration.rejected` audit entry, the record of the decision, and
read back from there when the person asks (/start, /daftar, /bantuan, anything else): no
column of its own, as only a rejected person's own messages need it and the audit entry lives
as long as they do (their row is forgotten after REJECTED_RETENTION_DAYS, the entry stays).
A name or region reason is the person's to fix: /daftar (or /start) opens their registration
again with the earlier answers (`registration.correct_rejected`).
"""

from __future__ import annotations

from enum import StrEnum

from handlers.context import Turn
from handlers.district_contact import contact_note
from storage.models import AuditEntry, User
from storage.repos import Repos

REJECTED_ACTION = "registration.rejected"


class RejectionReason(StrEnum):
    """Why a registration was rejected (catalogue `registration.rejection.<value>`)."""

    NAME = "name"  # the name does not match the person the approver knows of
    REGION = "region"  # wrong kecamatan or desa
    NOT_HERE = "not_here"  # not a PSM/TKSK of that region
    NONE = "none"  # no reason given (and every rejection before reasons were asked)


# The reason's code after the "y" of a decision button's verdict (`ap:<id>:yn`): "y" alone,
# as in buttons sent before reasons were asked, rejects without a reason.
REASON_CODES = {
    "n": RejectionReason.NAME,
    "w": RejectionReason.REGION,
    "x": RejectionReason.NOT_HERE,
    "": RejectionReason.NONE,
}
# Reasons the person can put right themselves by registering again with other answers.
FIXABLE = frozenset({RejectionReason.NAME, RejectionReason.REGION})


def reason_of_verdict(verdict: str) -> RejectionReason | None:
    """The reason a confirming verdict (`y`, `yn`, `yw`, `yx`) names; None for any other."""
    if not verdict.startswith("y"):
        return None
    return REASON_CODES.get(verdict[1:])


def verdict_of(reason: RejectionReason) -> str:
    """The verdict field of the button confirming a rejection for `reason`."""
    code = next(code for code, known in REASON_CODES.items() if known == reason)
    return f"y{code}"


async def latest_rejection(repos: Repos, user_id: int) -> AuditEntry | None:
    """The audit entry of a person's latest rejection (None if never rejected)."""
    entries, _ = await repos.audit.page(
        actions=(REJECTED_ACTION,), subject=f"user:{user_id}", limit=1
    )
    return entries[0] if entries else None


def reason_of_entry(entry: AuditEntry | None) -> RejectionReason:
    """The reason a rejection's audit entry keeps (NONE when none was given or recorded)."""
    try:
        return RejectionReason(entry.detail.get("reason") if entry else None)
    except ValueError:
        return RejectionReason.NONE


async def recorded_reason(repos: Repos, user_id: int) -> RejectionReason:
    """The reason of a person's latest rejection (NONE when none was given or recorded)."""
    return reason_of_entry(await latest_rejection(repos, user_id))


def reason_lines(turn: Turn, person: User, reason: RejectionReason, *, candidate: bool) -> str:
    """The reason in plain words and, when the person can fix it, how ("" without one)."""
    if reason == RejectionReason.NONE:
        return ""
    catalog = turn.app.catalog
    text = catalog.text(person.language, f"registration.rejection.{reason}")
    if reason in FIXABLE:
        fix = "fix_calon" if candidate else "fix"
        text += "\n" + catalog.text(person.language, f"registration.rejection.{fix}")
    return text


async def rejection_text(
    turn: Turn,
    person: User,
    reason: RejectionReason,
    key: str,
    *,
    candidate: bool = False,
    **values: str,
) -> str:
    """A catalogue text telling `person` their registration was rejected (`key`, filled with
    `values`: `by`, who rejected it), with the reason and what they can do, then their
    district office's contact when it is set."""
    catalog = turn.app.catalog
    text = catalog.text(person.language, key, **values)
    lines = reason_lines(turn, person, reason, candidate=candidate)
    if lines:
        text += "\n\n" + lines
    return text + await contact_note(turn.repos, catalog, person.language, person.kabupaten_code)
