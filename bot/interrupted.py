"""At start: tell each person whose statistics or export was still being prepared when the bot
stopped (a restart, a crash) that it was not finished and to ask again; a form's question that
was to follow the answer (a command amid a report) follows the notice, if the form is still
where it was.

Heavy work runs in memory after its turn commits (`BackgroundJob`); what is written down is
only that an answer is owed (`background_requests`, migrations 0017 and 0030), so nobody waits
for an answer that will never come.
"""

from __future__ import annotations

from datetime import datetime

from handlers.context import AppContext, FormResume
from handlers.delivery import DeliveryKind, deliver_to_chat
from handlers.events import Inbound, InboundKind, Outbound
from handlers.forms.held_question import question_below_result
from storage.background import BackgroundRequest
from storage.repos import Repos


async def tell_interrupted(repos: Repos, app: AppContext, now: datetime) -> int:
    """Queue "ask again" for every request left unanswered; returns how many."""
    requests = await repos.background.take_all()
    for request in requests:
        text = app.catalog.text(request.language, "background.interrupted")
        question = await question_below_result(
            app,
            repos,
            _standing_for(request),
            user_id=request.user_id,
            resume=_resume_of(request),
            now=now,
        )
        await deliver_to_chat(
            repos,
            user_id=request.user_id,
            messages=[Outbound.say(text), *question],
            kind=DeliveryKind.REPLY,
            now=now,
            channel=request.channel,
            chat_id=request.chat_id,
        )
    return len(requests)


def _resume_of(request: BackgroundRequest) -> FormResume | None:
    if request.resume_session is None or request.resume_rev is None:
        return None
    return FormResume(request.resume_session, request.resume_rev)


def _standing_for(request: BackgroundRequest) -> Inbound:
    """The request's chat as an event: the turn that drew the question is gone, only its
    channel and chat are known (what the question's drawing reads of it)."""
    return Inbound(
        channel=request.channel,
        external_user_id=request.chat_id,
        chat_id=request.chat_id,
        kind=InboundKind.OTHER,
    )
