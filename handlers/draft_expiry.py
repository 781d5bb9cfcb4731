"""Every form's unfinished session ends after DRAFT_TTL_DAYS idle (UU PDP: a half-filled form
holds personal data and gets a short life): case reports and registrations (a Bimtek link's
light one too) after a reminder (`EXPIRING`), every other form silently: a verification's
note and GPS, a visit's, a review's reason, a /cari question, a training person's phone...

Why the side flows go without a word: each is begun again from its own button or command
(the case page's Verifikasi, /cari, a training's page), and a button of the question left
open is answered as any old button is ("Tombol itu dari pesan lama"), so nobody is left
waiting for something that went. Their answers are blanked as they end (`FormRepo.expire`)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta

from handlers.context import AppContext
from handlers.correction_sessions import corrected_case
from handlers.date_formats import short_date
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Button, Outbound
from handlers.forms.option_labels import category_labels
from handlers.i18n import Markup
from handlers.main_menu import MENU_PREFIX
from handlers.masking import mask_identifiers
from handlers.quiet_hours import next_allowed
from handlers.temp_files import remove_photos_once_unused
from storage.models import FormSession, Role, User, UserStatus
from storage.photos import photos_held
from storage.repos import Repos


@dataclass(frozen=True)
class Told:
    """People told about their unfinished session of a form, and the catalogue section of
    their reminder and notice (`<texts>.draft_warning`, `<texts>.draft_discarded`)."""

    status: UserStatus
    texts: str
    role: Role | None = None  # None: whatever their role


@dataclass(frozen=True)
class Expiring:
    """A form whose unfinished sessions end, and who is told (the others' sessions end
    silently at their time)."""

    form_id: str
    told: tuple[Told, ...]
    # The command its drafts are listed by, as a main-menu button on the warning (label key).
    listed_by: tuple[str, str] | None = None

    def texts_for(self, user: User | None) -> str | None:
        """The catalogue section for this person, None when they are not told. Nobody
        awaiting a decision is: their registration is sent, and a second one left unfinished
        (from before /daftar took an unfinished one up) ends silently."""
        if user is not None and user.awaits_decision:
            return None
        for who in self.told:
            if user is not None and user.status == who.status and who.role in (None, user.role):
                return who.texts
        return None


EXPIRING = (
    Expiring("case_report", (Told(UserStatus.ACTIVE, "case"),), ("draf", "menu.drafts")),
    Expiring(
        "registration",
        (
            Told(UserStatus.REGISTERING, "registration"),
            # Someone rejected correcting it (/start takes it up as a newcomer's).
            Told(UserStatus.REJECTED, "registration"),
            # A training candidate's application (/daftar): they stay a candidate meanwhile.
            Told(UserStatus.ACTIVE, "registration.calon_application", role=Role.CALON),
        ),
    ),
    # A Bimtek link's light registration: /start resumes it as it does the registration.
    Expiring("training_join", (Told(UserStatus.REGISTERING, "registration"),)),
)
WARNING_KIND = "draft_warning"
WARN_DAYS_BEFORE = 2
MIN_NOTICE = timedelta(days=1)
SIDE_BATCH = 500  # side flows ended a tick: a backlog (the first run) is worked off in batches


async def expire_drafts(repos: Repos, app: AppContext, now: datetime) -> None:
    """Warn about drafts close to their end; discard drafts past it that were warned; end
    every other form's sessions idle for DRAFT_TTL_DAYS without a word."""
    for form in EXPIRING:
        await _expire(repos, app, now, form)
    told = tuple(form.form_id for form in EXPIRING)
    before = now - timedelta(days=app.draft_ttl_days)
    for session in await repos.forms.stale_except(told, before, SIDE_BATCH):
        await _discard(repos, app, session, now)


async def _expire(repos: Repos, app: AppContext, now: datetime, form: Expiring) -> None:
    ttl = timedelta(days=app.draft_ttl_days)
    warn_after = ttl - timedelta(days=min(WARN_DAYS_BEFORE, app.draft_ttl_days - 1))
    stale = await repos.forms.stale(form.form_id, now - warn_after)
    if not stale:
        return
    # Asked every minute while drafts wait out their notice: the people and the warnings of
    # them all in two queries, not two a draft.
    keys = {session.id: f"{session.id}:{session.updated_at.isoformat()}" for session in stale}
    warnings = await repos.schedule.ran_at_many(WARNING_KIND, list(keys.values()))
    people = await repos.users.get_many(sorted({session.user_id for session in stale}))
    for session in stale:
        if corrected_case(session) is not None:
            await _correction_past_its_time(repos, app, session, now)
            continue
        user = people.get(session.user_id)
        language = user.language if user else app.default_language
        key = keys[session.id]
        warned = warnings.get(key)
        texts = form.texts_for(user)
        if user is None or texts is None or (form.listed_by is not None and session.untouched):
            # Suspended (or gone): nobody to warn or tell; the draft still ends at its time.
            # Nor of a report left at its first question: no draft /draf would list.
            if session.updated_at + ttl <= now:
                await _discard(repos, app, session, now)
            continue
        announced = app.catalog.text(language, "announced.draft")
        named = _draft_named(app, language, session)
        if warned is None:
            # Not in the quiet hours: then in the morning, and the day's notice counts from it.
            delivered = next_allowed(app, now)
            await repos.schedule.claim(WARNING_KIND, key, now=delivered)
            days = (session.updated_at + ttl - delivered).days + 1
            text = app.catalog.text(language, f"{texts}.draft_warning", days=max(1, days), **named)
            buttons = []
            if form.listed_by is not None:
                command, label = form.listed_by
                buttons = [
                    [
                        Button(
                            label=app.catalog.text(language, label), data=f"{MENU_PREFIX}:{command}"
                        )
                    ]
                ]
            await deliver(
                repos,
                user_id=session.user_id,
                message=Outbound(text=text, buttons=buttons, summary=announced),
                kind=DeliveryKind.ROUTINE,
                now=now,
                not_before=delivered,
            )
        elif session.updated_at + ttl <= now and now - warned >= MIN_NOTICE:
            await _discard(repos, app, session, now)
            text = app.catalog.text(
                language, f"{texts}.draft_discarded", days=app.draft_ttl_days, **named
            )
            await deliver(
                repos,
                user_id=session.user_id,
                message=Outbound(text=text, summary=announced),
                kind=DeliveryKind.NOTICE,
                now=now,
                not_before=next_allowed(app, now),
            )


async def _correction_past_its_time(
    repos: Repos, app: AppContext, session: FormSession, now: datetime
) -> None:
    """A correction of a case sent back is no draft (handlers/correction_sessions.py, QA walk
    13): never warned of, and never ended while its case still waits for it (the daily
    reminder chases the case; `FormRepo.stale` leaves those out); one no longer awaited ends
    silently at its time."""
    if session.updated_at + timedelta(days=app.draft_ttl_days) <= now:
        await _discard(repos, app, session, now)


def _draft_named(app: AppContext, language: str, session: FormSession) -> dict[str, str]:
    """What names a draft in its warning and notice (the texts that take them): the head of
    household typed (a NIK or KK typed there masked), else "no name yet", and what it is
    about: its problems when chosen, and the day it was started."""
    answers = session.state.get("answers", {})
    head = answers.get("head_name")
    if isinstance(head, str) and head.strip():
        name = mask_identifiers(head.strip())
    else:
        name = app.catalog.text(language, "case.draft_unnamed")
    started = short_date(app.local_date(session.created_at), language)
    about = app.catalog.text(language, "case.draft_started", started=started)
    chosen = answers.get("categories")
    # By code, in the reader's language (the label stored is the one it was picked in).
    names = category_labels(app.forms, language)
    labels = (
        [
            names.get(c.get("name")) or c["label"]
            for c in chosen
            if isinstance(c, dict) and c.get("label")
        ]
        if isinstance(chosen, list)
        else []
    )
    if labels:
        about = html.escape(", ".join(labels), quote=False) + ", " + about
    return {"name": name, "about": Markup(about)}


async def _discard(repos: Repos, app: AppContext, session: FormSession, now: datetime) -> None:
    """The draft ends: cancelled, its answers blanked, its photos gone from disk once nothing
    else shows them."""
    await repos.forms.expire(session.id, now=now)
    remove_photos_once_unused(repos, app, photos_held(session.state))
    await repos.audit.record(
        now=now,
        actor_id=None,
        action="draft.expired",
        subject=f"session:{session.id}",
        detail={"form": session.form_id},
    )
