"""Where each inbound event goes: identity first, then buttons, commands, forms (the tables of
commands and button prefixes: handlers/routes.py).

Everything here runs inside the turn's transaction; replies are collected on the turn and
written to the outbox with it.
"""

from __future__ import annotations

from handlers import (
    account,
    account_links,
    case_report,
    command_or_answer,
    form_cancel,
    list_replies,
    main_menu,
    privacy,
    region_pickers,
    registration,
    registration_kecamatan,
    registration_request,
    reminder_settings,
    sent_already,
    side_trip_menus,
    small_talk,
    template_tap,
    typed_labels,
    typed_numbers,
    welcome,
)
from handlers.case_submission import DUPLICATE_PREFIX
from handlers.command_menu import OPEN_COMMANDS, PENDING_COMMANDS, may_use, refresh_menu
from handlers.context import Turn
from handlers.events import OPEN_WAITING, InboundKind, Outbound
from handlers.forms import one_unsent
from handlers.forms.final_go import back_after_ending
from handlers.forms.held_question import hold_question
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
from handlers.people import handover as people_handover
from handlers.review import search as review_search
from handlers.review import typed_case_number
from handlers.review import verification as review_verification  # noqa: F401 (its completion)
from handlers.review import visits as review_visits  # noqa: F401 (the visit form's completion)
from handlers.routes import ACTIVE_BUTTONS, COMMANDS, FORM_COMMANDS
from handlers.shared_contact_link import link_by_shared_contact
from handlers.trainings import checkin as training_checkin
from handlers.trainings import imports as training_imports
from handlers.trainings import join as training_join
from handlers.trainings import typed_rsvp
from storage.models import FormSession, UserStatus


async def handle(turn: Turn) -> None:
    """Handle one inbound event."""
    event = turn.event
    if not event.is_private:
        if event.kind in (InboundKind.TEXT, InboundKind.COMMAND):
            turn.reply(turn.t("errors.private_only"))
        return
    if event.kind == InboundKind.ACCOUNT_CHANGED:  # the channel's word, nobody's message
        await account_links.follow_change(turn)
        return
    await identify(turn)
    if await link_by_shared_contact(turn):  # a stranger known on another channel by it
        await refresh_menu(turn)
        return
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
    and a check-in with its code always; "bimtek <code>" for a training's code; a word the
    person may not use (another role's "statistik", "cari" before they are active) never: it
    is text, the answer to what is on screen, checked as any answer; a command's name as the
    help prints it ("laporan_saya") wherever they may use it; any other only where it does not
    read as the answer to the question on screen ("jadwal" at the KK question is a side trip;
    an option named so stays the answer; at free text a word alone is asked about:
    `command_or_answer`). A choice held beside the form ("cancel?") takes no command word.
    Outside a form, words asking about one's personal data ("hapus data saya") stand for
    /privasi (`_data_question`); inside one they are the answer."""
    text = turn.event.text or ""
    typed = typed_command(text)
    if typed is None:
        return await _data_question(turn, text)
    if typed.in_form:
        return typed
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if not welcome.question_before_them(turn, session):
        return typed
    if typed.join:
        return typed if await training_join.is_join_code(turn, typed.args) else None
    if not may_use(turn.user, typed.command):
        return None
    if (
        not typed.printed
        and held_choice(session) is None
        and await read_command_word(turn, session) != WordReading.COMMAND
    ):
        return None
    return typed


async def _data_question(turn: Turn, text: str) -> TypedCommand | None:
    """/privasi for words asking about one's personal data ("saya mau minta data saya
    dihapus") outside a form; inside one they are the answer to its question. Not for
    someone registering: their message is the registration's (`_on_message`: a newcomer's is
    answered, then welcomed); nor with a case number they may look up ("hapus data saya di
    KNG-2026-000101"): the number is the more specific, the case's page opens."""
    if not privacy.asks_about_data(text):
        return None
    assert turn.user is not None
    if turn.user.status == UserStatus.REGISTERING:
        return None
    if welcome.is_active(turn) and typed_case_number.may_open(turn.user, text):
        return None
    session = await turn.repos.forms.active(turn.user.id)
    if welcome.question_before_them(turn, session):
        return None
    return TypedCommand("privasi")


# -- commands -------------------------------------------------------------------------------


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
    if name not in FORM_COMMANDS and not await _asked_about_form(turn, session):
        await _back_to_form(turn, session)


async def _asked_about_form(turn: Turn, session: FormSession | None) -> bool:
    """Whether the command asked a choice about the open form itself (/siaran or /bimtek_baru
    with that very one unsent: go on with it, or drop it): the form waits for that answer, not asked
    again below it. Any choice held before the command was let go (`release_choice`)."""
    if session is None:
        return False
    now = await turn.repos.forms.get(session.id)
    return now is not None and now.status == "active" and held_choice(now) is not None


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
        asked_from = len(turn.replies)
        await resume_interrupted(turn, interrupted.id)
        # A result prepared in the background ("statistik"): the question comes below it,
        # drawn when the result goes out (unless the person answered it meanwhile).
        await hold_question(turn, asked_from, interrupted.id)


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
        session = await turn.repos.forms.active(turn.user.id)
        if not await welcome.kept_form_after_notice(turn, session):  # a form kept: its question
            await template_tap.open_waiting(turn)
    elif data.startswith("f"):
        session = await turn.repos.forms.active(turn.user.id)
        if session is not None and not welcome.may_answer_forms(turn, session):
            await welcome.explain_status(turn)
        elif session is None:
            if await people_handover.tell_open_draft_handed_over(turn):
                return
            if not await sent_already.tell_sent_tapped(turn):  # Kirim tapped twice: said sent
                turn.reply(turn.t("errors.old_button") + "\n\n" + await account.help_text(turn))
        elif not await welcome.kept_form_after_notice(turn, session):  # a button from before
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
    leaves the chat as at the question. An album's photos before its last are not answered:
    the last asks the choice again, once (a burst of five asked "Batalkan isian?" five times)."""
    turn.identifier_question = True
    asked_again = (form_cancel.CANCEL_PREFIX, side_trip_menus.BELOW_SIDE_TRIP)
    if turn.event.album_continues and (
        held in asked_again or command_or_answer.held_text(held) is not None
    ):
        return
    if held == form_cancel.CANCEL_PREFIX:
        await form_cancel.typed_answer(turn, session)
    elif held == side_trip_menus.BELOW_SIDE_TRIP:
        await side_trip_menus.answer_below_menu(turn, session)
    elif held in one_unsent.KINDS:
        await one_unsent.ask_again(turn, session, held)
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
        if await welcome.kept_form_after_notice(turn, session):  # "Assalamualaikum, bu"
            return
        if (held := held_choice(session)) is not None:
            await _answer_held(turn, session, held)
        elif await _taken_without_the_question(turn, session):
            return
        elif not await command_or_answer.ask_first(turn, session):  # "cari" as a name?
            await step_form(turn, session)
        return
    if turn.event.album_continues:
        return  # a photo outside a form is not kept: the album's last photo answers for all
    if turn.user.status == UserStatus.REGISTERING:
        await welcome.greet_newcomer(turn)
    elif not welcome.is_active(turn):
        await welcome.explain_status(turn)
    elif await training_checkin.bare_code(turn) or await typed_rsvp.take(turn):
        return  # "389262" typed at the venue; "akan hadir" typed, the buttons scrolled away
    elif turn.event.picks:  # "1,2" typed to a numbered menu: one at a time
        await typed_numbers.refuse_picks(turn)
    elif await typed_case_number.open_typed(turn):
        # "KNG-2026-000101" pasted from a group: its page (never a region's name); "tolong
        # hapus data KNG-...": whom to ask to delete a family's data follows it.
        await privacy.case_data_note(turn)
    elif await _typed_at_list(turn):
        return  # "Kadugede" at a region picker, "07.00" at /pengingat's hour list
    elif await people_handover.tell_open_draft_handed_over(turn):
        return  # an answer for a draft handed over meanwhile: told where the draft went
    elif await sent_already.tell_sent_typed(turn):
        return  # "kirim" typed again just after a report was sent: said sent, with its number
    elif await sent_already.tell_media_not_kept(turn):
        return  # a late GPS fix or photo: not kept, in one line
    elif turn.event.spoken or not welcome.reactivation_released(turn):
        # (a greeting that released the notice of their reactivation is answered by it, with
        # their help: not "not understood" and the help again under it)
        if not turn.event.spoken and await small_talk.answer(turn):
            return  # "terima kasih", "P", "perbaiki": a line, never the whole help
        key = "errors.spoken" if turn.event.spoken else "errors.not_understood"
        # "1" or "validasi" typed at a review's buttons
        hint = typed_numbers.unread_number_hint(turn) or await typed_labels.unread_label_hint(turn)
        if hint:  # the buttons are what they want: a pointer to the help, not the whole of it
            turn.reply(f"{turn.t(key)} {hint}\n{turn.t('errors.help_pointer')}")
            return
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
