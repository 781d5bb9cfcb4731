"""What a conversation turn can see and do: the event, the person, storage, delivery."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from handlers.channel_traits import UNKNOWN_CHANNEL, ChannelTraits
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Inbound, Outbound
from handlers.forms.model import Form
from handlers.i18n import Catalog
from handlers.photos_in_flight import PhotosInFlight
from storage.models import ChannelIdentity, User
from storage.outbox_waiting import Released
from storage.repos import Repos


@dataclass(frozen=True)
class District:
    """A kabupaten served by this deployment, with its case-number prefix."""

    code: str  # e.g. 32.08
    prefix: str  # e.g. KNG


@dataclass
class AppContext:
    """Everything conversations share for the life of the process."""

    catalog: Catalog
    forms: dict[str, Form]  # the current version of each form, by id
    districts: list[District]
    timezone: ZoneInfo
    admin_ids: dict[str, frozenset[str]]  # channel -> external ids that are admins
    default_language: str = "id"
    draft_ttl_days: int = 14
    media_dir: Path = Path("data/media")
    reminder_time: time = time(16, 0)
    digest_time: time = time(7, 0)
    weekly_digest_day: int = 1  # ISO weekday of the TKSK weekly digest (1 = Monday)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(6, 0)
    retention_days: int = 1825  # closed cases are purged this long after their last change
    rejected_retention_days: int = 90  # rejected applicants are forgotten this long after
    export_message_ttl: timedelta = timedelta(hours=4)  # chat exports leave the chat after this
    transcript_ttl: timedelta = timedelta(hours=24)  # settled texts and finished answers blanked
    form_versions: dict[tuple[str, int], Form] = field(default_factory=dict)
    # The bot's address by channel name (Telegram's username from getMe, WhatsApp's business
    # number): what links opening a chat with it need (`chat_link`).
    bot_addresses: dict[str, str] = field(default_factory=dict)
    channels: dict[str, ChannelTraits] = field(default_factory=dict)  # by channel name
    # `await render(fn, *args)`: CPU-heavy work off the event loop. A thread by default; the
    # running bot's runs it in a worker process (bot/render_pool.py): arguments and result pickle.
    render: Callable[..., Awaitable[Any]] = asyncio.to_thread
    # Stored photos that updates not handled yet bring: no removal takes them meanwhile
    # (filled by the inbox's fetches, bot/inbox_fetches.py).
    photos_in_flight: PhotosInFlight = field(default_factory=PhotosInFlight)
    # The key of the NIK/KK hashes in the audit log (handlers/audit_keys.py): the
    # deployment's, from outside the database (bot/audit_key.py); a throwaway one by default
    # (the demo's and tests' own contexts).
    audit_key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)

    def traits(self, channel: str) -> ChannelTraits:
        """What a channel can do; a channel missing from the table is assumed to do nothing
        special (handlers/channel_traits.py)."""
        return self.channels.get(channel, UNKNOWN_CHANNEL)

    def chat_link(self, channel: str, payload: str) -> str | None:
        """A link that opens a chat with the bot on a channel and starts it with `payload`
        (Telegram's /start parameter, WhatsApp's typed text); None where there is none."""
        return self.traits(channel).chat_link(self.bot_addresses.get(channel, ""), payload)

    def channels_where(self, trait: Callable[[ChannelTraits], bool]) -> list[str]:
        """The names of the channels with a trait, sorted (e.g. those that report status)."""
        return sorted(name for name, traits in self.channels.items() if trait(traits))

    def local_time(self, moment: datetime) -> datetime:
        """A moment on the local clock."""
        return moment.astimezone(self.timezone)

    def local_date(self, moment: datetime) -> date:
        """The local calendar date of a moment: what "a day" means everywhere."""
        return moment.astimezone(self.timezone).date()

    @property
    def zone_name(self) -> str:
        """The local zone as people name it: WIB, WITA or WIT (the tz database's abbreviation)."""
        return datetime.now(self.timezone).strftime("%Z")


@dataclass(frozen=True)
class FormResume:
    """A form's question to ask again below a background job's result, if the session is
    still at this revision then (handlers/forms/held_question.py)."""

    session_id: int
    rev: int


@dataclass(frozen=True)
class BackgroundJob:
    """Heavy work a turn hands off (statistics, exports): run after the turn committed,
    reading from a read-only connection of its own; what `produce` returns is sent to the chat the
    turn came from, in a write transaction that also runs `record` (e.g. an audit row)."""

    produce: Callable[[Repos], Awaitable[list[Outbound]]]
    record: Callable[[Repos], Awaitable[None]] | None = None
    # Asked after what `produce` returns (or its failure's message): the form the turn's
    # command interrupted (`held_question.hold_question`), drawn when the result goes out.
    resume: FormResume | None = None


@dataclass
class Turn:
    """One inbound event being handled inside one write transaction."""

    app: AppContext
    repos: Repos
    event: Inbound
    now: datetime
    user: User | None = None
    identity: ChannelIdentity | None = None
    replies: list[Outbound] = field(default_factory=list)
    toast: str = ""  # short text for the answer to a button tap
    released: Released = field(default_factory=Released)  # what waited and goes out now
    # The event answered a NIK or KK question: a mistyped number leaves the chat too
    # (handlers/identifier_messages.py).
    identifier_question: bool = False
    # The person's first contact with the bot on any channel (an admin by the settings, or
    # someone added on the command line, starting it): greeted as new, not "kembali".
    first_contact: bool = False
    background: list[BackgroundJob] = field(default_factory=list)

    @property
    def language(self) -> str:
        return self.user.language if self.user else self.app.default_language

    @property
    def today(self) -> date:
        return self.app.local_date(self.now)

    @property
    def channel_traits(self) -> ChannelTraits:
        """What the channel this event came from can do."""
        return self.app.traits(self.event.channel)

    def t(self, key: str, /, **values: Any) -> str:
        """A catalogue text in the person's language."""
        return self.app.catalog.text(self.language, key, **values)

    def reply(self, message: Outbound | str) -> None:
        """Answer in the chat the event came from."""
        self.replies.append(Outbound.say(message) if isinstance(message, str) else message)

    def later(self, job: BackgroundJob, *, announce: bool = True) -> None:
        """Hand heavy work off; the job's messages follow (see BackgroundJob). `announce`:
        answer "being prepared" now, for a result the person asked for (not for the next
        question of a dialogue, which merely needs counting first)."""
        self.background.append(job)
        if announce:
            self.reply(self.t("background.preparing"))

    def later_audited(
        self,
        produce: Callable[[Repos], Awaitable[list[Outbound]]],
        *,
        action: str,
        subject: str,
        detail: dict[str, Any],
    ) -> None:
        """`later`, with an audit row by this person written when the messages are queued
        (`detail` as `produce` filled it in: what went out)."""

        async def record(repos: Repos) -> None:
            await repos.audit.record(
                now=self.now,
                actor_id=self.user.id if self.user else None,
                action=action,
                subject=subject,
                detail=detail,
            )

        self.later(BackgroundJob(produce, record))

    async def deliver(
        self,
        user_id: int,
        message: Outbound,
        kind: DeliveryKind = DeliveryKind.NOTICE,
        topic: str | None = None,
    ) -> None:
        """Send to another person through the one delivery path."""
        await deliver(
            self.repos, user_id=user_id, message=message, kind=kind, now=self.now, topic=topic
        )
