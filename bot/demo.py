"""`make demo`: chat with the bot in the terminal, on the same engine, no token needed.

A throwaway database is seeded with a coordinator, the TKSK of Kecamatan Kadugede and an
approved PSM there; you start as a new person who registers. Type answers as text; `>N`
taps button N; `!bantuan` lists the rest. Charts and spreadsheets the bot sends are copied
into the throwaway folder and their paths printed, to open while the demo runs.
"""

from __future__ import annotations

import asyncio
import html
import re
import shutil
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.channels.base import SendOutcome
from bot.config import load_settings
from bot.pacing import UNPACED
from bot.runtime import Runtime
from handlers.channel_traits import ChannelTraits, PhoneProof, SeveralChoices
from handlers.events import Button, Inbound, InboundKind, Outbound, small_number
from storage.models import OutboxItem, Role, UserStatus

CHANNEL = "demo"
PERSONAS = {
    "baru": ("calon-1", "Pak Dedi (orang baru)"),
    "koordinator": ("koordinator-1", "Ibu Sari (koordinator)"),
    "tksk": ("tksk-1", "Pak Tono (TKSK Kadugede)"),
    "psm": ("psm-1", "Pak Budi (PSM)"),
}
# The seeded people: role, kecamatan and desa (Kadugede's, where the newcomer registers).
SEEDED = {
    "koordinator": (Role.COORDINATOR, None, None),
    "tksk": (Role.TKSK, "32.08.01", None),
    "psm": (Role.PSM, "32.08.01", "32.08.01.2001"),
}
# The button that shares a location or the phone's number, as typed in the terminal.
REQUEST_HINTS = {"location": "ketik !lokasi -6.97 108.48", "contact": "ketik !kontak"}
# The time and random part of a temporary file's name (handlers/temp_files.temp_path).
TIMESTAMPED = re.compile(r"-\d{8}-\d{6}-[0-9a-f]+$")
_CHOICES = "|".join(PERSONAS)
HELP = f"""Perintah demo:
  ketik jawaban biasa       menjawab pertanyaan
  >N                        menekan tombol nomor N
  /start, /saya, /batal...  perintah bot
  !kontak                   membagikan nomor HP (seperti tombol Bagikan nomor)
  !lokasi -6.97 108.48      mengirim lokasi
  !foto                     mengirim sebuah foto
  !sebagai {_CHOICES}   berganti orang
  !keluar                   selesai"""


def _plain(text: str) -> str:
    return html.unescape(re.sub(r"</?(b|i)>", "", text))


class DemoChannel:
    """Prints what the bot sends; remembers each chat's last buttons for `>N`."""

    name = CHANNEL
    traits = ChannelTraits(
        deletes_sent_within=timedelta.max,  # prints the deletion, whenever it comes
        phone_proof=PhoneProof.SHARED_CONTACT,  # `!kontak`, like Telegram's button
        several_choices=SeveralChoices.TAP,  # `>N` ticks one of the buttons printed
        has_command_menu=False,  # a terminal has no menu to set
    )
    pacing = UNPACED  # a terminal has no limits

    def __init__(self, out: TextIO, files: Path) -> None:
        self.out = out
        self.files = files  # where the charts and spreadsheets sent are put, to open them
        self.buttons: dict[str, list[Button]] = {}
        self.names = {external: name for external, name in PERSONAS.values()}
        self._next_id = 1

    async def start(self, db: Any, clock: Any, on_stored: Any) -> None:
        return None

    async def stop_polling(self) -> None:
        return None

    def intake(self) -> None:
        return None  # nothing fetched: nothing to fail

    async def confirm(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def download(self, ref: str, max_bytes: int = 0) -> bytes:
        """A made-up photo (a coloured square) for `!foto`."""
        from io import BytesIO

        from PIL import Image

        out = BytesIO()
        Image.new("RGB", (640, 480), (200, 120, 60)).save(out, format="JPEG")
        return out.getvalue()

    async def send(self, item: OutboxItem, message: Outbound) -> SendOutcome:
        chat_id = item.chat_id or ""
        who = self.names.get(chat_id, chat_id)
        if message.type in ("callback_answer", "delete"):
            if message.type == "delete":
                print(
                    f"   (pesan #{message.target_message_id} dihapus demi keamanan data)",
                    file=self.out,
                )
            return SendOutcome.sent()
        self._next_id += 1
        heading = "diperbarui" if message.type == "edit" else "pesan"
        print(f"\n── bot → {who} [{heading} #{self._next_id}]", file=self.out)
        print(_plain(message.text), file=self.out)
        flat = [button for row in message.buttons for button in row]
        if flat:
            self.buttons[chat_id] = flat
            print(
                "   " + "   ".join(f"[>{i}] {b.label}" for i, b in enumerate(flat, 1)),
                file=self.out,
            )
        if message.request:
            print(f"   [{message.request_label}] → {REQUEST_HINTS[message.request]}", file=self.out)
        if message.file_path:  # a chart or a spreadsheet: where to open it
            print(f"   📎 file: {self._keep(Path(message.file_path))}", file=self.out)
        return SendOutcome.sent(str(self._next_id))

    def _keep(self, sent: Path) -> Path:
        """A copy of a file sent, named by what it is ("statistik.png"), in the demo's
        folder: the bot's own copy has a long unguessable name and goes after a day."""
        self.files.mkdir(exist_ok=True)
        stem = TIMESTAMPED.sub("", sent.stem)
        kept, number = self.files / f"{stem}{sent.suffix}", 1
        while kept.exists():
            number += 1
            kept = self.files / f"{stem}-{number}{sent.suffix}"
        shutil.copyfile(sent, kept)
        return kept


async def _seed(runtime: Runtime) -> None:
    assert runtime.db is not None
    now = datetime.now(UTC)
    async with runtime.db.transaction() as repos:
        for persona, (role, kecamatan, desa) in SEEDED.items():
            external, name = PERSONAS[persona]
            user = await repos.users.create(
                now=now,
                status=UserStatus.ACTIVE,
                full_name=name.split(" (")[0],
                role=role,
                kabupaten_code="32.08",
            )
            await repos.users.update(user.id, now=now, kecamatan_code=kecamatan, desa_code=desa)
            await repos.users.add_identity(
                user_id=user.id, channel=CHANNEL, external_id=external, chat_id=external, now=now
            )


def _event(persona: str, line: str, channel: DemoChannel) -> Inbound | str:
    external, name = PERSONAS[persona]
    base = {
        "channel": CHANNEL,
        "external_user_id": external,
        "chat_id": external,
        "display_name": name,
        "message_id": uuid.uuid4().hex[:8],
    }
    if line.startswith(">"):
        buttons = channel.buttons.get(external, [])
        number = small_number(line[1:].strip())
        if number is None or not 1 <= number <= len(buttons):
            return "Tidak ada tombol dengan nomor itu."
        button = buttons[number - 1]
        return Inbound(
            **base, kind=InboundKind.BUTTON, data=button.data, callback_id=uuid.uuid4().hex
        )
    if line == "!kontak":
        return Inbound(
            **base, kind=InboundKind.CONTACT, contact_phone="+6281234567890", contact_is_sender=True
        )
    if line == "!foto":
        return Inbound(**base, kind=InboundKind.PHOTO, photo_ref=uuid.uuid4().hex)
    if line.startswith("!lokasi"):
        parts = line.split()[1:]
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except (IndexError, ValueError):
            return "Tulis: !lokasi -6.97 108.48"
        return Inbound(**base, kind=InboundKind.LOCATION, latitude=lat, longitude=lon)
    if line.startswith("/"):
        word, _, args = line[1:].partition(" ")
        return Inbound(
            **base, kind=InboundKind.COMMAND, command=word.lower(), command_args=args, text=line
        )
    return Inbound(**base, kind=InboundKind.TEXT, text=line)


async def _persona_label(runtime: Runtime, persona: str, channel: DemoChannel) -> str:
    """Who one is typing as: the newcomer as what they are now (waiting for approval, or the
    role they were given), not "orang baru" for ever; the bot's lines to them say the same."""
    external, label = PERSONAS[persona]
    if persona != "baru":
        return label
    assert runtime.db is not None and runtime.app is not None
    async with runtime.db.reading() as repos:
        identity = await repos.users.identity(CHANNEL, external)
        user = await repos.users.get(identity.user_id) if identity else None
    if user is not None and user.status != UserStatus.REGISTERING:
        now = (
            runtime.app.catalog.text("id", f"roles.{user.role}")
            if user.status == UserStatus.ACTIVE and user.role
            else runtime.app.catalog.text("id", f"status.{user.status}").lower()
        )
        label = f"{label.split(' (')[0]} ({now})"
    channel.names[external] = label
    return label


async def _settle(runtime: Runtime) -> None:
    """Process everything stored, wait for the background jobs it started (statistics,
    exports), and send everything queued."""
    assert runtime.worker is not None
    while await runtime.worker.process_pending():
        pass
    await runtime.worker.finish_background()
    await runtime.senders[CHANNEL].drain()


async def run_demo(stdin: TextIO, out: TextIO) -> int:
    """The interactive loop; returns the exit code."""
    with tempfile.TemporaryDirectory(prefix="psm-demo-") as folder:
        settings = load_settings(
            telegram_bot_token=None,
            database_path=Path(folder) / "demo.db",
            media_path=Path(folder) / "media",
            districts="32.08:KNG",
        )
        channel = DemoChannel(out, Path(folder) / "berkas")
        runtime = Runtime(settings, [channel], {CHANNEL: Inbound.model_validate})
        await runtime.start(background=False)
        assert runtime.db is not None
        await _seed(runtime)
        persona = "baru"
        print(
            "psm-bot demo (Kabupaten Kuningan). Ketik !bantuan untuk daftar perintah demo.",
            file=out,
        )
        print(f"Sekarang sebagai: {PERSONAS[persona][1]}. Coba ketik /start", file=out)
        try:
            while True:
                label = await _persona_label(runtime, persona, channel)
                print(f"\n[{label}] > ", end="", file=out, flush=True)
                line = await asyncio.to_thread(stdin.readline)
                if not line or line.strip() == "!keluar":
                    break
                line = line.strip()
                if not line:
                    continue
                if line == "!bantuan":
                    print(HELP, file=out)
                    continue
                if line.startswith("!sebagai"):
                    wanted = line.partition(" ")[2].strip()
                    if wanted in PERSONAS:
                        persona = wanted
                        label = await _persona_label(runtime, persona, channel)
                        print(f"Sekarang sebagai: {label}", file=out)
                    else:
                        print("Pilih: " + ", ".join(PERSONAS), file=out)
                    continue
                event = _event(persona, line, channel)
                if isinstance(event, str):
                    print(event, file=out)
                    continue
                async with runtime.db.transaction() as repos:
                    await repos.inbox.add(
                        channel=CHANNEL,
                        ext_id=uuid.uuid4().hex,
                        payload=event.model_dump(mode="json"),
                        sender_key=event.external_user_id,
                        now=runtime.clock.now(),
                    )
                await _settle(runtime)
        finally:
            await runtime.stop()
        print("\nDemo selesai. Sampai jumpa!", file=out)
    return 0
