"""The limited HTML of our message texts, checked on its way out.

Texts are written with the tags <b> and <i> only (the catalogue's), and every value put into
them is escaped. Telegram refuses a whole message whose HTML it cannot parse ("can't parse
entities") and would refuse it on every retry, so a text that slipped through unescaped is
repaired here rather than lost: a stray `<` or `&` is escaped (Telegram takes a bare `>`); if
the tags still do not pair up, the text goes without any markup.
"""

from __future__ import annotations

import html
import logging
import re

log = logging.getLogger(__name__)

# Our tags, the entities Telegram knows (named: only these four), or a character that must
# have been escaped.
_TOKEN = re.compile(r"</?[bi]>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);|[<&]")
_TAG = re.compile(r"</?[bi]>")


def _repaired(text: str) -> tuple[str, bool]:
    """The text with stray characters escaped, and whether its tags pair up."""
    pieces: list[str] = []
    open_tags: list[str] = []
    balanced = True
    cursor = 0
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        pieces.append(text[cursor : match.start()])
        cursor = match.end()
        if token in ("<", "&"):
            pieces.append(html.escape(token))
            continue
        if token.startswith("</"):
            if open_tags and open_tags[-1] == token[2]:
                open_tags.pop()
            else:
                balanced = False
        elif token.startswith("<"):
            open_tags.append(token[1])
        pieces.append(token)
    pieces.append(text[cursor:])
    return "".join(pieces), balanced and not open_tags


def safe_html(text: str) -> str:
    """`text` if Telegram can parse it, else repaired (logged: a value was not escaped)."""
    if not text or ("<" not in text and "&" not in text):
        return text
    repaired, balanced = _repaired(text)
    if repaired == text and balanced:
        return text
    log.warning("outgoing text with unescaped markup repaired (an unescaped value)")
    if balanced:
        return repaired
    return html.escape(html.unescape(_TAG.sub("", text)), quote=False)


def plain_text(text: str) -> str:
    """A text in our markup as plain text: its <b>/<i> tags dropped, its entities read."""
    return html.unescape(_TAG.sub("", text))


def first_words(text: str, limit: int) -> str:
    """A text in our markup as plain text on one line, `limit` characters at most: a longer
    one cut after a whole word with "…" (a word cut in half, or a trailing space, reads as a
    fault); a word longer than half the room is cut where the room ends."""
    plain = " ".join(plain_text(text).split())
    if len(plain) <= limit:
        return plain
    cut = plain[: limit - 1]
    words = cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut
    return words.rstrip(" ,.;:-–") + "…"
