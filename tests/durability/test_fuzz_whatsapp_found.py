"""What fuzzing WhatsApp payloads found (tests/durability/test_fuzz_whatsapp.py), each as a
plain regression test through the same path: signed webhook, inbox, worker, FakeGraph."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.channels.whatsapp.inbound import CHANNEL
from tests.durability.durable_harness import rows, settle
from tests.durability.test_fuzz import _Errors
from tests.durability.whatsapp_line import (
    Person,
    WhatsAppLine,
    reaction_message,
    visible_texts,
    whatsapp_bot,
)
from tests.fakes.whatsapp_api import FakeGraph, envelope, location_message, text_message

SARI = Person("ID.6001", "6281200006001", "Sari")

Scenario = Callable[[WhatsAppLine], Awaitable[None]]


def _conversation(
    graph_loop,
    folder: Path,
    scenario: Scenario,
) -> tuple[WhatsAppLine, Path, list[str]]:
    """Run `scenario` against a fresh bot; (the line, the database, ERROR log records)."""
    runner, graph = graph_loop

    async def run(graph: FakeGraph) -> tuple[WhatsAppLine, Path, list[str]]:
        graph.reset()
        runtime, webhook = await whatsapp_bot(folder, graph)
        line = WhatsAppLine(webhook, graph)
        errors = _Errors()
        logging.getLogger().addHandler(errors)
        try:
            await scenario(line)
            await settle(runtime, CHANNEL)
        finally:
            logging.getLogger().removeHandler(errors)
            await webhook.aclose()
            await runtime.stop()
        return line, runtime.settings.database_path, errors.records

    return runner.run(run(graph))


def _texts(line: WhatsAppLine, person: Person) -> list[str]:
    return ["\n".join(visible_texts(body)) for _, body in line.sent_to(person)]


def _post(line: WhatsAppLine, message: dict[str, Any], contacts: list[dict[str, Any]]):
    return line.post(envelope([message], contacts=contacts))


@pytest.mark.parametrize(
    "latitude, longitude",
    [("abc", {}), ("-6.97", "108.48"), (None, []), (float("nan"), 108.48), (10**400, 1)],
    ids=["text-object", "numeric-text", "null-list", "nan", "huge-integer"],
)
def test_a_location_whose_coordinates_are_not_numbers_is_answered(
    graph_loop,
    tmp_path: Path,
    latitude: Any,
    longitude: Any,
) -> None:
    """Found: {"latitude": {}} failed validation in the parser, three times, and the person
    got "something went wrong"."""

    async def scenario(line: WhatsAppLine) -> None:
        location = location_message(line.wamid(), SARI.sender, latitude, longitude)
        await _post(line, location, [SARI.contact()])

    line, path, errors = _conversation(graph_loop, tmp_path, scenario)
    assert errors == []
    assert rows(path, "SELECT status FROM inbox") == [("done",)]
    assert len(_texts(line, SARI)) >= 1 and line.graph.rejections == []


@pytest.mark.parametrize("contacts", ["none", "someone else and another"])
def test_a_message_without_its_senders_contact_is_answered_at_the_senders_phone(
    graph_loop,
    tmp_path: Path,
    contacts: str,
) -> None:
    """Found: without a contact naming the sender, the reply went to `recipient`
    "wa:<phone>", which the Cloud API refuses; `from` is the sender's phone."""
    others = [Person("ID.6002", "6281200006002").contact(), Person("ID.6003", None).contact()]

    async def scenario(line: WhatsAppLine) -> None:
        message = text_message(line.wamid(), SARI.sender, "halo")
        await _post(line, message, [] if contacts == "none" else others)

    line, _, errors = _conversation(graph_loop, tmp_path, scenario)
    assert errors == [] and line.graph.rejections == []
    assert "Selamat datang" in _texts(line, SARI)[0]


def test_a_message_from_a_bsuid_without_a_contact_is_answered_at_the_bsuid(
    graph_loop, tmp_path: Path
) -> None:
    """Likewise for someone known only by username: `from` holds their BSUID."""
    ayu = Person("ID.6004", None, "Ayu")

    async def scenario(line: WhatsAppLine) -> None:
        await _post(line, text_message(line.wamid(), ayu.sender, "halo"), [])

    line, _, errors = _conversation(graph_loop, tmp_path, scenario)
    assert errors == [] and line.graph.rejections == []
    assert "Selamat datang" in _texts(line, ayu)[0]


def test_a_message_naming_no_sender_is_ignored(graph_loop, tmp_path: Path) -> None:
    """No `from` and no contact: nobody to answer (it used to be sent to "wa:")."""

    async def scenario(line: WhatsAppLine) -> None:
        message = text_message(line.wamid(), "", "halo")
        del message["from"]
        await _post(line, message, [])

    line, path, errors = _conversation(graph_loop, tmp_path, scenario)
    assert errors == [] and line.graph.sends == []
    assert rows(path, "SELECT status FROM inbox") == [("done",)]
    assert rows(path, "SELECT COUNT(*) FROM users") == [(0,)]


def test_a_reaction_gets_no_answer(graph_loop, tmp_path: Path) -> None:
    """Decided while fuzzing: a reaction (👍 to the bot's message, or its removal) asks for
    nothing; it used to be answered "send text, please"."""

    async def scenario(line: WhatsAppLine) -> None:
        await _post(line, text_message(line.wamid(), SARI.sender, "halo"), [SARI.contact()])
        for emoji in ("👍", ""):
            reaction = reaction_message(line.wamid(), SARI.sender, "wamid.x", emoji)
            await _post(line, reaction, [SARI.contact()])

    line, path, errors = _conversation(graph_loop, tmp_path, scenario)
    assert errors == []
    assert len(_texts(line, SARI)) == 1  # the welcome only
    assert rows(path, "SELECT status, COUNT(*) FROM inbox GROUP BY status") == [("done", 3)]


@pytest.mark.parametrize(
    "field, value",
    [("text", "halo"), ("text", {"body": True}), ("id", 5), ("interactive", [1]), ("from", {})],
    ids=["text-string", "body-bool", "id-number", "interactive-list", "from-object"],
)
def test_a_message_with_a_field_of_the_wrong_type_fails_neither_its_envelope_nor_the_worker(
    graph_loop, tmp_path: Path, field: str, value: Any
) -> None:
    """Found: `"text": "halo"` (a string for an object) raised in the webhook (HTTP 500, the
    envelope's other messages lost, Meta retrying it forever); `"interactive": [1]` failed
    parsing three times. A field of the wrong type is read as absent."""

    async def scenario(line: WhatsAppLine) -> None:
        odd = text_message(line.wamid(), SARI.sender, "halo")
        odd[field] = value
        if field == "interactive":
            odd["type"] = "interactive"
        fine = text_message(line.wamid(), SARI.sender, "halo")
        await line.post(envelope([odd, fine], contacts=[SARI.contact()]))

    line, path, errors = _conversation(graph_loop, tmp_path, scenario)
    assert line.answers == [(200, 200)]
    assert errors == []
    statuses = rows(path, "SELECT status FROM inbox")
    assert statuses and {s for (s,) in statuses} == {"done"}
    assert any("Selamat datang" in text for text in _texts(line, SARI))


@pytest.mark.parametrize(
    "status",
    [
        {"id": "wamid.X", "status": "failed", "errors": "x"},
        {"id": "wamid.X", "status": "failed", "errors": {"code": 131047}},
        {"id": "wamid.X", "status": "failed", "errors": [1]},
        {"id": "wamid.X", "status": "failed", "errors": [{"code": "131047"}]},
        {"id": ["wamid.X"], "status": "read"},
        {"status": "delivered"},
        {"id": "wamid.X", "status": {"name": "read"}},
    ],
    ids=["errors-text", "errors-object", "errors-number", "code-text", "id-list", "no-id", "odd"],
)
def test_a_status_with_a_field_of_the_wrong_type_fails_not_its_envelope(
    graph_loop, tmp_path: Path, status: dict[str, Any]
) -> None:
    """A status report is read as the messages are: a field of the wrong type as absent, so
    the message beside it in the envelope is stored and answered (no HTTP 500)."""

    async def scenario(line: WhatsAppLine) -> None:
        message = text_message(line.wamid(), SARI.sender, "halo")
        await line.post(envelope([message], [status], contacts=[SARI.contact()]))

    line, path, errors = _conversation(graph_loop, tmp_path, scenario)
    assert line.answers == [(200, 200)]
    assert errors == []
    assert [s for (s,) in rows(path, "SELECT status FROM inbox")] == ["done"]
    assert any("Selamat datang" in text for text in _texts(line, SARI))
