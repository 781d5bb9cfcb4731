"""Fixtures of the durability suite."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from tests.fakes.whatsapp_api import FakeGraph


@pytest.fixture(scope="module")
def graph_loop() -> Iterator[tuple[asyncio.Runner, FakeGraph]]:
    """One event loop and FakeGraph (real HTTP on 127.0.0.1) for every example."""
    with asyncio.Runner() as runner:
        graph = FakeGraph()
        runner.run(graph.start())
        try:
            yield runner, graph
        finally:
            runner.run(graph.stop())
