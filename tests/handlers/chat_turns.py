"""Handler turns without a channel: an AppContext, a command or a button tap, one person."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from bot.channels.traits import channel_traits
from handlers.context import AppContext, District, Turn
from handlers.events import Inbound, InboundKind, Outbound
from handlers.forms.held_question import question_below_result
from handlers.forms.loading import load_forms
from handlers.i18n import Catalog
from storage.db import Database
from storage.models import User
from storage.repos import Repos
from tests.storage.seed_cases import NOW


def app_context(media_dir: Path) -> AppContext:
    return AppContext(
        catalog=Catalog.load(),
        forms=load_forms(),
        districts=[District("32.08", "KNG"), District("35.23", "TBN")],
        timezone=ZoneInfo("Asia/Jakarta"),
        admin_ids={},
        media_dir=media_dir,
        channels=channel_traits(),
    )


def command(
    app: AppContext,
    repos: Repos,
    user: User,
    name: str,
    args: str = "",
    *,
    channel: str = "telegram",
) -> Turn:
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id=str(user.id),
        kind=InboundKind.COMMAND,
        command=name,
        command_args=args,
    )
    return Turn(app=app, repos=repos, event=event, now=NOW, user=user)


def tap(app: AppContext, repos: Repos, user: User, data: str, *, channel: str = "telegram") -> Turn:
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id=str(user.id),
        kind=InboundKind.BUTTON,
        data=data,
        callback_id="cb",
    )
    return Turn(app=app, repos=repos, event=event, now=NOW, user=user)


async def run_background(db: Database, turn: Turn) -> list[Outbound]:
    """What the turn answered, with its background jobs run as the inbox worker runs them
    (after the turn, on the read-only connection): "being prepared" gives way to the result."""
    if not turn.background:
        return turn.replies
    preparing = turn.t("background.preparing")
    replies = [reply for reply in turn.replies if reply.text != preparing]
    for job in turn.background:
        async with db.reading() as reader:
            replies += await job.produce(reader)
        async with db.transaction() as repos:
            if job.record is not None:
                await job.record(repos)
            replies += await question_below_result(
                turn.app,
                repos,
                turn.event,
                user_id=turn.user.id if turn.user else None,
                resume=job.resume,
                now=turn.now,
            )
    return replies
