"""The people's side of the WhatsApp fuzz (tests/durability/test_fuzz_whatsapp.py): who
writes, a sensible answer to what each is being asked (read from what the FakeGraph
accepted), and the webhook posts each step of a scenario makes."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.channels.whatsapp.inbound import CHANNEL
from bot.channels.whatsapp.outbound import to_whatsapp_text
from bot.runtime import Runtime
from bot.webhook import _whatsapp_items
from handlers.forms.model import Question, QuestionType
from tests.durability.durable_harness import settle
from tests.durability.test_fuzz import HEADINGS, KK, NIK, Step, sensible_text
from tests.durability.whatsapp_line import (
    Person,
    WhatsAppLine,
    interactive_other,
    odd_message,
    options_of,
    reaction_message,
    video_message,
    visible_texts,
)
from tests.fakes.telegram_api import TINY_JPEG
from tests.fakes.whatsapp_api import (
    audio_message,
    button_reply,
    document_message,
    envelope,
    image_message,
    list_reply,
    location_message,
    status_update,
    sticker_message,
    template_button,
    text_message,
)

COORDINATOR = Person("ID.5000", "6281200005000", "Ibu Sari")
PSM = Person("ID.7001", "6281200007001", "Bu Ani")
NEWCOMER = Person("ID.5001", "6281200005001")
USERNAME = Person("ID.5002", None, "Ayu")  # no phone: replies go to the BSUID
PEOPLE = {p.user_id: p for p in (COORDINATOR, PSM, NEWCOMER, USERNAME)}
# Question headings as WhatsApp shows them (`<b>x</b>` becomes `*x*`).
WA_HEADINGS = {to_whatsapp_text(heading): q for heading, q in HEADINGS.items()}


@dataclass
class Session:
    """One example: a fresh bot, its webhook, the FakeGraph and what each message caused."""

    runtime: Runtime
    line: WhatsAppLine
    path: Path
    rng: random.Random
    posted: list[dict[str, Any]] = field(default_factory=list)  # envelopes, in order
    caused: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # wamid -> outbox
    applied: Counter[str] = field(default_factory=Counter)  # wamid -> times handled
    mistyped: set[int] = field(default_factory=set)  # id() of messages with a mistyped field

    def message(self, who: str, kind: str, *args: Any) -> dict[str, Any]:
        """A `messages[]` item of one kind from one person."""
        person, wamid = PEOPLE[who], self.line.wamid()
        if kind == "text":
            return text_message(wamid, person.sender, args[0])
        if kind == "button":
            return button_reply(wamid, person.sender, args[0], args[1], context_id=args[2])
        if kind == "list":
            return list_reply(wamid, person.sender, args[0], args[1], context_id=args[2])
        if kind == "location":
            return location_message(wamid, person.sender, args[0], args[1])
        if kind == "image":
            return image_message(wamid, person.sender, self.media(args[0]), caption=args[1])
        raise AssertionError(kind)

    def media(self, ref: str) -> str:
        """A media id the person's message carries: real, garbage, empty or unknown."""
        graph = self.line.graph
        if ref == "jpeg":
            return graph.register_media(TINY_JPEG)
        if ref == "garbage":
            return graph.register_media(self.rng.randbytes(self.rng.randrange(1, 300)))
        if ref == "empty":
            return graph.register_media(b"")
        return str(self.rng.randrange(10**15, 10**16))

    def progress(self, who: str, pick: int) -> dict[str, Any]:
        """A sensible answer to what the person is being asked now."""
        sent = self.line.sent_to(PEOPLE[who])
        if not sent:
            return self.message(who, "text", "halo")
        wamid, body = sent[-1]
        options = options_of(body)
        text = "\n".join(visible_texts(body))
        question = next((q for h, q in WA_HEADINGS.items() if h in text), None)
        if isinstance(question, Question):
            answer = self._answer(who, question, pick, options)
            if answer is not None:
                return answer
        if options:
            chosen = options[pick % len(options)]
            submit = [o for o in options if o[1].endswith(":ok")]
            done = [o for o in options if o[1].endswith(":d") or o[2].startswith("✔️")]
            no_more = [o for o in options if o[1].endswith(":n")]
            if submit and pick % 4:
                chosen = submit[0]  # mostly submit a summary rather than edit it
            elif question == "more" and no_more and pick % 4:
                chosen = no_more[0]  # mostly no further household member: get to the end
            elif done and pick % 3 == 0:
                chosen = done[0]  # finish a multiple choice now and then
            kind, value, title = chosen
            if kind in ("number", "word"):
                return self.message(who, "text", value)
            return self.message(who, kind, value, title, wamid)
        if who == PSM.user_id or pick % 4 == 0:
            return self.message(who, "text", "lapor")
        return self.message(who, "text", "halo")

    def _answer(self, who: str, question: Question, pick: int, options: list) -> dict | None:
        kind = question.type
        if kind == QuestionType.TEXT:
            return self.message(who, "text", sensible_text(question, pick))
        if kind == QuestionType.PHONE and not (options and pick % 2):
            return self.message(who, "text", "0812 3456 7890")
        if kind == QuestionType.NIK and pick % 5:
            return self.message(who, "text", NIK)
        if kind == QuestionType.KK and pick % 5:
            return self.message(who, "text", KK)
        if kind == QuestionType.AGE and pick % 2:
            return self.message(who, "text", "5 tahun")
        if kind == QuestionType.INTEGER:
            return self.message(who, "text", str(1 + pick % 9))
        if kind == QuestionType.GEOPOINT and pick % 4:
            return self.message(who, "location", -6.97, 108.48)
        if kind == QuestionType.IMAGE and pick % 3:
            return self.message(who, "image", "jpeg", None)
        if kind in (QuestionType.SELECT_ONE, QuestionType.SELECT_MULTIPLE) and pick % 4 == 0:
            titles = [o[2] for o in options if ":o" in o[1]]
            if titles:
                return self.message(who, "text", titles[pick % len(titles)].lstrip("✅⭐ "))
        return None

    def build(self, step: Step) -> list[dict[str, Any]]:
        """The `messages[]` items of one step (none for a step that is not a message)."""
        who, args, line = step.actor, step.args, self.line
        person = PEOPLE[who]
        if step.kind == "progress":
            return [self.progress(who, args[0])]
        if step.kind == "run":
            return [self.progress(who, args[1])]
        if step.kind == "text":
            return [self.message(who, "text", args[0])]
        if step.kind == "reply":
            return [self._reply(who, *args)]
        if step.kind == "template":
            payload, with_context = args
            context = self._bot_wamid(who, 0) if with_context else "wamid.template"
            return [
                template_button(line.wamid(), person.sender, payload, "Buka", context_id=context)
            ]
        if step.kind == "location":
            return [self.message(who, "location", *args)]
        if step.kind == "image":
            return [self.message(who, "image", *args)]
        if step.kind == "document":
            ref, name, caption = args
            return [
                document_message(
                    line.wamid(), person.sender, self.media(ref), filename=name, caption=caption
                )
            ]
        if step.kind == "media":
            kind = args[0]
            if kind == "sticker":
                return [sticker_message(line.wamid(), person.sender)]
            if kind == "audio":
                return [audio_message(line.wamid(), person.sender)]
            if kind == "video":
                return [video_message(line.wamid(), person.sender)]
            return [interactive_other(line.wamid(), person.sender, self._bot_wamid(who, 0))]
        if step.kind == "reaction":
            emoji, back = args
            target = self._bot_wamid(who, back)
            return [reaction_message(line.wamid(), person.sender, target, emoji)]
        if step.kind == "odd":
            return [odd_message(line.wamid(), person.sender, args[0])]
        if step.kind == "broken":
            return [self._broken(who, *args)]
        if step.kind == "mistyped":
            return [self._mistyped(who, *args)]
        raise AssertionError(f"not a message step: {step}")

    def _bot_wamid(self, who: str, back: int) -> str:
        sent = self.line.sent_to(PEOPLE[who])
        return sent[-1 - back % len(sent)][0] if sent else "wamid.unknown"

    def _reply(
        self, who: str, which: str, kind: str, back: int, forged: str, context: bool
    ) -> dict[str, Any]:
        """A button or list reply: to the latest options, older ones, or a forged id."""
        sent = [(w, b, options_of(b)) for w, b in self.line.sent_to(PEOPLE[who])]
        with_options = [s for s in sent if any(o[0] in ("button", "list") for o in s[2])]
        wamid, reply_id, title = "wamid.forged", forged, "Ya"
        if which != "forged" and with_options:
            index = -1 if which == "current" else -1 - back % len(with_options)
            wamid, _, options = with_options[index]
            tappable = [o for o in options if o[0] in ("button", "list")]
            _, reply_id, title = tappable[back % len(tappable)]
        message = self.message(who, kind, reply_id, title, wamid)
        if not context:
            message.pop("context")
        return message

    def _broken(self, who: str, pick: int, dropped: str) -> dict[str, Any]:
        """A sensible message with one field missing."""
        message = self.progress(who, pick)
        inner = message.get(message.get("type", ""), {})
        if dropped in message:
            del message[dropped]
        elif dropped == "reply_id" and isinstance(inner, dict):
            for reply in (inner.get("button_reply"), inner.get("list_reply")):
                if isinstance(reply, dict):
                    reply.pop("id", None)
        elif isinstance(inner, dict):
            inner.pop(dropped, None)
        return message

    def _mistyped(self, who: str, pick: int, path: tuple[str, ...], value: Any) -> dict:
        """A sensible message with one field of the wrong type (a string for an object...)."""
        message = self.progress(who, pick)
        if path[0] == "$kind":  # the object named by the message's type
            path = (str(message.get("type")), *path[1:])
        parent: Any = message
        for key in path[:-1]:
            if not isinstance(parent.get(key), dict):
                parent[key] = {}
            parent = parent[key]
        parent[path[-1]] = value
        self.mistyped.add(id(message))
        return message

    # -- posting ---------------------------------------------------------------------------

    def _envelope(self, messages: list[dict[str, Any]], statuses=()) -> dict[str, Any]:
        senders = []
        for message in messages:
            person = next((p for p in PEOPLE.values() if p.sender == message.get("from")), None)
            if person is not None and person not in senders:
                senders.append(person)
        return envelope(messages, statuses, [p.contact() for p in senders])

    def statuses(self, kinds: list[str]) -> list[dict[str, Any]]:
        """Status reports for messages the bot sent (or never sent)."""
        sent = self.line.sent()
        found = []
        for kind in kinds:
            if kind == "unknown" or not sent:
                found.append(status_update("wamid.never", "6281", "failed", errors=[131047]))
                continue
            wamid, body = sent[self.rng.randrange(len(sent))]
            recipient = str(body.get("to") or body.get("recipient"))
            errors = [131026 if self.rng.random() < 0.5 else 131000] if kind == "failed" else None
            found.append(status_update(wamid, recipient, kind, errors=errors))
        return found

    def messages_of(self, step: Step) -> list[dict[str, Any]]:
        """The `messages[]` items of any step that is not a whole post of its own."""
        if step.kind == "mismatch":
            return [self.progress(step.actor, step.args[1])]
        if step.kind == "again":  # the same wamid again, in the same envelope or a later one
            earlier = [m for p in self.posted for m in _whatsapp_items(p)[0]]
            return [earlier[step.args[0] % len(earlier)]["message"]] if earlier else []
        if step.kind == "forged_signature":
            return [self.message(step.actor, "text", step.args[1])]
        return self.build(step)

    def posts(self, step: Step) -> list[tuple[dict[str, Any], str]]:
        """The webhook posts of one step: (envelope, how it is signed)."""
        if step.kind == "envelope":
            inner, kinds = step.args
            messages = [m for s in inner for m in self.messages_of(s)]
            return [(self._envelope(messages, self.statuses(kinds)), "good")]
        if step.kind == "mismatch":
            other, pick, how = step.args
            message = self.progress(step.actor, pick)
            contacts = [PEOPLE[other].contact()] if how < 2 else []
            if how == 1:
                contacts.append(USERNAME.contact())
            return [(envelope([message], contacts=contacts), "good")]
        if step.kind == "again":
            return [(self.posted[step.args[0] % len(self.posted)], "good")] if self.posted else []
        if step.kind == "forged_signature":
            return [(self._envelope(self.messages_of(step)), step.args[0])]
        return [(self._envelope(self.build(step)), "good")]

    async def _post(self, payload: dict[str, Any], signature: str = "good") -> None:
        if signature == "good":
            self.posted.append(payload)
        await self.line.post(payload, signature=signature)

    async def play(self, step: Step) -> None:
        if step.kind == "run":
            count, pick = step.args
            for index in range(count):
                await self._post(self._envelope([self.progress(step.actor, pick + index * 7)]))
                await settle(self.runtime, CHANNEL)
            return
        if step.kind == "burst":
            posts = [post for inner in step.args[0] for post in self.posts(inner)]
            await asyncio.gather(*(self._post(*post) for post in posts))
        else:
            for post in self.posts(step):
                await self._post(*post)
        await settle(self.runtime, CHANNEL)
