"""A command word typed alone at a free-text question ("cari" as the head of household's name,
"antrian" as the reason for having no KK): asked whether it is the command or the answer.

Free text takes any text, so such a word used to be stored as the answer without a word
("✓ Kepala keluarga: cari"). Now the person is asked, beside the form ("kw:r|a:<session>",
held as `kw:<the text typed>`): "Jalankan cari" runs the command as a side trip (the form's
question comes back after it), "Itu jawabannya" stores the text typed as the answer. Typed
"ya"/"tidak" or a button's words answer too, the word typed again is the command, anything
else asks again. A word with more ("jadwal posyandu", "cari Ayu") stays the answer, as does
an option named so at a choice question (the router asks only for `WordReading.EITHER`), and
a word the person may not use (a PSM's "statistik": `command_menu.may_use`), never asked
about as no command of theirs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from handlers.command_menu import may_use
from handlers.context import Turn
from handlers.events import Button, InboundKind, Outbound, button_fields, small_number
from handlers.forms.answers import NO_WORDS, YES_WORDS, normalise_word
from handlers.forms.runner import held_choice, hold, read_command_word, step_form
from handlers.forms.step import WordReading
from handlers.keywords import alone_keyword, as_command, typed_command
from storage.models import FormSession

PREFIX = "kw"
_LABEL_LIMIT = 20  # WhatsApp's reply button titles; keywords are ASCII: one unit a letter
RunCommand = Callable[[Turn], Awaitable[None]]


def held_text(held: str) -> str | None:
    """The text typed, while "command or answer?" is the choice held beside the form."""
    prefix, _, text = held.partition(":")
    return text if prefix == PREFIX else None


async def ask_first(turn: Turn, session: FormSession) -> bool:
    """Whether the turn's text is a command word alone, one the person may use, at a
    free-text question: then the person is asked which it is, nothing stored yet."""
    text = (turn.event.text or "").strip() if turn.event.kind == InboundKind.TEXT else ""
    command = alone_keyword(text) if text else None
    if command is None or not may_use(turn.user, command):  # another role's word: the answer
        return False
    if await read_command_word(turn, session) != WordReading.EITHER:
        return False
    await _ask(turn, session, text)
    return True


async def _ask(turn: Turn, session: FormSession, text: str, *, again: bool = False) -> None:
    word = " ".join(text.lower().split()).rstrip(".!?")
    run = turn.t("command_or_answer.run", word=word)
    if len(run) > _LABEL_LIMIT:  # "Jalankan laporan saya"
        run = turn.t("command_or_answer.run_command")
    buttons = [
        [
            Button(label=run, data=f"{PREFIX}:r:{session.id}"),
            Button(label=turn.t("command_or_answer.answer"), data=f"{PREFIX}:a:{session.id}"),
        ]
    ]
    question = turn.t("command_or_answer.ask", word=word)
    if again:
        question = "⚠️ " + turn.t("command_or_answer.need_choice") + "\n\n" + question
    turn.reply(Outbound.say(question, buttons))
    await hold(turn, session, f"{PREFIX}:{text}")


async def choose(turn: Turn, data: str, *, run_command: RunCommand) -> None:
    """A tap on "Jalankan ..." or "Itu jawabannya", for the form still asking (else an old
    button)."""
    assert turn.user is not None
    _, choice, raw_id = button_fields(data, 3)
    session = await turn.repos.forms.active(turn.user.id)
    held = held_text(held_choice(session) or "") if session is not None else None
    if session is None or session.id != small_number(raw_id) or held is None:
        turn.reply(turn.t("errors.old_button"))
        return
    await _do(turn, session, held, run=choice == "r", run_command=run_command)


async def typed_answer(
    turn: Turn, session: FormSession, text: str, *, run_command: RunCommand
) -> None:
    """A message while "command or answer?" waits: yes or the run button's words run the
    command, no or the answer button's words store the text; anything else asks again."""
    typed = turn.event.text if turn.event.kind == InboundKind.TEXT else None
    word = normalise_word(typed or "")
    run = normalise_word(turn.t("command_or_answer.run", word=""))  # "jalankan (cari)"
    if word in YES_WORDS or word.startswith(run):
        await _do(turn, session, text, run=True, run_command=run_command)
    elif word in NO_WORDS or word == normalise_word(turn.t("command_or_answer.answer")):
        await _do(turn, session, text, run=False, run_command=run_command)
    else:
        await _ask(turn, session, text, again=True)


async def _do(
    turn: Turn, session: FormSession, text: str, *, run: bool, run_command: RunCommand
) -> None:
    """Run the command the text stands for (a side trip: the router's command handling
    releases the choice and asks the form's question after), or store the text as the
    answer to the question on screen."""
    typed = typed_command(text)
    assert typed is not None  # held only for a command word alone
    if run:
        turn.event = as_command(turn.event, typed).model_copy(update={"text": text, "data": None})
        await run_command(turn)
        return
    update = {"kind": InboundKind.TEXT, "text": text, "data": None, "callback_id": None}
    turn.event = turn.event.model_copy(update=update)
    await step_form(turn, session)
