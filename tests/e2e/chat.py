"""A person chatting with the bot through the fake Telegram server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakes.telegram_api import FakeTelegram

WAIT = 10.0  # seconds a reply may take (a chart or workbook drawn first: RENDER_WAIT)
# A chart or workbook is drawn in a worker process started on first use (spawned, importing
# matplotlib, at a lower priority than the bot: bot/priority.py); on a loaded 2-core machine
# the first one takes tens of seconds.
RENDER_WAIT = 120.0


@dataclass
class TelegramPerson:
    """Sends updates as one Telegram user and reads what the bot sent them."""

    fake: FakeTelegram
    user_id: int
    name: str = "Budi"

    def messages(self) -> list[dict[str, Any]]:
        return self.fake.sent_to(self.user_id)

    async def say(
        self, text: str, *, expect: int = 1, until: str | None = None, within: float = WAIT
    ) -> list[dict[str, Any]]:
        """Send a text (or /command) and wait for `expect` new messages (or for one that
        contains `until`, when other notices may arrive in between), `within` seconds."""
        before = len(self.messages())
        self.fake.user_text(self.user_id, text, first_name=self.name)
        return await self._wait(before, expect, until, within)

    async def share_contact(
        self, phone: str, *, own: bool = True, expect: int = 2
    ) -> list[dict[str, Any]]:
        """Share a contact; the reply comes in two messages (the first closes the keyboard)."""
        before = len(self.messages())
        self.fake.user_contact(
            self.user_id, phone, contact_user_id=self.user_id if own else self.user_id + 1
        )
        return await self._wait(before, expect)

    async def tap(
        self, label: str, *, expect: int = 1, until: str | None = None, within: float = WAIT
    ) -> list[dict[str, Any]]:
        """Tap the button whose label contains `label` on the latest message that has it."""
        for message in reversed(self.all_with_buttons()):
            for row in message["reply_markup"]["inline_keyboard"]:
                for button in row:
                    if label in button["text"]:
                        return await self.tap_data(
                            button["callback_data"],
                            message["message_id"],
                            expect=expect,
                            until=until,
                            within=within,
                        )
        raise AssertionError(f"no button {label!r} in {self.latest_text()!r}")

    async def tap_data(
        self,
        data: str,
        message_id: int,
        *,
        expect: int = 1,
        until: str | None = None,
        within: float = WAIT,
    ) -> list[dict]:
        before = len(self.messages())
        self.fake.user_callback(self.user_id, data, message_id=message_id, first_name=self.name)
        return await self._wait(before, expect, until, within)

    def all_with_buttons(self) -> list[dict[str, Any]]:
        """Sent messages with an inline keyboard, as they look now (after edits)."""
        found = []
        for call in self.fake.calls:
            if call.method != "sendMessage" or call.error or call.rejected:
                continue
            if str(call.params.get("chat_id")) != str(self.user_id):
                continue
            result = call.result or {}
            current = self.fake.message(self.user_id, result.get("message_id", -1)) or result
            markup = current.get("reply_markup") or {}
            if markup.get("inline_keyboard"):
                found.append(current)
        return found

    async def wait_button(self, label: str) -> None:
        """Wait until a message has a button whose label contains `label` (an edit)."""
        await self.fake.wait_for(
            lambda: any(
                label in button["text"]
                for message in self.all_with_buttons()
                for row in message["reply_markup"]["inline_keyboard"]
                for button in row
            ),
            what=f"a button {label!r}",
        )

    def latest_text(self) -> str:
        messages = self.messages()
        return messages[-1]["text"] if messages else ""

    async def _wait(
        self, before: int, expect: int, until: str | None = None, within: float = WAIT
    ) -> list[dict[str, Any]]:
        if until is not None:
            await self.fake.wait_for(
                lambda: any(until in m["text"] for m in self.messages()[before:]),
                within,
                what=f"a message with {until!r}",
            )
            return [m for m in self.messages()[before:] if until in m["text"]]
        if expect == 0:
            return []
        messages = await self.fake.wait_sent(self.user_id, before + expect, within)
        return messages[before:]
