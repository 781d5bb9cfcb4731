"""Prove the fake WhatsApp Cloud API (Graph API) and the webhook builders."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from tests.fakes.whatsapp_api import (
    FakeGraph,
    WhatsAppLimits,
    audio_message,
    button_reply,
    contact,
    document_message,
    envelope,
    graph_error,
    image_message,
    list_reply,
    location_message,
    sign,
    status_update,
    sticker_message,
    template_button,
    text_message,
)

USER = "6281234567890"
BSUID = "ID.1502576394655843"
JPEG = b"\xff\xd8\xff\xe0fake-jpeg-bytes\xff\xd9"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fake() -> AsyncIterator[FakeGraph]:
    server = FakeGraph()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(autouse=True)
def _reset(fake: FakeGraph) -> None:
    fake.reset()


@pytest_asyncio.fixture(loop_scope="session")
async def client(fake: FakeGraph) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        base_url=fake.base_url, headers={"Authorization": f"Bearer {fake.access_token}"}
    ) as c:
        yield c


async def send(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post("/1000001/messages", json=body)


def text(body: str, to: str = USER) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": body}}


def buttons(*pairs: tuple[str, str], body: str = "Pilih:") -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": USER,
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [{"type": "reply", "reply": {"id": i, "title": t}} for i, t in pairs]
            },
        },
    }


def list_message(*sections: list[tuple[str, str]], titles: bool = True) -> dict[str, Any]:
    built = []
    for n, rows in enumerate(sections):
        section: dict[str, Any] = {"rows": [{"id": i, "title": t} for i, t in rows]}
        if titles:
            section["title"] = f"Bagian {n}"
        built.append(section)
    return {
        "messaging_product": "whatsapp",
        "to": USER,
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Pilih desa"},
            "action": {"button": "Daftar desa", "sections": built},
        },
    }


def template(name: str, to: str = USER) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "to": to,
        "type": "template",
        "template": {"name": name, "language": {"code": "id"}},
    }


def rows(n: int, prefix: str = "r") -> list[tuple[str, str]]:
    return [(f"{prefix}{i}", f"Baris {prefix}{i}") for i in range(n)]


# ---------------------------------------------------------------- sending


async def test_valid_text_send(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    assert fake.base_url == f"{fake.url}/v23.0"
    assert fake.url.startswith("http://127.0.0.1:")
    r1 = await send(client, text("Halo"))
    r2 = await send(client, text("Lagi", to="+" + USER))
    assert r1.status_code == r2.status_code == 200
    data = r1.json()
    assert data["messaging_product"] == "whatsapp"
    assert data["contacts"] == [{"input": USER, "wa_id": USER}]
    assert r2.json()["contacts"] == [{"input": "+" + USER, "wa_id": USER}]
    wamid1, wamid2 = data["messages"][0]["id"], r2.json()["messages"][0]["id"]
    assert wamid1.startswith("wamid.") and wamid1 != wamid2
    assert [m["text"]["body"] for m in fake.messages_to(USER)] == ["Halo", "Lagi"]
    assert fake.rejections == []
    assert await fake.wait_messages(USER, 2, timeout=1) == fake.messages_to(USER)


async def test_send_to_business_scoped_user_id(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    body = {"messaging_product": "whatsapp", "recipient": BSUID, "text": {"body": "Hai"}}
    r = await send(client, body)
    assert r.status_code == 200, r.text
    assert r.json()["contacts"] == [{"input": BSUID, "wa_id": ""}]
    assert fake.messages_to(BSUID) == [body]
    both = {**text("x"), "recipient": BSUID}
    assert (await send(client, both)).json()["error"]["code"] == 100


async def test_valid_interactive_sends(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    three = buttons(("a", "Ya"), ("b", "Tidak"), ("c", "Batal"))
    three["interactive"]["header"] = {"type": "text", "text": "Konfirmasi"}
    three["interactive"]["footer"] = {"text": "PSM"}
    ten = list_message(rows(4, "a"), rows(6, "b"))
    ten["interactive"]["action"]["sections"][0]["rows"][0]["description"] = "d" * 72
    location = {
        "messaging_product": "whatsapp",
        "to": USER,
        "type": "interactive",
        "interactive": {
            "type": "location_request_message",
            "body": {"text": "Bagikan lokasi"},
            "action": {"name": "send_location"},
        },
    }
    photo = {
        "messaging_product": "whatsapp",
        "to": USER,
        "type": "image",
        "image": {"link": "https://example.org/a.jpg", "caption": "c" * 1024},
    }
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}
    for body in (three, ten, list_message(rows(10), titles=False), location, photo):
        r = await send(client, body)
        assert r.status_code == 200, r.text
    r = await send(client, read)
    assert r.json() == {"success": True}
    assert fake.rejections == []
    assert len(fake.messages_to(USER)) == 5
    assert fake.read_receipts == ["wamid.X"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (buttons(("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")), "1 to 3 buttons"),
        (buttons(("a", "x" * 21)), "title is too long"),
        (list_message(rows(5, "a"), rows(6, "b")), "at most 10 rows"),
        (list_message([("r", "x" * 25)]), "title is too long"),
        (buttons(("a", "Ya"), body="b" * 1025), "body.text is too long"),
        (buttons(("a", "Ya"), ("a", "Tidak")), "duplicate button id"),
        (buttons(("a", "Ya"), ("b", "Ya")), "duplicate button title"),
        (list_message([("r", "Satu"), ("r", "Dua")]), "duplicate row id"),
        (list_message(rows(2, "a"), rows(2, "b"), titles=False), "title is required"),
        (text(""), "must not be empty"),
        (text("x" * 4097), "text.body is too long"),
        (text("hai", to="0812-3456"), "'to' must be a phone number"),
        ({**text("hai"), "messaging_product": "sms"}, "messaging_product"),
        ({"messaging_product": "whatsapp", "to": USER, "type": "sticker"}, "exactly the"),
        (
            {"messaging_product": "whatsapp", "to": USER, "type": "image", "image": {}},
            "exactly one of 'link' or 'id'",
        ),
    ],
    ids=[
        "4-buttons",
        "21-char-title",
        "11-rows",
        "25-char-row-title",
        "1025-char-body",
        "duplicate-button-ids",
        "duplicate-button-titles",
        "duplicate-row-ids",
        "untitled-sections",
        "empty-text",
        "4097-char-text",
        "bad-phone",
        "bad-product",
        "missing-object",
        "image-without-media",
    ],
)
async def test_limit_violations_are_rejected(
    fake: FakeGraph, client: httpx.AsyncClient, body: dict[str, Any], needle: str
) -> None:
    r = await send(client, body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 100
    assert error["type"] == "OAuthException"
    assert needle in error["error_data"]["details"]
    assert len(fake.rejections) == 1
    rejected = fake.rejections[0]
    assert rejected.error_code == 100 and rejected.status == 400
    assert rejected.rejected is not None and needle in rejected.rejected
    assert fake.messages_to(USER) == []


async def test_unknown_template_is_rejected(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    r = await send(client, template("tidak_ada"))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 132001
    assert [c.error_code for c in fake.rejections] == [132001]
    assert (await send(client, template("psm_darurat"))).status_code == 200


async def test_closed_window_blocks_free_form_only(
    fake: FakeGraph, client: httpx.AsyncClient
) -> None:
    fake.close_window(USER)
    r = await send(client, text("Halo"))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 131047
    ok = await send(client, template("psm_pemberitahuan"))
    assert ok.status_code == 200
    assert [m["type"] for m in fake.messages_to(USER)] == ["template"]
    assert fake.rejections == []  # a closed window is not a client bug
    fake.open_window("+" + USER)
    assert (await send(client, text("Halo"))).status_code == 200


async def test_closed_window_asynchronous_failure(
    fake: FakeGraph, client: httpx.AsyncClient
) -> None:
    fake.close_window(USER, asynchronous=True)
    r = await send(client, text("Halo"))
    assert r.status_code == 200
    wamid = r.json()["messages"][0]["id"]
    assert fake.messages_to(USER) == []
    [failed] = fake.failed_statuses
    assert failed["id"] == wamid and failed["status"] == "failed"
    assert failed["errors"][0]["code"] == 131047
    json.dumps(envelope(statuses=[failed]))


@pytest.mark.parametrize(("code", "status"), [(130429, 400), (131056, 400), (131026, 400)])
async def test_injected_faults(
    fake: FakeGraph, client: httpx.AsyncClient, code: int, status: int
) -> None:
    fake.fail_next(code, times=2, message="coba lagi nanti")
    for _ in range(2):
        r = await send(client, text("Halo"))
        assert r.status_code == status
        error = r.json()["error"]
        assert error["code"] == code
        assert error["message"].startswith(f"(#{code}) ")
        assert error["error_data"]["details"] == "coba lagi nanti"
        assert error["fbtrace_id"]
    assert (await send(client, text("Halo"))).status_code == 200
    assert fake.rejections == []  # injected faults are not rejections
    assert [c.error_code for c in fake.calls] == [code, code, None]


async def _code(client: httpx.AsyncClient, body: dict[str, Any]) -> int | None:
    r = await send(client, body)
    return r.json()["error"]["code"] if r.status_code != 200 else None


async def test_enforced_pair_rate_and_throughput(
    fake: FakeGraph, client: httpx.AsyncClient
) -> None:
    # Buckets that refill nothing during the test; waits longer than the test.
    counters = fake.enforce_limits(
        WhatsAppLimits(
            throughput_per_s=0.001,
            throughput_burst=4,
            pair_per_s=0.001,
            pair_burst=2,
            throughput_wait_s=600,
        )
    )
    other, third, fourth = "6289999999991", "6289999999992", "6289999999993"
    assert await _code(client, text("a")) is None
    assert await _code(client, template("psm_pemberitahuan")) is None  # templates count too
    assert await _code(client, text("b")) == 131056  # the pair's burst is used up
    assert await _code(client, text("c")) == 131056  # too early: an ignored retry
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.X"}
    assert (await send(client, read)).status_code == 200  # read receipts are not sends
    assert await _code(client, text("d", to=other)) is None  # another person is not held
    assert await _code(client, text("e", to=third)) is None  # the last of the throughput
    assert await _code(client, text("f", to=fourth)) == 130429  # the number's throughput
    assert await _code(client, text("g", to=other)) == 130429  # everyone waits: ignored
    assert (counters.accepted, counters.pair_limited, counters.throughput_limited) == (4, 2, 2)
    assert counters.ignored_retry == 2
    assert fake.rejections == []  # limits are not rejections
    fake.reset()
    assert await _code(client, text("h")) is None  # reset switches the limits off
    assert counters.accepted == 4


async def test_limits_are_off_unless_enforced(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    for n in range(10):
        assert await _code(client, text(f"pesan {n}")) is None


async def test_injected_fault_for_one_recipient(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    other = "6289999999999"
    fake.fail_next(131026, recipient="+" + other)
    assert (await send(client, text("a"))).status_code == 200
    assert (await send(client, text("b", to=other))).json()["error"]["code"] == 131026
    assert (await send(client, text("c", to=other))).status_code == 200


async def test_injected_190_and_wrong_token(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    fake.fail_next(190)
    r = await send(client, text("Halo"))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == 190
    assert fake.rejections == []

    wrong = await client.post(
        "/1000001/messages", json=text("Halo"), headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == 190
    async with httpx.AsyncClient(base_url=fake.base_url) as anonymous:
        missing = await anonymous.post("/1000001/messages", json=text("Halo"))
    assert missing.status_code == 401
    assert [c.error_code for c in fake.rejections] == [190, 190]
    assert fake.messages_to(USER) == []


async def test_unknown_paths_are_rejected(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    r = await client.post("/999/messages", json=text("Halo"))
    assert r.status_code == 400 and r.json()["error"]["code"] == 100
    r = await client.post(f"{fake.url}/v1.0/1000001/messages", json=text("Halo"))
    assert r.json()["error"]["code"] == 100
    r = await client.get("/a/b/c")
    assert r.json()["error"]["code"] == 100
    assert len(fake.rejections) == 3


# ---------------------------------------------------------------- media


async def test_media_metadata_and_download(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    media_id = fake.register_media(JPEG)
    r = await client.get(f"/{media_id}")
    assert r.status_code == 200
    info = r.json()
    assert info["id"] == media_id
    assert info["messaging_product"] == "whatsapp"
    assert info["mime_type"] == "image/jpeg"
    assert info["file_size"] == len(JPEG)
    assert info["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert info["url"].startswith(f"{fake.url}/media-download/")

    download = await client.get(info["url"])
    assert download.status_code == 200
    assert download.content == JPEG
    assert hashlib.sha256(download.content).hexdigest() == info["sha256"]
    assert (await client.get(info["url"])).content == JPEG  # still valid in the test
    assert fake.calls[-1].response == JPEG
    assert fake.rejections == []

    async with httpx.AsyncClient() as anonymous:
        assert (await anonymous.get(info["url"])).status_code == 401
        no_auth = await anonymous.get(f"{fake.base_url}/{media_id}")
    assert no_auth.status_code == 401
    assert no_auth.json()["error"]["code"] == 190
    assert len(fake.rejections) == 2

    unknown = await client.get("/123")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == 100


async def test_media_upload_then_send_by_id(fake: FakeGraph, client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/1000001/media",
        data={"messaging_product": "whatsapp", "type": "application/pdf"},
        files={"file": ("laporan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    )
    assert r.status_code == 200, r.text
    media_id = r.json()["id"]
    assert fake.media(media_id) == (b"%PDF-1.4\n%%EOF\n", "application/pdf")
    body = {
        "messaging_product": "whatsapp",
        "to": USER,
        "type": "document",
        "document": {"id": media_id, "filename": "laporan.pdf", "caption": "Laporan"},
    }
    assert (await send(client, body)).status_code == 200
    assert fake.rejections == []


# ---------------------------------------------------------------- webhook builders


def test_sign_matches_manual_hmac() -> None:
    body = json.dumps(envelope([text_message("wamid.1", USER, "halo")])).encode()
    expected = hmac.new(b"rahasia", body, hashlib.sha256).hexdigest()
    assert sign(body, "rahasia") == f"sha256={expected}"
    assert sign(body, "lain") != sign(body, "rahasia")


def test_builders_are_json_serialisable() -> None:
    messages = [
        text_message("wamid.1", USER, "halo", timestamp=1_700_000_000),
        button_reply("wamid.2", USER, "ya", "Ya", context_id="wamid.out1"),
        list_reply("wamid.3", USER, "desa:1", "Desa Satu", context_id="wamid.out2"),
        template_button("wamid.4", USER, "CONFIRM", "Konfirmasi", context_id="wamid.out3"),
        location_message("wamid.5", USER, -6.2, 106.8, name="Balai Desa", address="Jl. 1"),
        image_message("wamid.6", USER, "901", caption="foto", sha256="ab" * 32),
        sticker_message("wamid.7", USER),
        audio_message("wamid.8", USER),
        document_message("wamid.9", BSUID, caption="surat"),
    ]
    statuses = [
        status_update("wamid.out1", USER, "delivered"),
        status_update("wamid.out2", USER, "failed", errors=[131047]),
        status_update("wamid.out3", USER, "failed", errors=[graph_error(131026, "x")]),
    ]
    contacts = [
        contact(user_id=None, wa_id=USER),
        contact(user_id=BSUID, wa_id=None, name="Siti"),
    ]
    payload = envelope(messages, statuses, contacts)
    assert json.loads(json.dumps(payload)) == payload

    assert payload["object"] == "whatsapp_business_account"
    [entry] = payload["entry"]
    [change] = entry["changes"]
    assert change["field"] == "messages"
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {
        "display_phone_number": "6281100000000",
        "phone_number_id": "1000001",
    }
    assert value["contacts"][0] == {"profile": {"name": "Budi"}, "wa_id": USER}
    assert value["contacts"][1] == {"profile": {"name": "Siti"}, "user_id": BSUID}

    m = {msg["id"]: msg for msg in value["messages"]}
    assert m["wamid.1"] == {
        "from": USER,
        "id": "wamid.1",
        "timestamp": "1700000000",
        "type": "text",
        "text": {"body": "halo"},
    }
    assert all(isinstance(msg["timestamp"], str) for msg in value["messages"])
    assert m["wamid.2"]["context"] == {"from": "6281100000000", "id": "wamid.out1"}
    assert m["wamid.2"]["interactive"] == {
        "type": "button_reply",
        "button_reply": {"id": "ya", "title": "Ya"},
    }
    assert m["wamid.3"]["interactive"]["list_reply"] == {"id": "desa:1", "title": "Desa Satu"}
    assert m["wamid.4"]["type"] == "button"
    assert m["wamid.4"]["button"] == {"payload": "CONFIRM", "text": "Konfirmasi"}
    assert m["wamid.5"]["location"]["latitude"] == -6.2
    assert m["wamid.6"]["image"]["id"] == "901" and m["wamid.6"]["image"]["caption"] == "foto"
    assert m["wamid.7"]["sticker"]["mime_type"] == "image/webp"
    assert m["wamid.8"]["audio"]["voice"] is True
    assert m["wamid.9"]["from"] == BSUID and m["wamid.9"]["document"]["filename"]

    failed = value["statuses"][1]
    assert failed["recipient_id"] == USER
    assert failed["errors"][0]["code"] == 131047
    assert failed["errors"][0]["error_data"]["details"]
    assert "errors" not in value["statuses"][0]

    only_status = envelope(statuses=statuses[:1])["entry"][0]["changes"][0]["value"]
    assert "messages" not in only_status and "contacts" not in only_status
