"""/laporan_saya on Telegram and WhatsApp alike: the cases sent back come first with the
reviewer's note, each case has a "Lihat" button (and "Perbaiki" while sent back), a long list
goes by pages that WhatsApp still shows as one list, and after a handover the list says to
whom the reports went instead of "never reported"."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.channels.whatsapp.outbound import MAX_ROWS, render
from handlers.context import AppContext, Turn
from storage.db import Database
from storage.models import Role, User
from tests.handlers.review_turns import ReviewWorld, review_world
from tests.handlers.routed_turns import CHANNELS, labels, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, seed_case

FIRST = "KNG-2026-000001"  # review_world's case
NEVER = "belum pernah"


async def _more_cases(db: Database, psm: User, count: int, state: str = "submitted") -> list[int]:
    """`count` more cases of the PSM's, each an hour newer than the one before."""
    ids = []
    async with db.transaction() as repos:
        for n in range(count):
            ids.append(
                await seed_case(
                    repos,
                    reporter=psm,
                    desa=BABATAN,
                    at=NOW - timedelta(hours=count - n),
                    number=f"KNG-2026-{n + 2:06d}",
                    state=state,
                    people=((f"Anak {n}", f"32080145062300{n + 10:02d}"),),
                )
            )
    return ids


async def _send_back(db: Database, app: AppContext, world: ReviewWorld, channel: str) -> None:
    """The TKSK sends review_world's case back with a note."""
    await send(db, app, world.tksk, channel, data=f"ca:b:{world.case_id}:1")
    await send(db, app, world.tksk, channel, text="Alamat kurang lengkap & RT belum ada")


def _whatsapp_kind(turn: Turn) -> str:
    """How WhatsApp would show the list's options: reply buttons, a list, or numbered text."""
    (message,) = [reply for reply in turn.replies if reply.buttons]
    body = render(message, turn.app.catalog, "id").bodies[-1]
    return body["interactive"]["type"] if body["type"] == "interactive" else "numbered"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_case_sent_back_comes_first_with_its_note_and_buttons(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    second, third = await _more_cases(db, people.psm, 2)
    await _send_back(db, app, people, channel)

    mine = await send(db, app, people.psm, channel, command="laporan_saya")
    text = said(mine)
    assert "<b>Laporan saya (3)</b> · halaman 1/1" in text
    lines = text.splitlines()
    first_line = next(i for i, line in enumerate(lines) if FIRST in line)
    assert "Perlu perbaikan" in lines[first_line]
    # The note, escaped, on the line under the case: who (by role), when, what to change.
    assert lines[first_line + 1].strip() == (
        "↩️ Catatan dari TKSK (29-11-2026): Alamat kurang lengkap &amp; RT belum ada"
    )
    assert text.index(FIRST) < text.index("KNG-2026-000003") < text.index("KNG-2026-000002")
    assert "1 laporan perlu perbaikan" in text
    assert labels(mine) == [
        f"Perbaiki {FIRST}",
        f"Lihat {FIRST}",
        "Lihat KNG-2026-000003",
        "Lihat KNG-2026-000002",
    ]
    data = [b.data for reply in mine.replies for row in reply.buttons for b in row]
    assert data == [
        f"rv:{people.case_id}",
        f"mc:{people.case_id}",
        f"mc:{third}",
        f"mc:{second}",
    ]
    assert _whatsapp_kind(mine) == "list"


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_long_list_goes_by_pages_each_one_whatsapp_list(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    await _more_cases(db, people.psm, 8, state="needs_revision")  # 9 cases, 8 sent back

    first = await send(db, app, people.psm, channel, command="laporan_saya")
    assert "<b>Laporan saya (9)</b> · halaman 1/3" in said(first)
    assert labels(first)[-1] == "Berikutnya ›"
    middle = await send(db, app, people.psm, channel, data="ml:1")
    assert "halaman 2/3" in said(middle)
    # 4 cases sent back, a "Perbaiki" and a "Lihat" each, previous and next: 10 options.
    assert len(labels(middle)) == MAX_ROWS
    assert labels(middle)[-2:] == ["‹ Sebelumnya", "Berikutnya ›"]
    last = await send(db, app, people.psm, channel, data="ml:2")
    assert "halaman 3/3" in said(last) and FIRST in said(last)  # the one not sent back, last
    assert labels(last) == [f"Lihat {FIRST}", "‹ Sebelumnya"]
    for page in (first, middle, last):
        assert _whatsapp_kind(page) == "list"
    # A page an old button asked for, past the end now: the last one.
    beyond = await send(db, app, people.psm, channel, data="ml:7")
    assert "halaman 3/3" in said(beyond)


async def _hand_over(db: Database, app: AppContext, world: ReviewWorld, channel: str) -> User:
    """The coordinator hands the PSM's open cases to Bu Wati (the final button)."""
    wati = await person(db, "Bu Wati", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.reading() as repos:
        ani = await repos.users.get(world.psm.id)
    assert ani is not None
    done = await send(
        db, app, world.coordinator, channel, data=f"pg:hy:{ani.id}:{ani.version}:{wati.id}"
    )
    assert "diserahkan kepada Bu Wati" in said(done), said(done)
    return wati


@pytest.mark.parametrize("channel", CHANNELS)
async def test_after_a_handover_the_list_says_to_whom_not_never(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    wati = await _hand_over(db, app, people, channel)

    mine = said(await send(db, app, people.psm, channel, command="laporan_saya"))
    assert NEVER not in mine
    assert "diserahkan kepada PSM lain" in mine
    # Only what moved is named (was "1 laporan dan 0 draf").
    assert "• 1 laporan terbuka Bapak/Ibu diserahkan kepada <b>Bu Wati</b> pada 29-11-2026" in mine
    assert "0 draf" not in mine
    assert "/lapor" in mine and FIRST not in mine
    assert FIRST in said(await send(db, app, wati, channel, command="laporan_saya"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_closed_cases_stay_listed_beside_the_handover(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    (closed,) = await _more_cases(db, people.psm, 1, state="resolved")  # not handed over
    await _hand_over(db, app, people, channel)

    mine = await send(db, app, people.psm, channel, command="laporan_saya")
    text = said(mine)
    assert "KNG-2026-000002 · Selesai" in text and FIRST not in text
    assert "Diserahkan kepada PSM lain:" in text
    assert "1 laporan terbuka Bapak/Ibu diserahkan kepada <b>Bu Wati</b>" in text
    assert labels(mine) == ["Lihat KNG-2026-000002"]
    assert [b.data for reply in mine.replies for row in reply.buttons for b in row] == [
        f"mc:{closed}"
    ]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_rejected_case_says_by_whom_and_why(world, channel) -> None:
    db, app = world
    people = await review_world(db, channel, reported_at=NOW - timedelta(days=3))
    await send(db, app, people.coordinator, channel, data=f"ca:x:{people.case_id}:1")
    await send(db, app, people.coordinator, channel, text="Keluarga sudah pindah ke Cirebon")

    lines = said(await send(db, app, people.psm, channel, command="laporan_saya")).splitlines()
    at = next(i for i, line in enumerate(lines) if FIRST in line)
    assert "Ditolak" in lines[at]
    assert lines[at + 1].strip() == (
        "✖️ Ditolak oleh Koordinator Dinas Sosial (29-11-2026). "
        "Alasannya: Keluarga sudah pindah ke Cirebon"
    )


@pytest.mark.parametrize("channel", CHANNELS)
async def test_no_case_sent_but_a_draft_open_points_to_the_draft(world, channel) -> None:
    """QA walk 4: "belum pernah mengirim laporan. Ketik /lapor" with a draft half filled."""
    db, app = world
    ani = await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    await send(db, app, ani, channel, text="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")  # the draft has an answer

    turn = await send(db, app, ani, channel, command="laporan_saya")

    answered = said(turn)
    assert NEVER not in answered and "/lapor " not in answered, answered
    assert "1 laporan yang belum selesai (draf)" in answered
    assert labels(turn)[0] == app.catalog.text("id", "menu.drafts")
    assert "Kartu Keluarga" in answered  # the form's question comes back after it
