"""One active TKSK per kecamatan (docs/model.md, People management), told where the person
chooses: once a registration's answers hold the role TKSK and a kecamatan that already has
an active TKSK (after any step: the kecamatan picked, the role or kecamatan changed from the
summary, the summary sent), the kecamatan is taken back and the person told so, without the
other TKSK's name or number (their office's contact instead), with what they can do:
choose another kecamatan, register as PSM there instead, or cancel. The approvers' check at
"Setujui" (`registration.decide`) stays: two people may register for one kecamatan at once.

The notice's buttons carry the kecamatan they were shown for: two notices (Kadugede, then
Ciniru) each act on their own, and a typo at the question between does not spoil them. They
hold while the registration still waits at its kecamatan question and that kecamatan still
has its TKSK; after that they are old buttons, refused as any other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers.context import Turn
from handlers.district_contact import contact_note
from handlers.events import Button, Outbound, button_fields
from handlers.forms.engine import FormEngine, StepResult
from handlers.forms.runner import checked_after_step, form_of, resume_form
from handlers.registration import FORM_ID
from storage.models import FormSession, Role

TAKEN_PREFIX = "rk"
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
                data=f"{TAKEN_PREFIX}:{c}:{session.id}:{kecamatan['name']}",
            )
        ]
        for c, name in ((_OTHER, "other"), (_AS_PSM, "as_psm"), (_CANCEL, "cancel"))
    ]
    return Outbound.say(text, buttons)


async def choose(turn: Turn, data: str, confirm_cancel: Callable[[Turn], Awaitable[None]]) -> None:
    """rk:<k|p|x>:<session id>:<kecamatan code>: another kecamatan (its question again),
    register as PSM of that kecamatan instead (on to its desa), or cancel the registration
    (asked first, as /batal: `confirm_cancel`). Only while the person's open registration it
    was shown for still waits at its kecamatan question and that kecamatan still has its
    TKSK; anything else is an old button."""
    assert turn.user is not None
    _, choice, raw_id, code = button_fields(data, 4)
    session = await turn.repos.forms.active(turn.user.id)
    if session is None or session.form_id != FORM_ID or str(session.id) != raw_id:
        turn.reply(turn.t("errors.old_button"))
        return
    kecamatan = await _still_taken(turn, session, code)
    if kecamatan is None or choice not in (_OTHER, _AS_PSM, _CANCEL):
        await resume_form(turn, session, turn.t("errors.old_button") + "\n\n")
    elif choice == _OTHER:
        await resume_form(turn, session)
    elif choice == _AS_PSM:
        await _register_as_psm(turn, session, kecamatan)
    else:
        await confirm_cancel(turn)


async def _still_taken(turn: Turn, session: FormSession, code: str) -> dict[str, Any] | None:
    """The kecamatan `code` as a registration's answer ({name, label}) while its notice still
    holds: the registration is a TKSK's waiting at its kecamatan question, `code` is a
    kecamatan of its kabupaten and it has an active TKSK now. None: an old button."""
    assert turn.user is not None
    answers = session.state.get("answers") or {}
    role = (answers.get("role") or {}).get("name")
    kabupaten = (answers.get("kabupaten") or {}).get("name")
    if role != Role.TKSK or answers.get("kecamatan") or not code:
        return None
    region = await turn.repos.regions.get(code)
    if region is None or region.parent_code != kabupaten:
        return None
    if not await turn.repos.people.active_tksk(code, other_than=turn.user.id):
        return None  # the notice is not true any more: the question again
    return {"name": region.code, "label": region.name}


async def _register_as_psm(turn: Turn, session: FormSession, kecamatan: dict[str, Any]) -> None:
    """The role becomes PSM and the notice's kecamatan is the answer again, both said: the
    registration goes on at its desa question."""
    form = await form_of(turn, session)
    role_question, kecamatan_question = form.question("role"), form.question("kecamatan")
    choice = next(c for c in role_question.choices or [] if c.name == Role.PSM)
    label = choice.label.get(turn.language) or choice.label["id"]
    state = dict(session.state)
    state["answers"] = {
        **state["answers"],
        "role": {"name": str(Role.PSM), "label": label},
        "kecamatan": kecamatan,
    }
    acks = [
        turn.t("form.ack", label=role_question.short_label(turn.language), value=label),
        turn.t(
            "form.ack",
            label=kecamatan_question.short_label(turn.language),
            value=kecamatan["label"],
        ),
    ]
    await resume_form(turn, session.model_copy(update={"state": state}), "\n".join(acks) + "\n\n")
