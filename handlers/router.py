"""Where each inbound event goes: identity first, then buttons, commands, forms.

Everything here runs inside the turn's transaction; replies are collected on the turn and
written to the outbox with it.
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
    list_replies,
    main_menu,
    my_case_page,
    my_reports,
    phone_number,
    region_pickers,
    registration,
    registration_kecamatan,
    registration_request,
    reminder_settings,
    side_trip_menus,
    statistics,
    template_count,
    template_tap,
    typed_numbers,
    welcome,
)
from handlers.audit import view as audit_view
from handlers.case_submission import DUPLICATE_PREFIX
from handlers.command_menu import refresh_menu
from handlers.context import Turn
from handlers.events import OPEN_WAITING, InboundKind, Outbound
from handlers.forms.final_go import back_after_ending
from handlers.forms.runner import (
    come_back_after,
    held_choice,
    read_command_word,
    release_choice,
    resume_form,
    resume_interrupted,
    step_form,
)
from handlers.forms.step import WordReading
from handlers.identifier_messages import clear_identifier_message
from handlers.identity import identify
from handlers.keywords import TypedCommand, as_command, typed_command
from handlers.people import buttons as people_buttons
from handlers.people import handover as people_handover
from handlers.people import screens as people_screens
from handlers.review import buttons as review_buttons
from handlers.review import case_page as review_case_page
from handlers.review import decisions as review_decisions
from handlers.review import queue as review_queue
from handlers.review import reporter as review_reporter
from handlers.review import search as review_search
from handlers.review import visits as review_visits  # noqa: F401 (the visit form's completion)
from handlers.trainings import checkin as training_checkin
from handlers.trainings import common as training
from handlers.trainings import creation as training_creation
from handlers.trainings import imports as training_imports
from handlers.trainings import join as training_join
from handlers.trainings import manual as training_manual
from handlers.trainings import page as training_page
from handlers.trainings import people as training_people
from handlers.trainings import rsvp as training_rsvp
from handlers.trainings import typed_rsvp
from storage.models import FormSession, UserStatus

Handler = Callable[[Turn], Awaitable[None]]


async def handle(turn: Turn) -> None:
    """Handle one inbound event."""
    event = turn.event
    if not event.is_private:
        if event.kind in (InboundKind.TEXT, InboundKind.COMMAND):
            turn.reply(turn.t("errors.private_only"))
        return
    await identify(turn)
    if event.kind == InboundKind.TEXT and (typed := await _typed_command(turn)):
        event = turn.event = as_command(event, typed)
    if event.kind != InboundKind.TEXT:  # a name or hour typed answers only the list just shown
        await list_replies.forget(turn)
    if event.kind == InboundKind.BUTTON:
        await _on_button(turn)
        turn.replies.insert(
            0, Outbound(type="callback_answer", callback_id=event.callback_id, text=turn.toast)
        )
    elif event.kind == InboundKind.COMMAND:
        await _on_command(turn)
    else:
        await _on_message(turn)
    clear_identifier_message(turn, event)
    await refresh_menu(turn)  # after the turn: it may have changed the role or the language


async def _typed_command(turn: Turn) -> TypedCommand | None:
    """The command typed words stand for, on every channel (handlers/keywords.py): outside a
    form any. Inside one, those that leave, explain or reopen it ("batal", "menu", "daftar")
    and a check-in with its code always; "bimtek <code>" for a training's code; any other
    only where it does not read as the answer to the question on screen ("jadwal" at the KK
    question is a side trip; an option named so stays the answer; at free text a word alone
    is asked about: `command_or_answer`). A choice held beside the form ("cancel?") takes no
    command word."""
    typed = typed_command(turn.event.text or "")
    if typed is None or typed.in_form:
        return typed
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if session is None or not welcome.may_answer_forms(turn, session):
        return typed
    if typed.join:
        return typed if await training_join.is_join_code(turn, typed.args) else None
    if (
        held_choice(session) is None
        and await read_command_word(turn, session) != WordReading.COMMAND
    ):
        return None
    return typed


# -- commands -------------------------------------------------------------------------------


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
}
# Buttons only active people may press (each handler re-checks role and scope as well).
_ACTIVE_BUTTON_ROUTES: list[tuple[str, Callable[[Turn, str], Awaitable[None]]]] = [
    (review_buttons.QUEUE_PREFIX, review_queue.queue_button),
    (review_buttons.CASE_PREFIX, review_case_page.case_button),
    (review_buttons.ACTION_PREFIX, review_decisions.action_button),
    (review_buttons.PHOTO_PREFIX, review_case_page.photos_button),
    (review_buttons.REVISE_PREFIX, review_reporter.revise_button),
    (my_reports.LIST_PREFIX, my_reports.page_button),
    (my_case_page.VIEW_PREFIX, my_case_page.view_button),
    (review_decisions.NOTE_CANCEL_PREFIX, review_decisions.cancel_button),
    (broadcast.CONFIRM_PREFIX, broadcast.confirm),
    (reminder_settings.PREFIX, reminder_settings.choose),
    (export_choice.EXPORT_PREFIX, export.export_button),
    (statistics.PERIOD_PREFIX, statistics.period_button),
    (training.CREATE_PREFIX, training_creation.confirm),
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
# Every button's data starts with its prefix; form buttons start with "f" (f<index>:...).
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
# interrupted (a check-in); after any other the form open before is asked again (`_back_to_form`).
FORM_COMMANDS = frozenset({"start", "daftar", "batal", "lapor", "draf", "hadir"})
# Commands anyone may use, registered or not.
OPEN_COMMANDS = frozenset({"start", "daftar", "bantuan", "help", "bahasa", "batal"})
# Commands someone waiting for approval may use too (the office's contact).
PENDING_COMMANDS = frozenset({"kontak"})


async def _on_command(turn: Turn) -> None:
    name = turn.event.command or ""
    join_code = training_join.requested_code(turn)  # a Bimtek invitation letter's link
    if join_code is not None:
        await training_join.join(turn, join_code)
        return
    assert turn.user is not None
    if name == "batal" and await case_report.close_draft_choice(turn):
        return  # "never mind" to "which draft?": the draft is kept
    # A command answers no choice held beside a form: it is over.
    session = await release_choice(turn)
    handler = COMMANDS.get(name)
    if handler is None:
        # A mistyped command ("/lapr"): the question left open is asked again, not lost.
        if session is None or not welcome.may_answer_forms(turn, session):
            turn.reply(turn.t("errors.unknown_command") + "\n\n" + await account.help_text(turn))
        else:
            unknown = turn.t("errors.unknown_command")
            await resume_form(turn, session, f"{unknown}\n{turn.t('form.continue_hint')}\n\n")
        return
    pending = turn.user.status == UserStatus.PENDING and name in PENDING_COMMANDS
    if name not in OPEN_COMMANDS and not welcome.is_active(turn) and not pending:
        await welcome.explain_status(turn)
    else:
        await handler(turn)
    if name not in FORM_COMMANDS:
        await _back_to_form(turn, session)


async def _back_to_form(
    turn: Turn, interrupted: FormSession | None, *, ask_again: bool = True
) -> None:
    """A command amid a form is a side trip ("jadwal" at the KK question): the form is kept
    and its question asked again after the command's answer. A command (or a button) that
    asked a question of its own ("nomor", a review's reason) leaves the form paused
    meanwhile: it comes back once that question ends (`returns_to`, as after a check-in's
    code). A button's answer (a list's page, a notice's case) is not followed by the question
    (`ask_again` False: on Telegram the question stays on screen above it), but below a
    numbered menu the form waits, for a command's answer and a button's alike."""
    assert turn.user is not None
    if interrupted is None or not welcome.may_answer_forms(turn, interrupted):
        return
    if await come_back_after(turn, interrupted):  # after the command's own question
        return
    # Below a numbered menu the form waits for "lanjut": a number typed must pick from the menu.
    if await side_trip_menus.wait_below_numbered_menu(turn, interrupted):
        return
    if ask_again:
        await resume_interrupted(turn, interrupted.id)


# -- buttons and messages -------------------------------------------------------------------


async def _on_button(turn: Turn) -> None:
    assert turn.user is not None
    data = turn.event.data or ""
    prefix = data.partition(":")[0]
    if prefix == registration_request.DECISION_PREFIX:
        await registration.decide(turn, data)
    elif prefix == registration_kecamatan.TAKEN_PREFIX:  # a registering person's own choice
        await registration_kecamatan.choose(turn, data, confirm_cancel=form_cancel.ask_cancel)
    elif prefix == account.LANGUAGE_PREFIX:
        await account.set_language(turn, data)
    elif prefix == form_cancel.CANCEL_PREFIX:
        await form_cancel.cancel_button(turn, data)
    elif prefix == command_or_answer.PREFIX:  # answers the person's own form, or is old
        await command_or_answer.choose(turn, data, run_command=_on_command)
    elif prefix in ACTIVE_BUTTONS:
        if not welcome.is_active(turn):
            await turn.repos.audit.record(
                now=turn.now,
                actor_id=turn.user.id,
                action="review.refused",
                detail={"data": data[:64]},
            )
            await welcome.explain_status(turn)
        else:
            before = await turn.repos.forms.active(turn.user.id)
            await ACTIVE_BUTTONS[prefix](turn, data)
            await back_after_ending(turn, before)  # a side trip's form sent (or dropped)
            # A question of the button's own over a form (a review's reason, a correction
            # opened amid a report): the form comes back once it ends; a numbered menu over
            # it (a list's page, a notice's training): the form waits below it.
            await _back_to_form(turn, before, ask_again=False)
    elif prefix in (case_report.DRAFT_PREFIX, DUPLICATE_PREFIX, main_menu.MENU_PREFIX):
        if not welcome.is_active(turn):
            await welcome.explain_status(turn)
        elif prefix == case_report.DRAFT_PREFIX:
            await case_report.open_draft(turn, data)
        elif prefix == DUPLICATE_PREFIX:
            await case_report.decide_duplicate(turn, data)
        else:
            await _run_menu_command(turn, data)
    elif data == OPEN_WAITING:
        await template_tap.open_waiting(turn)
    elif data.startswith("f"):
        session = await turn.repos.forms.active(turn.user.id)
        if session is not None and not welcome.may_answer_forms(turn, session):
            await welcome.explain_status(turn)
        elif session is None:
            if not await people_handover.tell_open_draft_handed_over(turn):
                turn.reply(turn.t("errors.old_button") + "\n\n" + await account.help_text(turn))
        else:
            await step_form(turn, session)
    else:
        turn.reply(turn.t("errors.unknown_button"))


async def _run_menu_command(turn: Turn, data: str) -> None:
    """A main-menu button does what its command does, over an open form as a button does."""
    assert turn.user is not None
    name = data.partition(":")[2]
    if name not in main_menu.MENU_COMMANDS:
        turn.reply(turn.t("errors.unknown_button"))
        return
    before = await turn.repos.forms.active(turn.user.id)
    await COMMANDS[name](turn)
    if name not in FORM_COMMANDS:
        await _back_to_form(turn, before, ask_again=False)


async def _answer_held(turn: Turn, session: FormSession, held: str) -> None:
    """A message while a choice beside the form waits ("cancel?", "which draft?"): typed
    yes/no answers "cancel?"; anything else asks the choice again, never the form's question
    ("iya" was stored as the answer to the question before /batal). A NIK typed meanwhile
    leaves the chat as at the question."""
    turn.identifier_question = True
    if held == form_cancel.CANCEL_PREFIX:
        await form_cancel.typed_answer(turn, session)
    elif held == side_trip_menus.BELOW_MENU:
        await side_trip_menus.answer_below_menu(turn, session)
    elif (typed := command_or_answer.held_text(held)) is not None:
        await command_or_answer.typed_answer(turn, session, typed, run_command=_on_command)
    elif held != case_report.DRAFT_PREFIX or not await case_report.offer_drafts_again(turn):
        await step_form(turn, session)  # no choice left to make: the answer is the form's


async def _taken_without_the_question(turn: Turn, session: FormSession) -> bool:
    """What a form waits for that its question's own check would refuse: a phone list's file
    (the import), /cari's words (a NIK or KK is what is looked for there)."""
    if await training_imports.take_file(turn, session):
        return True
    return await review_search.take_query(turn, session)


async def _on_message(turn: Turn) -> None:
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if session is not None and welcome.may_answer_forms(turn, session):
        if await training_checkin.code_amid_form(turn, session):  # "389262" at the venue
            return
        if (held := held_choice(session)) is not None:
            await _answer_held(turn, session, held)
        elif await _taken_without_the_question(turn, session):
            return
        elif not await command_or_answer.ask_first(turn, session):  # "cari" as a name?
            await step_form(turn, session)
        return
    if turn.user.status == UserStatus.REGISTERING:
        await registration.begin(turn)
    elif not welcome.is_active(turn):
        await welcome.explain_status(turn)
    elif await training_checkin.bare_code(turn) or await typed_rsvp.take(turn):
        return  # "389262" typed at the venue; "akan hadir" typed, the buttons scrolled away
    elif turn.event.picks:  # "1,2" typed to a numbered menu: one at a time
        await typed_numbers.refuse_picks(turn)
    elif await _typed_at_list(turn):
        return  # "Kadugede" at a region picker, "07.00" at /pengingat's hour list
    elif not await people_handover.tell_open_draft_handed_over(turn):
        # (an answer for a draft handed over meanwhile is told where the draft went)
        key = "errors.spoken" if turn.event.spoken else "errors.not_understood"
        turn.reply(turn.t(key) + "\n\n" + await account.help_text(turn))


async def _typed_at_list(turn: Turn) -> bool:
    """A text typed at the list of buttons shown last that also takes a typed reply (one
    read of its note: handlers/list_replies.py), sent on by the list's kind."""
    waiting = await list_replies.waiting(turn)
    if waiting is None:
        return False
    kind, details = waiting
    if kind == region_pickers.LIST_KIND:
        return await region_pickers.take_typed_name(turn, ACTIVE_BUTTONS, details)
    if kind == reminder_settings.LIST_KIND:
        return await reminder_settings.take_typed_hour(turn)
    return False
