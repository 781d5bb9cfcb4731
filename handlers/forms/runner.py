"""Form sessions of a person: start, resume, step, cancel; saved in the turn's transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers.context import AppContext, Turn
from handlers.events import Button, Outbound
from handlers.forms.engine import FormEngine, StepContext, StepResult, new_state
from handlers.forms.kept_open import note_kept_at_summary
from handlers.forms.loading import form_from_data
from handlers.forms.model import Form, QuestionType
from handlers.forms.session_titles import heading_of
from handlers.forms.step import WordReading
from handlers.i18n import Markup
from handlers.regions import RegionChoices
from handlers.temp_files import remove_photos_once_unused
from storage.forms import HELD
from storage.models import FormSession
from storage.photos import photos_held
from storage.repos import Repos

# form id -> what to do with the answers once the person confirms them
Completion = Callable[[Turn, FormSession, dict[str, Any]], Awaitable[None]]
_COMPLETIONS: dict[str, Completion] = {}
# form id -> values its expressions and labels read besides the person's (${name}), from
# the turn (its day) and the session's context (e.g. the case a visit is recorded for)
ContextValues = Callable[[Turn, dict[str, Any]], dict[str, Any]]
_CONTEXT_VALUES: dict[str, ContextValues] = {}
# form id -> how one of its sessions is named to its person, HTML ("laporan <b>Slamet</b> (2
# anggota)"); a form without one is named by its title
SessionName = Callable[[Turn, FormSession], str]
_NAMES: dict[str, SessionName] = {}
# form id -> its own words for "cancel?" and "cancelled" (`cancel_text`'s step) where the general
# ones ("the answers given will be deleted") would mislead: a correction deletes only changes
# not sent, the case sent stays; None for a session the general ones fit
CancelWording = Callable[[Turn, FormSession, str], Awaitable[str | None]]
_CANCEL_WORDINGS: dict[str, CancelWording] = {}
# form id -> a look at the answers a step leaves (before they are saved and the engine's
# messages said), which may put some back and say something else instead: what the form's
# data cannot know, e.g. a kecamatan that already has its TKSK (handlers/registration_kecamatan.py)
StepCheck = Callable[[Turn, FormSession, FormEngine, StepResult], Awaitable[StepResult]]
_STEP_CHECKS: dict[str, StepCheck] = {}
# form id -> button rows under every question its sessions show (first asked, asked again after
# a wrong answer, resumed), from the session: what the form's data cannot hold, e.g. the Batal
# of a review's reason, which names its case (handlers/review/decisions.py)
ExtraButtons = Callable[[Turn, FormSession], list[list[Button]]]
_EXTRA_BUTTONS: dict[str, ExtraButtons] = {}
IDENTIFIER_TYPES = (QuestionType.NIK, QuestionType.KK)
# The state's key for the session a short form interrupted (a check-in's code, /nomor's number
# asked amid a report): once the short form ends, that one is asked again (`resume_interrupted`).
RETURNS_TO = "returns_to"


def on_complete(form_id: str) -> Callable[[Completion], Completion]:
    """Register the handler that receives a finished form's answers."""

    def register(function: Completion) -> Completion:
        _COMPLETIONS[form_id] = function
        return function

    return register


def checked_after_step(form_id: str) -> Callable[[StepCheck], StepCheck]:
    """Register a check of a form's answers after each of its steps (the last one too, before
    the completion handler), which may replace the step's outcome."""

    def register(function: StepCheck) -> StepCheck:
        _STEP_CHECKS[form_id] = function
        return function

    return register


def context_values(form_id: str) -> Callable[[ContextValues], ContextValues]:
    """Register what a form's expressions and labels read from its session's context,
    worked out again at every turn (so a value of today's date is never stale)."""

    def register(function: ContextValues) -> ContextValues:
        _CONTEXT_VALUES[form_id] = function
        return function

    return register


def buttons_under(form_id: str) -> Callable[[ExtraButtons], ExtraButtons]:
    """Register the button rows shown under every question of a form's sessions."""

    def register(function: ExtraButtons) -> ExtraButtons:
        _EXTRA_BUTTONS[form_id] = function
        return function

    return register


def _with_extra_buttons(
    turn: Turn, session: FormSession, messages: list[Outbound]
) -> list[Outbound]:
    """The form's messages, its own rows (`buttons_under`) under the last: the question."""
    extra = _EXTRA_BUTTONS.get(session.form_id)
    if extra is None or not messages:
        return messages
    question = messages[-1]
    rows = [*question.buttons, *extra(turn, session)]
    return [*messages[:-1], question.model_copy(update={"buttons": rows})]


def named_by(form_id: str) -> Callable[[SessionName], SessionName]:
    """Register how a form's sessions are named to their person ("cancel ...?")."""

    def register(function: SessionName) -> SessionName:
        _NAMES[form_id] = function
        return function

    return register


async def session_name(turn: Turn, session: FormSession) -> Markup:
    """What a session is to its person, as HTML: what "cancel?" would delete. One about a
    case by that case (`session_titles`), even where its form names its sessions otherwise
    (a correction: not only by the head's name)."""
    heading = await heading_of(turn, session)
    naming = _NAMES.get(session.form_id)
    if naming is not None and heading is None:
        return Markup(naming(turn, session))
    return Markup(turn.t("cancel.form_named", title=heading or await form_title(turn, session)))


def cancel_worded(form_id: str) -> Callable[[CancelWording], CancelWording]:
    """Register a form's own words for cancelling one of its sessions (`cancel_text`)."""

    def register(function: CancelWording) -> CancelWording:
        _CANCEL_WORDINGS[form_id] = function
        return function

    return register


async def cancel_text(turn: Turn, session: FormSession, step: str) -> str:
    """What "cancel?" (`step` "confirm") and "cancelled" ("done_named": the menu is next;
    "done_named_back": the form it interrupted follows) say of a session: its form's own
    words where it has them, else `cancel.<step>` naming what is deleted. A form's own words
    may also say how it comes back after a side trip (`step` "come_back", used by
    `resume_interrupted`; None: the general hint)."""
    wording = _CANCEL_WORDINGS.get(session.form_id)
    own = await wording(turn, session, step) if wording is not None else None
    if own is not None:
        return own
    return turn.t(f"cancel.{step}", what=await session_name(turn, session))


async def _title(turn: Turn, session: FormSession) -> str:
    """What a session is about (`session_titles.titled_by`), else its form's title, in the
    person's language."""
    if (heading := await heading_of(turn, session)) is not None:
        return heading
    return await form_title(turn, session)


async def form_title(turn: Turn, session: FormSession) -> str:
    """The title of a session's form, in the person's language."""
    form = await form_of(turn, session)
    return form.title.get(turn.language) or form.title["id"]


async def form_of(turn: Turn, session: FormSession) -> Form:
    """The form version a session started with (kept even after the form changes)."""
    form = await stored_form(turn.app, turn.repos, session.form_id, session.form_version)
    if form is None:
        raise LookupError(f"form {(session.form_id, session.form_version)} is not stored")
    return form


async def stored_form(app: AppContext, repos: Repos, form_id: str, version: int) -> Form | None:
    """A released version of a form (`form_versions`, cached in the app), None if not stored."""
    key = (form_id, version)
    cached = app.form_versions.get(key)
    if cached is None:
        definition = await repos.forms.definition(*key)
        if definition is None:
            return None
        cached = form_from_data(definition, f"stored form {key}")
        app.form_versions[key] = cached
    return cached


def _engine(turn: Turn, form: Form, session: FormSession, heading: str = "") -> FormEngine:
    user, identity = turn.user, turn.identity
    extra = _CONTEXT_VALUES.get(session.form_id)
    under = _EXTRA_BUTTONS.get(session.form_id)
    context = StepContext(
        catalog=turn.app.catalog,
        language=turn.language,
        today=turn.today,
        choices=RegionChoices(turn.repos, turn.app.districts),
        session_id=session.id,
        next_rev=session.rev + 1,
        traits=turn.channel_traits,
        rows_under=under(turn, session) if under else [],
        heading=heading,
        context={
            "user_role": (user.role or "") if user else "",
            "user_kabupaten": (user.kabupaten_code or "") if user else "",
            "user_kecamatan": (user.kecamatan_code or "") if user else "",
            "user_desa": (user.desa_code or "") if user else "",
            "time_zone": turn.app.zone_name,  # WIB, WITA or WIT: times asked are local
            # A phone the channel itself vouched for (WhatsApp's own number, as of this very
            # message: someone who changed number writes from the new one), offered as answer.
            "channel_phone": turn.event.sender_phone
            or (identity.phone if identity and identity.phone_verified else ""),
            **(extra(turn, form_context(session)) if extra else {}),
        },
    )
    return FormEngine(form, context)


async def start_form(
    turn: Turn,
    form_id: str,
    prefix: str = "",
    *,
    state: dict[str, Any] | None = None,
    context: dict[str, Any] | None = None,
    returns_to: int | None = None,
) -> None:
    """Open a new session of the current version of a form and ask its first question.

    `state` may carry answers already known (a revision); `context` is what the completion
    handler needs to know (which case, which training), kept in the session's state;
    `returns_to` the session this one interrupts (paused meanwhile, asked again after it).
    """
    assert turn.user is not None
    form = turn.app.forms[form_id]
    state = state or new_state()
    if context is not None:
        state["context"] = context
    if returns_to is not None:
        state[RETURNS_TO] = returns_to
    session = await turn.repos.forms.start(
        user_id=turn.user.id,
        form_id=form_id,
        form_version=form.version,
        state=state,
        now=turn.now,
    )
    await resume_form(turn, session, prefix)


def form_context(session: FormSession) -> dict[str, Any]:
    """What `start_form(context=...)` gave the session, for its completion handler."""
    return session.state.get("context") or {}


async def hold(turn: Turn, session: FormSession, choice: str) -> None:
    """Note that the person was just asked `choice` beside the form's question."""
    await turn.repos.forms.note(session.id, state={**session.state, HELD: choice}, now=turn.now)


async def release_choice(turn: Turn) -> FormSession | None:
    """Forget a choice held beside the person's open form (another command came instead);
    the open form, if any."""
    assert turn.user is not None
    session = await turn.repos.forms.active(turn.user.id)
    if session is not None and held_choice(session) is not None:
        state = _going_on(session)
        await turn.repos.forms.note(session.id, state=state, now=turn.now)
        session = session.model_copy(update={"state": state})
    return session


def held_choice(session: FormSession) -> str | None:
    """The choice asked beside the form's question (`hold`) and not yet answered."""
    return session.state.get(HELD)


async def pause_form(turn: Turn, session: FormSession) -> None:
    """Put the person's open session aside as a draft, any choice held beside it closed."""
    await turn.repos.forms.save(session.id, state=_going_on(session), status="paused", now=turn.now)


def _going_on(session: FormSession) -> dict[str, Any]:
    """The session's state as the form goes on: no choice is held any more."""
    return {key: value for key, value in session.state.items() if key != HELD}


async def resume_form(turn: Turn, session: FormSession, prefix: str = "") -> None:
    """Ask the current question of a session again (after /start, a restart, a resume)."""
    form = await form_of(turn, session)
    engine = _engine(turn, form, session, await heading_of(turn, session) or "")
    result = await engine.start(_going_on(session), prefix)
    await turn.repos.forms.save(session.id, state=result.state, status="active", now=turn.now)
    for message in _with_extra_buttons(turn, session, result.messages):
        turn.reply(message)


async def step_form(turn: Turn, session: FormSession) -> None:
    """Apply the turn's event to the session; finish the form when it is confirmed."""
    form = await form_of(turn, session)
    engine = _engine(turn, form, session, await heading_of(turn, session) or "")
    result = await engine.step(_going_on(session), turn.event, session.rev)
    if (check := _STEP_CHECKS.get(session.form_id)) is not None:
        result = await check(turn, session, engine, result)
    if result.question is not None and result.question.type in IDENTIFIER_TYPES:
        turn.identifier_question = True  # a mistyped NIK leaves the chat too
    if not result.messages and not result.finished:
        # A step that says nothing (a photo of an album before its last, or past the limit)
        # shows no new buttons: those on screen stay valid, so the revision stays (an album
        # of five for three photos left the next question's buttons stale).
        await turn.repos.forms.note(session.id, state=result.state, now=turn.now)
        return
    status = "completed" if result.finished else "active"
    saved = await turn.repos.forms.save(session.id, state=result.state, status=status, now=turn.now)
    messages = (
        result.messages if result.finished else _with_extra_buttons(turn, saved, result.messages)
    )
    for message in messages:
        turn.reply(message)
    if result.finished:
        await _COMPLETIONS[session.form_id](turn, saved, engine.final_answers(result.state))
        await _back_after_completion(turn, saved)


async def read_command_word(turn: Turn, session: FormSession) -> WordReading:
    """How the turn's typed text reads at the session's question on screen
    (`FormEngine.read_command_word`: nothing stored): a command word typed amid the form is a
    side trip where it is no answer."""
    form = await form_of(turn, session)
    return await _engine(turn, form, session).read_command_word(_going_on(session), turn.event)


async def final_answers(turn: Turn, session: FormSession, state: dict[str, Any]) -> dict:
    """The still-relevant answers of a session's state."""
    form = await form_of(turn, session)
    return _engine(turn, form, session).final_answers(state)


async def complete_form(turn: Turn, session: FormSession, state: dict[str, Any]) -> None:
    """Finish a session whose answers were already confirmed (after a follow-up question)."""
    answers = await final_answers(turn, session, state)
    saved = await turn.repos.forms.save(session.id, state=state, status="completed", now=turn.now)
    await _COMPLETIONS[session.form_id](turn, saved, answers)
    await _back_after_completion(turn, saved)


async def _back_after_completion(turn: Turn, finished: FormSession) -> None:
    """The form a finished one interrupted, asked again, unless its completion brought it
    back itself, in words of its own (a correction's "✏️ Ubah jawaban"): it is not asked
    twice."""
    interrupted = finished.state.get(RETURNS_TO)
    active = await turn.repos.forms.active(finished.user_id)
    if active is not None and active.id == interrupted:
        return
    await resume_interrupted(turn, interrupted)


async def resume_interrupted(turn: Turn, session_id: int | None, *, asked: bool = False) -> None:
    """Ask the question of a form that something short interrupted (a check-in, a command amid
    a report) again, as the person's active form, unless another question waits now or it has
    ended. A form at its summary is only noted as kept, with a button back, unless the person
    `asked` to come back ("lanjut"): its Kirim under every side answer sent it by mistake."""
    if session_id is None or turn.user is None:
        return
    active = await turn.repos.forms.active(turn.user.id)
    if active is not None and active.id != session_id:
        return  # another question waits (a wrong code asked again): it comes back after that
    session = active
    if session is None:
        paused = await turn.repos.forms.get(session_id)
        if paused is None or paused.user_id != turn.user.id or paused.status != "paused":
            return  # sent, cancelled or discarded meanwhile
        session = await turn.repos.forms.activate(paused.id, now=turn.now)
    form = await form_of(turn, session)
    if not asked and _engine(turn, form, session).current_position(session.state) is None:
        await note_kept_at_summary(turn, session, await session_name(turn, session))
        return
    # Which form waited, and that its answers are kept while other things are done.
    title = await _title(turn, session)
    wording = _CANCEL_WORDINGS.get(session.form_id)  # "/batal deletes it" is not true of all
    own = await wording(turn, session, "come_back") if wording is not None else None
    hint = own or turn.t("form.come_back_hint", title=title)
    await resume_form(turn, session, hint + "\n\n")


async def come_back_after(turn: Turn, interrupted: FormSession | None) -> bool:
    """Whether another form now stands over `interrupted` (a command's or a button's own
    question: /nomor, a review's reason, a correction). If it paused `interrupted`, that one is
    asked again once it ends (`returns_to`); not a form a command that ended a waiting question
    brought back ("/cari Ayu" at /cari's question), nor one already returning elsewhere."""
    if interrupted is None or turn.user is None:
        return False
    active = await turn.repos.forms.active(turn.user.id)
    if active is None or active.id == interrupted.id:
        return False
    before = await turn.repos.forms.get(interrupted.id)
    if RETURNS_TO not in active.state and before is not None and before.status == "paused":
        state = {**active.state, RETURNS_TO: interrupted.id}
        await turn.repos.forms.note(active.id, state=state, now=turn.now)
    return True


async def reopen_form(turn: Turn, session: FormSession, state: dict[str, Any]) -> FormSession:
    """Make a finished session active again (e.g. to ask about a duplicate first)."""
    return await turn.repos.forms.save(session.id, state=state, status="active", now=turn.now)


async def cancel_form(turn: Turn, session: FormSession) -> None:
    """Drop a session; its answers are kept as cancelled, never used (its photos go from
    disk once nothing else shows them)."""
    await turn.repos.forms.save(session.id, state=session.state, status="cancelled", now=turn.now)
    remove_photos_once_unused(turn.repos, turn.app, photos_held(session.state))
