"""The webhook server's own log lines (uvicorn's) pass the NIK/KK mask like every other."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.logs import SERVER_LOGGERS, setup_logging
from bot.webhook import WebServer
from tests.e2e.conftest import free_port

NIK = "3208014506230001"


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """setup_logging changes the root logger and uvicorn's: put back afterwards."""
    loggers = [logging.getLogger(), *map(logging.getLogger, SERVER_LOGGERS)]
    saved = [(logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    try:
        yield
    finally:
        for logger, (handlers, level, propagate) in zip(loggers, saved, strict=True):
            logger.handlers[:], logger.propagate = handlers, propagate
            logger.setLevel(level)


async def test_an_error_uvicorn_logs_shows_no_nik(
    logging_restored: None, capsys: pytest.CaptureFixture[str]
) -> None:
    async def failing(request: Request) -> Response:
        raise ValueError(f"NIK {NIK} tidak terbaca")

    setup_logging("INFO")
    port = free_port()
    server = WebServer(Starlette(routes=[Route("/boom", failing)]), "127.0.0.1", port)
    await server.start()
    try:
        async with httpx.AsyncClient() as client:
            answer = await client.get(f"http://127.0.0.1:{port}/boom")
    finally:
        await server.stop()
    assert answer.status_code == 500
    err = capsys.readouterr().err
    assert "Exception in ASGI application" in err  # uvicorn's line, with the traceback
    assert "ValueError: NIK 320801******0001 tidak terbaca" in err
    assert NIK not in err
