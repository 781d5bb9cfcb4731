"""The parts of an outbox message a channel took in several sends (migration 0023).

A long text goes in pieces, WhatsApp's plain text before its buttons: each part is its own
API call, and any of them may fail after the ones before it went out. The ids of the parts
accepted are kept, so the send tried again resumes after them (the person never reads a
part twice) and a status report about any part finds its message
(`OutboxRepo.by_ext_message_id`)."""

from __future__ import annotations

from collections.abc import Sequence

from storage.base import Repo


class OutboxPartsRepo(Repo):
    """The outbox_parts table."""

    async def record(
        self, outbox_id: int, channel: str, parts: Sequence[str], *, whole: bool
    ) -> None:
        """The parts of the message accepted so far, in order (exactly these: a sending
        begun again replaces the ids of the one before). Not `whole`: the message is not
        sent yet, so its channel id is cleared and the next attempt resumes after them."""
        await self._run("DELETE FROM outbox_parts WHERE outbox_id = ?", (outbox_id,))
        await self.conn.executemany(
            "INSERT INTO outbox_parts (outbox_id, part, channel, ext_message_id)"
            " VALUES (?, ?, ?, ?)",
            [(outbox_id, index, channel, ext_id) for index, ext_id in enumerate(parts)],
        )
        if not whole:
            await self._run("UPDATE outbox SET ext_message_id = NULL WHERE id = ?", (outbox_id,))

    async def to_resume(self, outbox_id: int) -> list[str]:
        """The ids of the parts a message tried again already delivered, in order; none
        once the message went out whole (it is sent again whole only when the channel
        refused it later: a status report's 131047 or 131062), nor when it now goes by
        another channel (its person unreachable where the parts went: all of it goes)."""
        rows = await self._all(
            "SELECT p.ext_message_id FROM outbox_parts p JOIN outbox o ON o.id = p.outbox_id"
            " WHERE p.outbox_id = ? AND p.channel = o.channel AND o.ext_message_id IS NULL"
            " ORDER BY p.part",
            (outbox_id,),
        )
        return [row[0] for row in rows]
