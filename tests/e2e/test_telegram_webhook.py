"""Telegram's webhook mode: the bot registers its URL and secret, Telegram posts the updates
(no getUpdates), a post without the secret is refused, a redelivery is applied once; back to
polling, the webhook is removed first (Telegram refuses getUpdates while one is set)."""

from __future__ import annotations

import httpx

from bot import webhook
from bot.app import build_runtime
from bot.config import load_settings
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import bot_environment, free_port

SECRET = "webhook-secret-123"


def _settings(fake, folder, *, webhook: bool):
    port = free_port()
    extra = (
        {
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/webhook/telegram",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "WEBHOOK_HOST": "127.0.0.1",
            "WEBHOOK_PORT": str(port),
        }
        if webhook
        else {}
    )
    env = bot_environment(fake, folder, **extra)
    return load_settings(**{key.lower(): value for key, value in env.items()})


async def test_webhook_mode_then_back_to_polling(fake, tmp_path) -> None:
    settings = _settings(fake, tmp_path, webhook=True)
    runtime = build_runtime(settings)
    await runtime.start()
    try:
        (registered,) = fake.calls_of("setWebhook")
        assert registered.params["url"] == settings.telegram_webhook_url
        assert registered.params["secret_token"] == SECRET
        person = TelegramPerson(fake, 4101)
        reply = await person.say("/start")  # posted to the bot's server by the fake
        assert "nama lengkap" in reply[0]["text"]
        reply = await person.say("Siti Aminah")
        assert "✓ Nama: Siti Aminah" in reply[0]["text"]
        assert fake.calls_of("getUpdates") == []

        update = {
            "update_id": 990001,
            "message": {
                "message_id": 77,
                "date": 1764900000,
                "chat": {"id": 4102, "type": "private", "first_name": "Joko"},
                "from": {"id": 4102, "is_bot": False, "first_name": "Joko"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        async with httpx.AsyncClient() as client:
            url = settings.telegram_webhook_url
            refused = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"}
            )
            assert refused.status_code == 403
            for _ in range(2):  # delivered, then delivered again
                done = await client.post(
                    url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
                )
                assert done.status_code == 200
        joko = TelegramPerson(fake, 4102)
        await fake.wait_for(lambda: len(joko.messages()) >= 1, what="Joko's welcome")
    finally:
        await runtime.stop()
    assert len(joko.messages()) == 1  # the redelivery was not applied again

    polling = build_runtime(_settings(fake, tmp_path, webhook=False))
    await polling.start()
    try:
        assert len(fake.calls_of("deleteWebhook")) == 1
        reply = await person.share_contact("081234567890")
        assert "✓ Nomor HP: +6281234567890" in reply[0]["text"]
    finally:
        await polling.stop()
    assert fake.rejections == []


async def test_odd_webhook_posts_are_refused_not_failed(fake, tmp_path, monkeypatch) -> None:
    """A secret header beyond ASCII is refused (403), not a crash (500); an update beyond
    the cap is refused (413); the server goes on."""
    monkeypatch.setattr(webhook, "MAX_BODY", 16 * 1024)
    settings = _settings(fake, tmp_path, webhook=True)
    runtime = build_runtime(settings)
    await runtime.start()
    try:
        update = {
            "update_id": 990101,
            "message": {
                "message_id": 78,
                "date": 1764900000,
                "chat": {"id": 4103, "type": "private", "first_name": "Rina"},
                "from": {"id": 4103, "is_bot": False, "first_name": "Rina"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        }
        url = settings.telegram_webhook_url
        async with httpx.AsyncClient() as client:
            odd = await client.post(
                url,
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "rahasia\u00e9".encode()},
            )
            too_large = await client.post(
                url,
                json={**update, "padding": "x" * 20_000},
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
            assert (odd.status_code, too_large.status_code) == (403, 413)
            done = await client.post(
                url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
            )
            assert done.status_code == 200
        rina = TelegramPerson(fake, 4103)
        await fake.wait_for(lambda: len(rina.messages()) >= 1, what="Rina's welcome")
    finally:
        await runtime.stop()
    assert len(rina.messages()) == 1
