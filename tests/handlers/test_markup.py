"""The delivery path's last check of a text's HTML (handlers/markup.py), judged by the fake
Bot API's parser, which refuses what Telegram refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handlers.delivery import masked
from handlers.events import Outbound
from handlers.markup import safe_html
from tests.fakes.telegram_api import parse_telegram_html

# (text, what goes out)
CASES = [
    pytest.param("<b>Riwayat</b>\n• dikembalikan", "<b>Riwayat</b>\n• dikembalikan", id="ours"),
    pytest.param("Rapat &amp; &lt;5 &#39; &quot;", "Rapat &amp; &lt;5 &#39; &quot;", id="entities"),
    pytest.param("Rapat PSM & TKSK", "Rapat PSM &amp; TKSK", id="bare-ampersand"),
    pytest.param(
        "<b>Kasus</b>: Umur <5 th & KK salah",
        "<b>Kasus</b>: Umur &lt;5 th &amp; KK salah",
        id="stray-lt-keeps-our-tags",
    ),
    pytest.param("a > b", "a > b", id="bare-gt-is-fine"),
    pytest.param("&nbsp;", "&amp;nbsp;", id="entity-telegram-does-not-know"),
    pytest.param("<b>Judul</b> <b>tebal", "Judul tebal", id="unpaired-tag-goes-plain"),
    pytest.param("<b>x</i>", "x", id="crossed-tags-go-plain"),
    pytest.param("<script>x</script> &amp;", "&lt;script>x&lt;/script> &amp;", id="foreign"),
    pytest.param("", "", id="empty"),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_safe_html(text: str, expected: str) -> None:
    assert safe_html(text) == expected
    parse_telegram_html(safe_html(text))


PIECES = ["<b>", "</b>", "<i>", "</i>", "<", ">", "&", "&amp;", "a", ";", "#", "/"]


@given(st.lists(st.sampled_from(PIECES)))
def test_whatever_goes_out_telegram_can_parse(pieces: list[str]) -> None:
    parse_telegram_html(safe_html("".join(pieces)))


def test_the_delivery_path_repairs_the_text_and_masks_the_summary() -> None:
    message = masked(
        Outbound(text="<b>Siaran</b>\nRapat & makan", summary="Bimtek 3208010101900001")
    )
    assert message.text == "<b>Siaran</b>\nRapat &amp; makan"
    assert message.summary == "Bimtek 320801******0001"  # a WhatsApp template's {{1}}


def test_a_toast_is_plain_text_and_left_as_it_is() -> None:
    toast = Outbound(type="callback_answer", callback_id="1", text="PSM & TKSK <3")
    assert masked(toast).text == "PSM & TKSK <3"
