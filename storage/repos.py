"""All repositories bound to one connection (a transaction or the read-only connection)."""

from __future__ import annotations

import aiosqlite

from storage.audit import AuditRepo
from storage.broadcasts import BroadcastRepo
from storage.cases import CaseRepo, CaseReviewRepo
from storage.district_reminders import DistrictReminderRepo
from storage.exports import ExportRepo
from storage.forms import FormRepo
from storage.inbox import InboxRepo
from storage.outbox import OutboxRepo
from storage.people import PeopleRepo
from storage.regions import RegionRepo
from storage.reminders import ReminderRepo
from storage.schedule import ScheduleRepo
from storage.stats import StatsRepo
from storage.stats_windows import StatsWindowRepo
from storage.subjects import SubjectRepo
from storage.template_usage import TemplateUsageRepo
from storage.training_invites import TrainingInviteRepo
from storage.trainings import TrainingRepo
from storage.users import UserRepo
from storage.visits import VisitRepo


class Repos:
    """The repositories of one unit of work."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self.conn = conn
        self.users = UserRepo(conn)
        self.regions = RegionRepo(conn)
        self.inbox = InboxRepo(conn)
        self.outbox = OutboxRepo(conn)
        self.forms = FormRepo(conn)
        self.schedule = ScheduleRepo(conn)
        self.audit = AuditRepo(conn)
        self.cases = CaseRepo(conn)
        self.review = CaseReviewRepo(conn)
        self.stats = StatsRepo(conn)
        self.stats_windows = StatsWindowRepo(conn)
        self.exports = ExportRepo(conn)
        self.subjects = SubjectRepo(conn)
        self.reminders = ReminderRepo(conn)
        self.broadcasts = BroadcastRepo(conn)
        self.trainings = TrainingRepo(conn)
        self.visits = VisitRepo(conn)
        self.people = PeopleRepo(conn)
        self.training_invites = TrainingInviteRepo(conn)
        self.templates = TemplateUsageRepo(conn)
        self.district_reminders = DistrictReminderRepo(conn)
