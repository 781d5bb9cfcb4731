"""Prove the fake Telegram Bot API against the real python-telegram-bot 22 client."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, EndPointNotFound, Forbidden, InvalidToken, RetryAfter
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes import telegram_api
from tests.fakes.telegram_api import TINY_JPEG, FakeTelegram, RateLimits, parse_telegram_html

CHAT = 777001


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(autouse=True)
def _reset(fake: FakeTelegram) -> None:
    fake.reset()


@pytest_asyncio.fixture(loop_scope="session")
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    b = Bot(fake.token, base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    await b.initialize()
    yield b
    await b.shutdown()


def keyboard(*pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(t, callback_data=d)] for t, d in pairs])


# ---------------------------------------------------------------- basics


async def test_initialize_calls_get_me(fake: FakeTelegram, bot: Bot) -> None:
    assert bot.username == "psm_test_bot"
    assert bot.id == 123456
    me = await bot.get_me()
    assert me.is_bot and me.can_join_groups
    assert len(fake.calls_of("getMe")) == 2
    assert fake.url.startswith("http://127.0.0.1:")


async def test_send_message_with_inline_keyboard(fake: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(
        CHAT, "Pilih <b>desa</b>:", parse_mode=ParseMode.HTML, reply_markup=keyboard(("A", "v:a"))
    )
    assert msg.text == "Pilih desa:"
    assert msg.chat.id == CHAT
    assert msg.from_user is not None and msg.from_user.is_bot
    assert isinstance(msg.reply_markup, InlineKeyboardMarkup)
    assert msg.reply_markup.inline_keyboard[0][0].callback_data == "v:a"
    second = await bot.send_message(CHAT, "lagi")
    assert second.message_id == msg.message_id + 1

    sent = fake.sent_to(CHAT)
    assert [s["text"] for s in sent] == ["Pilih <b>desa</b>:", "lagi"]
    assert sent[0]["reply_markup"] == {"inline_keyboard": [[{"text": "A", "callback_data": "v:a"}]]}
    assert sent[0]["parse_mode"] == "HTML"
    assert fake.sent_to(CHAT + 1) == []
    assert fake.rejections == []


async def test_reply_keyboard_is_not_echoed(fake: FakeTelegram, bot: Bot) -> None:
    markup = ReplyKeyboardMarkup([[KeyboardButton("Bagikan", request_contact=True)]])
    msg = await bot.send_message(CHAT, "Nomor HP?", reply_markup=markup)
    assert msg.reply_markup is None
    assert fake.sent_to(CHAT)[0]["reply_markup"]["keyboard"][0][0]["request_contact"] is True


async def test_callback_data_over_64_bytes_is_rejected(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "ok", reply_markup=keyboard(("x", "é" * 32)))  # 64 bytes
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard(("x", "a" * 65)))
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(CHAT, "x", reply_markup=keyboard(("x", "é" * 33)))  # 66 bytes
    assert len(fake.sent_to(CHAT)) == 1
    assert len(fake.rejections) == 2
    assert fake.rejections[0].rejected == "Bad Request: BUTTON_DATA_INVALID"


async def test_text_and_caption_limits(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "  ")
    # Length is measured after HTML parsing, as on Telegram.
    await bot.send_message(CHAT, "<b>" + "x" * 4090 + "</b>", parse_mode=ParseMode.HTML)
    await bot.send_photo(CHAT, TINY_JPEG, caption="c" * 1024)
    with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
        await bot.send_photo(CHAT, TINY_JPEG, caption="c" * 1025)
    assert len(fake.rejections) == 3


@pytest.mark.parametrize(
    "text",
    [
        "a &lt; b &amp;&amp; c &gt; d &quot;q&quot; &#39; &#x27;",
        "<b>b</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <ins>n</ins> <s>s</s>",
        "<strike>s</strike> <del>d</del> <code>c</code> <pre><code>p</code></pre>",
        '<a href="https://x.id/?a=1&b=2">l</a> <tg-spoiler>s</tg-spoiler>',
        "<blockquote>q</blockquote> <b><i>nested</i></b> a > b",
    ],
)
def test_html_accepted(text: str) -> None:
    parse_telegram_html(text)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("<div>x</div>", "Unsupported start tag"),
        ("<br/>x", "Unsupported start tag"),
        ("a < b", "<"),
        ("x<3", "<"),
        ("a & b", "&"),
        ("a &amp b", "&"),
        ("R&D", "&"),
        ("<b>x", "end tag"),
        ("<b><i>x</b></i>", "end tag"),
        ("x</b>", "end tag"),
        ("&nbsp;", "entity"),
    ],
)
async def test_html_rejected(fake: FakeTelegram, bot: Bot, text: str, needle: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities") as info:
        await bot.send_message(CHAT, text, parse_mode=ParseMode.HTML)
    assert needle.lower() in str(info.value).lower()  # PTB re-capitalizes messages
    assert fake.sent_to(CHAT) == []
    assert len(fake.rejections) == 1


async def test_plain_text_is_not_html_checked(fake: FakeTelegram, bot: Bot) -> None:
    await bot.send_message(CHAT, "a < b & <div>")
    assert fake.rejections == []


async def test_set_my_commands_validation(fake: FakeTelegram, bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Mulai"), ("lapor", "Buat laporan")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "lapor"]
    with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Start", "Mulai")])


# ---------------------------------------------------------------- fault injection


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 3",
        retry_after=3,
    )
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "halo")
    retry_after = info.value.retry_after  # int in PTB 22 (deprecated), timedelta later
    if isinstance(retry_after, dtm.timedelta):
        retry_after = retry_after.total_seconds()
    assert retry_after == 3
    await bot.send_message(CHAT, "halo")  # the fault was consumed
    assert [c.error for c in fake.calls_of("sendMessage")] == [
        "Too Many Requests: retry after 3",
        None,
    ]
    assert len(fake.sent_to(CHAT)) == 1
    assert fake.rejections == []  # injected faults are not rejections


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_enforced_flood_limits(fake: FakeTelegram, bot: Bot) -> None:
    counters = fake.enforce_limits(RateLimits(overall_per_s=0.001, overall_burst=4))
    for _ in range(3):  # a chat's burst
        await bot.send_message(CHAT, "halo")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(CHAT, "halo")  # the fourth within a second: this chat waits
    assert info.value.retry_after in (1, dtm.timedelta(seconds=1))
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT, "halo")  # too early: counted as ignored
    await bot.send_message(CHAT + 1, "halo")  # another chat: the last overall token
    with pytest.raises(RetryAfter):
        await bot.send_message(CHAT + 2, "halo")  # overall limit reached
    assert (counters.accepted, counters.limited, counters.ignored_retry_after) == (4, 3, 1)
    fake.reset()
    await bot.send_message(CHAT, "halo")  # reset switches the limits off
    assert counters.accepted == 4


async def test_fail_next_scoped_to_chat_and_times(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next(
        "sendMessage", error_code=400, description="Bad Request: boom", chat_id=1, times=2
    )
    await bot.send_message(2, "other chat unaffected")
    for _ in range(2):
        with pytest.raises(BadRequest, match=r"(?i)boom"):
            await bot.send_message(1, "x")
    await bot.send_message(1, "third works")
    assert [s["text"] for s in fake.sent_to(1)] == ["third works"]


async def test_block_user(fake: FakeTelegram, bot: Bot) -> None:
    fake.block_user(CHAT)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(CHAT, "halo")
    with pytest.raises(Forbidden):
        await bot.send_photo(CHAT, TINY_JPEG)
    await bot.send_message(CHAT + 1, "halo")
    assert fake.sent_to(CHAT) == []
    fake.unblock_user(CHAT)
    await bot.send_message(CHAT, "halo")


async def test_unknown_method_and_wrong_token(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTeleportation", api_kwargs={"chat_id": 1})
    bad = Bot("999:WRONG", base_url=f"{fake.url}/bot", base_file_url=f"{fake.url}/file/bot")
    with pytest.raises(InvalidToken):
        await bad.initialize()
    await bad.shutdown()
    assert [c.rejected for c in fake.rejections] == ["Not Found", "Unauthorized"]


# ---------------------------------------------------------------- edits, callbacks


async def test_edit_delete_and_answer(fake: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_message(CHAT, "Pilih:", reply_markup=keyboard(("A", "a")))
    fake.user_callback(CHAT, "a", message_id=msg.message_id)
    (update,) = await bot.get_updates(timeout=0)
    query = update.callback_query
    assert query is not None and query.data == "a"
    assert query.message is not None and query.message.message_id == msg.message_id
    assert query.message.text == "Pilih:"  # the fake remembers what it sent
    assert await query.answer("ok")

    edited = await bot.edit_message_text(
        "Dipilih: <b>A</b>", chat_id=CHAT, message_id=msg.message_id, parse_mode="HTML"
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Dipilih: A" and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Dipilih: <b>A</b>", chat_id=CHAT, message_id=msg.message_id, parse_mode="HTML"
        )
    edited = await bot.edit_message_reply_markup(
        chat_id=CHAT, message_id=msg.message_id, reply_markup=keyboard(("B", "b"))
    )
    assert not isinstance(edited, bool) and edited.reply_markup is not None
    assert await bot.delete_message(CHAT, msg.message_id)
    assert fake.deleted == [(CHAT, msg.message_id)] and fake.message(CHAT, msg.message_id) is None
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(CHAT, msg.message_id)
    assert await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("nope")
    assert len(fake.rejections) == 2


# ---------------------------------------------------------------- updates


async def test_updates_have_the_right_types(fake: FakeTelegram, bot: Bot) -> None:
    ids = [
        fake.user_text(42, "/start ref123"),
        fake.user_callback(42, "menu:lapor", message_id=5),
        fake.user_contact(42, "+6281234567890", contact_user_id=42),
        fake.user_location(42, -6.2, 106.8),
        fake.user_photo(42, "ph1", media_group_id="album1", caption="rumah"),
        fake.user_photo(42, "ph2", media_group_id="album1"),
        fake.user_sticker(42),
        fake.user_voice(42),
        fake.user_document(42),
        fake.user_text(43, "halo grup", chat_type="group", chat_id=-500),
    ]
    assert ids == list(range(ids[0], ids[0] + 10))
    assert ids[0] >= 1000
    updates = await bot.get_updates(offset=ids[0], timeout=0)
    assert all(isinstance(u, Update) for u in updates)
    assert [u.update_id for u in updates] == ids
    text, cb, contact, loc, ph1, ph2, sticker, voice, doc, group = updates

    assert text.message is not None and text.message.text == "/start ref123"
    assert text.message.entities[0].type == "bot_command"
    assert text.message.entities[0].length == len("/start")
    assert text.effective_user is not None and text.effective_user.first_name == "Budi"
    assert text.effective_chat is not None and text.effective_chat.type == "private"

    assert cb.callback_query is not None and cb.callback_query.data == "menu:lapor"
    assert cb.callback_query.from_user.id == 42
    assert cb.callback_query.message is not None
    assert cb.callback_query.message.message_id == 5

    assert contact.message is not None and contact.message.contact is not None
    assert contact.message.contact.phone_number == "+6281234567890"
    assert contact.message.contact.user_id == 42
    assert loc.message is not None and loc.message.location is not None
    assert loc.message.location.latitude == pytest.approx(-6.2)

    assert ph1.message is not None and ph2.message is not None
    assert len(ph1.message.photo) == 2
    assert ph1.message.photo[-1].file_unique_id == "ph1"
    assert ph1.message.media_group_id == ph2.message.media_group_id == "album1"
    assert ph1.message.caption == "rumah" and ph2.message.caption is None

    assert sticker.message is not None and sticker.message.sticker is not None
    assert voice.message is not None and voice.message.voice is not None
    assert doc.message is not None and doc.message.document is not None
    assert doc.message.document.mime_type == "application/pdf"
    assert group.effective_chat is not None and group.effective_chat.id == -500
    assert group.effective_chat.type == "group"
    assert group.effective_user is not None and group.effective_user.id == 43
    assert fake.rejections == []


async def test_offset_confirmation(fake: FakeTelegram, bot: Bot) -> None:
    first = fake.user_text(1, "a")
    second = fake.user_text(1, "b")
    assert fake.confirmed_offset == 0
    assert len(await bot.get_updates(timeout=0)) == 2
    assert len(await bot.get_updates(timeout=0)) == 2  # not confirmed yet
    updates = await bot.get_updates(offset=first + 1, timeout=0)
    assert [u.update_id for u in updates] == [second]
    assert fake.confirmed_offset == first + 1
    assert await bot.get_updates(offset=second + 1, timeout=0) == ()
    assert fake.confirmed_offset == second + 1
    await bot.get_updates(offset=first, timeout=0)  # going back does not lower it
    assert fake.confirmed_offset == second + 1
    assert fake.add_update({"update_id": 5000, "message": None}) == 5000
    assert fake.user_text(1, "c") == 5001
    assert len(await bot.get_updates(limit=1, timeout=0)) == 1


# A bound far above what each poll needs (1 s, or none), far below what it would take if
# the fake misbehaved (30 s): a loaded machine cannot make these tests fail.
POLL_BOUND = 10.0


async def test_long_poll_is_capped(fake: FakeTelegram, bot: Bot) -> None:
    started = time.monotonic()
    polled = await asyncio.wait_for(bot.get_updates(timeout=30), POLL_BOUND)
    assert polled == ()  # capped at LONG_POLL_CAP (1 s) by the fake, not 30 s
    assert time.monotonic() - started >= 0.9 * telegram_api.LONG_POLL_CAP  # it did wait


async def test_long_poll_returns_when_an_update_arrives(
    fake: FakeTelegram, bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the cap the poll would wait its whole 30 s unless the update wakes it.
    monkeypatch.setattr(telegram_api, "LONG_POLL_CAP", 60.0)

    async def later() -> None:
        await asyncio.sleep(0.2)
        fake.user_text(9, "bangun")

    task = asyncio.create_task(later())
    updates = await asyncio.wait_for(bot.get_updates(timeout=30), POLL_BOUND)
    await task
    assert updates[0].message is not None and updates[0].message.text == "bangun"


# ---------------------------------------------------------------- files


async def test_user_photo_download(fake: FakeTelegram, bot: Bot) -> None:
    payload = TINY_JPEG + b"extra"
    fake.user_photo(42, "uniq-1", data=payload)
    fake.user_photo(42, "uniq-2")
    first, second = await bot.get_updates(timeout=0)
    assert first.message is not None and second.message is not None
    file = await bot.get_file(first.message.photo[-1].file_id)
    assert file.file_unique_id == "uniq-1"
    assert file.file_size == len(payload)
    assert file.file_path is not None and "/photos/" in file.file_path
    assert await file.download_as_bytearray() == bytearray(payload)
    small = await bot.get_file(second.message.photo[0].file_id)
    assert bytes(await small.download_as_bytearray()) == TINY_JPEG
    assert TINY_JPEG.startswith(b"\xff\xd8") and TINY_JPEG.endswith(b"\xff\xd9")
    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("missing")


async def test_send_photo_and_document_uploads(fake: FakeTelegram, bot: Bot) -> None:
    msg = await bot.send_photo(CHAT, TINY_JPEG, caption="foto", reply_markup=keyboard(("ok", "k")))
    assert msg.caption == "foto" and len(msg.photo) == 2
    downloaded = await (await bot.get_file(msg.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == TINY_JPEG
    again = await bot.send_photo(CHAT, msg.photo[-1].file_id)  # resend by file_id
    assert again.photo[-1].file_unique_id == msg.photo[-1].file_unique_id
    doc = await bot.send_document(CHAT, b"a,b\n1,2\n", filename="laporan.csv")
    assert doc.document is not None and doc.document.file_name == "laporan.csv"
    got = await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
    assert bytes(got) == b"a,b\n1,2\n"

    sent = fake.sent_to(CHAT)
    assert [s.get("caption") for s in sent] == ["foto", None, None]
    assert sent[0]["photo"].data == TINY_JPEG
    assert sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "k"
    assert sent[2]["document"].filename == "laporan.csv"
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(CHAT, "not-a-file-id")


# ---------------------------------------------------------------- raw HTTP bodies


async def test_json_form_and_query_bodies(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    api = f"{fake.url}/bot{fake.token}"
    async with httpx.AsyncClient() as client:
        r1 = await client.post(
            f"{api}/sendMessage", json={"chat_id": 5, "text": "123", "reply_markup": markup}
        )
        r2 = await client.post(
            f"{api}/sendmessage",
            data={"chat_id": "5", "text": "[1/2]", "reply_markup": '{"inline_keyboard": []}'},
        )
        r3 = await client.get(f"{api}/sendMessage", params={"chat_id": "5", "text": "true"})
        r4 = await client.post(f"{api}/nope")
        r5 = await client.get(f"{fake.url}/file/bot{fake.token}/photos/missing.jpg")
    assert [r.status_code for r in (r1, r2, r3, r4, r5)] == [200, 200, 200, 404, 404]
    assert r1.json()["ok"] is True and r1.json()["result"]["reply_markup"] == markup
    assert r4.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    sent = fake.sent_to(5)
    assert [s["text"] for s in sent] == ["123", "[1/2]", "true"]
    assert sent[0]["reply_markup"] == markup
    assert sent[1]["reply_markup"] == {"inline_keyboard": []}
    assert fake.calls[1].method == "sendMessage"  # method names are case-insensitive


async def test_wait_helpers(fake: FakeTelegram, bot: Bot) -> None:
    async def later() -> None:
        await asyncio.sleep(0.1)
        await bot.send_message(CHAT, "satu")
        await bot.send_message(CHAT, "dua")

    task = asyncio.create_task(later())
    sent = await fake.wait_sent(CHAT, 2, timeout=5)
    await task
    assert [s["text"] for s in sent] == ["satu", "dua"]
    with pytest.raises(AssertionError, match=r"(?s)3 message.*sendMessage.*dua"):
        await fake.wait_sent(CHAT, 3, timeout=0.1)


# ---------------------------------------------------------------- full Application


async def test_application_polling_round_trip(fake: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text("Halo!", reply_markup=keyboard(("Lapor", "lapor")))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Anda memilih {query.data}")

    app = (
        Application.builder()
        .token(fake.token)
        .base_url(f"{fake.url}/bot")
        .base_file_url(f"{fake.url}/file/bot")
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=dtm.timedelta(seconds=1))
        try:
            fake.user_text(42, "/start")
            (reply,) = await fake.wait_sent(42, 1)
            assert reply["text"] == "Halo!"
            message_id = fake.calls_of("sendMessage")[-1].result["message_id"]
            fake.user_callback(42, "lapor", message_id=message_id)
            await fake.wait_for(lambda: bool(fake.calls_of("editMessageText")))
        finally:
            await app.updater.stop()
            await app.stop()
    edit = fake.calls_of("editMessageText")[0].params
    assert edit["text"] == "Anda memilih lapor" and edit["message_id"] == message_id
    assert fake.calls_of("answerCallbackQuery")
    assert fake.calls_of("deleteWebhook")
    assert fake.confirmed_offset > 0
    assert fake.rejections == []
