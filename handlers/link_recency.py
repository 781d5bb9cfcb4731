"""Whether a number another channel verified, maybe long ago, still says who a new account is.

Indonesian prepaid numbers are recycled: Ibu Sari changes SIM, her WhatsApp goes quiet, and
months later her old number is a stranger's, who opens the bot on Telegram and shares his own
contact (or writes on WhatsApp from a number her Telegram verified). A new account is linked
across channels by a verified number only while the account that verified it still speaks
for the person (`vouches_now`): heard from within `LINK_RECENT_DAYS`, not marked unreachable.
Otherwise (`refuse_stale_link`) the newcomer goes on as a new person, the number is no longer
the old person's, and they are told where that costs nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.account_links import forget_numbers, tell_elsewhere
from handlers.context import Turn
from storage.models import ChannelIdentity

# A coordinator or PSM at work writes every few weeks at least; an account silent for two
# months may be on a number its person gave up (an unused prepaid number is recycled after
# some months), and asking them first was left out (docs/model.md: many use one app only).
LINK_RECENT_DAYS = 60


def vouches_now(identity: ChannelIdentity, now: datetime) -> bool:
    """Whether the identity that verified a number still speaks for its person: they wrote
    from it within `LINK_RECENT_DAYS` and the channel has not marked it unreachable."""
    if identity.unreachable_at is not None or identity.last_inbound_at is None:
        return False
    return now - identity.last_inbound_at <= timedelta(days=LINK_RECENT_DAYS)


async def refuse_stale_link(turn: Turn, verifier: ChannelIdentity, phone: str) -> None:
    """A new account of the event's channel, vouched by it to hold `phone`, is not linked to
    the person `verifier` (another channel's identity, silent or unreachable) verified it
    for: the number is no longer verified as theirs (it links nobody to them again; a
    setting's admin number given up, the admins told: `forget_numbers`), audited
    `user.link_refused`, and they are told on their chats that cost nothing to write to."""
    owner = await forget_numbers(turn, verifier, {phone})
    await turn.repos.audit.record(
        now=turn.now,
        actor_id=None,
        action="user.link_refused",
        subject=f"user:{verifier.user_id}",
        detail={
            "channel": turn.event.channel,
            "verified_on": verifier.channel,
            "why": "unreachable" if verifier.unreachable_at else "silent",
        },
    )
    if owner is not None:
        # Someone else registered with their number: told where it costs nothing (a
        # WhatsApp template to an account silent for months is skipped).
        await tell_elsewhere(
            turn, owner, turn.event.channel, "account_link.link_refused", phone, free_only=True
        )
