"""The typed-word lists are data, checked when read: a mistake names the file."""

from __future__ import annotations

import pytest

from handlers.forms.typed_words import TYPED_WORDS, load_typed_words
from handlers.forms.view import MISSING_CHOICES


def test_each_missing_number_button_has_its_words():
    assert set(TYPED_WORDS.missing_identifier) == set(MISSING_CHOICES)
    assert all(TYPED_WORDS.missing_identifier.values())


def test_number_words_count_one_to_twenty():
    assert sorted(TYPED_WORDS.number_words.values()) == list(range(1, 21))


def test_a_mistake_in_the_file_is_named(tmp_path):
    path = tmp_path / "typed_words.yaml"
    path.write_text(
        "number_words: {satu: 1}\ncount_units: [orang]\nidentifier_words: [kk]\n"
        "missing_identifier: {tidak_ada: [tidak ada]}\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match=r"(?s)typed_words\.yaml.*missing_identifier"):
        load_typed_words(path)
