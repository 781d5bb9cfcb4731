"""A registration sent again after its rejection, as the approvers see it.

A person rejected for their name or region corrects their answers and sends them again
(`registration.correct_rejected`); a rejected training candidate applies again with /daftar.
The request the approvers get then says it is a correction: who rejected it and why, and what
changed, old -> new. The `registration.submitted` audit entry keeps that it was a correction,
the reason, the decider and which answers changed (never their values: the audit trail
outlives the person), so the request shown again later (/pengguna, a refused old button)
still says so, naming the answers that changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.context import Turn
from handlers.regions import region_name
from handlers.registration_rejection import REJECTED_ACTION, RejectionReason, reason_of_entry
from storage.models import AuditEntry, User, UserStatus
from storage.repos import Repos

SUBMITTED_ACTION = "registration.submitted"
RECONSIDERED_ACTION = "registration.reconsidered"
# The steps of a registration's life the audit records, newest first tells where it stands.
STEPS = (SUBMITTED_ACTION, REJECTED_ACTION, RECONSIDERED_ACTION)
DETAIL_KEY = "corrects"


@dataclass(frozen=True)
class Change:
    """One answer changed: `field` is name, role, phone or region; `before` and `after` are
    what is shown (a role's code), None when read back from the audit (fields only)."""

    field: str
    before: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Correction:
    """A registration sent again after a rejection: the rejection's reason and decider, and
    what the person changed."""

    reason: RejectionReason
    rejected_by: int | None
    changes: tuple[Change, ...]

    def detail(self) -> dict[str, Any]:
        """What the `registration.submitted` audit entry keeps of it (no values)."""
        return {
            DETAIL_KEY: {
                "reason": str(self.reason),
                "by": self.rejected_by,
                "changed": [change.field for change in self.changes],
            }
        }


async def latest_step(repos: Repos, user_id: int) -> AuditEntry | None:
    """The audit entry of the latest step of a person's registration (sent, rejected, reviewed
    again), None before any."""
    entries, _ = await repos.audit.page(actions=STEPS, subject=f"user:{user_id}", limit=1)
    return entries[0] if entries else None


async def _region(turn: Turn, codes: tuple[str | None, ...]) -> str:
    """Desa, kecamatan (and kabupaten) names, smallest first: "Babatan, Kadugede"."""
    names = [await region_name(turn, code) for code in reversed(codes) if code]
    return ", ".join(names) or "-"


async def correction_of(turn: Turn, before: User, answers: dict[str, Any]) -> Correction | None:
    """The correction `answers` make to the registration of `before` (the person as they were
    when rejected), or None when they were not rejected since they last sent one."""
    step = await latest_step(turn.repos, before.id)
    rejected_last = step is not None and step.action == REJECTED_ACTION
    if not rejected_last and before.status != UserStatus.REJECTED:
        return None
    rejection = step if rejected_last else None
    changes: list[Change] = []
    if before.full_name != answers["full_name"]:
        changes.append(Change("name", before.full_name or "-", answers["full_name"]))
    role = answers["role"]["name"]
    # A rejected candidate's requested role is cleared: the rejection's entry keeps it.
    was_role = before.requested_role or (rejection.detail.get("role") if rejection else None)
    if isinstance(was_role, str) and was_role != role:
        changes.append(Change("role", str(was_role), role))
    phone = answers["phone"]["e164"]
    if before.phone and before.phone != phone:
        changes.append(Change("phone", before.phone, phone))
    desa = answers["desa"]["name"] if answers.get("desa") else None
    was = (before.kabupaten_code, before.kecamatan_code, before.desa_code)
    now = (answers["kabupaten"]["name"], answers["kecamatan"]["name"], desa)
    if was != now:
        shown = slice(0 if was[0] != now[0] else 1, None)  # the kabupaten when it changed
        before_region, after_region = (
            await _region(turn, was[shown]),
            await _region(turn, now[shown]),
        )
        changes.append(Change("region", before_region, after_region))
    return Correction(
        reason=reason_of_entry(rejection),
        rejected_by=rejection.actor_id if rejection else None,
        changes=tuple(changes),
    )


async def pending_correction(repos: Repos, person: User) -> Correction | None:
    """The correction the person's waiting request is, read back from its audit entry (its
    changes name fields only); None when it is none, or was rejected or reviewed again since."""
    step = await latest_step(repos, person.id)
    kept = step.detail.get(DETAIL_KEY) if step and step.action == SUBMITTED_ACTION else None
    if not isinstance(kept, dict):
        return None
    try:
        reason = RejectionReason(kept.get("reason"))
    except ValueError:
        reason = RejectionReason.NONE
    by = kept.get("by")
    fields = [field for field in kept.get("changed") or [] if isinstance(field, str)]
    return Correction(
        reason=reason,
        rejected_by=by if isinstance(by, int) else None,
        changes=tuple(Change(field) for field in fields),
    )


async def correction_text(turn: Turn, correction: Correction, language: str) -> str:
    """The lines under a corrected request: the rejection (who, why) and what changed."""
    catalog = turn.app.catalog
    decider = await turn.repos.users.get(correction.rejected_by) if correction.rejected_by else None
    by = decider.full_name if decider else "-"
    if correction.reason == RejectionReason.NONE:
        text = catalog.text(language, "registration.correction.rejected", by=by)
    else:
        reason = catalog.text(language, f"registration.reasons.{correction.reason}")
        text = catalog.text(language, "registration.correction.rejected_for", by=by, reason=reason)
    changes = correction.changes
    if not changes:
        return text + "\n" + catalog.text(language, "registration.correction.unchanged")

    def field(change: Change) -> str:
        return catalog.text(language, f"registration.correction.fields.{change.field}")

    if any(change.before is None for change in changes):  # read back: which answers only
        fields = ", ".join(field(change) for change in changes)
        changed = catalog.text(language, "registration.correction.changed_fields", fields=fields)
        return text + "\n" + changed

    def shown(change: Change, value: str | None) -> str:
        return catalog.text(language, f"roles.{value}") if change.field == "role" else value or "-"

    text += "\n" + catalog.text(language, "registration.correction.changed")
    for change in changes:
        text += "\n" + catalog.text(
            language,
            "registration.correction.change",
            field=field(change),
            before=shown(change, change.before),
            after=shown(change, change.after),
        )
    return text
