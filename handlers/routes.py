"""Which handler each command and button goes to: the router's tables (handlers/router.py).

A button's data starts with its handler's prefix (/ekspor's `ex:...`); the prefixes are
checked at import, so two handlers never claim one, nor one a form button's `f...` could
start with.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers import (
    account,
    broadcast,
    case_report,
    channel_choice,
    command_or_answer,
    district_contact,
    district_reminders,
    export,
    export_choice,
    form_cancel,
    main_menu,
    my_case_page,
    my_reports,
    phone_number,
    privacy,
    registration_kecamatan,
    registration_request,
    reminder_settings,
    statistics,
    template_count,
    welcome,
)
from handlers.audit import view as audit_view
from handlers.case_submission import DUPLICATE_PREFIX
from handlers.context import Turn
from handlers.forms import one_unsent
from handlers.people import buttons as people_buttons
from handlers.people import screens as people_screens
from handlers.review import buttons as review_buttons
from handlers.review import case_page as review_case_page
from handlers.review import decisions as review_decisions
from handlers.review import queue as review_queue
from handlers.review import reporter as review_reporter
from handlers.review import search as review_search
from handlers.review import search_results as review_search_results
from handlers.trainings import checkin as training_checkin
from handlers.trainings import common as training
from handlers.trainings import creation as training_creation
from handlers.trainings import manual as training_manual
from handlers.trainings import page as training_page
from handlers.trainings import people as training_people
from handlers.trainings import rsvp as training_rsvp

Handler = Callable[[Turn], Awaitable[None]]

COMMANDS: dict[str, Handler] = {
    "start": welcome.start,
    "bantuan": account.show_help,
    "help": account.show_help,
    "menu": account.show_menu,
    "saya": account.show_profile,
    "bahasa": account.ask_language,
    "batal": form_cancel.ask_cancel,
    "daftar": welcome.register,
    "lapor": case_report.start_report,
    "draf": case_report.list_drafts,
    "laporan_saya": my_reports.my_reports,
    "antrian": review_queue.show_queue,
    "cari": review_search.search,
    "siaran": broadcast.start_broadcast,
    "pengingat": reminder_settings.ask,
    "statistik": statistics.show_statistics,
    "ekspor": export.start_export,
    "bimtek_baru": training_creation.start_creation,
    "bimtek": training_page.show_trainings,
    "jadwal": training_rsvp.show_schedule,
    "hadir": training_checkin.check_in,
    "audit": audit_view.show_audit,
    "pengguna": people_screens.show_people,
    "nomor": phone_number.ask,
    "templat": template_count.show_template_count,
    "kontak": district_contact.ask,
    "privasi": privacy.show_privacy,
}
# Buttons only active people may press (each handler re-checks role and scope as well).
_ACTIVE_BUTTON_ROUTES: list[tuple[str, Callable[[Turn, str], Awaitable[None]]]] = [
    (review_buttons.QUEUE_PREFIX, review_queue.queue_button),
    (review_search_results.PAGE_PREFIX, review_search_results.page_button),
    (review_buttons.CASE_PREFIX, review_case_page.case_button),
    (review_buttons.ACTION_PREFIX, review_decisions.action_button),
    (review_buttons.PHOTO_PREFIX, review_case_page.photos_button),
    (review_buttons.REVISE_PREFIX, review_reporter.revise_button),
    (my_reports.LIST_PREFIX, my_reports.page_button),
    (my_case_page.VIEW_PREFIX, my_case_page.view_button),
    (review_decisions.NOTE_CANCEL_PREFIX, review_decisions.cancel_button),
    (broadcast.CONFIRM_PREFIX, broadcast.confirm),
    (broadcast.UNFINISHED_PREFIX, one_unsent.choice_button),
    (reminder_settings.PREFIX, reminder_settings.choose),
    (export_choice.EXPORT_PREFIX, export.export_button),
    (statistics.PERIOD_PREFIX, statistics.period_button),
    (training.CREATE_PREFIX, training_creation.confirm),
    (training.UNSENT_PREFIX, one_unsent.choice_button),
    (training.RSVP_PREFIX, training_rsvp.answer),
    (training.PAGE_PREFIX, training_page.page_button),
    (training.MANUAL_PREFIX, training_manual.manual_button),
    (audit_view.AUDIT_PREFIX, audit_view.audit_button),
    (people_buttons.PREFIX, people_buttons.people_button),
    (training_people.PEOPLE_PREFIX, training_people.people_button),
    (channel_choice.PREFIX, channel_choice.choose),
    (district_reminders.PREFIX, district_reminders.choose),
]
ACTIVE_BUTTONS = dict(_ACTIVE_BUTTON_ROUTES)
# Every button's data starts with its prefix; form buttons start with "f" (f<session>.<rev>:...).
_OTHER_BUTTON_PREFIXES = (
    registration_request.DECISION_PREFIX,
    registration_kecamatan.TAKEN_PREFIX,
    account.LANGUAGE_PREFIX,
    form_cancel.CANCEL_PREFIX,
    command_or_answer.PREFIX,
    case_report.DRAFT_PREFIX,
    DUPLICATE_PREFIX,
    main_menu.MENU_PREFIX,
)


def button_prefix_clashes(prefixes: list[str]) -> list[str]:
    """Prefixes that two handlers claim, or that a form button could start with: a clash
    sends one handler's presses to the other (`/pengingat`'s hours once went to people
    management)."""
    seen: set[str] = set()
    clashes = []
    for prefix in prefixes:
        if prefix in seen or prefix.startswith("f") or ":" in prefix:
            clashes.append(prefix)
        seen.add(prefix)
    return clashes


_CLASHES = button_prefix_clashes(
    [*(prefix for prefix, _ in _ACTIVE_BUTTON_ROUTES), *_OTHER_BUTTON_PREFIXES]
)
if _CLASHES:
    raise RuntimeError(f"button prefixes claimed twice or unusable: {_CLASHES}")
# Commands that leave, switch or resume a form themselves, or bring back the one they
# interrupted (a check-in); after any other the form open before is asked again (handlers/router.py
# `_back_to_form`): /draf only lists, so the form open is said to be open below its list.
FORM_COMMANDS = frozenset({"start", "daftar", "batal", "lapor", "hadir"})
