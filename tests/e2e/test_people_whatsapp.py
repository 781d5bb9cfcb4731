"""People management and the phone change over WhatsApp: an admin manages people with
keywords, reply buttons and lists; the people concerned hear it on WhatsApp; a number is
verified by being the one the person writes from."""

from __future__ import annotations

import sqlite3

from bot.admin_tools import add_user
from tests.e2e.chat import TelegramPerson
from tests.e2e.whatsapp import WhatsAppPerson, body_of, new_wamid
from tests.fakes.whatsapp_api import button_reply

COORDINATOR, PSM_TG = 500, 701
ADMIN_PHONE = "6281299990000"  # ADMIN_WHATSAPP_PHONES of the wa_settings fixture


def _query(settings, sql: str, params: tuple = ()) -> list[tuple]:
    with sqlite3.connect(settings.database_path, timeout=60) as db:
        return db.execute(sql, params).fetchall()


def _wa_user(settings, user_id: str) -> int:
    ((found,),) = _query(
        settings, "SELECT user_id FROM channel_identities WHERE external_id = ?", (user_id,)
    )
    return found


async def _told(person: WhatsAppPerson, text: str) -> str:
    await person.graph.wait_for(
        lambda: any(text in body_of(m) for m in person.messages()), what=repr(text)
    )
    return next(body_of(m) for m in reversed(person.messages()) if text in body_of(m))


async def _start(fake, graph, wa_settings, webhook_url, start_wa_bot):
    await add_user(
        wa_settings, role="coordinator", telegram_id=COORDINATOR, name="Ibu Sari", kabupaten="32.08"
    )
    await start_wa_bot()
    coordinator = TelegramPerson(fake, COORDINATOR)
    await coordinator.say("/start")
    admin = WhatsAppPerson(graph, webhook_url, user_id="ID.9000", wa_id=ADMIN_PHONE, name="Admin")
    welcome = await admin.say("halo")
    # An admin by ADMIN_WHATSAPP_PHONES writing for the first time: welcomed as new.
    assert "Selamat datang di *psm-bot*, Bapak/Ibu Admin. Akun Bapak/Ibu sudah aktif" in body_of(
        welcome[0]
    )
    return coordinator, admin


async def _register(person: WhatsAppPerson, name: str) -> None:
    await person.say("halo")
    await person.say(name)
    await person.tap("+" + (person.wa_id or ""))  # the number WhatsApp vouches for
    await person.tap("PSM")
    await person.say("kadugede")
    await person.tap("Babatan")
    done = await person.tap("Kirim")
    assert "menunggu persetujuan" in body_of(done[0])


async def _registered(
    coordinator: TelegramPerson, person: WhatsAppPerson, name: str, admin: WhatsAppPerson
) -> None:
    """Registered over WhatsApp and approved on Telegram; the admin's copy of the request
    has arrived (so that it is not taken for the answer to their next message)."""
    await _register(person, name)
    await _told(admin, f"Nama: {name}")
    await coordinator.fake.wait_for(
        lambda: any(name in m["text"] for m in coordinator.messages()), what="request"
    )
    await coordinator.tap("Setujui", expect=0)
    await _told(person, "sudah disetujui")


async def test_registration_decided_over_whatsapp_once(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    coordinator, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1001", wa_id="6281234500001")
    await _register(person, "Siti Aminah")
    await _told(admin, "Nama: Siti Aminah")
    menu = await admin.say("pengguna")
    assert "Kelola pengguna" in body_of(menu[0]) and "Pendaftaran menunggu: 1" in body_of(menu[0])
    listing = await admin.tap("Pendaftaran (1)")
    assert "Pendaftaran menunggu persetujuan" in body_of(listing[0])
    card = await admin.tap("Siti Aminah")
    assert "Pendaftaran baru" in body_of(card[0])

    # The coordinator decides first on Telegram; the admin's tap on WhatsApp changes nothing.
    await fake.wait_for(
        lambda: any("Siti Aminah" in m["text"] for m in coordinator.messages()), what="request"
    )
    await coordinator.tap("Setujui", expect=0)
    await _told(person, "sudah disetujui")
    late = await admin.tap("Tolak")
    assert "sudah disetujui oleh Ibu Sari" in body_of(late[0])
    assert _query(
        wa_settings, "SELECT status, role FROM users WHERE full_name = 'Siti Aminah'"
    ) == [("active", "psm")]
    assert not any("tidak disetujui" in body_of(m) for m in person.messages())
    assert graph.rejections == [] and fake.rejections == []


async def test_back_from_a_rejection_in_pengguna_keeps_the_menu_button(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    _, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    person = WhatsAppPerson(graph, webhook_url, user_id="ID.1001", wa_id="6281234500001")
    await _register(person, "Siti Aminah")
    await _told(admin, "Nama: Siti Aminah")
    await admin.say("pengguna")
    await admin.tap("Pendaftaran (1)")
    (card,) = await admin.tap("Siti Aminah")
    assert _titles(card) == ["✅ Setujui", "❌ Tolak", "« Menu pengguna"]

    (confirm,) = await admin.tap("Tolak")
    assert "Tolak pendaftaran" in body_of(confirm)
    (back,) = await admin.tap("Kembali")
    assert "Pendaftaran baru" in body_of(back) and _titles(back) == _titles(card)
    menu = await admin.tap("Menu pengguna")
    assert "Kelola pengguna" in body_of(menu[0])
    assert _query(wa_settings, "SELECT status FROM users WHERE full_name = 'Siti Aminah'") == [
        ("pending",)
    ]
    assert graph.rejections == [] and fake.rejections == []


def _titles(message: dict) -> list[str]:
    """The reply buttons' titles of an interactive WhatsApp message."""
    buttons = message["interactive"]["action"].get("buttons", [])
    return [button["reply"]["title"] for button in buttons]


async def test_region_role_suspension_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    coordinator, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.1002", wa_id="6281234500002")
    await _registered(coordinator, psm, "Siti Aminah", admin)
    psm_id = _wa_user(wa_settings, "ID.1002")

    found = await admin.say("pengguna siti")
    assert "Ditemukan 1 pengguna" in body_of(found[0])
    card = await admin.tap("Siti Aminah")
    text = body_of(card[0])
    # In full: the admin must be able to call her (QA walk 9).
    assert "Saluran: WhatsApp" in text and "Nomor HP: +6281234500002" in text

    # Region: a kecamatan from the list, then a desa.
    await admin.tap("Ubah wilayah")
    await admin.tap("Berikutnya")
    await admin.tap("Ciniru")
    moved = await admin.tap("Cijemit")
    assert "Perubahan disimpan" in body_of(moved[0])
    assert "Cijemit" in await _told(psm, "diubah oleh Admin")
    assert _query(wa_settings, "SELECT desa_code FROM users WHERE id = ?", (psm_id,)) == [
        ("32.08.02.2002",)
    ]

    # Role: TKSK of Ciniru (which has none yet).
    await admin.tap("Ubah peran")
    done = await admin.tap("TKSK")
    assert "Peran: TKSK" in body_of(done[0])
    await _told(psm, "sekarang *TKSK*")
    assert _query(
        wa_settings, "SELECT role, kecamatan_code, desa_code FROM users WHERE id = ?", (psm_id,)
    ) == [("tksk", "32.08.02", None)]

    # Suspension: told on WhatsApp, refused everything but help, then back.
    await admin.tap("Nonaktifkan")
    await admin.tap("Ya, nonaktifkan")
    await _told(psm, "dinonaktifkan oleh Admin")
    refused = await psm.say("antrian")
    assert "sedang dinonaktifkan" in body_of(refused[0])
    assert "bantuan" in body_of((await psm.say("bantuan"))[0])
    await admin.tap("Aktifkan kembali")
    await _told(psm, "aktif kembali")
    queue = await psm.say("antrian")
    assert "dinonaktifkan" not in body_of(queue[0])

    # Made a coordinator: the help the notice carries says the export is Telegram's, as the
    # person's own help on WhatsApp does (it would refuse them here).
    await admin.tap("Ubah peran")
    await admin.tap("Koordinator")
    told = await _told(psm, "sekarang *Koordinator")
    (export,) = [line for line in told.splitlines() if "ekspor" in line]
    assert export.endswith("(hanya di Telegram)"), export
    actions = [a for (a,) in _query(wa_settings, "SELECT action FROM audit_log")]
    for action in ("person.region_changed", "person.role_changed", "person.suspended"):
        assert action in actions
    assert graph.rejections == [] and fake.rejections == []


async def test_hand_over_to_a_psm_on_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    coordinator, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    await add_user(
        wa_settings,
        role="psm",
        telegram_id=PSM_TG,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    leaving = TelegramPerson(fake, PSM_TG)
    await leaving.say("/start")
    await leaving.say("/lapor")
    await leaving.say("Keluarga Draf")
    receiver = WhatsAppPerson(graph, webhook_url, user_id="ID.1003", wa_id="6281234500003")
    await _registered(coordinator, receiver, "Siti Aminah", admin)

    await admin.say("pengguna ani")
    card = await admin.tap("Bu Ani")
    assert "Laporan terbuka: 0 · Draf: 1" in body_of(card[0])
    await admin.tap("Serahkan laporan")
    await admin.tap("Siti Aminah")
    done = await admin.tap("Ya, serahkan")
    assert "diserahkan kepada Siti Aminah" in body_of(done[0])
    assert "dari Bu Ani" in await _told(receiver, "menyerahkan")
    await fake.wait_for(
        lambda: any("kepada Siti Aminah" in m["text"] for m in leaving.messages()), what="told"
    )
    drafts = await receiver.say("draf")
    assert "Laporan yang belum selesai (1)" in body_of(drafts[0])
    handovers = _query(wa_settings, "SELECT id FROM audit_log WHERE action = 'person.handover'")
    assert len(handovers) == 1


async def test_phone_is_the_number_written_from(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    coordinator, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.1004", wa_id="6281234500004")
    await _registered(coordinator, psm, "Siti Aminah", admin)
    psm_id = _wa_user(wa_settings, "ID.1004")

    asked = await psm.say("nomor")
    assert "nomor yang dipakai untuk menulis" in body_of(asked[0])
    typed = await psm.say("0812 9999 8888")
    assert "Nomor itu belum disimpan. Di WhatsApp" in body_of(typed[0])
    assert "nomor" in body_of(typed[0]) and "dari nomor WhatsApp yang baru" in body_of(typed[0])
    same = await psm.tap("+6281234500004")
    assert "tetap +6281234500004" in body_of(same[0])

    # They change number: WhatsApp knows them by the same user id, writing from the new one.
    moved = WhatsAppPerson(graph, webhook_url, user_id="ID.1004", wa_id="6281234500044")
    await moved.say("nomor")
    done = await moved.tap("+6281234500044")
    assert "sekarang +6281234500044 (terverifikasi)" in body_of(done[0])
    assert _query(
        wa_settings, "SELECT phone, phone_verified FROM users WHERE id = ?", (psm_id,)
    ) == [("+6281234500044", 1)]
    assert _query(
        wa_settings,
        "SELECT phone, phone_verified, chat_id FROM channel_identities WHERE user_id = ?",
        (psm_id,),
    ) == [("+6281234500044", 1, "6281234500044")]
    actions = [a for (a,) in _query(wa_settings, "SELECT action FROM audit_log")]
    assert "user.phone_confirmed" in actions and "user.phone_changed" in actions


async def test_own_number_typed_at_registration_is_verified(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """WhatsApp vouches for the number a message comes from: typed with dashes, it is the same
    number, so the request and the person's card say it is verified."""
    _, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.1006", wa_id="6285712345678")
    await psm.say("halo")
    await psm.say("Dewi Lestari")
    await psm.say("0857-1234-5678")
    await psm.tap("PSM")
    await psm.say("kadugede")
    await psm.tap("Babatan")
    await psm.tap("Kirim")
    notice = await _told(admin, "Nama: Dewi Lestari")
    assert "+6285712345678 (terverifikasi: Ya)" in notice
    await admin.say("pengguna dewi")
    card = await admin.tap("Dewi Lestari")
    assert "(terverifikasi: Ya)" in body_of(card[0])
    assert _query(
        wa_settings, "SELECT phone, phone_verified FROM users WHERE full_name = 'Dewi Lestari'"
    ) == [("+6285712345678", 1)]


async def test_refusals_over_whatsapp(fake, graph, wa_settings, webhook_url, start_wa_bot) -> None:
    coordinator, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    psm = WhatsAppPerson(graph, webhook_url, user_id="ID.1005", wa_id="6281234500005")
    await _registered(coordinator, psm, "Siti Aminah", admin)
    psm_id = _wa_user(wa_settings, "ID.1005")
    assert "tidak berwenang" in body_of((await psm.say("pengguna"))[0])
    assert "tidak berwenang" in body_of((await psm.say("pengguna siti"))[0])
    coordinator_id = _query(wa_settings, "SELECT id FROM users WHERE role = 'coordinator'")[0][0]
    forged = await psm._post(
        button_reply(
            new_wamid(), psm.sender, f"pg:sy:{coordinator_id}:1", "x", context_id="wamid.x"
        ),
        1,
    )
    assert "tidak berwenang" in body_of(forged[0])
    assert _query(wa_settings, "SELECT status FROM users WHERE id = ?", (coordinator_id,)) == [
        ("active",)
    ]
    assert _query(
        wa_settings,
        "SELECT actor_id FROM audit_log WHERE action = 'people.refused'",
    ) == [(psm_id,)]


async def test_a_region_typed_at_the_pickers_over_whatsapp(
    fake, graph, wa_settings, webhook_url, start_wa_bot
) -> None:
    """The kecamatan and desa pickers (lists of seven) take a typed name: a close spelling
    is offered as a reply button, an exact one (with its level word) is the pick. A number
    counts no row behind "Pilih" (unnumbered), and past the reply buttons in sight it names
    the one it lands on (handlers/typed_numbers.py, as a form's question)."""
    _, admin = await _start(fake, graph, wa_settings, webhook_url, start_wa_bot)
    await add_user(
        wa_settings,
        role="psm",
        telegram_id=PSM_TG,
        name="Bu Ani",
        kabupaten="32.08",
        kecamatan="32.08.01",
        desa="32.08.01.2006",
    )
    await admin.say("pengguna ani")
    await admin.tap("Bu Ani")
    picker = await admin.tap("Ubah wilayah")
    assert "ketik nama kecamatannya" in body_of(picker[0])
    refused = await admin.say("2")
    assert body_of(refused[0]).startswith(
        "⚠️ Pilihan di sini tidak bernomor, jadi nomor 2 belum dicatat. Silakan pilih dari"
        " daftar (tekan *Pilih*), atau ketik namanya."
    ), body_of(refused[0])
    # The same list again, nothing picked, in the same message (as a form's refusal).
    assert len(refused) == 1, refused
    assert refused[0]["interactive"]["action"] == picker[0]["interactive"]["action"]
    assert "ketik nama kecamatannya" in body_of(refused[0])
    offered = await admin.say("kec ciniro")
    assert "Maksud Bapak/Ibu: Kecamatan *Ciniru*?" in body_of(offered[0])
    assert _titles(offered[0]) == ["Ciniru", "« Daftar lengkap"]
    offered = await admin.say("2")
    assert body_of(offered[0]).startswith(
        "⚠️ Nomor 2 bukan pilihan: pilih salah satu nomor 1, atau tekan Daftar lengkap."
    ), body_of(offered[0])
    assert _titles(offered[0]) == ["Ciniru", "« Daftar lengkap"]  # offered again
    desas = await admin.tap("Ciniru")
    assert "(Kecamatan Ciniru)" in body_of(desas[0])
    moved = await admin.say("Desa Cijemit")
    assert "Perubahan disimpan" in body_of(moved[0])
    assert _query(wa_settings, "SELECT desa_code FROM users WHERE full_name = 'Bu Ani'") == [
        ("32.08.02.2002",)
    ]
    assert graph.rejections == [] and fake.rejections == []
