"""Which of a person's messages leave the chat because they hold a full NIK or KK, or an
attempt at one."""

from __future__ import annotations

import pytest

from bot.channels.traits import channel_traits
from handlers.events import Inbound, InboundKind, Outbound
from handlers.identifier_messages import identifier_deletion

TRAITS = channel_traits()


def _event(kind: InboundKind, text: str | None, *, args: str = "", message_id="7") -> Inbound:
    return Inbound(
        channel="telegram",
        external_user_id="1",
        chat_id="1",
        kind=kind,
        message_id=message_id,
        text=text,
        command="cari" if kind == InboundKind.COMMAND else None,
        command_args=args,
    )


TEXT, COMMAND, PHOTO = InboundKind.TEXT, InboundKind.COMMAND, InboundKind.PHOTO
# (channel, event, deleted)
CASES = [
    pytest.param("telegram", _event(TEXT, "3208010101900001"), True, id="the-nik-answer"),
    pytest.param("telegram", _event(TEXT, "Siti 3208 0101 0190 0001"), True, id="nik-in-a-name"),
    pytest.param("telegram", _event(TEXT, "Dusun Kaler, KK 32.08.01.150623.0002"), True,
                 id="kk-in-an-address"),
    pytest.param("telegram", _event(TEXT, "3208010101900000"), True, id="a-refused-nik"),
    pytest.param("telegram", _event(COMMAND, "/cari 3208010101900001",
                                    args="3208010101900001"), True, id="cari-nik"),
    pytest.param("telegram", _event(COMMAND, None, args="3208010101900001"), True,
                 id="command-args-only"),
    pytest.param("telegram", _event(TEXT, "Siti Aminah"), False, id="a-plain-name"),
    pytest.param("telegram", _event(TEXT, "Telp 0812 3456 7890"), False, id="a-phone"),
    pytest.param("telegram", _event(TEXT, "320801010190000"), False, id="15-digits"),
    pytest.param("telegram", _event(COMMAND, "/cari KNG-2026-000123", args="KNG-2026-000123"),
                 False, id="cari-case-number"),
    pytest.param("telegram", _event(PHOTO, "3208010101900001"), False, id="photo-caption-kept"),
    pytest.param("telegram", _event(TEXT, "3208010101900001", message_id=None), False,
                 id="no-message-id"),
    pytest.param("whatsapp", _event(TEXT, "3208010101900001"), False, id="whatsapp-cannot"),
]  # fmt: skip


@pytest.mark.parametrize(("channel", "event", "deleted"), CASES)
def test_identifier_deletion(channel: str, event: Inbound, deleted: bool) -> None:
    expected = Outbound(type="delete", target_message_id="7") if deleted else None
    assert identifier_deletion(event, TRAITS[channel]) == expected


# An answer to a NIK or KK question, or a /cari search: most of a number typed wrong leaves too.
# (channel, event, at a NIK or KK question, deleted)
ATTEMPTS = [
    pytest.param("telegram", _event(TEXT, "320801010190001"), True, True, id="15-digits"),
    pytest.param("telegram", _event(TEXT, "32080101019000011"), True, True, id="17-digits"),
    pytest.param("telegram", _event(TEXT, "32080101019O0001"), True, True, id="a-letter-o"),
    pytest.param("telegram", _event(TEXT, "3208 0101-0190.001"), True, True, id="separators"),
    pytest.param("telegram", _event(TEXT, "NIK nya 32080101"), True, True, id="eight-digits"),
    pytest.param("telegram", _event(TEXT, "3208010"), True, False, id="seven-digits"),
    pytest.param("telegram", _event(TEXT, "belum tahu"), True, False, id="words"),
    pytest.param("telegram", _event(TEXT, "320801010190001"), False, False,
                 id="elsewhere-15-digits-stay"),
    pytest.param("whatsapp", _event(TEXT, "320801010190001"), True, False, id="whatsapp-cannot"),
    pytest.param("telegram", _event(COMMAND, "/cari 320801010190001",
                                    args="320801010190001"), False, True, id="cari-15-digits"),
    pytest.param("telegram", _event(COMMAND, "/cari 3208 0101 019O 0001",
                                    args="3208 0101 019O 0001"), False, True, id="cari-a-letter"),
    pytest.param("telegram", _event(COMMAND, "/cari KNG-2026-000123", args="KNG-2026-000123"),
                 False, False, id="cari-case-number-stays"),
    pytest.param("telegram", _event(COMMAND, "/cari 123", args="123"), False, False,
                 id="cari-case-serial-stays"),
]  # fmt: skip


@pytest.mark.parametrize(("channel", "event", "identifier_question", "deleted"), ATTEMPTS)
def test_an_attempt_at_an_identifier_is_deleted(
    channel: str, event: Inbound, identifier_question: bool, deleted: bool
) -> None:
    expected = Outbound(type="delete", target_message_id="7") if deleted else None
    traits = TRAITS[channel]
    assert identifier_deletion(event, traits, identifier_question=identifier_question) == expected
