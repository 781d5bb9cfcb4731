"""Meta's side of the WhatsApp benchmarks, in a child process: it posts the webhooks.

In production Meta is remote, so the CPU its HTTP client spends posting webhooks is not the
bot's. The simulated people (`WhatsAppWalker`, bench/whatsapp_stack.py) stay in the bench's
process and hand each webhook's JSON to `MetaPoster.post`, which writes it on the child's
stdin and returns at once; the child (`python -m bench.meta_poster URL`, an asyncio loop with
an httpx client of `CONNECTIONS` connections) signs it and posts it to the bot's
`/webhook/whatsapp` over real HTTP, in the order it arrived.

Handing a webhook over costs the bench's process a non-blocking pipe write (about 10 us a
message in a microbenchmark, against 13 us for a `multiprocessing.Queue` with its feeder
thread and 17 us for a blocking `multiprocessing.Pipe`), where posting it itself cost a
quarter of the busy main thread's CPU.

The protocol, one line each way per message:
- parent -> child (stdin): one webhook's JSON (no newline inside: `json.dumps`' output);
  closing stdin asks the child to post what it has, then exit (drain).
- child -> parent (stdout): a JSON object: `{"ready": true}` once it can post,
  `{"reposted": 1}` for each post made again after a transport error, and
  `{"failed": "..."}` for a webhook the bot did not take (five transport errors or an
  answer other than 200). A failure makes the next `post` and `stop` raise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Awaitable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from bench.common import ROOT
from tests.fakes.whatsapp_api import sign

APP_SECRET = "bench-app-secret"
# Connections to the bot's webhook server, and no more posts in flight: a post may wait for a
# connection (Meta's queueing, outside the measured latency). Chosen when this side ran in the
# bench's process, whose CPU it shared: httpx's pool looks at every connection for each request
# queued in it, so 200 of them cost more than the bot's own HTTP server; 8 split the webhooks'
# group commits (twice the commits); 32 cost 1.3 ms more per step.
CONNECTIONS = 16
ATTEMPTS = 5  # posts of one webhook before it counts as failed
READY_TIMEOUT = 60.0  # seconds for the child to start
DRAIN_TIMEOUT = 30.0  # seconds for the child to post what it has and exit
LINE_LIMIT = 2**20  # bytes of one line either way


# -- the child ----------------------------------------------------------------------------------


def _tell(**event: Any) -> None:
    """Report one event to the parent (a line on stdout)."""
    sys.stdout.buffer.write(json.dumps(event).encode() + b"\n")
    sys.stdout.buffer.flush()


async def _post_until_answered(
    http: httpx.AsyncClient, url: str, raw: bytes, in_flight: asyncio.Semaphore
) -> None:
    """Post until answered 200, as Meta does: a kept-alive connection the server closed just
    then fails the request (reported as reposted), and it is posted again."""
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(raw, APP_SECRET)}
    for attempt in range(ATTEMPTS):
        try:
            async with in_flight:  # no more posts in flight than the pool has connections
                response = await http.post(url, content=raw, headers=headers)
        except httpx.TransportError:
            _tell(reposted=1)
            await asyncio.sleep(0.05 * 2**attempt)
            continue
        response.raise_for_status()
        return
    raise RuntimeError(f"the bot's webhook did not answer {ATTEMPTS} posts")


async def _reported(post: Awaitable[None]) -> None:
    """Await `post`; a failure is told to the parent rather than lost in the child."""
    try:
        await post
    except Exception as exc:  # every failure goes to the parent
        _tell(failed=repr(exc))


async def _stdin() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=LINE_LIMIT)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


async def serve(url: str) -> None:
    """Post every webhook read from stdin to `url` in arrival order; at EOF, drain."""
    webhooks = await _stdin()
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    in_flight = asyncio.Semaphore(CONNECTIONS)
    posting: set[asyncio.Task[None]] = set()
    async with httpx.AsyncClient(limits=limits, timeout=120) as http:
        _tell(ready=True)
        while raw := (await webhooks.readline()).rstrip(b"\n"):
            task = asyncio.create_task(_reported(_post_until_answered(http, url, raw, in_flight)))
            posting.add(task)
            task.add_done_callback(posting.discard)
        await asyncio.gather(*posting)


# -- the parent's handle ------------------------------------------------------------------------


@dataclass
class MetaPoster:
    """The bench's side of the child: hands it webhooks, learns of reposts and failures."""

    process: asyncio.subprocess.Process
    reposted: int = 0  # posts that failed on a closed connection and were made again
    failures: list[str] = field(default_factory=list)
    _listening: asyncio.Task[None] | None = None

    @classmethod
    async def start(cls, url: str) -> MetaPoster:
        """Start the child posting to `url`; returns once it is ready."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.meta_poster",
            url,
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=LINE_LIMIT,
        )
        poster = cls(process)
        try:
            await asyncio.wait_for(poster._ready(), READY_TIMEOUT)
        except BaseException:
            await poster._end()
            raise
        poster._listening = asyncio.create_task(poster._listen())
        return poster

    def post(self, raw: bytes) -> None:
        """Hand one webhook's JSON to the child; returns at once."""
        self.check()
        assert self.process.stdin is not None
        self.process.stdin.write(raw + b"\n")

    def check(self) -> None:
        """Raise if a webhook was not taken by the bot, or the child ended early."""
        if self.failures:
            raise RuntimeError(f"Meta's simulated side failed to post: {'; '.join(self.failures)}")

    async def stop(self) -> None:
        """Let the child post what it has and exit (killed if it cannot in DRAIN_TIMEOUT,
        e.g. against a bot that hangs); then raise if anything failed."""
        assert self.process.stdin is not None
        with contextlib.suppress(ConnectionError):
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self._exit(), DRAIN_TIMEOUT)
        except TimeoutError:
            self.failures.append(f"the child did not drain in {DRAIN_TIMEOUT:g} s")
        finally:
            await self._end()
        self.check()

    async def _exit(self) -> None:
        """Wait for the child's last report and its exit."""
        assert self._listening is not None
        await asyncio.shield(self._listening)
        code = await self.process.wait()
        if code != 0:
            self.failures.append(f"the child exited with code {code}")

    async def _ready(self) -> None:
        event = await self._event()
        if event != {"ready": True}:
            raise RuntimeError(f"Meta's simulated side did not start: {event!r}")

    async def _event(self) -> dict[str, Any] | None:
        """The child's next report; None once its stdout is closed."""
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        return json.loads(line) if line else None

    async def _listen(self) -> None:
        """Count the child's reports until it closes its stdout."""
        while (event := await self._event()) is not None:
            self.reposted += event.get("reposted", 0)
            if "failed" in event:
                self.failures.append(event["failed"])
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.failures.append("the child ended before it was asked to")

    async def _end(self) -> None:
        """Kill the child if it still runs, and reap it (no zombie)."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening


@asynccontextmanager
async def meta_posting(url: str) -> AsyncIterator[MetaPoster]:
    """Meta's simulated side posting to `url` for the time of the block, drained at its end."""
    poster = await MetaPoster.start(url)
    try:
        yield poster
    finally:
        await poster.stop()


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1]))
