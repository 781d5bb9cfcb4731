"""Random sequences of WhatsApp webhook payloads through the real path: the webhook app
(signature, inbox), the inbox worker, router, forms, outbox and the real WhatsApp channel
sending to the FakeGraph over HTTP, which refuses every body the Cloud API would refuse.

Each example starts from a fresh database with an active coordinator and an active PSM on
WhatsApp; a newcomer with a phone and one known only by username (BSUID) are unknown to the
bot. Steps mix sensible answers to what each person is being asked (registration, approval,
the case report up to its summary) with hostile payloads: any text, typed numbers and words
for numbered menus, current, stale, replayed and forged replies, template taps, extreme and
invalid coordinates, unknown media, stickers, reactions, unknown types, missing fields and
fields of the wrong type, several messages and statuses in one envelope, contacts that do
not match the sender, the same wamid twice, keywords mid-form, bursts, forged signatures.
"""

from __future__ import annotations

import logging
import random
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.whatsapp.inbound import CHANNEL, chat_of
from bot.webhook import OLDEST_MESSAGE, _whatsapp_items, sent_before
from handlers.keywords import KEYWORDS, WITH_ARGUMENTS
from handlers.masking import mask_identifiers
from storage.models import Role
from tests.durability.durable_harness import (
    SOAK_FACTOR,
    integrity,
    rows,
    seed_user,
    settle,
)
from tests.durability.test_fuzz import (
    FORGED_BUTTONS,
    Step,
    _Errors,
    _watch_processing,
    any_text,
    coordinates,
    hostile_text,
)
from tests.durability.whatsapp_line import WhatsAppLine, visible_texts, whatsapp_bot
from tests.durability.whatsapp_people import COORDINATOR, NEWCOMER, PEOPLE, PSM, USERNAME, Session
from tests.fakes.whatsapp_api import FakeGraph

EXAMPLES = 20
MAX_STEPS = 40
#: Messages the bot knowingly leaves unanswered: reactions, and messages naming no sender.
IGNORED_TYPES = {"reaction", "no sender", "account change"}

# -- hostile payloads --------------------------------------------------------------------------

WORDS = [*sorted(KEYWORDS), *sorted(WITH_ARGUMENTS), "LAPOR", " Batal ", "batal!", "/lapor"]
WORDS += ["menu menu", "bimtek K7Q2XM4PRA", "bimtek ???", "cari", "halo" * 6, "/xyz"]
TYPED = ["1", "2", "3", "10", "11", "12", "0", "-1", "01", " 2 ", "3.", "1, 3", "99", "ya"]
TYPED += ["tidak", "lewati", "selesai", "kirim", "setujui", "1e3", "٣", "１"]
MEDIA = ["jpeg", "garbage", "unknown", "empty"]
BAD_COORDINATES = ["abc", "-6.97", None, [], {}, True, 1e308, -1e308, "NaN", "", 10**30, 10**400]
DROPPED = ["id", "from", "type", "timestamp", "text", "body", "interactive", "location"]
DROPPED += ["image", "context", "button", "reply_id", "latitude"]
ODD_TYPES = ["unsupported", "contacts", "order", "system", "request_welcome", "ephemeral"]
ODD_TYPES += ["", "TEXT", "weird"]

# Fields given a value of the wrong type ("$kind": the object the message's type names).
MISTYPED = [("$kind",), ("$kind", "body"), ("$kind", "id"), ("$kind", "caption"), ("from",)]
MISTYPED += [("id",), ("type",), ("context",), ("context", "id"), ("timestamp",)]
MISTYPED += [("$kind", "button_reply"), ("$kind", "list_reply", "id"), ("$kind", "payload")]
MISTYPED += [("$kind", "latitude"), ("$kind", "list_reply", "title")]
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=6,
)
forged_id = st.sampled_from(FORGED_BUTTONS) | st.text(max_size=80) | any_text
json_scalar = st.sampled_from(BAD_COORDINATES) | st.floats() | st.integers()


def _chaos_step(actor: str) -> st.SearchStrategy[Step]:
    return st.one_of(
        hostile_text.map(lambda t: Step(actor, "text", (t,))),
        st.tuples(st.sampled_from(WORDS), st.just("") | hostile_text).map(
            lambda w: Step(actor, "text", (f"{w[0]} {w[1]}".rstrip(),))
        ),
        st.sampled_from(TYPED).map(lambda t: Step(actor, "text", (t,))),
        st.tuples(
            st.sampled_from(["current", "stale", "replay", "forged"]),
            st.sampled_from(["button", "list"]),
            st.integers(0, 50),
            forged_id,
            st.booleans(),
        ).map(lambda r: Step(actor, "reply", r)),
        st.tuples(st.sampled_from(["open", "", "open open"]) | forged_id, st.booleans()).map(
            lambda t: Step(actor, "template", t)
        ),
        coordinates.map(lambda c: Step(actor, "location", c)),
        st.tuples(json_scalar, json_scalar).map(lambda c: Step(actor, "location", c)),
        st.tuples(st.sampled_from(MEDIA), st.none() | hostile_text).map(
            lambda m: Step(actor, "image", m)
        ),
        st.tuples(
            st.sampled_from(MEDIA),
            st.sampled_from(["surat.pdf", "daftar.xlsx", "nomor.csv", "", "x" * 300]),
            st.none() | hostile_text,
        ).map(lambda d: Step(actor, "document", d)),
        st.sampled_from(["sticker", "audio", "video", "flow"]).map(
            lambda k: Step(actor, "media", (k,))
        ),
        st.tuples(st.sampled_from(["👍", "", "🧕🏽", "x"]), st.integers(0, 30)).map(
            lambda r: Step(actor, "reaction", r)
        ),
        st.sampled_from(ODD_TYPES).map(lambda k: Step(actor, "odd", (k,))),
        st.tuples(st.integers(0, 1000), st.sampled_from(DROPPED)).map(
            lambda b: Step(actor, "broken", b)
        ),
        st.tuples(st.integers(0, 1000), st.sampled_from(MISTYPED), json_value).map(
            lambda m: Step(actor, "mistyped", m)
        ),
        st.tuples(st.sampled_from(sorted(PEOPLE)), st.integers(0, 1000), st.integers(0, 2)).map(
            lambda m: Step(actor, "mismatch", m)
        ),
        st.integers(0, 60).map(lambda i: Step(actor, "again", (i,))),
        st.tuples(st.sampled_from(["none", "bad"]), hostile_text).map(
            lambda f: Step(actor, "forged_signature", f)
        ),
    )


def _step(actor: str) -> st.SearchStrategy[Step]:
    progress = st.integers(0, 1000).map(lambda pick: Step(actor, "progress", (pick,)))
    run = st.tuples(st.integers(3, 15), st.integers(0, 1000)).map(lambda r: Step(actor, "run", r))
    return st.one_of(progress, run, run, _chaos_step(actor), _chaos_step(actor))


actor = st.sampled_from([NEWCOMER, NEWCOMER, USERNAME, PSM, PSM, PSM, COORDINATOR]).map(
    lambda p: p.user_id
)
step = actor.flatmap(_step)
several = st.tuples(
    st.lists(step, min_size=2, max_size=4),
    st.lists(st.sampled_from(["sent", "delivered", "read", "failed", "unknown"]), max_size=3),
).map(lambda s: Step("", "envelope", s))
burst = st.lists(step, min_size=2, max_size=5).map(lambda steps: Step("", "burst", (steps,)))
scenario = st.lists(st.one_of(step, step, step, several, burst), min_size=5, max_size=MAX_STEPS)


# -- the run and its properties ----------------------------------------------------------------


def _count_applied(session: Session) -> None:
    """Count how often each stored message is handled (a replay must not be handled again)."""
    worker = session.runtime.worker
    assert worker is not None
    apply = worker._apply

    async def counted(repos, item, event):
        session.applied[item.ext_id] += 1
        return await apply(repos, item, event)

    worker._apply = counted  # type: ignore[method-assign]


def _posted_messages(session: Session) -> dict[str, dict[str, Any]]:
    """wamid -> the inbox payload its first post made (the stored copy is cleared later);
    not those the webhook drops as sent over a week ago (a mistyped timestamp may say so)."""
    found: dict[str, dict[str, Any]] = {}
    oldest = datetime.now(UTC) - OLDEST_MESSAGE
    for posted in session.posted:
        for payload in _whatsapp_items(posted)[0]:
            wamid = payload["message"].get("id")
            if sent_before(payload["message"], oldest):
                continue
            if wamid and isinstance(wamid, str):  # no (readable) id: not stored
                found.setdefault(wamid, payload)
    return found


def _account_change(message: dict[str, Any]) -> bool:
    """Meta's system message that a user changed number or id (bot/channels/whatsapp/inbound.py)."""
    system = message.get("system")
    return isinstance(system, dict) and system.get("type") in (
        "user_changed_number",
        "user_changed_user_id",
    )


def _unanswered(session: Session) -> list[str]:
    """Stored messages that expect an answer in their chat and got none; messages lost. A
    sender's images one after the other are an album (WhatsApp ties them by nothing else,
    bot/inbox_worker.py): answered once, by any of them."""
    posted = _posted_messages(session)
    stored = [row[0] for row in rows(session.path, "SELECT ext_id FROM inbox ORDER BY id")]
    problems = [f"not stored: {posted[w]!r}"[:600] for w in sorted(set(posted) - set(stored))]
    albums: dict[str, list[tuple[str, bool]]] = {}  # a sender's open run of images
    for wamid in stored:
        payload = posted[wamid]
        kind = str(payload["message"].get("type"))
        if not (payload["message"].get("from") or payload["contact"]):
            kind = "no sender"  # nobody to answer
        if kind == "system" and _account_change(payload["message"]):
            kind = "account change"  # Meta's word, nobody wrote: followed, never answered
        if id(payload["message"]) in session.mistyped:
            continue  # Meta never sends these: stored and handled without a failure is enough
        if kind in IGNORED_TYPES:
            if [r for r in session.caused.get(wamid, []) if r["type"] != "callback_answer"]:
                problems.append(f"an answer to an ignored {kind}: {payload!r}"[:600])
            continue
        chat = chat_of(payload)
        replies = [
            r
            for r in session.caused.get(wamid, [])
            if r["chat_id"] == chat and r["type"] not in ("callback_answer", "delete", "menu")
        ]
        if kind != "image":
            problems += _album_unanswered(albums.pop(chat, []), posted)
            if not replies:
                problems.append(f"no answer to {payload!r}"[:600])
            continue
        albums.setdefault(chat, []).append((wamid, bool(replies)))
    for run in albums.values():
        problems += _album_unanswered(run, posted)
    return problems


def _album_unanswered(run: list[tuple[str, bool]], posted: dict[str, dict[str, Any]]) -> list[str]:
    if not run or any(answered for _, answered in run):
        return []
    return [f"no answer to the album ending {posted[run[-1][0]]!r}"[:600]]


def _shown_identifiers(line: WhatsAppLine) -> list[str]:
    return [
        text[:300]
        for _, body in line.sent()
        for text in visible_texts(body)
        if mask_identifiers(text) != text
    ]


async def _run(graph: FakeGraph, steps: list[Step], seed: int, depth: tuple[int, int]) -> None:
    graph.reset()
    with tempfile.TemporaryDirectory(prefix="psm-wafuzz-") as folder:
        runtime, webhook = await whatsapp_bot(Path(folder), graph)
        line = WhatsAppLine(webhook, graph)
        path = runtime.settings.database_path
        session = Session(runtime, line, path, random.Random(seed))
        errors = _Errors()
        logging.getLogger().addHandler(errors)
        try:
            for person, role in ((COORDINATOR, Role.COORDINATOR), (PSM, Role.PSM)):
                coordinator = role == Role.COORDINATOR
                await seed_user(
                    runtime,
                    external_id=person.user_id,
                    role=role,
                    name=person.name,
                    kecamatan=None if coordinator else "32.08.01",
                    desa=None if coordinator else "32.08.01.2006",
                    channel=CHANNEL,
                    chat_id=person.wa_id,
                )
            _watch_processing(session)  # type: ignore[arg-type]
            _count_applied(session)
            walk = random.Random(seed)
            for who, count in zip((NEWCOMER.user_id, PSM.user_id), depth, strict=True):
                for _ in range(count):
                    await session.play(Step(who, "progress", (walk.randrange(1000),)))
            for item in steps:
                await session.play(item)
            await settle(runtime, CHANNEL)
        finally:
            logging.getLogger().removeHandler(errors)
            await webhook.aclose()
            await runtime.stop()
        inbox = dict(rows(path, "SELECT status, COUNT(*) FROM inbox GROUP BY status"))
        outbox = rows(
            path,
            "SELECT kind, status, message, last_error FROM outbox"
            " WHERE status NOT IN ('sent', 'cleared') AND kind != 'bulk'"
            # Reported failed with Meta unwell (131000): sent again after its back-off.
            " AND NOT (status = 'pending' AND last_error LIKE '131000 reported by status%')",
        )
        twice_stored = rows(
            path,
            "SELECT channel, ext_id FROM inbox GROUP BY channel, ext_id HAVING COUNT(*) > 1",
        )
        two_sessions = rows(
            path,
            "SELECT user_id, COUNT(*) FROM form_sessions WHERE status = 'active'"
            " GROUP BY user_id HAVING COUNT(*) > 1",
        )
        log = "\n".join(errors.records)[-6000:]
        refused = [(c.path, c.body, c.rejected) for c in graph.rejections if c.method == "POST"]
        assert errors.records == [], log
        assert inbox.get("failed", 0) == 0 and inbox.get("pending", 0) == 0, (inbox, log)
        assert [a for a in line.answers if a[0] != a[1]] == [], line.answers
        assert refused == [], str(refused)[:6000]
        assert outbox == [], str(outbox)[:6000]
        assert _shown_identifiers(line) == [], _shown_identifiers(line)
        assert _unanswered(session) == [], "\n".join(_unanswered(session))[:6000]
        assert [w for w, n in session.applied.items() if n > 1] == [], session.applied
        assert twice_stored == [], twice_stored
        assert two_sessions == [], two_sessions
        assert integrity(path) == ["ok"]


_SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.function_scoped_fixture,
]
_EXAMPLE = {
    "steps": scenario,
    "seed": st.integers(0, 2**32),
    "depth": st.tuples(st.integers(0, 10), st.integers(0, 40)),
}


# `make test`: the same examples every run (a failure is reproducible at once).
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_SUPPRESSED,
)
@given(**_EXAMPLE)
def test_random_whatsapp_payloads_never_break_the_whatsapp_bot(
    graph_loop, steps: list[Step], seed: int, depth: tuple[int, int]
) -> None:
    runner, graph = graph_loop
    runner.run(_run(graph, steps, seed, depth))


# `make soak`: new random examples every run, many more of them.
@pytest.mark.soak
@settings(
    max_examples=EXAMPLES * 10 * SOAK_FACTOR,
    deadline=None,
    suppress_health_check=_SUPPRESSED,
    print_blob=True,
)
@given(**_EXAMPLE)
def test_random_whatsapp_payloads_never_break_the_bot_soak(
    graph_loop, steps: list[Step], seed: int, depth: tuple[int, int]
) -> None:
    runner, graph = graph_loop
    runner.run(_run(graph, steps, seed, depth))


def test_a_sensible_whatsapp_walk_reaches_both_summaries(graph_loop) -> None:
    """The oracle behind `progress` gets deep: registration submitted, a report summarised."""

    async def walk(graph: FakeGraph) -> tuple[str, str]:
        graph.reset()
        with tempfile.TemporaryDirectory(prefix="psm-wafuzz-") as folder:
            runtime, webhook = await whatsapp_bot(Path(folder), graph)
            line = WhatsAppLine(webhook, graph)
            session = Session(runtime, line, runtime.settings.database_path, random.Random(1))
            try:
                await seed_user(
                    runtime,
                    external_id=PSM.user_id,
                    role=Role.PSM,
                    name=PSM.name,
                    channel=CHANNEL,
                    chat_id=PSM.wa_id,
                )
                picks = random.Random(7)
                for _ in range(80):
                    await session.play(Step(NEWCOMER.user_id, "progress", (picks.randrange(1000),)))
                    await session.play(Step(PSM.user_id, "progress", (picks.randrange(1000),)))
            finally:
                await webhook.aclose()
                await runtime.stop()
            return tuple(  # type: ignore[return-value]
                "\n".join(t for _, body in line.sent_to(p) for t in visible_texts(body))
                for p in (NEWCOMER, PSM)
            )

    runner, graph = graph_loop
    newcomer, psm = runner.run(walk(graph))
    assert "menunggu persetujuan" in newcomer
    assert "Periksa kembali" in psm or "KNG-" in psm
