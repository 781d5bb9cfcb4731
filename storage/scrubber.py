"""Rewriting what holds a person's data (for erasure, `storage/erasure.py`): identifiers
and names in any text, and in form answers the person's member entries, the household's
entries where it is cleared, and the head's name where the person headed it."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from typing import Any

from storage.identifiers import identifier_pattern, same_number
from storage.person_names import person_key

ERASED = "[dihapus]"
# Form answers about one member and about the household (forms/case_report.yaml).
PERSON_KEYS = (
    "member_name",
    "member_nik",
    "member_nik_reason",
    "member_sex",
    "member_age",
    "member_relation",
)
HOUSEHOLD_KEYS = ("head_name", "no_kk", "no_kk_reason", "address", "gps", "gps_reason")
MIN_TEXT = 4  # shorter names are not searched for (they would match inside other words)
# What one line shows of a free text (a verification's note, a visit's actions: the notice,
# the case's history); erasure finds the text cut there too.
LINE_CUT = 200
# What a person typed, given back to copy ("Tulisan Bapak/Ibu ... untuk disalin:\n<i>…</i>",
# `answer.identifier_in_text` and `review.typed_not_used`): in a conversation about a case only
# about the erased person, what was typed is about them, though never recorded.
ECHOED = re.compile(r"(?<=:\n<i>)(?:(?!</i>).)+(?=</i>)", re.DOTALL)


def _whole_words(pattern: str, text: str) -> str:
    """`pattern` (finding `text`) only where `text` is not part of a longer word: "Sari"
    not in "Sarinah", "belum" not in the choice `belum_pernah_sekolah`."""
    start = r"(?<!\w)" if re.match(r"\w", text[:1]) else ""
    end = r"(?!\w)" if re.match(r"\w", text[-1:]) else ""
    return f"{start}(?:{pattern}){end}"


def text_pattern(text: str) -> re.Pattern[str]:
    """A name, an address, a masked number: as written, whatever the case, whole words."""
    return re.compile(_whole_words(re.escape(text), text), re.IGNORECASE)


def free_text_pattern(text: str) -> re.Pattern[str]:
    """A free text as a message shows it: as typed or HTML-escaped, whole or cut after
    `LINE_CUT` characters (the cut is followed by "…", not by a letter)."""
    head, tail = text[:LINE_CUT], text[LINE_CUT:]
    shown = []
    for escape in (str, lambda value: html.escape(value, quote=False), html.escape):
        rest = f"(?:{re.escape(escape(tail))})?" if tail else ""
        shown.append(f"(?:{re.escape(escape(head))}{rest})")
    return re.compile(_whole_words("|".join(dict.fromkeys(shown)), text), re.IGNORECASE)


def _strings(node: Any) -> Iterable[str]:
    """The string values of decoded JSON (not its keys)."""
    if isinstance(node, dict):
        node = list(node.values())
    if isinstance(node, list):
        for item in node:
            yield from _strings(item)
    elif isinstance(node, str):
        yield node


def member_names(node: Any, nik: str) -> set[str]:
    """The name keys form answers give the member with this NIK."""
    if isinstance(node, list):
        return set().union(*(member_names(item, nik) for item in node))
    if not isinstance(node, dict):
        return set()
    found = set().union(*(member_names(value, nik) for value in node.values()))
    name = node.get("member_name")
    if same_number(node.get("member_nik"), nik) and isinstance(name, str) and name:
        found.add(person_key(name))
    return found


class Scrubber:
    """Removes identifiers (and, in form answers, the person's or household's entries)."""

    def __init__(
        self,
        nik: str,
        identifiers: Iterable[str],
        *,
        household: bool,
        texts: Iterable[str] = (),
        notes: Iterable[str] = (),
        heads: Iterable[str] = (),
        echoes: bool = False,
    ) -> None:
        self.nik = nik
        # Name keys of the person: where they are the head, `head_name` goes even though
        # the household (with its other members) stays.
        self.heads = set(heads)
        self.numbers = {int(value) for value in identifiers}
        # Free texts written about them (`free_text_pattern`): as the messages showed them.
        # First, whole: their name or number inside one, replaced first, would hide the rest.
        self.patterns = [
            free_text_pattern(note)
            for note in sorted(set(notes), key=len, reverse=True)
            if len(note) >= MIN_TEXT
        ]
        self.patterns += [ECHOED] if echoes else []
        self.patterns += [identifier_pattern(value) for value in identifiers]
        # Names, addresses, masked numbers: matched as written, whatever the case.
        self.patterns += [
            text_pattern(text)
            for text in sorted(set(texts), key=len, reverse=True)
            if len(text) >= MIN_TEXT
        ]
        self.household = household

    def mentions(self, value: Any) -> int:
        """1 if a column value holds any of it (as `value` would find it), else 0."""
        if not isinstance(value, str):
            return 0
        if any(p.search(value) for p in self.patterns):
            return 1
        # JSON escapes (a line break, a quote, `\u00e9` of ensure_ascii) hide a text from
        # the raw search: its strings are searched decoded, as `value` walks them.
        if "\\" in value and value[:1] in ("{", "["):
            try:
                strings = list(_strings(json.loads(value)))
            except ValueError:
                return 0
            return int(any(p.search(text) for text in strings for p in self.patterns))
        return 0

    def text(self, value: str) -> str:
        for pattern in self.patterns:
            value = pattern.sub(ERASED, value)
        return value

    def node(self, node: Any) -> Any:
        if isinstance(node, dict):
            person = same_number(node.get("member_nik"), self.nik)
            household = self.household and ("head_name" in node or "members" in node)
            result = {}
            for key, value in node.items():
                if (
                    (person and key in PERSON_KEYS)
                    or (household and key in HOUSEHOLD_KEYS)
                    or (key == "head_name" and self._their_name(value))
                ):
                    result[key] = ERASED if isinstance(value, str) else None
                else:
                    result[key] = self.node(value)
            return result
        if isinstance(node, list):
            return [self.node(item) for item in node]
        if isinstance(node, str):
            return self.text(node)
        if isinstance(node, int) and not isinstance(node, bool) and node in self.numbers:
            return None
        return node

    def _their_name(self, value: Any) -> bool:
        return isinstance(value, str) and person_key(value) in self.heads

    def value(self, value: str) -> str:
        """A column value: JSON is walked (and stays valid JSON), other text is replaced."""
        if value[:1] in ("{", "["):
            try:
                parsed = json.loads(value)
            except ValueError:
                return self.text(value)
            return json.dumps(self.node(parsed), ensure_ascii=False)
        return self.text(value)
