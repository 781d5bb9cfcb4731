"""A message in which someone typed a full NIK or KK leaves the chat (UU PDP).

Whatever the message answered (the NIK question, a name, an address, a description, a
/cari search, a broadcast's text) and whether or not it was accepted, it is deleted once the
turn is done, on channels that can delete messages (Telegram, within 48 hours). So is a
mistyped attempt at one: an answer to a NIK or KK question, or a /cari search, holding a long
run of digits (a digit short or too many, a letter among the digits), which shows nearly the
whole number; a case number's digits are none ("KNG-2026-000103" pasted there, or while a
choice waits beside the form). Where the channel cannot delete it (WhatsApp), the same
messages get one request to delete it themselves, in the turn's reply: one rule, wherever it
was typed. The answer itself is judged by its question as usual; the texts the bot sends are
masked anyway (handlers/delivery.py), and a refused number is never repeated.
"""

from __future__ import annotations

from handlers.case_numbers import without_case_numbers
from handlers.channel_traits import ChannelTraits
from handlers.context import Turn
from handlers.events import Inbound, InboundKind, Outbound
from handlers.masking import holds_identifier, holds_long_number, holds_masked_number

# Digits in a row (spaces, dots, dashes between them allowed) that make an attempt at a NIK or
# KK worth deleting: half of its 16, more than a case number's year or serial, fewer than any
# way of mistyping it.
ATTEMPT_DIGITS = 8


def _attempted_identifier(event: Inbound, *, identifier_question: bool) -> bool:
    """An answer to a NIK or KK question, or /cari's words, holding most of a number. A case
    number's digits never count: "KNG-2026-000103" pasted there is no attempt at one."""
    if identifier_question:  # every other digit counts: "3208010O1019O0001" shows 15 of 16
        typed = without_case_numbers(event.text or event.command_args or "")
        return sum(char.isdigit() for char in typed) >= ATTEMPT_DIGITS
    if event.kind == InboundKind.COMMAND and event.command == "cari":
        return attempted_in_search(event.command_args)
    return False


def attempted_in_search(words: str) -> bool:
    """Whether /cari's words (typed after it, or as the next message) hold most of a NIK or
    KK, or one copied masked from a case page ("320801******0001", which the search refuses):
    a case number's digits do not count, however it is typed ("KNG-2026-0000001")."""
    typed = without_case_numbers(words)
    return holds_long_number(typed, ATTEMPT_DIGITS) or holds_masked_number(typed)


def holds_typed_identifier(event: Inbound, *, identifier_question: bool = False) -> bool:
    """Whether the person's text or command holds a NIK/KK-like number, or is an attempt at
    one (`identifier_question`: the event answered a NIK or KK question): what leaves the
    chat. A photo's caption is not: deleting it would delete the photo."""
    if event.kind not in (InboundKind.TEXT, InboundKind.COMMAND):
        return False
    return holds_identifier(event.text or event.command_args) or _attempted_identifier(
        event, identifier_question=identifier_question
    )


def identifier_deletion(
    event: Inbound, traits: ChannelTraits, *, identifier_question: bool = False
) -> Outbound | None:
    """The deletion of the person's message if it holds a NIK/KK-like number, or is an
    attempt at one, and their channel can delete it; otherwise None."""
    if not event.message_id or not traits.deletes_messages:
        return None
    if not holds_typed_identifier(event, identifier_question=identifier_question):
        return None
    return Outbound(type="delete", target_message_id=event.message_id)


def clear_identifier_message(turn: Turn, event: Inbound) -> None:
    """After the turn: the person's message (`event`, as it came in) holding a NIK or KK
    leaves the chat. Deleted first of the turn's messages where the channel can; else the
    person is asked, once, at the top of the reply, to delete it themselves."""
    traits = turn.channel_traits
    if traits.deletes_messages:
        deletion = identifier_deletion(event, traits, identifier_question=turn.identifier_question)
        if deletion is not None:
            turn.replies.insert(0, deletion)  # gone from the chat before anything else is said
    elif holds_typed_identifier(event, identifier_question=turn.identifier_question):
        _ask_to_delete(turn)


def _ask_to_delete(turn: Turn) -> None:
    """The request to delete the message, first in the turn's first text (a new one if the
    turn says nothing else). A NIK or KK question asked again in the reply drops its own
    note ("once recorded, please delete..."): the request says it once, and also for a
    number refused, which was never recorded."""
    request = f"<i>{turn.t('identifier.delete_yourself')}</i>"
    question_note = f"\n<i>{turn.t('form.identifier_note.delete_yourself')}</i>"
    asked = False
    for i, reply in enumerate(turn.replies):
        if reply.type != "text" or not reply.text:
            continue
        text = reply.text.replace(question_note, "")
        if not asked:
            text, asked = f"{request}\n\n{text}", True
        turn.replies[i] = reply.model_copy(update={"text": text})
    if not asked:
        turn.replies.insert(0, Outbound.say(request))
