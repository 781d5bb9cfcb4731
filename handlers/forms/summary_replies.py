"""What a typed reply means on a form's summary or its edit menu.

People on cheap phones and on WhatsApp type instead of tapping: "kirim" / "ok" sends, "ubah"
opens the edit menu, and the summary's own line number ("5") or an answer's short label
("kecamatan", or a word found in no other label, such as "hp" for "Nomor HP") picks the
answer to change. Only an unambiguous match counts; anything else is `Unclear`, and the
person stays where they were with a hint.

Words are normalised as typed choices are (`normalise_word`), and answers are matched with
`match_choice`, the summary's line numbers being the options' numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from handlers.forms.answers import YES_WORDS, normalise_word
from handlers.forms.choices import ChoiceOption, match_choice

# The buttons' own labels (normalised) count too: see `SummaryWords.from_labels`.
SEND_WORDS = YES_WORDS | {"kirim", "kirimkan", "sudah", "benar", "sudahbenar", "send"}
EDIT_WORDS = frozenset({"ubah", "edit", "ganti", "change", "ubahjawaban"})
# "batal ubah": leaving an answer opened from the summary unchanged (handlers/forms/ways_back.py).
BACK_WORDS = frozenset({"kembali", "ringkasan", "back", "summary", "batalubah"})
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of an answer's label: letters only, 2 or more


@dataclass(frozen=True)
class Command:
    """A typed "send", "edit" (open the edit menu) or "back" (to the summary)."""

    kind: Literal["send", "edit", "back"]


@dataclass(frozen=True)
class Answer:
    """The answer at this index of the summary (0-based) is to be changed."""

    index: int


@dataclass(frozen=True)
class Unclear:
    """Nothing, or several answers (`candidates`: their indexes), matched."""

    candidates: list[int] = field(default_factory=list)


Reply = Command | Answer | Unclear


@dataclass(frozen=True)
class SummaryWords:
    """The words of each command: the lists above and the buttons' labels as shown."""

    send: frozenset[str]
    edit: frozenset[str]
    back: frozenset[str]

    @classmethod
    def from_labels(cls, submit: str, edit: str, back: str) -> SummaryWords:
        return cls(
            send=SEND_WORDS | {normalise_word(submit)},
            edit=EDIT_WORDS | {normalise_word(edit)},
            back=BACK_WORDS | {normalise_word(back)},
        )

    def command(self, word: str) -> Command | None:
        for kind, words in (("send", self.send), ("edit", self.edit), ("back", self.back)):
            if word in words:
                return Command(kind)  # type: ignore[arg-type]
        return None


def answer_options(labels: list[str], words: SummaryWords) -> list[ChoiceOption]:
    """The summary's answers as options to match typed text against: each one's label, and
    as aliases the words of its label that no other label has (never a command's word)."""
    label_words = [{w.casefold() for w in _WORD.findall(label)} for label in labels]
    commands = words.send | words.edit | words.back
    options = []
    for index, own in enumerate(label_words):
        others = set().union(*(w for i, w in enumerate(label_words) if i != index))
        distinctive = sorted(w for w in own - others if normalise_word(w) not in commands)
        # The name is no number: a typed number is a line of the summary, nothing else.
        options.append(ChoiceOption(f"answer-{index}", labels[index], tuple(distinctive)))
    return options


def read_reply(text: str, labels: list[str], words: SummaryWords) -> Reply:
    """What `text`, typed on the summary or the edit menu listing `labels`, asks for."""
    word = normalise_word(text)
    if (command := words.command(word)) is not None:
        return command
    options = answer_options(labels, words)
    found = match_choice(text, options, multiple=False, by_number=options)  # its line numbers
    if len(found.exact) == 1:
        return Answer(options.index(found.exact[0]))
    # Several answers share the word typed ("nama" with two members): say which they are.
    sharing = [i for i, label in enumerate(labels) if word and word in _label_words(label)]
    return Unclear(sharing if len(sharing) > 1 else [])


def _label_words(label: str) -> set[str]:
    return {normalise_word(w) for w in _WORD.findall(label)} | {normalise_word(label)}
