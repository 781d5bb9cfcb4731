"""A correction that moves a case to another kecamatan: its reporter gave another desa (one
who moved, or took the case over from another kecamatan). The move is audited (`case.moved`,
shown in the case's history); whoever in the old kecamatan acted on the case or verifies
there, and may no longer see it, hears that it left and where to, without a button to a case
they cannot open; whoever verifies it now and could not see it before hears of it as a new
report (`case_notices`). A draft's desa is no case's: nobody hears of it."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Turn
from handlers.delivery import DeliveryKind
from handlers.events import Outbound
from handlers.review.case_history import MOVED
from handlers.review.send_back_notices import last_step_into
from handlers.scope import can_see_case
from storage.models import CaseDetail, CaseSummary, Role, User
from storage.models import CaseState as S


@dataclass(frozen=True)
class CaseMove:
    """A case's desa before and after a correction that took it to another kecamatan."""

    from_desa: str
    to_desa: str

    @property
    def from_kecamatan(self) -> str:
        return self.from_desa.rsplit(".", 1)[0]

    @property
    def to_kecamatan(self) -> str:
        return self.to_desa.rsplit(".", 1)[0]


def move_of(case: CaseSummary, desa_code: str) -> CaseMove | None:
    """The move a correction to `desa_code` makes, if it leaves the case's kecamatan (another
    desa of the same kecamatan is no move: the same TKSK verifies it)."""
    move = CaseMove(from_desa=case.desa_code, to_desa=desa_code)
    return move if move.from_kecamatan != move.to_kecamatan else None


def could_see_before(person: User, case: CaseSummary) -> bool:
    """Whether the person could see the case where it was (before the move)."""
    return can_see_case(
        person,
        kabupaten_code=case.kabupaten_code,
        kecamatan_code=case.kecamatan_code,
        desa_code=case.desa_code,
        reporter_id=case.reporter_id,
    )


async def record_move(turn: Turn, case_id: int, move: CaseMove) -> None:
    """The move in the audit log, read back by the case's history."""
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=turn.user.id if turn.user else None,
        action=MOVED,
        subject=f"case:{case_id}",
        detail={"from": move.from_desa, "to": move.to_desa},
    )


async def tell_old_kecamatan(turn: Turn, case: CaseDetail, move: CaseMove) -> None:
    """The case (`case`: as it was) left its kecamatan: its TKSK there, and whoever last
    sent it back or verified it, hear where it went, if they may no longer see it (a
    coordinator of the kabupaten still does, and hears of the correction as such)."""
    reporter = turn.user
    assert reporter is not None  # who moved it: its reporter
    summary = case.summary
    there = await turn.repos.users.active_with_role(Role.TKSK, kecamatan_code=move.from_kecamatan)
    ids = [person.id for person in there]
    for state in (S.NEEDS_REVISION, S.VERIFIED):
        if (step := last_step_into(case, state)) and step.actor_id is not None:
            ids.append(step.actor_id)
    regions = turn.repos.regions
    place = {
        "desa": await regions.name_of(move.to_desa),
        "kecamatan": await regions.name_of(move.to_kecamatan),
        "from_kecamatan": await regions.name_of(move.from_kecamatan),
    }
    for user_id in dict.fromkeys(ids):
        person = await turn.repos.users.get_active(user_id)
        if person is None or person.id == reporter.id or _sees_now(person, summary, move):
            continue
        text = turn.app.catalog.text(
            person.language, "review.moved_out", number=summary.number, **place
        )
        notice = Outbound(text=text, summary=summary.number)
        await turn.deliver(person.id, notice, DeliveryKind.NOTICE)


def _sees_now(person: User, case: CaseSummary, move: CaseMove) -> bool:
    return can_see_case(
        person,
        kabupaten_code=move.to_kecamatan.rsplit(".", 1)[0],
        kecamatan_code=move.to_kecamatan,
        desa_code=move.to_desa,
        reporter_id=case.reporter_id,
    )
