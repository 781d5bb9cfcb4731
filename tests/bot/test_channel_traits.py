"""Each adapter declares what its channel can do; the table conversations see is built from
those declarations, and a channel missing from it is assumed to do nothing special."""

from __future__ import annotations

import io
import tempfile
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.traits import ADAPTERS, channel_traits
from bot.channels.whatsapp.channel import WhatsAppChannel
from bot.channels.whatsapp.outbound import hides_options, prints_numbered_options
from bot.demo import DemoChannel
from handlers.channel_traits import (
    UNKNOWN_CHANNEL,
    ChannelTraits,
    PhoneProof,
    PhotoAsFile,
    SeveralChoices,
)
from tests.handlers.chat_turns import app_context

# What each channel is known to do, kept as data: a changed declaration fails here first.
EXPECTED = {
    "telegram": {
        "deletes_sent_within": timedelta(hours=48),
        "reports_delivery_status": False,
        "charges_for_templates": False,
        "phone_proof": PhoneProof.SHARED_CONTACT,
        "several_choices": SeveralChoices.TAP,
        "photo_as_file": PhotoAsFile.UNCOMPRESSED,
        "has_command_menu": True,
        "chat_link_format": "https://t.me/{address}?start={payload}",
        "prints_numbered_options": None,  # inline keyboards only
        "hides_options": None,  # every button in sight
    },
    "whatsapp": {
        "deletes_sent_within": None,
        "reports_delivery_status": True,
        "charges_for_templates": True,
        "phone_proof": PhoneProof.SENDER_NUMBER,
        "several_choices": SeveralChoices.PICK,
        "photo_as_file": PhotoAsFile.DOCUMENT_MENU,
        "has_command_menu": False,
        "chat_link_format": "https://wa.me/{address}?text={payload}",
        "prints_numbered_options": prints_numbered_options,  # beyond a list, typed numbers
        "hides_options": hides_options,  # a list: rows behind "Pilih", unnumbered
    },
    "demo": {
        "deletes_sent_within": timedelta.max,
        "reports_delivery_status": False,
        "charges_for_templates": False,
        "phone_proof": PhoneProof.SHARED_CONTACT,
        "several_choices": SeveralChoices.TAP,
        "photo_as_file": None,  # a terminal sends no files
        "has_command_menu": False,
        "chat_link_format": None,
        "prints_numbered_options": None,  # `>N` taps a button: nothing typed is read as one
        "hides_options": None,  # every button printed
    },
}


@pytest.mark.parametrize(
    "adapter",
    [TelegramChannel, WhatsAppChannel, DemoChannel(io.StringIO(), Path(tempfile.gettempdir()))],
    ids=lambda adapter: adapter.name,
)
def test_each_adapter_declares_its_traits(adapter) -> None:
    assert asdict(adapter.traits) == EXPECTED[adapter.name]


def test_the_table_has_every_adapter_and_the_running_channels(tmp_path) -> None:
    assert {adapter.name for adapter in ADAPTERS} == {"telegram", "whatsapp"}
    assert channel_traits() == {
        "telegram": TelegramChannel.traits,
        "whatsapp": WhatsAppChannel.traits,
    }
    demo = DemoChannel(io.StringIO(), tmp_path)
    with_demo = channel_traits([demo])
    assert set(with_demo) == {"telegram", "whatsapp", "demo"}
    assert with_demo["demo"] is demo.traits


def test_a_channel_missing_from_the_table_promises_nothing(tmp_path) -> None:
    app = app_context(tmp_path)
    assert app.traits("sms") is UNKNOWN_CHANNEL
    assert asdict(UNKNOWN_CHANNEL) == asdict(ChannelTraits())
    assert not UNKNOWN_CHANNEL.can_delete_after(timedelta(0))
    assert not UNKNOWN_CHANNEL.has_command_menu
    assert not UNKNOWN_CHANNEL.charges_for_templates
    assert not UNKNOWN_CHANNEL.reports_delivery_status
    assert UNKNOWN_CHANNEL.several_choices == SeveralChoices.PICK  # no buttons promised


@pytest.mark.parametrize(
    ("channel", "delay", "can"),
    [
        ("telegram", timedelta(hours=4), True),
        ("telegram", timedelta(hours=47, minutes=59), True),
        ("telegram", timedelta(hours=48), False),
        ("whatsapp", timedelta(minutes=1), False),
    ],
)
def test_deleting_later_is_bounded_by_the_channel(tmp_path, channel, delay, can) -> None:
    assert app_context(tmp_path).traits(channel).can_delete_after(delay) is can


def test_channels_where_names_those_with_a_trait(tmp_path) -> None:
    app = app_context(tmp_path)
    assert app.channels_where(lambda c: c.reports_delivery_status) == ["whatsapp"]
    assert app.channels_where(lambda c: c.has_command_menu) == ["telegram"]
    app.channels = {}
    assert app.channels_where(lambda c: c.charges_for_templates) == []


@pytest.mark.parametrize(
    ("channel", "address", "payload", "link"),
    [
        pytest.param(
            "telegram",
            "psm_test_bot",
            "bt-ABCDEFGH23",
            "https://t.me/psm_test_bot?start=bt-ABCDEFGH23",
            id="telegram-deep-link",
        ),
        pytest.param(
            "whatsapp",
            "6281234567890",
            "bimtek ABCDEFGH23",
            "https://wa.me/6281234567890?text=bimtek%20ABCDEFGH23",
            id="whatsapp-text-quoted",
        ),
        pytest.param("telegram", "", "bt-ABCDEFGH23", None, id="address-not-known-yet"),
        pytest.param("sms", "12345", "hello", None, id="unknown-channel"),
    ],
)
def test_a_chat_link_is_the_channels_with_the_bots_address(
    tmp_path, channel, address, payload, link
) -> None:
    app = app_context(tmp_path)
    app.bot_addresses = {channel: address}
    assert app.chat_link(channel, payload) == link
    assert app.chat_link("whatsapp" if channel == "telegram" else "telegram", payload) is None
