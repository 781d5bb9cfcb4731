"""No catalogue text breaks a sentence across lines: a line break kept from the YAML file
(a `|-` block wrapped at the file's width) shows in the chat as a break mid-sentence ("…
pengingat tidak\\nbisa dipakai.", QA walk 12). A break ends a sentence, a heading or a list
line; the next line starting in lower case is the same sentence going on."""

from __future__ import annotations

import re

import pytest

from handlers.i18n import LANGUAGES, Catalog

# A break after a word or a comma (not after a sentence's end, a colon or a tag), followed by
# a lower-case word: neither a list marker ("/bantuan", "-", "•", "1.") nor a new sentence.
MID_SENTENCE = re.compile(r"[^\s.!?:>]\n[a-z(]")


def breaks_mid_sentence(text: str) -> list[str]:
    """The places (with a little text around) where `text` breaks a sentence."""
    return [text[max(0, m.start() - 20) : m.end() + 20] for m in MID_SENTENCE.finditer(text)]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_catalogue_text_breaks_a_sentence(catalog, language) -> None:
    broken = {
        key: places
        for key, text in catalog.texts[language].items()
        if (places := breaks_mid_sentence(text))
    }
    assert broken == {}


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        ("pengingat tidak\nbisa dipakai.", True),
        ("laporan, bimtek dan\npengingat", True),
        ("Dinas Sosial\n(pendaftaran ditolak)", True),
        ("kembali.\n/bantuan - tampilkan bantuan ini", False),
        ("<b>Bantuan</b>\nAkun Bapak/Ibu", False),
        ("Pilih:\n- satu\n- dua", False),
        ("Laporan saya\nSilakan pilih", False),
    ],
)
def test_the_check_tells_a_break_in_a_sentence_from_a_list(text, broken) -> None:
    assert bool(breaks_mid_sentence(text)) is broken
