"""`psm-bot user merge` end to end: Bu Ani, a PSM on Telegram with a report begun, wrote to the
bot on WhatsApp from a number it never saw verified for her and was welcomed as a stranger
(she typed her name). The bot stops; the operator looks (dry run: nothing changes), then
merges the WhatsApp user into her; the bot starts again, she is told on both channels, and
she is Bu Ani on both: her PSM menu on WhatsApp, her report going on on Telegram."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from bot.admin_tools import add_user
from bot.cli import main
from tests.e2e.chat import TelegramPerson
from tests.e2e.conftest import stop_all
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.storage.seed_cases import query

ANI = 7301
ANI_WA = "6281234507301"


def _rows(settings, sql: str, *params) -> list[tuple]:
    return [tuple(row) for row in query(settings.database_path, sql, params)]


def _cli_environment(settings, monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """The command line as the operator runs it on the server (the bot's database)."""
    monkeypatch.chdir(folder)
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "WHATSAPP_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_PATH", str(settings.database_path))
    monkeypatch.setenv("MEDIA_PATH", str(settings.media_path))
    monkeypatch.setenv("DISTRICTS", "32.08:KNG")


async def test_her_two_users_merged_she_goes_on_as_herself_on_both_channels(
    fake, graph, wa_settings, webhook_url, start_wa_bot, monkeypatch, tmp_path, capsys
) -> None:
    ani = await add_user(
        wa_settings,
        role="psm",
        telegram_id=ANI,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await start_wa_bot()  # the real clock: the CLI's notices are stamped with it
    telegram = TelegramPerson(fake, ANI, "Ani")
    await telegram.say("/start")
    begun = await telegram.say("/lapor", until="Siapa nama kepala keluarga")
    assert "Siapa nama kepala keluarga" in begun[-1]["text"]
    whatsapp = WhatsAppPerson(graph, webhook_url, "ID.7301", ANI_WA)
    assert "Selamat datang" in body_of((await whatsapp.say("halo"))[0])  # a stranger
    await whatsapp.say("Ani Suryani")
    [(stranger,)] = query(
        wa_settings.database_path,
        "SELECT user_id FROM channel_identities WHERE channel = 'whatsapp'",
    )
    assert stranger != ani
    await stop_all(start_wa_bot)

    _cli_environment(wa_settings, monkeypatch, tmp_path)
    merge = ["user", "merge", str(ani), str(stranger)]
    assert await asyncio.to_thread(main, merge) == 0  # a dry run
    out = capsys.readouterr().out
    assert "would move" in out and "whatsapp +62812*****301" in out and "dry run" in out
    assert _rows(
        wa_settings, "SELECT user_id FROM channel_identities WHERE channel = 'whatsapp'"
    ) == [(stranger,)]
    assert await asyncio.to_thread(main, [*merge, "--yes"]) == 0
    assert "moved" in capsys.readouterr().out
    assert _rows(
        wa_settings, "SELECT channel, user_id FROM channel_identities ORDER BY channel"
    ) == [("telegram", ani), ("whatsapp", ani)]
    [(status, role)] = query(
        wa_settings.database_path, "SELECT status, role FROM users WHERE id = ?", (stranger,)
    )
    assert (status, role) == ("suspended", None)  # the row stays for the audit, unusable
    [(subject, detail)] = query(
        wa_settings.database_path,
        "SELECT subject, detail FROM audit_log WHERE action = 'user.merged'",
    )
    assert subject == f"user:{stranger}" and json.loads(detail)["into"] == ani
    assert ANI_WA not in detail and "+62812*****301" in detail  # the number masked

    await start_wa_bot()
    # Told on both channels, the number masked: an account not hers can be cut off.
    await graph.wait_for(
        lambda: any("menggabungkan akun" in body_of(m) for m in whatsapp.messages()),
        what="the merge told on WhatsApp",
    )
    await fake.wait_for(
        lambda: any("menggabungkan akun" in m["text"] for m in telegram.messages()),
        what="the merge told on Telegram",
    )
    [told] = [m["text"] for m in telegram.messages() if "menggabungkan akun" in m["text"]]
    assert "WhatsApp +62812*****301" in told and ANI_WA not in told
    on_whatsapp = await whatsapp.say("menu")
    said = " ".join(body_of(m) for m in on_whatsapp)
    assert "Selamat datang" not in said and "Siapa nama lengkap" not in said
    assert "Buat laporan" in json.dumps(on_whatsapp)  # a PSM's menu: she is Bu Ani there
    answered = await telegram.say("Budi Santoso", until="?")
    assert "Siapa nama kepala keluarga" not in answered[-1]["text"]  # her report goes on
    assert _rows(
        wa_settings,
        "SELECT json_extract(state, '$.answers.head_name') FROM form_sessions"
        " WHERE user_id = ? AND form_id = 'case_report' AND status = 'active'",
        ani,
    ) == [("Budi Santoso",)]
    assert graph.rejections == [] and fake.rejections == []
