"""A message in which someone typed a full NIK or KK leaves the Telegram chat, whatever it
answered: a name with a NIK in it (refused: the NIK has its own question), a /cari search."""

from __future__ import annotations

from tests.e2e.chat import TelegramPerson
from tests.e2e.test_review import PSM, TKSK, _report
from tests.e2e.test_review import people as people  # the fixture

HEAD_NIK = "3208010101900001"


def _deleted(fake, chat_id: int) -> set[int]:
    return {
        call.params["message_id"]
        for call in fake.calls_of("deleteMessage")
        if call.params["chat_id"] == chat_id and not call.error
    }


async def _typed(fake, person: TelegramPerson, text: str, until: str) -> int:
    """Type a text; wait for the reply containing `until`; the typed message's id."""
    before = len(person.messages())
    message_id = fake.next_message_id(person.user_id)
    fake.user_text(person.user_id, text)
    await fake.wait_for(
        lambda: any(until in m["text"] for m in person.messages()[before:]), what=repr(until)
    )
    return message_id


async def test_a_name_with_a_nik_is_refused_and_its_message_deleted(fake, people) -> None:
    psm = people[PSM]
    await psm.say("/lapor")
    message_id = await _typed(fake, psm, f"Slamet {HEAD_NIK}", "tidak boleh memuat NIK")
    await fake.wait_for(lambda: message_id in _deleted(fake, PSM), what="deleteMessage")
    assert HEAD_NIK not in str(psm.messages())
    assert "Slamet 320801******0001" in psm.messages()[-1]["text"]  # given back, masked
    reply = await psm.say("Slamet")  # the name alone is taken; the form goes on
    assert "KK" in reply[-1]["text"]
    assert fake.rejections == []


async def test_a_search_by_nik_is_deleted_from_the_chat(fake, people) -> None:
    psm, tksk = people[PSM], people[TKSK]
    await _report(fake, psm)
    message_id = await _typed(fake, tksk, "/cari 3208 0145 0623 0001", "Ditemukan")
    await fake.wait_for(lambda: message_id in _deleted(fake, TKSK), what="deleteMessage")
    kept = await _typed(fake, tksk, "/cari Ayu", "Ditemukan")  # a name stays
    assert kept not in _deleted(fake, TKSK)


async def test_a_nik_typed_after_cari_alone_is_the_search_and_leaves_the_chat(fake, people):
    """/cari alone asks what to look for; a NIK as the next message is the search (a free
    text would refuse it) and its message is deleted like /cari's own."""
    psm, tksk = people[PSM], people[TKSK]
    await _report(fake, psm)
    asked = await tksk.say("/cari")
    assert "Ketik nomor laporan, NIK" in asked[-1]["text"]
    message_id = await _typed(fake, tksk, "3208014506230001", "Ditemukan")
    await fake.wait_for(lambda: message_id in _deleted(fake, TKSK), what="deleteMessage")
    assert "3208014506230001" not in str(tksk.messages())
