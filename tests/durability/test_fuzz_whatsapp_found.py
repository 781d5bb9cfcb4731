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
    visible_texts,
    whatsapp_bot,
)
from tests.fakes.whatsapp_api import FakeGraph, envelope, location_message

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
