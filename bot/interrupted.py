"""At start: tell each person whose statistics or export was still being prepared when the bot
stopped (a restart, a crash) that it was not finished and to ask again.

Heavy work runs in memory after its turn commits (`BackgroundJob`); what is written down is
only that an answer is owed (`background_requests`, migration 0017), so nobody waits for
an answer that will never come.
"""

from __future__ import annotations

from datetime import datetime

from handlers.context import AppContext
from handlers.delivery import DeliveryKind, deliver_to_chat
from handlers.events import Outbound
from storage.repos import Repos


async def tell_interrupted(repos: Repos, app: AppContext, now: datetime) -> int:
    """Queue "ask again" for every request left unanswered; returns how many."""
    requests = await repos.background.take_all()
    for request in requests:
        text = app.catalog.text(request.language, "background.interrupted")
        await deliver_to_chat(
            repos,
            user_id=request.user_id,
            messages=[Outbound.say(text)],
            kind=DeliveryKind.REPLY,
            now=now,
            channel=request.channel,
            chat_id=request.chat_id,
        )
    return len(requests)
