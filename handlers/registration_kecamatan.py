"""One active TKSK per kecamatan (docs/model.md, People management), told where the person
chooses: once a registration's answers hold the role TKSK and a kecamatan that already has
an active TKSK (after any step: the kecamatan picked, the role or kecamatan changed from the
summary, the summary sent), the kecamatan is taken back and the person told so, without the
other TKSK's name or number (their office's contact instead), with what they can do:
choose another kecamatan, register as PSM there instead, or cancel. The approvers' check at
"Setujui" (`registration.decide`) stays: two people may register for one kecamatan at once.
"""

from __future__ import annotations

from typing import Any

from handlers.context import Turn
from handlers.district_contact import contact_note
from handlers.events import Button, Outbound, button_fields
from handlers.forms.engine import FormEngine, StepResult
from handlers.forms.runner import cancel_form, checked_after_step, form_of, resume_form
from handlers.registration import FORM_ID
from storage.models import FormSession, Role

TAKEN_PREFIX = "rk"
# The state's key for the kecamatan taken back from the answers, put back by "Daftar sebagai
# PSM"; dropped once the answers hold no taken kecamatan any more.
TAKEN = "tksk_taken"
# The kecamatan and what was chosen under it: asked again.
_KECAMATAN_ANSWERS = ("kecamatan", "desa")
_OTHER, _AS_PSM, _CANCEL = "k", "p", "x"


@checked_after_step(FORM_ID)
async def tksk_kecamatan_free(
    turn: Turn, session: FormSession, engine: FormEngine, result: StepResult
) -> StepResult:
    """The step as it was, unless its answers make the person a second TKSK of a kecamatan:
    then the kecamatan is taken back and the choices offered instead."""
    assert turn.user is not None
    answers = engine.final_answers(result.state)
    role, kecamatan = answers.get("role"), answers.get("kecamatan")
    taken = (
        role is not None
        and role.get("name") == Role.TKSK
        and kecamatan is not None
        and await turn.repos.people.active_tksk(kecamatan["name"], other_than=turn.user.id)
    )
    if not taken:
        result.state.pop(TAKEN, None)  # a button for the one taken before is old now
        return result
    assert kecamatan is not None
    kept = {k: v for k, v in result.state["answers"].items() if k not in _KECAMATAN_ANSWERS}
    state = {
        **result.state,
        "answers": kept,
        "phase": "ask",
        "editing": None,
        "page": 0,
        "picking": [],
        TAKEN: kecamatan,
    }
    return StepResult(
        state, [await _taken_message(turn, session, kecamatan, answers)], question=result.question
    )


async def _taken_message(
    turn: Turn, session: FormSession, kecamatan: dict[str, Any], answers: dict[str, Any]
) -> Outbound:
    """The kecamatan has its TKSK: whom to ask (the office, never the TKSK), what to do."""
    kabupaten = (answers.get("kabupaten") or {}).get("name")
    text = turn.t("registration.tksk_taken.text", kecamatan=kecamatan["label"])
    text += await contact_note(turn.repos, turn.app.catalog, turn.language, kabupaten)
    text += "\n\n" + turn.t("registration.tksk_taken.what_now")
    buttons = [
        [
            Button(
                label=turn.t(f"registration.tksk_taken.buttons.{name}"),
                data=f"{TAKEN_PREFIX}:{c}:{session.id}",
            )
        ]
        for c, name in ((_OTHER, "other"), (_AS_PSM, "as_psm"), (_CANCEL, "cancel"))
    ]
    return Outbound.say(text, buttons)


async def choose(turn: Turn, data: str) -> None:
    """rk:<k|p|x>:<session id>: another kecamatan (its question again), register as PSM of
    that kecamatan instead (on to its desa), or cancel the registration. Only the person's
    open registration it was shown for; anything else is an old button."""
    assert turn.user is not None
    _, choice, raw_id = button_fields(data, 3)
    session = await turn.repos.forms.active(turn.user.id)
    if session is None or session.form_id != FORM_ID or str(session.id) != raw_id:
        turn.reply(turn.t("errors.old_button"))
        return
    if choice == _OTHER:
        await resume_form(turn, session)
    elif choice == _AS_PSM and TAKEN in session.state:
        await _register_as_psm(turn, session)
    elif choice == _CANCEL:
        await cancel_form(turn, session)
        turn.reply(Outbound(text=turn.t("cancel.done_registration"), remove_keyboard=True))
    else:  # "as PSM" after another kecamatan was chosen meanwhile
        await resume_form(turn, session, turn.t("errors.old_button") + "\n\n")


async def _register_as_psm(turn: Turn, session: FormSession) -> None:
    """The role becomes PSM and the kecamatan taken back is the answer again: the registration
    goes on at its desa question."""
    form = await form_of(turn, session)
    question = form.question("role")
    choice = next(c for c in question.choices or [] if c.name == Role.PSM)
    label = choice.label.get(turn.language) or choice.label["id"]
    state = dict(session.state)
    kecamatan = state.pop(TAKEN)
    state["answers"] = {
        **state["answers"],
        "role": {"name": str(Role.PSM), "label": label},
        "kecamatan": kecamatan,
    }
    ack = turn.t("form.ack", label=question.short_label(turn.language), value=label)
    await resume_form(turn, session.model_copy(update={"state": state}), ack + "\n\n")
