"""QA walk 5: the notice of a suspension (or a reactivation) held for the person (behind
WhatsApp's closed window, or until they first write) is released by their next message. It
goes before the answer to that message, and the answer does not say it again: no "sedang
dinonaktifkan" refusal under "dinonaktifkan oleh", no welcome under "aktif kembali". A later
message is refused as ever. QA walk 6: that message is no answer to the form kept over the
suspension (the form's question follows the notice), nor "not understood". On both channels."""

from __future__ import annotations

import pytest

from handlers.delivery import PRIORITY, DeliveryKind
from handlers.events import OPEN_WAITING
from handlers.forms.state import new_state
from handlers.status_explained import STATUS_THREAD
from storage.db import Database
from storage.models import OutboxItem, Role, User
from tests.handlers.forms.report_answers import AT_PHOTOS_STATE
from tests.handlers.routed_turns import CHANNELS, button, person, said, send
from tests.storage.seed_cases import BABATAN, KADUGEDE, NOW, make_user

HELD = ("window", "never_wrote")  # behind WhatsApp's closed window; before their first message
MESSAGES = ({"text": "halo"}, {"command": "laporan_saya"}, {"data": "menu:lapor"})


async def _people(db: Database, channel: str, held: str) -> tuple[User, User]:
    """Ibu Sari, coordinator, and Bu Ani, PSM of Babatan: one who wrote before, or one known
    on the channel who never wrote to the bot (no chat yet: notices wait for her)."""
    sari = await person(db, "Ibu Sari", Role.COORDINATOR, channel)
    if held == "window":
        return sari, await person(db, "Bu Ani", Role.PSM, channel, kecamatan=KADUGEDE, desa=BABATAN)
    async with db.transaction() as repos:
        ani = await make_user(repos, "Bu Ani", Role.PSM, kecamatan=KADUGEDE, desa=BABATAN)
        await repos.users.add_identity(user_id=ani.id, channel=channel, external_id=str(ani.id))
    return sari, ani


async def _version(db: Database, user: User) -> int:
    async with db.reading() as repos:
        found = await repos.users.get(user.id)
    assert found is not None
    return found.version


async def _unsent(db: Database, user: User) -> list[OutboxItem]:
    async with db.reading() as repos:
        items = await repos.outbox.for_user(user.id)
    return [item for item in items if item.status in ("pending", "waiting")]


async def _change_status(db: Database, app, sari: User, ani: User, channel: str, verb: str, held):
    """Sari suspends ("sy") or reactivates ("a") Ani; the notice is held for her."""
    await send(db, app, sari, channel, data=f"pg:{verb}:{ani.id}:{await _version(db, ani)}")
    (notice,) = await _unsent(db, ani)
    if held == "window":  # what WhatsApp's sender does after the template
        async with db.transaction() as repos:
            assert await repos.outbox.hold(notice.id, error="window closed")
    (notice,) = await _unsent(db, ani)
    assert notice.status == "waiting" and notice.message["thread"] == STATUS_THREAD


def _goes_first(notice: OutboxItem) -> None:
    """Released with a reply's priority and older: before the answer queued after it."""
    assert notice.status == "pending"
    assert notice.priority <= PRIORITY[DeliveryKind.REPLY]


@pytest.mark.parametrize("message", MESSAGES)
@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_released_suspension_notice_is_the_one_answer(
    world, channel: str, held: str, message: dict
) -> None:
    db, app = world
    sari, ani = await _people(db, channel, held)
    await _change_status(db, app, sari, ani, channel, "sy", held)

    turn = await send(db, app, ani, channel, **message)
    assert said(turn) == ""  # not "Akun Bapak/Ibu sedang dinonaktifkan" under the notice
    assert STATUS_THREAD in turn.released.threads
    (notice,) = await _unsent(db, ani)
    assert notice.message["text"].startswith("Akun Bapak/Ibu dinonaktifkan oleh Ibu Sari")
    _goes_first(notice)

    later = said(await send(db, app, ani, channel, **message))
    assert "sedang dinonaktifkan oleh Ibu Sari" in later  # nothing released now: refused


@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_help_asked_while_the_notice_waits_comes_after_it(world, channel, held) -> None:
    db, app = world
    sari, ani = await _people(db, channel, held)
    await _change_status(db, app, sari, ani, channel, "sy", held)
    helped = said(await send(db, app, ani, channel, command="bantuan"))
    assert "sedang dinonaktifkan" in helped  # asked for: given
    (notice,) = await _unsent(db, ani)
    _goes_first(notice)


@pytest.mark.parametrize("held", HELD)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_released_reactivation_notice_is_the_welcome(world, channel, held) -> None:
    db, app = world
    sari, ani = await _people(db, channel, held)
    await _change_status(db, app, sari, ani, channel, "sy", held)
    await send(db, app, sari, channel, data=f"pg:a:{ani.id}:{await _version(db, ani)}")
    # The suspension's notice, still held, is dropped: the newer word on her account stands.
    (notice,) = await _unsent(db, ani)
    assert "aktif kembali" in notice.message["text"]
    if held == "window":
        async with db.transaction() as repos:
            assert await repos.outbox.hold(notice.id, error="window closed")

    turn = await send(db, app, ani, channel, text="halo")
    assert said(turn) == ""  # the notice, with her help, is the welcome
    assert turn.released.count == 1
    (notice,) = await _unsent(db, ani)
    _goes_first(notice)
    again = said(await send(db, app, ani, channel, text="halo"))
    assert again.startswith("Selamat datang kembali")


@pytest.mark.parametrize("channel", CHANNELS)
async def test_after_a_released_reactivation_the_message_is_answered(world, channel) -> None:
    """A request, or the form kept over the suspension, still follows the notice."""
    db, app = world
    sari, ani = await _people(db, channel, "window")
    await send(db, app, ani, channel, command="lapor")
    await send(db, app, ani, channel, text="Slamet Riyadi")  # the form is kept as a draft
    for verb in ("sy", "a"):
        await _change_status(db, app, sari, ani, channel, verb, "window")
    resumed = said(await send(db, app, ani, channel, text="halo"))
    assert "Selamat datang kembali" not in resumed
    assert app.catalog.text("id", "form.continue_hint") in resumed  # its question again

    await _change_status(db, app, sari, ani, channel, "sy", "window")
    await send(db, app, ani, channel, command="batal")  # the notice released; refused
    await _change_status(db, app, sari, ani, channel, "a", "window")
    mine = said(await send(db, app, ani, channel, command="laporan_saya"))
    assert mine and "aktif kembali" not in mine and "dinonaktifkan" not in mine


# QA walk 6: at a question taking any text ("Mengapa nomor KK tidak bisa diisi?"), the
# greeting that released the notice of her reactivation became the answer ("✓ Alasan tanpa
# KK: Assalamualaikum bu, ..."), and "halo" was asked about ("perintah halo, atau itu
# jawabannya?") at a question she had not seen for days. The notice is the answer (the form is
# kept), then the form's question again; her next message answers it.
GREETING = "Assalamualaikum bu, maaf baru bisa buka hp"
PHOTO_LATER = "⚠️ Foto ini belum disimpan, karena foto diminta nanti"
RELEASING = ({"text": GREETING}, {"text": "halo"}, {"photo": "photo-1"}, {"tap": "Tidak tahu"})


async def _held_reactivation_at_kk_reason(db: Database, app, channel: str) -> tuple[User, str]:
    """Bu Ani at the question why the KK number is missing (free text) when Ibu Sari suspends
    and reactivates her; the notice of the reactivation is held for her. The data of the KK
    question's "Tidak tahu" (on her screen from before)."""
    sari, ani = await _people(db, channel, "window")
    await send(db, app, ani, channel, command="lapor")
    at_kk = await send(db, app, ani, channel, text="Slamet Riyadi")
    unknown = button(at_kk, "Tidak tahu")
    await send(db, app, ani, channel, data=unknown)
    for verb in ("sy", "a"):
        await _change_status(db, app, sari, ani, channel, verb, "window")
    return ani, unknown


async def _answers(db: Database, user: User) -> dict:
    async with db.reading() as repos:
        session = await repos.forms.active(user.id)
    assert session is not None
    return session.state["answers"]


@pytest.mark.parametrize("message", RELEASING)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_the_message_releasing_a_reactivation_is_no_answer_to_the_form(
    world, channel: str, message: dict
) -> None:
    db, app = world
    ani, unknown = await _held_reactivation_at_kk_reason(db, app, channel)
    sent = {"data": unknown} if "tap" in message else message

    turn = await send(db, app, ani, channel, **sent)
    answered = said(turn)
    assert STATUS_THREAD in turn.released.threads
    # A photo is told it is not kept yet, as any photo there (the form takes photos: a burst
    # is answered whole, `test_a_burst_releasing_a_reactivation_is_answered_whole`).
    opening = PHOTO_LATER if "photo" in message else app.catalog.text("id", "form.continue_hint")
    assert answered.startswith(opening), answered
    assert "Mengapa nomor KK tidak bisa diisi?" in answered  # her question again
    assert "✓" not in answered and "jawabannya?" not in answered
    assert "no_kk_reason" not in await _answers(db, ani)
    (notice,) = await _unsent(db, ani)
    assert "aktif kembali" in notice.message["text"]
    _goes_first(notice)

    later = said(await send(db, app, ani, channel, text="belum tahu nomornya"))
    assert "✓ Alasan tanpa KK: belum tahu nomornya" in later
    assert (await _answers(db, ani))["no_kk_reason"] == "belum tahu nomornya"


async def test_the_template_tap_releasing_a_reactivation_shows_the_form_after_it(world) -> None:
    """WhatsApp: the tap on the template's "Buka pesan" releases the notice; the question of
    the form it says is kept follows it."""
    db, app = world
    ani, _ = await _held_reactivation_at_kk_reason(db, app, "whatsapp")
    answered = said(await send(db, app, ani, "whatsapp", data=OPEN_WAITING))
    assert answered.startswith(app.catalog.text("id", "form.continue_hint")), answered
    assert "Mengapa nomor KK tidak bisa diisi?" in answered


@pytest.mark.parametrize(
    ("typed", "told"),
    [("kontak", "Kontak Dinas Sosial"), ("saya mau data saya dihapus", "Data pribadi Bapak/Ibu")],
)
@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_request_releasing_a_reactivation_is_the_command(
    world, channel: str, typed: str, told: str
) -> None:
    """ "kontak" at a question taking any text is the command, not asked about ("perintah
    kontak, atau itu jawabannya?"), and words asking about her data are /privasi, not the
    answer: the question is not before her. The form comes back after it."""
    db, app = world
    ani, _ = await _held_reactivation_at_kk_reason(db, app, channel)
    answered = said(await send(db, app, ani, channel, text=typed))
    assert told in answered and "jawabannya?" not in answered and "✓" not in answered
    assert "Mengapa nomor KK tidak bisa diisi?" in answered
    assert "no_kk_reason" not in await _answers(db, ani)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_number_releasing_a_reactivation_still_leaves_the_chat(world, channel) -> None:
    """Not taken as the answer, a KK typed then, a digit short, is still no message to keep
    in the chat: it may be meant for a NIK or KK question, as at a choice held beside one."""
    db, app = world
    ani, _ = await _held_reactivation_at_kk_reason(db, app, channel)
    turn = await send(db, app, ani, channel, text="320801121019000")
    if channel == "telegram":
        assert turn.replies[0].type == "delete"
    else:
        assert said(turn).startswith(f"<i>{app.catalog.text('id', 'identifier.delete_yourself')}")
    assert "no_kk_reason" not in await _answers(db, ani)


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_greeting_releasing_a_reactivation_without_a_form_gets_the_notice(
    world, channel: str
) -> None:
    """No form kept: the notice, with her help, answers the greeting; not "belum mengerti"
    and the help again under it. A later greeting is answered as ever."""
    db, app = world
    sari, ani = await _people(db, channel, "window")
    for verb in ("sy", "a"):
        await _change_status(db, app, sari, ani, channel, verb, "window")
    turn = await send(db, app, ani, channel, text=GREETING)
    assert said(turn) == "" and STATUS_THREAD in turn.released.threads
    later = said(await send(db, app, ani, channel, text=GREETING))
    assert later.startswith(app.catalog.text("id", "errors.not_understood"))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_burst_releasing_a_reactivation_is_answered_whole(world, channel: str) -> None:
    """Review 9: three photos sent at once (a WhatsApp burst, a Telegram album) released the
    notice: the first was dropped with the question again, the others kept silently, the
    last said "Foto 2 diterima". At the photo question all three are kept, answered once;
    before it, all three are said not kept yet, once."""
    db, app = world
    sari, ani = await _people(db, channel, "window")
    async with db.transaction() as repos:
        await repos.forms.start(
            user_id=ani.id,
            form_id="case_report",
            form_version=app.forms["case_report"].version,
            state={**new_state(), **AT_PHOTOS_STATE},
            now=NOW,
        )
    for verb in ("sy", "a"):
        await _change_status(db, app, sari, ani, channel, verb, "window")

    first = await send(db, app, ani, channel, photo="AgAC-1", more=True)
    assert STATUS_THREAD in first.released.threads
    assert said(first) == ""  # the album's last photo answers for it
    assert said(await send(db, app, ani, channel, photo="AgAC-2", more=True)) == ""
    last = said(await send(db, app, ani, channel, photo="AgAC-3"))

    assert last.startswith("✓ Foto: 3 foto") and "Seberapa mendesak?" in last, last
    kept = (await _answers(db, ani))["photos"]
    assert [photo["ref"] for photo in kept] == ["AgAC-1", "AgAC-2", "AgAC-3"]


@pytest.mark.parametrize("channel", CHANNELS)
async def test_a_burst_releasing_a_reactivation_before_the_photos_is_told_once(
    world, channel: str
) -> None:
    db, app = world
    ani, _ = await _held_reactivation_at_kk_reason(db, app, channel)

    for number in (1, 2):
        assert said(await send(db, app, ani, channel, photo=f"AgAC-{number}", more=True)) == ""
    last = said(await send(db, app, ani, channel, photo="AgAC-3"))

    assert last.startswith("⚠️ 3 foto ini belum disimpan"), last
    assert "Mengapa nomor KK tidak bisa diisi?" in last
