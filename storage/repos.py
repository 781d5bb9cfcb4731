"""All repositories bound to one connection (a transaction or the read-only connection)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import aiosqlite

from storage.audit import AuditRepo
from storage.background import BackgroundRequestRepo
from storage.broadcasts import BroadcastRepo
from storage.case_review import CaseReviewRepo
from storage.cases import CaseRepo
from storage.day_offset import DayOffsetRepo
from storage.district_contacts import DistrictContactRepo
from storage.district_reminders import DistrictReminderRepo
from storage.early_statuses import EarlyStatusRepo
from storage.erasure import ErasureRepo
from storage.exports import ExportRepo
from storage.forms import FormRepo
from storage.households import HouseholdRepo
from storage.inbox import InboxRepo
from storage.outbox import OutboxRepo
from storage.outbox_parts import OutboxPartsRepo
from storage.people import PeopleRepo
from storage.photos import PhotoRepo
from storage.regions import RegionRepo
from storage.reminders import ReminderRepo
from storage.reporter_cases import ReporterCaseRepo
from storage.retention import RetentionRepo
from storage.schedule import ScheduleRepo
from storage.stats import StatsRepo
from storage.stats_windows import StatsWindowRepo
from storage.subjects import SubjectRepo
from storage.template_usage import TemplateUsageRepo
from storage.training_invites import TrainingInviteRepo
from storage.trainings import TrainingRepo
from storage.user_merge import UserMergeRepo
from storage.users import UserRepo
from storage.visits import VisitRepo

if TYPE_CHECKING:
    from storage.db import WriterTurn


class Repos:
    """The repositories of one unit of work."""

    def __init__(self, conn: aiosqlite.Connection, turn: WriterTurn | None = None) -> None:
        self.conn = conn
        self._turn = turn
        self.users = UserRepo(conn)
        self.regions = RegionRepo(conn)
        self.inbox = InboxRepo(conn)
        self.outbox = OutboxRepo(conn)
        self.outbox_parts = OutboxPartsRepo(conn)
        self.forms = FormRepo(conn)
        self.schedule = ScheduleRepo(conn)
        self.audit = AuditRepo(conn)
        self.cases = CaseRepo(conn)
        self.households = HouseholdRepo(conn)
        self.reporter_cases = ReporterCaseRepo(conn)
        self.review = CaseReviewRepo(conn)
        self.stats = StatsRepo(conn)
        self.stats_windows = StatsWindowRepo(conn)
        self.day_offset = DayOffsetRepo(conn)
        self.exports = ExportRepo(conn)
        self.subjects = SubjectRepo(conn)
        self.erasure = ErasureRepo(conn)
        self.retention = RetentionRepo(conn)
        self.photos = PhotoRepo(conn)
        self.reminders = ReminderRepo(conn)
        self.broadcasts = BroadcastRepo(conn)
        self.trainings = TrainingRepo(conn)
        self.visits = VisitRepo(conn)
        self.people = PeopleRepo(conn)
        self.training_invites = TrainingInviteRepo(conn)
        self.templates = TemplateUsageRepo(conn)
        self.early_statuses = EarlyStatusRepo(conn)
        self.district_reminders = DistrictReminderRepo(conn)
        self.district_contacts = DistrictContactRepo(conn)
        self.background = BackgroundRequestRepo(conn)
        self.user_merge = UserMergeRepo(conn)

    async def let_others_write(self) -> None:
        """Between units of long work that stand on their own: commit and let waiting
        writes in once the transaction has held the writer for a slice (`WriterTurn`)."""
        if self._turn is not None:
            await self._turn.let_others_write()

    def after_commit(self, action: Callable[[], Awaitable[None]]) -> None:
        """Run `action` once what this transaction did so far is committed (not at all if it
        is rolled back): removing files the change no longer needs, for one. It runs with the
        writer still held: it may read through these repositories, never open a transaction
        (that would wait for the writer for ever)."""
        if self._turn is None:
            raise RuntimeError("after_commit belongs inside a write transaction")
        self._turn.after_commit.append(action)

    @asynccontextmanager
    async def savepoint(self, name: str = "step") -> AsyncIterator[None]:
        """A nested unit inside a write transaction: an error rolls back only what it did.

        On success it is not released: the transaction's COMMIT releases it with the others
        (a round trip fewer per unit). Units opened after it nest inside it, and `ROLLBACK
        TO` names the most recent savepoint of a name, so a failing later unit still rolls
        back only itself. From then on the writer cannot be shared (`let_others_write`,
        `writer_released` refuse): their commit would end every savepoint."""
        conn = self.conn
        if not conn.in_transaction:
            raise RuntimeError("a savepoint belongs inside a write transaction")
        await conn.execute(f"SAVEPOINT {name}")
        waiting = 0
        if self._turn is not None:
            self._turn.savepoints += 1
            waiting = len(self._turn.after_commit)
        try:
            yield
        except BaseException:
            await conn.execute(f"ROLLBACK TO {name}")
            await conn.execute(f"RELEASE {name}")
            if self._turn is not None:
                self._turn.savepoints -= 1
                del self._turn.after_commit[waiting:]  # asked for by what was rolled back
            raise

    @asynccontextmanager
    async def writer_released(self) -> AsyncIterator[None]:
        """Commit and give the writer up while the body runs (slow work that writes
        nothing, like drawing a chart); a plain block outside a write transaction."""
        if self._turn is None:
            yield
            return
        async with self._turn.released():
            yield
