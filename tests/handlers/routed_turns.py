"""Turns through the router, as either channel's adapter hands them over: a person who wrote
to the bot on a channel (external id and chat id = user id), what they type, tap or command."""

from __future__ import annotations

import itertools
from datetime import datetime

from handlers import router
from handlers.context import AppContext, Turn
from handlers.events import Inbound, InboundKind, Outbound, Pick
from storage.db import Database
from storage.models import FormSession, Role, User, UserStatus
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user

CHANNELS = ("telegram", "whatsapp")
_MESSAGE_IDS = itertools.count(900)


async def person(
    db: Database,
    name: str,
    role: Role | None,
    channel: str,
    *,
    kabupaten: str | None = "32.08",
    kecamatan: str | None = None,
    desa: str | None = None,
    status: UserStatus = UserStatus.ACTIVE,
) -> User:
    """Someone known on `channel`, with the role, region and status given."""
    async with db.transaction() as repos:
        user = await make_user(  # type: ignore[arg-type]
            repos, name, role, kabupaten=kabupaten, kecamatan=kecamatan, desa=desa
        )
        if status != UserStatus.ACTIVE:
            user = await repos.users.update(user.id, now=NOW, status=status)
        await repos.users.add_identity(
            user_id=user.id,
            channel=channel,
            external_id=str(user.id),
            chat_id=str(user.id),
            now=NOW,
        )
    return user


async def waiting_registration(db: Database, channel: str, name: str = "Rina Lestri") -> User:
    """Someone whose registration as PSM of Babatan (Kadugede) waits for a decision."""
    candidate = await person(
        db, name, None, channel, kecamatan=KADUGEDE, desa=BABATAN, status=UserStatus.PENDING
    )
    async with db.transaction() as repos:
        return await repos.users.update(
            candidate.id, now=NOW, requested_role=Role.PSM, phone="+6281234567890"
        )


async def send(
    db: Database,
    app: AppContext,
    user: User,
    channel: str,
    *,
    text: str | None = None,
    command: str | None = None,
    command_args: str = "",
    data: str | None = None,
    other_type: str | None = None,
    photo: str | None = None,
    more: bool = False,
    now: datetime = NOW,
    picks: tuple[Pick, ...] = (),
    picked_from: int | None = None,
) -> Turn:
    """One event through the router, in its own transaction (`other_type`: a sticker, a
    voice note... as the adapters name them; `photo`: a photo's file id, sent on its own;
    `picks`, `picked_from`: typed numbers as a channel that printed them read them;
    `command_args`: the words after a command), at `now`."""
    if photo is not None:
        kind = InboundKind.PHOTO
    elif other_type is not None:
        kind = InboundKind.OTHER
    elif command is not None:
        kind = InboundKind.COMMAND
    elif data is not None:
        kind = InboundKind.BUTTON
    else:
        kind = InboundKind.TEXT
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id=str(user.id),
        message_id=str(next(_MESSAGE_IDS)),
        kind=kind,
        text=text,
        command=command,
        command_args=command_args,
        data=data,
        callback_id="cb" if data is not None else None,
        other_type=other_type,
        photo_ref=photo,
        album_continues=more,
        picks=picks,
        picked_from=picked_from,
    )
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=now)
        await router.handle(turn)
    return turn


def said(turn: Turn) -> str:
    """Every text the turn answered, one after the other."""
    return "\n".join(reply.text or "" for reply in turn.replies if reply.type == "text")


def one_message(turn: Turn) -> str:
    """The text of the one message the turn answered (a refusal above the screen shown again
    is one message, as a form's), its buttons with it."""
    texts = [reply for reply in turn.replies if reply.type == "text"]
    assert len(texts) == 1, [reply.text for reply in texts]
    assert texts[0].buttons, texts[0].text
    return texts[0].text


def labels(turn: Turn) -> list[str]:
    """The labels of every button the turn offered."""
    return [b.label for reply in turn.replies for row in reply.buttons or [] for b in row]


def button(turn: Turn | Outbound, label: str) -> str:
    """The data of the first button whose label holds `label`, in what a turn answered or
    in one message (one delivered later: `queued`)."""
    replies = turn.replies if isinstance(turn, Turn) else [turn]
    for reply in replies:
        for row in reply.buttons or []:
            for one in row:
                if label in one.label:
                    return one.data
    offered = [b.label for reply in replies for row in reply.buttons or [] for b in row]
    texts = [reply.text for reply in replies]
    raise AssertionError(f"no button {label!r} in {texts!r} ({offered})")


async def queued(db: Database, user: User) -> list[Outbound]:
    """Every message delivered to a person outside their own turns, oldest first."""
    async with db.reading() as repos:
        items = await repos.outbox.for_user(user.id)
    return [Outbound.model_validate(item.message) for item in items]


async def active_session(db: Database, user: User) -> FormSession | None:
    """The form session a person has open now, if any."""
    async with db.reading() as repos:
        return await repos.forms.active(user.id)


async def open_session(db: Database, user: User) -> FormSession:
    """The form session a person has open now (one must be)."""
    session = await active_session(db, user)
    assert session is not None, "no form is open"
    return session
