"""The small chart of the coordinators' daily digest: yesterday's new cases by kecamatan and
by category, drawn by the statistics chart (`handlers.statistics.draw`) off the event loop, into
MEDIA_PATH/tmp. A chart that fails leaves the digest text alone."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from handlers.context import AppContext
from handlers.day_messages import DIGEST_TEXT_THREAD, DIGEST_THREAD, of_its_day
from handlers.delivery import DeliveryKind, deliver
from handlers.events import Outbound
from handlers.forms.option_labels import category_names, shown
from handlers.statistics import SHOWN, Chart, draw
from handlers.temp_files import temp_path
from storage.repos import Repos

CAPTION_LIMIT = 1024  # Telegram and WhatsApp captions


async def draw_digest_chart(
    app: AppContext, language: str, new: dict[str, Any], area: str, now: datetime
) -> Path | None:
    """The chart of yesterday's new cases (None when there were none or drawing failed)."""
    if not new["kecamatan"]:
        return None
    t = app.catalog.text
    names = category_names(app.forms, language)
    sections = [
        (t(language, "followup.digest_chart_by_kecamatan"), new["kecamatan"][:SHOWN]),
        (
            t(language, "followup.digest_chart_by_category"),
            [(shown(names, code), n) for code, n in new["categories"][:SHOWN]],
        ),
    ]
    chart = Chart(
        title=f"{t(language, 'followup.digest_chart_title')}\n{area}",
        axis=t(language, "followup.digest_chart_axis"),
        sections=[(name, items) for name, items in sections if items],
    )
    path = temp_path(app.media_dir, "ringkasan", ".png", now)
    return await draw(app, chart, path)


async def deliver_digest(
    repos: Repos,
    app: AppContext,
    *,
    user_id: int,
    language: str,
    text: str,
    summary: str,
    chart: Path | None,
    area: str,
    now: datetime,
) -> None:
    """The digest as one photo with the text as its caption when it fits; else the photo
    with a short caption followed by the text. Without a chart, the text alone. Each part
    is of its day and drops the person's older digest still unsent (`handlers.day_messages`:
    the photo, or the text alone, in one thread; a text after a photo in another, so it does
    not drop its own photo); `summary` announces it outside WhatsApp's window."""

    async def send(message: Outbound, thread: str) -> None:
        message = of_its_day(app, message.model_copy(update={"summary": summary}), thread, now)
        await deliver(repos, user_id=user_id, message=message, kind=DeliveryKind.ROUTINE, now=now)

    if chart is None:
        await send(Outbound.say(text), DIGEST_THREAD)
        return
    fits = len(text) <= CAPTION_LIMIT
    caption = (
        text if fits else app.catalog.text(language, "followup.digest_chart_caption", area=area)
    )
    await send(Outbound(type="image", file_path=str(chart), text=caption), DIGEST_THREAD)
    if not fits:
        await send(Outbound.say(text), DIGEST_TEXT_THREAD)
