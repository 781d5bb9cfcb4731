"""The invitation letter's links and QR codes: a Telegram deep link
(`https://t.me/<bot>?start=bt-<code>`) and a WhatsApp link (`https://wa.me/<number>?text=bimtek
<code>`), as each channel's traits build them (`AppContext.chat_link`), per training, with the
code short, opaque and unguessable (10 characters from 32, about 50 bits; `[A-Za-z0-9_-]`, well
under Telegram's 64). Opening either joins the training (handlers/trainings/join.py)."""

from __future__ import annotations

import asyncio
import re
import secrets
from pathlib import Path

from handlers.context import AppContext, Turn
from handlers.events import Button, Outbound
from handlers.temp_files import temp_path
from handlers.trainings.common import PAGE_PREFIX
from storage.repos import Repos
from storage.trainings import Training

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a letter
CODE_LENGTH = 10
TELEGRAM, WHATSAPP = "telegram", "whatsapp"  # the channels the letter has a link for
START_PREFIX = "bt-"  # Telegram's ?start= payload: bt-<code>
WHATSAPP_KEYWORD = "bimtek"  # WhatsApp: "bimtek <code>"
ACTION = "l"  # tp:<training id>:l, on the training's page and under "➕ Undang"
_CODE = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def as_join_code(text: str) -> str | None:
    """A typed or linked code (any case, spaces around), or None if it cannot be one."""
    code = text.strip().upper()
    return code if _CODE.fullmatch(code) else None


async def join_code(repos: Repos, training_id: int) -> str:
    """The training's code, made the first time someone asks for its links."""
    existing = await repos.training_invites.join_code(training_id)
    while existing is None:
        candidate = new_join_code()
        if await repos.training_invites.by_join_code(candidate) is None:
            await repos.training_invites.set_join_code(training_id, candidate)
        existing = await repos.training_invites.join_code(training_id)
    return existing


def telegram_link(app: AppContext, code: str) -> str | None:
    return app.chat_link(TELEGRAM, f"{START_PREFIX}{code}")


def whatsapp_text(code: str) -> str:
    return f"{WHATSAPP_KEYWORD} {code}"


def whatsapp_link(app: AppContext, code: str) -> str | None:
    return app.chat_link(WHATSAPP, whatsapp_text(code))


def _write_qr(url: str, path: Path) -> None:
    import qrcode  # loaded only when a QR code is drawn

    image = qrcode.make(url, box_size=10, border=4)
    image.save(str(path), format="PNG")


async def send_links(turn: Turn, training: Training) -> None:
    """tp:<id>:l: each link's QR code as a PNG image, then both links as text with « Kembali
    to the training's page (last, so it is at hand: a WhatsApp list once tapped is gone)."""
    code = await join_code(turn.repos, training.id)
    telegram = telegram_link(turn.app, code)
    whatsapp = whatsapp_link(turn.app, code)
    for url, caption in ((telegram, "qr_telegram"), (whatsapp, "qr_whatsapp")):
        if url is None:
            continue
        path = temp_path(turn.app.media_dir, f"qr-{caption[3:]}", ".png", turn.now)
        await asyncio.to_thread(_write_qr, url, path)
        text = turn.t(f"training_extra.{caption}", title=training.title)
        turn.reply(Outbound(type="image", file_path=str(path), text=text))
    missing = turn.t("training_extra.link_missing")
    text = turn.t(
        "training_extra.links",
        title=training.title,
        telegram=telegram or missing,
        whatsapp=whatsapp or missing,
        keyword=whatsapp_text(code),
    )
    back = Button(label=turn.t("training.button_back"), data=f"{PAGE_PREFIX}:{training.id}")
    turn.reply(Outbound.say(text, [[back]]))
