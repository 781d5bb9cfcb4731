"""A registration request as the approvers see it, and its decision buttons.

Every decision button names one request: the person's id and their `users.version` when the
request was shown (`ap:<id>:<version>:<verdict>[:p]`). Each change of the person (a decision,
"Tinjau ulang", a people-management change) raises the version, and a corrected registration
can only be sent after a rejection, so a button of an earlier request never decides a later
one. Buttons sent before versions were carried (`ap:<id>:<verdict>[:p]`) are read as
version 1: a person still at version 1 has only ever sent that one request, nothing changed
since; any later one is refused as changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Turn
from handlers.events import Button, Outbound, small_number
from handlers.people.common import menu_button, page_button, phone_shown
from handlers.regions import region_name, region_name_after_level
from handlers.registration_correction import Correction, correction_text, pending_correction
from storage.models import Role, User, UserStatus

DECISION_PREFIX = "ap"
# The last field of a decision button shown from /pengguna (`ap:<id>:<version>:r:p`): the
# rejection's confirmation and its "Kembali" keep the way back to the /pengguna menu.
FROM_PEOPLE = "p"
# The version a button without one (sent before versions were carried) is read with: a
# person's version before anything changed them.
LEGACY_VERSION = 1


@dataclass(frozen=True)
class DecisionPress:
    """A decision button's fields: whose request, at which version, what was chosen
    (`a` approve, `r` reject, `b` back, `y<code>` a confirmed rejection), from where."""

    candidate_id: int
    version: int
    verdict: str
    from_people: bool


def decision_data(candidate: User, verdict: str, *, from_people: bool) -> str:
    """The data of a decision button for the request `candidate` is now."""
    origin = f":{FROM_PEOPLE}" if from_people else ""
    return f"{DECISION_PREFIX}:{candidate.id}:{candidate.version}:{verdict}{origin}"


def parse_decision(data: str) -> DecisionPress | None:
    """A decision button's data read (an old one without a version too); None if malformed."""
    fields = data.split(":")[1:]
    if len(fields) >= 2 and small_number(fields[1]) is not None:
        raw_id, raw_version, *rest = fields
    else:  # sent before versions were carried
        raw_id, *rest = fields
        raw_version = str(LEGACY_VERSION)
    candidate_id, version = small_number(raw_id), small_number(raw_version)
    if candidate_id is None or version is None or not rest or len(rest) > 2:
        return None
    verdict, origin = rest[0], rest[1] if len(rest) == 2 else ""
    if origin not in ("", FROM_PEOPLE):
        return None
    return DecisionPress(candidate_id, version, verdict, origin == FROM_PEOPLE)


async def tksk_there(turn: Turn, candidate: User) -> User | None:
    """The active TKSK of the kecamatan a TKSK applicant asks for (a kecamatan has one): the
    request says so, and its approval is refused until that one is changed."""
    if candidate.requested_role != Role.TKSK or not candidate.kecamatan_code:
        return None
    return await turn.repos.people.active_tksk(candidate.kecamatan_code, other_than=candidate.id)


async def request_message(
    turn: Turn,
    candidate: User,
    approver: User,
    *,
    from_people: bool = False,
    correction: Correction | None = None,
) -> Outbound:
    """A registration to decide, with the approve / reject buttons of this very request
    (also shown from /pengguna: one decision path, there with the /pengguna menu button). A
    correction after a rejection says so (`correction`, else read back from the audit)."""
    catalog, language = turn.app.catalog, approver.language
    correction = correction or await pending_correction(turn.repos, candidate)
    title = "registration.correction.title" if correction else "registration.request_title"
    text = catalog.text(
        language,
        "registration.request",
        name=candidate.full_name,
        role=catalog.text(language, f"roles.{candidate.requested_role}"),
        phone=phone_shown(catalog, language, candidate.phone, candidate.phone_verified),
        kabupaten=await region_name_after_level(turn, candidate.kabupaten_code),
        kecamatan=await region_name(turn, candidate.kecamatan_code),
        desa=await region_name(turn, candidate.desa_code),
    )
    text = catalog.text(language, title) + "\n" + text
    if correction:
        text += "\n\n" + await correction_text(turn, correction, language)
    holder = await tksk_there(turn, candidate)
    if holder is not None:  # said before "Setujui" is tried, with the way to their page
        kecamatan = await region_name(turn, candidate.kecamatan_code)
        text += "\n\n" + catalog.text(
            language, "registration.tksk_holder", kecamatan=kecamatan, holder=holder.full_name
        )
    buttons = [
        [
            Button(
                label=catalog.text(language, "registration.approve"),
                data=decision_data(candidate, "a", from_people=False),
            ),
            Button(
                label=catalog.text(language, "registration.reject"),
                data=decision_data(candidate, "r", from_people=from_people),
            ),
        ]
    ]
    if holder is not None:
        buttons.append([page_button(holder)])
    if from_people:
        buttons.append([menu_button(turn)])
    return Outbound.say(text, buttons)


async def already_decided(turn: Turn, candidate: User) -> None:
    """A decision button of a request decided meanwhile: its outcome and who decided it
    ("sudah disetujui oleh Ibu Rina"), as a case changed meanwhile says its state."""
    assert turn.user is not None
    outcome = _outcome(candidate)
    if outcome is not None and candidate.decided_by == turn.user.id:
        turn.reply(turn.t(f"registration.already_{outcome}_by_you", name=candidate.full_name))
        return
    who = await turn.repos.users.get(candidate.decided_by) if candidate.decided_by else None
    by = who.full_name if who else "-"
    if outcome is not None:
        turn.reply(turn.t(f"registration.already_{outcome}", name=candidate.full_name, by=by))
        return
    turn.reply(
        turn.t(
            "registration.already_decided",
            name=candidate.full_name,
            by=by,
        )
    )


def _outcome(candidate: User) -> str | None:
    """How a decided registration ended, as its person stands now: "approved" (active, or
    suspended since), "rejected" (a training candidate's too: still active, as `calon`, the
    role asked for cleared), None when it cannot be told (registering again)."""
    if candidate.status == UserStatus.REJECTED or (
        candidate.role == Role.CALON and candidate.requested_role is None
    ):
        return "rejected"
    if candidate.status in (UserStatus.ACTIVE, UserStatus.SUSPENDED):
        return "approved"
    return None
