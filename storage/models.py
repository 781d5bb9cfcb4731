"""Pydantic models returned by the repositories."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def to_db(moment: datetime) -> str:
    """A timezone-aware moment as the UTC ISO string stored in the database."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_db(text: str | None) -> datetime | None:
    """The stored ISO string back as an aware UTC datetime."""
    return datetime.fromisoformat(text) if text else None


class Role(StrEnum):
    """Who a person is in the bot; see docs/model.md."""

    PSM = "psm"
    TKSK = "tksk"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    CALON = "calon"


class UserStatus(StrEnum):
    """Where a person is in registration and approval."""

    REGISTERING = "registering"
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class CaseState(StrEnum):
    """The one case workflow enum; transitions belong to the review feature."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    NEEDS_REVISION = "needs_revision"
    RESUBMITTED = "resubmitted"
    APPROVED = "approved"
    IN_FOLLOW_UP = "in_follow_up"
    RESOLVED = "resolved"
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """Open means any state but draft, resolved and rejected."""
        return self not in (CaseState.DRAFT, CaseState.RESOLVED, CaseState.REJECTED)


# The open states' stored values, for `state IN (...)` queries.
OPEN_CASE_STATES = tuple(state.value for state in CaseState if state.is_open)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Region(_Model):
    code: str
    name: str
    level: str
    parent_code: str


class User(_Model):
    id: int
    full_name: str
    role: Role | None
    requested_role: Role | None
    status: UserStatus
    kabupaten_code: str | None
    kecamatan_code: str | None
    desa_code: str | None
    phone: str | None
    phone_verified: bool
    language: str
    preferred_channel: str | None  # the channel used last
    decided_by: int | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    reminder_time: str | None = None
    reminders_enabled: bool = True
    version: int = 1  # bumped by every people-management change (storage/people_changes.py)
    delivery_channel: str | None = None  # chosen for reminders and notices (linked people)
    merged_into: int | None = None  # `psm-bot user merge` made them part of this user

    @property
    def awaits_decision(self) -> bool:
        """A registration an approver has to decide: a new person's (pending), or a training
        candidate's (`calon`, active for their training meanwhile) asking to become PSM/TKSK."""
        return self.status == UserStatus.PENDING or (
            self.status == UserStatus.ACTIVE
            and self.role == Role.CALON
            and self.requested_role is not None
        )


class ChannelIdentity(_Model):
    id: int
    user_id: int
    channel: str
    external_id: str
    chat_id: str | None
    phone: str | None
    phone_verified: bool
    started_at: datetime | None
    last_inbound_at: datetime | None
    unreachable_at: datetime | None
    menu_key: str | None = None  # fingerprint of the command menu this chat was last given


class InboxItem(_Model):
    id: int
    channel: str
    ext_id: str
    sender_key: str | None
    payload: dict[str, Any] | None
    status: str
    attempts: int


class OutboxItem(_Model):
    id: int
    user_id: int | None
    channel: str
    chat_id: str | None
    kind: str
    priority: int
    message: dict[str, Any]
    status: str
    attempts: int
    not_before: datetime
    expires_at: datetime | None
    topic: str | None = None  # "revision", "training": first when WhatsApp's limit is short
    other_recipient: bool = False  # WhatsApp 131062: send with the other recipient field
    # A message sent in several parts and tried again: the channel ids of the parts that went
    # out already (storage/outbox_parts.py), filled in by the sender; the send resumes after.
    sent_parts: list[str] = Field(default_factory=list)
    sent_at: datetime | None = None  # when the channel last accepted it (a late report's send)


class AuditEntry(_Model):
    """One audit_log row; `subject` names the record (`case:12`, `user:3`, `nik-hmac:...`)."""

    id: int
    at: datetime
    actor_id: int | None
    action: str
    subject: str | None
    detail: dict[str, Any]


class ExpiringMessage(_Model):
    """A sent message the channel should delete (a chat export past its time)."""

    outbox_id: int
    user_id: int | None
    channel: str
    chat_id: str | None
    ext_message_id: str | None
    sent: bool


class FormSession(_Model):
    id: int
    user_id: int
    form_id: str
    form_version: int
    state: dict[str, Any]
    rev: int
    status: str
    created_at: datetime
    updated_at: datetime

    @property
    def untouched(self) -> bool:
        """Nothing answered in it yet, and not opened on something (a correction's case): a
        report left at its first question is no draft (`UNTOUCHED_SQL` says the same)."""
        return not self.state.get("answers") and "context" not in self.state


# `FormSession.untouched` in SQL, on a `form_sessions` row.
UNTOUCHED_SQL = (
    "(COALESCE(json_extract(state, '$.answers'), '{}') IN ('{}', '[]')"
    " AND json_type(state, '$.context') IS NULL)"
)


class CaseSummary(_Model):
    """A case as listed (no personal data)."""

    id: int
    number: str
    state: CaseState
    urgency: str
    kabupaten_code: str
    kecamatan_code: str
    desa_code: str
    reporter_id: int  # who answers for it now (a handover gives it to someone else)
    submitted_by: int  # who wrote it: sent it first
    submitted_at: datetime
    categories: list[str]

    @property
    def authors(self) -> frozenset[int]:
        """Who may never verify or approve it (four eyes): who wrote it, and who answers for
        it now (a handover's receiver, who may have corrected it)."""
        return frozenset((self.reporter_id, self.submitted_by))


class FoundCase(CaseSummary):
    """A case found by /cari: as listed, with what tells it from another found with it."""

    head_name: str  # the head of household as the case page shows it; "" once erased
    desa_name: str


class DuplicateMatch(_Model):
    """An open case that concerns the same household or person."""

    case_id: int
    number: str
    kabupaten_code: str
    kecamatan_code: str
    desa_code: str
    reporter_id: int
    matched_on: str  # nik, kk, identity


class CaseEvent(_Model):
    """One change of a case's state."""

    at: datetime
    actor_id: int | None
    from_state: str | None
    to_state: str
    reason: str | None
    # What the step recorded beyond its reason (a verification's check in the field).
    detail: dict[str, Any] | None = None


class SendBackNote(_Model):
    """Why a case was last sent back to its reporter: when, by whom (their role now) and the
    reviewer's note."""

    case_id: int
    at: datetime
    actor_role: str | None
    reason: str | None


class Handover(_Model):
    """Work a person handed over to another PSM (`person.handover` in the audit)."""

    at: datetime
    receiver_id: int | None
    receiver_name: str | None
    cases: int
    drafts: int


class RevisedFacts(_Model):
    """What a corrected report changes in a case besides its answers, details, description,
    urgency and categories: the household and members it is about, where, consent, photos."""

    household_id: int
    kabupaten_code: str
    kecamatan_code: str
    desa_code: str
    protected: bool
    consent: dict[str, Any]
    subject_ids: list[int]
    photos: list[str]


class CaseDetail(_Model):
    """Everything about one case, for the people allowed to see it."""

    summary: CaseSummary
    version: int
    household_id: int
    head_name: str
    address: str
    no_kk: str | None
    latitude: float | None
    longitude: float | None
    member_count: int | None
    description: str
    details: dict[str, Any]
    consent: dict[str, Any]
    answers: dict[str, Any]
    protected: bool
    form_version: int
    subjects: list[dict[str, Any]]
    photos: list[str]
    events: list[CaseEvent]
