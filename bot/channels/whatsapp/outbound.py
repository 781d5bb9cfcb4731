"""Neutral `Outbound` messages to Cloud API message bodies, within WhatsApp's limits.

Up to 3 options: reply buttons; up to 10: a list; more: numbered text, and the number typed
back is turned into the option again (menu.py); the footer invites a list of numbers only
where several options may be picked (`Outbound.several`). Labels are not truncated: forms'
short labels were checked against these limits when they were loaded; a label too long for
a row's title is split into the row's title and description ("KNG-2026-000001 · Diajukan":
at " · " or another separator, else between words); one that fits no row that way, and
options whose titles are alike, go into numbered text. Texts are cut into several messages
between lines, never shortened.
"""

from __future__ import annotations

import html
import re
import textwrap
from dataclasses import dataclass, field
from typing import Any

from handlers.events import Button, Outbound
from handlers.i18n import Catalog
from handlers.markup import first_words

BUTTON_TITLE = 20
ROW_TITLE = 24
ROW_DESCRIPTION = 72
INTERACTIVE_BODY = 1024
TEXT_BODY = 4096
MAX_BUTTONS = 3
MAX_ROWS = 10
# A form's option or summary line (`f<session>.<rev>:o<index>`, handlers/forms/step.py).
_NUMBERED_ACTION = re.compile(r"^f\d+\.\d+:[oe](\d+)$")
# Where a label too long for a row's title is split into title and description, best first:
# our labels join their parts with " · " ("KNG-2026-000001 · Diajukan"); a bracket stays
# with what it opens.
_ROW_SEPARATORS = (" · ", " — ", " – ", " - ", ": ", " (", ", ")
# Seconds to wait after a limit: 130429 (the number's messages per second, the whole
# channel) and 131056 (the pair rate, one message per 6 s to the same person: that chat).
THROUGHPUT_PAUSE = 1.0
# What a label may start with that is no word: emoji, their variation selectors, signs.
_LEADING_SIGNS = re.compile(r"^[^\w]+")


def title_width(label: str) -> int:
    """A button or row title's length as Meta may count it: in UTF-16 code units, so an
    emoji outside the basic plane ("📝") counts two. Whether Meta counts it one or two is
    not documented; counting two can only move an option to a list or numbered text."""
    return len(label.encode("utf-16-le")) // 2


PAIR_RATE_PAUSE = 6.0


def list_row(label: str) -> tuple[str, str] | None:
    """(title, description) of the list row showing an option's label ("" for no
    description): the label as the title when it fits; else split at a separator
    (`_ROW_SEPARATORS`) or, failing that, after as many words as fit the title. None when
    no split fits both (a word longer than a title, a description beyond 72)."""
    label = label.strip()
    if title_width(label) <= ROW_TITLE:
        return (label, "") if label else None
    for separator in _ROW_SEPARATORS:
        head, found, tail = label.partition(separator)
        if found and head.strip() and tail.strip():
            kept = separator.strip() if separator == " (" else ""
            split = _fitting(head.strip(), kept + tail.strip())
            if split is not None:
                return split
    words = label.split()
    for count in range(len(words) - 1, 0, -1):
        split = _fitting(" ".join(words[:count]), " ".join(words[count:]))
        if split is not None:
            return split
    return None


def _fitting(title: str, description: str) -> tuple[str, str] | None:
    if title_width(title) <= ROW_TITLE and title_width(description) <= ROW_DESCRIPTION:
        return title, description
    return None


def _list_rows(buttons: list[Button]) -> list[dict[str, str]] | None:
    """The rows of a list for these options, None when they do not fit one: more than
    10, a label that fits no row, or two rows whose titles are alike (they could not be
    told apart)."""
    if len(buttons) > MAX_ROWS:
        return None
    rows: list[dict[str, str]] = []
    for button in buttons:
        split = list_row(button.label)
        if split is None:
            return None
        title, description = split
        rows.append(
            {
                "id": button.data,
                "title": title,
                **({"description": description} if description else {}),
            }
        )
    if len({row["title"] for row in rows}) < len(rows):
        return None
    return rows


def _fits_buttons(buttons: list[Button]) -> bool:
    """Whether the options go out as reply buttons: at most 3, each title short enough
    and unlike the others (Meta refuses duplicate titles)."""
    return (
        len(buttons) <= MAX_BUTTONS
        and len({b.label for b in buttons}) == len(buttons)
        and all(title_width(b.label) <= BUTTON_TITLE for b in buttons)
    )


def prints_numbered_options(message: Outbound) -> bool:
    """Whether this message's options go out as numbered text, read back from a typed
    number (menu.py), rather than as buttons or a list to tap (`ChannelTraits`)."""
    buttons = [button for row in message.buttons for button in row]
    if not buttons or message.request == "location":  # a location's options are words
        return False
    return not _fits_buttons(buttons) and _list_rows(buttons) is None


def hides_options(message: Outbound) -> bool:
    """Whether this message's options go out as a list: rows behind its "Pilih" button,
    unnumbered, so a typed number counts nothing seen (`ChannelTraits`)."""
    buttons = [button for row in message.buttons for button in row]
    if not buttons or message.request == "location":
        return False
    return not _fits_buttons(buttons) and _list_rows(buttons) is not None


TEMPLATE_PARAMETER = 60  # characters of a template's body parameter we send


def template_parameter(summary: str) -> str:
    """A template's body parameter: plain text on one line (Meta refuses new lines, tabs and
    more than four spaces in a row there), never markup nor HTML escapes; a longer one is cut
    after a whole word with "…" (a word cut in half, or a trailing space, reads as a fault)."""
    return first_words(summary, TEMPLATE_PARAMETER)


# Our tags, and a slash command (which becomes the word people type, in bold).
_MARKUP_TOKEN = re.compile(r"</?[bi]>|(?<![\w/])/([a-z_]{3,20})\b")
_MARKERS = {"b": "*", "i": "_"}


def to_whatsapp_text(text: str) -> str:
    """Our limited HTML as WhatsApp markup; slash commands become the words people type.

    WhatsApp cannot nest a marker inside the same marker ("*Ketik *batal* ...*" pairs the
    wrong asterisks), so a span already bold or italic gets no inner marker of its kind: a
    command inside a bold label is the bare word, in the label's bold."""
    depth = {"b": 0, "i": 0}
    pieces: list[str] = []
    cursor = 0
    for match in _MARKUP_TOKEN.finditer(text):
        pieces.append(text[cursor : match.start()])
        cursor = match.end()
        token = match.group(0)
        if match.group(1) is not None:  # a command
            word = match.group(1)
            pieces.append(word if depth["b"] else f"*{word}*")
            continue
        tag = token.strip("</>")
        closing = token.startswith("</")
        if closing and depth[tag] == 0:
            continue  # a stray closing tag: no marker left open by it
        depth[tag] += -1 if closing else 1
        if depth[tag] == (0 if closing else 1):  # the outermost span opens or closes
            pieces.append(_MARKERS[tag])
    pieces.append(text[cursor:])
    return html.unescape("".join(pieces))


@dataclass
class Rendered:
    """The bodies to send, in order, and the numbered options if text stands in for buttons."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    menu: dict[str, str] = field(default_factory=dict)  # "3" -> button data


def _number_options(buttons: list[Button]) -> list[tuple[str, Button]]:
    """A form question's options keep their number on every screen of it (`o<index>` is
    number index + 1: "Stunting" is 1 wherever it is shown); the other buttons (a choice
    group, a page, "done") follow. What is typed back is read against these numbers by the
    adapter (menu.py): a number not printed on this screen picks nothing."""
    numbered: list[tuple[str, Button]] = []
    taken: set[int] = set()
    for button in buttons:
        match = _NUMBERED_ACTION.match(button.data)
        if match:
            number = int(match.group(1)) + 1
            numbered.append((str(number), button))
            taken.add(number)
    following = max(taken, default=0)
    for button in buttons:
        if not _NUMBERED_ACTION.match(button.data):
            following += 1
            numbered.append((str(following), button))
    return numbered


def _lines(text: str, limit: int) -> list[str]:
    """The text's lines, a line longer than `limit` broken (between words where it can)."""
    lines: list[str] = []
    for line in text.split("\n"):
        if len(line) <= limit:
            lines.append(line)
        else:
            lines += textwrap.wrap(line, limit, replace_whitespace=False, break_on_hyphens=False)
    return lines


def _split(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut between lines: nothing is left out."""
    pieces, current = [], ""
    for line in _lines(text, limit):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit and current:
            pieces.append(current)
            current = line
        else:
            current = candidate
    return [*pieces, current] if current else pieces or [""]


def typed_word(label: str) -> str:
    """A button's label as a word to type: without the emoji or signs it starts with
    ("✖️ Batal" -> "Batal"): nobody types an emoji to answer (QA walk 8)."""
    return _LEADING_SIGNS.sub("", label) or label


def api_calls(message: Outbound, catalog: Catalog, language: str) -> int:
    """Sends one message takes: each counts against the pair rate and the throughput."""
    if message.type in ("delete", "callback_answer", "menu"):
        return 0
    if message.type in ("image", "document") and message.file_path:
        return 1
    return len(render(message, catalog, language).bodies)


def render(message: Outbound, catalog: Catalog, language: str) -> Rendered:
    """The Cloud API bodies (without the recipient) for one neutral message."""
    text = to_whatsapp_text(message.text) or "…"
    buttons = [button for row in message.buttons for button in row]
    rendered = Rendered()
    if message.request == "location":
        body = text
        if buttons:
            words = ", ".join(f"*{typed_word(b.label)}*" for b in buttons)
            body += "\n" + catalog.text(language, "whatsapp.or_type", words=words)
            # The word as printed ("batal"), and the whole label a person may copy.
            rendered.menu = {b.label.lower(): b.data for b in buttons} | {
                typed_word(b.label).lower(): b.data for b in buttons
            }
        *before, last = _split(body, INTERACTIVE_BODY)
        rendered.bodies += [{"type": "text", "text": {"body": piece}} for piece in before]
        rendered.bodies.append(
            {
                "type": "interactive",
                "interactive": {
                    "type": "location_request_message",
                    "body": {"text": last},
                    "action": {"name": "send_location"},
                },
            }
        )
        return rendered
    if not buttons:
        rendered.bodies = [
            {"type": "text", "text": {"body": piece}} for piece in _split(text, TEXT_BODY)
        ]
        return rendered
    # Two options with the same title could not be told apart (and Meta refuses duplicate
    # button titles): they are numbered instead.
    fits_buttons = _fits_buttons(buttons)
    rows = None if fits_buttons else _list_rows(buttons)
    if fits_buttons or rows is not None:
        *before, last = _split(text, INTERACTIVE_BODY)
        rendered.bodies += [{"type": "text", "text": {"body": piece}} for piece in before]
        if rows is None:
            action: dict[str, Any] = {
                "buttons": [
                    {"type": "reply", "reply": {"id": b.data, "title": b.label}} for b in buttons
                ]
            }
            kind = "button"
        else:
            action = {
                "button": catalog.text(language, "whatsapp.choose"),
                "sections": [{"rows": rows}],
            }
            kind = "list"
        rendered.bodies.append(
            {
                "type": "interactive",
                "interactive": {"type": kind, "body": {"text": last}, "action": action},
            }
        )
        return rendered
    numbered = _number_options(buttons)
    lines = [text, ""] + [f"{number}. {button.label}" for number, button in numbered]
    hint = "whatsapp.type_numbers" if message.several else "whatsapp.type_number"
    lines += ["", catalog.text(language, hint)]
    rendered.bodies = [
        {"type": "text", "text": {"body": piece}} for piece in _split("\n".join(lines), TEXT_BODY)
    ]
    rendered.menu = {number: button.data for number, button in numbered}
    return rendered
