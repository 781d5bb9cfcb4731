"""/bimtek: today's and coming trainings first (soonest first), then past ones (latest
first), in pages a WhatsApp list can hold, the page buttons short enough for Telegram."""

from __future__ import annotations

from handlers.trainings import page
from storage.models import Role
from tests.handlers.chat_turns import app_context
from tests.handlers.training_turns import at, button_data, labels, new_training, person, turn
from tests.storage.seed_cases import open_database


async def test_today_first_then_coming_then_past_with_more_pages(tmp_path):
    app = app_context(tmp_path / "media")
    db = await open_database(tmp_path / "psm.db")
    try:
        async with db.transaction() as repos:
            coordinator = await person(repos, "Ibu Sari", Role.COORDINATOR)
            for day in (2, 3):
                await new_training(
                    repos, coordinator, [(at(day, 8), at(day, 12))], title=f"Lalu {day}"
                )
            # Started at 07.00 and over by 07.30: still today's, its export still wanted.
            await new_training(repos, coordinator, [(at(8, 7), at(8, 7, 30))], title="Pagi tadi")
            await new_training(repos, coordinator, [(at(8, 8), at(8, 12))], title="Hari ini")
            for day in range(10, 20):
                await new_training(
                    repos, coordinator, [(at(day, 8), at(day, 12))], title=f"Nanti {day}"
                )
        now = at(8, 9)
        async with db.transaction() as repos:
            first = await turn(app, repos, coordinator, now, command="bimtek")
            await page.show_trainings(first)
        shown = labels(first)
        assert shown[:3] == ["08-12 Pagi tadi", "08-12 Hari ini", "10-12 Nanti 10"]
        assert len(shown) <= 10  # a WhatsApp list
        assert all(len(data.encode()) <= 64 for data in button_data(first))
        pages = [shown]
        current = first
        while "Berikutnya ›" in labels(current):
            more = button_data(current)[labels(current).index("Berikutnya ›")]
            async with db.transaction() as repos:
                current = await turn(app, repos, coordinator, now, data=more)
                await page.page_button(current, more)
            pages.append(labels(current))
            assert len(pages) < 5
        trainings = [label for shown in pages for label in shown if label[:2].isdigit()]
        assert trainings == [
            "08-12 Pagi tadi",
            "08-12 Hari ini",
            *[f"{day}-12 Nanti {day}" for day in range(10, 20)],
            "03-12 Lalu 3",
            "02-12 Lalu 2",
        ]
    finally:
        await db.close()
