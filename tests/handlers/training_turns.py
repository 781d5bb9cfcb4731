"""Training (Bimtek) handler turns without a channel: people with a Telegram identity, a
training stored through its repository, and a turn (command, tap, text, location) at a time."""

from __future__ import annotations

import html
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.context import AppContext, Turn
from handlers.events import Inbound, InboundKind
from handlers.trainings.codes import new_secret
from storage.models import Role, User, UserStatus
from storage.repos import Repos

WIB = ZoneInfo("Asia/Jakarta")
CREATED = datetime(2026, 12, 1, 9, 0, tzinfo=WIB)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of December 2026, Jakarta time."""
    return datetime(2026, 12, day, hour, minute, tzinfo=WIB)


def plain(text: str | None) -> str:
    """What a person sees of a Telegram HTML text."""
    return html.unescape(re.sub(r"<[^>]+>", "", text or ""))


async def person(
    repos: Repos,
    name: str,
    role: Role,
    *,
    kabupaten: str = "32.08",
    kecamatan: str | None = None,
    desa: str | None = None,
    status: UserStatus = UserStatus.ACTIVE,
) -> User:
    """Someone who started the bot on Telegram (chat id = user id)."""
    user = await repos.users.create(
        now=CREATED, status=status, full_name=name, role=role, kabupaten_code=kabupaten
    )
    user = await repos.users.update(user.id, now=CREATED, kecamatan_code=kecamatan, desa_code=desa)
    await repos.users.add_identity(
        user_id=user.id,
        channel="telegram",
        external_id=str(user.id),
        chat_id=str(user.id),
        now=CREATED,
    )
    return user


async def new_training(
    repos: Repos,
    creator: User,
    days: list[tuple[datetime, datetime]],
    *,
    title: str = "Bimtek Uji",
    kecamatan: str | None = None,
    deadline: datetime | None = None,
    method: str = "code",
    venue: tuple[float, float] | None = None,
    radius: int | None = None,
) -> int:
    """A training of the creator's kabupaten (a TKSK's kecamatan when given)."""
    fields = {
        "kabupaten_code": creator.kabupaten_code,
        "kecamatan_code": kecamatan,
        "title": title,
        "venue_name": "Aula",
        "venue_address": "Jl. Siliwangi 88",
        "latitude": venue[0] if venue else None,
        "longitude": venue[1] if venue else None,
        "radius_m": radius,
        "audience": {"role": "psm", "kecamatan": kecamatan},
        "rsvp_deadline": deadline or days[0][0],
        "checkin_method": method,
        "open_minutes": 60,
        "late_minutes": 15,
        "secret": new_secret(),
    }
    return await repos.trainings.create(
        fields=fields, days=days, created_by=creator.id, now=CREATED
    )


async def invited_psm(
    repos: Repos,
    days: list[tuple[datetime, datetime]],
    *,
    deadline: datetime | None = None,
    and_a_suspended_one: bool = False,
) -> tuple[User, User, int]:
    """Ibu Sari (coordinator), Bu Ani (PSM of Kadugede) and a training of `days` by the
    coordinator that Bu Ani is invited to (answers until `deadline`, else 7 Dec 00.00);
    with `and_a_suspended_one`, Pak Susp is invited too, then suspended."""
    coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
    psm = await person(repos, "Bu Ani", Role.PSM, kecamatan="32.08.01")
    training_id = await new_training(repos, coordinator, days, deadline=deadline or at(7, 0))
    await repos.trainings.invite(training_id, [psm.id], at(1, 9))
    if and_a_suspended_one:
        suspended = await person(repos, "Pak Susp", Role.PSM, kecamatan="32.08.01")
        await repos.trainings.invite(training_id, [suspended.id], at(1, 9))
        await repos.users.update(suspended.id, now=at(1, 9), status=UserStatus.SUSPENDED)
    return coordinator, psm, training_id


async def turn(
    app: AppContext,
    repos: Repos,
    user: User,
    now: datetime,
    *,
    command: str | None = None,
    args: str = "",
    data: str | None = None,
    text: str | None = None,
    location: tuple[float, float] | None = None,
) -> Turn:
    """One inbound event of the person at `now` (the user re-read, as the router does)."""
    current = await repos.users.get(user.id)
    assert current is not None
    identity = await repos.users.identity("telegram", str(user.id))
    fields: dict = {"kind": InboundKind.TEXT, "text": text}
    if command is not None:
        fields = {"kind": InboundKind.COMMAND, "command": command, "command_args": args}
    elif data is not None:
        fields = {"kind": InboundKind.BUTTON, "data": data, "callback_id": "cb"}
    elif location is not None:
        fields = {"kind": InboundKind.LOCATION, "latitude": location[0], "longitude": location[1]}
    event = Inbound(
        channel="telegram", external_user_id=str(user.id), chat_id=str(user.id), **fields
    )
    return Turn(app=app, repos=repos, event=event, now=now, user=current, identity=identity)


def texts(turn: Turn) -> list[str]:
    return [plain(reply.text) for reply in turn.replies]


def labels(turn: Turn) -> list[str]:
    return [button.label for reply in turn.replies for row in reply.buttons for button in row]


def button_data(turn: Turn) -> list[str]:
    return [button.data for reply in turn.replies for row in reply.buttons for button in row]
