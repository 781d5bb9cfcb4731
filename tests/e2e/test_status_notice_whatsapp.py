"""QA walk 5 over WhatsApp: a PSM suspended while her window is closed gets the template
"Perubahan akun"; her next message ("halo") gets one answer, the notice itself, not the
notice and the refusal "sedang dinonaktifkan" under it. One who never wrote gets no template,
and her first message gets the notice alone too (it came after the refusal). A reactivation
held the same way is the welcome: no "Selamat datang kembali" under it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.models import Role
from tests.e2e.db_writes import write_db
from tests.e2e.followup_world import add_whatsapp_user
from tests.e2e.test_people_whatsapp import _query, _registered, _start, _wa_user
from tests.e2e.whatsapp import WhatsAppPerson, body_of
from tests.storage.seed_cases import BABATAN, KADUGEDE


async def _close_window(settings, user_id: str) -> None:
    """As if the person last wrote 25 hours ago."""
    long_ago = (datetime.now(UTC) - timedelta(hours=25)).isoformat()
    await write_db(
        settings.database_path,
        "UPDATE channel_identities SET last_inbound_at = ? WHERE external_id = ?",
        long_ago,
        user_id,
    )


async def _held(person: WhatsAppPerson, settings, user_id: int) -> None:
    """The notice waits for the person (after its template, if she has a chat)."""
    await person.graph.wait_for(
        lambda: (
            _query(
                settings,
                "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND status = 'pending'",
                (user_id,),
            )
            == [(0,)]
            and _query(
                settings,
                "SELECT COUNT(*) FROM outbox WHERE user_id = ? AND status = 'waiting'",
                (user_id,),
            )
            == [(1,)]
        ),
        what="the notice held",
    )


async def _only_answer(person: WhatsAppPerson, settings, user_id: int, text: str) -> str:
    """What the person's `text` got, once everything for her is sent: one message."""
    answers = await _answers(person, settings, user_id, text)
    assert len(answers) == 1, answers
    return answers[0]


async def _answers(person: WhatsAppPerson, settings, user_id: int, text: str) -> list[str]:
    """Every message the person's `text` got, once everything for her is sent."""
    before = len(person.messages())
    await person.say(text)
    await person.graph.wait_for(
        lambda: (
            _query(
                settings,
                "SELECT COUNT(*) FROM outbox WHERE user_id = ?"
                " AND status IN ('pending', 'waiting')",
                (user_id,),
            )
            == [(0,)]
        ),
        what="everything sent",
    )
    return [body_of(m) for m in person.messages()[before:]]


async def _set_status(admin: WhatsAppPerson, name: str, *taps: str) -> None:
    await admin.say(f"pengguna {name.split()[0].lower()}")
    await admin.tap(name)
    for label in taps:
        await admin.tap(label)


async def test_a_held_suspension_and_reactivation_are_each_the_one_answer(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    coordinator, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.1002", wa_id="6281234500002")
    await _registered(coordinator, psm, "Siti Aminah", admin)
    psm_id = _wa_user(wa_settings, "ID.1002")

    await _close_window(wa_settings, "ID.1002")
    templates = len([m for m in psm.messages() if m["type"] == "template"])
    await _set_status(admin, "Siti Aminah", "Nonaktifkan", "Ya, nonaktifkan")
    await _held(psm, wa_settings, psm_id)
    assert len([m for m in psm.messages() if m["type"] == "template"]) == templates + 1
    told = await _only_answer(psm, wa_settings, psm_id, "halo")
    assert told.startswith("Akun Bapak/Ibu dinonaktifkan oleh Admin"), told
    assert "sedang dinonaktifkan" in await _only_answer(psm, wa_settings, psm_id, "halo")

    await _close_window(wa_settings, "ID.1002")
    await admin.tap("Aktifkan kembali")
    await _held(psm, wa_settings, psm_id)
    welcome = await _only_answer(psm, wa_settings, psm_id, "halo")
    assert welcome.startswith("Akun Bapak/Ibu sudah *aktif kembali*"), welcome
    assert "Selamat datang kembali" in await _only_answer(psm, wa_settings, psm_id, "halo")
    assert graph.rejections == [] and fake.rejections == []


async def test_the_suspension_of_one_who_never_wrote_is_her_first_answer(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    _, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    euis_id = await add_whatsapp_user(
        wa_settings,
        role=Role.PSM,
        bsuid="ID.8004",
        name="Euis Ciniru",
        kecamatan=KADUGEDE,
        desa=BABATAN,
    )
    euis = WhatsAppPerson(graph, webhook_url, user_id="ID.8004", wa_id="6281234508004")
    await _set_status(admin, "Euis Ciniru", "Nonaktifkan", "Ya, nonaktifkan")
    await _held(euis, wa_settings, euis_id)
    assert euis.messages() == []  # no chat yet: no template
    told = await _only_answer(euis, wa_settings, euis_id, "laporan_saya")
    assert told.startswith("Akun Bapak/Ibu dinonaktifkan oleh Admin"), told
    assert graph.rejections == [] and fake.rejections == []


async def test_the_greeting_releasing_a_reactivation_is_no_answer_to_the_form(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """QA walk 6: at the question why the KK is missing (any text), suspended and reactivated
    behind her closed window, she greets: the greeting became the answer ("✓ Alasan tanpa
    KK: Assalamualaikum bu, ..."). Now: the notice (the form is kept), then the question
    again; her next message answers it."""
    coordinator, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.1002", wa_id="6281234500002")
    await _registered(coordinator, psm, "Siti Aminah", admin)
    psm_id = _wa_user(wa_settings, "ID.1002")
    await psm.say("lapor")
    await psm.say("Karta Wijaya")
    (reason,) = await psm.tap("Tidak tahu")
    assert "Mengapa nomor KK tidak bisa diisi?" in body_of(reason)

    await _close_window(wa_settings, "ID.1002")
    await _set_status(admin, "Siti Aminah", "Nonaktifkan", "Ya, nonaktifkan")
    await admin.tap("Aktifkan kembali")
    await _held(psm, wa_settings, psm_id)
    notice, question = await _answers(
        psm, wa_settings, psm_id, "Assalamualaikum bu, maaf baru bisa buka hp"
    )
    assert notice.startswith("Akun Bapak/Ibu sudah *aktif kembali*"), notice
    assert "masih tersimpan" in notice and "Ketik *start* bila" in notice, notice
    assert question.startswith("Isian Bapak/Ibu masih berjalan."), question
    assert "Mengapa nomor KK tidak bisa diisi?" in question and "✓" not in question

    answered = await _only_answer(psm, wa_settings, psm_id, "belum tahu nomornya")
    assert answered.startswith("✓ Alasan tanpa KK: belum tahu nomornya"), answered
    assert graph.rejections == [] and fake.rejections == []
