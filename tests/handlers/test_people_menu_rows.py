"""/pengguna's menu rows read right as WhatsApp list rows: a label too long for a row's title
is split where its parts join (" · "), never in the middle of a name ("Per kecamatan
Kabupaten | Kuningan")."""

from __future__ import annotations

from bot.channels.whatsapp.outbound import list_row
from storage.models import Role
from tests.handlers.routed_turns import labels, person, send


async def test_the_people_menu_rows_split_where_their_parts_join(world) -> None:
    db, app = world
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, "whatsapp")
    menu = await send(db, app, sari, "whatsapp", command="pengguna")
    rows = [list_row(label) for label in labels(menu)]
    assert ("Per kecamatan", "Kabupaten Kuningan") in rows, rows
    assert all(row is not None and row[0] for row in rows), rows
