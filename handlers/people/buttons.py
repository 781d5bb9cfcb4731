"""The one entry for people-management buttons (`pg:<verb>:...`): parses the short fields
and re-checks the presser's permission on every press; each screen re-checks the scope."""

from __future__ import annotations

from handlers.context import Turn
from handlers.events import small_number
from handlers.people import changes, handover, placement, reconsider, screens
from handlers.people.common import PREFIX, ROLE_CODES, refuse

__all__ = ["PREFIX", "people_button"]
from handlers.permissions import allowed
from storage.models import UserStatus


def _numbers(fields: list[str], count: int) -> list[int] | None:
    values = [small_number(field) for field in fields[:count]]
    if len(fields) < count or any(value is None for value in values):
        return None
    return [value for value in values if value is not None]


async def people_button(turn: Turn, data: str) -> None:
    """A people-management button was pressed."""
    if not allowed(turn.user, "people.manage"):
        await refuse(turn, data)
        return
    _, verb, *fields = data.split(":")
    if not await _dispatch(turn, data, verb, fields):
        await refuse(turn, data)


async def _dispatch(turn: Turn, data: str, verb: str, fields: list[str]) -> bool:
    """Run the screen of a verb; False when the data is malformed."""
    if verb == "m" and not fields:
        await screens.show_menu(turn)
    elif verb == "p" and (n := _numbers(fields, 1)) and len(fields) == 1:
        await screens.show_pending(turn, n[0])
    elif (
        verb == "r"
        and len(fields) == 2
        and fields[0] in ROLE_CODES
        and (n := _numbers(fields[1:], 1))
    ):
        await screens.show_role(turn, fields[0], n[0])
    elif verb == "k" and len(fields) == 2 and (n := _numbers(fields[1:], 1)):
        await screens.show_kecamatan_choice(turn, fields[0], n[0])
    elif verb == "kp" and len(fields) == 2 and (n := _numbers(fields[1:], 1)):
        await screens.show_kecamatan(turn, fields[0], n[0])
    elif verb == "u" and len(fields) == 1 and (n := _numbers(fields, 1)):
        await screens.show_person(turn, n[0])
    elif verb in ("s", "sy", "a", "o") and len(fields) == 2 and (n := _numbers(fields, 2)):
        if verb == "s":
            await changes.ask_suspend(turn, n[0], n[1], data)
        elif verb == "o":
            await changes.ask_role(turn, n[0], n[1], data)
        else:
            status = UserStatus.SUSPENDED if verb == "sy" else UserStatus.ACTIVE
            await changes.set_status(turn, n[0], n[1], status, data)
    elif verb == "or" and len(fields) == 3 and (n := _numbers(fields, 2)):
        await placement.set_role(turn, n[0], n[1], fields[2], data)
    elif verb == "g" and len(fields) in (4, 5) and (n := _numbers(fields, 2)):
        page = small_number(fields[3])
        if page is None:
            return False
        kabupaten = fields[4] if len(fields) == 5 else None
        await placement.ask_kecamatan(turn, n[0], n[1], fields[2], page, kabupaten, data)
    elif verb == "gk" and len(fields) == 5 and (n := _numbers(fields, 2)):
        page = small_number(fields[4])
        if page is None:
            return False
        await placement.ask_desa(turn, n[0], n[1], fields[2], fields[3], page, data)
    elif verb == "gd" and len(fields) == 4 and (n := _numbers(fields, 2)):
        await placement.set_desa(turn, n[0], n[1], fields[2], fields[3], data)
    elif verb == "h" and len(fields) == 3 and (n := _numbers(fields, 3)):
        await handover.ask_receiver(turn, n[0], n[1], n[2], data)
    elif verb == "rv" and len(fields) == 2 and (n := _numbers(fields, 2)):
        await reconsider.reconsider(turn, n[0], n[1], data)
    elif verb in ("hc", "hy") and len(fields) == 3 and (n := _numbers(fields, 3)):
        step = handover.confirm if verb == "hc" else handover.hand_over
        await step(turn, n[0], n[1], n[2], data)
    else:
        return False
    return True
