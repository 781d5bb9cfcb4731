"""A refusal and the screen shown again, in one message: a form says why an answer was not
taken above its question asked again (the engine's `prefix`); a picker or menu outside forms
(a region or PSM picker, handlers/region_pickers.py; a menu whose number was not printed,
handlers/typed_numbers.py) does the same, never a lone refusal followed by the screen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

from handlers.context import Turn
from handlers.events import Outbound
from storage.repos import Repos

Produce = Callable[[Repos], Awaitable[list[Outbound]]]


def above(message: Outbound, refusal: str) -> Outbound:
    """`message` with `refusal` above its text, a blank line between (as a form's question
    asked again under what was wrong)."""
    return message.model_copy(update={"text": f"{refusal}\n\n{message.text}"})


async def refusal_above(turn: Turn, refusal: str, draw: Callable[[], Awaitable[None]]) -> None:
    """Show a screen again (`draw`, e.g. a picker's button route) with `refusal` above it: in
    the first text message it answers; in the first text of the job drawing it in the
    background when it answers none now (/ekspor's kecamatan, counted first); alone when it
    draws nothing (a button refused since: its own answer says why)."""
    replies, jobs = len(turn.replies), len(turn.background)
    await draw()
    for index in range(replies, len(turn.replies)):
        if turn.replies[index].type == "text":
            turn.replies[index] = above(turn.replies[index], refusal)
            return
    if len(turn.background) > jobs:
        job = turn.background[jobs]
        turn.background[jobs] = replace(job, produce=_led(job.produce, refusal))
        return
    turn.replies.insert(replies, Outbound.say(refusal))


def _led(produce: Produce, refusal: str) -> Produce:
    """`produce`, its first text message under `refusal` (alone first when it has none)."""

    async def led(repos: Repos) -> list[Outbound]:
        messages = list(await produce(repos))
        for index, message in enumerate(messages):
            if message.type == "text":
                messages[index] = above(message, refusal)
                return messages
        return [Outbound.say(refusal), *messages]

    return led
