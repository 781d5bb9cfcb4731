"""A NIK or KK typed wrong at its question (a digit short, a letter among the digits) leaves
the chat like a valid one where the channel can delete (Telegram), and the question comes
again without the digits; WhatsApp cannot delete, so only the question comes again."""

from __future__ import annotations

import itertools
import re

import pytest
import pytest_asyncio

from handlers import router
from handlers.context import AppContext, Turn
from handlers.events import Inbound, InboundKind, Outbound
from storage.db import Database
from storage.models import Role, User
from tests.handlers.chat_turns import app_context
from tests.storage.seed_cases import NOW, make_user, open_database

KADUGEDE, KADUGEDE_DESA = "32.08.01", "32.08.01.2006"
KK = "3208011506230002"
SHORT_KK = "320801150623002"  # 15 digits
LETTER_NIK = "32080141019O0001"  # a letter O for a zero
SPLIT_NIK = "3208O1O1O19O0001"  # 12 of its 16 digits, none more than 4 in a row
_MESSAGE_IDS = itertools.count(100)
_EIGHT_DIGITS = re.compile(r"\d(?:[\s.\-]*\d){7,}")


@pytest_asyncio.fixture(loop_scope="session")
async def db(tmp_path):
    database = await open_database(tmp_path / "psm.db")
    yield database
    await database.close()


async def psm_on(db: Database, channel: str) -> User:
    """Bu Ani, a PSM of Kadugede reachable on `channel` under her own id."""
    async with db.transaction() as repos:
        user = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=KADUGEDE_DESA)
        external = str(user.id)
        await repos.users.add_identity(
            user_id=user.id, channel=channel, external_id=external, chat_id=external, now=NOW
        )
    return user


async def send(db: Database, app: AppContext, user: User, channel: str, **fields) -> Turn:
    """One message of the person, handled by the router in its own transaction."""
    event = Inbound(
        channel=channel,
        external_user_id=str(user.id),
        chat_id=str(user.id),
        message_id=str(next(_MESSAGE_IDS)),
        **fields,
    )
    async with db.transaction() as repos:
        turn = Turn(app=app, repos=repos, event=event, now=NOW)
        await router.handle(turn)
    return turn


async def text(db: Database, app: AppContext, user: User, channel: str, typed: str) -> Turn:
    return await send(db, app, user, channel, kind=InboundKind.TEXT, text=typed)


def deletions(turn: Turn) -> list[Outbound]:
    return [reply for reply in turn.replies if reply.type == "delete"]


def said(turn: Turn) -> str:
    return "\n".join(reply.text for reply in turn.replies if reply.type == "text")


async def at_the_kk_question(db: Database, app: AppContext, user: User, channel: str) -> None:
    await send(db, app, user, channel, kind=InboundKind.COMMAND, command="lapor")
    asked = await text(db, app, user, channel, "Budi Santoso")
    assert "nomor Kartu Keluarga" in said(asked)


def assert_asked_again_without_the_digits(turn: Turn, key: str, question: str) -> None:
    text = said(turn)
    assert turn.t(key) in text
    assert question in text
    assert _EIGHT_DIGITS.search(text) is None, text


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_mistyped_kk_and_nik_leave_the_chat_where_the_channel_can_delete(
    db, tmp_path, channel: str
) -> None:
    app = app_context(tmp_path)
    deletes = app.traits(channel).deletes_sent_within is not None
    assert deletes == (channel == "telegram")
    ani = await psm_on(db, channel)
    await at_the_kk_question(db, app, ani, channel)

    short = await text(db, app, ani, channel, SHORT_KK)
    expected = [Outbound(type="delete", target_message_id=short.event.message_id)]
    assert deletions(short) == (expected if deletes else [])
    if deletes:
        assert short.replies[0].type == "delete"  # gone before anything else is said
    assert_asked_again_without_the_digits(short, "identifier.wrong_length", "Kartu Keluarga")

    valid = await text(db, app, ani, channel, KK)
    assert len(deletions(valid)) == (1 if deletes else 0)
    named = await text(db, app, ani, channel, "Siti Aminah")
    assert "NIK" in said(named)
    assert deletions(named) == []

    letter = await text(db, app, ani, channel, LETTER_NIK)
    expected = [Outbound(type="delete", target_message_id=letter.event.message_id)]
    assert deletions(letter) == (expected if deletes else [])
    assert_asked_again_without_the_digits(letter, "identifier.not_digits", "NIK")

    # Letters every few digits leave no long run, but still most of the number.
    broken = await text(db, app, ani, channel, SPLIT_NIK)
    expected = [Outbound(type="delete", target_message_id=broken.event.message_id)]
    assert deletions(broken) == (expected if deletes else [])


async def test_a_few_digits_or_words_at_the_nik_question_stay(db, tmp_path) -> None:
    """Only most of a number is worth deleting: "1234567" or words say too little."""
    app = app_context(tmp_path)
    ani = await psm_on(db, "telegram")
    await at_the_kk_question(db, app, ani, "telegram")
    # ("belum tahu" is the "Tidak tahu" button typed: an answer, not a mistyped number.)
    for typed in ("1234567", "sebentar ya"):
        refused = await text(db, app, ani, "telegram", typed)
        assert deletions(refused) == []
        assert "⚠️" in said(refused)


async def test_a_long_number_elsewhere_in_a_form_stays(db, tmp_path) -> None:
    """The rule is for NIK and KK questions: a 15-digit number in a name is not an attempt at
    one (a full 16-digit one is deleted wherever it is typed)."""
    app = app_context(tmp_path)
    ani = await psm_on(db, "telegram")
    await send(db, app, ani, "telegram", kind=InboundKind.COMMAND, command="lapor")
    name = await text(db, app, ani, "telegram", f"Budi {SHORT_KK}")
    assert deletions(name) == []


@pytest.mark.parametrize("channel", ["telegram", "whatsapp"])
async def test_a_nik_at_the_kk_question_is_said_to_be_a_nik(db, tmp_path, channel) -> None:
    """QA 13: a woman's NIK (birth day + 40) at the KK question was told its 'tanggal terbit'
    made no sense; it is said to look like a NIK, and the KK question comes again."""
    app = app_context(tmp_path)
    ani = await psm_on(db, channel)
    await at_the_kk_question(db, app, ani, channel)
    refused = await text(db, app, ani, channel, "3208015508900001")
    assert "Sepertinya ini NIK, bukan nomor KK" in said(refused)
    assert "tanggal terbit" not in said(refused)
    assert "nomor Kartu Keluarga" in said(refused)  # the question again
