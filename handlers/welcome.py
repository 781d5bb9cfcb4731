"""Who may act now, and /start and /daftar: an active person gets their menu (and the form
they left); someone registering their registration (a newcomer's first message too, a
question about their data answered first: `greet_newcomer`); someone rejected their
correction; the others what their status lets them do (`explain_status`), with the office's
contact where they must ask it."""

from __future__ import annotations

from handlers import account, privacy, registration
from handlers.context import Turn
from handlers.events import InboundKind
from handlers.forms.runner import held_choice, resume_form
from handlers.permissions import allowed
from handlers.status_explained import status_notice_released, status_text
from storage.models import FormSession, UserStatus


def is_active(turn: Turn) -> bool:
    """Whether the person may use what their role allows (not registering, suspended...)."""
    return turn.user is not None and turn.user.status == UserStatus.ACTIVE


def may_answer_forms(turn: Turn, session: FormSession | None) -> bool:
    """Active people, people registering (a suspended person's draft waits), and someone
    rejected correcting their registration (`registration.correct_rejected`)."""
    if turn.user is not None and turn.user.status == UserStatus.REJECTED:
        return session is not None and session.form_id == registration.FORM_ID
    return is_active(turn) or (turn.user is not None and turn.user.status == UserStatus.REGISTERING)


def reactivation_released(turn: Turn) -> bool:
    """Whether the active person's message just released the notice of their reactivation,
    held for them (WhatsApp's closed window; their first message)."""
    return is_active(turn) and status_notice_released(turn)


def question_before_them(turn: Turn, session: FormSession | None) -> bool:
    """Whether what the person sends may answer `session`'s question: one they may answer,
    and have before them. Not the message that released the notice of their reactivation:
    they last saw the question before the suspension, days ago maybe, and write "halo" or a
    greeting, not its answer."""
    return (
        session is not None and may_answer_forms(turn, session) and not reactivation_released(turn)
    )


async def kept_form_after_notice(turn: Turn, session: FormSession | None) -> bool:
    """The message that released the notice of the person's reactivation, whatever it was
    (typed, a button of the question, the template's tap), is no answer to the form kept over
    the suspension: the notice answers it (the form is kept), and the form's question follows
    it, for their next message to answer. Whether it did so. Not a photo (nor a picture sent
    as a file) while no choice is held: the form takes it as any photo after it, kept at a
    photo question, else said not kept with the question again; the first photo of a
    WhatsApp burst was dropped and answered alone while the others were kept ("Foto 2
    diterima" for 3 sent)."""
    if session is None or not reactivation_released(turn):
        return False
    event = turn.event
    picture = event.kind == InboundKind.PHOTO or event.image_document
    if picture and held_choice(session) is None:
        return False
    turn.identifier_question = True  # a NIK typed there leaves the chat as at its question
    await resume_form(turn, session, turn.t("form.continue_hint") + "\n\n")
    return True


async def explain_status(turn: Turn) -> None:
    """Someone not (yet) active asked for something: say what they can do (rejected: why and
    by whom; suspended: by whom; both sent to the office). Nothing when their message just
    released the notice of their suspension: it says as much, a moment before."""
    assert turn.user is not None
    if turn.user.status == UserStatus.SUSPENDED and status_notice_released(turn):
        return
    if turn.user.status == UserStatus.REGISTERING:
        # "lapor" at the registration's summary: said, and the summary (or its question)
        # shown again below, never only "type start to continue".
        session = await turn.repos.forms.active(turn.user.id)
        if session is not None and session.form_id == registration.FORM_ID:
            prefix = turn.t("status_explained.registering_here") + "\n\n"
            await resume_form(turn, session, prefix)
            return
    turn.reply(await status_text(turn, turn.user))


async def greet_newcomer(turn: Turn) -> None:
    """A message from someone registering with no registration open (a newcomer's first):
    the welcome and the registration's first question, as to any first message. A question
    about their data in it ("data saya dipakai untuk apa?") is answered first, so they need
    not write again to begin."""
    if privacy.asks_about_data(turn.event.text or ""):
        await privacy.show_privacy(turn)
    await registration.begin(turn)


async def start(turn: Turn) -> None:
    """/start: the menu (said already by a notice of reactivation it released), a
    registration, a correction or what the status allows."""
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if turn.user.status == UserStatus.REGISTERING:
        if session is not None:
            await resume_form(turn, session, turn.t("registration.resuming") + "\n\n")
        else:
            await registration.begin(turn)
        return
    if turn.user.status == UserStatus.REJECTED and await registration.correct_rejected(turn):
        return
    if not is_active(turn):
        await explain_status(turn)
        return
    # Back in use: the notice their message released ("aktif kembali", with their help) is
    # the welcome; only the form they left follows it.
    if not status_notice_released(turn):
        greeting = account.welcome_first if turn.first_contact else account.welcome_back
        await account.show_menu(turn, greeting(turn) + "\n\n")
    if session is not None:
        await resume_form(turn, session, turn.t("form.continue_hint") + "\n\n")


async def register(turn: Turn) -> None:
    """/daftar: a training candidate applies to become PSM/TKSK; anyone else as /start."""
    if allowed(turn.user, "registration.apply") and is_active(turn):
        await registration.apply_as_candidate(turn)
    else:
        await start(turn)
