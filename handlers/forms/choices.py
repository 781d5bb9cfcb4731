"""Matching what a person typed to the options of a select question.

Typed answers are matched ignoring case, spaces and punctuation (2025 spellings such as
"Luragungtonggoh" also match "Luragung Tonggoh"); informal yes/no words are understood; a
near miss offers the closest options to confirm, and so does a sentence that names exactly
one option ("anak saya sakit": Sakit?, `option_in_sentence`). A word options say may come
before their name (a region's level: "Kec. Kadugede", "Kelurahan Babatan") is read without
it.

A bare number means what the person can count on the screen they have: the n-th option
button shown on it (`by_number`: the whole list, or the page or choice group on screen, in
the order shown), where buttons are in sight with no numbers (Telegram; WhatsApp's reply
buttons); a number beyond them picks nothing. Where options sit behind one button,
unnumbered (WhatsApp's list), no number is counted at all (`ChoiceStep._numbers_hidden`).
A channel that prints numbers next to options reads those itself and hands over the picked
buttons (`Inbound.picks`), so this never guesses what was printed.
Only a number typed alone is one ("3", "3.", "(3)"): digits with anything between them are
not run together into one ("7-12-2026" is a date, not number 7122026: not in the list).

The place all the options are in, named after the name, is read without it too ("Desa
Babatan Kec. Kadugede" at Kadugede's desa: `ChoiceOption.place`); another place named there
stays part of the name.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from handlers.events import small_number
from handlers.forms.answers import NO_WORDS, YES_WORDS, normalise_word

# Words that deny the option named right after them: "tidak sakit" names no option.
NEGATIONS = frozenset(
    {"tidak", "tdk", "tak", "gak", "ga", "nggak", "enggak", "bukan", "belum", "no", "not"}
)
SHORTEST_NAMED = 3  # letters of an option's words a sentence must hold ("ya" is no hit)
# One run of digits, nothing but spaces or punctuation around it: a number typed alone.
# An option's number is short: a long run of digits (a NIK, KK or phone, maybe typed in
# groups of four) is never a number of the screen, and never said back as one (review 12).
_ALONE_NUMBER = re.compile(r"\W*[0-9]{1,3}\W*")
_IDENTIFIER_DIGITS = 10


@dataclass(frozen=True)
class ChoiceOption:
    """One option as shown: stable name, label in the person's language, typed aliases."""

    name: str
    label: str
    aliases: tuple[str, ...] = ()
    group: str | None = None  # the choice-group screen it is shown on
    day_offset: int | None = None  # a relative day (model.Choice.day_offset)
    # Words people type before the name, read without them: a region's level ("Kec.").
    lead_words: tuple[str, ...] = ()
    # The place every option is in ("Kadugede", for its desa) and the words typed before its
    # name ("Kec."): "Babatan, Kec. Kadugede" is read as "Babatan".
    place: str | None = None
    place_words: tuple[str, ...] = ()


@dataclass
class ChoiceMatch:
    """Options matched exactly, or suggestions to confirm."""

    exact: list[ChoiceOption] = field(default_factory=list)
    suggestions: list[ChoiceOption] = field(default_factory=list)
    number: str | None = None  # a typed number that picks no option shown
    several: bool = False  # several options typed ("2, 5") where one is asked for


def _keys(option: ChoiceOption) -> set[str]:
    keys = {normalise_word(option.label), normalise_word(option.name)}
    keys.update(normalise_word(alias) for alias in option.aliases)
    if option.name == "ya":
        keys.update(YES_WORDS)
    if option.name == "tidak":
        keys.update(NO_WORDS)
    return {key for key in keys if key}


def _match_one(
    text: str, options: list[ChoiceOption], by_number: list[ChoiceOption]
) -> ChoiceMatch:
    found = _match_word(text, options, by_number)
    if found.exact:
        return found
    before = _without_place(text, options)  # "Babatan kec. Kadugede": "Babatan"
    if before is not None:
        inner = _match_one(before, options, by_number)
        if inner.exact or inner.suggestions:
            return inner
    bare = _without_lead_word(text, options)  # "Kecamatan Kadugde": "Kadugde"
    if bare is None:
        return found
    again = _match_word(bare, options, [])
    return again if again.exact or again.suggestions else found


def _without_lead_word(text: str, options: list[ChoiceOption]) -> str | None:
    """The text after a lead word of the options ("Kec." in "Kec. Kadugede"), as a word of
    its own (never the start of a name: "Kecapi"); None when it starts with none."""
    return after_lead_word(text, {word for option in options for word in option.lead_words})


def after_lead_word(text: str, words: set[str] | tuple[str, ...]) -> str | None:
    """The text after one of `words` at its start, as a word of its own ("Kadugede" in "Kec.
    Kadugede", never "api" in "Kecapi"); None without."""
    if not words:
        return None
    pattern = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
    found = re.match(rf"\s*(?:{pattern})(?:\.\s*|\s+)(\S.*)$", text, re.IGNORECASE)
    return found.group(1) if found else None


def _without_place(text: str, options: list[ChoiceOption]) -> str | None:
    """The text before the options' place named at its end, after one of its words ("Babatan"
    in "Babatan, Kec. Kadugede"); None when it does not end so (another kecamatan named there
    is no part of the name to drop)."""
    for place, words in {(o.place, o.place_words) for o in options if o.place and o.place_words}:
        pattern = "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))
        found = re.match(rf"(.*\S)[\s,]+(?:{pattern})(?:\.\s*|\s+)(\S.*)$", text, re.IGNORECASE)
        # The place as listed may hold its word too ("Kabupaten Kuningan").
        names = {normalise_word(place), normalise_word(after_lead_word(place, words) or place)}
        if found and normalise_word(found.group(2)) in names:
            return found.group(1).rstrip(" ,")
    return None


def _match_word(
    text: str, options: list[ChoiceOption], by_number: list[ChoiceOption]
) -> ChoiceMatch:
    word = normalise_word(text)
    if not word:
        return ChoiceMatch()
    number = typed_number(text)
    if number is not None and not any(word in _keys(o) for o in options):
        if 1 <= number <= len(by_number):
            return ChoiceMatch(exact=[by_number[number - 1]])
        return ChoiceMatch(number=str(number))
    exact = [o for o in options if word in _keys(o)]
    if len(exact) == 1:
        return ChoiceMatch(exact=exact)
    prefixed = [o for o in options if any(k.startswith(word) for k in _keys(o))]
    if len(word) >= 3 and len(prefixed) == 1:
        return ChoiceMatch(suggestions=prefixed)
    labels = {normalise_word(o.label): o for o in options}
    close = difflib.get_close_matches(word, list(labels), n=4, cutoff=0.7)
    suggestions = [labels[key] for key in close] or prefixed[:4]
    return ChoiceMatch(suggestions=suggestions)


def match_choice(
    text: str,
    options: list[ChoiceOption],
    *,
    multiple: bool,
    by_number: list[ChoiceOption] | None = None,
) -> ChoiceMatch:
    """Match typed text to options; for multiple choice, "a, b" (or "1, 3" where numbers
    count, `by_number`: the options in the order shown, all on one screen) picks several. For
    one choice such a list is `several`, to be told one is asked for."""
    text = text[:200]
    by_number = by_number or []
    parts = _parts(text)
    if not multiple:
        found = _match_one(text, options, by_number)
        # Numbers apart ("2, 5", "1 2") are never one number run together (25, 12); names
        # apart only when the whole text names no option ("Biasa, Segera").
        numbers_apart = len(parts) > 1 and all(part.strip().isdigit() for part in parts)
        if (numbers_apart or not found.exact) and _several(parts, options, by_number):
            return ChoiceMatch(several=True)
        return found
    exact: list[ChoiceOption] = []
    for part in parts:
        found = _match_one(part, options, by_number)
        if len(found.exact) != 1:
            return ChoiceMatch(suggestions=found.suggestions, number=found.number)
        if found.exact[0] not in exact:
            exact.append(found.exact[0])
    return ChoiceMatch(exact=exact)


def _parts(text: str) -> list[str]:
    """The answers a typed list holds: "a, b", "a; b", "a dan b", one a line, or numbers
    apart ("1 3"); one part for anything else."""
    parts = [part for part in re.split(r"[,;\n]+|\s+dan\s+", text) if part.strip()]
    if len(parts) <= 1 and re.fullmatch(r"[\d\s]+", text):
        parts = text.split()
    return parts


def typed_number(text: str) -> int | None:
    """The number of a text that is one number typed alone ("3", "3.", "(3)"), else None."""
    return small_number(normalise_word(text)) if _ALONE_NUMBER.fullmatch(text) else None


def only_numbers(text: str) -> bool:
    """Whether the text is bare numbers only ("3", "1, 3", "1 dan 3"), no option's name."""
    if re.fullmatch(r"[\d\s.-]+", text) and len(re.sub(r"\D", "", text)) >= _IDENTIFIER_DIGITS:
        return False  # "3208 0145 0690 0002": one identifier, not numbers of options
    parts = _parts(text)
    return bool(parts) and all(_ALONE_NUMBER.fullmatch(part.strip()) for part in parts)


def _several(parts: list[str], options: list[ChoiceOption], by_number: list[ChoiceOption]) -> bool:
    """Whether a typed list names several answers, each a number or an option's name."""
    if len(parts) < 2:
        return False
    for part in parts:
        found = _match_one(part, options, by_number)
        if len(found.exact) != 1 and found.number is None:
            return False
    return True


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def _named_in(words: list[str], phrase: list[str]) -> bool:
    """Whether `phrase` occurs in `words` as whole words, not right after a negation."""
    size = len(phrase)
    return any(
        words[at : at + size] == phrase and (at == 0 or words[at - 1] not in NEGATIONS)
        for at in range(len(words) - size + 1)
    )


def option_in_sentence(text: str, options: list[ChoiceOption]) -> ChoiceOption | None:
    """The one option a typed sentence names by its label, name or an alias, as whole words
    and not denied ("anak saya sakit": Sakit; "tidak sakit": none), to be confirmed, never
    taken silently; None when it names none or several, or is a single word (matched as a
    choice already)."""
    words = _words(text)
    if len(words) < 2:
        return None
    named = []
    for option in options:
        phrases = {option.label, option.name.replace("_", " "), *option.aliases}
        spoken = [_words(phrase) for phrase in phrases]
        if any(
            len("".join(phrase)) >= SHORTEST_NAMED and _named_in(words, phrase) for phrase in spoken
        ):
            named.append(option)
    return named[0] if len(named) == 1 else None
